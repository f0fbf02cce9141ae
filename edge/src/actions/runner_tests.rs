//! The one guarded run, for a visitor and for the owner's test: what each may do, what is taken
//! from the limits and given back, what is logged, and what a right code binds.

use super::execute::{idempotency_key, ErrorClass, RunStatus, TokenCache};
use super::guard::Refusal;
use super::runner::{owner_test, visitor_run, ActionEnv, Asked, Logged, NotRunnable, RunDeps};
use super::ssrf::NetworkPolicy;
use crate::api::tests::{block_on, EchoNetwork};
use crate::limits::memory::MemoryLimiter;
use crate::store::sql::SqlStore;
use crate::store::sqlite::Sqlite;
use crate::store::{ActionLogEntry, ActionLogStore, ConversationRecord, IdentityProof, Streaks, Verification};
use crate::token::tests::TestEntropy;
use shared::api::Lead;
use shared::handoff::ConversationStatus;
use shared::site::SiteBundle;
use shared::template::{TemplateVar, Values};
use shared::{ConversationId, MessageId};
use std::collections::BTreeMap;

const NOW_MS: u64 = 1_795_478_400_000;

/// A write (so it carries an Idempotency-Key) limited to two runs an hour, site-wide.
const TRANSFER: &str = r#"{"name":"Transfer","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/transfers/{{inputs.amount}}","headers":{"Authorization":"Bearer {{secrets.API_KEY}}"},
    "inputs":[{"name":"amount","format":"number"}],"rate_limit":{"per_conversation_per_hour":2,"per_hour":2},
    "response":{"reply":"Sent."}}"#;
/// Uses a secret the edge does not have.
const PAYOUT: &str = r#"{"name":"Payout","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/payouts","headers":{"Authorization":"Bearer {{secrets.PAYOUT_KEY}}"},
    "response":{"reply":"Paid."}}"#;
/// A code check keyed on the lead's email.
const CHECK: &str = r#"{"name":"Check Code","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/codes/check","body":{"user":"{{lead.email}}","otp":"{{inputs.otp}}"},
    "inputs":[{"name":"otp","format":"otp"}],"requires":["lead.email"],"verifies":true,
    "response":{"success_when":{"path":"valid","equals":true},"reply":"Verified."}}"#;
/// A code check keyed on the signed user id alone (the owner's API knows the account's email).
const CHECK_USER: &str = r#"{"name":"Check User Code","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/codes/check","body":{"user":"{{conversation.user_id}}","otp":"{{inputs.otp}}"},
    "inputs":[{"name":"otp","format":"otp"}],"requires":["conversation.user_id"],"verifies":true,
    "rate_limit":{"per_conversation_per_hour":50,"per_hour":1000},
    "response":{"success_when":{"path":"valid","equals":true},"reply":"Verified."}}"#;
/// A lookup every visitor may run, with a site-wide cap every visitor shares.
const STATUS: &str = r#"{"name":"Order Status","type":"http","method":"GET",
    "url":"https://api.example.com/orders/{{inputs.order}}","inputs":[{"name":"order","format":"integer"}],
    "rate_limit":{"per_conversation_per_hour":100,"per_hour":10},"response":{"reply":"Shipped."}}"#;
/// Only for a verified conversation.
const CLOSE: &str = r#"{"name":"Close Account","type":"http","method":"POST","scope":"write",
    "url":"https://api.example.com/accounts/close","body":{"user":"{{lead.email}}"},"requires":["lead.email"],
    "requires_verification":true,"response":{"reply":"Closed."}}"#;

fn site() -> SiteBundle {
    let agent = "site_id = \"t\"\nname = \"T\"\ngreeting = \"Hi.\"\n[answering]\nfallback = \"No idea.\"\n\
        [actions]\nallowed_hosts = [\"api.example.com\"]\nsecrets = [\"API_KEY\", \"PAYOUT_KEY\"]\n\
        verification_send = \"check-code\"\nverification_check = \"check-code\"\nmax_failed_checks = 3\n\
        [limits]\naction_runs_per_ip_per_hour = 4\n";
    let actions: Vec<(String, String)> = [
        ("transfer", TRANSFER),
        ("payout", PAYOUT),
        ("check", CHECK),
        ("close", CLOSE),
        ("check-user", CHECK_USER),
        ("status", STATUS),
    ]
    .iter()
    .map(|(f, a)| (format!("actions/{f}.json"), a.to_string()))
    .collect();
    SiteBundle::from_dir_files(agent, &[], &actions).unwrap()
}

