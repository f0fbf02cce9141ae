//! Reading a site directory from disk (`agent.toml`, `knowledge/*.{md,markdown,txt}`,
//! `actions/*.json`): one reader for the edge's build script and the `site-bundle` tool that the
//! demo pages are rendered from, so both see the same pages with the same titles and URLs.

use crate::site::{SiteBundle, SiteError, KNOWLEDGE_EXTENSIONS};
use std::fs;
use std::path::{Path, PathBuf};

/// A site directory read and validated, with every file it read (for `rerun-if-changed`).
pub struct ReadSite {
    /// The bundle, or every problem found.
    pub bundle: Result<SiteBundle, Vec<SiteError>>,
    /// The files and folders read.
    pub read: Vec<PathBuf>,
}

/// Reads and validates the site directory `dir`.
pub fn read_site_dir(dir: &Path) -> ReadSite {
    let mut read = vec![dir.to_path_buf()];
    let agent_path = dir.join("agent.toml");
    read.push(agent_path.clone());
    let unreadable =
        |file: &str, e: std::io::Error| SiteError { file: file.into(), field: None, message: e.to_string() };
    let agent = match fs::read_to_string(&agent_path) {
        Ok(a) => a,
        Err(e) => return ReadSite { bundle: Err(vec![unreadable("agent.toml", e)]), read },
    };
    let mut errors = Vec::new();
    let mut files = |sub: &str, exts: &[&str]| -> Vec<(String, String)> {
        let folder = dir.join(sub);
        read.push(folder.clone());
        let Ok(entries) = fs::read_dir(&folder) else { return Vec::new() };
        let mut out = Vec::new();
        for path in entries.flatten().map(|e| e.path()) {
            if !path.extension().and_then(|x| x.to_str()).is_some_and(|x| exts.contains(&x)) {
                continue;
            }
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            read.push(path.clone());
            match fs::read_to_string(&path) {
                Ok(text) => out.push((rel, text)),
                Err(e) => errors.push(unreadable(&rel, e)),
            }
        }
        out
    };
    let knowledge = files("knowledge", KNOWLEDGE_EXTENSIONS);
    let actions = files("actions", &["json"]);
    let bundle = match SiteBundle::from_dir_files(&agent, &knowledge, &actions) {
        Ok(b) if errors.is_empty() => Ok(b),
        Ok(_) => Err(errors),
        Err(mut more) => {
            errors.append(&mut more);
            Err(errors)
        }
    };
    ReadSite { bundle, read }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_markdown_and_text_pages_and_names_the_file_of_each_problem() {
        let dir = std::env::temp_dir().join(format!("switchboard-site-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("knowledge")).unwrap();
        fs::write(dir.join("agent.toml"), "site_id = \"shop\"\nname = \"Sam\"\ngreeting = \"Hi!\"\n").unwrap();
        fs::write(dir.join("knowledge/returns.markdown"), "# Returns\nWithin 30 days.").unwrap();
        fs::write(dir.join("knowledge/hours.txt"), "Open 9 to 5.").unwrap();
        fs::write(dir.join("knowledge/logo.png"), [0u8, 159, 146, 150]).unwrap();
        let site = read_site_dir(&dir);
        let bundle = site.bundle.unwrap();
        let pages: Vec<(&str, &str)> = bundle.knowledge.iter().map(|d| (d.title.as_str(), d.url.as_str())).collect();
        assert_eq!(pages, [("Hours", "/hours"), ("Returns", "/returns")]);
        assert!(
            site.read.iter().any(|p| p.ends_with("hours.txt")) && !site.read.iter().any(|p| p.ends_with("logo.png"))
        );

        fs::write(dir.join("knowledge/empty.md"), "\n").unwrap();
        let errors = read_site_dir(&dir).bundle.unwrap_err();
        assert_eq!(errors[0].file, "knowledge/empty.md");
        fs::remove_dir_all(&dir).unwrap();
    }
}
