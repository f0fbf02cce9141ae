//! One contract for the stores as the Worker uses them: D1's SQL alone (run on SQLite with
//! `edge/migrations/` applied), and a whole deployment (`deployment`: each conversation's calls
//! through its object on its own SQLite, journaled to D1) must pass the same tests. Each test is a
//! function generic over the store; [`contract!`] runs it on both.

use super::agents::{AddAgentError, Agent, AgentAccount, Role};
use super::deployment::Deployment;
use super::sqlite::Sqlite;
use super::*;
use crate::action_run::{ActionRun, ErrorClass, LoggedRequest, RunStatus};
use crate::api::tests::block_on;
use crate::pending::{Awaiting, Pending};
use shared::handoff::{ConversationStatus, HandoffReason, HandoffSummary};
use shared::{ActionOutcome, ActionStatus, ButtonAct, FormCard, Source, Submission};

/// Runs each named contract test on D1's SQL over SQLite and through conversations' objects.
macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod through_objects {
            $(#[test] fn $test() { super::$test(&super::Deployment::default()) })*
        }
        mod sql_on_sqlite {
            $(#[test] fn $test() { super::$test(&super::Sqlite::store()) })*
        }
    };
}

contract!(
    an_agent_is_found_by_email_in_any_ascii_case_and_emails_are_unique,
    a_session_opens_its_agent_until_it_expires_or_closes,
    a_disabled_account_opens_nothing,
    live_sessions_end_with_sign_out_expiry_disabling_and_revocation,
    a_conversation_reads_back_as_created,
    saving_state_keeps_what_the_agent_learned_and_nothing_else,
    a_visitor_message_is_stored_once_per_client_id,
    replies_are_stored_once_in_order,
    a_write_reads_what_it_needs_and_finishes_with_its_state,
    history_is_in_order_and_scoped_to_its_conversation,
    messages_after_a_cursor_are_exact_and_scoped,
    every_message_field_round_trips,
    messages_need_their_conversation_and_ids_are_unique,
    the_action_log_pages_newest_first_and_keeps_every_field,
    log_ids_are_never_reused,
    erasing_removes_a_conversation_with_everything_stored_for_it,
    erasing_is_bounded_and_skips_unknown_ids,
    a_person_is_found_by_email_in_any_ascii_case_or_by_user_id_oldest_first,
    inactive_conversations_are_those_neither_created_nor_written_to_since,
    old_runs_are_deleted_oldest_first_in_bounded_batches,
    a_conversation_is_handed_off_once_with_one_delivery,
    saving_state_never_changes_who_answers_and_keeps_streaks_and_the_notice,
    a_delivery_is_claimed_by_one_caller_and_every_attempt_is_recorded,
    erasing_removes_webhook_deliveries_and_their_attempts,
    of_two_agents_claiming_at_once_one_gets_the_conversation,
    a_take_over_silences_the_ai_and_a_hand_back_lets_a_second_handoff_notify_once,
    only_the_assignee_moves_an_assigned_conversation_and_resolving_is_dated,
    the_views_are_ordered_counted_and_searched_alike,
    attention_is_what_waits_or_is_mine_and_unread_by_me,
    a_snoozed_conversation_leaves_the_work_views_until_its_moment_or_the_visitor,
    notes_are_kept_in_order_and_erased_with_their_conversation,
    agents_to_assign_are_the_enabled_ones_by_name,
    a_conversations_runs_come_oldest_first_and_only_its_own,
    agents_messages_keep_the_agents_name,
);

const T0: u64 = 1_795_478_400_000;
/// A moment after every one the contract writes: nothing snoozed "until" it still holds.
const LATER: u64 = T0 + 1_000_000_000;

fn cid(raw: &str) -> ConversationId {
    ConversationId::parse(raw).unwrap()
}

fn mid(raw: &str) -> MessageId {
    MessageId::parse(raw).unwrap()
}

