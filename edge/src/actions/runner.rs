//! The one guarded run of an action, used by a conversation turn and by the owner's test
//! endpoint alike, and what it needs from the edge ([`RunDeps`]).

use super::execute::{Network, TokenCache};
use super::ssrf::NetworkPolicy;
use crate::limits::RateLimiter;
use crate::store::ActionLogStore;
use crate::token::Entropy;
use shared::site::SiteBundle;
use std::collections::BTreeMap;

/// What running an action needs besides storage: the network, where it may call, cached
/// token-endpoint tokens and secret values.
pub struct ActionEnv<'a, N> {
    /// The outside world.
    pub network: &'a N,
    /// Where actions may call.
    pub policy: &'a NetworkPolicy,
    /// Cached token-endpoint tokens.
    pub tokens: &'a TokenCache,
    /// Secret values by name (only the ones the site declares).
    pub secrets: &'a BTreeMap<String, String>,
}

/// What a guarded run needs from the edge (`api::Edge` provides it in the Worker and in tests).
pub trait RunDeps {
    /// Where runs are logged.
    type Store: ActionLogStore;
    /// Where rate limits are taken and given back.
    type Limiter: RateLimiter;
    /// Randomness for limiter tickets and test idempotency keys.
    type Entropy: Entropy;
    /// How actions reach their targets.
    type Network: Network;

    /// The owner's configuration.
    fn site(&self) -> &SiteBundle;
    /// Storage.
    fn store(&self) -> &Self::Store;
    /// The rate limiter.
    fn limiter(&self) -> &Self::Limiter;
    /// Randomness.
    fn entropy(&self) -> &Self::Entropy;
    /// Network, policy, token cache and secrets.
    fn actions(&self) -> &ActionEnv<'_, Self::Network>;
}
