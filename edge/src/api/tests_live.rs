//! Live conversations at the API: who may open a socket, what each write publishes, and the
//! admin's stand-in for a human agent.

use super::tests::{messages_path, World, ADMIN};
use super::HttpRequest;
use crate::live::Watcher;
use serde_json::Value;
use shared::live::{LiveEvent, LIVE_PROTOCOL};

fn live_request(id: &str, protocols: &str, query: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: format!("/api/v1/conversations/{id}/live"),
        query: query.into(),
        headers: vec![("upgrade".into(), "websocket".into()), ("sec-websocket-protocol".into(), protocols.into())],
        body: vec![],
    }
}

fn offer(token: &str) -> String {
    format!("{LIVE_PROTOCOL}, bearer.{token}")
}

fn code(w: &World, req: &HttpRequest) -> (u16, Option<String>) {
    let r = w.respond(req);
    let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v["error"]["code"].as_str().map(String::from))
}

#[test]
fn the_visitors_token_opens_its_own_conversations_socket_and_no_other() {
    let w = World::with_site(super::tests::site());
    let (a, token_a) = w.start();
    let (b, _token_b) = w.start();
    let ok = w.respond(&live_request(&a, &offer(&token_a), "after="));
    assert_eq!(ok.status, 101);
    let ticket = ok.upgrade.expect("a ticket for the object");
    assert_eq!((ticket.subscriber.conversation.as_str(), ticket.subscriber.watcher), (a.as_str(), Watcher::Visitor));
    assert_eq!(ticket.after, None);
    // A's token for B: refused before any object sees the socket.
    let refused = w.respond(&live_request(&b, &offer(&token_a), ""));
    assert_eq!((refused.status, refused.upgrade), (403, None));
    assert_eq!(code(&w, &live_request(&b, &offer("not-a-token"), "")), (403, Some("invalid_token".into())));
    assert_eq!(code(&w, &live_request("cUnknown", &offer(&token_a), "")), (404, Some("conversation_not_found".into())));
}

#[test]
fn the_socket_needs_the_upgrade_the_protocol_and_the_token_in_it() {
    let w = World::with_site(super::tests::site());
    let (a, token) = w.start();
    let mut plain = live_request(&a, &offer(&token), "");
    plain.headers.retain(|(n, _)| n != "upgrade");
    assert_eq!(code(&w, &plain), (426, Some("upgrade_required".into())));
    assert_eq!(code(&w, &live_request(&a, &format!("bearer.{token}"), "")).1.as_deref(), Some("invalid_field"));
    assert_eq!(code(&w, &live_request(&a, LIVE_PROTOCOL, "")), (401, Some("missing_token".into())));
    // The Authorization header is not how a socket authenticates (browsers cannot send one).
    let mut header_only = live_request(&a, LIVE_PROTOCOL, "");
    header_only.headers.push(("authorization".into(), format!("Bearer {token}")));
    assert_eq!(code(&w, &header_only).0, 401);
    assert_eq!(
        code(&w, &live_request(&a, &offer(&token), "after=m1%27%20OR%201%3D1")).1.as_deref(),
        Some("invalid_field")
    );
    let resumed = w.respond(&live_request(&a, &offer(&token), &format!("after={a}-g0"))).upgrade.unwrap();
    assert_eq!(resumed.after.unwrap().to_string(), format!("{a}-g0"));
}

