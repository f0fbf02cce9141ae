//! One conversation's rows where its object runs, with D1 as the index behind it.
//!
//! The conversation's Durable Object keeps its conversation in its own SQLite, under the same
//! schema as D1 ([`super::schema::MIGRATIONS`]), so the same statements (`store::sql`) run on
//! both. [`Replica`] is that SQLite as a [`SqlPort`]: reads are local; every write is applied
//! locally and, in the same transaction, appended to a journal; [`Replica::flush`] replays the
//! journal on D1 in order, in one batch. D1 thus receives exactly the statements the object ran,
//! in the order it ran them, and stays the index the inbox lists and searches.
//!
//! Invariants: only the object writes its conversation's rows in D1 (every write route of a
//! conversation reaches its object), so a replayed statement meets in D1 the state it met
//! locally, and conditional writes (`… WHERE status = 'ai'`) decide alike; a write is stored
//! (locally, durably) before it is acknowledged; D1 trails by the journal, which the object
//! flushes before answering whenever the inbox or an erasure could look the change up.

use super::schema::MIGRATIONS;
use super::sql::{Batched, Query, SqlPort, SqlValue, Written};
use super::StoreError;
use futures_util::lock::Mutex;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use shared::ConversationId;

/// The tables that hold one conversation's rows, parents first (the order of a copy; deletes
/// go in reverse).
const CONVERSATION_TABLES: [(&str, &str); 4] = [
    ("conversations", "id"),
    ("messages", "conversation_id"),
    ("notes", "conversation_id"),
    ("webhook_deliveries", "conversation_id"),
];

/// Writes the object has made that D1 has not yet received (`ends`: the last write of one local
/// transaction; a flush never splits one), and which conversation it holds.
const OWN_TABLES: &str = "CREATE TABLE IF NOT EXISTS replica_log (
  seq  INTEGER PRIMARY KEY AUTOINCREMENT,
  sql  TEXT NOT NULL,
  args TEXT NOT NULL,
  ends INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS replica_meta (
  id              INTEGER PRIMARY KEY CHECK (id = 0),
  migrations      INTEGER NOT NULL,
  conversation_id TEXT
);";

/// How many journal entries one D1 batch carries.
const FLUSH_PAGE: usize = 100;

/// A local SQLite that can also run a script of several statements (the migrations).
pub trait LocalSql: SqlPort {
    /// Runs every statement of `script` in order, in one transaction.
    fn run_script(&self, script: &str) -> Result<(), StoreError>;
}

/// The local database as a [`SqlPort`] that journals its writes for `remote`.
pub struct Replica<'a, L, R> {
    local: &'a L,
    remote: &'a R,
    /// Held by a flush: two flushes at once would send the same entries twice.
    flushing: &'a Mutex<()>,
}

#[derive(Deserialize)]
struct MetaRow {
    migrations: f64,
    conversation_id: Option<String>,
}

#[derive(Deserialize)]
struct JournalRow {
    seq: f64,
    sql: String,
    args: String,
    ends: f64,
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// Brings `local` to the current schema: the object's own tables, then each migration it lacks,
/// each one with its count in one transaction (a failure leaves the schema as it was before it).
pub fn migrate<L: LocalSql>(local: &L) -> Result<(), StoreError> {
    local.run_script(OWN_TABLES)?;
    local.run_script("INSERT OR IGNORE INTO replica_meta (id, migrations) VALUES (0, 0);")?;
    let done = read_meta_sync(local)?.map_or(0, |m| m.migrations as usize);
    for (n, (name, script)) in MIGRATIONS.iter().enumerate().skip(done) {
        let script =
            format!("{}\nUPDATE replica_meta SET migrations = {} WHERE id = 0;", without_comments(script), n + 1);
        local.run_script(&script).map_err(|e| fail(format!("migration {name}: {e}")))?;
    }
    Ok(())
}

/// `script` without its `--` comments: the object's SQLite refuses a script that ends in one
/// (no migration has `--` inside a string).
fn without_comments(script: &str) -> String {
    script.lines().map(|line| line.split("--").next().unwrap_or_default().trim_end()).collect::<Vec<_>>().join("\n")
}

/// The meta row, read through the port's synchronous core (both local ports answer at once).
fn read_meta_sync<L: SqlPort>(local: &L) -> Result<Option<MetaRow>, StoreError> {
    now(local.first(&Query::new("SELECT migrations, conversation_id FROM replica_meta WHERE id = 0", vec![])))
}

/// Polls a future of a local port once: the object's SQLite and native SQLite answer
/// synchronously, so it is ready.
fn now<T>(f: impl std::future::Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => Err(fail("the local database did not answer synchronously")),
    }
}

