//! An HTML help page — exported from Zendesk, Intercom or Help Scout, or a static site's page — as
//! the plain Markdown of its main content: `<main>`, `<article>` or, without either, the element
//! holding the most text in its own paragraphs; headings become sections, lists and tables stay,
//! `<details>` becomes a question heading over its answer, and navigation, scripts, styles, forms,
//! and the voting, sharing and related-articles furniture around an article are left out. Read at
//! build time only (the `html` feature): the Worker carries the passages, not the parser.

use scraper::{ElementRef, Html, Node, Selector};

/// What an HTML page says about itself, and its main content as Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlPage {
    /// The main content's first `<h1>`, else `og:title`, else `<title>` without the site's name.
    pub title: Option<String>,
    /// `<meta name="description">` or `og:description`.
    pub description: Option<String>,
    /// `<link rel="canonical">` or `og:url`.
    pub url: Option<String>,
    /// The main content as Markdown.
    pub body: String,
}

/// Elements whose text a reader of the page does not read as its content.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button", "svg", "iframe", "select",
    "input", "textarea", "dialog", "object", "canvas", "video", "audio", "img", "picture", "link", "meta",
];

/// Class or id words of the furniture around an article (as readability tools skip them).
const FURNITURE: &[&str] = &[
    "breadcrumb",
    "vote",
    "voting",
    "related",
    "share",
    "sharing",
    "social",
    "comment",
    "sidebar",
    "subscribe",
    "promo",
    "feedback",
    "pagination",
    "cookie",
    "banner",
    "toc",
    "skip",
];

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a valid selector written here")
}

/// Reads an HTML page.
pub fn read(html: &str) -> HtmlPage {
    let doc = Html::parse_document(html);
    let attr = |css: &str, name: &str| {
        doc.select(&selector(css))
            .find_map(|e| e.value().attr(name).map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
    };
    let url = attr("link[rel=canonical]", "href").or_else(|| attr("meta[property=\"og:url\"]", "content"));
    let description =
        attr("meta[name=description]", "content").or_else(|| attr("meta[property=\"og:description\"]", "content"));
    let og_title = attr("meta[property=\"og:title\"]", "content");
    let head_title =
        doc.select(&selector("title")).next().map(|t| site_name_dropped(&collapse(&t.text().collect::<String>())));
    let Some(root) = main_content(&doc) else {
        return HtmlPage { title: og_title.or(head_title), description, url, body: String::new() };
    };
    let mut writer = Writer::default();
    writer.block(root, 0);
    let body = writer.finish();
    let h1 =
        root.select(&selector("h1")).next().map(|h| collapse(&h.text().collect::<String>())).filter(|t| !t.is_empty());
    HtmlPage { title: h1.or(og_title).or(head_title).filter(|t| !t.is_empty()), description, url, body }
}

/// `Resetting your password – Quillmate Help Center` → `Resetting your password`.
fn site_name_dropped(title: &str) -> String {
    for separator in [" – ", " — ", " | ", " - ", " · "] {
        if let Some((page, _)) = title.rsplit_once(separator) {
            return page.trim().to_string();
        }
    }
    title.trim().to_string()
}

/// The page's main content: the `<article>` (or `<main>`, or `role=main`) with the most text, else
/// the element with the most text in paragraphs of its own.
fn main_content(doc: &Html) -> Option<ElementRef<'_>> {
    for css in ["article", "main", "[role=main]"] {
        let best = doc.select(&selector(css)).filter(|e| !skipped(e)).max_by_key(|e| text_len(*e));
        if let Some(best) = best.filter(|e| text_len(*e) > 0) {
            return Some(best);
        }
    }
    let blocks = selector("div, section, td, body");
    doc.select(&blocks).filter(|e| !skipped(e) && !inside_skipped(*e)).max_by_key(|e| own_paragraph_text(*e))
}

fn text_len(e: ElementRef) -> usize {
    e.text().map(|t| t.trim().len()).sum()
}

/// The text of an element's own paragraph-like children (not of deeper wrappers).
fn own_paragraph_text(e: ElementRef) -> usize {
    e.children()
        .filter_map(ElementRef::wrap)
        .filter(|c| matches!(c.value().name(), "p" | "ul" | "ol" | "table" | "pre" | "blockquote" | "dl" | "h2" | "h3"))
        .map(text_len)
        .sum()
}

fn inside_skipped(e: ElementRef) -> bool {
    e.ancestors().filter_map(ElementRef::wrap).any(|a| skipped(&a) || a.value().name() == "header")
}

/// Whether an element is left out: not content, hidden, or furniture by its class or id.
fn skipped(e: &ElementRef) -> bool {
    let el = e.value();
    if SKIPPED.contains(&el.name()) || el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    let words =
        el.attr("class").unwrap_or("").to_ascii_lowercase() + " " + &el.attr("id").unwrap_or("").to_ascii_lowercase();
    // Whole words (or their plurals: `article-votes`, `comments`), so `shared-content` or
    // `promotions-list` is not taken for sharing or promo furniture.
    words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| FURNITURE.iter().any(|f| w == *f || w.strip_suffix('s') == Some(f)))
}

