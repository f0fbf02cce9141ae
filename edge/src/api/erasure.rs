//! Erasure routes: a visitor deletes their own conversation; the owner deletes one conversation
//! by id, or everything stored about a person (by lead email or user id). What deleting removes
//! is decided in `crate::erasure`.

use super::conversations::authorize;
use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::ApiDeps;
use crate::erasure::{erase_conversation, erase_person};
use crate::store::Person;
use serde::Deserialize;
use shared::action::is_email;
use shared::api::ErrorCode;
use shared::ConversationId;

/// `DELETE /api/v1/conversations/{id}` with the conversation's token: `204`, and from then on
/// the conversation is gone for every route (`404`, this one included).
pub async fn delete_own<D: ApiDeps>(edge: &D, req: &HttpRequest, raw_id: &str) -> Result<HttpResponse, ApiError> {
    let record = authorize(edge.store(), req, raw_id).await?;
    erase_files(edge, &record.id).await?;
    erase_conversation(edge.store(), &record.id).await?;
    Ok(HttpResponse::empty(204, vec![("cache-control".into(), "no-store".into())]))
}

/// `DELETE /api/v1/admin/conversations/{id}` (admin token checked by the caller): what was
/// deleted, or `404` when there is no such conversation.
pub async fn admin_delete<D: ApiDeps>(edge: &D, raw_id: &str) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {raw_id:?}"));
    let id = ConversationId::parse(raw_id).map_err(|_| not_found())?;
    erase_files(edge, &id).await?;
    let erased = erase_conversation(edge.store(), &id).await?;
    if erased.conversations == 0 {
        return Err(not_found());
    }
    Ok(HttpResponse::json(200, &serde_json::json!({ "conversation_id": id, "erased": erased })))
}

/// Deletes a conversation's files, before its messages: when the bucket fails nothing is erased
/// and the same request can be made again (the other way round, a retry would find nothing to
/// erase and leave the files).
async fn erase_files<D: ApiDeps>(edge: &D, conversation: &ConversationId) -> Result<(), ApiError> {
    use crate::attachments::Blobs;
    edge.blobs().delete_all(&crate::attachments::prefix(conversation)).await.map_err(|e| ApiError {
        cause: Some(format!("deleting the conversation's files failed: {e}").into()),
        ..ApiError::new(ErrorCode::Internal, "The conversation could not be deleted just now. Please try again.")
    })
}

/// The body of `POST /api/v1/admin/erasures`: exactly one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureRequest {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

impl ErasureRequest {
    fn person(self) -> Result<Person, ApiError> {
        match (self.email, self.user_id) {
            (Some(email), None) => {
                let email = email.trim();
                if !is_email(email) {
                    return Err(ApiError::invalid_field("email", format!("{email:?} is not an email address")));
                }
                Ok(Person::Email(email.to_string()))
            }
            (None, Some(user)) if user.is_empty() || user.chars().count() > 128 => {
                Err(ApiError::invalid_field("user_id", "must be 1–128 characters"))
            }
            (None, Some(user)) => Ok(Person::UserId(user)),
            _ => Err(ApiError::new(
                ErrorCode::InvalidField,
                "send exactly one of `email` (the lead email) or `user_id` (from Switchboard.identify)",
            )),
        }
    }
}

/// `POST /api/v1/admin/erasures` `{"email": …}` or `{"user_id": …}` (admin token checked by the
/// caller): deletes every conversation of that person with its messages, submissions and action
/// runs; answers with the ids and counts, and `complete: false` when there is more to erase
/// (with `500` and `error` when a batch failed after others were erased).
pub async fn erase<D: ApiDeps>(edge: &D, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let body: ErasureRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let person = body.person()?;
    let out = erase_person(edge.store(), &person).await?;
    // A batch that failed after others: 500, naming what was erased (call again for the rest).
    let status = if out.error.is_some() { 500 } else { 200 };
    Ok(HttpResponse { erased: out.conversation_ids.clone(), ..HttpResponse::json(status, &out) })
}
