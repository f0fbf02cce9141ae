//! The visitor API: create a conversation, post a message, read the history.

use super::error::ApiError;
use super::exchange::{finish, respond, store_once, Stored};
use super::http::{HttpRequest, HttpResponse};
use super::ApiDeps;
use crate::actions::redact::{mask_codes, mask_sensitive};
use crate::actions::runner::RunDeps;
use crate::agent::cards;
use crate::conversation::turn::awaits_code;
use crate::conversation::{self, Deps, Input, Visitor};
use crate::limits::{keys, Decision, Limit, RateLimiter};
use crate::store::{ConversationRecord, ConversationStore, IdentityProof, NewMessage, Streaks, WriteContext};
use crate::token::{hash_token, new_token, random_text, token_matches};
use crate::values::conversation_values;
use shared::action::is_email;
use shared::api::{
    attribute_problem, Attributes, CreateConversationRequest, CreateConversationResponse, ErrorCode, Lead,
    MessagesResponse, PostMessageRequest, PublicSiteConfig, SetAttributesRequest, MAX_ATTRIBUTES,
};
use shared::handoff::ConversationStatus;
use shared::message::MAX_MESSAGE_CHARS;
use shared::site::{IdentityMethod, LeadTiming, SiteBundle};
use shared::{Author, ClientMessageId, ConversationId, MessageId};

/// How many earlier messages the engine sees: enough context, bounded cost per message.
const HISTORY_FOR_ENGINE: usize = 20;

/// `GET /api/v1/site`
pub fn public_site(site: &SiteBundle) -> HttpResponse {
    HttpResponse::json(
        200,
        &PublicSiteConfig {
            agent_name: site.agent.name.clone(),
            accent_color: site.agent.accent_color.clone(),
            allowed_origins: site.agent.allowed_origins.clone(),
            attachments_max_mb: site.agent.attachments.enabled.then_some(site.agent.attachments.max_mb),
        },
    )
}

/// `POST /api/v1/conversations`
pub async fn create<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let body: CreateConversationRequest = if req.body.iter().all(u8::is_ascii_whitespace) {
        CreateConversationRequest::default()
    } else {
        serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?
    };
    let mut lead = validate_lead(body.lead.unwrap_or_default())?;
    let attributes = validate_attributes(&Attributes::new(), body.attributes)?;
    let mut user_id = match body.user_id {
        Some(u) if u.is_empty() || u.chars().count() > 128 => {
            return Err(ApiError::invalid_field("user_id", "must be 1–128 characters"))
        }
        u => u,
    };
    let limits = keys::conversation_creation(&edge.site().agent.limits, client_ip(req));
    take_or_refuse(edge, &limits, now_ms).await?;
    // Who the visitor is counts only with the owner's signature, in the one form the site uses
    // (`[identity] method`): both forms are HMACs under IDENTITY_SECRET, so accepting the other
    // would let a user_hash of a crafted user id pass as a JWT signature. A valid JWT decides the
    // user id, email and name (the browser's values are dropped) until its `exp`; a valid
    // user_hash signs the user id alone.
    let secret = edge.identity_secret();
    let mut identity_expires_at_ms = None;
    let identity = match (edge.site().agent.identity.method, secret) {
        (IdentityMethod::Jwt, Some(secret)) => {
            let site_id = edge.site().agent.site_id.as_str();
            match body
                .user_jwt
                .as_deref()
                .and_then(|jwt| crate::identity::verify_jwt(secret, jwt, site_id, now_ms / 1000).ok())
            {
                Some(claims) => {
                    user_id = Some(claims.user_id);
                    lead = Lead { email: claims.email, name: claims.name };
                    identity_expires_at_ms = Some(claims.expires_at_s.saturating_mul(1000));
                    IdentityProof::SignedToken
                }
                None => IdentityProof::None,
            }
        }
        (IdentityMethod::UserHash, Some(secret)) => match (&user_id, &body.user_hash) {
            (Some(user), Some(hash)) if crate::identity::verify_user_hash(secret, user, hash) => {
                IdentityProof::UserHash
            }
            _ => IdentityProof::None,
        },
        (_, None) => IdentityProof::None,
    };
    if secret.is_some() && identity == IdentityProof::None {
        // With `[identity]` in use, a user id the owner did not sign is nobody's: actions keyed
        // on `{{conversation.user_id}}` must not take the browser's word for it.
        user_id = None;
    }
    let id = ConversationId::parse(format!("c{}", random_text(edge.entropy(), 16))).expect("base64url id");
    let token = new_token(edge.entropy());
    let record = ConversationRecord {
        id: id.clone(),
        token_hash: hash_token(&token),
        user_id,
        lead,
        created_at_ms: now_ms,
        verification: None,
        identity,
        identity_expires_at_ms,
        pending: None,
        attributes,
        status: ConversationStatus::Ai,
        assignee_id: None,
        handoff: None,
        streaks: Streaks::default(),
    };
    let mut greeting = NewMessage::bot(
        MessageId::parse(format!("{id}-g0")).expect("derived id"),
        edge.site().agent.greeting.clone(),
        None,
        now_ms,
    );
    let mut opening = Vec::new();
    if lead_first(edge.site(), &record) {
        // The quick replies come with the thanks for the contact details instead.
        let values = conversation_values(edge.site(), &record, "");
        let ask = NewMessage {
            form: cards::lead_card(edge.site(), &values),
            ..NewMessage::bot(
                MessageId::parse(format!("{id}-g1")).expect("derived id"),
                "Before we start, how can we reach you?".into(),
                None,
                now_ms,
            )
        };
        opening.push(ask);
    } else {
        greeting.buttons = cards::quick_replies(edge.site());
    }
    opening.insert(0, greeting);
    edge.store().create_conversation(&record, &opening).await?;
    Ok(HttpResponse::json(
        201,
        &CreateConversationResponse {
            conversation_id: id,
            token,
            messages: opening.iter().map(NewMessage::to_message).collect(),
        },
    ))
}

