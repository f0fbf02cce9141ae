//! The site owner's configuration, read from a site directory: `agent.toml` and `knowledge/*.md`.
//! Parsed and validated once (at build time by the edge's build script) with errors that name the
//! file and the field; the edge then trusts the bundle.

use crate::action::ActionDef;
pub use crate::allowlist::{default_port, AllowedHost, UrlTarget};
pub use crate::page::{KnowledgeDoc, KNOWLEDGE_EXTENSIONS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How the agent words its answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    /// Warm and plain (default).
    #[default]
    Friendly,
    /// Polite and formal.
    Formal,
    /// Just the facts.
    Concise,
}

/// `agent.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Stable id of the site, e.g. `novaex`.
    pub site_id: String,
    /// The agent's display name.
    pub name: String,
    /// First message of every conversation.
    pub greeting: String,
    /// Wording style.
    #[serde(default)]
    pub tone: Tone,
    /// Origins (`https://example.com`) that may embed the widget and call the API cross-origin.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Launcher and header colour.
    #[serde(default = "default_accent")]
    pub accent_color: String,
    /// How the built-in engine answers from the knowledge files.
    #[serde(default)]
    pub answering: AnsweringConfig,
    /// Where actions may call, and which secrets they use.
    #[serde(default)]
    pub actions: ActionsConfig,
    /// Buttons pinned under the greeting.
    #[serde(default)]
    pub quick_replies: Vec<QuickReply>,
    /// The contact form, if the owner wants one.
    #[serde(default)]
    pub lead: Option<LeadConfig>,
    /// Delete conversations (messages, submissions, action logs) this many days after their last
    /// activity; none: keep until deleted.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Limits per visitor address and conversation (`[limits]`).
    #[serde(default)]
    pub limits: VisitorLimits,
    /// How the host page signs who the visitor is (`[identity]`).
    #[serde(default)]
    pub identity: IdentityConfig,
    /// Where the knowledge files are published (`[knowledge]`).
    #[serde(default)]
    pub knowledge: KnowledgeConfig,
    /// When and how conversations go to a human (`[handoff]`); none: never.
    #[serde(default)]
    pub handoff: Option<crate::handoff::HandoffConfig>,
    /// The model the agent uses (`[llm]`); none: the built-in engine alone.
    #[serde(default)]
    pub llm: Option<crate::llm::LlmConfig>,
    /// `[attachments]`: files sent in conversations, both ways.
    #[serde(default)]
    pub attachments: crate::attachment::AttachmentsConfig,
}

/// `[knowledge]` in `agent.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeConfig {
    /// Where a file without a `url` in front matter is published: `base_url` + its name without
    /// the extension (`knowledge/shipping.md` → `/help/shipping`). A path starting with `/`, or an
    /// http(s) URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
}

fn default_base_url() -> String {
    "/".into()
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        Self { base_url: default_base_url() }
    }
}

/// `[identity]` in `agent.toml`: how `Switchboard.identify` is signed by the owner's server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// `user_hash` (HMAC of the user id) or `jwt` (HS256 token with `sub`, `email`, `name`, `exp`).
    #[serde(default)]
    pub method: IdentityMethod,
}

/// How the owner's server signs a visitor's identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityMethod {
    /// `user_hash` = hex HMAC-SHA256(user_id): signs the user id only.
    #[default]
    UserHash,
    /// An HS256 JWT: signs the user id (`sub`), `email` and `name`.
    Jwt,
}

/// `[limits]` in `agent.toml`: how much one visitor address (IP) or one conversation may send.
/// Checked and counted atomically at the edge; over a limit the visitor gets `429` with `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorLimits {
    /// New conversations per visitor address per hour.
    #[serde(default = "default_conversations_per_ip")]
    pub conversations_per_ip_per_hour: u32,
    /// Messages, form submissions and clicks per visitor address per minute.
    #[serde(default = "default_messages_per_ip")]
    pub messages_per_ip_per_minute: u32,
    /// Messages, form submissions and clicks per conversation per minute.
    #[serde(default = "default_messages_per_conversation")]
    pub messages_per_conversation_per_minute: u32,
    /// Runs of each action per visitor address per hour, so that one address cannot spend an
    /// action's site-wide `per_hour` that every visitor shares.
    #[serde(default = "default_runs_per_ip")]
    pub action_runs_per_ip_per_hour: u32,
    /// `setAttributes` calls, live connections, and requests naming a conversation that does not
    /// exist, each per visitor address per minute.
    #[serde(default = "default_other_per_ip")]
    pub other_requests_per_ip_per_minute: u32,
    /// Most messages one conversation stores (the visitor's and the replies together); a visitor
    /// beyond it is told to start a new conversation.
    #[serde(default = "default_max_messages")]
    pub max_messages_per_conversation: u32,
    /// Most bytes of message text one conversation stores.
    #[serde(default = "default_max_bytes")]
    pub max_bytes_per_conversation: u32,
}

fn default_conversations_per_ip() -> u32 {
    60
}

fn default_messages_per_ip() -> u32 {
    60
}

fn default_messages_per_conversation() -> u32 {
    20
}

fn default_runs_per_ip() -> u32 {
    30
}

fn default_other_per_ip() -> u32 {
    60
}

fn default_max_messages() -> u32 {
    2000
}

fn default_max_bytes() -> u32 {
    2_000_000
}

