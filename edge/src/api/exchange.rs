//! The shape of every visitor request that adds to a conversation (a message, a form submission,
//! a button click): store the visitor's message once, reply, store the replies under ids derived
//! from it. A retry — or a second click on the same button — gets the stored answer back.

use super::error::ApiError;
use super::http::{HttpResponse, Publish};
use crate::agent::Reply;
use crate::store::{ConversationRecord, ConversationStore, Inserted, NewMessage};
use shared::api::MessagesResponse;
use shared::{ConversationId, Message};

/// The visitor's message after storing it.
pub enum Stored {
    /// Stored now, or stored before without replies yet: reply to it.
    Fresh(Box<Message>),
    /// Stored and answered before: send this again.
    Answered(Box<HttpResponse>),
}

/// Stores `message` unless a message with its `client_message_id` exists.
pub async fn store_once<S: ConversationStore>(
    store: &S,
    conversation: &ConversationId,
    message: &NewMessage,
) -> Result<Stored, ApiError> {
    Ok(match store.insert_visitor_message(conversation, message).await? {
        Inserted::New(m) => Stored::Fresh(Box::new(m)),
        Inserted::Existing(m) => {
            let replies = store.replies_to(conversation, &m.id).await?;
            if replies.is_empty() {
                Stored::Fresh(Box::new(m))
            } else {
                Stored::Answered(Box::new(respond(conversation, m, replies)))
            }
        }
    })
}

/// Stores `replies` to `visitor` together with what the turn changed in `record` since `before`
/// (one batch on D1) and answers with both. Only what the turn changed is written: the record is
/// read again and the turn's changes applied onto it ([`ConversationRecord::rebased`]), so a
/// change another request made while the turn waited (on an action's API, say) is not lost.
pub async fn finish<S: ConversationStore>(
    store: &S,
    (before, record): (&ConversationRecord, &ConversationRecord),
    visitor: Message,
    replies: Vec<Reply>,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let current = store.conversation(&record.id).await?;
    let record = &current.map_or_else(|| record.clone(), |current| record.rebased(before, &current));
    let new: Vec<NewMessage> = replies.into_iter().enumerate().map(|(i, r)| r.stored(&visitor.id, i, now_ms)).collect();
    let replies = store.finish_turn(record, &visitor.id, &new).await?;
    Ok(respond(&record.id, visitor, replies))
}

/// `{"messages": [visitor message, replies…]}`, published to the conversation's live sockets too
/// (a retry's answer again: a socket that missed it gets it, clients skip ids they have).
pub fn respond(conversation: &ConversationId, visitor: Message, replies: Vec<Message>) -> HttpResponse {
    let mut messages = vec![visitor];
    messages.extend(replies);
    let publish = Publish::messages(conversation, &messages);
    HttpResponse { publish: Some(publish), ..HttpResponse::json(200, &MessagesResponse { messages }) }
}
