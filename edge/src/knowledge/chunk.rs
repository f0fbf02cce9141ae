//! Knowledge files cut into sections (one per heading), each citing its page and anchor.

use shared::site::KnowledgeDoc;

/// A passage that can be cited on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chunk {
    /// Title of the page it comes from.
    pub page_title: String,
    /// The section heading, if the passage sits under one.
    pub heading: Option<String>,
    /// Link to the page, with the section's anchor.
    pub url: String,
    /// The passage, in Markdown, without its heading.
    pub text: String,
    /// The page's other names (front matter `aliases`): searched, never quoted.
    pub names: Vec<String>,
    /// What the page is about (front matter `description`), for the passage before its first
    /// heading: searched, never quoted.
    pub summary: Option<String>,
}

impl Chunk {
    /// "Page › Section", as shown beside a cited source.
    pub fn citation_title(&self) -> String {
        match &self.heading {
            Some(h) => format!("{} › {h}", self.page_title),
            None => self.page_title.clone(),
        }
    }
}

/// Longest passage kept whole; longer sections are split at paragraph boundaries.
const MAX_CHUNK_CHARS: usize = 1200;

/// Cuts every document at its `#`–`###` headings.
pub fn chunk_documents(docs: &[KnowledgeDoc]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for doc in docs {
        let mut heading: Option<String> = None;
        let mut text = String::new();
        for line in doc.body.lines() {
            if let Some(h) = heading_text(line) {
                push_section(&mut chunks, doc, heading.take(), &text);
                text.clear();
                // A top-level title repeating the page title adds nothing to cite.
                heading = (h != doc.title).then(|| h.to_string());
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
        push_section(&mut chunks, doc, heading, &text);
    }
    chunks
}

fn heading_text(line: &str) -> Option<&str> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    (1..=3).contains(&hashes).then(|| line[hashes..].strip_prefix(' ')).flatten().map(str::trim)
}

fn push_section(chunks: &mut Vec<Chunk>, doc: &KnowledgeDoc, heading: Option<String>, text: &str) {
    let url = match &heading {
        Some(h) if !doc.url.contains('#') => format!("{}#{}", doc.url, slug(h)),
        _ => doc.url.clone(),
    };
    for part in split_paragraphs(text.trim(), MAX_CHUNK_CHARS) {
        chunks.push(Chunk {
            page_title: doc.title.clone(),
            heading: heading.clone(),
            url: url.clone(),
            text: part,
            names: doc.aliases.clone(),
            summary: if heading.is_none() { doc.description.clone() } else { None },
        });
    }
}

/// Groups paragraphs into parts of at most `max` characters (a single longer paragraph stays whole).
fn split_paragraphs(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if !current.is_empty() && current.len() + para.len() + 2 > max {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(para);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The anchor a heading gets on the owner's page: lower case, words joined by '-', apostrophes
/// dropped inside words ("Items that can't be returned" → `items-that-cant-be-returned`), as
/// GitHub and most Markdown renderers write them.
pub fn slug(heading: &str) -> String {
    shared::action::slugify(&heading.replace(['\'', '\u{2019}'], ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> KnowledgeDoc {
        KnowledgeDoc {
            file: "k/fees.md".into(),
            title: "Fees".into(),
            url: "/fees".into(),
            body: body.into(),
            ..Default::default()
        }
    }

    #[test]
    fn one_chunk_per_section_with_anchor() {
        let chunks =
            chunk_documents(&[doc("# Fees\nIntro.\n\n## Withdrawal fees\n- BTC: 0.0002\n\n### Deposit fees\nFree.")]);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].heading, None);
        assert_eq!(chunks[0].url, "/fees");
        assert_eq!(chunks[1].citation_title(), "Fees › Withdrawal fees");
        assert_eq!(chunks[1].url, "/fees#withdrawal-fees");
        assert_eq!(chunks[1].text, "- BTC: 0.0002");
        assert_eq!(chunks[2].text, "Free.");
    }

    #[test]
    fn empty_sections_are_skipped() {
        let chunks = chunk_documents(&[doc("## A\n\n## B\ntext")]);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].heading.as_deref(), Some("B"));
    }

    #[test]
    fn long_sections_split_at_paragraphs() {
        let para = "word ".repeat(100);
        let body = format!("## Long\n{para}\n\n{para}\n\n{para}");
        let chunks = chunk_documents(&[doc(&body)]);
        assert!(chunks.len() >= 2);
        assert!(chunks.iter().all(|c| c.text.len() <= MAX_CHUNK_CHARS));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Withdrawal fees (BTC & ETH)"), "withdrawal-fees-btc-eth");
        assert_eq!(slug("Items that can't be returned"), "items-that-cant-be-returned");
        assert_eq!(slug("What the warranty doesn’t cover"), "what-the-warranty-doesnt-cover");
    }
}
