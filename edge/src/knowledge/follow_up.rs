//! A follow-up ("and to Mexico?", "what about ETH?", "and for business accounts?") names only what
//! changes; the rest of the question is the previous one's. It is read as the previous question
//! with one topic replaced: the one after the same preposition ("shipping to Canada" → "to
//! Mexico"), else the last, and the previous form ("what does … cost") kept unless the follow-up
//! asks its own.

use super::index::{KnowledgeIndex, Query};
use super::query::GroupKind;
use super::tokenize::spoken_words;

/// How a follow-up may open, longest first.
const OPENINGS: &[&str] =
    &["and what about ", "and how about ", "what about ", "how about ", "same for ", "and also ", "and "];

/// Prepositions that introduce what a question is about ("to Canada", "for BTC").
const PREPOSITIONS: &[&str] = &["to", "for", "in", "from", "with", "on", "at", "by", "into", "via", "of"];

/// The most words a follow-up's own part may have; longer is a question of its own.
const MAX_WORDS: usize = 5;

/// What a follow-up names, if `text` is one: its preposition, if it has one, and what follows.
pub fn follow_up(text: &str) -> Option<(Option<String>, String)> {
    let lower = text.trim().trim_end_matches(['?', '.', '!']).trim().to_lowercase();
    let first = lower.split_whitespace().next()?;
    let rest = match OPENINGS.iter().find_map(|o| lower.strip_prefix(o)) {
        Some(rest) => rest.to_string(),
        // "for ETH?" alone is one too.
        None if PREPOSITIONS.contains(&first) => lower.clone(),
        None => return None,
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    if words.is_empty() || words.len() > MAX_WORDS {
        return None;
    }
    let (preposition, object) = match words[0] {
        p if PREPOSITIONS.contains(&p) => (Some(p.to_string()), words[1..].join(" ")),
        _ => (None, words.join(" ")),
    };
    (!object.is_empty()).then_some((preposition, object))
}

/// The follow-up `(preposition, object)` read against the `previous` question.
pub fn carried(index: &KnowledgeIndex, previous: &str, preposition: Option<&str>, object: &str) -> Query {
    let before = index.read(previous);
    let new = index.read(object);
    let topics: Vec<usize> =
        (0..before.groups.len()).filter(|&i| before.groups[i].group.kind == GroupKind::Topic).collect();
    // The previous topic in the follow-up's place: the one that starts after the same preposition.
    let after = preposition.and_then(|p| word_after(previous, p));
    let replaced = after
        .and_then(|w| {
            topics.iter().copied().find(|&i| before.groups[i].group.said.split_whitespace().next() == Some(&w))
        })
        .or_else(|| topics.last().copied());
    let asks_form = new.groups.iter().any(|g| matches!(g.group.kind, GroupKind::Form(_)));
    let mut groups: Vec<_> = before
        .groups
        .into_iter()
        .enumerate()
        .filter(|(i, g)| Some(*i) != replaced && !(asks_form && matches!(g.group.kind, GroupKind::Form(_))))
        .map(|(_, g)| g)
        .collect();
    groups.extend(new.groups);
    Query { groups }
}

/// The word after the last `preposition` of `text`, lower case.
fn word_after(text: &str, preposition: &str) -> Option<String> {
    let words: Vec<String> = spoken_words(text).into_iter().flatten().collect();
    let at = words.iter().rposition(|w| w == preposition)?;
    words.get(at + 1).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{chunk_documents, KnowledgeIndex};
    use shared::site::KnowledgeDoc;

    #[test]
    fn follow_ups_are_told_from_questions() {
        assert_eq!(follow_up("and to Mexico?"), Some((Some("to".into()), "mexico".into())));
        assert_eq!(follow_up("What about ETH?"), Some((None, "eth".into())));
        assert_eq!(follow_up("for business accounts?"), Some((Some("for".into()), "business accounts".into())));
        assert_eq!(follow_up("How long does shipping to Mexico take?"), None);
        assert_eq!(follow_up("and then I want to know how long my refund will take to arrive"), None);
    }

    #[test]
    fn the_follow_up_replaces_the_topic_after_its_preposition_and_keeps_the_rest() {
        let doc = KnowledgeDoc {
            file: "k/shipping.md".into(),
            title: "Shipping".into(),
            url: "/shipping".into(),
            body: "## Rates to Canada\nShipping to Canada costs $15.\n\n## Rates to Mexico\nShipping to Mexico costs $25.\n\n## Returns from Mexico\nFree.".into(),
            ..Default::default()
        };
        let index = KnowledgeIndex::new(chunk_documents(&[doc]), &Default::default());
        let query = carried(&index, "What does shipping to Canada cost?", Some("to"), "mexico");
        let said: Vec<&str> = query.groups.iter().map(|g| g.group.said.as_str()).collect();
        assert!(said.contains(&"shipping") && said.contains(&"mexico") && !said.contains(&"canada"), "{said:?}");
        assert_eq!(index.search_query(&query, 1)[0].chunk.url, "/shipping#rates-to-mexico");
    }
}
