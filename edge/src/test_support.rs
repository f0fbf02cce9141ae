//! Shared fixtures for native tests.

use shared::site::SiteBundle;
use std::path::Path;

/// The demo site (`demo/site`), read from disk whatever `SWITCHBOARD_SITE` compiled in.
pub fn demo_site() -> SiteBundle {
    site_at("demo/site")
}

/// The site directory at `dir` (relative to the repository root), read the way the build reads it.
pub fn site_at(dir: &str) -> SiteBundle {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    match shared::site_dir::read_site_dir(&path).bundle {
        Ok(site) => site,
        Err(errors) => panic!("{dir} does not build: {errors:?}"),
    }
}
