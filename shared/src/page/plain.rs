//! Plain-text pages (`.txt`) have headings too, written as lines of their own: a short line with no
//! closing full stop, after a blank line, with its paragraph right under it. They are marked as
//! Markdown headings so a text page is cut into sections as a Markdown page is.

/// Longest line read as a heading, in characters, and in words.
const MAX_HEADING_CHARS: usize = 70;
const MAX_HEADING_WORDS: usize = 10;

/// The text with its heading lines marked: the file's first line, when it is one, as the page's
/// `#` title; the others as `##` sections.
pub fn headings(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let after_blank = i == 0 || lines[i - 1].trim().is_empty();
        let paragraph_follows = lines.get(i + 1).is_some_and(|next| !next.trim().is_empty() && !is_heading(next));
        if after_blank && paragraph_follows && is_heading(line) {
            let level = if i == 0 { "#" } else { "##" };
            out.push(format!("{level} {}", line.trim()));
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

/// Whether a line reads as a heading: short, not a sentence (no closing `.`, `,`, `;` or `:`), not
/// a list item, not already marked up.
fn is_heading(line: &str) -> bool {
    let line = line.trim();
    let words = line.split_whitespace().count();
    !line.is_empty()
        && line.chars().count() <= MAX_HEADING_CHARS
        && words <= MAX_HEADING_WORDS
        && !line.ends_with(['.', ',', ';', ':'])
        && !line.starts_with(['-', '*', '#', '>', '|', '+'])
        && !line.split_once(". ").is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
        && line.chars().next().is_some_and(|c| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_over_their_paragraphs_become_sections() {
        let text = "Opening hours\nWe are open 9 to 5 on weekdays.\n\nHolidays\nClosed on public holidays.\n\nAll shops close at 5.\nAnd that is all.";
        assert_eq!(
            headings(text),
            "# Opening hours\nWe are open 9 to 5 on weekdays.\n\n## Holidays\nClosed on public holidays.\n\nAll shops close at 5.\nAnd that is all."
        );
    }

    #[test]
    fn sentences_list_items_and_lone_lines_stay_text() {
        let text = "Our prices are fair.\nThey include tax.\n\n- Free returns\nwithin 30 days\n\n1. First step\nthen more\n\nA closing line";
        assert_eq!(headings(text), text);
    }
}