/// What a run needs, in memory; the owner's API answers `{"ok": true}`, and a code check is
/// right for `424242` only.
struct Deps {
    site: SiteBundle,
    store: SqlStore<Sqlite>,
    limiter: MemoryLimiter,
    entropy: TestEntropy,
    network: EchoNetwork,
    policy: NetworkPolicy,
    tokens: TokenCache,
    secrets: BTreeMap<String, String>,
}

impl Deps {
    fn new() -> Self {
        let network = EchoNetwork::default();
        *network.1.borrow_mut() = Some(Box::new(|r: &crate::actions::render::OutboundRequest| {
            let right = r.body.as_deref().is_some_and(|b| b.contains("424242"));
            (
                200,
                if r.url.ends_with("/codes/check") { format!("{{\"valid\":{right}}}") } else { "{\"ok\":true}".into() },
            )
        }));
        Self {
            site: site(),
            store: Sqlite::store(),
            limiter: MemoryLimiter::default(),
            entropy: TestEntropy::default(),
            network,
            policy: NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], ..Default::default() },
            tokens: TokenCache::default(),
            secrets: [("API_KEY".to_string(), "sk_test_abcdef".to_string())].into_iter().collect(),
        }
    }

    fn action(&self, slug: &str) -> &shared::action::ActionDef {
        self.site.action(slug).unwrap()
    }

    fn logs(&self, slug: &str) -> Vec<ActionLogEntry> {
        block_on(self.store.action_logs(slug, 100, None)).unwrap()
    }

    fn sent(&self) -> usize {
        self.network.0.borrow().len()
    }
}

struct Env<'a>(&'a Deps, ActionEnv<'a, EchoNetwork>);

impl RunDeps for Env<'_> {
    type Store = SqlStore<Sqlite>;
    type Limiter = MemoryLimiter;
    type Entropy = TestEntropy;
    type Network = EchoNetwork;

    fn site(&self) -> &SiteBundle {
        &self.0.site
    }
    fn store(&self) -> &SqlStore<Sqlite> {
        &self.0.store
    }
    fn limiter(&self) -> &MemoryLimiter {
        &self.0.limiter
    }
    fn entropy(&self) -> &TestEntropy {
        &self.0.entropy
    }
    fn actions(&self) -> &ActionEnv<'_, EchoNetwork> {
        &self.1
    }
}

fn env(d: &Deps) -> Env<'_> {
    Env(d, ActionEnv { network: &d.network, policy: &d.policy, tokens: &d.tokens, secrets: &d.secrets })
}

fn conversation(id: &str, email: Option<&str>) -> ConversationRecord {
    ConversationRecord {
        id: ConversationId::parse(id).unwrap(),
        token_hash: String::new(),
        user_id: Some("u-1".into()),
        lead: Lead { email: email.map(Into::into), name: None },
        created_at_ms: NOW_MS,
        verification: None,
        identity: IdentityProof::None,
        identity_expires_at_ms: None,
        pending: None,
        attributes: BTreeMap::new(),
        status: ConversationStatus::Ai,
        assignee_id: None,
        handoff: None,
        streaks: Streaks::default(),
    }
}

fn inputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The template values a turn would pass: here, the lead email and the user id.
fn values_of(record: &ConversationRecord) -> Values {
    let email = record.lead.email.iter().map(|e| (TemplateVar::LeadEmail, e.clone()));
    email.chain(record.user_id.iter().map(|u| (TemplateVar::ConversationUserId, u.clone()))).collect()
}

fn run_for(d: &Deps, record: &mut ConversationRecord, message: &str, slug: &str, given: &[(&str, &str)]) -> RunStatus {
    run_from(d, "203.0.113.1", record, message, slug, given)
}

/// A visitor's run from the address `ip`.
fn run_from(
    d: &Deps,
    ip: &str,
    record: &mut ConversationRecord,
    message: &str,
    slug: &str,
    given: &[(&str, &str)],
) -> RunStatus {
    let values = values_of(record);
    let message = MessageId::parse(message).unwrap();
    let asked = Asked { message: &message, address: Some(ip) };
    block_on(visitor_run(&env(d), record, asked, d.action(slug), &inputs(given), values, NOW_MS)).unwrap().status
}

fn owner(d: &Deps, slug: &str, given: &[(&str, &str)]) -> Result<Logged, NotRunnable> {
    owner_with(d, slug, given, Values::new())
}

