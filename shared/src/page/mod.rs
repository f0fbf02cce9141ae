//! A help page, read once at build time from whatever the owner's tools publish — Markdown or plain
//! text with YAML or TOML front matter in the dialects of Jekyll, Hugo, Docusaurus, MkDocs and
//! Obsidian, or an HTML page as help centres export it — into one plain Markdown body the edge
//! cuts into passages (`front_matter`, `markup`, `html`).

pub mod front_matter;
#[cfg(feature = "html")]
pub mod html;
pub mod markup;
pub mod plain;

use crate::site::SiteError;
use serde::{Deserialize, Serialize};

/// One knowledge file, read: its title (front matter, else the first `#` heading, else the file
/// name), its URL (front matter's `url`/`permalink`, else `[knowledge] base_url` + `slug` or the
/// file name), its other names, and its body as plain Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeDoc {
    /// Path inside the site directory, e.g. `knowledge/fees.md`.
    pub file: String,
    /// Page title.
    pub title: String,
    /// The page's public URL, cited as the source.
    pub url: String,
    /// Markdown body, plain (no front matter, no tool syntax).
    pub body: String,
    /// The page's other names (front matter `aliases`): searched, never quoted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// What the page is about, in a sentence (front matter `description`): searched, never quoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// File extensions read as knowledge: Markdown, plain text (Markdown without markup), and HTML.
pub const KNOWLEDGE_EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "txt", "html", "htm"];

fn err(file: &str, field: Option<&str>, message: impl Into<String>) -> SiteError {
    SiteError { file: file.into(), field: field.map(Into::into), message: message.into() }
}

impl KnowledgeDoc {
    /// Reads one knowledge file published under `base_url` (`[knowledge] base_url`); `None` for a
    /// page its front matter keeps unpublished (`draft: true`, `publish: false`).
    pub fn parse(file: &str, contents: &str, base_url: &str) -> Result<Option<Self>, SiteError> {
        let contents = contents.trim_start_matches('\u{feff}');
        let (front, body) = if is_html(file) {
            html_page(file, contents)?
        } else {
            let (front, body) = front_matter::split(contents)
                .map_err(|m| err(file, None, format!("front matter, line {}: {}", m.line, m.message)))?;
            if file.to_ascii_lowercase().ends_with(".txt") {
                (front, markup::normalize(&plain::headings(body)))
            } else {
                (front, markup::normalize(body))
            }
        };
        if !front.published {
            return Ok(None);
        }
        if body.trim().is_empty() {
            return Err(err(file, None, "has no content"));
        }
        let stem = file_stem(file);
        let title = match front.title {
            Some(t) if t.trim().is_empty() => return Err(err(file, Some("title"), "must not be empty")),
            Some(t) => t.trim().to_string(),
            None => first_heading(&body).unwrap_or_else(|| title_from_file_name(stem)),
        };
        let url = match (front.url, front.slug) {
            (Some(url), _) => url,
            (None, Some(slug)) => format!("{}/{}", base_url.trim_end_matches('/'), slug.trim_matches('/')),
            (None, None) => format!("{}/{}", base_url.trim_end_matches('/'), url_segment(stem)),
        };
        if !is_page_url(&url) {
            return Err(err(file, Some("url"), format!("{url:?} must be an http(s) URL or a path starting with '/'")));
        }
        let description = front.description.filter(|d| !d.is_empty());
        Ok(Some(Self { file: file.into(), title, url, body, aliases: front.aliases, description }))
    }
}

fn is_html(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}

#[cfg(feature = "html")]
fn html_page(file: &str, contents: &str) -> Result<(front_matter::FrontMatter, String), SiteError> {
    let page = html::read(contents);
    let front = front_matter::FrontMatter {
        title: page.title,
        description: page.description,
        url: page.url,
        published: true,
        ..Default::default()
    };
    if page.body.trim().is_empty() {
        return Err(err(file, None, "has no text in its main content (<main>, <article> or its largest text block)"));
    }
    Ok((front, markup::normalize(&page.body)))
}

#[cfg(not(feature = "html"))]
fn html_page(file: &str, _contents: &str) -> Result<(front_matter::FrontMatter, String), SiteError> {
    Err(err(
        file,
        None,
        "HTML pages are read by the build (shared's `html` feature), which this tool was built without",
    ))
}

/// Points the pages' wiki links (`[label](wiki:Target#Heading)`, written by `markup`) at the
/// pages they name — by title, file name or alias, in any case — and leaves the label alone when
/// no page is known by that name.
pub fn resolve_links(docs: &mut [KnowledgeDoc]) {
    let known: Vec<(Vec<String>, String)> = docs
        .iter()
        .map(|d| {
            let mut names = vec![d.title.to_lowercase(), file_stem(&d.file).to_lowercase()];
            names.extend(d.aliases.iter().map(|a| a.to_lowercase()));
            (names, d.url.clone())
        })
        .collect();
    for doc in docs.iter_mut() {
        if !doc.body.contains("](wiki:") {
            continue;
        }
        let mut out = String::with_capacity(doc.body.len());
        let mut rest = doc.body.as_str();
        while let Some(at) = rest.find("](wiki:") {
            let Some(open) = rest[..at].rfind('[') else { break };
            let Some(close) = rest[at..].find(')') else { break };
            let label = &rest[open + 1..at];
            let target = rest[at + "](wiki:".len()..at + close].replace("%20", " ");
            let (page, heading) = target.split_once('#').unwrap_or((target.as_str(), ""));
            let page = page.trim().to_lowercase();
            let page = page.rsplit_once('.').filter(|(_, ext)| ext.len() <= 4).map_or(page.as_str(), |(s, _)| s);
            out.push_str(&rest[..open]);
            match known.iter().find(|(names, _)| names.iter().any(|n| n == page)) {
                Some((_, url)) if heading.is_empty() => out.push_str(&format!("[{label}]({url})")),
                Some((_, url)) => out.push_str(&format!("[{label}]({url}#{})", crate::action::slugify(heading))),
                None => out.push_str(label),
            }
            rest = &rest[at + close + 1..];
        }
        out.push_str(rest);
        doc.body = out;
    }
}

