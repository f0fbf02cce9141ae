//! Where conversations live. The API speaks to this trait; D1 implements it in the Worker and an
//! in-memory store implements it for native tests.

pub mod action_log;
pub mod erasure;
pub mod memory;

pub use action_log::{ActionLogEntry, ActionLogStore};
pub use erasure::{Erased, ErasureStore, OldRuns, Person};

use shared::api::Lead;
use shared::{ActionOutcome, Author, ButtonCard, ConversationId, FormCard, Message, MessageId, Source, Submission};
use std::collections::BTreeMap;

/// A conversation's stored header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRecord {
    /// Public id.
    pub id: ConversationId,
    /// SHA-256 of the visitor's token (the token itself is never stored).
    pub token_hash: String,
    /// The host site's user id, if the page passed one.
    pub user_id: Option<String>,
    /// Contact details, if known.
    pub lead: Lead,
    /// Creation time, Unix ms.
    pub created_at_ms: u64,
    /// Verified by the owner's verification action (only the edge sets this).
    pub verified: bool,
    /// The host page identified the visitor with a valid `user_hash`.
    pub identity_verified: bool,
    /// The agent's unfinished action (JSON of `agent::planner::Pending`), if any.
    pub pending: Option<String>,
    /// Custom attributes (`{{conversation.attributes.NAME}}`).
    pub attributes: BTreeMap<String, String>,
}

/// A message about to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Its id (replies get ids derived from the message they answer, so a retry cannot add more).
    pub id: MessageId,
    /// Who wrote it.
    pub author: Author,
    /// Markdown text.
    pub text: String,
    /// Cited pages.
    pub sources: Vec<Source>,
    /// The client's id for a visitor message.
    pub client_message_id: Option<String>,
    /// The visitor message this answers.
    pub reply_to: Option<MessageId>,
    /// The action this message reports on.
    pub action: Option<ActionOutcome>,
    /// A form to fill in.
    pub form: Option<FormCard>,
    /// A form submission.
    pub submission: Option<Submission>,
    /// Buttons under the message.
    pub buttons: Vec<ButtonCard>,
    /// Unix ms.
    pub created_at_ms: u64,
}

impl NewMessage {
    /// A bot message answering `reply_to` (or opening the conversation), with nothing but text.
    pub fn bot(id: MessageId, text: String, reply_to: Option<MessageId>, created_at_ms: u64) -> Self {
        Self {
            id,
            author: Author::Bot,
            text,
            sources: Vec::new(),
            client_message_id: None,
            reply_to,
            action: None,
            form: None,
            submission: None,
            buttons: Vec::new(),
            created_at_ms,
        }
    }

    /// A visitor message; `client_message_id` makes storing it idempotent.
    pub fn visitor(id: MessageId, text: String, client_message_id: String, created_at_ms: u64) -> Self {
        Self {
            author: Author::Visitor,
            client_message_id: Some(client_message_id),
            ..Self::bot(id, text, None, created_at_ms)
        }
    }

    /// The message as clients see it once stored.
    pub fn to_message(&self) -> Message {
        Message {
            id: self.id.clone(),
            author: self.author,
            text: self.text.clone(),
            created_at: shared::time::rfc3339_from_unix_ms(self.created_at_ms),
            sources: self.sources.clone(),
            client_message_id: self.client_message_id.clone(),
            action: self.action.clone(),
            form: self.form.clone(),
            submission: self.submission.clone(),
            buttons: self.buttons.clone(),
        }
    }
}

/// The outcome of storing a visitor message.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// Stored now.
    New(Message),
    /// A message with the same `client_message_id` was stored before; here it is.
    Existing(Message),
}

/// A storage failure (the request may be retried).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failed: {0}")]
pub struct StoreError(pub String);

/// Conversation persistence.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ConversationStore {
    /// Stores a new conversation and its opening messages.
    async fn create_conversation(&self, record: &ConversationRecord, opening: &[NewMessage]) -> Result<(), StoreError>;
    /// Looks a conversation up.
    async fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError>;
    /// Stores a visitor message unless one with the same `client_message_id` exists.
    async fn insert_visitor_message(
        &self,
        conversation: &ConversationId,
        message: &NewMessage,
    ) -> Result<Inserted, StoreError>;
    /// Stores replies; a reply whose id already exists is skipped.
    async fn insert_replies(&self, conversation: &ConversationId, replies: &[NewMessage]) -> Result<(), StoreError>;
    /// Replies to one visitor message, in order.
    async fn replies_to(&self, conversation: &ConversationId, message: &MessageId) -> Result<Vec<Message>, StoreError>;
    /// Saves what the agent learned: lead details, verification, the unfinished action, attributes.
    async fn save_state(&self, record: &ConversationRecord) -> Result<(), StoreError>;
    /// One message of the conversation.
    async fn message(&self, conversation: &ConversationId, id: &MessageId) -> Result<Option<Message>, StoreError>;
    /// The whole conversation, in order.
    async fn messages(&self, conversation: &ConversationId) -> Result<Vec<Message>, StoreError>;
    /// The last `limit` messages, in order.
    async fn recent_messages(&self, conversation: &ConversationId, limit: usize) -> Result<Vec<Message>, StoreError>;
}
