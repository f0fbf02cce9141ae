//! The inbox's sign-in: agents sign in with email and password for a session cookie, read who
//! they are, and sign out; the owner adds agents through the admin API. Every inbox route takes
//! only the session cookie (never a visitor's token) and only from the edge's own pages.

use super::admin;
use super::conversations::client_ip;
use super::{ApiDeps, ApiError, HttpRequest, HttpResponse};
use crate::inbox::password::{hash_password, verify_password, waste_a_check};
use crate::inbox::{session, sign_in};
use crate::limits::{Decision, RateLimiter};
use crate::store::{AddAgentError, Agent, AgentAccount, AgentStore, Role};
use crate::token::{hash_token, new_token, random_text};
use serde::Deserialize;
use shared::ErrorCode;

/// `POST /api/v1/inbox/session` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    email: String,
    password: String,
}

/// Refuses a request from another site's page, whatever it carries.
fn require_same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if session::same_origin(&req.method, &req.headers) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::CrossOrigin, "inbox requests are accepted only from this site's own pages"))
    }
}

/// The signed-in agent of this request, or `401 not_signed_in`.
pub async fn signed_in<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<Agent, ApiError> {
    require_same_origin(req)?;
    let not_signed_in = || ApiError::new(ErrorCode::NotSignedIn, "sign in to the inbox first");
    let token = session::token(&req.headers).ok_or_else(not_signed_in)?;
    edge.store().session_agent(&hash_token(token), now_ms).await?.ok_or_else(not_signed_in)
}

/// `POST /api/v1/inbox/session`: signs in. Wrong passwords count per email and per address; over
/// the limit the account is locked for a while (`429`), even for the right password.
pub async fn sign_in<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    require_same_origin(req)?;
    let body: SignIn = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let limits = sign_in::attempt(&body.email, client_ip(req));
    let ticket = random_text(edge.entropy(), 12);
    if let refused @ Decision::Refused { .. } = edge.limiter().take(&ticket, &limits, now_ms).await? {
        return Err(ApiError::rate_limited(refused.retry_after_s()));
    }
    let account = edge.store().account_by_email(body.email.trim()).await?;
    let right = match &account {
        Some(a) => verify_password(edge.kdf(), &a.password_hash, &body.password).await && !a.disabled,
        None => {
            waste_a_check(edge.kdf(), &body.password).await;
            false
        }
    };
    let Some(account) = account.filter(|_| right) else {
        return Err(ApiError::new(ErrorCode::InvalidCredentials, "wrong email or password"));
    };
    // A right password does not count towards the lock.
    let keys: Vec<String> = limits.into_iter().map(|l| l.key).collect();
    edge.limiter().refund(&ticket, &keys).await?;
    let token = new_token(edge.entropy());
    edge.store().open_session(&hash_token(&token), &account.agent.id, now_ms, now_ms + session::SESSION_MS).await?;
    let mut response = HttpResponse::json(200, &account.agent);
    response.headers.push(("set-cookie".into(), session::set_cookie(&token)));
    response.headers.push(("cache-control".into(), "no-store".into()));
    Ok(response)
}

/// `GET /api/v1/inbox/me`: the signed-in agent.
pub async fn me<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    Ok(HttpResponse::json(200, &agent))
}

/// `DELETE /api/v1/inbox/session`: signs out (the session opens nothing afterwards).
pub async fn sign_out<D: ApiDeps>(edge: &D, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    require_same_origin(req)?;
    if let Some(token) = session::token(&req.headers) {
        edge.store().close_session(&hash_token(token)).await?;
    }
    Ok(HttpResponse::empty(204, vec![("set-cookie".into(), session::clear_cookie())]))
}

/// `POST /api/v1/admin/agents` (admin token or an admin's session): adds an agent who can sign in to the inbox.
pub async fn add_agent<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    admin::authorize(edge, req, now_ms).await?;
    let body: shared::console::NewAgent = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let email = body.email.trim();
    if !shared::action::is_email(email) {
        return Err(ApiError::invalid_field("email", "must be an email address"));
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid_field("name", "must be 1–80 characters"));
    }
    let password_hash = hash_password(edge.kdf(), edge.entropy(), &body.password)
        .await
        .map_err(|e| ApiError::invalid_field("password", e.to_string()))?;
    let agent = Agent {
        id: format!("a{}", random_text(edge.entropy(), 9)),
        email: email.to_string(),
        name: name.to_string(),
        role: body.role,
    };
    let account = AgentAccount { agent: agent.clone(), password_hash, disabled: false };
    match edge.store().add_agent(&account, now_ms).await {
        Ok(()) => Ok(HttpResponse::json(201, &agent)),
        Err(AddAgentError::EmailTaken) => {
            Err(ApiError::new(ErrorCode::EmailTaken, format!("an agent with the email {email} exists")))
        }
        Err(AddAgentError::Store(e)) => Err(e.into()),
    }
}

