//! The visitor API: create a conversation, post a message, read the history.

use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::Edge;
use crate::actions::execute::Network;
use crate::actions::redact::{mask_codes, mask_sensitive};
use crate::agent::{turn, AnswerEngine};
use crate::store::{ActionLogStore, ConversationRecord, ConversationStore, Inserted, NewMessage};
use crate::token::{hash_token, new_token, random_text, token_matches, Entropy};
use shared::api::{
    CreateConversationRequest, CreateConversationResponse, ErrorCode, Lead, MessagesResponse, PostMessageRequest,
    PublicSiteConfig,
};
use shared::message::MAX_MESSAGE_CHARS;
use shared::site::SiteBundle;
use shared::{Author, ClientMessageId, ConversationId, MessageId};

/// How many earlier messages the engine sees: enough context, bounded cost per message.
const HISTORY_FOR_ENGINE: usize = 20;

/// `GET /api/v1/site`
pub fn public_site(site: &SiteBundle) -> HttpResponse {
    HttpResponse::json(
        200,
        &PublicSiteConfig { agent_name: site.agent.name.clone(), accent_color: site.agent.accent_color.clone() },
    )
}

/// `POST /api/v1/conversations`
pub async fn create<S: ConversationStore, E, R: Entropy, N>(
    edge: &Edge<'_, S, E, R, N>,
    req: &HttpRequest,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let body: CreateConversationRequest = if req.body.iter().all(u8::is_ascii_whitespace) {
        CreateConversationRequest::default()
    } else {
        serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?
    };
    let lead = validate_lead(body.lead.unwrap_or_default())?;
    let user_id = match body.user_id {
        Some(u) if u.is_empty() || u.chars().count() > 128 => {
            return Err(ApiError::invalid_field("user_id", "must be 1–128 characters"))
        }
        u => u,
    };
    // A user id counts as verified only with a valid hash from the owner's server.
    let identity_verified = match (&user_id, &body.user_hash, edge.actions.identity_secret) {
        (Some(user), Some(hash), Some(secret)) => crate::identity::verify_user_hash(secret, user, hash),
        _ => false,
    };
    let id = ConversationId::parse(format!("c{}", random_text(edge.entropy, 16))).expect("base64url id");
    let token = new_token(edge.entropy);
    let record = ConversationRecord {
        id: id.clone(),
        token_hash: hash_token(&token),
        user_id,
        lead,
        created_at_ms: now_ms,
        verified: false,
        identity_verified,
        pending: None,
    };
    let greeting = NewMessage {
        id: MessageId::parse(format!("{id}-g0")).expect("derived id"),
        author: Author::Bot,
        text: edge.site.agent.greeting.clone(),
        sources: Vec::new(),
        client_message_id: None,
        reply_to: None,
        action: None,
        form: None,
        submission: None,
        created_at_ms: now_ms,
    };
    edge.store.create_conversation(&record, std::slice::from_ref(&greeting)).await?;
    Ok(HttpResponse::json(
        201,
        &CreateConversationResponse { conversation_id: id, token, messages: vec![greeting.to_message()] },
    ))
}

fn validate_lead(lead: Lead) -> Result<Lead, ApiError> {
    let email = lead.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        if !looks_like_email(e) {
            return Err(ApiError::invalid_field("lead.email", format!("{e:?} is not an email address")));
        }
    }
    let name = lead.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(ApiError::invalid_field("lead.name", "must be at most 100 characters"));
    }
    Ok(Lead { email, name })
}

/// A pragmatic check: one '@', a non-empty local part, a dotted domain, no spaces, ≤ 254 bytes.
fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// Finds the conversation and checks the bearer token against it.
pub async fn authorize<S: ConversationStore>(
    store: &S,
    req: &HttpRequest,
    raw_id: &str,
) -> Result<ConversationRecord, ApiError> {
    let not_found = || ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {raw_id:?}"));
    let id = ConversationId::parse(raw_id).map_err(|_| not_found())?;
    let token = req.bearer_token().ok_or_else(|| {
        ApiError::new(ErrorCode::MissingToken, "send the conversation's token as `Authorization: Bearer <token>`")
    })?;
    let record = store.conversation(&id).await?.ok_or_else(not_found)?;
    if !token_matches(token, &record.token_hash) {
        return Err(ApiError::new(ErrorCode::InvalidToken, "this token does not open this conversation"));
    }
    Ok(record)
}

