//! The execution log of actions: one entry per run, credentials already redacted by the runner.

use super::StoreError;
use crate::action_run::ActionRun;
use serde::{Deserialize, Serialize};
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

/// One logged run, as the admin API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionLogEntry {
    /// Cursor for paging (`before=`).
    pub id: i64,
    /// When it ran, RFC 3339.
    pub at: String,
    /// The conversation it ran in (none for test-endpoint runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Run from the admin test endpoint ([`RunOrigin::AdminTest`]).
    pub test: bool,
    /// Whether the result was put into the conversation.
    pub injected: bool,
    /// The run: request (redacted), status, response, timing.
    #[serde(flatten)]
    pub run: ActionRun,
}

/// Action run persistence.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ActionLogStore {
    /// Records a run; returns its log id.
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError>;
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
