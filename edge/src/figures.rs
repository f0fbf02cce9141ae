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
