//! A submitted form's turn: the lead form (`[lead]` in `agent.toml`) fills the conversation's
//! lead (a different email clears any verification of the old one) and an action that waited for
//! the email goes on; a form action runs its `on_submit.run` action with the values, behind the
//! same guards as a message's. A form with `on_submit.handoff` hands the conversation to a human
//! once submitted; while a human has it, a form's submission is kept but its action does not run
//! (the lead form still fills the lead).

use super::{turn, Deps, Visitor};
use crate::actions::execute::RunStatus;
use crate::actions::runner::{visitor_run, Asked};
use crate::agent::cards;
use crate::agent::Reply;
use crate::handoff::{self, rules};
use crate::store::{ConversationRecord, IdentityProof, StoreError};
use crate::values::conversation_values;
use shared::action::ActionDef;
use shared::api::attribute_problem;
use shared::form::{FieldKind, FormDef};
use shared::handoff::HandoffReason;
use shared::markdown;
use shared::site::LeadTiming;
use shared::{ActionOutcome, ActionStatus};
use std::collections::BTreeMap;

/// A form action's submission: its action runs (unless a human has the conversation), then the
/// handoff rules read what happened, and `on_submit.handoff` hands it off.
pub(super) async fn submitted<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    visitor: Visitor<'_>,
    (slug, form): (&str, &FormDef),
    clean: BTreeMap<String, String>,
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    if !record.status.ai_answers() {
        return handoff::while_with_human(deps, record, now_ms).await;
    }
    let Some(action) = deps.site().action(slug) else { return Ok(Vec::new()) };
    let (reply, outcome) = form_submitted(deps, record, visitor, action, form, clean, now_ms).await?;
    let mut replies = vec![reply];
    let reason = deps.site().agent.handoff.as_ref().and_then(|config| {
        let asked = form.on_submit.handoff.then(|| HandoffReason::FormSubmitted { form: form.title.clone() });
        rules::on_outcome(config, &outcome, 0).or(asked)
    });
    if let Some(reason) = reason {
        let told = handoff::hand_off(deps, record, reason, visitor.message, &replies, now_ms).await?;
        replies.extend(told);
    }
    Ok(replies)
}

/// The lead form: name and email fill `lead.*` (a different email clears any verification of
/// the old one), other fields become attributes, and an action that waited for the email goes on.
pub(super) async fn lead<D: Deps>(
    edge: &D,
    record: &mut ConversationRecord,
    visitor: Visitor<'_>,
    mut clean: BTreeMap<String, String>,
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let name = clean.remove("name").filter(|n| !n.is_empty());
    if let Some(email) = clean.remove("email").filter(|e| !e.is_empty()) {
        record.set_lead_email(email);
    }
    if record.identity != IdentityProof::SignedToken {
        record.lead.name = name.clone().or(record.lead.name.take());
    }
    for (k, v) in clean {
        if !v.is_empty() && attribute_problem(&k, &v).is_none() {
            record.attributes.insert(k, v);
        }
    }
    let thanks = match &name {
        // The visitor's own words in the AI's message: escaped, so they cannot make a link or markup.
        Some(n) => format!("Thanks, {}! We'll use these details if our team needs to follow up.", markdown::escape(n)),
        None => "Thanks! We'll use these details if our team needs to follow up.".to_string(),
    };
    let mut replies = vec![Reply::say(thanks)];
    let resumed = turn::resume_after_lead(edge, record, visitor, now_ms).await?;
    if resumed.is_empty() && edge.site().agent.lead.as_ref().is_some_and(|l| l.ask == LeadTiming::BeforeFirstMessage) {
        replies[0].text.push_str(" How can I help?");
        replies[0].buttons = cards::quick_replies(edge.site());
    }
    replies.extend(resumed);
    Ok(replies)
}

/// A form action's submission: runs its `on_submit.run` action with the values (a `verifies`
/// action that succeeds verifies the conversation, as in a chat turn); what the handoff rules
/// read from the run comes with the reply.
async fn form_submitted<D: Deps>(
    edge: &D,
    record: &mut ConversationRecord,
    Visitor { message: stored, address }: Visitor<'_>,
    action: &ActionDef,
    form: &FormDef,
    clean: BTreeMap<String, String>,
    now_ms: u64,
) -> Result<(Reply, rules::Outcome), StoreError> {
    let values = conversation_values(edge.site(), record, &stored.text);
    let mut inputs = clean;
    // Hidden fields come from the definition, never from the client.
    for field in form.fields.iter().filter(|f| f.kind == FieldKind::Hidden) {
        let value = field.default.as_deref().and_then(|d| cards::rendered_default(d, &values)).unwrap_or_default();
        inputs.insert(field.name.clone(), value);
    }
    let Some(target) = form.on_submit.run.as_deref().and_then(|slug| edge.site().action(slug)) else {
        return Ok((Reply::say("Thanks — we've received it."), rules::Outcome::default()));
    };
    // The target's own inputs are filled from the form's fields of the same name.
    let target_inputs =
        target.inputs().iter().filter_map(|i| inputs.get(&i.name).map(|v| (i.name.clone(), v.clone()))).collect();
    let asked = Asked { message: &stored.id, address };
    // A verification it binds is stored with the replies (`exchange::finish`).
    let run = visitor_run(edge, record, asked, target, &target_inputs, values, now_ms).await?;
    let status = match run.status {
        RunStatus::Ok => ActionStatus::Ok,
        RunStatus::Failed => ActionStatus::Failed,
        RunStatus::Refused => ActionStatus::Refused,
    };
    let text = match run.status {
        RunStatus::Ok => run.reply.clone().unwrap_or_else(|| "Thanks — we've received it.".into()),
        _ => format!(
            "Your answers are saved, but **{}** could not be completed: {}. Our support team will follow up.",
            target.name,
            run.visitor_reason()
        ),
    };
    let reason = (run.status != RunStatus::Ok).then(|| run.visitor_reason());
    let verifies = target.http().is_some_and(|h| h.verifies);
    let failed = (run.status == RunStatus::Failed).then(|| target.name.clone());
    let outcome = rules::Outcome {
        action_result: run.handoff.then(|| target.name.clone()),
        verification_failed: failed.clone().filter(|_| verifies),
        action_failed: failed.filter(|_| !verifies),
        ..rules::Outcome::default()
    };
    let reply = Reply { action: Some(ActionOutcome { name: action.name.clone(), status, reason }), ..Reply::say(text) };
    Ok((reply, outcome))
}
