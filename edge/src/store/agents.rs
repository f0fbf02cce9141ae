//! Support agents and their inbox sessions: who may sign in, with which role, and which session
//! tokens (stored as hashes) are open.

use super::StoreError;

// The agent and their role are wire types (`GET /api/v1/inbox/me`), the inbox's vocabulary.
pub use shared::console::TeamMember;
pub use shared::inbox::{Agent, Role};

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
    /// Disables or enables an agent; false when there is no such agent, or it is the last active
    /// admin. A disabled agent's sessions open nothing (`session_agent`, `live_sessions`).
    async fn set_disabled(&self, agent_id: &str, disabled: bool) -> Result<bool, StoreError>;
    /// Ends every session of an agent; answers how many there were.
    async fn end_sessions(&self, agent_id: &str) -> Result<u32, StoreError>;
    /// Every agent with whether they are disabled and their sessions open at `now_ms`, by name.
    async fn team(&self, now_ms: u64) -> Result<Vec<TeamMember>, StoreError>;
    /// Sets an agent's role; `false` if there is no such agent, or it would take the role from the
    /// last active admin.
    async fn set_role(&self, agent_id: &str, role: Role) -> Result<bool, StoreError>;
    /// Replaces an agent's password hash; `false` if there is no such agent.
    async fn set_password(&self, agent_id: &str, password_hash: &str) -> Result<bool, StoreError>;
}
