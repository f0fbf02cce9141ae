//! The model's usage: one row per call to the model of `[llm]` (model, tokens, latency,
//! outcome), read by the owner through the admin API. No text is kept here.

use super::StoreError;
use serde::{Deserialize, Serialize};
use shared::ConversationId;

/// One call to the model, as its usage is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCall {
    /// The configured model.
    pub model: String,
    /// Tokens read.
    pub prompt_tokens: u32,
    /// Tokens written.
    pub completion_tokens: u32,
    /// How long it took, ms.
    pub latency_ms: u32,
    /// `ok`, or why it failed (`timeout`, `http 429`, `malformed`…).
    pub outcome: String,
}

/// One recorded call, as the admin API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUsageEntry {
    /// Cursor for paging (`before=`).
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// The conversation it answered in.
    pub conversation_id: String,
    /// The configured model.
    pub model: String,
    /// Tokens read.
    pub prompt_tokens: u32,
    /// Tokens written.
    pub completion_tokens: u32,
    /// How long the call took, ms.
    pub latency_ms: u32,
    /// `ok`, or why it failed.
    pub outcome: String,
}

/// Model usage persistence.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ModelUsageStore {
    /// Records one call in a conversation.
    async fn record_model_call(
        &self,
        at_ms: u64,
        conversation: &ConversationId,
        call: &ModelCall,
    ) -> Result<(), StoreError>;
    /// The latest calls, newest first, older than `before` if given.
    async fn model_calls(&self, limit: usize, before: Option<i64>) -> Result<Vec<ModelUsageEntry>, StoreError>;
}