fn record(id: &str, created_at_ms: u64) -> ConversationRecord {
    ConversationRecord {
        id: cid(id),
        token_hash: format!("hash-of-{id}"),
        user_id: None,
        lead: Lead::default(),
        created_at_ms,
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

fn create<S: Stores>(store: &S, id: &str, created_at_ms: u64) -> ConversationId {
    let greeting = NewMessage::bot(mid(&format!("{id}-g0")), "Hi.".into(), None, created_at_ms);
    block_on(store.create_conversation(&record(id, created_at_ms), &[greeting])).unwrap();
    cid(id)
}

fn visitor(id: &str, client_id: &str, at_ms: u64) -> NewMessage {
    NewMessage::visitor(mid(id), format!("text of {id}"), client_id.into(), at_ms)
}

fn reply(id: &str, to: &str, at_ms: u64) -> NewMessage {
    NewMessage::bot(mid(id), format!("reply {id}"), Some(mid(to)), at_ms)
}

fn ids(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

fn run(action: &str, status: RunStatus) -> ActionRun {
    ActionRun::not_sent(action.into(), status, None, format!("{action} ran"))
}

fn a_conversation_reads_back_as_created<S: Stores>(store: &S) {
    let full = ConversationRecord {
        user_id: Some("u-7".into()),
        lead: Lead { email: Some("Ana@Example.com".into()), name: Some("Ana".into()) },
        verification: Some(Verification { email: Some("ana@example.com".into()), user_id: None, at_ms: T0 - 5 }),
        identity: IdentityProof::SignedToken,
        identity_expires_at_ms: Some(T0 + 600_000),
        pending: Some(Pending {
            action: "close-account".into(),
            inputs: [("reason".to_string(), "moving".to_string())].into(),
            awaiting: Awaiting::Confirmation,
            resume: None,
        }),
        attributes: BTreeMap::from([("plan".to_string(), "pro".to_string())]),
        ..record("c1", T0)
    };
    let opening = [
        NewMessage::bot(mid("c1-g0"), "Hello.".into(), None, T0),
        NewMessage { form: Some(lead_form()), ..NewMessage::bot(mid("c1-g1"), "Who are you?".into(), None, T0) },
    ];
    block_on(store.create_conversation(&full, &opening)).unwrap();
    assert_eq!(block_on(store.conversation(&cid("c1"))).unwrap(), Some(full));
    let stored = block_on(store.messages(&cid("c1"))).unwrap();
    assert_eq!(stored, opening.iter().map(NewMessage::to_message).collect::<Vec<_>>());

    let plain = record("c2", T0);
    block_on(store.create_conversation(&plain, &[])).unwrap();
    assert_eq!(block_on(store.conversation(&cid("c2"))).unwrap(), Some(plain));
    assert_eq!(block_on(store.conversation(&cid("c3"))).unwrap(), None);
    // An id is one conversation: creating it again fails and changes nothing.
    let again = ConversationRecord { token_hash: "other".into(), ..record("c2", T0 + 1) };
    assert!(block_on(store.create_conversation(&again, &[])).is_err());
    assert_eq!(block_on(store.conversation(&cid("c2"))).unwrap().unwrap().token_hash, "hash-of-c2");
}

fn lead_form() -> FormCard {
    serde_json::from_value(serde_json::json!({
        "action": "lead", "title": "Your details", "submit_label": "Send",
        "fields": [{"name": "email", "kind": "email", "label": "Email", "required": true}]
    }))
    .unwrap()
}

fn saving_state_keeps_what_the_agent_learned_and_nothing_else<S: Stores>(store: &S) {
    let id = create(store, "c1", T0);
    let mut learned = block_on(store.conversation(&id)).unwrap().unwrap();
    learned.lead = Lead { email: Some("me@example.com".into()), name: Some("Me".into()) };
    learned.verification = Some(Verification { email: None, user_id: Some("u-1".into()), at_ms: T0 + 9 });
    learned.pending = Some(Pending {
        action: "reset-2fa".into(),
        inputs: Default::default(),
        awaiting: Awaiting::LeadEmail,
        resume: None,
    });
    learned.attributes.insert("tier".into(), "gold".into());
    block_on(store.save_state(&learned)).unwrap();
    assert_eq!(block_on(store.conversation(&id)).unwrap().as_ref(), Some(&learned));

    // Who the visitor is, their token and the creation time are not the agent's to change.
    let forged = ConversationRecord {
        token_hash: "forged".into(),
        user_id: Some("someone-else".into()),
        identity: IdentityProof::SignedToken,
        identity_expires_at_ms: Some(1),
        created_at_ms: 1,
        ..learned.clone()
    };
    block_on(store.save_state(&forged)).unwrap();
    assert_eq!(block_on(store.conversation(&id)).unwrap().as_ref(), Some(&learned));

    // Cleared state reads back cleared (an empty attribute set too).
    let cleared = ConversationRecord {
        lead: Lead::default(),
        verification: None,
        pending: None,
        attributes: BTreeMap::new(),
        ..learned
    };
    block_on(store.save_state(&cleared)).unwrap();
    assert_eq!(block_on(store.conversation(&id)).unwrap(), Some(cleared));
    // Saving a conversation that does not exist creates nothing.
    block_on(store.save_state(&record("ghost", T0))).unwrap();
    assert_eq!(block_on(store.conversation(&cid("ghost"))).unwrap(), None);
}

fn a_visitor_message_is_stored_once_per_client_id<S: Stores>(store: &S) {
    let a = create(store, "c1", T0);
    let b = create(store, "c2", T0);
    let first = visitor("m1", "k1", T0 + 1);
    let Inserted::New(stored) = block_on(store.insert_visitor_message(&a, &first)).unwrap() else {
        panic!("the first message is new")
    };
    assert_eq!(stored, first.to_message());
    // A retry (new server id, same client id) gets the first message back, and adds nothing.
    let retry = NewMessage { text: "typed again".into(), ..visitor("m2", "k1", T0 + 2) };
    assert_eq!(block_on(store.insert_visitor_message(&a, &retry)).unwrap(), Inserted::Existing(first.to_message()));
    assert_eq!(ids(&block_on(store.messages(&a)).unwrap()), ["c1-g0", "m1"]);
    // Client ids are per conversation.
    let elsewhere = visitor("m3", "k1", T0 + 3);
    assert_eq!(block_on(store.insert_visitor_message(&b, &elsewhere)).unwrap(), Inserted::New(elsewhere.to_message()));
}

fn replies_are_stored_once_in_order<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    block_on(store.insert_visitor_message(&c, &visitor("m1", "k1", T0 + 1))).unwrap();
    block_on(store.insert_visitor_message(&c, &visitor("m2", "k2", T0 + 2))).unwrap();
    let replies = [reply("m1-r0", "m1", T0 + 3), reply("m1-r1", "m1", T0 + 3)];
    block_on(store.insert_replies(&c, &replies)).unwrap();
    block_on(store.insert_replies(&c, &[reply("m2-r0", "m2", T0 + 4)])).unwrap();
    // A concurrent retry writes the same ids: the first text stays, nothing is added.
    let racing = [NewMessage { text: "other".into(), ..reply("m1-r0", "m1", T0 + 5) }, reply("m1-r1", "m1", T0 + 5)];
    block_on(store.insert_replies(&c, &racing)).unwrap();
    block_on(store.insert_replies(&c, &[])).unwrap();
    let got = block_on(store.replies_to(&c, &mid("m1"))).unwrap();
    assert_eq!(got, replies.iter().map(NewMessage::to_message).collect::<Vec<_>>());
    assert_eq!(ids(&block_on(store.replies_to(&c, &mid("m2"))).unwrap()), ["m2-r0"]);
    assert!(block_on(store.replies_to(&c, &mid("m9"))).unwrap().is_empty());
    assert_eq!(block_on(store.messages(&c)).unwrap().len(), 6);
}

fn a_write_reads_what_it_needs_and_finishes_with_its_state<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let other = create(store, "c2", T0);
    block_on(store.insert_visitor_message(&other, &visitor("m9", "k1", T0))).unwrap();
    assert_eq!(block_on(store.open_for_write(&cid("c3"), "k1", 5)).unwrap(), None);
    let first = block_on(store.open_for_write(&c, "k1", 5)).unwrap().unwrap();
    assert_eq!(first.record, record("c1", T0));
    assert_eq!(first.earlier, None, "another conversation's client id is not this one's");
    assert_eq!(ids(&first.recent), ["c1-g0"]);

    block_on(store.insert_visitor_message(&c, &visitor("m1", "k1", T0 + 1))).unwrap();
    let stored = block_on(store.open_for_write(&c, "k1", 5)).unwrap().unwrap();
    assert_eq!(stored.earlier.map(|(m, replies)| (m.id, replies.len())), Some((mid("m1"), 0)));
    assert_eq!(ids(&stored.recent), ["c1-g0", "m1"]);
    // "Hi." and "text of m1" (10 bytes; "é" would count 2): what the cap on a conversation reads.
    assert_eq!(stored.size, ConversationSize { messages: 2, bytes: 3 + 10 });
    assert_eq!(first.size, ConversationSize { messages: 1, bytes: 3 });

    let learned = ConversationRecord {
        lead: Lead { email: Some("ana@example.com".into()), name: None },
        streaks: Streaks { unanswered: 2, negative: 0 },
        status: ConversationStatus::Assigned,
        ..record("c1", T0)
    };
    let replies = [reply("m1-r0", "m1", T0 + 2), reply("m1-r1", "m1", T0 + 2)];
    let got = block_on(store.finish_turn(&learned, &mid("m1"), &replies)).unwrap();
    assert_eq!(got, replies.iter().map(NewMessage::to_message).collect::<Vec<_>>());
    // A racing retry finishes with the same ids: the first replies stay, nothing is added.
    let racing = [NewMessage { text: "other".into(), ..reply("m1-r0", "m1", T0 + 3) }];
    assert_eq!(block_on(store.finish_turn(&learned, &mid("m1"), &racing)).unwrap(), got);
    let back = block_on(store.conversation(&c)).unwrap().unwrap();
    assert_eq!((back.lead, back.streaks), (learned.lead.clone(), learned.streaks));
    assert_eq!(back.status, ConversationStatus::Ai, "finishing a turn never changes who answers");

    let answered = block_on(store.open_for_write(&c, "k1", 2)).unwrap().unwrap();
    assert_eq!(answered.earlier.map(|(m, replies)| (m.id, replies)), Some((mid("m1"), got)));
    assert_eq!(ids(&answered.recent), ["m1-r0", "m1-r1"]);
}

fn history_is_in_order_and_scoped_to_its_conversation<S: Stores>(store: &S) {
    let a = create(store, "c1", T0);
    let b = create(store, "c2", T0);
    // Stored order is the order, whatever the timestamps say.
    block_on(store.insert_visitor_message(&a, &visitor("m1", "k1", T0 + 50))).unwrap();
    block_on(store.insert_visitor_message(&b, &visitor("m2", "k1", T0 + 1))).unwrap();
    block_on(store.insert_replies(&a, &[reply("m1-r0", "m1", T0 + 10)])).unwrap();
    block_on(store.insert_visitor_message(&a, &visitor("m3", "k3", T0 + 5))).unwrap();
    assert_eq!(ids(&block_on(store.messages(&a)).unwrap()), ["c1-g0", "m1", "m1-r0", "m3"]);
    assert_eq!(ids(&block_on(store.recent_messages(&a, 2)).unwrap()), ["m1-r0", "m3"]);
    assert_eq!(ids(&block_on(store.recent_messages(&a, 10)).unwrap()), ["c1-g0", "m1", "m1-r0", "m3"]);
    assert!(block_on(store.recent_messages(&a, 0)).unwrap().is_empty());
    assert_eq!(block_on(store.message(&a, &mid("m1-r0"))).unwrap().map(|m| m.text), Some("reply m1-r0".into()));
    // Another conversation's message is not this conversation's.
    assert_eq!(block_on(store.message(&a, &mid("m2"))).unwrap(), None);
    assert!(block_on(store.messages(&cid("c9"))).unwrap().is_empty());
}

fn messages_after_a_cursor_are_exact_and_scoped<S: Stores>(store: &S) {
    let a = create(store, "c1", T0);
    let b = create(store, "c2", T0);
    block_on(store.insert_visitor_message(&a, &visitor("m1", "k1", T0 + 50))).unwrap();
    block_on(store.insert_visitor_message(&b, &visitor("m2", "k1", T0 + 1))).unwrap();
    block_on(store.insert_replies(&a, &[reply("m1-r0", "m1", T0 + 50), reply("m1-r1", "m1", T0 + 50)])).unwrap();
    let after = |c: &ConversationId, m: &str| block_on(store.messages_after(c, &mid(m))).unwrap();
    assert_eq!(after(&a, "c1-g0").as_deref().map(ids), Some(vec!["m1", "m1-r0", "m1-r1"]));
    // Same timestamps: stored order decides.
    assert_eq!(after(&a, "m1-r0").as_deref().map(ids), Some(vec!["m1-r1"]));
    assert_eq!(after(&a, "m1-r1").as_deref().map(ids), Some(vec![]));
    // A cursor from another conversation, or none at all, is no cursor here.
    assert_eq!(after(&a, "m2"), None);
    assert_eq!(after(&a, "nope"), None);
    assert_eq!(after(&b, "m2").as_deref().map(ids), Some(vec![]));
}

fn every_message_field_round_trips<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let full = NewMessage {
        sources: vec![Source { title: "Fees".into(), url: "/fees#withdrawal-fees".into() }],
        action: Some(ActionOutcome {
            name: "Tx Status".into(),
            status: ActionStatus::Failed,
            reason: Some("the service is unavailable right now".into()),
        }),
        form: Some(lead_form()),
        submission: Some(Submission {
            form_message_id: "c1-g0".into(),
            values: BTreeMap::from([("email".to_string(), "a@b.co".to_string())]),
        }),
        buttons: vec![
            ButtonCard { id: "b0".into(), label: "Confirm".into(), does: ButtonAct::Confirm("close-account".into()) },
            ButtonCard {
                id: "b1".into(),
                label: "Status".into(),
                does: ButtonAct::OpenUrl("https://s.example".into()),
            },
        ],
        author_name: Some("Sam Rivera".into()),
        ..reply("m1-r0", "m1", T0 + 1)
    };
    block_on(store.insert_replies(&c, std::slice::from_ref(&full))).unwrap();
    assert_eq!(block_on(store.message(&c, &full.id)).unwrap(), Some(full.to_message()));
    let bare = visitor("m2", "k2", T0 + 2);
    block_on(store.insert_visitor_message(&c, &bare)).unwrap();
    assert_eq!(block_on(store.message(&c, &bare.id)).unwrap(), Some(bare.to_message()));
}

