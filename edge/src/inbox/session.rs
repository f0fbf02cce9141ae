//! The agent's session: a random token in an `HttpOnly; Secure; SameSite=Strict` cookie, stored
//! only as its SHA-256, and the same-origin rule every inbox request must meet (no cross-site
//! request can act with an agent's session).

/// A request's headers, names lower-cased (`api::HttpRequest::headers`).
type Headers = [(String, String)];

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The cookie's name. `__Host-`: the browser takes it only with `Secure`, `Path=/` and no
/// `Domain`, so no other host (a sibling subdomain) can set or overwrite the agent's session.
pub const COOKIE: &str = "__Host-sb_agent";
/// How long a session lasts: a working day.
pub const SESSION_MS: u64 = 12 * 60 * 60 * 1000;

/// The `Set-Cookie` value that opens a session.
pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}", SESSION_MS / 1000)
}

/// The `Set-Cookie` value that ends it in the browser.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

/// The session token from the request's cookies, if any (a visitor's `Authorization` token never
/// counts: the inbox reads only its own cookie).
pub fn token(headers: &Headers) -> Option<&str> {
    headers
        .iter()
        .filter(|(n, _)| n == "cookie")
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// Whether the request comes from the edge's own pages: `Sec-Fetch-Site`, when the browser sends
/// it, says `same-origin`, and `Origin`, when present, names this host. A request that changes
/// something must carry one of them (every browser sends `Origin` on a POST or DELETE).
pub fn same_origin(method: &str, headers: &Headers) -> bool {
    if header(headers, "sec-fetch-site").is_some_and(|s| s != "same-origin") {
        return false;
    }
    let host = header(headers, "host").map(str::to_ascii_lowercase);
    let origin_ok = match header(headers, "origin") {
        Some(origin) => url::Url::parse(origin).ok().is_some_and(|o| {
            let authority = match o.port() {
                Some(p) => format!("{}:{p}", o.host_str().unwrap_or("")),
                None => o.host_str().unwrap_or("").to_string(),
            };
            host.as_deref() == Some(authority.as_str())
        }),
        None => true,
    };
    let reads = matches!(method, "GET" | "HEAD");
    origin_ok && (reads || header(headers, "origin").is_some() || header(headers, "sec-fetch-site").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, headers: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
        (method.into(), headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect())
    }

    fn token_of(req: &(String, Vec<(String, String)>)) -> Option<&str> {
        token(&req.1)
    }

    fn same(req: &(String, Vec<(String, String)>)) -> bool {
        same_origin(&req.0, &req.1)
    }

    #[test]
    fn the_cookie_is_http_only_secure_and_strict() {
        let c = set_cookie("t0k");
        assert!(c.starts_with("__Host-sb_agent=t0k;") && c.contains("HttpOnly") && c.contains("Secure"));
        assert!(c.contains("Path=/;") && !c.contains("Domain"), "what the __Host- prefix needs: {c}");
        assert!(c.contains("SameSite=Strict"), "{c}");
        assert_eq!(token_of(&req("GET", &[("cookie", "a=1; __Host-sb_agent=t0k; b=2")])), Some("t0k"));
        assert_eq!(token_of(&req("GET", &[("cookie", "sb_agent=t0k")])), None, "only the prefixed cookie counts");
        assert_eq!(token_of(&req("GET", &[("authorization", "Bearer t0k")])), None, "a bearer token is not a session");
        assert_eq!(token_of(&req("GET", &[("cookie", "__Host-sb_agent=")])), None);
    }

    #[test]
    fn only_the_edges_own_pages_may_act_with_a_session() {
        let host = ("host", "127.0.0.1:8799");
        assert!(same(&req("POST", &[host, ("origin", "http://127.0.0.1:8799")])));
        assert!(!same(&req("POST", &[host, ("origin", "https://evil.example")])));
        assert!(!same(&req("POST", &[host, ("origin", "http://127.0.0.1:8798")])), "another port");
        assert!(!same(&req("POST", &[host, ("origin", "null")])));
        assert!(!same(&req("POST", &[host])), "a write without Origin");
        assert!(!same(&req("GET", &[host, ("sec-fetch-site", "cross-site")])));
        assert!(same(&req("GET", &[host])), "a read from a tool without Origin");
    }
}
