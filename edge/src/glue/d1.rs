//! D1 as a [`SqlPort`]: binds values and reads rows and write counts. The statements and the row
//! mapping live in `store::sql` (tested natively on SQLite); this file only speaks to D1.

use crate::store::sql::{Batched, Query, SqlPort, SqlStore, SqlValue, Written};
use crate::store::StoreError;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

/// The Worker's storage: conversations and the action log in D1 (rate-limit windows live in the
/// `Limits` Durable Object, `glue/limiter.rs`).
pub type D1Store = SqlStore<D1>;

/// The `DB` binding.
pub struct D1(D1Database);

impl D1Store {
    /// The stores on the `DB` binding.
    pub fn on(db: D1Database) -> Self {
        SqlStore::new(D1(db))
    }
}

impl D1 {
    /// The `DB` binding as a port (a conversation object's replica flushes to it).
    pub fn on(db: D1Database) -> Self {
        Self(db)
    }
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn js(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        // Every integer the stores bind (ms times, limits, flags) is below 2^53: exact as a number.
        SqlValue::Integer(n) => JsValue::from_f64(*n as f64),
        SqlValue::Text(s) => JsValue::from_str(s),
    }
}

impl D1 {
    fn statement(&self, query: &Query) -> Result<D1PreparedStatement, StoreError> {
        let args: Vec<JsValue> = query.args.iter().map(js).collect();
        self.0.prepare(query.sql.as_str()).bind(&args).map_err(fail)
    }
}

fn written(result: &D1Result) -> Result<Written, StoreError> {
    let meta = result.meta().map_err(fail)?;
    Ok(Written {
        changes: meta.as_ref().and_then(|m| m.changes).map(|n| n as u32),
        last_row_id: meta.and_then(|m| m.last_row_id),
    })
}

impl SqlPort for D1 {
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
        self.statement(query)?.all().await.map_err(fail)?.results().map_err(fail)
    }

    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
        self.statement(query)?.first(None).await.map_err(fail)
    }

    async fn run(&self, query: &Query) -> Result<Written, StoreError> {
        written(&self.statement(query)?.run().await.map_err(fail)?)
    }

    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
        let statements = queries.iter().map(|q| self.statement(q)).collect::<Result<Vec<_>, _>>()?;
        let results = self.0.batch(statements).await.map_err(fail)?;
        results.iter().map(|r| Ok(Batched { rows: r.results().map_err(fail)?, changes: written(r)?.changes })).collect()
    }
}
