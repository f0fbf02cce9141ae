//! Signing in to the inbox, as an attacker would try it: no session, a visitor's token, another
//! site's page, password guessing, a closed session.

use super::tests::{World, ADMIN, NOW_MS};
use super::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

const HOST: &str = "127.0.0.1:8799";
const SELF: &str = "http://127.0.0.1:8799";
const PASSWORD: &str = "a long enough passphrase";

fn req(method: &str, path: &str, headers: &[(&str, &str)], body: Value) -> HttpRequest {
    let mut all = vec![("host".to_string(), HOST.to_string()), ("content-type".into(), "application/json".into())];
    all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: all,
        body: if body.is_null() { Vec::new() } else { body.to_string().into_bytes() },
        ..Default::default()
    }
}

fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

fn add_agent(w: &World, email: &str) -> HttpResponse {
    let bearer = format!("Bearer {ADMIN}");
    let body = json!({"email": email, "name": "Sam Rivera", "password": PASSWORD});
    w.respond_at(NOW_MS, &req("POST", "/api/v1/admin/agents", &[("authorization", &bearer)], body))
}

fn sign_in_at(w: &World, now: u64, email: &str, password: &str, origin: Option<&str>) -> HttpResponse {
    let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
    w.respond_at(now, &req("POST", "/api/v1/inbox/session", &headers, json!({"email": email, "password": password})))
}

fn cookie_of(r: &HttpResponse) -> String {
    let set = r.headers.iter().find(|(n, _)| n == "set-cookie").map(|(_, v)| v.clone()).expect("a cookie");
    set.split(';').next().unwrap().to_string()
}

fn me(w: &World, headers: &[(&str, &str)]) -> HttpResponse {
    w.respond_at(NOW_MS, &req("GET", "/api/v1/inbox/me", headers, Value::Null))
}

#[test]
fn the_owner_adds_agents_with_the_admin_token_only() {
    let w = World::with_site(super::tests::site());
    let r = add_agent(&w, "sam@pinecone.example");
    assert_eq!(r.status, 201, "{}", r.body);
    let agent = json_of(&r);
    assert_eq!((agent["email"].as_str(), agent["role"].as_str()), (Some("sam@pinecone.example"), Some("agent")));
    assert!(agent.get("password_hash").is_none() && !r.body.contains("pbkdf2"), "never the hash");
    assert_eq!(json_of(&add_agent(&w, "SAM@pinecone.example"))["error"]["code"], "email_taken");
    let weak = json!({"email": "kim@pinecone.example", "name": "Kim", "password": "short"});
    let bearer = format!("Bearer {ADMIN}");
    let r = w.respond_at(NOW_MS, &req("POST", "/api/v1/admin/agents", &[("authorization", &bearer)], weak));
    assert_eq!((r.status, json_of(&r)["error"]["field"].as_str()), (400, Some("password")));
    let no_admin =
        req("POST", "/api/v1/admin/agents", &[], json!({"email": "x@y.example", "name": "X", "password": PASSWORD}));
    assert_eq!(w.respond_at(NOW_MS, &no_admin).status, 401);
}

#[test]
fn a_session_cookie_opens_the_inbox_and_nothing_else_does() {
    let w = World::with_site(super::tests::site());
    add_agent(&w, "sam@pinecone.example");
    assert_eq!(json_of(&me(&w, &[]))["error"]["code"], "not_signed_in");
    // A visitor's conversation token is no inbox session.
    let (_, visitor_token) = w.start();
    let bearer = format!("Bearer {visitor_token}");
    assert_eq!(me(&w, &[("authorization", &bearer)]).status, 401);

    let r = sign_in_at(&w, NOW_MS, "Sam@Pinecone.example", PASSWORD, Some(SELF));
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r.headers.iter().find(|(n, _)| n == "set-cookie").unwrap().1.clone();
    assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict"), "{set}");
    let cookie = cookie_of(&r);
    let who = me(&w, &[("cookie", &cookie)]);
    assert_eq!((who.status, json_of(&who)["name"].as_str()), (200, Some("Sam Rivera")));
    // The same cookie sent by another site's page does nothing.
    let cross = me(&w, &[("cookie", &cookie), ("sec-fetch-site", "cross-site")]);
    assert_eq!((cross.status, json_of(&cross)["error"]["code"].as_str()), (403, Some("cross_origin")));
    let evil = me(&w, &[("cookie", &cookie), ("origin", "https://evil.example")]);
    assert_eq!(evil.status, 403);

    let out = w.respond_at(
        NOW_MS,
        &req("DELETE", "/api/v1/inbox/session", &[("cookie", &cookie), ("origin", SELF)], Value::Null),
    );
    assert_eq!(out.status, 204);
    assert_eq!(me(&w, &[("cookie", &cookie)]).status, 401, "a closed session opens nothing");
}

