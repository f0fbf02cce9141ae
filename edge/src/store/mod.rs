//! Where conversations live. The API speaks to these traits; `sql` implements them on D1 in the
//! Worker (on SQLite in native tests), `object` on a conversation's object (its own SQLite,
//! journaled to D1 by `replica`), and both pass one contract suite (`contract`).

pub mod action_log;
pub mod agents;
pub mod canned;
pub mod console_changes;
pub mod erasure;
pub mod handoff;
pub mod inbox;
pub mod model_usage;
pub mod object;
pub mod replica;
pub mod reports;
pub mod schema;
pub mod sql;

#[cfg(test)]
mod contract;
#[cfg(test)]
mod deployment;
#[cfg(test)]
pub mod sqlite;

pub use action_log::{ActionLogEntry, ActionLogStore, LogFilter, RunCounts, RunOrigin};
pub use agents::{AddAgentError, Agent, AgentAccount, AgentStore, Role, TeamMember};
pub use canned::{CannedStore, StoredCanned};
pub use console_changes::{ActionSwitch, ConsoleAction, ConsoleChangeStore};
pub use erasure::{Erased, ErasureStore, Person};
pub use handoff::{AfterAttempt, Attempt, Delivery, DeliveryStatus, HandoffRecord, HandoffStore, NewDelivery};
pub use inbox::{InboxStore, Move};
pub use model_usage::{ModelCall, ModelUsageEntry, ModelUsageStore};

use crate::pending::{Awaiting, Pending};
use shared::api::Lead;
use shared::handoff::ConversationStatus;
use shared::satisfaction::Satisfaction;
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
    /// What the owner's verification action proved, and when (only the edge sets this).
    pub verification: Option<Verification>,
    /// How the host page proved who the visitor is.
    pub identity: IdentityProof,
    /// When that proof stops counting (a JWT's `exp`), Unix ms; none for `user_hash`.
    pub identity_expires_at_ms: Option<u64>,
    /// The agent's unfinished action (JSON of `agent::planner::Pending`), if any.
    pub pending: Option<Pending>,
    /// Custom attributes (`{{conversation.attributes.NAME}}`).
    pub attributes: BTreeMap<String, String>,
    /// Who answers now. Only [`HandoffStore::hand_off`] (and the inbox) change it; `save_state`
    /// never writes it, so a turn cannot undo a human's claim.
    pub status: ConversationStatus,
    /// The human who owns the conversation (`assigned`).
    pub assignee_id: Option<String>,
    /// The latest handoff, if there was one.
    pub handoff: Option<HandoffRecord>,
    /// What the handoff rules count across messages.
    pub streaks: Streaks,
}

/// Counts the handoff rules keep per conversation ("N in a row").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Streaks {
    /// The AI's "I don't know" answers in a row.
    pub unanswered: u32,
    /// Strongly negative visitor messages in a row.
    pub negative: u32,
}

/// A successful one-time-code check: for which email and user, at what time. It holds only while
/// the conversation's lead email and user id are still these and it has not expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The lead email the code was checked for (none if the check used no email).
    pub email: Option<String>,
    /// The conversation's user id at the time.
    pub user_id: Option<String>,
    /// When, Unix ms.
    pub at_ms: u64,
}

/// How the host page proved who the visitor is (`Switchboard.identify`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdentityProof {
    /// Nothing signed: any user id or email came from the browser.
    #[default]
    None,
    /// `user_hash`: the user id is signed, the email and name are not.
    UserHash,
    /// A JWT: user id, email and name come from signed claims.
    SignedToken,
}

impl IdentityProof {
    /// As stored.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::UserHash => Some("user_hash"),
            Self::SignedToken => Some("jwt"),
        }
    }

    /// From the stored spelling (unknown spellings prove nothing).
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("user_hash") => Self::UserHash,
            Some("jwt") => Self::SignedToken,
            _ => Self::None,
        }
    }
}

/// What happened to a requested change of the lead email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadEmailChange {
    /// The same address (in any case): nothing changed.
    Unchanged,
    /// Set; any verification and unfinished action for the old address are gone.
    Changed,
    /// Refused: the email comes from the host page's signed token.
    Locked,
}

impl ConversationRecord {
    /// Whether the host page's proof of who the visitor is holds at `now_ms` (a JWT's `exp` is
    /// enforced for the conversation's whole life, not only when it starts).
    pub fn identity_verified(&self, now_ms: u64) -> bool {
        self.identity != IdentityProof::None && self.identity_expires_at_ms.is_none_or(|exp| now_ms < exp)
    }

