//! Rate limits that a burst cannot beat: every limit is a sliding window of hits per key, and a
//! request's limits are checked and counted in one atomic step ([`RateLimiter::take`]), so twenty
//! parallel requests cannot all read "0 used" before any of them counts. Hits that turn out not
//! to count (a run that was never sent, a code that was right) are given back with
//! [`RateLimiter::refund`]. In the Worker one Durable Object holds the windows (`glue/limiter.rs`);
//! natively [`memory::MemoryLimiter`] does, with the same [`take_sync`] logic.

pub mod keys;
pub mod leasing;
pub mod memory;
pub mod shards;

use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// One limit: at most `max` hits per `window_ms` for `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// What is counted, e.g. `ip:203.0.113.7:messages` (built by [`keys`]).
    pub key: String,
    /// Most hits in the window.
    pub max: u32,
    /// Window length, ms.
    pub window_ms: u64,
}

/// The answer to [`RateLimiter::take`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Every limit had room; one hit was counted on each, under the ticket.
    Granted,
    /// A limit is full; nothing was counted.
    Refused {
        /// The full limit's key.
        key: String,
        /// When its oldest hit leaves the window, ms from now.
        retry_after_ms: u64,
    },
}

impl Decision {
    /// Seconds to wait, rounded up, for a `Retry-After`.
    pub fn retry_after_s(&self) -> u64 {
        match self {
            Decision::Granted => 0,
            Decision::Refused { retry_after_ms, .. } => retry_after_ms.div_ceil(1000).max(1),
        }
    }
}

/// Atomic, sliding-window rate limiting.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait RateLimiter {
    /// If every limit has room at `now_ms`, counts one hit on each under `ticket`; otherwise
    /// counts nothing. Check and count are one step.
    async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> Result<Decision, StoreError>;
    /// Removes the hits counted under `ticket` for these keys.
    async fn refund(&self, ticket: &str, keys: &[String]) -> Result<(), StoreError>;
    /// Counts up to `lease.want` hits on each limit, dated `lease.at_ms` (at or after `now_ms`, so
    /// they stay in the window at least as long as hits spent until then), as many as every limit
    /// has room for; refused, counting nothing, when one is full. Returns the decision and the count.
    async fn lease(&self, lease: &Lease) -> Result<(Decision, u32), StoreError>;
}

/// The longest window any limit uses ([`keys`] builds them); hits older than this are dropped
/// from the whole table on every take, so it never grows past one window of traffic.
pub const MAX_WINDOW_MS: u64 = 3_600_000;

/// Where the hits live, seen synchronously (the Durable Object's SQLite, or memory): no `await`
/// between the check and the count is what makes [`take_sync`] atomic.
pub trait HitTable {
    /// Forgets hits of `key` at or before `cutoff_ms`.
    fn prune(&mut self, key: &str, cutoff_ms: u64) -> Result<(), StoreError>;
    /// Hits of `key` still in the table, and the oldest one's time.
    fn count(&self, key: &str) -> Result<(u32, Option<u64>), StoreError>;
    /// Counts a hit.
    fn insert(&mut self, key: &str, at_ms: u64, ticket: &str) -> Result<(), StoreError>;
    /// Removes a ticket's hits of these keys.
    fn remove(&mut self, ticket: &str, keys: &[String]) -> Result<(), StoreError>;
    /// Forgets every hit at or before `cutoff_ms`, whatever its key.
    fn prune_all(&mut self, cutoff_ms: u64) -> Result<(), StoreError>;
}

/// Hits taken ahead ([`RateLimiter::lease`]): up to `want` on each limit, dated `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Names the hits.
    pub ticket: String,
    /// The limits.
    pub limits: Vec<Limit>,
    /// The caller's clock.
    pub now_ms: u64,
    /// Hits wanted.
    pub want: u32,
    /// The hits' date.
    pub at_ms: u64,
}

/// Checks every limit, then counts one hit on each if all have room.
pub fn take_sync(
    table: &mut impl HitTable,
    ticket: &str,
    limits: &[Limit],
    now_ms: u64,
) -> Result<Decision, StoreError> {
    let one = Lease { ticket: ticket.into(), limits: limits.to_vec(), now_ms, want: 1, at_ms: now_ms };
    take_many_sync(table, &one).map(|(decision, _)| decision)
}

