//! Deleting what is stored about conversations: the storage side of the erasure routes and of the
//! retention cleanup. `crate::erasure` decides what to delete; this trait deletes it.

use super::StoreError;
use serde::Serialize;
use shared::ConversationId;
use std::ops::AddAssign;

/// Most conversations one [`ErasureStore::erase_conversations`] call takes (D1 binds at most 100
/// values per statement, and one batch must stay one short transaction).
pub const MAX_ERASE_BATCH: usize = 50;

/// The summary an action run keeps once its conversation is erased.
pub const ERASED_RUN_SUMMARY: &str = "Erased with its conversation.";

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
    /// Action-run log entries deleted.
    pub action_runs: u32,
    /// Action-run log entries from the last rate-limit window, kept without anything personal
    /// (no conversation, request, response, data or summary) so the action's rate limit still
    /// counts them; the scheduled cleanup deletes them once the window has passed.
    pub action_runs_anonymized: u32,
}

impl AddAssign for Erased {
    fn add_assign(&mut self, other: Self) {
        self.conversations += other.conversations;
        self.messages += other.messages;
        self.submissions += other.submissions;
        self.action_runs += other.action_runs;
        self.action_runs_anonymized += other.action_runs_anonymized;
    }
}

/// Which old action runs [`ErasureStore::delete_runs_before`] deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldRuns {
    /// Runs left anonymized by an erasure (no conversation, not a test run).
    Anonymized,
    /// Every run: conversation runs, test runs and anonymized runs.
    All,
}

/// Erasure and retention storage.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ErasureStore {
    /// Deletes these conversations (at most [`MAX_ERASE_BATCH`]) and their messages in one
    /// transaction. Their action runs from before `anonymize_since_ms` are deleted; later ones are
    /// unlinked from the conversation and stripped to action, time, status and error class.
    /// Unknown ids are skipped.
    async fn erase_conversations(&self, ids: &[ConversationId], anonymize_since_ms: u64) -> Result<Erased, StoreError>;
    /// Up to `limit` conversations of this person.
    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError>;
    /// Up to `limit` conversations neither created nor written to at or after `before_ms`.
    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError>;
    /// Deletes up to `limit` action runs of this kind logged before `before_ms`; returns how many.
    async fn delete_runs_before(&self, before_ms: u64, which: OldRuns, limit: usize) -> Result<u32, StoreError>;
}
