//! The verification holes of the 2026-11-26 security review, tried against an owner API shaped
//! unlike the demo's (it answers a wrong code with `200 {"valid": false}`), plus signed identity,
//! wrong-code limits and visitor rate limits.

use super::tests::{messages_path, World, IDENTITY_SECRET, NOW_MS};
use crate::actions::render::OutboundRequest;
use serde_json::{json, Value};
use shared::site::SiteBundle;

const SEND: &str = r#"{"name":"Email Code","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/codes","body":{"user":"{{lead.email}}"},"requires":["lead.email"],
    "response":{"reply":"I've emailed you a code."}}"#;
const CHECK: &str = r#"{"name":"Check Code","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/codes/check","body":{"user":"{{lead.email}}","otp":"{{inputs.otp}}"},
    "inputs":[{"name":"otp","format":"otp","description":"the code we emailed you"}],"requires":["lead.email"],
    "verifies":true,"response":{"success_when":{"path":"valid","equals":true},"reply":"You're verified."},
    "rate_limit":{"per_conversation_per_hour":50,"per_hour":500}}"#;
const CLOSE: &str = r#"{"name":"Close Account","type":"http","method":"POST","scope":"write","confirm":true,
    "url":"https://api.example.com/accounts/close","body":{"user":"{{lead.email}}"},"requires":["lead.email"],
    "requires_verification":true,"description":"Close the customer's account for good.",
    "response":{"reply":"Your account is closed."}}"#;
const STATEMENT: &str = r#"{"name":"Account Statement","type":"http","method":"GET",
    "url":"https://api.example.com/statements?user={{lead.email}}","requires":["lead.email"],
    "requires_verified_identity":true,"description":"Send the signed-in customer their account statement.",
    "response":{"reply":"Statement sent."}}"#;

const RIGHT_CODE: &str = "424242";

fn site() -> SiteBundle {
    let agent = "site_id = \"acme\"\nname = \"Acme\"\ngreeting = \"Hello from Acme Wallet.\"\n\
        [identity]\nmethod = \"jwt\"\n[lead]\nask = \"when_needed\"\n\
        [answering]\nfallback = \"I don't know that.\"\n\
        [actions]\nallowed_hosts = [\"api.example.com\"]\nverification_send = \"email-code\"\n\
        verification_check = \"check-code\"\nmax_failed_checks = 3\nverification_ttl_minutes = 10\n";
    let page = "+++\ntitle = \"Accounts\"\nurl = \"/accounts\"\n+++\n## Closing an account\nWe can close it for you.";
    let actions: Vec<(String, String)> = [("send", SEND), ("check", CHECK), ("close", CLOSE), ("statement", STATEMENT)]
        .iter()
        .map(|(f, a)| (format!("actions/{f}.json"), a.to_string()))
        .collect();
    SiteBundle::from_dir_files(agent, &[("knowledge/accounts.md".into(), page.into())], &actions).unwrap()
}

/// The owner's API as many real ones are: a wrong code is `200 {"valid": false}`.
fn world() -> World {
    let w = World::with_site(site());
    *w.network.1.borrow_mut() = Some(Box::new(|r: &OutboundRequest| {
        let body: Value = r.body.as_deref().map_or(Value::Null, |b| serde_json::from_str(b).unwrap());
        match r.url.as_str() {
            "https://api.example.com/codes/check" => (200, json!({"valid": body["otp"] == RIGHT_CODE}).to_string()),
            _ => (200, json!({"ok": true}).to_string()),
        }
    }));
    w
}

struct Chat<'w> {
    w: &'w World,
    id: String,
    token: String,
    n: std::cell::Cell<u32>,
}

impl<'w> Chat<'w> {
    fn start(w: &'w World) -> Self {
        let (id, token) = w.start();
        Self { w, id, token, n: 0.into() }
    }

    /// A conversation created with this body (an identity, say).
    fn open(w: &'w World, body: Value) -> Self {
        let (status, v) = w.call("POST", "/api/v1/conversations", None, &body.to_string());
        assert_eq!(status, 201, "{v}");
        Self {
            w,
            id: v["conversation_id"].as_str().unwrap().into(),
            token: v["token"].as_str().unwrap().into(),
            n: 0.into(),
        }
    }

    fn say_at(&self, now_ms: u64, text: &str) -> Value {
        self.n.set(self.n.get() + 1);
        let body = json!({"text": text, "client_message_id": format!("k{}", self.n.get())}).to_string();
        let (status, v) = self.w.call_at(now_ms, "POST", &messages_path(&self.id), Some(&self.token), &body);
        assert_eq!(status, 200, "{v}");
        v
    }

    fn say(&self, text: &str) -> Value {
        self.say_at(NOW_MS, text)
    }

