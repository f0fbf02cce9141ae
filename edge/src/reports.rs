//! The owner's reports as plain logic: a range of the owner's days read from the query, and the
//! figures made from the rows storage returns (`store::reports`).

use crate::store::reports::{ReportRange, ReportRows};
use shared::handoff::HandoffReason;
use shared::report::{
    median, question_key, reason_category, ActionFigures, Day, ReasonCount, Report, Unanswered, MAX_LINKED,
    MAX_QUESTIONS,
};
use std::collections::BTreeMap;

const DAY_MS: i64 = 86_400_000;

/// The longest range a report reads, in days.
pub const MAX_DAYS: i64 = 366;

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn day_number(text: &str) -> Option<i64> {
    let date: jiff::civil::Date = text.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    Some(i64::from(epoch.until(date).ok()?.get_days()))
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn day_text(day: i64) -> String {
    let span = jiff::Span::new().try_days(day).unwrap_or_default();
    jiff::civil::date(1970, 1, 1).checked_add(span).map(|d| d.to_string()).unwrap_or_default()
}

/// A report's days, as the query names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    /// The first, as a day number.
    pub first: i64,
    /// The last (included).
    pub last: i64,
    /// The owner's offset from UTC, minutes east.
    pub offset_minutes: i64,
}

impl Days {
    /// Reads `from` and `to` (`YYYY-MM-DD`, `to` included) and the owner's UTC offset in minutes
    /// east (Berlin in winter: 60); the problem names the parameter.
    pub fn parse(from: &str, to: &str, offset_minutes: &str) -> Result<Self, (&'static str, String)> {
        let first = day_number(from).ok_or(("from", "must be a date, YYYY-MM-DD".to_string()))?;
        let last = day_number(to).ok_or(("to", "must be a date, YYYY-MM-DD".to_string()))?;
        let offset_minutes = match offset_minutes {
            "" => 0,
            m => m
                .parse::<i64>()
                .ok()
                .filter(|m| (-14 * 60..=14 * 60).contains(m))
                .ok_or(("offset_minutes", "must be minutes east of UTC, from -840 to 840".to_string()))?,
        };
        if last < first {
            return Err(("to", "must not be before from".into()));
        }
        if last - first >= MAX_DAYS {
            return Err(("to", format!("a report covers at most {MAX_DAYS} days")));
        }
        Ok(Self { first, last, offset_minutes })
    }

    /// The range in Unix ms, as storage reads it.
    pub fn range(&self, now_ms: u64) -> ReportRange {
        let offset_ms = self.offset_minutes * 60_000;
        let at = |day: i64| u64::try_from(day * DAY_MS - offset_ms).unwrap_or(0);
        ReportRange { from_ms: at(self.first), to_ms: at(self.last + 1), offset_ms, now_ms }
    }
}

