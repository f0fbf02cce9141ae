//! The limits on signing in: wrong passwords count per email and per address, so guessing one
//! agent's password locks that account for a while, and one address cannot try many accounts.
//! A right password gives its hits back (see `api::inbox`).

use crate::limits::Limit;

/// Wrong passwords per email per 15 minutes before the account is locked for the rest of them.
pub const MAX_FAILURES_PER_EMAIL: u32 = 5;
/// Wrong passwords per address per hour.
pub const MAX_FAILURES_PER_IP: u32 = 30;

/// The limits one sign-in attempt takes (given back when the password is right).
pub fn attempt(email: &str, ip: Option<&str>) -> Vec<Limit> {
    let mut limits = vec![Limit {
        key: format!("signin:email:{}", email.trim().to_ascii_lowercase()),
        max: MAX_FAILURES_PER_EMAIL,
        window_ms: 15 * 60 * 1000,
    }];
    if let Some(ip) = ip {
        limits.push(Limit { key: format!("signin:ip:{ip}"), max: MAX_FAILURES_PER_IP, window_ms: 60 * 60 * 1000 });
    }
    limits
}
