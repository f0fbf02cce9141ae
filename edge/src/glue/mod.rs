//! The only code that touches the Workers runtime: converts requests and responses, and hands the
//! API its D1 store, the built-in engine and the runtime's randomness.

mod body;
mod d1;
mod entropy;
mod inbox;
mod kdf;
mod limiter;
mod live;
mod network;
mod scheduled;
mod webhooks;

use crate::actions::execute::TokenCache;
use crate::actions::runner::ActionEnv;
use crate::actions::ssrf::NetworkPolicy;
use crate::agent::intent::ActionIndex;
use crate::agent::BuiltinEngine;
use crate::api::{self, ApiError, Edge, HttpRequest, HttpResponse, MAX_BODY_BYTES};
use crate::handoff::{HandoffEnv, Outbox};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use worker::{event, Context, Env, Headers, Request, Response, Result};

/// The engine and its index are built once per isolate, not per request.
fn engine() -> &'static BuiltinEngine {
    static ENGINE: OnceLock<BuiltinEngine> = OnceLock::new();
    ENGINE.get_or_init(|| BuiltinEngine::new(crate::site::bundle()))
}

/// The actions indexed for the agent, once per isolate.
fn intents() -> &'static ActionIndex {
    static INTENTS: OnceLock<ActionIndex> = OnceLock::new();
    INTENTS.get_or_init(|| ActionIndex::new(crate::site::bundle()))
}

/// The site's network policy for actions, parsed once per isolate.
fn policy() -> &'static NetworkPolicy {
    static POLICY: OnceLock<NetworkPolicy> = OnceLock::new();
    POLICY.get_or_init(|| NetworkPolicy::from_config(&crate::site::bundle().agent.actions))
}

thread_local! {
    /// Token-endpoint tokens live as long as the isolate.
    static TOKENS: &'static TokenCache = Box::leak(Box::default());
}

/// The declared secrets that are set (`.dev.vars` locally, `wrangler secret put` in production).
fn secrets(env: &Env) -> BTreeMap<String, String> {
    crate::site::bundle()
        .agent
        .actions
        .secrets
        .iter()
        .filter_map(|name| env.secret(name).ok().map(|s| (name.clone(), s.to_string())))
        .collect()
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    if !path.starts_with("/api/") {
        // Static assets (demo site, loader) normally never reach the Worker; `/widget/*` and
        // `/inbox/*` do (`run_worker_first`) so the chat's and the inbox's pages get their CSP.
        let asset = env.assets("ASSETS")?.fetch_request(req).await?;
        if path.starts_with("/widget/") {
            return with_headers(asset, widget_headers());
        }
        if api::security_headers::is_inbox_path(&path) {
            return with_headers(asset, inbox_headers());
        }
        return Ok(asset);
    }
    let declared_len = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let response = if declared_len > MAX_BODY_BYTES {
        ApiError::too_large(MAX_BODY_BYTES).into_response()
    } else {
        // A body without Content-Length is cut one byte past the limit; `api::handle` answers 413.
        let body = match body::read_at_most(&mut req, MAX_BODY_BYTES + 1).await {
            Ok(body) => body,
            Err(e) => {
                let message = format!("the request body could not be read: {e}");
                return into_worker_response(ApiError::new(shared::ErrorCode::Internal, message).into_response());
            }
        };
        let http = HttpRequest {
            method: req.method().to_string().to_ascii_uppercase(),
            path,
            query: req.url()?.query().unwrap_or_default().to_string(),
            headers: req.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
            body,
        };
        let store = d1::D1Store::on(env.d1("DB")?);
        let limiter = limiter::ObjectLimiter::new(env.durable_object("LIMITS")?);
        let secrets = secrets(&env);
        let admin_token = env.secret("ADMIN_TOKEN").ok().map(|s| s.to_string());
        let identity_secret = env.secret("IDENTITY_SECRET").ok().map(|s| s.to_string());
        let network = network::WorkerNetwork;
        let tokens = TOKENS.with(|t| *t);
        let outbox = Outbox::default();
        let edge = Edge {
            site: crate::site::bundle(),
            store: &store,
            limiter: &limiter,
            engine: engine(),
            entropy: &entropy::RuntimeEntropy,
            intents: intents(),
            actions: ActionEnv { network: &network, policy: policy(), tokens, secrets: &secrets },
            admin_token: admin_token.as_deref(),
            identity_secret: identity_secret.as_deref(),
            kdf: &kdf::WebCryptoKdf,
            handoff: HandoffEnv { time_zone: crate::site::time_zone(), outbox: &outbox },
        };
        let mut response = api::handle(&edge, &http, js_sys::Date::now() as u64).await;
        if let Some(ticket) = &response.upgrade {
            // The conversation's object answers the upgrade and holds the socket.
            return live::connect(&env.durable_object("CONVERSATION")?, ticket).await;
        }
        if let Some(ticket) = &response.inbox_upgrade {
            // The site's inbox object answers the upgrade and holds the agent's socket.
            return inbox::connect(&env.durable_object("INBOX")?, ticket).await;
        }
        if let Some(event) = response.inbox.take() {
            // Lists refresh after the answer is sent; a tab that misses it reloads on reconnect.
            let inboxes = env.durable_object("INBOX")?;
            ctx.wait_until(async move {
                if let Err(e) = inbox::publish(&inboxes, &event).await {
                    worker::console_error!("inbox push failed: {e}");
                }
            });
        }
        if let Some(publish) = response.publish.take() {
            // Pushed after the answer is sent: the stored messages are the record, and a socket
            // that misses this push gets them when it resumes.
            let conversations = env.durable_object("CONVERSATION")?;
            ctx.wait_until(async move {
                if let Err(e) = live::publish(&conversations, &publish.conversation, &publish.events).await {
                    worker::console_error!("live push to {} failed: {e}", publish.conversation);
                }
            });
        }
        // A handoff's webhook goes out after the response: the visitor never waits for the receiver.
        let queued = outbox.take();
        if !queued.is_empty() {
            ctx.wait_until(webhooks::send_now(env.clone(), queued, js_sys::Date::now() as u64));
        }
        // What the rate limiter cost this request (Date.now() advances across the I/O it waits on).
        response.headers.push(("server-timing".into(), format!("limiter;dur={}", limiter.waited_ms.get())));
        response
    };
    into_worker_response(response)
}

/// The chat page's security headers, computed once per isolate.
fn widget_headers() -> &'static [(&'static str, String)] {
    static HEADERS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    HEADERS.get_or_init(|| api::security_headers::widget_headers(&crate::site::bundle().agent.allowed_origins))
}

/// The inbox page's security headers, computed once per isolate.
fn inbox_headers() -> &'static [(&'static str, String)] {
    static HEADERS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    HEADERS.get_or_init(api::security_headers::inbox_headers)
}

/// `response` with `extra` headers set (a fetched response's own headers are immutable).
fn with_headers(response: Response, extra: &[(&'static str, String)]) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        headers.append(&name, &value)?;
    }
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    Ok(response.with_headers(headers))
}

fn into_worker_response(r: HttpResponse) -> Result<Response> {
    if let Some(cause) = &r.log {
        worker::console_error!("answered {}: {cause}", r.status);
    }
    let headers = Headers::new();
    for (name, value) in &r.headers {
        headers.append(name, value)?;
    }
    let body = if r.status == 204 { Vec::new() } else { r.body.into_bytes() };
    Ok(Response::from_bytes(body)?.with_status(r.status).with_headers(headers))
}
