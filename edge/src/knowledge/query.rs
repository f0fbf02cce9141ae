//! A question read for search: its topic, as groups (a word or a known phrase, with the terms that
//! may stand for it in a passage and how much each is worth), and its form ("how long"…).

use super::lexicon::{Lexicon, Stems};
use super::question::{find_forms, QuestionForm};
use super::tokenize::{compounds, fold_compounds, is_noise_word, negated, phrase_terms, spoken_words, stem};

/// What a match through the built-in lexicon is worth against the visitor's own word (1.0). The
/// owner's synonyms are worth 1.0: the owner said they mean the same.
pub const RELATED: f64 = 0.8;
/// What a match through the site's thesaurus (WordNet, applied at build time) is worth: a word
/// of the same meaning in one of its common senses, or the kind of thing it is.
pub const THESAURUS: f64 = 0.4;

/// A term that may stand for a group in a passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// The stems a passage must all contain.
    pub stems: Stems,
    /// What a match is worth, 0–1.
    pub factor: f64,
}

/// What a group of the question is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// The question's topic: a word or phrase it is about. Counts for coverage.
    Topic,
    /// The kind of answer asked for. Ranks, never counts for coverage.
    Form(QuestionForm),
    /// An everyday verb that says little of the topic ("how do returns *work*", "what
    /// *happens* if…"): ranks a passage that has it, never counts against one that does not.
    Everyday,
}

/// Stems of everyday verbs ([`GroupKind::Everyday`]).
const EVERYDAY_VERBS: &[&str] = &["check", "come", "find", "happen", "look", "occur", "see", "show", "view", "work"];

/// Whether a word is a value the visitor gives (a reference, a date written with hyphens, a long
/// number: five digits or more; an amount with its magnitude, "25k", "2m") rather than a word of
/// what they ask about.
fn is_value(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    word.chars().filter(char::is_ascii_digit).count() >= 5
        || (digits > 0 && matches!(&word[digits..], "k" | "m" | "bn"))
}

/// A word or phrase of the question with its alternatives.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Topic or form.
    pub kind: GroupKind,
    /// The visitor's own words, for tests and figures.
    pub said: String,
    /// The terms that stand for it, the visitor's own words first (for a topic whose words are not
    /// all stop words).
    pub alternatives: Vec<Alternative>,
}

