//! `POST /api/v1/conversations/{id}/messages/{message_id}/buttons/{button_id}`: a visitor clicks a
//! button the agent showed. The button is read from the stored message, never from the request,
//! and each button instance acts once: a second click returns the first result.

use super::conversations::{authorize, client_ip, history_before, require_lead, take_or_refuse};
use super::error::ApiError;
use super::exchange::{finish, store_once, Stored};
use super::http::{HttpRequest, HttpResponse};
use crate::conversation::{self, Deps, Input, Visitor};
use crate::store::{ConversationStore, NewMessage};
use shared::api::ErrorCode;
use shared::{ButtonAct, MessageId};

/// Handles a click.
pub async fn click<D: Deps>(
    edge: &D,
    req: &HttpRequest,
    raw_conversation: &str,
    raw_message: &str,
    raw_button: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let mut record = authorize(edge.store(), req, raw_conversation).await?;
    // What the request changes is written onto the record as stored then (`exchange::finish`).
    let before = record.clone();
    let no_button = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!("message {raw_message:?} has no button {raw_button:?} in this conversation"),
        )
    };
    let message_id = MessageId::parse(raw_message).map_err(|_| no_button())?;
    let button = edge
        .store()
        .message(&record.id, &message_id)
        .await?
        .and_then(|m| m.buttons.into_iter().find(|b| b.id == raw_button))
        .ok_or_else(no_button)?;
    if let ButtonAct::OpenUrl(_) = button.does {
        return Err(ApiError::invalid_field(
            "button",
            "this button opens a page in the browser; there is nothing to run",
        ));
    }
    // A button shown by an action the owner has since switched off does nothing, even from a card
    // already shown (the action it runs may be on for other uses).
    let shown_by: Vec<&shared::action::ActionDef> = edge
        .site()
        .actions
        .iter()
        .filter(|a| crate::agent::cards::button_card(a, 0, None).is_some_and(|c| c.does == button.does))
        .collect();
    if !shown_by.is_empty() && shown_by.iter().all(|a| !a.enabled) {
        return Err(ApiError::new(ErrorCode::ActionNotFound, "this button is switched off"));
    }
    require_lead(edge.site(), &record)?;
    let limits = crate::limits::keys::visitor_write(&edge.site().agent.limits, client_ip(req), &record.id);
    take_or_refuse(edge, &limits, now_ms).await?;
    let text = match &button.does {
        ButtonAct::Reply(text) => text.clone(),
        _ => button.label.clone(),
    };
    let id = crate::token::message_id(edge.entropy(), 'm');
    let visitor = NewMessage::visitor(id, text, format!("button-{message_id}-{}", button.id), now_ms);
    let stored = match store_once(edge.store(), &record.id, &visitor).await? {
        Stored::Fresh(m) => *m,
        Stored::Answered(response) => return Ok(*response),
    };
    let history = history_before(edge.store(), &record.id, &stored.id).await?;
    let visitor = Visitor { message: &stored, address: client_ip(req) };
    let input = Input::Click { button: &button, shown_in: &message_id, history: &history };
    let replies = conversation::respond(edge, &mut record, visitor, input, now_ms).await?;
    let response = finish(edge.store(), (&before, &record), stored, replies, now_ms).await?;
    Ok(super::inbox_conversations::tell_inbox(response, &record))
}
