//! Running an action: the request (with auth, idempotency key and SSRF checks on every hop), a
//! timeout per attempt that covers the whole response, one deadline for the whole run, retries
//! with backoff for idempotent methods only, a response size cap, and one [`ActionRun`] that says
//! what happened — in words for the log and the owner (`summary`), in words safe for the visitor
//! ([`ActionRun::visitor_reason`]) — with every credential redacted.
//!
//! Time bounds: one attempt (connect, headers and body) takes at most the action's `timeout_ms`
//! (default [`DEFAULT_TIMEOUT_MS`], at most [`MAX_TIMEOUT_MS`]); one run — token endpoint, every
//! attempt, redirect hop and backoff — ends within [`RUN_DEADLINE_MS`]. Before these bounds a run
//! could take 4 attempts × 4 hops × 30 s = 8 minutes, with bodies read without any limit.

use super::redact::{
    is_sensitive_name, mask_sensitive, redact_headers, redact_json, redact_url, without_credential_keys, Credentials,
};
use super::render::{build_request, OutboundRequest, RenderError};
use super::ssrf::NetworkPolicy;
use sha2::{Digest, Sha256};
use shared::action::{ActionDef, AuthDef};
use shared::template::{Encoding, Template, TemplateVar, Values};

/// Largest response body read from an action target.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Longest response body kept in a log entry.
const LOGGED_BODY_CHARS: usize = 4096;
/// Default per-attempt timeout (the whole response, body included).
pub const DEFAULT_TIMEOUT_MS: u32 = 5000;
/// Longest per-attempt timeout an action may set.
pub const MAX_TIMEOUT_MS: u32 = 30_000;
/// Longest one run may take: token endpoint, every attempt, redirect hop and backoff together.
pub const RUN_DEADLINE_MS: u32 = 30_000;
/// Shortest time worth starting a request with; with less left, the run stops.
pub(super) const MIN_ATTEMPT_MS: u32 = 100;
/// Redirect hops followed (each checked like the first URL).
const MAX_REDIRECTS: usize = 3;

pub use super::network::{InboundResponse, Network, TransportError};

// The logged run lives in the leaf `crate::action_run` (the store names it too); re-exported
// here, where runs are made.
pub use crate::action_run::{ActionRun, ErrorClass, LoggedRequest, RunStatus};

pub use super::token_endpoint::TokenCache;

/// What a run needs besides the action and values.
pub struct RunContext<'a, N> {
    /// The outside world.
    pub network: &'a N,
    /// Where actions may call.
    pub policy: &'a NetworkPolicy,
    /// Token-endpoint tokens.
    pub tokens: &'a TokenCache,
    /// Seeds the Idempotency-Key of non-GET calls: conversation and triggering message
    /// (or the test endpoint's own id), so a retry of the same trigger reuses the key.
    pub idempotency_seed: String,
}

/// The `Idempotency-Key` for a trigger and an action.
pub fn idempotency_key(seed: &str, action_slug: &str) -> String {
    let digest = Sha256::digest(format!("{seed}:{action_slug}").as_bytes());
    crate::token::hex(&digest[..16])
}

/// When a run must end, in [`Network::now_ms`] time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadline(f64);

impl Deadline {
    /// The time for one exchange: its own timeout, or what is left of the run if that is less.
    pub(super) fn budget<N: Network>(self, network: &N, timeout_ms: u32) -> Result<u32, Failure> {
        let left = (self.0 - network.now_ms()).max(0.0) as u32;
        if left < MIN_ATTEMPT_MS {
            return Err((ErrorClass::Timeout, format!("the run used up its {RUN_DEADLINE_MS} ms deadline")));
        }
        Ok(timeout_ms.min(left))
    }

    fn left_ms<N: Network>(self, network: &N) -> f64 {
        self.0 - network.now_ms()
    }
}

/// Runs an action with the given values (fixed variables, inputs and secrets).
pub async fn run<N: Network>(ctx: &RunContext<'_, N>, action: &ActionDef, values: &Values) -> ActionRun {
    let started = ctx.network.now_ms();
    let deadline = Deadline(started + f64::from(RUN_DEADLINE_MS));
    let mut credentials =
        Credentials::new(values.iter().filter(|(k, _)| matches!(k, TemplateVar::Secret(_))).map(|(_, v)| v));
    let mut run = ActionRun::not_sent(action.slug.to_string(), RunStatus::Failed, None, String::new());
    let result = attempt_all(ctx, action, values, deadline, &mut credentials, &mut run).await;
    match result {
        Ok(response) => finish_ok(action, &response, &credentials, &mut run),
        Err((class, summary)) => {
            run.status = if matches!(class, ErrorClass::Ssrf | ErrorClass::Template | ErrorClass::Guard) {
                RunStatus::Refused
            } else {
                RunStatus::Failed
            };
            run.error_class = Some(class);
            run.summary = credentials.redact(&summary);
        }
    }
    run.duration_ms = (ctx.network.now_ms() - started).max(0.0) as u32;
    run
}

