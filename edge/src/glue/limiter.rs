//! [`RateLimiter`] on the Workers runtime: `Limits` Durable Objects (binding `LIMITS`) keep the
//! windows in their own SQLite storage, the key space cut into `limits::shards::SHARDS` objects
//! (`limits-0` …) by key, so no single object serves every visitor. A Durable Object handles one
//! request's synchronous code at a time, and the storage API is synchronous, so [`take_sync`]'s
//! check and count are never interleaved with another request's: twenty parallel guesses on one
//! key are decided one by one.

use crate::limits::shards::{Sharded, SHARDS};
use crate::limits::{take_many_sync, take_sync, Decision, HitTable, Lease, Limit, LimiterRequest, RateLimiter};
use crate::store::StoreError;
use serde::Deserialize;
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, SqlStorage, State};

/// The Durable Object holding the windows.
#[durable_object]
pub struct Limits {
    sql: SqlStorage,
    /// Whether the table was set up when the object was constructed (checked on every request).
    schema: std::result::Result<(), String>,
}

/// The table and its indexes, created once per construction of the object, not per request.
pub(super) fn create_schema(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at_ms INTEGER NOT NULL, ticket TEXT NOT NULL)",
        None,
    )?;
    sql.exec("CREATE INDEX IF NOT EXISTS hits_by_key ON hits (key, at_ms)", None)?;
    sql.exec("CREATE INDEX IF NOT EXISTS hits_by_time ON hits (at_ms)", None)?;
    Ok(())
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

struct SqlHits<'a>(&'a SqlStorage);

#[derive(Deserialize)]
struct CountRow {
    n: f64,
    oldest: Option<f64>,
}

impl HitTable for SqlHits<'_> {
    fn prune(&mut self, key: &str, cutoff_ms: u64) -> std::result::Result<(), StoreError> {
        self.0
            .exec("DELETE FROM hits WHERE key = ? AND at_ms <= ?", vec![key.into(), (cutoff_ms as f64).into()])
            .map_err(fail)?;
        Ok(())
    }

    fn count(&self, key: &str) -> std::result::Result<(u32, Option<u64>), StoreError> {
        let row: CountRow = self
            .0
            .exec("SELECT COUNT(*) AS n, MIN(at_ms) AS oldest FROM hits WHERE key = ?", vec![key.into()])
            .and_then(|c| c.one())
            .map_err(fail)?;
        Ok((row.n as u32, row.oldest.map(|t| t as u64)))
    }

    fn insert(&mut self, key: &str, at_ms: u64, ticket: &str) -> std::result::Result<(), StoreError> {
        self.0
            .exec(
                "INSERT INTO hits (key, at_ms, ticket) VALUES (?, ?, ?)",
                vec![key.into(), (at_ms as f64).into(), ticket.into()],
            )
            .map_err(fail)?;
        Ok(())
    }

    fn remove(&mut self, ticket: &str, keys: &[String]) -> std::result::Result<(), StoreError> {
        for key in keys {
            self.0
                .exec("DELETE FROM hits WHERE ticket = ? AND key = ?", vec![ticket.into(), key.as_str().into()])
                .map_err(fail)?;
        }
        Ok(())
    }

    fn prune_all(&mut self, cutoff_ms: u64) -> std::result::Result<(), StoreError> {
        self.0.exec("DELETE FROM hits WHERE at_ms <= ?", vec![(cutoff_ms as f64).into()]).map_err(fail)?;
        Ok(())
    }
}

impl DurableObject for Limits {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let schema = create_schema(&sql).map_err(|e| e.to_string());
        Self { sql, schema }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let request: LimiterRequest = req.json().await?;
        if let Err(e) = &self.schema {
            return Response::error(format!("the rate limiter's table could not be created: {e}"), 500);
        }
        // From here on nothing awaits: this request's SQL runs as one uninterrupted step.
        let mut table = SqlHits(&self.sql);
        let outcome = match request {
            LimiterRequest::Take { ticket, limits, now_ms } => take_sync(&mut table, &ticket, &limits, now_ms),
            LimiterRequest::Lease(lease) => {
                return match take_many_sync(&mut table, &lease) {
                    Ok((decision, granted)) => Response::from_json(&Leased { decision, granted }),
                    Err(e) => Response::error(e.0, 500),
                };
            }
            LimiterRequest::Refund { ticket, keys } => table.remove(&ticket, &keys).map(|()| Decision::Granted),
        };
        match outcome {
            Ok(decision) => Response::from_json(&decision),
            Err(e) => Response::error(e.0, 500),
        }
    }
}

