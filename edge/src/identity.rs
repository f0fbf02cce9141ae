//! Identity verification, as Chatwoot, Intercom and Crisp do it: the owner's server signs who the
//! signed-in visitor is with a secret only it and the edge know (`IDENTITY_SECRET`), and the edge
//! checks it. Two forms:
//! - `user_hash` = hex HMAC-SHA256(user_id): signs the user id only;
//! - a JWT (HS256) with `sub`, `email`, `name`, `aud` (the site id) and `exp` (at most a day
//!   ahead): signs the email and name too, so actions keyed on `{{lead.email}}` may trust it. The
//!   audience keeps a token the owner signed with the same secret for another purpose (or another
//!   site) from counting here; the lifetime cap keeps a leaked token from counting for long.
//!
//! Anyone can type an email into a chat; only a signed identity lets account actions run.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Longest token accepted (a JWT with these claims is a few hundred bytes).
const MAX_TOKEN_BYTES: usize = 4096;
/// Clock skew tolerated between the owner's server and the edge, seconds.
const LEEWAY_S: u64 = 60;
/// Longest a token may still be valid for (`exp` − now), seconds: a day.
pub const MAX_LIFETIME_S: u64 = 24 * 60 * 60;

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Whether `user_hash` (hex) is the HMAC of `user_id` under `secret`, compared in constant time.
pub fn verify_user_hash(secret: &str, user_id: &str, user_hash: &str) -> bool {
    let expected: String = crate::token::hex(&hmac_sha256(secret.as_bytes(), user_id.as_bytes()));
    let given = user_hash.trim().to_ascii_lowercase();
    crate::token::constant_time_eq(&expected, &given)
}

/// The signed claims of a valid identity token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The owner's user id (`sub`).
    pub user_id: String,
    /// The user's email, if the token carries one.
    pub email: Option<String>,
    /// The user's name, if the token carries one.
    pub name: Option<String>,
    /// When the token expires (`exp`), Unix seconds.
    pub expires_at_s: u64,
}

