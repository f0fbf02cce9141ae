//! Custom action definitions (`actions/*.json` in the site directory): parsed once, validated with
//! errors that name the file, the action and the field, and trusted afterwards.

use crate::template::{Template, TemplateVar};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// HTTP method of an `http` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Whether repeating the request is harmless (GET, PUT, DELETE), so the edge may retry it.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Self::Get | Self::Put | Self::Delete)
    }
}

/// Whether an action only reads or also changes something.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reads only (default for GET).
    #[default]
    Read,
    /// Changes something on the owner's side.
    Write,
}

/// How the edge authenticates to the owner's API. Credentials always come from secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthDef {
    /// `Authorization: Bearer <token>`
    Bearer {
        /// e.g. `{{secrets.API_TOKEN}}`
        token: String,
    },
    /// `Authorization: Basic base64(user:password)`
    Basic {
        /// User name (may be a template).
        username: String,
        /// Password, e.g. `{{secrets.API_PASSWORD}}`.
        password: String,
    },
    /// An API key in a header or query parameter.
    ApiKey {
        /// Header or parameter name.
        name: String,
        /// The key, e.g. `{{secrets.API_KEY}}`.
        value: String,
        /// `header` (default) or `query`.
        #[serde(default)]
        location: KeyLocation,
    },
    /// OAuth2 client credentials: the edge fetches a token, caches it, and refreshes it once on a 401.
    TokenEndpoint {
        /// Token URL (POSTed with `grant_type=client_credentials`).
        url: String,
        /// Client id (may be a template).
        client_id: String,
        /// Client secret, e.g. `{{secrets.CLIENT_SECRET}}`.
        client_secret: String,
        /// Optional scope.
        #[serde(default)]
        scope: Option<String>,
    },
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyLocation {
    /// A request header.
    #[default]
    Header,
    /// A query parameter.
    Query,
}

pub use crate::format::InputFormat;
pub use crate::input::{validate_input, InputDef};

/// What to do with the response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDef {
    /// What a successful answer looks like beyond a 2xx status, e.g. `{"path": "verified",
    /// "equals": true}`; a 2xx whose body fails it is a failed run. Required for `verifies` actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_when: Option<crate::condition::SuccessWhen>,
    /// When a successful answer needs a human, e.g. `{"path": "amount", "greater_than": 10000}`:
    /// the visitor sees the result, and the conversation is handed off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_when: Option<crate::condition::HandoffWhen>,
    /// Dotted paths of the fields passed on (all, if empty).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Reply to the visitor, e.g. "Your deposit of {{response.amount}} {{response.asset}} is {{response.status}}."
    #[serde(default)]
    pub reply: Option<String>,
}

/// Per-action rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Most runs per conversation per hour.
    #[serde(default = "default_per_conversation")]
    pub per_conversation_per_hour: u32,
    /// Most runs of this action per hour, all conversations together.
    #[serde(default = "default_per_action")]
    pub per_hour: u32,
}

fn default_per_conversation() -> u32 {
    10
}

fn default_per_action() -> u32 {
    1000
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { per_conversation_per_hour: default_per_conversation(), per_hour: default_per_action() }
    }
}

/// One action of the site, typed by what it does. Parsed from the owner's file (`ActionFile`, the
/// plain form accepted verbatim), checked once, and read without re-checking afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ActionFile", into = "ActionFile")]
pub struct ActionDef {
    /// Display name, unique in the site.
    pub name: String,
    /// The name as a slug, computed once: how the API, references and the store name it.
    pub slug: Slug,
    /// When to use it (the agent chooses actions by it).
    pub description: Option<String>,
    /// When not to use it: kept for the owner (admin API) and for a language-model engine's tool
    /// description; the built-in engine starts actions only on distinctive values or clear intent.
    pub when_not_to_use: Option<String>,
    /// Disabled actions are never offered or run.
    pub enabled: bool,
    /// Run only by forms and buttons: the agent never starts it from a message.
    pub internal: bool,
    /// What it does.
    pub kind: ActionKind,
}

/// What an action does.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// An HTTP call to the owner's API, made by the edge.
    Http(Box<HttpAction>),
    /// An in-chat form (drawn by the widget).
    Form(crate::form::FormDef),
    /// An action button (drawn by the widget).
    Button(crate::form::ButtonDef),
}

