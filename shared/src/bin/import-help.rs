//! `import-help URL --out DIR [--max-pages N] [--max-seconds S]`: imports a public help centre as
//! knowledge files (`shared::import`). Run through `scripts/import-help`.

use shared::import::{import, Limits};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: scripts/import-help URL --out DIR [--max-pages N] [--max-seconds S]\n\
  Reads URL's robots.txt and sitemap, follows links on its host, and writes one Markdown file per\n\
  article into DIR (e.g. demo/site/knowledge) for you to review and commit. A second run rewrites\n\
  only the files whose page changed.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut start, mut out, mut limits) = (None, None, Limits::default());
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed: Result<(), String> = match arg.as_str() {
            "--out" => value("--out").map(|v| out = Some(PathBuf::from(v))),
            "--max-pages" => value("--max-pages")
                .and_then(|v| v.parse().map_err(|_| format!("--max-pages: {v:?} is not a number")))
                .map(|n| limits.max_pages = n),
            "--max-seconds" => value("--max-seconds")
                .and_then(|v| v.parse().map_err(|_| format!("--max-seconds: {v:?} is not a number")))
                .map(|n| limits.max_seconds = n),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other if start.is_none() && !other.starts_with('-') => {
                start = Some(other.to_string());
                Ok(())
            }
            other => Err(format!("unknown argument {other:?}")),
        };
        if let Err(e) = parsed {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    }
    let (Some(start), Some(out)) = (start, out) else {
        eprintln!("error: a URL and --out DIR are needed\n{USAGE}");
        return ExitCode::FAILURE;
    };
    let began = std::time::Instant::now();
    match import(&start, &out, limits) {
        Ok(report) => {
            for (url, why) in &report.skipped {
                println!("skipped {url}: {why}");
            }
            println!(
                "{} pages read in {:.1} s: {} new, {} updated, {} unchanged, {} skipped → {}",
                report.fetched,
                began.elapsed().as_secs_f64(),
                report.new.len(),
                report.updated.len(),
                report.unchanged.len(),
                report.skipped.len(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
