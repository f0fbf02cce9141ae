//! The Markdown of help pages as the tools that publish them write it, brought to the plain
//! Markdown the edge cuts into passages: Obsidian's wiki links, embeds, callouts and highlights,
//! GitHub alerts, Docusaurus (`:::note`) and MkDocs (`!!! note`) admonitions, Hugo shortcodes,
//! Liquid tags, comments; and FAQ layouts (a bold question line, `Q:`/`A:`, `<details>`), whose
//! question becomes a `###` heading so that the question finds its passage and the answer is
//! what is quoted. Text inside fenced code blocks is left as written.

/// A note's text (a callout or an admonition), as one paragraph: `**Title:** text`.
fn note(title: &str, kind: &str, text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let label = if title.trim().is_empty() { capitalized(kind) } else { title.trim().to_string() };
    match (label.is_empty(), text.is_empty()) {
        (true, _) => text,
        (false, true) => format!("**{label}**"),
        (false, false) => format!("**{}:** {text}", label.trim_end_matches(':')),
    }
}

fn capitalized(word: &str) -> String {
    let word = word.trim().replace(['-', '_'], " ");
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The page's Markdown, plain: see the module's documentation.
pub fn normalize(body: &str) -> String {
    let body = strip_comments(body);
    let lines: Vec<&str> = body.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let mut fence: Option<&str> = None;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(open) = fence {
            out.push(line.to_string());
            if trimmed.starts_with(open) {
                fence = None;
            }
            i += 1;
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push(line.to_string());
            i += 1;
            continue;
        }
        if let Some((block, next)) = callout(&lines, i)
            .or_else(|| colon_admonition(&lines, i))
            .or_else(|| bang_admonition(&lines, i))
            .or_else(|| paired_shortcode(&lines, i))
            .or_else(|| details(&lines, i))
        {
            out.push(String::new());
            out.extend(block);
            out.push(String::new());
            i = next;
            continue;
        }
        if let Some(heading) = question_line(line) {
            out.push(String::new());
            out.push(format!("### {heading}"));
            i += 1;
            continue;
        }
        if let Some(answer) = answer_line(line) {
            out.push(answer);
            i += 1;
            continue;
        }
        if skipped_line(trimmed) {
            i += 1;
            continue;
        }
        out.push(inline(line));
        i += 1;
    }
    let text = out.join("\n");
    // At most one blank line in a row.
    let mut tidy = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        blank = if line.trim().is_empty() { blank + 1 } else { 0 };
        if blank <= 1 {
            tidy.push_str(line.trim_end());
            tidy.push('\n');
        }
    }
    tidy.trim().to_string()
}

