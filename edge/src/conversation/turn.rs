//! A message's and a click's turn: decide, then carry the decision out — answering from the
//! content, asking for what is missing, or running actions behind the guards, logging every run
//! and keeping the conversation's state (lead, verification, unfinished action) in the record,
//! which the API stores together with the replies (`api::exchange::finish`). The owner's
//! handoff rules are asked after deciding (what the message says) and after carrying out (what
//! happened); while a human has the conversation, the AI does not answer. With `[llm]`, a
//! message nothing waits for is the model's to decide (`model_turn`); every step either engine
//! decides goes through [`carry_out`].

use super::model_turn::{self, Decided};
use super::{Deps, Visitor};
use crate::actions::execute::{ErrorClass, RunStatus};
use crate::actions::runner::{verification_ttl_ms, visitor_run, Asked};
use crate::agent::cards::{button_card, form_card, lead_card};
use crate::agent::engine::{AnswerEngine, Question, Reply};
use crate::agent::planner::{Awaiting, Facts, Pending, Planner, Step};
use crate::agent::smalltalk;
use crate::handoff::{self, rules};
use crate::store::{ConversationRecord, StoreError};
use crate::values::conversation_values;
use shared::action::InputFormat;
use shared::markdown;
use shared::site::{LeadTiming, SiteBundle};
use shared::template::{TemplateVar, Values};
use shared::{ActionOutcome, ActionStatus, ButtonAct, ButtonCard, Message, MessageId};
use std::collections::BTreeMap;

/// Steps carried out in one turn at most (email → code sent → verified → confirm…).
const MAX_STEPS: usize = 4;

/// What the edge knows about the conversation, as the planner sees it.
pub(super) fn facts_of(site: &SiteBundle, record: &ConversationRecord, now_ms: u64) -> Facts {
    Facts {
        lead_email: record.lead.email.clone(),
        verified: record.verified_at(now_ms, verification_ttl_ms(site)),
        identity_verified: record.identity_verified(now_ms),
        email_signed: record.email_signed(now_ms),
        // An unfinished action stored by an older version that no longer parses is forgotten.
        pending: record.pending.clone(),
    }
}

/// Replies to the visitor's message (whose unmasked text is `text`), updating `record`.
pub(super) async fn message<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    visitor: Visitor<'_>,
    text: &str,
    history: &[Message],
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let Visitor { message, address } = visitor;
    if !record.status.ai_answers() {
        return handoff::while_with_human(deps, record, now_ms).await;
    }
    let planner = planner(deps);
    let coverage = deps.engine().coverage(text);
    // What the conversation waits for (a value, a confirmation, the email) is the edge's to
    // read, whichever engine answers; anything else is the model's to decide, when there is one.
    let awaited = planner.awaited(text, &facts_of(deps.site(), record, now_ms), coverage);
    let model = deps.site().agent.llm.as_ref().filter(|_| awaited.is_none());
    let (step, learned) =
        awaited.unwrap_or_else(|| planner.plan(text, &facts_of(deps.site(), record, now_ms), coverage));
    if let Some(email) = learned.lead_email {
        // A typed address clears any verification of another one; a signed one is kept.
        record.set_lead_email(email);
    }
    if let Some(config) = deps.site().agent.handoff.as_ref() {
        record.streaks.negative = if rules::is_negative(text) { record.streaks.negative + 1 } else { 0 };
        // What the message says decides before anything is answered or run.
        if let Some(reason) = rules::on_message(config, text, record.streaks.negative) {
            return handoff::hand_off(deps, record, reason, message, &[], now_ms).await;
        }
    }
    let mut outcome = rules::Outcome::default();
    let said = Said { visitor: message, address, text, history, now_ms };
    let decided = match model {
        Some(config) => model_turn::decide(deps, record, config, &said, &mut outcome).await?,
        None => Decided::FallBack,
    };
    let mut replies = match decided {
        Decided::Replies(replies) => replies,
        // No model, or it failed before anything happened: the built-in engine's decision.
        Decided::FallBack => {
            let facts = facts_of(deps.site(), record, now_ms);
            carry_out(deps, record, facts, &said, step, &mut outcome).await?.0
        }
    };
    if replies.iter().all(|r| r.form.is_none()) {
        replies.extend(lead_due(deps.site(), record, history, text));
    }
    after_turn(deps, record, message, replies, &outcome, now_ms).await
}

