//! Handoff to a human through the visitor API, through the conversations' objects: the rules, what the
//! visitor is told, the AI's silence afterwards, the summary and the one webhook per handoff —
//! and what an attacker cannot make it do.

use super::tests::{block_on, messages_path, World, NOW_MS};
use crate::actions::ssrf::NetworkPolicy;
use crate::handoff::delivery::{deliver_due, deliver_now, Target};
use crate::handoff::webhook::{verify, SIGNATURE_HEADER};
use crate::store::{ConversationStore, DeliveryStatus, HandoffStore};
use serde_json::{json, Value};
use shared::handoff::ConversationStatus;
use shared::site::SiteBundle;
use shared::ConversationId;

pub(super) const HANDOFF: &str = r#"
[handoff]
[[handoff.topics]]
name = "Account takeover"
phrases = ["someone logged into my account", "account was hacked"]
[handoff.webhook]
url = "https://hooks.example.com/switchboard"
secret = "HOOK_SECRET"
"#;

const TX: &str = r#"{"name":"Tx Status","type":"http","method":"GET","url":"https://api.example.com/tx/{{inputs.tx}}",
    "headers":{"Authorization":"Bearer {{secrets.API_KEY}}"},"inputs":[{"name":"tx","format":"tx_hash"}],
    "response":{"reply":"It is {{response.status}}.","handoff_when":{"path":"amount","greater_than":1000}}}"#;
const CLAIM: &str = r#"{"name":"Damage Claim","type":"form","description":"Report an item that arrived damaged.",
    "form":{"title":"Damage claim","fields":[{"name":"order","kind":"text","label":"Order","required":true}],
    "on_submit":{"handoff":true}}}"#;

pub(super) fn site_with(extra: &str) -> SiteBundle {
    let agent = format!(
        "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi, I'm Nova.\"\n[answering]\nfallback = \"I don't know that.\"\n\
         [limits]\nconversations_per_ip_per_hour = 100000\n[actions]\nallowed_hosts = [\"api.example.com\", \"hooks.example.com\"]\n\
         secrets = [\"API_KEY\"]\n{extra}"
    );
    let fees = "+++\ntitle = \"Fees\"\nurl = \"/fees\"\n+++\n## Withdrawal fees\n- Bitcoin: 0.0002 BTC";
    let actions = [("actions/tx.json".to_string(), TX.to_string()), ("actions/claim.json".into(), CLAIM.into())];
    SiteBundle::from_dir_files(&agent, &[("knowledge/fees.md".into(), fees.into())], &actions).unwrap()
}

fn world() -> World {
    World::with_site(site_with(HANDOFF))
}

fn say(w: &World, id: &str, token: &str, text: &str, client: &str) -> Vec<Value> {
    let body = json!({"text": text, "client_message_id": client}).to_string();
    let (status, v) = w.call("POST", &messages_path(id), Some(token), &body);
    assert_eq!(status, 200, "{v}");
    v["messages"].as_array().unwrap()[1..].to_vec()
}

fn texts(replies: &[Value]) -> Vec<&str> {
    replies.iter().map(|r| r["text"].as_str().unwrap()).collect()
}

fn conversation(w: &World, id: &str) -> crate::store::ConversationRecord {
    block_on(w.store().conversation(&ConversationId::parse(id).unwrap())).unwrap().unwrap()
}

fn deliveries(w: &World, id: &str) -> Vec<crate::store::Delivery> {
    block_on(w.store().deliveries_of(&ConversationId::parse(id).unwrap())).unwrap()
}

const HANDOFF_TEXT: &str = "I'm connecting you with a specialist — they'll see everything you've told me.";

