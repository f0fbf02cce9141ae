//! The execution log of actions: one entry per run, credentials already redacted by the runner.

use super::StoreError;
use crate::action_run::ActionRun;
use shared::ConversationId;

/// Who a run was for. Stored as the `conversation_id`, `test` and `injected` columns of
/// `action_runs`, and shown so in [`ActionLogEntry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOrigin {
    /// A visitor's run in this conversation (a message, a click or a form submission): its result
    /// was put into the conversation, and it counted against the visitor's limits.
    Visitor(ConversationId),
    /// The owner's run from the admin test endpoint: no conversation, no visitor's limits.
    AdminTest,
}

impl RunOrigin {
    /// The conversation the run was in, if any.
    pub fn conversation(&self) -> Option<&ConversationId> {
        match self {
            Self::Visitor(id) => Some(id),
            Self::AdminTest => None,
        }
    }

    /// Whether the owner ran it from the test endpoint.
    pub fn is_test(&self) -> bool {
        *self == Self::AdminTest
    }

    /// Whether its result was put into a conversation.
    pub fn injected(&self) -> bool {
        matches!(self, Self::Visitor(_))
    }
}

pub use shared::action_run::ActionLogEntry;

/// Which of an action's runs a log page holds (every field optional: none filters nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only runs that ended so.
    pub status: Option<crate::action_run::RunStatus>,
    /// Only tests (`true`) or only visitors' runs (`false`).
    pub test: Option<bool>,
    /// Only runs in this conversation.
    pub conversation: Option<String>,
    /// Only runs at or after this moment, Unix ms.
    pub since_ms: Option<u64>,
    /// Only runs before this moment, Unix ms.
    pub until_ms: Option<u64>,
}

/// One action's runs since a moment, and when it last ran at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCounts {
    /// The action's slug.
    pub action: String,
    /// Runs since the moment.
    pub runs: u32,
    /// Of which failed or were refused.
    pub failures: u32,
    /// Its last run, Unix ms.
    pub last_at_ms: u64,
}

/// Action run persistence.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ActionLogStore {
    /// Records a run; returns its log id.
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError>;
    /// The action's runs that `filter` keeps, newest first, older than `before` if given.
    async fn filtered_logs(
        &self,
        action: &str,
        filter: &LogFilter,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError>;
    /// Per action that ever ran: its runs and failures since `since_ms`, and its last run.
    async fn run_counts(&self, since_ms: u64) -> Result<Vec<RunCounts>, StoreError>;
    /// Runs of an action, newest first, older than `before` if given.
    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError>;
    /// The latest `limit` runs in a conversation, oldest first (what the inbox shows an agent).
    async fn conversation_runs(
        &self,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Vec<ActionLogEntry>, StoreError>;
}
