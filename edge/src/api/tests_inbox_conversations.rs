//! The inbox's conversations through the conversations' objects, attacks first: a visitor's token, another
//! site's page, two agents claiming at once, an agent replying to what is not theirs, notes
//! leaking to the visitor; then the agents' day: claim, reply, take over, hand back, resolve,
//! reopen, assign, the views and one conversation's detail.

use super::tests::{block_on, messages_path, World, ADMIN, NOW_MS};
use super::tests_handoff::{site_with, HANDOFF};
use super::{HttpRequest, HttpResponse};
use crate::live::Watcher;
use crate::store::{ConversationStore, HandoffStore};
use serde_json::{json, Value};
use shared::handoff::ConversationStatus;
use shared::inbox::InboxEvent;
use shared::live::{LiveEvent, LIVE_PROTOCOL};
use shared::ConversationId;

const HOST: &str = "127.0.0.1:8799";
pub(super) const SELF: &str = "http://127.0.0.1:8799";
const PASSWORD: &str = "a long enough passphrase";
const FEES: &str = "what are the withdrawal fees for bitcoin?";

pub(super) fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut all = vec![("host".to_string(), HOST.to_string())];
    all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    HttpRequest { method: method.into(), path: path.into(), query: query.into(), headers: all, body: body.into() }
}

pub(super) fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

pub(super) fn code(r: &HttpResponse) -> (u16, String) {
    (r.status, json_of(r)["error"]["code"].as_str().unwrap_or_default().to_string())
}

/// A signed-in agent: their id and session cookie.
pub(super) struct Signed {
    pub(super) id: String,
    pub(super) cookie: String,
}

pub(super) fn agent(w: &World, name: &str, role: &str) -> Signed {
    let email = format!("{}@pinecone.example", name.to_lowercase().replace(' ', "."));
    let bearer = format!("Bearer {ADMIN}");
    let body = json!({"email": email, "name": name, "password": PASSWORD, "role": role}).to_string();
    let added = w.respond(&request("POST", "/api/v1/admin/agents", &[("authorization", &bearer)], &body));
    assert_eq!(added.status, 201, "{}", added.body);
    let body = json!({"email": email, "password": PASSWORD}).to_string();
    let r = w.respond(&request("POST", "/api/v1/inbox/session", &[("origin", SELF)], &body));
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r.headers.iter().find(|(n, _)| n == "set-cookie").unwrap().1.clone();
    Signed { id: json_of(&added)["id"].as_str().unwrap().into(), cookie: set.split(';').next().unwrap().into() }
}

/// What the agent's browser sends from the inbox page.
pub(super) fn as_agent(w: &World, who: &Signed, method: &str, path: &str, body: &str) -> HttpResponse {
    w.respond(&request(
        method,
        path,
        &[("cookie", &who.cookie), ("origin", SELF), ("sec-fetch-site", "same-origin")],
        body,
    ))
}

pub(super) fn act(w: &World, who: &Signed, id: &str, what: &str, body: &str) -> HttpResponse {
    as_agent(w, who, "POST", &format!("/api/v1/inbox/conversations/{id}/{what}"), body)
}

