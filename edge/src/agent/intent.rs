//! Which of the owner's actions a message asks for: BM25 coverage over each action's name and
//! description, plus the values a message carries (a transaction hash, an address, an email).
//! An action's "when not to use" is indexed beside it: a message its exclusion covers better than
//! the action itself is one the owner said the action is not for.

use crate::knowledge::query::{GroupKind, RELATED};
use crate::knowledge::tokenize::{negated, terms};
use crate::knowledge::{Chunk, KnowledgeIndex};
use shared::action::{validate_input, ActionDef, InputDef, InputFormat};
use shared::site::SiteBundle;

/// Share of the message's meaningful words an action must cover to be chosen.
pub const MIN_ACTION_COVERAGE: f64 = 0.6;

/// Least share of a message an action's "when not to use" must cover to rule the action out.
const MIN_EXCLUSION_COVERAGE: f64 = 0.3;

/// Words of an action's name that say nothing of what it does ("Request Prescription Refill",
/// "Get Transaction Status", "Start a Return"): a request naming only these names no action.
const NAMING_VERBS: &[&str] = &["check", "get", "make", "open", "request", "see", "show", "start", "submit", "view"];

/// How many actions a message names.
enum Named<'a> {
    None,
    One(&'a str),
    Several,
}

/// An index of the actions the agent may offer.
#[derive(Debug, Clone)]
pub struct ActionIndex {
    index: KnowledgeIndex,
    /// Per indexed passage: the action's slug, and whether it is the action's "when not to use".
    passages: Vec<(String, bool)>,
    /// Per action: its slug and the stems of its name (and form title or button label) that say
    /// what it does.
    names: Vec<(String, Vec<String>)>,
}

impl ActionIndex {
    /// Indexes the actions the agent may offer: enabled actions not marked internal.
    pub fn new(site: &SiteBundle) -> Self {
        let offered: Vec<&ActionDef> = site.actions.iter().filter(|a| a.enabled && !a.internal).collect();
        let mut chunks = Vec::new();
        let mut passages = Vec::new();
        let mut names = Vec::new();
        for a in offered {
            let named = format!(
                "{} {} {}",
                a.name,
                a.form().map_or("", |f| f.title.as_str()),
                a.button().map_or("", |b| b.label.as_str())
            );
            // The verb an owner's description opens with says what the action does as its name
            // does ("Move a booked appointment to another day" for "Reschedule Appointment").
            let leading_verb = a.description.as_deref().and_then(|d| d.split_whitespace().next()).unwrap_or("");
            let mut stems: Vec<String> = terms(&format!("{named} {leading_verb}"))
                .into_iter()
                .filter(|t| !NAMING_VERBS.contains(&t.as_str()))
                .collect();
            stems.sort();
            stems.dedup();
            names.push((a.slug.to_string(), stems));
            chunks.push(Chunk {
                page_title: format!(
                    "{} {} {}",
                    a.name,
                    a.form().map_or("", |f| f.title.as_str()),
                    a.button().map_or("", |b| b.label.as_str())
                ),
                text: described(a),
                ..Default::default()
            });
            passages.push((a.slug.to_string(), false));
            if let Some(not_for) = a.when_not_to_use.as_deref().filter(|w| !w.trim().is_empty()) {
                chunks.push(Chunk { text: not_for.to_string(), ..Default::default() });
                passages.push((a.slug.to_string(), true));
            }
        }
        let index = KnowledgeIndex::new(chunks, &site.agent.answering.synonyms).with_thesaurus(&site.thesaurus);
        Self { index, passages, names }
    }

    /// The one action a request names by a word of its name that no other action's name has
    /// ("can you *refill* my pills", "I want to *return* these boots"), unless its "when not to
    /// use" rules the message out; `None` when no action, or more than one, is named so.
    pub fn named(&self, text: &str) -> Option<&str> {
        // The visitor's own words first; their relatives only when those name no action ("push
        // my appointment" → "reschedule"), so a relative never makes a named action ambiguous.
        let literal: std::collections::HashSet<String> = terms(text).into_iter().collect();
        let first = match self.named_among(&literal) {
            Named::None => match self.named_among(&self.said_with_relatives(text)) {
                Named::One(slug) => slug,
                _ => return None,
            },
            Named::One(slug) => slug,
            Named::Several => return None,
        };
        (!self.ruled_out(&self.index.search(text, self.passages.len()), first)).then_some(first)
    }