fn messages_need_their_conversation_and_ids_are_unique<S: Stores>(store: &S) {
    let ghost = cid("ghost");
    assert!(block_on(store.insert_visitor_message(&ghost, &visitor("m1", "k1", T0))).is_err());
    assert!(block_on(store.insert_replies(&ghost, &[reply("m1-r0", "m1", T0)])).is_err());
    assert!(block_on(store.messages(&ghost)).unwrap().is_empty());
}

/// D1's alone: a conversation's object knows only its own messages' ids. Across conversations the
/// edge never makes the same id (16 random bytes, or derived from such an id or the conversation's), so a deployment needs no more.
#[test]
fn in_d1_a_message_id_taken_in_one_conversation_is_not_written_into_another() {
    let store = Sqlite::store();
    let store = &store;
    // A reply id taken in one conversation is not written again into another.
    let a = create(store, "c1", T0);
    let b = create(store, "c2", T0);
    block_on(store.insert_replies(&a, &[reply("x-r0", "x", T0)])).unwrap();
    block_on(store.insert_replies(&b, &[reply("x-r0", "x", T0)])).unwrap();
    assert_eq!(block_on(store.message(&a, &mid("x-r0"))).unwrap().map(|m| m.id), Some(mid("x-r0")));
    assert_eq!(block_on(store.message(&b, &mid("x-r0"))).unwrap(), None);
    // A visitor message whose id is taken (and whose client id is new) is refused, not lost.
    assert!(block_on(store.insert_visitor_message(&b, &visitor("x-r0", "k9", T0))).is_err());
    assert!(block_on(store.messages(&b)).unwrap().iter().all(|m| m.id.as_str() != "x-r0"));
}

fn full_run() -> ActionRun {
    ActionRun {
        action: "tx-status".into(),
        status: RunStatus::Failed,
        error_class: Some(ErrorClass::Http5xx),
        summary: "api.example.com answered 503".into(),
        data: Some(serde_json::json!({"status": "pending"})),
        reply: Some("It is pending.".into()),
        request: LoggedRequest {
            method: "POST".into(),
            url: "https://api.example.com/tx/[REDACTED]".into(),
            headers: vec![("authorization".into(), "[REDACTED]".into())],
            body: Some(r#"{"key":"[REDACTED]"}"#.into()),
        },
        response_status: Some(503),
        response_body: Some("unavailable".into()),
        duration_ms: 120,
        retries: 2,
        handoff: true,
    }
}

fn the_action_log_pages_newest_first_and_keeps_every_field<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let visitor_run = full_run();
    let first = block_on(store.record_run(T0, &RunOrigin::Visitor(c.clone()), &visitor_run)).unwrap();
    let second = block_on(store.record_run(T0 + 1, &RunOrigin::AdminTest, &run("tx-status", RunStatus::Ok))).unwrap();
    block_on(store.record_run(T0 + 2, &RunOrigin::AdminTest, &run("balance", RunStatus::Refused))).unwrap();
    let third =
        block_on(store.record_run(T0 + 3, &RunOrigin::Visitor(c.clone()), &run("tx-status", RunStatus::Ok))).unwrap();
    assert!(first < second && second < third);

    let all = block_on(store.action_logs("tx-status", 10, None)).unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [third, second, first], "newest first, one action");
    let oldest = &all[2];
    assert_eq!(oldest.run, visitor_run, "the (already redacted) run is kept as recorded");
    assert_eq!(oldest.at, shared::time::rfc3339_from_unix_ms(T0));
    assert_eq!((oldest.conversation_id.as_deref(), oldest.injected, oldest.test), (Some("c1"), true, false));
    let test = &all[1];
    assert_eq!((test.conversation_id.as_deref(), test.injected, test.test), (None, false, true));

    // Pages: `before` is the last id of the previous page.
    let page = block_on(store.action_logs("tx-status", 2, None)).unwrap();
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), [third, second]);
    let next = block_on(store.action_logs("tx-status", 2, Some(second))).unwrap();
    assert_eq!(next.iter().map(|e| e.id).collect::<Vec<_>>(), [first]);
    assert!(block_on(store.action_logs("nothing", 10, None)).unwrap().is_empty());
}

fn log_ids_are_never_reused<S: Stores>(store: &S) {
    let keep = create(store, "c1", T0);
    let gone = create(store, "c2", T0);
    let kept = block_on(store.record_run(T0, &RunOrigin::Visitor(keep), &run("a", RunStatus::Ok))).unwrap();
    let erased = block_on(store.record_run(T0, &RunOrigin::Visitor(gone.clone()), &run("a", RunStatus::Ok))).unwrap();
    block_on(store.erase_conversations(&[gone])).unwrap();
    let after = block_on(store.record_run(T0, &RunOrigin::AdminTest, &run("a", RunStatus::Ok))).unwrap();
    assert!(after > erased && erased > kept, "an id once given is never given again: {kept} {erased} {after}");
}

