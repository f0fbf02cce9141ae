//! Prints a site directory's validated bundle as JSON (the knowledge pages with their resolved
//! titles and URLs, the agent, the actions), or its problems on stderr with exit code 1.
//! Usage: cargo run -q -p shared --bin site-bundle -- <site dir>

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: site-bundle <site dir>");
        return ExitCode::from(2);
    };
    match shared::site_dir::read_site_dir(&dir).bundle {
        Ok(bundle) => {
            println!("{}", serde_json::to_string(&bundle).expect("a bundle serialises"));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in errors {
                eprintln!("error: {}: {e}", dir.display());
            }
            ExitCode::FAILURE
        }
    }
}