/// Whitespace collapsed to single spaces, none before closing punctuation (inline elements are
/// written with a space either side).
fn collapse(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (spaced, tight) in
        [(" .", "."), (" ,", ","), (" ;", ";"), (" :", ":"), (" !", "!"), (" ?", "?"), (" )", ")"), ("( ", "(")]
    {
        out = out.replace(spaced, tight);
    }
    out
}

/// Markdown written from the main content's blocks.
#[derive(Default)]
struct Writer {
    blocks: Vec<String>,
    /// Inline text met between blocks (text directly in a `<div>`).
    pending: String,
}

impl Writer {
    fn flush(&mut self) {
        let text = collapse(&self.pending);
        if !text.is_empty() {
            self.blocks.push(text);
        }
        self.pending.clear();
    }

    fn push(&mut self, block: String) {
        self.flush();
        if !block.trim().is_empty() {
            self.blocks.push(block);
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.blocks.join("\n\n")
    }

    fn block(&mut self, el: ElementRef, depth: usize) {
        for child in el.children() {
            match child.value() {
                Node::Text(text) => self.pending.push_str(text),
                Node::Element(_) => {
                    let Some(e) = ElementRef::wrap(child) else { continue };
                    if skipped(&e) {
                        continue;
                    }
                    self.element(e, depth);
                }
                _ => {}
            }
        }
    }

    fn element(&mut self, e: ElementRef, depth: usize) {
        let name = e.value().name();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                let text = inline(e);
                if !text.is_empty() {
                    self.push(format!("{} {text}", "#".repeat(level.min(3))));
                }
            }
            "p" | "blockquote" | "figcaption" | "address" => self.push(inline(e)),
            "ul" | "ol" => self.push(list(e, name == "ol", depth)),
            "table" => self.push(table(e)),
            "pre" => self.push(format!("```\n{}\n```", e.text().collect::<String>().trim_end())),
            "details" => {
                if let Some(summary) = e.children().filter_map(ElementRef::wrap).find(|c| c.value().name() == "summary")
                {
                    self.push(format!("### {}", inline(summary)));
                }
                for child in e.children() {
                    match ElementRef::wrap(child) {
                        Some(c) if c.value().name() == "summary" || skipped(&c) => {}
                        Some(c) => self.element(c, depth),
                        None => {
                            if let Node::Text(t) = child.value() {
                                self.pending.push_str(t);
                            }
                        }
                    }
                }
                self.flush();
            }
            "dl" => {
                for item in e.children().filter_map(ElementRef::wrap) {
                    match item.value().name() {
                        "dt" => self.push(format!("**{}**", inline(item))),
                        "dd" => self.push(inline(item)),
                        _ => {}
                    }
                }
            }
            "br" | "hr" => self.flush(),
            _ if is_inline(name) => self.pending.push_str(&format!(" {} ", inline(e))),
            _ => {
                self.flush();
                self.block(e, depth);
                self.flush();
            }
        }
    }
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "strong"
            | "b"
            | "em"
            | "i"
            | "code"
            | "span"
            | "small"
            | "sup"
            | "sub"
            | "mark"
            | "u"
            | "abbr"
            | "kbd"
            | "time"
            | "label"
    )
}

/// An element's inline content as Markdown: links, bold, italics and code kept.
fn inline(e: ElementRef) -> String {
    let mut out = String::new();
    inline_into(e, &mut out);
    collapse(&out)
}

fn inline_into(e: ElementRef, out: &mut String) {
    for child in e.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(_) => {
                let Some(c) = ElementRef::wrap(child) else { continue };
                if skipped(&c) {
                    continue;
                }
                match c.value().name() {
                    "br" => out.push(' '),
                    "ul" | "ol" => out.push_str(&format!("\n{}\n", list(c, c.value().name() == "ol", 1))),
                    _ => inline_into_one(c, out),
                }
            }
            _ => {}
        }
    }
}

/// A list as Markdown, nested lists indented under their item.
fn list(e: ElementRef, ordered: bool, depth: usize) -> String {
    let indent = "  ".repeat(depth);
    let mut lines = Vec::new();
    let items = e.children().filter_map(ElementRef::wrap).filter(|c| c.value().name() == "li");
    for (n, item) in items.enumerate() {
        let mut text = String::new();
        let mut nested = Vec::new();
        for child in item.children() {
            match ElementRef::wrap(child) {
                Some(c) if matches!(c.value().name(), "ul" | "ol") => {
                    nested.push(list(c, c.value().name() == "ol", depth + 1))
                }
                Some(c) if skipped(&c) => {}
                Some(c) if c.value().name() == "p" => {
                    text.push(' ');
                    text.push_str(&inline(c));
                }
                Some(c) => {
                    let mut one = String::new();
                    inline_into_one(c, &mut one);
                    text.push_str(&one);
                }
                None => {
                    if let Node::Text(t) = child.value() {
                        text.push_str(t);
                    }
                }
            }
        }
        let marker = if ordered { format!("{}.", n + 1) } else { "-".to_string() };
        lines.push(format!("{indent}{marker} {}", collapse(&text)));
        lines.extend(nested);
    }
    lines.join("\n")
}

