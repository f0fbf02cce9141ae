//! `{{message.sentiment}}`: positive, neutral or negative, from a small word list. Good enough to
//! route an angry customer; an LLM engine can do better later.

use crate::knowledge::tokenize::words;

const POSITIVE: &[&str] = &[
    "thanks",
    "thank",
    "great",
    "awesome",
    "love",
    "perfect",
    "excellent",
    "helpful",
    "good",
    "nice",
    "appreciate",
    "amazing",
];
const NEGATIVE: &[&str] = &[
    "angry",
    "terrible",
    "worst",
    "scam",
    "stolen",
    "frustrated",
    "frustrating",
    "hate",
    "ridiculous",
    "unacceptable",
    "broken",
    "useless",
    "fraud",
    "awful",
    "horrible",
    "disappointed",
    "furious",
    "bad",
    "wrong",
    "lost",
    "never",
];

/// The message's sentiment label.
pub fn sentiment(text: &str) -> &'static str {
    let (mut pos, mut neg) = (0i32, 0i32);
    for w in words(text) {
        if POSITIVE.contains(&w.as_str()) {
            pos += 1;
        } else if NEGATIVE.contains(&w.as_str()) {
            neg += 1;
        }
    }
    match pos - neg {
        d if d > 0 => "positive",
        d if d < 0 => "negative",
        _ => "neutral",
    }
}

#[cfg(test)]
mod tests {
    use super::sentiment;

    #[test]
    fn labels() {
        assert_eq!(sentiment("Thanks, that was helpful!"), "positive");
        assert_eq!(sentiment("This is a scam, my funds are lost and support is useless"), "negative");
        assert_eq!(sentiment("What are the fees?"), "neutral");
    }
}
