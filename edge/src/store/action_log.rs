//! The execution log of actions: one entry per run, credentials already redacted by the runner.

use super::StoreError;
use crate::actions::execute::ActionRun;
use serde::{Deserialize, Serialize};
use shared::ConversationId;

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
    /// Run from the admin test endpoint.
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
    /// Records a run.
    async fn record_run(
        &self,
        at_ms: u64,
        conversation: Option<&ConversationId>,
        run: &ActionRun,
        injected: bool,
        test: bool,
    ) -> Result<i64, StoreError>;
    /// Runs of an action, newest first, older than `before` if given.
    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError>;
}
