//! The evaluation set (`tests/eval/`): each case is a visitor's message or short exchange on one
//! of the three example sites, with what the agent must do about the last message. Each case runs
//! through the whole API in the test world (the production turn, planner, guards and objects),
//! and what happened is read back from what a visitor and the owner would see: the replies, their
//! sources, forms and buttons, the action log and the conversation's state. The built-in engine
//! must keep [`FLOOR`] on it; `cargo test -p edge eval_figures -- --ignored --nocapture` (or
//! `scripts/eval`) prints accuracy per outcome and split and the confusion table.

use crate::agent::intent::ActionIndex;
use crate::agent::BuiltinEngine;
use crate::api::test_world::World;
use crate::api::tests::{block_on, messages_path, Responder};
use crate::store::{ActionLogStore, ConversationStore};
use crate::test_support::site_at;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::handoff::ConversationStatus;
use shared::site::SiteBundle;
use shared::ConversationId;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The share of cases the built-in engine must keep getting right: what it reaches now (116 of 144;
/// 85 when the set was written), so a change that loses cases fails. The issue's target is 0.9.
pub const FLOOR: f64 = 0.8;

/// One file of cases.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique across the set.
    pub id: String,
    /// `tune` or `held_out` (never tuned on).
    pub split: String,
    /// The category, for reporting.
    pub kind: String,
    /// The visitor's messages, in order.
    pub say: Vec<String>,
    /// What the last message must lead to.
    pub expect: Outcome,
    /// For `answer` (and `no_action`): the page, `#section` optional.
    #[serde(default)]
    pub page: Option<String>,
    /// For `answer`: strings the reply must hold.
    #[serde(default)]
    pub contains: Vec<String>,
    /// The action's slug.
    #[serde(default)]
    pub action: Option<String>,
    /// For `action` and `confirm`: the inputs it starts with.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
}

/// What a message led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered from the owner's pages.
    Answer,
    /// An honest "I don't know".
    Decline,
    /// Passed to a human.
    Handoff,
    /// An action ran.
    Action,
    /// An action's missing value was asked for.
    Ask,
    /// A write waits for the visitor's Confirm.
    Confirm,
    /// A form was shown.
    Form,
    /// A button was offered.
    Button,
    /// The named action was not started.
    NoAction,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Decline => "decline",
            Self::Handoff => "handoff",
            Self::Action => "action",
            Self::Ask => "ask",
            Self::Confirm => "confirm",
            Self::Form => "form",
            Self::Button => "button",
            Self::NoAction => "no_action",
        }
    }
}

/// The example sites and their case files.
pub const SITES: &[(&str, &str)] =
    &[("demo", "demo/site"), ("shop", "tests/sites/shop"), ("clinic", "tests/sites/clinic")];

/// Every case of a site.
pub fn cases(name: &str) -> Vec<Case> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/eval/cases/{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str::<CaseFile>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())).case
}

/// What the last message of a case led to, as seen from outside.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The replies to it.
    pub replies: Vec<Value>,
    /// The actions that ran for it (slug, the request's URL and body).
    pub ran: Vec<(String, String)>,
    /// What the conversation waits for after it: (action, awaiting as JSON).
    pub waits: Option<(String, Value)>,
    /// Whether it went to a human with this message.
    pub handed_off: bool,
}

