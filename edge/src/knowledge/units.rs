//! A section cut into the smallest pieces that can answer on their own: sentences, list items and
//! table rows, a row read with its header ("Express (US): Delivery time 1–2 business days, Cost
//! $19.95"). Also the section as chat Markdown, its tables written as such rows, since the chat's
//! Markdown subset (`shared::markdown`) draws no tables.

use unicode_segmentation::UnicodeSegmentation;

/// What kind of piece a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A sentence of a paragraph.
    Sentence,
    /// A bullet or numbered list item (with the lines that continue it).
    ListItem,
    /// A table row with its header cells.
    TableRow,
}

/// One piece of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Sentence, list item or table row.
    pub kind: UnitKind,
    /// The piece as chat Markdown that reads on its own: a list item keeps its marker ("- ",
    /// "2. "), a table row becomes "- First cell: Header value, Header value".
    pub text: String,
    /// The block (paragraph, list or table) it belongs to, in section order.
    pub block: usize,
}

/// A section's text cut into units, in order.
pub fn units(section: &str) -> Vec<Unit> {
    let mut out = Vec::new();
    for (block, part) in blocks(section).into_iter().enumerate() {
        match part {
            Block::Paragraph(text) => {
                out.extend(text.split_sentence_bounds().map(str::trim).filter(|s| !s.is_empty()).map(|s| Unit {
                    kind: UnitKind::Sentence,
                    text: s.to_string(),
                    block,
                }))
            }
            Block::List(items) => {
                out.extend(items.into_iter().map(|text| Unit { kind: UnitKind::ListItem, text, block }))
            }
            Block::Table(rows) => {
                out.extend(rows.into_iter().map(|text| Unit { kind: UnitKind::TableRow, text, block }))
            }
        }
    }
    out
}

/// The section as chat Markdown: paragraphs and lists as they are, each table as its rows.
pub fn chat_markdown(section: &str) -> String {
    let rendered: Vec<String> = blocks(section)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(text) => text,
            Block::List(lines) | Block::Table(lines) => lines.join("\n"),
        })
        .collect();
    rendered.join("\n\n")
}

/// Joins chosen units (in section order) as chat Markdown: sentences of one paragraph run on,
/// items and rows are lines of a list, and blocks are separated.
pub fn join(units: &[&Unit]) -> String {
    let mut out = String::new();
    let mut last: Option<&Unit> = None;
    for unit in units {
        if let Some(prev) = last {
            let same_paragraph = prev.block == unit.block && unit.kind == UnitKind::Sentence;
            out.push_str(match (same_paragraph, prev.kind == unit.kind && prev.block == unit.block) {
                (true, _) => " ",
                (false, true) => "\n",
                (false, false) => "\n\n",
            });
        }
        out.push_str(&unit.text);
        last = Some(unit);
    }
    out
}

enum Block {
    Paragraph(String),
    List(Vec<String>),
    Table(Vec<String>),
}

