//! The only code that touches the Workers runtime: converts requests and responses, and hands the
//! API its D1 store, the built-in engine and the runtime's randomness.

mod body;
mod d1;
mod entropy;
mod files;
mod inbox;
mod kdf;
mod limiter;
mod live;
mod network;
mod object_sql;
mod scheduled;
mod webhooks;

use crate::actions::execute::TokenCache;
use crate::actions::runner::ActionEnv;
use crate::actions::ssrf::NetworkPolicy;
use crate::agent::intent::ActionIndex;
use crate::agent::BuiltinEngine;
use crate::api::{self, ApiError, Edge, HttpRequest, HttpResponse};
use crate::console_site::{self, ConsoleCache};
use crate::handoff::{HandoffEnv, Outbox};
use crate::object::conversation::{object_for, Answered};
use crate::store::Stores;
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
    /// The site as the owner's console changes leave it, rebuilt when they change.
    static CONSOLE: &'static ConsoleCache = Box::leak(Box::default());
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
    let http = match read_http(&mut req).await {
        Ok(http) => http,
        Err(refused) => return into_worker_response(refused),
    };
    if let Some(id) = object_for(&http) {
        // One conversation's request: its object holds the conversation and answers it, so a
        // visitor's message costs one call from here (`glue::live`). The body goes as read (at
        // most the limit), so the object never answers before a stream it did not finish.
        return live::forward(&env.durable_object("CONVERSATION")?, &id, &req.url()?, &http).await;
    }
    let store = d1::D1Store::on(env.d1("DB")?);
    let limiter = limiter::ObjectLimiter::new(env.durable_object("LIMITS")?);
    let Answered { mut response, outbox } = answer(&env, &store, &limiter, &http, None).await;
    // What the rate limiter cost this request (Date.now() advances across the I/O it waits on).
    response.headers.push(("server-timing".into(), format!("limiter;dur={}", limiter.waited_ms())));
    if let Some(ticket) = &response.inbox_upgrade {
        // The site's inbox object answers the upgrade and holds the agent's socket.
        return inbox::connect(&env.durable_object("INBOX")?, ticket).await;
    }
    if !response.erased.is_empty() {
        // Erased from D1 with a tombstone each (no copy is served from then on): their objects
        // drop their copies before the owner hears "erased", as many as one request may call;
        // the every-minute Cron tells the rest, and any that did not confirm, until they do.
        let objects = live::Objects(env.durable_object("CONVERSATION")?, files::R2Files::of(&env)?);
        match crate::erasure::tell_objects(&store, &objects, &response.erased).await {
            Ok(unconfirmed) if !unconfirmed.is_empty() => {
                worker::console_error!("{} erased copies not yet forgotten: the Cron retries", unconfirmed.len())
            }
            Ok(_) => {}
            Err(e) => worker::console_error!("recording forgotten copies failed (the Cron retries): {e}"),
        }
    }
    ctx.wait_until(after_answer(&env, response.inbox.take(), outbox)?);
    into_worker_response(response)
}

/// What goes out after an answer is sent: the inbox's news (lists refresh; a tab that misses it
/// reloads on reconnect) and a handoff's webhooks (D1 has their deliveries, flushed before).
pub(crate) fn after_answer(
    env: &Env,
    inbox: Option<Box<shared::inbox::InboxEvent>>,
    outbox: Vec<String>,
) -> Result<impl std::future::Future<Output = ()> + 'static> {
    let inboxes = if inbox.is_some() { Some(env.durable_object("INBOX")?) } else { None };
    let env = env.clone();
    let now_ms = js_sys::Date::now() as u64;
    Ok(async move {
        let publish = async {
            if let (Some(event), Some(inboxes)) = (inbox, inboxes) {
                if let Err(e) = inbox::publish(&inboxes, &event).await {
                    worker::console_error!("inbox push failed: {e}");
                }
            }
        };
        let send = async {
            if !outbox.is_empty() {
                webhooks::send_now(env, outbox, now_ms).await;
            }
        };
        futures_util::future::join(publish, send).await;
    })
}

/// The API request, its body read up to the limit; or the answer refusing it.
pub(crate) async fn read_http(req: &mut Request) -> std::result::Result<HttpRequest, HttpResponse> {
    let declared_len =
        req.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let (method, path) = (req.method().to_string().to_ascii_uppercase(), req.path());
    let attachments = &crate::site::bundle().agent.attachments;
    let limit = api::body_limit(&method, &path, attachments);
    if declared_len > limit {
        return Err(api::too_large(&method, &path, attachments).into_response());
    }
    // A body without Content-Length is cut one byte past the limit; `api::handle` answers 413.
    let body = body::read_at_most(req, limit + 1).await.map_err(|e| {
        let message = format!("the request body could not be read: {e}");
        ApiError::new(shared::ErrorCode::Internal, message).into_response()
    })?;
    let url = req.url().map_err(|e| ApiError::new(shared::ErrorCode::Internal, e.to_string()).into_response())?;
    Ok(HttpRequest {
        method,
        path,
        query: url.query().unwrap_or_default().to_string(),
        headers: req.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
        body,
    })
}

/// Answers `http` with `store` and everything else the runtime provides (the Worker's D1, or a
/// conversation object's own stores).
pub(crate) async fn answer<S: Stores, L: crate::limits::RateLimiter>(
    env: &Env,
    store: &S,
    limiter: &L,
    http: &HttpRequest,
    shown: Option<&dyn crate::live::stream::ReplyStream>,
) -> Answered {
    let secrets = secrets(env);
    let admin_token = env.secret("ADMIN_TOKEN").ok().map(|s| s.to_string());
    let identity_secret = env.secret("IDENTITY_SECRET").ok().map(|s| s.to_string());
    let llm_key = crate::site::bundle().agent.llm.as_ref().and_then(|l| l.api_key.as_deref());
    let model_key = llm_key.and_then(|name| env.secret(name).ok()).map(|s| s.to_string());
    let network = network::WorkerNetwork;
    let tokens = TOKENS.with(|t| *t);
    let outbox = Outbox::default();
    let console = CONSOLE.with(|s| *s);
    let now_ms = js_sys::Date::now() as u64;
    let blobs = match files::R2Files::of(env) {
        Ok(blobs) => blobs,
        Err(e) => {
            let failed = ApiError::new(shared::ErrorCode::Internal, "the edge has no bucket for files");
            let response = HttpResponse { log: Some(format!("the FILES binding: {e}")), ..failed.into_response() };
            return Answered { response, outbox: Vec::new() };
        }
    };
    let (effective, failure) = console_site::effective(store, crate::site::bundle(), intents(), console, now_ms).await;
    if let Some(e) = failure {
        worker::console_error!(
            "the owner's console changes could not be read, so every action is off for this request: {e}"
        );
    }
    let edge = Edge {
        site: effective.site(),
        files: crate::site::bundle(),
        console,
        store,
        limiter,
        engine: engine(),
        entropy: &entropy::RuntimeEntropy,
        intents: effective.intents(),
        actions: ActionEnv { network: &network, policy: policy(), tokens, secrets: &secrets },
        admin_token: admin_token.as_deref(),
        identity_secret: identity_secret.as_deref(),
        kdf: &kdf::WebCryptoKdf,
        handoff: HandoffEnv { time_zone: crate::site::time_zone(), outbox: &outbox },
        model_key: model_key.as_deref(),
        shown,
        blobs: &blobs,
    };
    let response = api::handle(&edge, http, js_sys::Date::now() as u64).await;
    Answered { response, outbox: outbox.take() }
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

pub(crate) fn into_worker_response(r: HttpResponse) -> Result<Response> {
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
