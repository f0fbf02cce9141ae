//! From an action definition and the conversation's values to the exact HTTP request: each
//! template rendered with the encoding of where it lands, auth applied, the URL SSRF-checked.

use super::ssrf::{NetworkPolicy, SsrfError};
use shared::action::{ActionDef, AuthDef, BodyFormat, KeyLocation};
use shared::template::{percent_encode, Encoding, Template, TemplateError, TemplateVar, Values};

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// Method name.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<String>,
}

impl OutboundRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template failed (missing value, header injection).
    #[error("{field}: {source}")]
    Template {
        /// Where.
        field: String,
        /// What.
        source: TemplateError,
    },
    /// The URL may not be called.
    #[error("url refused: {0}")]
    Ssrf(#[from] SsrfError),
    /// Not an http action.
    #[error("action '{0}' is not an http action")]
    NotHttp(String),
}

fn render(field: &str, text: &str, values: &Values, encoding: Encoding) -> Result<String, RenderError> {
    Template::parse(text)
        .and_then(|t| t.render(values, encoding))
        .map_err(|source| RenderError::Template { field: field.to_string(), source })
}

/// Builds the request. `bearer_override` is a token fetched from a token endpoint, if the action uses one.
pub fn build_request(
    action: &ActionDef,
    values: &Values,
    policy: &NetworkPolicy,
    bearer_override: Option<&str>,
) -> Result<OutboundRequest, RenderError> {
    let Some(http) = action.http() else {
        return Err(RenderError::NotHttp(action.name.clone()));
    };
    let method = http.method;
    let mut url = render("url", &http.url, values, Encoding::Url)?;
    let mut headers = Vec::new();
    for (name, value) in &http.headers {
        headers.push((name.clone(), render(&format!("headers.{name}"), value, values, Encoding::Header)?));
    }
    match &http.auth {
        None => {}
        Some(AuthDef::Bearer { token }) => {
            let token = render("auth.token", token, values, Encoding::Header)?;
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        Some(AuthDef::Basic { username, password }) => {
            let user = render("auth.username", username, values, Encoding::Header)?;
            let pass = render("auth.password", password, values, Encoding::Header)?;
            headers.push(("Authorization".into(), format!("Basic {}", base64(format!("{user}:{pass}").as_bytes()))));
        }
        Some(AuthDef::ApiKey { name, value, location }) => {
            let key = render("auth.value", value, values, Encoding::Header)?;
            match location {
                KeyLocation::Header => headers.push((name.clone(), key)),
                KeyLocation::Query => {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    url = format!("{url}{sep}{}={}", percent_encode(name, false), percent_encode(&key, false));
                }
            }
        }
        Some(AuthDef::TokenEndpoint { .. }) => {
            if let Some(token) = bearer_override {
                headers.push(("Authorization".into(), format!("Bearer {token}")));
            }
        }
    }
    let body = match &http.body {
        None => None,
        Some(template) => {
            let rendered = render_json(template, "body", values)?;
            match http.body_format {
                BodyFormat::Json => {
                    set_default(&mut headers, "Content-Type", "application/json");
                    Some(serde_json::to_string(&rendered).unwrap_or_default())
                }
                BodyFormat::Form => {
                    set_default(&mut headers, "Content-Type", "application/x-www-form-urlencoded");
                    Some(form_encode(&rendered))
                }
            }
        }
    };
    policy.check(&url)?;
    Ok(OutboundRequest { method: method.as_str().to_string(), url, headers, body })
}

fn set_default(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
        headers.push((name.into(), value.into()));
    }
}

/// Renders every string of a JSON template raw; the serializer escapes them afterwards, so no value
/// can end a JSON string early.
fn render_json(v: &serde_json::Value, path: &str, values: &Values) -> Result<serde_json::Value, RenderError> {
    use serde_json::Value;
    Ok(match v {
        Value::String(s) => Value::String(render(path, s, values, Encoding::Raw)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| render_json(x, &format!("{path}[{i}]"), values))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), render_json(x, &format!("{path}.{k}"), values)?)))
                .collect::<Result<_, RenderError>>()?,
        ),
        other => other.clone(),
    })
}

