//! The small Markdown subset messages are written in: paragraphs, line breaks, bullet and numbered
//! lists, `**bold**` and `[links](https://…)`. Parsed into a tree that clients draw node by node,
//! so no text is ever injected as HTML. Links are kept only for safe schemes.

/// A block of message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph; single newlines inside it become [`Inline::Break`].
    Paragraph(Vec<Inline>),
    /// A bullet (`- `, `* `) or numbered (`1. `) list.
    List {
        /// Numbered or not.
        ordered: bool,
        /// Each item's inline content.
        items: Vec<Vec<Inline>>,
    },
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// `**bold**` text.
    Strong(String),
    /// A link with a safe target.
    Link {
        /// What the visitor reads.
        text: String,
        /// Where it goes: http(s), mailto, or a same-site path.
        href: String,
    },
    /// A line break inside a paragraph.
    Break,
}

/// Whether a link target may be followed: http(s), mailto, or a same-site path.
pub fn is_safe_href(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || (lower.starts_with('/') && !lower.starts_with("//") && !lower.starts_with("/\\"))
        || lower.starts_with('#')
}

/// Parses message text into blocks.
pub fn parse(src: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<Vec<Inline>>)> = None;

    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            let mut inlines = Vec::new();
            for (i, line) in paragraph.iter().enumerate() {
                if i > 0 {
                    inlines.push(Inline::Break);
                }
                inlines.extend(parse_inline(line));
            }
            blocks.push(Block::Paragraph(inlines));
            paragraph.clear();
        }
    };

    for raw in src.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks);
            if let Some((ordered, items)) = list.take() {
                blocks.push(Block::List { ordered, items });
            }
            continue;
        }
        if let Some((ordered, item)) = list_item(line) {
            flush_paragraph(&mut paragraph, &mut blocks);
            match &mut list {
                Some((o, items)) if *o == ordered => items.push(parse_inline(item)),
                _ => {
                    if let Some((o, items)) = list.take() {
                        blocks.push(Block::List { ordered: o, items });
                    }
                    list = Some((ordered, vec![parse_inline(item)]));
                }
            }
            continue;
        }
        if let Some((o, items)) = list.take() {
            blocks.push(Block::List { ordered: o, items });
        }
        // Headings in the owner's content read as a bold line inside chat.
        let heading = line.trim_start_matches('#');
        if heading.len() < line.len() && heading.starts_with(' ') {
            flush_paragraph(&mut paragraph, &mut blocks);
            blocks.push(Block::Paragraph(vec![Inline::Strong(heading.trim().to_string())]));
            continue;
        }
        paragraph.push(line);
    }
    flush_paragraph(&mut paragraph, &mut blocks);
    if let Some((ordered, items)) = list {
        blocks.push(Block::List { ordered, items });
    }
    blocks
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, rest.trim()));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        if let Some(rest) = line[digits..].strip_prefix(". ") {
            return Some((true, rest.trim()));
        }
    }
    None
}