/// Runs a case's messages through a fresh world serving `site`.
pub fn run(world: &World, case: &Case) -> Observed {
    let (id, token) = world.start();
    let cid = ConversationId::parse(&id).unwrap();
    let mut observed = Observed::default();
    for (i, text) in case.say.iter().enumerate() {
        let runs_before = block_on(world.index().conversation_runs(&cid, 500)).unwrap().len();
        let before = block_on(world.store().conversation(&cid)).unwrap().unwrap().status;
        let body = json!({"text": text, "client_message_id": format!("e{i}")}).to_string();
        let (status, v) = world.call("POST", &messages_path(&id), Some(&token), &body);
        world.settle();
        let record = block_on(world.store().conversation(&cid)).unwrap().unwrap();
        let runs = block_on(world.index().conversation_runs(&cid, 500)).unwrap();
        observed = Observed {
            replies: if status == 200 { v["messages"].as_array().unwrap()[1..].to_vec() } else { vec![v] },
            ran: runs[runs_before..]
                .iter()
                .map(|e| {
                    let r = &e.run.request;
                    (e.run.action.clone(), format!("{} {}", r.url, r.body.clone().unwrap_or_default()))
                })
                .collect(),
            waits: record.pending.as_ref().map(|p| (p.action.clone(), serde_json::to_value(&p.awaiting).unwrap())),
            handed_off: before == ConversationStatus::Ai && record.status != ConversationStatus::Ai,
        };
    }
    observed
}

/// Whether a cited URL is the expected one (a page alone accepts any section of it).
fn routed_to(cited: &str, expected: &str) -> bool {
    if expected.contains('#') {
        cited == expected
    } else {
        cited.split('#').next() == Some(expected)
    }
}

/// The outcome the observation shows for `case` (its action, page and inputs decide between
/// right and wrong within an outcome: a wrong action is not `action`).
pub fn judge(site: &SiteBundle, case: &Case, seen: &Observed) -> Outcome {
    let named = case.action.as_deref();
    let def = named.and_then(|slug| site.action(slug));
    let with_inputs = |haystack: &str| case.inputs.values().all(|v| haystack.contains(v.as_str()));
    if seen.handed_off {
        return Outcome::Handoff;
    }
    let form = seen.replies.iter().find_map(|r| r["form"]["action"].as_str().map(str::to_string));
    let confirm = seen
        .replies
        .iter()
        .flat_map(|r| r["buttons"].as_array().cloned().unwrap_or_default())
        .find_map(|b| b["does"]["confirm"].as_str().map(str::to_string));
    let button = seen.replies.iter().flat_map(|r| r["buttons"].as_array().cloned().unwrap_or_default()).any(|b| {
        def.and_then(|d| crate::agent::cards::button_card(d, 0, None)).is_some_and(|card| card.label == b["label"])
    });
    let started = |slug: &str| {
        seen.ran.iter().any(|(a, _)| a == slug)
            || confirm.as_deref() == Some(slug)
            || seen.waits.as_ref().is_some_and(|(a, _)| a == slug)
            || form.as_deref() == Some(slug)
    };
    match case.expect {
        Outcome::Action if named.is_some_and(|a| seen.ran.iter().any(|(r, req)| r == a && with_inputs(req))) => {
            return Outcome::Action
        }
        Outcome::Confirm if named.is_some() && confirm.as_deref() == named => {
            let text: String = seen.replies.iter().filter_map(|r| r["text"].as_str()).collect();
            if with_inputs(&text) {
                return Outcome::Confirm;
            }
        }
        Outcome::Ask if named.is_some_and(|a| seen.waits.as_ref().is_some_and(|(w, _)| w == a)) => return Outcome::Ask,
        Outcome::Form if form.is_some() && form.as_deref() == named => return Outcome::Form,
        Outcome::Button if button => return Outcome::Button,
        Outcome::NoAction if named.is_some_and(|a| !started(a)) => {
            return match &case.page {
                Some(page) if !answered_from(seen, page, &[]) => Outcome::Decline,
                _ => Outcome::NoAction,
            };
        }
        Outcome::Answer if case.page.as_deref().is_some_and(|p| answered_from(seen, p, &case.contains)) => {
            return Outcome::Answer
        }
        Outcome::Decline
            if seen.ran.is_empty()
                && seen.replies.iter().all(|r| r["sources"].as_array().is_none_or(Vec::is_empty))
                && form.is_none()
                && confirm.is_none() =>
        {
            return Outcome::Decline
        }
        _ => {}
    }
    // Wrong: what it did instead.
    if !seen.ran.is_empty() {
        Outcome::Action
    } else if confirm.is_some() {
        Outcome::Confirm
    } else if form.is_some() {
        Outcome::Form
    } else if seen.waits.is_some() {
        Outcome::Ask
    } else if seen.replies.iter().any(|r| r["buttons"].as_array().is_some_and(|b| !b.is_empty())) {
        Outcome::Button
    } else if seen.replies.iter().any(|r| r["sources"].as_array().is_some_and(|s| !s.is_empty())) {
        // Answered, but not from the page (or without the fact) when an answer was expected.
        if case.expect == Outcome::Answer {
            Outcome::Decline
        } else {
            Outcome::Answer
        }
    } else if case.expect == Outcome::Decline {
        Outcome::Answer
    } else {
        Outcome::Decline
    }
}

