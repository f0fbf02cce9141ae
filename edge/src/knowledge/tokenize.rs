//! Words to index terms: lower-cased, stop words dropped, light suffix stemming so that
//! "withdrawals", "withdrawing" and "withdrawal" meet.

/// Words too common to say anything about what a question is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "but",
    "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if",
    "in", "into", "is", "it", "its", "just", "know", "let", "like", "many", "may", "me", "might", "much", "my", "need",
    "no", "not", "of", "on", "or", "our", "out", "please", "should", "so", "some", "take", "takes", "tell", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "up", "us", "use", "using", "want",
    "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];

/// Whether a lower-cased word is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Splits text into index terms, in order (duplicates kept).
pub fn terms(text: &str) -> Vec<String> {
    words(text).filter(|w| !is_stop_word(w)).map(|w| stem(&w)).collect()
}

/// Lower-cased alphanumeric runs of the text.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// A deliberately small stemmer: plural, -ing, -ed, -al and a final -e.
pub fn stem(word: &str) -> String {
    let mut w = word.to_string();
    let len = |w: &str| w.chars().count();
    if len(&w) > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if len(&w) > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.pop();
    }
    if len(&w) > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
    } else if len(&w) > 4 && w.ends_with("ied") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if len(&w) > 4 && w.ends_with("ed") {
        w.truncate(w.len() - 2);
    }
    if len(&w) > 6 && w.ends_with("al") {
        w.truncate(w.len() - 2);
    }
    if len(&w) >= 4 && w.ends_with('e') {
        w.pop();
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn question_keeps_its_subject() {
        assert_eq!(terms("What are the withdrawal fees for Bitcoin?"), vec!["withdraw", "fee", "bitcoin"]);
    }

    #[test]
    fn inflections_meet() {
        for group in [
            &["withdrawal", "withdrawals", "withdrawing", "withdraw"][..],
            &["deposit", "deposits", "depositing", "deposited"],
            &["verify", "verified", "verifies"],
            &["code", "codes"],
            &["fee", "fees"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(stems.windows(2).all(|s| s[0] == s[1]), "{group:?} -> {stems:?}");
        }
    }

    #[test]
    fn digits_and_unicode_survive() {
        assert_eq!(terms("2FA résumé"), vec!["2fa", "résumé"]);
    }
}
