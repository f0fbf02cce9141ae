//! The short answer: of the section that answers, the sentences, list items or table rows that
//! carry what the question asks beyond what the section's heading already says ("how much is
//! express delivery" in "Delivery times and costs" → the Express row). When no smaller piece
//! carries it, or most of the section would, the section is the answer.

use super::chunk::Chunk;
use super::index::Query;
use super::query::GroupKind;
use super::tokenize::terms;
use super::units::{chat_markdown, join, units, UnitKind};
use std::collections::HashSet;

/// A unit that matches the question's form ("how long" → a duration) but none of its topic beyond
/// the heading still says more than one that matches neither; this is its worth against a topic
/// word's (a group's coverage weight).
const FORM_WORTH: f64 = 0.25;
/// More units than this, or more than this share of the section's units, and the section is the
/// answer.
const MAX_UNITS: usize = 4;
/// A unit is added for the rest of the question only if it adds at least this share of what the
/// best unit adds (an incidental "order" in a table row does not bring the row along).
const MIN_EXTRA_GAIN: f64 = 0.5;
const MAX_SHARE: f64 = 0.6;

/// What to quote from a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excerpt {
    /// The pieces that answer, as chat Markdown.
    Units(String),
    /// The whole section, as chat Markdown.
    Section(String),
}