/// Asks the handoff rules about what the turn produced, keeping the "I don't know" streak, and
/// hands off if they say so (the visitor sees the turn's replies, then the handoff message).
pub(super) async fn after_turn<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    visitor: &Message,
    mut replies: Vec<Reply>,
    outcome: &rules::Outcome,
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let Some(config) = deps.site().agent.handoff.as_ref() else { return Ok(replies) };
    record.streaks.unanswered = match (outcome.unanswered, outcome.small_talk) {
        (true, _) => record.streaks.unanswered + 1,
        (false, true) => record.streaks.unanswered,
        (false, false) => 0,
    };
    if let Some(reason) = rules::on_outcome(config, outcome, record.streaks.unanswered) {
        let told = handoff::hand_off(deps, record, reason, visitor, &replies, now_ms).await?;
        replies.extend(told);
    }
    Ok(replies)
}

/// Replies to a click on `button`, shown in the message `shown_in`.
pub(super) async fn click<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    who: Visitor<'_>,
    (button, shown_in): (&ButtonCard, &MessageId),
    history: &[Message],
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let Visitor { message: visitor, address } = who;
    if !record.status.ai_answers() {
        return handoff::while_with_human(deps, record, now_ms).await;
    }
    let planner = planner(deps);
    let facts = facts_of(deps.site(), record, now_ms);
    // Confirm and Cancel act only on the action they were shown for and only while it waits; a
    // Confirm only from the latest prompt that asked, since an older prompt for the same action
    // showed other values (Cancel from any of them cancels: nothing is sent).
    let latest_prompt =
        history.iter().rev().find(|m| m.buttons.iter().any(|b| matches!(b.does, ButtonAct::Confirm(_)))).map(|m| &m.id);
    let from_latest = latest_prompt == Some(shown_in);
    let waiting =
        |action: &str| facts.pending.clone().filter(|p| p.action == action && p.awaiting == Awaiting::Confirmation);
    let keep = facts.pending.clone();
    let step = match &button.does {
        ButtonAct::Reply(text) => return message(deps, record, who, text, history, now_ms).await,
        ButtonAct::Run(action) => planner.advance(
            Pending { action: action.clone(), inputs: BTreeMap::new(), awaiting: Awaiting::Nothing, resume: None },
            &facts,
        ),
        ButtonAct::Confirm(action) => match waiting(action) {
            Some(p) if from_latest => Step::Run { action: p.action, inputs: p.inputs, then: None },
            // The prompt's buttons come again, for the request that waits (shown just above).
            Some(_) => Step::Say {
                text: "That button was for an earlier request, so nothing was run. To go ahead with the latest one, \
                       confirm here."
                    .into(),
                pending: keep,
            },
            None => Step::Say {
                text: "That is no longer waiting for your confirmation, so nothing was run.".into(),
                pending: keep,
            },
        },
        ButtonAct::Cancel(action) => match waiting(action) {
            Some(_) => Step::Say { text: "OK, I've cancelled that. Nothing was changed.".into(), pending: None },
            None => Step::Say { text: "There is nothing waiting to be cancelled.".into(), pending: keep },
        },
        ButtonAct::OpenUrl(_) => Step::Say { text: "That button opens a page in your browser.".into(), pending: keep },
    };
    let mut outcome = rules::Outcome::default();
    let said = Said { visitor, address, text: &visitor.text, history, now_ms };
    let replies = carry_out(deps, record, facts, &said, step, &mut outcome).await?.0;
    after_turn(deps, record, visitor, replies, &outcome, now_ms).await
}

/// After the lead form: the action that waited for the email goes on (no replies if none waited).
pub(super) async fn resume_after_lead<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    Visitor { message: visitor, address }: Visitor<'_>,
    now_ms: u64,
) -> Result<Vec<Reply>, StoreError> {
    let facts = facts_of(deps.site(), record, now_ms);
    // While a human has the conversation, the contact details are kept and nothing runs.
    let resumes = record.status.ai_answers().then_some(()).and(facts.pending.clone());
    match resumes.filter(|p| p.awaiting == Awaiting::LeadEmail && facts.lead_email.is_some()) {
        Some(pending) => {
            let step = planner(deps).advance(pending, &facts);
            let mut outcome = rules::Outcome::default();
            let said = Said { visitor, address, text: &visitor.text, history: &[], now_ms };
            let replies = carry_out(deps, record, facts, &said, step, &mut outcome).await?.0;
            after_turn(deps, record, visitor, replies, &outcome, now_ms).await
        }
        None => Ok(Vec::new()),
    }
}

/// The visitor's side of one turn: their stored message, their address, its text as typed
/// (unmasked, used for this turn only), the messages before it, and the time.
pub(super) struct Said<'a> {
    pub visitor: &'a Message,
    pub address: Option<&'a str>,
    pub text: &'a str,
    pub history: &'a [Message],
    pub now_ms: u64,
}