/// Whether a statement changes anything (only those are journaled).
fn writes(sql: &str) -> bool {
    let head: String = sql.trim_start().chars().take(6).collect::<String>().to_ascii_uppercase();
    head != "SELECT"
}

fn encode(args: &[SqlValue]) -> String {
    let values: Vec<serde_json::Value> = args
        .iter()
        .map(|v| match v {
            SqlValue::Null => serde_json::Value::Null,
            SqlValue::Integer(n) => (*n).into(),
            SqlValue::Text(s) => s.as_str().into(),
        })
        .collect();
    serde_json::Value::Array(values).to_string()
}

/// A JSON value as a bound value: D1 hands integers as numbers that may be floating-point.
fn value(v: &serde_json::Value) -> Result<SqlValue, StoreError> {
    Ok(match v {
        serde_json::Value::Null => SqlValue::Null,
        serde_json::Value::String(s) => SqlValue::Text(s.clone()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 => SqlValue::Integer(f as i64),
                _ => return Err(fail(format!("{n} is not an integer; the schema stores none"))),
            },
        },
        other => return Err(fail(format!("{other} is no column value"))),
    })
}

fn decode(args: &str) -> Result<Vec<SqlValue>, StoreError> {
    let values: Vec<serde_json::Value> = serde_json::from_str(args).map_err(fail)?;
    values.iter().map(value).collect()
}

/// The statement that appends `query` to the journal; `ends` when it is its transaction's last.
fn journal(query: &Query, ends: bool) -> Query {
    Query::new(
        "INSERT INTO replica_log (sql, args, ends) VALUES (?1, ?2, ?3)",
        vec![SqlValue::text(&query.sql), SqlValue::Text(encode(&query.args)), SqlValue::Integer(i64::from(ends))],
    )
}

/// An `INSERT` of one row given as a JSON object by column name.
fn insert_row(table: &str, row: &serde_json::Value) -> Result<Query, StoreError> {
    let object = row.as_object().ok_or_else(|| fail("a row is not an object"))?;
    let columns: Vec<&str> = object.keys().map(String::as_str).collect();
    let args = object.values().map(value).collect::<Result<Vec<_>, _>>()?;
    let marks: Vec<String> = (1..=args.len()).map(|i| format!("?{i}")).collect();
    Ok(Query::new(format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), marks.join(", ")), args))
}

impl<'a, L: SqlPort, R: SqlPort> Replica<'a, L, R> {
    /// The local database (migrated with [`migrate`]), journaling for `remote`.
    pub fn new(local: &'a L, remote: &'a R, flushing: &'a Mutex<()>) -> Self {
        Self { local, remote, flushing }
    }

    /// The conversation held here, if one was loaded.
    pub async fn holds(&self) -> Result<Option<ConversationId>, StoreError> {
        Ok(self.meta().await?.1)
    }

    /// How many migrations the copy has, and the conversation it holds.
    async fn meta(&self) -> Result<(usize, Option<ConversationId>), StoreError> {
        if !self.has_schema().await? {
            return Ok((0, None));
        }
        let meta: Option<MetaRow> = self
            .local
            .first(&Query::new("SELECT migrations, conversation_id FROM replica_meta WHERE id = 0", vec![]))
            .await?;
        let migrations = meta.as_ref().map_or(0, |m| m.migrations as usize);
        let held =
            meta.and_then(|m| m.conversation_id).map(|id| ConversationId::parse(id).map_err(fail)).transpose()?;
        Ok((migrations, held))
    }

    /// Whether the object's own tables exist (a new object has none until it loads a conversation).
    async fn has_schema(&self) -> Result<bool, StoreError> {
        let row: Option<CountRow> = self
            .local
            .first(&Query::new(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'replica_meta'",
                vec![],
            ))
            .await?;
        Ok(row.is_some_and(|r| r.n > 0.0))
    }
}

