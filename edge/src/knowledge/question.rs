//! How a question is asked: "how long", "how much", "can I", "where is", "why", "when"… Each form
//! says what its answer tends to contain (a duration, an amount, a permission, a reason…). The
//! index ranks with those words, weighed below the question's own words, and never counts them
//! as coverage: they say what kind of answer is wanted, not what it is about.

use std::ops::Range;

/// The kind of answer a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionForm {
    /// "how long", "taking so long": a duration.
    Duration,
    /// "how much": a price or an amount.
    Cost,
    /// "how many": a number or a limit.
    Quantity,
    /// "can I", "is it possible": what is allowed.
    Permission,
    /// "where is": where something is or how to follow it.
    Location,
    /// "why was", "why can't I": a reason.
    Reason,
    /// "when": a moment.
    Time,
    /// "how do I", "how to": steps.
    Procedure,
    /// "what does it look like": a format or an example.
    Appearance,
    /// "what do I need", "what's required": what to have, bring or send.
    Requirement,
}

impl QuestionForm {
    /// Words an answer of this form tends to contain.
    pub fn answer_words(self) -> &'static [&'static str] {
        match self {
            Self::Duration => &[
                "time",
                "day",
                "hour",
                "minute",
                "week",
                "month",
                "year",
                "within",
                "wait",
                "immediately",
                "instantly",
            ],
            Self::Cost => &["cost", "price", "fee", "charge", "pay", "free", "amount", "commission", "dollar"],
            Self::Quantity => &["number", "amount", "limit", "maximum", "minimum", "total"],
            Self::Permission => &["allow", "possible", "permit", "cannot", "restrict", "except", "unless", "able"],
            Self::Location => &["track", "tracking", "status", "location", "locate", "find", "settings"],
            Self::Reason => {
                &["reason", "because", "due", "cause", "reject", "block", "decline", "fail", "lock", "problem", "error"]
            }
            Self::Time => &["time", "date", "day", "hour", "week", "within", "after", "once", "immediately"],
            Self::Procedure => &["step", "start", "settings", "request", "form", "select", "click", "follow"],
            Self::Appearance => &["start", "begin", "format", "character", "digit", "letter", "example", "look"],
            Self::Requirement => {
                &["require", "document", "proof", "bring", "provide", "submit", "upload", "photo", "id"]
            }
        }
    }
}

/// A form found in a question and the words it takes, which are then no part of its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundForm {
    /// The form.
    pub form: QuestionForm,
    /// The positions of its words in the clause.
    pub words: Range<usize>,
}

/// Words a visitor may put before the question itself ("so", "hi", "ok, and").
const LEAD_IN: &[&str] =
    &["also", "and", "but", "hello", "hey", "hi", "just", "oh", "ok", "okay", "so", "then", "well"];

/// Time units: "how many days" asks for a duration.
const TIME_UNITS: &[&str] = &["day", "days", "hour", "hours", "minute", "minutes", "month", "months", "week", "weeks"];

/// Patterns that open a clause, longest first. `~` stands for a negated auxiliary ("can't").
const OPENINGS: &[(&str, QuestionForm)] = &[
    ("how many", QuestionForm::Quantity),
    ("how much", QuestionForm::Cost),
    ("how long", QuestionForm::Duration),
    ("how do i", QuestionForm::Procedure),
    ("how do we", QuestionForm::Procedure),
    ("how can i", QuestionForm::Procedure),
    ("how should i", QuestionForm::Procedure),
    ("how to", QuestionForm::Procedure),
    ("what do i do", QuestionForm::Procedure),
    ("what should i do", QuestionForm::Procedure),
    ("what do i need", QuestionForm::Requirement),
    ("what do we need", QuestionForm::Requirement),
    ("what do i have to", QuestionForm::Requirement),
    ("what should i bring", QuestionForm::Requirement),
    ("what do i bring", QuestionForm::Requirement),
    ("what is required", QuestionForm::Requirement),
    ("what is needed", QuestionForm::Requirement),
    ("what documents", QuestionForm::Requirement),
    ("is there a way", QuestionForm::Permission),
    ("is it possible", QuestionForm::Permission),
    ("am i allowed", QuestionForm::Permission),
    ("am i able", QuestionForm::Permission),
    ("are you able", QuestionForm::Permission),
    ("do you allow", QuestionForm::Permission),
    ("can i", QuestionForm::Permission),
    ("can we", QuestionForm::Permission),
    ("could i", QuestionForm::Permission),
    ("may i", QuestionForm::Permission),
    ("where", QuestionForm::Location),
    ("why", QuestionForm::Reason),
    ("when", QuestionForm::Time),
];