/// The visitor's address as the runtime reports it (Cloudflare sets `CF-Connecting-IP` and
/// overwrites any value the client sent).
pub fn client_ip(req: &HttpRequest) -> Option<&str> {
    req.header("cf-connecting-ip")
}

/// Counts one hit on each limit, or refuses the request with `429` and `retry_after`.
pub async fn take_or_refuse<D: RunDeps>(edge: &D, limits: &[Limit], now_ms: u64) -> Result<(), ApiError> {
    let ticket = random_text(edge.entropy(), 12);
    match edge.limiter().take(&ticket, limits, now_ms).await? {
        Decision::Granted => Ok(()),
        refused => Err(ApiError::rate_limited(refused.retry_after_s())),
    }
}

/// Whether the site wants the lead form filled in before the first message, and it is not yet.
pub fn lead_first(site: &SiteBundle, record: &ConversationRecord) -> bool {
    site.agent.lead.as_ref().is_some_and(|l| l.ask == LeadTiming::BeforeFirstMessage) && record.lead.email.is_none()
}

/// Refuses visitor messages and clicks while the lead form must come first.
pub fn require_lead(site: &SiteBundle, record: &ConversationRecord) -> Result<(), ApiError> {
    if lead_first(site, record) {
        return Err(ApiError::new(ErrorCode::LeadRequired, "Please fill in the contact form above first."));
    }
    Ok(())
}

/// `current` with `changes` applied (an empty value removes an attribute), if every change is valid.
pub fn validate_attributes(current: &Attributes, changes: Attributes) -> Result<Attributes, ApiError> {
    let mut out = current.clone();
    for (name, value) in changes {
        if let Some(problem) = attribute_problem(&name, &value) {
            return Err(ApiError::invalid_field(&format!("attributes.{name}"), problem));
        }
        let value = value.trim().to_string();
        if value.is_empty() {
            out.remove(&name);
        } else {
            out.insert(name, value);
        }
    }
    if out.len() > MAX_ATTRIBUTES {
        return Err(ApiError::invalid_field(
            "attributes",
            format!("at most {MAX_ATTRIBUTES} attributes per conversation"),
        ));
    }
    Ok(out)
}

