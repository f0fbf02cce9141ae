//! One conversation turn of the built-in agent: plan, then carry the plan out — answering from
//! the content, asking for what is missing, or running actions behind the guards, logging every
//! run and keeping the conversation's state (lead, verification, unfinished action).

use super::engine::{AnswerEngine, Question, Reply};
use super::planner::{Awaiting, Facts, Pending, Planner, Step};
use super::sentiment::sentiment;
use crate::actions::execute::{self, ActionRun, ErrorClass, Network, RunContext, RunStatus};
use crate::actions::guard::{self, GuardState};
use crate::actions::render::secret_names;
use crate::api::Edge;
use crate::store::{ActionLogStore, ConversationRecord, ConversationStore, StoreError};
use shared::action::{ActionDef, InputFormat};
use shared::template::{TemplateVar, Values};
use shared::{ActionOutcome, ActionStatus, Message};
use std::collections::BTreeMap;

/// Steps carried out in one turn at most (email → code sent → verified → confirm…).
const MAX_STEPS: usize = 4;
const HOUR_MS: u64 = 3_600_000;

/// Replies to the visitor's message `visitor` (whose unmasked text is `text`), updating `record`.
pub async fn respond<S, E, R, N>(
    edge: &Edge<'_, S, E, R, N>,
    record: &mut ConversationRecord,
    visitor: &Message,
    text: &str,
    history: &[Message],
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError>
where
    S: ConversationStore + ActionLogStore,
    E: AnswerEngine,
    N: Network,
{
    let planner = Planner { site: edge.site, intents: edge.actions.intents };
    let mut facts = Facts {
        lead_email: record.lead.email.clone(),
        verified: record.verified,
        identity_verified: record.identity_verified,
        pending: record.pending.as_deref().and_then(|p| serde_json::from_str(p).ok()),
    };
    let (mut step, learned) = planner.plan(text, &facts, edge.engine.coverage(text));
    if let Some(email) = learned.lead_email {
        record.lead.email = Some(email.clone());
        facts.lead_email = Some(email);
    }
    let mut replies = Vec::new();
    let mut pending: Option<Pending> = None;
    for _ in 0..MAX_STEPS {
        match step {
            Step::Answer => {
                replies.extend(edge.engine.reply(Question { text, history }).await);
                break;
            }
            Step::ShowForm { action } => {
                let Some(def) = edge.site.action(&action) else { break };
                let values = conversation_values(edge, record, text);
                replies.push(Reply {
                    text: def.description.clone().map_or_else(
                        || "Please fill in this form.".into(),
                        |d| format!("{d} Please fill in this form."),
                    ),
                    sources: Vec::new(),
                    grounded: false,
                    action: None,
                    form: form_card(def, &values),
                });
                break;
            }
            Step::Say { text, pending: next } => {
                replies.push(say(text, None));
                pending = next;
                break;
            }
            Step::Run { action, inputs, then } => {
                let Some(def) = edge.site.action(&action) else { break };
                let run = run_guarded(edge, record, visitor, text, def, &inputs, now_ms).await?;
                let outcome = |status, reason: Option<String>| ActionOutcome { name: def.name.clone(), status, reason };
                match run.status {
                    RunStatus::Ok => {
                        if def.verifies {
                            record.verified = true;
                            facts.verified = true;
                        }
                        let text = run.reply.clone().unwrap_or_else(|| summarize(&def.name, run.data.as_ref()));
                        replies.push(say(text, Some(outcome(ActionStatus::Ok, None))));
                        match then {
                            Some(next) if next.awaiting == Awaiting::Nothing => {
                                step = planner.advance(next, &facts);
                                continue;
                            }
                            next => pending = next,
                        }
                    }
                    RunStatus::Failed if def.verifies && run.error_class == Some(ErrorClass::Http4xx) => {
                        // A wrong code: ask again (the check action's rate limit bounds guessing).
                        replies.push(say(
                            "That code didn't work. Please check the email and send the code again.".into(),
                            Some(outcome(ActionStatus::Failed, Some(run.summary.clone()))),
                        ));
                        let code = def.inputs.first().map(|i| i.name.clone()).unwrap_or_default();
                        pending = facts.pending.clone().filter(|p| p.action == def.slug()).map(|p| Pending {
                            awaiting: Awaiting::Input(code),
                            inputs: BTreeMap::new(),
                            ..p
                        });
                    }
                    RunStatus::Failed => replies.push(say(
                        format!(
                            "I couldn't complete **{}**: {}. Please try again in a moment; if it keeps failing, our support team can help.",
                            def.name, run.summary
                        ),
                        Some(outcome(ActionStatus::Failed, Some(run.summary.clone()))),
                    )),
                    RunStatus::Refused => replies.push(say(
                        format!("I can't do **{}** right now: {}.", def.name, run.summary),
                        Some(outcome(ActionStatus::Refused, Some(run.summary.clone()))),
                    )),
                }
                break;
            }
        }
    }
    record.pending = pending.and_then(|p| serde_json::to_string(&p).ok());
    edge.store.save_state(record).await?;
    Ok(replies)
}

/// Without a reply template: the selected fields as a list, so the visitor sees what came back.
fn summarize(name: &str, data: Option<&serde_json::Value>) -> String {
    let Some(serde_json::Value::Object(fields)) = data else { return format!("Done: {name}.") };
    let mut text = format!("Here's what **{name}** returned:");
    for (key, value) in fields.iter().take(12) {
        let value = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!("\n- {}: {}", key.replace('_', " "), value.chars().take(200).collect::<String>()));
    }
    text
}