/// The answer to a lease.
#[derive(serde::Serialize, Deserialize)]
struct Leased {
    decision: Decision,
    granted: u32,
}

/// A conversation object's own windows, in its own SQLite: its synchronous storage makes each
/// take one uninterrupted step, as in the `Limits` object. The table is created by the first take
/// (a take comes after the request was authorized, so only for a conversation that exists).
pub struct LocalLimiter {
    sql: SqlStorage,
    ready: std::cell::Cell<bool>,
}

impl LocalLimiter {
    /// The windows in `sql`.
    pub fn on(sql: SqlStorage) -> Self {
        Self { sql, ready: std::cell::Cell::new(false) }
    }

    fn table(&self) -> std::result::Result<SqlHits<'_>, StoreError> {
        if !self.ready.get() {
            create_schema(&self.sql).map_err(fail)?;
            self.ready.set(true);
        }
        Ok(SqlHits(&self.sql))
    }
}

impl RateLimiter for LocalLimiter {
    async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> std::result::Result<Decision, StoreError> {
        take_sync(&mut self.table()?, ticket, limits, now_ms)
    }

    async fn refund(&self, ticket: &str, keys: &[String]) -> std::result::Result<(), StoreError> {
        self.table()?.remove(ticket, keys)
    }

    async fn lease(&self, lease: &Lease) -> std::result::Result<(Decision, u32), StoreError> {
        take_many_sync(&mut self.table()?, lease)
    }
}

/// The Worker's [`RateLimiter`]: one `Limits` object per shard of the key space.
pub type ObjectLimiter = Sharded<ShardObject>;

impl Sharded<ShardObject> {
    /// One `Limits` object per shard, from the `LIMITS` binding.
    pub fn new(limits: worker::ObjectNamespace) -> Self {
        let shards = (0..SHARDS)
            .map(|n| ShardObject { limits: limits.clone(), name: format!("limits-{n}"), waited_ms: Default::default() })
            .collect();
        Self { shards }
    }

    /// Time spent waiting for the rate limiter in this request, ms (sent as `Server-Timing`).
    pub fn waited_ms(&self) -> f64 {
        self.shards.iter().map(|s| s.waited_ms.get()).sum()
    }
}

/// One shard's `Limits` object.
pub struct ShardObject {
    limits: worker::ObjectNamespace,
    name: String,
    waited_ms: std::cell::Cell<f64>,
}

impl ShardObject {
    async fn ask_timed<T: serde::de::DeserializeOwned>(
        &self,
        request: &LimiterRequest,
    ) -> std::result::Result<T, StoreError> {
        let started = js_sys::Date::now();
        let decision = self.ask(request).await;
        self.waited_ms.set(self.waited_ms.get() + (js_sys::Date::now() - started));
        decision
    }

    async fn ask<T: serde::de::DeserializeOwned>(
        &self,
        request: &LimiterRequest,
    ) -> std::result::Result<T, StoreError> {
        let stub = self.limits.get_by_name(&self.name).map_err(fail)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(serde_json::to_string(request).map_err(fail)?.into()));
        let req = Request::new_with_init("https://limits/", &init).map_err(fail)?;
        let mut response = stub.fetch_with_request(req).await.map_err(fail)?;
        if response.status_code() != 200 {
            return Err(fail(format!("the rate limiter failed: {}", response.text().await.unwrap_or_default())));
        }
        response.json().await.map_err(fail)
    }
}

impl RateLimiter for ShardObject {
    async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> std::result::Result<Decision, StoreError> {
        self.ask_timed(&LimiterRequest::Take { ticket: ticket.into(), limits: limits.to_vec(), now_ms }).await
    }

    async fn refund(&self, ticket: &str, keys: &[String]) -> std::result::Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let _: Decision =
            self.ask_timed(&LimiterRequest::Refund { ticket: ticket.into(), keys: keys.to_vec() }).await?;
        Ok(())
    }

    async fn lease(&self, lease: &Lease) -> std::result::Result<(Decision, u32), StoreError> {
        let leased: Leased = self.ask_timed(&LimiterRequest::Lease(lease.clone())).await?;
        Ok((leased.decision, leased.granted))
    }
}