/// Why an identity token was not accepted (for the owner's developer; the visitor is simply not
/// identified).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url parts of JSON, or too long.
    #[error("the identity token is not a JWT (three base64url parts, at most {MAX_TOKEN_BYTES} bytes)")]
    Malformed,
    /// Any algorithm but HS256 (including `none`).
    #[error("the identity token must be signed with HS256, not {0:?}")]
    Algorithm(String),
    /// The signature does not match `IDENTITY_SECRET`.
    #[error("the identity token's signature does not match IDENTITY_SECRET")]
    Signature,
    /// `exp` is in the past (or `nbf` in the future).
    #[error("the identity token has expired or is not valid yet")]
    Expired,
    /// `exp` is further ahead than [`MAX_LIFETIME_S`].
    #[error("the identity token's exp is more than a day ahead: issue tokens that live about as long as a session")]
    TooLong,
    /// `aud` is missing or does not name this site.
    #[error("the identity token's aud must be the site_id of agent.toml")]
    Audience,
    /// A claim is missing or has the wrong shape.
    #[error("the identity token's claim {0:?} is missing or invalid")]
    Claim(&'static str),
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct Payload {
    sub: Option<String>,
    email: Option<String>,
    name: Option<String>,
    exp: Option<f64>,
    nbf: Option<f64>,
    /// A string, or a list of them (RFC 7519 §4.1.3).
    aud: Option<serde_json::Value>,
}

/// Checks an HS256 JWT against `secret` for the site `audience` at `now_s` (Unix seconds):
/// algorithm, signature (constant time), `aud`, `exp` (required, at most a day ahead) and `nbf`,
/// then the claims' shapes.
pub fn verify_jwt(secret: &str, token: &str, audience: &str, now_s: u64) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let (signed, signature) = token.trim().rsplit_once('.').ok_or(TokenError::Malformed)?;
    let (header, payload) = signed.split_once('.').ok_or(TokenError::Malformed)?;
    if payload.contains('.') {
        return Err(TokenError::Malformed);
    }
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed);
    let header: Header = serde_json::from_slice(&decode(header)?).map_err(|_| TokenError::Malformed)?;
    if header.alg != "HS256" {
        return Err(TokenError::Algorithm(header.alg));
    }
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(signed.as_bytes());
    mac.verify_slice(&decode(signature)?).map_err(|_| TokenError::Signature)?;
    let claims: Payload = serde_json::from_slice(&decode(payload)?).map_err(|_| TokenError::Malformed)?;
    let exp = claims.exp.ok_or(TokenError::Claim("exp"))?;
    let now = now_s as f64;
    if exp + LEEWAY_S as f64 <= now || claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_S as f64) {
        return Err(TokenError::Expired);
    }
    if exp > now + (MAX_LIFETIME_S + LEEWAY_S) as f64 {
        return Err(TokenError::TooLong);
    }
    let for_us = match &claims.aud {
        Some(serde_json::Value::String(aud)) => aud == audience,
        Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !for_us {
        return Err(TokenError::Audience);
    }
    let user_id = claims.sub.filter(|s| !s.is_empty() && s.chars().count() <= 128).ok_or(TokenError::Claim("sub"))?;
    let email = match claims.email.map(|e| e.trim().to_string()) {
        Some(e) if !shared::action::is_email(&e) => return Err(TokenError::Claim("email")),
        e => e,
    };
    let name = match claims.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 100 => return Err(TokenError::Claim("name")),
        n => n,
    };
    Ok(Claims { user_id, email, name, expires_at_s: exp as u64 })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Signs `payload` as an HS256 JWT (with `alg` in the header), the way an owner's server does.
    pub(crate) fn sign(secret: &str, alg: &str, payload: &serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(serde_json::json!({"alg": alg, "typ": "JWT"}).to_string());
        let body = URL_SAFE_NO_PAD.encode(payload.to_string());
        let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret.as_bytes(), format!("{header}.{body}").as_bytes()));
        format!("{header}.{body}.{signature}")
    }

    #[test]
    fn rfc4231_test_vectors() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn user_hashes() {
        let hash = hex(&hmac_sha256(b"s3cret", b"user-42"));
        assert!(verify_user_hash("s3cret", "user-42", &hash));
        assert!(verify_user_hash("s3cret", "user-42", &hash.to_uppercase()));
        assert!(!verify_user_hash("s3cret", "user-43", &hash));
        assert!(!verify_user_hash("other", "user-42", &hash));
        assert!(!verify_user_hash("s3cret", "user-42", ""));
    }

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn a_signed_token_gives_its_claims() {
        let token = sign(
            "s3cret",
            "HS256",
            &serde_json::json!({"sub": "u-42", "email": "ana@example.com", "name": "Ana", "aud": "acme", "exp": NOW + 600}),
        );
        let claims = verify_jwt("s3cret", &token, "acme", NOW).unwrap();
        assert_eq!(
            claims,
            Claims {
                user_id: "u-42".into(),
                email: Some("ana@example.com".into()),
                name: Some("Ana".into()),
                expires_at_s: NOW + 600
            }
        );
    }

    #[test]
    fn a_token_for_another_audience_or_living_too_long_is_refused() {
        let with = |claims: serde_json::Value| verify_jwt("s3cret", &sign("s3cret", "HS256", &claims), "acme", NOW);
        // Signed with the same secret for another purpose: no audience, or another one.
        assert_eq!(with(serde_json::json!({"sub": "u-42", "exp": NOW + 600})), Err(TokenError::Audience));
        assert_eq!(
            with(serde_json::json!({"sub": "u", "aud": "billing", "exp": NOW + 600})),
            Err(TokenError::Audience)
        );
        assert_eq!(
            with(serde_json::json!({"sub": "u", "aud": ["billing"], "exp": NOW + 600})),
            Err(TokenError::Audience)
        );
        assert!(with(serde_json::json!({"sub": "u", "aud": ["billing", "acme"], "exp": NOW + 600})).is_ok());
        let year = NOW + 365 * 24 * 3600;
        assert_eq!(with(serde_json::json!({"sub": "u", "aud": "acme", "exp": year})), Err(TokenError::TooLong));
        assert!(with(serde_json::json!({"sub": "u", "aud": "acme", "exp": NOW + MAX_LIFETIME_S})).is_ok());
    }

    #[test]
    fn forged_expired_and_unsigned_tokens_are_refused() {
        let claims = serde_json::json!({"sub": "u-42", "email": "victim@example.com", "aud": "acme", "exp": NOW + 600});
        assert_eq!(verify_jwt("s3cret", &sign("guess", "HS256", &claims), "acme", NOW), Err(TokenError::Signature));
        // alg=none with an empty signature, and a different algorithm, are never accepted.
        let none = sign("s3cret", "none", &claims);
        let unsigned = format!("{}.", none.rsplit_once('.').unwrap().0);
        assert_eq!(verify_jwt("s3cret", &unsigned, "acme", NOW), Err(TokenError::Algorithm("none".into())));
        assert_eq!(
            verify_jwt("s3cret", &sign("s3cret", "HS512", &claims), "acme", NOW),
            Err(TokenError::Algorithm("HS512".into()))
        );
        // A payload swapped under a valid signature.
        let good = sign("s3cret", "HS256", &claims);
        let other =
            URL_SAFE_NO_PAD.encode(serde_json::json!({"sub": "u-1", "aud": "acme", "exp": NOW + 600}).to_string());
        let parts: Vec<&str> = good.split('.').collect();
        assert_eq!(
            verify_jwt("s3cret", &format!("{}.{other}.{}", parts[0], parts[2]), "acme", NOW),
            Err(TokenError::Signature)
        );
        let expired = sign("s3cret", "HS256", &serde_json::json!({"sub": "u-42", "aud": "acme", "exp": NOW - 61}));
        assert_eq!(verify_jwt("s3cret", &expired, "acme", NOW), Err(TokenError::Expired));
        let no_exp = sign("s3cret", "HS256", &serde_json::json!({"sub": "u-42", "aud": "acme"}));
        assert_eq!(verify_jwt("s3cret", &no_exp, "acme", NOW), Err(TokenError::Claim("exp")));
        let bad_email =
            sign("s3cret", "HS256", &serde_json::json!({"sub": "u", "email": "nope", "aud": "acme", "exp": NOW + 1}));
        assert_eq!(verify_jwt("s3cret", &bad_email, "acme", NOW), Err(TokenError::Claim("email")));
        assert_eq!(verify_jwt("s3cret", "a.b", "acme", NOW), Err(TokenError::Malformed));
        assert_eq!(verify_jwt("s3cret", &"a".repeat(5000), "acme", NOW), Err(TokenError::Malformed));
    }
}
