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
    /// False when the person had more conversations than one call erases: call again.
    pub complete: bool,
}

/// Erases every conversation of `person`, [`MAX_BATCHES`] batches at most.
pub async fn erase_person<S: ErasureStore>(store: &S, person: &Person) -> Result<PersonErased, StoreError> {
    let mut out = PersonErased::default();
    for _ in 0..MAX_BATCHES {
        let ids = store.conversations_of(person, MAX_ERASE_BATCH).await?;
        if ids.is_empty() {
            out.complete = true;
            return Ok(out);
        }
        out.erased += store.erase_conversations(&ids).await?;
        out.conversation_ids.extend(ids);
    }
    out.complete = store.conversations_of(person, 1).await?.is_empty();
    Ok(out)
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
    /// False when a bound was hit and the next run continues.
    pub complete: bool,
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
        out.erased += store.erase_conversations(&ids).await?;
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
        block_on(w.store.insert_replies(c, &[m])).unwrap();
    }

    fn log_run(w: &World, origin: RunOrigin, at_ms: u64) {
        let mut run = ActionRun::not_sent("tx-status".into(), RunStatus::Ok, None, "sent to ana@example.com".into());
        run.request.url = "https://api.example.com/tx/ana@example.com".into();
        block_on(w.store.record_run(at_ms, &origin, &run)).unwrap();
    }

    fn exists(w: &World, c: &ConversationId) -> bool {
        block_on(w.store.conversation(c)).unwrap().is_some()
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
        let others_messages = block_on(w.store.messages(&other)).unwrap();

        let erased = block_on(erase_conversation(&w.store, &mine)).unwrap();
        assert_eq!(erased, Erased { conversations: 1, messages: 3, submissions: 0, action_runs: 2 });
        assert!(!exists(&w, &mine));
        assert!(block_on(w.store.messages(&mine)).unwrap().is_empty());
        assert_eq!(block_on(w.store.messages(&other)).unwrap(), others_messages);
        let logs = block_on(w.store.action_logs("tx-status", 10, None)).unwrap();
        assert_eq!(logs.len(), 1, "only the other conversation's run is left");
        assert_eq!(logs[0].conversation_id.as_deref(), Some(other.as_str()));
        // Erasing again finds nothing.
        assert_eq!(block_on(erase_conversation(&w.store, &mine)).unwrap(), Erased::default());
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
        block_on(erase_conversation(&w.store, &id(&c))).unwrap();
        assert_eq!(w.limiter.hits("run:tx-status"), 1, "a visitor cannot erase their way past per_hour");
    }

    #[test]
    fn a_person_is_found_by_email_ignoring_case_or_by_user_id() {
        let w = World::with_site(site());
        let ana = start_with(&w, json!({"lead": {"email": "Ana@Example.com"}}));
        let ana_again = start_with(&w, json!({"lead": {"email": "ana@example.COM"}, "user_id": "u-1"}));
        let bob = start_with(&w, json!({"lead": {"email": "bob@example.com"}, "user_id": "u-2"}));
        let nobody = start_with(&w, json!({}));

        let out = block_on(erase_person(&w.store, &Person::Email("ANA@example.com".into()))).unwrap();
        assert_eq!(out.conversation_ids, vec![ana.clone(), ana_again.clone()]);
        assert_eq!(out.erased.conversations, 2);
        assert!(out.complete);
        assert!(!exists(&w, &ana) && !exists(&w, &ana_again));
        assert!(exists(&w, &bob) && exists(&w, &nobody));

        let out = block_on(erase_person(&w.store, &Person::UserId("U-2".into()))).unwrap();
        assert!(out.conversation_ids.is_empty() && out.complete, "user ids are exact");
        let out = block_on(erase_person(&w.store, &Person::UserId("u-2".into()))).unwrap();
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
        let first = block_on(erase_person(&w.store, &person)).unwrap();
        assert_eq!((first.conversation_ids.len(), first.complete), (MAX_BATCHES * MAX_ERASE_BATCH, false));
        let second = block_on(erase_person(&w.store, &person)).unwrap();
        assert_eq!((second.conversation_ids.len(), second.complete), (3, true));
        assert_eq!(w.store.message_count(), 0);
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

        assert_eq!(block_on(clean_up(&w.store, None, now)).unwrap().erased, Erased::default(), "no setting, no expiry");
        assert!(exists(&w, &quiet));

        let cleanup = block_on(clean_up(&w.store, Some(30), now)).unwrap();
        assert_eq!(cleanup.erased.conversations, 1);
        assert_eq!(cleanup.old_runs, 1);
        assert!(cleanup.complete);
        assert!(!exists(&w, &quiet));
        assert!(exists(&w, &active) && exists(&w, &fresh));
        assert_eq!(block_on(w.store.action_logs("tx-status", 10, None)).unwrap().len(), 1);
        // Exactly at the boundary a conversation is kept: older than, not as old as.
        assert_eq!(block_on(clean_up(&w.store, Some(10), T0 + 30 * DAY_MS)).unwrap().erased.conversations, 0);
        assert_eq!(block_on(clean_up(&w.store, Some(10), T0 + 30 * DAY_MS + 1)).unwrap().erased.conversations, 1);
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
        let first = block_on(clean_up(&w.store, Some(1), now)).unwrap();
        assert_eq!((first.erased.conversations as usize, first.complete), (MAX_BATCHES * MAX_ERASE_BATCH, false));
        let second = block_on(clean_up(&w.store, Some(1), now)).unwrap();
        assert_eq!((second.erased.conversations, second.complete), (7, true));
        assert_eq!(w.store.message_count(), 0);
    }
}