#[test]
fn signing_in_needs_the_sites_own_page() {
    let w = World::with_site(super::tests::site());
    add_agent(&w, "sam@pinecone.example");
    for origin in [None, Some("https://evil.example"), Some("null")] {
        let r = sign_in_at(&w, NOW_MS, "sam@pinecone.example", PASSWORD, origin);
        assert_eq!(r.status, 403, "{origin:?}");
    }
}

#[test]
fn guessing_locks_the_account_for_a_while_and_unknown_emails_look_the_same() {
    let w = World::with_site(super::tests::site());
    add_agent(&w, "sam@pinecone.example");
    let unknown = sign_in_at(&w, NOW_MS, "nobody@pinecone.example", PASSWORD, Some(SELF));
    let wrong = sign_in_at(&w, NOW_MS, "sam@pinecone.example", "not the passphrase", Some(SELF));
    assert_eq!((unknown.status, &unknown.body), (wrong.status, &wrong.body), "the same answer");
    for _ in 0..4 {
        assert_eq!(sign_in_at(&w, NOW_MS, "sam@pinecone.example", "still wrong guess", Some(SELF)).status, 401);
    }
    let locked = sign_in_at(&w, NOW_MS + 1, "SAM@pinecone.example", PASSWORD, Some(SELF));
    assert_eq!((locked.status, json_of(&locked)["error"]["code"].as_str()), (429, Some("rate_limited")));
    assert!(json_of(&locked)["error"]["retry_after"].as_u64().unwrap() > 0);
    // Fifteen minutes later the right password works, and does not count towards a lock.
    let later = NOW_MS + 15 * 60 * 1000 + 1;
    assert_eq!(sign_in_at(&w, later, "sam@pinecone.example", PASSWORD, Some(SELF)).status, 200);
    for _ in 0..6 {
        assert_eq!(sign_in_at(&w, later + 1, "sam@pinecone.example", PASSWORD, Some(SELF)).status, 200);
    }
}

#[test]
fn guessing_from_one_address_does_not_lock_the_agent_out_from_another() {
    let w = World::with_site(super::tests::site());
    add_agent(&w, "sam@pinecone.example");
    let from = |ip: &str, password: &str| {
        let headers = [("origin", SELF), ("cf-connecting-ip", ip)];
        let body = json!({"email": "sam@pinecone.example", "password": password});
        w.respond_at(NOW_MS, &req("POST", "/api/v1/inbox/session", &headers, body)).status
    };
    // The attacker rotates through one IPv6 /64: it is one address to the limits.
    for i in 0..5 {
        assert_eq!(from(&format!("2001:db8:7:7::{i:x}"), "a wrong guess here"), 401);
    }
    assert_eq!(from("2001:db8:7:7::99", PASSWORD), 429, "the attacker's /64 is locked, even with the password");
    assert_eq!(from("198.51.100.20", PASSWORD), 200, "the agent's own address still signs in");
}

#[test]
fn the_owner_disables_an_agent_or_ends_their_sessions_and_every_session_ends_at_once() {
    let w = World::with_site(super::tests::site());
    let sam = json_of(&add_agent(&w, "sam@pinecone.example"));
    let id = sam["id"].as_str().unwrap().to_string();
    let signed = |now| cookie_of(&sign_in_at(&w, now, "sam@pinecone.example", PASSWORD, Some(SELF)));
    let (laptop, phone) = (signed(NOW_MS), signed(NOW_MS + 1));
    assert_eq!(me(&w, &[("cookie", &laptop)]).status, 200);
    let admin = |method: &str, path: String| {
        let bearer = format!("Bearer {ADMIN}");
        w.respond_at(NOW_MS, &req(method, &path, &[("authorization", &bearer)], Value::Null))
    };
    assert_eq!(admin("DELETE", format!("/api/v1/admin/agents/{id}/sessions")).status, 200);
    assert_eq!(me(&w, &[("cookie", &laptop)]).status, 401, "the lost laptop is signed out");
    assert_eq!(me(&w, &[("cookie", &phone)]).status, 401, "and every other session");

    let again = signed(NOW_MS + 2);
    let off = admin("POST", format!("/api/v1/admin/agents/{id}/disable"));
    assert_eq!((off.status, json_of(&off)["sessions_ended"].as_u64()), (200, Some(1)));
    assert_eq!(me(&w, &[("cookie", &again)]).status, 401);
    assert_eq!(sign_in_at(&w, NOW_MS, "sam@pinecone.example", PASSWORD, Some(SELF)).status, 401, "cannot sign in");
    assert_eq!(admin("POST", format!("/api/v1/admin/agents/{id}/enable")).status, 200);
    assert_eq!(sign_in_at(&w, NOW_MS, "sam@pinecone.example", PASSWORD, Some(SELF)).status, 200);
    assert_eq!(admin("POST", "/api/v1/admin/agents/aNobody/disable".into()).status, 404);
    let no_token = req("POST", &format!("/api/v1/admin/agents/{id}/disable"), &[], Value::Null);
    assert_eq!(w.respond_at(NOW_MS, &no_token).status, 401, "the admin token only");
}

