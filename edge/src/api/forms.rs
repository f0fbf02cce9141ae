//! `POST /api/v1/conversations/{id}/messages/{message_id}/submit`: a visitor submits a form the
//! agent showed. The edge validates with the same rules the widget uses (it is the authority),
//! stores the submission before anything else, runs the form's action, and replies. Submitting
//! the same form twice returns the first result. The lead form (`[lead]` in `agent.toml`) comes
//! here too, and fills the conversation's lead instead of running an action. A form with
//! `on_submit.handoff` hands the conversation to a human once submitted; while a human has it,
//! a form's submission is kept but its action does not run (the lead form still fills the lead).

use super::conversations::{authorize, client_ip, take_or_refuse};
use super::error::ApiError;
use super::exchange::{finish, store_once, Stored};
use super::http::{HttpRequest, HttpResponse};
use crate::actions::execute::RunStatus;
use crate::actions::redact::{is_sensitive_name, mask_sensitive};
use crate::actions::runner::{visitor_run, Asked};
use crate::agent::cards;
use crate::agent::Reply;
use crate::conversation::turn::{self, conversation_values};
use crate::conversation::Deps;
use crate::handoff::{self, rules};
use crate::store::{ConversationRecord, ConversationStore, IdentityProof, NewMessage};
use shared::action::ActionDef;
use shared::api::{attribute_problem, ErrorCode, SubmitFormRequest};
use shared::form::{validate_submission, FieldKind, FormDef};
use shared::handoff::HandoffReason;
use shared::markdown;
use shared::site::{LeadConfig, LeadTiming, LEAD_FORM};
use shared::template::TemplateVar;
use shared::{ActionOutcome, ActionStatus, MessageId, Submission};
use std::collections::BTreeMap;

/// Handles a form submission.
pub async fn submit<D: Deps>(
    edge: &D,
    req: &HttpRequest,
    raw_conversation: &str,
    raw_message: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let mut record = authorize(edge.store(), req, raw_conversation).await?;
    // What the request changes is written onto the record as stored then (`exchange::finish`).
    let before = record.clone();
    let no_form =
        || ApiError::new(ErrorCode::NotFound, format!("message {raw_message:?} holds no form in this conversation"));
    let form_message_id = MessageId::parse(raw_message).map_err(|_| no_form())?;
    let card = edge.store().message(&record.id, &form_message_id).await?.and_then(|m| m.form).ok_or_else(no_form)?;
    let (action, form) = if card.action == LEAD_FORM {
        (None, edge.site().agent.lead.as_ref().map(LeadConfig::form).ok_or_else(no_form)?)
    } else {
        let action = edge.site().action(&card.action).ok_or_else(no_form)?;
        (Some(action), action.form().cloned().ok_or_else(no_form)?)
    };
    let body: SubmitFormRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let clean = validate_submission(&form, &body.values).map_err(ApiError::invalid_form)?;
    if action.is_none() {
        signed_lead_unchanged(&record, &clean)?;
    }
    let limits = crate::limits::keys::visitor_write(&edge.site().agent.limits, client_ip(req), &record.id);
    take_or_refuse(edge, &limits, now_ms).await?;

    // One submission per form: the client id is derived from the form message.
    // A field named like a credential (pin, otp, cvv, password…) is never kept as typed, and a form
    // with `on_submit.store = false` keeps no values at all (the submission itself is still recorded,
    // so a retry cannot run its action twice).
    let shown = clean
        .iter()
        .filter(|_| form.on_submit.store)
        .map(|(k, v)| {
            let kept = if is_sensitive_name(k) && !v.is_empty() { "[REDACTED]".to_string() } else { mask_sensitive(v) };
            (k.clone(), kept)
        })
        .collect();
    let id = crate::token::message_id(edge.entropy(), 'm');
    let visitor = NewMessage {
        submission: Some(Submission { form_message_id: form_message_id.to_string(), values: shown }),
        ..NewMessage::visitor(id, format!("Submitted “{}”", card.title), format!("submit-{form_message_id}"), now_ms)
    };
    let stored = match store_once(edge.store(), &record.id, &visitor).await? {
        Stored::Fresh(m) => *m,
        Stored::Answered(response) => return Ok(*response),
    };
    let replies = match action {
        None => lead_submitted(edge, &mut record, (&stored, client_ip(req)), clean, now_ms).await?,
        Some(_) if !record.status.ai_answers() => handoff::while_with_human(edge, &mut record, now_ms).await?,
        Some(action) => {
            let asked = (&stored, client_ip(req));
            let (reply, outcome) = form_submitted(edge, &mut record, asked, action, &form, clean, now_ms).await?;
            let mut replies = vec![reply];
            let reason = edge.site().agent.handoff.as_ref().and_then(|config| {
                let asked = form.on_submit.handoff.then(|| HandoffReason::FormSubmitted { form: form.title.clone() });
                rules::on_outcome(config, &outcome, 0).or(asked)
            });
            if let Some(reason) = reason {
                let told = handoff::hand_off(edge, &mut record, reason, &stored, &replies, now_ms).await?;
                replies.extend(told);
            }
            replies
        }
    };
    let response = finish(edge.store(), (&before, &record), stored, replies, now_ms).await?;
    Ok(super::inbox_conversations::tell_inbox(response, &record))
}

