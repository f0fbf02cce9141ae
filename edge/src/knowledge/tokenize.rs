//! Words to index terms: lower-cased, contractions resolved, stop and filler words dropped, and
//! stemmed with the Snowball English (Porter 2) stemmer so that "withdrawals", "withdrawing" and
//! "withdrawal" meet.

use rust_stemmers::{Algorithm, Stemmer};

/// Words too common to say anything about what a question is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "but",
    "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if",
    "in", "into", "is", "it", "its", "just", "know", "let", "like", "many", "may", "me", "might", "much", "my", "need",
    "no", "not", "of", "on", "or", "our", "out", "please", "should", "so", "some", "take", "takes", "tell", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "up", "us", "use", "using", "want",
    "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];

/// Words visitors add to a question that carry no topic ("usually", "something", "anymore"). Kept
/// apart from [`STOP_WORDS`], which other modules read as "common English function words".
const FILLER_WORDS: &[&str] = &[
    "&str] = &[",
    "according",
    "actually",
    "again",
    "almost",
    "already",
    "although",
    "another",
    "anymore",
    "anyone",
    "anything",
    "anyway",
    "anywhere",
    "approximately",
    "around",
    "basically",
    "because",
    "being",
    "both",
    "currently",
    "doing",
    "done",
    "each",
    "either",
    "else",
    "even",
    "ever",
    "everywhere",
    "exactly",
    "generally",
    "go",
    "goes",
    "going",
    "gone",
    "he",
    "hello",
    "her",
    "here",
    "hers",
    "herself",
    "hey",
    "hi",
    "him",
    "himself",
    "his",
    "instead",
    "itself",
    "maybe",
    "mine",
    "myself",
    "nearly",
    "neither",
    "nor",
    "normally",
    "now",
    "ok",
    "okay",
    "once",
    "only",
    "other",
    "others",
    "ours",
    "ourselves",
    "own",
    "per",
    "perhaps",
    "probably",
    "quite",
    "rather",
    "really",
    "roughly",
    "same",
    "she",
    "somebody",
    "someone",
    "something",
    "somewhere",
    "still",
    "stuff",
    "such",
    "sure",
    "taking",
    "thank",
    "thanks",
    "themselves",
    "thing",
    "things",
    "those",
    "though",
    "till",
    "too",
    "took",
    "typically",
    "until",
    "usually",
    "very",
    "were",
    "whether",
    "while",
    "whom",
    "whose",
    "yet",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether a lower-cased word is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Whether a lower-cased word says nothing about a question's topic: a stop or filler word, or an
/// inflection of a stop word ("having", "needs").
pub fn is_noise_word(word: &str) -> bool {
    is_stop_word(word) || FILLER_WORDS.binary_search(&word).is_ok() || is_stop_word(&stem(word))
}

/// The hyphenated words of a text (`e-mail`, `sign-in`, `two-factor`), each as one word
/// (`email`, `signin`, `twofactor`) with its parts: written either way, a word meets itself.
pub fn compounds(text: &str) -> Vec<(String, Vec<String>)> {
    let is_hyphen = |c: char| matches!(c, '-' | '\u{2010}' | '\u{2011}');
    text.split(|c: char| !c.is_alphanumeric() && !is_hyphen(c))
        .filter(|w| w.chars().any(is_hyphen))
        .filter_map(|w| {
            let parts: Vec<String> = w.split(is_hyphen).map(str::to_lowercase).collect();
            (parts.len() > 1 && parts.iter().all(|p| !p.is_empty())).then(|| (parts.concat(), parts))
        })
        .collect()
}

/// The text with each hyphenated word written as one ([`compounds`]).
pub fn fold_compounds(text: &str) -> String {
    let is_hyphen = |c: char| matches!(c, '-' | '\u{2010}' | '\u{2011}');
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let joins = is_hyphen(c)
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if !joins {
            out.push(c);
        }
    }
    out
}

/// Splits text into index terms, in order (duplicates kept). A word governed by a negation ("has
/// not arrived", "hasn't changed", "never expire") also yields its [`negated`] term. A hyphenated
/// word yields its parts and itself as one word ([`compounds`]).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = terms_of_words(text);
    for (joined, _) in compounds(text) {
        if !is_noise_word(&joined) {
            out.push(stem(&joined));
        }
    }
    out
}

fn terms_of_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut negation_reach = 0;
    for word in spoken_words(text) {
        match word {
            None => negation_reach = NEGATION_REACH,
            Some(w) if NEGATIONS.contains(&w.as_str()) => negation_reach = NEGATION_REACH,
            Some(w) if is_noise_word(&w) => negation_reach = negation_reach.saturating_sub(1),
            Some(w) => {
                let s = stem(&w);
                if negation_reach > 0 {
                    out.push(negated(&s));
                    negation_reach = 0;
                }
                out.push(s);
            }
        }
    }
    out
}

/// Words that negate the word after them (a negated auxiliary such as "hasn't" reads as one too).
const NEGATIONS: &[&str] = &["never", "no", "not"];
/// How many words after a negation its word may come ("has not yet been credited").
const NEGATION_REACH: usize = 4;

/// The term for a negated stem ("arriv" → "not_arriv"); no word contains `_`, so none collides.
pub fn negated(stem: &str) -> String {
    format!("not_{stem}")
}

/// The terms a phrase's stems stand for: its content stems, the first one after "not" negated
/// (["not", "show", "up"] → ["not_show"]).
pub fn phrase_terms(stems: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut negate = false;
    for s in stems {
        if s == "not" {
            negate = true;
        } else if !is_noise_word(s) {
            out.push(if std::mem::take(&mut negate) { negated(s) } else { s.clone() });
        }
    }
    out
}

