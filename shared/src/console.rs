//! The owner's console: what the admin API says of actions (their files, switches and test runs)
//! and what the console sends it. The edge serves these; the inbox app's console reads them.

use crate::action::ActionDef;
use crate::action_run::{ActionLogEntry, ActionRun, LoggedRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An owner's switch for one action, set in the console over its file's `enabled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSwitch {
    /// The action's slug.
    pub action: String,
    /// On or off.
    pub enabled: bool,
    /// Who set it: an admin's email, or "admin token".
    pub changed_by: String,
    /// When, Unix ms.
    pub changed_at_ms: u64,
}

/// `GET /api/v1/admin/actions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionList {
    /// Every action of the site's files, in their order.
    pub actions: Vec<ActionSummary>,
}

/// One action in the console's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionSummary {
    /// Its slug.
    pub slug: String,
    /// Whether the agent may start it now: its switch, else its file.
    pub enabled: bool,
    /// What its file says.
    pub file_enabled: bool,
    /// The owner's switch, if one is set.
    #[serde(default)]
    pub switch: Option<ActionSwitch>,
    /// The secrets it uses, by name only.
    pub secrets: Vec<String>,
    /// Runs in the last 24 hours (visitors' and tests').
    #[serde(default)]
    pub runs_24h: u32,
    /// Of which failed or were refused.
    #[serde(default)]
    pub failures_24h: u32,
    /// When it last ran, RFC 3339.
    #[serde(default)]
    pub last_run_at: Option<String>,
    /// Its definition, as its file says.
    pub definition: ActionDef,
}

/// `PUT /api/v1/admin/actions/{name}/enabled` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    /// On or off.
    pub enabled: bool,
}

/// The answer to a switch (`PUT`) or its removal (`DELETE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchResult {
    /// The action.
    pub slug: String,
    /// Whether it is on now.
    pub enabled: bool,
    /// What its file says.
    pub file_enabled: bool,
    /// The switch now set, if any.
    pub switch: Option<ActionSwitch>,
}

/// `GET /api/v1/admin/actions/{name}/logs?limit=&before=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    /// Newest first.
    pub logs: Vec<ActionLogEntry>,
    /// The `before=` of the next page, when there may be one.
    pub next_before: Option<i64>,
}

/// `POST /api/v1/admin/actions/{name}/test` body: template variables by name (`inputs.order`,
/// `lead.email`, `user.id`…); secrets come from the edge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// Variable name → value.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// The answer to a test run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// Its entry in the action's log.
    pub log_id: i64,
    /// The request sent, redacted.
    pub request: LoggedRequest,
    /// How it went, with the reply a visitor would have read.
    pub run: ActionRun,
}

/// One member of the support team, as the console's Team page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// The agent (id, email, name, role).
    #[serde(flatten)]
    pub agent: crate::inbox::Agent,
    /// A disabled agent cannot sign in.
    pub disabled: bool,
    /// Sessions open now.
    pub sessions: u32,
}

/// `GET /api/v1/admin/agents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Every agent, by name.
    pub agents: Vec<TeamMember>,
}

/// `POST /api/v1/admin/agents/{id}/role` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// The new role.
    pub role: crate::inbox::Role,
}

/// `POST /api/v1/admin/agents/{id}/password` body: the new password (12–256 characters); every
/// session of the agent ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// The new password.
    pub password: String,
}

/// `POST /api/v1/admin/agents` body: a new agent who can sign in to the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAgent {
    /// Their email, unique ignoring case.
    pub email: String,
    /// Their name, as visitors and colleagues see it.
    pub name: String,
    /// `agent` unless given.
    #[serde(default = "agent_role")]
    pub role: crate::inbox::Role,
    /// 12–256 characters.
    pub password: String,
}

fn agent_role() -> crate::inbox::Role {
    crate::inbox::Role::Agent
}