/// Reads a question: its forms, then its phrases and words, each with its relatives from the
/// owner's synonyms, the built-in lexicon and the site's thesaurus.
pub fn parse_question(text: &str, owner: &Lexicon, thesaurus: &Lexicon) -> Vec<Group> {
    let builtin = Lexicon::builtin();
    let mut groups: Vec<Group> = Vec::new();
    for clause in text.split(['.', '?', '!', ';', ',', ':', '\n']) {
        // A hyphenated word is one word ("e-mail" → "email"), which also stands for its parts.
        let parts_of = compounds(clause);
        let words = spoken_words(&fold_compounds(clause));
        let mut taken = vec![false; words.len()];
        for found in find_forms(&words) {
            taken[found.words.clone()].iter_mut().for_each(|t| *t = true);
            if !groups.iter().any(|g| g.kind == GroupKind::Form(found.form)) {
                let alternatives = found
                    .form
                    .answer_words()
                    .iter()
                    .map(|w| Alternative { stems: vec![stem(w)], factor: 1.0 })
                    .collect();
                groups.push(Group { kind: GroupKind::Form(found.form), said: String::new(), alternatives });
            }
        }
        // A negated auxiliary ("hasn't") and "never" read as "not", which phrases may start with
        // ("hasn't shown up" → "not show up").
        let stems: Vec<String> = words
            .iter()
            .map(|w| match w.as_deref() {
                None | Some("never") => "not".to_string(),
                Some(w) => stem(w),
            })
            .collect();
        let mut at = 0;
        while at < words.len() {
            if taken[at] {
                at += 1;
                continue;
            }
            // The longest phrase either lexicon knows, over words no form took; filler words
            // may stand inside it ("send it back").
            let free: Vec<String> =
                stems[at..].iter().zip(&taken[at..]).map_while(|(s, t)| (!t).then(|| s.clone())).collect();
            let noise = |i: usize| words[at + i].as_deref().is_some_and(is_noise_word);
            let phrase = [owner.phrase_at(&free, noise), builtin.phrase_at(&free, noise)]
                .into_iter()
                .flatten()
                .max_by_key(|(n, key)| (key.len(), *n));
            let mut kind = GroupKind::Topic;
            let (key, said, literal) = match (phrase, words[at].as_deref()) {
                (Some((n, key)), _) => {
                    let said =
                        words[at..at + n].iter().map(|w| w.as_deref().unwrap_or("not")).collect::<Vec<_>>().join(" ");
                    at += n;
                    (key.clone(), said, phrase_terms(key))
                }
                (None, Some(word)) if !is_noise_word(word) && !is_value(word) => {
                    at += 1;
                    if EVERYDAY_VERBS.contains(&free[0].as_str()) {
                        kind = GroupKind::Everyday;
                    }
                    (vec![free[0].clone()], word.to_string(), vec![free[0].clone()])
                }
                (None, _) => {
                    at += 1;
                    continue;
                }
            };
            if groups.iter().any(|g| g.kind == kind && g.said == said) {
                continue;
            }
            // A phrase of stop words only ("didn't get") stands for its relatives alone.
            let mut alternatives: Vec<Alternative> = Vec::new();
            if !literal.is_empty() {
                alternatives.push(Alternative { stems: literal, factor: 1.0 });
            }
            if let Some((_, parts)) = parts_of.iter().find(|(joined, _)| *joined == said) {
                let stems = phrase_terms(&parts.iter().map(|p| stem(p)).collect::<Vec<_>>());
                if !stems.is_empty() && !alternatives.iter().any(|a| a.stems == stems) {
                    alternatives.push(Alternative { stems, factor: 1.0 });
                }
            }
            let related = owner
                .related(&key)
                .iter()
                .map(|s| (s, 1.0))
                .chain(builtin.related(&key).iter().map(|s| (s, RELATED)))
                .chain(thesaurus.related(&key).iter().map(|s| (s, THESAURUS)));
            for (stems, factor) in related {
                if !alternatives.iter().any(|a| &a.stems == stems) {
                    alternatives.push(Alternative { stems: stems.clone(), factor });
                }
            }
            if alternatives.is_empty() {
                continue;
            }
            groups.push(Group { kind, said, alternatives });
        }
    }
    // "Can I X?" is answered by what one can or cannot do, and only the "cannot" leaves a trace
    // in the index ("can" is a stop word): "we can't ship to P.O. boxes" → `not_ship`.
    let negated_topic: Vec<Alternative> = groups
        .iter()
        .filter(|g| g.kind == GroupKind::Topic)
        .flat_map(|g| &g.alternatives)
        .filter(|a| a.stems.len() == 1 && !a.stems[0].starts_with("not_"))
        .map(|a| Alternative { stems: vec![negated(&a.stems[0])], factor: 1.0 })
        .collect();
    if let Some(permission) = groups.iter_mut().find(|g| g.kind == GroupKind::Form(QuestionForm::Permission)) {
        permission.alternatives.extend(negated_topic);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn topics(text: &str) -> Vec<String> {
        parse_question(text, &Lexicon::default(), &Lexicon::default())
            .into_iter()
            .filter(|g| g.kind == GroupKind::Topic)
            .map(|g| g.said)
            .collect()
    }

    fn alternatives(text: &str, said: &str) -> Vec<(String, f64)> {
        let groups = parse_question(text, &Lexicon::default(), &Lexicon::default());
        let group = groups.iter().find(|g| g.said == said).unwrap();
        group.alternatives.iter().map(|a| (a.stems.join(" "), a.factor)).collect()
    }

    #[test]
    fn the_form_takes_its_words_and_the_topic_keeps_the_rest() {
        let groups = parse_question("How long do withdrawals usually take?", &Lexicon::default(), &Lexicon::default());
        assert_eq!(groups[0].kind, GroupKind::Form(QuestionForm::Duration));
        assert!(groups[0].alternatives.iter().any(|a| a.stems == ["time"]));
        assert_eq!(topics("How long do withdrawals usually take?"), ["withdrawals"]);
        assert_eq!(topics("Is it possible to pay in instalments?"), ["pay", "instalments"]);
    }

    #[test]
    fn the_visitors_word_comes_first_and_its_relatives_weigh_less() {
        let alts = alternatives("How much does it cost to send bitcoin?", "send");
        assert_eq!(alts[0], ("send".to_string(), 1.0));
        assert!(alts.contains(&("withdraw".to_string(), RELATED)), "{alts:?}");
    }

    #[test]
    fn known_phrases_are_one_unit() {
        assert_eq!(topics("When will I get my money back?"), ["money back"]);
        let alts = alternatives("When will I get my money back?", "money back");
        assert_eq!(alts[0], ("money back".to_string(), 1.0));
        assert!(alts.contains(&("refund".to_string(), RELATED)));
        assert_eq!(topics("How do I send something back?"), ["send something back"]);
        assert_eq!(topics("Do you ship to New Zealand?"), ["ship", "new zealand"]);
    }

    #[test]
    fn owner_synonyms_weigh_as_much_as_the_word() {
        let mut synonyms = BTreeMap::new();
        synonyms.insert("btc".to_string(), vec!["bitcoin".to_string()]);
        let groups = parse_question("btc fees", &Lexicon::from_synonyms(&synonyms), &Lexicon::default());
        assert_eq!(groups[0].alternatives[1], Alternative { stems: vec!["bitcoin".into()], factor: 1.0 });
    }

    #[test]
    fn a_negation_starts_a_phrase() {
        assert_eq!(topics("My deposit hasn't shown up yet"), ["deposit", "not shown up"]);
        let alts = alternatives("I didn't get a confirmation email", "not get");
        assert!(
            alts.iter().all(|(_, f)| *f == RELATED) && alts.contains(&("not_arriv".to_string(), RELATED)),
            "{alts:?}"
        );
    }

    #[test]
    fn can_i_is_also_answered_by_what_cannot_be_done() {
        let groups = parse_question("Can I return a gift card?", &Lexicon::default(), &Lexicon::default());
        assert_eq!(groups[0].kind, GroupKind::Form(QuestionForm::Permission));
        assert!(groups[0].alternatives.iter().any(|a| a.stems == ["not_return"]));
    }

    #[test]
    fn values_are_no_topic_but_short_numbers_are() {
        assert_eq!(
            topics("Refill my Xanax, I was born 1979-09-12, ref RFC-118406"),
            ["refill", "xanax", "born", "ref"]
        );
        assert_eq!(topics("What do I need for level 2?"), ["level", "2"]);
    }

    #[test]
    fn function_words_are_no_topic() {
        assert_eq!(topics("Roughly how long until it arrives, same as before?"), ["arrives"]);
        assert_eq!(topics("Can I use it instead of him, according to her?"), Vec::<String>::new());
    }

    #[test]
    fn a_word_said_twice_is_one_group() {
        assert_eq!(topics("fees, fees and more fees"), ["fees", "more"]);
    }

    #[test]
    fn a_hyphenated_word_is_one_topic_standing_for_its_parts_too() {
        assert_eq!(topics("How do I change my e-mail?"), ["change", "email"]);
        let alts = alternatives("How do I change my e-mail?", "email");
        assert_eq!(alts[0], ("email".to_string(), 1.0));
        assert!(alts.contains(&("e mail".to_string(), 1.0)), "{alts:?}");
    }

    #[test]
    fn an_everyday_verb_ranks_but_is_no_topic() {
        assert_eq!(topics("How do returns work?"), ["returns"]);
        let groups = parse_question("What happens if my parcel is lost?", &Lexicon::default(), &Lexicon::default());
        assert!(groups.iter().any(|g| g.kind == GroupKind::Everyday && g.said == "happens"));
        assert_eq!(topics("What happens if my parcel is lost?"), ["parcel", "lost"]);
    }
}