impl Default for VisitorLimits {
    fn default() -> Self {
        Self {
            conversations_per_ip_per_hour: default_conversations_per_ip(),
            messages_per_ip_per_minute: default_messages_per_ip(),
            messages_per_conversation_per_minute: default_messages_per_conversation(),
            action_runs_per_ip_per_hour: default_runs_per_ip(),
            other_requests_per_ip_per_minute: default_other_per_ip(),
            max_messages_per_conversation: default_max_messages(),
            max_bytes_per_conversation: default_max_bytes(),
        }
    }
}

/// A button pinned under the greeting (`[[quick_replies]]`): sends its label as the visitor's
/// message, or, with `action`, is that button action's button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickReply {
    /// The button's text.
    pub label: String,
    /// A `"type": "button"` action's slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// Most quick replies under the greeting.
pub const MAX_QUICK_REPLIES: usize = 6;

/// `[lead]` in `agent.toml`: a form asking for the visitor's name and email (and more fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadConfig {
    /// When the form is shown.
    pub ask: LeadTiming,
    /// With `ask = "after_messages"`: after this many visitor messages.
    #[serde(default)]
    pub after_messages: Option<u32>,
    /// Card title.
    #[serde(default = "default_lead_title")]
    pub title: String,
    /// Whether the name is required (the email always is).
    #[serde(default)]
    pub name_required: bool,
    /// Fields after name and email; their values become conversation attributes.
    #[serde(default)]
    pub fields: Vec<crate::form::FieldDef>,
}

fn default_lead_title() -> String {
    "Your contact details".into()
}

/// When the lead form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadTiming {
    /// With the greeting; the visitor fills it in before chatting.
    BeforeFirstMessage,
    /// After `after_messages` visitor messages, if the email is still unknown.
    AfterMessages,
    /// Only when an action needs `lead.email`.
    WhenNeeded,
}

/// The slug lead form cards carry in place of an action's.
pub const LEAD_FORM: &str = "lead";

impl LeadConfig {
    /// The form: name, email, then the owner's fields.
    pub fn form(&self) -> crate::form::FormDef {
        use crate::form::{FieldDef, FieldKind, FormDef, OnSubmit};
        let mut fields = vec![
            FieldDef {
                required: self.name_required,
                max_length: Some(100),
                ..FieldDef::new("name", FieldKind::Text, "Name")
            },
            FieldDef { required: true, ..FieldDef::new("email", FieldKind::Email, "Email") },
        ];
        fields.extend(self.fields.iter().cloned());
        FormDef { title: self.title.clone(), fields, submit_label: "Send".into(), on_submit: OnSubmit::default() }
    }

    fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        match (self.ask, self.after_messages) {
            (LeadTiming::AfterMessages, None | Some(0)) => {
                out.push(("lead.after_messages".into(), "ask = \"after_messages\" needs after_messages ≥ 1".into()))
            }
            (LeadTiming::BeforeFirstMessage | LeadTiming::WhenNeeded, Some(_)) => out.push((
                "lead.after_messages".into(),
                "after_messages only applies with ask = \"after_messages\"".into(),
            )),
            _ => {}
        }
        if self.title.trim().is_empty() {
            out.push(("lead.title".into(), "must not be empty".into()));
        }
        for (i, f) in self.fields.iter().enumerate() {
            if f.name == "name" || f.name == "email" {
                out.push((format!("lead.fields[{i}].name"), "name and email are already in the lead form".into()));
            }
        }
        for (field, message) in self.form().problems() {
            out.push((format!("lead.{field}"), message));
        }
        out
    }
}

/// `[actions]` in `agent.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsConfig {
    /// Hosts (`api.example.com`, or `host:port`) action URLs may call; any other host fails validation.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Loopback/private addresses allowed anyway: only for local development and tests.
    #[serde(default)]
    pub allow_private_addresses: Vec<String>,
    /// Names of the Worker secrets actions use (`.dev.vars` locally, `wrangler secret put` in production).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// The action that sends the visitor a one-time code, before actions with `requires_verification`.
    #[serde(default)]
    pub verification_send: Option<String>,
    /// The `verifies` action that checks the code (its one input is the code).
    #[serde(default)]
    pub verification_check: Option<String>,
    /// Minutes a verification holds before the visitor must verify again.
    #[serde(default = "default_verification_ttl")]
    pub verification_ttl_minutes: u32,
    /// Failed code checks allowed per conversation and per email per hour; after that the check
    /// action is refused without calling the owner's API.
    #[serde(default = "default_max_failed_checks")]
    pub max_failed_checks: u32,
    /// Allow plain `http://` action targets on public hosts (off: only hosts listed in
    /// `allow_private_addresses`, i.e. local development, may use http).
    #[serde(default)]
    pub allow_http: bool,
}

fn default_verification_ttl() -> u32 {
    30
}

fn default_max_failed_checks() -> u32 {
    5
}

impl Default for ActionsConfig {
    fn default() -> Self {
        Self {
            allowed_hosts: Vec::new(),
            allow_private_addresses: Vec::new(),
            secrets: Vec::new(),
            verification_send: None,
            verification_check: None,
            verification_ttl_minutes: default_verification_ttl(),
            max_failed_checks: default_max_failed_checks(),
            allow_http: false,
        }
    }
}

fn default_accent() -> String {
    "#4f46e5".into()
}

