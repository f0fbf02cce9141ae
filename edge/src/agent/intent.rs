//! Which of the owner's actions a message asks for: BM25 coverage over each action's name and
//! description, plus the values a message carries (a transaction hash, an address, an email).

use crate::knowledge::{Chunk, KnowledgeIndex};
use shared::action::{validate_input, ActionDef, InputDef, InputFormat};
use shared::site::SiteBundle;

/// Share of the message's meaningful words an action must cover to be chosen.
pub const MIN_ACTION_COVERAGE: f64 = 0.6;

/// An index of the actions the agent may offer.
#[derive(Debug, Clone)]
pub struct ActionIndex {
    index: KnowledgeIndex,
    slugs: Vec<String>,
}

impl ActionIndex {
    /// Indexes the actions the agent may offer: enabled actions not marked internal.
    pub fn new(site: &SiteBundle) -> Self {
        let offered: Vec<&ActionDef> = site.actions.iter().filter(|a| a.enabled && !a.internal).collect();
        let chunks = offered
            .iter()
            .map(|a| Chunk {
                page_title: format!(
                    "{} {} {}",
                    a.name,
                    a.form.as_ref().map_or("", |f| f.title.as_str()),
                    a.button.as_ref().map_or("", |b| b.label.as_str())
                ),
                heading: None,
                url: String::new(),
                text: a.description.clone().unwrap_or_default(),
            })
            .collect();
        Self {
            index: KnowledgeIndex::new(chunks, &site.agent.answering.synonyms),
            slugs: offered.iter().map(|a| a.slug()).collect(),
        }
    }

    /// The best-matching action and how much of the message it covers.
    pub fn best(&self, text: &str) -> Option<(&str, f64)> {
        self.index.search(text, 1).first().map(|h| (self.slugs[h.position].as_str(), h.coverage))
    }
}

/// Finds a value of the input's format inside a message ("it's 0xabc…, thanks" → "0xabc…").
/// Free text takes the whole message.
pub fn extract(input: &InputDef, text: &str) -> Option<String> {
    if input.format == InputFormat::Text {
        let t = text.trim();
        return (!t.is_empty()).then(|| t.to_string());
    }
    text.split(|c: char| c.is_whitespace() || ",;()<>\"'".contains(c))
        .map(|w| w.trim_end_matches(['.', '!', '?', ':']))
        .find_map(|w| validate_input(input, w).ok())
}

/// An email address inside a message.
pub fn extract_email(text: &str) -> Option<String> {
    let probe = InputDef {
        name: "email".into(),
        description: None,
        format: InputFormat::Email,
        required: true,
        max_length: Some(254),
    };
    extract(&probe, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(format: InputFormat) -> InputDef {
        InputDef { name: "v".into(), description: None, format, required: true, max_length: None }
    }

    #[test]
    fn values_are_found_inside_sentences() {
        let tx = format!("0x{}", "ab".repeat(32));
        assert_eq!(extract(&input(InputFormat::TxHash), &format!("my tx is {tx}, thanks!")), Some(tx));
        assert_eq!(extract(&input(InputFormat::Otp), "the code is 482913."), Some("482913".into()));
        assert_eq!(extract(&input(InputFormat::Otp), "I didn't get it"), None);
        assert_eq!(extract_email("it's ana@example.com."), Some("ana@example.com".into()));
        assert_eq!(extract(&input(InputFormat::Text), "  hello "), Some("hello".into()));
    }
}
