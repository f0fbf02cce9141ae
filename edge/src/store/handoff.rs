//! Handoffs and the owner's webhook deliveries: the storage side of `crate::handoff`. A handoff
//! moves a conversation from `ai` to `waiting` in one conditional write, together with the
//! delivery that tells the owner, so a conversation handed off twice at once notifies once.

use super::StoreError;
use serde::Serialize;
use shared::handoff::{HandoffReason, HandoffSummary};
use shared::ConversationId;

/// The event a handoff's delivery carries.
pub const HANDOFF_EVENT: &str = "conversation.handoff";

/// A conversation's latest handoff, as stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRecord {
    /// Which handoff of the conversation this is (1 for the first).
    pub seq: u32,
    /// When, Unix ms.
    pub at_ms: u64,
    /// Why.
    pub reason: HandoffReason,
    /// What the human reads first.
    pub summary: HandoffSummary,
    /// Whether the visitor was told, after the handoff message, that a specialist answers here.
    pub noticed: bool,
}

/// A notification about to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Its id (the payload's `id`).
    pub id: String,
    /// The event, e.g. [`HANDOFF_EVENT`].
    pub event: String,
    /// The exact JSON body.
    pub payload: String,
    /// Unix ms.
    pub created_at_ms: u64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not yet accepted by the receiver; tried again at `next_attempt_at_ms`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
}

impl DeliveryStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// From the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A queued notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Its id.
    pub id: String,
    /// The conversation it is about.
    pub conversation_id: ConversationId,
    /// The event.
    pub event: String,
    /// The exact JSON body.
    pub payload: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// Pending: not before this time (also the lease of an attempt under way), Unix ms.
    pub next_attempt_at_ms: Option<u64>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Unix ms.
    pub created_at_ms: u64,
    /// When the receiver accepted it, Unix ms.
    pub delivered_at_ms: Option<u64>,
}

/// One attempt to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: u32,
    /// When it started, Unix ms.
    pub at_ms: u64,
    /// The receiver's status code, if it answered.
    pub status_code: Option<u16>,
    /// Why it failed, if it did (no secret, no body).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u32,
}

/// What an attempt leaves a delivery as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Accepted at this time.
    Delivered(u64),
    /// Try again at this time.
    RetryAt(u64),
    /// No more attempts.
    GaveUp,
}

/// Handoff and webhook storage.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait HandoffStore {
    /// Hands the conversation off: only if its status is `ai`, sets it to `waiting` with this
    /// handoff (its `seq` must be the conversation's last plus one) and queues `delivery`, in one
    /// transaction. Returns false, writing nothing, when the conversation was not with the AI.
    async fn hand_off(
        &self,
        conversation: &ConversationId,
        handoff: &HandoffRecord,
        delivery: Option<&NewDelivery>,
    ) -> Result<bool, StoreError>;
    /// Ids of pending deliveries due at `now_ms`, oldest first, at most `limit`.
    async fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<String>, StoreError>;
    /// Takes a pending delivery due at `now_ms` for one attempt: moves its next attempt to
    /// `now_ms + lease_ms`, so no other caller sends it meanwhile. None if it is not pending and due.
    async fn claim_delivery(&self, id: &str, now_ms: u64, lease_ms: u64) -> Result<Option<Delivery>, StoreError>;
    /// Records an attempt and what it leaves the delivery as.
    async fn record_attempt(&self, id: &str, attempt: &Attempt, after: AfterAttempt) -> Result<(), StoreError>;
    /// The deliveries about a conversation, oldest first.
    async fn deliveries_of(&self, conversation: &ConversationId) -> Result<Vec<Delivery>, StoreError>;
    /// A delivery's attempts, in order.
    async fn attempts(&self, id: &str) -> Result<Vec<Attempt>, StoreError>;
}
