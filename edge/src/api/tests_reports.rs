//! The owner's reports over a seeded week: every figure the report gives is computed here again
//! from what was seeded, independently of the report's SQL.

use super::test_world::World;
use super::tests::{ADMIN, NOW_MS};
use crate::reports::day_text;
use serde_json::Value;
use std::fmt::Write;

const DAY: u64 = 86_400_000;
const HOUR: u64 = 3_600_000;

/// One seeded conversation.
struct Seeded {
    id: String,
    day: usize,
    resolved_by_ai: bool,
}

/// A week of conversations on D1, the seven days before `NOW_MS`'s (UTC): on day `i`, `i + 1`
/// answered by the AI, one it could not answer ("How do I export my data?"), and on even days one
/// handed off (a topic on days 0 and 4, a request for a person on 2 and 6) that a person joins
/// after `60 (i + 1)` s and answers after `120 (i + 1)` s, rated 4 on days 0 and 4; two visitor runs
/// of an action a day (100 ms ok, 300 ms failed) and an owner's test run, and one model call.
fn seed(w: &World) -> (Vec<Seeded>, u64) {
    let start = NOW_MS / DAY * DAY - 7 * DAY;
    let mut sql = String::new();
    let mut seeded = Vec::new();
    let mut n = 0;
    let mut conversation = |sql: &mut String, at: u64, handoff: Option<(u64, &str, u64, u64)>| {
        n += 1;
        let id = format!("cseed{n:04}");
        let (handoff_at, reason, joined) = match handoff {
            Some((at, reason, joined, _)) => (at.to_string(), format!("'{reason}'"), joined.to_string()),
            None => ("NULL".into(), "NULL".into(), "NULL".into()),
        };
        writeln!(
            sql,
            "INSERT INTO conversations (id, token_hash, created_at_ms, handoff_at_ms, handoff_reason, joined_at_ms) \
             VALUES ('{id}', 'h', {at}, {handoff_at}, {reason}, {joined});"
        )
        .unwrap();
        id
    };
    let message = |sql: &mut String, id: &str, n: &str, author: &str, text: &str, at: u64, unanswered: bool| {
        let reply_to = if author == "visitor" { "NULL".to_string() } else { format!("'{id}-v{n}'") };
        let mid = if author == "visitor" { format!("{id}-v{n}") } else { format!("{id}-{author}{n}") };
        writeln!(
            sql,
            "INSERT INTO messages (id, conversation_id, author, text, reply_to, created_at_ms, unanswered) \
             VALUES ('{mid}', '{id}', '{author}', '{text}', {reply_to}, {at}, {});",
            u8::from(unanswered)
        )
        .unwrap();
    };
    for day in 0..7u64 {
        let base = start + day * DAY;
        for k in 0..=day {
            let at = base + HOUR + k * 60_000;
            let id = conversation(&mut sql, at, None);
            message(&mut sql, &id, "1", "visitor", "What are the fees?", at, false);
            message(&mut sql, &id, "1", "bot", "0.0002 BTC.", at + 1000, false);
            // Resolved only once the visitor has been quiet for a day (at `NOW_MS`).
            seeded.push(Seeded { id, day: day as usize, resolved_by_ai: at + DAY <= NOW_MS });
        }
        let at = base + 3 * HOUR;
        let id = conversation(&mut sql, at, None);
        message(&mut sql, &id, "1", "visitor", "How do I export my data?", at, false);
        message(&mut sql, &id, "1", "bot", "Not sure about that.", at + 1000, true);
        seeded.push(Seeded { id, day: day as usize, resolved_by_ai: false });
        if day % 2 == 0 {
            let handoff_at = base + 5 * HOUR;
            let reason =
                if day % 4 == 0 { r#"{"kind":"topic","topic":"Billing"}"# } else { r#"{"kind":"human_requested"}"# };
            let joined = handoff_at + 60_000 * (day + 1);
            let replied = handoff_at + 120_000 * (day + 1);
            let id = conversation(&mut sql, base + 4 * HOUR, Some((handoff_at, reason, joined, replied)));
            message(&mut sql, &id, "1", "visitor", "I need help with my bill", base + 4 * HOUR, false);
            message(&mut sql, &id, "1", "agent", "Hi, I am here.", replied, false);
            if day % 4 == 0 {
                writeln!(
                    sql,
                    "UPDATE conversations SET satisfaction = 4, satisfaction_at_ms = {} WHERE id = '{id}';",
                    handoff_at + HOUR
                )
                .unwrap();
            }
            seeded.push(Seeded { id, day: day as usize, resolved_by_ai: false });
        }
        for (status, ms, test) in [("ok", 100, 0), ("failed", 300, 0), ("ok", 999, 1)] {
            writeln!(
                sql,
                "INSERT INTO action_runs (at_ms, action, status, test, run) VALUES ({}, 'tx-status', '{status}', {test}, \
                 '{{\"duration_ms\": {ms}}}');",
                base + 6 * HOUR
            )
            .unwrap();
        }
        // One model turn a day; on day 0 it used a tool, so two calls (recorded at the turn's time).
        for _ in 0..if day == 0 { 2 } else { 1 } {
            writeln!(
                sql,
                "INSERT INTO model_calls (at_ms, conversation_id, model, prompt_tokens, completion_tokens, latency_ms, \
                 outcome) VALUES ({}, 'cseed0001', 'm', 100, 20, 50, 'ok');",
                base + 7 * HOUR
            )
            .unwrap();
        }
    }
    w.seed_d1(&sql);
    (seeded, start / DAY)
}

fn report(w: &World, first: u64) -> Value {
    let path = format!(
        "/api/v1/admin/reports?from={}&to={}&offset_minutes=0",
        day_text(first as i64),
        day_text(first as i64 + 6)
    );
    let (status, v) = w.call("GET", &path, Some(ADMIN), "");
    assert_eq!(status, 200, "{v}");
    v
}

#[test]
fn a_seeded_week_gives_the_figures_computed_here_from_the_seed() {
    let w = World::new();
    let (seeded, first) = seed(&w);
    let v = report(&w, first);
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    for (i, d) in days.iter().enumerate() {
        let of_day: Vec<&Seeded> = seeded.iter().filter(|s| s.day == i).collect();
        assert_eq!(d["day"], day_text(first as i64 + i as i64));
        assert_eq!(d["conversations"], of_day.len(), "day {i}: {d}");
        assert_eq!(d["ai_resolved"], of_day.iter().filter(|s| s.resolved_by_ai).count(), "day {i}: {d}");
        let handed = i % 2 == 0;
        assert_eq!(d["handed_off"], u32::from(handed), "day {i}");
        let wait = |s: u64| if handed { Value::from(s * (i as u64 + 1)) } else { Value::Null };
        assert_eq!((&d["median_join_s"], &d["median_first_reply_s"]), (&wait(60), &wait(120)), "day {i}");
        let rated = i % 4 == 0;
        assert_eq!(d["ratings"], u32::from(rated), "day {i}");
        assert_eq!(d["average_rating"], if rated { Value::from(4.0) } else { Value::Null });
        let calls = if i == 0 { 2 } else { 1 };
        assert_eq!(d["model_turns"], 1, "day {i}");
        assert_eq!((d["model_calls"].as_u64(), d["prompt_tokens"].as_u64()), (Some(calls), Some(100 * calls)));
    }
    assert_eq!(
        v["handoff_reasons"],
        serde_json::json!([{"reason": "Asked for a person", "count": 2},
        {"reason": "Topic: Billing", "count": 2}])
    );
    // Visitors' runs only: the owner's tests are not counted.
    assert_eq!(v["actions"], serde_json::json!([{"action": "tx-status", "runs": 14, "failures": 7, "median_ms": 100}]));
    let unanswered = &v["unanswered"][0];
    assert_eq!(
        (unanswered["question"].as_str(), unanswered["count"].as_u64()),
        (Some("How do I export my data?"), Some(7))
    );
    assert_eq!(unanswered["conversations"].as_array().unwrap().len(), 7);
    let linked = unanswered["conversations"][0].as_str().unwrap();
    assert!(seeded.iter().any(|s| s.id == linked && !s.resolved_by_ai));
}

#[test]
fn a_conversation_the_visitor_wrote_in_less_than_a_day_ago_is_not_resolved_yet_and_tables_download_as_csv() {
    let w = World::new();
    let (_, first) = seed(&w);
    // At `NOW_MS` the last day's visitors wrote under 24 hours ago: not counted yet; a day later they are.
    let path = format!("/api/v1/admin/reports?from={}&to={}", day_text(first as i64), day_text(first as i64 + 6));
    let (_, v) = w.call("GET", &path, Some(ADMIN), "");
    assert_eq!((v["days"][6]["ai_resolved"].as_u64(), v["days"][5]["ai_resolved"].as_u64()), (Some(0), Some(6)));
    let (_, v) = w.call_at(NOW_MS + DAY, "GET", &path, Some(ADMIN), "");
    assert_eq!(v["days"][6]["ai_resolved"], 7, "{}", v["days"][6]);
    let csv = World::request_of("GET", &path.replace("reports?", "reports.csv?table=unanswered&"), Some(ADMIN), "");
    let response = w.respond_at(NOW_MS, &csv);
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(response.header("content-disposition").is_some_and(|d| d.contains("switchboard-unanswered-")));
    assert!(
        response.body.starts_with("question,count,conversations\r\nHow do I export my data?,7,"),
        "{}",
        response.body
    );
    // Bad ranges and tables are named.
    let (status, v) = w.call("GET", "/api/v1/admin/reports?from=2026-12-07&to=2026-12-01", Some(ADMIN), "");
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("to")));
    let (status, v) = w.call("GET", &path.replace("reports?", "reports.csv?table=secrets&"), Some(ADMIN), "");
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("table")));
    let (status, _) = w.call("GET", &path, None, "");
    assert_eq!(status, 401);
}

#[test]
fn a_conversation_near_midnight_counts_on_the_owners_own_day() {
    let w = World::new();
    let day = NOW_MS / DAY - 2;
    // 23:30 UTC: that day in London, already the next in Berlin (UTC+1), still that day in New York.
    let at = (day + 1) * DAY - 30 * 60_000;
    w.seed_d1(&format!("INSERT INTO conversations (id, token_hash, created_at_ms) VALUES ('cmidnight', 'h', {at});"));
    let per_day = |offset: i32| {
        let path = format!(
            "/api/v1/admin/reports?from={}&to={}&offset_minutes={offset}",
            day_text(day as i64),
            day_text(day as i64 + 1)
        );
        let (status, v) = w.call("GET", &path, Some(ADMIN), "");
        assert_eq!(status, 200, "{v}");
        (v["days"][0]["conversations"].as_u64().unwrap(), v["days"][1]["conversations"].as_u64().unwrap())
    };
    assert_eq!(per_day(0), (1, 0));
    assert_eq!(per_day(60), (0, 1));
    assert_eq!(per_day(-300), (1, 0));
}
