//! What the owner's reports read from storage: a range's rows, bucketed by day in the owner's
//! time zone, as few and as small as the report needs (`reports::build` makes the figures).
//! Numbers are read as `f64`: D1 hands JavaScript numbers, so an integer may arrive as `3.0`.

use super::StoreError;
use serde::Deserialize;

/// A range of time and how to cut it into the owner's days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRange {
    /// The first moment, Unix ms (a local midnight).
    pub from_ms: u64,
    /// The end, exclusive.
    pub to_ms: u64,
    /// The owner's offset from UTC, ms (a day is `(t + offset) / 86 400 000`).
    pub offset_ms: i64,
    /// Now: a conversation whose visitor wrote after `now - QUIET_MS` is not resolved yet.
    pub now_ms: u64,
}

/// Conversations started on a day, and how many of them the AI resolved.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StartedRow {
    /// Days since 1970-01-01, local.
    pub day: f64,
    /// Conversations.
    pub n: f64,
    /// Of which resolved by the AI.
    pub resolved: f64,
}

/// One handoff in the range.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HandoffRow {
    /// Its day.
    pub day: f64,
    /// `HandoffReason` as JSON.
    pub handoff_reason: Option<String>,
    /// When.
    pub handoff_at_ms: f64,
    /// When a person joined after it, if one did.
    pub joined_at_ms: Option<f64>,
    /// A person's first message after it, if any.
    pub first_reply_ms: Option<f64>,
}

/// Ratings given on a day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RatingRow {
    /// Its day.
    pub day: f64,
    /// How many.
    pub n: f64,
    /// Their sum.
    pub total: f64,
}

/// The model's calls on a day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelRow {
    /// Its day.
    pub day: f64,
    /// Calls.
    pub n: f64,
    /// Turns: a turn's calls are all recorded at the turn's time.
    pub turns: f64,
    /// Tokens read.
    pub prompt: f64,
    /// Tokens written.
    pub completion: f64,
}

/// Visitors' runs of one action in the range.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunRow {
    /// The action's slug.
    pub action: String,
    /// Runs.
    pub n: f64,
    /// Of which failed or were refused.
    pub failures: f64,
}

/// How long one of the newest visitors' runs took (`MAX_DURATION_ROWS` of them at most).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DurationRow {
    /// The action's slug.
    pub action: String,
    /// How long it took.
    pub ms: Option<f64>,
}

/// A question a reply could not answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UnansweredRow {
    /// The visitor's message.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Its conversation.
    pub conversation_id: String,
    /// When the reply that could not answer it was stored.
    pub created_at_ms: f64,
}

/// Everything a report is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportRows {
    /// Conversations started, by day.
    pub started: Vec<StartedRow>,
    /// Handoffs.
    pub handoffs: Vec<HandoffRow>,
    /// Ratings, by day.
    pub ratings: Vec<RatingRow>,
    /// Model calls, by day.
    pub model: Vec<ModelRow>,
    /// Visitors' action runs, by action.
    pub runs: Vec<RunRow>,
    /// The newest visitors' runs' durations.
    pub durations: Vec<DurationRow>,
    /// Unanswered questions, newest first.
    pub unanswered: Vec<UnansweredRow>,
}

/// Report reading.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait ReportStore {
    /// The rows of `range`, read in one round trip.
    async fn report_rows(&self, range: &ReportRange) -> Result<ReportRows, StoreError>;
}