    /// The actions named by a word of their name that no other action's name has, among `said`.
    fn named_among(&self, said: &std::collections::HashSet<String>) -> Named<'_> {
        let distinctive = |stem: &String| self.names.iter().filter(|(_, n)| n.contains(stem)).count() == 1;
        let mut named = self
            .names
            .iter()
            .filter(|(_, stems)| stems.iter().any(|s| distinctive(s) && asked(said, s)))
            .map(|(slug, _)| slug.as_str());
        match (named.next(), named.next()) {
            (None, _) => Named::None,
            (Some(slug), None) => Named::One(slug),
            _ => Named::Several,
        }
    }

    /// The message's terms and the words the owner's synonyms and the built-in lexicon relate to
    /// them ("push my appointment" says "reschedule"); not the thesaurus, whose senses are too
    /// loose to name an action by.
    fn said_with_relatives(&self, text: &str) -> std::collections::HashSet<String> {
        let mut said: std::collections::HashSet<String> = terms(text).into_iter().collect();
        for group in self.index.read(text).groups.iter().filter(|g| g.group.kind == GroupKind::Topic) {
            let negated_group =
                group.group.alternatives.first().is_some_and(|a| a.stems.iter().any(|s| s.starts_with("not_")));
            for alt in group.group.alternatives.iter().filter(|a| a.stems.len() == 1 && a.factor >= RELATED) {
                said.insert(if negated_group { negated(&alt.stems[0]) } else { alt.stems[0].clone() });
            }
        }
        said
    }

    /// The actions a word of whose name the message says, not negated ("my next *appointment*").
    pub fn sharing_a_name_word(&self, text: &str) -> Vec<&str> {
        let said: std::collections::HashSet<String> = terms(text).into_iter().collect();
        self.names
            .iter()
            .filter(|(_, stems)| stems.iter().any(|s| asked(&said, s)))
            .map(|(slug, _)| slug.as_str())
            .collect()
    }

    /// What a message names right after one of the action's name words ("refill my *metformin*",
    /// "a refill of my *blood pressure pills*"): up to three words, the free-text value a request
    /// gives for its action's one free-text input.
    pub fn object_after_name(&self, slug: &str, text: &str) -> Option<String> {
        const BEFORE: &[&str] = &["a", "an", "the", "my", "our", "of", "for", "some", "me", "his", "her", "their"];
        const ENDS: &[&str] =
            &["please", "and", "but", "because", "so", "to", "with", "is", "was", "it", "i", "my", "by", "on", "at"];
        let stems = &self.names.iter().find(|(s, _)| s == slug)?.1;
        // "a re-fill of my sertraline" names the refill as "a refill of…" does.
        let text = crate::knowledge::tokenize::fold_compounds(text);
        let words: Vec<&str> = text.split_whitespace().collect();
        let clean = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let at = words.iter().position(|w| stems.contains(&crate::knowledge::tokenize::stem(&clean(w))))?;
        let mut taken: Vec<String> = Vec::new();
        for word in words[at + 1..].iter().skip_while(|w| BEFORE.contains(&clean(w).as_str())) {
            let bare = clean(word);
            if bare.is_empty() || ENDS.contains(&bare.as_str()) || bare.chars().any(|c| c.is_ascii_digit()) {
                break;
            }
            taken.push(word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_string());
            // A clause ends the name: "refill my metformin, I'm out" → "metformin".
            if taken.len() == 3 || word.ends_with([',', '.', '?', '!', ';', ':']) {
                break;
            }
        }
        (!taken.is_empty()).then(|| taken.join(" "))
    }

    /// Whether, among `hits`, an action's "when not to use" covers the message better than the
    /// action itself (and covers enough of it to say so).
    fn ruled_out(&self, hits: &[crate::knowledge::Hit<'_>], slug: &str) -> bool {
        let coverage = |not_for: bool| {
            hits.iter()
                .find(|h| {
                    let (s, n) = &self.passages[h.position];
                    s == slug && *n == not_for
                })
                .map_or(0.0, |h| h.coverage)
        };
        let against = coverage(true);
        against >= MIN_EXCLUSION_COVERAGE && against > coverage(false)
    }

    /// Every action's coverage of the message, best first, without the actions whose "when not
    /// to use" covers it better than they do (also printed by `explain_question`).
    pub fn ranked(&self, text: &str) -> Vec<(&str, f64)> {
        let hits = self.index.search(text, self.passages.len());
        hits.iter()
            .filter(|h| !self.passages[h.position].1)
            .map(|h| (self.passages[h.position].0.as_str(), h.coverage))
            .filter(|(slug, _)| !self.ruled_out(&hits, slug))
            .collect()
    }

    /// The best-matching action and how much of the message it covers.
    pub fn best(&self, text: &str) -> Option<(&str, f64)> {
        self.ranked(text).into_iter().next()
    }

    /// How much of the message an action covers (0 when it does not match at all, or the message
    /// is what its "when not to use" rules out).
    pub fn coverage(&self, text: &str, slug: &str) -> f64 {
        self.ranked(text).into_iter().find(|(s, _)| *s == slug).map_or(0.0, |(_, c)| c)
    }
}