/// `POST /api/v1/conversations/{id}/attributes`: sets custom attributes; answers with all of them.
/// Limited per visitor address (each call is a write the inbox may read).
pub async fn set_attributes<D: Deps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let body: SetAttributesRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    take_or_refuse(edge, &keys::other_request(&edge.site().agent.limits, client_ip(req), "attributes"), now_ms).await?;
    // Read just before the write, nothing awaited between them but the store: no other request's
    // change is overwritten.
    let mut record = authorize(edge.store(), req, raw_id).await?;
    record.attributes = validate_attributes(&record.attributes, body.attributes)?;
    edge.store().save_state(&record).await?;
    Ok(HttpResponse::json(200, &SetAttributesRequest { attributes: record.attributes }))
}

fn validate_lead(lead: Lead) -> Result<Lead, ApiError> {
    let email = lead.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        if !is_email(e) {
            return Err(ApiError::invalid_field("lead.email", format!("{e:?} is not an email address")));
        }
    }
    let name = lead.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(ApiError::invalid_field("lead.name", "must be at most 100 characters"));
    }
    Ok(Lead { email, name })
}

/// Finds the conversation and checks the bearer token against it.
pub async fn authorize<S: ConversationStore>(
    store: &S,
    req: &HttpRequest,
    raw_id: &str,
) -> Result<ConversationRecord, ApiError> {
    let token = req.bearer_token().ok_or_else(|| {
        ApiError::new(ErrorCode::MissingToken, "send the conversation's token as `Authorization: Bearer <token>`")
    })?;
    authorize_token(store, token, raw_id).await
}

/// Finds the conversation and checks `token` against it (SHA-256, constant time).
pub async fn authorize_token<S: ConversationStore>(
    store: &S,
    token: &str,
    raw_id: &str,
) -> Result<ConversationRecord, ApiError> {
    let not_found = || ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {raw_id:?}"));
    let id = ConversationId::parse(raw_id).map_err(|_| not_found())?;
    let record = store.conversation(&id).await?.ok_or_else(not_found)?;
    if !token_matches(token, &record.token_hash) {
        return Err(ApiError::new(ErrorCode::InvalidToken, "this token does not open this conversation"));
    }
    Ok(record)
}

/// `GET /api/v1/conversations/{id}/messages[?after=<message id>]`: the whole history, or what was
/// stored after one message (the widget polls this way when WebSockets are blocked).
pub async fn list_messages<D: Deps>(edge: &D, req: &HttpRequest, raw_id: &str) -> Result<HttpResponse, ApiError> {
    let record = authorize(edge.store(), req, raw_id).await?;
    let after = crate::live::cursor(req.query_param("after").as_deref())
        .map_err(|e| ApiError::invalid_field("after", e.to_string()))?;
    let messages =
        match after {
            None => edge.store().messages(&record.id).await?,
            Some(after) => edge.store().messages_after(&record.id, &after).await?.ok_or_else(|| {
                ApiError::invalid_field("after", format!("{after} is no message of this conversation"))
            })?,
        };
    Ok(HttpResponse::json(200, &MessagesResponse { messages }))
}

