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
    /// Every action: the files' in their order, then those made in the console, by slug.
    pub actions: Vec<ActionSummary>,
    /// The Worker secrets actions may use (`[actions] secrets` in `agent.toml`), by name, and
    /// whether the edge has each: the console picks from these, never types one in.
    #[serde(default)]
    pub secrets: Vec<SecretName>,
    /// The hosts actions may call (`[actions] allowed_hosts`).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

/// A Worker secret's name, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretName {
    /// `SHOP_API_KEY`.
    pub name: String,
    /// Whether the edge has it (`.dev.vars`, `wrangler secret put`).
    pub set: bool,
}

/// Where an action's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Its file in `actions/`, unchanged.
    File,
    /// Made in the console: no file has it.
    Console,
    /// A file's action, changed in the console (the change can be reverted).
    Override,
}

/// An action definition written in the console, stored at the edge: a new action, or a file's
/// action changed (its override).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleAction {
    /// The action's slug.
    pub slug: String,
    /// The definition, as the JSON an `actions/*.json` file holds.
    pub definition: String,
    /// Who wrote it: an admin's email, or "admin token".
    pub changed_by: String,
    /// When, Unix ms.
    pub changed_at_ms: u64,
}

/// One action in the console's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionSummary {
    /// Its slug.
    pub slug: String,
    /// Whether the agent may start it now: its switch, else its definition.
    pub enabled: bool,
    /// What its definition in force says (the console's, else its file's).
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
    /// Its definition in force.
    pub definition: ActionDef,
    /// Where that definition comes from.
    #[serde(default = "file_origin")]
    pub origin: Origin,
    /// What its file says, when the console changed it.
    #[serde(default)]
    pub file_definition: Option<ActionDef>,
    /// Who wrote the console's definition, and when.
    #[serde(default)]
    pub changed_by: Option<String>,
    /// When, Unix ms.
    #[serde(default)]
    pub changed_at_ms: Option<u64>,
    /// Why a definition written in the console is not in force (the site's files changed under
    /// it): the file's, or nothing, serves meanwhile.
    #[serde(default)]
    pub problems: Vec<String>,
}

fn file_origin() -> Origin {
    Origin::File
}

/// One problem with an action written in the console: the field to blame, if one is, and what
/// is wrong (the build's own message for the same mistake in a file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionProblem {
    /// `url`, `inputs.order.pattern`…
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// `POST /api/v1/admin/actions/check`: what is wrong with a definition, before it is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCheck {
    /// Its slug, once it has a name.
    pub slug: Option<String>,
    /// Whether an action with that slug exists (saving replaces it: only from its own page).
    pub exists: bool,
    /// Nothing, when it may be saved.
    pub problems: Vec<ActionProblem>,
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