/// With a signed identity (JWT) the lead's email and name come from the token alone: a lead form
/// may repeat them but not change them.
fn signed_lead_unchanged(record: &ConversationRecord, clean: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if record.identity != IdentityProof::SignedToken {
        return Ok(());
    }
    let mut fields = BTreeMap::new();
    for (field, current) in [("email", &record.lead.email), ("name", &record.lead.name)] {
        let given = clean.get(field).map(|v| v.trim()).filter(|v| !v.is_empty());
        if given.is_some_and(|g| current.as_deref().is_none_or(|c| !c.eq_ignore_ascii_case(g))) {
            fields.insert(
                field.to_string(),
                "You're signed in on the website: this comes from your account and can't be changed here.".into(),
            );
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_form(fields))
    }
}

/// The lead form: name and email fill `lead.*` (a different email clears any verification of
/// the old one), other fields become attributes, and an action that waited for the email goes on.
async fn lead_submitted<D: Deps>(
    edge: &D,
    record: &mut ConversationRecord,
    (stored, address): (&shared::Message, Option<&str>),
    mut clean: BTreeMap<String, String>,
    now_ms: u64,
) -> Result<Vec<Reply>, ApiError> {
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
    let resumed = turn::resume_after_lead(edge, record, (stored, address), now_ms).await?;
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
    (stored, address): (&shared::Message, Option<&str>),
    action: &ActionDef,
    form: &FormDef,
    clean: BTreeMap<String, String>,
    now_ms: u64,
) -> Result<(Reply, rules::Outcome), ApiError> {
    let mut values = conversation_values(edge.site(), record, &stored.text);
    let mut inputs = clean;
    // Hidden fields come from the definition, never from the client.
    for field in form.fields.iter().filter(|f| f.kind == FieldKind::Hidden) {
        let value = field.default.as_deref().and_then(|d| cards::rendered_default(d, &values)).unwrap_or_default();
        inputs.insert(field.name.clone(), value);
    }
    for (k, v) in &inputs {
        values.insert(TemplateVar::Input(k.clone()), v.clone());
    }
    let Some(target) = form.on_submit.run.as_deref().and_then(|slug| edge.site().action(slug)) else {
        return Ok((Reply::say("Thanks — we've received it."), rules::Outcome::default()));
    };
    // The target's own inputs are filled from the form's fields of the same name.
    let target_inputs =
        target.inputs().iter().filter_map(|i| inputs.get(&i.name).map(|v| (i.name.clone(), v.clone()))).collect();
    let values = conversation_values(edge.site(), record, &stored.text);
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