/// The section's blocks. A list item's continuation lines join it; a table needs a header line
/// followed by a `|---|` separator line, else its lines are plain text.
fn blocks(section: &str) -> Vec<Block> {
    let lines: Vec<&str> = section.lines().map(str::trim).collect();
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            out.push(Block::Paragraph(paragraph.join("\n")));
            paragraph.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() {
            flush(&mut paragraph, &mut out);
            i += 1;
        } else if line.starts_with('|') && lines.get(i + 1).is_some_and(|l| is_separator(l)) {
            flush(&mut paragraph, &mut out);
            let header = cells(line);
            i += 2;
            let mut rows = Vec::new();
            while i < lines.len() && lines[i].starts_with('|') {
                rows.push(row_text(&header, &cells(lines[i])));
                i += 1;
            }
            out.push(Block::Table(rows));
        } else if is_list_item(line) {
            flush(&mut paragraph, &mut out);
            let mut items: Vec<String> = Vec::new();
            while i < lines.len() && !lines[i].is_empty() && !lines[i].starts_with('|') {
                match items.last_mut() {
                    Some(item) if !is_list_item(lines[i]) => {
                        item.push(' ');
                        item.push_str(lines[i]);
                    }
                    _ => items.push(lines[i].to_string()),
                }
                i += 1;
            }
            out.push(Block::List(items));
        } else {
            paragraph.push(line);
            i += 1;
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

fn is_list_item(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    line.starts_with("- ") || line.starts_with("* ") || (digits > 0 && line[digits..].starts_with(". "))
}

fn is_separator(line: &str) -> bool {
    line.starts_with('|') && line.contains('-') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// "- First cell: Header value, Header value"; in a two-column table "- First cell: value"; a
/// cell under an empty header stands alone, empty cells are left out.
fn row_text(header: &[String], cells: &[String]) -> String {
    let two_columns = header.len() == 2;
    let described: Vec<String> = cells
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, c)| match header.get(i).filter(|h| !h.is_empty() && !two_columns) {
            Some(h) => format!("{h} {c}"),
            None => c.clone(),
        })
        .collect();
    match (cells.first().filter(|c| !c.is_empty()), described.is_empty()) {
        (Some(first), false) => format!("- {first}: {}", described.join(", ")),
        (Some(first), true) => format!("- {first}"),
        (None, _) => format!("- {}", described.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPING: &str = "| Method | Delivery time | Cost |\n|---|---|---|\n| Standard (US) | 3–5 business days | $5.95, free on orders over $75 |\n| Express (US) | 1–2 business days | $19.95 |\n\nDelivery times start when your parcel leaves the warehouse. Bulky items such as tents may take two extra days.";

    #[test]
    fn a_table_row_reads_with_its_header() {
        let u = units(SHIPPING);
        assert_eq!(
            u[1],
            Unit {
                kind: UnitKind::TableRow,
                text: "- Express (US): Delivery time 1–2 business days, Cost $19.95".into(),
                block: 0
            }
        );
        assert_eq!(u[0].text, "- Standard (US): Delivery time 3–5 business days, Cost $5.95, free on orders over $75");
    }

    #[test]
    fn a_two_column_row_reads_as_key_and_value() {
        let u = units("| Status | Meaning |\n|---|---|\n| On hold | We need something from you. |");
        assert_eq!(u[0].text, "- On hold: We need something from you.");
    }

    #[test]
    fn paragraphs_split_into_sentences_and_abbreviations_do_not_end_one() {
        let u = units(SHIPPING);
        assert_eq!(u.len(), 4);
        assert_eq!(
            (u[2].kind, u[2].text.as_str()),
            (UnitKind::Sentence, "Delivery times start when your parcel leaves the warehouse.")
        );
        assert_eq!(u[3].block, 1);
        let p = units("We can't ship to P.O. boxes outside the US. Fees are 0.10% of a trade.");
        assert_eq!(p.len(), 2, "{p:?}");
    }

    #[test]
    fn list_items_keep_their_marker_and_continuation() {
        let u =
            units("Fees:\n\n- **Bitcoin (BTC)**: 0.0002 BTC\n  per withdrawal\n- **Ether**: 0.0015 ETH\n1. first step");
        assert_eq!(u[0].kind, UnitKind::Sentence);
        assert_eq!(u[1].text, "- **Bitcoin (BTC)**: 0.0002 BTC per withdrawal");
        assert_eq!(u[3].text, "1. first step");
        assert!(u[1..].iter().all(|x| x.kind == UnitKind::ListItem && x.block == 1));
    }

    #[test]
    fn a_pipe_without_a_separator_line_is_text() {
        let u = units("a | b\n| not a table");
        assert!(u.iter().all(|x| x.kind == UnitKind::Sentence));
    }

    #[test]
    fn chosen_units_join_as_chat_markdown() {
        let u = units(SHIPPING);
        assert_eq!(join(&[&u[1]]), "- Express (US): Delivery time 1–2 business days, Cost $19.95");
        assert_eq!(join(&[&u[0], &u[1], &u[2], &u[3]]).matches("\n\n").count(), 1);
        assert_eq!(join(&[&u[2], &u[3]]), "Delivery times start when your parcel leaves the warehouse. Bulky items such as tents may take two extra days.");
    }

    #[test]
    fn a_whole_section_reads_its_tables_as_rows_the_chat_can_draw() {
        let md = chat_markdown(SHIPPING);
        assert!(!md.contains('|'), "{md}");
        let blocks = shared::markdown::parse(&md);
        assert!(matches!(&blocks[0], shared::markdown::Block::List { items, .. } if items.len() == 2), "{blocks:?}");
    }
}
