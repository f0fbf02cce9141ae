//! The inbox (the agents' console) on the wire: `/api/v1/inbox/...`. Every route takes the agent's
//! session cookie only, from the edge's own pages; a visitor's token opens none of them.
//!
//! Routes (all JSON; errors are [`crate::ApiErrorBody`]):
//! - `GET  inbox/conversations?view=waiting|mine|open|resolved|ai&q=TEXT` → [`ConversationList`]
//! - `GET  inbox/conversations/{id}` → [`ConversationDetail`]
//! - `POST inbox/conversations/{id}/claim` → [`ConversationDetail`]; `409 already_claimed` when
//!   someone else got it first (exactly one of two racing claims wins)
//! - `POST inbox/conversations/{id}/take_over` → [`ConversationDetail`]: an agent takes a
//!   conversation the AI still handles (watching it first is just reading it)
//! - `POST inbox/conversations/{id}/assign` [`AssignRequest`] → [`ConversationDetail`]
//! - `POST inbox/conversations/{id}/messages` [`ReplyRequest`] → [`crate::Message`] (`201`; a retry
//!   with the same `client_message_id` answers `200` with the stored one; only on an `assigned`
//!   conversation, `409 wrong_status` otherwise, and only by its assignee or an admin, `403
//!   not_assignee` otherwise)
//! - `POST inbox/conversations/{id}/hand_back` → [`ConversationDetail`]: back to the AI
//! - `POST inbox/conversations/{id}/resolve` [`ResolveRequest`] → [`ConversationDetail`]
//! - `POST inbox/conversations/{id}/reopen` → [`ConversationDetail`] (assigned to the reopener)
//! - `POST inbox/conversations/{id}/notes` [`NoteRequest`] → [`Note`] (`201`; never shown to the
//!   visitor)
//!
//! A move that finds the conversation elsewhere answers `409 already_claimed` (another agent has
//! it) or `409 wrong_status`; hand back and resolve are the assignee's (or an admin's), `403
//! not_assignee` otherwise; a take-over is recorded as a handoff with
//! [`HandoffReason::AgentTookOver`].
//! - `GET  inbox/agents` → [`AgentList`] (for assigning)
//! - `GET  inbox/live` (WebSocket, subprotocol [`crate::live::LIVE_PROTOCOL`]): [`InboxEvent`]s
//! - `GET  inbox/conversations/{id}/live` (WebSocket): the conversation's
//!   [`crate::live::LiveEvent`]s as an agent sees them (visitor typing included); the agent may
//!   send [`crate::live::LiveCommand::Typing`]

use crate::handoff::{ConversationStatus, HandoffReason, HandoffSummary, SummaryIdentity};
use crate::message::{ActionStatus, Message};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The lists an agent works from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InboxView {
    /// Handed off, nobody has it yet: oldest handoff first.
    #[default]
    Waiting,
    /// Assigned to the signed-in agent, oldest activity first.
    Mine,
    /// Waiting or assigned to anyone, newest activity first.
    Open,
    /// Resolved, newest first.
    Resolved,
    /// Still with the AI, newest conversation first: an agent may watch one and take over.
    Ai,
    /// Waiting or assigned and put aside until a moment or the visitor's next message (out of
    /// Waiting, Mine and All open meanwhile), newest activity first.
    Snoozed,
}

impl InboxView {
    /// Every view, in the order the inbox shows them.
    pub const ALL: [InboxView; 6] = [Self::Waiting, Self::Mine, Self::Open, Self::Snoozed, Self::Resolved, Self::Ai];

    /// As written in `?view=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Mine => "mine",
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Ai => "ai",
            Self::Snoozed => "snoozed",
        }
    }

    /// From `?view=`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The view's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "Waiting",
            Self::Mine => "Mine",
            Self::Open => "All open",
            Self::Resolved => "Resolved",
            Self::Ai => "With AI",
            Self::Snoozed => "Snoozed",
        }
    }
}

/// An agent as colleagues see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// How many conversations each view holds (without a search).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCounts {
    /// Waiting for someone.
    pub waiting: u32,
    /// Assigned to the signed-in agent.
    pub mine: u32,
    /// Waiting or assigned.
    pub open: u32,
    /// Resolved.
    pub resolved: u32,
    /// With the AI.
    #[serde(default)]
    pub ai: u32,
    /// Put aside.
    #[serde(default)]
    pub snoozed: u32,
}

impl InboxCounts {
    /// The count of one view.
    pub fn of(&self, view: InboxView) -> u32 {
        match view {
            InboxView::Waiting => self.waiting,
            InboxView::Mine => self.mine,
            InboxView::Open => self.open,
            InboxView::Resolved => self.resolved,
            InboxView::Ai => self.ai,
            InboxView::Snoozed => self.snoozed,
        }
    }
}

/// One conversation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRow {
    /// The conversation's id.
    pub id: String,
    /// Who answers it now.
    pub status: ConversationStatus,
    /// The agent who has it (assigned, or who resolved it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentRef>,
    /// Lead email, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Lead name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The host site's user id, if the page identified the visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Why it was handed off, in words (latest handoff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The latest message's text, shortened.
    pub preview: String,
    /// When the latest handoff happened, Unix ms (the wait is counted from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_at_ms: Option<u64>,
    /// When the latest message was stored, Unix ms.
    pub last_message_at_ms: u64,
    /// When the conversation started, Unix ms.
    pub created_at_ms: u64,
    /// Its tags, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Its priority.
    #[serde(default)]
    pub priority: crate::labels::Priority,
    /// Put aside by an agent, and until when; a moment already past no longer holds (read it
    /// against the list's `now_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snooze: Option<Snooze>,
}

