//! Actions written in the console: checked by the build's own rules (`shared::action_check`, so
//! the console shows the message a file would get), stored at the edge, live once enabled, and
//! downloadable as the JSON file the repository would hold. A file's action changed here is an
//! override until reverted; the file itself is never touched.

use super::admin::{defined, problem_text, Admin, Defined};
use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::ApiDeps;
use crate::console_site::check as check_definition;
use crate::store::{ConsoleAction, ConsoleChangeStore};
use shared::action::{ActionDef, Slug};
use shared::api::ErrorCode;
use shared::console::{ActionCheck, ActionProblem};
use std::collections::BTreeMap;

/// The body as text: the definition the owner wrote.
fn definition_text(req: &HttpRequest) -> Result<&str, ApiError> {
    std::str::from_utf8(&req.body).map_err(|_| ApiError::new(ErrorCode::MalformedJson, "the definition is not UTF-8"))
}

/// The slug the definition's `name` gives, if it has one (read loosely: the definition may be
/// half written).
fn named_slug(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = value.get("name")?.as_str()?.trim();
    let slug = Slug::of(name);
    (!slug.is_empty()).then(|| slug.to_string())
}

/// `422 invalid_action` listing every problem by field (`definition` when none is to blame).
fn invalid(problems: &[ActionProblem]) -> ApiError {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for p in problems {
        let field = p.field.clone().unwrap_or_else(|| "definition".into());
        fields.entry(field).and_modify(|m| *m = format!("{m}; {}", p.message)).or_insert_with(|| p.message.clone());
    }
    let message = problems.iter().map(problem_text).collect::<Vec<_>>().join("; ");
    ApiError { fields: Some(fields), ..ApiError::new(ErrorCode::InvalidAction, message) }
}

/// `POST /api/v1/admin/actions/check`: what the build's rules say of a definition (an action
/// file's JSON) among the site's actions, without saving it. Always `200`: the problems are the
/// answer.
pub async fn check<D: ApiDeps>(edge: &D, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let text = definition_text(req)?;
    // The site this request already sees (built once per change and isolate): a check runs on
    // every pause in the owner's typing, and rebuilding the site would copy every page each time.
    let site = edge.site();
    let slug = named_slug(text);
    let exists = slug.as_deref().is_some_and(|s| site.action(s).is_some());
    let problems = check_definition(site, text).err().unwrap_or_default();
    Ok(HttpResponse::json(200, &ActionCheck { slug, exists, problems }))
}

/// Stores `def` (checked) as the console's definition of its slug, and makes every isolate of
/// this one see it on its next request.
async fn store<D: ApiDeps>(edge: &D, def: &ActionDef, text: &str, admin: &Admin, now_ms: u64) -> Result<(), ApiError> {
    // What the owner wrote is kept (the keys they gave and left out), normalised to one line.
    let definition =
        serde_json::from_str::<serde_json::Value>(text).map_or_else(|_| text.to_string(), |v| v.to_string());
    let action =
        ConsoleAction { slug: def.slug.to_string(), definition, changed_by: admin.who(), changed_at_ms: now_ms };
    edge.store().put_console_action(&action).await?;
    edge.console().forget();
    Ok(())
}

/// `POST /api/v1/admin/actions`: a new action, written in the console (`409 action_exists` when
/// its name's slug is taken: that one is changed from its own page). It is live once enabled.
pub async fn create<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    admin: &Admin,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let text = definition_text(req)?;
    let Defined { site, .. } = defined(edge).await?;
    if let Some(taken) = named_slug(text).and_then(|s| site.action(&s)) {
        return Err(ApiError {
            field: Some("name".into()),
            ..ApiError::new(
                ErrorCode::ActionExists,
                format!("an action is already called '{}' ({}): change it from its own page", taken.name, taken.slug),
            )
        });
    }
    let def = check_definition(&site, text).map_err(|p| invalid(&p))?;
    store(edge, &def, text, admin, now_ms).await?;
    Ok(HttpResponse::json(201, &serde_json::json!({ "slug": def.slug })))
}

/// `PUT /api/v1/admin/actions/{name}/definition`: changes an action in the console (a file's
/// action is overridden, not edited). Its name keeps its slug: switches, logs and the actions
/// that run it name it by that.
pub async fn replace<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    slug: &str,
    admin: &Admin,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let text = definition_text(req)?;
    let defined = defined(edge).await?;
    let current = defined.find(slug)?;
    let site = defined.site;
    if named_slug(text).is_some_and(|s| s != current.slug.as_str()) {
        return Err(ApiError::invalid_field(
            "name",
            format!(
                "'{}' is named by its slug {slug:?} in switches, logs and the actions that run it: keep a name with \
                 that slug, or create a new action",
                current.name
            ),
        ));
    }
    let def = check_definition(&site, text).map_err(|p| invalid(&p))?;
    store(edge, &def, text, admin, now_ms).await?;
    Ok(HttpResponse::json(200, &serde_json::json!({ "slug": def.slug })))
}

/// `DELETE /api/v1/admin/actions/{name}/definition`: the console's change reverted: a file's
/// action is its file's again; an action made in the console is removed (with its switch),
/// unless another action runs it.
pub async fn revert<D: ApiDeps>(edge: &D, slug: &str) -> Result<HttpResponse, ApiError> {
    let Defined { site, definitions, .. } = defined(edge).await?;
    if !definitions.iter().any(|d| d.slug == slug) {
        return Err(ApiError::new(ErrorCode::ActionNotFound, format!("the console changed no action {slug:?}")));
    }
    let from_file = edge.files().action(slug).is_some();
    if !from_file {
        if let Some(runner) = site.actions.iter().find(|a| shared::action_check::runs(a) == Some(slug)) {
            return Err(ApiError::new(
                ErrorCode::InvalidAction,
                format!("action '{}' runs it: change or remove that one first", runner.name),
            ));
        }
    }
    edge.store().remove_console_action(slug).await?;
    if !from_file {
        edge.store().clear_switch(slug).await?;
    }
    edge.console().forget();
    Ok(HttpResponse::json(200, &serde_json::json!({ "slug": slug, "removed": !from_file })))
}

/// `GET /api/v1/admin/actions/{name}/definition`: the action as the JSON file the repository's
/// `actions/` would hold, to download: the console's definition when there is one (even one the
/// rules now refuse, so that it can be mended), else its file's.
pub async fn download<D: ApiDeps>(edge: &D, slug: &str) -> Result<HttpResponse, ApiError> {
    let defined = defined(edge).await?;
    let action = defined.find(slug)?;
    let value = match defined.definitions.iter().find(|d| d.slug == slug) {
        Some(d) => serde_json::from_str(&d.definition).unwrap_or(serde_json::Value::String(d.definition.clone())),
        None => serde_json::to_value(&action).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?,
    };
    let mut response = HttpResponse::json(200, &value);
    response.body = serde_json::to_string_pretty(&value).unwrap_or(response.body) + "\n";
    // A slug is lower-case ASCII letters, digits and '-' (`action_check` refuses any other name):
    // safe in a header as it stands.
    response.headers.push(("content-disposition".into(), format!("attachment; filename=\"{}.json\"", action.slug)));
    Ok(response)
}
