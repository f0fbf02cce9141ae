//! The owner's `[handoff]` rules as pure decisions: what a visitor's message says (a topic that
//! always goes to a human, a request for a person, one more negative message) and what a turn
//! produced (a failed check or action, a result that meets `handoff_when`, one more "I don't
//! know"). Phrases are matched on stemmed words in order, so "someone logged into my account"
//! also finds "Someone has logged in to my account!", and a negation just before a phrase ("I
//! don't want to talk to a person") does not count.

use crate::agent::sentiment::sentiment;
use crate::knowledge::tokenize::{spoken_words, stem};
use shared::handoff::{HandoffConfig, HandoffReason};

/// Words that phrases and messages may add or leave out without changing what is asked.
const GLUE: &[&str] = &["a", "an", "in", "into", "just", "my", "our", "please", "some", "the", "to", "your"];
/// Words around a one-word request ("I'd like an agent, please") that leave it a request.
const ASKING: &[&str] = &[
    "can", "could", "get", "give", "i", "let", "like", "me", "need", "now", "real", "speak", "talk", "want", "with",
    "would",
];
/// Words between two words of a phrase that still count as the phrase ("logged *back* into").
const MAX_GAP: usize = 2;
/// How far before a phrase a negation still negates it.
const NEGATION_REACH: usize = 3;

/// A text as the rules compare it: stemmed words, "not" for any negation, glue words dropped.
fn normalized(text: &str) -> Vec<String> {
    spoken_words(text)
        .into_iter()
        .filter(|w| w.as_deref().is_none_or(|w| !GLUE.contains(&w)))
        .map(|w| match w {
            None => "not".to_string(),
            Some(w) if w == "no" || w == "never" => "not".to_string(),
            Some(w) => stem(&w),
        })
        .collect()
}

/// Whether `phrase` occurs in `message`, in order, at most [`MAX_GAP`] words between its words,
/// and not negated just before.
fn contains_phrase(message: &[String], phrase: &[String]) -> bool {
    let Some(first) = phrase.first() else { return false };
    (0..message.len()).filter(|&i| &message[i] == first).any(|start| {
        let negated = message[start.saturating_sub(NEGATION_REACH)..start].iter().any(|w| w == "not");
        let mut at = start;
        let rest_found = phrase[1..].iter().all(|word| {
            let end = (at + 2 + MAX_GAP).min(message.len());
            match message[at + 1..end].iter().position(|w| w == word) {
                Some(offset) => {
                    at += 1 + offset;
                    true
                }
                None => false,
            }
        });
        rest_found && !negated
    })
}

/// Whether a one-word request (`agent`) is what the short message asks for ("agent please").
fn asks_only_for(message: &[String], word: &str) -> bool {
    let asking: Vec<String> = ASKING.iter().map(|w| stem(w)).collect();
    let rest: Vec<&String> = message.iter().filter(|w| !asking.contains(w)).collect();
    rest.len() == 1 && rest[0] == word
}

/// The first topic of the owner's list that the message raises.
pub fn topic_of<'c>(config: &'c HandoffConfig, text: &str) -> Option<&'c str> {
    let message = normalized(text);
    config
        .topics
        .iter()
        .find(|t| t.phrases.iter().any(|p| contains_phrase(&message, &normalized(p))))
        .map(|t| t.name.as_str())
}

/// Whether the message asks for a person.
pub fn asks_for_human(config: &HandoffConfig, text: &str) -> bool {
    let message = normalized(text);
    config.human_requests.iter().any(|p| match normalized(p).as_slice() {
        [] => false,
        [word] => asks_only_for(&message, word),
        phrase => contains_phrase(&message, phrase),
    })
}

/// Whether a message is negative enough to count towards `negative_messages`.
pub fn is_negative(text: &str) -> bool {
    sentiment(text) == "negative"
}

/// What the visitor's message alone decides, before the agent answers: a topic, a request for a
/// person, or the last of `negative_messages` negative messages in a row (`negative_in_row`
/// counts this one).
pub fn on_message(config: &HandoffConfig, text: &str, negative_in_row: u32) -> Option<HandoffReason> {
    if let Some(topic) = topic_of(config, text) {
        return Some(HandoffReason::Topic { topic: topic.to_string() });
    }
    if asks_for_human(config, text) {
        return Some(HandoffReason::HumanRequested);
    }
    (config.negative_messages > 0 && negative_in_row >= config.negative_messages)
        .then_some(HandoffReason::NegativeSentiment { messages: negative_in_row })
}

/// What a turn's outcome showed, as the rules need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// A verification code check failed (the action's name).
    pub verification_failed: Option<String>,
    /// An action failed at the owner's API (the action's name).
    pub action_failed: Option<String>,
    /// An action's result met its `handoff_when` (the action's name).
    pub action_result: Option<String>,
    /// The turn answered "I don't know".
    pub unanswered: bool,
    /// The turn was small talk ("hi", "thanks"): it neither counts nor breaks a streak.
    pub small_talk: bool,
}