/// Patterns that ask for a duration or a look anywhere in a clause ("why is it taking so long").
const ANYWHERE: &[(&str, QuestionForm)] = &[
    ("how long", QuestionForm::Duration),
    ("so long", QuestionForm::Duration),
    ("too long", QuestionForm::Duration),
    ("this long", QuestionForm::Duration),
    ("look like", QuestionForm::Appearance),
];

/// The forms in one clause's words (lower-cased; `None` for a negated auxiliary such as "can't").
pub fn find_forms(words: &[Option<String>]) -> Vec<FoundForm> {
    let mut found = Vec::new();
    let start = words.iter().take_while(|w| w.as_deref().is_some_and(|w| LEAD_IN.contains(&w))).count();
    if let Some((pattern, form)) = OPENINGS.iter().find(|(p, _)| matches_at(words, start, p)) {
        let end = start + pattern.split(' ').count();
        let next_is_time = words.get(end).and_then(Option::as_deref).is_some_and(|w| TIME_UNITS.contains(&w));
        let next_is = |w: &str| words.get(end).and_then(Option::as_deref) == Some(w);
        let form = match form {
            QuestionForm::Quantity if next_is_time => QuestionForm::Duration,
            QuestionForm::Cost if next_is("time") => QuestionForm::Duration,
            other => *other,
        };
        found.push(FoundForm { form, words: start..end });
    }
    for at in 0..words.len() {
        if found.iter().any(|f| f.words.contains(&at)) {
            continue;
        }
        if let Some((pattern, form)) = ANYWHERE.iter().find(|(p, _)| matches_at(words, at, p)) {
            if !found.iter().any(|f| f.form == *form) {
                found.push(FoundForm { form: *form, words: at..at + pattern.split(' ').count() });
            }
        }
    }
    found
}

fn matches_at(words: &[Option<String>], at: usize, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split(' ').collect();
    words.len() >= at + parts.len()
        && parts.iter().zip(&words[at..]).all(|(p, w)| match w {
            Some(w) => w == p,
            None => *p == "~",
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::tokenize::spoken_words;

    fn forms(text: &str) -> Vec<(QuestionForm, Range<usize>)> {
        find_forms(&spoken_words(text)).into_iter().map(|f| (f.form, f.words)).collect()
    }

    #[test]
    fn openings_name_the_answer_wanted() {
        assert_eq!(forms("How long do withdrawals usually take?"), [(QuestionForm::Duration, 0..2)]);
        assert_eq!(forms("how much is express delivery"), [(QuestionForm::Cost, 0..2)]);
        assert_eq!(forms("How many confirmations are needed"), [(QuestionForm::Quantity, 0..2)]);
        assert_eq!(forms("Can I cancel my order?"), [(QuestionForm::Permission, 0..2)]);
        assert_eq!(forms("is it possible to pay later"), [(QuestionForm::Permission, 0..3)]);
        assert_eq!(forms("where is my parcel"), [(QuestionForm::Location, 0..1)]);
        assert_eq!(forms("Why can't I withdraw?"), [(QuestionForm::Reason, 0..1)]);
        assert_eq!(forms("What do I need to send you for level 2?"), [(QuestionForm::Requirement, 0..4)]);
        assert_eq!(forms("When will I get my money back?"), [(QuestionForm::Time, 0..1)]);
        assert_eq!(forms("how do I wash my jacket"), [(QuestionForm::Procedure, 0..3)]);
    }

    #[test]
    fn a_time_unit_after_how_many_asks_for_a_duration() {
        assert_eq!(forms("How many days do I have to return it?"), [(QuestionForm::Duration, 0..2)]);
        assert_eq!(forms("how much time does it take"), [(QuestionForm::Duration, 0..2)]);
    }

    #[test]
    fn lead_in_words_are_skipped_and_a_duration_is_heard_anywhere() {
        assert_eq!(forms("ok so how long does it take"), [(QuestionForm::Duration, 2..4)]);
        assert_eq!(
            forms("Why is my withdrawal taking so long?"),
            [(QuestionForm::Reason, 0..1), (QuestionForm::Duration, 5..7)]
        );
    }

    #[test]
    fn a_look_is_asked_for_anywhere() {
        assert_eq!(forms("What does an order number look like?"), [(QuestionForm::Appearance, 5..7)]);
    }

    #[test]
    fn words_inside_a_statement_are_not_an_opening() {
        assert!(forms("Will I have to pay customs when it arrives?").is_empty());
        assert!(forms("I need to change my delivery address").is_empty());
    }
}