impl ActionKind {
    /// `http`, `form` or `button`, as the owner writes `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Http(_) => "http",
            Self::Form(_) => "form",
            Self::Button(_) => "button",
        }
    }
}

/// An HTTP call: everything the edge needs to render, guard and run it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAction {
    /// HTTP method.
    pub method: HttpMethod,
    /// URL template.
    pub url: String,
    /// Header templates.
    pub headers: BTreeMap<String, String>,
    /// Body: a JSON value whose strings are templates; sent form-encoded when `body_format` is `form`.
    pub body: Option<serde_json::Value>,
    /// `json` (default) or `form`.
    pub body_format: BodyFormat,
    /// Authentication.
    pub auth: Option<AuthDef>,
    /// Per-attempt timeout.
    pub timeout_ms: Option<u32>,
    /// Extra attempts after a failure (idempotent methods only).
    pub retries: Option<u8>,
    /// Values to collect from the visitor first.
    pub inputs: Vec<InputDef>,
    /// What to pass on from the response.
    pub response: ResponseDef,
    /// Declared, or `read` for GET and `write` otherwise.
    pub scope: Scope,
    /// Ask the visitor to confirm before running (write actions).
    pub confirm: bool,
    /// Variables that must have a value before the action may run, e.g. `lead.email`.
    pub requires: Vec<TemplateVar>,
    /// Runs only once the conversation is verified by a `verifies` action.
    pub requires_verification: bool,
    /// A successful run marks the conversation as verified (e.g. "check one-time code").
    pub verifies: bool,
    /// Runs only for a visitor whose identity the host page signed.
    pub requires_verified_identity: bool,
    /// Rate limits.
    pub rate_limit: RateLimit,
    /// Every variable the templates use, read once when the action is read (not written back to
    /// its file form): [`ActionDef::uses`] asks this on every message, and parsing every template
    /// each time was the old cost.
    pub variables: Vec<TemplateVar>,
}