impl<'a, L: LocalSql, R: SqlPort> Replica<'a, L, R> {
    /// Makes sure `conversation` is held here: copies its rows from D1 the first time (one read
    /// batch), creating the object's schema then. False when D1 has no such conversation: then
    /// nothing at all is written, so a request naming an id that was never created (anyone can
    /// name one) leaves no storage behind.
    pub async fn load(&self, conversation: &ConversationId) -> Result<bool, StoreError> {
        let current = MIGRATIONS.len();
        if self.meta().await? == (current, Some(conversation.clone())) {
            return Ok(true);
        }
        // Two first requests at once: the second waits, then finds the rows the first copied.
        let _turn = self.flushing.lock().await;
        match self.meta().await?.1 {
            Some(held) if &held == conversation => {
                // A copy made by an older release: the migrations since then.
                migrate(self.local)?;
                return Ok(true);
            }
            Some(held) => return Err(fail(format!("this object holds {held}, not {conversation}"))),
            None => {}
        }
        let id = SqlValue::text(conversation.as_str());
        let reads: Vec<Query> = CONVERSATION_TABLES
            .iter()
            .map(|(table, key)| {
                // Messages in their order: `seq` is copied, so later ones number after them.
                let order = if *table == "messages" { " ORDER BY seq" } else { "" };
                Query::new(format!("SELECT * FROM {table} WHERE {key} = ?1{order}"), vec![id.clone()])
            })
            .collect();
        let results = self.remote.batch(&reads).await?;
        if results.first().is_none_or(|r| r.rows.is_empty()) {
            return Ok(false);
        }
        migrate(self.local)?;
        let mut copy = Vec::new();
        for ((table, _), result) in CONVERSATION_TABLES.iter().zip(&results) {
            for row in &result.rows {
                copy.push(insert_row(table, row)?);
            }
        }
        copy.push(Query::new("UPDATE replica_meta SET conversation_id = ?1 WHERE id = 0", vec![id]));
        // Not journaled: D1 has these rows.
        self.local.batch(&copy).await?;
        Ok(true)
    }
}

impl<'a, L: SqlPort, R: SqlPort> Replica<'a, L, R> {
    /// Runs `request` on the copy while D1 is asked, at the same time, whether `conversation` was
    /// erased (its tombstone): an erasure whose `/forget` this object missed is found out by the
    /// object itself. When it was, the copy is dropped (the tombstone records it as forgotten)
    /// and `None` comes back: nothing the request read or wrote is answered. Asking at the same
    /// time costs the request no time beyond the longer of the two.
    pub async fn unless_erased<T>(
        &self,
        conversation: &ConversationId,
        request: impl std::future::Future<Output = T>,
    ) -> Result<Option<T>, StoreError> {
        let (erased, answer) = futures_util::future::join(self.erased_in_index(conversation), request).await;
        if !erased? {
            return Ok(Some(answer));
        }
        self.forget().await?;
        let id = SqlValue::text(conversation.as_str());
        let confirm = format!("UPDATE erased_conversations SET forgotten_at_ms = {} WHERE id = ?1", super::sql::NOW_MS);
        self.remote.run(&Query::new(confirm, vec![id])).await?;
        Ok(None)
    }

    /// Whether D1 holds a tombstone for `conversation`: it was erased there.
    async fn erased_in_index(&self, conversation: &ConversationId) -> Result<bool, StoreError> {
        let query = Query::new(
            "SELECT COUNT(*) AS n FROM erased_conversations WHERE id = ?1",
            vec![SqlValue::text(conversation.as_str())],
        );
        Ok(self.remote.first::<CountRow>(&query).await?.is_some_and(|r| r.n > 0.0))
    }

    /// How many writes D1 has not received yet.
    pub async fn unflushed(&self) -> Result<usize, StoreError> {
        if !self.has_schema().await? {
            return Ok(0);
        }
        let row: Option<CountRow> =
            self.local.first(&Query::new("SELECT COUNT(*) AS n FROM replica_log", vec![])).await?;
        Ok(row.map_or(0, |r| r.n as usize))
    }

