//! The rate limiter as a conversation's object uses it: the conversation's own windows in the
//! object itself (exact, no call), and the per-address window of visitor writes taken from the
//! site's shared limiter a few hits ahead (a lease), so a visitor writing quickly costs the shared
//! limiter one call per several messages instead of one per message.
//!
//! A lease never lets an address past its limit: the shared limiter counts the leased hits at
//! once, dated [`LEASE_MS`] ahead, so each stays in the window at least as long as a hit counted
//! when it is spent (within the lease's life) would. Unspent hits of an expired lease still count
//! until they leave the window: leasing can only refuse a little early, never admit too much.
//! A lease grows (1, 2, 4, … [`MAX_LEASE`]) only while its conversation spends each one before
//! it expires; a visitor writing at a human pace takes one hit at a time, as without leases.

use super::{Decision, Lease, Limit, RateLimiter};
use crate::store::StoreError;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long leased hits may be spent, ms.
pub const LEASE_MS: u64 = 2_000;

/// The most hits one lease takes.
pub const MAX_LEASE: u32 = 8;

/// Whether a limit is this conversation's alone (kept by its object).
fn own(limit: &Limit) -> bool {
    limit.key.starts_with("conversation:")
}

/// Whether hits of this limit may be taken ahead: a visitor address's writes (never refunded).
fn leasable(limit: &Limit) -> bool {
    limit.key.starts_with("ip:") && limit.key.ends_with(":writes")
}

/// One lease: hits left, until when, and the size it was taken at.
#[derive(Debug, Clone, Copy)]
struct Ahead {
    left: u32,
    until_ms: u64,
    size: u32,
}

/// The leases a conversation's object holds, by the limits' keys.
#[derive(Debug, Default)]
pub struct Leases(RefCell<HashMap<String, Ahead>>);

impl Leases {
    /// Spends a hit of a live lease for these keys, if there is one.
    fn spend(&self, keys: &str, now_ms: u64) -> bool {
        match self.0.borrow_mut().get_mut(keys) {
            Some(lease) if lease.left > 0 && now_ms < lease.until_ms => {
                lease.left -= 1;
                true
            }
            _ => false,
        }
    }

    /// How many hits to ask for: twice the last lease if it was spent before it expired.
    fn next_size(&self, keys: &str, now_ms: u64) -> u32 {
        match self.0.borrow().get(keys) {
            Some(lease) if lease.left == 0 && now_ms < lease.until_ms => (lease.size * 2).min(MAX_LEASE),
            _ => 1,
        }
    }
}

/// The object's [`RateLimiter`]: its own windows in `local`, the shared ones in `shared`.
pub struct Leasing<'a, L, S> {
    /// The conversation's windows (the object's own storage).
    pub local: &'a L,
    /// The site's shared windows (the `Limits` object).
    pub shared: &'a S,
    /// What this object holds ahead.
    pub leases: &'a Leases,
}

impl<L: RateLimiter, S: RateLimiter> Leasing<'_, L, S> {
    async fn take_shared(&self, ticket: &str, shared: &[Limit], now_ms: u64) -> Result<Decision, StoreError> {
        if shared.is_empty() {
            return Ok(Decision::Granted);
        }
        if !shared.iter().all(leasable) {
            return self.shared.take(ticket, shared, now_ms).await;
        }
        let keys: String = shared.iter().map(|l| l.key.as_str()).collect::<Vec<_>>().join("\n");
        if self.leases.spend(&keys, now_ms) {
            return Ok(Decision::Granted);
        }
        let want = self.leases.next_size(&keys, now_ms);
        let until_ms = now_ms + LEASE_MS;
        let lease = Lease { ticket: ticket.into(), limits: shared.to_vec(), now_ms, want, at_ms: until_ms };
        let (decision, granted) = self.shared.lease(&lease).await?;
        if decision == Decision::Granted {
            // One of them is spent now.
            let lease = Ahead { left: granted.saturating_sub(1), until_ms, size: granted };
            self.leases.0.borrow_mut().insert(keys, lease);
        }
        Ok(decision)
    }
}