fn say(w: &World, id: &str, token: &str, text: &str, client: &str) -> HttpResponse {
    let body = json!({"text": text, "client_message_id": client}).to_string();
    let r = w.respond(&request("POST", &messages_path(id), &[("authorization", &format!("Bearer {token}"))], &body));
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

fn replies(r: &HttpResponse) -> Vec<String> {
    json_of(r)["messages"].as_array().unwrap()[1..].iter().map(|m| m["text"].as_str().unwrap().to_string()).collect()
}

fn status(w: &World, id: &str) -> (ConversationStatus, Option<String>) {
    let r = block_on(w.store().conversation(&ConversationId::parse(id).unwrap())).unwrap().unwrap();
    (r.status, r.assignee_id)
}

/// A conversation handed off by the visitor asking for a person.
fn handed_off(w: &World) -> (String, String) {
    let (id, token) = w.start();
    say(w, &id, &token, "I want to talk to a person", "h1");
    assert_eq!(status(w, &id).0, ConversationStatus::Waiting);
    (id, token)
}

fn world() -> World {
    World::with_site(site_with(HANDOFF))
}

/// Every inbox route, with a body it would accept.
fn every_route(id: &str) -> Vec<(&'static str, String, &'static str)> {
    let on = |what: &str| format!("/api/v1/inbox/conversations/{id}/{what}");
    vec![
        ("GET", "/api/v1/inbox/conversations?view=open".into(), ""),
        ("GET", format!("/api/v1/inbox/conversations/{id}"), ""),
        ("POST", on("claim"), ""),
        ("POST", on("take_over"), ""),
        ("POST", on("assign"), r#"{"agent_id":"a1"}"#),
        ("POST", on("messages"), r#"{"text":"hi","client_message_id":"x1"}"#),
        ("POST", on("hand_back"), ""),
        ("POST", on("resolve"), "{}"),
        ("POST", on("reopen"), ""),
        ("POST", on("notes"), r#"{"text":"n"}"#),
        ("POST", on("read"), ""),
        ("POST", on("labels"), r#"{"tags":["vip"],"priority":"high"}"#),
        ("GET", "/api/v1/inbox/agents".into(), ""),
    ]
}

#[test]
fn a_visitors_token_opens_no_inbox_route() {
    let w = world();
    agent(&w, "Sam Rivera", "agent");
    let (id, token) = handed_off(&w);
    let bearer = format!("Bearer {token}");
    for (method, path, body) in every_route(&id) {
        let r = w.respond(&request(method, &path, &[("authorization", &bearer), ("origin", SELF)], body));
        assert_eq!(code(&r), (401, "not_signed_in".into()), "{method} {path}");
    }
    for path in [format!("/api/v1/inbox/conversations/{id}/live"), "/api/v1/inbox/live".into()] {
        let offer = format!("{LIVE_PROTOCOL}, bearer.{token}");
        let headers = [("upgrade", "websocket"), ("sec-websocket-protocol", offer.as_str()), ("origin", SELF)];
        let r = w.respond(&request("GET", &path, &headers, ""));
        assert_eq!((code(&r), r.upgrade.is_some()), ((401, "not_signed_in".into()), false), "{path}");
    }
    assert_eq!(status(&w, &id), (ConversationStatus::Waiting, None), "nothing moved");
}

#[test]
fn another_sites_page_gets_nothing_even_with_the_agents_cookie() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, _) = handed_off(&w);
    for (method, path, body) in every_route(&id) {
        for headers in [
            vec![("cookie", sam.cookie.as_str()), ("origin", "https://evil.example")],
            vec![("cookie", sam.cookie.as_str()), ("sec-fetch-site", "cross-site")],
        ] {
            let r = w.respond(&request(method, &path, &headers, body));
            assert_eq!(code(&r), (403, "cross_origin".into()), "{method} {path} {headers:?}");
        }
    }
    // A write without Origin (no browser sends one) is refused too.
    let r =
        w.respond(&request("POST", &format!("/api/v1/inbox/conversations/{id}/claim"), &[("cookie", &sam.cookie)], ""));
    assert_eq!(r.status, 403);
    assert_eq!(status(&w, &id), (ConversationStatus::Waiting, None));
}

#[test]
fn an_agents_socket_is_refused_from_another_origin_before_the_session_is_read() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, _) = handed_off(&w);
    let watch = format!("/api/v1/inbox/conversations/{id}/live");
    let socket = |path: &str, origin: Option<&str>, cookie: Option<&str>| {
        let mut headers = vec![("upgrade", "websocket"), ("sec-websocket-protocol", LIVE_PROTOCOL)];
        headers.extend(origin.map(|o| ("origin", o)));
        headers.extend(cookie.map(|c| ("cookie", c)));
        w.respond(&request("GET", path, &headers, ""))
    };
    for path in [watch.as_str(), "/api/v1/inbox/live"] {
        // Cross-site WebSocket hijacking: the browser sends the cookie, the Origin gives it away.
        for origin in [Some("https://evil.example"), Some("null"), Some("http://127.0.0.1:8798"), None] {
            let r = socket(path, origin, Some(&sam.cookie));
            assert_eq!(
                (code(&r), r.upgrade.is_some(), r.inbox_upgrade.is_some()),
                ((403, "cross_origin".into()), false, false)
            );
        }
        assert_eq!(code(&socket(path, Some(SELF), None)), (401, "not_signed_in".into()));
    }
    let ok = socket(&watch, Some(SELF), Some(&sam.cookie));
    assert_eq!(ok.status, 101, "{}", ok.body);
    let ticket = ok.upgrade.unwrap();
    assert_eq!((ticket.subscriber.conversation.as_str(), ticket.subscriber.watcher), (id.as_str(), Watcher::Agent));
    assert_eq!(ticket.subscriber.agent.unwrap().name, "Sam Rivera", "typing is published with this name");
    let inbox = socket("/api/v1/inbox/live", Some(SELF), Some(&sam.cookie));
    assert_eq!((inbox.status, inbox.inbox_upgrade.unwrap().agent_id), (101, sam.id));
    assert_eq!(code(&socket("/api/v1/inbox/conversations/cNope/live", Some(SELF), Some(&sam.cookie))).0, 404);
}

#[test]
fn of_two_agents_claiming_one_gets_it_and_the_other_hears_already_claimed() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let kim = agent(&w, "Kim Lee", "agent");
    let (id, _) = handed_off(&w);
    let first = act(&w, &sam, &id, "claim", "");
    assert_eq!(first.status, 200, "{}", first.body);
    let second = act(&w, &kim, &id, "claim", "");
    assert_eq!(code(&second), (409, "already_claimed".into()));
    assert_eq!(status(&w, &id), (ConversationStatus::Assigned, Some(sam.id.clone())));
    let detail = json_of(&first);
    assert_eq!(detail["conversation"]["assignee"], json!({"id": sam.id, "name": "Sam Rivera"}));
    // The visitor sees Sam join; the inboxes hear of it.
    match &first.publish.as_ref().unwrap().events[..] {
        [LiveEvent::AgentJoined(a)] => assert_eq!((a.name.as_str(), a.initial.as_str()), ("Sam Rivera", "S")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        first.inbox.as_deref(),
        Some(&InboxEvent::Changed { conversation_id: id.clone(), status: ConversationStatus::Assigned })
    );
    assert!(second.publish.is_none() && second.inbox.is_none());
    // A conversation the AI has is taken over, not claimed; an unknown one is 404.
    let (ai, _) = w.start();
    assert_eq!(code(&act(&w, &kim, &ai, "claim", "")), (409, "wrong_status".into()));
    assert_eq!(code(&act(&w, &kim, "cNope", "claim", "")), (404, "conversation_not_found".into()));
}

#[test]
fn only_the_assignee_replies_once_per_client_id_and_the_visitor_sees_it_live() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let kim = agent(&w, "Kim Lee", "agent");
    let (id, token) = handed_off(&w);
    let body = r#"{"text":"Hi, I'm Sam. Let me look.","client_message_id":"r1"}"#;
    assert_eq!(code(&act(&w, &sam, &id, "messages", body)), (409, "wrong_status".into()), "claim first");
    act(&w, &sam, &id, "claim", "");
    assert_eq!(code(&act(&w, &kim, &id, "messages", body)), (403, "not_assignee".into()));
    let sent = act(&w, &sam, &id, "messages", body);
    assert_eq!(sent.status, 201, "{}", sent.body);
    let message = json_of(&sent);
    assert_eq!((message["author"].as_str(), message["author_name"].as_str()), (Some("agent"), Some("Sam Rivera")));
    let count = w.message_count();
    let retry = act(&w, &sam, &id, "messages", body);
    assert_eq!((retry.status, json_of(&retry)["id"].clone(), w.message_count()), (200, message["id"].clone(), count));
    match &sent.publish.as_ref().unwrap().events[..] {
        [LiveEvent::Message { message }] => assert_eq!(message.author_name.as_deref(), Some("Sam Rivera")),
        other => panic!("{other:?}"),
    }
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    let last = history["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["text"].as_str(), last["author_name"].as_str()),
        (Some("Hi, I'm Sam. Let me look."), Some("Sam Rivera"))
    );
    // An admin may answer a conversation that is not theirs, but not under Sam's client id.
    let boss = agent(&w, "Ada Boss", "admin");
    assert_eq!(act(&w, &boss, &id, "messages", r#"{"text":"Ada here.","client_message_id":"r2"}"#).status, 201);
    assert_eq!(code(&act(&w, &boss, &id, "messages", body)), (400, "invalid_field".into()));
    // Bad bodies are named.
    assert_eq!(code(&act(&w, &sam, &id, "messages", "{")), (400, "malformed_json".into()));
    assert_eq!(
        code(&act(&w, &sam, &id, "messages", r#"{"text":" ","client_message_id":"r3"}"#)),
        (400, "invalid_field".into())
    );
    let long = json!({"text": "x".repeat(5000), "client_message_id": "r4"}).to_string();
    assert_eq!(json_of(&act(&w, &sam, &id, "messages", &long))["error"]["field"], "text");
    let taken = act(&w, &sam, &id, "messages", r#"{"text":"x","client_message_id":"h1"}"#);
    assert_eq!(json_of(&taken)["error"]["field"], "client_message_id", "the visitor's id is not the agent's");
}

#[test]
fn a_reply_to_a_conversation_the_ai_has_is_refused() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "admin");
    let (id, _) = w.start();
    let r = act(&w, &sam, &id, "messages", r#"{"text":"hello","client_message_id":"r1"}"#);
    assert_eq!(code(&r), (409, "wrong_status".into()));
    assert_eq!(status(&w, &id), (ConversationStatus::Ai, None));
}

#[test]
fn notes_never_reach_the_visitor() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, token) = handed_off(&w);
    let secret = "Private: this customer was flagged by fraud review";
    let r = act(&w, &sam, &id, "notes", &json!({"text": secret}).to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(json_of(&r)["author"]["name"], "Sam Rivera");
    assert!(r.publish.is_none(), "nothing goes to the conversation's sockets");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert!(!history.to_string().contains("fraud review"), "{history}");
    // Nor into what the visitor's next message publishes or answers.
    let next = say(&w, &id, &token, "hello?", "v2");
    assert!(!next.body.contains("fraud review"));
    assert!(next.publish.iter().flat_map(|p| &p.events).all(|e| !serde_json::to_string(e).unwrap().contains("fraud")));
    // Agents read it with the conversation.
    let detail = json_of(&as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations/{id}"), ""));
    assert_eq!(detail["notes"][0]["text"], secret);
    assert_eq!(code(&act(&w, &sam, &id, "notes", r#"{"text":""}"#)), (400, "invalid_field".into()));
    let long = json!({"text": "x".repeat(4001)}).to_string();
    assert_eq!(code(&act(&w, &sam, &id, "notes", &long)).0, 400);
}

#[test]
fn taking_over_silences_the_ai_for_the_visitors_next_message() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, token) = w.start();
    assert_eq!(replies(&say(&w, &id, &token, FEES, "v1")).len(), 1, "the AI answers first");
    // Watching is reading.
    let watched = as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations/{id}"), "");
    assert_eq!(json_of(&watched)["conversation"]["status"], "ai");
    let took = act(&w, &sam, &id, "take_over", "");
    assert_eq!(took.status, 200, "{}", took.body);
    let detail = json_of(&took);
    assert_eq!(detail["reason"], json!({"kind": "agent_took_over", "agent": "Sam Rivera"}));
    assert_eq!(detail["summary"]["issue"][0], FEES, "the summary is written as for a handoff");
    assert!(matches!(&took.publish.as_ref().unwrap().events[..], [LiveEvent::AgentJoined(_)]));
    let next = say(&w, &id, &token, FEES, "v2");
    assert_eq!(replies(&next), Vec::<String>::new(), "no answer from the AI, not even the wait notice");
    assert_eq!(
        next.inbox.as_deref(),
        Some(&InboxEvent::Changed { conversation_id: id.clone(), status: ConversationStatus::Assigned })
    );
    assert!(block_on(w.store().deliveries_of(&ConversationId::parse(&id).unwrap())).unwrap().is_empty(), "no webhook");
    assert_eq!(code(&act(&w, &sam, &id, "take_over", "")), (409, "already_claimed".into()));
}

#[test]
fn handing_back_lets_the_ai_answer_and_a_second_handoff_notifies_once() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let kim = agent(&w, "Kim Lee", "agent");
    let (id, token) = handed_off(&w);
    let cid = ConversationId::parse(&id).unwrap();
    assert_eq!(w.outbox.take().len(), 1);
    act(&w, &sam, &id, "claim", "");
    assert_eq!(code(&act(&w, &kim, &id, "hand_back", "")), (403, "not_assignee".into()));
    let back = act(&w, &sam, &id, "hand_back", "");
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(status(&w, &id), (ConversationStatus::Ai, None));
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    let told = history["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(told["author"], "system");
    assert_eq!(told["text"], "Sam Rivera handed this conversation back to our AI assistant.");
    // A name that reads as Markdown stays text in the notice.
    let odd = agent(&w, "[Win](https://evil.example)", "agent");
    let (other, other_token) = handed_off(&w);
    act(&w, &odd, &other, "claim", "");
    assert_eq!(act(&w, &odd, &other, "hand_back", "").status, 200);
    let (_, history) = w.call("GET", &messages_path(&other), Some(&other_token), "");
    let notice = history["messages"].as_array().unwrap().last().unwrap()["text"].as_str().unwrap().to_string();
    assert!(!notice.contains("[Win](https"), "{notice}");
    w.outbox.take(); // that other conversation's handoff, not this test's subject
    assert_eq!(
        back.inbox.as_deref(),
        Some(&InboxEvent::Changed { conversation_id: id.clone(), status: ConversationStatus::Ai })
    );
    let answer = say(&w, &id, &token, FEES, "v2");
    assert!(replies(&answer)[0].contains("0.0002 BTC"), "the AI answers again");
    assert_eq!(answer.inbox, None, "the AI's own conversations are no inbox news");
    say(&w, &id, &token, "I want to talk to a person", "v3");
    assert_eq!(status(&w, &id).0, ConversationStatus::Waiting);
    assert_eq!(w.outbox.take(), [format!("{id}.handoff.2")], "notified again, as the second handoff");
    say(&w, &id, &token, "I want to talk to a person!!", "v4");
    assert_eq!(block_on(w.store().deliveries_of(&cid)).unwrap().len(), 2, "once per handoff");
    assert_eq!(code(&act(&w, &sam, &id, "hand_back", "")), (409, "wrong_status".into()), "nobody has it");
}

#[test]
fn resolving_says_goodbye_keeps_who_resolved_and_reopening_assigns_the_reopener() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let kim = agent(&w, "Kim Lee", "agent");
    let (id, token) = handed_off(&w);
    act(&w, &sam, &id, "claim", "");
    assert_eq!(code(&act(&w, &kim, &id, "resolve", "")), (403, "not_assignee".into()));
    let done = act(&w, &sam, &id, "resolve", r#"{"closing_message":"Glad I could help. Bye!"}"#);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(status(&w, &id), (ConversationStatus::Resolved, Some(sam.id.clone())));
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    let messages = history["messages"].as_array().unwrap();
    let goodbye = &messages[messages.len() - 3];
    assert_eq!(
        (goodbye["text"].as_str(), goodbye["author_name"].as_str()),
        (Some("Glad I could help. Bye!"), Some("Sam Rivera"))
    );
    // The visitor is told it is resolved (their widget's header goes back to the AI)…
    let notice = &messages[messages.len() - 2];
    assert_eq!(notice["author"], "system");
    assert!(notice["text"].as_str().unwrap().contains("resolved"), "{notice}");
    // …then the survey, once: "How did we do?"
    assert_eq!(messages.last().unwrap()["form"]["action"], "satisfaction");
    assert!(matches!(
        &done.publish.as_ref().unwrap().events[..],
        [LiveEvent::Message { .. }, LiveEvent::Message { .. }, LiveEvent::Message { .. }]
    ));
    assert_eq!(code(&act(&w, &sam, &id, "resolve", "")), (409, "wrong_status".into()));
    assert_eq!(code(&act(&w, &sam, &id, "resolve", r#"{"closing":"x"}"#)), (400, "invalid_field".into()));
    // Kim reopens it from the Resolved view and has it.
    let reopened = act(&w, &kim, &id, "reopen", "");
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert_eq!(status(&w, &id), (ConversationStatus::Assigned, Some(kim.id.clone())));
    assert_eq!(code(&act(&w, &kim, &id, "reopen", "")), (409, "already_claimed".into()));
}

#[test]
fn a_visitor_rates_a_resolved_conversation_once_and_the_inbox_shows_it() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, token) = handed_off(&w);
    act(&w, &sam, &id, "claim", "");
    act(&w, &sam, &id, "resolve", "");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    let survey = history["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(survey["form"]["title"], "How did we do?");
    let submit = format!("{}/{}/submit", messages_path(&id), survey["id"].as_str().unwrap());
    // Not a score from the list: refused, and nothing is kept.
    let bad = json!({"values": {"score": "7 – Superb"}}).to_string();
    let (status, v) = w.call("POST", &submit, Some(&token), &bad);
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("invalid_form")), "{v}");
    let rating =
        json!({"values": {"score": "4 – Good", "comment": "Quick and kind. My card 4111 1111 1111 1111 works."}})
            .to_string();
    let (status, v) = w.call("POST", &submit, Some(&token), &rating);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["messages"][1]["text"], "Thank you for your rating.");
    // A replay answers as before and keeps one rating.
    let (status, again) = w.call("POST", &submit, Some(&token), &rating);
    assert_eq!((status, &again["messages"]), (200, &v["messages"]));
    let detail = json_of(&as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations/{id}"), ""));
    assert_eq!(detail["satisfaction"]["score"], 4, "{detail}");
    let comment = detail["satisfaction"]["comment"].as_str().unwrap();
    assert!(comment.starts_with("Quick and kind.") && !comment.contains("4111 1111 1111 1111"), "masked: {comment}");
    assert_eq!(status_of(&w, &id), ConversationStatus::Resolved, "rating does not reopen it");
    // Reopened and resolved again: not asked twice.
    act(&w, &sam, &id, "reopen", "");
    act(&w, &sam, &id, "resolve", "");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    let surveys = history["messages"].as_array().unwrap().iter().filter(|m| m["form"]["action"] == "satisfaction");
    assert_eq!(surveys.count(), 1);
}

fn status_of(w: &World, id: &str) -> ConversationStatus {
    status(w, id).0
}

#[test]
fn a_visitor_writing_on_a_resolved_conversation_reopens_it_for_the_team() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, token) = handed_off(&w);
    act(&w, &sam, &id, "claim", "");
    act(&w, &sam, &id, "resolve", "");
    let waiting_before =
        json_of(&as_agent(&w, &sam, "GET", "/api/v1/inbox/conversations", ""))["counts"]["waiting"].clone();
    assert_eq!(waiting_before, 0);

    let wrote = say(&w, &id, &token, "Wait, is my ETH safe too?", "v2");
    assert_eq!(status(&w, &id), (ConversationStatus::Waiting, None), "back in the queue for anyone");
    assert_eq!(
        wrote.inbox.as_deref(),
        Some(&InboxEvent::Changed { conversation_id: id.clone(), status: ConversationStatus::Waiting }),
        "the agents' sockets hear of it"
    );
    let told = replies(&wrote);
    assert_eq!(told, ["Thanks — I've reopened this conversation, and our team will answer here."], "true now");
    let counts = json_of(&as_agent(&w, &sam, "GET", "/api/v1/inbox/conversations", ""))["counts"].clone();
    assert_eq!(counts["waiting"], 1);
    // The next message is not told to wait again, and the AI stays out of it.
    assert!(replies(&say(&w, &id, &token, FEES, "v3")).is_empty());

    // An owner who wants replies to go back to the agent who had it says so.
    let w =
        World::with_site(site_with(&HANDOFF.replacen("[handoff]\n", "[handoff]\nreopen_to_last_assignee = true\n", 1)));
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, token) = handed_off(&w);
    act(&w, &sam, &id, "claim", "");
    act(&w, &sam, &id, "resolve", "");
    say(&w, &id, &token, "one more thing", "v2");
    assert_eq!(status(&w, &id), (ConversationStatus::Assigned, Some(sam.id.clone())));
    let mine = json_of(&as_agent(&w, &sam, "GET", "/api/v1/inbox/conversations?view=mine", ""));
    assert_eq!(mine["conversations"][0]["id"], id.as_str());
}

#[test]
fn the_visitor_is_never_told_to_wait_once_an_agent_has_the_conversation() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (id, token) = handed_off(&w);
    act(&w, &sam, &id, "claim", "");
    act(&w, &sam, &id, "reply", r#"{"text":"Hi, Sam here. Let me look.","client_message_id":"r1"}"#);
    assert!(
        replies(&say(&w, &id, &token, "thanks!", "v2")).is_empty(),
        "Sam answered: no 'a specialist will read this'"
    );
}

#[test]
fn assigning_needs_an_enabled_agent_and_an_assigned_conversation_is_its_assignees_to_pass_on() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let kim = agent(&w, "Kim Lee", "agent");
    let (id, _) = handed_off(&w);
    let to = |a: &Signed| json!({"agent_id": a.id}).to_string();
    assert_eq!(json_of(&act(&w, &sam, &id, "assign", r#"{"agent_id":"aNobody"}"#))["error"]["field"], "agent_id");
    assert_eq!(code(&act(&w, &sam, &id, "assign", r#"{"agent":"x"}"#)), (400, "invalid_field".into()));
    let given = act(&w, &sam, &id, "assign", &to(&kim));
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(status(&w, &id), (ConversationStatus::Assigned, Some(kim.id.clone())));
    match &given.publish.as_ref().unwrap().events[..] {
        [LiveEvent::AgentJoined(a)] => assert_eq!(a.name, "Kim Lee", "the visitor sees who has it now"),
        other => panic!("{other:?}"),
    }
    assert_eq!(code(&act(&w, &sam, &id, "assign", &to(&sam))), (403, "not_assignee".into()));
    assert_eq!(act(&w, &kim, &id, "assign", &to(&sam)).status, 200);
    assert_eq!(status(&w, &id), (ConversationStatus::Assigned, Some(sam.id.clone())));
    let agents = json_of(&as_agent(&w, &sam, "GET", "/api/v1/inbox/agents", ""));
    assert_eq!(agents["agents"], json!([{"id": kim.id, "name": "Kim Lee"}, {"id": sam.id, "name": "Sam Rivera"}]));
}

#[test]
fn the_views_count_and_search_and_a_visitor_message_while_waiting_is_news() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (first, first_token) = handed_off(&w);
    let (second, _) = handed_off(&w);
    let (_ai, _) = w.start();
    let list = |q: &str| json_of(&as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations{q}"), ""));
    let waiting = list("");
    let ids: Vec<&str> =
        waiting["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(waiting["counts"], json!({"waiting": 2, "mine": 0, "open": 2, "resolved": 0, "ai": 1, "snoozed": 0}));
    let with_ai = list("?view=ai");
    assert_eq!(with_ai["conversations"].as_array().unwrap().len(), 1, "the AI's conversation, to watch");
    assert_eq!(with_ai["conversations"][0]["status"], "ai");
    assert_eq!(waiting["now_ms"], NOW_MS);
    assert_eq!(waiting["conversations"][0]["reason"], "The visitor asked for a person");
    act(&w, &sam, &first, "claim", "");
    let mine = list("?view=mine");
    assert_eq!(mine["conversations"][0]["id"], first.as_str());
    assert_eq!(mine["counts"]["mine"], 1);
    let news = say(&w, &first, &first_token, "my order number is 88231", "v2");
    assert_eq!(
        news.inbox.as_deref(),
        Some(&InboxEvent::Changed { conversation_id: first.clone(), status: ConversationStatus::Assigned })
    );
    let found = list("?view=open&q=ORDER%20NUMBER%20is%2088231");
    assert_eq!(found["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(found["conversations"][0]["preview"], "my order number is 88231", "what the visitor wrote last");
    assert_eq!(list("?view=open&q=nothing-like-this")["conversations"], json!([]));
    assert_eq!(list(&format!("?view=waiting&q={second}"))["conversations"], json!([]), "ids are not searched");
    assert_eq!(list("?view=everything")["error"]["field"], "view");
    assert_eq!(list(&format!("?q={}", "x".repeat(201)))["error"]["field"], "q");
}

#[test]
fn a_handoff_needs_every_agent_until_each_reads_it_and_a_visitors_message_needs_its_assignee() {
    let w = world();
    let (sam, ana) = (agent(&w, "Sam Rivera", "agent"), agent(&w, "Ana Lopez", "agent"));
    let (id, token) = handed_off(&w);
    let at = |who: &Signed, t: u64, method: &str, path: &str| {
        w.respond_at(
            t,
            &request(method, path, &[("cookie", &who.cookie), ("origin", SELF), ("sec-fetch-site", "same-origin")], ""),
        )
    };
    let needs = |who: &Signed, t: u64| -> Vec<String> {
        let list = json_of(&at(who, t, "GET", "/api/v1/inbox/conversations?view=mine"));
        list["attention"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
    };
    // Whatever view is shown, a new handoff needs everyone, with what the visitor wrote.
    assert_eq!(needs(&sam, NOW_MS + 1), [id.as_str()]);
    let list = json_of(&at(&ana, NOW_MS + 1, "GET", "/api/v1/inbox/conversations"));
    assert_eq!(list["attention"][0]["preview"], "I want to talk to a person");
    assert_eq!(list["attention"][0]["status"], "waiting");
    assert_eq!(list["wait_alert_ms"], 5 * 60_000, "the default threshold");
    assert_eq!(list["long_waits"], json!(null), "not five minutes yet");
    let later = json_of(&at(&ana, NOW_MS + 5 * 60_000, "GET", "/api/v1/inbox/conversations"));
    assert_eq!(later["long_waits"][0]["id"], id.as_str());
    // Sam reads it: Ana still has it to read.
    let read = format!("/api/v1/inbox/conversations/{id}/read");
    assert_eq!(at(&sam, NOW_MS + 2, "POST", &read).status, 204);
    assert_eq!(needs(&sam, NOW_MS + 3), Vec::<String>::new());
    assert_eq!(needs(&ana, NOW_MS + 3), [id.as_str()]);
    // Sam's once claimed: the visitor's next message needs Sam only.
    assert_eq!(act(&w, &sam, &id, "claim", "").status, 200);
    let body = json!({"text": "my order is 88231", "client_message_id": "v2"}).to_string();
    let said = w.respond_at(
        NOW_MS + 10,
        &request("POST", &messages_path(&id), &[("authorization", &format!("Bearer {token}"))], &body),
    );
    assert_eq!(said.status, 200, "{}", said.body);
    assert_eq!(needs(&sam, NOW_MS + 11), [id.as_str()]);
    assert_eq!(needs(&ana, NOW_MS + 11), Vec::<String>::new(), "not hers");
    // A stranger's id, or no session, marks nothing.
    assert_eq!(at(&sam, NOW_MS + 12, "POST", "/api/v1/inbox/conversations/not%20an%20id/read").status, 404);
    let anonymous = w.respond(&request("POST", &read, &[("origin", SELF), ("sec-fetch-site", "same-origin")], ""));
    assert_eq!(anonymous.status, 401);
}

#[test]
fn the_detail_holds_identity_attributes_summary_and_redacted_runs() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (status_code, v) = w.call(
        "POST",
        "/api/v1/conversations",
        None,
        &json!({"user_id": "u7", "user_hash": super::tests::user_hash("u7"),
            "lead": {"email": "ana@example.com", "name": "Ana"}, "attributes": {"plan": "gold"}})
        .to_string(),
    );
    assert_eq!(status_code, 201);
    let (id, token) = (v["conversation_id"].as_str().unwrap().to_string(), v["token"].as_str().unwrap().to_string());
    say(&w, &id, &token, "status of 0x2b1f4c4e9f5b9e5d7c3a1b0f8e6d4c2a0b9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d", "v1");
    say(&w, &id, &token, "I want to talk to a person", "v2");
    let detail = json_of(&as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations/{id}"), ""));
    assert_eq!(
        detail["identity"],
        json!({"user_id": "u7", "email": "ana@example.com", "name": "Ana", "signed": "user_hash",
            "email_signed": false, "name_signed": false, "verified": false})
    );
    assert_eq!(detail["attributes"], json!({"plan": "gold"}));
    assert_eq!(detail["reason"], json!({"kind": "human_requested"}));
    assert_eq!(detail["summary"]["reason"], "The visitor asked for a person");
    let run = &detail["runs"][0];
    assert_eq!((run["action"].as_str(), run["status"].as_str()), (Some("tx-status"), Some("ok")), "{detail}");
    assert!(run["request"].as_str().unwrap().starts_with("GET https://api.example.com/tx/0x2b1f"), "{run}");
    assert!(!detail.to_string().contains("sk_test_abcdef"), "the secret never reaches the inbox");
    assert_eq!(detail["messages"].as_array().unwrap().len(), 5, "{detail}");
    assert_eq!(code(&as_agent(&w, &sam, "GET", "/api/v1/inbox/conversations/c%27", "")).0, 404);
}

#[test]
fn an_agents_replies_and_notes_are_rate_limited() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let kim = agent(&w, "Kim Lee", "agent");
    let (id, _) = handed_off(&w);
    act(&w, &sam, &id, "claim", "");
    let limit = crate::limits::keys::AGENT_WRITES_PER_MINUTE as usize;
    let statuses: Vec<u16> = (0..limit + 2)
        .map(|i| {
            let (what, body) = if i % 2 == 0 {
                ("messages", json!({"text": format!("reply {i}"), "client_message_id": format!("r{i}")}))
            } else {
                ("notes", json!({"text": format!("note {i}")}))
            };
            act(&w, &sam, &id, what, &body.to_string()).status
        })
        .collect();
    assert!(statuses[..limit].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(&statuses[limit..], [429, 429], "a scripted session cannot flood the visitor");
    let note = act(&w, &kim, &id, "notes", &json!({"text": "Kim's own limit"}).to_string());
    assert_eq!(note.status, 201, "another agent is not limited by Sam's writes");
}

#[test]
fn canned_replies_are_the_teams_or_ones_own_and_only_admins_change_the_teams() {
    let w = world();
    let (sam, ana, lee) =
        (agent(&w, "Sam Rivera", "agent"), agent(&w, "Ana Lopez", "agent"), agent(&w, "Lee Admin", "admin"));
    let add = |who: &Signed, body: Value| as_agent(&w, who, "POST", "/api/v1/inbox/canned", &body.to_string());
    let listed = |who: &Signed| -> Vec<(String, String, bool)> {
        let list = json_of(&as_agent(&w, who, "GET", "/api/v1/inbox/canned", ""));
        list["replies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (r["shortcut"].as_str().unwrap().into(), r["scope"].as_str().unwrap().into(), r["editable"] == true)
            })
            .collect()
    };
    let mine = add(
        &sam,
        json!({"shortcut": "/Refund", "text": "Hi {{lead.name}}, refunds take 5 days.", "scope": "personal"}),
    );
    assert_eq!(mine.status, 201, "{}", mine.body);
    let mine = json_of(&mine);
    assert_eq!((mine["shortcut"].as_str(), mine["editable"].as_bool()), (Some("refund"), Some(true)));
    // The shortcut is Sam's alone: taken for Sam, free for Ana.
    let again = add(&sam, json!({"shortcut": "refund", "text": "x", "scope": "personal"}));
    assert_eq!(code(&again), (409, "shortcut_taken".into()));
    assert_eq!(add(&ana, json!({"shortcut": "refund", "text": "Ana's", "scope": "personal"})).status, 201);
    // Only an admin makes the team's.
    let shared = json!({"shortcut": "hello", "text": "Hello, {{agent.first_name}} here.", "scope": "shared"});
    assert_eq!(code(&add(&sam, shared.clone())), (403, "not_admin".into()));
    let team = json_of(&add(&lee, shared));
    assert_eq!(listed(&sam), [("hello".into(), "shared".into(), false), ("refund".into(), "personal".into(), true)]);
    assert_eq!(listed(&lee), [("hello".into(), "shared".into(), true)], "nobody sees another's own");
    // Sam can neither change nor delete the team's; nobody reaches another's own.
    let path = |id: &Value| format!("/api/v1/inbox/canned/{}", id.as_str().unwrap());
    let edit = json!({"shortcut": "hello", "text": "changed", "scope": "shared"}).to_string();
    assert_eq!(code(&as_agent(&w, &sam, "PUT", &path(&team["id"]), &edit)), (403, "not_admin".into()));
    assert_eq!(code(&as_agent(&w, &sam, "DELETE", &path(&team["id"]), "")), (403, "not_admin".into()));
    assert_eq!(code(&as_agent(&w, &ana, "DELETE", &path(&mine["id"]), "")), (404, "not_found".into()));
    assert_eq!(as_agent(&w, &lee, "PUT", &path(&team["id"]), &edit).status, 200);
    let renamed = json!({"shortcut": "refunds", "text": "Refunds take 5 days.", "scope": "personal"}).to_string();
    assert_eq!(as_agent(&w, &sam, "PUT", &path(&mine["id"]), &renamed).status, 200);
    assert_eq!(as_agent(&w, &sam, "DELETE", &path(&mine["id"]), "").status, 204);
    assert_eq!(listed(&sam), [("hello".into(), "shared".into(), false)]);
    // Bad drafts name their field.
    let bad = |body: Value| json_of(&add(&sam, body))["error"]["field"].as_str().unwrap().to_string();
    assert_eq!(bad(json!({"shortcut": "two words", "text": "x", "scope": "personal"})), "shortcut");
    assert_eq!(bad(json!({"shortcut": "key", "text": "{{secrets.API_KEY}}", "scope": "personal"})), "text");
    // No session, no replies.
    let anonymous =
        w.respond(&request("GET", "/api/v1/inbox/canned", &[("origin", SELF), ("sec-fetch-site", "same-origin")], ""));
    assert_eq!(anonymous.status, 401);
}

#[test]
fn tags_and_priority_are_set_whole_shown_on_rows_and_filter_the_views() {
    let w = world();
    let sam = agent(&w, "Sam Rivera", "agent");
    let (first, _) = handed_off(&w);
    let (second, _) = handed_off(&w);
    let label = |id: &str, body: Value| act(&w, &sam, id, "labels", &body.to_string());
    let set = label(&first, json!({"tags": ["VIP", "refund request", "vip"], "priority": "urgent"}));
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(json_of(&set)["tags"], json!(["refund-request", "vip"]));
    assert_eq!(
        set.inbox.as_deref(),
        Some(&InboxEvent::Changed { conversation_id: first.clone(), status: ConversationStatus::Waiting }),
        "every inbox hears of it"
    );
    assert_eq!(label(&second, json!({"tags": ["vip"]})).status, 200);
    let ids = |q: &str| -> Vec<String> {
        let list = json_of(&as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations?view=waiting{q}"), ""));
        list["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids("&tag=Refund%20Request"), [first.as_str()], "a tag is folded as stored");
    assert_eq!(ids("&tag=vip").len(), 2);
    assert_eq!(ids("&priority=urgent"), [first.as_str()]);
    assert_eq!(ids("&priority=normal"), [second.as_str()]);
    assert_eq!(ids("&tag=vip&priority=urgent"), [first.as_str()]);
    let list = json_of(&as_agent(&w, &sam, "GET", "/api/v1/inbox/conversations?view=waiting&priority=urgent", ""));
    assert_eq!(list["conversations"][0]["priority"], "urgent");
    // Set whole: what is left out is removed.
    assert_eq!(label(&first, json!({"tags": []})).status, 200);
    assert_eq!(ids("&tag=refund-request"), Vec::<String>::new());
    assert_eq!(ids("&priority=normal").len(), 2);
    // Bad input names its field; a conversation that does not exist is not labelled.
    assert_eq!(json_of(&label(&first, json!({"tags": ["<b>"]})))["error"]["field"], "tags");
    assert_eq!(json_of(&label(&first, json!({"priority": "asap"})))["error"]["code"], "invalid_field");
    let list = as_agent(&w, &sam, "GET", "/api/v1/inbox/conversations?priority=asap", "");
    assert_eq!(json_of(&list)["error"]["field"], "priority");
    assert_eq!(code(&label("cNoSuchConversation1", json!({"tags": ["x"]}))).0, 404);
}

#[test]
fn an_agent_snoozes_a_waiting_conversation_until_the_visitor_writes_and_every_inbox_hears() {
    let w = world();
    let sam = agent(&w, "Sam", "agent");
    let (id, token) = handed_off(&w);
    let (ai, _) = w.start();
    let snooze = |id: &str, body: &str| act(&w, &sam, id, "snooze", body);
    assert_eq!(code(&snooze(&ai, "{}")), (409, "wrong_status".into()), "the AI's conversation is not queued");
    assert_eq!(code(&snooze(&id, r#"{"until_ms": 1}"#)), (400, "invalid_field".into()), "a moment passed");
    assert_eq!(code(&snooze(&id, r#"{"until": null}"#)).0, 400, "unknown fields are refused");
    let r = snooze(&id, r#"{"until_ms": null}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json_of(&r)["snooze"], json!({"until_ms": null}));
    assert!(matches!(r.inbox.as_deref(), Some(InboxEvent::Changed { .. })));
    let list =
        |view: &str| json_of(&as_agent(&w, &sam, "GET", &format!("/api/v1/inbox/conversations?view={view}"), ""));
    assert_eq!(list("waiting")["conversations"].as_array().unwrap().len(), 0);
    assert_eq!(list("snoozed")["conversations"][0]["id"], id.as_str());
    assert_eq!(list("waiting")["counts"]["snoozed"], 1);
    // The visitor writes, a second later: back in Waiting.
    let body = json!({"text": "Any news?", "client_message_id": "v2"}).to_string();
    let bearer = format!("Bearer {token}");
    let said =
        w.respond_at(NOW_MS + 1_000, &request("POST", &messages_path(&id), &[("authorization", &bearer)], &body));
    assert_eq!(said.status, 200, "{}", said.body);
    w.settle();
    assert_eq!(list("waiting")["conversations"][0]["id"], id.as_str());
    // Snoozed again, then brought back by hand.
    assert_eq!(snooze(&id, r#"{"until_ms": null}"#).status, 200);
    let back = as_agent(&w, &sam, "DELETE", &format!("/api/v1/inbox/conversations/{id}/snooze"), "");
    assert_eq!((back.status, json_of(&back)["snooze"].is_null()), (200, true));
    let cookieless =
        w.respond(&request("POST", &format!("/api/v1/inbox/conversations/{id}/snooze"), &[("origin", SELF)], "{}"));
    assert_eq!(code(&cookieless), (401, "not_signed_in".into()));
}