fn erasing_removes_a_conversation_with_everything_stored_for_it<S: Stores>(store: &S) {
    let mine = create(store, "c1", T0);
    let other = create(store, "c2", T0);
    block_on(store.insert_visitor_message(&mine, &visitor("m1", "k1", T0 + 1))).unwrap();
    let submitted = NewMessage {
        submission: Some(Submission { form_message_id: "c1-g0".into(), values: BTreeMap::new() }),
        ..visitor("m2", "k2", T0 + 2)
    };
    block_on(store.insert_visitor_message(&mine, &submitted)).unwrap();
    block_on(store.insert_replies(&mine, &[reply("m2-r0", "m2", T0 + 3)])).unwrap();
    block_on(store.insert_visitor_message(&other, &visitor("m3", "k1", T0 + 1))).unwrap();
    for origin in
        [RunOrigin::Visitor(mine.clone()), RunOrigin::Visitor(mine.clone()), RunOrigin::Visitor(other.clone())]
    {
        block_on(store.record_run(T0, &origin, &run("a", RunStatus::Ok))).unwrap();
    }
    block_on(store.record_run(T0, &RunOrigin::AdminTest, &run("a", RunStatus::Ok))).unwrap();

    let erased = block_on(store.erase_conversations(std::slice::from_ref(&mine))).unwrap();
    assert_eq!(erased, Erased { conversations: 1, messages: 4, submissions: 1, action_runs: 2 });
    assert_eq!(block_on(store.conversation(&mine)).unwrap(), None);
    assert!(block_on(store.messages(&mine)).unwrap().is_empty());
    let left = block_on(store.action_logs("a", 10, None)).unwrap();
    assert_eq!(
        left.iter().map(|e| e.conversation_id.as_deref()).collect::<Vec<_>>(),
        [None, Some("c2")],
        "the owner's test run and the other conversation's run stay"
    );
    assert_eq!(ids(&block_on(store.messages(&other)).unwrap()), ["c2-g0", "m3"]);
    // Erasing again finds nothing.
    assert_eq!(block_on(store.erase_conversations(&[mine])).unwrap(), Erased::default());
}

fn erasing_is_bounded_and_skips_unknown_ids<S: Stores>(store: &S) {
    let known = create(store, "c1", T0);
    let erased = block_on(store.erase_conversations(&[cid("nope"), known])).unwrap();
    assert_eq!(erased, Erased { conversations: 1, messages: 1, submissions: 0, action_runs: 0 });
    assert_eq!(block_on(store.erase_conversations(&[])).unwrap(), Erased::default());
    let too_many: Vec<ConversationId> = (0..=super::erasure::MAX_ERASE_BATCH).map(|i| cid(&format!("x{i}"))).collect();
    assert!(block_on(store.erase_conversations(&too_many)).is_err());
}

fn a_person_is_found_by_email_in_any_ascii_case_or_by_user_id_oldest_first<S: Stores>(store: &S) {
    // Created out of order: the oldest comes first all the same.
    for (id, at, email, user) in [
        ("c1", T0 + 20, Some("Ana@Example.com"), None),
        ("c2", T0 + 10, Some("ana@example.com"), Some("u-1")),
        ("c3", T0 + 30, Some("ÄNA@example.com"), Some("U-1")),
        ("c4", T0 + 5, None, Some("u-1")),
    ] {
        let r = ConversationRecord {
            lead: Lead { email: email.map(Into::into), name: None },
            user_id: user.map(Into::into),
            ..record(id, at)
        };
        block_on(store.create_conversation(&r, &[])).unwrap();
    }
    let of = |p: Person, limit| -> Vec<String> {
        block_on(store.conversations_of(&p, limit)).unwrap().iter().map(ToString::to_string).collect()
    };
    assert_eq!(of(Person::Email("ANA@EXAMPLE.COM".into()), 10), ["c2", "c1"]);
    assert_eq!(of(Person::Email("äna@example.com".into()), 10), Vec::<String>::new(), "ASCII case only");
    assert_eq!(of(Person::UserId("u-1".into()), 10), ["c4", "c2"], "user ids compare exactly");
    assert_eq!(of(Person::UserId("u-1".into()), 1), ["c4"]);
}

fn inactive_conversations_are_those_neither_created_nor_written_to_since<S: Stores>(store: &S) {
    let cutoff = T0 + 1000;
    let quiet = create(store, "c1", T0 + 2);
    let written_since = create(store, "c2", T0);
    let new = create(store, "c3", cutoff);
    let oldest = create(store, "c4", T0 + 1);
    block_on(store.insert_visitor_message(&written_since, &visitor("m1", "k1", cutoff))).unwrap();
    block_on(store.insert_visitor_message(&quiet, &visitor("m2", "k1", cutoff - 1))).unwrap();
    let inactive = block_on(store.inactive_conversations(cutoff, 10)).unwrap();
    assert_eq!(inactive, [oldest.clone(), quiet], "oldest first; {new} is new, {written_since} was written to");
    assert_eq!(block_on(store.inactive_conversations(cutoff, 1)).unwrap(), [oldest]);
}

fn old_runs_are_deleted_oldest_first_in_bounded_batches<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    for (at, origin) in [
        (T0, RunOrigin::AdminTest),
        (T0 + 1, RunOrigin::Visitor(c.clone())),
        (T0 + 2, RunOrigin::AdminTest),
        (T0 + 10, RunOrigin::Visitor(c.clone())),
    ] {
        block_on(store.record_run(at, &origin, &run("a", RunStatus::Ok))).unwrap();
    }
    assert_eq!(block_on(store.delete_runs_before(T0 + 10, 2)).unwrap(), 2);
    let left: Vec<String> = block_on(store.action_logs("a", 10, None)).unwrap().into_iter().map(|e| e.at).collect();
    assert_eq!(left, [T0 + 10, T0 + 2].map(shared::time::rfc3339_from_unix_ms));
    assert_eq!(block_on(store.delete_runs_before(T0 + 10, 10)).unwrap(), 1);
    assert_eq!(block_on(store.delete_runs_before(T0 + 10, 10)).unwrap(), 0);
    // The conversation itself is not touched by the age of its runs.
    assert!(block_on(store.conversation(&c)).unwrap().is_some());
}

fn handoff(seq: u32, at_ms: u64) -> HandoffRecord {
    HandoffRecord {
        seq,
        at_ms,
        reason: HandoffReason::Topic { topic: "Account takeover".into() },
        summary: HandoffSummary {
            reason: "Topic: Account takeover".into(),
            issue: vec!["someone logged into my account".into()],
            message_count: 2,
            ..HandoffSummary::default()
        },
        noticed: false,
    }
}

fn delivery(id: &str, at_ms: u64) -> NewDelivery {
    NewDelivery {
        id: id.into(),
        event: handoff::HANDOFF_EVENT.into(),
        payload: format!("{{\"id\":\"{id}\"}}"),
        created_at_ms: at_ms,
    }
}

