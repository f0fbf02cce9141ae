//! Live conversations at the API: who may open a conversation's socket
//! (`GET /api/v1/conversations/{id}/live`), and the admin's stand-in for a human agent (a message,
//! joining, typing) until the inbox exists, which will send the same with an agent's session.

use super::conversations::{authorize_token, client_ip, take_or_refuse};
use super::error::ApiError;
use super::exchange::{store_once, Stored};
use super::http::{HttpRequest, HttpResponse, Publish};
pub use super::tickets::LiveTicket;
use super::ApiDeps;
use crate::limits::keys;
use crate::live::{cursor, Subscriber, Watcher};
use crate::store::{ConversationStore, NewMessage};
use shared::api::{ErrorCode, MessagesResponse};
use shared::live::{Agent, AgentMessageRequest, AgentSignal, LiveEvent, LIVE_PROTOCOL, TOKEN_PROTOCOL_PREFIX};
use shared::message::MAX_MESSAGE_CHARS;
use shared::{Author, ClientMessageId, ConversationId};

/// Checks a visitor's request to open the live socket: an `Upgrade: websocket` request offering
/// [`LIVE_PROTOCOL`] and its conversation token as a second subprotocol `bearer.<token>` (the
/// token is checked exactly like the visitor API's bearer token), and a well-formed cursor.
pub async fn visitor_ticket<S: ConversationStore>(
    store: &S,
    req: &HttpRequest,
    raw_id: &str,
) -> Result<LiveTicket, ApiError> {
    let upgrade = req.header("upgrade").is_some_and(|u| u.trim().eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return Err(ApiError::new(ErrorCode::UpgradeRequired, "this route is a WebSocket: send `Upgrade: websocket`"));
    }
    let offered: Vec<&str> =
        req.header("sec-websocket-protocol").unwrap_or_default().split(',').map(str::trim).collect();
    if !offered.contains(&LIVE_PROTOCOL) {
        return Err(ApiError::invalid_field(
            "sec-websocket-protocol",
            format!("offer the subprotocol {LIVE_PROTOCOL:?} (and the token as \"{TOKEN_PROTOCOL_PREFIX}<token>\")"),
        ));
    }
    let token = offered.iter().find_map(|p| p.strip_prefix(TOKEN_PROTOCOL_PREFIX)).filter(|t| !t.is_empty());
    let token = token.ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingToken,
            format!("offer the conversation's token as the subprotocol \"{TOKEN_PROTOCOL_PREFIX}<token>\""),
        )
    })?;
    let record = authorize_token(store, token, raw_id).await?;
    let after =
        cursor(req.query_param("after").as_deref()).map_err(|e| ApiError::invalid_field("after", e.to_string()))?;
    Ok(LiveTicket {
        subscriber: Subscriber { conversation: record.id, watcher: Watcher::Visitor, agent: None, session: None },
        after,
    })
}

/// `GET /api/v1/conversations/{id}/live`: `101` carrying the ticket, which the Worker hands with
/// the request to the conversation's object (it answers the upgrade itself).
/// Live connections are limited per visitor address, so one visitor cannot fill the sockets
/// agents need to watch a conversation.
pub async fn open<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let ticket = visitor_ticket(edge.store(), req, raw_id).await?;
    let limits = keys::other_request(&edge.site().agent.limits, client_ip(req), "live");
    take_or_refuse(edge, &limits, now_ms).await?;
    Ok(HttpResponse { upgrade: Some(ticket), ..HttpResponse::empty(101, vec![]) })
}

/// The conversation named in an admin route, if it exists.
async fn existing<S: ConversationStore>(store: &S, raw_id: &str) -> Result<ConversationId, ApiError> {
    let not_found = || ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {raw_id:?}"));
    let id = ConversationId::parse(raw_id).map_err(|_| not_found())?;
    store.conversation(&id).await?.ok_or_else(not_found)?;
    Ok(id)
}

fn agent(name: &str) -> Result<Agent, ApiError> {
    Agent::named(name)
        .ok_or_else(|| ApiError::invalid_field("agent", "must be 1–60 characters without control characters"))
}

/// `POST /api/v1/admin/conversations/{id}/messages`: stores a human agent's message once per
/// `client_message_id` (`201`; a retry answers `200` with the stored one) and publishes it.
pub async fn agent_message<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let conversation = existing(edge.store(), raw_id).await?;
    let body: AgentMessageRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let who = agent(&body.agent)?;
    let client_id = ClientMessageId::parse(body.client_message_id)
        .map_err(|e| ApiError::invalid_field("client_message_id", e.to_string()))?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid_field("text", format!("must be 1–{MAX_MESSAGE_CHARS} characters")));
    }
    let id = crate::token::message_id(edge.entropy(), 'a');
    let message = NewMessage {
        author: Author::Agent,
        author_name: Some(who.name),
        ..NewMessage::visitor(id, text.to_string(), client_id.to_string(), now_ms)
    };
    // The same idempotent insert as a visitor's message: one row per client id, even when racing.
    let (status, stored) = match store_once(edge.store(), &conversation, &message).await? {
        Stored::Fresh(m) if m.id == message.id => (201, *m),
        Stored::Fresh(m) if m.author == Author::Agent => (200, *m),
        _ => return Err(ApiError::invalid_field("client_message_id", "is another author's message's id")),
    };
    let messages = vec![stored];
    let publish = Publish::messages(&conversation, &messages);
    Ok(HttpResponse { publish: Some(publish), ..HttpResponse::json(status, &MessagesResponse { messages }) })
}

/// `POST /api/v1/admin/conversations/{id}/events`: an agent joined or is typing; published only
/// (`202`), nothing is stored.
pub async fn agent_signal<D: ApiDeps>(edge: &D, req: &HttpRequest, raw_id: &str) -> Result<HttpResponse, ApiError> {
    let conversation = existing(edge.store(), raw_id).await?;
    let signal: AgentSignal = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let event = match signal {
        AgentSignal::AgentJoined { agent: name } => LiveEvent::AgentJoined(agent(&name)?),
        AgentSignal::AgentTyping { agent: name, typing } => LiveEvent::AgentTyping { agent: agent(&name)?, typing },
    };
    let publish = Publish { conversation, events: vec![event] };
    Ok(HttpResponse { publish: Some(publish), ..HttpResponse::json(202, &serde_json::json!({ "published": true })) })
}
