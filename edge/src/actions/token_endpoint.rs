//! An action's OAuth client-credentials token (`auth = token_endpoint`): fetched within the run's
//! deadline from a URL the network policy allows, cached per action until shortly before it
//! expires, fetched again when the target refuses it.

use super::execute::{Deadline, Failure, RunContext, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_ATTEMPT_MS};
use super::network::Network;
use super::render::OutboundRequest;
use crate::action_run::ErrorClass;
use serde::Deserialize;
use shared::action::{ActionDef, AuthDef};
use shared::template::{Encoding, Template, Values};
use std::cell::RefCell;
use std::collections::HashMap;

/// Cached tokens from token endpoints, by action and the settings the token was fetched with (an
/// action changed in the console must not send an old token to its new target): (token, expiry in
/// `now_ms` time).
#[derive(Debug, Default)]
pub struct TokenCache(RefCell<HashMap<String, (String, f64)>>);

/// The action's token: cached, or fetched (`force`: fetched even if cached, after a refusal).
pub(super) async fn fetch_token<N: Network>(
    ctx: &RunContext<'_, N>,
    action: &ActionDef,
    values: &Values,
    deadline: Deadline,
    force: bool,
) -> Result<String, Failure> {
    let Some(AuthDef::TokenEndpoint { url, client_id, client_secret, scope }) =
        action.http().and_then(|h| h.auth.as_ref())
    else {
        return Err((ErrorClass::Auth, "no token endpoint".into()));
    };
    // The templates, not their values: the same settings fetch the same kind of token.
    let target = action.http().map_or("", |h| h.url.as_str());
    let slug = format!("{}\n{target}\n{url}\n{client_id}\n{}", action.slug, scope.as_deref().unwrap_or_default());
    let now = ctx.network.now_ms();
    if !force {
        if let Some((token, expires)) = ctx.tokens.0.borrow().get(&slug) {
            if *expires > now {
                return Ok(token.clone());
            }
        }
    }
    let render = |t: &str| {
        Template::parse(t)
            .and_then(|t| t.render(values, Encoding::Form))
            .map_err(|e| (ErrorClass::Template, e.to_string()))
    };
    let url = Template::parse(url)
        .and_then(|t| t.render(values, Encoding::Url))
        .map_err(|e| (ErrorClass::Template, e.to_string()))?;
    ctx.policy.check(&url).map_err(|e| (ErrorClass::Ssrf, e.to_string()))?;
    let mut body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        render(client_id)?,
        render(client_secret)?
    );
    if let Some(scope) = scope {
        body.push_str(&format!("&scope={}", render(scope)?));
    }
    let request = OutboundRequest {
        method: "POST".into(),
        url,
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: Some(body),
    };
    let timeout =
        action.http().and_then(|h| h.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS).clamp(MIN_ATTEMPT_MS, MAX_TIMEOUT_MS);
    let within = deadline.budget(ctx.network, timeout)?;
    let response = ctx
        .network
        .send(&request, within)
        .await
        .map_err(|_| (ErrorClass::Auth, "the token endpoint did not answer".to_string()))?;
    #[derive(Deserialize)]
    struct TokenResponse {
        access_token: String,
        #[serde(default)]
        expires_in: Option<f64>,
    }
    let token: TokenResponse = serde_json::from_slice(&response.body)
        .ok()
        .filter(|_| (200..300).contains(&response.status))
        .ok_or((ErrorClass::Auth, format!("the token endpoint answered HTTP {} without a token", response.status)))?;
    // Refresh a little early so a token never expires in flight.
    let ttl_ms = token.expires_in.unwrap_or(300.0).max(1.0) * 1000.0 * 0.9;
    ctx.tokens.0.borrow_mut().insert(slug, (token.access_token.clone(), now + ttl_ms));
    Ok(token.access_token)
}
