//! `scripts/import-help URL --out DIR`: an owner's public help centre, read politely and written as
//! knowledge files to review and commit. It reads `robots.txt` first and fetches nothing it
//! disallows (honouring its crawl delay), takes the pages its sitemaps list and follows links from
//! the start page and every page read, on the start page's host only, within a number of pages,
//! bytes per page and seconds. Each article (a page whose main content has text of its own, not
//! only links) becomes `DIR/<its last path segment>.md`: its title and URL as front matter, its
//! main content as Markdown (`page::html`, the reader the build uses for HTML pages). A second
//! run rewrites only the files whose page changed.

use crate::page::html;
use scraper::{Html, Selector};
use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};
use url::Url;

/// How far one import may go.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Pages fetched at most (sitemaps and robots.txt not counted).
    pub max_pages: usize,
    /// Bytes read of one page at most; a longer page is skipped.
    pub max_page_bytes: u64,
    /// Seconds the whole import may take; pages not reached by then are reported.
    pub max_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_pages: 500, max_page_bytes: 2 << 20, max_seconds: 600 }
    }
}

/// What an import did, file by file.
#[derive(Debug, Default)]
pub struct Report {
    /// Files written for pages seen the first time.
    pub new: Vec<String>,
    /// Files rewritten because their page changed.
    pub updated: Vec<String>,
    /// Files whose page had not changed (left untouched).
    pub unchanged: Vec<String>,
    /// URLs not imported, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Pages fetched.
    pub fetched: usize,
}

/// Who the importer says it is, to servers and to `robots.txt`.
const AGENT: &str = "switchboard-import";

/// Least words of text of its own (outside link lists) for a page to count as an article.
const ARTICLE_WORDS: usize = 40;

/// Extensions of links that are no pages.
const NOT_PAGES: &[&str] =
    &[".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".zip", ".css", ".js", ".json", ".xml", ".mp4", ".ico"];

/// Imports the help centre at `start` into the folder `out`.
pub fn import(start: &str, out: &Path, limits: Limits) -> Result<Report, String> {
    let started = Instant::now();
    let start = Url::parse(start).map_err(|e| format!("{start:?} is not a URL: {e}"))?;
    if !matches!(start.scheme(), "http" | "https") {
        return Err(format!("{start} is not an http(s) URL"));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    // robots.txt and sitemaps may redirect (RFC 9309 allows five hops); a page's redirect is not
    // followed but queued, so its target passes the host and robots.txt checks like any link.
    let agent = |redirects: u32| -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .user_agent(AGENT)
            .max_redirects(redirects)
            .max_redirects_will_error(false)
            .build()
            .into()
    };
    let (following, pages) = (agent(5), agent(0));
    let get = |agent: &ureq::Agent, url: &Url, max: u64| -> Result<(u16, String, String), String> {
        let mut response = agent.get(url.as_str()).call().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        // A redirect's target rides where its body would.
        if (300..400).contains(&status) {
            return Ok((status, String::new(), header("location")));
        }
        let kind = header("content-type");
        let body = response.body_mut().with_config().limit(max).read_to_string().map_err(|e| e.to_string())?;
        Ok((status, kind, body))
    };
    let fetch = |url: &Url, max: u64| get(&following, url, max);
    let origin = |u: &Url| (u.scheme().to_string(), u.host_str().map(str::to_string), u.port_or_known_default());
    let home = origin(&start);

    // robots.txt first: without it nothing is read but what it would allow.
    let robots_url = start.join("/robots.txt").map_err(|e| e.to_string())?;
    let robot = match fetch(&robots_url, 512 << 10) {
        Ok((200, _, text)) => {
            Some(texting_robots::Robot::new(AGENT, text.as_bytes()).map_err(|e| format!("{robots_url}: {e}"))?)
        }
        Ok((status, _, _)) if (400..500).contains(&status) => None,
        Ok((status, _, _)) => return Err(format!("{robots_url} answered HTTP {status}: not importing without it")),
        Err(e) => return Err(format!("{robots_url} could not be read: {e}")),
    };
    let allowed = |u: &Url| robot.as_ref().is_none_or(|r| r.allowed(u.as_str()));
    let delay = robot.as_ref().and_then(|r| r.delay).map_or(Duration::ZERO, |s| Duration::from_secs_f32(s.min(10.0)));

    let mut report = Report::default();
    let mut queue: VecDeque<Url> = VecDeque::from([start.clone()]);
    // The sitemaps robots.txt names, else the usual one; a sitemap index's sitemaps too.
    let mut sitemaps: VecDeque<Url> =
        robot.as_ref().map(|r| r.sitemaps.iter().filter_map(|s| start.join(s).ok()).collect()).unwrap_or_default();
    if sitemaps.is_empty() {
        sitemaps.extend(start.join("/sitemap.xml").ok());
    }
    let mut sitemaps_read = 0;
    while let Some(sitemap) = sitemaps.pop_front() {
        if sitemaps_read >= 20 || origin(&sitemap) != home {
            continue;
        }
        sitemaps_read += 1;
        let Ok((200, _, xml)) = fetch(&sitemap, 10 << 20) else { continue };
        for (is_index, loc) in sitemap_locations(&xml) {
            let Ok(url) = sitemap.join(&loc) else { continue };
            if is_index {
                sitemaps.push_back(url);
            } else {
                queue.push_back(url);
            }
        }
    }

    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    while let Some(mut url) = queue.pop_front() {
        url.set_fragment(None);
        url.set_query(None);
        if !seen.insert(url.to_string()) {
            continue;
        }
        let skip = |report: &mut Report, why: &str| report.skipped.push((url.to_string(), why.to_string()));
        if origin(&url) != home {
            skip(&mut report, "on another host");
            continue;
        }
        if NOT_PAGES.iter().any(|ext| url.path().to_ascii_lowercase().ends_with(ext)) {
            continue;
        }
        if !allowed(&url) {
            skip(&mut report, "disallowed by robots.txt");
            continue;
        }
        if report.fetched >= limits.max_pages {
            skip(&mut report, "beyond --max-pages");
            continue;
        }
        if started.elapsed() > Duration::from_secs(limits.max_seconds) {
            skip(&mut report, "beyond --max-seconds");
            continue;
        }
        if report.fetched > 0 {
            std::thread::sleep(delay);
        }
        report.fetched += 1;
        let (status, kind, text) = match get(&pages, &url, limits.max_page_bytes) {
            Ok(answer) => answer,
            Err(e) => {
                skip(&mut report, &format!("not read: {e}"));
                continue;
            }
        };
        if (300..400).contains(&status) {
            let target = url.join(&text).map(|t| t.to_string()).unwrap_or_default();
            skip(&mut report, &format!("redirects to {target}"));
            queue.extend(url.join(&text).ok());
            continue;
        }
        if status != 200 {
            skip(&mut report, &format!("HTTP {status}"));
            continue;
        }
        if !kind.is_empty() && !kind.contains("html") {
            skip(&mut report, &format!("not HTML ({kind})"));
            continue;
        }
        queue.extend(links(&text, &url));
        let page = html::read(&text);
        if own_words(&page.body) < ARTICLE_WORDS {
            skip(&mut report, "no article text (a list of links)");
            continue;
        }
        let name = file_name(&url, &mut names);
        let title = page.title.clone().unwrap_or_else(|| name.trim_end_matches(".md").replace('-', " "));
        let file =
            format!("---\ntitle: {}\nurl: {}\n---\n{}\n", yaml_string(&title), yaml_string(url.as_str()), page.body);
        let path = out.join(&name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == file => report.unchanged.push(name),
            existing => {
                std::fs::write(&path, &file).map_err(|e| format!("{}: {e}", path.display()))?;
                if existing.is_ok() {
                    report.updated.push(name)
                } else {
                    report.new.push(name)
                }
            }
        }
    }
    Ok(report)
}

/// The `<loc>` of each `<url>` or `<sitemap>` (an index) of a sitemap, with whether it is one of
/// an index. (The sitemap is read with the HTML parser the importer has anyway: a sitemap's few
/// elements come out as elements of those names, their text intact.)
fn sitemap_locations(xml: &str) -> Vec<(bool, String)> {
    let doc = Html::parse_document(xml);
    let mut out = Vec::new();
    for (css, is_index) in [("sitemap > loc", true), ("url > loc", false)] {
        let selector = Selector::parse(css).expect("a valid selector");
        out.extend(doc.select(&selector).map(|loc| (is_index, loc.text().collect::<String>().trim().to_string())));
    }
    out
}

/// The links of a page, resolved against it.
fn links(html_text: &str, base: &Url) -> Vec<Url> {
    let doc = Html::parse_document(html_text);
    let selector = Selector::parse("a[href]").expect("a valid selector");
    doc.select(&selector)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .collect()
}

/// Words of a page's own text: not in headings, and not in list items or lines that are one link.
fn own_words(markdown: &str) -> usize {
    markdown
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches(['-', '*', ' ']).trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').trim()
        })
        .filter(|l| !(l.starts_with('[') && l.ends_with(')') && l.matches("](").count() == 1))
        .map(|l| l.split_whitespace().count())
        .sum()
}