    fn submit(&self, message: &str, values: Value) -> (u16, Value) {
        let path = format!("{}/{message}/submit", messages_path(&self.id));
        self.w.call("POST", &path, Some(&self.token), &json!({ "values": values }).to_string())
    }

    fn click(&self, message: &str, button: &str) -> Value {
        let path = format!("{}/{message}/buttons/{button}", messages_path(&self.id));
        let (status, v) = self.w.call("POST", &path, Some(&self.token), "");
        assert_eq!(status, 200, "{v}");
        v
    }
}

fn last_text(v: &Value) -> String {
    v["messages"].as_array().unwrap().last().unwrap()["text"].as_str().unwrap().to_string()
}

fn sent_to(w: &World, url: &str) -> Vec<String> {
    w.network.0.borrow().iter().filter(|r| r.url == url).filter_map(|r| r.body.clone()).collect()
}

const CLOSE_URL: &str = "https://api.example.com/accounts/close";

#[test]
fn a_wrong_code_answered_with_200_valid_false_verifies_nothing() {
    let w = world();
    let chat = Chat::start(&w);
    assert!(last_text(&chat.say("please close my account")).contains("email address"));
    assert!(last_text(&chat.say("it's me@example.com")).contains("emailed you a code"));
    let wrong = chat.say("000000");
    assert!(last_text(&wrong).contains("didn't work"), "{wrong}");
    assert_eq!(wrong["messages"][1]["action"]["status"], "failed");
    // Nothing the visitor says now runs the close: it asks for the code again.
    let again = chat.say("yes");
    assert!(sent_to(&w, CLOSE_URL).is_empty(), "{again}");
    let record = crate::api::tests::block_on(crate::store::ConversationStore::conversation(
        &w.store(),
        &shared::ConversationId::parse(chat.id.as_str()).unwrap(),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(record.verification, None);
}

/// Verifies `me@example.com` and stops at the Confirm prompt; returns the lead card's message id
/// (still on screen) and the Confirm prompt's message id.
fn verified_up_to_confirm(chat: &Chat) -> (String, String) {
    let ask = chat.say("please close my account");
    let card = ask["messages"].as_array().unwrap().iter().find(|m| m["form"]["action"] == "lead").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    chat.say("me@example.com");
    let confirm = chat.say(RIGHT_CODE);
    let prompt = confirm["messages"].as_array().unwrap().last().unwrap();
    assert!(prompt["text"].as_str().unwrap().starts_with("Please confirm: **Close Account**"), "{confirm}");
    (card, prompt["id"].as_str().unwrap().to_string())
}

#[test]
fn changing_the_email_after_verifying_clears_verification_and_the_pending_confirm() {
    let w = world();
    let chat = Chat::start(&w);
    let (card, prompt) = verified_up_to_confirm(&chat);
    // The stale lead card, submitted with the victim's address.
    let (status, v) = chat.submit(&card, json!({"email": "victim@example.com"}));
    assert_eq!(status, 200, "{v}");
    let confirm = chat.click(&prompt, "b0");
    assert!(last_text(&confirm).contains("no longer waiting"), "{confirm}");
    chat.say("yes");
    let again = chat.say("please close my account");
    assert!(last_text(&again).contains("emailed you a code"), "a new verification is needed: {again}");
    assert!(sent_to(&w, CLOSE_URL).is_empty(), "nothing closed for anyone");
    // The code now goes to the victim's address: only the victim's code verifies it.
    assert_eq!(sent_to(&w, "https://api.example.com/codes").last().unwrap(), r#"{"user":"victim@example.com"}"#);
}

#[test]
fn the_same_email_keeps_verification_and_confirm_runs_for_it() {
    let w = world();
    let chat = Chat::start(&w);
    let (card, prompt) = verified_up_to_confirm(&chat);
    let (status, _) = chat.submit(&card, json!({"email": "ME@example.com", "name": "Me"}));
    assert_eq!(status, 200);
    let done = chat.click(&prompt, "b0");
    assert!(last_text(&done).contains("account is closed"), "{done}");
    assert_eq!(sent_to(&w, CLOSE_URL), [r#"{"user":"me@example.com"}"#]);
}

#[test]
fn verification_expires() {
    let w = world();
    let chat = Chat::start(&w);
    verified_up_to_confirm(&chat);
    chat.say("no");
    let later = chat.say_at(NOW_MS + 11 * 60_000, "please close my account");
    assert!(last_text(&later).contains("emailed you a code"), "{later}");
    let soon = chat.say_at(NOW_MS + 11 * 60_000 + 1, "no");
    assert!(!soon.to_string().contains("Please confirm"), "{soon}");
}

#[test]
fn wrong_codes_are_limited_per_conversation_and_per_email_without_calling_the_owner() {
    let w = world();
    let chat = Chat::start(&w);
    chat.say("please close my account");
    chat.say("me@example.com");
    for _ in 0..3 {
        assert!(last_text(&chat.say("111111")).contains("didn't work"));
    }
    let checks = || sent_to(&w, "https://api.example.com/codes/check").len();
    assert_eq!(checks(), 3);
    chat.say("please close my account");
    let blocked = chat.say("222222");
    assert!(last_text(&blocked).contains("too many wrong codes"), "{blocked}");
    assert_eq!(checks(), 3, "the fourth guess never reached the owner");
    // A new conversation buys no new guesses on the same email.
    let other = Chat::start(&w);
    other.say("please close my account");
    other.say("Me@Example.com");
    let refused = other.say(RIGHT_CODE);
    assert!(last_text(&refused).contains("too many wrong codes"), "{refused}");
    assert_eq!(checks(), 3);
}

#[test]
fn a_right_code_does_not_count_as_a_wrong_one() {
    let w = world();
    for _ in 0..4 {
        let chat = Chat::start(&w);
        verified_up_to_confirm(&chat);
    }
    assert_eq!(sent_to(&w, "https://api.example.com/codes/check").len(), 4);
}

/// A token for this site (`aud` is its site id unless the claims name one).
fn jwt(mut claims: Value) -> String {
    claims.as_object_mut().unwrap().entry("aud").or_insert(json!("acme"));
    crate::identity::tests::sign(IDENTITY_SECRET, "HS256", &claims)
}

#[test]
fn a_signed_token_decides_the_email_and_the_visitor_cannot_change_it() {
    let w = world();
    let token = jwt(json!({"sub": "u-7", "email": "ana@example.com", "name": "Ana", "exp": NOW_MS / 1000 + 600}));
    // The browser's own lead is ignored when a valid token is given.
    let chat = Chat::open(&w, json!({"user_jwt": token, "lead": {"email": "victim@example.com"}, "user_id": "u-1"}));
    let done = chat.say("please send my account statement");
    assert!(last_text(&done).contains("Statement sent"), "{done}");
    assert_eq!(w.network.0.borrow().last().unwrap().url, "https://api.example.com/statements?user=ana%40example.com");
    let ask = chat.say("please close my account");
    assert!(!ask.to_string().contains("\"action\":\"lead\""), "a signed email is never asked for again");
}

#[test]
fn a_signed_identity_ends_with_its_token_even_mid_conversation() {
    let w = world();
    let token = jwt(json!({"sub": "u-7", "email": "ana@example.com", "exp": NOW_MS / 1000 + 600}));
    let chat = Chat::open(&w, json!({"user_jwt": token}));
    assert!(last_text(&chat.say("please send my account statement")).contains("Statement sent"));
    let later = chat.say_at(NOW_MS + 601_000, "please send my account statement");
    assert!(last_text(&later).contains("signed in"), "{later}");
    assert_eq!(w.network.0.borrow().len(), 1, "nothing ran on the expired token");
}

#[test]
fn a_signed_user_id_alone_does_not_open_email_keyed_actions() {
    let w = world();
    let hash = crate::identity::hmac_sha256(IDENTITY_SECRET.as_bytes(), b"u-7")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let chat = Chat::open(&w, json!({"user_id": "u-7", "user_hash": hash, "lead": {"email": "victim@example.com"}}));
    let refused = chat.say("please send my account statement");
    assert!(last_text(&refused).contains("signed in"), "{refused}");
    assert!(w.network.0.borrow().is_empty());

    let forged = jwt(json!({"sub": "u-7", "email": "victim@example.com", "exp": NOW_MS / 1000 - 3600}));
    let chat = Chat::open(&w, json!({"user_jwt": forged}));
    let refused = chat.say("please send my account statement");
    assert!(!refused.to_string().contains("Statement sent"), "an expired token signs nothing: {refused}");
}

#[test]
fn a_signed_lead_cannot_be_overwritten_by_a_lead_form() {
    let w = World::with_site(site());
    let token = jwt(json!({"sub": "u-7", "email": "ana@example.com", "exp": NOW_MS / 1000 + 600}));
    let (_, v) = w.call("POST", "/api/v1/conversations", None, &json!({"user_jwt": token}).to_string());
    let (id, tok) = (v["conversation_id"].as_str().unwrap().to_string(), v["token"].as_str().unwrap().to_string());
    // A lead card on screen (as `after_messages` sites show one), submitted with another address.
    let card = crate::store::NewMessage {
        form: crate::agent::cards::lead_card(&w.site, &Default::default()),
        ..crate::store::NewMessage::bot(
            shared::MessageId::parse(format!("{id}-g9")).unwrap(),
            "Your details?".into(),
            None,
            NOW_MS,
        )
    };
    let cid = shared::ConversationId::parse(id.as_str()).unwrap();
    crate::api::tests::block_on(crate::store::ConversationStore::insert_replies(&w.store(), &cid, &[card])).unwrap();
    let path = format!("{}/{id}-g9/submit", messages_path(&id));
    let (status, v) =
        w.call("POST", &path, Some(&tok), &json!({"values": {"email": "victim@example.com"}}).to_string());
    assert_eq!(status, 422, "{v}");
    assert!(v["error"]["fields"]["email"].as_str().unwrap().contains("signed in"));
    let record =
        crate::api::tests::block_on(crate::store::ConversationStore::conversation(&w.store(), &cid)).unwrap().unwrap();
    assert_eq!(record.lead.email.as_deref(), Some("ana@example.com"));
}

#[test]
fn visitors_get_429_with_retry_after_and_nothing_is_stored() {
    let w = world();
    let chat = Chat::start(&w);
    for i in 0..20 {
        chat.say(&format!("hello {i}"));
    }
    let stored = w.message_count();
    let body = json!({"text": "one too many", "client_message_id": "over"}).to_string();
    let (status, v) = w.call("POST", &messages_path(&chat.id), Some(&chat.token), &body);
    assert_eq!(status, 429, "{v}");
    assert_eq!(v["error"]["code"], "rate_limited");
    assert!((1..=60).contains(&v["error"]["retry_after"].as_u64().unwrap()), "{v}");
    assert_eq!(w.message_count(), stored, "a refused message is not stored");
    let (status, _) = w.call_at(NOW_MS + 60_000, "POST", &messages_path(&chat.id), Some(&chat.token), &body);
    assert_eq!(status, 200, "the window moved on");
}

#[test]
fn conversation_creation_is_limited_per_visitor_address() {
    let w = World::with_site(site());
    let create = |ip: &str| {
        let edge_req = crate::api::HttpRequest {
            method: "POST".into(),
            path: "/api/v1/conversations".into(),
            query: String::new(),
            headers: vec![("cf-connecting-ip".into(), ip.into())],
            body: Vec::new(),
        };
        w.request(&edge_req).0
    };
    for _ in 0..60 {
        assert_eq!(create("203.0.113.7"), 201);
    }
    assert_eq!(create("203.0.113.7"), 429);
    assert_eq!(create("198.51.100.2"), 201, "another address is not affected");
}

/// A form for the code, sent to the check action: the same guarded run as a typed code.
const CODE_FORM: &str = r#"{"name":"Enter Code","type":"form","description":"Type the code we emailed you.",
    "form":{"title":"Your code","fields":[{"name":"otp","kind":"text","label":"Code","format":"otp","required":true}],
    "on_submit":{"run":"check-code"}}}"#;

#[test]
fn a_right_code_sent_through_a_form_verifies_the_conversation_and_a_wrong_one_does_not() {
    let mut site = site();
    site.actions.push(shared::action::ActionDef::from_json(CODE_FORM).unwrap());
    let w = World::with_site(site);
    *w.network.1.borrow_mut() = world().network.1.take();
    let chat = Chat::open(&w, json!({"lead": {"email": "me@example.com"}}));
    let cid = shared::ConversationId::parse(chat.id.as_str()).unwrap();
    let form = w.site.action("enter-code").unwrap().form().cloned().unwrap();
    let cards: Vec<_> = (1..=2)
        .map(|i| crate::store::NewMessage {
            form: Some(crate::agent::cards::form_card("enter-code", &form, &Default::default())),
            ..crate::store::NewMessage::bot(
                shared::MessageId::parse(format!("{}-f{i}", chat.id)).unwrap(),
                "Your code?".into(),
                None,
                NOW_MS,
            )
        })
        .collect();
    crate::api::tests::block_on(crate::store::ConversationStore::insert_replies(&w.store(), &cid, &cards)).unwrap();
    let record = || {
        crate::api::tests::block_on(crate::store::ConversationStore::conversation(&w.store(), &cid)).unwrap().unwrap()
    };

    let (status, wrong) = chat.submit(&format!("{}-f1", chat.id), json!({"otp": "000000"}));
    assert_eq!(status, 200, "{wrong}");
    assert_eq!(wrong["messages"][1]["action"]["status"], "failed", "{wrong}");
    assert_eq!(record().verification, None);

    let (status, right) = chat.submit(&format!("{}-f2", chat.id), json!({"otp": RIGHT_CODE}));
    assert_eq!(status, 200, "{right}");
    assert_eq!(right["messages"][1]["action"]["status"], "ok", "{right}");
    let verified = record().verification.expect("the right code verified the conversation");
    assert_eq!((verified.email.as_deref(), verified.at_ms), (Some("me@example.com"), NOW_MS));
    // Verified, the close action no longer asks for a code: it asks for confirmation.
    assert!(chat.say("please close my account")["messages"][1]["buttons"][0]["label"] == "Confirm");
}