/// Why a run stopped: its class, and words for the log.
pub(super) type Failure = (ErrorClass, String);

async fn attempt_all<N: Network>(
    ctx: &RunContext<'_, N>,
    action: &ActionDef,
    values: &Values,
    deadline: Deadline,
    credentials: &mut Credentials,
    run: &mut ActionRun,
) -> Result<InboundResponse, Failure> {
    let http =
        action.http().ok_or((ErrorClass::Template, format!("action '{}' is not an http action", action.name)))?;
    let method = http.method;
    let timeout = http.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).clamp(MIN_ATTEMPT_MS, MAX_TIMEOUT_MS);
    let max_retries = if method.is_idempotent() { u32::from(http.retries.unwrap_or(0).min(3)) } else { 0 };
    let mut refreshed_token = false;
    let mut attempt = 0;
    loop {
        let token = match &http.auth {
            Some(AuthDef::TokenEndpoint { .. }) => {
                let token = super::token_endpoint::fetch_token(ctx, action, values, deadline, refreshed_token).await?;
                credentials.add(&token);
                Some(token)
            }
            _ => None,
        };
        let mut request = build_request(action, values, ctx.policy, token.as_deref()).map_err(render_failure)?;
        if method.as_str() != "GET" {
            request.headers.push(("Idempotency-Key".into(), idempotency_key(&ctx.idempotency_seed, &action.slug)));
        }
        credentials.learn_request(&request.url, &request.headers);
        run.request = log_request(&request, credentials);
        let outcome = send_following_redirects(ctx, request, timeout, deadline, credentials, run).await;
        let retryable = match &outcome {
            Ok(r) if r.status == 401 && token.is_some() && !refreshed_token => {
                // A cached token may have expired early: refresh once and try again.
                refreshed_token = true;
                continue;
            }
            Ok(r) => r.status >= 500,
            Err((class, _)) => matches!(class, ErrorClass::Timeout | ErrorClass::Network),
        };
        let backoff = 200 * (1 << attempt);
        let time_left = deadline.left_ms(ctx.network) >= f64::from(backoff + MIN_ATTEMPT_MS);
        if retryable && attempt < max_retries && time_left {
            attempt += 1;
            run.retries = attempt;
            ctx.network.sleep(backoff).await;
            continue;
        }
        return outcome;
    }
}

fn render_failure(e: RenderError) -> Failure {
    match e {
        RenderError::Ssrf(s) => (ErrorClass::Ssrf, s.to_string()),
        other => (ErrorClass::Template, other.to_string()),
    }
}

async fn send_following_redirects<N: Network>(
    ctx: &RunContext<'_, N>,
    mut request: OutboundRequest,
    timeout: u32,
    deadline: Deadline,
    credentials: &Credentials,
    run: &mut ActionRun,
) -> Result<InboundResponse, Failure> {
    for hop in 0..=MAX_REDIRECTS {
        let within = deadline.budget(ctx.network, timeout)?;
        let response = ctx.network.send(&request, within).await.map_err(|e| match e {
            TransportError::Timeout if within < timeout => (
                ErrorClass::Timeout,
                format!("the action target did not answer within the run's {RUN_DEADLINE_MS} ms deadline"),
            ),
            TransportError::Timeout => {
                (ErrorClass::Timeout, format!("the action target did not answer within {timeout} ms"))
            }
            TransportError::Network(why) => {
                (ErrorClass::Network, format!("could not connect to the action target: {}", credentials.redact(&why)))
            }
            TransportError::TooLarge => {
                (ErrorClass::TooLarge, format!("the response is larger than {} KiB", MAX_RESPONSE_BYTES / 1024))
            }
        })?;
        run.response_status = Some(response.status);
        run.response_body = Some(log_body(&response.body, credentials));
        let location = response.headers.iter().find(|(n, _)| n == "location").map(|(_, v)| v.clone());
        match (response.status, location) {
            (301 | 302 | 303 | 307 | 308, Some(location)) => {
                if request.method != "GET" {
                    return Err((
                        ErrorClass::Http4xx,
                        "the action target redirected a write; redirects are followed only for GET".into(),
                    ));
                }
                if hop == MAX_REDIRECTS {
                    return Err((ErrorClass::Network, format!("more than {MAX_REDIRECTS} redirects")));
                }
                let from = url::Url::parse(&request.url)
                    .map_err(|_| (ErrorClass::Network, "the request URL is not a URL".to_string()))?;
                // Each hop passes the same SSRF check as the first URL, and never goes https → http.
                let next = ctx.policy.check_redirect(&from, &location).map_err(|e| {
                    (ErrorClass::Ssrf, format!("redirect refused: {}", credentials.redact(&e.to_string())))
                })?;
                if next.origin() != from.origin() {
                    // Credentials are for the origin the owner configured, not wherever it points.
                    request
                        .headers
                        .retain(|(name, value)| !is_sensitive_name(name) && credentials.redact(value) == *value);
                }
                request.url = next.to_string();
                run.request = log_request(&request, credentials);
            }
            _ => return Ok(response),
        }
    }
    unreachable!("the loop returns on its last hop")
}