/// Chooses what to quote from `chunk` for `query`.
pub fn excerpt(chunk: &Chunk, query: &Query) -> Excerpt {
    let whole = || Excerpt::Section(chat_markdown(&chunk.text));
    let context: HashSet<String> =
        terms(chunk.heading.as_deref().unwrap_or("")).into_iter().chain(terms(&chunk.page_title)).collect();
    let pieces = units(&chunk.text);
    if pieces.len() < 2 {
        return whole();
    }
    let unit_terms: Vec<HashSet<String>> = pieces.iter().map(|u| terms(&u.text).into_iter().collect()).collect();
    // What a unit adds to what is already said (the heading and page title, then chosen units).
    let gain = |said: &HashSet<String>, unit: &HashSet<String>| -> f64 {
        let before = query.credits(said);
        let after = query.credits(&said.union(unit).cloned().collect());
        query
            .groups
            .iter()
            .zip(after.iter().zip(&before))
            .map(|(g, (got, had))| {
                let gain = (got - had).max(0.0);
                match g.group.kind {
                    GroupKind::Topic => g.weight * gain,
                    GroupKind::Form(_) | GroupKind::Everyday => FORM_WORTH * gain,
                }
            })
            .sum()
    };
    let worth: Vec<f64> = unit_terms.iter().map(|t| gain(&context, t)).collect();
    let best = worth.iter().copied().fold(0.0, f64::max);
    if best <= 0.0 {
        return whole();
    }
    // Every unit that adds the most (all the lines naming what was asked), then, while the
    // section covers more of the question than the chosen units, the unit that adds most.
    let mut chosen: Vec<usize> = (0..pieces.len()).filter(|&i| worth[i] >= best - 1e-9).collect();
    let mut said = context.clone();
    chosen.iter().for_each(|&i| said.extend(unit_terms[i].iter().cloned()));
    let section: HashSet<String> = said.iter().cloned().chain(unit_terms.iter().flatten().cloned()).collect();
    let target = query.coverage(&query.credits(&section));
    while query.coverage(&query.credits(&said)) + 1e-9 < target {
        let next = (0..pieces.len())
            .filter(|i| !chosen.contains(i))
            .map(|i| (i, gain(&said, &unit_terms[i])))
            .filter(|(_, g)| *g >= MIN_EXTRA_GAIN * best)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((i, _)) = next else { break };
        chosen.push(i);
        said.extend(unit_terms[i].iter().cloned());
    }
    // A lead-in ("depends on your tier:") never ends an answer without what it introduces: the
    // list or table right after it comes along (and when that is too much, the section does).
    let lead_ins: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| pieces[i].kind == UnitKind::Sentence && pieces[i].text.trim_end().ends_with(':'))
        .collect();
    for i in lead_ins {
        if let Some(block) = pieces.get(i + 1).filter(|next| next.block != pieces[i].block).map(|next| next.block) {
            for (j, piece) in pieces.iter().enumerate() {
                if piece.block == block && !chosen.contains(&j) {
                    chosen.push(j);
                }
            }
        }
    }
    if chosen.len() > MAX_UNITS || chosen.len() as f64 > MAX_SHARE * pieces.len() as f64 {
        return whole();
    }
    chosen.sort_unstable();
    Excerpt::Units(join(&chosen.iter().map(|&i| &pieces[i]).collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeIndex;
    use std::collections::BTreeMap;

    fn chunk(heading: &str, text: &str) -> Chunk {
        Chunk {
            page_title: "Help".into(),
            heading: Some(heading.into()),
            url: "/help#x".into(),
            text: text.into(),
            ..Default::default()
        }
    }

    const FEES: &str = "Withdrawal fees are a flat amount per withdrawal:\n\n- **Bitcoin (BTC)**: 0.0002 BTC per withdrawal, minimum withdrawal 0.001 BTC\n- **Ethereum (ETH)**: 0.0015 ETH per withdrawal\n- **Solana (SOL)**: 0.01 SOL per withdrawal";
    const SHIPPING: &str = "| Method | Delivery time | Cost |\n|---|---|---|\n| Standard (US) | 3–5 business days | $5.95, free on orders over $75 |\n| Express (US) | 1–2 business days | $19.95 |\n| Canada | 5–8 business days | $14.95 |\n\nDelivery times start when your parcel leaves the warehouse.";

    fn answer(heading: &str, text: &str, question: &str) -> Excerpt {
        let c = chunk(heading, text);
        let index = KnowledgeIndex::new(vec![c.clone(), chunk("Other", "Something else entirely.")], &BTreeMap::new());
        excerpt(&c, &index.read(question))
    }

    #[test]
    fn the_line_that_names_what_the_heading_does_not() {
        assert_eq!(
            answer("Withdrawal fees", FEES, "what are the withdrawal fees for bitcoin?"),
            Excerpt::Units("- **Bitcoin (BTC)**: 0.0002 BTC per withdrawal, minimum withdrawal 0.001 BTC".into())
        );
    }

    #[test]
    fn a_table_row_answers_with_its_headers() {
        assert_eq!(
            answer("Delivery times and costs", SHIPPING, "how much is express delivery"),
            Excerpt::Units("- Express (US): Delivery time 1–2 business days, Cost $19.95".into())
        );
        assert_eq!(
            answer("Delivery times and costs", SHIPPING, "Is shipping free?"),
            Excerpt::Units(
                "- Standard (US): Delivery time 3–5 business days, Cost $5.95, free on orders over $75".into()
            )
        );
    }

    #[test]
    fn the_section_when_its_heading_already_says_it_all() {
        assert!(matches!(
            answer("Delivery times and costs", SHIPPING, "How long does delivery take?"),
            Excerpt::Section(s) if s.contains("Express (US): Delivery time") && s.contains("Canada")
        ));
        assert!(matches!(answer("Withdrawal fees", FEES, "withdrawal fees"), Excerpt::Section(_)));
    }

    #[test]
    fn the_section_when_no_piece_carries_the_answer_alone() {
        let text = "Returns are free. You have 30 days.";
        // "free" and "30 days" sit in different sentences: both are needed, and that is all of it.
        assert!(matches!(answer("Returns", text, "free returns within 30 days?"), Excerpt::Section(_)));
        let text = "Returns are free. Refunds take a week. You have 30 days. Exchanges are quick.";
        assert_eq!(
            answer("Returns", text, "free returns within 30 days?"),
            Excerpt::Units("Returns are free. You have 30 days.".into())
        );
        assert!(matches!(answer("Returns", "One sentence only.", "sentence"), Excerpt::Section(_)));
    }

    #[test]
    fn a_lead_in_comes_with_what_it_introduces() {
        let text = "Card payments are free. How long a payout takes depends on your plan:\n\n- Starter: 5 days\n- Studio: 2 days\n\nPayouts go to the bank account in your settings. We never charge for payouts. Questions go to billing.";
        for question in ["what does the payout time depend on?", "how long does a payout take?"] {
            match answer("Payouts", text, question) {
                Excerpt::Units(units) | Excerpt::Section(units) => {
                    assert!(!units.trim_end().ends_with(':'), "{question}: {units}");
                    assert!(units.contains("Starter: 5 days"), "{question}: {units}");
                }
            }
        }
    }
}
