//! `scripts/import-help` against a small help centre in HTML (`tests/import/helpcentre`), served by
//! a real HTTP server on this machine: what a polite import must and must not write
//! (`manifest.toml`), and that a second run rewrites only the page that changed.

use serde::Deserialize;
use shared::import::{import, Limits};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Deserialize)]
struct Manifest {
    imported: Vec<String>,
    not_imported: Vec<String>,
    linked_only: Vec<String>,
    facts: Vec<(String, String)>,
    linked_only_facts: Vec<(String, String)>,
    never: Vec<String>,
    index_pages: Vec<String>,
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/import/helpcentre")
}

/// What the server was asked for, and a page whose text it changes (path → replacement).
#[derive(Default)]
struct Served {
    paths: Vec<String>,
    changed: Option<(String, String, String)>,
}

/// Serves the fixture at `http://127.0.0.1:PORT`, `http://HOST` in its files replaced by that.
fn serve(state: Arc<Mutex<Served>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let host = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let path = path.split('?').next().unwrap_or("/").to_string();
            state.lock().unwrap().paths.push(path.clone());
            // A page that redirects into what robots.txt disallows, linked from the home page.
            if path == "/go/settings" {
                let _ = write!(
                    stream,
                    "HTTP/1.1 302 Found\r\nlocation: /hc/en-us/admin/secret-settings\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                continue;
            }
            let file = match path.as_str() {
                "/" => fixture().join("index.html"),
                "/robots.txt" | "/sitemap.xml" => fixture().join(&path[1..]),
                p => fixture().join(format!("{}.html", &p[1..])),
            };
            let (status, kind, body) = match std::fs::read_to_string(&file) {
                Ok(text) => {
                    let mut text = text.replace("http://HOST", &host);
                    if path == "/" {
                        text = text.replace("</body>", "<a href=\"/go/settings\">Settings</a></body>");
                    }
                    if let Some((p, from, to)) = &state.lock().unwrap().changed {
                        if *p == path {
                            text = text.replace(from, to);
                        }
                    }
                    let kind = if path.ends_with(".txt") {
                        "text/plain"
                    } else if path.ends_with(".xml") {
                        "application/xml"
                    } else {
                        "text/html; charset=utf-8"
                    };
                    ("200 OK", kind, text)
                }
                Err(_) => ("404 Not Found", "text/html", "<h1>Not found</h1>".to_string()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("import-help-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_help_centre_is_imported_politely_and_a_second_run_rewrites_only_what_changed() {
    let manifest: Manifest =
        toml::from_str(&std::fs::read_to_string(fixture().join("manifest.toml")).unwrap()).unwrap();
    let state = Arc::new(Mutex::new(Served::default()));
    let base = serve(state.clone());
    let out = out_dir("full");
    let report = import(&format!("{base}/"), &out, Limits::default()).unwrap();

    // Every article, the one only linked to included, each with its URL and its fact.
    let files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    let text_of = |path: &str| -> String {
        let want = format!("url: \"{base}{path}\"");
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .find(|t| t.contains(&want))
            .unwrap_or_else(|| panic!("no file for {path}: {report:#?}"))
    };
    for path in manifest.imported.iter().chain(&manifest.linked_only) {
        let text = text_of(path);
        assert!(text.starts_with("---\ntitle: \""), "{text}");
    }
    assert_eq!(files.len(), manifest.imported.len() + manifest.linked_only.len(), "one file per article: {report:#?}");
    for (path, fact) in manifest.facts.iter().chain(&manifest.linked_only_facts) {
        assert!(text_of(path).contains(fact.as_str()), "{path}: no {fact:?}");
    }
    // Nothing disallowed, gone, elsewhere or navigation-only; no page furniture or script text.
    let served = state.lock().unwrap().paths.clone();
    assert!(served.iter().all(|p| !p.contains("/admin/")), "robots.txt's Disallow was fetched: {served:?}");
    assert!(served.iter().any(|p| p == "/go/settings"), "the redirecting link was tried: {served:?}");
    assert!(report.skipped.iter().any(|(_, why)| why.starts_with("redirects to ")), "{report:#?}");
    assert_eq!(served.first().map(String::as_str), Some("/robots.txt"), "robots.txt first");
    let all: String = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    for never in &manifest.never {
        assert!(!all.contains(never.as_str()), "{never:?} was imported");
    }
    for path in manifest.not_imported.iter().chain(&manifest.index_pages) {
        let url = if path.starts_with("http") { path.clone() } else { format!("{base}{path}") };
        assert!(!all.contains(&format!("url: \"{url}\"")), "{path} was imported");
    }
    assert_eq!(report.new.len(), files.len());

    // A second run: nothing changed, nothing written.
    let again = import(&format!("{base}/"), &out, Limits::default()).unwrap();
    assert_eq!((again.new.len(), again.updated.len(), again.unchanged.len()), (0, 0, files.len()));

    // One page changes: only its file is rewritten.
    let (path, fact) = manifest.facts[0].clone();
    state.lock().unwrap().changed = Some((path.clone(), fact.clone(), "a changed fact".into()));
    let third = import(&format!("{base}/"), &out, Limits::default()).unwrap();
    assert_eq!((third.new.len(), third.updated.len()), (0, 1), "{third:#?}");
    assert!(text_of(&path).contains("a changed fact"));
}

#[test]
fn an_import_stops_at_its_page_limit() {
    let base = serve(Arc::new(Mutex::new(Served::default())));
    let out = out_dir("limit");
    let report = import(&format!("{base}/"), &out, Limits { max_pages: 3, ..Limits::default() }).unwrap();
    assert_eq!(report.fetched, 3);
    assert!(report.skipped.iter().any(|(_, why)| why == "beyond --max-pages"), "{report:#?}");
}