fn a_conversation_is_handed_off_once_with_one_delivery<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    assert!(block_on(store.hand_off(&c, &handoff(1, T0 + 5), Some(&delivery("c1.handoff.1", T0 + 5)))).unwrap());
    let stored = block_on(store.conversation(&c)).unwrap().unwrap();
    assert_eq!(stored.status, ConversationStatus::Waiting);
    assert_eq!(stored.handoff, Some(handoff(1, T0 + 5)));
    // A second handoff while a human has it (a racing request) changes nothing and queues nothing.
    let again = block_on(store.hand_off(&c, &handoff(1, T0 + 6), Some(&delivery("c1.handoff.1b", T0 + 6))));
    assert!(!again.unwrap());
    let again = block_on(store.hand_off(&c, &handoff(2, T0 + 7), Some(&delivery("c1.handoff.2", T0 + 7))));
    assert!(!again.unwrap());
    assert_eq!(block_on(store.conversation(&c)).unwrap().unwrap().handoff, Some(handoff(1, T0 + 5)));
    let queued = block_on(store.deliveries_of(&c)).unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(
        (queued[0].id.as_str(), queued[0].status, queued[0].attempts),
        ("c1.handoff.1", DeliveryStatus::Pending, 0)
    );
    assert_eq!(queued[0].payload, "{\"id\":\"c1.handoff.1\"}");
    assert_eq!(queued[0].next_attempt_at_ms, Some(T0 + 5), "due at once");
    // Without a webhook, a handoff queues nothing; an unknown conversation is not handed off.
    let quiet = create(store, "c2", T0);
    assert!(block_on(store.hand_off(&quiet, &handoff(1, T0), None)).unwrap());
    assert!(block_on(store.deliveries_of(&quiet)).unwrap().is_empty());
    assert!(!block_on(store.hand_off(&cid("ghost"), &handoff(1, T0), None)).unwrap());
}

fn saving_state_never_changes_who_answers_and_keeps_streaks_and_the_notice<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let mut r = block_on(store.conversation(&c)).unwrap().unwrap();
    r.streaks = Streaks { unanswered: 2, negative: 1 };
    block_on(store.save_state(&r)).unwrap();
    assert_eq!(block_on(store.conversation(&c)).unwrap().unwrap().streaks, r.streaks);
    assert!(block_on(store.hand_off(&c, &handoff(1, T0 + 5), None)).unwrap());
    // The turn's stale copy says "ai": saving it must not take the conversation back from the human.
    let mut stale = r.clone();
    stale.handoff = Some(HandoffRecord { noticed: true, ..handoff(1, T0 + 5) });
    block_on(store.save_state(&stale)).unwrap();
    let stored = block_on(store.conversation(&c)).unwrap().unwrap();
    assert_eq!(stored.status, ConversationStatus::Waiting);
    assert!(stored.handoff.as_ref().is_some_and(|h| h.noticed), "the notice is remembered");
}

fn a_delivery_is_claimed_by_one_caller_and_every_attempt_is_recorded<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    assert!(block_on(store.hand_off(&c, &handoff(1, T0), Some(&delivery("d1", T0)))).unwrap());
    assert_eq!(block_on(store.due_deliveries(T0 - 1, 10)).unwrap(), Vec::<String>::new());
    assert_eq!(block_on(store.due_deliveries(T0, 10)).unwrap(), ["d1"]);
    let claimed = block_on(store.claim_delivery("d1", T0, 10_000)).unwrap().expect("claimed");
    assert_eq!(claimed.id, "d1");
    assert_eq!(block_on(store.claim_delivery("d1", T0 + 1, 10_000)).unwrap(), None, "leased to the first caller");
    assert_eq!(block_on(store.due_deliveries(T0 + 1, 10)).unwrap(), Vec::<String>::new());
    let failed =
        Attempt { attempt: 1, at_ms: T0, status_code: Some(500), error: Some("HTTP 500".into()), duration_ms: 12 };
    block_on(store.record_attempt("d1", &failed, AfterAttempt::RetryAt(T0 + 30_000))).unwrap();
    assert_eq!(block_on(store.due_deliveries(T0 + 29_999, 10)).unwrap(), Vec::<String>::new());
    assert_eq!(block_on(store.due_deliveries(T0 + 30_000, 10)).unwrap(), ["d1"]);
    assert!(block_on(store.claim_delivery("d1", T0 + 30_000, 10_000)).unwrap().is_some());
    let ok = Attempt { attempt: 2, at_ms: T0 + 30_000, status_code: Some(204), error: None, duration_ms: 3 };
    block_on(store.record_attempt("d1", &ok, AfterAttempt::Delivered(T0 + 30_003))).unwrap();
    let d = block_on(store.deliveries_of(&c)).unwrap().remove(0);
    assert_eq!(
        (d.status, d.attempts, d.delivered_at_ms, d.last_error),
        (DeliveryStatus::Delivered, 2, Some(T0 + 30_003), None)
    );
    assert_eq!(block_on(store.attempts("d1")).unwrap(), [failed, ok]);
    assert_eq!(block_on(store.claim_delivery("d1", T0 + 99_999, 10_000)).unwrap(), None, "delivered: never again");
    // A delivery that gave up is not due any more.
    let c2 = create(store, "c2", T0);
    assert!(block_on(store.hand_off(&c2, &handoff(1, T0), Some(&delivery("d2", T0)))).unwrap());
    let last = Attempt { attempt: 1, at_ms: T0, status_code: None, error: Some("timeout".into()), duration_ms: 5000 };
    block_on(store.record_attempt("d2", &last, AfterAttempt::GaveUp)).unwrap();
    assert_eq!(block_on(store.due_deliveries(u64::MAX / 2, 10)).unwrap(), Vec::<String>::new());
    assert_eq!(block_on(store.deliveries_of(&c2)).unwrap()[0].status, DeliveryStatus::Failed);
}

fn erasing_removes_webhook_deliveries_and_their_attempts<S: Stores>(store: &S) {
    let c1 = create(store, "c1", T0);
    let c2 = create(store, "c2", T0);
    for (c, id) in [(&c1, "d1"), (&c2, "d2")] {
        assert!(block_on(store.hand_off(c, &handoff(1, T0), Some(&delivery(id, T0)))).unwrap());
        let a = Attempt { attempt: 1, at_ms: T0, status_code: Some(500), error: None, duration_ms: 1 };
        block_on(store.record_attempt(id, &a, AfterAttempt::RetryAt(T0 + 1))).unwrap();
    }
    block_on(store.erase_conversations(std::slice::from_ref(&c1))).unwrap();
    assert!(block_on(store.deliveries_of(&c1)).unwrap().is_empty());
    assert!(block_on(store.attempts("d1")).unwrap().is_empty());
    assert_eq!(block_on(store.due_deliveries(T0 + 1, 10)).unwrap(), ["d2"], "other conversations keep theirs");
    assert_eq!(block_on(store.attempts("d2")).unwrap().len(), 1);
}

// Agents and inbox sessions.

fn account(id: &str, email: &str, role: Role) -> AgentAccount {
    AgentAccount {
        agent: Agent { id: id.into(), email: email.into(), name: format!("Name of {id}"), role },
        password_hash: format!("pbkdf2-sha256$100000$c2FsdA$hash-of-{id}"),
        disabled: false,
    }
}

fn an_agent_is_found_by_email_in_any_ascii_case_and_emails_are_unique<S: Stores>(store: &S) {
    let ana = account("a1", "Ana@Pinecone.example", Role::Admin);
    block_on(store.add_agent(&ana, T0)).unwrap();
    assert_eq!(block_on(store.account_by_email("ana@pinecone.EXAMPLE")).unwrap(), Some(ana));
    assert_eq!(block_on(store.account_by_email("ben@pinecone.example")).unwrap(), None);
    let again = account("a2", "ANA@pinecone.example", Role::Agent);
    assert!(matches!(block_on(store.add_agent(&again, T0)), Err(AddAgentError::EmailTaken)));
}

fn a_session_opens_its_agent_until_it_expires_or_closes<S: Stores>(store: &S) {
    let ben = account("a1", "ben@pinecone.example", Role::Agent);
    block_on(store.add_agent(&ben, T0)).unwrap();
    block_on(store.open_session("h1", "a1", T0, T0 + 1000)).unwrap();
    assert_eq!(block_on(store.session_agent("h1", T0 + 999)).unwrap(), Some(ben.agent.clone()));
    assert_eq!(block_on(store.session_agent("h1", T0 + 1000)).unwrap(), None, "expired");
    assert_eq!(block_on(store.session_agent("h2", T0)).unwrap(), None, "unknown");
    assert!(block_on(store.open_session("h1", "a1", T0, T0 + 1000)).is_err(), "a token hash opens one session");
    assert!(block_on(store.open_session("h3", "nobody", T0, T0 + 1000)).is_err(), "only for an agent");
    block_on(store.close_session("h1")).unwrap();
    assert_eq!(block_on(store.session_agent("h1", T0)).unwrap(), None, "closed");
}

