//! Times `scripts/import-help` on a generated help centre of N article pages served on this
//! machine, twice (the second run finds nothing changed). With `--into DIR`, the imported files are
//! left in DIR (`scripts/bench-pages` builds a Worker from them). A benchmark: prints, asserts
//! nothing. `cargo run --release -p shared --features import --example help_centre_bench -- 200`

use shared::import::{import, Limits};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Instant;

const TOPICS: &[&str] = &["billing", "sync", "sharing", "export", "security", "mobile", "teams", "search"];

/// The article page with this number, in the shape a Zendesk help centre serves.
fn article(n: usize) -> String {
    let topic = TOPICS[n % TOPICS.len()];
    format!(
        "<!DOCTYPE html><html><head><title>About {topic} {n} – Bench Help Center</title>\
         <script>var promo = 'not content {n}';</script><style>.x{{}}</style></head><body>\
         <header><nav><a href=\"/\">Home</a> <a href=\"/hc/sections/{topic}\">{topic}</a></nav></header>\
         <article><h1>About {topic} {n}</h1><div class=\"article-body\">\
         <p>This article explains how {topic} works for workspace number {n}. Every workspace keeps its \
         {topic} settings for {days} days, and an owner can change them from the settings page at any time.</p>\
         <h2>Limits</h2><ul><li>Up to {limit} items per {topic} list</li><li>{n} is this article's own number</li></ul>\
         <h2>Prices</h2><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Solo</td><td>${price}</td></tr></table>\
         <p>Related: <a href=\"/hc/articles/{next}-about-{next_topic}\">the next article</a>.</p></div>\
         <div class=\"article-votes\">Was this article helpful?</div></article><footer>© Bench</footer></body></html>",
        days = 10 + n % 80,
        limit = 100 + n,
        price = 3 + n % 20,
        next = (n + 1) % 100_000,
        next_topic = TOPICS[(n + 1) % TOPICS.len()],
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pages: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let into = match (args.next().as_deref(), args.next()) {
        (Some("--into"), Some(dir)) => std::path::PathBuf::from(dir),
        _ => std::env::temp_dir().join(format!("help-centre-bench-{}", std::process::id())),
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let sitemap_base = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            while let Ok(n) = reader.read_line(&mut String::new()) {
                if n <= 2 {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = if path == "/robots.txt" {
                ("200 OK", "User-agent: *\nDisallow: /admin/\n".to_string())
            } else if path == "/sitemap.xml" {
                let urls: String = (0..pages)
                    .map(|n| {
                        format!(
                            "<url><loc>{sitemap_base}/hc/articles/{n}-about-{}</loc></url>",
                            TOPICS[n % TOPICS.len()]
                        )
                    })
                    .collect();
                ("200 OK", format!("<?xml version=\"1.0\"?><urlset>{urls}</urlset>"))
            } else if let Some(n) =
                path.strip_prefix("/hc/articles/").and_then(|p| p.split('-').next()?.parse::<usize>().ok())
            {
                if n < pages {
                    ("200 OK", article(n))
                } else {
                    ("404 Not Found", String::new())
                }
            } else {
                ("200 OK", "<html><body><h1>Help</h1><ul><li><a href=\"/hc/articles/0-about-billing\">Start</a></li></ul></body></html>".into())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let limits = Limits { max_pages: pages + 10, ..Limits::default() };
    for run in ["first run", "second run (nothing changed)"] {
        let started = Instant::now();
        let report = import(&format!("{base}/"), &into, limits).expect("an import");
        println!(
            "import, {run}: {} pages read in {:.2} s ({} new, {} updated, {} unchanged, {} skipped)",
            report.fetched,
            started.elapsed().as_secs_f64(),
            report.new.len(),
            report.updated.len(),
            report.unchanged.len(),
            report.skipped.len()
        );
    }
    println!("files in {}", into.display());
}