#[test]
fn an_account_takeover_goes_to_a_human_who_is_told_everything_and_the_ai_falls_silent() {
    let w = world();
    let (id, token) = w.start();
    say(&w, &id, &token, "what are the withdrawal fees for bitcoin?", "k1");
    let replies = say(&w, &id, &token, "someone logged into my account and withdrew my bitcoin", "k2");
    assert_eq!(texts(&replies), [HANDOFF_TEXT], "no knowledge-base answer, only the handoff");

    let record = conversation(&w, &id);
    assert_eq!(record.status, ConversationStatus::Waiting);
    let handoff = record.handoff.expect("a handoff");
    assert_eq!(handoff.summary.reason, "Topic: Account takeover");
    assert_eq!(
        handoff.summary.issue,
        ["what are the withdrawal fees for bitcoin?", "someone logged into my account and withdrew my bitcoin"]
    );
    assert_eq!(handoff.summary.answers[0].sources[0].url, "/fees#withdrawal-fees", "what the AI answered, cited");

    // One delivery, queued for glue to send after the response.
    let queued = w.outbox.take();
    assert_eq!(queued, [format!("{id}.handoff.1")]);
    let d = &deliveries(&w, &id)[0];
    let payload: Value = serde_json::from_str(&d.payload).unwrap();
    assert_eq!(payload["type"], "conversation.handoff");
    assert_eq!(payload["data"]["reason"], json!({"kind": "topic", "topic": "Account takeover"}));
    assert_eq!(payload["data"]["summary"]["issue"][1], "someone logged into my account and withdrew my bitcoin");

    // The AI answers no more: once it says a specialist answers here, then nothing.
    let next = say(&w, &id, &token, "what are the withdrawal fees for bitcoin?", "k3");
    assert_eq!(texts(&next), ["Thanks — a specialist will read this and answer here."]);
    assert!(say(&w, &id, &token, "hello?", "k4").is_empty());
    assert!(say(&w, &id, &token, "someone logged into my account!", "k5").is_empty(), "no second handoff");
    assert_eq!(deliveries(&w, &id).len(), 1, "never notified twice");
    assert!(w.outbox.take().is_empty());
    // A retry of a message that got no reply stays without one.
    assert!(say(&w, &id, &token, "hello?", "k4").is_empty());
}

#[test]
fn a_visitor_asking_for_a_person_is_handed_off_and_without_a_webhook_nothing_is_queued() {
    let w = World::with_site(site_with("[handoff]"));
    let (id, token) = w.start();
    assert_eq!(texts(&say(&w, &id, &token, "I want a real person", "k1")), [HANDOFF_TEXT]);
    assert_eq!(conversation(&w, &id).status, ConversationStatus::Waiting);
    assert!(deliveries(&w, &id).is_empty() && w.outbox.take().is_empty());
    // Without [handoff] at all, asking for a person is just a question.
    let plain = World::with_site(site_with(""));
    let (id, token) = plain.start();
    assert_ne!(texts(&say(&plain, &id, &token, "I want a real person", "k1")), [HANDOFF_TEXT]);
    assert_eq!(conversation(&plain, &id).status, ConversationStatus::Ai);
}

#[test]
fn questions_the_ai_cannot_answer_and_angry_messages_hand_off_after_n_in_a_row() {
    let w = world();
    let (id, token) = w.start();
    assert_eq!(texts(&say(&w, &id, &token, "do you sell garden gnomes?", "k1")), ["I don't know that."]);
    assert_eq!(texts(&say(&w, &id, &token, "hello", "k2")).len(), 1, "small talk breaks no streak");
    let second = say(&w, &id, &token, "can I pay with seashells?", "k3");
    assert_eq!(texts(&second), ["I don't know that.", HANDOFF_TEXT]);
    assert_eq!(conversation(&w, &id).handoff.unwrap().summary.reason, "2 questions in a row the AI could not answer");

    // Angry messages alone ("I don't know" answers to them do not count here).
    let w = World::with_site(site_with("[handoff]\nunanswered = 0"));
    let (id, token) = w.start();
    say(&w, &id, &token, "this is terrible", "k1");
    say(&w, &id, &token, "what are the withdrawal fees for bitcoin?", "k2");
    say(&w, &id, &token, "this is terrible", "k3");
    say(&w, &id, &token, "useless and awful", "k4");
    assert_eq!(conversation(&w, &id).status, ConversationStatus::Ai, "a calm message broke the streak");
    let third = say(&w, &id, &token, "unacceptable, the worst", "k5");
    assert_eq!(texts(&third), [HANDOFF_TEXT]);
}

