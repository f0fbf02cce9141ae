//! A conversation's messages as every client sees them.

use crate::ids::MessageId;
use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    /// The website visitor.
    Visitor,
    /// The AI agent.
    Bot,
    /// A human support agent answering from the inbox.
    Agent,
    /// Switchboard itself (handoffs, notices).
    System,
}

impl Author {
    /// The wire name, also used as the stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Visitor => "visitor",
            Author::Bot => "bot",
            Author::Agent => "agent",
            Author::System => "system",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "visitor" => Author::Visitor,
            "bot" => Author::Bot,
            "agent" => Author::Agent,
            "system" => Author::System,
            _ => return None,
        })
    }
}

/// A page of the owner's content that an answer was drawn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Human-readable title, e.g. "Fees › Withdrawal fees".
    pub title: String,
    /// Link to the page (absolute, or relative to the edge's origin).
    pub url: String,
}

/// The outcome of an action, carried by the message that reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// The action's name.
    pub name: String,
    /// `ok`, `failed` or `refused`.
    pub status: ActionStatus,
    /// Why it failed or was refused, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How an action ended, as visitors' clients see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionStatus {
    /// Done.
    Ok,
    /// Tried, and the owner's API failed.
    Failed,
    /// Not run: a guard refused it.
    Refused,
}

/// A form shown in the conversation, for the visitor to fill in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormCard {
    /// The form action's slug.
    pub action: String,
    /// Card title.
    pub title: String,
    /// Submit button label.
    pub submit_label: String,
    /// Visible fields, defaults filled in.
    pub fields: Vec<crate::form::FieldDef>,
}

/// What a visitor submitted through a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The message holding the form.
    pub form_message_id: String,
    /// Submitted values by field name (sensitive values masked).
    pub values: std::collections::BTreeMap<String, String>,
}

/// A button drawn under a message. A click is identified by the message and the button's id, so
/// clicking the same button again returns the first result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonCard {
    /// Unique within its message (`b0`, `b1`…).
    pub id: String,
    /// The button's text.
    pub label: String,
    /// What a click does.
    pub does: ButtonAct,
}

/// What clicking a button does. On the wire it is externally tagged, e.g. `{"run": "service-status"}`
/// (cheaper for the widget to read than an internally tagged enum).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonAct {
    /// Opens this http(s) URL in a new tab; nothing reaches the edge.
    OpenUrl(String),
    /// Runs the owner's http action with this slug through the edge.
    Run(String),
    /// Sends this text as the visitor's message (a quick reply).
    Reply(String),
    /// Runs the write action (this slug) waiting for confirmation.
    Confirm(String),
    /// Drops the write action (this slug) waiting for confirmation.
    Cancel(String),
}

impl ButtonAct {
    /// Answers to the latest message (quick replies, confirm/cancel): offered only while their
    /// message is the newest, whereas links and action buttons stay.
    pub fn is_answer(&self) -> bool {
        matches!(self, Self::Reply(_) | Self::Confirm(_) | Self::Cancel(_))
    }
}

/// One message of a conversation. Typed extras sit beside the text and are omitted when empty,
/// so clients that only know `text` keep working as new kinds are added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Unique id.
    pub id: MessageId,
    /// Who wrote it.
    pub author: Author,
    /// The human agent's display name (agent messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    /// The text, in the small Markdown subset of [`crate::markdown`].
    pub text: String,
    /// When the edge stored it, RFC 3339 UTC.
    pub created_at: String,
    /// Pages the answer was drawn from (bot answers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// The `client_message_id` the visitor's client sent it with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_message_id: Option<String>,
    /// The action this message reports on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionOutcome>,
    /// A form to fill in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<FormCard>,
    /// A form submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<Submission>,
    /// Buttons under the message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<ButtonCard>,
    /// A file sent with it (the visitor's or an agent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::Attachment>,
}

/// Longest visitor message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        Message {
            id: MessageId::parse("m_1").unwrap(),
            author: Author::Bot,
            author_name: None,
            text: "Hello **there**".into(),
            created_at: "2026-11-23T10:00:00.000Z".into(),
            sources: vec![Source { title: "Fees".into(), url: "/fees.html".into() }],
            client_message_id: None,
            action: None,
            form: None,
            submission: None,
            buttons: vec![ButtonCard {
                id: "b0".into(),
                label: "Status".into(),
                does: ButtonAct::OpenUrl("https://status.example".into()),
            }],
            attachment: None,
        }
    }

    #[test]
    fn round_trips_through_json() {
        let m = sample();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), m);
    }

    #[test]
    fn wire_shape_is_stable() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["author"], "bot");
        assert_eq!(v["sources"][0]["url"], "/fees.html");
        assert!(v.get("client_message_id").is_none(), "empty extras are omitted");
        assert_eq!(v["buttons"][0]["does"]["open_url"], "https://status.example");
    }

    #[test]
    fn answers_are_the_buttons_that_go_away() {
        assert!(ButtonAct::Reply("Fees?".into()).is_answer());
        assert!(ButtonAct::Confirm("a".into()).is_answer());
        assert!(!ButtonAct::Run("a".into()).is_answer());
        assert!(!ButtonAct::OpenUrl("https://x.example".into()).is_answer());
    }

    #[test]
    fn author_names_round_trip() {
        for a in [Author::Visitor, Author::Bot, Author::Agent, Author::System] {
            assert_eq!(Author::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        assert_eq!(Author::parse("robot"), None);
    }
}