/// `[answering]` in `agent.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnsweringConfig {
    /// Share (0–1) of the question's meaningful words a passage must cover before it is used.
    #[serde(default = "default_min_confidence")]
    pub min_confidence: f64,
    /// What the agent says when the content does not cover a question.
    #[serde(default = "default_fallback")]
    pub fallback: String,
    /// Words that mean the same, e.g. `btc = ["bitcoin"]`; applied both ways.
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
}

fn default_min_confidence() -> f64 {
    0.5
}

fn default_fallback() -> String {
    "I don't know that — it isn't covered in our help content, and I'd rather not guess.".into()
}

impl Default for AnsweringConfig {
    fn default() -> Self {
        Self { min_confidence: default_min_confidence(), fallback: default_fallback(), synonyms: BTreeMap::new() }
    }
}

/// Everything the edge needs to know about a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteBundle {
    /// `agent.toml`.
    pub agent: AgentConfig,
    /// `knowledge/*.md`, sorted by file name.
    pub knowledge: Vec<KnowledgeDoc>,
    /// `actions/*.json`, sorted by file name.
    #[serde(default)]
    pub actions: Vec<ActionDef>,
    /// A visitor's word → the words of this site's pages and actions it may stand for: WordNet's
    /// synonyms and kinds, applied at build time (`shared::thesaurus`), only pairs the site needs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thesaurus: BTreeMap<String, Vec<String>>,
}

/// A problem in the site directory, naming the file and, where one is to blame, the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SiteError {
    /// File inside the site directory.
    pub file: String,
    /// Offending field, if any.
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: field `{field}`: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

pub(crate) fn err(file: &str, field: Option<&str>, message: impl Into<String>) -> SiteError {
    SiteError { file: file.into(), field: field.map(Into::into), message: message.into() }
}

const AGENT_FILE: &str = "agent.toml";

impl SiteBundle {
    /// Parses `agent.toml` and the knowledge files (`(path, contents)` pairs), collecting every
    /// problem rather than stopping at the first.
    pub fn from_files(agent_toml: &str, knowledge: &[(String, String)]) -> Result<Self, Vec<SiteError>> {
        Self::from_dir_files(agent_toml, knowledge, &[])
    }

