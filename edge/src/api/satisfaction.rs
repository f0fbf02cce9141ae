//! The visitor's answer to the satisfaction survey (`shared::satisfaction`): a submission of the
//! survey card, through the forms' route. It is stored as a submission first, then kept on the
//! conversation once (a second answer, from another tab or a replayed request, changes nothing),
//! and thanked. No turn runs: the conversation stays with whoever has it.

use super::conversations::{client_ip, take_or_refuse};
use super::error::ApiError;
use super::exchange::{finish, Stored};
use super::forms::store_submission;
use super::http::{HttpRequest, HttpResponse};
use crate::actions::redact::mask_sensitive;
use crate::agent::engine::Reply;
use crate::conversation::Deps;
use crate::store::{ConversationRecord, ConversationStore};
use shared::api::SubmitFormRequest;
use shared::form::validate_submission;
use shared::satisfaction::{survey, Satisfaction};
use shared::{FormCard, MessageId};

/// Handles a submission of the survey card `card` (message `form_message_id`).
pub async fn rate<D: Deps>(
    edge: &D,
    req: &HttpRequest,
    record: ConversationRecord,
    form_message_id: &MessageId,
    card: &FormCard,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let body: SubmitFormRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let clean = validate_submission(&survey(), &body.values).map_err(ApiError::invalid_form)?;
    // A card number or a code typed in the comment is masked before anything keeps it.
    let shown: std::collections::BTreeMap<String, String> =
        clean.iter().map(|(k, v)| (k.clone(), mask_sensitive(v))).collect();
    Satisfaction::from_values(&shown, now_ms)
        .ok_or_else(|| ApiError::invalid_field("values.score", "choose a rating from 1 to 5"))?;
    let limits = crate::limits::keys::visitor_write(&edge.site().agent.limits, client_ip(req), &record.id);
    take_or_refuse(edge, &limits, now_ms).await?;
    let stored = match store_submission(edge, &record, form_message_id, &card.title, shown, now_ms).await? {
        Stored::Fresh(m) => *m,
        Stored::Answered(response) => return Ok(*response),
    };
    // The rating is the stored submission's: a retry whose first try stored it, then failed,
    // keeps what the inbox shows, whatever the retry's body says.
    let submitted = stored.submission.as_ref().map(|s| s.values.clone()).unwrap_or_default();
    let rating = Satisfaction::from_values(&submitted, now_ms)
        .ok_or_else(|| ApiError::invalid_field("values.score", "choose a rating from 1 to 5"))?;
    let kept = edge.store().rate(&record.id, &rating).await?;
    let thanks =
        if kept { "Thank you for your rating." } else { "You have rated this conversation already. Thank you." };
    let response = finish(edge.store(), (&record, &record), stored, vec![Reply::say(thanks)], now_ms).await?;
    Ok(super::inbox_conversations::tell_inbox(response, &record))
}
