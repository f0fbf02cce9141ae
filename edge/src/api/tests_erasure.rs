//! Erasure through the conversations' objects, as a visitor, an owner and an attacker would use it: a
//! visitor deletes their conversation, the owner deletes one or everything about a person.

use super::tests::{block_on, messages_path, site, World, ADMIN};
use crate::store::ConversationStore;
use serde_json::{json, Value};
use shared::site::SiteBundle;
use shared::ConversationId;

fn conversation_path(id: &str) -> String {
    format!("/api/v1/conversations/{id}")
}

fn admin_conversation_path(id: &str) -> String {
    format!("/api/v1/admin/conversations/{id}")
}

const ERASURES: &str = "/api/v1/admin/erasures";

fn stored_messages(w: &World, id: &str) -> usize {
    block_on(w.store().messages(&ConversationId::parse(id).unwrap())).unwrap().len()
}

fn exists(w: &World, id: &str) -> bool {
    block_on(w.store().conversation(&ConversationId::parse(id).unwrap())).unwrap().is_some()
}

/// A conversation that ran the tx-status action once (so it has an action-run log entry).
fn with_a_run(w: &World) -> (String, String, String) {
    let (id, token) = w.start();
    let tx = format!("0x{}", "ef".repeat(32));
    let body = json!({"text": format!("where is my deposit {tx}?"), "client_message_id": "a1"}).to_string();
    let (status, v) = w.call("POST", &messages_path(&id), Some(&token), &body);
    assert_eq!((status, &v["messages"][1]["action"]["status"]), (200, &json!("ok")), "{v}");
    (id, token, tx)
}

fn logs(w: &World) -> Value {
    let (status, v) = w.call("GET", "/api/v1/admin/actions/tx-status/logs", Some(ADMIN), "");
    assert_eq!(status, 200, "{v}");
    v
}