/// An action's slug: lower case, words joined by '-' (`Reset 2FA` → `reset-2fa`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// The slug of a name.
    pub fn of(name: &str) -> Self {
        Self(slugify(name))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Slug {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Slug {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Slug {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Slug {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

/// `type` as the owner writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindName {
    Http,
    Form,
    Button,
}

/// One action as the owner writes it (`actions/*.json`): the plain form (`name`, `type`,
/// `method`, `url`, `headers`, `when_not_to_use`) accepted verbatim, everything else optional.
/// Only the fields of its `type` may appear.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionFile {
    name: String,
    #[serde(rename = "type")]
    kind: KindName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    when_not_to_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<HttpMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_format: Option<BodyFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth: Option<AuthDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retries: Option<u8>,
    #[serde(default, deserialize_with = "crate::input::inputs_list_or_map", skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<InputDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response: Option<ResponseDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<Scope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confirm: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requires_verification: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verifies: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requires_verified_identity: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_limit: Option<RateLimit>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    internal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    form: Option<crate::form::FormDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    button: Option<crate::form::ButtonDef>,
}

impl TryFrom<ActionFile> for ActionDef {
    type Error = String;

    fn try_from(f: ActionFile) -> Result<Self, String> {
        let only = |present: bool, field: &str, kind: &str| {
            if present {
                Err(format!("\"{field}\" is only for {kind} actions (this one is \"{:?}\")", f.kind).to_lowercase())
            } else {
                Ok(())
            }
        };
        if f.kind != KindName::Http {
            let http_fields = [
                (f.method.is_some(), "method"),
                (f.url.is_some(), "url"),
                (!f.headers.is_empty(), "headers"),
                (f.body.is_some(), "body"),
                (f.body_format.is_some(), "body_format"),
                (f.auth.is_some(), "auth"),
                (f.timeout_ms.is_some(), "timeout_ms"),
                (f.retries.is_some(), "retries"),
                (!f.inputs.is_empty(), "inputs"),
                (f.response.is_some(), "response"),
                (f.scope.is_some(), "scope"),
                (f.confirm.is_some(), "confirm"),
                (f.requires_verification.is_some(), "requires_verification"),
                (f.verifies.is_some(), "verifies"),
                (f.requires_verified_identity.is_some(), "requires_verified_identity"),
                (!f.requires.is_empty(), "requires"),
                (f.rate_limit.is_some(), "rate_limit"),
            ];
            for (present, field) in http_fields {
                only(present, field, "http")?;
            }
        }
        if f.kind != KindName::Form {
            only(f.form.is_some(), "form", "form")?;
        }
        if f.kind != KindName::Button {
            only(f.button.is_some(), "button", "button")?;
        }
        let kind = match f.kind {
            KindName::Form => ActionKind::Form(f.form.ok_or("a form action needs \"form\": {\"title\", \"fields\"}")?),
            KindName::Button => {
                ActionKind::Button(f.button.ok_or("a button action needs \"button\": {\"label\", \"url\" or \"run\"}")?)
            }
            KindName::Http => {
                let method =
                    f.method.ok_or("\"method\" is required for http actions (GET, POST, PUT, PATCH or DELETE)")?;
                let requires = f
                    .requires
                    .iter()
                    .map(|r| TemplateVar::parse(r).map_err(|_| format!("requires: {r:?} is not a template variable")))
                    .collect::<Result<Vec<_>, _>>()?;
                ActionKind::Http(Box::new(HttpAction {
                    method,
                    url: f.url.ok_or("\"url\" is required for http actions")?,
                    headers: f.headers,
                    body: f.body,
                    body_format: f.body_format.unwrap_or_default(),
                    auth: f.auth,
                    timeout_ms: f.timeout_ms,
                    retries: f.retries,
                    inputs: f.inputs,
                    response: f.response.unwrap_or_default(),
                    scope: f.scope.unwrap_or(if method == HttpMethod::Get { Scope::Read } else { Scope::Write }),
                    confirm: f.confirm.unwrap_or(false),
                    requires,
                    requires_verification: f.requires_verification.unwrap_or(false),
                    verifies: f.verifies.unwrap_or(false),
                    requires_verified_identity: f.requires_verified_identity.unwrap_or(false),
                    rate_limit: f.rate_limit.unwrap_or_default(),
                    variables: Vec::new(),
                }))
            }
        };
        let mut def = ActionDef {
            slug: Slug::of(&f.name),
            name: f.name,
            description: f.description,
            when_not_to_use: f.when_not_to_use,
            enabled: f.enabled,
            internal: f.internal,
            kind,
        };
        let mut variables: Vec<TemplateVar> = def
            .templates()
            .iter()
            .filter_map(|(_, text)| Template::parse(text).ok())
            .flat_map(|t| t.variables().cloned().collect::<Vec<_>>())
            .collect();
        variables.sort();
        variables.dedup();
        if let ActionKind::Http(h) = &mut def.kind {
            h.variables = variables;
        }
        Ok(def)
    }
}

impl From<ActionDef> for ActionFile {
    fn from(a: ActionDef) -> Self {
        let mut f = ActionFile {
            name: a.name,
            kind: KindName::Http,
            description: a.description,
            when_not_to_use: a.when_not_to_use,
            method: None,
            url: None,
            headers: BTreeMap::new(),
            body: None,
            body_format: None,
            auth: None,
            timeout_ms: None,
            retries: None,
            inputs: Vec::new(),
            response: None,
            scope: None,
            confirm: None,
            requires_verification: None,
            verifies: None,
            requires_verified_identity: None,
            requires: Vec::new(),
            rate_limit: None,
            enabled: a.enabled,
            internal: a.internal,
            form: None,
            button: None,
        };
        match a.kind {
            ActionKind::Form(form) => {
                f.kind = KindName::Form;
                f.form = Some(form);
            }
            ActionKind::Button(button) => {
                f.kind = KindName::Button;
                f.button = Some(button);
            }
            ActionKind::Http(h) => {
                f.method = Some(h.method);
                f.url = Some(h.url);
                f.headers = h.headers;
                f.body = h.body;
                f.body_format = Some(h.body_format);
                f.auth = h.auth;
                f.timeout_ms = h.timeout_ms;
                f.retries = h.retries;
                f.inputs = h.inputs;
                f.response = Some(h.response);
                f.scope = Some(h.scope);
                f.confirm = Some(h.confirm);
                f.requires = h.requires.iter().map(ToString::to_string).collect();
                f.requires_verification = Some(h.requires_verification);
                f.verifies = Some(h.verifies);
                f.requires_verified_identity = Some(h.requires_verified_identity);
                f.rate_limit = Some(h.rate_limit);
            }
        }
        f
    }
}

fn yes() -> bool {
    true
}

/// A name as a slug: lower case, words joined by '-' (`Reset 2FA` → `reset-2fa`).
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for w in name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_lowercase());
    }
    out
}