    /// As [`SiteBundle::from_files`], with `actions/*.json` too.
    pub fn from_dir_files(
        agent_toml: &str,
        knowledge: &[(String, String)],
        actions: &[(String, String)],
    ) -> Result<Self, Vec<SiteError>> {
        let mut errors = Vec::new();
        let agent = match toml::from_str::<AgentConfig>(agent_toml) {
            Ok(agent) => {
                errors.extend(agent.problems());
                Some(agent)
            }
            Err(e) => {
                errors.push(err(AGENT_FILE, None, e.to_string().trim().replace('\n', " ")));
                None
            }
        };
        let mut docs = Vec::new();
        let base_url = agent.as_ref().map_or("/", |a| a.knowledge.base_url.as_str());
        for (file, contents) in knowledge {
            match KnowledgeDoc::parse(file, contents, base_url) {
                // A draft or unpublished page: left out.
                Ok(None) => {}
                Ok(Some(doc)) => {
                    if let Some(other) = docs.iter().find(|d: &&KnowledgeDoc| d.url == doc.url) {
                        errors.push(err(
                            file,
                            Some("url"),
                            format!(
                                "{:?} is also the URL of {}; give one of them a `url` in front matter",
                                doc.url, other.file
                            ),
                        ));
                    }
                    docs.push(doc)
                }
                Err(e) => errors.push(e),
            }
        }
        docs.sort_by(|a, b| a.file.cmp(&b.file));
        crate::page::resolve_links(&mut docs);
        let mut sorted: Vec<&(String, String)> = actions.iter().collect();
        sorted.sort();
        let mut defs: Vec<ActionDef> = Vec::new();
        // The file each definition came from, by index, to name it in later errors.
        let mut def_files: Vec<String> = Vec::new();
        for (file, contents) in sorted {
            let def = match ActionDef::from_json(contents) {
                Ok(d) => d,
                Err(e) => {
                    errors.push(err(file, None, e));
                    continue;
                }
            };
            errors.extend(crate::action_check::action_errors(agent.as_ref(), &def, file));
            if defs.iter().any(|d| d.name.eq_ignore_ascii_case(&def.name) || d.slug == def.slug) {
                errors.push(err(file, Some("name"), format!("action '{}' is defined twice", def.name)));
            }
            defs.push(def);
            def_files.push(file.clone());
        }
        // References to actions may use the action's name or its slug; they are stored as slugs.
        let catalog: Vec<(String, String, &'static str)> =
            defs.iter().map(|d| (d.slug.to_string(), d.name.clone(), d.kind.name())).collect();
        for (i, def) in defs.iter_mut().enumerate() {
            let name = def.name.clone();
            if let Some((field, reference)) = crate::action_check::reference_mut(def) {
                {
                    match resolve_reference(&catalog, reference, Some("http")) {
                        Ok(slug) => *reference = slug,
                        Err(message) => {
                            errors.push(err(&def_files[i], Some(field), format!("action '{name}': {message}")))
                        }
                    }
                }
            }
        }
        let mut agent = agent;
        if let Some(agent) = &mut agent {
            let a = &mut agent.actions;
            for (field, reference) in [
                ("actions.verification_send", &mut a.verification_send),
                ("actions.verification_check", &mut a.verification_check),
            ] {
                if let Some(reference) = reference {
                    match resolve_reference(&catalog, reference, Some("http")) {
                        Err(message) => errors.push(err(AGENT_FILE, Some(field), message)),
                        Ok(slug) => {
                            let d = defs.iter().find(|d| d.slug == slug).expect("resolved to a defined action");
                            if field.ends_with("check") && !d.http().is_some_and(|h| h.verifies) {
                                errors.push(err(
                                    AGENT_FILE,
                                    Some(field),
                                    format!("action '{}' must declare \"verifies\": true", d.name),
                                ));
                            }
                            *reference = slug;
                        }
                    }
                }
            }
            for (i, q) in agent.quick_replies.iter_mut().enumerate() {
                if let Some(reference) = &mut q.action {
                    match resolve_reference(&catalog, reference, Some("button")) {
                        Ok(slug) => *reference = slug,
                        Err(message) => {
                            errors.push(err(AGENT_FILE, Some(&format!("quick_replies[{i}].action")), message))
                        }
                    }
                }
            }
            let a = &agent.actions;
            if defs.iter().any(|d| d.http().is_some_and(|h| h.requires_verification))
                && (a.verification_send.is_none() || a.verification_check.is_none())
            {
                errors.push(err(
                    AGENT_FILE,
                    Some("actions.verification_check"),
                    "actions with requires_verification need [actions] verification_send and verification_check",
                ));
            }
        }
        match agent {
            Some(agent) if errors.is_empty() => {
                Ok(Self { agent, knowledge: docs, actions: defs, thesaurus: BTreeMap::new() })
            }
            _ => Err(errors),
        }
    }

    /// What builds but deserves the owner's eye: an action that requires a verified identity
    /// yet sends a value no signature covers (`{{conversation.attributes.*}}`, which the page and
    /// the visitor's browser set; `{{lead.name}}` unless a JWT signs it). The build prints these.
    pub fn warnings(&self) -> Vec<SiteError> {
        use crate::template::TemplateVar;
        let mut out = Vec::new();
        for def in &self.actions {
            if !def.http().is_some_and(|h| h.requires_verified_identity) {
                continue;
            }
            let mut unsigned: Vec<String> = Vec::new();
            for (_, text) in def.templates() {
                let Ok(template) = crate::template::Template::parse(&text) else { continue };
                for var in template.variables() {
                    let signed_name = self.agent.identity.method == IdentityMethod::Jwt;
                    let open =
                        matches!(var, TemplateVar::Attribute(_)) || (*var == TemplateVar::LeadName && !signed_name);
                    if open && !unsigned.contains(&var.to_string()) {
                        unsigned.push(var.to_string());
                    }
                }
            }
            if !unsigned.is_empty() {
                out.push(err(
                    "actions/*.json",
                    Some("requires_verified_identity"),
                    format!(
                        "action '{}' requires a verified identity but also sends {}, which no signature covers: \
                         the visitor can set it; do not let the API trust it",
                        def.name,
                        unsigned.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        out
    }

    /// An action by its slug (callers check `enabled`; the guard refuses disabled ones).
    pub fn action(&self, slug: &str) -> Option<&ActionDef> {
        self.actions.iter().find(|a| a.slug == slug)
    }
}

/// WCAG 2 contrast ratio of white against `#rrggbb` (already checked to be one).
fn contrast_with_white(hex: &str) -> f64 {
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    1.05 / (luminance + 0.05)
}

/// The slug of the action a reference names (its slug, its name in any case, or its name as a
/// slug), among actions of `kind` if given; otherwise a message naming the nearest one.
pub(crate) fn resolve_reference(
    catalog: &[(String, String, &'static str)],
    reference: &str,
    kind: Option<&str>,
) -> Result<String, String> {
    let candidates: Vec<&(String, String, &'static str)> =
        catalog.iter().filter(|(_, _, k)| kind.is_none_or(|want| *k == want)).collect();
    let as_slug = crate::action::slugify(reference);
    if let Some((slug, _, _)) = candidates
        .iter()
        .find(|(slug, name, _)| slug == reference || name.eq_ignore_ascii_case(reference) || *slug == as_slug)
    {
        return Ok(slug.clone());
    }
    let what = kind.map_or("action".to_string(), |k| format!("{k} action"));
    let nearest = candidates
        .iter()
        .map(|(slug, name, _)| (strsim::levenshtein(&as_slug, slug), slug, name))
        .min_by_key(|(distance, _, _)| *distance)
        .filter(|(distance, slug, _)| *distance <= (slug.len() / 3).max(2));
    Err(match nearest {
        Some((_, slug, name)) => format!("no {what} called {reference:?}; did you mean {slug:?} ('{name}')?"),
        None if candidates.is_empty() => format!("no {what} called {reference:?}; there are none"),
        None => format!(
            "no {what} called {reference:?} (there are: {})",
            candidates.iter().map(|(slug, _, _)| slug.as_str()).collect::<Vec<_>>().join(", ")
        ),
    })
}

impl AgentConfig {
    fn problems(&self) -> Vec<SiteError> {
        let mut out = Vec::new();
        let mut bad = |field: &str, msg: String| out.push(err(AGENT_FILE, Some(field), msg));
        if self.site_id.is_empty()
            || self.site_id.len() > 40
            || !self.site_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            bad("site_id", "must be 1–40 characters of a–z, 0–9 and '-'".into());
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 40 {
            bad("name", "must be 1–40 characters".into());
        }
        if self.greeting.trim().is_empty() {
            bad("greeting", "must not be empty".into());
        }
        for origin in &self.allowed_origins {
            if !is_origin(origin) {
                bad(
                    "allowed_origins",
                    format!("{origin:?} is not an origin; write scheme://host[:port], e.g. \"https://example.com\""),
                );
            }
        }
        let c = &self.accent_color;
        if !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())) {
            bad("accent_color", format!("{c:?} must be a colour like \"#4f46e5\""));
        } else if contrast_with_white(c) < 4.5 {
            // The widget writes white text on the accent (header, the visitor's bubbles, buttons).
            bad(
                "accent_color",
                format!(
                    "{c:?} has a contrast of {:.2}:1 with the white text drawn on it; WCAG AA needs 4.5:1 — \
                     choose a darker colour",
                    contrast_with_white(c)
                ),
            );
        }
        let a = &self.answering;
        if !(0.0..=1.0).contains(&a.min_confidence) {
            bad("answering.min_confidence", format!("{} must be between 0 and 1", a.min_confidence));
        }
        if a.fallback.trim().is_empty() {
            bad("answering.fallback", "must not be empty".into());
        }
        if self.quick_replies.len() > MAX_QUICK_REPLIES {
            bad("quick_replies", format!("at most {MAX_QUICK_REPLIES} quick replies fit under the greeting"));
        }
        for (i, q) in self.quick_replies.iter().enumerate() {
            if q.label.trim().is_empty() || q.label.chars().count() > 60 {
                bad(&format!("quick_replies[{i}].label"), "must be 1–60 characters".into());
            }
        }
        if let Some(lead) = &self.lead {
            for (field, message) in lead.problems() {
                bad(&field, message);
            }
        }
        let positive = [
            ("actions.verification_ttl_minutes", self.actions.verification_ttl_minutes),
            ("actions.max_failed_checks", self.actions.max_failed_checks),
            ("limits.conversations_per_ip_per_hour", self.limits.conversations_per_ip_per_hour),
            ("limits.messages_per_ip_per_minute", self.limits.messages_per_ip_per_minute),
            ("limits.messages_per_conversation_per_minute", self.limits.messages_per_conversation_per_minute),
            ("limits.action_runs_per_ip_per_hour", self.limits.action_runs_per_ip_per_hour),
            ("limits.other_requests_per_ip_per_minute", self.limits.other_requests_per_ip_per_minute),
            ("limits.max_messages_per_conversation", self.limits.max_messages_per_conversation),
            ("limits.max_bytes_per_conversation", self.limits.max_bytes_per_conversation),
        ];
        for (field, value) in positive {
            if value == 0 {
                bad(field, "must be at least 1".into());
            }
        }
        for (field, message) in self.actions.problems() {
            bad(&field, message);
        }
        for (field, message) in self.attachments.problems() {
            bad(&field, message);
        }
        if !crate::page::is_page_url(&self.knowledge.base_url) {
            bad(
                "knowledge.base_url",
                format!("{:?} must be a path starting with '/' or an http(s) URL", self.knowledge.base_url),
            );
        }
        if let Some(llm) = &self.llm {
            for (field, message) in llm.problems(&self.actions.secrets) {
                bad(&field, message);
            }
        }
        if let Some(handoff) = &self.handoff {
            for (field, message) in handoff.problems() {
                bad(&field, message);
            }
            // The webhook obeys the same network rule as actions: a site that builds can reach it.
            if let Some(hook) = &handoff.webhook {
                let problem = if hook.url.contains("{{") || UrlTarget::of_url(&hook.url).is_none() {
                    Some(format!("{:?} must be an http(s) URL without template variables", hook.url))
                } else {
                    self.actions.target_problem(&hook.url)
                };
                if let Some(problem) = problem {
                    bad("handoff.webhook.url", problem);
                }
                // A key that signs webhooks is handed to their receiver's team: it must sign
                // nothing else (a reused IDENTITY_SECRET would let them sign visitors' identities).
                let taken = ["IDENTITY_SECRET", "ADMIN_TOKEN"].contains(&hook.secret.as_str())
                    || self.actions.secrets.contains(&hook.secret);
                if taken {
                    bad(
                        "handoff.webhook.secret",
                        format!(
                            "{:?} is used for something else: give the webhook a secret of its own \
                             (e.g. HANDOFF_WEBHOOK_SECRET)",
                            hook.secret
                        ),
                    );
                }
            }
        }
        if self.retention_days == Some(0) {
            bad("retention_days", "must be at least 1 (leave it out to keep conversations until deleted)".into());
        }
        out
    }

    /// Whether a browser origin may use the API cross-origin.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

/// Whether `s` is an `allowed_origins` entry: `scheme://host[:port]` with no path, or `*`.
pub fn is_origin(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accent_colour_must_keep_white_text_readable() {
        assert!((contrast_with_white("#000000") - 21.0).abs() < 0.01);
        assert!((contrast_with_white("#ffffff") - 1.0).abs() < 0.01);
        assert!(contrast_with_white("#4f46e5") > 6.0, "the demo's indigo");
        assert!(contrast_with_white("#166534") > 7.0, "the shop's green");
        assert!(contrast_with_white("#7b74ec") < 4.5, "a light violet fails");
        let agent = "site_id = \"x\"\nname = \"X\"\ngreeting = \"Hi\"\naccent_color = \"#facc15\"";
        let e = SiteBundle::from_files(agent, &[]).unwrap_err();
        assert!(e.iter().any(|e| e.to_string().contains("WCAG AA needs 4.5:1")), "{e:?}");
    }

    const AGENT: &str = r#"
site_id = "novaex"
name = "Nova"
greeting = "Hi!"
allowed_origins = ["http://127.0.0.1:8787"]
[answering]
synonyms = { btc = ["bitcoin"] }
"#;

    fn doc(front: &str, body: &str) -> (String, String) {
        ("knowledge/fees.md".into(), format!("+++\n{front}\n+++\n{body}"))
    }

    #[test]
    fn quick_replies_and_the_lead_form_are_checked() {
        let page = doc("title = \"Fees\"\nurl = \"/fees\"", "x");
        let agent = format!(
            "{AGENT}\n[[quick_replies]]\nlabel = \"Status\"\naction = \"nope\"\n[[quick_replies]]\nlabel = \"\"\n\n[lead]\nask = \"after_messages\"\nfields = [{{ name = \"email\", kind = \"text\", label = \"E\" }}]\n"
        );
        let errors = SiteBundle::from_dir_files(&agent, std::slice::from_ref(&page), &[]).unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        for expected in
            ["quick_replies[0].action", "quick_replies[1].label", "lead.after_messages", "lead.fields[0].name"]
        {
            assert!(fields.contains(&expected), "{expected} missing from {errors:?}");
        }
        let good = format!(
            "{AGENT}\n[[quick_replies]]\nlabel = \"Fees?\"\n\n[lead]\nask = \"after_messages\"\nafter_messages = 2\n"
        );
        let site = SiteBundle::from_dir_files(&good, &[page], &[]).unwrap();
        let lead = site.agent.lead.unwrap();
        let form = lead.form();
        assert_eq!(form.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["name", "email"]);
        assert!(form.fields[1].required && !form.fields[0].required);
    }

    #[test]
    fn parses_a_valid_site() {
        let site =
            SiteBundle::from_files(AGENT, &[doc("title = \"Fees\"\nurl = \"/fees.html\"", "## Withdrawal fees\nx")])
                .unwrap();
        assert_eq!(site.agent.name, "Nova");
        assert_eq!(site.agent.tone, Tone::Friendly);
        assert_eq!(site.agent.answering.min_confidence, 0.5);
        assert_eq!(site.agent.answering.synonyms["btc"], vec!["bitcoin"]);
        assert_eq!(site.knowledge[0].title, "Fees");
        assert!(site.agent.allows_origin("http://127.0.0.1:8787"));
        assert!(!site.agent.allows_origin("https://evil.example"));
    }

    #[test]
    fn errors_name_file_and_field() {
        let bad = AGENT.replace("\"Hi!\"", "\"  \"").replace("http://127.0.0.1:8787", "127.0.0.1/x");
        let errors = SiteBundle::from_files(&bad, &[doc("title = \"\"\nurl = \"/f\"", "x")]).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(text.contains(&"agent.toml: field `greeting`: must not be empty".to_string()), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("agent.toml: field `allowed_origins`: \"127.0.0.1/x\"")));
        assert!(text.contains(&"knowledge/fees.md: field `title`: must not be empty".to_string()));
    }

    #[test]
    fn unknown_fields_are_errors_with_their_name() {
        let errors = SiteBundle::from_files(&format!("{AGENT}\ncolour = 1"), &[]).unwrap_err();
        assert!(errors[0].to_string().contains("colour"), "{}", errors[0]);
    }

    #[test]
    fn two_pages_cannot_share_a_url() {
        let pages = vec![
            ("knowledge/fees.md".to_string(), "# Fees\nA".to_string()),
            ("knowledge/fees.txt".to_string(), "B".to_string()),
        ];
        let errors = SiteBundle::from_files(AGENT, &pages).unwrap_err();
        assert_eq!(errors[0].file, "knowledge/fees.txt");
        assert!(errors[0].message.contains("also the URL of knowledge/fees.md"), "{}", errors[0]);
        let bad = format!("{AGENT}\n[knowledge]\nbase_url = \"help\"");
        let errors = SiteBundle::from_files(&bad, &[]).unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("knowledge.base_url"));
    }

    #[test]
    fn action_files_are_validated_with_file_action_and_field() {
        let agent = format!("{AGENT}\n[actions]\nallowed_hosts = [\"api.example.com\"]\nsecrets = [\"KEY\"]");
        let ok = r#"{"name":"Lookup","type":"http","method":"GET","url":"https://api.example.com/x?e={{lead.email}}"}"#;
        let other_host = r#"{"name":"Other","type":"http","method":"GET","url":"https://evil.example/x"}"#;
        let bad_var = r#"{"name":"Bad","type":"http","method":"GET","url":"https://api.example.com/{{lead.phone}}"}"#;
        let dup = r#"{"name":"lookup","type":"http","method":"GET","url":"https://api.example.com/y"}"#;
        let broken = r#"{"name":"X","type":"http""#;
        let files: Vec<(String, String)> =
            [("a.json", ok), ("b.json", other_host), ("c.json", bad_var), ("d.json", dup), ("e.json", broken)]
                .iter()
                .map(|(f, t)| (format!("actions/{f}"), t.to_string()))
                .collect();
        let errors: Vec<String> =
            SiteBundle::from_dir_files(&agent, &[], &files).unwrap_err().iter().map(ToString::to_string).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("actions/b.json: field `url`: action 'Other': host evil.example is not in")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e
                .starts_with("actions/c.json: field `url`: action 'Bad': unknown template variable {{lead.phone}}")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.starts_with("actions/d.json: field `name`: action 'lookup' is defined twice")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.starts_with("actions/e.json: ")), "{errors:?}");
        let fine = SiteBundle::from_dir_files(&agent, &[], &files[..1]).unwrap();
        assert_eq!(fine.action("lookup").unwrap().name, "Lookup");
    }

    fn target_errors(actions_toml: &str, url: &str, auth_url: Option<&str>) -> Vec<String> {
        let agent = format!("{AGENT}\n[actions]\n{actions_toml}");
        let auth = auth_url.map_or(String::new(), |u| {
            format!(r#","auth":{{"type":"token_endpoint","url":"{u}","client_id":"i","client_secret":"s"}}"#)
        });
        let action = format!(r#"{{"name":"A","type":"http","method":"GET","url":"{url}"{auth}}}"#);
        match SiteBundle::from_dir_files(&agent, &[], &[("actions/a.json".into(), action)]) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn an_allowed_host_without_a_port_admits_only_the_default_port() {
        let hosts = r#"allowed_hosts = ["api.example.com", "pay.example.com:8443", "[::1]:9000"]"#;
        assert!(target_errors(hosts, "https://api.example.com/x", None).is_empty());
        assert!(target_errors(hosts, "https://API.example.com:443/x", None).is_empty());
        assert!(target_errors(hosts, "https://pay.example.com:8443/x", None).is_empty());
        let e = target_errors(hosts, "https://api.example.com:8443/x", None);
        assert!(
            e.iter().any(|e| e.starts_with(
                "actions/a.json: field `url`: action 'A': host api.example.com:8443 is not in [actions] allowed_hosts"
            ) && e.contains("allows only port 443")),
            "{e:?}"
        );
        assert_eq!(target_errors(hosts, "https://pay.example.com/x", None).len(), 1, "the listed port only");
        assert_eq!(target_errors(hosts, "https://evil.example/x", Some("https://api.example.com/t")).len(), 1);
        let e = target_errors(hosts, "https://api.example.com/x", Some("https://evil.example/token"));
        assert!(e.iter().any(|e| e.contains("field `auth.url`") && e.contains("evil.example")), "{e:?}");
    }

    #[test]
    fn plain_http_is_refused_unless_allowed_or_a_listed_local_address() {
        let e = target_errors(r#"allowed_hosts = ["api.example.com"]"#, "http://api.example.com/x", None);
        assert!(
            e.iter().any(|e| e
                .starts_with("actions/a.json: field `url`: action 'A': plain http:// to api.example.com is refused")),
            "{e:?}"
        );
        let open = "allowed_hosts = [\"api.example.com\"]\nallow_http = true";
        assert!(target_errors(open, "http://api.example.com/x", None).is_empty());
        let local = "allowed_hosts = [\"127.0.0.1:8788\"]\nallow_private_addresses = [\"127.0.0.1\"]";
        assert!(target_errors(local, "http://127.0.0.1:8788/v1", None).is_empty());
        assert_eq!(target_errors(local, "http://127.0.0.1/v1", None).len(), 1, "port 80 is not 8788");
        let e = target_errors(r#"allowed_hosts = ["93.184.216.34"]"#, "http://93.184.216.34/v1", None);
        assert!(e.iter().any(|e| e.contains("plain http://")), "{e:?}");
        let e =
            target_errors("allowed_hosts = [\"127.0.0.1:8788\"]\nallow_http = true", "http://127.0.0.1:8788/v1", None);
        assert!(
            e.iter().any(|e| e.contains("address 127.0.0.1 is in a loopback range")),
            "as the edge refuses it: {e:?}"
        );
        let e = target_errors(
            r#"allowed_hosts = ["api.example.com"]"#,
            "https://api.example.com/",
            Some("http://api.example.com/t"),
        );
        assert!(e.iter().any(|e| e.contains("field `auth.url`") && e.contains("plain http://")), "{e:?}");
    }

    #[test]
    fn allowlist_entries_must_be_hosts() {
        let e = target_errors(
            "allowed_hosts = [\"https://api.example.com\", \"api.example.com/v1\", \"h:0\", \"::1\"]\nallow_private_addresses = [\"localhost\"]",
            "https://api.example.com/",
            None,
        );
        for field in [
            "actions.allowed_hosts[0]",
            "actions.allowed_hosts[1]",
            "actions.allowed_hosts[2]",
            "actions.allowed_hosts[3]",
            "actions.allow_private_addresses[0]",
        ] {
            assert!(e.iter().any(|e| e.contains(&format!("field `{field}`"))), "{field}: {e:?}");
        }
    }

    #[test]
    fn an_identity_action_on_the_email_needs_a_signed_email() {
        let balance = r#"{"name":"Balances","type":"http","method":"GET","url":"https://api.example.com/b?e={{lead.email}}",
            "requires_verified_identity":true}"#;
        let files = vec![("actions/balance.json".to_string(), balance.to_string())];
        let agent = format!("{AGENT}\n[actions]\nallowed_hosts = [\"api.example.com\"]");
        let errors = SiteBundle::from_dir_files(&agent, &[], &files).unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("requires_verified_identity"));
        assert!(errors[0].message.contains("method = \"jwt\""), "{}", errors[0]);
        let jwt = format!("{AGENT}\n[identity]\nmethod = \"jwt\"\n[actions]\nallowed_hosts = [\"api.example.com\"]");
        assert!(SiteBundle::from_dir_files(&jwt, &[], &files).is_ok());
    }

    #[test]
    fn references_take_a_name_or_a_slug_and_a_typo_gets_the_nearest() {
        let agent = format!(
            "{AGENT}\n[[quick_replies]]\nlabel = \"Status\"\naction = \"Status Page\"\n\
             [actions]\nallowed_hosts = [\"api.example.com\"]\nverification_send = \"Send Code\"\n\
             verification_check = \"chek-code\""
        );
        let actions: Vec<(String, String)> = [
            ("send", r#"{"name":"Send Code","type":"http","method":"POST","url":"https://api.example.com/s"}"#),
            ("check", r#"{"name":"Check Code","type":"http","method":"POST","url":"https://api.example.com/c",
                "body":{"e":"{{lead.email}}"},"verifies":true,"response":{"success_when":{"path":"ok","equals":true}}}"#),
            ("page", r#"{"name":"Status Page","type":"button","button":{"label":"Status","url":"https://status.example.com"}}"#),
            ("run", r#"{"name":"Run Check","type":"button","button":{"label":"Check","run":"Send Code"}}"#),
        ]
        .iter()
        .map(|(f, t)| (format!("actions/{f}.json"), t.to_string()))
        .collect();
        let errors = SiteBundle::from_dir_files(&agent, &[], &actions).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field.as_deref(), Some("actions.verification_check"));
        assert!(errors[0].message.contains("did you mean \"check-code\" ('Check Code')?"), "{}", errors[0]);

        let fixed = agent.replace("chek-code", "check code");
        let site = SiteBundle::from_dir_files(&fixed, &[], &actions).unwrap();
        assert_eq!(site.agent.actions.verification_send.as_deref(), Some("send-code"), "stored as the slug");
        assert_eq!(site.agent.actions.verification_check.as_deref(), Some("check-code"));
        assert_eq!(site.agent.quick_replies[0].action.as_deref(), Some("status-page"));
        assert_eq!(
            site.action("run-check").unwrap().button().unwrap().target,
            crate::form::ButtonTarget::Run("send-code".into())
        );
        // A POST that only reads may say so; without a word, a POST is a write.
        assert_eq!(site.action("send-code").unwrap().http().unwrap().scope, crate::action::Scope::Write);

        // The kind counts: a quick reply names a button action, not an http one.
        let wrong_kind = fixed.replace("action = \"Status Page\"", "action = \"send-code\"");
        let errors = SiteBundle::from_dir_files(&wrong_kind, &[], &actions).unwrap_err();
        assert!(errors[0].message.starts_with("no button action called \"send-code\""), "{}", errors[0]);
    }

    #[test]
    fn an_identity_action_sending_values_no_signature_covers_is_warned_of() {
        let action = r#"{"name":"Plan Upgrade","type":"http","method":"POST","scope":"write",
            "url":"https://api.example.com/upgrade/{{conversation.user_id}}","requires_verified_identity":true,
            "body":{"plan":"{{conversation.attributes.plan}}","name":"{{lead.name}}"}}"#;
        let files = [("actions/upgrade.json".to_string(), action.to_string())];
        let agent = format!("{AGENT}\n[actions]\nallowed_hosts = [\"api.example.com\"]\n");
        let warnings = SiteBundle::from_dir_files(&agent, &[], &files).unwrap().warnings();
        assert_eq!(warnings.len(), 1);
        let message = &warnings[0].message;
        assert!(message.contains("{{conversation.attributes.plan}}") && message.contains("{{lead.name}}"), "{message}");
        let jwt = format!("{agent}[identity]\nmethod = \"jwt\"\n");
        let warnings = SiteBundle::from_dir_files(&jwt, &[], &files).unwrap().warnings();
        assert!(!warnings[0].message.contains("lead.name"), "a JWT signs the name: {}", warnings[0].message);
        let plain = action.replace(r#""requires_verified_identity":true,"#, "");
        let files = [("actions/upgrade.json".to_string(), plain)];
        assert!(SiteBundle::from_dir_files(&agent, &[], &files).unwrap().warnings().is_empty());
    }

    #[test]
    fn a_webhook_secret_signs_nothing_else() {
        for reused in ["IDENTITY_SECRET", "ADMIN_TOKEN", "API_KEY"] {
            let agent = format!(
                "{AGENT}\n[actions]\nallowed_hosts = [\"hooks.example.com\"]\nsecrets = [\"API_KEY\"]\n\
                 [handoff]\n[handoff.webhook]\nurl = \"https://hooks.example.com/x\"\nsecret = \"{reused}\"\n"
            );
            let errors = SiteBundle::from_dir_files(&agent, &[], &[]).unwrap_err();
            assert_eq!(errors[0].field.as_deref(), Some("handoff.webhook.secret"), "{reused}: {errors:?}");
            assert!(errors[0].message.contains("of its own"), "{}", errors[0]);
            let own = agent.replace(&format!("secret = \"{reused}\""), "secret = \"HOOK_SECRET\"");
            assert!(SiteBundle::from_dir_files(&own, &[], &[]).is_ok());
        }
    }

    #[test]
    fn origins() {
        assert!(is_origin("https://example.com"));
        assert!(is_origin("http://127.0.0.1:8787"));
        assert!(!is_origin("https://example.com/path"));
        assert!(!is_origin("example.com"));
        assert!(!is_origin("http://h:0"));
    }
}
