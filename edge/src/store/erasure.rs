//! Deleting what is stored about conversations: the storage side of the erasure routes and of the
//! retention cleanup. `crate::erasure` decides what to delete; this trait deletes it.

use super::StoreError;
use serde::Serialize;
use shared::ConversationId;
use std::ops::AddAssign;

/// Most conversations one [`ErasureStore::erase_conversations`] call takes (D1 binds at most 100
/// values per statement, and one batch must stay one short transaction).
pub const MAX_ERASE_BATCH: usize = 50;

/// Whose conversations an owner erases: the person named in an erasure request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    /// The lead email, compared ignoring ASCII letter case.
    Email(String),
    /// The host site's user id (`Switchboard.identify`), compared exactly.
    UserId(String),
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Conversations deleted (with their lead details, attributes and token hash).
    pub conversations: u32,
    /// Messages deleted: everything said in them, including form submissions.
    pub messages: u32,
    /// Of those messages, the form submissions (lead form and action forms).
    pub submissions: u32,
    /// Action-run log entries deleted. (Rate limits are not counted from these entries but in
    /// the limiter, which erasure does not touch: deleting a conversation resets no limit.)
    pub action_runs: u32,
}

impl AddAssign for Erased {
    fn add_assign(&mut self, other: Self) {
        self.conversations += other.conversations;
        self.messages += other.messages;
        self.submissions += other.submissions;
        self.action_runs += other.action_runs;
    }
}

/// Erasure and retention storage.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ErasureStore {
    /// Deletes these conversations (at most [`MAX_ERASE_BATCH`]), their messages, their action
    /// runs, their webhook deliveries (with the handoff summary they carry) and attempts and the
    /// agents' notes on them, in one transaction, which also leaves a tombstone (the id) for each
    /// until its object confirms it forgot its copy. Unknown ids are skipped.
    async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError>;
    /// Up to `limit` erased conversations whose objects have not yet confirmed they forgot them,
    /// oldest erasure first.
    async fn unforgotten(&self, limit: usize) -> Result<Vec<ConversationId>, StoreError>;
    /// Records that these conversations' objects confirmed they hold no copy.
    async fn forgotten(&self, ids: &[ConversationId]) -> Result<(), StoreError>;
    /// Up to `limit` conversations of this person.
    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError>;
    /// Up to `limit` conversations neither created nor written to at or after `before_ms`.
    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError>;
    /// Deletes up to `limit` action runs (conversation and test runs) logged before `before_ms`;
    /// returns how many.
    async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError>;
}
