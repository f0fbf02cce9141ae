//! The owner's webhook, as pure functions: the JSON payload of a handoff, its signature
//! (`Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">`, as Stripe and
//! Standard Webhooks sign), the request, what an answer means, and the retry schedule.

use super::office_hours::Availability;
use crate::actions::execute::{InboundResponse, TransportError};
use crate::actions::render::OutboundRequest;
use crate::identity::hmac_sha256;
use crate::store::handoff::HANDOFF_EVENT;
use crate::store::{AfterAttempt, HandoffRecord};
use serde::Serialize;
use shared::handoff::{ConversationStatus, HandoffReason, HandoffSummary};
use shared::ConversationId;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "switchboard-signature";
/// The header carrying the delivery's id (the same on every attempt: receivers dedupe on it).
pub const DELIVERY_HEADER: &str = "switchboard-delivery";
/// The header carrying the event.
pub const EVENT_HEADER: &str = "switchboard-event";
/// How long one attempt may take (connect, headers and body).
pub const ATTEMPT_TIMEOUT_MS: u32 = 5000;
/// How long a claimed delivery is left to its caller before another may try it.
pub const LEASE_MS: u64 = 60_000;
/// Waits after each failed attempt: the first retry follows at once (within the request's
/// `wait_until`), the rest come from the minutely Cron run. 8 attempts over about 21 hours.
pub const RETRY_DELAYS_MS: [u64; 7] = [5_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000];
/// Longest error text recorded for an attempt.
const MAX_ERROR_CHARS: usize = 200;

/// The delivery id of a conversation's `seq`-th handoff: one per handoff, the same on every attempt.
pub fn delivery_id(conversation: &ConversationId, seq: u32) -> String {
    format!("{conversation}.handoff.{seq}")
}

/// The body of a `conversation.handoff` event.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    event: &'a str,
    created_at: String,
    site_id: &'a str,
    data: Data<'a>,
}

#[derive(Debug, Serialize)]
struct Data<'a> {
    conversation_id: &'a ConversationId,
    status: ConversationStatus,
    handoff: u32,
    reason: &'a HandoffReason,
    office_hours: Option<&'static str>,
    summary: &'a HandoffSummary,
}

/// The JSON body telling the owner of `handoff` (delivery `id`).
pub fn handoff_payload(
    id: &str,
    site_id: &str,
    conversation: &ConversationId,
    handoff: &HandoffRecord,
    availability: Option<&Availability>,
) -> String {
    let payload = Payload {
        id,
        event: HANDOFF_EVENT,
        created_at: shared::time::rfc3339_from_unix_ms(handoff.at_ms),
        site_id,
        data: Data {
            conversation_id: conversation,
            status: ConversationStatus::Waiting,
            handoff: handoff.seq,
            reason: &handoff.reason,
            office_hours: availability.map(|a| match a {
                Availability::Open { .. } => "open",
                Availability::Closed { .. } => "closed",
            }),
            summary: &handoff.summary,
        },
    };
    serde_json::to_string(&payload).expect("plain data serialises")
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}" under secret>`.
pub fn signature(secret: &str, timestamp_s: u64, body: &str) -> String {
    let mac = hmac_sha256(secret.as_bytes(), format!("{timestamp_s}.{body}").as_bytes());
    let hex = crate::token::hex(&mac);
    format!("t={timestamp_s},v1={hex}")
}

/// Why a signature header is not accepted (what a receiver checks; used by the tests as the
/// reference for the documented snippets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `t=` or no `v1=`.
    #[error("the header has no t= timestamp or no v1= signature")]
    Malformed,
    /// Older (or newer) than the tolerance: possibly a replay.
    #[error("the timestamp is more than {0} s away from now")]
    Stale(u64),
    /// No `v1` matches.
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Verifies a `Switchboard-Signature` header as a receiver should: timestamp within
/// `tolerance_s` of `now_s`, and some `v1` equal (in constant time) to the HMAC of `"{t}.{body}"`.
pub fn verify(secret: &str, header: &str, body: &str, now_s: u64, tolerance_s: u64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("v1", sig)) => candidates.push(sig.to_ascii_lowercase()),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if t.abs_diff(now_s) > tolerance_s {
        return Err(SignatureError::Stale(tolerance_s));
    }
    let expected = signature(secret, t, body);
    let expected = expected.rsplit_once("v1=").map(|(_, hex)| hex).unwrap_or_default();
    if candidates.iter().any(|c| crate::token::constant_time_eq(c, expected)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The signed request of one attempt at `now_ms`.
pub fn request(url: &str, secret: &str, delivery_id: &str, event: &str, body: &str, now_ms: u64) -> OutboundRequest {
    OutboundRequest {
        method: "POST".into(),
        url: url.into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "Switchboard-Webhook/1".into()),
            (SIGNATURE_HEADER.into(), signature(secret, now_ms / 1000, body)),
            (DELIVERY_HEADER.into(), delivery_id.into()),
            (EVENT_HEADER.into(), event.into()),
        ],
        body: Some(body.into()),
    }
}