/// `POST /api/v1/admin/agents/{id}/disable` (or `…/enable`; admin): a disabled agent cannot
/// sign in, and every session and live socket of theirs ends (each socket at its next push or
/// frame: `live::sessions`). Enabling lets them sign in again; it reopens no session.
pub async fn disable_agent<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent_id: &str,
    disabled: bool,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let admin = admin::authorize(edge, req, now_ms).await?;
    if disabled {
        not_yourself(&admin, agent_id, "disable your own account")?;
    }
    if !edge.store().set_disabled(agent_id, disabled).await? {
        return Err(unchanged(edge, agent_id, now_ms, "disable").await);
    }
    let ended = if disabled { edge.store().end_sessions(agent_id).await? } else { 0 };
    Ok(HttpResponse::json(
        200,
        &serde_json::json!({ "agent_id": agent_id, "disabled": disabled, "sessions_ended": ended }),
    ))
}

/// Why an agent was left unchanged: there is no such agent, or they are the team's last active
/// admin (whom neither a disable nor a role change may remove, even racing another admin's).
async fn unchanged<D: ApiDeps>(edge: &D, agent_id: &str, now_ms: u64, what: &str) -> ApiError {
    match edge.store().team(now_ms).await {
        Ok(team) if team.iter().any(|m| m.agent.id == agent_id) => ApiError::new(
            ErrorCode::WrongStatus,
            format!("you cannot {what} the team's last active admin: make another agent an admin first"),
        ),
        Ok(_) => ApiError::new(ErrorCode::NotFound, format!("no agent {agent_id:?}")),
        Err(e) => e.into(),
    }
}

/// An admin in the console cannot lock themselves out (another admin, or the admin token, can).
fn not_yourself(admin: &admin::Admin, agent_id: &str, what: &str) -> Result<(), ApiError> {
    match admin {
        admin::Admin::Agent(me) if me.id == agent_id => Err(ApiError::new(
            ErrorCode::WrongStatus,
            format!("you cannot {what}: ask another admin, or use the admin token"),
        )),
        _ => Ok(()),
    }
}

/// `GET /api/v1/admin/agents` (admin): the team — every agent with their role, whether they are
/// disabled and how many sessions they have open.
pub async fn team<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    admin::authorize(edge, req, now_ms).await?;
    let agents = edge.store().team(now_ms).await?;
    Ok(HttpResponse::json(200, &shared::console::Team { agents }))
}

/// `POST /api/v1/admin/agents/{id}/role` `{"role": "admin"}` (admin): gives or takes the admin
/// role, effective on the agent's next request.
pub async fn set_role<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let admin = admin::authorize(edge, req, now_ms).await?;
    let body: shared::console::RoleRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    if body.role != Role::Admin {
        not_yourself(&admin, agent_id, "take the admin role from yourself")?;
    }
    if !edge.store().set_role(agent_id, body.role).await? {
        return Err(unchanged(edge, agent_id, now_ms, "take the admin role from").await);
    }
    Ok(HttpResponse::json(200, &serde_json::json!({ "agent_id": agent_id, "role": body.role })))
}

/// `POST /api/v1/admin/agents/{id}/password` `{"password": "…"}` (admin): sets a new password
/// (12–256 characters) and ends every session of the agent, so a leaked one opens nothing.
pub async fn set_password<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    admin::authorize(edge, req, now_ms).await?;
    let body: shared::console::PasswordRequest =
        serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let hash = hash_password(edge.kdf(), edge.entropy(), &body.password)
        .await
        .map_err(|e| ApiError::invalid_field("password", e.to_string()))?;
    if !edge.store().set_password(agent_id, &hash).await? {
        return Err(ApiError::new(ErrorCode::NotFound, format!("no agent {agent_id:?}")));
    }
    let ended = edge.store().end_sessions(agent_id).await?;
    Ok(HttpResponse::json(200, &serde_json::json!({ "agent_id": agent_id, "sessions_ended": ended })))
}

/// `DELETE /api/v1/admin/agents/{id}/sessions` (admin): signs the agent out everywhere
/// (a lost laptop): every session ends, and with it every live socket opened under one.
pub async fn end_sessions<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    admin::authorize(edge, req, now_ms).await?;
    let ended = edge.store().end_sessions(agent_id).await?;
    Ok(HttpResponse::json(200, &serde_json::json!({ "agent_id": agent_id, "sessions_ended": ended })))
}
