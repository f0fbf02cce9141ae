//! The visitor API's requests, responses and errors (`/api/v1/...`).

use crate::message::Message;
use crate::ConversationId;
use serde::{Deserialize, Serialize};

/// What the host page knows about the visitor, if anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lead {
    /// Visitor's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Visitor's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /api/v1/conversations` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateConversationRequest {
    /// The host site's own id for a signed-in user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Known contact details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<Lead>,
    /// Hex HMAC-SHA256 of `user_id` with the site's identity secret, computed by the owner's server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_hash: Option<String>,
    /// An HS256 JWT from the owner's server (`sub`, `email`, `name`, `exp`): when valid, the user
    /// id, email and name come from it and nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_jwt: Option<String>,
    /// Custom attributes (`{{conversation.attributes.NAME}}`).
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
}

/// Custom conversation attributes by name, set by the host page (`Switchboard.setAttributes`).
pub type Attributes = std::collections::BTreeMap<String, String>;

/// Most attributes one conversation keeps.
pub const MAX_ATTRIBUTES: usize = 30;

/// Why an attribute cannot be stored, if it cannot: names are 1–40 of `a-z A-Z 0-9 _`, values at
/// most 500 characters.
pub fn attribute_problem(name: &str, value: &str) -> Option<String> {
    if name.is_empty() || name.len() > 40 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Some("attribute names are 1–40 characters of a–z, A–Z, 0–9 and _".into());
    }
    (value.chars().count() > 500).then(|| "attribute values are at most 500 characters".into())
}

/// `POST /api/v1/conversations/{id}/attributes`: attributes to set (an empty value removes one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAttributesRequest {
    /// Attributes by name.
    pub attributes: Attributes,
}

/// `201` answer to creating a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateConversationResponse {
    /// The new conversation.
    pub conversation_id: ConversationId,
    /// The only key to the conversation: send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// The opening messages (the greeting).
    pub messages: Vec<Message>,
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostMessageRequest {
    /// What the visitor typed.
    pub text: String,
    /// Client-chosen id; a retry with the same id returns the first result instead of a duplicate.
    pub client_message_id: String,
}

/// `POST /api/v1/conversations/{id}/messages/{message_id}/submit`: a form's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitFormRequest {
    /// Values by field name.
    pub values: std::collections::BTreeMap<String, crate::form::FieldValue>,
}

/// A list of messages in conversation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesResponse {
    /// The messages.
    pub messages: Vec<Message>,
}

/// `GET /api/v1/site`: what the widget shows before any conversation exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicSiteConfig {
    /// The AI agent's display name.
    pub agent_name: String,
    /// Brand colour for the launcher and header, `#rrggbb`.
    pub accent_color: String,
    /// Origins whose pages may embed the chat besides the edge's own (`agent.toml`); the widget
    /// talks to its host page only when it is one of them (`shared::embed::may_embed`).
    pub allowed_origins: Vec<String>,
    /// The largest file a visitor may send, in MB; none when files are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments_max_mb: Option<u32>,
}

/// Machine-readable error codes; each has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON for this route.
    MalformedJson,
    /// A field is missing or has an invalid value.
    InvalidField,
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// A form submission has invalid fields (see `fields`).
    InvalidForm,
    /// No `Authorization: Bearer` header.
    MissingToken,
    /// The token does not open this conversation.
    InvalidToken,
    /// No such conversation.
    ConversationNotFound,
    /// No such route.
    NotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// The body must be `application/json`.
    UnsupportedMediaType,
    /// Files cannot be sent in this chat (`[attachments] enabled = false`).
    FilesOff,
    /// No such action (or it is disabled).
    ActionNotFound,
    /// The admin API is off because the `ADMIN_TOKEN` secret is not set.
    AdminDisabled,
    /// The site asks for contact details first: submit the lead form.
    LeadRequired,
    /// Too many requests from this visitor, conversation or address: wait `retry_after` seconds.
    RateLimited,
    /// The route is a WebSocket: connect with `Upgrade: websocket`.
    UpgradeRequired,
    /// The conversation has as many live sockets as it holds; close one first.
    TooManySockets,
    /// Something failed inside the edge; the request may be retried.
    Internal,
    /// The inbox needs a signed-in agent (its session cookie); a visitor's token does not count.
    NotSignedIn,
    /// Wrong email or password.
    InvalidCredentials,
    /// An inbox request from another site's page: refused whatever cookie it carries.
    CrossOrigin,
    /// An agent with this email exists.
    EmailTaken,
    /// Another agent claimed the conversation first.
    AlreadyClaimed,
    /// Only the agent the conversation is assigned to (or an admin) may do this.
    NotAssignee,
    /// The conversation's status does not allow this now (e.g. replying to one the AI handles).
    WrongStatus,
    /// The conversation holds the most messages or text the site allows: start a new one.
    ConversationFull,
    /// Only an agent with the `admin` role (or the admin token) may do this.
    NotAdmin,
    /// An action definition the build's rules refuse (see `fields`: field → what is wrong).
    InvalidAction,
    /// An action with this name's slug exists: change it from its own page.
    ActionExists,
    /// A canned reply with this shortcut exists where this one would go (shared, or the agent's).
    ShortcutTaken,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson | ErrorCode::InvalidField => 400,
            ErrorCode::MissingToken | ErrorCode::NotSignedIn | ErrorCode::InvalidCredentials => 401,
            ErrorCode::CrossOrigin | ErrorCode::FilesOff => 403,
            ErrorCode::EmailTaken | ErrorCode::AlreadyClaimed | ErrorCode::WrongStatus => 409,
            ErrorCode::ConversationFull => 409,
            ErrorCode::NotAssignee | ErrorCode::NotAdmin => 403,
            ErrorCode::InvalidAction => 422,
            ErrorCode::ActionExists | ErrorCode::ShortcutTaken => 409,
            ErrorCode::InvalidToken => 403,
            ErrorCode::ConversationNotFound | ErrorCode::NotFound | ErrorCode::ActionNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::InvalidForm => 422,
            ErrorCode::LeadRequired => 409,
            ErrorCode::RateLimited | ErrorCode::TooManySockets => 429,
            ErrorCode::UpgradeRequired => 426,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Internal => 500,
            ErrorCode::AdminDisabled => 503,
        }
    }
}

