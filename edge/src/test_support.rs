//! Shared fixtures for native tests.

use shared::site::SiteBundle;
use shared::site_dir::read_site_dir;
use shared::thesaurus;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// A site directory of this repository (e.g. `demo/site`), read from disk with the build's reader
/// and given its thesaurus as the build does, whatever `SWITCHBOARD_SITE` compiled in.
pub fn site_at(dir: &str) -> SiteBundle {
    // Read once per test run: the thesaurus takes a while to work out in a debug build.
    static SITES: OnceLock<Mutex<HashMap<String, SiteBundle>>> = OnceLock::new();
    let mut sites = SITES.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    sites
        .entry(dir.to_string())
        .or_insert_with(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
            let mut site = read_site_dir(&path).bundle.unwrap_or_else(|e| panic!("{dir}: {e:?}"));
            thesaurus::apply(&mut site, wordnet());
            site
        })
        .clone()
}

/// WordNet, read once per test run (as `build.rs` reads it).
fn wordnet() -> &'static thesaurus::WordNet {
    static WORDNET: OnceLock<thesaurus::WordNet> = OnceLock::new();
    WORDNET.get_or_init(|| {
        let dir = std::env::var("WORDNET_DIR").unwrap_or_else(|_| thesaurus::DEFAULT_DIR.into());
        thesaurus::WordNet::read(Path::new(&dir))
            .unwrap_or_else(|e| panic!("{}", thesaurus::missing(Path::new(&dir), &e)))
    })
}

/// The demo site (`demo/site`): Nova Exchange, a crypto exchange.
pub fn demo_site() -> SiteBundle {
    site_at("demo/site")
}

/// The second example site (`tests/sites/shop`): Pinecone Outfitters, an outdoor-gear shop.
pub fn shop_site() -> SiteBundle {
    site_at("tests/sites/shop")
}

#[test]
#[ignore = "prints thesaurus sizes"]
fn thesaurus_sizes() {
    for dir in ["demo/site", "tests/sites/shop", "tests/sites/clinic"] {
        let site = site_at(dir);
        let bytes = serde_json::to_string(&site.thesaurus).unwrap().len();
        println!(
            "{dir}: {} visitor words, {} pairs, {bytes} bytes",
            site.thesaurus.len(),
            site.thesaurus.values().map(Vec::len).sum::<usize>()
        );
    }
}
