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
                    a.form().map_or("", |f| f.title.as_str()),
                    a.button().map_or("", |b| b.label.as_str())
                ),
                heading: None,
                url: String::new(),
                text: a.description.clone().unwrap_or_default(),
            })
            .collect();
        Self {
            index: KnowledgeIndex::new(chunks, &site.agent.answering.synonyms),
            slugs: offered.iter().map(|a| a.slug.to_string()).collect(),
        }
    }

    /// The best-matching action and how much of the message it covers.
    pub fn best(&self, text: &str) -> Option<(&str, f64)> {
        self.index.search(text, 1).first().map(|h| (self.slugs[h.position].as_str(), h.coverage))
    }
}

/// Finds a value for the input inside a message ("it's ORD-12345, thanks" → "ORD-12345"; "is
/// this a valid BTC address?" → "BTC" for an input with options). Free text takes the whole message.
pub fn extract(input: &InputDef, text: &str) -> Option<String> {
    if !input.options.is_empty() {
        return find_option(&input.options, text);
    }
    if input.format == InputFormat::Text && input.pattern.is_none() {
        let t = text.trim();
        return (!t.is_empty()).then(|| t.to_string());
    }
    text.split(|c: char| c.is_whitespace() || ",;()<>\"'".contains(c))
        .map(|w| w.trim_end_matches(['.', '!', '?', ':']))
        .find_map(|w| validate_input(input, w).ok())
}

/// The option named in a message as whole words, without regard to case (the longest first, so
/// "bank transfer" wins over "bank").
fn find_option(options: &[String], text: &str) -> Option<String> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let mut by_length: Vec<&String> = options.iter().collect();
    by_length.sort_by_key(|o| std::cmp::Reverse(o.len()));
    by_length
        .into_iter()
        .find(|option| {
            let wanted: Vec<String> =
                option.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
            !wanted.is_empty() && words.windows(wanted.len()).any(|w| w == wanted.as_slice())
        })
        .cloned()
}

/// An email address inside a message.
pub fn extract_email(text: &str) -> Option<String> {
    let probe = InputDef { max_length: Some(254), ..InputDef::new("email", InputFormat::Email) };
    extract(&probe, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(format: InputFormat) -> InputDef {
        InputDef::new("v", format)
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

    #[test]
    fn owners_patterns_and_options_are_found_in_messages() {
        let order = InputDef {
            pattern: Some(shared::pattern::Pattern::parse(r"^ORD-\d{5,}$").unwrap()),
            ..input(InputFormat::Text)
        };
        assert_eq!(extract(&order, "where is ORD-123456?"), Some("ORD-123456".into()));
        assert_eq!(extract(&order, "where is my order"), None, "a pattern never takes the whole message");
        let asset = InputDef { options: vec!["BTC".into(), "ETH".into()], ..input(InputFormat::Text) };
        assert_eq!(extract(&asset, "is this a valid btc address?"), Some("BTC".into()));
        assert_eq!(extract(&asset, "is this valid?"), None);
        let method = InputDef { options: vec!["bank".into(), "bank transfer".into()], ..input(InputFormat::Text) };
        assert_eq!(extract(&method, "I paid by Bank Transfer."), Some("bank transfer".into()));
        assert_eq!(extract(&method, "my bankroll"), None, "whole words only");
    }
}
