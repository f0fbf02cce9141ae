//! The owner's switches: an action turned on or off in the console, over its file's `enabled`.

use super::StoreError;
pub use shared::console::ActionSwitch;

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
