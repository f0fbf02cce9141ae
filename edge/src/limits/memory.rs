//! [`RateLimiter`] in memory, for native tests: the same [`take_sync`] as the Durable Object.

use super::{take_many_sync, take_sync, Decision, HitTable, Lease, Limit, RateLimiter};
use crate::store::StoreError;
use std::cell::RefCell;

/// Hits as `(key, at_ms, ticket)`.
#[derive(Debug, Default)]
pub struct MemoryLimiter(RefCell<Vec<(String, u64, String)>>);

impl MemoryLimiter {
    /// Hits of `key` currently counted.
    pub fn hits(&self, key: &str) -> usize {
        self.0.borrow().iter().filter(|(k, _, _)| k == key).count()
    }
}

struct Table<'a>(&'a mut Vec<(String, u64, String)>);

impl HitTable for Table<'_> {
    fn prune(&mut self, key: &str, cutoff_ms: u64) -> Result<(), StoreError> {
        self.0.retain(|(k, at, _)| k != key || *at > cutoff_ms);
        Ok(())
    }

    fn count(&self, key: &str) -> Result<(u32, Option<u64>), StoreError> {
        let times: Vec<u64> = self.0.iter().filter(|(k, _, _)| k == key).map(|(_, at, _)| *at).collect();
        Ok((times.len() as u32, times.iter().min().copied()))
    }

    fn insert(&mut self, key: &str, at_ms: u64, ticket: &str) -> Result<(), StoreError> {
        self.0.push((key.into(), at_ms, ticket.into()));
        Ok(())
    }

    fn remove(&mut self, ticket: &str, keys: &[String]) -> Result<(), StoreError> {
        self.0.retain(|(k, _, t)| t != ticket || !keys.contains(k));
        Ok(())
    }

    fn prune_all(&mut self, cutoff_ms: u64) -> Result<(), StoreError> {
        self.0.retain(|(_, at, _)| *at > cutoff_ms);
        Ok(())
    }
}

impl RateLimiter for MemoryLimiter {
    async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> Result<Decision, StoreError> {
        take_sync(&mut Table(&mut self.0.borrow_mut()), ticket, limits, now_ms)
    }

    async fn refund(&self, ticket: &str, keys: &[String]) -> Result<(), StoreError> {
        Table(&mut self.0.borrow_mut()).remove(ticket, keys)
    }

    async fn lease(&self, lease: &Lease) -> Result<(Decision, u32), StoreError> {
        take_many_sync(&mut Table(&mut self.0.borrow_mut()), lease)
    }
}