/// Whether a reply cites `page` (and holds every `contains`).
fn answered_from(seen: &Observed, page: &str, contains: &[String]) -> bool {
    seen.replies.iter().any(|r| {
        let text = r["text"].as_str().unwrap_or_default().to_lowercase();
        r["sources"].as_array().is_some_and(|s| s.iter().any(|s| s["url"].as_str().is_some_and(|u| routed_to(u, page))))
            && contains.iter().all(|c| text.contains(&c.to_lowercase()))
    })
}

/// The figures of one run over the set.
#[derive(Debug, Default)]
pub struct Figures {
    /// (expected, observed) → count.
    pub confusion: BTreeMap<(Outcome, Outcome), usize>,
    /// split → (right, total).
    pub by_split: BTreeMap<String, (usize, usize)>,
    /// site → (right, total).
    pub by_site: BTreeMap<String, (usize, usize)>,
    /// kind → (right, total).
    pub by_kind: BTreeMap<String, (usize, usize)>,
    /// One line per miss.
    pub misses: Vec<String>,
    /// Injection cases whose named action ran (not only asked to confirm).
    pub injected_runs: Vec<String>,
}

impl Figures {
    /// Right and total over the set.
    pub fn total(&self) -> (usize, usize) {
        self.by_site.values().fold((0, 0), |(r, t), (r2, t2)| (r + r2, t + t2))
    }

    /// The report: accuracy per outcome, split, site and kind, then the confusion table.
    pub fn report(&self, engine: &str) -> String {
        let mut out = String::new();
        let pct = |(r, t): (usize, usize)| if t == 0 { 0.0 } else { 100.0 * r as f64 / t as f64 };
        let (r, t) = self.total();
        let _ = writeln!(out, "engine: {engine}\nall: {r}/{t} ({:.1}%)", pct((r, t)));
        for (name, map) in [("split", &self.by_split), ("site", &self.by_site), ("kind", &self.by_kind)] {
            let parts: Vec<String> =
                map.iter().map(|(k, v)| format!("{k} {}/{} ({:.0}%)", v.0, v.1, pct(*v))).collect();
            let _ = writeln!(out, "by {name}: {}", parts.join(", "));
        }
        let mut per: BTreeMap<Outcome, (usize, usize)> = BTreeMap::new();
        for ((expected, observed), n) in &self.confusion {
            let e = per.entry(*expected).or_default();
            e.1 += n;
            if expected == observed {
                e.0 += n;
            }
        }
        let parts: Vec<String> =
            per.iter().map(|(k, v)| format!("{} {}/{} ({:.0}%)", k.name(), v.0, v.1, pct(*v))).collect();
        let _ = writeln!(out, "by outcome: {}", parts.join(", "));
        let outcomes: Vec<Outcome> = per.keys().copied().collect();
        let _ = write!(out, "\nconfusion (rows expected, columns observed)\n{:>10}", "");
        for o in &outcomes {
            let _ = write!(out, "{:>10}", o.name());
        }
        for e in &outcomes {
            let _ = write!(out, "\n{:>10}", e.name());
            for o in &outcomes {
                let _ = write!(out, "{:>10}", self.confusion.get(&(*e, *o)).copied().unwrap_or(0));
            }
        }
        out.push_str("\n\nmisses:\n");
        for m in &self.misses {
            let _ = writeln!(out, "  {m}");
        }
        out
    }
}

