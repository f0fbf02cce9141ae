//! Template variables in action definitions: `{{lead.email}}`, `{{inputs.tx_hash}}`,
//! `{{secrets.API_KEY}}`… Parsed once into segments; rendered with the encoding of the place the
//! value lands, so that no value can change a URL's host, break out of a JSON string or add a header.

use std::collections::BTreeMap;
use std::fmt;

/// A variable a template may use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TemplateVar {
    /// `conversation.id`
    ConversationId,
    /// `conversation.user_id`
    ConversationUserId,
    /// `conversation.channel`
    ConversationChannel,
    /// `message.content`
    MessageContent,
    /// `message.sentiment`: positive, neutral or negative
    MessageSentiment,
    /// `lead.email`
    LeadEmail,
    /// `lead.name`
    LeadName,
    /// `agent.id`
    AgentId,
    /// `conversation.attributes.NAME`: set by the host page with `Switchboard.setAttributes`
    Attribute(String),
    /// `inputs.NAME`: a value collected from the visitor
    Input(String),
    /// `secrets.NAME`: a Worker secret (headers, auth and body only)
    Secret(String),
    /// `response.PATH`: a field of the action's response (reply templates only)
    Response(String),
}

/// The fixed variables, by name.
pub const FIXED_VARIABLES: &[&str] = &[
    "conversation.id",
    "conversation.user_id",
    "conversation.channel",
    "message.content",
    "message.sentiment",
    "lead.email",
    "lead.name",
    "agent.id",
];

impl TemplateVar {
    /// Parses a variable name such as `lead.email` or `inputs.amount`.
    pub fn parse(name: &str) -> Result<Self, TemplateError> {
        let name = name.trim();
        let named = |prefix: &str| -> Option<String> {
            let rest = name.strip_prefix(prefix)?;
            let ok = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
            ok.then(|| rest.to_string())
        };
        Ok(match name {
            "conversation.id" => Self::ConversationId,
            "conversation.user_id" => Self::ConversationUserId,
            "conversation.channel" => Self::ConversationChannel,
            "message.content" => Self::MessageContent,
            "message.sentiment" => Self::MessageSentiment,
            "lead.email" => Self::LeadEmail,
            "lead.name" => Self::LeadName,
            "agent.id" => Self::AgentId,
            _ => {
                if let Some(n) = named("conversation.attributes.") {
                    Self::Attribute(n)
                } else if let Some(n) = named("inputs.") {
                    Self::Input(n)
                } else if let Some(n) = named("secrets.") {
                    Self::Secret(n)
                } else if let Some(n) = named("response.") {
                    Self::Response(n)
                } else {
                    return Err(TemplateError::UnknownVariable(name.to_string()));
                }
            }
        })
    }
}

impl fmt::Display for TemplateVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConversationId => f.write_str("conversation.id"),
            Self::ConversationUserId => f.write_str("conversation.user_id"),
            Self::ConversationChannel => f.write_str("conversation.channel"),
            Self::MessageContent => f.write_str("message.content"),
            Self::MessageSentiment => f.write_str("message.sentiment"),
            Self::LeadEmail => f.write_str("lead.email"),
            Self::LeadName => f.write_str("lead.name"),
            Self::AgentId => f.write_str("agent.id"),
            Self::Attribute(n) => write!(f, "conversation.attributes.{n}"),
            Self::Input(n) => write!(f, "inputs.{n}"),
            Self::Secret(n) => write!(f, "secrets.{n}"),
            Self::Response(n) => write!(f, "response.{n}"),
        }
    }
}

