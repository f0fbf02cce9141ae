//! Shared fixtures for native tests.

use shared::site::SiteBundle;
use shared::site_dir::read_site_dir;
use std::path::Path;

/// A site directory of this repository (e.g. `demo/site`), read from disk with the build's reader,
/// whatever `SWITCHBOARD_SITE` compiled in.
pub fn site_at(dir: &str) -> SiteBundle {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    read_site_dir(&path).bundle.unwrap_or_else(|e| panic!("{dir}: {e:?}"))
}

/// The demo site (`demo/site`): Nova Exchange, a crypto exchange.
pub fn demo_site() -> SiteBundle {
    site_at("demo/site")
}

/// The second example site (`tests/sites/shop`): Pinecone Outfitters, an outdoor-gear shop.
pub fn shop_site() -> SiteBundle {
    site_at("tests/sites/shop")
}