/// `…/articles/360001-creating-your-first-notebook` → `360001-creating-your-first-notebook.md`, a
/// number added when two pages would share a name.
fn file_name(url: &Url, taken: &mut BTreeSet<String>) -> String {
    let last = url.path_segments().and_then(|mut s| s.rfind(|p| !p.is_empty())).unwrap_or("index");
    let last = last.rsplit_once('.').map_or(last, |(stem, _)| stem);
    let slug = crate::action::slugify(last);
    let slug = if slug.is_empty() { "index".to_string() } else { slug };
    let mut name = format!("{slug}.md");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{slug}-{n}.md");
        n += 1;
    }
    name
}

/// A YAML double-quoted string.
fn yaml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_links_is_no_article() {
        assert_eq!(own_words("# Billing\n\n- [Plans](/a)\n- [Refunds](/b)\n\n[Contact us](/c)"), 0);
        assert_eq!(own_words("# Plans\n\nEvery plan starts with a trial."), 6);
    }

    #[test]
    fn file_names_come_from_the_last_path_segment_and_never_collide() {
        let mut taken = BTreeSet::new();
        let url = |u: &str| Url::parse(u).unwrap();
        assert_eq!(
            file_name(&url("http://h/hc/en-us/articles/360001-Creating-Notes"), &mut taken),
            "360001-creating-notes.md"
        );
        assert_eq!(file_name(&url("http://h/other/360001-creating-notes/"), &mut taken), "360001-creating-notes-2.md");
        assert_eq!(file_name(&url("http://h/"), &mut taken), "index.md");
    }

    #[test]
    fn sitemaps_and_their_indexes_are_read() {
        let xml = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc> http://h/a </loc><lastmod>2026-01-01</lastmod></url></urlset>";
        assert_eq!(sitemap_locations(xml), [(false, "http://h/a".to_string())]);
        let index = "<sitemapindex><sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>";
        assert_eq!(sitemap_locations(index), [(true, "http://h/s1.xml".to_string())]);
    }
}
