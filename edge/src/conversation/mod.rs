//! The conversation layer, below the HTTP API: one turn of a conversation, whatever the visitor
//! did — a message, a click, a form. [`respond`] is the one entry: an engine decides (the
//! built-in planner, or the model of `[llm]` with the planner as its fallback), and the turn
//! carries every decision out behind the same guards, logs every run and keeps the
//! conversation's state. It knows nothing of HTTP: the API hands it a [`Deps`] (`api::Edge`)
//! and a stored visitor message.

pub mod forms;
mod model_turn;
pub mod turn;

use crate::agent::intent::ActionIndex;
use crate::agent::{AnswerEngine, Reply};
use crate::handoff::HandoffDeps;
pub use crate::store::ModelCall;
use crate::store::{ConversationRecord, ModelUsageStore, StoreError};
use shared::form::FormDef;
use shared::{ButtonCard, Message, MessageId};
use std::collections::BTreeMap;

/// What a turn needs from the edge: what a guarded run and a handoff need (conversation,
/// handoff and inbox storage: a visitor reopens a resolved conversation), the answering engine,
/// the actions indexed for the planner, and the model's key.
pub trait Deps: HandoffDeps<Store: ModelUsageStore> {
    /// Writes the agent's answers.
    type Engine: AnswerEngine;

    /// The engine.
    fn engine(&self) -> &Self::Engine;
    /// The site's actions, indexed for the planner.
    fn intents(&self) -> &ActionIndex;
    /// The value of `[llm] api_key`'s Worker secret, if set.
    fn model_key(&self) -> Option<&str>;
    /// Where a reply being written is shown, when the conversation's object answers.
    fn shown(&self) -> Option<&dyn crate::live::stream::ReplyStream>;
}

/// Who wrote: the visitor's stored message (masked as stored) and their address.
#[derive(Debug, Clone, Copy)]
pub struct Visitor<'a> {
    /// The stored message this turn replies to.
    pub message: &'a Message,
    /// The client's address, for rate limits.
    pub address: Option<&'a str>,
}

/// What the visitor did.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Sent a message: its text as typed (unmasked, for this turn only) after `history`.
    Message {
        /// The text as typed.
        text: &'a str,
        /// The messages before it, oldest first.
        history: &'a [Message],
    },
    /// Clicked `button`, shown in the message `shown_in`.
    Click {
        /// The button, as stored.
        button: &'a ButtonCard,
        /// The message that showed it.
        shown_in: &'a MessageId,
        /// The messages before the click, oldest first.
        history: &'a [Message],
    },
    /// Submitted a form the agent showed, with values already validated against it.
    Form {
        /// The form's action (none: the lead form).
        action: Option<&'a str>,
        /// The form.
        form: &'a FormDef,
        /// The validated values, as typed.
        values: &'a BTreeMap<String, String>,
    },
}

/// One turn: replies to what the visitor did, updating `record` (which the API stores with the
/// replies, `api::exchange::finish`).
pub async fn respond<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    visitor: Visitor<'_>,
    input: Input<'_>,
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    match input {
        Input::Message { text, history } => turn::message(deps, record, visitor, text, history, now_ms).await,
        Input::Click { button, shown_in, history } => {
            turn::click(deps, record, visitor, (button, shown_in), history, now_ms).await
        }
        Input::Form { action: None, values, .. } => forms::lead(deps, record, visitor, values.clone(), now_ms).await,
        Input::Form { action: Some(action), form, values } => {
            forms::submitted(deps, record, visitor, (action, form), values.clone(), now_ms).await
        }
    }
}
