//! Erasure and retention: what deleting a conversation or a person removes, and the scheduled
//! cleanup that enforces `retention_days`, all in bounded batches over [`ErasureStore`]. The
//! routes (`api::erasure`) and the Cron handler (`glue`) only call these functions.

use crate::store::erasure::MAX_ERASE_BATCH;
use crate::store::{Erased, ErasureStore, Person, StoreError};
use serde::Serialize;
use shared::ConversationId;

/// One day in ms.
const DAY_MS: u64 = 86_400_000;

/// Most erase batches one request or one Cron run performs (each a few D1 statements), so the
/// Worker stays within its per-invocation limits; the rest waits for the next call or run.
pub const MAX_BATCHES: usize = 8;

/// Most old action runs one Cron run deletes per kind.
pub const MAX_RUNS_PER_CLEANUP: usize = 1000;

/// Erases one conversation with its messages and action runs.
pub async fn erase_conversation<S: ErasureStore>(store: &S, id: &ConversationId) -> Result<Erased, StoreError> {
    store.erase_conversations(std::slice::from_ref(id)).await
}

/// The outcome of erasing a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PersonErased {
    /// The conversations deleted.
    pub conversation_ids: Vec<ConversationId>,
    /// What was removed with them.
    pub erased: Erased,
    /// False when the person had more conversations than one call erases, or a batch failed:
    /// call again.
    pub complete: bool,
    /// Why a batch failed after others were erased (they stay erased, and are listed above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Erases every conversation of `person`, [`MAX_BATCHES`] batches at most. A batch that fails
/// after others were erased ends the call with what was erased and the error (each batch is one
/// transaction: nothing of a failed one is erased); only a failure before anything was erased is
/// an `Err`.
pub async fn erase_person<S: ErasureStore>(store: &S, person: &Person) -> Result<PersonErased, StoreError> {
    let mut out = PersonErased::default();
    for _ in 0..MAX_BATCHES {
        let batch = async {
            let ids = store.conversations_of(person, MAX_ERASE_BATCH).await?;
            let erased = store.erase_conversations(&ids).await?;
            Ok::<_, StoreError>((ids, erased))
        };
        match batch.await {
            Ok((ids, _)) if ids.is_empty() => {
                out.complete = true;
                return Ok(out);
            }
            Ok((ids, erased)) => {
                out.erased += erased;
                out.conversation_ids.extend(ids);
            }
            Err(e) if out.conversation_ids.is_empty() => return Err(e),
            Err(e) => {
                out.error = Some(e.to_string());
                return Ok(out);
            }
        }
    }
    out.complete = store.conversations_of(person, 1).await.is_ok_and(|left| left.is_empty());
    Ok(out)
}

/// Tells conversations' objects to drop their copies (a conversation's Durable Object in the
/// Worker); answers the ids whose objects did not confirm.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait Forgetting {
    /// Asks each object to forget its conversation; the ones that did not confirm.
    async fn forget(&self, ids: &[ConversationId]) -> Vec<ConversationId>;
}

/// Most objects one request or Cron run tells to forget: each is a subrequest, and a Worker
/// invocation may make only 50 on the free plan (the rest wait for the next minute's run).
pub const FORGETS_PER_RUN: usize = 20;

/// Tells the objects of `ids` (at most [`FORGETS_PER_RUN`] of them; the rest are left to
/// [`forget_erased`]) to forget them, and records those that confirmed. Answers the ids told
/// that did not confirm (their tombstones keep their copies from being served meanwhile).
pub async fn tell_objects<S: ErasureStore, F: Forgetting>(
    store: &S,
    objects: &F,
    ids: &[ConversationId],
) -> Result<Vec<ConversationId>, StoreError> {
    let told = &ids[..ids.len().min(FORGETS_PER_RUN)];
    let failed = objects.forget(told).await;
    let done: Vec<ConversationId> = told.iter().filter(|id| !failed.contains(id)).cloned().collect();
    store.forgotten(&done).await?;
    Ok(failed)
}