/// Whether the message says `stem` and does not negate it ("I don't want to cancel it" names no
/// cancelling).
fn asked(said: &std::collections::HashSet<String>, stem: &str) -> bool {
    said.contains(stem) && !said.contains(&negated(stem))
}

/// What an action's passage says: its description, then what each input is ("the patient's date
/// of birth", "morning, afternoon or evening, if you have a preference"), which a visitor may
/// name beside the action ("dob", "mornings are best"). Not an input's options: they are values
/// ("Ethereum"), which say which thing, not what to do.
fn described(action: &ActionDef) -> String {
    let mut text = action.description.clone().unwrap_or_default();
    for input in action.inputs().iter().filter(|i| i.format != InputFormat::Otp) {
        if let Some(said) = &input.description {
            text.push('\n');
            text.push_str(said);
        }
    }
    text
}

/// Finds a value for the input inside a message ("it's ORD-12345, thanks" → "ORD-12345"; "is
/// this a valid BTC address?" → "BTC" for an input with options). Free text takes the whole message.
pub fn extract(input: &InputDef, text: &str) -> Option<String> {
    if !input.options.is_empty() {
        return find_option(&input.options, text);
    }
    if input.format == InputFormat::Text && input.pattern.is_none() {
        return validate_input(input, text).ok();
    }
    candidates(text).find_map(|w| validate_input(input, w).ok())
}

/// Pieces of a message a value may be: the whole message, then runs of up to four words (longest
/// first, so "SW1A 1AA" or "(503) 555-0100" are found whole), each as written and without the
/// punctuation around it ("(0xabc…)," → "0xabc…").
fn candidates(text: &str) -> impl Iterator<Item = &str> {
    const AROUND: &[char] = &[',', ';', '(', ')', '<', '>', '"', '\'', '.', '!', '?', ':'];
    const AROUND_END: &[char] = &[',', ';', '.', '!', '?', ':'];
    // A message holds at most 4,000 characters; values are looked for among its first 200 words.
    let words: Vec<(usize, usize)> = text
        .split_whitespace()
        .take(200)
        .map(|w| {
            let start = w.as_ptr() as usize - text.as_ptr() as usize;
            (start, start + w.len())
        })
        .collect();
    let runs: Vec<&str> = (1..=words.len().min(4))
        .rev()
        .flat_map(|n| words.windows(n).map(|w| &text[w[0].0..w[n - 1].1]).collect::<Vec<_>>())
        .collect();
    std::iter::once(text.trim())
        .chain(runs.into_iter().flat_map(|r| [r, r.trim_end_matches(AROUND_END), r.trim_matches(AROUND)]))
        .filter(|c| !c.is_empty())
}

/// The option named in a message, as written (symbols included: "A+" is not "A") and standing
/// alone (not inside a longer word), without regard to case; the longest first, so "bank
/// transfer" wins over "bank".
fn find_option(options: &[String], text: &str) -> Option<String> {
    let text = text.to_lowercase();
    let mut by_length: Vec<&String> = options.iter().collect();
    by_length.sort_by_key(|o| std::cmp::Reverse(o.chars().count()));
    let stands_alone = |option: &str| {
        let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "+#&_".contains(c));
        !option.is_empty()
            && text
                .match_indices(option)
                .any(|(at, m)| !joins(text[..at].chars().next_back()) && !joins(text[at + m.len()..].chars().next()))
    };
    by_length.into_iter().find(|o| stands_alone(&o.to_lowercase())).cloned()
}

