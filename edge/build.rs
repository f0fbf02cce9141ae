//! Compiles the site directory (`SWITCHBOARD_SITE`, default `demo/site`) into the Worker: reads
//! `agent.toml` and `knowledge/*.md`, validates them, and writes `$OUT_DIR/site.json`. A problem
//! fails the build with the file and field named.

use shared::site::SiteBundle;
use std::path::{Path, PathBuf};
use std::{env, fs, process};

fn main() {
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_SITE");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = match env::var("SWITCHBOARD_SITE") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => manifest.join("../demo/site"),
    };
    let fail = |msg: String| -> ! {
        eprintln!("error: site directory {}: {msg}", dir.display());
        process::exit(1);
    };
    println!("cargo:rerun-if-changed={}", dir.display());
    let agent_path = dir.join("agent.toml");
    println!("cargo:rerun-if-changed={}", agent_path.display());
    let agent = fs::read_to_string(&agent_path).unwrap_or_else(|e| fail(format!("cannot read agent.toml: {e}")));

    let knowledge_dir = dir.join("knowledge");
    println!("cargo:rerun-if-changed={}", knowledge_dir.display());
    let mut docs = Vec::new();
    if knowledge_dir.is_dir() {
        let entries = fs::read_dir(&knowledge_dir).unwrap_or_else(|e| fail(format!("cannot list knowledge/: {e}")));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "md") {
                println!("cargo:rerun-if-changed={}", path.display());
                let text = fs::read_to_string(&path)
                    .unwrap_or_else(|e| fail(format!("cannot read {}: {e}", rel(&dir, &path))));
                docs.push((rel(&dir, &path), text));
            }
        }
    }

    let bundle = SiteBundle::from_files(&agent, &docs).unwrap_or_else(|errors| {
        for e in &errors {
            eprintln!("error: {}: {e}", dir.display());
        }
        process::exit(1);
    });
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("site.json");
    fs::write(&out, serde_json::to_string(&bundle).expect("bundle serialises"))
        .unwrap_or_else(|e| fail(format!("cannot write {}: {e}", out.display())));
}

fn rel(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}