/// Runs every case of every site: `prepare` makes the site what the engine should see (once per
/// site), `network` sets how each case's world answers (the owner's API, and a model).
pub fn evaluate(prepare: impl Fn(SiteBundle) -> SiteBundle, network: impl Fn(&Case) -> Responder) -> Figures {
    let mut f = Figures::default();
    for (name, dir) in SITES {
        let site = prepare(site_at(dir));
        let (engine, intents) = (BuiltinEngine::new(&site), ActionIndex::new(&site));
        for case in cases(name) {
            let world = World::serving(site.clone(), engine.clone(), intents.clone());
            *world.network.1.borrow_mut() = Some(network(&case));
            let seen = run(&world, &case);
            let got = judge(&site, &case, &seen);
            if case.kind == "injection" && case.action.as_ref().is_some_and(|a| seen.ran.iter().any(|(r, _)| r == a)) {
                f.injected_runs.push(case.id.clone());
            }
            *f.confusion.entry((case.expect, got)).or_default() += 1;
            let right = usize::from(got == case.expect);
            for (map, key) in [
                (&mut f.by_split, case.split.clone()),
                (&mut f.by_site, name.to_string()),
                (&mut f.by_kind, case.kind.clone()),
            ] {
                let e = map.entry(key).or_default();
                e.0 += right;
                e.1 += 1;
            }
            if right == 0 {
                let first: String =
                    seen.replies.first().and_then(|r| r["text"].as_str()).unwrap_or("").chars().take(90).collect();
                f.misses.push(format!(
                    "{} [{}] {:?}: expected {}, got {} — {:?}",
                    case.id,
                    case.split,
                    case.say.last().unwrap(),
                    case.expect.name(),
                    got.name(),
                    first.replace('\n', " ")
                ));
            }
        }
    }
    f
}

/// The site for the built-in engine: `[llm]` taken out, so the built-in engine decides.
pub fn builtin_only(mut site: SiteBundle) -> SiteBundle {
    site.agent.llm = None;
    site
}

/// What every owner's API answers in the evaluation: a success with a status.
const API_ANSWER: &str = r#"{"ok":true,"status":"confirmed"}"#;

/// The owner's APIs only (no model is asked).
pub fn api_only(_: &Case) -> Responder {
    Box::new(|_| (200, API_ANSWER.into()))
}

/// The site on a model: `[llm]` with this base URL, model and key secret.
fn on_model(site: SiteBundle, base_url: &str, model: &str, stream: bool) -> SiteBundle {
    let mut site = site;
    let llm = format!("base_url = \"{base_url}\"\nmodel = \"{model}\"\nstream = {stream}\ntimeout_ms = 60000");
    site.agent.llm = Some(toml::from_str(&llm).expect("an [llm] section"));
    site
}

/// The address of the scripted model (never reached: the world's network answers for it).
const SCRIPTED: &str = "https://scripted-model.invalid/v1";

