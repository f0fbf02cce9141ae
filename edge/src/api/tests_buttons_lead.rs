//! Buttons (quick replies, links, action buttons, Confirm/Cancel), the lead form in each of its
//! timings, and custom attributes — through the conversations' objects, as other clients would use them.

use super::tests::{messages_path, World};
use serde_json::{json, Value};
use shared::site::SiteBundle;

const STATUS: &str = r#"{"name":"Service Status","type":"http","method":"GET","url":"https://api.example.com/status?plan={{conversation.attributes.plan}}",
    "description":"Whether deposits and withdrawals work normally.","response":{"reply":"All {{response.status}}."}}"#;
const STATEMENT: &str = r#"{"name":"Send Statement","type":"http","method":"POST","scope":"write","confirm":true,
    "url":"https://api.example.com/statements","body":{"email":"{{lead.email}}"},"requires":["lead.email"],
    "description":"Email the customer a statement of their account."}"#;
const WHITELIST: &str = r#"{"name":"Whitelist Address","type":"http","method":"POST","scope":"write","confirm":true,
    "url":"https://api.example.com/whitelist","body":{"address":"{{inputs.address}}"},
    "inputs":[{"name":"address","format":"eth_address","description":"Withdrawal address"}],
    "description":"Add a withdrawal address to the account's whitelist."}"#;
const STATUS_PAGE: &str = r#"{"name":"Status Page","type":"button","description":"Open the live status page with incidents.",
    "button":{"label":"Open the status page","url":"https://status.example.com"}}"#;
const CHECK_STATUS: &str = r#"{"name":"Check Status Button","type":"button","internal":true,
    "button":{"label":"Check service status","run":"service-status"}}"#;

fn site(extra_agent: &str) -> SiteBundle {
    let agent = format!(
        "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi, I'm Nova.\"\n{extra_agent}\n[answering]\nfallback = \"I don't know that.\"\n[actions]\nallowed_hosts = [\"api.example.com\"]\n"
    );
    let fees = "+++\ntitle = \"Fees\"\nurl = \"/fees\"\n+++\n## Withdrawal fees\n- Bitcoin: 0.0002 BTC";
    let actions = [
        ("status", STATUS),
        ("statement", STATEMENT),
        ("whitelist", WHITELIST),
        ("status-page", STATUS_PAGE),
        ("check", CHECK_STATUS),
    ];
    let actions: Vec<(String, String)> =
        actions.iter().map(|(f, a)| (format!("actions/{f}.json"), a.to_string())).collect();
    SiteBundle::from_dir_files(&agent, &[("knowledge/fees.md".into(), fees.into())], &actions).unwrap()
}

const QUICK: &str = "[[quick_replies]]\nlabel = \"What are the withdrawal fees?\"\n[[quick_replies]]\nlabel = \"Check status\"\naction = \"check-status-button\"\n[[quick_replies]]\nlabel = \"Status page\"\naction = \"status-page\"";

fn click(w: &World, id: &str, token: &str, message: &str, button: &str) -> (u16, Value) {
    w.call("POST", &format!("{}/{message}/buttons/{button}", messages_path(id)), Some(token), "")
}

fn say(w: &World, id: &str, token: &str, text: &str, client: &str) -> Value {
    let (status, v) = w.call(
        "POST",
        &messages_path(id),
        Some(token),
        &json!({"text": text, "client_message_id": client}).to_string(),
    );
    assert_eq!(status, 200, "{v}");
    v
}

fn last(v: &Value) -> &Value {
    v["messages"].as_array().unwrap().last().unwrap()
}