fn owner_with(d: &Deps, slug: &str, given: &[(&str, &str)], values: Values) -> Result<Logged, NotRunnable> {
    block_on(owner_test(&env(d), d.action(slug), &inputs(given), values, NOW_MS)).unwrap()
}

#[test]
fn owner_tests_take_no_visitor_limit_and_are_logged_as_tests() {
    let d = Deps::new();
    for _ in 0..5 {
        let logged = owner(&d, "transfer", &[("amount", "10")]).unwrap();
        assert_eq!(logged.run.status, RunStatus::Ok, "{:?}", logged.run);
    }
    assert_eq!(d.limiter.hits("run:transfer"), 0, "the owner's tests count against no limit");
    let tests = d.logs("transfer");
    assert_eq!(tests.len(), 5);
    assert!(tests.iter().all(|e| e.test && !e.injected && e.conversation_id.is_none()), "{tests:?}");

    // The visitors still have the whole hour's two runs, and no more.
    let mut a = conversation("ca", None);
    let mut b = conversation("cb", None);
    assert_eq!(run_for(&d, &mut a, "m1", "transfer", &[("amount", "1")]), RunStatus::Ok);
    assert_eq!(run_for(&d, &mut b, "m2", "transfer", &[("amount", "2")]), RunStatus::Ok);
    assert_eq!(run_for(&d, &mut b, "m3", "transfer", &[("amount", "3")]), RunStatus::Refused);
    let newest = &d.logs("transfer")[0];
    assert_eq!(newest.run.error_class, Some(ErrorClass::RateLimited));
    assert_eq!((newest.conversation_id.as_deref(), newest.injected, newest.test), (Some("cb"), true, false));
    assert_eq!(d.sent(), 7, "5 tests and 2 visitor runs were sent, the refused one was not");
}

