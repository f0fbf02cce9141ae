//! The conversation layer, below the HTTP API: one turn of a conversation — plan, then carry the
//! plan out behind the guards, log every run, keep the conversation's state. It knows nothing
//! of HTTP: the API hands it a [`Deps`] (`api::Edge`) and a stored visitor message.

pub mod turn;

use crate::actions::runner::RunDeps;
use crate::agent::intent::ActionIndex;
use crate::agent::AnswerEngine;
use crate::handoff::HandoffEnv;
use crate::store::{ConversationStore, HandoffStore, InboxStore};

/// What a turn needs from the edge: what a guarded run needs, conversation, handoff and inbox
/// storage (a visitor reopens a resolved conversation),
/// the answering engine, the actions indexed for the planner, and what handoffs need.
pub trait Deps: RunDeps<Store: ConversationStore + HandoffStore + InboxStore> {
    /// Writes the agent's answers.
    type Engine: AnswerEngine;

    /// The engine.
    fn engine(&self) -> &Self::Engine;
    /// The site's actions, indexed for the planner.
    fn intents(&self) -> &ActionIndex;
    /// The office hours' time zone and the outbox of webhook deliveries.
    fn handoff_env(&self) -> HandoffEnv<'_>;
}
