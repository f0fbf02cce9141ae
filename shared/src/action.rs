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

/// The shape of a value the visitor must give.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// Any text.
    #[default]
    Text,
    /// An email address.
    Email,
    /// A number.
    Number,
    /// A transaction hash: 64 hex digits, with or without `0x`.
    TxHash,
    /// A Bitcoin address (legacy, P2SH or bech32).
    BtcAddress,
    /// An Ethereum address: `0x` and 40 hex digits.
    EthAddress,
    /// A Bitcoin or Ethereum address.
    WalletAddress,
    /// A one-time code: 4–8 digits.
    Otp,
}

impl InputFormat {
    /// Whether a value of this shape found in a message says which action is meant by itself (a
    /// transaction hash, a wallet address). A number, an email or a short code could be anything
    /// ("I waited 3 days"): such inputs are filled once an action is chosen by what was asked.
    pub fn is_distinctive(self) -> bool {
        matches!(self, Self::TxHash | Self::BtcAddress | Self::EthAddress | Self::WalletAddress)
    }
}

/// A value the agent must collect from the visitor before calling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDef {
    /// Name used as `{{inputs.NAME}}`.
    pub name: String,
    /// What to ask the visitor for, e.g. "the transaction hash".
    #[serde(default)]
    pub description: Option<String>,
    /// Expected shape.
    #[serde(default)]
    pub format: InputFormat,
    /// Whether the call cannot happen without it (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// Longest accepted value.
    #[serde(default)]
    pub max_length: Option<usize>,
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
    #[serde(default)]
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

/// Checks a visitor's value against an input's format; returns it normalised (trimmed).
pub fn validate_input(input: &InputDef, raw: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!("{} is required", input.description.as_deref().unwrap_or(&input.name)));
    }
    if v.chars().count() > input.max_length.unwrap_or(500) {
        return Err(format!("{} is too long", input.name));
    }
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let base58 = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() && !b"0OIl".contains(&b));
    let btc = |s: &str| {
        let lower = s.to_ascii_lowercase();
        (lower.starts_with("bc1") && (14..=74).contains(&s.len()) && lower.bytes().all(|b| b.is_ascii_alphanumeric()))
            || ((s.starts_with('1') || s.starts_with('3')) && (26..=35).contains(&s.len()) && base58(s))
    };
    let eth = |s: &str| s.strip_prefix("0x").is_some_and(|h| hex(h, 40));
    let ok = match input.format {
        InputFormat::Text => true,
        InputFormat::Email => is_email(v),
        InputFormat::Number => crate::number::parse_number(v).is_some_and(f64::is_finite),
        InputFormat::TxHash => hex(v.strip_prefix("0x").unwrap_or(v), 64),
        InputFormat::BtcAddress => btc(v),
        InputFormat::EthAddress => eth(v),
        InputFormat::WalletAddress => btc(v) || eth(v),
        InputFormat::Otp => (4..=8).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()),
    };
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("{v:?} is not a valid {}", format_name(input.format)))
    }
}

/// A pragmatic email check: one '@', a non-empty local part, a dotted domain, no spaces, ≤ 254 bytes.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// How a format is called in messages to the visitor.
pub fn format_name(f: InputFormat) -> &'static str {
    match f {
        InputFormat::Text => "text",
        InputFormat::Email => "email address",
        InputFormat::Number => "number",
        InputFormat::TxHash => "transaction hash (64 hexadecimal characters)",
        InputFormat::BtcAddress => "Bitcoin address",
        InputFormat::EthAddress => "Ethereum address (0x followed by 40 hexadecimal characters)",
        InputFormat::WalletAddress => "wallet address",
        InputFormat::Otp => "one-time code (4 to 8 digits)",
    }
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
        a.inputs.push(InputDef {
            name: "x".into(),
            description: None,
            format: InputFormat::Text,
            required: true,
            max_length: None,
        });
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
    fn input_formats() {
        let input = |format| InputDef { name: "v".into(), description: None, format, required: true, max_length: None };
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
