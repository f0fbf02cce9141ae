//! Support agents and their inbox sessions: who may sign in, with which role, and which session
//! tokens (stored as hashes) are open.

use super::StoreError;
use serde::{Deserialize, Serialize};

/// What an agent may do in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Answers conversations.
    Agent,
    /// Also manages the team.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// The role a stored name means.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An agent as the inbox shows them (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agent {
    /// Stable id (`a…`).
    pub id: String,
    /// Sign-in email, unique ignoring ASCII case.
    pub email: String,
    /// Shown to colleagues and, as "name joined", to visitors.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// An agent with what signing in checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAccount {
    /// The agent.
    pub agent: Agent,
    /// `pbkdf2-sha256$…` (see `inbox::password`).
    pub password_hash: String,
    /// A disabled account cannot sign in, and its sessions open nothing.
    pub disabled: bool,
}

/// Why an agent could not be added.
#[derive(Debug)]
pub enum AddAgentError {
    /// An agent with this email exists (emails compare ignoring ASCII case).
    EmailTaken,
    /// Storage failed.
    Store(StoreError),
}

impl From<StoreError> for AddAgentError {
    fn from(e: StoreError) -> Self {
        AddAgentError::Store(e)
    }
}

/// Agents and sessions.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait AgentStore {
    /// Adds an agent.
    async fn add_agent(&self, account: &AgentAccount, at_ms: u64) -> Result<(), AddAgentError>;
    /// The account with this email (ignoring ASCII case).
    async fn account_by_email(&self, email: &str) -> Result<Option<AgentAccount>, StoreError>;
    /// Opens a session: `token_hash` until `expires_at_ms`.
    async fn open_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        at_ms: u64,
        expires_at_ms: u64,
    ) -> Result<(), StoreError>;
    /// The agent of an open, unexpired session whose account is not disabled.
    async fn session_agent(&self, token_hash: &str, now_ms: u64) -> Result<Option<Agent>, StoreError>;
    /// Closes a session (signing out); unknown hashes are ignored.
    async fn close_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Of these session hashes, those still open and unexpired at `now_ms` whose agent is not
    /// disabled (what a live socket opened under a session checks on every push and frame).
    async fn live_sessions(&self, token_hashes: &[String], now_ms: u64) -> Result<Vec<String>, StoreError>;
    /// Disables or enables an agent; false when there is no such agent. A disabled agent's
    /// sessions open nothing (`session_agent`, `live_sessions`).
    async fn set_disabled(&self, agent_id: &str, disabled: bool) -> Result<bool, StoreError>;
    /// Ends every session of an agent; answers how many there were.
    async fn end_sessions(&self, agent_id: &str) -> Result<u32, StoreError>;
}
