//! `POST /api/v1/conversations/{id}/messages/{message_id}/submit`: a visitor submits a form the
//! agent showed. The edge validates with the same rules the widget uses (it is the authority),
//! stores the submission before anything else, runs the form's action, and replies. Submitting
//! the same form twice returns the first result.

use super::conversations::{authorize, respond};
use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::Edge;
use crate::actions::execute::{Network, RunStatus};
use crate::actions::redact::mask_sensitive;
use crate::agent::turn::{conversation_values, run_guarded};
use crate::store::{ActionLogStore, ConversationStore, Inserted, NewMessage};
use crate::token::{random_text, Entropy};
use shared::api::{ErrorCode, SubmitFormRequest};
use shared::form::{validate_submission, FieldKind};
use shared::template::{Encoding, Template, TemplateVar};
use shared::{ActionOutcome, ActionStatus, Author, MessageId, Submission};

/// Handles a form submission.
pub async fn submit<S, E, R, N>(
    edge: &Edge<'_, S, E, R, N>,
    req: &HttpRequest,
    raw_conversation: &str,
    raw_message: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError>
where
    S: ConversationStore + ActionLogStore,
    R: Entropy,
    N: Network,
{
    let record = authorize(edge.store, req, raw_conversation).await?;
    let no_form =
        || ApiError::new(ErrorCode::NotFound, format!("message {raw_message:?} holds no form in this conversation"));
    let form_message_id = MessageId::parse(raw_message).map_err(|_| no_form())?;
    let card = edge.store.message(&record.id, &form_message_id).await?.and_then(|m| m.form).ok_or_else(no_form)?;
    let action = edge.site.action(&card.action).and_then(|a| a.form.as_ref().map(|f| (a, f))).ok_or_else(no_form)?;
    let (action, form) = action;
    let body: SubmitFormRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let clean = validate_submission(form, &body.values).map_err(ApiError::invalid_form)?;

    // One submission per form: the client id is derived from the form message.
    let shown: std::collections::BTreeMap<String, String> =
        clean.iter().map(|(k, v)| (k.clone(), mask_sensitive(v))).collect();
    let visitor = NewMessage {
        id: MessageId::parse(format!("m{}", random_text(edge.entropy, 16))).expect("base64url id"),
        author: Author::Visitor,
        text: format!("Submitted “{}”", card.title),
        sources: Vec::new(),
        client_message_id: Some(format!("submit-{form_message_id}")),
        reply_to: None,
        action: None,
        form: None,
        submission: Some(Submission { form_message_id: form_message_id.to_string(), values: shown }),
        created_at_ms: now_ms,
    };
    let stored = match edge.store.insert_visitor_message(&record.id, &visitor).await? {
        Inserted::New(m) => m,
        Inserted::Existing(m) => {
            let replies = edge.store.replies_to(&record.id, &m.id).await?;
            if !replies.is_empty() {
                return Ok(respond(m, replies));
            }
            m
        }
    };

    let mut values = conversation_values(edge, &record, &stored.text);
    let mut inputs = clean;
    // Hidden fields come from the definition, never from the client.
    for field in form.fields.iter().filter(|f| f.kind == FieldKind::Hidden) {
        let value = field
            .default
            .as_deref()
            .and_then(|d| Template::parse(d).ok()?.render(&values, Encoding::Raw).ok())
            .unwrap_or_default();
        inputs.insert(field.name.clone(), value);
    }
    for (k, v) in &inputs {
        values.insert(TemplateVar::Input(k.clone()), v.clone());
    }
    let (text, outcome) = match form.on_submit.run.as_deref().and_then(|slug| edge.site.action(slug)) {
        None => ("Thanks — we've received it.".to_string(), None),
        Some(target) => {
            // The target's own inputs are filled from the form's fields of the same name.
            let target_inputs =
                target.inputs.iter().filter_map(|i| inputs.get(&i.name).map(|v| (i.name.clone(), v.clone()))).collect();
            let run = run_guarded(edge, &record, &stored, &stored.text, target, &target_inputs, now_ms).await?;
            let status = match run.status {
                RunStatus::Ok => ActionStatus::Ok,
                RunStatus::Failed => ActionStatus::Failed,
                RunStatus::Refused => ActionStatus::Refused,
            };
            let text = match run.status {
                RunStatus::Ok => run.reply.clone().unwrap_or_else(|| "Thanks — we've received it.".into()),
                _ => format!(
                    "Your answers are saved, but **{}** could not be completed: {}. Our support team will follow up.",
                    target.name, run.summary
                ),
            };
            let reason = (run.status != RunStatus::Ok).then(|| run.summary.clone());
            (text, Some(ActionOutcome { name: action.name.clone(), status, reason }))
        }
    };
    let reply = NewMessage {
        id: MessageId::parse(format!("{}-r0", stored.id)).expect("derived id"),
        author: Author::Bot,
        text,
        sources: Vec::new(),
        client_message_id: None,
        reply_to: Some(stored.id.clone()),
        action: outcome,
        form: None,
        submission: None,
        created_at_ms: now_ms,
    };
    edge.store.insert_replies(&record.id, std::slice::from_ref(&reply)).await?;
    let replies = edge.store.replies_to(&record.id, &stored.id).await?;
    Ok(respond(stored, replies))
}
