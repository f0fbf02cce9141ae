//! The visitor's write path on the stores' SQL (SQLite natively; the conversation's object runs the
//! same statements on its own SQLite): how many round trips a post costs, measured, so a change
//! that adds one fails here.

use super::tests::site;
use super::*;
use crate::limits::memory::MemoryLimiter;
use crate::store::sql::{Batched, Query, SqlPort, SqlStore, Written};
use crate::store::sqlite::Sqlite;
use crate::store::StoreError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::RefCell;

/// A [`SqlPort`] that notes every round trip (a batch is one) and the statements in it.
struct Counting {
    db: Sqlite,
    trips: RefCell<Vec<Vec<String>>>,
}

impl Counting {
    fn note(&self, queries: &[&Query]) {
        self.trips.borrow_mut().push(queries.iter().map(|q| q.sql.clone()).collect());
    }
}

impl SqlPort for Counting {
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
        self.note(&[query]);
        self.db.all(query).await
    }
    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
        self.note(&[query]);
        self.db.first(query).await
    }
    async fn run(&self, query: &Query) -> Result<Written, StoreError> {
        self.note(&[query]);
        self.db.run(query).await
    }
    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
        self.note(&queries.iter().collect::<Vec<_>>());
        self.db.batch(queries).await
    }
}

struct SqlWorld {
    world: super::tests::World,
    store: SqlStore<Counting>,
    limiter: MemoryLimiter,
}

impl SqlWorld {
    fn new() -> Self {
        Self {
            world: super::tests::World::with_site(site()),
            store: SqlStore::new(Counting { db: Sqlite::migrated(), trips: RefCell::default() }),
            limiter: MemoryLimiter::default(),
        }
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> HttpResponse {
        let req = super::tests::World::request_of(method, path, token, body);
        crate::api::tests::block_on(self.world.answer(&self.store, &self.limiter, &req, None)).response
    }

    /// Round trips (and their statements) since the last call.
    fn trips(&self) -> Vec<Vec<String>> {
        std::mem::take(&mut *self.store_port().trips.borrow_mut())
    }

    fn store_port(&self) -> &Counting {
        self.store.port()
    }
}

#[test]
fn a_post_costs_few_round_trips() {
    let w = SqlWorld::new();
    let created = w.call("POST", "/api/v1/conversations", None, "");
    let v: Value = serde_json::from_str(&created.body).unwrap();
    let (id, token) = (v["conversation_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    w.trips();
    let path = format!("/api/v1/conversations/{id}/messages");
    let body = r#"{"text":"what are the withdrawal fees for bitcoin?","client_message_id":"k1"}"#;
    let answered = w.call("POST", &path, Some(token), body);
    assert_eq!(answered.status, 200, "{}", answered.body);
    let trips = w.trips();
    // One read (conversation, a retry's message and replies, history, the conversation's size),
    // the visitor's message (stored before anything else happens), the record read again (so the
    // turn writes back only what it changed: `exchange::finish`), the replies with the state. In
    // the Worker all four run on the conversation object's own SQLite. It was six.
    let kinds: Vec<Vec<&str>> =
        trips.iter().map(|t| t.iter().map(|s| s.split_whitespace().next().unwrap()).collect()).collect();
    assert_eq!(
        kinds,
        [vec!["SELECT"; 5], vec!["INSERT"], vec!["SELECT"], vec!["INSERT", "UPDATE", "SELECT"]],
        "{trips:#?}"
    );
    let retry = w.call("POST", &path, Some(token), body);
    assert_eq!((retry.status, &retry.body), (200, &answered.body));
    assert_eq!(w.trips().len(), 1, "an answered retry is one read");
}

#[test]
fn a_change_made_while_a_turn_waited_survives_the_turns_write() {
    use crate::api::exchange::finish;
    use crate::store::ConversationStore;
    let w = SqlWorld::new();
    let created = w.call("POST", "/api/v1/conversations", None, "");
    let v: Value = serde_json::from_str(&created.body).unwrap();
    let id = shared::ConversationId::parse(v["conversation_id"].as_str().unwrap()).unwrap();
    let store = &w.store;
    // The turn reads the record, then waits on an action's API for seconds…
    let before = crate::api::tests::block_on(store.conversation(&id)).unwrap().unwrap();
    let mut turn = before.clone();
    // …meanwhile the page sets an attribute and the visitor's lead form gives a name…
    let mut other = before.clone();
    other.attributes.insert("plan".into(), "gold".into());
    other.lead.name = Some("Ana".into());
    crate::api::tests::block_on(store.save_state(&other)).unwrap();
    // …and the turn learned the email and counts an unanswered question.
    turn.lead.email = Some("ana@example.com".into());
    turn.streaks.unanswered = 1;
    let visitor = crate::store::NewMessage::visitor(
        shared::MessageId::parse("m1").unwrap(),
        "hi".into(),
        "k1".into(),
        crate::api::tests::NOW_MS,
    );
    let stored = crate::api::tests::block_on(store.insert_visitor_message(&id, &visitor)).unwrap();
    let crate::store::Inserted::New(stored) = stored else { panic!("stored once") };
    crate::api::tests::block_on(finish(store, (&before, &turn), stored, vec![], crate::api::tests::NOW_MS)).unwrap();
    let now = crate::api::tests::block_on(store.conversation(&id)).unwrap().unwrap();
    assert_eq!(now.attributes.get("plan").map(String::as_str), Some("gold"), "the page's attribute survives");
    assert_eq!(now.lead.name.as_deref(), Some("Ana"), "the lead form's name survives");
    assert_eq!(now.lead.email.as_deref(), Some("ana@example.com"), "the turn's own change is written");
    assert_eq!(now.streaks.unanswered, 1);
}
