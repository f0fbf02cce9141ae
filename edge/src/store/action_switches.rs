//! The owner's switches: an action turned on or off in the console, over its file's `enabled`.

use super::StoreError;
use serde::{Deserialize, Serialize};

/// One action's switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSwitch {
    /// The action's slug.
    pub action: String,
    /// On or off.
    pub enabled: bool,
    /// Who set it: an admin's email, or "admin token".
    pub changed_by: String,
    /// When, ms since the epoch.
    pub changed_at_ms: u64,
}

/// Switch persistence.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ActionSwitchStore {
    /// Every switch, by action.
    async fn switches(&self) -> Result<Vec<ActionSwitch>, StoreError>;
    /// Sets an action's switch (replacing any).
    async fn set_switch(&self, switch: &ActionSwitch) -> Result<(), StoreError>;
    /// Removes an action's switch: its file decides again.
    async fn clear_switch(&self, action: &str) -> Result<(), StoreError>;
}