/// Why a template does not parse or render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{…}}` names no known variable.
    #[error("unknown template variable {{{{{0}}}}} (known: {known}, conversation.attributes.NAME, inputs.NAME, secrets.NAME)", known = FIXED_VARIABLES.join(", "))]
    UnknownVariable(String),
    /// `{{` without `}}`.
    #[error("unclosed {{{{ in template")]
    Unclosed,
    /// A value is missing when rendering.
    #[error("no value for {{{{{0}}}}}")]
    MissingValue(String),
    /// A header value would contain a line break or control character.
    #[error("the value of {{{{{0}}}}} contains a line break or control character and cannot go in a header")]
    HeaderInjection(String),
    /// A URL path segment made by a value would be empty, `.` or `..` (removing or climbing a level).
    #[error("the value of {{{{{0}}}}} would make an empty, '.' or '..' segment in the URL path")]
    PathSegment(String),
}

/// A parsed template: literal text and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Var(TemplateVar),
}

/// How a value is encoded where it lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Percent-encoded: every byte but `A–Z a–z 0–9 - . _ ~` (URL path segments and query values).
    Url,
    /// `application/x-www-form-urlencoded` (space as `+`).
    Form,
    /// Verbatim, but refused if it holds a line break or control character.
    Header,
    /// Verbatim (JSON strings are escaped by the serializer afterwards; reply text is Markdown).
    Raw,
}

/// Values for rendering, by variable.
pub type Values = BTreeMap<TemplateVar, String>;

impl Template {
    /// Parses `text`, checking every variable name.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or(TemplateError::Unclosed)?;
            segments.push(Segment::Var(TemplateVar::parse(&after[..end])?));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_string()));
        }
        Ok(Self { segments })
    }

    /// The variables used, in order.
    pub fn variables(&self) -> impl Iterator<Item = &TemplateVar> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(v) => Some(v),
            Segment::Literal(_) => None,
        })
    }

    /// The literal text before the first variable.
    pub fn literal_prefix(&self) -> &str {
        match self.segments.first() {
            Some(Segment::Literal(l)) => l,
            _ => "",
        }
    }

    /// Renders with each value encoded for its place. A missing value is an error. With
    /// [`Encoding::Url`], a value may not make a path segment empty, `.` or `..` in any spelling:
    /// percent-encoding keeps it from adding a `/`, and this keeps it from removing or climbing one.
    pub fn render(&self, values: &Values, encoding: Encoding) -> Result<String, TemplateError> {
        let mut out = String::new();
        // Where each value landed in `out`, to check the path segments it is part of.
        let mut landed: Vec<(std::ops::Range<usize>, &TemplateVar)> = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(l) => out.push_str(l),
                Segment::Var(v) => {
                    let value = values.get(v).ok_or_else(|| TemplateError::MissingValue(v.to_string()))?;
                    let start = out.len();
                    match encoding {
                        Encoding::Url => out.push_str(&percent_encode(value, false)),
                        Encoding::Form => out.push_str(&percent_encode(value, true)),
                        Encoding::Header => {
                            if value.chars().any(|c| c.is_control()) {
                                return Err(TemplateError::HeaderInjection(v.to_string()));
                            }
                            out.push_str(value);
                        }
                        Encoding::Raw => out.push_str(value),
                    }
                    landed.push((start..out.len(), v));
                }
            }
        }
        if encoding == Encoding::Url {
            check_path_segments(&out, &landed)?;
        }
        Ok(out)
    }
}

/// Refuses a URL whose path has a segment that holds (part of) a value and is empty, `.` or `..`
/// once `%2e` is read as a dot, as the URL standard reads it. Values are percent-encoded, so the
/// `/`, `?` and `#` found here all come from the owner's literal text.
fn check_path_segments(url: &str, landed: &[(std::ops::Range<usize>, &TemplateVar)]) -> Result<(), TemplateError> {
    let path_start = match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or(url.len(), |p| i + 3 + p),
        None => 0,
    };
    let path_end = url[path_start..].find(['?', '#']).map_or(url.len(), |p| path_start + p);
    let mut seg_start = path_start;
    for (i, part) in url[path_start..path_end].split('/').enumerate() {
        // The text before the first '/' of a relative template is a segment too.
        let start = if i == 0 { path_start } else { seg_start };
        let end = start + part.len();
        seg_start = end + 1;
        if i == 0 && url[path_start..].starts_with('/') {
            continue;
        }
        let touching = landed.iter().find(|(r, _)| r.start <= end && r.end >= start && r.start < path_end);
        if let Some((_, var)) = touching {
            let dots = part.to_ascii_lowercase().replace("%2e", ".");
            if part.is_empty() || dots == "." || dots == ".." {
                return Err(TemplateError::PathSegment(var.to_string()));
            }
        }
    }
    Ok(())
}