    /// This record's changes since `before` applied onto `current`, the record as stored now:
    /// what another request changed meanwhile (a lead form, `setAttributes`, an agent's move)
    /// survives, and what this request changed wins. A turn that waited on an action's API for
    /// seconds thus writes back only what it changed, not the whole record it read.
    pub fn rebased(&self, before: &Self, current: &Self) -> Self {
        fn pick<T: Clone + PartialEq>(mine: &T, before: &T, theirs: &T) -> T {
            if mine != before {
                mine.clone()
            } else {
                theirs.clone()
            }
        }
        let mut attributes = current.attributes.clone();
        for key in before.attributes.keys().chain(self.attributes.keys()) {
            match (self.attributes.get(key), before.attributes.get(key)) {
                (mine, was) if mine == was => {}
                (Some(value), _) => {
                    attributes.insert(key.clone(), value.clone());
                }
                (None, _) => {
                    attributes.remove(key);
                }
            }
        }
        Self {
            lead: Lead {
                email: pick(&self.lead.email, &before.lead.email, &current.lead.email),
                name: pick(&self.lead.name, &before.lead.name, &current.lead.name),
            },
            verification: pick(&self.verification, &before.verification, &current.verification),
            pending: pick(&self.pending, &before.pending, &current.pending),
            attributes,
            status: pick(&self.status, &before.status, &current.status),
            assignee_id: pick(&self.assignee_id, &before.assignee_id, &current.assignee_id),
            handoff: pick(&self.handoff, &before.handoff, &current.handoff),
            streaks: pick(&self.streaks, &before.streaks, &current.streaks),
            ..current.clone()
        }
    }

    /// Who the visitor is, as an agent or a webhook is told at `now_ms`: each value with whether
    /// the host page signed it (an expired signature signs nothing), and the verification.
    pub fn identity_now(&self, now_ms: u64, verification_ttl_ms: u64) -> shared::handoff::SummaryIdentity {
        let signed = self.identity_verified(now_ms);
        shared::handoff::SummaryIdentity {
            user_id: self.user_id.clone(),
            email: self.lead.email.clone(),
            name: self.lead.name.clone(),
            signed: if signed { self.identity.as_str().unwrap_or("none") } else { "none" }.to_string(),
            email_signed: self.email_signed(now_ms),
            name_signed: signed && self.identity == IdentityProof::SignedToken && self.lead.name.is_some(),
            verified: self.verified_at(now_ms, verification_ttl_ms),
        }
    }

    /// Whether the lead email is one the host page signed (a JWT's `email` claim), still valid.
    pub fn email_signed(&self, now_ms: u64) -> bool {
        self.identity == IdentityProof::SignedToken && self.lead.email.is_some() && self.identity_verified(now_ms)
    }

    /// Whether a one-time-code verification holds now: for this very email and user, within `ttl_ms`.
    pub fn verified_at(&self, now_ms: u64, ttl_ms: u64) -> bool {
        self.verification.as_ref().is_some_and(|v| {
            let same_email = match (&v.email, &self.lead.email) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            };
            same_email && v.user_id == self.user_id && now_ms.saturating_sub(v.at_ms) < ttl_ms
        })
    }

    /// Sets the lead email. A different address clears verification and drops the unfinished
    /// action (a Confirm or a code meant for the old address), unless that action was waiting
    /// for exactly this: an email. A signed email cannot be changed.
    pub fn set_lead_email(&mut self, email: String) -> LeadEmailChange {
        if self.lead.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&email)) {
            return LeadEmailChange::Unchanged;
        }
        if self.identity == IdentityProof::SignedToken {
            return LeadEmailChange::Locked;
        }
        self.lead.email = Some(email);
        self.verification = None;
        let waits_for_email = self.pending.as_ref().is_some_and(|p| p.awaiting == Awaiting::LeadEmail);
        if !waits_for_email {
            self.pending = None;
        }
        LeadEmailChange::Changed
    }
}

/// A message about to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Its id (replies get ids derived from the message they answer, so a retry cannot add more).
    pub id: MessageId,
    /// Who wrote it.
    pub author: Author,
    /// A human agent's display name as it was when they wrote (agents' messages only).
    pub author_name: Option<String>,
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
    /// A reply that could not answer the visitor's question (the reports list those questions).
    pub unanswered: bool,
    /// Unix ms.
    pub created_at_ms: u64,
    /// A file sent with it.
    pub attachment: Option<shared::Attachment>,
}