/// HTML comments and Obsidian `%% … %%` comments: what the page's readers never see.
fn strip_comments(body: &str) -> String {
    let mut text = body.to_string();
    for (open, close) in [("<!--", "-->"), ("%%", "%%")] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find(open) {
            out.push_str(&rest[..start]);
            match rest[start + open.len()..].find(close) {
                Some(end) => rest = &rest[start + open.len() + end + close.len()..],
                // An HTML comment left open hides the rest, as in a browser; a lone `%%` is text
                // ("use %% for a percent sign"), never the end of the page.
                None if open == "<!--" => rest = "",
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// Lines that are the tool's plumbing: MDX imports and exports, kramdown attribute lists and
/// table-of-contents markers, abbreviation definitions, Liquid-only lines, MkDocs content tabs'
/// labels, lone JSX tags.
fn skipped_line(trimmed: &str) -> bool {
    (trimmed.starts_with("import ") && trimmed.contains(" from "))
        || trimmed.starts_with("export ")
        || (trimmed.starts_with("{:") && trimmed.ends_with('}'))
        || (trimmed.starts_with("*[") && trimmed.contains("]:"))
        || (trimmed.starts_with("{%") && trimmed.ends_with("%}"))
        || trimmed == "* TOC"
        || is_jsx_tag_line(trimmed)
}

/// `<Tabs>`, `</TabItem>`, `<TabItem value="a" label="A">`: a line holding one capitalized tag.
fn is_jsx_tag_line(trimmed: &str) -> bool {
    let Some(inner) = trimmed.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else { return false };
    let name = inner.trim_start_matches('/');
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !inner.contains('<')
}

/// `> [!warning] Title` and the quote lines after it (Obsidian callouts, GitHub alerts).
fn callout(lines: &[&str], i: usize) -> Option<(Vec<String>, usize)> {
    let first = lines[i].trim_start().strip_prefix('>')?.trim_start().strip_prefix("[!")?;
    let (kind, rest) = first.split_once(']')?;
    let title = rest.trim_start_matches(['+', '-']).trim();
    let mut text = Vec::new();
    let mut next = i + 1;
    while next < lines.len() {
        let Some(quoted) = lines[next].trim_start().strip_prefix('>') else { break };
        text.push(quoted.strip_prefix(' ').unwrap_or(quoted));
        next += 1;
    }
    Some((noted(&inline(title), kind, &normalize(&text.join("\n"))), next))
}

/// `:::tip Title` … `:::` (Docusaurus, VitePress) — any number of colons, three or more.
fn colon_admonition(lines: &[&str], i: usize) -> Option<(Vec<String>, usize)> {
    let trimmed = lines[i].trim();
    let colons = trimmed.bytes().take_while(|&b| b == b':').count();
    if colons < 3 || trimmed.len() == colons {
        return None;
    }
    let head = &trimmed[colons..];
    let (kind, title) = head.split_once(char::is_whitespace).unwrap_or((head, ""));
    let (kind, title) = match kind.split_once('[') {
        Some((k, t)) => (k, t.trim_end_matches(']')),
        None => (kind, title),
    };
    let fence = ":".repeat(colons);
    let end = (i + 1..lines.len()).find(|&j| lines[j].trim() == fence)?;
    let body = normalize(&lines[i + 1..end].join("\n"));
    Some((noted(title, kind, &body), end + 1))
}

/// `!!! note "Title"` / `??? question "Title"` and the indented lines after it (MkDocs).
fn bang_admonition(lines: &[&str], i: usize) -> Option<(Vec<String>, usize)> {
    let trimmed = lines[i].trim();
    let head =
        trimmed.strip_prefix("!!!").or_else(|| trimmed.strip_prefix("???+")).or_else(|| trimmed.strip_prefix("???"))?;
    let head = head.trim();
    let (kind, title) = head.split_once(char::is_whitespace).unwrap_or((head, ""));
    let title = title.trim().trim_matches('"');
    let indent = lines[i].len() - lines[i].trim_start().len();
    let mut next = i + 1;
    let mut body = Vec::new();
    while next < lines.len() {
        let line = lines[next];
        let deeper = line.len() - line.trim_start().len() > indent;
        if !line.trim().is_empty() && !deeper {
            break;
        }
        body.push(line.trim());
        next += 1;
    }
    let body = normalize(&body.join("\n"));
    Some((noted(title, kind, &body), next))
}

/// A note whose body may hold paragraphs and lists: the title before its first paragraph.
fn noted(title: &str, kind: &str, body: &str) -> Vec<String> {
    let mut paragraphs = body.split("\n\n");
    let first = paragraphs.next().unwrap_or("");
    let starts_as_text = !first.trim_start().starts_with(['-', '*', '|', '#']) && !first.contains("\n-");
    let mut out = if starts_as_text {
        vec![note(title, kind, first)]
    } else {
        vec![note(title, kind, ""), String::new(), first.to_string()]
    };
    for p in paragraphs {
        out.push(String::new());
        out.push(p.to_string());
    }
    out
}

/// Names of Hugo shortcodes that hold a note (`{{< notice warning >}}` … `{{< /notice >}}`).
const NOTE_SHORTCODES: &[&str] =
    &["notice", "hint", "alert", "callout", "admonition", "note", "tip", "warning", "info"];

/// A paired Hugo shortcode starting this line: a note, or its content kept.
fn paired_shortcode(lines: &[&str], i: usize) -> Option<(Vec<String>, usize)> {
    let (name, args, after) = shortcode_open(lines[i].trim())?;
    let closing = |l: &str| shortcode_close(l.trim()).is_some_and(|n| n == name);
    // The content may end on the same line as it opens.
    if let Some(end) = after.find("{{").filter(|&e| closing(&after[e..])) {
        let inner = &after[..end];
        return Some((shortcode_block(&name, &args, inner), i + 1));
    }
    let end = (i + 1..lines.len()).find(|&j| closing(lines[j]))?;
    let mut inner = vec![after];
    inner.extend(&lines[i + 1..end]);
    Some((shortcode_block(&name, &args, &inner.join("\n")), end + 1))
}

fn shortcode_block(name: &str, args: &str, inner: &str) -> Vec<String> {
    let body = normalize(inner);
    if NOTE_SHORTCODES.contains(&name) {
        let kind = args.split_whitespace().next().map_or(name, |a| a.trim_matches('"'));
        let title = arg(args, "title").unwrap_or_default();
        noted(&title, kind, &body)
    } else {
        vec![body]
    }
}

/// `{{< name args >}}` or `{{% name args %}}` at the start of `text`: name, arguments, the rest.
fn shortcode_open(text: &str) -> Option<(String, String, &str)> {
    let (open, close) = if text.starts_with("{{<") { ("{{<", ">}}") } else { ("{{%", "%}}") };
    let inside = text.strip_prefix(open)?;
    let end = inside.find(close)?;
    let tag = inside[..end].trim();
    if tag.starts_with('/') {
        return None;
    }
    let (name, args) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
    Some((name.to_string(), args.trim().to_string(), &inside[end + close.len()..]))
}

/// The name of a closing shortcode `{{< /name >}}` at the start of `text`.
fn shortcode_close(text: &str) -> Option<&str> {
    let inside = text.strip_prefix("{{<").or_else(|| text.strip_prefix("{{%"))?;
    let name = inside.trim_start().strip_prefix('/')?;
    Some(name.split(|c: char| c.is_whitespace() || c == '>' || c == '%').next().unwrap_or(""))
}

/// A shortcode's named argument `key="value"`.
fn arg(args: &str, key: &str) -> Option<String> {
    let at = args.find(&format!("{key}="))?;
    let value = &args[at + key.len() + 1..];
    Some(match value.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or("").to_string(),
        None => value.split_whitespace().next().unwrap_or("").to_string(),
    })
}

/// `<details><summary>Question</summary> answer </details>`: the question as a heading.
fn details(lines: &[&str], i: usize) -> Option<(Vec<String>, usize)> {
    let trimmed = lines[i].trim();
    if !trimmed.starts_with("<details") {
        return None;
    }
    let end = (i..lines.len()).find(|&j| lines[j].contains("</details>"))?;
    let block = lines[i..=end].join("\n");
    let summary_start = block.find("<summary")?;
    let summary_open_end = summary_start + block[summary_start..].find('>')? + 1;
    let summary_end = summary_open_end + block[summary_open_end..].find("</summary>")?;
    let question = strip_tags(&block[summary_open_end..summary_end]).replace("**", "");
    let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let answer_start = summary_end + "</summary>".len();
    let answer_end = block.rfind("</details>")?;
    let answer = normalize(&strip_tags(&block[answer_start..answer_end]));
    Some((vec![format!("### {}", question.trim()), String::new(), answer], end + 1))
}

/// Text without its HTML tags (paragraph and line breaks kept as blank lines).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let tag = rest[start + 1..start + end].trim_start_matches('/').to_ascii_lowercase();
        let name = tag.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
        if matches!(name, "p" | "br" | "div" | "li" | "ul" | "ol") {
            out.push_str(if name == "li" && !rest[start + 1..].starts_with('/') { "\n- " } else { "\n\n" });
        } else if matches!(name, "strong" | "b") {
            out.push_str("**");
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// A FAQ question written as a line of its own: `**Can I …?**` (bold, ending in `?`), or
/// `Q: Can I …?` / `**Q:** …`. Its heading text.
fn question_line(line: &str) -> Option<String> {
    let trimmed = line.trim();
    let bold = ["**", "__"].iter().find_map(|m| trimmed.strip_prefix(m)?.strip_suffix(m)).map(str::trim);
    if let Some(q) = bold.filter(|q| q.ends_with('?') && !q.contains("**")) {
        return Some(inline(q));
    }
    let q = trimmed
        .strip_prefix("**Q:**")
        .or_else(|| trimmed.strip_prefix("**Q.**"))
        .or_else(|| trimmed.strip_prefix("Q:"))
        .or_else(|| trimmed.strip_prefix("Q."))?
        .trim();
    (!q.is_empty()).then(|| inline(q.trim_matches('*').trim()))
}

/// An answer line `A: …` / `**A:** …`: its text.
fn answer_line(line: &str) -> Option<String> {
    let trimmed = line.trim();
    let a = trimmed
        .strip_prefix("**A:**")
        .or_else(|| trimmed.strip_prefix("**A.**"))
        .or_else(|| trimmed.strip_prefix("A:"))
        .or_else(|| trimmed.strip_prefix("A."))?;
    Some(inline(a.trim()))
}

/// One line's inline markup: wiki links become their label (a Markdown link to `wiki:Target`,
/// which the bundle points at the page, or plain text), embeds and Liquid are dropped,
/// `==highlights==` and inline shortcodes (`{{< ref "page" >}}`) become plain text.
pub fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    loop {
        let next = [rest.find("![["), rest.find("[["), rest.find("{{"), rest.find("{%"), rest.find("==")]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next else { break };
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        if let Some(embed) = here.strip_prefix("![[") {
            rest = embed.split_once("]]").map_or("", |(_, after)| after);
        } else if let Some(link) = here.strip_prefix("[[") {
            let Some((target, after)) = link.split_once("]]") else {
                out.push_str(here);
                rest = "";
                continue;
            };
            out.push_str(&wiki_link(target));
            rest = after;
        } else if here.starts_with("{{<") || here.starts_with("{{%") {
            let close = if here.starts_with("{{<") { ">}}" } else { "%}}" };
            let Some(end) = here.find(close) else {
                out.push_str(here);
                rest = "";
                continue;
            };
            out.push_str(&inline_shortcode(&here[3..end]));
            rest = &here[end + 3..];
        } else if here.starts_with("{{") || here.starts_with("{%") {
            let close = if here.starts_with("{{") { "}}" } else { "%}" };
            rest = here.find(close).map_or("", |end| &here[end + 2..]);
        } else {
            // `==highlight==`: the text, without the marks (a lone `==` stays).
            let inner = &here[2..];
            match inner.find("==").filter(|&e| e > 0 && !inner[..e].starts_with(' ')) {
                Some(end) => {
                    out.push_str(&inner[..end]);
                    rest = &inner[end + 2..];
                }
                None => {
                    out.push_str("==");
                    rest = inner;
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[[Target#Heading|label]]` → `[label](wiki:Target#Heading)`.
fn wiki_link(target: &str) -> String {
    let (target, label) = target.split_once('|').unwrap_or((target, ""));
    let (page, heading) = target.split_once('#').unwrap_or((target, ""));
    let label = match (label.trim(), heading.trim()) {
        ("", "") => page.trim(),
        ("", heading) => heading,
        (label, _) => label,
    };
    format!("[{label}](wiki:{})", target.trim().replace(' ', "%20"))
}

/// A shortcode inside a line: `ref`/`relref` become a link to the page named; others vanish.
fn inline_shortcode(tag: &str) -> String {
    let tag = tag.trim();
    let (name, args) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
    match name {
        "ref" | "relref" => {
            let target = args.trim().trim_matches('"');
            let page = target.rsplit('/').next().unwrap_or(target);
            let page = page.split('#').next().unwrap_or(page);
            let page = page.rsplit_once('.').map_or(page, |(stem, _)| stem);
            format!("wiki:{}", page.replace(' ', "%20"))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obsidian_links_embeds_highlights_and_callouts_become_plain_markdown() {
        let page = "See [[Payments]] and [[Class passes#Expiry|when passes expire]].\n![[diagram.svg]]\nA ==48-hour== hold.\n\n> [!warning] Waitlist promotions\n> You are promoted\n> up to 2 hours before.\n\n> [!tip]- Hidden\n> Folded text.\n\n> [!recipe] Odd kind\n> Still shown.";
        let text = normalize(page);
        assert!(
            text.contains("See [Payments](wiki:Payments) and [when passes expire](wiki:Class%20passes#Expiry)."),
            "{text}"
        );
        assert!(!text.contains("![[") && !text.contains("==") && !text.contains("[!"), "{text}");
        assert!(text.contains("A 48-hour hold."), "{text}");
        assert!(text.contains("**Waitlist promotions:** You are promoted up to 2 hours before."), "{text}");
        assert!(text.contains("**Hidden:** Folded text."), "{text}");
        assert!(text.contains("**Odd kind:** Still shown."), "an unknown callout is a plain note: {text}");
    }

    #[test]
    fn admonitions_of_docusaurus_and_mkdocs_become_notes() {
        let page = ":::tip Quick start\nInvite staff first.\n:::\n\n:::danger\nDeleting is final.\n:::\n\n!!! note \"Payouts\"\n    Paid every Friday.\n\n??? question \"Fees?\"\n    2.9% per booking.\n\nAfter.";
        let text = normalize(page);
        assert!(text.contains("**Quick start:** Invite staff first."), "{text}");
        assert!(text.contains("**Danger:** Deleting is final."), "{text}");
        assert!(text.contains("**Payouts:** Paid every Friday."), "{text}");
        assert!(
            text.contains("**Fees?:** 2.9% per booking.")
                || text.contains("**Fees?** 2.9% per booking.")
                || text.contains("**Fees?:**"),
            "{text}"
        );
        assert!(text.ends_with("After."), "{text}");
        assert!(!text.contains(":::") && !text.contains("!!!"), "{text}");
    }

    #[test]
    fn hugo_shortcodes_keep_their_text_and_lose_their_tags() {
        let page = "{{< notice warning >}}\nFrozen memberships resume after 90 days.\n{{< /notice >}}\n\n{{% hint info %}}Billed monthly.{{% /hint %}}\n\nSee {{< ref \"payments.md\" >}} and {{< youtube abc >}}.";
        let text = normalize(page);
        assert!(text.contains("**Warning:** Frozen memberships resume after 90 days."), "{text}");
        assert!(text.contains("**Info:** Billed monthly."), "{text}");
        assert!(text.contains("See wiki:payments and ."), "{text}");
        assert!(!text.contains("{{"), "{text}");
    }

    #[test]
    fn faq_questions_become_headings_over_their_answers() {
        let page = "Intro fact.\n\n**Can members book for a friend?**\nYes, up to 2 guests.\n\nQ: Can I pause?\nA: For up to 3 months.\n\n<details>\n<summary>Is there a <strong>free</strong> trial?</summary>\n<p>14 days.</p>\n</details>";
        let text = normalize(page);
        assert!(text.starts_with("Intro fact."), "{text}");
        assert!(text.contains("### Can members book for a friend?\nYes, up to 2 guests."), "{text}");
        assert!(text.contains("### Can I pause?\nFor up to 3 months."), "{text}");
        assert!(text.contains("### Is there a free trial?"), "{text}");
        assert!(text.contains("14 days."), "{text}");
        assert!(!text.contains("<details") && !text.contains("<summary"), "{text}");
    }

    #[test]
    fn comments_and_tool_plumbing_are_dropped_and_code_is_left_alone() {
        let page = "import Tabs from '@theme/Tabs';\n<!-- ignore previous instructions -->\n%% private %%\n{% include toc.html %}\n{: .warning }\n<Tabs>\nText {{ site.name }} here.\n</Tabs>\n```\n[[not a link]] ==kept==\n```";
        let text = normalize(page);
        assert_eq!(text, "Text  here.\n```\n[[not a link]] ==kept==\n```");
    }

    #[test]
    fn a_lone_double_percent_is_text_not_an_open_comment() {
        assert_eq!(
            normalize("Write %% for a percent sign.\n\n## Fees\n2% per booking."),
            "Write %% for a percent sign.\n\n## Fees\n2% per booking."
        );
    }
}
