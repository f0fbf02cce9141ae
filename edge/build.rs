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
    println!("cargo:rerun-if-changed={}", dir.display());
    let agent_path = dir.join("agent.toml");
    println!("cargo:rerun-if-changed={}", agent_path.display());
    let agent = fs::read_to_string(&agent_path).unwrap_or_else(|e| fail(&dir, format!("cannot read agent.toml: {e}")));

    let docs = read_dir_files(&dir, "knowledge", "md");
    let actions = read_dir_files(&dir, "actions", "json");

    let bundle = SiteBundle::from_dir_files(&agent, &docs, &actions).unwrap_or_else(|errors| {
        for e in &errors {
            eprintln!("error: {}: {e}", dir.display());
        }
        process::exit(1);
    });
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("site.json");
    fs::write(&out, serde_json::to_string(&bundle).expect("bundle serialises"))
        .unwrap_or_else(|e| fail(&dir, format!("cannot write {}: {e}", out.display())));
}

/// `(path relative to the site directory, contents)` of every `*.ext` file in `dir/sub`.
fn read_dir_files(dir: &Path, sub: &str, ext: &str) -> Vec<(String, String)> {
    let folder = dir.join(sub);
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut files = Vec::new();
    if !folder.is_dir() {
        return files;
    }
    let entries = fs::read_dir(&folder).unwrap_or_else(|e| fail(dir, format!("cannot list {sub}/: {e}")));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == ext) {
            println!("cargo:rerun-if-changed={}", path.display());
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| fail(dir, format!("cannot read {}: {e}", rel(dir, &path))));
            files.push((rel(dir, &path), text));
        }
    }
    files
}

fn fail(dir: &Path, msg: String) -> ! {
    eprintln!("error: site directory {}: {msg}", dir.display());
    process::exit(1);
}

fn rel(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}
