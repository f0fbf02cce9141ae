//! Cross-origin access for the origins the owner lists in `allowed_origins`. The widget itself is
//! same-origin (it runs in an iframe on the edge); this is for other clients of the API.

use super::http::HttpResponse;
use shared::site::AgentConfig;

/// The answer to a CORS preflight (headers are added by [`apply`] when the origin is allowed).
pub fn preflight() -> HttpResponse {
    HttpResponse::empty(204, Vec::new())
}

/// Adds CORS headers when the request's origin is allowed.
pub fn apply(agent: &AgentConfig, origin: Option<&str>, response: &mut HttpResponse) {
    response.headers.push(("vary".into(), "Origin".into()));
    let Some(origin) = origin.filter(|o| agent.allows_origin(o)) else {
        return;
    };
    response.headers.extend([
        ("access-control-allow-origin".into(), origin.to_string()),
        ("access-control-allow-methods".into(), "GET, POST, PUT, DELETE, OPTIONS".into()),
        ("access-control-allow-headers".into(), "authorization, content-type".into()),
        ("access-control-max-age".into(), "600".into()),
    ]);
}