#[test]
fn an_action_result_over_the_threshold_or_a_failed_action_hands_off_after_the_result() {
    let w = world();
    *w.network.1.borrow_mut() = Some(Box::new(|_| (200, r#"{"status":"confirmed","amount":5000}"#.into())));
    let (id, token) = w.start();
    let tx = format!("0x{}", "ab".repeat(32));
    let replies = say(&w, &id, &token, &format!("status of {tx}"), "k1");
    assert_eq!(texts(&replies), ["It is confirmed.", HANDOFF_TEXT]);
    let summary = conversation(&w, &id).handoff.unwrap().summary;
    assert_eq!(summary.reason, "The result of Tx Status needs a person");
    assert_eq!(summary.actions[0].result, "It is confirmed.");

    *w.network.1.borrow_mut() = Some(Box::new(|_| (200, r#"{"status":"confirmed","amount":20}"#.into())));
    let (id, token) = w.start();
    assert_eq!(texts(&say(&w, &id, &token, &format!("status of {tx}"), "k1")), ["It is confirmed."]);
    assert_eq!(conversation(&w, &id).status, ConversationStatus::Ai, "below the threshold");

    *w.network.1.borrow_mut() = Some(Box::new(|_| (503, "down".into())));
    let (id, token) = w.start();
    let replies = say(&w, &id, &token, &format!("status of {tx}"), "k1");
    assert!(replies[0]["text"].as_str().unwrap().starts_with("I couldn't complete **Tx Status**"));
    assert_eq!(replies[1]["text"], HANDOFF_TEXT);
    let summary = serde_json::to_string(&conversation(&w, &id).handoff.unwrap().summary).unwrap();
    assert!(!summary.contains("sk_test_abcdef"), "the action's secret is never in the summary: {summary}");
    let payload = &deliveries(&w, &id)[0].payload;
    assert!(!payload.contains("sk_test_abcdef") && !payload.contains("api.example.com"), "{payload}");
}

#[test]
fn an_api_saying_not_found_or_invalid_is_relayed_as_such_and_is_no_failed_action() {
    let tx = format!("0x{}", "ab".repeat(32));
    for (status, meaning) in [(404, "couldn't find"), (422, "didn't accept"), (400, "didn't accept")] {
        let w = world();
        *w.network.1.borrow_mut() = Some(Box::new(move |_| (status, r#"{"error":"no such thing"}"#.into())));
        let (id, token) = w.start();
        let replies = say(&w, &id, &token, &format!("status of {tx}"), "k1");
        let text = replies[0]["text"].as_str().unwrap();
        assert!(text.contains(meaning) && text.contains("Tx Status"), "{status}: {text}");
        assert_eq!(replies.len(), 1, "{status}: no handoff for an answer the API gave: {replies:?}");
        assert_eq!(conversation(&w, &id).status, ConversationStatus::Ai);
    }
    // Refused credentials are the owner's set-up, not the visitor's details: still a failure.
    let w = world();
    *w.network.1.borrow_mut() = Some(Box::new(|_| (401, String::new())));
    let (id, token) = w.start();
    let replies = say(&w, &id, &token, &format!("status of {tx}"), "k1");
    assert_eq!(replies[1]["text"], HANDOFF_TEXT);
}

#[test]
fn a_form_with_on_submit_handoff_hands_off_once_submitted_and_later_forms_run_nothing() {
    let w = world();
    let (id, token) = w.start();
    let shown = say(&w, &id, &token, "damage claim", "k1");
    let card = shown.last().unwrap();
    assert_eq!(card["form"]["action"], "damage-claim", "{shown:?}");
    let submit = format!("{}/{}/submit", messages_path(&id), card["id"].as_str().unwrap());
    let (status, v) = w.call("POST", &submit, Some(&token), r#"{"values":{"order":"ORD-1234"}}"#);
    assert_eq!(status, 200, "{v}");
    let replies: Vec<Value> = v["messages"].as_array().unwrap()[1..].to_vec();
    assert_eq!(texts(&replies), ["Thanks — we've received it.", HANDOFF_TEXT]);
    let summary = conversation(&w, &id).handoff.unwrap().summary;
    assert_eq!(summary.reason, "Form submitted: Damage claim");
    assert_eq!(summary.inputs[0].values["order"], "ORD-1234");
}

#[test]
fn outside_office_hours_the_visitor_is_told_when_humans_are_back_and_asked_for_contact_details() {
    // NOW_MS is Tuesday 24 November 2026, 00:00 UTC: 01:00 in Berlin, before opening.
    let hours =
        "[handoff.office_hours]\ntime_zone = \"Europe/Berlin\"\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n\
                 open = \"09:00\"\nclose = \"17:00\"\nexpected_wait_minutes = 10\n";
    let lead = "[lead]\nask = \"when_needed\"\n";
    let w = World::with_site(site_with(&format!("{lead}{HANDOFF}{hours}")));
    let (id, token) = w.start();
    let replies = say(&w, &id, &token, "I want a real person", "k1");
    let text = replies[0]["text"].as_str().unwrap();
    assert!(text.starts_with(HANDOFF_TEXT), "{text}");
    assert!(text.contains("offline right now") && text.contains("back today at 09:00 (Europe/Berlin)"), "{text}");
    assert_eq!(replies[0]["form"]["action"], shared::site::LEAD_FORM, "the contact form comes with it");
    let payload: Value = serde_json::from_str(&deliveries(&w, &id)[0].payload).unwrap();
    assert_eq!(payload["data"]["office_hours"], "closed");
    // The contact form still works while a human has the conversation.
    let submit = format!("{}/{}/submit", messages_path(&id), replies[0]["id"].as_str().unwrap());
    let (status, v) = w.call("POST", &submit, Some(&token), r#"{"values":{"name":"Ana","email":"ana@example.com"}}"#);
    assert_eq!(status, 200, "{v}");
    assert_eq!(conversation(&w, &id).lead.email.as_deref(), Some("ana@example.com"));

    // Ten hours later it is 11:00 in Berlin: open, with the usual wait.
    let (status, v) = w.call_at(NOW_MS, "POST", "/api/v1/conversations", None, "");
    assert_eq!(status, 201);
    let (id, token) = (v["conversation_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    let body = json!({"text": "agent please", "client_message_id": "k1"}).to_string();
    let (_, v) = w.call_at(NOW_MS + 10 * 3_600_000, "POST", &messages_path(id), Some(token), &body);
    assert_eq!(v["messages"][1]["text"], format!("{HANDOFF_TEXT} The usual wait is about 10 minutes."));
    assert!(v["messages"][1]["form"].is_null());
}

#[test]
fn a_visitor_cannot_change_who_answers_or_retrigger_the_webhook() {
    let w = world();
    let (id, token) = w.start();
    say(&w, &id, &token, "account was hacked", "k1");
    // Attributes are the visitor's only free-form state: they cannot name the status.
    let (status, _) = w.call(
        "POST",
        &format!("/api/v1/conversations/{id}/attributes"),
        Some(&token),
        r#"{"attributes":{"status":"ai"}}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(conversation(&w, &id).status, ConversationStatus::Waiting);
    for i in 0..12 {
        say(&w, &id, &token, "someone logged into my account, I want a human", &format!("again{i}"));
    }
    assert_eq!(deliveries(&w, &id).len(), 1);
    // Another conversation's token opens nothing of this one.
    let (_, other) = w.start();
    let (status, _) = w.call("GET", &messages_path(&id), Some(&other), "");
    assert_eq!(status, 403);
}

fn hooks() -> NetworkPolicy {
    NetworkPolicy { allowed_hosts: vec!["hooks.example.com".into()], ..Default::default() }
}

#[test]
fn the_webhook_is_signed_retried_with_backoff_and_every_attempt_recorded() {
    let w = world();
    let (id, token) = w.start();
    say(&w, &id, &token, "someone logged into my account", "k1");
    let delivery = w.outbox.take().remove(0);
    // The receiver fails once, then accepts.
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = calls.clone();
    *w.network.1.borrow_mut() = Some(Box::new(move |_| {
        seen.set(seen.get() + 1);
        if seen.get() == 1 {
            (500, "oops".into())
        } else {
            (204, String::new())
        }
    }));
    w.network.0.borrow_mut().clear();
    let policy = hooks();
    let target = Target {
        url: "https://hooks.example.com/switchboard",
        secret_name: "HOOK_SECRET",
        secret: Some("whsec_test"),
        policy: &policy,
    };
    let status = block_on(deliver_now(&w.store(), &w.network, &target, &delivery, NOW_MS)).unwrap();
    assert_eq!(status, Some(DeliveryStatus::Delivered), "retried once at once, then delivered");
    let sent = w.network.0.borrow().clone();
    assert_eq!(sent.len(), 2);
    for request in &sent {
        let header = request.header(SIGNATURE_HEADER).unwrap();
        let t: u64 = header[2..header.find(',').unwrap()].parse().unwrap();
        assert_eq!(verify("whsec_test", header, request.body.as_deref().unwrap(), t, 300), Ok(()));
        assert_eq!(request.header("switchboard-delivery"), Some(delivery.as_str()));
    }
    let attempts = block_on(w.store().attempts(&delivery)).unwrap();
    assert_eq!(attempts.iter().map(|a| a.status_code).collect::<Vec<_>>(), [Some(500), Some(204)]);
    assert_eq!(attempts[1].at_ms - attempts[0].at_ms, 5_000, "the first retry 5 s later");
    // Delivered: the Cron run sends nothing more.
    let run = block_on(deliver_due(&w.store(), &w.network, &target, NOW_MS + 86_400_000)).unwrap();
    assert_eq!(run.attempted, 0);
}

#[test]
fn a_receiver_that_keeps_failing_is_retried_by_the_cron_run_until_it_gives_up() {
    let w = world();
    let (id, token) = w.start();
    say(&w, &id, &token, "someone logged into my account", "k1");
    let delivery = w.outbox.take().remove(0);
    *w.network.1.borrow_mut() = Some(Box::new(|_| (500, String::new())));
    let policy = hooks();
    let target = Target {
        url: "https://hooks.example.com/switchboard",
        secret_name: "HOOK_SECRET",
        secret: Some("k"),
        policy: &policy,
    };
    let status = block_on(deliver_now(&w.store(), &w.network, &target, &delivery, NOW_MS)).unwrap();
    assert_eq!(status, Some(DeliveryStatus::Pending), "two attempts inline, the rest later");
    let mut now = NOW_MS;
    for _ in 0..10 {
        now += 86_400_000;
        block_on(deliver_due(&w.store(), &w.network, &target, now)).unwrap();
    }
    let d = &deliveries(&w, &id)[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Failed, 8));
    assert_eq!(block_on(w.store().attempts(&delivery)).unwrap().len(), 8, "every attempt recorded");
}

#[test]
fn the_webhook_is_never_sent_unsigned_nor_where_the_network_rules_refuse() {
    let w = world();
    let (id, token) = w.start();
    say(&w, &id, &token, "someone logged into my account", "k1");
    let delivery = w.outbox.take().remove(0);
    w.network.0.borrow_mut().clear();
    let policy = hooks();
    let unsigned =
        Target { url: "https://hooks.example.com/x", secret_name: "HOOK_SECRET", secret: None, policy: &policy };
    let status = block_on(deliver_now(&w.store(), &w.network, &unsigned, &delivery, NOW_MS)).unwrap();
    assert_eq!(status, Some(DeliveryStatus::Pending));
    assert!(w.network.0.borrow().is_empty(), "nothing sent without the secret");
    let attempts = block_on(w.store().attempts(&delivery)).unwrap();
    assert_eq!(attempts[0].error.as_deref(), Some("the webhook secret HOOK_SECRET is not set on the edge"));

    let inside =
        Target { url: "http://169.254.169.254/latest", secret_name: "HOOK_SECRET", secret: Some("k"), policy: &policy };
    let later = NOW_MS + 86_400_000;
    block_on(deliver_due(&w.store(), &w.network, &inside, later)).unwrap();
    assert!(w.network.0.borrow().is_empty(), "the metadata address is never called");
    assert_eq!(deliveries(&w, &id)[0].status, DeliveryStatus::Failed, "a refused URL stays refused");
}

#[test]
fn a_site_whose_webhook_breaks_the_network_rules_does_not_build() {
    let bad = HANDOFF.replace("https://hooks.example.com/switchboard", "http://10.0.0.5/hook");
    let agent = format!("site_id = \"t\"\nname = \"N\"\ngreeting = \"Hi\"\n{bad}");
    let errors = SiteBundle::from_files(&agent, &[]).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|e| e.contains("handoff.webhook.url") && e.contains("allowed_hosts")), "{shown:?}");
}