/// What one attempt's answer means: accepted (its status), or why not (status if any, error).
pub fn judge(result: &Result<InboundResponse, TransportError>) -> Result<u16, (Option<u16>, String)> {
    match result {
        Ok(r) if (200..300).contains(&r.status) => Ok(r.status),
        // A redirect is not followed: the receiver's URL is the owner's configuration.
        Ok(r) if (300..400).contains(&r.status) => {
            Err((Some(r.status), format!("HTTP {} (redirects are not followed)", r.status)))
        }
        Ok(r) => Err((Some(r.status), format!("HTTP {}", r.status))),
        Err(TransportError::Timeout) => Err((None, format!("no answer within {ATTEMPT_TIMEOUT_MS} ms"))),
        Err(TransportError::TooLarge) => Err((None, "the answer was too large".into())),
        Err(TransportError::Network(e)) => Err((None, clip(&format!("network error: {e}")))),
    }
}

/// The error as recorded: short, one line.
pub fn clip(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(MAX_ERROR_CHARS).collect()
}

/// What a failed `attempt` (1 for the first) at `now_ms` leaves: another try later, or none.
pub fn after_failure(attempt: u32, now_ms: u64) -> AfterAttempt {
    match RETRY_DELAYS_MS.get(attempt.saturating_sub(1) as usize) {
        Some(delay) => AfterAttempt::RetryAt(now_ms + delay),
        None => AfterAttempt::GaveUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::handoff::HandoffReason;

    #[test]
    fn signatures_match_a_known_value_and_verify() {
        // Computed independently (Python's hmac module) over '1700000000.{"a":1}'.
        let s = signature("whsec_test", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(s, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
        assert_eq!(verify("whsec_test", &s, r#"{"a":1}"#, 1_700_000_100, 300), Ok(()));
        // Whitespace and several v1 values (a secret being rotated) are accepted.
        let rotated = format!("t=1700000000, v1={}, {}", "0".repeat(64), s.split(',').nth(1).unwrap());
        assert_eq!(verify("whsec_test", &rotated, r#"{"a":1}"#, 1_700_000_000, 300), Ok(()));
    }

    #[test]
    fn a_receiver_refuses_tampering_replays_and_other_secrets() {
        let s = signature("whsec_test", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(verify("whsec_test", &s, r#"{"a":2}"#, 1_700_000_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("other", &s, r#"{"a":1}"#, 1_700_000_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_test", &s, r#"{"a":1}"#, 1_700_000_301, 300), Err(SignatureError::Stale(300)));
        let moved = s.replace("t=1700000000", "t=1700000200");
        assert_eq!(verify("whsec_test", &moved, r#"{"a":1}"#, 1_700_000_200, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_test", "v1=abc", "{}", 0, 300), Err(SignatureError::Malformed));
    }

    #[test]
    fn the_request_is_signed_over_its_exact_body_and_names_the_delivery() {
        let secret = "whsec_do_not_send";
        let r = request(
            "https://hooks.example.com/sb",
            secret,
            "c1.handoff.1",
            HANDOFF_EVENT,
            r#"{"x":1}"#,
            1_700_000_000_123,
        );
        assert_eq!(r.method, "POST");
        let sig = r.header(SIGNATURE_HEADER).unwrap();
        assert_eq!(verify(secret, sig, r.body.as_deref().unwrap(), 1_700_000_000, 0), Ok(()));
        assert_eq!(r.header(DELIVERY_HEADER), Some("c1.handoff.1"));
        let sent = format!("{:?}", r);
        assert!(!sent.contains(secret), "the secret is never sent");
    }

    #[test]
    fn the_payload_names_the_event_and_carries_the_summary() {
        let c = ConversationId::parse("c1").unwrap();
        let h = HandoffRecord {
            seq: 1,
            at_ms: 1_795_478_400_000,
            reason: HandoffReason::HumanRequested,
            summary: HandoffSummary { issue: vec!["a real person please".into()], ..HandoffSummary::default() },
            noticed: false,
        };
        let body = handoff_payload("c1.handoff.1", "novaex", &c, &h, Some(&Availability::Closed { reopens: None }));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["id"], "c1.handoff.1");
        assert_eq!(v["type"], "conversation.handoff");
        assert_eq!(v["site_id"], "novaex");
        assert_eq!(v["data"]["conversation_id"], "c1");
        assert_eq!(v["data"]["reason"]["kind"], "human_requested");
        assert_eq!(v["data"]["office_hours"], "closed");
        assert_eq!(v["data"]["summary"]["issue"][0], "a real person please");
        assert_eq!(v["created_at"], "2026-11-24T00:00:00.000Z");
    }

    #[test]
    fn answers_are_judged_and_failures_retried_with_growing_waits_then_given_up() {
        let answer = |status| Ok(InboundResponse { status, headers: vec![], body: vec![] });
        assert_eq!(judge(&answer(204)), Ok(204));
        assert_eq!(judge(&answer(500)), Err((Some(500), "HTTP 500".into())));
        assert!(judge(&answer(302)).unwrap_err().1.contains("redirects are not followed"));
        assert_eq!(judge(&Err(TransportError::Timeout)).unwrap_err().0, None);
        assert_eq!(after_failure(1, 1000), AfterAttempt::RetryAt(6000));
        assert_eq!(after_failure(2, 1000), AfterAttempt::RetryAt(61_000));
        assert!(RETRY_DELAYS_MS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(after_failure(7, 0), AfterAttempt::RetryAt(43_200_000));
        assert_eq!(after_failure(8, 0), AfterAttempt::GaveUp);
    }
}