/// A conversation put aside (`POST …/snooze` takes the same body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snooze {
    /// Until this moment, Unix ms; none: until the visitor writes (which ends it either way).
    #[serde(default)]
    pub until_ms: Option<u64>,
}

/// The longest snooze, in ms (90 days).
pub const MAX_SNOOZE_MS: u64 = 90 * 24 * 3_600_000;

impl Snooze {
    /// Whether it still holds at `now_ms` (the visitor's writing is the edge's to read).
    pub fn holds(&self, now_ms: u64) -> bool {
        self.until_ms.is_none_or(|until| until > now_ms)
    }
}

/// `GET /api/v1/inbox/conversations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    /// The view asked for, filtered by `q` if given; at most 100.
    pub conversations: Vec<ConversationRow>,
    /// Counts of every view (unfiltered).
    pub counts: InboxCounts,
    /// The edge's clock, Unix ms: waits are `now_ms - handoff_at_ms`, whatever the agent's clock says.
    pub now_ms: u64,
    /// What needs the signed-in agent, in any view: the tab's unread count and the alerts.
    #[serde(default)]
    pub attention: Vec<Attention>,
    /// A wait longer than this is flagged and alerted (`[handoff] wait_alert_minutes`), in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_alert_ms: Option<u64>,
    /// The conversations waiting longer than that, oldest first (`since_ms`: the handoff).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub long_waits: Vec<Attention>,
}

/// A conversation that needs the signed-in agent and that they have not opened since: one
/// waiting for anyone since its handoff, or one of theirs with a visitor's message they have not
/// read (`POST /api/v1/inbox/conversations/{id}/read` marks it read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    /// The conversation's id.
    pub id: String,
    /// Waiting, or assigned to the agent.
    pub status: ConversationStatus,
    /// The visitor as the inbox names them (lead name or email, or the host site's user id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// What the visitor last wrote, shortened.
    pub preview: String,
    /// Since when, Unix ms: the handoff, or the visitor's latest message.
    pub since_ms: u64,
}

/// One action run in a conversation, as the owner's log has it (credentials redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The action's slug.
    pub action: String,
    /// How it ended.
    pub status: ActionStatus,
    /// A sentence on how it went (never holds a credential).
    pub summary: String,
    /// The request line sent, redacted (e.g. `GET https://api.example/orders/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The HTTP status received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    /// The response body, capped and redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Wall time, ms.
    pub duration_ms: u32,
    /// When it ran, RFC 3339.
    pub at: String,
}

/// A private note agents leave on a conversation; the visitor never sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Its id.
    pub id: String,
    /// Who wrote it.
    pub author: AgentRef,
    /// Plain text.
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
}

/// `GET /api/v1/inbox/conversations/{id}`: everything an agent reads about one conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// The conversation as its list row shows it.
    pub conversation: ConversationRow,
    /// The whole history, in order, as the visitor saw it (agents' messages carry `author_name`).
    pub messages: Vec<Message>,
    /// Who the visitor is, and how sure the edge is.
    pub identity: SummaryIdentity,
    /// The host page's custom attributes.
    pub attributes: BTreeMap<String, String>,
    /// Why it was last handed off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<HandoffReason>,
    /// What the human reads first (latest handoff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<HandoffSummary>,
    /// Action runs in this conversation, oldest first.
    pub runs: Vec<RunRecord>,
    /// Private notes, oldest first.
    pub notes: Vec<Note>,
    /// The visitor's answer to "How did we do?", if they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<crate::satisfaction::Satisfaction>,
}

/// `POST …/assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The agent who gets it.
    pub agent_id: String,
}

/// `POST …/messages`: an agent's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// Markdown text, at most [`crate::message::MAX_MESSAGE_CHARS`].
    pub text: String,
    /// Makes a retry idempotent.
    pub client_message_id: String,
}

/// `POST …/resolve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// Said to the visitor as the agent's last message, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_message: Option<String>,
}

/// `POST …/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// Plain text, 1–4000 characters.
    pub text: String,
}

/// `GET /api/v1/inbox/agents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentList {
    /// Every agent who can be assigned, by name.
    pub agents: Vec<AgentRef>,
}

/// What the inbox socket (`GET /api/v1/inbox/live`) pushes: enough to refresh lists and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboxEvent {
    /// A conversation changed: handed off, claimed, assigned, replied to, resolved, reopened,
    /// handed back, or a new visitor message while a human has it.
    Changed {
        /// Which.
        conversation_id: String,
        /// Its status now.
        status: ConversationStatus,
    },
    /// The socket is live; anything after this is news.
    Ready,
}

/// What an agent may do in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Answers conversations.
    Agent,
    /// Also manages the team.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// The role a stored name means.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An agent as the inbox shows them, and the signed-in agent (`GET inbox/me`, `POST inbox/session`;
/// never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Stable id (`a…`).
    pub id: String,
    /// Sign-in email, unique ignoring ASCII case.
    pub email: String,
    /// Shown to colleagues and, as "name joined", to visitors.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_round_trip_through_their_names() {
        for view in InboxView::ALL {
            assert_eq!(InboxView::parse(view.as_str()), Some(view));
        }
        assert_eq!(InboxView::parse("everything"), None);
    }

    #[test]
    fn inbox_events_are_tagged_by_type() {
        let e = InboxEvent::Changed { conversation_id: "c1".into(), status: ConversationStatus::Waiting };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"type":"changed","conversation_id":"c1","status":"waiting"}"#);
        assert_eq!(serde_json::from_str::<InboxEvent>(&json).unwrap(), e);
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        assert!(serde_json::from_str::<ResolveRequest>(r#"{"closing":"bye"}"#).is_err());
        assert_eq!(serde_json::from_str::<ResolveRequest>("{}").unwrap(), ResolveRequest::default());
    }
}
