//! A follow-up ("and to Mexico?", "what about ETH?", "and for business accounts?") names only what
//! changes; the rest of the question is the previous one's. It is read as the previous question
//! with one topic replaced: the one after the same preposition ("shipping to Canada" → "to
//! Mexico"), else the last, and the previous form ("what does … cost") kept unless the follow-up
//! asks its own. A question that asks only a form ("how long does it take?") is the previous
//! question asked in that form.

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
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    // "the one on Oak Avenue": "the one" stands for the previous question's thing.
    if let ["the" | "that", "one" | "ones", _, ..] = words.as_slice() {
        words.drain(..2);
    }
    if words.is_empty() || words.len() > MAX_WORDS {
        return None;
    }
    let (preposition, object) = match words[0] {
        p if PREPOSITIONS.contains(&p) => (Some(p.to_string()), words[1..].join(" ")),
        _ => (None, words.join(" ")),
    };
    (!object.is_empty()).then_some((preposition, object))
}

/// Whether `text` only makes sense after a previous question: a follow-up, or a question that
/// asks a form and names no topic ("how long does it take?").
pub fn builds_on_previous(index: &KnowledgeIndex, text: &str) -> bool {
    follow_up(text).is_some() || asks_only_a_form(&index.read(text))
}

fn asks_only_a_form(query: &Query) -> bool {
    !query.has_topic() && query.groups.iter().any(|g| matches!(g.group.kind, GroupKind::Form(_)))
}

/// `text` read after the `previous` question, when it builds on it and the result has a topic.
pub fn in_context(index: &KnowledgeIndex, previous: &str, text: &str) -> Option<Query> {
    let query = match follow_up(text) {
        Some((preposition, object)) => carried(index, previous, text, preposition.as_deref(), &object),
        None => {
            let asked = index.read(text);
            if !asks_only_a_form(&asked) {
                return None;
            }
            // The previous question asked in the new form.
            let mut groups: Vec<_> = index
                .read(previous)
                .groups
                .into_iter()
                .filter(|g| !matches!(g.group.kind, GroupKind::Form(_)))
                .collect();
            groups.extend(asked.groups);
            Query { groups }
        }
    };
    query.has_topic().then_some(query)
}

/// The follow-up `(preposition, object)` of `text` read against the `previous` question.
fn carried(index: &KnowledgeIndex, previous: &str, text: &str, preposition: Option<&str>, object: &str) -> Query {
    let before = index.read(previous);
    let new = index.read(object);
    let topics: Vec<usize> =
        (0..before.groups.len()).filter(|&i| before.groups[i].group.kind == GroupKind::Topic).collect();
    // The previous topics in the follow-up's place: the one that starts after the same
    // preposition; else, when the follow-up names something by its proper name ("Oak Avenue"),
    // the proper name the previous question gave ("the River Road location"); else the last.
    let after = preposition.and_then(|p| word_after(previous, p));
    let by_preposition = after.and_then(|w| {
        topics.iter().copied().find(|&i| before.groups[i].group.said.split_whitespace().next() == Some(&w))
    });
    let named_before = capitalised(previous);
    let by_name: Vec<usize> = if capitalised(text).iter().any(|w| object.split_whitespace().any(|o| o == w)) {
        topics
            .iter()
            .copied()
            .filter(|&i| before.groups[i].group.said.split_whitespace().all(|w| named_before.contains(&w.to_string())))
            .collect()
    } else {
        Vec::new()
    };
    let replaced: Vec<usize> = match (by_preposition, by_name.is_empty()) {
        (Some(i), _) => vec![i],
        (None, false) => by_name,
        (None, true) => topics.last().copied().into_iter().collect(),
    };
    let asks_form = new.groups.iter().any(|g| matches!(g.group.kind, GroupKind::Form(_)));
    let mut groups: Vec<_> = before
        .groups
        .into_iter()
        .enumerate()
        .filter(|(i, g)| !(replaced.contains(i) || asks_form && matches!(g.group.kind, GroupKind::Form(_))))
        .map(|(_, g)| g)
        .collect();
    groups.extend(new.groups);
    Query { groups }
}

/// The words of `text` written with a capital inside a sentence (not its first word), lower case:
/// the names it gives.
fn capitalised(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut starts_sentence = true;
    for raw in text.split_whitespace() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if !starts_sentence && word.chars().next().is_some_and(char::is_uppercase) {
            names.push(word.to_lowercase());
        }
        starts_sentence = raw.ends_with(['.', '?', '!']);
    }
    names
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
        let query = in_context(&index, "What does shipping to Canada cost?", "and to Mexico?").unwrap();
        let said: Vec<&str> = query.groups.iter().map(|g| g.group.said.as_str()).collect();
        assert!(said.contains(&"shipping") && said.contains(&"mexico") && !said.contains(&"canada"), "{said:?}");
        assert_eq!(index.search_query(&query, 1)[0].chunk.url, "/shipping#rates-to-mexico");
    }

    fn places() -> KnowledgeIndex {
        let doc = KnowledgeDoc {
            file: "k/places.md".into(),
            title: "Places".into(),
            url: "/places".into(),
            body: "## Main office\n240 River Road. Open 8 am to 6 pm.\n\n## North office\n18 Oak Avenue. Open 9 am to 5 pm.\n\n## Refills\nSend us the name of the medicine to refill in the chat.\n\n## How long a refill takes\nWithin 2 business days.\n\n## Parking\nStreet parking on Oak Avenue; a car park on River Road.".into(),
            ..Default::default()
        };
        KnowledgeIndex::new(chunk_documents(&[doc]), &Default::default())
    }

    #[test]
    fn a_name_in_a_follow_up_takes_the_place_of_the_name_before() {
        let index = places();
        assert_eq!(follow_up("what about the one on Oak Avenue?"), Some((Some("on".into()), "oak avenue".into())));
        let query =
            in_context(&index, "When is the River Road office open?", "what about the one on Oak Avenue?").unwrap();
        let said: Vec<&str> = query.groups.iter().map(|g| g.group.said.as_str()).collect();
        assert!(said.contains(&"office") && !said.contains(&"river") && !said.contains(&"road"), "{said:?}");
        assert_eq!(index.search_query(&query, 1)[0].chunk.url, "/places#north-office");
    }

    #[test]
    fn a_question_asking_only_a_form_asks_it_of_the_previous_topic() {
        let index = places();
        assert!(builds_on_previous(&index, "how long does it take?"));
        assert!(!builds_on_previous(&index, "how long does a refill take?"));
        let query = in_context(&index, "How do I ask for a refill?", "how long does it take?").unwrap();
        assert_eq!(index.search_query(&query, 1)[0].chunk.url, "/places#how-long-a-refill-takes");
        assert!(in_context(&index, "How do I ask for a refill?", "Where can I park?").is_none());
    }
}
