//! The stores on SQL: every statement the edge sends to D1 and the mapping of its rows, over a
//! tiny asynchronous port ([`SqlPort`]: all, first, run, batch). In the Worker the port is D1
//! (`glue/d1.rs`, a thin adapter); in native tests it is SQLite with `edge/migrations/` applied
//! (`store::sqlite`), so the same SQL passes the same contract tests as the memory store
//! (`store::contract`). Schema: `edge/migrations/`.

mod action_log;
mod agents;
mod canned;
mod console_changes;
mod conversations;
mod erasure;
mod handoff;
mod inbox;
mod model_usage;
mod reports;

use super::StoreError;
use serde::de::DeserializeOwned;

/// The database's clock in Unix ms (D1's and SQLite's alike): an erasure's tombstone is dated by
/// the database, not by the caller.
pub const NOW_MS: &str = "CAST(strftime('%s', 'now') AS INTEGER) * 1000";

/// A value bound to a `?N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// An integer (times in ms, counts, flags).
    Integer(i64),
    /// Text (ids, JSON).
    Text(String),
}

impl SqlValue {
    /// Text, or `NULL` for none.
    pub fn opt_text(s: Option<&str>) -> Self {
        s.map_or(Self::Null, Self::text)
    }

    /// Text.
    pub fn text(s: &str) -> Self {
        Self::Text(s.to_string())
    }

    /// An unsigned integer: a time in ms or a count, far below `i64::MAX` (a larger one, which
    /// no caller passes, would mean "no bound" and is bound as `i64::MAX`).
    pub fn int(n: u64) -> Self {
        Self::Integer(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A statement and its arguments, in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// SQL with `?1`, `?2`, … placeholders.
    pub sql: String,
    /// The values of the placeholders.
    pub args: Vec<SqlValue>,
}

impl Query {
    /// `sql` with `args`.
    pub fn new(sql: impl Into<String>, args: Vec<SqlValue>) -> Self {
        Self { sql: sql.into(), args }
    }
}

/// What a write reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Rows changed, if the database said.
    pub changes: Option<u32>,
    /// The id of the last row inserted, if the database said.
    pub last_row_id: Option<i64>,
}

/// One statement's result in a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Batched {
    /// Its rows, as JSON objects by column name.
    pub rows: Vec<serde_json::Value>,
    /// Rows changed (writes), if the database said.
    pub changes: Option<u32>,
}

/// A SQL database as the stores use it (D1's prepared-statement API, reduced to what is used).
/// Rows are deserialized by column name; integers may arrive as floating-point numbers (D1 hands
/// JavaScript numbers), so row types read them as `f64`.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait SqlPort {
    /// Every row the statement returns.
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError>;
    /// The first row, if any.
    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError>;
    /// Runs a statement that returns no rows.
    async fn run(&self, query: &Query) -> Result<Written, StoreError>;
    /// Runs the statements in order as one transaction: all of them or none.
    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError>;
}

impl<P: SqlPort> SqlPort for &P {
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
        (**self).all(query).await
    }
    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
        (**self).first(query).await
    }
    async fn run(&self, query: &Query) -> Result<Written, StoreError> {
        (**self).run(query).await
    }
    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
        (**self).batch(queries).await
    }
}

/// [`ConversationStore`](super::ConversationStore), [`ActionLogStore`](super::ActionLogStore) and
/// [`ErasureStore`](super::ErasureStore) on a SQL database with the schema of `edge/migrations/`.
pub struct SqlStore<P> {
    db: P,
}

impl<P: SqlPort> SqlStore<P> {
    /// The stores on `db`.
    pub fn new(db: P) -> Self {
        Self { db }
    }

    /// The database underneath (a conversation's object flushes its replica; tests count round trips).
    pub fn port(&self) -> &P {
        &self.db
    }
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// `?1, ?2, …, ?n`: one placeholder per value.
fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

/// The number of rows a write changed; D1 always reports it, so its absence is a failure.
fn changes(changes: Option<u32>) -> Result<u32, StoreError> {
    changes.ok_or_else(|| fail("the database did not report how many rows changed"))
}
