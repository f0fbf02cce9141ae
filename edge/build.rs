//! Compiles the site directory (`SWITCHBOARD_SITE`, default `demo/site`) into the Worker: reads
//! it with `shared::site_dir` (the same reader the demo pages are rendered from), validates it,
//! and writes `$OUT_DIR/site.json`. A problem fails the build with the file and field named.

use shared::site_dir::read_site_dir;
use std::path::PathBuf;
use std::{env, fs, process};

fn main() {
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_SITE");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = match env::var("SWITCHBOARD_SITE") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => manifest.join("../demo/site"),
    };
    let site = read_site_dir(&dir);
    for path in &site.read {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let bundle = site.bundle.unwrap_or_else(|errors| {
        for e in &errors {
            eprintln!("error: {}: {e}", dir.display());
        }
        process::exit(1);
    });
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("site.json");
    if let Err(e) = fs::write(&out, serde_json::to_string(&bundle).expect("bundle serialises")) {
        eprintln!("error: cannot write {}: {e}", out.display());
        process::exit(1);
    }
}
