//! Identity verification, as Chatwoot and Intercom do it: the owner's server signs the signed-in
//! user's id with a secret only it and the edge know (`user_hash` = hex HMAC-SHA256(user_id)), and
//! the edge checks it. Anyone can type an email into a chat; only a verified identity lets account
//! actions run (`requires_verified_identity`).

use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

/// Whether `user_hash` (hex) is the HMAC of `user_id` under `secret`, compared in constant time.
pub fn verify_user_hash(secret: &str, user_id: &str, user_hash: &str) -> bool {
    let expected: String =
        hmac_sha256(secret.as_bytes(), user_id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let given = user_hash.trim().to_ascii_lowercase();
    crate::token::constant_time_eq(&expected, &given)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn rfc4231_test_vectors() {
        // Test case 2: key "Jefe".
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
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
}
