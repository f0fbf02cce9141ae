//! Figures, not tests (each is `#[ignore]`d and prints): the CPU time of a built-in turn and
//! retrieval over a thousand passages. `cargo test --release -p edge figures -- --ignored
//! --nocapture`.

use crate::agent::{AnswerEngine, BuiltinEngine, Question};
use crate::api::test_world::World;
use crate::api::tests::messages_path;
use crate::eval::{builtin_only, cases, SITES};
use crate::knowledge::{chunk_documents, Chunk, KnowledgeIndex};
use crate::test_support::site_at;
use serde_json::json;
use std::time::Instant;

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

fn p99(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[(ms.len() * 99 / 100).min(ms.len() - 1)]
}

#[test]
#[ignore = "prints figures"]
fn turn_figures() {
    // Every message of the evaluation set through the whole API in the test world (the turn, the
    // planner, the engine, the store on SQLite, the object), and the engine's answer alone.
    let (mut whole, mut engine_only) = (Vec::new(), Vec::new());
    for (name, dir) in SITES {
        let mut site = builtin_only(site_at(dir));
        // One address sends all of them: the visitor limits are the limiter's to time, not here.
        let limits = &mut site.agent.limits;
        limits.conversations_per_ip_per_hour = u32::MAX;
        limits.messages_per_ip_per_minute = u32::MAX;
        limits.messages_per_conversation_per_minute = u32::MAX;
        limits.action_runs_per_ip_per_hour = u32::MAX;
        let engine = BuiltinEngine::new(&site);
        let world = World::with_site(site.clone());
        for case in cases(name) {
            let (id, token) = world.start();
            for (i, text) in case.say.iter().enumerate() {
                let body = json!({"text": text, "client_message_id": format!("f{i}")}).to_string();
                let started = Instant::now();
                let (status, _) = world.call("POST", &messages_path(&id), Some(&token), &body);
                whole.push(started.elapsed().as_secs_f64() * 1000.0);
                assert!(status == 200 || status == 409, "{status}");
                let started = Instant::now();
                let _ = crate::api::tests::block_on(engine.reply(Question { text, history: &[] }));
                engine_only.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    println!(
        "a built-in turn through the API, {} messages: median {:.3} ms, p99 {:.3} ms",
        whole.len(),
        median(whole.clone()),
        p99(whole)
    );
    println!("the engine's answer alone: median {:.3} ms, p99 {:.3} ms", median(engine_only.clone()), p99(engine_only));
}

#[test]
#[ignore = "prints figures"]
fn retrieval_over_a_thousand_passages() {
    // The three sites' passages, repeated with a distinct word each time until there are 1,000.
    let mut base: Vec<Chunk> = Vec::new();
    for (_, dir) in SITES {
        base.extend(chunk_documents(&site_at(dir).knowledge));
    }
    let chunks: Vec<Chunk> = (0..1000)
        .map(|i| {
            let mut c = base[i % base.len()].clone();
            c.text.push_str(&format!(" variant{i}"));
            c.url = format!("{}?{i}", c.url);
            c
        })
        .collect();
    let started = Instant::now();
    let index = KnowledgeIndex::new(chunks, &Default::default());
    let built = started.elapsed().as_secs_f64() * 1000.0;
    let questions: Vec<String> =
        SITES.iter().flat_map(|(name, _)| cases(name)).flat_map(|c| c.say.last().cloned()).collect();
    let mut times = Vec::new();
    for q in &questions {
        let started = Instant::now();
        let hits = index.search(q, 3);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(hits);
    }
    println!(
        "1,000 passages ({} distinct): index built in {built:.1} ms; a search ({} questions): median {:.3} ms, p99 {:.3} ms",
        base.len(),
        questions.len(),
        median(times.clone()),
        p99(times)
    );
}

#[test]
#[ignore = "prints figures"]
fn report_figures() {
    // The owner's report over 100,000 conversations spread over 30 days (two messages each; one in
    // ten handed off and answered by a person, one in twenty unanswered, one in thirty-three
    // rated), 20,000 visitors' action runs and 10,000 model calls: the reads a report makes, and
    // the figures made from them, on SQLite (D1 is SQLite).
    use crate::store::replica::LocalSql;
    use crate::store::reports::ReportStore;
    const DAY: u64 = 86_400_000;
    let db = crate::store::sqlite::Sqlite::migrated();
    let start = crate::api::tests::NOW_MS - 30 * DAY;
    let step = 30 * DAY / 100_000;
    let seed = format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
         INSERT INTO conversations (id, token_hash, created_at_ms, handoff_at_ms, handoff_reason, joined_at_ms,
           satisfaction, satisfaction_at_ms)
         SELECT 'c' || i, 'h', {start} + i * {step},
           CASE WHEN i % 10 = 0 THEN {start} + i * {step} + 60000 END,
           CASE WHEN i % 10 = 0 THEN '{{\"kind\":\"human_requested\"}}' END,
           CASE WHEN i % 10 = 0 THEN {start} + i * {step} + 120000 END,
           CASE WHEN i % 33 = 0 THEN 1 + i % 5 END,
           CASE WHEN i % 33 = 0 THEN {start} + i * {step} + 600000 END FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
         INSERT INTO messages (id, conversation_id, author, text, reply_to, created_at_ms, unanswered)
         SELECT 'c' || i || 'v', 'c' || i, 'visitor', 'question number ' || (i % 500), NULL, {start} + i * {step}, 0 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
         INSERT INTO messages (id, conversation_id, author, text, reply_to, created_at_ms, unanswered)
         SELECT 'c' || i || 'b', 'c' || i, CASE WHEN i % 10 = 0 THEN 'agent' ELSE 'bot' END, 'an answer', 'c' || i || 'v',
           {start} + i * {step} + 180000, CASE WHEN i % 20 = 5 THEN 1 ELSE 0 END FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
         INSERT INTO action_runs (at_ms, action, status, test, run)
         SELECT {start} + i * {step} * 5, 'action-' || (i % 12), CASE WHEN i % 9 = 0 THEN 'failed' ELSE 'ok' END, 0,
           '{{\"duration_ms\": ' || (50 + i % 400) || '}}' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
         INSERT INTO model_calls (at_ms, conversation_id, model, prompt_tokens, completion_tokens, latency_ms, outcome)
         SELECT {start} + i * {step} * 10, 'c' || i, 'm', 900, 120, 700, 'ok' FROM n;"
    );
    db.run_script(&seed).expect("the seed applies");
    let store = crate::store::sql::SqlStore::new(&db);
    for (label, from_day, days) in [("7 days", 23, 7), ("30 days", 0, 30)] {
        let first = (start / DAY) as i64 + from_day;
        let range = crate::reports::Days { first, last: first + days - 1, offset_minutes: 0 };
        let mut ms = Vec::new();
        let mut report = None;
        for _ in 0..5 {
            let started = Instant::now();
            let rows = crate::api::tests::block_on(store.report_rows(&range.range(crate::api::tests::NOW_MS))).unwrap();
            report = Some(crate::reports::build(rows, range, 0));
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let report = report.expect("ran");
        let conversations: u32 = report.days.iter().map(|d| d.conversations).sum();
        println!(
            "a report of {label} over 100,000 conversations ({conversations} in range, {} unanswered questions): \
             median {:.1} ms of 5",
            report.unanswered.len(),
            median(ms)
        );
    }
}
