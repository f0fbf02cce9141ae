//! What one visitor address may spend of what every visitor shares: `setAttributes`, live
//! connections, requests naming made-up conversations — each tried from two addresses, so one
//! visitor over its limit is shown not to stop another — and the cap on one conversation's size.

use super::tests::{messages_path, World};
use super::HttpRequest;
use serde_json::{json, Value};
use shared::site::SiteBundle;

fn site(limits: &str) -> SiteBundle {
    let agent = format!(
        "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi.\"\n[answering]\nfallback = \"I don't know that.\"\n\
         [limits]\nconversations_per_ip_per_hour = 100000\nmessages_per_conversation_per_minute = 1000\n{limits}"
    );
    SiteBundle::from_dir_files(&agent, &[], &[]).unwrap()
}

/// A request from the visitor address `ip`.
fn from(w: &World, ip: &str, method: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut headers =
        vec![("content-type".to_string(), "application/json".to_string()), ("cf-connecting-ip".into(), ip.into())];
    if let Some(t) = token {
        headers.push(("authorization".into(), format!("Bearer {t}")));
    }
    if path.ends_with("/live") {
        headers.push(("upgrade".into(), "websocket".into()));
        headers.push(("sec-websocket-protocol".into(), format!("switchboard.live.v1, bearer.{}", token.unwrap_or(""))));
    }
    let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    w.request(&HttpRequest { method: method.into(), path: path.into(), headers, body, ..Default::default() })
}

#[test]
fn set_attributes_is_limited_per_address_and_one_address_does_not_stop_another() {
    let w = World::with_site(site("other_requests_per_ip_per_minute = 3"));
    let (id, token) = w.start();
    let path = format!("/api/v1/conversations/{id}/attributes");
    let statuses: Vec<u16> = (0..5)
        .map(|i| from(&w, "203.0.113.9", "POST", &path, Some(&token), json!({"attributes": {"n": i.to_string()}})).0)
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let (status, v) = from(&w, "198.51.100.2", "POST", &path, Some(&token), json!({"attributes": {"n": "9"}}));
    assert_eq!(status, 200, "another address still may: {v}");
}

#[test]
fn live_connections_are_limited_per_address() {
    let w = World::with_site(site("other_requests_per_ip_per_minute = 2"));
    let (id, token) = w.start();
    let path = format!("/api/v1/conversations/{id}/live");
    let statuses: Vec<u16> =
        (0..4).map(|_| from(&w, "203.0.113.9", "GET", &path, Some(&token), Value::Null).0).collect();
    assert_eq!(statuses, [101, 101, 429, 429]);
    assert_eq!(from(&w, "198.51.100.2", "GET", &path, Some(&token), Value::Null).0, 101);
}

#[test]
fn naming_made_up_conversations_is_limited_per_address() {
    let w = World::with_site(site("other_requests_per_ip_per_minute = 3"));
    let probe = |ip: &str, n: u32| from(&w, ip, "GET", &messages_path(&format!("cMadeUp{n}")), Some("x"), Value::Null);
    let statuses: Vec<u16> = (0..5).map(|n| probe("203.0.113.9", n).0).collect();
    assert_eq!(statuses, [404, 404, 404, 429, 429]);
    assert_eq!(probe("198.51.100.2", 9).0, 404, "another address is told plainly");
    // A real conversation is still served to the prober: only made-up names count.
    let (id, token) = w.start();
    assert_eq!(from(&w, "203.0.113.9", "GET", &messages_path(&id), Some(&token), Value::Null).0, 200);
}

#[test]
fn a_conversation_stops_growing_at_its_cap_with_a_clear_error_and_a_retry_still_answers() {
    // The greeting plus two turns of a visitor message and its reply: 5 messages.
    let w = World::with_site(site("max_messages_per_conversation = 5"));
    let (id, token) = w.start();
    let say = |text: &str, client: &str| {
        let body = json!({"text": text, "client_message_id": client}).to_string();
        w.call("POST", &messages_path(&id), Some(&token), &body)
    };
    assert_eq!(say("hello", "k1").0, 200);
    assert_eq!(say("hello again", "k2").0, 200);
    let (status, v) = say("and again", "k3");
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("conversation_full")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("start a new conversation"), "{v}");
    assert_eq!(say("hello again", "k2").0, 200, "a retry of a stored message is answered, not refused");

    let w = World::with_site(site("max_bytes_per_conversation = 100"));
    let (id, token) = w.start();
    let body = json!({"text": "x".repeat(98), "client_message_id": "k1"}).to_string();
    let (status, v) = w.call("POST", &messages_path(&id), Some(&token), &body);
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("conversation_full")), "3 + 98 bytes > 100: {v}");
}