/// Parses `**bold**` and `[text](href)` inside one line.
pub fn parse_inline(line: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        // `\[`, `\]`, `\*` and `\\` stand for the character itself (see `escape`).
        if let Some(escaped) = rest.strip_prefix('\\').and_then(|r| r.chars().next()).filter(|e| ESCAPED.contains(*e)) {
            text.push(escaped);
            rest = &rest[1 + escaped.len_utf8()..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**").filter(|&e| e > 0) {
                push_text(&mut out, &mut text);
                out.push(Inline::Strong(after[..end].to_string()));
                rest = &after[end + 2..];
                continue;
            }
        }
        if c == '[' {
            if let Some((label, href, consumed)) = link_at(rest) {
                push_text(&mut out, &mut text);
                if is_safe_href(href) {
                    out.push(Inline::Link { text: label.to_string(), href: href.trim().to_string() });
                } else {
                    text.push_str(label);
                }
                rest = &rest[consumed..];
                continue;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    push_text(&mut out, &mut text);
    out
}

/// The characters `escape` protects.
const ESCAPED: &str = "\\[]*";

/// Text from elsewhere (an API's answer) made safe to put inside message Markdown: it reads as
/// itself, never as a link, bold or a new paragraph.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if ESCAPED.contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Recognises `[label](href)` at the start of `s`; returns label, href and bytes consumed.
fn link_at(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find("](")?;
    let label = &s[1..close];
    if label.is_empty() || label.contains('[') {
        return None;
    }
    let after = &s[close + 2..];
    let end = after.find(')')?;
    let href = &after[..end];
    if href.is_empty() || href.contains(char::is_whitespace) {
        return None;
    }
    Some((label, href, close + 2 + end + 1))
}

fn push_text(out: &mut Vec<Inline>, text: &mut String) {
    if !text.is_empty() {
        out.push(Inline::Text(std::mem::take(text)));
    }
}

/// The text with all markup removed, e.g. for notifications and screen-reader summaries.
pub fn plain_text(src: &str) -> String {
    let mut out = String::new();
    for block in parse(src) {
        if !out.is_empty() {
            out.push('\n');
        }
        let inlines: Vec<Inline> = match block {
            Block::Paragraph(i) => i,
            Block::List { items, .. } => items.into_iter().flatten().collect(),
        };
        for inline in inlines {
            match inline {
                Inline::Text(t) | Inline::Strong(t) | Inline::Link { text: t, .. } => out.push_str(&t),
                Inline::Break => out.push('\n'),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_reads_as_itself() {
        let echoed = "[win a prize](https://evil.example) **now**\n- and \\ more";
        let blocks = parse(&format!("Your name is {}.", escape(echoed)));
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![Inline::Text(
                "Your name is [win a prize](https://evil.example) **now** - and \\ more.".into()
            )])]
        );
        assert!(!is_safe_href("/\\evil.example"), "browsers read /\\ as //");
    }
    use Inline::*;

    fn t(s: &str) -> Inline {
        Text(s.into())
    }

    #[test]
    fn paragraphs_and_breaks() {
        assert_eq!(
            parse("one\ntwo\n\nthree"),
            vec![Block::Paragraph(vec![t("one"), Break, t("two")]), Block::Paragraph(vec![t("three")])]
        );
    }

    #[test]
    fn lists_bold_and_links() {
        let blocks = parse("Fees:\n- **BTC**: 0.0002 BTC\n- see [fees](/fees.html#withdrawals)\n1. first");
        assert_eq!(blocks.len(), 3);
        assert_eq!(
            blocks[1],
            Block::List {
                ordered: false,
                items: vec![
                    vec![Strong("BTC".into()), t(": 0.0002 BTC")],
                    vec![t("see "), Link { text: "fees".into(), href: "/fees.html#withdrawals".into() }],
                ]
            }
        );
        assert_eq!(blocks[2], Block::List { ordered: true, items: vec![vec![t("first")]] });
    }

    #[test]
    fn unsafe_links_become_plain_text() {
        assert_eq!(parse_inline("[click](javascript:alert(1))"), vec![t("click)")]);
        assert_eq!(parse_inline("[x](//evil.example)"), vec![t("x")]);
        assert_eq!(parse_inline("[x](data:text/html,hi)"), vec![t("x")]);
    }

    #[test]
    fn html_stays_text() {
        assert_eq!(parse_inline("<img src=x onerror=alert(1)>"), vec![t("<img src=x onerror=alert(1)>")]);
    }

    #[test]
    fn unbalanced_markup_is_literal() {
        assert_eq!(parse_inline("2 ** 3 and [x]"), vec![t("2 ** 3 and [x]")]);
        assert_eq!(parse_inline("****"), vec![t("****")]);
    }

    #[test]
    fn headings_read_as_bold_lines() {
        assert_eq!(parse("## Withdrawal fees"), vec![Block::Paragraph(vec![Strong("Withdrawal fees".into())])]);
        assert_eq!(parse("#hashtag"), vec![Block::Paragraph(vec![t("#hashtag")])]);
    }

    #[test]
    fn plain_text_strips_markup() {
        assert_eq!(plain_text("**Hi** [there](/x)\n- a"), "Hi there\na");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_keeps_only_safe_links(s in "\\PC{0,200}") {
            for block in parse(&s) {
                let inlines: Vec<Inline> = match block {
                    Block::Paragraph(i) => i,
                    Block::List { items, .. } => items.into_iter().flatten().collect(),
                };
                for i in inlines {
                    if let Link { href, .. } = i { proptest::prop_assert!(is_safe_href(&href)); }
                }
            }
        }
    }
}