/// `GET /api/v1/conversations/{id}/messages`
pub async fn list_messages<S: ConversationStore, E, R, N>(
    edge: &Edge<'_, S, E, R, N>,
    req: &HttpRequest,
    raw_id: &str,
) -> Result<HttpResponse, ApiError> {
    let record = authorize(edge.store, req, raw_id).await?;
    let messages = edge.store.messages(&record.id).await?;
    Ok(HttpResponse::json(200, &MessagesResponse { messages }))
}

/// `POST /api/v1/conversations/{id}/messages`: stores the visitor's message first, then replies.
/// A retry with the same `client_message_id` returns the stored message and its stored replies.
pub async fn post_message<S: ConversationStore + ActionLogStore, E: AnswerEngine, R: Entropy, N: Network>(
    edge: &Edge<'_, S, E, R, N>,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let mut record = authorize(edge.store, req, raw_id).await?;
    let body: PostMessageRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let client_id = ClientMessageId::parse(body.client_message_id)
        .map_err(|e| ApiError::invalid_field("client_message_id", e.to_string()))?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid_field("text", "must not be empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid_field("text", format!("must be at most {MAX_MESSAGE_CHARS} characters")));
    }

    // The transcript never keeps card numbers, codes, recovery phrases or keys; the raw text is
    // used for this turn only.
    let stored_text =
        if turn::awaits_code(edge.site, record.pending.as_deref()) { mask_codes(text) } else { mask_sensitive(text) };
    let visitor = NewMessage {
        id: MessageId::parse(format!("m{}", random_text(edge.entropy, 16))).expect("base64url id"),
        author: Author::Visitor,
        text: stored_text,
        sources: Vec::new(),
        client_message_id: Some(client_id.to_string()),
        reply_to: None,
        action: None,
        form: None,
        submission: None,
        created_at_ms: now_ms,
    };
    let stored = match edge.store.insert_visitor_message(&record.id, &visitor).await? {
        Inserted::New(m) => m,
        Inserted::Existing(m) => {
            let replies = edge.store.replies_to(&record.id, &m.id).await?;
            // A retry after the replies were stored: answer exactly as the first time.
            if !replies.is_empty() {
                return Ok(respond(m, replies));
            }
            m
        }
    };

    let recent = edge.store.recent_messages(&record.id, HISTORY_FOR_ENGINE + 1).await?;
    let earlier: Vec<_> = recent.into_iter().take_while(|m| m.id != stored.id).collect();
    let replies = turn::respond(edge, &mut record, &stored, text, &earlier, now_ms).await?;
    let new_replies: Vec<NewMessage> = replies
        .into_iter()
        .enumerate()
        .map(|(i, r)| NewMessage {
            // Derived from the visitor message: a concurrent retry writes the same ids, never more.
            id: MessageId::parse(format!("{}-r{i}", stored.id)).expect("derived id"),
            author: Author::Bot,
            text: r.text,
            sources: r.sources,
            client_message_id: None,
            reply_to: Some(stored.id.clone()),
            action: r.action,
            form: r.form,
            submission: None,
            created_at_ms: now_ms,
        })
        .collect();
    edge.store.insert_replies(&record.id, &new_replies).await?;
    let replies = edge.store.replies_to(&record.id, &stored.id).await?;
    Ok(respond(stored, replies))
}

/// `{"messages": [visitor message, replies…]}`.
pub fn respond(visitor: shared::Message, replies: Vec<shared::Message>) -> HttpResponse {
    let mut messages = vec![visitor];
    messages.extend(replies);
    HttpResponse::json(200, &MessagesResponse { messages })
}

#[cfg(test)]
mod tests {
    use super::looks_like_email;

    #[test]
    fn email_shapes() {
        assert!(looks_like_email("ana@example.com"));
        assert!(!looks_like_email("ana@example"));
        assert!(!looks_like_email("ana example.com"));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("a@b@c.com"));
    }
}