/// An email address inside a message.
pub fn extract_email(text: &str) -> Option<String> {
    let probe = InputDef { max_length: Some(254), ..InputDef::new("email", InputFormat::Email) };
    extract(&probe, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actions_when_not_to_use_rules_out_the_messages_it_describes() {
        let action = |name: &str, description: &str, not_for: Option<&str>| {
            let not_for = not_for.map(|w| format!(r#","when_not_to_use":"{w}""#)).unwrap_or_default();
            format!(
                r#"{{"name":"{name}","type":"http","method":"POST","url":"https://api.example.com/x",
                "description":"{description}"{not_for}}}"#
            )
        };
        let site = SiteBundle::from_dir_files(
            "site_id = \"t\"\nname = \"N\"\ngreeting = \"Hi\"\n[actions]\nallowed_hosts = [\"api.example.com\"]",
            &[],
            &[
                (
                    "actions/cancel.json".into(),
                    action(
                        "Cancel Appointment",
                        "Cancel a booked appointment by its booking reference.",
                        Some("Do not use if the visitor only wants to move the appointment to another day (use Reschedule Appointment)."),
                    ),
                ),
                (
                    "actions/move.json".into(),
                    action("Reschedule Appointment", "Move a booked appointment to a new date.", None),
                ),
            ],
        )
        .unwrap();
        let index = ActionIndex::new(&site);
        // Named by a word of its own name, whatever else the visitor says; "appointment" names
        // both, so it names neither.
        assert_eq!(index.named("please cancel my dentist appointment on thursday morning"), Some("cancel-appointment"));
        assert_eq!(index.named("my appointment"), None);
        // The verb its description opens with names it too; a negated name word names nothing.
        assert_eq!(index.named("can you move my appointment to another day"), Some("reschedule-appointment"));
        assert_eq!(index.named("I want to change it to a later day, I don't want to cancel it"), None);
        assert_eq!(index.named("I don't want to cancel it, please move it"), Some("reschedule-appointment"));
        let object = |text: &str| index.object_after_name("cancel-appointment", text);
        assert_eq!(object("please cancel my dentist appointment, thanks").as_deref(), Some("dentist appointment"));
        assert_eq!(object("cancel the yoga class please").as_deref(), Some("yoga class"));
        assert_eq!(object("cancel it"), None);
        assert_eq!(object("cancel 2027-01-14"), None, "a value is not a name");
        assert_eq!(index.best("please cancel my appointment").map(|b| b.0), Some("cancel-appointment"));
        assert_eq!(
            index.best("can you move my appointment to another day").map(|b| b.0),
            Some("reschedule-appointment")
        );
        assert_eq!(index.coverage("can you move my appointment to another day", "cancel-appointment"), 0.0);
    }

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
        let grade = InputDef { options: vec!["A+".into(), "A".into(), "C++".into()], ..input(InputFormat::Text) };
        assert_eq!(extract(&grade, "I want A"), Some("A".into()), "A+ is not A");
        assert_eq!(extract(&grade, "I got an A+."), Some("A+".into()));
        assert_eq!(extract(&grade, "I write c++ daily"), Some("C++".into()));
    }

    #[test]
    fn patterns_with_spaces_and_brackets_are_found_whole() {
        let postcode = InputDef {
            pattern: Some(shared::pattern::Pattern::parse(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$").unwrap()),
            ..input(InputFormat::Text)
        };
        assert_eq!(extract(&postcode, "it's SW1A 1AA, thanks"), Some("SW1A 1AA".into()));
        let phone = InputDef {
            pattern: Some(shared::pattern::Pattern::parse(r"^\(\d{3}\) \d{3}-\d{4}$").unwrap()),
            ..input(InputFormat::Text)
        };
        assert_eq!(extract(&phone, "call me on (503) 555-0100."), Some("(503) 555-0100".into()));
        let free = InputDef { max_length: Some(10), ..input(InputFormat::Text) };
        assert_eq!(extract(&free, "far longer than ten characters"), None, "free text is validated too");
    }
}
