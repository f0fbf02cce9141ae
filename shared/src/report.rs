//! The owner's reports on the wire (`GET /api/v1/admin/reports`): per day over a range, from the
//! stored conversations, messages, action runs and model calls; and the pure parts both sides
//! share: what "resolved by the AI" means, a handoff reason's category, the grouping of questions
//! the AI could not answer, medians, and CSV.

use crate::handoff::HandoffReason;
use serde::{Deserialize, Serialize};

/// What the report page says "resolved by the AI" means (after Intercom's assumed resolution and
/// Chatwoot's bot resolution: the visitor left satisfied, as far as anyone can tell).
pub const AI_RESOLVED_DEFINITION: &str = "Resolved by the AI: the visitor wrote at least once; no \
    person replied and it was never handed off; the AI never said it could not answer; and the \
    visitor has not written again for 24 hours. A conversation younger than that is not counted yet. \
    Replies stored before reports existed were not marked when they could not answer, so days before \
    then may count a few too many.";

/// How long the visitor must stay quiet after the AI's last answer for it to count as resolved.
pub const QUIET_MS: u64 = 24 * 60 * 60 * 1000;

/// One day of the report, in the owner's own time zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Conversations started.
    pub conversations: u32,
    /// Of which resolved by the AI ([`AI_RESOLVED_DEFINITION`]).
    pub ai_resolved: u32,
    /// Conversations handed off to a person that day.
    pub handed_off: u32,
    /// Median seconds from a handoff to a person joining (claiming or being assigned).
    pub median_join_s: Option<u64>,
    /// Median seconds from a handoff to a person's first reply.
    pub median_first_reply_s: Option<u64>,
    /// Ratings given that day.
    pub ratings: u32,
    /// Their average, 1–5.
    pub average_rating: Option<f64>,
    /// Visitors' turns the model of `[llm]` was called for (a failed call leaves the answer to the
    /// built-in engine, and still counts).
    pub model_turns: u32,
    /// Its calls (a turn with tools makes several).
    pub model_calls: u32,
    /// Tokens the model read.
    pub prompt_tokens: u64,
    /// Tokens the model wrote.
    pub completion_tokens: u64,
}

/// Handoffs for one reason over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// The reason's category ("Topic: Account takeover", "Asked for a person"…).
    pub reason: String,
    /// How many.
    pub count: u32,
}

/// One action's runs over the range (visitors' only: the owner's tests are not the product).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionFigures {
    /// Its slug.
    pub action: String,
    /// Runs.
    pub runs: u32,
    /// Of which failed or were refused.
    pub failures: u32,
    /// Median duration, ms.
    pub median_ms: Option<u64>,
}

/// A question the AI could not answer, as visitors asked it (grouped by its words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unanswered {
    /// The question, as last asked.
    pub question: String,
    /// How many times it was asked.
    pub count: u32,
    /// The conversations it was asked in (at most [`MAX_LINKED`]), newest first.
    pub conversations: Vec<String>,
}

/// How many conversations a question links to at most.
pub const MAX_LINKED: usize = 10;

/// The most handoffs a report reads (the newest; the waits' medians are theirs).
pub const MAX_HANDOFF_ROWS: u32 = 50_000;

/// The most run durations a report reads (the newest; the medians are theirs).
pub const MAX_DURATION_ROWS: u32 = 10_000;

/// The most unanswered questions a report reads (the newest).
pub const MAX_UNANSWERED_ROWS: u32 = 5_000;

/// How many unanswered questions the report lists at most (the most asked first).
pub const MAX_QUESTIONS: usize = 100;

/// `GET /api/v1/admin/reports?from=&to=&offset_minutes=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The first day, `YYYY-MM-DD`.
    pub from: String,
    /// The last day, `YYYY-MM-DD`.
    pub to: String,
    /// Every day of the range, in order.
    pub days: Vec<Day>,
    /// Handoffs by reason, the most first.
    pub handoff_reasons: Vec<ReasonCount>,
    /// Actions by runs, the most first.
    pub actions: Vec<ActionFigures>,
    /// Questions the AI could not answer, the most asked first.
    pub unanswered: Vec<Unanswered>,
    /// How long the edge took to read it, ms.
    pub query_ms: u64,
}

