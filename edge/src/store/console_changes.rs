//! What the owner changed in the console over the site's files: an action switched on or off
//! (over its file's `enabled`), and action definitions written there (new actions, and files'
//! actions overridden).

use super::StoreError;
pub use shared::console::{ActionSwitch, ConsoleAction};

/// Persistence of the console's changes.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ConsoleChangeStore {
    /// Every switch, by action.
    async fn switches(&self) -> Result<Vec<ActionSwitch>, StoreError>;
    /// Sets an action's switch (replacing any).
    async fn set_switch(&self, switch: &ActionSwitch) -> Result<(), StoreError>;
    /// Removes an action's switch: its definition decides again.
    async fn clear_switch(&self, action: &str) -> Result<(), StoreError>;
    /// Every definition written in the console, by slug.
    async fn console_actions(&self) -> Result<Vec<ConsoleAction>, StoreError>;
    /// Stores a definition (replacing the one with its slug).
    async fn put_console_action(&self, action: &ConsoleAction) -> Result<(), StoreError>;
    /// Removes the definition of `slug` (its file's serves again, if it has one; a switch set on
    /// it stays); whether there was one.
    async fn remove_console_action(&self, slug: &str) -> Result<bool, StoreError>;
}
