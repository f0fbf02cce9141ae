//! Live conversations: what travels over a conversation's WebSocket
//! (`GET /api/v1/conversations/{id}/live`), both ways, as JSON objects tagged by `type`.

use crate::message::Message;
use serde::{Deserialize, Serialize};

/// The subprotocol a live socket speaks; the edge answers with exactly this one.
pub const LIVE_PROTOCOL: &str = "switchboard.live.v1";

/// Prefix of the second subprotocol a visitor offers, which carries its conversation token
/// (`bearer.<token>`): browsers cannot set `Authorization` on a WebSocket, and a token in the URL
/// would end up in access logs and the browser's history.
pub const TOKEN_PROTOCOL_PREFIX: &str = "bearer.";

/// Longest text frame a client may send (a typing notice is a few dozen bytes); a longer one
/// closes the socket.
pub const MAX_COMMAND_BYTES: usize = 256;

/// Close code the edge uses for a frame it does not accept (RFC 6455 "policy violation").
pub const CLOSE_POLICY: u16 = 1008;

/// Close code that asks the client to connect again and resume (RFC 6455 "try again later"):
/// the edge could not prove the socket missed nothing.
pub const CLOSE_RESYNC: u16 = 1013;

/// What the edge pushes to a socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A message was stored in the conversation (by anyone, the visitor included).
    Message {
        /// The message as stored (boxed: the other events are small).
        message: Box<Message>,
    },
    /// A human agent joined the conversation.
    AgentJoined(Agent),
    /// A human agent started or stopped typing.
    AgentTyping {
        /// Who.
        agent: Agent,
        /// Typing now (`false`: stopped).
        typing: bool,
    },
    /// The visitor started or stopped typing (agents only).
    VisitorTyping {
        /// Typing now (`false`: stopped).
        typing: bool,
    },
    /// A piece of the AI's reply to the visitor's message `reply_to`, as the model writes it
    /// (plain text: the stored reply, which follows, is the one to render). `at` is how many
    /// characters came before it, so a client that missed a piece waits for the stored reply.
    ReplyDelta {
        /// The visitor's message being answered.
        reply_to: crate::ids::MessageId,
        /// Characters of the reply before this piece.
        at: u32,
        /// The piece.
        text: String,
    },
    /// Sent once per socket, after every message stored since the client's cursor: the socket
    /// is caught up and live. A client keeps polling until it gets this (a proxy that accepts
    /// WebSockets but passes no frames is as good as blocked).
    Ready,
}

/// A human agent as the visitor sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Display name, e.g. "Ana".
    pub name: String,
    /// One upper-case letter for the avatar.
    pub initial: String,
}

/// Longest agent display name accepted, in characters.
pub const MAX_AGENT_NAME_CHARS: usize = 60;

impl Agent {
    /// An agent from a display name: trimmed, 1–60 characters, no control characters; the
    /// initial is its first letter in upper case.
    pub fn named(name: &str) -> Option<Self> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_AGENT_NAME_CHARS || name.chars().any(char::is_control) {
            return None;
        }
        let first = name.chars().find(|c| c.is_alphanumeric()).unwrap_or('?');
        Some(Self { name: name.to_string(), initial: first.to_uppercase().collect() })
    }
}

/// What a client sends over its socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveCommand {
    /// The sender started or stopped typing.
    Typing {
        /// Typing now.
        typing: bool,
    },
    /// The visitor asks the AI to stop writing its reply to `reply_to` (what was shown is kept).
    Stop {
        /// The visitor's message being answered.
        reply_to: crate::ids::MessageId,
    },
}

/// `POST /api/v1/admin/conversations/{id}/messages`: a human agent's message (admin token; the
/// inbox will send the same with an agent's session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMessageRequest {
    /// The agent's display name.
    pub agent: String,
    /// Markdown text.
    pub text: String,
    /// Makes a retry idempotent, as for visitors.
    pub client_message_id: String,
}

/// `POST /api/v1/admin/conversations/{id}/events`: what an agent does that is not a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentSignal {
    /// The agent joined the conversation.
    AgentJoined {
        /// Display name.
        agent: String,
    },
    /// The agent started or stopped typing.
    AgentTyping {
        /// Display name.
        agent: String,
        /// Typing now.
        typing: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Author, MessageId};

    #[test]
    fn events_are_tagged_by_type() {
        let joined = LiveEvent::AgentJoined(Agent::named(" ana ").unwrap());
        assert_eq!(serde_json::to_string(&joined).unwrap(), r#"{"type":"agent_joined","name":"ana","initial":"A"}"#);
        let typing = LiveEvent::VisitorTyping { typing: true };
        assert_eq!(serde_json::to_string(&typing).unwrap(), r#"{"type":"visitor_typing","typing":true}"#);
        let message = LiveEvent::Message {
            message: Box::new(Message {
                id: MessageId::parse("m1").unwrap(),
                author: Author::Agent,
                author_name: None,
                text: "hi".into(),
                created_at: "2026-01-01T00:00:00Z".into(),
                sources: vec![],
                client_message_id: None,
                action: None,
                form: None,
                submission: None,
                buttons: vec![],
                attachment: None,
            }),
        };
        let json = serde_json::to_string(&message).unwrap();
        assert!(json.starts_with(r#"{"type":"message","message":{"id":"m1","author":"agent""#), "{json}");
        assert_eq!(serde_json::from_str::<LiveEvent>(&json).unwrap(), message);
    }

    #[test]
    fn commands_parse_and_unknown_ones_do_not() {
        assert_eq!(
            serde_json::from_str::<LiveCommand>(r#"{"type":"typing","typing":false}"#).unwrap(),
            LiveCommand::Typing { typing: false }
        );
        assert!(serde_json::from_str::<LiveCommand>(r#"{"type":"message","text":"x"}"#).is_err());
    }

    #[test]
    fn agent_names_are_bounded_and_get_an_initial() {
        assert_eq!(Agent::named("élise").unwrap().initial, "É");
        assert_eq!(Agent::named("  "), None);
        assert_eq!(Agent::named(&"a".repeat(61)), None);
        assert_eq!(Agent::named("a\nb"), None);
    }
}