#[test]
fn quick_replies_sit_under_the_greeting_and_each_acts_once() {
    let w = World::with_site(site(QUICK));
    let (status, v) = w.call("POST", "/api/v1/conversations", None, r#"{"attributes":{"plan":"pro"}}"#);
    assert_eq!(status, 201, "{v}");
    let (id, token) = (v["conversation_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    let greeting = &v["messages"][0];
    let g = greeting["id"].as_str().unwrap();
    let buttons = greeting["buttons"].as_array().unwrap();
    assert_eq!(buttons.len(), 3);
    assert_eq!(buttons[0]["does"], json!({"reply": "What are the withdrawal fees?"}));
    assert_eq!(buttons[1]["does"], json!({"run": "service-status"}));
    assert_eq!(buttons[2]["does"], json!({"open_url": "https://status.example.com"}));

    // A quick reply is the visitor's message, answered as if typed.
    let (status, first) = click(&w, id, token, g, "b0");
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["messages"][0]["text"], "What are the withdrawal fees?");
    assert!(last(&first)["text"].as_str().unwrap().contains("0.0002 BTC"));

    // The action button runs through the edge with the conversation's attributes, once.
    let (status, run) = click(&w, id, token, g, "b1");
    assert_eq!(status, 200, "{run}");
    assert_eq!(last(&run)["action"]["status"], "ok", "{run}");
    assert_eq!(last(&run)["text"], "All confirmed.");
    let count = w.message_count();
    let (_, again) = click(&w, id, token, g, "b1");
    assert_eq!(again, run, "a second click returns the first result");
    assert_eq!(w.message_count(), count);
    let sent = w.network.0.borrow();
    assert_eq!(sent.len(), 1, "one run for two clicks");
    assert_eq!(sent[0].url, "https://api.example.com/status?plan=pro");
    drop(sent);

    // Links open in the browser; unknown buttons are not found.
    let (status, v) = click(&w, id, token, g, "b2");
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("button")));
    let (status, _) = click(&w, id, token, g, "b9");
    assert_eq!(status, 404);
    let (status, _) = click(&w, id, "not-the-token", g, "b1");
    assert_eq!(status, 403);
}

#[test]
fn the_agent_offers_a_button_action_when_asked() {
    let w = World::with_site(site(""));
    let (id, token) = w.start();
    let v = say(&w, &id, &token, "open the status page with incidents", "k1");
    let reply = last(&v);
    assert_eq!(reply["buttons"][0]["label"], "Open the status page", "{v}");
    assert_eq!(reply["buttons"][0]["does"]["open_url"], "https://status.example.com");
    assert!(w.network.0.borrow().is_empty());
}