/// Adds an agent with `role` and signs them in: their session cookie.
fn signed_in_as(w: &World, email: &str, role: &str) -> String {
    let bearer = format!("Bearer {ADMIN}");
    let body = json!({"email": email, "name": email, "password": PASSWORD, "role": role});
    let added = w.respond_at(NOW_MS, &req("POST", "/api/v1/admin/agents", &[("authorization", &bearer)], body));
    assert_eq!(added.status, 201, "{}", added.body);
    cookie_of(&sign_in_at(w, NOW_MS, email, PASSWORD, Some(SELF)))
}

#[test]
fn an_admins_session_opens_the_admin_api_and_an_agents_opens_none_of_it() {
    let w = World::with_site(super::tests::site());
    let admin = signed_in_as(&w, "lead@pinecone.example", "admin");
    let agent = signed_in_as(&w, "sam@pinecone.example", "agent");
    let routes: [(&str, &str, Value); 11] = [
        ("GET", "/api/v1/admin/agents", Value::Null),
        ("POST", "/api/v1/admin/agents/aNobody/role", json!({"role": "admin"})),
        ("POST", "/api/v1/admin/agents/aNobody/password", json!({"password": PASSWORD})),
        ("GET", "/api/v1/admin/actions", Value::Null),
        ("GET", "/api/v1/admin/actions/order-status/logs", Value::Null),
        ("POST", "/api/v1/admin/actions/order-status/test", json!({"variables": {}})),
        ("GET", "/api/v1/admin/model-usage", Value::Null),
        ("POST", "/api/v1/admin/erasures", json!({"email": "x@y.example"})),
        ("POST", "/api/v1/admin/agents", json!({"email": "kim@pinecone.example", "name": "Kim", "password": PASSWORD})),
        ("POST", "/api/v1/admin/agents/aNobody/disable", Value::Null),
        ("DELETE", "/api/v1/admin/agents/aNobody/sessions", Value::Null),
    ];
    for (method, path, body) in &routes {
        let r = w.respond_at(NOW_MS, &req(method, path, &[("cookie", &agent), ("origin", SELF)], body.clone()));
        assert_eq!((r.status, json_of(&r)["error"]["code"].as_str()), (403, Some("not_admin")), "{method} {path}");
        // The admin's cookie sent by another site's page opens nothing either.
        let r = w.respond_at(
            NOW_MS,
            &req(method, path, &[("cookie", &admin), ("origin", "https://evil.example")], body.clone()),
        );
        assert_eq!((r.status, json_of(&r)["error"]["code"].as_str()), (403, Some("cross_origin")), "{method} {path}");
    }
    let list = w
        .respond_at(NOW_MS, &req("GET", "/api/v1/admin/actions", &[("cookie", &admin), ("origin", SELF)], Value::Null));
    assert_eq!(list.status, 200, "{}", list.body);
    let body = json!({"email": "kim@pinecone.example", "name": "Kim", "password": PASSWORD});
    let added =
        w.respond_at(NOW_MS, &req("POST", "/api/v1/admin/agents", &[("cookie", &admin), ("origin", SELF)], body));
    assert_eq!(added.status, 201, "{}", added.body);
    // A signed-out admin's cookie is nothing.
    w.respond_at(NOW_MS, &req("DELETE", "/api/v1/inbox/session", &[("cookie", &admin), ("origin", SELF)], Value::Null));
    let r = w
        .respond_at(NOW_MS, &req("GET", "/api/v1/admin/actions", &[("cookie", &admin), ("origin", SELF)], Value::Null));
    assert_eq!(r.status, 401);
}

