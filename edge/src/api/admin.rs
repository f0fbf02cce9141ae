//! The owner's admin API (`Authorization: Bearer <ADMIN_TOKEN>`, or an admin's session): the
//! actions (their definitions, switches and execution logs), and the test endpoint that runs an
//! action without touching any conversation. Definitions written in the console: `admin_definitions`.

use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::ApiDeps;
use crate::actions::guard::Refusal;
use crate::actions::render::secret_names;
use crate::actions::runner::{owner_test, Logged, NotRunnable, RunDeps};
use crate::console_site::{with_definitions, Rejected};
use crate::inbox::session;
use crate::store::{ActionLogStore, ConsoleAction, ConsoleChangeStore, LogFilter, ModelUsageStore};
use shared::action::ActionDef;
use shared::api::ErrorCode;
use shared::console::{
    ActionList, ActionSummary, ActionSwitch, LogPage, Origin, SecretName, SwitchRequest, SwitchResult, TestRequest,
    TestResult,
};
use shared::inbox::{Agent, Role};
use shared::site::SiteBundle;
use shared::template::{TemplateVar, Values};
use std::collections::BTreeMap;

/// Who acts through the admin API: the owner's token (scripts, `curl`) or a signed-in agent with
/// the `admin` role (the console).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admin {
    /// `Authorization: Bearer <ADMIN_TOKEN>`.
    Token,
    /// An admin's inbox session (its cookie, from this site's own pages only).
    Agent(Agent),
}

impl Admin {
    /// How a change is recorded: the admin's email, or "admin token".
    pub fn who(&self) -> String {
        match self {
            Admin::Token => "admin token".into(),
            Admin::Agent(agent) => agent.email.clone(),
        }
    }
}

/// Checks who may use the admin API: a bearer token is compared with `ADMIN_TOKEN` in constant
/// time; without one, an inbox session must be an admin's (an agent without the role gets
/// `403 not_admin`), with the inbox's own-page checks.
pub async fn authorize<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<Admin, ApiError> {
    if req.bearer_token().is_none() && session::token(&req.headers).is_some() {
        let agent = super::inbox::signed_in(edge, req, now_ms).await?;
        return match agent.role {
            Role::Admin => Ok(Admin::Agent(agent)),
            Role::Agent => Err(ApiError::new(ErrorCode::NotAdmin, "only an agent with the admin role may do this")),
        };
    }
    let Some(expected) = edge.admin_token().filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(
            ErrorCode::AdminDisabled,
            "the admin API is off: set the ADMIN_TOKEN secret (.dev.vars locally, `wrangler secret put ADMIN_TOKEN` in production)",
        ));
    };
    let token = req.bearer_token().ok_or_else(|| {
        ApiError::new(ErrorCode::MissingToken, "send the admin token as `Authorization: Bearer <token>`")
    })?;
    if crate::token::constant_time_eq(token, expected) {
        Ok(Admin::Token)
    } else {
        Err(ApiError::new(ErrorCode::InvalidToken, "this is not the admin token"))
    }
}

fn find<'s, D: RunDeps>(edge: &'s D, slug: &str) -> Result<&'s ActionDef, ApiError> {
    find_in(edge.site(), slug)
}

/// The action of `site` named `slug`, or `404 action_not_found` naming the actions there are.
pub(crate) fn find_in<'s>(site: &'s SiteBundle, slug: &str) -> Result<&'s ActionDef, ApiError> {
    site.action(slug).ok_or_else(|| {
        let known: Vec<String> = site.actions.iter().map(|a| a.slug.to_string()).collect();
        ApiError::new(ErrorCode::ActionNotFound, format!("no action {slug:?} (actions: {})", known.join(", ")))
    })
}

/// The site's actions as the console's definitions leave them (before switches), with those
/// definitions and the ones not in force.
pub(crate) struct Defined {
    /// The files with the console's definitions applied.
    pub site: SiteBundle,
    /// Every definition written in the console.
    pub definitions: Vec<ConsoleAction>,
    /// Those the build's rules now refuse.
    pub rejected: Vec<Rejected>,
}

impl Defined {
    /// The action `slug`: in force, or written in the console and now refused by the rules (so
    /// that it can be read, mended or removed); `404 action_not_found` otherwise.
    pub(crate) fn find(&self, slug: &str) -> Result<ActionDef, ApiError> {
        if let Some(a) = self.site.action(slug) {
            return Ok(a.clone());
        }
        let stored =
            self.definitions.iter().find(|d| d.slug == slug).and_then(|d| ActionDef::from_json(&d.definition).ok());
        stored.ok_or_else(|| {
            find_in(&self.site, slug).err().unwrap_or_else(|| ApiError::new(ErrorCode::ActionNotFound, slug))
        })
    }
}

/// Reads the console's definitions (not cached: the console shows what is stored now).
pub(crate) async fn defined<D: ApiDeps>(edge: &D) -> Result<Defined, ApiError> {
    let definitions = edge.store().console_actions().await?;
    let (site, rejected) = with_definitions(edge.files(), &definitions);
    Ok(Defined { site, definitions, rejected })
}