    /// Replays the journal on D1, oldest first, a page per batch (each page one D1 transaction,
    /// cut only between local transactions, with this conversation's mark); returns how many
    /// writes were sent. A page D1 applied although its answer was lost is recognised by the mark
    /// and not sent again; when D1 no longer has the conversation (erased), the copy is forgotten.
    /// On any other failure the unsent entries stay for the next flush.
    pub async fn flush(&self) -> Result<usize, StoreError> {
        let _turn = self.flushing.lock().await;
        let Some(conversation) = self.meta().await?.1 else { return Ok(0) };
        let id = SqlValue::text(conversation.as_str());
        let mut sent = 0;
        loop {
            let page = self.page().await?;
            let Some(last) = page.last().map(|e| e.seq as i64) else { return Ok(sent) };
            let mut statements =
                page.iter().map(|e| Ok(Query::new(e.sql.clone(), decode(&e.args)?))).collect::<Result<Vec<_>, _>>()?;
            statements.push(Query::new(
                "INSERT INTO replica_marks (conversation_id, seq) VALUES (?1, ?2) \
                 ON CONFLICT (conversation_id) DO UPDATE SET seq = excluded.seq",
                vec![id.clone(), SqlValue::Integer(last)],
            ));
            if let Err(e) = self.remote.batch(&statements).await {
                let check = [
                    Query::new("SELECT seq FROM replica_marks WHERE conversation_id = ?1", vec![id.clone()]),
                    Query::new("SELECT COUNT(*) AS n FROM conversations WHERE id = ?1", vec![id.clone()]),
                ];
                let Ok(found) = self.remote.batch(&check).await else { return Err(e) };
                let gone = found.get(1).and_then(|r| r.rows.first()).and_then(|r| r["n"].as_f64()) == Some(0.0);
                if gone {
                    // Erased from D1 while these waited: they can never apply, and the copy goes too.
                    self.forget_held().await?;
                    return Ok(sent);
                }
                let applied = found.first().and_then(|r| r.rows.first()).and_then(|r| r["seq"].as_f64());
                if applied.is_none_or(|mark| (mark as i64) < last) {
                    return Err(e);
                }
                // Applied before (its answer was lost): drop it here and go on.
            }
            self.local
                .run(&Query::new("DELETE FROM replica_log WHERE seq <= ?1", vec![SqlValue::Integer(last)]))
                .await?;
            sent += page.len();
        }
    }

    /// The next page of the journal: at most [`FLUSH_PAGE`] entries, cut after the last entry that
    /// ends a local transaction (one transaction longer than a page is sent whole).
    async fn page(&self) -> Result<Vec<JournalRow>, StoreError> {
        let mut page: Vec<JournalRow> = self
            .local
            .all(&Query::new(
                "SELECT seq, sql, args, ends FROM replica_log ORDER BY seq LIMIT ?1",
                vec![SqlValue::int(FLUSH_PAGE as u64)],
            ))
            .await?;
        match page.iter().rposition(|e| e.ends != 0.0) {
            Some(end) => page.truncate(end + 1),
            None if page.is_empty() => {}
            None => {
                page = self
                    .local
                    .all(&Query::new(
                        "SELECT seq, sql, args, ends FROM replica_log \
                         WHERE seq <= (SELECT MIN(seq) FROM replica_log WHERE ends = 1) ORDER BY seq",
                        vec![],
                    ))
                    .await?;
            }
        }
        Ok(page)
    }

    /// Forgets the conversation here: its rows and the journal (an erasure, which deletes it from
    /// D1 itself). The object holds nothing afterwards and would load again from D1.
    pub async fn forget(&self) -> Result<(), StoreError> {
        let _turn = self.flushing.lock().await;
        self.forget_held().await
    }

    /// [`Replica::forget`], the lock held.
    async fn forget_held(&self) -> Result<(), StoreError> {
        if !self.has_schema().await? {
            return Ok(());
        }
        let mut batch: Vec<Query> = vec![
            Query::new("DELETE FROM replica_log", vec![]),
            Query::new("UPDATE replica_meta SET conversation_id = NULL WHERE id = 0", vec![]),
        ];
        batch.extend(
            CONVERSATION_TABLES.iter().rev().map(|(table, _)| Query::new(format!("DELETE FROM {table}"), vec![])),
        );
        self.local.batch(&batch).await?;
        Ok(())
    }
}

