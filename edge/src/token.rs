//! Conversation tokens and ids: random, unguessable, stored only as a hash.

use sha2::{Digest, Sha256};

/// A source of cryptographically secure random bytes (the Workers runtime's `crypto` in production).
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `n` random bytes as unpadded base64url.
pub fn random_text(entropy: &impl Entropy, n: usize) -> String {
    let mut bytes = vec![0u8; n];
    entropy.fill(&mut bytes);
    base64url(&bytes)
}

/// A new message id: `prefix` (`m` for the visitor's and the AI's, `a` for an agent's) and 16
/// random bytes, so no two conversations ever make the same one.
pub fn message_id(entropy: &impl Entropy, prefix: char) -> shared::MessageId {
    shared::MessageId::parse(format!("{prefix}{}", random_text(entropy, 16))).expect("base64url is an id")
}

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(URL_SAFE[(v >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A new conversation token: 256 random bits.
pub fn new_token(entropy: &impl Entropy) -> String {
    random_text(entropy, 32)
}

/// What is stored instead of the token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Bytes as lower-case hex: the one encoder for hashes, MACs and keys the edge writes out.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `token` hashes to `stored_hash`, comparing in constant time.
pub fn token_matches(token: &str, stored_hash: &str) -> bool {
    constant_time_eq(&hash_token(token), stored_hash)
}

/// Compares two secrets without an early exit, so timing does not reveal how much matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    /// Deterministic entropy for tests: a counter run through SHA-256.
    #[derive(Default)]
    pub struct TestEntropy(pub Cell<u64>);

    impl Entropy for TestEntropy {
        fn fill(&self, buf: &mut [u8]) {
            for chunk in buf.chunks_mut(32) {
                self.0.set(self.0.get() + 1);
                let d = Sha256::digest(self.0.get().to_le_bytes());
                chunk.copy_from_slice(&d[..chunk.len()]);
            }
        }
    }

    #[test]
    fn base64url_matches_known_values() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn tokens_are_long_distinct_and_checked_by_hash() {
        let e = TestEntropy::default();
        let (a, b) = (new_token(&e), new_token(&e));
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        let h = hash_token(&a);
        assert!(token_matches(&a, &h));
        assert!(!token_matches(&b, &h));
        assert!(!token_matches("", &h));
    }
}