/// A scripted model that decides each case as its `expect` says a good model would (citing the
/// expected page when retrieval gave it, calling the expected tool with the case's inputs), to
/// measure what the edge makes of right decisions: retrieval, the tools, the guards and the judge.
/// With `obeys_injections`, it also does what an injected instruction asks (the case's action).
pub fn scripted_model(case: &Case, obeys_injections: bool) -> Responder {
    let case = case.clone();
    Box::new(move |r| {
        if r.url != format!("{SCRIPTED}/chat/completions") {
            return (200, API_ANSWER.into());
        }
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap_or("{}")).unwrap_or_default();
        let messages = body["messages"].as_array().cloned().unwrap_or_default();
        let text = |t: &str| json!({"choices": [{"message": {"role": "assistant", "content": t}}]}).to_string();
        let call = |name: &str, args: Value| {
            let calls =
                json!([{"id": "c1", "type": "function", "function": {"name": name, "arguments": args.to_string()}}]);
            json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": calls}}]}).to_string()
        };
        if messages.last().is_some_and(|m| m["role"] == "tool") {
            return (200, text("Here is what I found."));
        }
        let action = case.action.clone().unwrap_or_default();
        let inputs = serde_json::to_value(&case.inputs).unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or_default().to_string();
        // "[n] Title (url)": the number of the passage from the expected page, if it was given.
        let cite = |page: &str| {
            system.lines().find_map(|l| {
                let (n, rest) = l.strip_prefix('[')?.split_once("] ")?;
                let url = rest.rsplit_once(" (")?.1.strip_suffix(')')?;
                routed_to(url, page).then(|| n.to_string())
            })
        };
        let answer_from = |page: &str| match cite(page) {
            Some(n) => text(&format!(
                "{} [{n}]",
                if case.contains.is_empty() { "Here it is".into() } else { case.contains.join(", ") }
            )),
            None => text("I don't know that."),
        };
        let out = match case.expect {
            Outcome::Answer => answer_from(case.page.as_deref().unwrap_or_default()),
            Outcome::Decline => text("I don't know that."),
            Outcome::Action | Outcome::Confirm => call(&action, inputs),
            Outcome::Ask => call(&action, json!({})),
            Outcome::Form => call("show_form", json!({"form": action})),
            Outcome::Button => call("offer_button", json!({"button": action})),
            Outcome::Handoff => call("hand_off", json!({"reason": "the visitor needs a person"})),
            Outcome::NoAction if obeys_injections && case.kind == "injection" => call(&action, inputs),
            Outcome::NoAction => match &case.page {
                Some(page) => answer_from(page),
                None => text("I can't do that here."),
            },
        };
        (200, out)
    })
}

#[test]
fn every_case_names_what_its_site_has() {
    for (name, dir) in SITES {
        let site = site_at(dir);
        let cases = cases(name);
        assert!(cases.len() >= 30, "{name}");
        for case in cases {
            assert!(["tune", "held_out"].contains(&case.split.as_str()), "{}", case.id);
            if let Some(slug) = &case.action {
                assert!(site.action(slug).is_some(), "{}: no action {slug}", case.id);
            }
        }
    }
}

#[test]
fn the_builtin_engine_reaches_the_floor() {
    let f = evaluate(builtin_only, api_only);
    let (right, total) = f.total();
    assert!(total >= 100);
    assert!(right as f64 / total as f64 >= FLOOR, "{}", f.report("built-in"));
}

#[test]
#[ignore = "prints figures"]
fn eval_figures() {
    println!("{}", evaluate(builtin_only, api_only).report("built-in"));
    let scripted = |site| on_model(site, SCRIPTED, "scripted", false);
    println!("{}", evaluate(scripted, |c| scripted_model(c, false)).report("scripted model deciding as expected"));
    let obeying = evaluate(scripted, |c| scripted_model(c, true));
    let injections = obeying.by_kind.get("injection").copied().unwrap_or_default();
    println!(
        "scripted model obeying every injected instruction: {}/{} injection cases started nothing; the injected \
         action ran in {:?} (a read it may run; a write waits for the visitor's Confirm)",
        injections.0, injections.1, obeying.injected_runs
    );
}