/// An http(s) URL or a site path (not `//host`).
pub(crate) fn is_page_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//"))
}

/// `knowledge/Shipping & Returns.md` → `Shipping & Returns`.
fn file_stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The text of the first `# ` heading, if the page starts its Markdown with one anywhere.
fn first_heading(body: &str) -> Option<String> {
    body.lines().find_map(|l| l.trim().strip_prefix("# ")).map(|h| h.trim().to_string()).filter(|h| !h.is_empty())
}

/// `shipping-and_returns` → `Shipping and returns`.
fn title_from_file_name(stem: &str) -> String {
    let words = stem.replace(['-', '_'], " ");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Help".into(),
    }
}

/// A file name as a URL path segment: lower case words joined by `-` (`Shipping & Returns` →
/// `shipping-returns`).
fn url_segment(stem: &str) -> String {
    let words: Vec<String> =
        stem.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if words.is_empty() {
        "page".into()
    } else {
        words.join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowledge_front_matter_is_optional_and_urls_stay_safe() {
        let e = KnowledgeDoc::parse("k.md", "+++\ntitle = \"T\"\nurl = \"javascript:x\"\n+++\nbody", "/").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("url"));
        let e = KnowledgeDoc::parse("k.md", "+++\ntitle = \"T\"\nbody", "/").unwrap_err();
        assert!(e.message.contains("never closed"), "{e}");
        assert!(KnowledgeDoc::parse("k.md", "   \n", "/").unwrap_err().message.contains("no content"));

        // A help page as it is: the title is its first # heading, the URL its file name.
        let page = KnowledgeDoc::parse(
            "knowledge/Shipping & Returns.md",
            "Intro.\n\n# Shipping and returns\n\n## Costs\nFree.",
            "/help/",
        )
        .unwrap()
        .unwrap();
        assert_eq!((page.title.as_str(), page.url.as_str()), ("Shipping and returns", "/help/shipping-returns"));
        // Plain text: the title comes from the file name.
        let txt =
            KnowledgeDoc::parse("knowledge/opening_hours.txt", "We are open 9 to 5.", "https://shop.example/help")
                .unwrap()
                .unwrap();
        assert_eq!(
            (txt.title.as_str(), txt.url.as_str()),
            ("Opening hours", "https://shop.example/help/opening-hours")
        );
        // Front matter overrides either.
        let over =
            KnowledgeDoc::parse("knowledge/x.markdown", "+++\nurl = \"/faq\"\n+++\n# FAQ\nBody", "/").unwrap().unwrap();
        assert_eq!((over.title.as_str(), over.url.as_str()), ("FAQ", "/faq"));
    }

    #[test]
    fn drafts_are_left_out_and_aliases_and_descriptions_kept() {
        let draft = "---\ntitle: Gift cards\ndraft: true\n---\nThey expire after 3 years.";
        assert_eq!(KnowledgeDoc::parse("k/gift.md", draft, "/").unwrap(), None);
        let page = "---\ntitle: Cancelling\ndescription: How late you can drop out\naliases: [drop a class]\nslug: cancel\nlayout: doc\n---\nText.";
        let doc = KnowledgeDoc::parse("k/c.md", page, "/help/").unwrap().unwrap();
        assert_eq!(doc.url, "/help/cancel");
        assert_eq!(doc.aliases, ["drop a class"]);
        assert_eq!(doc.description.as_deref(), Some("How late you can drop out"));
        assert!(!doc.body.contains("layout"), "{}", doc.body);
    }

    #[test]
    fn a_malformed_front_matter_fails_naming_the_file_and_line() {
        let e = KnowledgeDoc::parse("knowledge/c.md", "---\ntitle: A\naliases: [x\n---\nText", "/").unwrap_err();
        assert_eq!(e.file, "knowledge/c.md");
        assert!(e.message.starts_with("front matter, line "), "{e}");
    }

    #[test]
    fn wiki_links_point_at_the_pages_they_name_or_stay_plain_text() {
        let mut docs = vec![
            KnowledgeDoc::parse("k/passes.md", "# Class passes\n## Expiry\nSix months.", "/help/").unwrap().unwrap(),
            KnowledgeDoc::parse(
                "k/w.md",
                "See [[Class passes#Expiry|when passes expire]], [[Nowhere]] and [[passes]].",
                "/help/",
            )
            .unwrap()
            .unwrap(),
        ];
        resolve_links(&mut docs);
        assert_eq!(docs[1].body, "See [when passes expire](/help/passes#expiry), Nowhere and [passes](/help/passes).");
    }
}
