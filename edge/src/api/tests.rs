//! The visitor API end to end, through the Worker and the conversations' objects on SQLite
//! (`test_world`): the contract other clients rely on.

pub(crate) use super::test_world::World;
use super::*;
use crate::actions::execute::{InboundResponse, Network, TransportError};
use crate::actions::render::OutboundRequest;
use crate::store::ConversationStore;
use serde_json::{json, Value};
use shared::ConversationId;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits (SQLite and the builtin engine are synchronous).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("future waited on something a native test cannot provide"),
    }
}

/// A small site; its per-address limit is raised because every test visitor comes from one address
/// (the limits have their own tests in `tests_verification`).
pub fn site() -> SiteBundle {
    let agent = "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi, I'm Nova.\"\nallowed_origins = [\"https://shop.example\"]\n[answering]\nfallback = \"I don't know that.\"\n[limits]\nconversations_per_ip_per_hour = 100000\n[actions]\nallowed_hosts = [\"api.example.com\"]\nsecrets = [\"API_KEY\"]";
    let fees = "+++\ntitle = \"Fees\"\nurl = \"/fees\"\n+++\n## Withdrawal fees\n- Bitcoin: 0.0002 BTC";
    let action = r#"{"name":"Tx Status","type":"http","method":"GET","url":"https://api.example.com/tx/{{inputs.tx}}",
        "headers":{"Authorization":"Bearer {{secrets.API_KEY}}"},"inputs":[{"name":"tx","format":"tx_hash"}],
        "response":{"reply":"It is {{response.status}}."}}"#;
    SiteBundle::from_dir_files(
        agent,
        &[("knowledge/fees.md".into(), fees.into())],
        &[("actions/tx.json".into(), action.into())],
    )
    .unwrap()
}

/// How a scripted owner API answers a request: status and body.
pub type Responder = Box<dyn Fn(&OutboundRequest) -> (u16, String)>;

/// A network where every action target answers `200 {"ok": true}` (or what the responder says)
/// and records the request. A responder's status 0 stands for no answer in time. Its clock stands
/// still unless each exchange is given a cost in ms (the third field: a slow target).
#[derive(Default)]
pub struct EchoNetwork(
    pub std::cell::RefCell<Vec<OutboundRequest>>,
    pub std::cell::RefCell<Option<Responder>>,
    pub std::cell::RefCell<f64>,
    std::cell::Cell<f64>,
);

