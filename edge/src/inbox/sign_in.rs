//! The limits on signing in: wrong passwords count per (email, address) and per address, so
//! guessing one agent's password from one address locks that address out of that account for a
//! while, and one address cannot try many accounts. Nobody can lock an agent out from elsewhere:
//! the right password from an address with no failures on that account still signs in. IPv6
//! addresses count by their /64, as the visitor limits do. A right password gives its hits back
//! (see `api::inbox`).

use crate::limits::keys::ip_key;
use crate::limits::Limit;

/// Wrong passwords per email from one address per 15 minutes before that address is locked out
/// of the account for the rest of them.
pub const MAX_FAILURES_PER_EMAIL: u32 = 5;
/// Wrong passwords per address per hour, whatever the account.
pub const MAX_FAILURES_PER_IP: u32 = 30;

/// The limits one sign-in attempt takes (given back when the password is right).
pub fn attempt(email: &str, ip: Option<&str>) -> Vec<Limit> {
    let address = ip_key(ip);
    vec![
        Limit {
            key: format!("signin:email:{}:ip:{address}", email.trim().to_lowercase()),
            max: MAX_FAILURES_PER_EMAIL,
            window_ms: 15 * 60 * 1000,
        },
        Limit { key: format!("signin:ip:{address}"), max: MAX_FAILURES_PER_IP, window_ms: 60 * 60 * 1000 },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_per_account_and_address_and_per_v6_subnet() {
        let a = attempt("Ana@Example.com ", Some("2001:db8:1:2:aaaa::1"));
        let b = attempt("ana@example.com", Some("2001:db8:1:2:bbbb::9"));
        assert_eq!(a.iter().map(|l| &l.key).collect::<Vec<_>>(), b.iter().map(|l| &l.key).collect::<Vec<_>>());
        let elsewhere = attempt("ana@example.com", Some("198.51.100.4"));
        assert_ne!(a[0].key, elsewhere[0].key, "another address has its own failures");
    }
}
