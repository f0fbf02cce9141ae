//! Handing a conversation to a human (`[handoff]` in `agent.toml`): the rules (`rules`), the
//! summary written for the human (`summary`), office hours in the owner's time zone
//! (`office_hours`), the signed webhook (`webhook`: payload, signature, schedule) and its
//! delivery (`delivery`). This module carries a handoff out for a turn: summary, status, queued
//! notification and what the visitor is told; and keeps the AI quiet while a human has the
//! conversation.

pub mod delivery;
pub mod office_hours;
pub mod rules;
pub mod summary;
pub mod webhook;

use crate::actions::runner::{verification_ttl_ms, RunDeps};
use crate::agent::cards::lead_card;
use crate::agent::engine::Reply;
use crate::store::{
    ConversationRecord, ConversationStore, HandoffRecord, HandoffStore, InboxStore, Move, NewDelivery, StoreError,
};
use crate::values::conversation_values;
use jiff::tz::TimeZone;
use office_hours::{availability, Availability};
use shared::handoff::{ConversationStatus, HandoffConfig, HandoffReason};
use shared::Message;
use std::cell::RefCell;

/// The messages a summary is written from (the latest ones; the rest stay in the history).
const SUMMARY_MESSAGES: usize = 100;

/// Webhook deliveries queued while answering a request, for glue to send once the response is
/// out (`wait_until`); the Cron run sends whatever is left.
#[derive(Debug, Default)]
pub struct Outbox(RefCell<Vec<String>>);

impl Outbox {
    /// Queues a delivery id.
    pub fn push(&self, id: String) {
        self.0.borrow_mut().push(id);
    }

    /// The ids queued so far, emptying the outbox.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// What handoffs need from the edge besides storage.
#[derive(Debug, Clone, Copy)]
pub struct HandoffEnv<'a> {
    /// The office hours' time zone (compiled in), if office hours are configured.
    pub time_zone: Option<&'a TimeZone>,
    /// Deliveries to send after the response.
    pub outbox: &'a Outbox,
}

/// What a handoff needs from the edge: what a guarded run needs, conversation, handoff and inbox
/// storage, and the office hours' zone with the outbox.
pub trait HandoffDeps: RunDeps<Store: ConversationStore + HandoffStore + InboxStore> {
    /// The office hours' time zone and the outbox of webhook deliveries.
    fn handoff_env(&self) -> HandoffEnv<'_>;
}

/// What humans' availability means for the visitor now, if office hours are configured.
fn availability_now(config: &HandoffConfig, zone: Option<&TimeZone>, now_ms: u64) -> Option<Availability> {
    let hours = config.office_hours.as_ref()?;
    // build.rs compiles the zone in whenever office hours exist; without it, say nothing rather
    // than guess the hours.
    Some(availability(hours, zone?, now_ms))
}

/// The conversation's next handoff for `reason` at `now_ms`: numbered after the last one and
/// summarized from `messages` (the latest of the conversation); `noticed` when the visitor need
/// not be told (an agent took it over).
pub fn next_handoff(
    site: &shared::site::SiteBundle,
    record: &ConversationRecord,
    messages: &[Message],
    reason: HandoffReason,
    now_ms: u64,
    noticed: bool,
) -> HandoffRecord {
    let identity = record.identity_now(now_ms, verification_ttl_ms(site));
    let summary = summary::summarize(site, record, messages, &reason, identity);
    let seq = record.handoff.as_ref().map_or(0, |h| h.seq) + 1;
    HandoffRecord { seq, at_ms: now_ms, reason, summary, noticed }
}

