//! Which host pages may embed the chat and talk to it: the owner's `allowed_origins`, plus the
//! edge's own origin (its demo pages). The widget decides with [`may_embed`] before it opens its
//! `postMessage` channel; the edge turns the same list into the widget's `frame-ancestors`.

/// Whether a page on `host_origin` may embed the chat served from `own_origin`: it is the edge's
/// own origin, or listed in `allowed_origins` (case-insensitively, a default port written out or
/// not, as `frame-ancestors` matches them), or the list holds `"*"`.
/// `host_origin` must be a serialized origin (`scheme://host[:port]`): `"null"` (sandboxed or
/// `file:` pages) and anything else that could not be a `postMessage` target never qualify.
pub fn may_embed(allowed_origins: &[String], own_origin: &str, host_origin: &str) -> bool {
    if host_origin == "*" || !crate::site::is_origin(host_origin) {
        return false;
    }
    same_origin(host_origin, own_origin) || allowed_origins.iter().any(|o| o == "*" || same_origin(o, host_origin))
}

/// Two serialized origins are the same, ignoring case and a written-out default port (browsers
/// never write `:443` for https or `:80` for http in `location.origin`).
fn same_origin(a: &str, b: &str) -> bool {
    fn bare(o: &str) -> &str {
        let default_port = if o.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) { ":443" } else { ":80" };
        o.strip_suffix(default_port).unwrap_or(o)
    }
    bare(a).eq_ignore_ascii_case(bare(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://chat.example";

    fn list(origins: &[&str]) -> Vec<String> {
        origins.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_edges_own_origin_and_listed_origins_may_embed() {
        let allowed = list(&["https://shop.example", "http://localhost:8080"]);
        assert!(may_embed(&allowed, OWN, OWN));
        assert!(may_embed(&allowed, OWN, "https://shop.example"));
        assert!(may_embed(&allowed, OWN, "http://localhost:8080"));
        assert!(may_embed(&list(&["https://Shop.Example"]), OWN, "https://shop.example"));
        assert!(may_embed(&list(&["https://shop.example:443"]), OWN, "https://shop.example"));
        assert!(may_embed(&list(&["http://shop.example:80"]), OWN, "http://shop.example"));
        assert!(!may_embed(&list(&["http://shop.example:443"]), OWN, "http://shop.example"));
        assert!(may_embed(&[], OWN, OWN), "the edge's own pages need no entry");
    }

    #[test]
    fn other_origins_may_not_embed() {
        let allowed = list(&["https://shop.example"]);
        for foreign in [
            "https://evil.example",
            "http://shop.example",               // another scheme
            "https://shop.example:8443",         // another port
            "https://shop.example.evil.example", // a suffix is another site
            "https://evil-shop.example",
            "https://chat.example.evil.example",
        ] {
            assert!(!may_embed(&allowed, OWN, foreign), "{foreign}");
        }
    }

    #[test]
    fn a_star_allows_any_real_origin_but_never_an_opaque_one() {
        let any = list(&["*"]);
        assert!(may_embed(&any, OWN, "https://anyone.example"));
        for not_an_origin in ["null", "*", "", "https://shop.example/", "https://shop.example/path", "javascript:x"] {
            assert!(!may_embed(&any, OWN, not_an_origin), "{not_an_origin:?}");
        }
    }
}
