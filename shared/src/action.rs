//! Custom action definitions (`actions/*.json` in the site directory): parsed once, validated with
//! errors that name the file, the action and the field, and trusted afterwards.

use crate::template::{Template, TemplateVar};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// An HTTP call to the owner's API, made by the edge.
    Http,
    /// An in-chat form (drawn by the widget).
    Form,
    /// An action button (drawn by the widget).
    Button,
}

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
use crate::format::{ValueError, ValueRule};
use crate::pattern::Pattern;

/// A value the agent must collect from the visitor before calling. Written as a list entry with a
/// `name`, or as a map keyed by name in the JSON-Schema style (`"inputs": {"order": {"type":
/// "string", "pattern": "^ORD-\\d{5,}$"}}`): the same subset later describes LLM tools.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputDef {
    /// Name used as `{{inputs.NAME}}`.
    pub name: String,
    /// What to ask the visitor for, e.g. "the transaction hash".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Expected shape.
    #[serde(default)]
    pub format: InputFormat,
    /// The owner's own pattern the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// What a valid value looks like, in the visitor's words (used when asking and when refusing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint: Option<String>,
    /// A closed set of values (`enum`), found in a message by name ("BTC").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Example values (each must be valid; shown when asking).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// A one-time code's exact number of digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u8>,
    /// Whether the call cannot happen without it (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// Longest accepted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
}

impl InputDef {
    /// A required input of a format, with nothing else declared.
    pub fn new(name: &str, format: InputFormat) -> Self {
        Self {
            name: name.into(),
            description: None,
            format,
            pattern: None,
            pattern_hint: None,
            options: Vec::new(),
            examples: Vec::new(),
            length: None,
            required: true,
            max_length: None,
        }
    }

    /// What a value of this input is checked against.
    pub fn rule(&self) -> ValueRule<'_> {
        ValueRule {
            format: self.format,
            pattern: self.pattern.as_ref(),
            hint: self.pattern_hint.as_deref(),
            options: &self.options,
            length: self.length,
            max_length: self.max_length.unwrap_or(500),
        }
    }

    /// How the agent names it to the visitor: the description, else the name in words.
    pub fn what(&self) -> String {
        self.description.clone().unwrap_or_else(|| self.name.replace('_', " "))
    }
}

/// The JSON-Schema `type` of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SchemaType {
    String,
    Number,
    Integer,
}

/// One input as written, in either form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputSpec {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    schema_type: Option<SchemaType>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    format: Option<InputFormat>,
    #[serde(default)]
    pattern: Option<Pattern>,
    #[serde(default)]
    pattern_hint: Option<String>,
    #[serde(default, alias = "enum")]
    options: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    length: Option<u8>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default, alias = "maxLength")]
    max_length: Option<usize>,
}

impl InputSpec {
    fn into_def(self, name: String) -> Result<InputDef, String> {
        let format = match (self.schema_type, self.format) {
            (Some(SchemaType::Number), None | Some(InputFormat::Number)) => InputFormat::Number,
            (Some(SchemaType::Integer), None | Some(InputFormat::Integer)) => InputFormat::Integer,
            (Some(SchemaType::Number | SchemaType::Integer), Some(f)) => {
                return Err(format!("input {name:?}: a number has no format {f:?}; use \"type\": \"string\""))
            }
            (_, f) => f.unwrap_or_default(),
        };
        Ok(InputDef {
            name,
            description: self.description,
            format,
            pattern: self.pattern,
            pattern_hint: self.pattern_hint,
            options: self.options,
            examples: self.examples,
            length: self.length,
            required: self.required,
            max_length: self.max_length,
        })
    }
}

impl<'de> Deserialize<'de> for InputDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spec = InputSpec::deserialize(d)?;
        let name = spec.name.clone().ok_or_else(|| serde::de::Error::missing_field("name"))?;
        spec.into_def(name).map_err(serde::de::Error::custom)
    }
}

/// `inputs` as a list of named inputs, or a map keyed by name (in the order written).
fn inputs_list_or_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<InputDef>, D::Error> {
    struct Inputs;
    impl<'de> serde::de::Visitor<'de> for Inputs {
        type Value = Vec<InputDef>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of inputs with names, or a map from name to input")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(input) = seq.next_element::<InputDef>()? {
                out.push(input);
            }
            Ok(out)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((name, spec)) = map.next_entry::<String, InputSpec>()? {
                if spec.name.as_ref().is_some_and(|n| *n != name) {
                    return Err(serde::de::Error::custom(format!("input {name:?} is given another \"name\"")));
                }
                out.push(spec.into_def(name).map_err(serde::de::Error::custom)?);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Inputs)
}

fn yes() -> bool {
    true
}

/// What to do with the response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDef {
    /// What a successful answer looks like beyond a 2xx status, e.g. `{"path": "verified",
    /// "equals": true}`; a 2xx whose body fails it is a failed run. Required for `verifies` actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_when: Option<crate::condition::SuccessWhen>,
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