/// [`take_sync`] for a lease ([`RateLimiter::lease`]): counts as many hits as every limit has room
/// for (at least one), or refuses and counts nothing.
pub fn take_many_sync(table: &mut impl HitTable, lease: &Lease) -> Result<(Decision, u32), StoreError> {
    let Lease { ticket, limits, now_ms, want, at_ms } = lease;
    let (now_ms, at_ms) = (*now_ms, *at_ms);
    let mut room = (*want).max(1);
    if let Some(cutoff) = now_ms.checked_sub(MAX_WINDOW_MS) {
        table.prune_all(cutoff)?;
    }
    for limit in limits {
        debug_assert!(limit.window_ms <= MAX_WINDOW_MS, "{} has a window longer than MAX_WINDOW_MS", limit.key);
        // A hit counts while `now - at < window`: only older ones are pruned.
        if let Some(cutoff) = now_ms.checked_sub(limit.window_ms) {
            table.prune(&limit.key, cutoff)?;
        }
        let (used, oldest) = table.count(&limit.key)?;
        if used >= limit.max {
            let frees_at = oldest.map_or(now_ms + limit.window_ms, |t| t + limit.window_ms);
            let refused = Decision::Refused { key: limit.key.clone(), retry_after_ms: frees_at.saturating_sub(now_ms) };
            return Ok((refused, 0));
        }
        room = room.min(limit.max - used);
    }
    for limit in limits {
        for _ in 0..room {
            table.insert(&limit.key, at_ms, ticket)?;
        }
    }
    Ok((Decision::Granted, room))
}

/// A request to the limiter object, as JSON (the Worker sends it to the Durable Object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LimiterRequest {
    /// [`RateLimiter::take`]
    Take {
        /// Names the hits for a later refund.
        ticket: String,
        /// The limits.
        limits: Vec<Limit>,
        /// The caller's clock.
        now_ms: u64,
    },
    /// [`RateLimiter::lease`]
    Lease(Lease),
    /// [`RateLimiter::refund`]
    Refund {
        /// The ticket of [`LimiterRequest::Take`].
        ticket: String,
        /// The keys to give back.
        keys: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::memory::MemoryLimiter;
    use super::*;
    use crate::api::tests::block_on;

    fn limit(key: &str, max: u32, window_ms: u64) -> Limit {
        Limit { key: key.into(), max, window_ms }
    }

    #[test]
    fn a_full_window_refuses_until_its_oldest_hit_leaves() {
        let l = MemoryLimiter::default();
        let limits = [limit("k", 2, 1000)];
        assert_eq!(block_on(l.take("t1", &limits, 0)).unwrap(), Decision::Granted);
        assert_eq!(block_on(l.take("t2", &limits, 400)).unwrap(), Decision::Granted);
        let refused = block_on(l.take("t3", &limits, 900)).unwrap();
        assert_eq!(refused, Decision::Refused { key: "k".into(), retry_after_ms: 100 });
        assert_eq!(refused.retry_after_s(), 1);
        assert_eq!(block_on(l.take("t4", &limits, 1000)).unwrap(), Decision::Granted, "the first hit left");
    }

    #[test]
    fn all_limits_or_none_are_counted() {
        let l = MemoryLimiter::default();
        let both = [limit("wide", 10, 1000), limit("narrow", 1, 1000)];
        assert_eq!(block_on(l.take("t1", &both, 0)).unwrap(), Decision::Granted);
        assert!(
            matches!(block_on(l.take("t2", &both, 1)).unwrap(), Decision::Refused { ref key, .. } if key == "narrow")
        );
        assert_eq!(l.hits("wide"), 1, "a refused take counts nothing");
    }

    #[test]
    fn refunds_give_back_only_the_tickets_hits() {
        let l = MemoryLimiter::default();
        let limits = [limit("a", 1, 1000), limit("b", 5, 1000)];
        assert_eq!(block_on(l.take("t1", &limits, 0)).unwrap(), Decision::Granted);
        block_on(l.refund("t1", &["a".to_string()])).unwrap();
        assert_eq!((l.hits("a"), l.hits("b")), (0, 1));
        block_on(l.refund("nope", &["b".to_string()])).unwrap();
        assert_eq!(l.hits("b"), 1);
    }

    #[test]
    fn a_lease_counts_what_every_limit_has_room_for_dated_ahead() {
        let l = MemoryLimiter::default();
        let limits = [limit("a", 5, 1000), limit("b", 3, 1000)];
        assert_eq!(
            block_on(l.lease(&Lease { ticket: "t1".into(), limits: limits.to_vec(), now_ms: 0, want: 8, at_ms: 200 }))
                .unwrap(),
            (Decision::Granted, 3),
            "b has room for 3"
        );
        assert_eq!((l.hits("a"), l.hits("b")), (3, 3));
        assert!(matches!(
            block_on(l.lease(&Lease {
                ticket: "t2".into(),
                limits: limits.to_vec(),
                now_ms: 100,
                want: 8,
                at_ms: 300
            }))
            .unwrap(),
            (Decision::Refused { .. }, 0)
        ));
        // Dated 200, the leased hits stay in the window until 1200, not 1000.
        assert!(matches!(block_on(l.take("t3", &limits, 1100)).unwrap(), Decision::Refused { .. }));
        assert_eq!(block_on(l.take("t4", &limits, 1200)).unwrap(), Decision::Granted);
    }
}