fn a_disabled_account_opens_nothing<S: Stores>(store: &S) {
    let off = AgentAccount { disabled: true, ..account("a1", "off@pinecone.example", Role::Agent) };
    block_on(store.add_agent(&off, T0)).unwrap();
    block_on(store.open_session("h1", "a1", T0, T0 + 1000)).unwrap();
    assert_eq!(block_on(store.session_agent("h1", T0)).unwrap(), None);
    assert!(block_on(store.account_by_email("off@pinecone.example")).unwrap().unwrap().disabled);
}

fn live_sessions_end_with_sign_out_expiry_disabling_and_revocation<S: Stores>(store: &S) {
    block_on(store.add_agent(&account("a1", "ana@pinecone.example", Role::Agent), T0)).unwrap();
    block_on(store.add_agent(&account("a2", "ben@pinecone.example", Role::Agent), T0)).unwrap();
    for (hash, agent, until) in [("h1", "a1", T0 + 1000), ("h2", "a1", T0 + 5000), ("h3", "a2", T0 + 5000)] {
        block_on(store.open_session(hash, agent, T0, until)).unwrap();
    }
    let all: Vec<String> = ["h1", "h2", "h3", "h9"].map(String::from).to_vec();
    let live = |now| {
        let mut l = block_on(store.live_sessions(&all, now)).unwrap();
        l.sort();
        l
    };
    assert_eq!(live(T0), ["h1", "h2", "h3"], "an unknown hash is not live");
    assert_eq!(live(T0 + 1000), ["h2", "h3"], "expired");
    block_on(store.close_session("h3")).unwrap();
    assert_eq!(live(T0), ["h1", "h2"], "signed out");
    assert!(block_on(store.set_disabled("a1", true)).unwrap());
    assert!(live(T0).is_empty(), "disabled: every session of the agent");
    assert!(!block_on(store.set_disabled("nobody", true)).unwrap());
    assert!(block_on(store.set_disabled("a1", false)).unwrap());
    assert_eq!(block_on(store.end_sessions("a1")).unwrap(), 2, "revoked");
    assert!(live(T0).is_empty());
}

// The inbox.

use super::inbox::{LabelFilter, Move, NewNote};
use shared::inbox::{AgentRef, InboxCounts, InboxView};

fn waiting<S: Stores>(store: &S, id: &str, at_ms: u64) -> ConversationId {
    let c = create(store, id, T0);
    assert!(block_on(store.hand_off(&c, &handoff(1, at_ms), None)).unwrap());
    c
}

fn claim(agent: &str, at_ms: u64) -> Move<'_> {
    Move {
        from: &[ConversationStatus::Waiting],
        to: ConversationStatus::Assigned,
        assignee: Some(agent),
        only_if_assignee: None,
        handoff: None,
        at_ms,
    }
}

fn status_of<S: Stores>(store: &S, c: &ConversationId) -> (ConversationStatus, Option<String>) {
    let r = block_on(store.conversation(c)).unwrap().unwrap();
    (r.status, r.assignee_id)
}

fn of_two_agents_claiming_at_once_one_gets_the_conversation<S: Stores>(store: &S) {
    let c = waiting(store, "c1", T0 + 1);
    // Both read "waiting"; both write: the condition lets exactly one change the row.
    assert!(block_on(store.move_conversation(&c, &claim("a1", T0 + 2))).unwrap());
    assert!(!block_on(store.move_conversation(&c, &claim("a2", T0 + 2))).unwrap());
    assert_eq!(status_of(store, &c), (ConversationStatus::Assigned, Some("a1".into())));
    // A conversation the AI still has, or none at all, cannot be claimed.
    let ai = create(store, "c2", T0);
    assert!(!block_on(store.move_conversation(&ai, &claim("a1", T0))).unwrap());
    assert!(!block_on(store.move_conversation(&cid("ghost"), &claim("a1", T0))).unwrap());
    assert_eq!(status_of(store, &ai), (ConversationStatus::Ai, None));
}

fn a_take_over_silences_the_ai_and_a_hand_back_lets_a_second_handoff_notify_once<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let took = HandoffRecord {
        reason: HandoffReason::AgentTookOver { agent: "Sam".into() },
        noticed: true,
        ..handoff(1, T0 + 1)
    };
    let take_over = Move {
        from: &[ConversationStatus::Ai],
        to: ConversationStatus::Assigned,
        assignee: Some("a1"),
        only_if_assignee: None,
        handoff: Some(&took),
        at_ms: T0 + 1,
    };
    assert!(block_on(store.move_conversation(&c, &take_over)).unwrap());
    assert!(!block_on(store.move_conversation(&c, &Move { assignee: Some("a2"), ..take_over.clone() })).unwrap());
    let r = block_on(store.conversation(&c)).unwrap().unwrap();
    assert_eq!(
        (r.status, r.assignee_id.as_deref(), r.handoff.as_ref()),
        (ConversationStatus::Assigned, Some("a1"), Some(&took))
    );
    // The AI's handoff races the take-over and loses: nothing queued.
    assert!(!block_on(store.hand_off(&c, &handoff(2, T0 + 2), Some(&delivery("c1.handoff.2", T0 + 2)))).unwrap());
    let back = Move {
        from: &[ConversationStatus::Waiting, ConversationStatus::Assigned],
        to: ConversationStatus::Ai,
        assignee: None,
        only_if_assignee: Some("a1"),
        handoff: None,
        at_ms: T0 + 3,
    };
    assert!(!block_on(store.move_conversation(&c, &Move { only_if_assignee: Some("a2"), ..back.clone() })).unwrap());
    assert!(block_on(store.move_conversation(&c, &back)).unwrap());
    assert_eq!(status_of(store, &c), (ConversationStatus::Ai, None));
    // Handed off again: the next seq, notified once.
    assert!(block_on(store.hand_off(&c, &handoff(2, T0 + 4), Some(&delivery("c1.handoff.2", T0 + 4)))).unwrap());
    assert!(!block_on(store.hand_off(&c, &handoff(2, T0 + 5), Some(&delivery("c1.handoff.2b", T0 + 5)))).unwrap());
    let queued = block_on(store.deliveries_of(&c)).unwrap();
    assert_eq!(queued.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["c1.handoff.2"]);
    assert_eq!(status_of(store, &c), (ConversationStatus::Waiting, None));
}

fn only_the_assignee_moves_an_assigned_conversation_and_resolving_is_dated<S: Stores>(store: &S) {
    let c = waiting(store, "c1", T0 + 1);
    assert!(block_on(store.move_conversation(&c, &claim("a1", T0 + 2))).unwrap());
    let resolve = |by: &'static str, at_ms| Move {
        from: &[ConversationStatus::Waiting, ConversationStatus::Assigned],
        to: ConversationStatus::Resolved,
        assignee: Some(by),
        only_if_assignee: Some(by),
        handoff: None,
        at_ms,
    };
    assert!(!block_on(store.move_conversation(&c, &resolve("a2", T0 + 3))).unwrap(), "not a2's");
    assert!(block_on(store.move_conversation(&c, &resolve("a1", T0 + 3))).unwrap());
    assert_eq!(status_of(store, &c), (ConversationStatus::Resolved, Some("a1".into())));
    let reopen = Move {
        from: &[ConversationStatus::Resolved],
        to: ConversationStatus::Assigned,
        assignee: Some("a2"),
        only_if_assignee: None,
        handoff: None,
        at_ms: T0 + 4,
    };
    assert!(block_on(store.move_conversation(&c, &reopen)).unwrap());
    assert!(!block_on(store.move_conversation(&c, &reopen)).unwrap(), "open already");
    assert_eq!(status_of(store, &c), (ConversationStatus::Assigned, Some("a2".into())));
    // The handoff is kept through every move (the inbox still shows why it came).
    assert_eq!(block_on(store.conversation(&c)).unwrap().unwrap().handoff, Some(handoff(1, T0 + 1)));
}

