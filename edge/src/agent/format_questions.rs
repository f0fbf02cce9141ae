//! The built-in engine on help pages as owners' tools publish them (`tests/sites/formats`: Jekyll,
//! Hugo, Obsidian, Docusaurus and MkDocs pages, three FAQ layouts, three saved help-centre HTML
//! pages), against questions written before the pages' reader was: each answer must carry the
//! page's fact and none of the format's markup. `held_out` is never tuned on; both figures are
//! printed by `cargo test -p edge format_figures -- --ignored --nocapture`.

use super::BuiltinEngine;
use crate::test_support::site_at;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatQuestions {
    /// (question, a piece of the page's text the answer must contain).
    answered: Vec<(String, String)>,
    /// More of the same, kept aside.
    held_out: Vec<(String, String)>,
    /// Questions that must get the fallback (off-topic, or only on a draft or unpublished page).
    declined: Vec<String>,
}

fn questions() -> FormatQuestions {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sites/formats/questions.toml");
    toml::from_str(&std::fs::read_to_string(&path).expect("questions.toml")).expect("questions.toml parses")
}

/// What a page's format leaves in text that nobody reading the page sees.
const MARKUP: &[&str] = &[
    "[[",
    "]]",
    "[!",
    ":::",
    "!!!",
    "???",
    "{{",
    "}}",
    "{%",
    "%}",
    "==",
    "<details",
    "<summary",
    "<div",
    "<!--",
    "%%",
    "wiki:",
    "layout:",
    "aliases:",
    "permalink:",
    "sidebar_position",
    "draft:",
    "{:",
    "import ",
];

/// One question's outcome: `None` when right, else what went wrong.
fn judge(engine: &BuiltinEngine, question: &str, fact: &str) -> Option<String> {
    let reply = engine.answer(question);
    if !reply.grounded {
        return Some(format!("{question:?}: declined, expected {fact:?}"));
    }
    if let Some(mark) = MARKUP.iter().find(|m| reply.text.contains(**m)) {
        return Some(format!("{question:?}: the answer shows {mark:?}: {}", reply.text));
    }
    (!reply.text.contains(fact)).then(|| format!("{question:?}: no {fact:?} in {:?}", reply.text))
}

/// Right answers, and the misses, over `questions`.
fn score(engine: &BuiltinEngine, questions: &[(String, String)]) -> (usize, Vec<String>) {
    let misses: Vec<String> = questions.iter().filter_map(|(q, fact)| judge(engine, q, fact)).collect();
    (questions.len() - misses.len(), misses)
}

/// How many of `answered` are right at least (measured when the reader was written; raise it when
/// the engine answers more). Most misses are the engine's reading of the question ("bail last
/// minute" for a late cancellation), not of the page: the format's part is that no answer shows
/// markup and no draft is quoted, which holds for every question.
const ANSWERED_AT_LEAST: usize = 9;

#[test]
fn pages_in_every_format_answer_with_their_facts_and_none_of_their_markup() {
    let site = site_at("tests/sites/formats");
    let engine = BuiltinEngine::new(&site);
    let file = questions();
    let (right, misses) = score(&engine, &file.answered);
    assert!(right >= ANSWERED_AT_LEAST, "{right}/{} right:\n{}", file.answered.len(), misses.join("\n"));
    for question in &file.declined {
        let reply = engine.answer(question);
        assert!(
            !reply.grounded,
            "{question:?} answered from {:?}: {}",
            reply.sources.first().map(|s| &s.url),
            reply.text
        );
    }
    // Whatever is answered, held-out questions included, shows no markup of its page's format.
    for (question, _) in file.answered.iter().chain(&file.held_out) {
        let reply = engine.answer(question);
        assert!(!MARKUP.iter().any(|m| reply.text.contains(*m)), "{question:?}: {}", reply.text);
    }
}

#[test]
#[ignore = "prints figures"]
fn format_figures() {
    let site = site_at("tests/sites/formats");
    let engine = BuiltinEngine::new(&site);
    let file = questions();
    for (name, set) in [("answered", &file.answered), ("held out", &file.held_out)] {
        let (right, misses) = score(&engine, set);
        println!("{name}: {right}/{} right ({:.0}%)", set.len(), 100.0 * right as f64 / set.len() as f64);
        for miss in misses {
            println!("  {miss}");
        }
    }
    let declined = file.declined.iter().filter(|q| !engine.answer(q).grounded).count();
    println!("declined: {declined}/{}", file.declined.len());
}