/// One action, as the owner writes it. The plain form (`name`, `type`, `method`, `url`, `headers`,
/// `when_not_to_use`) is accepted verbatim; everything else is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    /// Display name, unique in the site.
    pub name: String,
    /// `http`, `form` or `button`.
    #[serde(rename = "type")]
    pub kind: ActionKind,
    /// When to use it (given to the agent).
    #[serde(default)]
    pub description: Option<String>,
    /// When not to use it (given to the agent).
    #[serde(default)]
    pub when_not_to_use: Option<String>,
    /// HTTP method (http actions).
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// URL template (http actions).
    #[serde(default)]
    pub url: Option<String>,
    /// Header templates.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body: a JSON value whose strings are templates; sent form-encoded when `body_format` is `form`.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// `json` (default) or `form`.
    #[serde(default)]
    pub body_format: BodyFormat,
    /// Authentication.
    #[serde(default)]
    pub auth: Option<AuthDef>,
    /// Per-attempt timeout.
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    /// Extra attempts after a failure (idempotent methods only).
    #[serde(default)]
    pub retries: Option<u8>,
    /// Values to collect from the visitor first.
    #[serde(default, deserialize_with = "inputs_list_or_map")]
    pub inputs: Vec<InputDef>,
    /// What to pass on from the response.
    #[serde(default)]
    pub response: Option<ResponseDef>,
    /// `read` or `write`.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Ask the visitor to confirm before running (write actions).
    #[serde(default)]
    pub confirm: bool,
    /// Runs only once the conversation is verified by a `verifies` action.
    #[serde(default)]
    pub requires_verification: bool,
    /// A successful run marks the conversation as verified (e.g. "check one-time code").
    #[serde(default)]
    pub verifies: bool,
    /// Runs only for a visitor identified by the host page with a valid `user_hash`.
    #[serde(default)]
    pub requires_verified_identity: bool,
    /// Variables that must have a value before the action may run, e.g. `["lead.email"]`.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Rate limits.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Disabled actions are never offered or run.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Run only by forms and buttons: the agent never starts it from a message.
    #[serde(default)]
    pub internal: bool,
    /// The form (`form` actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<crate::form::FormDef>,
    /// The button (`button` actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<crate::form::ButtonDef>,
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

    /// The effective scope: declared, or `read` for GET and `write` otherwise.
    pub fn effective_scope(&self) -> Scope {
        self.scope.unwrap_or(match self.method {
            Some(HttpMethod::Get) | None => Scope::Read,
            Some(_) => Scope::Write,
        })
    }

    /// The slug the API uses for this action: lower case, words joined by '-'.
    pub fn slug(&self) -> String {
        slugify(&self.name)
    }

    /// Whether a template or a `requires` entry of this action uses `var`.
    pub fn uses(&self, var: &TemplateVar) -> bool {
        self.requires.iter().any(|r| TemplateVar::parse(r).is_ok_and(|v| &v == var))
            || self
                .templates()
                .iter()
                .any(|(_, text)| Template::parse(text).is_ok_and(|t| t.variables().any(|v| v == var)))
    }

    /// Every template string with the field it sits in.
    pub fn templates(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(u) = &self.url {
            out.push(("url".to_string(), u.clone()));
        }
        for (k, v) in &self.headers {
            out.push((format!("headers.{k}"), v.clone()));
        }
        if let Some(b) = &self.body {
            collect_strings(b, "body", &mut out);
        }
        match &self.auth {
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
        if let Some(reply) = self.response.as_ref().and_then(|r| r.reply.as_ref()) {
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
        let input_names: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
        for (i, input) in self.inputs.iter().enumerate() {
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
        if self.kind == ActionKind::Http {
            if self.method.is_none() {
                bad("method", "is required for http actions (GET, POST, PUT, PATCH or DELETE)".into());
            }
            match &self.url {
                None => bad("url", "is required for http actions".into()),
                Some(url) => {
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
                }
            }
            if self.body.is_some() && self.method == Some(HttpMethod::Get) {
                bad("body", "a GET request has no body".into());
            }
        }
        match (self.kind, &self.form, &self.button) {
            (ActionKind::Form, None, _) => bad("form", "a form action needs \"form\": {\"title\", \"fields\"}".into()),
            (ActionKind::Form, Some(form), _) => {
                for (field, message) in form.problems() {
                    bad(&field, message);
                }
            }
            (ActionKind::Button, _, None) => {
                bad("button", "a button action needs \"button\": {\"label\", \"url\" or \"run\"}".into())
            }
            (ActionKind::Button, _, Some(button)) => {
                for (field, message) in button.problems() {
                    bad(&field, message);
                }
            }
            (ActionKind::Http, Some(_), _) | (ActionKind::Http, _, Some(_)) => {
                bad("type", "only form actions have \"form\" and only button actions have \"button\"".into())
            }
            _ => {}
        }
        if self.confirm && self.effective_scope() != Scope::Write {
            bad("confirm", "only write actions ask for confirmation".into());
        }
        if self.requires_verification && self.verifies {
            bad("requires_verification", "an action cannot both require and grant verification".into());
        }
        let success_when = self.response.as_ref().and_then(|r| r.success_when.as_ref());
        if self.verifies && success_when.is_some_and(|w| !w.names_a_yes()) {
            bad(
                "response.success_when",
                "a \"verifies\" action's condition must name the answer that means yes with \"equals\" or \"in\" \
                 (\"exists\" and \"not_equals\" also hold for {\"verified\": false})"
                    .into(),
            );
        }
        if self.verifies && !self.uses(&TemplateVar::LeadEmail) && !self.uses(&TemplateVar::ConversationUserId) {
            // The verification is recorded for the email and user id: the owner's API must check
            // the code against one of them, or a code sent elsewhere could verify this address.
            bad(
                "verifies",
                "a \"verifies\" action must send {{lead.email}} or {{conversation.user_id}}, so your API checks \
                 the code for the account being verified"
                    .into(),
            );
        }
        if self.verifies && success_when.is_none() {
            // Many APIs answer a wrong code with 200 {"verified": false}: the status alone proves nothing.
            bad(
                "response.success_when",
                "a \"verifies\" action must say which answer means the code was right, e.g. \
                 \"response\": {\"success_when\": {\"path\": \"verified\", \"equals\": true}}"
                    .into(),
            );
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
                    _ => {}
                }
            }
        }
        for (i, r) in self.requires.iter().enumerate() {
            if TemplateVar::parse(r).is_err() {
                bad(&format!("requires[{i}]"), format!("{r:?} is not a template variable"));
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

/// Checks a visitor's value against an input; returns it normalised, or a message for the visitor.
pub fn validate_input(input: &InputDef, raw: &str) -> Result<String, String> {
    input.rule().check(raw).map_err(|e| match e {
        ValueError::Empty => format!("{} is required", input.what()),
        ValueError::TooLong(_) => format!("{} is too long", input.what()),
        ValueError::NotAnOption(options) => format!("{:?} is not one of: {options}", raw.trim()),
        ValueError::Invalid(what) => format!("{:?} is not a valid {what}", raw.trim()),
    })
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
        assert_eq!(a.kind, ActionKind::Http);
        assert_eq!(a.method, Some(HttpMethod::Get));
        assert_eq!(a.effective_scope(), Scope::Read);
        assert_eq!(a.slug(), "get-customer-account");
        assert!(a.enabled);
        assert!(a.problems(&["EXCHANGE_API_KEY".into()]).is_empty());
    }

    #[test]
    fn problems_name_the_field() {
        let a = ActionDef::from_json(PLAIN).unwrap();
        let p = a.problems(&[]);
        assert_eq!(p[0].field, "headers.Authorization");
        assert!(p[0].message.contains("secret EXCHANGE_API_KEY is not set"), "{}", p[0].message);

        let mut w = a.clone();
        w.method = Some(HttpMethod::Post);
        w.url = Some("https://{{inputs.host}}/x?q={{secrets.EXCHANGE_API_KEY}}&p={{lead.phone}}".into());
        let fields: Vec<String> = w
            .problems(&["EXCHANGE_API_KEY".into()])
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        assert!(fields.iter().any(|f| f.starts_with("url: unknown template variable {{lead.phone}}")), "{fields:?}");
        assert!(!fields.iter().any(|f| f.starts_with("scope")), "a POST defaults to write: {fields:?}");
        assert_eq!(w.effective_scope(), Scope::Write);
        w.scope = Some(Scope::Read);
        assert_eq!(w.effective_scope(), Scope::Read, "a POST that only reads (search, validate) may say so");
    }

    #[test]
    fn secrets_only_in_headers_auth_and_body_and_hosts_are_fixed() {
        let mut a = ActionDef::from_json(PLAIN).unwrap();
        a.url = Some("https://api.example.com/x?k={{secrets.EXCHANGE_API_KEY}}".into());
        let p = a.problems(&["EXCHANGE_API_KEY".into()]);
        assert!(p.iter().any(|p| p.field == "url" && p.message.contains("may only be used in headers")));
        a.url = Some("https://api.{{inputs.x}}.example.com/".into());
        a.inputs.push(InputDef::new("x", InputFormat::Text));
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
        let names: Vec<&str> = a.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["ref", "asset", "amount"]);
        assert_eq!(a.inputs[1].options, ["BTC", "ETH"]);
        assert!(!a.inputs[1].required);
        assert_eq!(a.inputs[2].format, InputFormat::Number);
        assert!(a.problems(&[]).is_empty(), "{:?}", a.problems(&[]));
        assert_eq!(
            validate_input(&a.inputs[0], "WD-1").unwrap_err(),
            "\"WD-1\" is not a valid WD-, 8 digits, a dash and 4 digits"
        );
        assert_eq!(validate_input(&a.inputs[1], "eth").unwrap(), "ETH");
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