/// An action run a step carried out, as an engine that goes on after it needs to know it.
#[derive(Debug, Clone)]
pub(super) struct Ran {
    /// The edge's run succeeded.
    pub ok: bool,
    /// What it returned (the selected fields, credentials dropped).
    pub data: Option<serde_json::Value>,
    /// The owner's `response.reply` template wrote the reply.
    pub templated: bool,
    /// Something waits or follows (a code to type, the action verification resumes).
    pub continues: bool,
}

/// The planner over this edge's site and actions.
pub(super) fn planner<D: Deps>(deps: &D) -> Planner<'_> {
    Planner { site: deps.site(), intents: deps.intents() }
}

/// Carries out `step` and what follows from it in this turn, keeping the state in `record` (the
/// caller stores it with the replies, `api::exchange::finish`);
/// notes in `outcome` what the handoff rules read (failures, `handoff_when`, "I don't know").
/// Returns the replies and the last action run, if any.
pub(super) async fn carry_out<D: Deps>(
    deps: &D,
    record: &mut ConversationRecord,
    mut facts: Facts,
    said: &Said<'_>,
    mut step: Step,
    outcome: &mut rules::Outcome,
) -> Result<(Vec<Reply>, Option<Ran>), StoreError> {
    let Said { visitor, address, text, history, now_ms } = *said;
    let planner = planner(deps);
    let mut replies = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut ran = None;
    for _ in 0..MAX_STEPS {
        match step {
            Step::Answer => {
                let answers = deps.engine().reply(Question { text, history }).await;
                // Small talk is not a question left unanswered.
                outcome.small_talk = smalltalk::classify(text).is_some();
                outcome.unanswered = !outcome.small_talk && answers.iter().all(|r| !r.grounded);
                let unanswered = outcome.unanswered;
                replies.extend(answers.into_iter().map(|r| Reply { unanswered, ..r }));
                break;
            }
            Step::ShowForm { action } => {
                let Some(def) = deps.site().action(&action) else { break };
                let values = conversation_values(deps.site(), record, text);
                let text = def
                    .description
                    .clone()
                    .map_or_else(|| "Please fill in this form.".into(), |d| format!("{d} Please fill in this form."));
                replies.push(Reply { form: def.form().map(|f| form_card(&def.slug, f, &values)), ..Reply::say(text) });
                break;
            }
            Step::ShowButton { action } => {
                let Some(def) = deps.site().action(&action) else { break };
                let text = def.description.clone().unwrap_or_else(|| def.name.clone());
                replies.push(Reply { buttons: button_card(def, 0, None).into_iter().collect(), ..Reply::say(text) });
                break;
            }
            Step::Say { text: said, pending: next } => {
                let mut reply = Reply::say(said);
                match next.as_ref().map(|p| (&p.awaiting, p.action.clone())) {
                    Some((Awaiting::Confirmation, action)) => {
                        reply.buttons = vec![
                            ButtonCard {
                                id: "b0".into(),
                                label: "Confirm".into(),
                                does: ButtonAct::Confirm(action.clone()),
                            },
                            ButtonCard { id: "b1".into(), label: "Cancel".into(), does: ButtonAct::Cancel(action) },
                        ];
                    }
                    Some((Awaiting::LeadEmail, _)) => {
                        reply.form = lead_card(deps.site(), &conversation_values(deps.site(), record, text));
                    }
                    _ => {}
                }
                replies.push(reply);
                pending = next;
                break;
            }
            Step::Run { action, inputs, then } => {
                let Some(def) = deps.site().action(&action) else { break };
                let values = conversation_values(deps.site(), record, text);
                let asked = Asked { message: &visitor.id, address };
                let run = visitor_run(deps, record, asked, def, &inputs, values, now_ms).await?;
                ran = Some(Ran {
                    ok: run.status == RunStatus::Ok,
                    data: run.data.clone(),
                    templated: run.reply.is_some(),
                    continues: then.is_some(),
                });
                let reported =
                    |status, reason: Option<String>| ActionOutcome { name: def.name.clone(), status, reason };
                match run.status {
                    RunStatus::Ok => {
                        if run.handoff {
                            outcome.action_result = Some(def.name.clone());
                        }
                        if def.http().is_some_and(|h| h.verifies) {
                            // The runner bound the verification to the record.
                            facts.verified = true;
                        }
                        let text = run.reply.clone().unwrap_or_else(|| summarize(&def.name, run.data.as_ref()));
                        replies.push(say(text, Some(reported(ActionStatus::Ok, None))));
                        match then {
                            Some(next) if next.awaiting == Awaiting::Nothing => {
                                step = planner.advance(next, &facts);
                                continue;
                            }
                            next => pending = next,
                        }
                    }
                    RunStatus::Failed
                        if def.http().is_some_and(|h| h.verifies)
                            && matches!(run.error_class, Some(ErrorClass::Http4xx | ErrorClass::ConditionFailed)) =>
                    {
                        // A wrong code: ask again (the check action's rate limit bounds guessing).
                        outcome.verification_failed = Some(def.name.clone());
                        replies.push(say(
                            "That code didn't work. Please check the email and send the code again.".into(),
                            Some(reported(ActionStatus::Failed, Some(run.visitor_reason()))),
                        ));
                        let code = def.inputs().first().map(|i| i.name.clone()).unwrap_or_default();
                        pending = facts.pending.clone().filter(|p| def.slug == p.action).map(|p| Pending {
                            awaiting: Awaiting::Input(code),
                            inputs: BTreeMap::new(),
                            ..p
                        });
                    }
                    RunStatus::Failed if run.declined_by_service().is_some() => {
                        // The owner's API answered and said what is wrong (not found, invalid):
                        // told as what it means, and no failed action to hand off for.
                        let meaning = run.declined_by_service().unwrap_or_default();
                        replies.push(say(
                            format!("**{}**: {meaning}", def.name),
                            Some(reported(ActionStatus::Failed, Some(meaning.to_string()))),
                        ))
                    }
                    RunStatus::Failed => {
                        outcome.action_failed = Some(def.name.clone());
                        replies.push(say(
                            format!(
                                "I couldn't complete **{}**: {}. Please try again in a moment; if it keeps failing, our support team can help.",
                                def.name,
                                run.visitor_reason()
                            ),
                            Some(reported(ActionStatus::Failed, Some(run.visitor_reason()))),
                        ))
                    }
                    RunStatus::Refused if run.error_class == Some(ErrorClass::WrongCodeLimit) => {
                        outcome.verification_failed = Some(def.name.clone());
                        replies.push(say(
                            "That's too many wrong codes. For your security, code checks are paused for up to an hour. \
                             Our support team can help in the meantime."
                                .into(),
                            Some(reported(ActionStatus::Refused, Some(run.visitor_reason()))),
                        ))
                    }
                    RunStatus::Refused => replies.push(say(
                        format!("I can't do **{}** right now: {}.", def.name, run.visitor_reason()),
                        Some(reported(ActionStatus::Refused, Some(run.visitor_reason()))),
                    )),
                }
                break;
            }
        }
    }
    record.pending = pending;
    Ok((replies, ran))
}

