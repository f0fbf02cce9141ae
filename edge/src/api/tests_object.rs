//! A visitor's turns through a conversation's object, as production runs them (every API test
//! does, through `test_world`; these look at the object itself): the conversation created in D1
//! by the Worker, copied into the object's own SQLite, answered there, pushed to its sockets in
//! stored order, and journaled to D1 when `object::flush::decide` says: at once for a handoff,
//! from the alarm for a plain turn.

use super::tests::{messages_path, World};
use super::tests_handoff::{site_with, HANDOFF};
use crate::store::ConversationStore;
use serde_json::json;
use shared::live::LiveEvent;
use shared::ConversationId;

fn texts(events: &[LiveEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Message { message } => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

/// Opens the visitor's live socket on conversation `id`.
pub(super) fn listen(w: &World, id: &str, token: &str) {
    let req = crate::api::HttpRequest {
        method: "GET".into(),
        path: format!("/api/v1/conversations/{id}/live"),
        query: String::new(),
        headers: vec![
            ("upgrade".into(), "websocket".into()),
            ("sec-websocket-protocol".into(), format!("{}, bearer.{token}", shared::live::LIVE_PROTOCOL)),
        ],
        body: vec![],
    };
    let r = w.respond(&req);
    assert!(r.upgrade.is_some(), "{}", r.body);
}

#[test]
fn a_turn_runs_on_the_objects_copy_is_pushed_in_stored_order_and_reaches_d1_when_the_flush_says() {
    let w = World::with_site(site_with(HANDOFF));
    let (id, token) = w.start();
    let cid = ConversationId::parse(id.as_str()).unwrap();
    listen(&w, &id, &token);
    let tab = w.tabs(&id).remove(0);
    let post = |text: &str, k: &str| {
        let (status, v) = w.call(
            "POST",
            &messages_path(&id),
            Some(&token),
            &json!({"text": text, "client_message_id": k}).to_string(),
        );
        assert_eq!(status, 200, "{v}");
    };
    let in_d1 = || crate::api::tests::block_on(w.index().messages(&cid)).unwrap();

    // A plain question: answered on the copy, pushed, and left for the alarm.
    post("what are the withdrawal fees for bitcoin?", "k1");
    let pushed = texts(&tab.events.borrow());
    assert_eq!(pushed[0], "what are the withdrawal fees for bitcoin?");
    assert!(pushed[1].contains("0.0002 BTC"), "{pushed:?}");
    assert_eq!(in_d1().len(), 1, "D1 has the greeting only, until the alarm");
    assert!(w.unflushed(&id) > 0);
    w.settle();
    assert_eq!(in_d1().len(), 3);

    // Asking for a person hands off: D1 has it before the answer, the inbox finds it waiting.
    post("I want to talk to a person", "k2");
    assert_eq!(w.unflushed(&id), 0);
    let record = crate::api::tests::block_on(w.index().conversation(&cid)).unwrap().unwrap();
    assert_eq!(record.status, shared::handoff::ConversationStatus::Waiting);

    // Every message reached the socket once, in the order stored, and D1 holds the same.
    let pushed = texts(&tab.events.borrow());
    let stored: Vec<String> = in_d1().into_iter().skip(1).map(|m| m.text).collect();
    assert_eq!(pushed, stored);
}

#[test]
fn erasing_a_conversation_closes_its_sockets_and_its_token_opens_nothing_after() {
    let w = World::new();
    let (id, token) = w.start();
    listen(&w, &id, &token);
    let tab = w.tabs(&id).remove(0);
    let (status, _) = w.call("DELETE", &format!("/api/v1/conversations/{id}"), Some(&token), "");
    assert_eq!(status, 204);
    assert_eq!(tab.closed.get(), Some(1000), "the socket closes with the conversation");
    assert!(w.tabs(&id).is_empty());
    let (status, _) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert_eq!(status, 404);
    assert_eq!(w.unflushed(&id), 0, "the object keeps nothing");
}
