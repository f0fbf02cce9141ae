//! Canned replies in the inbox (`shared::canned`): every agent lists the shared ones and their
//! own, and makes, changes and deletes their own; admins also the shared ones. The inbox fills a
//! reply's variables and inserts it; nothing here sends anything to a visitor.

use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::inbox::signed_in;
use super::ApiDeps;
use crate::store::canned::{CannedStore, StoredCanned, Written};
use crate::token::random_text;
use shared::api::ErrorCode;
use shared::canned::{CannedDraft, CannedList, CannedReply, Scope};
use shared::inbox::{Agent, Role};

/// Whether `agent` may change `reply`: their own, or (admins) a shared one.
fn may_change(agent: &Agent, reply: &StoredCanned) -> bool {
    match &reply.owner_id {
        Some(owner) => *owner == agent.id,
        None => agent.role == Role::Admin,
    }
}

fn as_wire(agent: &Agent, reply: StoredCanned) -> CannedReply {
    CannedReply {
        editable: may_change(agent, &reply),
        scope: if reply.owner_id.is_some() { Scope::Personal } else { Scope::Shared },
        id: reply.id,
        shortcut: reply.shortcut,
        text: reply.text,
    }
}

/// The draft in the body, checked; a shared one only from an admin.
fn draft(agent: &Agent, req: &HttpRequest) -> Result<CannedDraft, ApiError> {
    let draft: CannedDraft = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let draft = draft.checked().map_err(|r| ApiError::invalid_field(r.field, r.message))?;
    if draft.scope == Scope::Shared && agent.role != Role::Admin {
        return Err(ApiError::new(ErrorCode::NotAdmin, "only an admin makes or changes the team's shared replies"));
    }
    Ok(draft)
}

fn refused(written: Written, shortcut: &str) -> ApiError {
    match written {
        Written::ShortcutTaken => {
            ApiError::new(ErrorCode::ShortcutTaken, format!("/{shortcut} is taken here; pick another shortcut"))
        }
        Written::Full => ApiError::invalid_field(
            "scope",
            format!("holds {} replies already; delete one first", crate::store::canned::MAX_PER_SCOPE),
        ),
        Written::Missing | Written::Done => not_found(),
    }
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such canned reply")
}

/// The reply `id` if `agent` may change it: another agent's own does not exist for them (`404`),
/// and the team's is an admin's to change (`403`, naming what was asked: "changes", "deletes").
async fn changeable<D: ApiDeps>(edge: &D, agent: &Agent, id: &str, what: &str) -> Result<StoredCanned, ApiError> {
    let seen = |r: &StoredCanned| r.owner_id.is_none() || r.owner_id.as_deref() == Some(agent.id.as_str());
    let old = edge.store().canned(id).await?.filter(seen).ok_or_else(not_found)?;
    if !may_change(agent, &old) {
        return Err(ApiError::new(ErrorCode::NotAdmin, format!("only an admin {what} the team's shared replies")));
    }
    Ok(old)
}

/// `GET /api/v1/inbox/canned`
pub async fn list<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let replies = edge.store().canned_for(&agent.id).await?.into_iter().map(|r| as_wire(&agent, r)).collect();
    Ok(HttpResponse::json(200, &CannedList { replies }))
}

/// `POST /api/v1/inbox/canned`
pub async fn add<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let draft = draft(&agent, req)?;
    let reply = StoredCanned {
        id: format!("q{}", random_text(edge.entropy(), 16)),
        owner_id: (draft.scope == Scope::Personal).then(|| agent.id.clone()),
        shortcut: draft.shortcut,
        text: draft.text,
        updated_by: agent.id.clone(),
        updated_at_ms: now_ms,
    };
    match edge.store().add_canned(&reply).await? {
        Written::Done => Ok(HttpResponse::json(201, &as_wire(&agent, reply))),
        other => Err(refused(other, &reply.shortcut)),
    }
}

/// `PUT /api/v1/inbox/canned/{id}`: its shortcut, text and scope (a shared one becomes an admin's
/// own, or theirs the team's, only by an admin).
pub async fn change<D: ApiDeps>(edge: &D, req: &HttpRequest, id: &str, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let old = changeable(edge, &agent, id, "changes").await?;
    let draft = draft(&agent, req)?;
    let reply = StoredCanned {
        id: old.id,
        owner_id: (draft.scope == Scope::Personal).then(|| old.owner_id.unwrap_or_else(|| agent.id.clone())),
        shortcut: draft.shortcut,
        text: draft.text,
        updated_by: agent.id.clone(),
        updated_at_ms: now_ms,
    };
    match edge.store().change_canned(&reply).await? {
        Written::Done => Ok(HttpResponse::json(200, &as_wire(&agent, reply))),
        other => Err(refused(other, &reply.shortcut)),
    }
}

/// `DELETE /api/v1/inbox/canned/{id}`
pub async fn delete<D: ApiDeps>(edge: &D, req: &HttpRequest, id: &str, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    changeable(edge, &agent, id, "deletes").await?;
    edge.store().delete_canned(id).await?;
    Ok(HttpResponse::empty(204, vec![]))
}
