//! A help page's front matter, as static-site tools write it: YAML between `---` lines (Jekyll,
//! Hugo, Docusaurus, MkDocs, Obsidian and most others) or TOML between `+++` lines (Hugo, Zola).
//! Only what Switchboard uses is read — the title, a description, where the page is published,
//! its other names, and whether it is published at all; every other key is ignored, never shown.

use yaml_rust2::{Yaml, YamlLoader};

/// What the front matter says about its page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// `title`.
    pub title: Option<String>,
    /// `description` (or `summary`).
    pub description: Option<String>,
    /// `url` or `permalink`: where the page is published.
    pub url: Option<String>,
    /// `slug`: the page's last path segment under `[knowledge] base_url`.
    pub slug: Option<String>,
    /// `aliases` (and Jekyll's `redirect_from`): the page's other names (a path is read as the
    /// words of its last segment).
    pub aliases: Vec<String>,
    /// `false` for `draft: true`, `publish: false` or `published: false`: the page is left out.
    pub published: bool,
}

/// A front matter block that could not be read: the line (of the file) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line in the file.
    pub line: usize,
    /// What the parser said.
    pub message: String,
}

/// Splits a page into its front matter (read) and its body. A page without front matter has an
/// empty one, published.
pub fn split(contents: &str) -> Result<(FrontMatter, &str), Malformed> {
    for (fence, parse) in [("---", parse_yaml as fn(&str) -> Result<FrontMatter, Malformed>), ("+++", parse_toml)] {
        let Some(rest) = opening(contents, fence) else { continue };
        let Some((front, body)) = closing(rest, fence) else {
            return Err(Malformed { line: 1, message: format!("front matter opened with `{fence}` is never closed") });
        };
        // Lines of the block count from the file's second line.
        let front = parse(front).map_err(|m| Malformed { line: m.line + 1, ..m })?;
        return Ok((front, body));
    }
    Ok((FrontMatter { published: true, ..FrontMatter::default() }, contents))
}

/// The text after an opening `fence` line, if the page starts with one.
fn opening<'a>(contents: &'a str, fence: &str) -> Option<&'a str> {
    let rest = contents.strip_prefix(fence)?;
    let (line, rest) = rest.split_once('\n').unwrap_or((rest, ""));
    line.trim().is_empty().then_some(rest)
}

/// The block before the closing `fence` line, and what follows it.
fn closing<'a>(rest: &'a str, fence: &str) -> Option<(&'a str, &'a str)> {
    let mut at = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == fence {
            return Some((&rest[..at], &rest[at + line.len()..]));
        }
        at += line.len();
    }
    None
}

fn parse_yaml(block: &str) -> Result<FrontMatter, Malformed> {
    let docs = YamlLoader::load_from_str(block)
        .map_err(|e| Malformed { line: e.marker().line(), message: e.info().to_string() })?;
    let Some(doc) = docs.into_iter().next() else { return Ok(FrontMatter { published: true, ..Default::default() }) };
    if doc.as_hash().is_none() && !matches!(doc, Yaml::Null) {
        return Err(Malformed { line: 1, message: "front matter must be `key: value` lines".into() });
    }
    let text = |key: &str| match &doc[key] {
        Yaml::String(s) => Some(s.trim().to_string()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        _ => None,
    };
    let flag = |key: &str| doc[key].as_bool();
    let list = |key: &str| -> Vec<String> {
        match &doc[key] {
            Yaml::String(s) => vec![s.clone()],
            Yaml::Array(items) => items.iter().filter_map(|i| i.as_str().map(String::from)).collect(),
            _ => Vec::new(),
        }
    };
    Ok(FrontMatter {
        title: text("title"),
        description: text("description").or_else(|| text("summary")),
        url: text("url").or_else(|| text("permalink")),
        slug: text("slug"),
        aliases: names(list("aliases").into_iter().chain(list("redirect_from"))),
        published: flag("draft") != Some(true) && flag("publish") != Some(false) && flag("published") != Some(false),
    })
}

fn parse_toml(block: &str) -> Result<FrontMatter, Malformed> {
    let table: toml::Table = toml::from_str(block).map_err(|e| Malformed {
        line: e.span().map_or(1, |s| block[..s.start.min(block.len())].matches('\n').count() + 1),
        message: e.message().to_string(),
    })?;
    let text = |key: &str| match table.get(key) {
        Some(toml::Value::String(s)) => Some(s.trim().to_string()),
        Some(toml::Value::Integer(n)) => Some(n.to_string()),
        _ => None,
    };
    let flag = |key: &str| table.get(key).and_then(toml::Value::as_bool);
    let list = |key: &str| -> Vec<String> {
        match table.get(key) {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(String::from)).collect(),
            _ => Vec::new(),
        }
    };
    Ok(FrontMatter {
        title: text("title"),
        description: text("description").or_else(|| text("summary")),
        url: text("url").or_else(|| text("permalink")),
        slug: text("slug"),
        aliases: names(list("aliases").into_iter().chain(list("redirect_from"))),
        published: flag("draft") != Some(true) && flag("publish") != Some(false) && flag("published") != Some(false),
    })
}