/// The body of every error response: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiErrorDetail,
}

/// What went wrong, for programs (`code`, `field`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorDetail {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// A sentence a developer can act on.
    pub message: String,
    /// The offending field, when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Per-field messages of an invalid form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// With `rate_limited`: seconds to wait before trying again (also the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_request_body_is_optional_field_by_field() {
        let r: CreateConversationRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(r, CreateConversationRequest::default());
        let r: CreateConversationRequest =
            serde_json::from_str(r#"{"user_id":"u1","lead":{"email":"a@b.co"}}"#).unwrap();
        assert_eq!(r.lead.unwrap().email.as_deref(), Some("a@b.co"));
    }

    #[test]
    fn attribute_rules() {
        assert_eq!(attribute_problem("plan", "pro"), None);
        assert!(attribute_problem("", "x").is_some());
        assert!(attribute_problem("a-b", "x").is_some());
        assert!(attribute_problem(&"a".repeat(41), "x").is_some());
        assert!(attribute_problem("plan", &"x".repeat(501)).is_some());
    }

    #[test]
    fn unknown_fields_are_rejected_not_ignored() {
        assert!(
            serde_json::from_str::<PostMessageRequest>(r#"{"text":"hi","client_message_id":"a","extra":1}"#).is_err()
        );
    }

    #[test]
    fn error_body_round_trips() {
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                code: ErrorCode::PayloadTooLarge,
                message: "too big".into(),
                field: None,
                fields: None,
                retry_after: None,
            },
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"error":{"code":"payload_too_large","message":"too big"}}"#);
        assert_eq!(serde_json::from_str::<ApiErrorBody>(&json).unwrap(), body);
    }

    #[test]
    fn each_code_is_sent_with_the_status_clients_rely_on() {
        // Written out, not derived: a changed status is a changed API and must fail here.
        let expected = [
            (ErrorCode::MalformedJson, 400),
            (ErrorCode::InvalidField, 400),
            (ErrorCode::MissingToken, 401),
            (ErrorCode::NotSignedIn, 401),
            (ErrorCode::InvalidCredentials, 401),
            (ErrorCode::CrossOrigin, 403),
            (ErrorCode::NotAssignee, 403),
            (ErrorCode::InvalidToken, 403),
            (ErrorCode::ConversationNotFound, 404),
            (ErrorCode::NotFound, 404),
            (ErrorCode::ActionNotFound, 404),
            (ErrorCode::MethodNotAllowed, 405),
            (ErrorCode::EmailTaken, 409),
            (ErrorCode::AlreadyClaimed, 409),
            (ErrorCode::WrongStatus, 409),
            (ErrorCode::LeadRequired, 409),
            (ErrorCode::ConversationFull, 409),
            (ErrorCode::PayloadTooLarge, 413),
            (ErrorCode::UnsupportedMediaType, 415),
            (ErrorCode::FilesOff, 403),
            (ErrorCode::InvalidForm, 422),
            (ErrorCode::InvalidAction, 422),
            (ErrorCode::ActionExists, 409),
            (ErrorCode::ShortcutTaken, 409),
            (ErrorCode::UpgradeRequired, 426),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::TooManySockets, 429),
            (ErrorCode::Internal, 500),
            (ErrorCode::AdminDisabled, 503),
        ];
        for (code, status) in expected {
            assert_eq!(code.status(), status, "{code:?}");
        }
    }
}
