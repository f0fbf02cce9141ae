//! Sending the owner's handoff webhooks from the Worker: right after the response that handed
//! off (`Context::wait_until`, so the visitor does not wait for the receiver), and from the
//! minutely Cron run for every retry (`crate::handoff::delivery` decides; this only wires D1, the
//! network and the secret in). Logs name deliveries and outcomes, never the secret or the body.

use super::d1::D1Store;
use super::network::WorkerNetwork;
use crate::handoff::delivery::{deliver_due, deliver_now, Target};
use worker::{console_error, console_log, Env};

/// Sends the deliveries `ids` queued by a request at `now_ms`, if the site has a webhook.
pub async fn send_now(env: Env, ids: Vec<String>, now_ms: u64) {
    let Some(hook) = crate::site::bundle().agent.handoff.as_ref().and_then(|h| h.webhook.as_ref()) else { return };
    let store = match env.d1("DB") {
        Ok(db) => D1Store::on(db),
        Err(e) => return console_error!("webhook: the DB binding is missing: {e}"),
    };
    let secret = env.secret(&hook.secret).ok().map(|s| s.to_string());
    let target =
        Target { url: &hook.url, secret_name: &hook.secret, secret: secret.as_deref(), policy: super::policy() };
    for id in ids {
        match deliver_now(&store, &WorkerNetwork, &target, &id, now_ms).await {
            Ok(Some(status)) => console_log!("webhook {id}: {status:?}"),
            Ok(None) => {}
            Err(e) => console_error!("webhook {id}: {e}"),
        }
    }
}

/// The Cron run: retries whatever is due at `now_ms`.
pub async fn send_due(env: &Env, now_ms: u64) {
    let Some(hook) = crate::site::bundle().agent.handoff.as_ref().and_then(|h| h.webhook.as_ref()) else { return };
    let store = match env.d1("DB") {
        Ok(db) => D1Store::on(db),
        Err(e) => return console_error!("webhook retries: the DB binding is missing: {e}"),
    };
    let secret = env.secret(&hook.secret).ok().map(|s| s.to_string());
    let target =
        Target { url: &hook.url, secret_name: &hook.secret, secret: secret.as_deref(), policy: super::policy() };
    match deliver_due(&store, &WorkerNetwork, &target, now_ms).await {
        Ok(run) if run.attempted > 0 => {
            console_log!("webhook retries: {} attempted, {} delivered", run.attempted, run.delivered)
        }
        Ok(_) => {}
        Err(e) => console_error!("webhook retries failed: {e}"),
    }
}
