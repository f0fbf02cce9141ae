//! The action runner against a scripted network: retries, timeouts, the run's deadline, redirects
//! (SSRF, downgrade, credentials across origins), token refresh, idempotency keys, redaction and
//! what the visitor may see.

use super::execute::*;
use super::render::OutboundRequest;
use super::ssrf::NetworkPolicy;
use crate::api::tests::block_on;
use shared::action::ActionDef;
use shared::template::{TemplateVar, Values};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

#[derive(Default)]
struct FakeNetwork {
    replies: RefCell<VecDeque<Result<InboundResponse, TransportError>>>,
    sent: RefCell<Vec<OutboundRequest>>,
    /// The time each send was given.
    budgets: RefCell<Vec<u32>>,
    /// How long every answer takes (3 ms unless set): one slower than its budget is a timeout.
    latency_ms: Cell<Option<f64>>,
    clock: Cell<f64>,
}

impl FakeNetwork {
    fn with(replies: Vec<Result<InboundResponse, TransportError>>) -> Self {
        Self { replies: RefCell::new(replies.into()), ..Default::default() }
    }
}

fn reply(status: u16, body: &str) -> Result<InboundResponse, TransportError> {
    Ok(InboundResponse { status, headers: vec![], body: body.as_bytes().to_vec() })
}

fn redirect(to: &str) -> Result<InboundResponse, TransportError> {
    Ok(InboundResponse { status: 302, headers: vec![("location".into(), to.into())], body: vec![] })
}

impl Network for FakeNetwork {
    async fn send(&self, request: &OutboundRequest, within_ms: u32) -> Result<InboundResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        self.budgets.borrow_mut().push(within_ms);
        let r = self.replies.borrow_mut().pop_front().expect("a scripted reply");
        let latency = self.latency_ms.get().unwrap_or(3.0);
        if r == Err(TransportError::Timeout) || latency > f64::from(within_ms) {
            self.clock.set(self.clock.get() + f64::from(within_ms));
            return Err(TransportError::Timeout);
        }
        self.clock.set(self.clock.get() + latency);
        r
    }
    async fn sleep(&self, ms: u32) {
        self.clock.set(self.clock.get() + f64::from(ms));
    }
    fn now_ms(&self) -> f64 {
        self.clock.get()
    }
}

const SECRET: &str = "sk_live_9f8e7d6c";

fn values() -> Values {
    [
        (TemplateVar::Secret("KEY".into()), SECRET.to_string()),
        (TemplateVar::Input("tx".into()), "0xabc".to_string()),
        (TemplateVar::LeadEmail, "ana@example.com".to_string()),
    ]
    .into_iter()
    .collect()
}

fn action(extra: &str) -> ActionDef {
    ActionDef::from_json(&format!(
        r#"{{"name":"Tx Status","type":"http","method":"GET","url":"https://api.example.com/tx/{{{{inputs.tx}}}}?api_key={{{{lead.email}}}}",
            "headers":{{"Authorization":"Bearer {{{{secrets.KEY}}}}"}},"inputs":[{{"name":"tx"}}]{extra}}}"#
    ))
    .unwrap()
}

fn run_with(net: &FakeNetwork, a: &ActionDef) -> ActionRun {
    let policy = NetworkPolicy {
        allowed_hosts: vec!["api.example.com".into(), "auth.example.com".into(), "mirror.example.net".into()],
        allow_http: true,
        ..Default::default()
    };
    run_with_policy(net, a, &policy)
}

fn run_with_policy(net: &FakeNetwork, a: &ActionDef, policy: &NetworkPolicy) -> ActionRun {
    let tokens = TokenCache::default();
    let ctx = RunContext { network: net, policy, tokens: &tokens, idempotency_seed: "c1:m1".into() };
    block_on(run(&ctx, a, &values()))
}