/// `GET /api/v1/admin/actions`: every action (the files', then those made in the console) with
/// its definition in force and where it comes from, whether it is on now and who switched it,
/// its runs and failures over the last 24 hours; and the secret names and hosts actions may use.
pub async fn list<D: ApiDeps>(edge: &D, now_ms: u64) -> Result<HttpResponse, ApiError> {
    const DAY_MS: u64 = 24 * 60 * 60 * 1000;
    let switches = edge.store().switches().await?;
    let counts = edge.store().run_counts(now_ms.saturating_sub(DAY_MS)).await?;
    let Defined { site, definitions, rejected } = defined(edge).await?;
    let files = edge.files();
    let summary = |a: &ActionDef, in_force: bool| {
        let switch = switches.iter().find(|s| a.slug == s.action).cloned();
        let count = counts.iter().find(|c| a.slug == c.action);
        let file = files.action(&a.slug);
        let console = definitions.iter().find(|d| a.slug == d.slug);
        let problems = rejected.iter().filter(|r| a.slug == r.slug).flat_map(|r| &r.problems);
        let origin = match (file, console) {
            (Some(_), Some(_)) => Origin::Override,
            (None, _) => Origin::Console,
            (Some(_), None) => Origin::File,
        };
        ActionSummary {
            slug: a.slug.to_string(),
            enabled: in_force && switch.as_ref().map_or(a.enabled, |s| s.enabled),
            file_enabled: a.enabled,
            switch,
            secrets: secret_names(a),
            runs_24h: count.map_or(0, |c| c.runs),
            failures_24h: count.map_or(0, |c| c.failures),
            last_run_at: count.map(|c| shared::time::rfc3339_from_unix_ms(c.last_at_ms)),
            definition: a.clone(),
            origin,
            file_definition: file.filter(|_| origin == Origin::Override).cloned(),
            changed_by: console.map(|c| c.changed_by.clone()),
            changed_at_ms: console.map(|c| c.changed_at_ms),
            problems: problems.map(problem_text).collect(),
        }
    };
    let mut actions: Vec<ActionSummary> = site.actions.iter().map(|a| summary(a, true)).collect();
    // A new action the rules now refuse is listed, off, with why: the owner must see it to mend it.
    for r in rejected.iter().filter(|r| site.action(&r.slug).is_none()) {
        let parsed =
            definitions.iter().find(|d| d.slug == r.slug).and_then(|d| ActionDef::from_json(&d.definition).ok());
        if let Some(def) = parsed {
            actions.push(summary(&def, false));
        }
    }
    let have = &edge.actions().secrets;
    let secrets = files
        .agent
        .actions
        .secrets
        .iter()
        .map(|name| SecretName { name: name.clone(), set: have.contains_key(name) })
        .collect();
    let allowed_hosts = files.agent.actions.allowed_hosts.clone();
    Ok(HttpResponse::json(200, &ActionList { actions, secrets, allowed_hosts }))
}

/// A problem as one line: `field: message`.
pub(crate) fn problem_text(p: &shared::console::ActionProblem) -> String {
    match &p.field {
        Some(field) => format!("{field}: {}", p.message),
        None => p.message.clone(),
    }
}

/// The log filter a request's query asks for, each bad value named.
fn log_filter(req: &HttpRequest) -> Result<LogFilter, ApiError> {
    let time = |name: &str| -> Result<Option<u64>, ApiError> {
        let Some(value) = req.query_param(name).filter(|v| !v.is_empty()) else { return Ok(None) };
        value
            .parse::<u64>()
            .ok()
            .or_else(|| value.parse::<jiff::Timestamp>().ok().and_then(|t| u64::try_from(t.as_millisecond()).ok()))
            .map(Some)
            .ok_or_else(|| ApiError::invalid_field(name, "must be an RFC 3339 time or Unix milliseconds"))
    };
    let status = match req.query_param("status").as_deref() {
        None | Some("") => None,
        Some("ok") => Some(crate::action_run::RunStatus::Ok),
        Some("failed") => Some(crate::action_run::RunStatus::Failed),
        Some("refused") => Some(crate::action_run::RunStatus::Refused),
        Some(_) => return Err(ApiError::invalid_field("status", "must be ok, failed or refused")),
    };
    let test = match req.query_param("origin").as_deref() {
        None | Some("") => None,
        Some("live") => Some(false),
        Some("test") => Some(true),
        Some(_) => return Err(ApiError::invalid_field("origin", "must be live or test")),
    };
    let conversation = req.query_param("conversation").filter(|c| !c.is_empty());
    Ok(LogFilter { status, test, conversation, since_ms: time("since")?, until_ms: time("until")? })
}