fn the_views_are_ordered_counted_and_searched_alike<S: Stores>(store: &S) {
    block_on(store.add_agent(&account("a1", "ana@pinecone.example", Role::Agent), T0)).unwrap();
    // c1 waits since +30, c2 since +10; c3 is a1's, c4 someone else's; c5 resolved; c6 with the AI.
    let c1 = waiting(store, "c1", T0 + 30);
    let c2 = waiting(store, "c2", T0 + 10);
    let c3 = waiting(store, "c3", T0 + 5);
    let c4 = waiting(store, "c4", T0 + 6);
    let c5 = waiting(store, "c5", T0 + 7);
    create(store, "c6", T0);
    assert!(block_on(store.move_conversation(&c3, &claim("a1", T0 + 40))).unwrap());
    assert!(block_on(store.move_conversation(&c4, &claim("a9", T0 + 40))).unwrap());
    let resolve = Move {
        from: &[ConversationStatus::Waiting],
        to: ConversationStatus::Resolved,
        assignee: Some("a1"),
        only_if_assignee: None,
        handoff: None,
        at_ms: T0 + 50,
    };
    assert!(block_on(store.move_conversation(&c5, &resolve)).unwrap());
    // Latest activity: c4 at +100, c1 at +90 ("100% sure_ it was stolen"), c3 at +80.
    block_on(store.insert_visitor_message(&c4, &visitor("m4", "k4", T0 + 100))).unwrap();
    let mut said = visitor("m1", "k1", T0 + 90);
    said.text = "I am 100% sure_ it was stolen".into();
    block_on(store.insert_visitor_message(&c1, &said)).unwrap();
    block_on(store.insert_visitor_message(&c3, &visitor("m3", "k3", T0 + 80))).unwrap();
    let mut r2 = block_on(store.conversation(&c2)).unwrap().unwrap();
    r2.lead.email = Some("Kim@Example.com".into());
    block_on(store.save_state(&r2)).unwrap();

    let list = |view, q: Option<&str>| -> Vec<String> {
        block_on(store.inbox_list(view, "a1", q, &LabelFilter::default(), 100, LATER))
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(list(InboxView::Waiting, None), ["c2", "c1"], "oldest handoff first");
    assert_eq!(list(InboxView::Mine, None), ["c3"]);
    assert_eq!(list(InboxView::Open, None), ["c4", "c1", "c3", "c2"], "newest activity first");
    assert_eq!(list(InboxView::Resolved, None), ["c5"]);
    create(store, "c7", T0 + 1);
    assert_eq!(list(InboxView::Ai, None), ["c7", "c6"], "newest conversation first");
    assert_eq!(list(InboxView::Ai, Some("hi")), ["c7", "c6"], "searched too");
    assert_eq!(
        block_on(store.inbox_counts("a1", LATER)).unwrap(),
        InboxCounts { waiting: 2, mine: 1, open: 4, resolved: 1, ai: 2, snoozed: 0 }
    );
    assert_eq!(
        block_on(store.inbox_list(InboxView::Open, "a1", None, &LabelFilter::default(), 2, LATER)).unwrap().len(),
        2,
        "limited"
    );
    // Search: email in any ASCII case, message text, LIKE's wildcards taken literally.
    assert_eq!(list(InboxView::Open, Some("kim@example")), ["c2"]);
    assert_eq!(list(InboxView::Open, Some("SURE_ IT")), ["c1"]);
    assert_eq!(list(InboxView::Open, Some("100%")), ["c1"]);
    assert_eq!(list(InboxView::Open, Some("%%")), Vec::<String>::new(), "not a wildcard");
    assert_eq!(list(InboxView::Open, Some("_")), ["c1"]);
    assert_eq!(list(InboxView::Waiting, Some("text of m4")), Vec::<String>::new(), "c4 is not waiting");

    let row = block_on(store.inbox_row(&c3)).unwrap().unwrap();
    assert_eq!(row.assignee, Some(AgentRef { id: "a1".into(), name: "Name of a1".into() }));
    assert_eq!((row.preview.as_str(), row.last_message_at_ms), ("text of m3", T0 + 80));
    assert_eq!((row.handoff_at_ms, row.reason.as_deref()), (Some(T0 + 5), Some("Topic: Account takeover")));
    assert_eq!((row.status, row.created_at_ms), (ConversationStatus::Assigned, T0));
    let c4_row = block_on(store.inbox_row(&c4)).unwrap().unwrap();
    assert_eq!(c4_row.assignee, None, "an assignee with no account shows no one");
    let fresh = block_on(store.inbox_row(&cid("c6"))).unwrap().unwrap();
    assert_eq!((fresh.preview.as_str(), fresh.last_message_at_ms, fresh.reason), ("Hi.", T0, None));
    assert_eq!(block_on(store.inbox_row(&cid("ghost"))).unwrap(), None);
}

fn attention_is_what_waits_or_is_mine_and_unread_by_me<S: Stores>(store: &S) {
    for a in ["a1", "a2"] {
        block_on(store.add_agent(&account(a, &format!("{a}@pinecone.example"), Role::Agent), T0)).unwrap();
    }
    let ids_for = |agent: &str| -> Vec<String> {
        block_on(store.attention(agent, LATER)).unwrap().into_iter().map(|a| a.id).collect()
    };
    // c1 waits since +10 (the visitor wrote at +5); c2 is a1's; c3 is a2's; c4 is with the AI.
    let c1 = waiting(store, "c1", T0 + 10);
    block_on(store.insert_visitor_message(&c1, &visitor("m1", "k1", T0 + 5))).unwrap();
    let c2 = waiting(store, "c2", T0 + 1);
    let c3 = waiting(store, "c3", T0 + 1);
    assert!(block_on(store.move_conversation(&c2, &claim("a1", T0 + 2))).unwrap());
    assert!(block_on(store.move_conversation(&c3, &claim("a2", T0 + 2))).unwrap());
    let c4 = create(store, "c4", T0);
    block_on(store.insert_visitor_message(&c4, &visitor("m4", "k4", T0 + 20))).unwrap();
    block_on(store.insert_visitor_message(&c2, &visitor("m2", "k2", T0 + 20))).unwrap();
    block_on(store.insert_visitor_message(&c3, &visitor("m3", "k3", T0 + 21))).unwrap();
    // A new handoff is everyone's; a visitor's message only its assignee's; the AI's nobody's.
    assert_eq!(ids_for("a1"), ["c2", "c1"], "newest first");
    assert_eq!(ids_for("a2"), ["c3", "c1"]);
    let first = block_on(store.attention("a1", LATER)).unwrap().remove(1);
    assert_eq!(
        (first.status, first.preview.as_str(), first.since_ms),
        (ConversationStatus::Waiting, "text of m1", T0 + 10),
        "since the handoff, with what the visitor wrote"
    );
    // Read by a1: not a2's reading.
    block_on(store.mark_read("a1", &c1, T0 + 30)).unwrap();
    block_on(store.mark_read("a1", &c2, T0 + 30)).unwrap();
    assert_eq!(ids_for("a1"), Vec::<String>::new());
    assert_eq!(ids_for("a2"), ["c3", "c1"]);
    // A later message makes it unread again; an older mark never moves the mark back.
    block_on(store.insert_visitor_message(&c2, &visitor("m5", "k5", T0 + 40))).unwrap();
    block_on(store.mark_read("a1", &c1, T0 + 1)).unwrap();
    assert_eq!(ids_for("a1"), ["c2"]);
    assert_eq!(block_on(store.attention("a1", LATER)).unwrap()[0].preview, "text of m5");
    // Long waits: waiting since a handoff at or before the moment, oldest first, read or not.
    let long: Vec<String> = block_on(store.long_waits(T0 + 10, LATER)).unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(long, ["c1"]);
    assert!(block_on(store.long_waits(T0 + 9, LATER)).unwrap().is_empty());
    // A conversation that does not exist gets no mark; erasing takes the marks with it.
    block_on(store.mark_read("a1", &cid("ghost"), T0)).unwrap();
    block_on(store.erase_conversations(&[c2])).unwrap();
    assert_eq!(ids_for("a1"), Vec::<String>::new());
}

fn a_snoozed_conversation_leaves_the_work_views_until_its_moment_or_the_visitor<S: Stores>(store: &S) {
    block_on(store.add_agent(&account("a1", "a1@pinecone.example", Role::Agent), T0)).unwrap();
    let ids = |view: InboxView, now: u64| -> Vec<String> {
        let rows = block_on(store.inbox_list(view, "a1", None, &LabelFilter::default(), 100, now)).unwrap();
        rows.into_iter().map(|r| r.id).collect()
    };
    let c1 = waiting(store, "c1", T0 + 10);
    let c2 = waiting(store, "c2", T0 + 11);
    // c1 until T0 + 100; c2 until the visitor writes.
    assert!(block_on(store.snooze(&c1, Some(T0 + 100), "a1", T0 + 20)).unwrap());
    assert!(block_on(store.snooze(&c2, None, "a1", T0 + 20)).unwrap());
    assert!(!block_on(store.snooze(&cid("ghost"), None, "a1", T0 + 20)).unwrap(), "no such conversation");
    let now = T0 + 50;
    assert_eq!(ids(InboxView::Waiting, now), Vec::<String>::new());
    assert_eq!(ids(InboxView::Open, now), Vec::<String>::new());
    assert_eq!(ids(InboxView::Snoozed, now).len(), 2);
    let counts = block_on(store.inbox_counts("a1", now)).unwrap();
    assert_eq!((counts.waiting, counts.open, counts.snoozed), (0, 0, 2));
    assert!(block_on(store.attention("a1", now)).unwrap().is_empty(), "nothing alerts while put aside");
    assert!(block_on(store.long_waits(T0 + 40, now)).unwrap().is_empty());
    let row = block_on(store.inbox_row(&c1)).unwrap().unwrap();
    assert_eq!(row.snooze, Some(shared::inbox::Snooze { until_ms: Some(T0 + 100) }));
    // Its moment passes: c1 is back. The visitor writes on c2: back too, and its row says so.
    assert_eq!(ids(InboxView::Waiting, T0 + 100), ["c1"]);
    block_on(store.insert_visitor_message(&c2, &visitor("m2", "k2", T0 + 60))).unwrap();
    assert_eq!(ids(InboxView::Waiting, T0 + 61), ["c2"]);
    assert_eq!(block_on(store.inbox_row(&c2)).unwrap().unwrap().snooze, None);
    // Brought back by hand; erased with the conversation.
    block_on(store.unsnooze(&c1)).unwrap();
    assert_eq!(ids(InboxView::Waiting, now), ["c1", "c2"]);
    assert!(block_on(store.snooze(&c1, None, "a1", T0 + 70)).unwrap());
    block_on(store.erase_conversations(&[c1])).unwrap();
    assert_eq!(ids(InboxView::Snoozed, T0 + 71), Vec::<String>::new());
}

fn notes_are_kept_in_order_and_erased_with_their_conversation<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let other = create(store, "c2", T0);
    let note = |id: &str, at_ms| NewNote {
        id: id.into(),
        author: AgentRef { id: "a1".into(), name: "Sam".into() },
        text: format!("note {id}"),
        created_at_ms: at_ms,
    };
    block_on(store.add_note(&c, &note("n2", T0 + 5))).unwrap();
    block_on(store.add_note(&c, &note("n1", T0 + 1))).unwrap();
    block_on(store.add_note(&c, &note("n3", T0 + 5))).unwrap();
    block_on(store.add_note(&other, &note("n4", T0))).unwrap();
    let notes = block_on(store.notes(&c)).unwrap();
    assert_eq!(notes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["n1", "n2", "n3"]);
    assert_eq!(notes[0], note("n1", T0 + 1).to_note());
    assert!(block_on(store.add_note(&cid("ghost"), &note("n5", T0))).is_err(), "only on a conversation");
    assert!(block_on(store.add_note(&c, &note("n1", T0))).is_err(), "ids are unique");
    // Notes are visible nowhere in the conversation's messages.
    assert!(block_on(store.messages(&c)).unwrap().iter().all(|m| !m.text.starts_with("note ")));
    block_on(store.erase_conversations(std::slice::from_ref(&c))).unwrap();
    assert!(block_on(store.notes(&c)).unwrap().is_empty());
    assert_eq!(block_on(store.notes(&other)).unwrap().len(), 1);
}