/// `POST /api/v1/conversations/{id}/messages`: stores the visitor's message first, then replies.
/// A retry with the same `client_message_id` returns the stored message and its stored replies.
/// On D1 this is three round trips: one read (the conversation, a retry's message and replies,
/// the history), the visitor's message, and the replies with the conversation's state.
pub async fn post_message<D: Deps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::from_slice::<PostMessageRequest>(&req.body);
    // An unreadable body reads no retry (client ids are never empty); its error comes after the token's.
    let raw_client_id = body.as_ref().map(|b| b.client_message_id.as_str()).unwrap_or_default();
    let write = authorize_write(edge.store(), req, raw_id, raw_client_id).await?;
    let mut record = write.record;
    // What the request changes is written onto the record as stored then (`exchange::finish`).
    let before = record.clone();
    let body = body.map_err(|e| ApiError::from_json(&e))?;
    let client_id = ClientMessageId::parse(body.client_message_id)
        .map_err(|e| ApiError::invalid_field("client_message_id", e.to_string()))?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid_field("text", "must not be empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid_field("text", format!("must be at most {MAX_MESSAGE_CHARS} characters")));
    }

    require_lead(edge.site(), &record)?;
    let cap = &edge.site().agent.limits;
    let full = write.size.messages >= u64::from(cap.max_messages_per_conversation)
        || write.size.bytes + text.len() as u64 > u64::from(cap.max_bytes_per_conversation);
    if full && write.earlier.is_none() {
        return Err(ApiError::new(
            ErrorCode::ConversationFull,
            "This conversation has reached its length limit. Please start a new conversation.",
        ));
    }
    take_or_refuse(edge, &keys::visitor_write(&edge.site().agent.limits, client_ip(req), &record.id), now_ms).await?;

    let stored = match write.earlier {
        // A retry: answered before (send it again), or stored without replies (reply now).
        Some((m, _)) if m.author != Author::Visitor => {
            return Err(ApiError::invalid_field("client_message_id", "is another author's message's id"))
        }
        Some((m, replies)) if !replies.is_empty() => return Ok(respond(&record.id, m, replies)),
        Some((m, _)) => m,
        None => {
            // The transcript never keeps card numbers, codes, recovery phrases or keys; the raw
            // text is used for this turn only.
            let stored_text =
                if awaits_code(edge.site(), record.pending.as_ref()) { mask_codes(text) } else { mask_sensitive(text) };
            let id = crate::token::message_id(edge.entropy(), 'm');
            let visitor = NewMessage::visitor(id, stored_text, client_id.to_string(), now_ms);
            match store_once(edge.store(), &record.id, &visitor).await? {
                Stored::Fresh(m) => *m,
                Stored::Answered(response) => return Ok(*response),
            }
        }
    };
    let mut history: Vec<shared::Message> = write.recent.into_iter().take_while(|m| m.id != stored.id).collect();
    history.drain(..history.len().saturating_sub(HISTORY_FOR_ENGINE));
    let visitor = Visitor { message: &stored, address: client_ip(req) };
    let input = Input::Message { text, history: &history };
    let replies = conversation::respond(edge, &mut record, visitor, input, now_ms).await?;
    let response = finish(edge.store(), (&before, &record), stored, replies, now_ms).await?;
    Ok(super::inbox_conversations::tell_inbox(response, &record))
}

/// [`authorize`] for a visitor's write: the conversation, checked against the bearer token, with
/// what the write reads first ([`ConversationStore::open_for_write`]) in the same round trip.
pub(super) async fn authorize_write<S: ConversationStore>(
    store: &S,
    req: &HttpRequest,
    raw_id: &str,
    client_message_id: &str,
) -> Result<WriteContext, ApiError> {
    let token = req.bearer_token().ok_or_else(|| {
        ApiError::new(ErrorCode::MissingToken, "send the conversation's token as `Authorization: Bearer <token>`")
    })?;
    let not_found = || ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {raw_id:?}"));
    let id = ConversationId::parse(raw_id).map_err(|_| not_found())?;
    let write = store.open_for_write(&id, client_message_id, HISTORY_FOR_ENGINE + 1).await?.ok_or_else(not_found)?;
    if !token_matches(token, &write.record.token_hash) {
        return Err(ApiError::new(ErrorCode::InvalidToken, "this token does not open this conversation"));
    }
    Ok(write)
}

/// The messages the engine sees before `message`: the last few, bounded in cost.
pub async fn history_before<S: ConversationStore>(
    store: &S,
    conversation: &ConversationId,
    message: &MessageId,
) -> Result<Vec<shared::Message>, ApiError> {
    let recent = store.recent_messages(conversation, HISTORY_FOR_ENGINE + 1).await?;
    Ok(recent.into_iter().take_while(|m| &m.id != message).collect())
}