/// Hands the conversation off for `reason` after the visitor's message `visitor`, whose replies
/// so far are `replies`: writes the summary from the stored conversation, moves it to `waiting`
/// and queues the owner's webhook in one write, and returns what the visitor is told. When
/// another request handed it off first, nothing is written and nothing more is said.
pub async fn hand_off<D: HandoffDeps>(
    deps: &D,
    record: &mut ConversationRecord,
    reason: HandoffReason,
    visitor: &Message,
    replies: &[Reply],
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let Some(config) = deps.site().agent.handoff.as_ref() else { return Ok(Vec::new()) };
    let mut messages = deps.store().recent_messages(&record.id, SUMMARY_MESSAGES).await?;
    // This turn's replies as they will be stored, so the summary sees what the visitor is about to see.
    messages.extend(replies.iter().enumerate().map(|(i, r)| r.clone().stored(&visitor.id, i, now_ms).to_message()));
    let handoff = next_handoff(deps.site(), record, &messages, reason, now_ms, false);
    let seq = handoff.seq;
    let env = deps.handoff_env();
    let available = availability_now(config, env.time_zone, now_ms);
    let delivery = config.webhook.as_ref().map(|_| {
        let id = webhook::delivery_id(&record.id, seq);
        let payload =
            webhook::handoff_payload(&id, &deps.site().agent.site_id, &record.id, &handoff, available.as_ref());
        NewDelivery { id, event: crate::store::handoff::HANDOFF_EVENT.into(), payload, created_at_ms: now_ms }
    });
    if !deps.store().hand_off(&record.id, &handoff, delivery.as_ref()).await? {
        return Ok(Vec::new());
    }
    record.status = ConversationStatus::Waiting;
    record.assignee_id = None;
    record.handoff = Some(handoff);
    record.streaks = Default::default();
    if let Some(d) = delivery {
        env.outbox.push(d.id);
    }
    Ok(vec![handoff_message(deps, config, record, available.as_ref(), visitor)])
}

/// What the visitor is told: a human takes over, with the expected wait in office hours;
/// outside them, when they are back, and the contact form if the email is not known yet.
fn handoff_message<D: HandoffDeps>(
    deps: &D,
    config: &HandoffConfig,
    record: &ConversationRecord,
    available: Option<&Availability>,
    visitor: &Message,
) -> Reply {
    let mut text = config.message.trim().to_string();
    match (available, config.office_hours.as_ref()) {
        (Some(Availability::Open { expected_wait_minutes: Some(m) }), _) => {
            text.push_str(&format!(" The usual wait is about {m} minute{}.", if *m == 1 { "" } else { "s" }));
        }
        (Some(Availability::Closed { reopens }), Some(hours)) => {
            text.push_str("\n\n");
            text.push_str(hours.closed_message.trim());
            if let Some(when) = reopens {
                text.push_str(&format!(" We're back {when} ({}).", hours.time_zone));
            }
            if record.lead.email.is_none() {
                let values = conversation_values(deps.site(), record, &visitor.text);
                return Reply { form: lead_card(deps.site(), &values), ..Reply::say(text) };
            }
        }
        _ => {}
    }
    Reply::say(text)
}

/// A visitor's message, click or form while the AI does not answer. On a resolved conversation
/// it reopens it (to its last assignee with `reopen_to_last_assignee`, else to Waiting), so the
/// team sees it in its counts and lists, and says so. While it waits for a human, the visitor is
/// told once that a specialist answers here; once an agent has it, nothing is said (the agent
/// joined and answers).
pub async fn while_with_human<D: HandoffDeps>(
    deps: &D,
    record: &mut ConversationRecord,
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let config = deps.site().agent.handoff.as_ref();
    match record.status {
        ConversationStatus::Resolved => {
            let back_to = record.assignee_id.clone().filter(|_| config.is_some_and(|c| c.reopen_to_last_assignee));
            let change = Move {
                from: &[ConversationStatus::Resolved],
                to: if back_to.is_some() { ConversationStatus::Assigned } else { ConversationStatus::Waiting },
                assignee: back_to.as_deref(),
                only_if_assignee: None,
                handoff: None,
                at_ms: now_ms,
            };
            if !deps.store().move_conversation(&record.id, &change).await? {
                // Reopened (or erased) meanwhile by someone else: its state is theirs to tell.
                return Ok(Vec::new());
            }
            record.status = change.to;
            record.assignee_id = back_to;
            // Reopening is the notice: the waiting message would repeat it.
            if let Some(handoff) = record.handoff.as_mut() {
                handoff.noticed = true;
            }
            let text = config.map_or_else(
                || "Thanks — I've reopened this conversation, and our team will answer here.".to_string(),
                |c| c.reopened_message.clone(),
            );
            Ok(vec![Reply::say(text)])
        }
        ConversationStatus::Waiting => {
            let Some(handoff) = record.handoff.as_mut().filter(|h| !h.noticed) else { return Ok(Vec::new()) };
            handoff.noticed = true;
            Ok(config.map(|c| Reply::say(c.waiting_message.clone())).into_iter().collect())
        }
        ConversationStatus::Assigned | ConversationStatus::Ai => Ok(Vec::new()),
    }
}