fn form_encode(v: &serde_json::Value) -> String {
    let Some(map) = v.as_object() else { return String::new() };
    map.iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{}={}", percent_encode(k, true), percent_encode(&text, true))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Standard base64 with padding (for Basic auth).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = u32::from(c[0]) << 16 | u32::from(*c.get(1).unwrap_or(&0)) << 8 | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The secret names an action uses.
pub fn secret_names(action: &ActionDef) -> Vec<String> {
    let mut names = Vec::new();
    for (_, text) in action.templates() {
        if let Ok(t) = Template::parse(&text) {
            for v in t.variables() {
                if let TemplateVar::Secret(n) = v {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> NetworkPolicy {
        NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], ..Default::default() }
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (TemplateVar::parse(k).unwrap(), v.to_string())).collect()
    }

    fn action(json: &str) -> ActionDef {
        ActionDef::from_json(json).unwrap()
    }

    #[test]
    fn every_variable_lands_in_its_place() {
        let a = action(
            r#"{"name":"Lookup","type":"http","method":"POST","scope":"write",
                "url":"https://api.example.com/tx/{{inputs.id}}?email={{lead.email}}",
                "headers":{"X-Conversation":"{{conversation.id}}"},
                "auth":{"type":"bearer","token":"{{secrets.KEY}}"},
                "body":{"note":"{{message.content}}","n":[1,"{{lead.name}}"]},
                "inputs":[{"name":"id"}]}"#,
        );
        let v = values(&[
            ("inputs.id", "a/b?c"),
            ("lead.email", "x@y.z"),
            ("conversation.id", "c1"),
            ("secrets.KEY", "s3cret"),
            ("message.content", "say \"hi\"\n"),
            ("lead.name", "Ana"),
        ]);
        let r = build_request(&a, &v, &policy(), None).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://api.example.com/tx/a%2Fb%3Fc?email=x%40y.z");
        assert_eq!(r.header("x-conversation"), Some("c1"));
        assert_eq!(r.header("authorization"), Some("Bearer s3cret"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"note": "say \"hi\"\n", "n": [1, "Ana"]}));
    }

    #[test]
    fn basic_api_key_and_form_bodies() {
        let a = action(
            r#"{"name":"B","type":"http","method":"PUT","scope":"write","url":"https://api.example.com/x",
                "auth":{"type":"basic","username":"u","password":"{{secrets.P}}"},
                "body":{"a b":"c&d"},"body_format":"form"}"#,
        );
        let r = build_request(&a, &values(&[("secrets.P", "pw")]), &policy(), None).unwrap();
        assert_eq!(r.header("authorization"), Some("Basic dTpwdw=="));
        assert_eq!(r.body.as_deref(), Some("a+b=c%26d"));
        let q = action(
            r#"{"name":"Q","type":"http","method":"GET","url":"https://api.example.com/x?y=1",
                "auth":{"type":"api_key","name":"api_key","value":"{{secrets.K}}","location":"query"}}"#,
        );
        let r = build_request(&q, &values(&[("secrets.K", "k 1")]), &policy(), None).unwrap();
        assert_eq!(r.url, "https://api.example.com/x?y=1&api_key=k%201");
    }

    #[test]
    fn refusals() {
        let a = action(r#"{"name":"L","type":"http","method":"GET","url":"http://169.254.169.254/latest"}"#);
        let open = NetworkPolicy { allowed_hosts: vec!["169.254.169.254".into()], ..Default::default() };
        assert!(matches!(build_request(&a, &Values::new(), &open, None), Err(RenderError::Ssrf(_))));
        let h = action(
            r#"{"name":"H","type":"http","method":"GET","url":"https://api.example.com/","headers":{"X":"{{lead.name}}"}}"#,
        );
        let e = build_request(&h, &values(&[("lead.name", "a\r\nHost: evil")]), &policy(), None).unwrap_err();
        assert!(matches!(e, RenderError::Template { source: TemplateError::HeaderInjection(_), .. }));
        let e = build_request(&h, &Values::new(), &policy(), None).unwrap_err();
        assert_eq!(e.to_string(), "headers.X: no value for {{lead.name}}");
    }

    proptest! {
        /// No visitor value can break out of a JSON body string, change the URL's host, or add,
        /// remove or climb a path segment as the URL standard reads it (dot segments included).
        #[test]
        fn values_cannot_escape_their_place(
            value in prop_oneof![Just(String::new()), Just(".".to_string()), Just("..".to_string()),
                "[./%2eE]{0,5}", "\\PC*"],
        ) {
            let a = action(r#"{"name":"P","type":"http","method":"POST","scope":"write",
                "url":"https://api.example.com/t/{{inputs.v}}/x","body":{"v":"{{inputs.v}}"},"inputs":[{"name":"v"}]}"#);
            match build_request(&a, &values(&[("inputs.v", &value)]), &policy(), None) {
                Ok(r) => {
                    let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                    prop_assert_eq!(body, serde_json::json!({"v": value}));
                    let parsed = url::Url::parse(&r.url).unwrap();
                    prop_assert_eq!(parsed.host_str(), Some("api.example.com"));
                    prop_assert_eq!(parsed.path_segments().unwrap().count(), 3);
                    // The parser normalised nothing away: the path sent is the path rendered.
                    prop_assert!(r.url.ends_with(parsed.path()), "{} became {}", r.url, parsed.path());
                }
                Err(e) => {
                    let refused = matches!(e, RenderError::Template { source: TemplateError::PathSegment(_), .. });
                    prop_assert!(refused, "{e}");
                    prop_assert!(value.is_empty() || value == "." || value == "..", "refused {:?}", value);
                }
            }
        }
    }
}