#[test]
fn an_admin_manages_the_team_and_cannot_lock_themselves_out() {
    let w = World::with_site(super::tests::site());
    let admin = signed_in_as(&w, "lead@pinecone.example", "admin");
    let sam = signed_in_as(&w, "sam@pinecone.example", "agent");
    let call = |method: &str, path: &str, body: Value| {
        let r = w.respond_at(NOW_MS, &req(method, path, &[("cookie", &admin), ("origin", SELF)], body));
        (r.status, json_of(&r))
    };
    let (status, team) = call("GET", "/api/v1/admin/agents", Value::Null);
    assert_eq!(status, 200, "{team}");
    let find = |team: &Value, email: &str| {
        team["agents"].as_array().unwrap().iter().find(|a| a["email"] == email).cloned().unwrap()
    };
    let sam_row = find(&team, "sam@pinecone.example");
    let (sam_id, lead_id) = (
        sam_row["id"].as_str().unwrap().to_string(),
        find(&team, "lead@pinecone.example")["id"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        (sam_row["role"].as_str(), sam_row["disabled"].as_bool(), sam_row["sessions"].as_u64()),
        (Some("agent"), Some(false), Some(1))
    );
    assert!(!team.to_string().contains("pbkdf2"), "never a hash");

    // Sam becomes an admin: his own session opens the admin API at once.
    let (status, _) = call("POST", &format!("/api/v1/admin/agents/{sam_id}/role"), json!({"role": "admin"}));
    assert_eq!(status, 200);
    let r =
        w.respond_at(NOW_MS, &req("GET", "/api/v1/admin/actions", &[("cookie", &sam), ("origin", SELF)], Value::Null));
    assert_eq!(r.status, 200);
    // A new password ends his sessions; the new one signs in, the old one no longer does.
    let (status, v) = call("POST", &format!("/api/v1/admin/agents/{sam_id}/password"), json!({"password": "short"}));
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("password")));
    let (status, v) = call(
        "POST",
        &format!("/api/v1/admin/agents/{sam_id}/password"),
        json!({"password": "another long passphrase"}),
    );
    assert_eq!((status, v["sessions_ended"].as_u64()), (200, Some(1)), "{v}");
    assert_eq!(me(&w, &[("cookie", &sam)]).status, 401);
    assert_eq!(sign_in_at(&w, NOW_MS, "sam@pinecone.example", PASSWORD, Some(SELF)).status, 401);
    assert_eq!(sign_in_at(&w, NOW_MS, "sam@pinecone.example", "another long passphrase", Some(SELF)).status, 200);
    // The signed-in admin cannot disable themselves or drop their own role; another admin can.
    let (status, v) = call("POST", &format!("/api/v1/admin/agents/{lead_id}/disable"), Value::Null);
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("wrong_status")), "{v}");
    let (status, _) = call("POST", &format!("/api/v1/admin/agents/{lead_id}/role"), json!({"role": "agent"}));
    assert_eq!(status, 409);
    let (status, _) = call("POST", &format!("/api/v1/admin/agents/{sam_id}/role"), json!({"role": "agent"}));
    assert_eq!(status, 200);
    let (status, _) = call("POST", "/api/v1/admin/agents/aNobody/role", json!({"role": "admin"}));
    assert_eq!(status, 404);
    let (status, _) = call("POST", &format!("/api/v1/admin/agents/{sam_id}/role"), json!({"role": "owner"}));
    assert_eq!(status, 400);
    // The last active admin stays one, even for the admin token (which can make another first).
    let token = format!("Bearer {ADMIN}");
    let by_token = |path: String, body: Value| {
        let r = w.respond_at(NOW_MS, &req("POST", &path, &[("authorization", &token)], body));
        (r.status, json_of(&r))
    };
    let (status, v) = by_token(format!("/api/v1/admin/agents/{lead_id}/disable"), Value::Null);
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("wrong_status")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("last active admin"), "{v}");
    let (status, _) = by_token(format!("/api/v1/admin/agents/{lead_id}/role"), json!({"role": "agent"}));
    assert_eq!(status, 409);
    assert_eq!(by_token(format!("/api/v1/admin/agents/{sam_id}/role"), json!({"role": "admin"})).0, 200);
    assert_eq!(by_token(format!("/api/v1/admin/agents/{lead_id}/role"), json!({"role": "agent"})).0, 200);
}
