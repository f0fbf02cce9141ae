//! The site bundle compiled in by `build.rs` from the site directory (`SWITCHBOARD_SITE`).

use shared::site::SiteBundle;
use std::sync::OnceLock;

static BUNDLE_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/site.json"));

/// The owner's configuration and content, parsed once per isolate.
pub fn bundle() -> &'static SiteBundle {
    static SITE: OnceLock<SiteBundle> = OnceLock::new();
    // build.rs validated and wrote this JSON, so it parses.
    SITE.get_or_init(|| serde_json::from_str(BUNDLE_JSON).expect("site bundle written by build.rs"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_compiled_in_site_parses() {
        assert!(!super::bundle().agent.name.is_empty());
    }
}
