//! The action runner against a scripted network: retries, timeouts, redirects, token refresh,
//! idempotency keys and redaction.

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
    async fn send(&self, request: &OutboundRequest, timeout_ms: u32) -> Result<InboundResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        let r = self.replies.borrow_mut().pop_front().expect("a scripted reply");
        self.clock.set(self.clock.get() + if r == Err(TransportError::Timeout) { f64::from(timeout_ms) } else { 3.0 });
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
        allowed_hosts: vec!["api.example.com".into(), "auth.example.com".into()],
        allow_private_addresses: vec![],
    };
    let tokens = TokenCache::default();
    let ctx = RunContext { network: net, policy: &policy, tokens: &tokens, idempotency_seed: "c1:m1".into() };
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
    let policy = NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], allow_private_addresses: vec![] };
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