#[test]
fn confirm_and_cancel_buttons_decide_a_write_and_act_once() {
    let w = World::with_site(site(""));
    let (status, v) = w.call("POST", "/api/v1/conversations", None, r#"{"lead":{"email":"ana@example.com"}}"#);
    assert_eq!(status, 201);
    let (id, token) = (v["conversation_id"].as_str().unwrap().to_string(), v["token"].as_str().unwrap().to_string());
    let ask = say(&w, &id, &token, "please email me a statement of my account", "k1");
    let prompt = last(&ask);
    assert!(prompt["text"].as_str().unwrap().starts_with("Please confirm: **Send Statement**"), "{ask}");
    assert_eq!(prompt["buttons"][0]["label"], "Confirm");
    assert_eq!(prompt["buttons"][1]["label"], "Cancel");
    let first_prompt = prompt["id"].as_str().unwrap().to_string();

    let (_, cancelled) = click(&w, &id, &token, &first_prompt, "b1");
    assert_eq!(last(&cancelled)["text"], "OK, I've cancelled that. Nothing was changed.");
    let (_, stale) = click(&w, &id, &token, &first_prompt, "b0");
    assert_eq!(last(&stale)["text"], "That is no longer waiting for your confirmation, so nothing was run.");
    assert!(w.network.0.borrow().is_empty(), "nothing sent before a confirmation");

    let ask = say(&w, &id, &token, "please email me a statement of my account", "k2");
    let prompt = last(&ask)["id"].as_str().unwrap().to_string();
    let (_, done) = click(&w, &id, &token, &prompt, "b0");
    assert_eq!(last(&done)["action"]["status"], "ok", "{done}");
    let (_, again) = click(&w, &id, &token, &prompt, "b0");
    assert_eq!(done, again);
    let sent = w.network.0.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body.as_deref(), Some(r#"{"email":"ana@example.com"}"#));
}

#[test]
fn the_confirmation_shows_the_values_that_will_be_sent() {
    let w = World::with_site(site(""));
    let (id, token) = w.start();
    let address = "0x52908400098527886e0f7030069857d2e4169ee7";
    let ask = say(&w, &id, &token, &format!("please whitelist this withdrawal address {address}"), "k1");
    let text = last(&ask)["text"].as_str().unwrap().to_string();
    assert!(text.starts_with("Please confirm: **Whitelist Address**"), "{text}");
    assert!(text.contains(&format!("- Withdrawal address: {address}")), "{text}");
    assert!(w.network.0.borrow().is_empty());
}

#[test]
fn an_older_confirm_button_cannot_run_a_newer_request() {
    // The visitor is asked to confirm address A, then asks for address B: A's Confirm, still in
    // the history, must not send B (nor A): only the prompt that asked for B runs it.
    let w = World::with_site(site(""));
    let (id, token) = w.start();
    let (a, b) = ("0x52908400098527886e0f7030069857d2e4169ee7", "0x8617e340b3d01fa5f11f306f4090fd50e238070d");
    let ask_a = say(&w, &id, &token, &format!("please whitelist this withdrawal address {a}"), "k1");
    let prompt_a = last(&ask_a)["id"].as_str().unwrap().to_string();
    let ask_b = say(&w, &id, &token, &format!("please whitelist this withdrawal address {b}"), "k2");
    let text_b = last(&ask_b)["text"].as_str().unwrap().to_string();
    assert!(text_b.contains(b), "{text_b}");
    let prompt_b = last(&ask_b)["id"].as_str().unwrap().to_string();

    let (_, stale) = click(&w, &id, &token, &prompt_a, "b0");
    let again = last(&stale);
    assert!(again["text"].as_str().unwrap().starts_with("That button was for an earlier request, so nothing was run."));
    assert!(w.network.0.borrow().is_empty(), "the older prompt ran nothing");
    // Its answer asks again for the request that waits; B's own prompt is now the older one.
    assert_eq!(again["buttons"][0]["does"]["confirm"], "whitelist-address");
    let (_, refused) = click(&w, &id, &token, &prompt_b, "b0");
    assert!(last(&refused)["text"].as_str().unwrap().starts_with("That button was for an earlier request"));
    assert!(w.network.0.borrow().is_empty());

    // The latest prompt (the answer to that click) runs it, with B's values.
    let (_, done) = click(&w, &id, &token, last(&refused)["id"].as_str().unwrap(), "b0");
    assert_eq!(last(&done)["action"]["status"], "ok", "{done}");
    let sent = w.network.0.borrow();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.as_deref().unwrap_or_default().contains(b), "{:?}", sent[0].body);
}

#[test]
fn lead_before_the_first_message_gates_the_chat() {
    let lead = "[lead]\nask = \"before_first_message\"\nname_required = true\nfields = [{ name = \"company\", kind = \"text\", label = \"Company\" }]";
    let w = World::with_site(site(&format!("{QUICK}\n{lead}")));
    let (status, v) = w.call("POST", "/api/v1/conversations", None, "");
    assert_eq!(status, 201);
    let (id, token) = (v["conversation_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    assert!(v["messages"][0].get("buttons").is_none(), "quick replies wait for the contact details");
    let form = &v["messages"][1];
    assert_eq!(form["form"]["action"], "lead");
    let names: Vec<&str> =
        form["form"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["name", "email", "company"]);

    let (status, v) = w.call("POST", &messages_path(id), Some(token), r#"{"text":"hello","client_message_id":"k1"}"#);
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("lead_required")));

    let submit = format!("{}/{}/submit", messages_path(id), form["id"].as_str().unwrap());
    let (status, v) = w.call("POST", &submit, Some(token), r#"{"values":{"name":"","email":"not-an-email"}}"#);
    assert_eq!(status, 422, "{v}");
    assert!(v["error"]["fields"]["name"].is_string() && v["error"]["fields"]["email"].is_string(), "{v}");

    let (status, v) =
        w.call("POST", &submit, Some(token), r#"{"values":{"name":"Ana","email":"ana@example.com","company":"Acme"}}"#);
    assert_eq!(status, 200, "{v}");
    let thanks = last(&v);
    assert!(thanks["text"].as_str().unwrap().starts_with("Thanks, Ana!"), "{v}");
    assert_eq!(thanks["buttons"].as_array().unwrap().len(), 3, "the quick replies come now");
    let conversation = shared::ConversationId::parse(id).unwrap();
    let record = super::tests::block_on(crate::store::ConversationStore::conversation(&w.store(), &conversation))
        .unwrap()
        .unwrap();
    assert_eq!(record.lead.email.as_deref(), Some("ana@example.com"));
    assert_eq!(record.lead.name.as_deref(), Some("Ana"));
    assert_eq!(record.attributes["company"], "Acme");
    say(&w, id, token, "hello", "k2");
}

#[test]
fn lead_after_messages_asks_once_at_that_message() {
    let w = World::with_site(site("[lead]\nask = \"after_messages\"\nafter_messages = 2"));
    let (id, token) = w.start();
    let first = say(&w, &id, &token, "what are the withdrawal fees?", "k1");
    assert!(first["messages"].as_array().unwrap().iter().all(|m| m.get("form").is_none()));
    let second = say(&w, &id, &token, "thanks", "k2");
    assert_eq!(last(&second)["form"]["action"], "lead", "{second}");
    let third = say(&w, &id, &token, "thanks again", "k3");
    assert!(third["messages"].as_array().unwrap().iter().all(|m| m.get("form").is_none()));
}

#[test]
fn lead_when_needed_comes_with_the_question_and_the_action_goes_on() {
    let w = World::with_site(site("[lead]\nask = \"when_needed\""));
    let (id, token) = w.start();
    let ask = say(&w, &id, &token, "please email me a statement of my account", "k1");
    let card = last(&ask);
    assert!(card["text"].as_str().unwrap().contains("What's the email address on your account?"), "{ask}");
    assert_eq!(card["form"]["action"], "lead");
    let submit = format!("{}/{}/submit", messages_path(&id), card["id"].as_str().unwrap());
    let (status, v) = w.call("POST", &submit, Some(&token), r#"{"values":{"email":"bo@example.com"}}"#);
    assert_eq!(status, 200, "{v}");
    let msgs = v["messages"].as_array().unwrap();
    assert!(msgs[1]["text"].as_str().unwrap().starts_with("Thanks!"));
    assert!(msgs[2]["text"].as_str().unwrap().starts_with("Please confirm: **Send Statement**"), "{v}");
    assert_eq!(msgs[2]["buttons"][0]["label"], "Confirm");
    let (_, done) = click(&w, &id, &token, msgs[2]["id"].as_str().unwrap(), "b0");
    assert_eq!(last(&done)["action"]["status"], "ok", "{done}");
    assert_eq!(w.network.0.borrow()[0].body.as_deref(), Some(r#"{"email":"bo@example.com"}"#));
}

#[test]
fn attributes_are_validated_merged_and_reach_templates() {
    let w = World::with_site(site(QUICK));
    let (status, v) = w.call("POST", "/api/v1/conversations", None, r#"{"attributes":{"bad-name":"x"}}"#);
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("attributes.bad-name")));
    let (id, token) = w.start();
    let path = format!("/api/v1/conversations/{id}/attributes");
    let (status, v) = w.call("POST", &path, Some(&token), r#"{"attributes":{"plan":"basic","tier":"2"}}"#);
    assert_eq!((status, &v), (200, &json!({"attributes": {"plan": "basic", "tier": "2"}})));
    let (_, v) = w.call("POST", &path, Some(&token), r#"{"attributes":{"plan":"vip","tier":""}}"#);
    assert_eq!(v, json!({"attributes": {"plan": "vip"}}), "merged; an empty value removes");
    let (status, _) = w.call("POST", &path, None, r#"{"attributes":{}}"#);
    assert_eq!(status, 401);
    let (status, v) = w.call("POST", &path, Some(&token), &json!({"attributes": {"x": "y".repeat(501)}}).to_string());
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("attributes.x")));
    let greeting = format!("{id}-g0");
    let (_, run) = click(&w, &id, &token, &greeting, "b1");
    assert_eq!(last(&run)["action"]["status"], "ok");
    assert_eq!(w.network.0.borrow()[0].url, "https://api.example.com/status?plan=vip");
}

#[test]
fn a_field_named_like_a_credential_is_not_kept_in_the_transcript() {
    let w = World::with_site(site(
        "[lead]\nask = \"when_needed\"\nfields = [{ name = \"pin\", kind = \"text\", label = \"Support PIN\" }]",
    ));
    let (id, token) = w.start();
    let ask = say(&w, &id, &token, "please email me a statement of my account", "k1");
    let card = last(&ask)["id"].as_str().unwrap().to_string();
    let submit = format!("{}/{card}/submit", messages_path(&id));
    let (status, v) = w.call("POST", &submit, Some(&token), r#"{"values":{"email":"bo@example.com","pin":"4711"}}"#);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["messages"][0]["submission"]["values"]["pin"], "[REDACTED]");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert!(!history.to_string().contains("4711"), "{history}");
}

#[test]
fn a_form_that_keeps_nothing_records_the_submission_without_its_values() {
    let agent = "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi, I'm Nova.\"\n[answering]\nfallback = \"I don't know that.\"";
    let feedback = r#"{"name":"Anonymous Feedback","type":"form","description":"Tell us anonymously how we did.",
        "form":{"title":"Feedback","fields":[{"name":"comment","kind":"textarea","label":"Comment","required":true}],
        "on_submit":{"store":false}}}"#;
    let site = SiteBundle::from_dir_files(agent, &[], &[("actions/feedback.json".into(), feedback.into())]).unwrap();
    let w = World::with_site(site);
    let (id, token) = w.start();
    let shown = say(&w, &id, &token, "anonymous feedback", "k1");
    let card = last(&shown);
    assert_eq!(card["form"]["action"], "anonymous-feedback", "{shown}");
    let submit = format!("{}/{}/submit", messages_path(&id), card["id"].as_str().unwrap());
    let body = r#"{"values":{"comment":"the courier was rude"}}"#;
    let (status, v) = w.call("POST", &submit, Some(&token), body);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["messages"][0]["submission"]["values"], json!({}));
    let (_, again) = w.call("POST", &submit, Some(&token), body);
    assert_eq!(again, v, "a second submit returns the first result");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert!(!history.to_string().contains("courier"), "{history}");
}

/// The links in a message as clients draw it.
pub(crate) fn links_in(text: &str) -> Vec<String> {
    use shared::markdown::{parse, Block, Inline};
    let inlines = parse(text).into_iter().flat_map(|b| match b {
        Block::Paragraph(i) => i,
        Block::List { items, .. } => items.into_iter().flatten().collect(),
    });
    inlines.filter_map(|i| if let Inline::Link { href, .. } = i { Some(href) } else { None }).collect()
}

#[test]
fn no_visitor_or_api_value_puts_a_link_or_markup_into_an_ai_message() {
    // The lead's name, echoed in the AI's thanks.
    let w = World::with_site(site("[lead]\nask = \"before_first_message\""));
    let (_, v) = w.call("POST", "/api/v1/conversations", None, "");
    let (id, token) = (v["conversation_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    let submit = format!("{}/{}/submit", messages_path(id), v["messages"][1]["id"].as_str().unwrap());
    let name = "[Reset your password here](https://evil.example/login) **now**";
    let body = json!({"values": {"name": name, "email": "ana@example.com"}}).to_string();
    let (status, v) = w.call("POST", &submit, Some(token), &body);
    assert_eq!(status, 200, "{v}");
    let thanks = last(&v)["text"].as_str().unwrap().to_string();
    assert_eq!(links_in(&thanks), Vec::<String>::new(), "{thanks}");
    assert!(shared::markdown::plain_text(&thanks).contains("[Reset your password here]"), "shown as typed: {thanks}");
}

#[test]
fn a_button_switched_off_does_nothing_from_a_card_already_shown() {
    let w = World::with_site(site(QUICK));
    let (_, v) = w.call("POST", "/api/v1/conversations", None, r#"{"attributes":{"plan":"pro"}}"#);
    let (id, token) = (v["conversation_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    let g = v["messages"][0]["id"].as_str().unwrap().to_string();
    let off = r#"{"enabled": false}"#;
    let (status, _) =
        w.call("PUT", "/api/v1/admin/actions/check-status-button/enabled", Some(super::tests::ADMIN), off);
    assert_eq!(status, 200);
    // The greeting stored before the switch still carries the button: a click runs nothing.
    let (status, v) = click(&w, id, token, &g, "b1");
    assert_eq!((status, v["error"]["code"].as_str()), (404, Some("action_not_found")), "{v}");
    assert!(w.network.0.borrow().is_empty(), "nothing was sent");
    // Back on, the same card runs it.
    w.call("DELETE", "/api/v1/admin/actions/check-status-button/enabled", Some(super::tests::ADMIN), "");
    let (status, v) = click(&w, id, token, &g, "b1");
    assert_eq!((status, last(&v)["action"]["status"].as_str()), (200, Some("ok")), "{v}");
}

#[test]
fn a_form_switched_off_takes_no_submission_from_a_card_already_shown() {
    let agent = "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi, I'm Nova.\"\n[answering]\nfallback = \"I don't know that.\"";
    let feedback = r#"{"name":"Anonymous Feedback","type":"form","description":"Tell us anonymously how we did.",
        "form":{"title":"Feedback","fields":[{"name":"comment","kind":"textarea","label":"Comment","required":true}]}}"#;
    let site = SiteBundle::from_dir_files(agent, &[], &[("actions/feedback.json".into(), feedback.into())]).unwrap();
    let w = World::with_site(site);
    let (id, token) = w.start();
    let card = last(&say(&w, &id, &token, "anonymous feedback", "k1")).clone();
    assert_eq!(card["form"]["action"], "anonymous-feedback", "{card}");
    let off = r#"{"enabled": false}"#;
    let (status, _) = w.call("PUT", "/api/v1/admin/actions/anonymous-feedback/enabled", Some(super::tests::ADMIN), off);
    assert_eq!(status, 200);
    let submit = format!("{}/{}/submit", messages_path(&id), card["id"].as_str().unwrap());
    let (status, v) = w.call("POST", &submit, Some(&token), r#"{"values":{"comment":"late again"}}"#);
    assert_eq!((status, v["error"]["code"].as_str()), (404, Some("action_not_found")), "{v}");
    let (_, history) = w.call("GET", &messages_path(&id), Some(&token), "");
    assert!(!history.to_string().contains("late again"), "nothing was stored: {history}");
}
