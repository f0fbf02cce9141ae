//! `POST /api/v1/conversations/{id}/messages/{message_id}/submit`: a visitor submits a form the
//! agent showed. The edge validates with the same rules the widget uses (it is the authority),
//! stores the submission before anything else, and hands it to the turn
//! (`conversation::forms`), which runs the form's action or fills the lead. Submitting the same
//! form twice returns the first result.

use super::conversations::{authorize, client_ip, take_or_refuse};
use super::error::ApiError;
use super::exchange::{finish, store_once, Stored};
use super::http::{HttpRequest, HttpResponse};
use crate::actions::redact::{is_sensitive_name, mask_sensitive};
use crate::conversation::{self, Deps, Input, Visitor};
use crate::store::{ConversationRecord, ConversationStore, IdentityProof, NewMessage};
use shared::api::{ErrorCode, SubmitFormRequest};
use shared::form::validate_submission;
use shared::site::{LeadConfig, LEAD_FORM};
use shared::{MessageId, Submission};
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
    if card.action == shared::satisfaction::SATISFACTION_FORM {
        return super::satisfaction::rate(edge, req, record, &form_message_id, &card, now_ms).await;
    }
    let (action, form) = if card.action == LEAD_FORM {
        (None, edge.site().agent.lead.as_ref().map(LeadConfig::form).ok_or_else(no_form)?)
    } else {
        let action = edge.site().action(&card.action).ok_or_else(no_form)?;
        // A form the owner has since switched off does nothing, even from a card already shown.
        if !action.enabled {
            return Err(ApiError::new(ErrorCode::ActionNotFound, "this form is switched off"));
        }
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
    let stored = match store_submission(edge, &record, &form_message_id, &card.title, shown, now_ms).await? {
        Stored::Fresh(m) => *m,
        Stored::Answered(response) => return Ok(*response),
    };
    let visitor = Visitor { message: &stored, address: client_ip(req) };
    let slug = action.map(|a| a.slug.to_string());
    let input = Input::Form { action: slug.as_deref(), form: &form, values: &clean };
    let replies = conversation::respond(edge, &mut record, visitor, input, now_ms).await?;
    let response = finish(edge.store(), (&before, &record), stored, replies, now_ms).await?;
    Ok(super::inbox_conversations::tell_inbox(response, &record))
}

/// Stores a submission of the form in `form_message_id` as the visitor's message, once per form
/// (its client id is the form message's): the message, or the answer a retry of it gets.
pub(super) async fn store_submission<D: Deps>(
    edge: &D,
    record: &ConversationRecord,
    form_message_id: &MessageId,
    title: &str,
    values: BTreeMap<String, String>,
    now_ms: u64,
) -> Result<Stored, ApiError> {
    let id = crate::token::message_id(edge.entropy(), 'm');
    let visitor = NewMessage {
        submission: Some(Submission { form_message_id: form_message_id.to_string(), values }),
        ..NewMessage::visitor(id, format!("Submitted “{title}”"), format!("submit-{form_message_id}"), now_ms)
    };
    store_once(edge.store(), &record.id, &visitor).await
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
