//! Files in conversations, both ways. `POST …/attachments?name=…&client_message_id=…` takes the
//! file as the raw body (its own route, so the JSON routes keep their small limit), checks it
//! (`shared::attachment::check`: size, content, name), the conversation's quota and the sender's
//! rate limit, keeps it in the bucket and stores the message that carries it, once per client id,
//! before answering. `GET …/attachments/{file}` serves a file only to its conversation's token
//! (the visitor) or a signed-in agent, with headers that run nothing ([`crate::attachments`]).

use super::conversations::{authorize, authorize_write, client_ip, require_lead, take_or_refuse};
use super::error::ApiError;
use super::exchange::{finish, respond, store_once, Stored};
use super::http::{HttpRequest, HttpResponse};
use super::inbox::signed_in;
use super::inbox_conversations::{
    agent_message, agent_stored, as_seen, existing, require_assignee, stored_once, tell_inbox,
};
use super::ApiDeps;
use crate::agent::Reply;
use crate::attachments::{key, serve, Blobs};
use crate::limits::keys;
use crate::store::{ConversationRecord, ConversationStore, NewMessage};
use crate::token::{message_id, random_text};
use shared::attachment::{check, safe_name, Kind, Refusal};
use shared::{Attachment, Author, ClientMessageId, ConversationId, ErrorCode};

/// What the AI says to a file: it cannot read one, and who can.
fn unread_by_the_ai(with_people: bool) -> &'static str {
    if with_people {
        "I can't open files myself, but it stays with our conversation: if you'd like a person from our team \
         to look at it, just ask for one."
    } else {
        "I can't open files myself. Please tell me in words what you need, and I'll help from our help pages."
    }
}

/// `POST /api/v1/conversations/{id}/attachments`: the visitor's file, as a message of its own.
pub async fn visitor_upload<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let raw_client_id = req.query_param("client_message_id").unwrap_or_default();
    let write = authorize_write(edge.store(), req, raw_id, &raw_client_id).await?;
    let mut record = write.record;
    let before = record.clone();
    let client_id = ClientMessageId::parse(raw_client_id)
        .map_err(|e| ApiError::invalid_field("client_message_id", e.to_string()))?;
    let stored = match write.earlier {
        // A retry: the file and its message were kept the first time.
        Some((m, _)) if m.author != Author::Visitor || m.attachment.is_none() => {
            return Err(ApiError::invalid_field("client_message_id", "is another message's id"))
        }
        Some((m, replies)) if !replies.is_empty() => return Ok(respond(&record.id, m, replies)),
        Some((m, _)) => m,
        None => {
            require_lead(edge.site(), &record)?;
            let (name, kind) = checked(edge, req, &record.id).await?;
            take_or_refuse(edge, &keys::visitor_write(&edge.site().agent.limits, client_ip(req), &record.id), now_ms)
                .await?;
            let attachment = keep(edge, &record.id, name, kind, &req.body).await?;
            let visitor = NewMessage {
                attachment: Some(attachment),
                ..NewMessage::visitor(message_id(edge.entropy(), 'm'), String::new(), client_id.to_string(), now_ms)
            };
            match store_once(edge.store(), &record.id, &visitor).await? {
                Stored::Fresh(m) => *m,
                Stored::Answered(response) => return Ok(*response),
            }
        }
    };
    let replies = if record.status.ai_answers() {
        vec![Reply::say(unread_by_the_ai(edge.site().agent.handoff.is_some()))]
    } else {
        // As any message of the visitor's: a resolved conversation reopens, a waiting one is told.
        crate::handoff::while_with_human(edge, &mut record, now_ms).await?
    };
    let response = finish(edge.store(), (&before, &record), stored, replies, now_ms).await?;
    Ok(tell_inbox(HttpResponse { status: 201, ..response }, &record))
}