/// Percent-encodes all but unreserved characters; `form` writes spaces as `+`.
pub fn percent_encode(value: &str, form: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (TemplateVar::parse(k).unwrap(), v.to_string())).collect()
    }

    #[test]
    fn parses_and_renders_each_kind() {
        let t =
            Template::parse("https://api.example.com/customers?email={{lead.email}}&tx={{ inputs.tx_hash }}").unwrap();
        let v = values(&[("lead.email", "a+b@example.com"), ("inputs.tx_hash", "0xab cd")]);
        assert_eq!(
            t.render(&v, Encoding::Url).unwrap(),
            "https://api.example.com/customers?email=a%2Bb%40example.com&tx=0xab%20cd"
        );
        assert_eq!(t.variables().count(), 2);
        assert_eq!(t.literal_prefix(), "https://api.example.com/customers?email=");
    }

    #[test]
    fn unknown_variables_are_named_with_the_known_ones() {
        let e = Template::parse("{{lead.phone}}").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("unknown template variable {{lead.phone}} (known: conversation.id"), "{text}");
        assert_eq!(Template::parse("{{inputs.}}").unwrap_err(), TemplateError::UnknownVariable("inputs.".into()));
        assert_eq!(Template::parse("{{lead.email").unwrap_err(), TemplateError::Unclosed);
    }

    #[test]
    fn conversation_attributes_are_named_variables() {
        let var = TemplateVar::parse("conversation.attributes.plan").unwrap();
        assert_eq!(var, TemplateVar::Attribute("plan".into()));
        assert_eq!(var.to_string(), "conversation.attributes.plan");
        assert!(TemplateVar::parse("conversation.attributes.").is_err());
        let t = Template::parse("/accounts?plan={{conversation.attributes.plan}}").unwrap();
        assert_eq!(
            t.render(&values(&[("conversation.attributes.plan", "pro&x")]), Encoding::Url).unwrap(),
            "/accounts?plan=pro%26x"
        );
    }

    #[test]
    fn missing_values_and_header_injection_are_errors() {
        let t = Template::parse("Bearer {{secrets.KEY}}").unwrap();
        assert_eq!(
            t.render(&Values::new(), Encoding::Header).unwrap_err(),
            TemplateError::MissingValue("secrets.KEY".into())
        );
        let bad = values(&[("secrets.KEY", "x\r\nX-Evil: 1")]);
        assert!(matches!(t.render(&bad, Encoding::Header), Err(TemplateError::HeaderInjection(_))));
    }

    #[test]
    fn dot_segments_are_refused_in_paths_but_not_in_queries() {
        let t = Template::parse("https://api.example.com/v1/users/{{inputs.id}}/reset?q={{inputs.id}}").unwrap();
        for bad in ["..", ".", ""] {
            assert_eq!(
                t.render(&values(&[("inputs.id", bad)]), Encoding::Url),
                Err(TemplateError::PathSegment("inputs.id".into())),
                "{bad:?}"
            );
        }
        assert!(t.render(&values(&[("inputs.id", "a.b")]), Encoding::Url).is_ok());
        // A typed "%2e" is sent as "%252e": the server never reads it as a dot.
        assert!(t.render(&values(&[("inputs.id", "%2e%2E")]), Encoding::Url).unwrap().contains("/%252e%252E/"));
        // An owner's literal "%2e" next to a value's dot makes a dot-dot segment all the same.
        let tricky = Template::parse("https://api.example.com/v1/%2e{{inputs.id}}/x").unwrap();
        assert!(tricky.render(&values(&[("inputs.id", ".")]), Encoding::Url).is_err());
        assert!(t.render(&values(&[("inputs.id", "../admin")]), Encoding::Url).unwrap().contains("/..%2Fadmin/"));
        let q = Template::parse("https://api.example.com/v1/x?path={{inputs.id}}").unwrap();
        assert!(q.render(&values(&[("inputs.id", "..")]), Encoding::Url).is_ok());
        let relative = Template::parse("{{inputs.id}}/x").unwrap();
        assert!(relative.render(&values(&[("inputs.id", "..")]), Encoding::Url).is_err());
    }

    #[test]
    fn variable_names_round_trip() {
        for name in FIXED_VARIABLES.iter().copied().chain(["inputs.amount", "secrets.API_KEY", "response.data.status"])
        {
            assert_eq!(TemplateVar::parse(name).unwrap().to_string(), name);
        }
    }

    proptest! {
        /// Whatever a visitor types, a URL-encoded value is only unreserved characters and `%XX`,
        /// so it cannot change the URL's host, path or query structure.
        #[test]
        fn url_values_cannot_change_host_or_structure(
            // A whole segment of "", "." or ".." is refused: the next test covers those.
            value in "\\PC*".prop_filter("a segment of its own", |v| !matches!(v.as_str(), "" | "." | ".."))
        ) {
            let t = Template::parse("https://api.example.com/tx/{{inputs.id}}?q={{inputs.id}}").unwrap();
            let url = t.render(&values(&[("inputs.id", &value)]), Encoding::Url).unwrap();
            let encoded = percent_encode(&value, false);
            prop_assert_eq!(&url, &format!("https://api.example.com/tx/{encoded}?q={encoded}"));
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        }

        /// A value in a path segment never makes it empty, `.` or `..` (which would remove or climb
        /// a level with the owner's credentials): such values are refused, all others keep the
        /// path's segments exactly as the template has them.
        #[test]
        fn path_values_cannot_climb_or_remove_segments(
            value in prop_oneof![
                Just(String::new()), Just(".".to_string()), Just("..".to_string()), Just("%2e".to_string()),
                Just("%2E%2e".to_string()), Just(".%2E".to_string()), Just("...".to_string()),
                "[./%2eE]{0,6}", "\\PC*",
            ],
            prefix in prop_oneof![Just(""), Just("."), Just("a")],
        ) {
            let t = Template::parse(&format!("https://api.example.com/v1/{prefix}{{{{inputs.id}}}}/x?q={{{{inputs.id}}}}")).unwrap();
            match t.render(&values(&[("inputs.id", &value)]), Encoding::Url) {
                Ok(url) => {
                    let path = url.trim_start_matches("https://api.example.com").split('?').next().unwrap().to_string();
                    let segments: Vec<&str> = path.split('/').collect();
                    prop_assert_eq!(segments.len(), 4, "{}", url);
                    let third = segments[2].to_ascii_lowercase().replace("%2e", ".");
                    prop_assert!(!third.is_empty() && third != "." && third != "..", "{}", url);
                }
                Err(e) => {
                    prop_assert_eq!(e, TemplateError::PathSegment("inputs.id".into()));
                    let dots = format!("{prefix}{}", percent_encode(&value, false)).to_ascii_lowercase().replace("%2e", ".");
                    prop_assert!(dots.is_empty() || dots == "." || dots == "..", "refused {:?}", value);
                }
            }
        }

        /// A header value is either refused or contains no line break.
        #[test]
        fn header_values_never_add_lines(value in "\\PC*|.*[\\r\\n].*") {
            let t = Template::parse("Bearer {{secrets.K}}").unwrap();
            if let Ok(h) = t.render(&values(&[("secrets.K", &value)]), Encoding::Header) {
                prop_assert!(!h.contains(['\r', '\n']));
            }
        }
    }
}
