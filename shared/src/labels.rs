//! What agents mark a conversation with to sort their work: tags ("refund", "vip") and a
//! priority. Checked once here; the edge stores them, the inbox shows, edits and filters by them.

use serde::{Deserialize, Serialize};

/// Most tags on one conversation.
pub const MAX_TAGS: usize = 10;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;

/// How soon a conversation needs an answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Soon.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// As an agent reads it.
    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low priority",
            Priority::Normal => "Normal priority",
            Priority::High => "High priority",
            Priority::Urgent => "Urgent",
        }
    }
}

/// `POST /api/v1/inbox/conversations/{id}/labels`: the conversation's tags and priority, whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Its priority.
    #[serde(default)]
    pub priority: Priority,
}

/// A tag as stored: trimmed, lower case, inner spaces as `-`; `Err` says why it cannot be one.
pub fn tag(raw: &str) -> Result<String, String> {
    let t = raw.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
    if t.is_empty() || t.chars().count() > MAX_TAG_CHARS {
        return Err(format!("a tag is 1 to {MAX_TAG_CHARS} characters"));
    }
    if !t.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("{raw:?}: a tag holds letters, digits, '-' and '_' only"));
    }
    Ok(t)
}

impl Labels {
    /// The labels as stored: each tag checked ([`tag`]), duplicates dropped, at most [`MAX_TAGS`].
    pub fn checked(self) -> Result<Self, String> {
        let mut tags: Vec<String> = Vec::new();
        for raw in &self.tags {
            let t = tag(raw)?;
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(format!("at most {MAX_TAGS} tags on a conversation"));
        }
        tags.sort();
        Ok(Self { tags, priority: self.priority })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_folded_checked_and_deduplicated() {
        let labels =
            Labels { tags: vec![" VIP ".into(), "Refund request".into(), "vip".into()], priority: Priority::High };
        assert_eq!(labels.checked().unwrap().tags, ["refund-request", "vip"]);
        assert!(tag("<script>").is_err());
        assert!(tag("   ").is_err());
        let many = Labels { tags: (0..11).map(|i| format!("t{i}")).collect(), priority: Priority::Normal };
        assert!(many.checked().is_err());
        assert_eq!(Priority::parse("urgent"), Some(Priority::Urgent));
        assert_eq!(serde_json::to_string(&Priority::High).unwrap(), "\"high\"");
    }
}