/// One inline element as Markdown (as in [`inline`], for an element rather than its children).
fn inline_into_one(e: ElementRef, out: &mut String) {
    let inner = inline(e);
    if inner.is_empty() {
        return;
    }
    match e.value().name() {
        "a" => match e.value().attr("href").filter(|h| !h.starts_with('#') && !h.starts_with("javascript:")) {
            Some(href) => out.push_str(&format!(" [{inner}]({href}) ")),
            None => out.push_str(&format!(" {inner} ")),
        },
        "strong" | "b" => out.push_str(&format!(" **{inner}** ")),
        "em" | "i" => out.push_str(&format!(" _{inner}_ ")),
        "code" | "kbd" => out.push_str(&format!(" `{inner}` ")),
        _ => out.push_str(&format!(" {inner} ")),
    }
}

/// A table as a Markdown table, its first row as the header.
fn table(e: ElementRef) -> String {
    let rows: Vec<Vec<String>> = e
        .select(&selector("tr"))
        .map(|tr| {
            tr.children()
                .filter_map(ElementRef::wrap)
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .map(|c| inline(c).replace('|', "\\|"))
                .collect()
        })
        .filter(|r: &Vec<String>| !r.is_empty())
        .collect();
    let Some(width) = rows.iter().map(Vec::len).max() else { return String::new() };
    let mut lines = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<&str> = (0..width).map(|i| row.get(i).map_or("", String::as_str)).collect();
        lines.push(format!("| {} |", cells.join(" | ")));
        if n == 0 {
            lines.push(format!("|{}", " --- |".repeat(width)));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head><title>Plans – Acme Help Center</title>
<meta name="description" content="What each plan costs">
<link rel="canonical" href="https://help.acme.example/hc/articles/12-plans">
<style>.refund { color: red }</style><script>var refund = "30 days";</script></head>
<body><header><nav><a href="/">Home</a> <a href="/requests/new">Submit a request</a></nav></header>
<article class="article"><header><h1>Plans and prices</h1></header>
<div class="article-body"><p>Every plan starts with a <strong>14-day</strong> trial. See <a href="/hc/articles/13">billing</a>.</p>
<h2>Prices</h2><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Solo</td><td>$9</td></tr></table>
<ul><li>Cancel any time</li><li>Export your notes<ul><li>as Markdown</li></ul></li></ul>
<details><summary>Can I pay yearly?</summary><p>Yes, with 2 months free.</p></details></div>
<div class="article-votes">Was this article helpful?<button>Yes</button></div>
<section class="related-articles"><h3>Related articles</h3></section></article>
<footer>© Acme</footer></body></html>"#;

    #[test]
    fn an_exported_article_reads_as_its_content_in_markdown() {
        let page = read(PAGE);
        assert_eq!(page.title.as_deref(), Some("Plans and prices"));
        assert_eq!(page.description.as_deref(), Some("What each plan costs"));
        assert_eq!(page.url.as_deref(), Some("https://help.acme.example/hc/articles/12-plans"));
        let body = page.body;
        assert!(
            body.starts_with(
                "# Plans and prices\n\nEvery plan starts with a **14-day** trial. See [billing](/hc/articles/13)."
            ),
            "{body}"
        );
        assert!(body.contains("## Prices\n\n| Plan | Price |\n| --- | --- |\n| Solo | $9 |"), "{body}");
        assert!(body.contains("- Cancel any time\n- Export your notes\n  - as Markdown"), "{body}");
        assert!(body.contains("### Can I pay yearly?\n\nYes, with 2 months free."), "{body}");
        for furniture in ["refund", "Submit a request", "Was this article helpful", "Related articles", "© Acme"] {
            assert!(!body.contains(furniture), "{furniture} in {body}");
        }
    }

    #[test]
    fn without_main_or_article_the_block_with_the_most_paragraphs_is_the_content() {
        let html = "<html><body><div id=\"nav\"><a href=\"/a\">A</a><a href=\"/b\">B</a></div>\
            <div class=\"wrap\"><div id=\"fullArticle\"><h1>Syncing</h1><p>Notes sync every 30 seconds.</p><p>Offline edits wait.</p></div>\
            <div class=\"links\"><p>Short.</p></div></div></body></html>";
        let page = read(html);
        assert_eq!(page.title.as_deref(), Some("Syncing"));
        assert_eq!(page.body, "# Syncing\n\nNotes sync every 30 seconds.\n\nOffline edits wait.");
    }

    #[test]
    fn content_whose_class_merely_starts_like_furniture_is_kept() {
        let html = "<html><body><article><h1>Teams</h1><div class=\"shared-content\"><p>Shared notebooks sync for everyone.</p></div>\
            <div class=\"article-votes\">Was this helpful?</div></article></body></html>";
        let page = read(html);
        assert!(page.body.contains("Shared notebooks sync"), "{}", page.body);
        assert!(!page.body.contains("helpful"), "{}", page.body);
    }
}