impl<L: SqlPort, R: SqlPort> SqlPort for Replica<'_, L, R> {
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
        if !writes(&query.sql) {
            return self.local.all(query).await;
        }
        // A write that returns rows (`INSERT … RETURNING`) is journaled like any other.
        let rows = self.batch(std::slice::from_ref(query)).await?.into_iter().next().map(|r| r.rows);
        rows.unwrap_or_default().into_iter().map(|row| serde_json::from_value(row).map_err(fail)).collect()
    }

    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
        Ok(self.all(query).await?.into_iter().next())
    }

    async fn run(&self, query: &Query) -> Result<Written, StoreError> {
        if !writes(&query.sql) {
            return self.local.run(query).await;
        }
        let results = self.local.batch(&[query.clone(), journal(query, true)]).await?;
        Ok(Written { changes: results.first().and_then(|r| r.changes), last_row_id: None })
    }

    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
        let mut all = Vec::with_capacity(queries.len() * 2);
        let last_write = queries.iter().rposition(|q| writes(&q.sql));
        for (i, query) in queries.iter().enumerate() {
            all.push(query.clone());
            if writes(&query.sql) {
                all.push(journal(query, Some(i) == last_write));
            }
        }
        let mut results = self.local.batch(&all).await?.into_iter();
        // Each caller's statement is followed by its journal entry's result, if it wrote.
        let mut out = Vec::with_capacity(queries.len());
        for query in queries {
            out.push(results.next().ok_or_else(|| fail("the database answered fewer results than statements"))?);
            if writes(&query.sql) {
                results.next();
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;
    use crate::store::object::ObjectStore;
    use crate::store::sql::SqlStore;
    use crate::store::sqlite::Sqlite;
    use crate::store::{
        ConversationRecord, ConversationStore, ErasureStore, HandoffRecord, HandoffStore, IdentityProof, InboxStore,
        NewDelivery, NewMessage, Streaks,
    };
    use shared::api::Lead;
    use shared::handoff::{ConversationStatus, HandoffReason, HandoffSummary};
    use shared::MessageId;

    const T0: u64 = 1_795_478_400_000;

    fn cid(id: &str) -> ConversationId {
        ConversationId::parse(id).unwrap()
    }

    fn mid(id: &str) -> MessageId {
        MessageId::parse(id).unwrap()
    }

    fn record(id: &str) -> ConversationRecord {
        ConversationRecord {
            id: cid(id),
            token_hash: "h".into(),
            user_id: None,
            lead: Lead::default(),
            created_at_ms: T0,
            verification: None,
            identity: IdentityProof::None,
            identity_expires_at_ms: None,
            pending: None,
            attributes: Default::default(),
            status: ConversationStatus::Ai,
            assignee_id: None,
            handoff: None,
            streaks: Streaks::default(),
        }
    }

    /// D1 (`remote`) with conversation `c1` and its greeting, and an object's empty SQLite.
    fn world() -> (Sqlite, Sqlite, Mutex<()>) {
        let remote = Sqlite::migrated();
        let greeting = NewMessage::bot(mid("c1-g0"), "Hi.".into(), None, T0);
        block_on(SqlStore::new(&remote).create_conversation(&record("c1"), &[greeting])).unwrap();
        let local = Sqlite::empty();
        migrate(&local).unwrap();
        (remote, local, Mutex::new(()))
    }

    fn count(db: &Sqlite, sql: &str) -> usize {
        let row: Option<CountRow> = block_on(db.first(&Query::new(sql, vec![]))).unwrap();
        row.unwrap().n as usize
    }

    /// A visitor's turn as the API writes it: the message, then the replies with the state.
    fn turn<R: SqlPort>(store: &ObjectStore<'_, Sqlite, R>, n: u32) {
        let c = cid("c1");
        let visitor =
            NewMessage::visitor(mid(&format!("m{n}")), format!("question {n}"), format!("k{n}"), T0 + u64::from(n));
        block_on(store.insert_visitor_message(&c, &visitor)).unwrap();
        let reply = NewMessage::bot(
            mid(&format!("m{n}-r0")),
            format!("answer {n}"),
            Some(mid(&format!("m{n}"))),
            T0 + u64::from(n),
        );
        let mut state = block_on(store.conversation(&c)).unwrap().unwrap();
        state.streaks.unanswered = n;
        block_on(store.finish_turn(&state, &mid(&format!("m{n}")), &[reply])).unwrap();
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let local = Sqlite::empty();
        migrate(&local).unwrap();
        migrate(&local).unwrap();
        assert_eq!(count(&local, "SELECT migrations AS n FROM replica_meta"), MIGRATIONS.len());
    }

    #[test]
    fn writes_are_local_at_once_and_reach_d1_as_they_were_made_on_flush() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        assert!(block_on(store.replica().load(&cid("c1"))).unwrap());
        for n in 1..=3 {
            turn(&store, n);
        }
        let d1 = SqlStore::new(&remote);
        let c = cid("c1");
        assert_eq!(block_on(d1.messages(&c)).unwrap().len(), 1, "D1 has only the greeting before a flush");
        assert_eq!(block_on(store.messages(&c)).unwrap().len(), 7, "the object reads its own writes at once");
        let journaled = block_on(store.replica().unflushed()).unwrap();
        assert!(journaled >= 6, "each turn writes its message, then its replies with the state: {journaled}");
        assert_eq!(block_on(store.replica().flush()).unwrap(), journaled);
        assert_eq!(block_on(store.replica().unflushed()).unwrap(), 0);
        assert_eq!(
            block_on(d1.messages(&c)).unwrap(),
            block_on(store.messages(&c)).unwrap(),
            "same messages, same order"
        );
        assert_eq!(block_on(d1.conversation(&c)).unwrap(), block_on(store.conversation(&c)).unwrap(), "same state");
        assert_eq!(block_on(store.replica().flush()).unwrap(), 0, "nothing is sent twice");
    }

    #[test]
    fn an_object_loads_its_conversation_from_d1_once_and_refuses_another() {
        let (remote, local, gate) = world();
        let replica = Replica::new(&local, &remote, &gate);
        assert!(!block_on(replica.load(&cid("c2"))).unwrap(), "D1 has no c2");
        assert_eq!(block_on(replica.holds()).unwrap(), None, "nothing was copied");
        assert!(block_on(replica.load(&cid("c1"))).unwrap());
        assert!(block_on(replica.load(&cid("c1"))).unwrap(), "a second load reads nothing new");
        assert_eq!(count(&local, "SELECT COUNT(*) AS n FROM messages"), 1);
        assert!(block_on(replica.load(&cid("c2"))).is_err(), "one object holds one conversation");
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        assert!(block_on(store.conversation(&cid("c2"))).is_err(), "and answers only for it");
    }

    #[test]
    fn a_request_for_a_conversation_that_was_never_created_leaves_nothing_behind() {
        let (remote, _, gate) = world();
        let fresh = Sqlite::empty();
        let replica = Replica::new(&fresh, &remote, &gate);
        assert!(!block_on(replica.load(&cid("cNoSuchConversation"))).unwrap());
        block_on(replica.forget()).unwrap();
        assert_eq!(count(&fresh, "SELECT COUNT(*) AS n FROM sqlite_master"), 0, "not even a table");
        assert!(block_on(replica.load(&cid("c1"))).unwrap(), "a real one is loaded, schema and all");
        assert_eq!(block_on(replica.holds()).unwrap(), Some(cid("c1")));
    }

    #[test]
    fn a_conditional_write_decides_alike_in_d1() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        let handoff = HandoffRecord {
            seq: 1,
            at_ms: T0 + 5,
            reason: HandoffReason::HumanRequested,
            summary: HandoffSummary::default(),
            noticed: false,
        };
        let delivery = |id: &str| NewDelivery {
            id: id.into(),
            event: "conversation.handoff".into(),
            payload: "{}".into(),
            created_at_ms: T0,
        };
        assert!(block_on(store.hand_off(&cid("c1"), &handoff, Some(&delivery("d1")))).unwrap());
        assert!(!block_on(store.hand_off(&cid("c1"), &handoff, Some(&delivery("d2")))).unwrap(), "already waiting");
        block_on(store.replica().flush()).unwrap();
        assert_eq!(count(&remote, "SELECT COUNT(*) AS n FROM webhook_deliveries"), 1, "one notification, as locally");
        let d1 = block_on(SqlStore::new(&remote).conversation(&cid("c1"))).unwrap().unwrap();
        assert_eq!(d1.status, ConversationStatus::Waiting);
    }

    #[test]
    fn a_failed_flush_keeps_every_unsent_write() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        turn(&store, 1);
        // D1 refuses the batch (its messages table is gone), while the conversation is still there.
        block_on(remote.run(&Query::new("DROP TABLE messages", vec![]))).unwrap();
        let journaled = block_on(store.replica().unflushed()).unwrap();
        assert!(block_on(store.replica().flush()).is_err());
        assert_eq!(block_on(store.replica().unflushed()).unwrap(), journaled, "kept for the next flush");
    }

    /// D1 that applies a batch and then loses its answer, once.
    struct LosesAnAnswer<'a>(&'a Sqlite, std::cell::Cell<bool>);

    impl SqlPort for LosesAnAnswer<'_> {
        async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
            self.0.all(query).await
        }
        async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
            self.0.first(query).await
        }
        async fn run(&self, query: &Query) -> Result<Written, StoreError> {
            self.0.run(query).await
        }
        async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
            let applied = self.0.batch(queries).await?;
            if self.1.replace(false) {
                return Err(fail("the connection dropped before the answer"));
            }
            Ok(applied)
        }
    }

    #[test]
    fn a_flush_whose_answer_was_lost_is_not_applied_twice() {
        let (d1, local, gate) = world();
        let remote = LosesAnAnswer(&d1, std::cell::Cell::new(false));
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        turn(&store, 1);
        block_on(store.add_note(
            &cid("c1"),
            &crate::store::inbox::NewNote {
                id: "n1".into(),
                author: shared::inbox::AgentRef { id: "a1".into(), name: "Ana".into() },
                text: "Called them back.".into(),
                created_at_ms: T0,
            },
        ))
        .unwrap();
        remote.1.set(true);
        block_on(store.replica().flush()).unwrap();
        assert_eq!(block_on(store.replica().unflushed()).unwrap(), 0, "recognised as applied by its mark");
        assert_eq!(count(&d1, "SELECT COUNT(*) AS n FROM notes"), 1, "the note once, not a failing second insert");
        assert_eq!(
            block_on(SqlStore::new(&d1).messages(&cid("c1"))).unwrap(),
            block_on(store.messages(&cid("c1"))).unwrap()
        );
    }

    #[test]
    fn a_conversation_erased_from_d1_meanwhile_is_forgotten_by_the_next_flush() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        turn(&store, 1);
        block_on(SqlStore::new(&remote).erase_conversations(&[cid("c1")])).unwrap();
        assert_eq!(block_on(store.replica().flush()).unwrap(), 0);
        assert_eq!(block_on(store.replica().holds()).unwrap(), None, "the copy went with it");
        assert_eq!(count(&local, "SELECT COUNT(*) AS n FROM messages"), 0);
        assert_eq!(count(&remote, "SELECT COUNT(*) AS n FROM messages"), 0, "nothing came back");
    }

    #[test]
    fn a_flush_page_never_splits_a_local_transaction() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        for n in 1..=60 {
            turn(&store, n);
        }
        let page = block_on(store.replica().page()).unwrap();
        assert!(page.len() <= FLUSH_PAGE && !page.is_empty());
        assert_eq!(page.last().unwrap().ends, 1.0, "the page ends where a transaction ends");
        let next: Vec<JournalRow> = block_on(local.all(&Query::new(
            "SELECT seq, sql, args, ends FROM replica_log WHERE seq > ?1 ORDER BY seq LIMIT 1",
            vec![SqlValue::Integer(page.last().unwrap().seq as i64)],
        )))
        .unwrap();
        assert!(!next.is_empty(), "more than one page is waiting");
        block_on(store.replica().flush()).unwrap();
        assert_eq!(block_on(SqlStore::new(&remote).messages(&cid("c1"))).unwrap().len(), 121);
    }

    #[test]
    fn a_copy_made_by_an_older_release_gets_the_migrations_since() {
        let (remote, local, gate) = world();
        let replica = Replica::new(&local, &remote, &gate);
        block_on(replica.load(&cid("c1"))).unwrap();
        // As an older release left it: one migration fewer.
        local
            .run_script("DROP TABLE conversation_snooze; UPDATE replica_meta SET migrations = migrations - 1;")
            .unwrap();
        assert!(block_on(replica.load(&cid("c1"))).unwrap());
        assert_eq!(count(&local, "SELECT migrations AS n FROM replica_meta"), MIGRATIONS.len());
        let table = "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'conversation_snooze'";
        assert_eq!(count(&local, table), 1);
    }

    #[test]
    fn a_copy_whose_object_missed_the_erasure_is_never_served_again_and_is_dropped() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        turn(&store, 1);
        block_on(store.replica().flush()).unwrap();
        // The Worker erases it from D1 (a person's erasure); its `/forget` never reaches this object.
        let index = SqlStore::new(&remote);
        block_on(index.erase_conversations(&[cid("c1")])).unwrap();
        assert_eq!(block_on(index.unforgotten(10)).unwrap(), [cid("c1")], "the tombstone, in the erasing batch");
        // The object's next request runs on its copy, and its answer is dropped for the tombstone.
        assert!(block_on(store.replica().load(&cid("c1"))).unwrap(), "the copy is still held");
        let read = block_on(store.replica().unless_erased(&cid("c1"), store.messages(&cid("c1")))).unwrap();
        assert!(read.is_none(), "nothing of it is answered");
        assert_eq!(count(&local, "SELECT COUNT(*) AS n FROM messages"), 0, "the copy is gone");
        assert!(block_on(index.unforgotten(10)).unwrap().is_empty(), "and recorded as forgotten");
        assert!(!block_on(store.replica().load(&cid("c1"))).unwrap(), "it does not come back");
    }

    #[test]
    fn a_copy_not_erased_is_answered() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        let read = block_on(store.replica().unless_erased(&cid("c1"), store.messages(&cid("c1")))).unwrap();
        assert_eq!(read.unwrap().unwrap().len(), 1);
    }

    #[test]
    fn erasing_the_conversation_erases_d1_and_everything_held_here() {
        let (remote, local, gate) = world();
        let store = ObjectStore::new(cid("c1"), Replica::new(&local, &remote, &gate), &remote);
        block_on(store.replica().load(&cid("c1"))).unwrap();
        turn(&store, 1);
        block_on(store.erase_conversations(&[cid("c1")])).unwrap();
        assert_eq!(count(&remote, "SELECT COUNT(*) AS n FROM conversations"), 0);
        for table in ["conversations", "messages", "replica_log"] {
            assert_eq!(count(&local, &format!("SELECT COUNT(*) AS n FROM {table}")), 0, "{table} held here");
        }
        assert_eq!(block_on(store.replica().holds()).unwrap(), None);
        assert!(!block_on(store.replica().load(&cid("c1"))).unwrap(), "and it does not come back");
        assert!(block_on(SqlStore::new(&remote).unforgotten(10)).unwrap().is_empty(), "its object confirmed");
    }

    #[test]
    fn a_migration_that_fails_leaves_the_schema_as_it_was() {
        let local = Sqlite::empty();
        local.run_script(OWN_TABLES).unwrap();
        local.run_script("INSERT INTO replica_meta (id, migrations) VALUES (0, 0)").unwrap();
        // A table the first migration creates, already there: that migration fails as a whole.
        local.run_script("CREATE TABLE messages (x INTEGER)").unwrap();
        assert!(migrate(&local).is_err());
        assert_eq!(count(&local, "SELECT migrations AS n FROM replica_meta"), 0);
        assert_eq!(count(&local, "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'conversations'"), 0);
    }

    #[test]
    fn comments_are_dropped_from_migrations_even_at_the_end() {
        assert_eq!(
            without_comments("-- a\nALTER TABLE t ADD COLUMN c TEXT; -- JSON {a}"),
            "\nALTER TABLE t ADD COLUMN c TEXT;"
        );
    }

    #[test]
    fn reads_are_not_journaled() {
        assert!(!writes("  select 1"));
        assert!(writes("INSERT INTO x VALUES (1)"));
        assert!(writes("UPDATE conversations SET status = 'ai'"));
    }

    #[test]
    fn journaled_values_come_back_as_they_were_bound() {
        let args = vec![SqlValue::Null, SqlValue::Integer(T0 as i64), SqlValue::text("a \"quoted\" ü")];
        assert_eq!(decode(&encode(&args)).unwrap(), args);
        assert_eq!(value(&serde_json::json!(3.0)).unwrap(), SqlValue::Integer(3), "D1's numbers are floats");
        assert!(value(&serde_json::json!(0.5)).is_err());
    }
}