#[test]
fn a_visitor_write_publishes_what_was_stored_in_order() {
    let w = World::with_site(super::tests::site());
    let (a, token) = w.start();
    let body = r#"{"text":"what are the withdrawal fees for bitcoin?","client_message_id":"k1"}"#;
    let req = HttpRequest {
        method: "POST".into(),
        path: messages_path(&a),
        headers: vec![("authorization".into(), format!("Bearer {token}"))],
        body: body.as_bytes().to_vec(),
        ..Default::default()
    };
    let r = w.respond(&req);
    assert_eq!(r.status, 200);
    let publish = r.publish.expect("published");
    assert_eq!(publish.conversation.as_str(), a);
    let stored: Value = serde_json::from_str(&r.body).unwrap();
    let ids: Vec<&str> = publish
        .events
        .iter()
        .map(|e| match e {
            LiveEvent::Message { message } => message.id.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    let answered: Vec<&str> =
        stored["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, answered);
    // Reads publish nothing.
    let read = HttpRequest { method: "GET".into(), body: vec![], ..req };
    assert_eq!(w.respond(&read).publish, None);
}

#[test]
fn the_history_after_a_message_is_what_polling_reads() {
    let w = World::with_site(super::tests::site());
    let (a, token) = w.start();
    let (_, v) = w.call("POST", &messages_path(&a), Some(&token), r#"{"text":"hi","client_message_id":"k1"}"#);
    let first = v["messages"][0]["id"].as_str().unwrap().to_string();
    let (status, after) = w.call("GET", &format!("{}?after={a}-g0", messages_path(&a)), Some(&token), "");
    assert_eq!(status, 200);
    assert_eq!(after["messages"][0]["id"], first.as_str());
    let (_, none) = w.call(
        "GET",
        &format!(
            "{}?after={}",
            messages_path(&a),
            v["messages"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap()
        ),
        Some(&token),
        "",
    );
    assert_eq!(none["messages"].as_array().unwrap().len(), 0);
    // Another conversation's message is no cursor here: an error, not the whole history.
    let (b, token_b) = w.start();
    let (status, v) = w.call("GET", &format!("{}?after={first}", messages_path(&b)), Some(&token_b), "");
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("after")));
}

fn agent_says(w: &World, id: &str, token: Option<&str>, body: &str) -> super::HttpResponse {
    let mut headers = vec![];
    if let Some(t) = token {
        headers.push(("authorization".into(), format!("Bearer {t}")));
    }
    w.respond(&HttpRequest {
        method: "POST".into(),
        path: format!("/api/v1/admin/conversations/{id}/messages"),
        headers,
        body: body.as_bytes().to_vec(),
        ..Default::default()
    })
}

#[test]
fn an_agent_message_needs_the_admin_token_is_stored_once_and_published() {
    let w = World::with_site(super::tests::site());
    let (a, token) = w.start();
    let body = r#"{"agent":"Ana","text":"Hi, I'm Ana from support.","client_message_id":"ag1"}"#;
    assert_eq!(agent_says(&w, &a, None, body).status, 401);
    assert_eq!(agent_says(&w, &a, Some(&token), body).status, 403, "a visitor's token is not the admin's");
    let first = agent_says(&w, &a, Some(ADMIN), body);
    assert_eq!(first.status, 201, "{}", first.body);
    let count = w.message_count();
    let retry = agent_says(&w, &a, Some(ADMIN), body);
    assert_eq!((retry.status, w.message_count()), (200, count), "a retry stores nothing new");
    let v: Value = serde_json::from_str(&first.body).unwrap();
    let r: Value = serde_json::from_str(&retry.body).unwrap();
    assert_eq!(v["messages"][0]["id"], r["messages"][0]["id"]);
    assert_eq!(v["messages"][0]["author"], "agent");
    match &first.publish.unwrap().events[..] {
        [LiveEvent::Message { message }] => assert_eq!(message.text, "Hi, I'm Ana from support."),
        other => panic!("{other:?}"),
    }
    // The visitor reads it in its history.
    let (_, history) = w.call("GET", &messages_path(&a), Some(&token), "");
    assert_eq!(history["messages"].as_array().unwrap().last().unwrap()["author"], "agent");
    // A visitor message's client id cannot be taken over by an agent message.
    w.call("POST", &messages_path(&a), Some(&token), r#"{"text":"hi","client_message_id":"v1"}"#);
    let taken = agent_says(&w, &a, Some(ADMIN), r#"{"agent":"Ana","text":"x","client_message_id":"v1"}"#);
    assert_eq!(taken.status, 400);
    assert_eq!(agent_says(&w, "cUnknown", Some(ADMIN), body).status, 404);
    let nameless = agent_says(&w, &a, Some(ADMIN), r#"{"agent":" ","text":"x","client_message_id":"ag2"}"#);
    assert_eq!(nameless.status, 400);
}

#[test]
fn joining_and_typing_are_published_not_stored() {
    let w = World::with_site(super::tests::site());
    let (a, _) = w.start();
    let count = w.message_count();
    let signal = |body: &str| {
        w.respond(&HttpRequest {
            method: "POST".into(),
            path: format!("/api/v1/admin/conversations/{a}/events"),
            headers: vec![("authorization".into(), format!("Bearer {ADMIN}"))],
            body: body.as_bytes().to_vec(),
            ..Default::default()
        })
    };
    let joined = signal(r#"{"type":"agent_joined","agent":"ana"}"#);
    assert_eq!(joined.status, 202);
    assert_eq!(
        serde_json::to_value(&joined.publish.unwrap().events[0]).unwrap(),
        serde_json::json!({"type": "agent_joined", "name": "ana", "initial": "A"})
    );
    let typing = signal(r#"{"type":"agent_typing","agent":"Ana","typing":true}"#);
    assert!(matches!(typing.publish.unwrap().events[0], LiveEvent::AgentTyping { typing: true, .. }));
    // A visitor's typing cannot be forged through this route.
    assert_eq!(signal(r#"{"type":"visitor_typing","typing":true}"#).status, 400);
    assert_eq!(w.message_count(), count);
}