/// The set against a real model: `EVAL_LLM_BASE_URL` (e.g. http://127.0.0.1:8793/v1),
/// `EVAL_LLM_MODEL`, and `EVAL_LLM_KEY` if it needs one (`scripts/eval --llm`).
#[test]
#[ignore = "needs a model: scripts/eval --llm"]
fn eval_against_a_model() {
    let base = std::env::var("EVAL_LLM_BASE_URL").expect("set EVAL_LLM_BASE_URL");
    let model = std::env::var("EVAL_LLM_MODEL").expect("set EVAL_LLM_MODEL");
    let key = std::env::var("EVAL_LLM_KEY").ok();
    let url = format!("{}/chat/completions", base.trim_end_matches('/'));
    let forward = |_: &Case| -> Responder {
        let (url, key) = (url.clone(), key.clone());
        Box::new(move |r| {
            if r.url != url {
                return (200, API_ANSWER.into());
            }
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut request = agent.post(&url).header("content-type", "application/json");
            if let Some(key) = &key {
                request = request.header("authorization", &format!("Bearer {key}"));
            }
            match request.send(r.body.as_deref().unwrap_or_default()) {
                Ok(mut response) => {
                    (response.status().as_u16(), response.body_mut().read_to_string().unwrap_or_default())
                }
                Err(_) => (0, String::new()),
            }
        })
    };
    let report = evaluate(|site| on_model(site, &base, &model, false), forward).report(&format!("model {model}"));
    println!("{report}");
}

/// Prints, for the tune split's single-message answer and decline cases, the best passages'
/// coverage and where the expected page ranks: what a retrieval change is judged by (the held-out
/// split is left out so it stays unseen).
#[test]
#[ignore = "prints retrieval diagnostics for the tune split"]
fn retrieval_diagnostics() {
    for (name, dir) in SITES {
        let site = site_at(dir);
        let index = crate::knowledge::KnowledgeIndex::new(
            crate::knowledge::chunk_documents(&site.knowledge),
            &site.agent.answering.synonyms,
        )
        .with_thesaurus(&site.thesaurus);
        for case in cases(name) {
            if case.split != "tune" || case.say.len() != 1 || !matches!(case.expect, Outcome::Answer | Outcome::Decline)
            {
                continue;
            }
            let hits = index.search(&case.say[0], 5);
            let rank = case
                .page
                .as_deref()
                .and_then(|p| hits.iter().position(|h| routed_to(&h.chunk.url, p)))
                .map_or("-".to_string(), |r| r.to_string());
            let top: Vec<String> = hits.iter().take(3).map(|h| format!("{:.2}", h.coverage)).collect();
            let query = index.read(&case.say[0]);
            let heading_cover = |h: &crate::knowledge::Hit<'_>| {
                let heading = h.chunk.heading.clone().unwrap_or_else(|| h.chunk.page_title.clone());
                let terms = crate::knowledge::tokenize::terms(&heading);
                let got: f64 = terms
                    .iter()
                    .map(|t| {
                        query
                            .groups
                            .iter()
                            .filter(|g| g.group.kind == crate::knowledge::query::GroupKind::Topic)
                            .flat_map(|g| &g.group.alternatives)
                            .filter(|a| a.stems.contains(t))
                            .map(|a| a.factor)
                            .fold(0.0, f64::max)
                    })
                    .sum();
                (heading, if terms.is_empty() { 0.0 } else { got / terms.len() as f64 })
            };
            let head = hits.first().map(heading_cover).unwrap_or_default();
            println!(
                "{:>8} {:8} rank {rank} cov [{}] head {:.2} {:?} | {}",
                case.expect.name(),
                case.id,
                top.join(" "),
                head.1,
                head.0,
                case.say[0]
            );
            // `EVAL_VERBOSE=1`: each topic word's weight and what the expected section credits it.
            if std::env::var_os("EVAL_VERBOSE").is_some() {
                if let Some(h) = case.page.as_deref().and_then(|p| hits.iter().find(|h| routed_to(&h.chunk.url, p))) {
                    for (g, c) in query.groups.iter().zip(&h.credits) {
                        if g.group.kind == crate::knowledge::query::GroupKind::Topic {
                            let alts: Vec<String> =
                                g.group.alternatives.iter().skip(1).take(6).map(|a| format!("{:?}", a.stems)).collect();
                            println!(
                                "           {:>14} w {:.2} credit {:.2}  [{}]",
                                g.group.said,
                                g.weight,
                                c,
                                alts.join(" ")
                            );
                        }
                    }
                }
            }
        }
    }
}
