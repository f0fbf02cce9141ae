//! Greetings and thanks: short messages that carry no question and need no knowledge search.

use crate::knowledge::tokenize::words;

/// A message that is only social.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "hi", "hello there", "good morning"
    Greeting,
    /// "thanks", "thank you so much"
    Thanks,
    /// "bye", "that's all"
    Goodbye,
}

const GREETING: &[&str] =
    &["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "good", "there", "yo"];
const THANKS: &[&str] = &[
    "thanks", "thank", "you", "thx", "ty", "cheers", "so", "much", "great", "ok", "okay", "perfect", "that", "s",
    "helpful", "very",
];
const GOODBYE: &[&str] = &["bye", "goodbye", "see", "you", "later", "that", "s", "all", "cya"];

/// Classifies a message that consists only of social words.
pub fn classify(text: &str) -> Option<SmallTalk> {
    let ws: Vec<String> = words(text).collect();
    if ws.is_empty() || ws.len() > 6 {
        return None;
    }
    let only = |set: &[&str]| ws.iter().all(|w| set.contains(&w.as_str()));
    let any = |keys: &[&str]| ws.iter().any(|w| keys.contains(&w.as_str()));
    if only(THANKS) && any(&["thanks", "thank", "thx", "ty", "cheers"]) {
        Some(SmallTalk::Thanks)
    } else if only(GOODBYE) && any(&["bye", "goodbye", "later", "all", "cya"]) {
        Some(SmallTalk::Goodbye)
    } else if only(GREETING) && any(&["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "yo"]) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_social_messages() {
        assert_eq!(classify("Hi!"), Some(SmallTalk::Greeting));
        assert_eq!(classify("good morning"), Some(SmallTalk::Greeting));
        assert_eq!(classify("Thanks so much!"), Some(SmallTalk::Thanks));
        assert_eq!(classify("ok bye"), None);
        assert_eq!(classify("bye"), Some(SmallTalk::Goodbye));
    }

    #[test]
    fn questions_are_not_small_talk() {
        assert_eq!(classify("hi, what are the bitcoin fees?"), None);
        assert_eq!(classify("good"), None);
        assert_eq!(classify(""), None);
    }
}