/// The report of `days` from what storage read.
pub fn build(rows: ReportRows, days: Days, query_ms: u64) -> Report {
    let mut by_day: BTreeMap<i64, Day> =
        (days.first..=days.last).map(|d| (d, Day { day: day_text(d), ..Day::default() })).collect();
    for r in &rows.started {
        if let Some(d) = by_day.get_mut(&(r.day as i64)) {
            (d.conversations, d.ai_resolved) = (r.n as u32, r.resolved as u32);
        }
    }
    let mut joins: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    let mut replies: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    let mut reasons: BTreeMap<String, u32> = BTreeMap::new();
    for h in &rows.handoffs {
        let day = h.day as i64;
        if let Some(d) = by_day.get_mut(&day) {
            d.handed_off += 1;
        }
        let after = |t: f64| ((t - h.handoff_at_ms).max(0.0) / 1000.0) as u64;
        if let Some(joined) = h.joined_at_ms.filter(|j| *j >= h.handoff_at_ms) {
            joins.entry(day).or_default().push(after(joined));
        }
        if let Some(first) = h.first_reply_ms {
            replies.entry(day).or_default().push(after(first));
        }
        let reason = h.handoff_reason.as_deref().and_then(|r| serde_json::from_str::<HandoffReason>(r).ok());
        let category = reason.as_ref().map_or_else(|| "Unknown".to_string(), reason_category);
        *reasons.entry(category).or_default() += 1;
    }
    for (day, d) in &mut by_day {
        d.median_join_s = joins.remove(day).and_then(median);
        d.median_first_reply_s = replies.remove(day).and_then(median);
    }
    for r in &rows.ratings {
        if let Some(d) = by_day.get_mut(&(r.day as i64)) {
            d.ratings = r.n as u32;
            d.average_rating = (r.n > 0.0).then(|| r.total / r.n);
        }
    }
    for m in &rows.model {
        if let Some(d) = by_day.get_mut(&(m.day as i64)) {
            (d.model_turns, d.model_calls) = (m.turns as u32, m.n as u32);
            (d.prompt_tokens, d.completion_tokens) = (m.prompt as u64, m.completion as u64);
        }
    }
    let mut handoff_reasons: Vec<ReasonCount> =
        reasons.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect();
    handoff_reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    Report {
        from: day_text(days.first),
        to: day_text(days.last),
        days: by_day.into_values().collect(),
        handoff_reasons,
        actions: actions(&rows),
        unanswered: unanswered(&rows),
        query_ms,
    }
}

/// Runs, failures and median duration (of the newest runs read) per action, the most run first.
fn actions(rows: &ReportRows) -> Vec<ActionFigures> {
    let mut by: BTreeMap<&str, (u32, u32, Vec<u64>)> = BTreeMap::new();
    for r in &rows.runs {
        let e = by.entry(&r.action).or_default();
        (e.0, e.1) = (r.n as u32, r.failures as u32);
    }
    for d in &rows.durations {
        by.entry(&d.action).or_default().2.extend(d.ms.map(|ms| ms as u64));
    }
    let mut out: Vec<ActionFigures> = by
        .into_iter()
        .map(|(action, (runs, failures, ms))| ActionFigures {
            action: action.to_string(),
            runs,
            failures,
            median_ms: median(ms),
        })
        .collect();
    out.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.action.cmp(&b.action)));
    out
}

/// The questions no reply could answer, grouped by their words, the most asked first; each with
/// the conversations it was asked in (rows come newest first).
fn unanswered(rows: &ReportRows) -> Vec<Unanswered> {
    let mut groups: std::collections::HashMap<String, Unanswered> = std::collections::HashMap::new();
    for r in &rows.unanswered {
        let key = question_key(&r.text);
        if key.is_empty() {
            continue;
        }
        let group = groups.entry(key).or_insert_with(|| Unanswered {
            question: r.text.trim().chars().take(300).collect(),
            count: 0,
            conversations: Vec::new(),
        });
        group.count += 1;
        if group.conversations.len() < MAX_LINKED && !group.conversations.contains(&r.conversation_id) {
            group.conversations.push(r.conversation_id.clone());
        }
    }
    let mut out: Vec<Unanswered> = groups.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.question.cmp(&b.question)));
    out.truncate(MAX_QUESTIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_in_the_owners_zone_and_bad_ranges_are_named() {
        let days = Days::parse("2026-12-01", "2026-12-07", "60").unwrap();
        assert_eq!(days.last - days.first, 6);
        let range = days.range(0);
        // Midnight in Berlin (UTC+1) is 23:00 UTC the day before.
        assert_eq!(range.from_ms, 1_796_079_600_000);
        assert_eq!(range.to_ms - range.from_ms, 7 * 86_400_000);
        assert_eq!(day_text(days.first), "2026-12-01");
        assert_eq!(Days::parse("2026-12-07", "2026-12-01", "").unwrap_err().0, "to");
        assert_eq!(Days::parse("yesterday", "2026-12-01", "").unwrap_err().0, "from");
        assert_eq!(Days::parse("2025-01-01", "2026-12-01", "").unwrap_err().0, "to");
        assert_eq!(Days::parse("2026-12-01", "2026-12-01", "9999").unwrap_err().0, "offset_minutes");
    }
}
