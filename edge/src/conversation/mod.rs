//! The conversation layer, below the HTTP API: one turn of a conversation — plan, then carry the
//! plan out behind the guards, log every run, keep the conversation's state. It knows nothing
//! of HTTP: the API hands it a [`Deps`] (`api::Edge`) and a stored visitor message.

pub mod turn;

use crate::actions::runner::RunDeps;
use crate::agent::intent::ActionIndex;
use crate::agent::AnswerEngine;
use crate::store::ConversationStore;

/// What a turn needs from the edge: what a guarded run needs, conversation storage, the
/// answering engine and the actions indexed for the planner.
pub trait Deps: RunDeps<Store: ConversationStore> {
    /// Writes the agent's answers.
    type Engine: AnswerEngine;

    /// The engine.
    fn engine(&self) -> &Self::Engine;
    /// The site's actions, indexed for the planner.
    fn intents(&self) -> &ActionIndex;
}