fn finish_ok(action: &ActionDef, response: &InboundResponse, credentials: &Credentials, run: &mut ActionRun) {
    if !(200..300).contains(&response.status) {
        let class = if response.status >= 500 { ErrorClass::Http5xx } else { ErrorClass::Http4xx };
        run.status = RunStatus::Failed;
        run.error_class = Some(class);
        run.summary = format!("the action target answered HTTP {}", response.status);
        return;
    }
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    // A success condition fails closed: an empty or non-JSON body never meets it.
    let response_def = action.http().map(|h| &h.response);
    if let Some(when) = response_def.and_then(|r| r.success_when.as_ref()) {
        if !when.holds(parsed.as_ref()) {
            run.status = RunStatus::Failed;
            run.error_class = Some(ErrorClass::ConditionFailed);
            run.summary = format!("HTTP {}, but {}", response.status, when.describe_failure(parsed.as_ref()));
            return;
        }
    }
    let json: serde_json::Value = if response.body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        match parsed {
            Some(v) => v,
            None => {
                run.status = RunStatus::Failed;
                run.error_class = Some(ErrorClass::InvalidJson);
                run.summary = "the action target answered with something that is not JSON".into();
                return;
            }
        }
    };
    // Read on the whole response, before fields are selected (the field tested need not be shown).
    run.handoff = response_def.and_then(|r| r.handoff_when.as_ref()).is_some_and(|w| w.holds(Some(&json)));
    let json = redact_json(&json, credentials);
    let fields = response_def.map(|r| r.fields.as_slice()).unwrap_or_default();
    let data = if fields.is_empty() {
        // Nothing selected: everything but credential-named fields (an API may echo its key).
        without_credential_keys(&json)
    } else {
        serde_json::Value::Object(
            fields.iter().filter_map(|f| shared::condition::lookup(&json, f).map(|v| (f.clone(), v.clone()))).collect(),
        )
    };
    run.reply = response_def.and_then(|r| r.reply.as_deref()).and_then(|reply| render_reply(reply, &json));
    run.status = RunStatus::Ok;
    run.summary = format!("'{}' succeeded (HTTP {})", action.name, response.status);
    run.data = Some(data);
}

/// The reply template with `{{response.PATH}}` filled from the response; `None` if a field is absent.
pub fn render_reply(reply: &str, response: &serde_json::Value) -> Option<String> {
    let template = Template::parse(reply).ok()?;
    let mut values = Values::new();
    for var in template.variables() {
        if let TemplateVar::Response(path) = var {
            let text = match shared::condition::lookup(response, path)? {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            // The API's words are data: an echoed "[click](https://…)" must not become a link.
            let text = shared::markdown::escape(&text);
            values.insert(var.clone(), text);
        }
    }
    template.render(&values, Encoding::Raw).ok().map(|s| mask_sensitive(&s))
}

fn log_request(request: &OutboundRequest, credentials: &Credentials) -> LoggedRequest {
    LoggedRequest {
        method: request.method.clone(),
        url: redact_url(&request.url, credentials),
        headers: redact_headers(&request.headers, credentials),
        body: request.body.as_deref().map(|b| match serde_json::from_str::<serde_json::Value>(b) {
            Ok(json) => redact_json(&json, credentials).to_string(),
            Err(_) => redact_url(&format!("?{b}"), credentials).trim_start_matches('?').to_string(),
        }),
    }
}

fn log_body(body: &[u8], credentials: &Credentials) -> String {
    let text = String::from_utf8_lossy(body);
    let text = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(json) => redact_json(&json, credentials).to_string(),
        Err(_) => mask_sensitive(&credentials.redact(&text)),
    };
    text.chars().take(LOGGED_BODY_CHARS).collect()
}