impl<L: RateLimiter, S: RateLimiter> RateLimiter for Leasing<'_, L, S> {
    async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> Result<Decision, StoreError> {
        let (mine, shared): (Vec<Limit>, Vec<Limit>) = limits.iter().cloned().partition(own);
        if !mine.is_empty() {
            let decision = self.local.take(ticket, &mine, now_ms).await?;
            if decision != Decision::Granted {
                return Ok(decision);
            }
        }
        let decision = self.take_shared(ticket, &shared, now_ms).await;
        if !matches!(decision, Ok(Decision::Granted)) && !mine.is_empty() {
            // All or none: the conversation's hits go back when the shared limit refuses.
            let keys: Vec<String> = mine.iter().map(|l| l.key.clone()).collect();
            self.local.refund(ticket, &keys).await?;
        }
        decision
    }

    async fn refund(&self, ticket: &str, keys: &[String]) -> Result<(), StoreError> {
        let (mine, shared): (Vec<String>, Vec<String>) =
            keys.iter().cloned().partition(|k| k.starts_with("conversation:"));
        self.local.refund(ticket, &mine).await?;
        self.shared.refund(ticket, &shared).await
    }

    async fn lease(&self, lease: &Lease) -> Result<(Decision, u32), StoreError> {
        self.shared.lease(lease).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;
    use crate::limits::memory::MemoryLimiter;

    fn writes(ip_max: u32, conversation_max: u32) -> Vec<Limit> {
        vec![
            Limit { key: "ip:203.0.113.7:writes".into(), max: ip_max, window_ms: 60_000 },
            Limit { key: "conversation:c1:writes".into(), max: conversation_max, window_ms: 60_000 },
        ]
    }

    /// Counts the shared limiter's calls.
    #[derive(Default)]
    struct Counted {
        inner: MemoryLimiter,
        calls: std::cell::Cell<u32>,
    }

    impl RateLimiter for Counted {
        async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> Result<Decision, StoreError> {
            self.calls.set(self.calls.get() + 1);
            self.inner.take(ticket, limits, now_ms).await
        }
        async fn refund(&self, ticket: &str, keys: &[String]) -> Result<(), StoreError> {
            self.inner.refund(ticket, keys).await
        }
        async fn lease(&self, lease: &Lease) -> Result<(Decision, u32), StoreError> {
            self.calls.set(self.calls.get() + 1);
            self.inner.lease(lease).await
        }
    }

    #[test]
    fn the_conversation_window_is_kept_in_the_object_and_never_asked_for() {
        let (local, shared, leases) = (MemoryLimiter::default(), Counted::default(), Leases::default());
        let l = Leasing { local: &local, shared: &shared, leases: &leases };
        assert_eq!(block_on(l.take("t1", &writes(100, 1), 0)).unwrap(), Decision::Granted);
        assert_eq!((local.hits("conversation:c1:writes"), shared.inner.hits("conversation:c1:writes")), (1, 0));
        assert!(
            matches!(block_on(l.take("t2", &writes(100, 1), 10)).unwrap(), Decision::Refused { ref key, .. } if key.starts_with("conversation:"))
        );
    }

    #[test]
    fn a_quick_writer_costs_the_shared_limiter_one_call_per_several_messages() {
        let (local, shared, leases) = (MemoryLimiter::default(), Counted::default(), Leases::default());
        let l = Leasing { local: &local, shared: &shared, leases: &leases };
        for i in 0..30 {
            assert_eq!(block_on(l.take(&format!("t{i}"), &writes(1000, 1000), i * 50)).unwrap(), Decision::Granted);
        }
        // Leases of 1, 2, 4, 8, 8, 8: six calls for 30 messages (31 hits counted, one ahead).
        assert_eq!(shared.calls.get(), 6);
        assert_eq!(shared.inner.hits("ip:203.0.113.7:writes"), 31);
    }

    #[test]
    fn a_writer_at_a_human_pace_takes_one_hit_at_a_time() {
        let (local, shared, leases) = (MemoryLimiter::default(), Counted::default(), Leases::default());
        let l = Leasing { local: &local, shared: &shared, leases: &leases };
        for i in 0..5 {
            block_on(l.take(&format!("t{i}"), &writes(1000, 1000), i * 10_000)).unwrap();
        }
        assert_eq!((shared.calls.get(), shared.inner.hits("ip:203.0.113.7:writes")), (5, 5));
    }

    #[test]
    fn leases_never_let_an_address_past_its_limit() {
        // Two conversations of one address, writing as fast as they can.
        let shared = Counted::default();
        let (local_a, local_b, leases_a, leases_b) =
            (MemoryLimiter::default(), MemoryLimiter::default(), Leases::default(), Leases::default());
        let a = Leasing { local: &local_a, shared: &shared, leases: &leases_a };
        let b = Leasing { local: &local_b, shared: &shared, leases: &leases_b };
        let mut granted = 0;
        for i in 0..100u64 {
            let who = if i % 2 == 0 { &a } else { &b };
            if block_on(who.take(&format!("t{i}"), &writes(10, 1000), i * 10)).unwrap() == Decision::Granted {
                granted += 1;
            }
        }
        assert!(granted <= 10, "{granted} messages passed a limit of 10");
    }

    #[test]
    fn a_shared_refusal_gives_the_conversations_hit_back() {
        let (local, shared, leases) = (MemoryLimiter::default(), Counted::default(), Leases::default());
        let l = Leasing { local: &local, shared: &shared, leases: &leases };
        assert_eq!(block_on(l.take("t1", &writes(1, 100), 0)).unwrap(), Decision::Granted);
        assert!(matches!(block_on(l.take("t2", &writes(1, 100), 5_000)).unwrap(), Decision::Refused { .. }));
        assert_eq!(local.hits("conversation:c1:writes"), 1, "the refused write counts nowhere");
    }
}