#[test]
fn ok_runs_select_fields_render_the_reply_and_redact_the_log() {
    let net = FakeNetwork::with(vec![reply(
        200,
        &format!(r#"{{"status":"confirmed","amount":0.5,"asset":"BTC","echo":"{SECRET}"}}"#),
    )]);
    let a = action(
        r#","response":{"fields":["status","amount"],"reply":"Your {{response.amount}} {{response.asset}} is {{response.status}}."}"#,
    );
    let run = run_with(&net, &a);
    assert_eq!(run.status, RunStatus::Ok);
    assert_eq!(run.data, Some(serde_json::json!({"status": "confirmed", "amount": 0.5})));
    assert_eq!(run.reply.as_deref(), Some("Your 0.5 BTC is confirmed."));
    // The secret was sent to the target…
    assert_eq!(net.sent.borrow()[0].header("authorization"), Some(&*format!("Bearer {SECRET}")));
    // …but appears nowhere in what is recorded.
    let logged = serde_json::to_string(&run).unwrap();
    assert!(!logged.contains(SECRET), "{logged}");
    assert!(logged.contains("[REDACTED]"));
    assert!(run.request.url.contains("api_key=[REDACTED]"), "{}", run.request.url);
    assert!(net.sent.borrow()[0].header("idempotency-key").is_none(), "GET carries no idempotency key");
}

#[test]
fn idempotent_methods_retry_with_backoff_and_writes_never_do() {
    let net = FakeNetwork::with(vec![reply(503, ""), Err(TransportError::Timeout), reply(200, "{}")]);
    let run = run_with(&net, &action(r#","retries":2,"timeout_ms":1000"#));
    assert_eq!((run.status, run.retries), (RunStatus::Ok, 2));
    assert_eq!(net.sent.borrow().len(), 3);
    assert!(run.duration_ms >= 1000 + 200 + 400, "{}", run.duration_ms);

    let write = ActionDef::from_json(
        r#"{"name":"Reset","type":"http","method":"POST","scope":"write","url":"https://api.example.com/reset","retries":3,"body":{"a":"b"}}"#,
    )
    .unwrap();
    let net = FakeNetwork::with(vec![reply(503, "")]);
    let run = run_with(&net, &write);
    assert_eq!((run.status, run.error_class, run.retries), (RunStatus::Failed, Some(ErrorClass::Http5xx), 0));
    let key = net.sent.borrow()[0].header("idempotency-key").unwrap().to_string();
    assert_eq!(key, idempotency_key("c1:m1", "reset"), "same trigger, same key");
}

#[test]
fn failures_are_classified_in_words_without_secrets() {
    for (reply, class) in [
        (Err(TransportError::Timeout), ErrorClass::Timeout),
        (Err(TransportError::Network(format!("refused while sending {SECRET}"))), ErrorClass::Network),
        (Err(TransportError::TooLarge), ErrorClass::TooLarge),
        (self::reply(404, "{}"), ErrorClass::Http4xx),
        (self::reply(500, "oops"), ErrorClass::Http5xx),
        (self::reply(200, "<html>"), ErrorClass::InvalidJson),
    ] {
        let net = FakeNetwork::with(vec![reply]);
        let run = run_with(&net, &action(""));
        assert_eq!((run.status, run.error_class), (RunStatus::Failed, Some(class)));
        assert!(!run.summary.is_empty() && !run.summary.contains(SECRET), "{}", run.summary);
    }
}

#[test]
fn redirects_are_checked_hop_by_hop() {
    let net = FakeNetwork::with(vec![redirect("/moved"), reply(200, "{}")]);
    let run = run_with(&net, &action(""));
    assert_eq!(run.status, RunStatus::Ok);
    assert_eq!(net.sent.borrow()[1].url, "https://api.example.com/moved");

    let net = FakeNetwork::with(vec![redirect("http://169.254.169.254/latest/meta-data")]);
    let run = run_with(&net, &action(""));
    assert_eq!((run.status, run.error_class), (RunStatus::Refused, Some(ErrorClass::Ssrf)));
    assert_eq!(net.sent.borrow().len(), 1, "the metadata address is never contacted");
}

#[test]
fn token_endpoint_is_cached_and_refreshed_once_on_401() {
    let a = ActionDef::from_json(
        r#"{"name":"T","type":"http","method":"GET","url":"https://api.example.com/x",
            "auth":{"type":"token_endpoint","url":"https://auth.example.com/token","client_id":"id","client_secret":"{{secrets.KEY}}"}}"#,
    )
    .unwrap();
    let net = FakeNetwork::with(vec![
        reply(200, r#"{"access_token":"t1","expires_in":3600}"#),
        reply(401, ""),
        reply(200, r#"{"access_token":"t2","expires_in":3600}"#),
        reply(200, r#"{"ok":true}"#),
    ]);
    let run = run_with(&net, &a);
    assert_eq!(run.status, RunStatus::Ok);
    let sent = net.sent.borrow();
    assert_eq!(sent.len(), 4);
    assert!(sent[0].body.as_deref().unwrap().contains(&format!("client_secret={SECRET}")));
    assert_eq!(sent[3].header("authorization"), Some("Bearer t2"));
    assert!(!serde_json::to_string(&run).unwrap().contains(SECRET));
}

#[test]
fn refused_before_sending_when_a_value_is_missing() {
    let mut v = values();
    v.remove(&TemplateVar::Input("tx".into()));
    let net = FakeNetwork::default();
    let policy = NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], ..Default::default() };
    let tokens = TokenCache::default();
    let ctx = RunContext { network: &net, policy: &policy, tokens: &tokens, idempotency_seed: "s".into() };
    let run = block_on(run(&ctx, &action(""), &v));
    assert_eq!((run.status, run.error_class), (RunStatus::Refused, Some(ErrorClass::Template)));
    assert!(net.sent.borrow().is_empty());
}

#[test]
fn a_2xx_that_fails_success_when_is_a_failed_run_and_non_json_fails_closed() {
    let a = action(r#","response":{"success_when":{"path":"verified","equals":true},"reply":"Verified."}"#);
    for (body, why) in [
        (r#"{"verified": false}"#, "success_when failed: verified equals true"),
        (r#"{"valid": true}"#, "success_when failed: verified equals true"),
        ("OK", "not JSON"),
        ("", "not JSON"),
    ] {
        let net = FakeNetwork::with(vec![reply(200, body)]);
        let run = run_with(&net, &a);
        assert_eq!((run.status, run.error_class), (RunStatus::Failed, Some(ErrorClass::ConditionFailed)), "{body}");
        assert!(run.summary.contains(why), "{body}: {}", run.summary);
        assert!(run.reply.is_none() && run.data.is_none(), "nothing of a failed run is shown as a result");
    }
    let net = FakeNetwork::with(vec![reply(200, r#"{"verified": true}"#)]);
    let run = run_with(&net, &a);
    assert_eq!(run.status, RunStatus::Ok);
    assert_eq!(run.reply.as_deref(), Some("Verified."));
}

#[test]
fn visitors_get_a_reason_by_class_that_names_no_host_status_or_secret() {
    let cases = [
        (Err(TransportError::Timeout), "the service did not answer in time"),
        (
            Err(TransportError::Network("connect to api.example.com:443 refused".into())),
            "the service could not be reached",
        ),
        (Err(TransportError::TooLarge), "the service sent an answer that was too large"),
        (reply(404, "{}"), "the service could not process the request"),
        (reply(503, "{}"), "the service is unavailable right now"),
        (redirect("http://169.254.169.254/latest/meta-data"), "this is not set up correctly on our side"),
    ];
    for (answer, expected) in cases {
        let net = FakeNetwork::with(vec![answer]);
        let run = run_with(&net, &action(r#","timeout_ms":1500"#));
        let reason = run.visitor_reason();
        assert_eq!(reason, expected, "summary was: {}", run.summary);
        for leak in ["api.example.com", "169.254", "/tx", "1500", "404", "503", "KEY", SECRET] {
            assert!(!reason.contains(leak), "{reason}");
        }
    }
}

#[test]
fn a_run_ends_within_its_deadline_across_retries_redirects_and_slow_bodies() {
    // Before: 4 attempts × (the whole 30 s timeout) + backoff ≈ 121 s.
    let net = FakeNetwork::with(vec![Err(TransportError::Timeout); 4]);
    let run = run_with(&net, &action(r#","retries":3,"timeout_ms":30000"#));
    assert_eq!(run.error_class, Some(ErrorClass::Timeout));
    assert!(run.duration_ms <= RUN_DEADLINE_MS, "{} ms", run.duration_ms);
    assert!(net.budgets.borrow().iter().all(|b| *b <= MAX_TIMEOUT_MS));

    // Before: every redirect hop had the full timeout again (4 hops × 10 s here).
    let net = FakeNetwork::with(vec![redirect("/a"), redirect("/b"), redirect("/c"), reply(200, "{}")]);
    net.latency_ms.set(Some(9_000.0));
    let run = run_with(&net, &action(r#","timeout_ms":10000"#));
    assert_eq!((run.status, run.error_class), (RunStatus::Failed, Some(ErrorClass::Timeout)));
    assert!(run.duration_ms <= RUN_DEADLINE_MS, "{} ms", run.duration_ms);
    assert!(run.summary.contains("deadline"), "{}", run.summary);
    assert_eq!(*net.budgets.borrow(), vec![10_000, 10_000, 10_000, 3_000], "the last hop gets what is left");

    // A timeout is handed to the network as the time for the whole exchange, body included.
    let net = FakeNetwork::with(vec![reply(200, "{}")]);
    net.latency_ms.set(Some(1_600.0));
    let run = run_with(&net, &action(r#","timeout_ms":1500"#));
    assert_eq!(run.error_class, Some(ErrorClass::Timeout));
    assert_eq!(*net.budgets.borrow(), vec![1_500]);
}

#[test]
fn redirects_to_another_origin_drop_credentials_and_never_go_to_http() {
    let a = ActionDef::from_json(
        r#"{"name":"K","type":"http","method":"GET","url":"https://api.example.com/x",
            "headers":{"Accept":"application/json","X-Api-Key":"{{secrets.KEY}}","X-Echo":"sk {{secrets.KEY}}"},
            "auth":{"type":"bearer","token":"{{secrets.KEY}}"}}"#,
    )
    .unwrap();
    // Same origin: the credentials go along.
    let net = FakeNetwork::with(vec![redirect("/y"), reply(200, "{}")]);
    assert_eq!(run_with(&net, &a).status, RunStatus::Ok);
    assert_eq!(net.sent.borrow()[1].header("authorization"), Some(&*format!("Bearer {SECRET}")));
    // Another host gets none of them; `:443` written out is still https's own port, the same origin.
    // (Another port is not allowed at all: an allowlist entry without a port admits the default only.)
    for target in ["https://mirror.example.net/y", "https://api.example.com:443/y?"] {
        let net = FakeNetwork::with(vec![redirect(target), reply(200, "{}")]);
        assert_eq!(run_with(&net, &a).status, RunStatus::Ok);
        let sent = net.sent.borrow();
        if target.contains("mirror") {
            assert_eq!(sent[1].headers, vec![("Accept".to_string(), "application/json".to_string())], "{target}");
        } else {
            assert!(sent[1].header("authorization").is_some(), "443 is https's own port: same origin");
        }
    }
    // https → http: refused, even with allow_http, and never contacted.
    let net = FakeNetwork::with(vec![redirect("http://api.example.com/y")]);
    let run = run_with(&net, &a);
    assert_eq!((run.status, run.error_class), (RunStatus::Refused, Some(ErrorClass::Ssrf)));
    assert!(run.summary.contains("https to http"), "{}", run.summary);
    assert_eq!(net.sent.borrow().len(), 1);
}

#[test]
fn echoed_credentials_reach_neither_the_log_nor_the_visitor() {
    // An API that echoes what it received (as httpbin and many debug endpoints do).
    let basic = super::render::base64(format!("ana:{SECRET}").as_bytes());
    let echo = format!(
        r#"{{"status":"ok","headers":{{"Authorization":"Bearer {SECRET}"}},"token":"t","seen_auth":"Basic {basic}",
            "url":"https://api.example.com/x?k={}","note":"{}"}}"#,
        SECRET.replace('_', "%5F"),
        SECRET.bytes().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let a = ActionDef::from_json(
        r#"{"name":"Echo","type":"http","method":"GET","url":"https://api.example.com/x",
            "auth":{"type":"basic","username":"ana","password":"{{secrets.KEY}}"}}"#,
    )
    .unwrap();
    let net = FakeNetwork::with(vec![reply(200, &echo)]);
    let run = run_with(&net, &a);
    assert_eq!(run.status, RunStatus::Ok);
    let everything = serde_json::to_string(&run).unwrap();
    for leak in [SECRET, &basic, "sk%5Flive", "736b5f6c697665"] {
        assert!(!everything.contains(leak), "{leak} in {everything}");
    }
    // No `response.fields`: the visitor's data has no credential-named field at all.
    let data = run.data.unwrap();
    assert!(data.get("headers").is_some_and(|h| h.as_object().unwrap().is_empty()), "{data}");
    assert!(data.get("token").is_none() && data.get("seen_auth").is_none(), "{data}");
    assert_eq!(data["status"], "ok");
}

#[test]
fn an_oauth_token_from_the_token_endpoint_is_redacted_too() {
    let a = ActionDef::from_json(
        r#"{"name":"T","type":"http","method":"GET","url":"https://api.example.com/x",
            "auth":{"type":"token_endpoint","url":"https://auth.example.com/token","client_id":"id","client_secret":"{{secrets.KEY}}"},
            "response":{"fields":["who"],"reply":"Hello {{response.who}}"}}"#,
    )
    .unwrap();
    let token = "eyJhbGciOiJIUzI1NiJ9.oauth-access-token-4711";
    let net = FakeNetwork::with(vec![
        reply(200, &format!(r#"{{"access_token":"{token}","expires_in":3600}}"#)),
        reply(200, &format!(r#"{{"who":"you (Bearer {token})"}}"#)),
    ]);
    let run = run_with(&net, &a);
    // The reply is Markdown: the API's text is escaped in it (it reads "Hello you ([REDACTED])").
    assert_eq!(run.reply.as_deref(), Some(r"Hello you (\[REDACTED\])"));
    let everything = serde_json::to_string(&run).unwrap();
    assert!(!everything.contains(token) && !everything.contains("oauth-access-token"), "{everything}");
}