#[test]
fn a_guard_refusal_is_logged_for_a_visitor_and_returned_to_the_owner() {
    let d = Deps::new();
    let mut c = conversation("ca", None);
    assert_eq!(run_for(&d, &mut c, "m1", "transfer", &[("amount", "lots")]), RunStatus::Refused);
    let logged = &d.logs("transfer")[0];
    assert_eq!(logged.run.error_class, Some(ErrorClass::Guard));
    assert_eq!(d.limiter.hits("run:transfer"), 0, "a refused run takes no limit");

    match owner(&d, "transfer", &[("amount", "lots")]) {
        Err(NotRunnable::Refused(Refusal::InvalidInput { name, .. })) => assert_eq!(name, "amount"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.logs("transfer").len(), 1, "the owner's refused test is answered, not logged");
    assert_eq!(d.sent(), 0);
}

#[test]
fn an_unset_secret_is_named_in_the_log_and_to_the_owner_never_to_the_visitor() {
    let d = Deps::new();
    let mut c = conversation("ca", None);
    assert_eq!(run_for(&d, &mut c, "m1", "payout", &[]), RunStatus::Refused);
    let run = &d.logs("payout")[0].run;
    assert_eq!(run.error_class, Some(ErrorClass::Template));
    assert!(run.summary.contains("PAYOUT_KEY"), "{}", run.summary);
    assert!(!run.visitor_reason().contains("PAYOUT_KEY"), "{}", run.visitor_reason());
    assert_eq!(owner(&d, "payout", &[]).unwrap_err(), NotRunnable::MissingSecret("PAYOUT_KEY".into()));
    assert_eq!(d.sent(), 0);
}

#[test]
fn a_visitor_retry_reuses_the_idempotency_key_and_owner_tests_do_not() {
    let d = Deps::new();
    let mut c = conversation("ca", None);
    run_for(&d, &mut c, "m1", "transfer", &[("amount", "1")]);
    run_for(&d, &mut c, "m1", "transfer", &[("amount", "1")]);
    owner(&d, "transfer", &[("amount", "1")]).unwrap();
    owner(&d, "transfer", &[("amount", "1")]).unwrap();
    let keys: Vec<String> =
        d.network.0.borrow().iter().map(|r| r.header("idempotency-key").unwrap_or_default().to_string()).collect();
    assert_eq!(keys[0], idempotency_key("ca:m1", "transfer"));
    assert_eq!(keys[0], keys[1], "the same visitor message is the same request");
    assert!(keys[2] != keys[3] && keys[2] != keys[0], "{keys:?}");
}

#[test]
fn a_right_code_binds_the_verification_and_is_not_a_wrong_code() {
    let d = Deps::new();
    let mut c = conversation("ca", Some("me@example.com"));
    assert_eq!(run_for(&d, &mut c, "m1", "check-code", &[("otp", "000000")]), RunStatus::Failed);
    assert_eq!(c.verification, None);
    assert_eq!(d.limiter.hits("failed-checks:conversation:ca"), 1, "a wrong code counts");
    assert_eq!(run_for(&d, &mut c, "m2", "close-account", &[]), RunStatus::Refused, "not verified yet");

    assert_eq!(run_for(&d, &mut c, "m3", "check-code", &[("otp", "424242")]), RunStatus::Ok);
    let bound = Verification { email: Some("me@example.com".into()), user_id: Some("u-1".into()), at_ms: NOW_MS };
    assert_eq!(c.verification, Some(bound));
    assert_eq!(d.limiter.hits("failed-checks:conversation:ca"), 1, "the right code was given back");
    assert_eq!(run_for(&d, &mut c, "m4", "close-account", &[]), RunStatus::Ok);

    // The owner's test of the check verifies nothing (there is no conversation to verify).
    let values = Values::from([(TemplateVar::LeadEmail, "me@example.com".to_string())]);
    let logged = owner_with(&d, "check-code", &[("otp", "424242")], values).unwrap();
    assert_eq!(logged.run.status, RunStatus::Ok, "{:?}", logged.run);
    assert_eq!(d.limiter.hits("failed-checks:conversation:ca"), 1);
}

#[test]
fn a_run_that_sends_nothing_gives_every_limit_back() {
    let mut d = Deps::new();
    // The target's host is no longer allowed: the run is refused before anything is sent.
    d.policy = NetworkPolicy::default();
    let mut c = conversation("ca", None);
    assert_eq!(run_for(&d, &mut c, "m1", "transfer", &[("amount", "1")]), RunStatus::Refused);
    assert_eq!(d.logs("transfer")[0].run.error_class, Some(ErrorClass::Ssrf));
    assert_eq!(d.limiter.hits("run:transfer"), 0);
    assert_eq!(d.limiter.hits("run:transfer:conversation:ca"), 0);
    assert_eq!(d.sent(), 0);
}

#[test]
fn new_conversations_buy_no_new_guesses_on_one_user_id() {
    let d = Deps::new();
    // Each conversation names the victim's user id and guesses; the third wrong code, whatever
    // the conversation, is the account's last for the hour.
    let mut guesses = 0;
    for (i, id) in ["c1", "c2", "c3", "c4", "c5"].iter().enumerate() {
        let mut c = conversation(id, None);
        c.user_id = Some("victim".into());
        for m in 0..2 {
            let ip = format!("198.51.100.{i}");
            if run_from(&d, &ip, &mut c, &format!("m{m}"), "check-user-code", &[("otp", "000000")]) == RunStatus::Failed
            {
                guesses += 1;
            }
        }
    }
    assert_eq!(guesses, 3, "max_failed_checks per account, not per conversation");
    let newest = &d.logs("check-user-code")[0];
    assert_eq!(newest.run.error_class, Some(ErrorClass::WrongCodeLimit));
    // Another account is not locked by the victim's limit.
    let mut other = conversation("c9", None);
    other.user_id = Some("someone-else".into());
    assert_eq!(run_for(&d, &mut other, "m1", "check-user-code", &[("otp", "424242")]), RunStatus::Ok);
}

#[test]
fn one_address_cannot_spend_the_cap_every_visitor_shares() {
    let d = Deps::new();
    // An address runs a lookup from conversation after conversation: 4 an hour, then refused.
    let mut ran = 0;
    for i in 0..10 {
        let mut c = conversation(&format!("ca{i}"), None);
        if run_from(&d, "203.0.113.66", &mut c, "m1", "order-status", &[("order", "1")]) == RunStatus::Ok {
            ran += 1;
        }
    }
    assert_eq!(ran, 4, "action_runs_per_ip_per_hour");
    assert_eq!(d.logs("order-status")[0].run.error_class, Some(ErrorClass::RateLimited));
    // A second address still has the site-wide cap's rest (10 − 4 = 6).
    let mut ok = 0;
    for i in 0..4 {
        let mut c = conversation(&format!("cb{i}"), None);
        if run_from(&d, "198.51.100.7", &mut c, "m1", "order-status", &[("order", "2")]) == RunStatus::Ok {
            ok += 1;
        }
    }
    assert_eq!(ok, 4, "the other visitor is not refused");
}
