//! A visitor's turns through a conversation's object, as production runs them, natively: the
//! conversation created in D1 by the Worker, copied into the object's own SQLite, the API
//! answered on the object's store (`store::object`), what it stored pushed to sockets in stored
//! order (`live::push_stored`), and the journal passed on to D1 when `object::flush::decide`
//! says: at once for a handoff, from the alarm for a plain turn. D1 and the object's SQLite are
//! two real SQLite databases.

use super::tests::{block_on, EchoNetwork, ADMIN, IDENTITY_SECRET, NOW_MS};
use super::tests_handoff::{site_with, HANDOFF};
use super::*;
use crate::actions::execute::TokenCache;
use crate::actions::runner::ActionEnv;
use crate::actions::ssrf::NetworkPolicy;
use crate::agent::BuiltinEngine;
use crate::limits::leasing::{Leases, Leasing};
use crate::limits::memory::MemoryLimiter;
use crate::live::{push_stored, InOrder, Recent, Socket, Subscriber, Watcher};
use crate::object::flush::{decide, Done, Findable, Flush};
use crate::store::object::ObjectStore;
use crate::store::replica::Replica;
use crate::store::sql::SqlStore;
use crate::store::sqlite::Sqlite;
use crate::token::tests::TestEntropy;
use futures_util::lock::Mutex;
use serde_json::{json, Value};
use shared::live::LiveEvent;
use shared::site::SiteBundle;
use shared::{ConversationId, Message};
use std::cell::RefCell;

/// What a request needs besides its store and limiter, as the Worker builds it.
pub(super) struct Env {
    site: SiteBundle,
    engine: BuiltinEngine,
    intents: crate::agent::intent::ActionIndex,
    entropy: TestEntropy,
    network: EchoNetwork,
    policy: NetworkPolicy,
    tokens: TokenCache,
    outbox: crate::handoff::Outbox,
}

impl Env {
    pub(super) fn new(site: SiteBundle) -> Self {
        Self {
            engine: BuiltinEngine::new(&site),
            intents: crate::agent::intent::ActionIndex::new(&site),
            site,
            entropy: TestEntropy::default(),
            network: EchoNetwork::default(),
            policy: NetworkPolicy::default(),
            tokens: TokenCache::default(),
            outbox: crate::handoff::Outbox::default(),
        }
    }