fn say(text: String, action: Option<ActionOutcome>) -> Reply {
    Reply { text, sources: Vec::new(), grounded: false, action, form: None }
}

/// The fixed template variables of this conversation and message.
pub fn conversation_values<S, E, R, N>(edge: &Edge<'_, S, E, R, N>, record: &ConversationRecord, text: &str) -> Values {
    let mut values = Values::new();
    values.insert(TemplateVar::ConversationId, record.id.to_string());
    values.insert(TemplateVar::ConversationChannel, "web".into());
    values.insert(TemplateVar::MessageContent, text.to_string());
    values.insert(TemplateVar::MessageSentiment, sentiment(text).into());
    values.insert(TemplateVar::AgentId, edge.site.agent.site_id.clone());
    if let Some(u) = &record.user_id {
        values.insert(TemplateVar::ConversationUserId, u.clone());
    }
    if let Some(e) = &record.lead.email {
        values.insert(TemplateVar::LeadEmail, e.clone());
    }
    if let Some(n) = &record.lead.name {
        values.insert(TemplateVar::LeadName, n.clone());
    }
    values
}

/// The card a form action shows: visible fields, with defaults filled from the conversation
/// (a default whose value is unknown is left empty).
pub fn form_card(action: &ActionDef, values: &Values) -> Option<shared::FormCard> {
    let form = action.form.as_ref()?;
    let fields = form
        .fields
        .iter()
        .filter(|f| f.kind != shared::form::FieldKind::Hidden)
        .map(|f| {
            let mut f = f.clone();
            f.default = f.default.as_deref().and_then(|d| {
                shared::template::Template::parse(d).ok()?.render(values, shared::template::Encoding::Raw).ok()
            });
            f
        })
        .collect();
    Some(shared::FormCard {
        action: action.slug(),
        title: form.title.clone(),
        submit_label: form.submit_label.clone(),
        fields,
    })
}

/// Guards, values, the run itself and its log entry.
pub async fn run_guarded<S, E, R, N>(
    edge: &Edge<'_, S, E, R, N>,
    record: &ConversationRecord,
    visitor: &Message,
    text: &str,
    action: &ActionDef,
    inputs: &BTreeMap<String, String>,
    now_ms: u64,
) -> Result<ActionRun, StoreError>
where
    S: ConversationStore + ActionLogStore,
    N: Network,
{
    let slug = action.slug();
    let mut values = conversation_values(edge, record, text);
    let since = now_ms.saturating_sub(HOUR_MS);
    let state = GuardState {
        verified: record.verified,
        identity_verified: record.identity_verified,
        conversation_runs_last_hour: edge.store.count_runs_since(&slug, Some(&record.id), since).await?,
        action_runs_last_hour: edge.store.count_runs_since(&slug, None, since).await?,
    };
    let refused =
        |summary: String| ActionRun::not_sent(slug.clone(), RunStatus::Refused, Some(ErrorClass::Guard), summary);
    let run = match guard::check(action, inputs, &values, state) {
        Err(refusal) => refused(refusal.to_string()),
        Ok(clean) => {
            for (name, value) in clean {
                values.insert(TemplateVar::Input(name), value);
            }
            let missing: Vec<String> =
                secret_names(action).into_iter().filter(|n| !edge.actions.secrets.contains_key(n)).collect();
            if let Some(name) = missing.first() {
                refused(format!("the secret {name} is not set on the edge"))
            } else {
                for name in secret_names(action) {
                    values.insert(TemplateVar::Secret(name.clone()), edge.actions.secrets[&name].clone());
                }
                let ctx = RunContext {
                    network: edge.actions.network,
                    policy: edge.actions.policy,
                    tokens: edge.actions.tokens,
                    // The same visitor message (a client retry) gives the same key.
                    idempotency_seed: format!("{}:{}", record.id, visitor.id),
                };
                execute::run(&ctx, action, &values).await
            }
        }
    };
    edge.store.record_run(now_ms, Some(&record.id), &run, true, false).await?;
    Ok(run)
}

/// Whether the conversation waits for a one-time code (its digits are then masked when stored).
pub fn awaits_code(site: &shared::site::SiteBundle, pending: Option<&str>) -> bool {
    let Some(p) = pending.and_then(|p| serde_json::from_str::<Pending>(p).ok()) else { return false };
    let Awaiting::Input(name) = &p.awaiting else { return false };
    site.action(&p.action)
        .and_then(|a| a.inputs.iter().find(|i| &i.name == name))
        .is_some_and(|i| i.format == InputFormat::Otp)
}