/// Other names of a page, as words: a path alias (`/classes/drop-a-class/`) gives the words of
/// its last segment (`drop a class`); empty and repeated ones are dropped.
fn names(aliases: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for alias in aliases {
        let alias = alias.trim();
        let name = if alias.starts_with('/') || alias.contains("://") {
            let last = alias.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let last = last.rsplit_once('.').map_or(last, |(stem, _)| stem);
            last.replace(['-', '_'], " ")
        } else {
            alias.to_string()
        };
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if !name.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter_gives_title_url_names_and_hides_the_rest() {
        let page = "---\nlayout: page\ntitle: \"Cancelling a class\"\ndescription: How late you can drop out\npermalink: /help/cancel/\naliases:\n  - drop a class\n  - /old/late-cancel-policy/\ntags: [a, b]\nsidebar_position: 3\n---\n# Cancelling\nText.";
        let (front, body) = split(page).unwrap();
        assert_eq!(front.title.as_deref(), Some("Cancelling a class"));
        assert_eq!(front.description.as_deref(), Some("How late you can drop out"));
        assert_eq!(front.url.as_deref(), Some("/help/cancel/"));
        assert_eq!(front.aliases, ["drop a class", "late cancel policy"]);
        assert!(front.published);
        assert_eq!(body, "# Cancelling\nText.");
    }

    #[test]
    fn drafts_and_unpublished_pages_are_not_published() {
        for flag in ["draft: true", "publish: false", "published: false"] {
            let (front, _) = split(&format!("---\ntitle: X\n{flag}\n---\nBody")).unwrap();
            assert!(!front.published, "{flag}");
        }
        let (front, _) = split("---\ndraft: false\n---\nBody").unwrap();
        assert!(front.published);
        let (front, _) = split("+++\ntitle = \"X\"\ndraft = true\nweight = 3\n+++\nBody").unwrap();
        assert!(!front.published);
    }

    #[test]
    fn toml_front_matter_ignores_keys_it_does_not_use() {
        let (front, body) = split("+++\ntitle = \"About\"\nurl = \"/help/about\"\nweight = 10\n[extra]\nx = 1\n+++\nWe operate in 4 countries.").unwrap();
        assert_eq!((front.title.as_deref(), front.url.as_deref()), (Some("About"), Some("/help/about")));
        assert_eq!(body, "We operate in 4 countries.");
    }

    #[test]
    fn a_malformed_block_names_its_line_in_the_file() {
        let err = split("---\ntitle: Fine\naliases: [unclosed\nslug: x\n---\nBody").unwrap_err();
        assert!(err.line >= 3, "{err:?}");
        let err = split("+++\ntitle = \"A\"\ntitle = oops\n+++\nBody").unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert!(split("---\ntitle: A\nBody without a closing fence").is_err());
    }

    #[test]
    fn a_horizontal_rule_later_in_a_page_is_no_front_matter() {
        let (front, body) = split("Intro\n\n---\n\nMore").unwrap();
        assert_eq!(front, FrontMatter { published: true, ..Default::default() });
        assert_eq!(body, "Intro\n\n---\n\nMore");
    }
}
