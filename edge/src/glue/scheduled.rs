//! The Cron triggers (`[triggers] crons` in wrangler.toml): every minute, the handoff webhooks'
//! retries (`glue::webhooks`) and telling the objects of erased conversations that have not
//! confirmed to forget (`crate::erasure::forget_erased`); the hourly one, the cleanup of
//! `crate::erasure` at the event's scheduled time. Locally, `scripts/serve-edge` starts wrangler dev with `--test-scheduled`, and
//! `GET /__scheduled?cron=…` runs one (`*+*+*+*+*` the retries, `17+*+*+*+*` the cleanup).

use super::d1::D1Store;
use crate::erasure::{clean_up, tell_objects};
use crate::store::StoreError;
use worker::{console_error, console_log, event, Env, ScheduleContext, ScheduledEvent};

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    // A trigger firing every minute ("* * * * *") retries webhooks; any other one cleans up.
    if event.cron().split_whitespace().next() == Some("*") {
        super::webhooks::send_due(&env, event.schedule() as u64).await;
        return forget_erased(&env).await;
    }
    let retention_days = crate::site::bundle().agent.retention_days;
    let outcome = match env.d1("DB") {
        Ok(db) => clean_up(&D1Store::on(db), retention_days, event.schedule() as u64).await,
        Err(e) => Err(StoreError(format!("the DB binding is missing: {e}"))),
    };
    // workers-rs reports every scheduled run as successful, so a failure shows in the Worker's
    // logs (`wrangler tail`); the next run starts over and catches up.
    if let (Ok(done), Ok(conversations), Ok(db), Ok(files)) =
        (&outcome, env.durable_object("CONVERSATION"), env.d1("DB"), super::files::R2Files::of(&env))
    {
        // Their objects drop their copies too, and their files go; the every-minute run tells the rest.
        let objects = super::live::Objects(conversations, files);
        if let Err(e) = tell_objects(&D1Store::on(db), &objects, &done.conversation_ids).await {
            console_error!("recording forgotten copies failed (the next run retries): {e}");
        }
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

/// Tells the objects of erased conversations that have not confirmed to forget them.
async fn forget_erased(env: &Env) {
    let (Ok(db), Ok(conversations), Ok(files)) =
        (env.d1("DB"), env.durable_object("CONVERSATION"), super::files::R2Files::of(env))
    else {
        return console_error!("the DB, CONVERSATION or FILES binding is missing");
    };
    match crate::erasure::forget_erased(&D1Store::on(db), &super::live::Objects(conversations, files)).await {
        Ok((0, _)) => {}
        Ok((told, confirmed)) => console_log!("erasure: {confirmed} of {told} objects confirmed they forgot"),
        Err(e) => console_error!("erasure: telling objects to forget failed: {e}"),
    }
}