/// A handoff reason's category: its kind, with the topic for topics (the owner's own words).
pub fn reason_category(reason: &HandoffReason) -> String {
    match reason {
        HandoffReason::Topic { topic } => format!("Topic: {topic}"),
        HandoffReason::HumanRequested => "Asked for a person".into(),
        HandoffReason::NegativeSentiment { .. } => "Negative messages".into(),
        HandoffReason::Unanswered { .. } => "Questions the AI could not answer".into(),
        HandoffReason::VerificationFailed { .. } => "Verification failed".into(),
        HandoffReason::ActionFailed { action } => format!("Action failed: {action}"),
        HandoffReason::ActionResult { action } => format!("Action result: {action}"),
        HandoffReason::FormSubmitted { form } => format!("Form: {form}"),
        HandoffReason::AssistantDecided { .. } => "The AI passed it on".into(),
        HandoffReason::AgentTookOver { .. } => "An agent took over".into(),
    }
}

/// What makes two questions the same one: their words, lower case, in order.
pub fn question_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The median of `values` (the lower middle of an even count), `None` for none.
pub fn median(mut values: Vec<u64>) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

/// One CSV cell: quoted when it must be, and a cell a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return first) made text: visitors' words are in these files.
pub fn csv_cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Rows as CSV, the header first, lines ending in CRLF (RFC 4180).
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: Vec<String>| cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",") + "\r\n";
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

/// An optional number as a cell: empty for none.
fn cell<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Report {
    /// A table of the report as CSV: `days`, `reasons`, `actions` or `unanswered`.
    pub fn table_csv(&self, table: &str) -> Option<String> {
        Some(match table {
            "days" => csv(
                &[
                    "day",
                    "conversations",
                    "ai_resolved",
                    "handed_off",
                    "median_join_s",
                    "median_first_reply_s",
                    "ratings",
                    "average_rating",
                    "model_turns",
                    "model_calls",
                    "prompt_tokens",
                    "completion_tokens",
                ],
                &self
                    .days
                    .iter()
                    .map(|d| {
                        vec![
                            d.day.clone(),
                            d.conversations.to_string(),
                            d.ai_resolved.to_string(),
                            d.handed_off.to_string(),
                            cell(d.median_join_s),
                            cell(d.median_first_reply_s),
                            d.ratings.to_string(),
                            cell(d.average_rating.map(|a| format!("{a:.2}"))),
                            d.model_turns.to_string(),
                            d.model_calls.to_string(),
                            d.prompt_tokens.to_string(),
                            d.completion_tokens.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            "reasons" => csv(
                &["reason", "count"],
                &self.handoff_reasons.iter().map(|r| vec![r.reason.clone(), r.count.to_string()]).collect::<Vec<_>>(),
            ),
            "actions" => csv(
                &["action", "runs", "failures", "median_ms"],
                &self
                    .actions
                    .iter()
                    .map(|a| vec![a.action.clone(), a.runs.to_string(), a.failures.to_string(), cell(a.median_ms)])
                    .collect::<Vec<_>>(),
            ),
            "unanswered" => csv(
                &["question", "count", "conversations"],
                &self
                    .unanswered
                    .iter()
                    .map(|u| vec![u.question.clone(), u.count.to_string(), u.conversations.join(" ")])
                    .collect::<Vec<_>>(),
            ),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitors_formula_stays_text_and_commas_and_quotes_are_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv(&["q", "n"], &[vec!["x\ny".into(), "2".into()]]), "q,n\r\n\"x\ny\",2\r\n");
    }

    #[test]
    fn the_same_words_are_the_same_question_and_the_median_is_the_lower_middle() {
        assert_eq!(question_key("How do I  RESET my 2FA?"), question_key("how do i reset my 2fa"));
        assert_ne!(question_key("reset 2fa"), question_key("reset password"));
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
        assert_eq!(median(vec![]), None);
    }
}