impl Network for EchoNetwork {
    async fn send(&self, request: &OutboundRequest, _timeout_ms: u32) -> Result<InboundResponse, TransportError> {
        self.0.borrow_mut().push(request.clone());
        self.3.set(self.3.get() + *self.2.borrow());
        if let Some(answer) = self.1.borrow().as_ref() {
            let (status, body) = answer(request);
            if status == 0 {
                return Err(TransportError::Timeout);
            }
            return Ok(InboundResponse { status, headers: vec![], body: body.into_bytes() });
        }
        Ok(InboundResponse { status: 200, headers: vec![], body: br#"{"ok":true,"status":"confirmed"}"#.to_vec() })
    }
    async fn sleep(&self, _ms: u32) {}
    fn now_ms(&self) -> f64 {
        self.3.get()
    }
}

pub(crate) const ADMIN: &str = "admin-token-for-tests";
/// The model's API key (the `[llm] api_key` secret) in the test world.
pub(crate) const MODEL_KEY: &str = "model-key-never-shown";
/// The clock of [`World::call`].
pub(crate) const NOW_MS: u64 = 1_795_478_400_000;
/// The identity secret the test edge checks signatures with.
pub(crate) const IDENTITY_SECRET: &str = "identity-secret";

/// The `user_hash` the owner's server would send with `user_id`.
pub(crate) fn user_hash(user_id: &str) -> String {
    crate::identity::hmac_sha256(IDENTITY_SECRET.as_bytes(), user_id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn messages_path(id: &str) -> String {
    format!("/api/v1/conversations/{id}/messages")
}

#[test]
fn create_returns_id_token_and_greeting() {
    let w = World::new();
    let (status, v) = w.call(
        "POST",
        "/api/v1/conversations",
        None,
        r#"{"user_id":"u7","lead":{"email":"ana@example.com","name":"Ana"}}"#,
    );
    assert_eq!(status, 201);
    assert!(v["token"].as_str().unwrap().len() >= 43);
    assert_eq!(v["messages"][0]["author"], "bot");
    assert_eq!(v["messages"][0]["text"], "Hi, I'm Nova.");
    assert_eq!(v["messages"][0]["created_at"], "2026-11-24T00:00:00.000Z");
}

#[test]
fn post_stores_the_message_then_answers_with_a_source() {
    let w = World::new();
    let (id, token) = w.start();
    let (status, v) = w.call(
        "POST",
        &messages_path(&id),
        Some(&token),
        r#"{"text":"what are the withdrawal fees for bitcoin?","client_message_id":"k1"}"#,
    );
    assert_eq!(status, 200, "{v}");
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs[0]["author"], "visitor");
    assert_eq!(msgs[0]["client_message_id"], "k1");
    assert_eq!(msgs[1]["author"], "bot");
    assert!(msgs[1]["text"].as_str().unwrap().contains("0.0002 BTC"));
    assert_eq!(msgs[1]["sources"][0]["url"], "/fees#withdrawal-fees");

    let (status, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert_eq!(status, 200);
    assert_eq!(history["messages"].as_array().unwrap().len(), 3, "greeting, question, answer");
}

#[test]
fn a_retry_with_the_same_client_id_creates_nothing_new() {
    let w = World::new();
    let (id, token) = w.start();
    let body = r#"{"text":"what are the withdrawal fees for bitcoin?","client_message_id":"same"}"#;
    let (_, first) = w.call("POST", &messages_path(&id), Some(&token), body);
    let count = w.message_count();
    let (status, second) = w.call("POST", &messages_path(&id), Some(&token), body);
    assert_eq!(status, 200);
    assert_eq!(first, second);
    assert_eq!(w.message_count(), count);
}

#[test]
fn only_the_token_holder_reads_or_writes() {
    let w = World::new();
    let (id, _token) = w.start();
    let (_, other_token) = w.start();
    let (status, v) = w.call("GET", &messages_path(&id), None, "");
    assert_eq!((status, v["error"]["code"].as_str()), (401, Some("missing_token")));
    let (status, v) = w.call("GET", &messages_path(&id), Some(&other_token), "");
    assert_eq!((status, v["error"]["code"].as_str()), (403, Some("invalid_token")));
    let (status, _) =
        w.call("POST", &messages_path(&id), Some(&other_token), r#"{"text":"hi","client_message_id":"x"}"#);
    assert_eq!(status, 403);
    let (status, v) = w.call("GET", &messages_path("cUnknown"), Some(&other_token), "");
    assert_eq!((status, v["error"]["code"].as_str()), (404, Some("conversation_not_found")));
}

#[test]
fn bad_bodies_get_clear_errors_and_store_nothing() {
    let w = World::new();
    let (id, token) = w.start();
    let before = w.message_count();
    let cases = [
        ("{not json", 400, "malformed_json", None),
        (r#"{"client_message_id":"a"}"#, 400, "invalid_field", None),
        (r#"{"text":"   ","client_message_id":"a"}"#, 400, "invalid_field", Some("text")),
        (r#"{"text":"hi","client_message_id":"has space"}"#, 400, "invalid_field", Some("client_message_id")),
    ];
    for (body, status, code, field) in cases {
        let (s, v) = w.call("POST", &messages_path(&id), Some(&token), body);
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{body}");
        assert_eq!(v["error"]["field"].as_str(), field, "{body}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    let long = json!({"text": "a".repeat(4001), "client_message_id": "b"}).to_string();
    assert_eq!(w.call("POST", &messages_path(&id), Some(&token), &long).0, 400);
    let huge = json!({"text": "a".repeat(MAX_BODY_BYTES), "client_message_id": "c"}).to_string();
    let (s, v) = w.call("POST", &messages_path(&id), Some(&token), &huge);
    assert_eq!((s, v["error"]["code"].as_str()), (413, Some("payload_too_large")));
    assert_eq!(w.message_count(), before);
}

#[test]
fn create_validates_the_lead() {
    let w = World::new();
    let (s, v) = w.call("POST", "/api/v1/conversations", None, r#"{"lead":{"email":"nope"}}"#);
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("lead.email")));
    let (s, _) = w.call("POST", "/api/v1/conversations", None, r#"{"lead":{"phone":"1"}}"#);
    assert_eq!(s, 400);
}

#[test]
fn the_public_site_config_names_the_origins_that_may_embed_the_chat() {
    let w = World::new();
    let (status, v) = w.call("GET", "/api/v1/site", None, "");
    assert_eq!(status, 200);
    assert_eq!(v["allowed_origins"], json!(["https://shop.example"]));
}

#[test]
fn cors_only_for_allowed_origins() {
    let w = World::new();
    let req = |origin: &str| HttpRequest {
        method: "OPTIONS".into(),
        path: "/api/v1/conversations".into(),
        query: String::new(),
        headers: vec![("origin".into(), origin.into())],
        body: vec![],
    };
    let ok = w.respond(&req("https://shop.example"));
    assert_eq!(ok.header("access-control-allow-origin"), Some("https://shop.example"));
    let denied = w.respond(&req("https://evil.example"));
    assert_eq!(denied.header("access-control-allow-origin"), None);
}

fn admin_call(w: &World, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    w.call(method, path, token, body)
}

#[test]
fn admin_api_needs_the_admin_token() {
    let w = World::new();
    assert_eq!(admin_call(&w, "GET", "/api/v1/admin/actions", None, "").0, 401);
    let (_, visitor_token) = w.start();
    assert_eq!(admin_call(&w, "GET", "/api/v1/admin/actions", Some(&visitor_token), "").0, 403);
    let (status, v) = admin_call(&w, "GET", "/api/v1/admin/actions", Some(ADMIN), "");
    assert_eq!(status, 200);
    assert_eq!(v["actions"][0]["slug"], "tx-status");
    assert_eq!(v["actions"][0]["secrets"], json!(["API_KEY"]));
    assert!(!v.to_string().contains("sk_test_abcdef"), "secret values never leave the edge");
}

#[test]
fn test_endpoint_runs_logs_and_redacts() {
    let w = World::new();
    let tx = format!("0x{}", "ab".repeat(32));
    let body = json!({"variables": {"inputs.tx": tx}}).to_string();
    let (status, v) = admin_call(&w, "POST", "/api/v1/admin/actions/tx-status/test", Some(ADMIN), &body);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["run"]["status"], "ok");
    assert_eq!(v["run"]["reply"], "It is confirmed.");
    assert_eq!(v["request"]["url"], format!("https://api.example.com/tx/{tx}"));
    assert!(!v.to_string().contains("sk_test_abcdef"));
    // The target did get the secret.
    assert_eq!(w.network.0.borrow()[0].header("authorization"), Some("Bearer sk_test_abcdef"));

    let (status, logs) = admin_call(&w, "GET", "/api/v1/admin/actions/tx-status/logs?limit=10", Some(ADMIN), "");
    assert_eq!(status, 200);
    assert_eq!(logs["logs"][0]["test"], true);
    assert_eq!(logs["logs"][0]["status"], "ok");
    assert!(!logs.to_string().contains("sk_test_abcdef"));
}

#[test]
fn test_endpoint_validates_inputs_and_refuses_passed_in_secrets() {
    let w = World::new();
    let path = "/api/v1/admin/actions/tx-status/test";
    let (s, v) = admin_call(&w, "POST", path, Some(ADMIN), r#"{"variables":{"inputs.tx":"nope"}}"#);
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("variables.inputs.tx")));
    let (s, v) = admin_call(&w, "POST", path, Some(ADMIN), r#"{"variables":{"secrets.API_KEY":"x"}}"#);
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("variables.secrets.API_KEY")));
    let (s, v) = admin_call(&w, "POST", path, Some(ADMIN), r#"{"variables":{"lead.phone":"1"}}"#);
    assert_eq!(s, 400, "{v}");
    let (s, v) = admin_call(&w, "POST", "/api/v1/admin/actions/nope/test", Some(ADMIN), "{}");
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("action_not_found")));
    assert!(w.network.0.borrow().is_empty(), "nothing was sent");
}

#[test]
fn a_message_carrying_a_hash_runs_the_action_and_says_so() {
    let w = World::new();
    let (id, token) = w.start();
    let tx = format!("0x{}", "cd".repeat(32));
    let body = json!({"text": format!("where is my deposit {tx}?"), "client_message_id": "a1"}).to_string();
    let (status, v) = w.call("POST", &messages_path(&id), Some(&token), &body);
    assert_eq!(status, 200, "{v}");
    let reply = &v["messages"][1];
    assert_eq!(reply["text"], "It is confirmed.");
    assert_eq!(reply["action"], json!({"name": "Tx Status", "status": "ok"}));
    assert_eq!(w.network.0.borrow()[0].url, format!("https://api.example.com/tx/{tx}"));
    // Logged as a conversation run, injected into the conversation.
    let (_, logs) = w.call("GET", "/api/v1/admin/actions/tx-status/logs", Some(ADMIN), "");
    assert_eq!(logs["logs"][0]["conversation_id"], id.as_str());
    assert_eq!(logs["logs"][0]["injected"], true);
    // A retry of the same message neither calls the target again nor adds replies.
    let (_, again) = w.call("POST", &messages_path(&id), Some(&token), &body);
    assert_eq!(again, v);
    assert_eq!(w.network.0.borrow().len(), 1);
}

#[test]
fn card_numbers_are_masked_in_the_stored_transcript() {
    let w = World::new();
    let (id, token) = w.start();
    let body = json!({"text": "my card 4111 1111 1111 1111 was charged twice", "client_message_id": "c1"}).to_string();
    let (_, v) = w.call("POST", &messages_path(&id), Some(&token), &body);
    assert_eq!(v["messages"][0]["text"], "my card [card ••••1111] was charged twice");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert!(!history.to_string().contains("4111 1111"));
}

#[test]
fn identity_is_verified_only_with_the_owners_hash() {
    let w = World::new();
    let hash: String =
        crate::identity::hmac_sha256(b"identity-secret", b"u-42").iter().map(|b| format!("{b:02x}")).collect();
    let create = |body: Value| {
        let (status, v) = w.call("POST", "/api/v1/conversations", None, &body.to_string());
        assert_eq!(status, 201, "{v}");
        let id = ConversationId::parse(v["conversation_id"].as_str().unwrap()).unwrap();
        block_on(w.store().conversation(&id)).unwrap().unwrap()
    };
    assert!(create(json!({"user_id": "u-42", "user_hash": hash})).identity_verified(NOW_MS));
    assert!(!create(json!({"user_id": "u-43", "user_hash": hash})).identity_verified(NOW_MS));
    assert!(!create(json!({"user_id": "u-42"})).identity_verified(NOW_MS));
    // With IDENTITY_SECRET set, a user id the owner did not sign is not kept: actions keyed on
    // `{{conversation.user_id}}` would otherwise take anyone's word for it.
    assert_eq!(create(json!({"user_id": "u-42"})).user_id, None);
    assert_eq!(create(json!({"user_id": "u-42", "user_hash": "00ff"})).user_id, None);

    // Both forms are HMACs under one secret: a user_hash handed out for a user id crafted as
    // `header.payload` is a valid JWT signature. A user_hash site must never take a JWT.
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let b64 = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let crafted = format!(
        "{}.{}",
        b64(json!({"alg": "HS256"})),
        b64(json!({"sub": "victim", "email": "victim@example.com", "aud": "t", "exp": NOW_MS / 1000 + 600}))
    );
    let issued = crate::identity::hmac_sha256(IDENTITY_SECRET.as_bytes(), crafted.as_bytes());
    let forged = format!("{crafted}.{}", URL_SAFE_NO_PAD.encode(issued));
    assert!(crate::identity::verify_jwt(IDENTITY_SECRET, &forged, "t", NOW_MS / 1000).is_ok(), "the forgery is real");
    let record = create(json!({"user_jwt": forged}));
    assert!(!record.identity_verified(NOW_MS));
    assert_eq!((record.user_id, record.lead.email), (None, None));
}

#[test]
fn an_action_switched_off_in_the_console_is_off_at_once_and_on_again_when_reverted() {
    let w = World::new();
    let tx = format!("0x{}", "cd".repeat(32));
    let ask = |n: u32| {
        let (id, token) = w.start();
        let body =
            json!({"text": format!("where is my deposit {tx}?"), "client_message_id": format!("s{n}")}).to_string();
        let (status, v) = w.call("POST", &messages_path(&id), Some(&token), &body);
        assert_eq!(status, 200, "{v}");
        v["messages"][1].clone()
    };
    assert_eq!(ask(1)["text"], "It is confirmed.");
    let off = r#"{"enabled": false}"#;
    let (status, v) = admin_call(&w, "PUT", "/api/v1/admin/actions/tx-status/enabled", Some(ADMIN), off);
    assert_eq!((status, v["enabled"].as_bool(), v["file_enabled"].as_bool()), (200, Some(false), Some(true)), "{v}");
    assert_eq!(v["switch"]["changed_by"], "admin token");
    // The very next visitor: the agent does not start it.
    let reply = ask(2);
    assert!(reply["action"].is_null() && reply["text"] != "It is confirmed.", "{reply}");
    assert_eq!(w.network.0.borrow().len(), 1, "visitors called the target once, before the switch");
    // The owner may still test it (that is how an action is tried before it is switched on);
    // the test is logged as a test, and visitors still cannot start it.
    let body = json!({"variables": {"inputs.tx": tx}}).to_string();
    let (status, v) = admin_call(&w, "POST", "/api/v1/admin/actions/tx-status/test", Some(ADMIN), &body);
    assert_eq!((status, v["run"]["reply"].as_str()), (200, Some("It is confirmed.")), "{v}");
    assert!(ask(4)["action"].is_null());
    let (_, list) = admin_call(&w, "GET", "/api/v1/admin/actions", Some(ADMIN), "");
    let listed = &list["actions"][0];
    assert_eq!((listed["enabled"].as_bool(), listed["file_enabled"].as_bool()), (Some(false), Some(true)));
    assert_eq!(listed["switch"]["enabled"], false);
    // The visitor's run before the switch and the owner's test count in the last 24 hours.
    assert_eq!((listed["runs_24h"].as_u64(), listed["failures_24h"].as_u64()), (Some(2), Some(0)), "{listed}");
    assert!(listed["last_run_at"].is_string());
    // Reverted: the file decides again, and it is on.
    let (status, v) = admin_call(&w, "DELETE", "/api/v1/admin/actions/tx-status/enabled", Some(ADMIN), "");
    assert_eq!((status, v["enabled"].as_bool(), v["switch"].is_null()), (200, Some(true), true), "{v}");
    assert_eq!(ask(3)["text"], "It is confirmed.");
    // Bad requests: an unknown action, a body that is not a switch.
    let (status, v) = admin_call(&w, "PUT", "/api/v1/admin/actions/nope/enabled", Some(ADMIN), off);
    assert_eq!((status, v["error"]["code"].as_str()), (404, Some("action_not_found")));
    let (status, _) =
        admin_call(&w, "PUT", "/api/v1/admin/actions/tx-status/enabled", Some(ADMIN), r#"{"enabled":"no"}"#);
    assert_eq!(status, 400);
    let (status, _) = admin_call(&w, "PUT", "/api/v1/admin/actions/tx-status/enabled", None, off);
    assert_eq!(status, 401);
}

#[test]
fn the_log_filters_by_status_origin_conversation_and_time() {
    let w = World::new();
    let tx = format!("0x{}", "ab".repeat(32));
    let (id, token) = w.start();
    let body = json!({"text": format!("where is my deposit {tx}?"), "client_message_id": "f1"}).to_string();
    assert_eq!(w.call("POST", &messages_path(&id), Some(&token), &body).0, 200);
    let test = json!({"variables": {"inputs.tx": tx}}).to_string();
    assert_eq!(admin_call(&w, "POST", "/api/v1/admin/actions/tx-status/test", Some(ADMIN), &test).0, 200);
    let logs = |query: &str| {
        let (status, v) =
            admin_call(&w, "GET", &format!("/api/v1/admin/actions/tx-status/logs?{query}"), Some(ADMIN), "");
        (status, v["logs"].as_array().map_or(0, Vec::len), v)
    };
    assert_eq!(logs("").1, 2);
    let (_, n, v) = logs("origin=test");
    assert_eq!((n, v["logs"][0]["test"].as_bool()), (1, Some(true)));
    let (_, n, v) = logs(&format!("origin=live&conversation={id}"));
    assert_eq!((n, v["logs"][0]["conversation_id"].as_str()), (1, Some(id.as_str())));
    assert_eq!(logs("status=failed").1, 0);
    assert_eq!(logs("status=ok").1, 2);
    assert_eq!(logs("since=2999-01-01T00:00:00Z").1, 0);
    assert_eq!(logs(&format!("until={}", u64::MAX >> 12)).1, 2);
    let (status, _, v) = logs("status=maybe");
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("status")));
    let (status, _, v) = logs("since=yesterday");
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("since")));
}
