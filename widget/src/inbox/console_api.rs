//! The console's part of the admin API (`/api/v1/admin/...`, see `shared::console`), spoken with
//! the admin's session cookie like the inbox API (`api`). Compiled into the console's build only.

use crate::api::{call, encode, request, Failure, Me};
use serde::Serialize;
use shared::console::{
    ActionCheck, ActionList, LogPage, NewAgent, PasswordRequest, RoleRequest, SwitchRequest, SwitchResult, Team,
    TestRequest, TestResult,
};
use shared::inbox::Role;

/// An action's admin route.
fn action_url(slug: &str, rest: &str) -> String {
    format!("/api/v1/admin/actions/{}{rest}", encode(slug))
}

/// `GET /api/v1/admin/actions` (admins: the session cookie opens the admin API).
pub async fn actions() -> Result<ActionList, Failure> {
    call("GET", "/api/v1/admin/actions", None::<&()>).await
}

/// `PUT /api/v1/admin/actions/{name}/enabled`
pub async fn switch_action(slug: &str, enabled: bool) -> Result<SwitchResult, Failure> {
    call("PUT", &action_url(slug, "/enabled"), Some(&SwitchRequest { enabled })).await
}

/// `DELETE /api/v1/admin/actions/{name}/enabled`: the action's file decides again.
pub async fn revert_action(slug: &str) -> Result<SwitchResult, Failure> {
    call("DELETE", &action_url(slug, "/enabled"), None::<&()>).await
}

/// `GET /api/v1/admin/actions/{name}/logs?limit=20&…`: a page of the log, newest first, with
/// the filters given as `(name, value)` (`status`, `origin`, `conversation`, `since`, `until`).
pub async fn action_logs(slug: &str, filters: &[(&str, String)], before: Option<i64>) -> Result<LogPage, Failure> {
    let mut url = action_url(slug, "/logs?limit=20");
    for (name, value) in filters.iter().filter(|(_, v)| !v.is_empty()) {
        url.push_str(&format!("&{name}={}", encode(value)));
    }
    if let Some(before) = before {
        url.push_str(&format!("&before={before}"));
    }
    call("GET", &url, None::<&()>).await
}

/// `POST /api/v1/admin/actions/check`: what the build's rules say of a definition (JSON text).
pub async fn check_action(definition: &str) -> Result<ActionCheck, Failure> {
    let text = request("POST", "/api/v1/admin/actions/check", Some(definition.to_string())).await?;
    serde_json::from_str(&text).map_err(|e| Failure::Network(format!("unexpected answer: {e}")))
}

/// `POST /api/v1/admin/actions` (a new action) or `PUT /api/v1/admin/actions/{name}/definition`
/// (one changed): saves a definition written in the console.
pub async fn save_action(editing: Option<&str>, definition: &str) -> Result<(), Failure> {
    let body = Some(definition.to_string());
    match editing {
        None => request("POST", "/api/v1/admin/actions", body).await.map(drop),
        Some(slug) => request("PUT", &action_url(slug, "/definition"), body).await.map(drop),
    }
}

/// `DELETE /api/v1/admin/actions/{name}/definition`: the console's change reverted.
pub async fn revert_definition(slug: &str) -> Result<(), Failure> {
    request("DELETE", &action_url(slug, "/definition"), None).await.map(drop)
}

/// `GET /api/v1/admin/reports?{query}`
pub async fn report(query: &str) -> Result<shared::report::Report, Failure> {
    call("GET", &format!("/api/v1/admin/reports?{query}"), None::<&()>).await
}

/// Where an action's JSON file downloads from.
pub fn definition_url(slug: &str) -> String {
    action_url(slug, "/definition")
}

/// `POST /api/v1/admin/actions/{name}/test`
pub async fn test_action(slug: &str, request: &TestRequest) -> Result<TestResult, Failure> {
    call("POST", &action_url(slug, "/test"), Some(request)).await
}

/// `GET /api/v1/admin/agents`
pub async fn team() -> Result<Team, Failure> {
    call("GET", "/api/v1/admin/agents", None::<&()>).await
}

/// `POST /api/v1/admin/agents`
pub async fn add_agent(agent: &NewAgent) -> Result<Me, Failure> {
    call("POST", "/api/v1/admin/agents", Some(agent)).await
}

/// An agent's admin route.
fn agent_url(id: &str, rest: &str) -> String {
    format!("/api/v1/admin/agents/{}{rest}", encode(id))
}

/// `POST /api/v1/admin/agents/{id}/role`
pub async fn set_role(id: &str, role: Role) -> Result<(), Failure> {
    request("POST", &agent_url(id, "/role"), Some(json(&RoleRequest { role }))).await.map(drop)
}

/// `POST /api/v1/admin/agents/{id}/password`: every session of theirs ends.
pub async fn set_password(id: &str, password: &str) -> Result<(), Failure> {
    let body = PasswordRequest { password: password.to_string() };
    request("POST", &agent_url(id, "/password"), Some(json(&body))).await.map(drop)
}

/// `POST /api/v1/admin/agents/{id}/disable` or `…/enable`
pub async fn set_disabled(id: &str, disabled: bool) -> Result<(), Failure> {
    let rest = if disabled { "/disable" } else { "/enable" };
    request("POST", &agent_url(id, rest), None).await.map(drop)
}

/// `DELETE /api/v1/admin/agents/{id}/sessions`
pub async fn end_sessions(id: &str) -> Result<(), Failure> {
    request("DELETE", &agent_url(id, "/sessions"), None).await.map(drop)
}

fn json(body: &impl Serialize) -> String {
    serde_json::to_string(body).expect("request types always serialize")
}
