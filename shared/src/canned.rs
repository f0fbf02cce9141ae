//! Canned replies: snippets an agent inserts with a shortcut (`/refund` in the reply box), shared
//! by the team or their own, with variables filled from the conversation (`{{lead.name}}`). The
//! edge checks and stores them; the inbox fills and inserts them (the agent reads the result
//! before sending it).

use crate::message::MAX_MESSAGE_CHARS;
use serde::{Deserialize, Serialize};

/// Longest shortcut, in characters.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// The variables a canned reply may use, each filled from the open conversation.
pub const VARIABLES: &[&str] =
    &["lead.name", "lead.email", "conversation.user_id", "conversation.id", "agent.name", "agent.first_name"];

/// Who sees a canned reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Every agent (admins make and change these).
    Shared,
    /// Its author only.
    Personal,
}

/// A canned reply as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    /// Its id.
    pub id: String,
    /// What follows `/` in the reply box (`refund`).
    pub shortcut: String,
    /// The reply, in the message Markdown subset, with `{{variables}}`.
    pub text: String,
    /// Shared or personal.
    pub scope: Scope,
    /// Whether the signed-in agent may change or delete it.
    #[serde(default)]
    pub editable: bool,
}

/// `GET /api/v1/inbox/canned`: the shared ones and the agent's own, by shortcut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedList {
    /// The replies.
    pub replies: Vec<CannedReply>,
}

/// `POST /api/v1/inbox/canned` and `PUT /api/v1/inbox/canned/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedDraft {
    /// The shortcut.
    pub shortcut: String,
    /// The text.
    pub text: String,
    /// Shared (admins only) or personal.
    pub scope: Scope,
}

/// What is wrong with a draft: the field and why, as the agent reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `shortcut` or `text`.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

impl CannedDraft {
    /// The draft as stored: the shortcut lower-cased and trimmed, with its checks.
    pub fn checked(mut self) -> Result<Self, Refusal> {
        self.shortcut = self.shortcut.trim().trim_start_matches('/').to_lowercase();
        let refuse = |field, message: String| Err(Refusal { field, message });
        if self.shortcut.is_empty() || self.shortcut.chars().count() > MAX_SHORTCUT_CHARS {
            return refuse("shortcut", format!("must be 1 to {MAX_SHORTCUT_CHARS} characters"));
        }
        if !self.shortcut.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            return refuse(
                "shortcut",
                "may hold letters, digits, '-' and '_' only (it follows '/' in the reply box)".into(),
            );
        }
        self.text = self.text.trim().to_string();
        if self.text.is_empty() || self.text.chars().count() > MAX_MESSAGE_CHARS {
            return refuse("text", format!("must be 1 to {MAX_MESSAGE_CHARS} characters"));
        }
        if let Some(unknown) = variables(&self.text).into_iter().find(|v| !VARIABLES.contains(&v.as_str())) {
            return refuse("text", format!("{{{{{unknown}}}}} is no variable; use {}", VARIABLES.join(", ")));
        }
        Ok(self)
    }
}

/// The `{{names}}` a text uses, in order (trimmed; an unclosed `{{` is text).
pub fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        out.push(rest[start + 2..start + 2 + len].trim().to_string());
        rest = &rest[start + 2 + len + 2..];
    }
    out
}

/// A canned reply with its variables filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// The text: each known value in place, each unknown one left as `{{name}}`.
    pub text: String,
    /// The variables the conversation has no value for, which the agent must fill in by hand.
    pub missing: Vec<String>,
}

/// Fills `text`'s variables with `value` (none: left as written and listed as missing).
pub fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> Filled {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        out.push_str(&rest[..start]);
        let name = rest[start + 2..start + 2 + len].trim();
        match value(name).filter(|v| !v.is_empty()) {
            Some(v) => out.push_str(&v),
            None => {
                out.push_str(&rest[start..start + 2 + len + 2]);
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_string());
                }
            }
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    Filled { text: out, missing }
}

/// The replies whose shortcut starts with `typed` (after `/`), then those whose shortcut or text
/// holds it elsewhere, each group by shortcut.
pub fn matching<'a>(replies: &'a [CannedReply], typed: &str) -> Vec<&'a CannedReply> {
    let typed = typed.to_lowercase();
    let mut first: Vec<&CannedReply> = replies.iter().filter(|r| r.shortcut.starts_with(&typed)).collect();
    let mut then: Vec<&CannedReply> = replies
        .iter()
        .filter(|r| {
            !r.shortcut.starts_with(&typed) && (r.shortcut.contains(&typed) || r.text.to_lowercase().contains(&typed))
        })
        .collect();
    first.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
    then.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
    first.extend(then);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(shortcut: &str, text: &str) -> CannedDraft {
        CannedDraft { shortcut: shortcut.into(), text: text.into(), scope: Scope::Personal }
    }

    #[test]
    fn a_draft_is_checked_field_by_field() {
        let ok = draft(" /Refund ", " Hi {{ lead.name }}, your refund is on its way. ").checked().unwrap();
        assert_eq!(
            (ok.shortcut.as_str(), ok.text.as_str()),
            ("refund", "Hi {{ lead.name }}, your refund is on its way.")
        );
        assert_eq!(draft("", "x").checked().unwrap_err().field, "shortcut");
        assert_eq!(draft("two words", "x").checked().unwrap_err().field, "shortcut");
        assert_eq!(draft(&"a".repeat(33), "x").checked().unwrap_err().field, "shortcut");
        assert_eq!(draft("ok", "   ").checked().unwrap_err().field, "text");
        let unknown = draft("ok", "Hi {{secrets.API_KEY}}").checked().unwrap_err();
        assert_eq!(unknown.field, "text");
        assert!(unknown.message.contains("{{secrets.API_KEY}} is no variable"), "{}", unknown.message);
    }

    #[test]
    fn variables_are_filled_and_the_missing_ones_left_for_the_agent() {
        let text =
            "Hi {{lead.name}}, this is {{ agent.first_name }}. We wrote to {{lead.email}} ({{lead.email}}). {{ open";
        let filled = fill(text, |name| match name {
            "lead.name" => Some("Kim".into()),
            "agent.first_name" => Some("Sam".into()),
            _ => None,
        });
        assert_eq!(filled.text, "Hi Kim, this is Sam. We wrote to {{lead.email}} ({{lead.email}}). {{ open");
        assert_eq!(filled.missing, ["lead.email"]);
        assert_eq!(variables(text), ["lead.name", "agent.first_name", "lead.email", "lead.email"]);
    }

    #[test]
    fn shortcuts_that_start_with_what_was_typed_come_first() {
        let reply = |shortcut: &str, text: &str| CannedReply {
            id: shortcut.into(),
            shortcut: shortcut.into(),
            text: text.into(),
            scope: Scope::Shared,
            editable: false,
        };
        let all = [reply("thanks", "Thanks for the refund question"), reply("refund", "x"), reply("ref", "y")];
        let found: Vec<&str> = matching(&all, "REF").iter().map(|r| r.shortcut.as_str()).collect();
        assert_eq!(found, ["ref", "refund", "thanks"]);
        assert_eq!(matching(&all, "").len(), 3);
    }
}
