//! Headers for the chat's page and assets (`/widget/*`): a Content-Security-Policy that lets the
//! page run only its own script files and wasm, and be framed only by the edge's own pages and the
//! owner's `allowed_origins`; no content sniffing; no referrer beyond the edge. The inbox
//! (`/inbox/*`) gets a stricter set: framed by nobody, and no referrer at all. `glue` adds them to
//! what the assets binding serves.

use shared::site::is_origin;

/// The `Content-Security-Policy` of the widget's page and assets. The page has no inline script
/// (`scripts/build-assets` moves Trunk's loader into a file) and sets styles through CSSOM only.
pub fn widget_csp(allowed_origins: &[String]) -> String {
    let mut ancestors = String::from("'self'");
    // Entries were validated when the site was built; checking again here keeps a malformed one
    // (a space or ';') from ever splitting the policy.
    for origin in allowed_origins.iter().filter(|o| is_origin(o)) {
        ancestors.push(' ');
        ancestors.push_str(origin);
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob:; \
         frame-ancestors {ancestors}; base-uri 'none'; object-src 'none'; form-action 'none'"
    )
}

/// Every header the edge adds to `/widget/*` responses (lowercase names).
pub fn widget_headers(allowed_origins: &[String]) -> Vec<(&'static str, String)> {
    vec![
        ("content-security-policy", widget_csp(allowed_origins)),
        ("x-content-type-options", "nosniff".into()),
        ("referrer-policy", "same-origin".into()),
    ]
}

/// The `Content-Security-Policy` of the inbox's page and assets: its own script files and wasm
/// only (no inline script: `scripts/build-assets` moves Trunk's loader into a file), its own
/// origin for fetches and sockets, and no page may frame it (an agent's console must not be
/// clickjacked into claiming or resolving).
pub const INBOX_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'; form-action 'none'";

/// Every header the edge adds to `/inbox` and `/inbox/*` responses (lowercase names).
pub fn inbox_headers() -> Vec<(&'static str, String)> {
    vec![
        ("content-security-policy", INBOX_CSP.into()),
        ("x-frame-options", "DENY".into()),
        ("x-content-type-options", "nosniff".into()),
        ("referrer-policy", "no-referrer".into()),
    ]
}

/// Whether a path is the inbox's (its page or assets), which get [`inbox_headers`].
pub fn is_inbox_path(path: &str) -> bool {
    path == "/inbox" || path.starts_with("/inbox/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
        csp.split(';')
            .map(|d| {
                let mut words = d.split_whitespace().map(str::to_string);
                (words.next().unwrap_or_default(), words.collect())
            })
            .collect()
    }

    fn directive(csp: &str, name: &str) -> Vec<String> {
        let found: Vec<_> = directives(csp).into_iter().filter(|(n, _)| n == name).collect();
        assert_eq!(found.len(), 1, "{name} appears exactly once in {csp}");
        found[0].1.clone()
    }

    #[test]
    fn scripts_only_from_the_edge_and_wasm_no_inline_code() {
        let csp = widget_csp(&[]);
        assert_eq!(directive(&csp, "default-src"), ["'self'"]);
        assert_eq!(directive(&csp, "script-src"), ["'self'", "'wasm-unsafe-eval'"]);
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
        assert_eq!(directive(&csp, "base-uri"), ["'none'"]);
        assert_eq!(directive(&csp, "object-src"), ["'none'"]);
        assert_eq!(directive(&csp, "form-action"), ["'none'"]);
    }

    #[test]
    fn only_the_edge_and_allowed_origins_may_frame_the_chat() {
        let allowed = vec!["https://shop.example".to_string(), "http://localhost:8080".to_string()];
        let csp = widget_csp(&allowed);
        assert_eq!(directive(&csp, "frame-ancestors"), ["'self'", "https://shop.example", "http://localhost:8080"]);
        assert_eq!(directive(&widget_csp(&[]), "frame-ancestors"), ["'self'"]);
        assert_eq!(directive(&widget_csp(&["*".to_string()]), "frame-ancestors"), ["'self'", "*"]);
    }

    #[test]
    fn a_malformed_origin_cannot_inject_a_directive() {
        let evil = vec!["https://a.example; script-src *".to_string(), "https://ok.example".to_string()];
        let csp = widget_csp(&evil);
        assert_eq!(directive(&csp, "frame-ancestors"), ["'self'", "https://ok.example"]);
        assert_eq!(directive(&csp, "script-src"), ["'self'", "'wasm-unsafe-eval'"]);
    }

    #[test]
    fn no_sniffing_and_no_referrer_beyond_the_edge() {
        let headers = widget_headers(&[]);
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("x-content-type-options"), Some("nosniff"));
        assert_eq!(get("referrer-policy"), Some("same-origin"));
        assert!(get("content-security-policy").is_some());
    }

    #[test]
    fn the_inbox_runs_only_its_own_code_and_is_framed_by_nobody() {
        let headers = inbox_headers();
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let csp = get("content-security-policy").unwrap();
        assert_eq!(directive(&csp, "frame-ancestors"), ["'none'"]);
        assert_eq!(directive(&csp, "script-src"), ["'self'", "'wasm-unsafe-eval'"]);
        assert_eq!(directive(&csp, "default-src"), ["'self'"]);
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
        assert_eq!(get("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(get("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(get("referrer-policy").as_deref(), Some("no-referrer"));
    }

    #[test]
    fn inbox_paths_are_the_page_and_its_assets_only() {
        assert!(is_inbox_path("/inbox"));
        assert!(is_inbox_path("/inbox/"));
        assert!(is_inbox_path("/inbox/inbox-0123.wasm"));
        assert!(!is_inbox_path("/inboxes"));
        assert!(!is_inbox_path("/widget/"));
    }
}