/// `POST /api/v1/inbox/conversations/{id}/attachments`: an agent's file, as their message.
pub async fn agent_upload<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let record = existing(edge.store(), raw_id).await?;
    let client_id = ClientMessageId::parse(req.query_param("client_message_id").unwrap_or_default())
        .map_err(|e| ApiError::invalid_field("client_message_id", e.to_string()))?;
    require_assignee(&agent, &record, "send files to")?;
    let earlier = edge.store().open_for_write(&record.id, client_id.as_str(), 0).await?.and_then(|w| w.earlier);
    if let Some((m, _)) = earlier {
        // A retry: the file was kept the first time.
        if m.author == Author::Agent && m.attachment.is_some() && m.author_name == Some(as_seen(&agent.name).name) {
            return Ok(agent_stored(&record, 200, m));
        }
        return Err(ApiError::invalid_field("client_message_id", "is another message's id"));
    }
    let (name, kind) = checked(edge, req, &record.id).await?;
    take_or_refuse(edge, &keys::agent_write(&agent.id), now_ms).await?;
    let attachment = keep(edge, &record.id, name, kind, &req.body).await?;
    let message = NewMessage {
        attachment: Some(attachment),
        ..agent_message(edge, &agent, String::new(), Some(client_id.to_string()), now_ms)
    };
    let stored = store_once(edge.store(), &record.id, &message).await?;
    stored_once(&record, &message, stored)
}

/// `GET /api/v1/conversations/{id}/attachments/{file}`: a file, to the conversation's token.
pub async fn visitor_download<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    file: &str,
) -> Result<HttpResponse, ApiError> {
    let record = authorize(edge.store(), req, raw_id).await?;
    served(edge, &record, file).await
}

/// `GET /api/v1/inbox/conversations/{id}/attachments/{file}`: a file, to a signed-in agent.
pub async fn agent_download<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    file: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    signed_in(edge, req, now_ms).await?;
    let record = existing(edge.store(), raw_id).await?;
    served(edge, &record, file).await
}

/// The file `file` of `record`'s conversation, for `glue` to send from the bucket.
async fn served<D: ApiDeps>(edge: &D, record: &ConversationRecord, file: &str) -> Result<HttpResponse, ApiError> {
    let messages = edge.store().messages(&record.id).await?;
    let attachment = messages
        .into_iter()
        .filter_map(|m| m.attachment)
        .find(|a| a.id == file)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such file in this conversation"))?;
    Ok(HttpResponse { file: Some(Box::new(serve(&record.id, &attachment))), ..HttpResponse::empty(200, Vec::new()) })
}

/// The file's safe name and kind, or why it is refused: by the owner's rules, by its content and
/// name, or because the conversation keeps no more.
async fn checked<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    conversation: &ConversationId,
) -> Result<(String, Kind), ApiError> {
    let config = &edge.site().agent.attachments;
    let name = safe_name(&req.query_param("name").unwrap_or_default());
    let kind = check(config, &name, &req.body).map_err(refused)?;
    let kept: u64 =
        edge.store().messages(conversation).await?.iter().filter_map(|m| m.attachment.as_ref()).map(|a| a.size).sum();
    if kept + req.body.len() as u64 > config.per_conversation_bytes() {
        return Err(refused(Refusal::ConversationFull));
    }
    Ok((name, kind))
}

/// Keeps the file in the bucket under a new id.
async fn keep<D: ApiDeps>(
    edge: &D,
    conversation: &ConversationId,
    name: String,
    kind: Kind,
    bytes: &[u8],
) -> Result<Attachment, ApiError> {
    let id = format!("f_{}", random_text(edge.entropy(), 20));
    edge.blobs().put(&key(conversation, &id), bytes, kind.content_type()).await.map_err(|e| ApiError {
        cause: Some(format!("keeping a file failed: {e}").into()),
        ..ApiError::new(ErrorCode::Internal, "The file could not be kept just now. Please try again.")
    })?;
    Ok(Attachment { id, name, content_type: kind.content_type().to_string(), size: bytes.len() as u64 })
}

/// A refusal as the API answers it, in words for whoever sent the file.
pub fn refused(refusal: Refusal) -> ApiError {
    let code = match refusal {
        Refusal::Off => ErrorCode::FilesOff,
        Refusal::Empty => ErrorCode::InvalidField,
        Refusal::TooLarge { .. } => ErrorCode::PayloadTooLarge,
        Refusal::ConversationFull => ErrorCode::ConversationFull,
        Refusal::NotAccepted | Refusal::NameMismatch => ErrorCode::UnsupportedMediaType,
    };
    ApiError::new(code, refusal.to_string())
}