    /// One request answered on `store` with `limiter`.
    pub(super) fn call<S, L>(
        &self,
        store: &S,
        limiter: &L,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> HttpResponse
    where
        S: crate::store::ActionLogStore
            + crate::store::ConversationStore
            + crate::store::ErasureStore
            + crate::store::AgentStore
            + crate::store::HandoffStore
            + crate::store::InboxStore,
        L: crate::limits::RateLimiter,
    {
        let secrets = std::collections::BTreeMap::new();
        let edge = Edge {
            site: &self.site,
            store,
            limiter,
            engine: &self.engine,
            entropy: &self.entropy,
            intents: &self.intents,
            actions: ActionEnv {
                network: &self.network,
                policy: &self.policy,
                tokens: &self.tokens,
                secrets: &secrets,
            },
            admin_token: Some(ADMIN),
            identity_secret: Some(IDENTITY_SECRET),
            kdf: &crate::inbox::password::FastKdf,
            handoff: crate::handoff::HandoffEnv { time_zone: None, outbox: &self.outbox },
        };
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        if let Some(t) = token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        let req =
            HttpRequest { method: method.into(), path: path.into(), query: String::new(), headers, body: body.into() };
        block_on(handle(&edge, &req, NOW_MS))
    }
}

/// A socket that keeps every frame it is sent.
struct Tab(Subscriber, RefCell<Vec<LiveEvent>>);

impl Socket for &Tab {
    fn subscriber(&self) -> Option<Subscriber> {
        Some(self.0.clone())
    }
    fn send_text(&self, text: &str) -> bool {
        self.1.borrow_mut().push(serde_json::from_str(text).unwrap());
        true
    }
}

fn texts(events: &[LiveEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Message { message } => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

fn in_d1(d1: &Sqlite, id: &ConversationId) -> Vec<Message> {
    block_on(crate::store::ConversationStore::messages(&SqlStore::new(d1), id)).unwrap()
}

#[test]
fn a_turn_runs_on_the_objects_copy_is_pushed_in_stored_order_and_reaches_d1_when_the_flush_says() {
    let env = Env::new(site_with(HANDOFF));
    let d1 = Sqlite::migrated();
    // The Worker creates the conversation in D1.
    let created = env.call(&SqlStore::new(&d1), &MemoryLimiter::default(), "POST", "/api/v1/conversations", None, "");
    let v: Value = serde_json::from_str(&created.body).unwrap();
    let (id, token) = (v["conversation_id"].as_str().unwrap().to_string(), v["token"].as_str().unwrap().to_string());
    let cid = ConversationId::parse(id.as_str()).unwrap();

    // Its object: its own SQLite, the journal, the rate limits it keeps and leases.
    let local = Sqlite::empty();
    let gate = Mutex::new(());
    let store = ObjectStore::new(cid.clone(), Replica::new(&local, &d1, &gate), &d1);
    let (windows, shared, leases) = (MemoryLimiter::default(), MemoryLimiter::default(), Leases::default());
    let limiter = Leasing { local: &windows, shared: &shared, leases: &leases };
    assert!(block_on(store.replica().load(&cid)).unwrap());
    let tab = Tab(
        Subscriber { conversation: cid.clone(), watcher: Watcher::Visitor, agent: None, session: None },
        RefCell::default(),
    );
    let (order, recent) = (RefCell::new(InOrder::default()), RefCell::new(Recent::default()));

    let turn = |text: &str, k: &str| {
        let findable =
            || block_on(crate::store::ConversationStore::conversation(&store, &cid)).unwrap().map(|r| Findable::of(&r));
        let before = findable();
        let path = format!("/api/v1/conversations/{id}/messages");
        let body = json!({"text": text, "client_message_id": k}).to_string();
        let mut response = env.call(&store, &limiter, "POST", &path, Some(&token), &body);
        assert_eq!(response.status, 200, "{}", response.body);
        let done = Done {
            findable: Some((before, findable())),
            inbox_news: response.inbox.is_some(),
            webhooks: !env.outbox.take().is_empty(),
        };
        let flush = decide(&crate::api::routes::Route::PostMessage(id.clone()), &done);
        if flush == Flush::Now {
            block_on(store.replica().flush()).unwrap();
        }
        // The object pushes what the request stored, in stored order.
        let publish = response.publish.take().unwrap();
        let published: Vec<Message> = publish
            .events
            .into_iter()
            .filter_map(|e| match e {
                LiveEvent::Message { message } => Some(*message),
                _ => None,
            })
            .collect();
        block_on(push_stored(&store, &cid, &order, &recent, || vec![&tab], published)).unwrap();
        flush
    };

    // A plain question: answered on the copy, pushed, and left for the alarm.
    assert_eq!(turn("what are the withdrawal fees for bitcoin?", "k1"), Flush::Later);
    let pushed = texts(&tab.1.borrow());
    assert_eq!(pushed[0], "what are the withdrawal fees for bitcoin?");
    assert!(pushed[1].contains("0.0002 BTC"), "{pushed:?}");
    assert_eq!(in_d1(&d1, &cid).len(), 1, "D1 has the greeting only, until the alarm");
    assert!(block_on(store.replica().unflushed()).unwrap() > 0);
    // The alarm.
    block_on(store.replica().flush()).unwrap();
    assert_eq!(in_d1(&d1, &cid).len(), 3);

    // Asking for a person hands off: D1 has it before the answer, the inbox finds it waiting.
    assert_eq!(turn("I want to talk to a person", "k2"), Flush::Now);
    let record = block_on(crate::store::ConversationStore::conversation(&SqlStore::new(&d1), &cid)).unwrap().unwrap();
    assert_eq!(record.status, shared::handoff::ConversationStatus::Waiting);
    assert_eq!(block_on(store.replica().unflushed()).unwrap(), 0);

    // Every message reached the socket once, in the order stored, and D1 holds the same.
    let pushed = texts(&tab.1.borrow());
    let stored: Vec<String> = in_d1(&d1, &cid).into_iter().skip(1).map(|m| m.text).collect();
    assert_eq!(pushed, stored);
}
