//! Shared fixtures for native tests.

use shared::site::SiteBundle;
use std::path::Path;

/// The demo site (`demo/site`), read from disk whatever `SWITCHBOARD_SITE` compiled in.
pub fn demo_site() -> SiteBundle {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/site");
    let read = |sub: &str| -> Vec<(String, String)> {
        std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (format!("{sub}/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read_to_string(&p).unwrap())
            })
            .collect()
    };
    let agent = std::fs::read_to_string(dir.join("agent.toml")).unwrap();
    SiteBundle::from_dir_files(&agent, &read("knowledge"), &read("actions")).unwrap()
}