/// The Cron's part of an erasure: tells the objects of erased conversations that have not yet
/// confirmed to forget (oldest first, [`FORGETS_PER_RUN`] a run); answers (told, confirmed).
pub async fn forget_erased<S: ErasureStore, F: Forgetting>(
    store: &S,
    objects: &F,
) -> Result<(usize, usize), StoreError> {
    let ids = store.unforgotten(FORGETS_PER_RUN).await?;
    let failed = tell_objects(store, objects, &ids).await?;
    Ok((ids.len(), ids.len() - failed.len()))
}

/// What one scheduled cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cleanup {
    /// Expired conversations erased, with their messages and runs.
    pub erased: Erased,
    /// Their ids (their objects are told to forget them).
    pub conversation_ids: Vec<ConversationId>,
    /// Action runs deleted for age: with retention, every run older than `retention_days`.
    pub old_runs: u32,
    /// False when a bound was hit or a batch failed, and the next run continues.
    pub complete: bool,
    /// Why a batch failed after others were erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The scheduled cleanup at `now_ms`: when the owner set `retention_days`, deletes conversations
/// whose last message (or creation) is older than that, and every action run older than that.
pub async fn clean_up<S: ErasureStore>(
    store: &S,
    retention_days: Option<u32>,
    now_ms: u64,
) -> Result<Cleanup, StoreError> {
    let mut out = Cleanup { complete: true, ..Cleanup::default() };
    let Some(days) = retention_days else {
        return Ok(out);
    };
    let cutoff = now_ms.saturating_sub(u64::from(days) * DAY_MS);
    let mut batches = 0;
    loop {
        let ids = store.inactive_conversations(cutoff, MAX_ERASE_BATCH).await?;
        if ids.is_empty() {
            break;
        }
        if batches == MAX_BATCHES {
            out.complete = false;
            break;
        }
        match store.erase_conversations(&ids).await {
            Ok(erased) => out.erased += erased,
            // Those erased so far stay reported (their objects are told); the next run goes on.
            Err(e) if !out.conversation_ids.is_empty() => {
                out.complete = false;
                out.error = Some(e.to_string());
                return Ok(out);
            }
            Err(e) => return Err(e),
        }
        out.conversation_ids.extend(ids);
        batches += 1;
    }
    let old = store.delete_runs_before(cutoff, MAX_RUNS_PER_CLEANUP).await?;
    out.old_runs += old;
    out.complete &= (old as usize) < MAX_RUNS_PER_CLEANUP;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::execute::{ActionRun, RunStatus};
    use crate::api::tests::{block_on, messages_path, site, World};
    use crate::store::{ActionLogStore, ConversationStore, NewMessage, RunOrigin};
    use serde_json::json;
    use shared::MessageId;

    /// `World::call`'s clock.
    const T0: u64 = 1_795_478_400_000;

    fn id(raw: &str) -> ConversationId {
        ConversationId::parse(raw).unwrap()
    }

    /// A conversation created with `body`; its user id, if any, signed by the owner.
    fn start_with(w: &World, mut body: serde_json::Value) -> ConversationId {
        if let Some(user) = body["user_id"].as_str().map(crate::api::tests::user_hash) {
            body["user_hash"] = user.into();
        }
        let (status, v) = w.call("POST", "/api/v1/conversations", None, &body.to_string());
        assert_eq!(status, 201, "{v}");
        id(v["conversation_id"].as_str().unwrap())
    }

    fn say(w: &World, c: &ConversationId, n: u32, at_ms: u64) {
        let m = NewMessage::bot(MessageId::parse(format!("{c}-t{n}")).unwrap(), "later".into(), None, at_ms);
        block_on(w.store().insert_replies(c, &[m])).unwrap();
    }

    fn log_run(w: &World, origin: RunOrigin, at_ms: u64) {
        let mut run = ActionRun::not_sent("tx-status".into(), RunStatus::Ok, None, "sent to ana@example.com".into());
        run.request.url = "https://api.example.com/tx/ana@example.com".into();
        block_on(w.store().record_run(at_ms, &origin, &run)).unwrap();
    }

    fn exists(w: &World, c: &ConversationId) -> bool {
        block_on(w.store().conversation(c)).unwrap().is_some()
    }

    #[test]
    fn erasing_a_conversation_removes_its_messages_and_runs_and_nothing_else() {
        let w = World::with_site(site());
        let (mine, token) = w.start();
        let other = w.start().0;
        let mine = id(&mine);
        let other = id(&other);
        let (s, _) =
            w.call("POST", &messages_path(mine.as_str()), Some(&token), r#"{"text":"hi","client_message_id":"k"}"#);
        assert_eq!(s, 200);
        log_run(&w, RunOrigin::Visitor(mine.clone()), T0 - 2 * 3_600_000);
        log_run(&w, RunOrigin::Visitor(mine.clone()), T0 - 1000);
        log_run(&w, RunOrigin::Visitor(other.clone()), T0 - 1000);
        let others_messages = block_on(w.store().messages(&other)).unwrap();

        let erased = block_on(erase_conversation(&w.store(), &mine)).unwrap();
        assert_eq!(erased, Erased { conversations: 1, messages: 3, submissions: 0, action_runs: 2 });
        assert!(!exists(&w, &mine));
        assert!(block_on(w.store().messages(&mine)).unwrap().is_empty());
        assert_eq!(block_on(w.store().messages(&other)).unwrap(), others_messages);
        let logs = block_on(w.store().action_logs("tx-status", 10, None)).unwrap();
        assert_eq!(logs.len(), 1, "only the other conversation's run is left");
        assert_eq!(logs[0].conversation_id.as_deref(), Some(other.as_str()));
        // Erasing again finds nothing.
        assert_eq!(block_on(erase_conversation(&w.store(), &mine)).unwrap(), Erased::default());
    }

    #[test]
    fn erasure_does_not_reset_an_actions_rate_limit() {
        // Limits are counted in the limiter, not in the erased log: deleting a conversation and
        // starting again buys no new runs.
        let w = World::with_site(site());
        let (c, token) = w.start();
        let tx = format!("0x{}", "ab".repeat(32));
        let body = json!({"text": format!("where is {tx}?"), "client_message_id": "k"}).to_string();
        let (s, _) = w.call("POST", &messages_path(&c), Some(&token), &body);
        assert_eq!(s, 200);
        assert_eq!(w.limiter.hits("run:tx-status"), 1);
        block_on(erase_conversation(&w.store(), &id(&c))).unwrap();
        assert_eq!(w.limiter.hits("run:tx-status"), 1, "a visitor cannot erase their way past per_hour");
    }

    #[test]
    fn a_person_is_found_by_email_ignoring_case_or_by_user_id() {
        let w = World::with_site(site());
        let ana = start_with(&w, json!({"lead": {"email": "Ana@Example.com"}}));
        let ana_again = start_with(&w, json!({"lead": {"email": "ana@example.COM"}, "user_id": "u-1"}));
        let bob = start_with(&w, json!({"lead": {"email": "bob@example.com"}, "user_id": "u-2"}));
        let nobody = start_with(&w, json!({}));

        let out = block_on(erase_person(&w.store(), &Person::Email("ANA@example.com".into()))).unwrap();
        assert_eq!(out.conversation_ids, vec![ana.clone(), ana_again.clone()]);
        assert_eq!(out.erased.conversations, 2);
        assert!(out.complete);
        assert!(!exists(&w, &ana) && !exists(&w, &ana_again));
        assert!(exists(&w, &bob) && exists(&w, &nobody));

        let out = block_on(erase_person(&w.store(), &Person::UserId("U-2".into()))).unwrap();
        assert!(out.conversation_ids.is_empty() && out.complete, "user ids are exact");
        let out = block_on(erase_person(&w.store(), &Person::UserId("u-2".into()))).unwrap();
        assert_eq!(out.conversation_ids, vec![bob]);
        assert!(exists(&w, &nobody));
    }

    #[test]
    fn a_person_with_many_conversations_is_erased_over_several_calls() {
        let w = World::with_site(site());
        let n = MAX_BATCHES * MAX_ERASE_BATCH + 3;
        for _ in 0..n {
            start_with(&w, json!({"lead": {"email": "many@example.com"}}));
        }
        let person = Person::Email("many@example.com".into());
        let first = block_on(erase_person(&w.store(), &person)).unwrap();
        assert_eq!((first.conversation_ids.len(), first.complete), (MAX_BATCHES * MAX_ERASE_BATCH, false));
        let second = block_on(erase_person(&w.store(), &person)).unwrap();
        assert_eq!((second.conversation_ids.len(), second.complete), (3, true));
        assert_eq!(w.message_count(), 0);
    }

    #[test]
    fn retention_deletes_conversations_inactive_for_longer_than_the_setting() {
        let w = World::with_site(site());
        let (quiet, active, fresh) = (id(&w.start().0), id(&w.start().0), id(&w.start().0));
        say(&w, &active, 1, T0 + 20 * DAY_MS); // an old conversation someone came back to
        say(&w, &fresh, 1, T0 + 29 * DAY_MS);
        log_run(&w, RunOrigin::AdminTest, T0); // an old test run
        log_run(&w, RunOrigin::AdminTest, T0 + 25 * DAY_MS); // a recent one
        let now = T0 + 30 * DAY_MS + 1;

        assert_eq!(
            block_on(clean_up(&w.store(), None, now)).unwrap().erased,
            Erased::default(),
            "no setting, no expiry"
        );
        assert!(exists(&w, &quiet));

        let cleanup = block_on(clean_up(&w.store(), Some(30), now)).unwrap();
        assert_eq!(cleanup.erased.conversations, 1);
        assert_eq!(cleanup.old_runs, 1);
        assert!(cleanup.complete);
        assert!(!exists(&w, &quiet));
        assert!(exists(&w, &active) && exists(&w, &fresh));
        assert_eq!(block_on(w.store().action_logs("tx-status", 10, None)).unwrap().len(), 1);
        // Exactly at the boundary a conversation is kept: older than, not as old as.
        assert_eq!(block_on(clean_up(&w.store(), Some(10), T0 + 30 * DAY_MS)).unwrap().erased.conversations, 0);
        assert_eq!(block_on(clean_up(&w.store(), Some(10), T0 + 30 * DAY_MS + 1)).unwrap().erased.conversations, 1);
        assert!(!exists(&w, &active));
        assert!(exists(&w, &fresh));
    }

    #[test]
    fn a_retention_backlog_is_cleared_in_bounded_runs() {
        let w = World::with_site(site());
        let n = MAX_BATCHES * MAX_ERASE_BATCH + 7;
        for _ in 0..n {
            w.start();
        }
        let now = T0 + 2 * DAY_MS;
        let first = block_on(clean_up(&w.store(), Some(1), now)).unwrap();
        assert_eq!((first.erased.conversations as usize, first.complete), (MAX_BATCHES * MAX_ERASE_BATCH, false));
        let second = block_on(clean_up(&w.store(), Some(1), now)).unwrap();
        assert_eq!((second.erased.conversations, second.complete), (7, true));
        assert_eq!(w.message_count(), 0);
    }
}

#[cfg(test)]
mod tombstone_tests {
    use super::*;
    use crate::api::tests::{block_on, site, World};
    use crate::store::sql::SqlStore;
    use crate::store::sqlite::Sqlite;
    use std::cell::{Cell, RefCell};

    /// Objects as the Worker reaches them: `missing` ones do not answer, the rest confirm.
    #[derive(Default)]
    struct Objects {
        missing: RefCell<Vec<ConversationId>>,
        told: RefCell<Vec<ConversationId>>,
    }

    impl Forgetting for Objects {
        async fn forget(&self, ids: &[ConversationId]) -> Vec<ConversationId> {
            self.told.borrow_mut().extend(ids.iter().cloned());
            ids.iter().filter(|id| self.missing.borrow().contains(id)).cloned().collect()
        }
    }

    fn started(w: &World) -> ConversationId {
        let (id, _) = w.start();
        ConversationId::parse(id).unwrap()
    }

    #[test]
    fn an_object_that_misses_the_first_forget_is_told_again_by_the_next_cron_run_until_it_confirms() {
        let w = World::with_site(site());
        let (a, b) = (started(&w), started(&w));
        block_on(w.store().erase_conversations(&[a.clone(), b.clone()])).unwrap();
        let objects = Objects::default();
        objects.missing.borrow_mut().push(b.clone());
        // The erasing request tells both; only `a` confirms.
        let unconfirmed = block_on(tell_objects(&w.store(), &objects, &[a.clone(), b.clone()])).unwrap();
        assert_eq!(unconfirmed, std::slice::from_ref(&b));
        assert_eq!(block_on(w.store().unforgotten(10)).unwrap(), std::slice::from_ref(&b));
        // The next Cron run tells `b` again: still missing, still pending.
        assert_eq!(block_on(forget_erased(&w.store(), &objects)).unwrap(), (1, 0));
        // It answers at last; later runs tell nobody.
        objects.missing.borrow_mut().clear();
        assert_eq!(block_on(forget_erased(&w.store(), &objects)).unwrap(), (1, 1));
        assert_eq!(block_on(forget_erased(&w.store(), &objects)).unwrap(), (0, 0));
        assert_eq!(objects.told.borrow().iter().filter(|id| **id == b).count(), 3);
    }

    #[test]
    fn one_request_tells_at_most_a_runs_worth_of_objects_and_the_cron_tells_the_rest() {
        let w = World::with_site(site());
        let ids: Vec<ConversationId> = (0..FORGETS_PER_RUN + 5).map(|_| started(&w)).collect();
        for chunk in ids.chunks(MAX_ERASE_BATCH) {
            block_on(w.store().erase_conversations(chunk)).unwrap();
        }
        let objects = Objects::default();
        block_on(tell_objects(&w.store(), &objects, &ids)).unwrap();
        assert_eq!(objects.told.borrow().len(), FORGETS_PER_RUN, "within a Worker's subrequests");
        assert_eq!(block_on(forget_erased(&w.store(), &objects)).unwrap(), (5, 5));
    }

    /// A store whose erasing batch fails from the `fail_from`-th call on.
    struct Failing<'w> {
        inner: SqlStore<&'w Sqlite>,
        calls: Cell<usize>,
        fail_from: usize,
    }

    impl ErasureStore for Failing<'_> {
        async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError> {
            self.calls.set(self.calls.get() + 1);
            if self.calls.get() >= self.fail_from {
                return Err(StoreError("D1 is unavailable".into()));
            }
            self.inner.erase_conversations(ids).await
        }
        async fn unforgotten(&self, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
            self.inner.unforgotten(limit).await
        }
        async fn forgotten(&self, ids: &[ConversationId]) -> Result<(), StoreError> {
            self.inner.forgotten(ids).await
        }
        async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
            self.inner.conversations_of(person, limit).await
        }
        async fn inactive_conversations(
            &self,
            before_ms: u64,
            limit: usize,
        ) -> Result<Vec<ConversationId>, StoreError> {
            self.inner.inactive_conversations(before_ms, limit).await
        }
        async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError> {
            self.inner.delete_runs_before(before_ms, limit).await
        }
    }

    #[test]
    fn a_batch_that_fails_after_others_reports_the_ids_that_were_erased() {
        let w = World::with_site(site());
        let body = |n: usize| serde_json::json!({"lead": {"email": "ana@example.com"}, "user_id": format!("u{n}")});
        for n in 0..MAX_ERASE_BATCH + 3 {
            let (status, _) = w.call("POST", "/api/v1/conversations", None, &body(n).to_string());
            assert_eq!(status, 201);
        }
        let store = Failing { inner: w.store(), calls: Cell::new(0), fail_from: 2 };
        let out = block_on(erase_person(&store, &Person::Email("ana@example.com".into()))).unwrap();
        assert_eq!(out.conversation_ids.len(), MAX_ERASE_BATCH, "the first batch is erased and named");
        assert!(!out.complete);
        assert_eq!(out.error.as_deref(), Some("storage failed: D1 is unavailable"));
        assert_eq!(block_on(store.unforgotten(100)).unwrap().len(), MAX_ERASE_BATCH, "their objects will be told");
        // Nothing erased yet: the failure is the caller's error.
        let store = Failing { inner: store.inner, calls: Cell::new(0), fail_from: 1 };
        assert!(block_on(erase_person(&store, &Person::Email("ana@example.com".into()))).is_err());
    }
}