/// `PUT /api/v1/admin/actions/{name}/enabled` `{"enabled": false}`: switches an action off (or
/// on) for the agent, its quick replies and buttons, from the next request on, recorded with who
/// and when; `DELETE` removes the switch, and the action's file decides again. Other isolates
/// see it within `console_site::FRESH_MS`.
pub async fn switch<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    slug: &str,
    set: bool,
    admin: &Admin,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let file_enabled = find_in(&defined(edge).await?.site, slug)?.enabled;
    let switch = if set {
        let body: SwitchRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
        let switch = ActionSwitch {
            action: slug.to_string(),
            enabled: body.enabled,
            changed_by: admin.who(),
            changed_at_ms: now_ms,
        };
        edge.store().set_switch(&switch).await?;
        Some(switch)
    } else {
        edge.store().clear_switch(slug).await?;
        None
    };
    edge.console().forget();
    let enabled = switch.as_ref().map_or(file_enabled, |s| s.enabled);
    Ok(HttpResponse::json(200, &SwitchResult { slug: slug.to_string(), enabled, file_enabled, switch }))
}

/// `?limit=&before=` of a log's page.
fn page(req: &HttpRequest) -> Result<(usize, Option<i64>), ApiError> {
    let limit = match req.query_param("limit") {
        None => 50,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| ApiError::invalid_field("limit", "must be a whole number from 1 to 500"))?,
    };
    let before = match req.query_param("before") {
        None => None,
        Some(b) => Some(b.parse::<i64>().map_err(|_| ApiError::invalid_field("before", "must be a log entry id"))?),
    };
    Ok((limit, before))
}

/// `GET /api/v1/admin/model-usage?limit=&before=`: the calls to the model of `[llm]`, newest
/// first (model, tokens, latency, outcome), with the totals of the page.
pub async fn model_usage<D: ApiDeps>(edge: &D, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let (limit, before) = page(req)?;
    let calls = edge.store().model_calls(limit, before).await?;
    let next = if calls.len() == limit { calls.last().map(|e| e.id) } else { None };
    let prompt: u64 = calls.iter().map(|c| u64::from(c.prompt_tokens)).sum();
    let completion: u64 = calls.iter().map(|c| u64::from(c.completion_tokens)).sum();
    Ok(HttpResponse::json(
        200,
        &serde_json::json!({ "calls": calls, "prompt_tokens": prompt, "completion_tokens": completion,
            "next_before": next }),
    ))
}

/// `GET /api/v1/admin/actions/{name}/logs?limit=&before=&status=&origin=&conversation=&since=&until=`:
/// newest first; `status` is `ok`, `failed` or `refused`, `origin` `live` or `test`, `since` and
/// `until` RFC 3339 times or Unix ms.
pub async fn logs<D: ApiDeps>(edge: &D, req: &HttpRequest, slug: &str) -> Result<HttpResponse, ApiError> {
    let action = defined(edge).await?.find(slug)?;
    let (limit, before) = page(req)?;
    let filter = log_filter(req)?;
    let entries = edge.store().filtered_logs(&action.slug, &filter, limit, before).await?;
    let next_before = if entries.len() == limit { entries.last().map(|e| e.id) } else { None };
    Ok(HttpResponse::json(200, &LogPage { logs: entries, next_before }))
}

/// `POST /api/v1/admin/actions/{name}/test`: renders and runs the action with the given
/// variables (secrets from the edge) through `actions::runner::owner_test`, logs the run as a
/// test, and returns request and response.
pub async fn test<D: RunDeps>(edge: &D, req: &HttpRequest, slug: &str, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let action = find(edge, slug)?;
    let body: TestRequest = if req.body.iter().all(u8::is_ascii_whitespace) {
        TestRequest::default()
    } else {
        serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?
    };
    let mut values = Values::new();
    let mut inputs = BTreeMap::new();
    for (name, value) in body.variables {
        let var = TemplateVar::parse(&name)
            .map_err(|e| ApiError::invalid_field(&format!("variables.{name}"), e.to_string()))?;
        match &var {
            TemplateVar::Secret(_) | TemplateVar::Response(_) => {
                return Err(ApiError::invalid_field(
                    &format!("variables.{name}"),
                    "secrets come from the edge and response values from the target; they cannot be passed in",
                ))
            }
            TemplateVar::Input(n) => {
                inputs.insert(n.clone(), value);
            }
            _ => {
                values.insert(var, value);
            }
        }
    }
    let Logged { run, log_id } = owner_test(edge, action, &inputs, values, now_ms).await?.map_err(not_runnable)?;
    Ok(HttpResponse::json(200, &TestResult { log_id, request: run.request.clone(), run }))
}

/// Why the owner's test did not start, naming the variable to fix.
fn not_runnable(e: NotRunnable) -> ApiError {
    match e {
        NotRunnable::Refused(refusal) => match &refusal {
            Refusal::MissingInput { name, .. } | Refusal::InvalidInput { name, .. } => {
                ApiError::invalid_field(&format!("variables.inputs.{name}"), refusal.to_string())
            }
            _ => ApiError::invalid_field("variables", refusal.to_string()),
        },
        NotRunnable::MissingSecret(name) => ApiError::new(
            ErrorCode::InvalidField,
            format!(
                "secret {name} is not set on the edge (.dev.vars locally, `wrangler secret put {name}` in production)"
            ),
        ),
    }
}
