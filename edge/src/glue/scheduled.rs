//! The Cron triggers (`[triggers] crons` in wrangler.toml): every minute, the handoff webhooks'
//! retries (`glue::webhooks`); the hourly one, the cleanup of `crate::erasure` at the event's
//! scheduled time. Locally, `scripts/serve-edge` starts wrangler dev with `--test-scheduled`, and
//! `GET /__scheduled?cron=…` runs one (`*+*+*+*+*` the retries, `17+*+*+*+*` the cleanup).

use super::d1::D1Store;
use crate::erasure::clean_up;
use crate::store::StoreError;
use worker::{console_error, console_log, event, Env, ScheduleContext, ScheduledEvent};

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    // A trigger firing every minute ("* * * * *") retries webhooks; any other one cleans up.
    if event.cron().split_whitespace().next() == Some("*") {
        return super::webhooks::send_due(&env, event.schedule() as u64).await;
    }
    let retention_days = crate::site::bundle().agent.retention_days;
    let outcome = match env.d1("DB") {
        Ok(db) => clean_up(&D1Store::on(db), retention_days, event.schedule() as u64).await,
        Err(e) => Err(StoreError(format!("the DB binding is missing: {e}"))),
    };
    // workers-rs reports every scheduled run as successful, so a failure shows in the Worker's
    // logs (`wrangler tail`); the next run starts over and catches up.
    if let (Ok(done), Ok(conversations)) = (&outcome, env.durable_object("CONVERSATION")) {
        // Their objects drop their copies too (a failure is logged by forget_all).
        super::live::forget_all(&conversations, &done.conversation_ids).await;
    }
    match outcome {
        Ok(done) => console_log!(
            "cleanup: {} conversations, {} messages, {} old action runs deleted{}",
            done.erased.conversations,
            done.erased.messages,
            done.old_runs,
            if done.complete { "" } else { "; more left for the next run" }
        ),
        Err(e) => console_error!("cleanup failed: {e}"),
    }
}