/// The words of a text that can carry a topic, lower-cased and unstemmed, in order.
pub fn content_words(text: &str) -> Vec<String> {
    spoken_words(text).into_iter().filter_map(|w| w.filter(|w| !is_noise_word(w))).collect()
}

/// Lower-cased alphanumeric runs of the text.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The text's words with contractions resolved: "isn't", "can't" and "cannot" become `None` (a
/// negated auxiliary, never a topic), "CEO's" becomes "ceo" and "we'll" "we".
pub fn spoken_words(text: &str) -> Vec<Option<String>> {
    let is_apostrophe = |c: char| c == '\'' || c == '\u{2019}';
    text.split(|c: char| !c.is_alphanumeric() && !is_apostrophe(c))
        .map(|w| w.trim_matches(is_apostrophe).to_lowercase().replace('\u{2019}', "'"))
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.ends_with("n't") || w == "cannot" {
                return None;
            }
            let base = ["'s", "'re", "'ve", "'ll", "'d", "'m"].iter().find_map(|s| w.strip_suffix(s));
            Some(base.unwrap_or(&w).replace('\'', ""))
        })
        .collect()
}

/// Irregular verb forms a stemmer cannot bring home ("broke" → "break"), sorted for binary search.
const IRREGULAR: &[(&str, &str)] = &[
    ("began", "begin"),
    ("begun", "begin"),
    ("bought", "buy"),
    ("broke", "break"),
    ("broken", "break"),
    ("brought", "bring"),
    ("came", "come"),
    ("chose", "choose"),
    ("chosen", "choose"),
    ("forgot", "forget"),
    ("forgotten", "forget"),
    ("found", "find"),
    ("froze", "freeze"),
    ("frozen", "freeze"),
    ("gave", "give"),
    ("given", "give"),
    ("held", "hold"),
    ("hid", "hide"),
    ("hidden", "hide"),
    ("kept", "keep"),
    ("lent", "lend"),
    ("lost", "lose"),
    ("made", "make"),
    ("paid", "pay"),
    ("sent", "send"),
    ("shown", "show"),
    ("sold", "sell"),
    ("spent", "spend"),
    ("stole", "steal"),
    ("stolen", "steal"),
    ("taken", "take"),
    ("tore", "tear"),
    ("torn", "tear"),
    ("wore", "wear"),
    ("worn", "wear"),
    ("written", "write"),
    ("wrote", "write"),
];

/// The Snowball English stem of a lower-cased word (irregular verb forms first taken to their base).
pub fn stem(word: &str) -> String {
    let base = IRREGULAR.binary_search_by(|(form, _)| form.cmp(&word)).map_or(word, |i| IRREGULAR[i].1);
    Stemmer::create(Algorithm::English).stem(base).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(FILLER_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(IRREGULAR.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn question_keeps_its_subject() {
        assert_eq!(terms("What are the withdrawal fees for Bitcoin?"), vec!["withdraw", "fee", "bitcoin"]);
        assert_eq!(terms("How long do withdrawals usually take?"), vec!["long", "withdraw"]);
    }

    #[test]
    fn contractions_and_possessives_are_resolved() {
        assert_eq!(terms("My tracking hasn't updated"), vec!["track", "not_updat", "updat"]);
        assert_eq!(terms("What's your CEO's name?"), vec!["ceo", "name"]);
        assert_eq!(terms("I can’t log in, we'll see"), vec!["not_log", "log", "see"]);
        assert_eq!(spoken_words("don't"), vec![None]);
    }

    #[test]
    fn a_negation_marks_the_word_it_governs() {
        assert_eq!(terms("If a deposit has not arrived"), vec!["deposit", "not_arriv", "arriv"]);
        assert_eq!(terms("Gift cards never expire"), vec!["gift", "card", "not_expir", "expir"]);
        assert_eq!(terms("no"), Vec::<String>::new());
        let stems: Vec<String> = ["not", "show", "up"].map(String::from).to_vec();
        assert_eq!(phrase_terms(&stems), vec!["not_show"]);
    }

    #[test]
    fn inflections_meet() {
        for group in [
            &["withdrawal", "withdrawals", "withdrawing", "withdraw"][..],
            &["deposit", "deposits", "depositing", "deposited"],
            &["verify", "verified", "verifies"],
            &["code", "codes"],
            &["fee", "fees"],
            &["ship", "shipping", "shipped", "ships"],
            &["return", "returns", "returned", "returning"],
            &["cancel", "cancelled", "cancelling"],
            &["break", "broke", "broken", "breaks"],
            &["send", "sent", "sending"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(stems.windows(2).all(|s| s[0] == s[1]), "{group:?} -> {stems:?}");
        }
    }

    #[test]
    fn digits_and_unicode_survive() {
        assert_eq!(terms("2FA résumé"), vec!["2fa", "résumé"]);
    }

    #[test]
    fn a_hyphenated_word_meets_itself_written_as_one() {
        assert_eq!(
            compounds("Change your e-mail or sign-in; re-send it"),
            [
                ("email".to_string(), vec!["e".to_string(), "mail".to_string()]),
                ("signin".to_string(), vec!["sign".to_string(), "in".to_string()]),
                ("resend".to_string(), vec!["re".to_string(), "send".to_string()]),
            ]
        );
        assert!(terms("Update your e-mail address").contains(&stem("email")));
        assert!(terms("Update your e-mail address").contains(&stem("mail")), "its parts too");
        assert_eq!(fold_compounds("my e-mail - and wi-fi"), "my email - and wifi");
    }
}