/// Body encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// `application/json`
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`
    Form,
}

/// A problem in an action definition: the action and the field to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionProblem {
    /// The action's name (or `?` when it has none).
    pub action: String,
    /// The field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ActionDef {
    /// Parses one action from JSON.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The HTTP call, for an http action.
    pub fn http(&self) -> Option<&HttpAction> {
        match &self.kind {
            ActionKind::Http(h) => Some(h),
            _ => None,
        }
    }

    /// The form, for a form action.
    pub fn form(&self) -> Option<&crate::form::FormDef> {
        match &self.kind {
            ActionKind::Form(f) => Some(f),
            _ => None,
        }
    }

    /// The button, for a button action.
    pub fn button(&self) -> Option<&crate::form::ButtonDef> {
        match &self.kind {
            ActionKind::Button(b) => Some(b),
            _ => None,
        }
    }

    /// The values the agent collects before a call (none for forms and buttons).
    pub fn inputs(&self) -> &[InputDef] {
        self.http().map_or(&[], |h| h.inputs.as_slice())
    }

    /// Whether a template or a `requires` entry of this action uses `var`.
    pub fn uses(&self, var: &TemplateVar) -> bool {
        self.http().is_some_and(|h| h.requires.contains(var) || h.variables.contains(var))
    }

    /// Every template string with the field it sits in.
    pub fn templates(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(h) = self.http() else { return out };
        out.push(("url".to_string(), h.url.clone()));
        for (k, v) in &h.headers {
            out.push((format!("headers.{k}"), v.clone()));
        }
        if let Some(b) = &h.body {
            collect_strings(b, "body", &mut out);
        }
        match &h.auth {
            Some(AuthDef::Bearer { token }) => out.push(("auth.token".into(), token.clone())),
            Some(AuthDef::Basic { username, password }) => {
                out.push(("auth.username".into(), username.clone()));
                out.push(("auth.password".into(), password.clone()));
            }
            Some(AuthDef::ApiKey { value, .. }) => out.push(("auth.value".into(), value.clone())),
            Some(AuthDef::TokenEndpoint { url, client_id, client_secret, scope }) => {
                out.push(("auth.url".into(), url.clone()));
                out.push(("auth.client_id".into(), client_id.clone()));
                out.push(("auth.client_secret".into(), client_secret.clone()));
                if let Some(s) = scope {
                    out.push(("auth.scope".into(), s.clone()));
                }
            }
            None => {}
        }
        if let Some(reply) = &h.response.reply {
            out.push(("response.reply".into(), reply.clone()));
        }
        out
    }

    /// Every problem with this definition, given the secrets that exist.
    pub fn problems(&self, known_secrets: &[String]) -> Vec<ActionProblem> {
        let action = if self.name.trim().is_empty() { "?".to_string() } else { self.name.clone() };
        let mut out = Vec::new();
        let mut bad = |field: &str, message: String| {
            out.push(ActionProblem { action: action.clone(), field: field.into(), message })
        };
        if self.name.trim().is_empty() || self.name.chars().count() > 80 {
            bad("name", "must be 1–80 characters".into());
        }
        let input_names: Vec<&str> = self.inputs().iter().map(|i| i.name.as_str()).collect();
        for (i, input) in self.inputs().iter().enumerate() {
            if input.name.is_empty() || !input.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                bad(&format!("inputs[{i}].name"), format!("{:?} must be letters, digits and '_'", input.name));
            }
            if input_names.iter().filter(|n| **n == input.name).count() > 1 {
                bad(&format!("inputs[{i}].name"), format!("{:?} is declared twice", input.name));
            }
            let at = |k: &str| format!("inputs.{}.{k}", input.name);
            if !input.options.is_empty() && (input.pattern.is_some() || input.format != InputFormat::Text) {
                bad(&at("options"), "a closed set of options needs no format or pattern: give one or the other".into());
            }
            if input.length.is_some() && input.format != InputFormat::Otp {
                bad(&at("length"), "only a one-time code (\"format\": \"otp\") has a length".into());
            }
            if input.length.is_some_and(|n| !(4..=10).contains(&n)) {
                bad(&at("length"), "a one-time code has 4 to 10 digits".into());
            }
            if input.pattern_hint.is_some() && input.pattern.is_none() {
                bad(&at("pattern_hint"), "describes a \"pattern\", and there is none".into());
            }
            for (n, example) in input.examples.iter().enumerate() {
                if let Err(e) = input.rule().check(example) {
                    bad(&format!("inputs.{}.examples[{n}]", input.name), format!("{example:?} is refused: {e}"));
                }
            }
        }
        match &self.kind {
            ActionKind::Form(form) => {
                for (field, message) in form.problems() {
                    bad(&field, message);
                }
            }
            ActionKind::Button(button) => {
                for (field, message) in button.problems() {
                    bad(&field, message);
                }
            }
            ActionKind::Http(h) => {
                let url = &h.url;
                let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
                let authority_end = url
                    .find("://")
                    .map(|i| i + 3)
                    .and_then(|s| url[s..].find(['/', '?', '#']).map(|e| s + e).or(Some(url.len())));
                if !scheme_ok {
                    bad("url", format!("{url:?} must start with https:// or http://"));
                } else if authority_end.is_some_and(|end| url[..end].contains("{{")) {
                    bad("url", "template variables may not appear in the scheme or host".into());
                }
                if h.body.is_some() && h.method == HttpMethod::Get {
                    bad("body", "a GET request has no body".into());
                }
                match h.retries {
                    Some(n) if n > 0 && !h.method.is_idempotent() => bad(
                        "retries",
                        format!(
                            "a {} is never retried (it could act twice); only GET, PUT and DELETE are",
                            h.method.as_str()
                        ),
                    ),
                    Some(n) if n > 3 => bad("retries", "at most 3".into()),
                    _ => {}
                }
                if h.confirm && h.scope != Scope::Write {
                    bad("confirm", "only write actions ask for confirmation".into());
                }
                if h.requires_verification && h.verifies {
                    bad("requires_verification", "an action cannot both require and grant verification".into());
                }
                let success_when = h.response.success_when.as_ref();
                if h.verifies && success_when.is_some_and(|w| !w.names_a_yes()) {
                    bad(
                        "response.success_when",
                        "a \"verifies\" action's condition must name the answer that means yes with \"equals\" or \"in\" \
                         (\"exists\" and \"not_equals\" also hold for {\"verified\": false})"
                            .into(),
                    );
                }
                if h.verifies && !self.uses(&TemplateVar::LeadEmail) && !self.uses(&TemplateVar::ConversationUserId) {
                    // The verification is recorded for the email and user id: the owner's API must check
                    // the code against one of them, or a code sent elsewhere could verify this address.
                    bad(
                        "verifies",
                        "a \"verifies\" action must send {{lead.email}} or {{conversation.user_id}}, so your API \
                         checks the code for the account being verified"
                            .into(),
                    );
                }
                if h.verifies && success_when.is_none() {
                    // Many APIs answer a wrong code with 200 {"verified": false}: the status alone proves nothing.
                    bad(
                        "response.success_when",
                        "a \"verifies\" action must say which answer means the code was right, e.g. \
                         \"response\": {\"success_when\": {\"path\": \"verified\", \"equals\": true}}"
                            .into(),
                    );
                }
            }
        }
        for (field, text) in self.templates() {
            let template = match Template::parse(&text) {
                Ok(t) => t,
                Err(e) => {
                    bad(&field, e.to_string());
                    continue;
                }
            };
            for var in template.variables() {
                match var {
                    TemplateVar::Input(n) if !input_names.contains(&n.as_str()) => bad(
                        &field,
                        format!("{{{{inputs.{n}}}}} is not declared in \"inputs\" (declared: {})", list(&input_names)),
                    ),
                    TemplateVar::Secret(n) => {
                        let secret_ok =
                            field.starts_with("headers.") || field.starts_with("auth.") || field.starts_with("body");
                        if !secret_ok {
                            bad(&field, format!("{{{{secrets.{n}}}}} may only be used in headers, auth and body"));
                        } else if !known_secrets.iter().any(|s| s == n) {
                            bad(
                                &field,
                                format!(
                                    "secret {n} is not set (add it to .dev.vars locally, or `wrangler secret put {n}`)"
                                ),
                            );
                        }
                    }
                    TemplateVar::Response(_) if field != "response.reply" => {
                        bad(&field, "{{response.…}} may only be used in response.reply".into())
                    }
                    // The reply is written from the API's answer alone (`render_reply` at the edge);
                    // any other variable would leave it unwritten at run time.
                    other if field == "response.reply" && !matches!(other, TemplateVar::Response(_)) => bad(
                        &field,
                        format!("{{{{{other}}}}}: a reply may use only the API's answer, {{{{response.…}}}} values"),
                    ),
                    _ => {}
                }
            }
        }
        out
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn collect_strings(v: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::String(s) => out.push((path.to_string(), s.clone())),
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_strings(x, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                collect_strings(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

pub use crate::format::is_email;

/// How a format is called in messages to the visitor.
pub fn format_name(f: InputFormat) -> &'static str {
    f.name()
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_shapes() {
        use super::is_email;
        assert!(is_email("ana@example.com"));
        assert!(!is_email("ana@example"));
        assert!(!is_email("ana example.com"));
        assert!(!is_email("@example.com"));
        assert!(!is_email("a@b@c.com"));
        assert!(!is_email("a@.example.com"));
    }

    use super::*;

    const PLAIN: &str = r#"{"name": "Get Customer Account", "type": "http", "method": "GET",
       "url": "https://api.example.com/customers?email={{lead.email}}",
       "headers": {"Authorization": "Bearer {{secrets.EXCHANGE_API_KEY}}", "Content-Type": "application/json"},
       "when_not_to_use": "Do not use this action if the customer has not provided their email address."}"#;

    #[test]
    fn the_plain_form_is_accepted_verbatim() {
        let a = ActionDef::from_json(PLAIN).unwrap();
        let h = a.http().unwrap();
        assert_eq!(h.method, HttpMethod::Get);
        assert_eq!(h.scope, Scope::Read);
        assert_eq!(a.slug, "get-customer-account");
        assert_eq!(
            a.when_not_to_use.as_deref(),
            Some("Do not use this action if the customer has not provided their email address.")
        );
        assert!(a.enabled);
        assert!(a.problems(&["EXCHANGE_API_KEY".into()]).is_empty());
    }

    #[test]
    fn problems_name_the_field() {
        let a = ActionDef::from_json(PLAIN).unwrap();
        let p = a.problems(&[]);
        assert_eq!(p[0].field, "headers.Authorization");
        assert!(p[0].message.contains("secret EXCHANGE_API_KEY is not set"), "{}", p[0].message);

        let w = ActionDef::from_json(&PLAIN.replace(r#""method": "GET""#, r#""method": "POST""#).replace(
            "https://api.example.com/customers?email={{lead.email}}",
            "https://{{inputs.host}}/x?q={{secrets.EXCHANGE_API_KEY}}&p={{lead.phone}}",
        ))
        .unwrap();
        let fields: Vec<String> = w
            .problems(&["EXCHANGE_API_KEY".into()])
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        assert!(fields.iter().any(|f| f.starts_with("url: unknown template variable {{lead.phone}}")), "{fields:?}");
        assert!(!fields.iter().any(|f| f.starts_with("scope")), "a POST defaults to write: {fields:?}");
        assert_eq!(w.http().unwrap().scope, Scope::Write);
        let read = ActionDef::from_json(&PLAIN.replace(r#""method": "GET""#, r#""method": "POST", "scope": "read""#));
        assert_eq!(
            read.unwrap().http().unwrap().scope,
            Scope::Read,
            "a POST that only reads (search, validate) may say so"
        );
    }

    #[test]
    fn secrets_only_in_headers_auth_and_body_and_hosts_are_fixed() {
        let mut a = ActionDef::from_json(PLAIN).unwrap();
        let ActionKind::Http(h) = &mut a.kind else { panic!() };
        h.url = "https://api.example.com/x?k={{secrets.EXCHANGE_API_KEY}}".into();
        let p = a.problems(&["EXCHANGE_API_KEY".into()]);
        assert!(p.iter().any(|p| p.field == "url" && p.message.contains("may only be used in headers")));
        let ActionKind::Http(h) = &mut a.kind else { panic!() };
        h.url = "https://api.{{inputs.x}}.example.com/".into();
        h.inputs.push(InputDef::new("x", InputFormat::Text));
        let p = a.problems(&["EXCHANGE_API_KEY".into()]);
        assert!(p.iter().any(|p| p.field == "url" && p.message.contains("scheme or host")), "{p:?}");
    }

    #[test]
    fn a_verifies_action_must_say_what_success_looks_like() {
        let check = r#"{"name":"Check Code","type":"http","method":"POST","scope":"write",
            "url":"https://api.example.com/otp","body":{"email":"{{lead.email}}"},"verifies":true,"response":{"reply":"ok"}}"#;
        let p = ActionDef::from_json(check).unwrap().problems(&[]);
        assert!(
            p.iter().any(|p| p.field == "response.success_when" && p.message.contains("\"equals\": true")),
            "{p:?}"
        );
        let fixed =
            check.replace(r#""reply":"ok""#, r#""reply":"ok","success_when":{"path":"verified","equals":true}"#);
        assert!(ActionDef::from_json(&fixed).unwrap().problems(&[]).is_empty());
        let typo = check.replace(r#""reply":"ok""#, r#""success_when":{"path":"verified","equal":true}"#);
        assert!(ActionDef::from_json(&typo).unwrap_err().contains("unknown field \"equal\""));
        let weak = check.replace(r#""reply":"ok""#, r#""success_when":{"path":"verified","exists":true}"#);
        let p = ActionDef::from_json(&weak).unwrap().problems(&[]);
        assert!(
            p.iter().any(|p| p.field == "response.success_when" && p.message.contains("\"equals\" or \"in\"")),
            "{p:?}"
        );
        let unbound = fixed.replace(r#""body":{"email":"{{lead.email}}"},"#, "");
        let p = ActionDef::from_json(&unbound).unwrap().problems(&[]);
        assert!(p.iter().any(|p| p.field == "verifies" && p.message.contains("{{lead.email}}")), "{p:?}");
    }

    #[test]
    fn each_kind_takes_only_its_own_fields() {
        let e = ActionDef::from_json(
            r#"{"name":"x","type":"button","button":{"label":"Go","url":"https://x.example"},"method":"GET"}"#,
        );
        assert_eq!(e.unwrap_err(), "\"method\" is only for http actions (this one is \"button\")");
        let e = ActionDef::from_json(r#"{"name":"x","type":"http","url":"https://x.example"}"#).unwrap_err();
        assert!(e.starts_with("\"method\" is required for http actions"), "{e}");
        let e = ActionDef::from_json(r#"{"name":"x","type":"form"}"#).unwrap_err();
        assert!(e.starts_with("a form action needs"), "{e}");
        let e = ActionDef::from_json(
            r#"{"name":"x","type":"http","method":"GET","url":"https://x.example","requires":["lead.phone"]}"#,
        );
        assert!(e.unwrap_err().contains("\"lead.phone\" is not a template variable"));
    }

    #[test]
    fn the_typed_form_reads_back_as_the_owner_wrote_it() {
        for text in [PLAIN, r#"{"name":"Docs","type":"button","button":{"label":"Open","url":"https://x.example"}}"#] {
            let a = ActionDef::from_json(text).unwrap();
            assert_eq!(ActionDef::from_json(&serde_json::to_string(&a).unwrap()).unwrap(), a);
        }
    }

    #[test]
    fn only_requests_that_cannot_act_twice_are_retried() {
        let post =
            ActionDef::from_json(r#"{"name":"x","type":"http","method":"POST","url":"https://x.example","retries":2}"#);
        assert_eq!(post.unwrap().problems(&[])[0].field, "retries");
        let get =
            ActionDef::from_json(r#"{"name":"x","type":"http","method":"GET","url":"https://x.example","retries":9}"#);
        assert_eq!(get.unwrap().problems(&[])[0].message, "at most 3");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(ActionDef::from_json(r#"{"name":"x","type":"http","methd":"GET"}"#).unwrap_err().contains("methd"));
    }

    #[test]
    fn inputs_may_be_a_json_schema_map_in_the_order_written() {
        let a = ActionDef::from_json(
            r#"{"name":"Find Withdrawal","type":"http","method":"GET","url":"https://api.example.com/w/{{inputs.ref}}?a={{inputs.asset}}&n={{inputs.amount}}",
                "inputs": {
                  "ref": {"type": "string", "pattern": "^WD-[0-9]{8}-[0-9]{4}$", "pattern_hint": "WD-, 8 digits, a dash and 4 digits",
                          "examples": ["WD-20261120-0042"], "description": "the withdrawal reference"},
                  "asset": {"type": "string", "enum": ["BTC", "ETH"], "required": false},
                  "amount": {"type": "number"}
                }}"#,
        )
        .unwrap();
        let names: Vec<&str> = a.inputs().iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["ref", "asset", "amount"]);
        assert_eq!(a.inputs()[1].options, ["BTC", "ETH"]);
        assert!(!a.inputs()[1].required);
        assert_eq!(a.inputs()[2].format, InputFormat::Number);
        assert!(a.problems(&[]).is_empty(), "{:?}", a.problems(&[]));
        assert_eq!(
            validate_input(&a.inputs()[0], "WD-1").unwrap_err(),
            "\"WD-1\" is not a valid WD-, 8 digits, a dash and 4 digits"
        );
        assert_eq!(validate_input(&a.inputs()[1], "eth").unwrap(), "ETH");
        // The bundle keeps the list form; it reads back the same.
        let back = ActionDef::from_json(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn input_definitions_are_checked_when_the_site_is_built() {
        let with = |inputs: &str| {
            ActionDef::from_json(&format!(
                r#"{{"name":"X","type":"http","method":"GET","url":"https://api.example.com/{{{{inputs.v}}}}","inputs":{inputs}}}"#
            ))
        };
        let e = with(r#"{"v": {"type": "string", "pattern": "(a+)+"}}"#).unwrap_err();
        assert!(e.contains("exponential"), "{e}");
        let e = with(r#"{"v": {"type": "string", "patern": "x"}}"#).unwrap_err();
        assert!(e.contains("unknown field `patern`"), "{e}");
        let e = with(r#"{"v": {"type": "boolean"}}"#).unwrap_err();
        assert!(e.contains("boolean"), "{e}");
        let e = with(r#"{"v": {"type": "number", "format": "email"}}"#).unwrap_err();
        assert!(e.contains("a number has no format"), "{e}");
        let problems = |inputs: &str| -> Vec<String> {
            with(inputs).unwrap().problems(&[]).into_iter().map(|p| format!("{}: {}", p.field, p.message)).collect()
        };
        let p = problems(r#"{"v": {"pattern": "ORD-\\d{5,}", "examples": ["ORD-123"]}}"#);
        assert!(p[0].starts_with("inputs.v.examples[0]: \"ORD-123\" is refused"), "{p:?}");
        let p = problems(r#"{"v": {"format": "email", "length": 6}}"#);
        assert!(p[0].starts_with("inputs.v.length"), "{p:?}");
        let p = problems(r#"{"v": {"enum": ["a"], "pattern": "a"}}"#);
        assert!(p[0].starts_with("inputs.v.options"), "{p:?}");
        let p = problems(r#"[{"name": "v", "format": "otp", "length": 6}]"#);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn input_formats() {
        let input = |format| InputDef::new("v", format);
        let tx = format!("0x{}", "ab".repeat(32));
        assert!(validate_input(&input(InputFormat::TxHash), &tx).is_ok());
        assert!(validate_input(&input(InputFormat::TxHash), "0x123").is_err());
        assert!(validate_input(&input(InputFormat::EthAddress), "0x52908400098527886E0F7030069857D2E4169EE7").is_ok());
        assert!(validate_input(&input(InputFormat::BtcAddress), "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq").is_ok());
        assert!(validate_input(&input(InputFormat::WalletAddress), "hello").is_err());
        assert!(validate_input(&input(InputFormat::Otp), " 482913 ").unwrap() == "482913");
        assert!(validate_input(&input(InputFormat::Email), "a@b").is_err());
    }
}