/// With `[lead] ask = "after_messages"`: the lead form, once, after that many visitor messages
/// (this one included) while the email is unknown.
fn lead_due(site: &SiteBundle, record: &ConversationRecord, history: &[Message], text: &str) -> Option<Reply> {
    let lead = site.agent.lead.as_ref()?;
    let after = lead.after_messages.filter(|_| lead.ask == LeadTiming::AfterMessages)?;
    let sent = history.iter().filter(|m| m.author == shared::Author::Visitor).count() + 1;
    if record.lead.email.is_some() || sent != after as usize {
        return None;
    }
    let values = Values::from([(TemplateVar::MessageContent, text.to_string())]);
    Some(Reply {
        form: lead_card(site, &values),
        ..Reply::say("So that our team can follow up if needed, could you leave your contact details?")
    })
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
        // The API's words are data: a value cannot make a link or markup in the AI's message.
        let value: String = value.chars().take(200).collect();
        text.push_str(&format!("\n- {}: {}", markdown::escape(&key.replace('_', " ")), markdown::escape(&value)));
    }
    text
}

pub(super) fn say(text: String, action: Option<ActionOutcome>) -> Reply {
    Reply { action, ..Reply::say(text) }
}

/// Whether the conversation waits for a one-time code (its digits are then masked when stored).
pub fn awaits_code(site: &SiteBundle, pending: Option<&Pending>) -> bool {
    let Some(p) = pending else { return false };
    let Awaiting::Input(name) = &p.awaiting else { return false };
    site.action(&p.action)
        .and_then(|a| a.inputs().iter().find(|i| &i.name == name))
        .is_some_and(|i| i.format == InputFormat::Otp)
}

#[cfg(test)]
mod tests {
    use super::summarize;
    use crate::api::tests_buttons_lead::links_in;
    use serde_json::json;

    #[test]
    fn an_apis_values_listed_by_the_ai_make_no_link_and_no_item() {
        let data = json!({"status": "[All good](https://evil.example)", "**note**": "x\n- fake item"});
        let text = summarize("Lookup", Some(&data));
        assert_eq!(links_in(&text), Vec::<String>::new(), "{text}");
        assert_eq!(text.matches("\n- ").count(), 2, "one item per field, none injected: {text}");
        assert!(!text.contains("**note**"), "{text}");
    }
}
