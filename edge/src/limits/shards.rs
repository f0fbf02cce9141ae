//! The shared rate limiter spread over several objects: each limit's key decides its shard, so no
//! single Durable Object serves every visitor of a deployment (one object runs one request at a
//! time). A request whose limits fall in one shard costs one call, as before; one whose limits
//! span shards takes them shard by shard and gives back what it took if a later shard refuses,
//! so a refused request still counts nothing.

use super::{Decision, Lease, Limit, RateLimiter};
use crate::store::StoreError;

/// How many shards the key space is cut into: each a `Limits` object named `limits-<n>`.
pub const SHARDS: usize = 16;

/// The shard of a key (FNV-1a: stable across releases and runtimes, unlike std's hasher).
pub fn shard_of(key: &str) -> usize {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (hash % SHARDS as u64) as usize
}

/// A [`RateLimiter`] over one limiter per shard.
pub struct Sharded<L> {
    /// The shards, [`SHARDS`] of them, in order.
    pub shards: Vec<L>,
}

impl<L> Sharded<L> {
    /// `items` grouped by shard, the groups in the order of their first item: a refusal then
    /// names the caller's first full limit, as one object's take does (wrong-code limits come
    /// first, so a visitor over them is told so, not "too many requests").
    fn groups<'a, T>(&self, items: &'a [T], key: impl Fn(&T) -> &str) -> Vec<(usize, Vec<&'a T>)> {
        let mut groups: Vec<(usize, Vec<&T>)> = Vec::new();
        for item in items {
            let shard = shard_of(key(item)) % self.shards.len().max(1);
            match groups.iter_mut().find(|(s, _)| *s == shard) {
                Some((_, group)) => group.push(item),
                None => groups.push((shard, vec![item])),
            }
        }
        groups
    }
}

impl<L: RateLimiter> RateLimiter for Sharded<L> {
    async fn take(&self, ticket: &str, limits: &[Limit], now_ms: u64) -> Result<Decision, StoreError> {
        let mut taken: Vec<(usize, Vec<String>)> = Vec::new();
        for (shard, group) in self.groups(limits, |l| l.key.as_str()) {
            let group: Vec<Limit> = group.into_iter().cloned().collect();
            match self.shards[shard].take(ticket, &group, now_ms).await? {
                Decision::Granted => taken.push((shard, group.into_iter().map(|l| l.key).collect())),
                refused => {
                    for (shard, keys) in taken {
                        self.shards[shard].refund(ticket, &keys).await?;
                    }
                    return Ok(refused);
                }
            }
        }
        Ok(Decision::Granted)
    }

    async fn refund(&self, ticket: &str, keys: &[String]) -> Result<(), StoreError> {
        for (shard, group) in self.groups(keys, String::as_str) {
            let group: Vec<String> = group.into_iter().cloned().collect();
            self.shards[shard].refund(ticket, &group).await?;
        }
        Ok(())
    }

    async fn lease(&self, lease: &Lease) -> Result<(Decision, u32), StoreError> {
        let groups = self.groups(&lease.limits, |l| l.key.as_str());
        match groups.as_slice() {
            [(shard, _)] => self.shards[*shard].lease(lease).await,
            // Leases are taken for one key (an address's writes); across shards, one hit, taken
            // as a plain take, keeps the count exact.
            _ => Ok((self.take(&lease.ticket, &lease.limits, lease.now_ms).await?, 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;
    use crate::limits::memory::MemoryLimiter;

    fn sharded() -> Sharded<MemoryLimiter> {
        Sharded { shards: (0..SHARDS).map(|_| MemoryLimiter::default()).collect() }
    }

    fn limit(key: &str, max: u32) -> Limit {
        Limit { key: key.into(), max, window_ms: 60_000 }
    }

    /// Two keys that fall in different shards.
    fn apart() -> (String, String) {
        let a = "ip:203.0.113.1:writes".to_string();
        let b = (0..).map(|i| format!("run:x:ip:198.51.100.{i}")).find(|k| shard_of(k) != shard_of(&a)).unwrap();
        (a, b)
    }

    #[test]
    fn a_thousand_addresses_opening_conversations_spread_over_the_shards() {
        let mut calls = [0usize; SHARDS];
        for i in 0..1000u32 {
            let ip = format!("{}.{}.{}.{}", 10 + i % 200, i / 200, i % 7, i % 250);
            calls[shard_of(&format!("ip:{ip}:conversations"))] += 1;
        }
        let busiest = *calls.iter().max().unwrap();
        assert!(busiest < 1000 / SHARDS * 2, "no object takes more than twice its share: {calls:?}");
        assert!(calls.iter().all(|c| *c > 0), "{calls:?}");
    }

    #[test]
    fn a_refusal_names_the_callers_first_full_limit_whatever_the_shards() {
        let s = sharded();
        let first = (0..).map(|i| format!("failed-checks:email:a{i}@example.com")).find(|k| shard_of(k) > 0).unwrap();
        // A later limit in a lower-numbered shard: taken after the first one's shard all the same.
        let later =
            (0..).map(|i| format!("run:check:conversation:c{i}")).find(|k| shard_of(k) < shard_of(&first)).unwrap();
        let both = [limit(&first, 1), limit(&later, 1)];
        assert_eq!(block_on(s.take("t1", &both, 0)).unwrap(), Decision::Granted);
        let refused = block_on(s.take("t2", &both, 1)).unwrap();
        assert!(matches!(refused, Decision::Refused { ref key, .. } if *key == first), "{refused:?}");
    }

    #[test]
    fn a_take_across_shards_counts_everything_or_nothing() {
        let s = sharded();
        let (a, b) = apart();
        let both = [limit(&a, 5), limit(&b, 1)];
        assert_eq!(block_on(s.take("t1", &both, 0)).unwrap(), Decision::Granted);
        let refused = block_on(s.take("t2", &both, 1)).unwrap();
        assert!(matches!(refused, Decision::Refused { ref key, .. } if *key == b), "{refused:?}");
        let hits = |k: &str| s.shards[shard_of(k)].hits(k);
        assert_eq!((hits(&a), hits(&b)), (1, 1), "the refused take gave back what it took first");
        block_on(s.refund("t1", &[a.clone(), b.clone()])).unwrap();
        assert_eq!((hits(&a), hits(&b)), (0, 0));
        // A lease across shards is one plain hit.
        let (decision, granted) =
            block_on(s.lease(&Lease { ticket: "t3".into(), limits: both.to_vec(), now_ms: 2, want: 8, at_ms: 2 }))
                .unwrap();
        assert_eq!((decision, granted), (Decision::Granted, 1));
    }
}