fn agents_to_assign_are_the_enabled_ones_by_name<S: Stores>(store: &S) {
    let named = |id: &str, name: &str, disabled| AgentAccount {
        agent: Agent { name: name.into(), ..account(id, &format!("{id}@pinecone.example"), Role::Agent).agent },
        disabled,
        ..account(id, &format!("{id}@pinecone.example"), Role::Agent)
    };
    block_on(store.add_agent(&named("a1", "Zoe", false), T0)).unwrap();
    block_on(store.add_agent(&named("a2", "Ben", false), T0)).unwrap();
    block_on(store.add_agent(&named("a3", "Off", true), T0)).unwrap();
    let names: Vec<String> = block_on(store.enabled_agents()).unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["Ben", "Zoe"]);
    assert_eq!(block_on(store.enabled_agent("a1")).unwrap(), Some(AgentRef { id: "a1".into(), name: "Zoe".into() }));
    assert_eq!(block_on(store.enabled_agent("a3")).unwrap(), None, "disabled");
    assert_eq!(block_on(store.enabled_agent("nobody")).unwrap(), None);
}

fn a_conversations_runs_come_oldest_first_and_only_its_own<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    for (i, action) in ["tx-status", "kyc", "tx-status"].into_iter().enumerate() {
        block_on(store.record_run(T0 + i as u64, &RunOrigin::Visitor(c.clone()), &run(action, RunStatus::Ok))).unwrap();
    }
    block_on(store.record_run(T0, &RunOrigin::Visitor(cid("c2")), &run("kyc", RunStatus::Ok))).unwrap();
    block_on(store.record_run(T0, &RunOrigin::AdminTest, &run("kyc", RunStatus::Ok))).unwrap();
    let runs = block_on(store.conversation_runs(&c, 10)).unwrap();
    assert_eq!(runs.iter().map(|r| r.run.action.as_str()).collect::<Vec<_>>(), ["tx-status", "kyc", "tx-status"]);
    let latest = block_on(store.conversation_runs(&c, 2)).unwrap();
    assert_eq!(latest.iter().map(|r| r.id).collect::<Vec<_>>(), [runs[1].id, runs[2].id], "the latest, in order");
}

fn agents_messages_keep_the_agents_name<S: Stores>(store: &S) {
    let c = create(store, "c1", T0);
    let said =
        NewMessage { author: Author::Agent, author_name: Some("Sam Rivera".into()), ..visitor("a1", "k1", T0 + 1) };
    assert!(
        matches!(block_on(store.insert_visitor_message(&c, &said)).unwrap(), Inserted::New(m) if m.author_name.as_deref() == Some("Sam Rivera"))
    );
    assert_eq!(block_on(store.messages(&c)).unwrap()[1].author_name.as_deref(), Some("Sam Rivera"));
}
