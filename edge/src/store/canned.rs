//! Canned replies' storage: the team's shared ones and each agent's own.

use super::StoreError;

/// Most canned replies in one scope (the shared ones, or one agent's).
pub const MAX_PER_SCOPE: usize = 500;

/// A canned reply as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCanned {
    /// Its id.
    pub id: String,
    /// The shortcut, checked (`shared::canned::CannedDraft::checked`).
    pub shortcut: String,
    /// The text.
    pub text: String,
    /// Its agent, for a personal one; `None`: shared.
    pub owner_id: Option<String>,
    /// Who last wrote it.
    pub updated_by: String,
    /// When, Unix ms.
    pub updated_at_ms: u64,
}

/// How a write went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored.
    Done,
    /// Another reply of its scope has the shortcut: nothing written.
    ShortcutTaken,
    /// Its scope holds [`MAX_PER_SCOPE`] replies already: nothing written.
    Full,
    /// No reply has the id (a change of one deleted meanwhile).
    Missing,
}

/// Persistence of canned replies.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait CannedStore {
    /// The shared replies and `agent_id`'s own, by shortcut.
    async fn canned_for(&self, agent_id: &str) -> Result<Vec<StoredCanned>, StoreError>;
    /// One reply.
    async fn canned(&self, id: &str) -> Result<Option<StoredCanned>, StoreError>;
    /// Adds a reply (its id new).
    async fn add_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError>;
    /// Replaces the reply with `reply.id` (its shortcut, text and scope).
    async fn change_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError>;
    /// Deletes a reply; whether there was one.
    async fn delete_canned(&self, id: &str) -> Result<bool, StoreError>;
}
