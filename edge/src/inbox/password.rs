//! Agents' passwords: PBKDF2-SHA256 with a per-agent random salt, stored as
//! `pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>`. The key derivation runs in the
//! Workers runtime's Web Crypto (`glue`), natively in tests through the `pbkdf2` crate.

use crate::token::Entropy;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;

/// Iterations for new hashes: the most Cloudflare's Workers runtime accepts for PBKDF2 (it refuses
/// more than 100,000 in production; local workerd takes more, so this is fixed, not probed).
pub const ITERATIONS: u32 = 100_000;
/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (bounds the work per sign-in).
pub const MAX_LENGTH: usize = 256;

/// PBKDF2-HMAC-SHA256 to 32 bytes.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait Kdf {
    /// Derives 32 bytes from `password` and `salt` with `iterations` rounds.
    async fn pbkdf2_sha256(&self, password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], String>;
}

/// Why a password is refused when an account is created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short or too long.
    #[error("a password has {MIN_LENGTH} to {MAX_LENGTH} characters")]
    Length,
    /// The key derivation failed.
    #[error("the password could not be hashed: {0}")]
    Kdf(String),
}

/// Hashes a new password with a fresh 16-byte salt.
pub async fn hash_password(kdf: &impl Kdf, entropy: &impl Entropy, password: &str) -> Result<String, PasswordError> {
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&password.chars().count()) {
        return Err(PasswordError::Length);
    }
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    let hash = kdf.pbkdf2_sha256(password.as_bytes(), &salt, ITERATIONS).await.map_err(PasswordError::Kdf)?;
    Ok(format!("pbkdf2-sha256${ITERATIONS}${}${}", B64.encode(salt), B64.encode(hash)))
}

/// Whether `password` is the one `stored` was made from. A malformed hash or a failing
/// derivation is a no, never a yes; the comparison does not stop at the first difference.
pub async fn verify_password(kdf: &impl Kdf, stored: &str, password: &str) -> bool {
    let Some((iterations, salt, expected)) = parse(stored) else { return false };
    if password.chars().count() > MAX_LENGTH {
        return false;
    }
    match kdf.pbkdf2_sha256(password.as_bytes(), &salt, iterations).await {
        Ok(hash) => hash.iter().zip(&expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0,
        Err(_) => false,
    }
}

/// Spends the time a real check takes, for an email with no account (so timing does not tell
/// which emails have one).
pub async fn waste_a_check(kdf: &impl Kdf, password: &str) {
    let _ = kdf.pbkdf2_sha256(password.as_bytes(), &[0u8; 16], ITERATIONS).await;
}

fn parse(stored: &str) -> Option<(u32, Vec<u8>, [u8; 32])> {
    let mut parts = stored.split('$');
    if parts.next()? != "pbkdf2-sha256" {
        return None;
    }
    let iterations: u32 = parts.next()?.parse().ok().filter(|n| (1_000..=10_000_000).contains(n))?;
    let salt = B64.decode(parts.next()?).ok().filter(|s| s.len() >= 16)?;
    let hash: [u8; 32] = B64.decode(parts.next()?).ok()?.try_into().ok()?;
    parts.next().is_none().then_some((iterations, salt, hash))
}

/// PBKDF2 natively, for tests (the Worker uses Web Crypto).
#[cfg(test)]
pub struct NativeKdf;

#[cfg(test)]
impl Kdf for NativeKdf {
    async fn pbkdf2_sha256(&self, password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], String> {
        Ok(pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(password, salt, iterations))
    }
}

/// For API tests that sign in many times: real PBKDF2, at most 1,000 rounds (the stored hash
/// still says 100,000; only this double reads it so). The API's behaviour does not depend on the
/// round count; `NativeKdf` and the browser tests cover the real one.
#[cfg(test)]
pub struct FastKdf;

#[cfg(test)]
impl Kdf for FastKdf {
    async fn pbkdf2_sha256(&self, password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], String> {
        NativeKdf.pbkdf2_sha256(password, salt, iterations.min(1_000)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;
    use crate::token::tests::TestEntropy;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let entropy = TestEntropy::default();
        let hash = block_on(hash_password(&NativeKdf, &entropy, "correct horse battery")).unwrap();
        assert!(hash.starts_with("pbkdf2-sha256$100000$"), "{hash}");
        assert!(block_on(verify_password(&NativeKdf, &hash, "correct horse battery")));
        assert!(!block_on(verify_password(&NativeKdf, &hash, "correct horse batterY")));
        let other_salt = block_on(hash_password(&NativeKdf, &entropy, "correct horse battery")).unwrap();
        assert_ne!(hash, other_salt, "a fresh salt each time");
    }

    #[test]
    fn the_rfc_7914_vector_holds() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64) starts 55 ac 04 6e.
        let out = block_on(NativeKdf.pbkdf2_sha256(b"passwd", b"salt", 1)).unwrap();
        assert_eq!(&out[..4], &[0x55, 0xac, 0x04, 0x6e]);
    }

    #[test]
    fn malformed_or_weakened_hashes_never_verify() {
        for stored in [
            "",
            "plain$100000$c2FsdHNhbHRzYWx0c2FsdA$AAAA",
            "pbkdf2-sha256$1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "pbkdf2-sha256$100000$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(!block_on(verify_password(&NativeKdf, stored, "anything at all")), "{stored}");
        }
    }

    #[test]
    fn passwords_have_bounded_length() {
        assert_eq!(block_on(hash_password(&NativeKdf, &TestEntropy::default(), "short")), Err(PasswordError::Length));
        let long = "x".repeat(MAX_LENGTH + 1);
        assert_eq!(block_on(hash_password(&NativeKdf, &TestEntropy::default(), &long)), Err(PasswordError::Length));
    }
}
