//! What the agent waits for across messages: the action it is working towards, the inputs it has,
//! and what it asked the visitor for. Stored with the conversation (typed in the store, JSON in
//! its column), read by the planner, the turn and `ConversationRecord::set_lead_email`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An action the agent is working towards across messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The action's slug.
    pub action: String,
    /// Inputs collected so far.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// What the agent waits for.
    pub awaiting: Awaiting,
    /// What to resume once this is done (the action that needed verification).
    #[serde(default)]
    pub resume: Option<Box<Pending>>,
}

/// What the agent waits for from the visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Awaiting {
    /// A value for this input.
    Input(String),
    /// The email address on the visitor's account.
    LeadEmail,
    /// Yes or no to running a write action.
    Confirmation,
    /// Nothing: ready to continue.
    Nothing,
}