impl NewMessage {
    /// A bot message answering `reply_to` (or opening the conversation), with nothing but text.
    pub fn bot(id: MessageId, text: String, reply_to: Option<MessageId>, created_at_ms: u64) -> Self {
        Self {
            id,
            author: Author::Bot,
            author_name: None,
            text,
            sources: Vec::new(),
            client_message_id: None,
            reply_to,
            action: None,
            form: None,
            submission: None,
            buttons: Vec::new(),
            created_at_ms,
            unanswered: false,
            attachment: None,
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
            author_name: self.author_name.clone(),
            text: self.text.clone(),
            created_at: shared::time::rfc3339_from_unix_ms(self.created_at_ms),
            sources: self.sources.clone(),
            client_message_id: self.client_message_id.clone(),
            action: self.action.clone(),
            form: self.form.clone(),
            submission: self.submission.clone(),
            buttons: self.buttons.clone(),
            attachment: None,
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

/// What a visitor's write reads before it runs, in one round trip on D1.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteContext {
    /// The conversation.
    pub record: ConversationRecord,
    /// The message stored before under the request's `client_message_id` (a retry), with its
    /// replies in order.
    pub earlier: Option<(Message, Vec<Message>)>,
    /// The latest messages, in order.
    pub recent: Vec<Message>,
    /// How much the conversation holds now.
    pub size: ConversationSize,
}

/// How much a conversation holds: its messages (every author) and their text's bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ConversationSize {
    /// Messages stored.
    pub messages: u64,
    /// Bytes of their text (UTF-8).
    pub bytes: u64,
}

/// Every store the API uses, as one bound.
pub trait Stores:
    ActionLogStore
    + CannedStore
    + ConsoleChangeStore
    + ConversationStore
    + ErasureStore
    + AgentStore
    + HandoffStore
    + InboxStore
    + ModelUsageStore
    + reports::ReportStore
{
}

impl<S> Stores for S where
    S: ActionLogStore
        + CannedStore
        + ConsoleChangeStore
        + ConversationStore
        + ErasureStore
        + AgentStore
        + HandoffStore
        + InboxStore
        + ModelUsageStore
        + reports::ReportStore
{
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
    /// Saves what the agent learned: lead details, verification, the unfinished action, attributes,
    /// the handoff streaks and whether the visitor was told a specialist answers (never the status).
    async fn save_state(&self, record: &ConversationRecord) -> Result<(), StoreError>;
    /// One message of the conversation.
    async fn message(&self, conversation: &ConversationId, id: &MessageId) -> Result<Option<Message>, StoreError>;
    /// The whole conversation, in order.
    async fn messages(&self, conversation: &ConversationId) -> Result<Vec<Message>, StoreError>;
    /// The last `limit` messages, in order.
    async fn recent_messages(&self, conversation: &ConversationId, limit: usize) -> Result<Vec<Message>, StoreError>;
    /// The messages stored after `after`, in order (a reconnecting client's resume and the
    /// polling fallback); `None` when `after` is no message of this conversation.
    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: &MessageId,
    ) -> Result<Option<Vec<Message>>, StoreError>;

    /// What a visitor's write needs before it runs: the conversation, the message already stored
    /// under `client_message_id` with its replies, and the last `recent` messages (`None` when
    /// there is no such conversation). The D1 store reads all of it in one round trip.
    async fn open_for_write(
        &self,
        id: &ConversationId,
        client_message_id: &str,
        recent: usize,
    ) -> Result<Option<WriteContext>, StoreError> {
        let Some(record) = self.conversation(id).await? else { return Ok(None) };
        let earlier =
            self.messages(id).await?.into_iter().find(|m| m.client_message_id.as_deref() == Some(client_message_id));
        let earlier = match earlier {
            Some(m) => {
                let replies = self.replies_to(id, &m.id).await?;
                Some((m, replies))
            }
            None => None,
        };
        let all = self.messages(id).await?;
        let size =
            ConversationSize { messages: all.len() as u64, bytes: all.iter().map(|m| m.text.len() as u64).sum() };
        Ok(Some(WriteContext { record, earlier, recent: self.recent_messages(id, recent).await?, size }))
    }

    /// Keeps the visitor's rating, unless the conversation has one already (one write that
    /// checks); whether it was kept.
    async fn rate(&self, conversation: &ConversationId, rating: &Satisfaction) -> Result<bool, StoreError>;
    /// The visitor's rating, if they gave one.
    async fn satisfaction(&self, conversation: &ConversationId) -> Result<Option<Satisfaction>, StoreError>;

    /// Ends a visitor's write: stores `replies` to `visitor` (skipping ids that exist), saves
    /// `record`'s state as [`ConversationStore::save_state`] does, and returns the stored replies
    /// in order. The D1 store does this in one batch, i.e. one transaction.
    async fn finish_turn(
        &self,
        record: &ConversationRecord,
        visitor: &MessageId,
        replies: &[NewMessage],
    ) -> Result<Vec<Message>, StoreError> {
        self.insert_replies(&record.id, replies).await?;
        self.save_state(record).await?;
        self.replies_to(&record.id, visitor).await
    }
}