#[test]
fn a_visitor_deletes_their_conversation_and_its_token_opens_nothing_after() {
    let w = World::with_site(site());
    let (id, token, tx) = with_a_run(&w);
    let (other, other_token) = w.start();
    assert_eq!(logs(&w)["logs"][0]["conversation_id"], id.as_str());

    let (status, body) = w.call("DELETE", &conversation_path(&id), Some(&token), "");
    assert_eq!((status, body), (204, Value::Null));
    assert!(!exists(&w, &id));
    assert_eq!(stored_messages(&w, &id), 0);
    for (method, path, body) in [
        ("GET", messages_path(&id), ""),
        ("POST", messages_path(&id), r#"{"text":"hi","client_message_id":"k9"}"#),
        ("POST", format!("{}/attributes", conversation_path(&id)), r#"{"attributes":{}}"#),
        ("DELETE", conversation_path(&id), ""),
    ] {
        let (status, v) = w.call(method, &path, Some(&token), body);
        assert_eq!((status, v["error"]["code"].as_str()), (404, Some("conversation_not_found")), "{method} {path}");
    }
    // The run log keeps no trace of the visitor: its run is gone with it.
    let after = logs(&w);
    assert_eq!(after["logs"], json!([]), "{after}");
    assert!(!after.to_string().contains(&tx) && !after.to_string().contains(&id), "{after}");
    // Everyone else is untouched.
    let (status, _) = w.call("GET", &messages_path(&other), Some(&other_token), "");
    assert_eq!(status, 200);
}

#[test]
fn nobody_else_deletes_a_visitors_conversation() {
    let w = World::with_site(site());
    let (id, _token) = w.start();
    let (_, other_token) = w.start();
    let before = stored_messages(&w, &id);
    let attempts = [
        (None, 401, "missing_token"),
        (Some(other_token.as_str()), 403, "invalid_token"),
        (Some(ADMIN), 403, "invalid_token"), // the admin uses the admin route
        (Some("x"), 403, "invalid_token"),
    ];
    for (token, status, code) in attempts {
        let (s, v) = w.call("DELETE", &conversation_path(&id), token, "");
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{token:?}");
    }
    let (s, _) = w.call("DELETE", &conversation_path("cUnknown"), Some(&other_token), "");
    assert_eq!(s, 404);
    let (s, _) = w.call("DELETE", &conversation_path("not an id!"), Some(&other_token), "");
    assert_eq!(s, 404);
    assert!(exists(&w, &id));
    assert_eq!(stored_messages(&w, &id), before);
}

#[test]
fn the_admin_routes_need_the_admin_token() {
    let w = World::with_site(site());
    let (id, token) = w.start();
    let email = json!({"email": "ana@example.com"}).to_string();
    w.call("POST", "/api/v1/conversations", None, &json!({"lead": {"email": "ana@example.com"}}).to_string());
    for bearer in [None, Some(token.as_str()), Some("admin-token-for-test")] {
        let (s, _) = w.call("DELETE", &admin_conversation_path(&id), bearer, "");
        assert!(s == 401 || s == 403, "{bearer:?}: {s}");
        let (s, _) = w.call("POST", ERASURES, bearer, &email);
        assert!(s == 401 || s == 403, "{bearer:?}: {s}");
    }
    assert!(exists(&w, &id));
    assert_eq!(w.message_count(), 2);
}

#[test]
fn the_admin_deletes_a_conversation_by_id_and_is_told_what_went() {
    let w = World::with_site(site());
    let (id, token, _) = with_a_run(&w);
    let (status, v) = w.call("DELETE", &admin_conversation_path(&id), Some(ADMIN), "");
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!({"conversation_id": id, "erased": {
            "conversations": 1, "messages": 3, "submissions": 0, "action_runs": 1}})
    );
    let (status, _) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert_eq!(status, 404);
    let (status, v) = w.call("DELETE", &admin_conversation_path(&id), Some(ADMIN), "");
    assert_eq!((status, v["error"]["code"].as_str()), (404, Some("conversation_not_found")));
}

fn lead_site() -> SiteBundle {
    let agent = "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi.\"\n[lead]\nask = \"before_first_message\"\n[answering]\nfallback = \"I don't know that.\"";
    SiteBundle::from_dir_files(agent, &[], &[]).unwrap()
}

/// A conversation whose visitor filled in the lead form with `email`.
fn lead(w: &World, email: &str) -> (String, String) {
    let (status, v) = w.call("POST", "/api/v1/conversations", None, "");
    assert_eq!(status, 201);
    let (id, token) = (v["conversation_id"].as_str().unwrap().to_string(), v["token"].as_str().unwrap().to_string());
    let submit = format!("{}/{}/submit", messages_path(&id), v["messages"][1]["id"].as_str().unwrap());
    let (status, v) = w.call("POST", &submit, Some(&token), &json!({"values": {"email": email}}).to_string());
    assert_eq!(status, 200, "{v}");
    (id, token)
}

#[test]
fn the_admin_erases_a_person_by_email_with_their_form_submissions() {
    let w = World::with_site(lead_site());
    let (first, first_token) = lead(&w, "Ana@Example.com");
    let (second, _) = lead(&w, "ana@example.com");
    let (bob, bob_token) = lead(&w, "bob@example.com");
    let bobs = stored_messages(&w, &bob);

    let (status, v) = w.call("POST", ERASURES, Some(ADMIN), r#"{"email":"  ANA@example.COM "}"#);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["conversation_ids"], json!([first, second]));
    assert_eq!(v["complete"], true);
    assert_eq!(v["erased"]["conversations"], 2);
    assert_eq!(v["erased"]["submissions"], 2, "the lead forms Ana filled in");
    assert_eq!(v["erased"]["messages"], 8, "{v}");
    assert!(!exists(&w, &first) && !exists(&w, &second));
    let (status, _) = w.call("GET", &messages_path(&first), Some(&first_token), "");
    assert_eq!(status, 404);
    assert_eq!(stored_messages(&w, &bob), bobs);
    let (status, _) = w.call("GET", &messages_path(&bob), Some(&bob_token), "");
    assert_eq!(status, 200);

    // Asked again: nothing left, still a clear answer.
    let (status, v) = w.call("POST", ERASURES, Some(ADMIN), r#"{"email":"ana@example.com"}"#);
    assert_eq!((status, &v["conversation_ids"], &v["complete"]), (200, &json!([]), &json!(true)));
}

#[test]
fn the_admin_erases_an_identified_user_by_user_id() {
    let w = World::with_site(site());
    let signed = serde_json::json!({"user_id": "u-42", "user_hash": super::tests::user_hash("u-42")}).to_string();
    let (status, v) = w.call("POST", "/api/v1/conversations", None, &signed);
    assert_eq!(status, 201);
    let id = v["conversation_id"].as_str().unwrap().to_string();
    let (kept, _) = w.start();
    let (status, v) = w.call("POST", ERASURES, Some(ADMIN), r#"{"user_id":"u-42"}"#);
    assert_eq!((status, &v["conversation_ids"]), (200, &json!([id])), "{v}");
    assert!(exists(&w, &kept));
}

#[test]
fn an_erasure_request_names_exactly_one_person() {
    let w = World::with_site(site());
    let cases = [
        ("{}", None),
        (r#"{"email":"a@example.com","user_id":"u"}"#, None),
        (r#"{"email":"not an email"}"#, Some("email")),
        (r#"{"email":""}"#, Some("email")),
        (r#"{"user_id":""}"#, Some("user_id")),
        (r#"{"phone":"123"}"#, None),
    ];
    for (body, field) in cases {
        let (status, v) = w.call("POST", ERASURES, Some(ADMIN), body);
        assert_eq!((status, v["error"]["code"].as_str()), (400, Some("invalid_field")), "{body}: {v}");
        assert_eq!(v["error"]["field"].as_str(), field, "{body}");
    }
    let (status, v) = w.call("POST", ERASURES, Some(ADMIN), "{");
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("malformed_json")));
}

#[test]
fn deleting_a_conversation_keeps_the_actions_hourly_count() {
    let w = World::with_site(site());
    let (id, token, _) = with_a_run(&w);
    let count = || w.limiter.hits("run:tx-status");
    assert_eq!(count(), 1);
    assert_eq!(w.call("DELETE", &conversation_path(&id), Some(&token), "").0, 204);
    assert_eq!(count(), 1, "deleting a conversation must not reset the action's per_hour limit");
}

#[test]
fn cross_origin_clients_may_send_delete() {
    let site = site();
    let mut r = super::cors::preflight();
    super::cors::apply(&site.agent, Some("https://shop.example"), &mut r);
    assert!(r.header("access-control-allow-methods").is_some_and(|m| m.contains("DELETE")), "{r:?}");
}