/// What the turn's outcome decides; `unanswered_in_row` counts this turn's answer.
pub fn on_outcome(config: &HandoffConfig, outcome: &Outcome, unanswered_in_row: u32) -> Option<HandoffReason> {
    if let Some(action) = &outcome.action_result {
        return Some(HandoffReason::ActionResult { action: action.clone() });
    }
    if let Some(action) = outcome.verification_failed.as_ref().filter(|_| config.on_failed_verification) {
        return Some(HandoffReason::VerificationFailed { action: action.clone() });
    }
    if let Some(action) = outcome.action_failed.as_ref().filter(|_| config.on_failed_action) {
        return Some(HandoffReason::ActionFailed { action: action.clone() });
    }
    (config.unanswered > 0 && unanswered_in_row >= config.unanswered)
        .then_some(HandoffReason::Unanswered { answers: unanswered_in_row })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::handoff::HandoffTopic;

    fn config() -> HandoffConfig {
        let mut c: HandoffConfig = toml::from_str("").unwrap();
        c.topics = vec![
            HandoffTopic {
                name: "Account takeover".into(),
                phrases: vec!["someone logged into my account".into(), "account was hacked".into()],
            },
            HandoffTopic { name: "Damaged item".into(), phrases: vec!["arrived damaged".into()] },
        ];
        c
    }

    #[test]
    fn topics_are_found_in_the_visitors_own_words() {
        let c = config();
        for text in [
            "someone logged into my account and withdrew my bitcoin",
            "Someone has logged in to my account!!",
            "I think someone logged back into my account",
            "HELP my account was hacked",
        ] {
            assert_eq!(topic_of(&c, text), Some("Account takeover"), "{text}");
        }
        assert_eq!(topic_of(&c, "The tent arrived damaged"), Some("Damaged item"));
        for text in ["How do I log into my account?", "my account", "someone said hello", "was it hacked?"] {
            assert_eq!(topic_of(&c, text), None, "{text}");
        }
    }

    #[test]
    fn a_person_is_asked_for_in_many_ways_but_not_by_every_mention() {
        let c = config();
        for text in [
            "I want a real person",
            "Can I talk to a person please",
            "speak to someone",
            "agent",
            "Agent please!",
            "I'd like an agent",
            "human",
            "let me talk to a human now",
        ] {
            assert!(asks_for_human(&c, text), "{text}");
        }
        for text in [
            "Does the agent API support webhooks?",
            "I don't want to talk to a person",
            "Is there a human-readable export of my trades?",
            "how long do withdrawals take",
        ] {
            assert!(!asks_for_human(&c, text), "{text}");
        }
    }

    #[test]
    fn message_rules_in_order() {
        let c = config();
        assert_eq!(
            on_message(&c, "someone logged into my account, get me a human", 0),
            Some(HandoffReason::Topic { topic: "Account takeover".into() }),
            "the topic says more than the request"
        );
        assert_eq!(on_message(&c, "a real person please", 0), Some(HandoffReason::HumanRequested));
        assert_eq!(on_message(&c, "this is terrible", 2), None);
        assert_eq!(on_message(&c, "this is terrible", 3), Some(HandoffReason::NegativeSentiment { messages: 3 }));
        let off = HandoffConfig { negative_messages: 0, ..c };
        assert_eq!(on_message(&off, "this is terrible", 9), None, "0 turns the rule off");
        assert!(is_negative("this is terrible and useless") && !is_negative("thanks, great"));
    }

    #[test]
    fn outcome_rules_in_order_and_switchable() {
        let c = config();
        let failed = Outcome { action_failed: Some("Order status".into()), ..Outcome::default() };
        assert_eq!(on_outcome(&c, &failed, 0), Some(HandoffReason::ActionFailed { action: "Order status".into() }));
        let quiet = HandoffConfig { on_failed_action: false, ..c.clone() };
        assert_eq!(on_outcome(&quiet, &failed, 0), None);
        let code = Outcome { verification_failed: Some("Check code".into()), ..Outcome::default() };
        assert_eq!(on_outcome(&c, &code, 0), Some(HandoffReason::VerificationFailed { action: "Check code".into() }));
        let big = Outcome { action_result: Some("Withdrawal".into()), ..failed };
        assert_eq!(on_outcome(&c, &big, 0), Some(HandoffReason::ActionResult { action: "Withdrawal".into() }));
        let unknown = Outcome { unanswered: true, ..Outcome::default() };
        assert_eq!(on_outcome(&c, &unknown, 1), None);
        assert_eq!(on_outcome(&c, &unknown, 2), Some(HandoffReason::Unanswered { answers: 2 }));
    }
}
