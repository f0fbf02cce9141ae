//! When a conversation's object passes its journal on to D1: before answering whenever the change
//! is one the inbox or an erasure looks up in D1, otherwise within `conversation::FLUSH_DELAY_MS`
//! from its alarm (turns of that second in one batch).

use crate::api::routes::Route;
use crate::store::ConversationRecord;

/// When the journal goes to D1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Before the answer.
    Now,
    /// From the alarm, within a second.
    Later,
}

/// What the inbox finds and lists a conversation by, and an erasure looks it up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findable(
    shared::api::Lead,
    Option<String>,
    Option<crate::store::Verification>,
    shared::handoff::ConversationStatus,
    Option<String>,
);

impl Findable {
    /// The findable part of a record.
    pub fn of(r: &ConversationRecord) -> Self {
        Self(r.lead.clone(), r.user_id.clone(), r.verification.clone(), r.status, r.assignee_id.clone())
    }
}

/// What a request did, as far as the flush is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    /// The record's findable part before and after (read for a visitor's turn only).
    pub findable: Option<(Option<Findable>, Option<Findable>)>,
    /// The request has news for the agents' inboxes (a handoff, a visitor writing to a human…).
    pub inbox_news: bool,
    /// The request queued webhook deliveries (a handoff).
    pub webhooks: bool,
}

/// When a request's writes must reach D1. Only a visitor's message or click that changed nothing
/// findable, told the inbox nothing and queued no webhook may wait for the alarm; every other
/// request (a form, a move, a reply, a note, an erasure…) flushes before it answers.
pub fn decide(route: &Route, done: &Done) -> Flush {
    let unchanged = matches!(&done.findable, Some((before, after)) if before == after);
    if route.is_visitor_turn() && unchanged && !done.inbox_news && !done.webhooks {
        Flush::Later
    } else {
        Flush::Now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IdentityProof, Streaks, Verification};
    use shared::handoff::ConversationStatus;
    use shared::ConversationId;

    fn record() -> ConversationRecord {
        ConversationRecord {
            id: ConversationId::parse("c1").unwrap(),
            token_hash: String::new(),
            user_id: None,
            lead: Default::default(),
            created_at_ms: 0,
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

    fn turn(before: &ConversationRecord, after: &ConversationRecord) -> Done {
        Done { findable: Some((Some(Findable::of(before)), Some(Findable::of(after)))), ..Done::default() }
    }

    #[test]
    fn a_plain_turn_waits_for_the_alarm() {
        let r = record();
        let post = Route::PostMessage("c1".into());
        assert_eq!(decide(&post, &turn(&r, &r)), Flush::Later);
        // What a plain turn changes that nobody looks up in D1: streaks, the pending action.
        let counted = ConversationRecord { streaks: Streaks { unanswered: 1, negative: 0 }, ..r.clone() };
        assert_eq!(decide(&post, &turn(&r, &counted)), Flush::Later);
        assert_eq!(decide(&Route::ClickButton("c1".into(), "m".into(), "b".into()), &turn(&r, &r)), Flush::Later);
    }

    #[test]
    fn a_turn_that_changes_what_the_inbox_or_an_erasure_looks_up_reaches_d1_before_the_answer() {
        let r = record();
        let post = Route::PostMessage("c1".into());
        let email =
            ConversationRecord { lead: shared::api::Lead { email: Some("a@b.co".into()), name: None }, ..r.clone() };
        let verified = ConversationRecord {
            verification: Some(Verification { email: None, user_id: None, at_ms: 1 }),
            ..r.clone()
        };
        let handed = ConversationRecord { status: ConversationStatus::Waiting, ..r.clone() };
        for after in [email, verified, handed] {
            assert_eq!(decide(&post, &turn(&r, &after)), Flush::Now, "{after:?}");
        }
        assert_eq!(decide(&post, &Done { inbox_news: true, ..turn(&r, &r) }), Flush::Now, "inbox news");
        assert_eq!(decide(&post, &Done { webhooks: true, ..turn(&r, &r) }), Flush::Now, "a handoff's webhook");
        assert_eq!(decide(&post, &Done::default()), Flush::Now, "nothing compared: no waiting");
    }

    #[test]
    fn every_other_request_flushes_before_it_answers() {
        let r = record();
        for route in [
            Route::SubmitForm("c1".into(), "m".into()),
            Route::SetAttributes("c1".into()),
            Route::DeleteConversation("c1".into()),
            Route::InboxAct("c1".into(), crate::api::inbox_conversations::Act::Reply),
        ] {
            assert_eq!(decide(&route, &turn(&r, &r)), Flush::Now, "{route:?}");
        }
    }
}
