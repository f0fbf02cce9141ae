//! Sending the owner's webhook: claim a due delivery (so no other caller sends it at the same
//! time), check the URL against the network rules of actions, sign, send with a timeout, record
//! the attempt and schedule the next one. `deliver_now` runs right after the handoff (glue runs
//! it after the response, in `wait_until`) and retries once shortly; `deliver_due` is the
//! minutely Cron run that takes every later retry.

use super::webhook::{self, after_failure, judge, ATTEMPT_TIMEOUT_MS, LEASE_MS};
use crate::actions::execute::Network;
use crate::actions::ssrf::NetworkPolicy;
use crate::store::{AfterAttempt, Attempt, Delivery, DeliveryStatus, HandoffStore, StoreError};
use serde::Serialize;

/// Most deliveries one Cron run attempts (each at most [`ATTEMPT_TIMEOUT_MS`]).
pub const MAX_PER_RUN: usize = 5;
/// The longest wait `deliver_now` spends on a retry within the request's `wait_until`.
pub const INLINE_RETRY_MS: u64 = 5_000;

/// Where and how deliveries are sent.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The receiver (`[handoff.webhook] url`).
    pub url: &'a str,
    /// The signing secret's name, for the error when it is not set.
    pub secret_name: &'a str,
    /// Its value, if set on the edge.
    pub secret: Option<&'a str>,
    /// The network rules of actions, which the receiver must pass too.
    pub policy: &'a NetworkPolicy,
}

/// One attempt at a claimed delivery at `now_ms`, recorded; what it left, and how long it took.
async fn attempt<S: HandoffStore, N: Network>(
    store: &S,
    network: &N,
    target: &Target<'_>,
    delivery: &Delivery,
    now_ms: u64,
) -> Result<(AfterAttempt, u64), StoreError> {
    let number = delivery.attempts + 1;
    let started = network.now_ms();
    let (status_code, error, after) = match (target.policy.check(target.url), target.secret) {
        // The URL was checked when the site was built; refused now, it stays refused.
        (Err(e), _) => (None, Some(webhook::clip(&format!("refused by the network rules: {e}"))), AfterAttempt::GaveUp),
        // Never sent unsigned; the owner may still set the secret before the next attempt.
        (Ok(_), None) => {
            let error = format!("the webhook secret {} is not set on the edge", target.secret_name);
            (None, Some(error), after_failure(number, now_ms))
        }
        (Ok(_), Some(secret)) => {
            let request =
                webhook::request(target.url, secret, &delivery.id, &delivery.event, &delivery.payload, now_ms);
            let result = network.send(&request, ATTEMPT_TIMEOUT_MS).await;
            let took = (network.now_ms() - started).max(0.0) as u64;
            match judge(&result) {
                Ok(status) => (Some(status), None, AfterAttempt::Delivered(now_ms + took)),
                Err((status, error)) => (status, Some(error), after_failure(number, now_ms + took)),
            }
        }
    };
    let duration_ms = (network.now_ms() - started).max(0.0) as u32;
    let record = Attempt { attempt: number, at_ms: now_ms, status_code, error, duration_ms };
    store.record_attempt(&delivery.id, &record, after).await?;
    Ok((after, u64::from(duration_ms)))
}

/// Sends delivery `id` if it is due at `now_ms`; while a failed attempt's retry falls within
/// [`INLINE_RETRY_MS`], waits and tries again. Returns where it stands (none if it was not due,
/// e.g. another caller holds it).
pub async fn deliver_now<S: HandoffStore, N: Network>(
    store: &S,
    network: &N,
    target: &Target<'_>,
    id: &str,
    now_ms: u64,
) -> Result<Option<DeliveryStatus>, StoreError> {
    let mut now = now_ms;
    loop {
        let Some(delivery) = store.claim_delivery(id, now, LEASE_MS).await? else { return Ok(None) };
        let (after, took) = attempt(store, network, target, &delivery, now).await?;
        // The wait counts from the attempt's end (a slow receiver's time is not part of it).
        let done = now + took;
        match after {
            AfterAttempt::Delivered(_) => return Ok(Some(DeliveryStatus::Delivered)),
            AfterAttempt::GaveUp => return Ok(Some(DeliveryStatus::Failed)),
            AfterAttempt::RetryAt(at) if at.saturating_sub(done) <= INLINE_RETRY_MS => {
                network.sleep(at.saturating_sub(done) as u32).await;
                now = at;
            }
            AfterAttempt::RetryAt(_) => return Ok(Some(DeliveryStatus::Pending)),
        }
    }
}

/// What one Cron run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DueRun {
    /// Attempts made.
    pub attempted: u32,
    /// Of those, accepted.
    pub delivered: u32,
}

/// The Cron run at `now_ms`: one attempt at each due delivery, at most [`MAX_PER_RUN`].
pub async fn deliver_due<S: HandoffStore, N: Network>(
    store: &S,
    network: &N,
    target: &Target<'_>,
    now_ms: u64,
) -> Result<DueRun, StoreError> {
    let mut run = DueRun::default();
    for id in store.due_deliveries(now_ms, MAX_PER_RUN).await? {
        let Some(delivery) = store.claim_delivery(&id, now_ms, LEASE_MS).await? else { continue };
        run.attempted += 1;
        if let (AfterAttempt::Delivered(_), _) = attempt(store, network, target, &delivery, now_ms).await? {
            run.delivered += 1;
        }
    }
    Ok(run)
}
