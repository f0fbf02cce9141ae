//! The built-in agent's decisions for one visitor message, as a pure function of the message and
//! what the edge knows: answer from the content, ask for a missing value, ask to confirm, or run
//! an action. It never runs anything itself; the turn (`turn.rs`) executes, behind the guards.

use super::intent::{extract, extract_email, ActionIndex, MIN_ACTION_COVERAGE};
use shared::action::{ActionDef, ActionKind, InputDef, InputFormat};
use shared::site::SiteBundle;
use shared::template::TemplateVar;
use std::collections::BTreeMap;

pub use crate::pending::{Awaiting, Pending};

/// What the edge knows about the conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The lead's email, if known.
    pub lead_email: Option<String>,
    /// Verified by the owner's verification action.
    pub verified: bool,
    /// Identified by the host page with a valid `user_hash` or JWT.
    pub identity_verified: bool,
    /// The lead email is signed by the host page (a JWT's claim).
    pub email_signed: bool,
    /// The unfinished action.
    pub pending: Option<Pending>,
}

/// The decision for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Answer from the owner's content (any unfinished action is dropped).
    Answer,
    /// Say this and wait.
    Say {
        /// Markdown text.
        text: String,
        /// What to wait for next (None: nothing pending).
        pending: Option<Pending>,
    },
    /// Show a form action's form.
    ShowForm {
        /// The form action's slug.
        action: String,
    },
    /// Offer a button action's button.
    ShowButton {
        /// The button action's slug.
        action: String,
    },
    /// Run an action now.
    Run {
        /// Its slug.
        action: String,
        /// Its inputs.
        inputs: BTreeMap<String, String>,
        /// What follows a successful run (waiting for a value, or resuming).
        then: Option<Pending>,
    },
}

/// A learned fact to store along with the step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    /// An email address the visitor gave for their account.
    pub lead_email: Option<String>,
}

/// Plans with the site's actions and a way to ask how well the content answers a question.
pub struct Planner<'a> {
    /// The site.
    pub site: &'a SiteBundle,
    /// The actions, indexed.
    pub intents: &'a ActionIndex,
}

const YES: &[&str] =
    &["yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "please", "proceed", "go"];
const NO: &[&str] = &["no", "n", "nope", "cancel", "stop", "don't", "dont", "abort", "nah"];

fn answer_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

impl Planner<'_> {
    fn action(&self, slug: &str) -> Option<&ActionDef> {
        self.site.action(slug).filter(|a| a.enabled)
    }

    /// What `text` means for what the conversation waits for (a value, a confirmation, the email),
    /// if it answers it; `None` when nothing waits or the visitor moved on to something else.
    pub fn awaited(&self, text: &str, facts: &Facts, coverage: f64) -> Option<(Step, Learned)> {
        let mut learned = Learned::default();
        let pending = facts.pending.clone()?;
        match pending.awaiting.clone() {
            Awaiting::Confirmation => {
                let words = answer_words(text);
                if words.len() <= 4 && words.iter().any(|w| NO.contains(&w.as_str())) {
                    return Some((
                        Step::Say { text: "OK, I've cancelled that. Nothing was changed.".into(), pending: None },
                        learned,
                    ));
                }
                if words.len() <= 4 && words.iter().any(|w| YES.contains(&w.as_str())) {
                    return Some((Step::Run { action: pending.action, inputs: pending.inputs, then: None }, learned));
                }
            }
            Awaiting::LeadEmail => {
                if let Some(email) = extract_email(text) {
                    learned.lead_email = Some(email.clone());
                    let facts = Facts { lead_email: Some(email), ..facts.clone() };
                    return Some((self.advance(pending, &facts), learned));
                }
                if !self.is_new_topic(text, coverage) {
                    let again = "That doesn't look like an email address. What's the email address on your account?";
                    return Some((Step::Say { text: again.into(), pending: Some(pending) }, learned));
                }
            }
            Awaiting::Input(name) => {
                if let Some(input) =
                    self.action(&pending.action).and_then(|a| a.inputs().iter().find(|i| i.name == name))
                {
                    if let Some(value) = extract(input, text) {
                        let mut next = pending.clone();
                        // The other values the same message gives ("ORD-20931, zip code 10001"
                        // when asked for the order number) are taken too, not asked for again.
                        let action = self.action(&pending.action).map(ActionDef::inputs).unwrap_or_default();
                        let given: Vec<(String, String)> = action
                            .iter()
                            .filter(|i| i.name != name && !next.inputs.contains_key(&i.name))
                            .filter(|i| i.format != InputFormat::Text || i.pattern.is_some())
                            .filter_map(|i| extract(i, text).filter(|v| *v != value).map(|v| (i.name.clone(), v)))
                            .collect();
                        next.inputs.extend(given);
                        next.inputs.insert(name, value);
                        next.awaiting = Awaiting::Nothing;
                        return Some((self.advance(next, facts), learned));
                    }
                    if !self.is_new_topic(text, coverage) {
                        let again =
                            format!("That doesn't look like a valid {}. {}", input.rule().describe(), ask_for(input));
                        return Some((Step::Say { text: again, pending: Some(pending) }, learned));
                    }
                }
            }
            Awaiting::Nothing => return Some((self.advance(pending, facts), learned)),
        }
        None
    }

    /// Decides what to do with `text`. `coverage` says how well the owner's content covers it.
    pub fn plan(&self, text: &str, facts: &Facts, coverage: f64) -> (Step, Learned) {
        if let Some(decided) = self.awaited(text, facts, coverage) {
            return decided;
        }
        let mut learned = Learned::default();
        // A fresh request: an action if the message carries a value of a distinctive shape one needs
        // (a transaction hash, an address, an owner's reference format), or asks for one more than
        // the content answers it.
        // Values are not words: "whitelist 0x5290…" asks as clearly as "whitelist".
        let words = self.without_values(text);
        let by_words = self
            .intents
            .best(&words)
            // A request ("please reset my 2FA", "can you check on my withdrawal?") and a question
            // about the visitor's own record ("what's my verification status?") act; another
            // question acts only if the content covers it less.
            .filter(|(_, c)| {
                *c >= MIN_ACTION_COVERAGE
                    && (*c > coverage || !is_question(text) || asks_the_agent(text) || asks_about_own(text))
            })
            .and_then(|(slug, c)| self.action(slug).map(|a| (a, c)));
        // A request to the agent that names one action by a word of its own ("can you refill my
        // blood pressure pills"): the visitor's details need not be in the action's words.
        let named =
            asks_the_agent(text).then(|| self.intents.named(&words)).flatten().and_then(|slug| self.action(slug));
        // A request that names what to do beats a value that only says which thing ("could you
        // move RFC-118406 to Friday" moves it; "RFC-118406?" alone looks it up).
        let by_rule = match (by_words, named) {
            (None, Some(named)) => Some(named),
            _ => self.by_value(text, &words, by_words).or(by_words.map(|(a, _)| a)),
        };
        // A question about the visitor's own record ("when is my next appointment?") is read by
        // the one read action whose name says what it is about.
        let own = || asks_about_own(text).then(|| self.read_named_by(&words)).flatten();
        if let Some(action) = by_rule.or(named).or_else(own) {
            let named = named.filter(|n| n.slug == action.slug);
            let mut inputs: BTreeMap<String, String> = action
                .inputs()
                .iter()
                .filter(|i| i.format != InputFormat::Text || i.pattern.is_some() || !i.options.is_empty())
                .filter_map(|i| extract(i, text).map(|v| (i.name.clone(), v)))
                .collect();
            // A request that names its action names the thing too ("refill my metformin"): the
            // value of the action's one free-text input (a write shows it in its Confirm).
            let free: Vec<&InputDef> = action
                .inputs()
                .iter()
                .filter(|i| i.format == InputFormat::Text && i.pattern.is_none() && i.options.is_empty())
                .collect();
            if let ([input], true) = (free.as_slice(), named.is_some()) {
                let value = self.intents.object_after_name(&action.slug, &words);
                if let Some(value) = value.and_then(|v| shared::action::validate_input(input, &v).ok()) {
                    inputs.insert(input.name.clone(), value);
                }
            }
            // "I don't have the transaction hash": asking for it would go nowhere; the help
            // pages say what to do without it.
            if action.inputs().iter().any(|i| i.required && !inputs.contains_key(&i.name) && says_lacking(i, text)) {
                return (Step::Answer, learned);
            }
            if let Some(email) = extract_email(text).filter(|_| facts.lead_email.is_none()) {
                learned.lead_email = Some(email);
            }
            let facts = Facts { lead_email: learned.lead_email.clone().or(facts.lead_email.clone()), ..facts.clone() };
            let pending =
                Pending { action: action.slug.to_string(), inputs, awaiting: Awaiting::Nothing, resume: None };
            return (self.advance(pending, &facts), learned);
        }
        (Step::Answer, learned)
    }

    /// The action a distinctive value in the message names by itself. Only actions that read start
    /// this way: a value alone never changes anything (a write needs to be asked for). Among
    /// several, the one the words point to most wins (the first on a tie), and the words win
    /// outright when they ask for another action more clearly ("I want to return ORD-10482").
    fn by_value(&self, text: &str, words: &str, by_words: Option<(&ActionDef, f64)>) -> Option<&ActionDef> {
        let mut best: Option<(&ActionDef, f64)> = None;
        let reads =
            self.site.actions.iter().filter(|a| {
                a.enabled && !a.internal && a.http().is_some_and(|h| h.scope == shared::action::Scope::Read)
            });
        for action in reads {
            if action.inputs().iter().any(|i| i.rule().is_distinctive() && extract(i, text).is_some()) {
                let score = self.intents.coverage(words, &action.slug);
                if best.is_none_or(|(_, s)| score > s) {
                    best = Some((action, score));
                }
            }
        }
        match (best, by_words) {
            (Some((_, score)), Some((asked, asked_score))) if asked_score > score && asked.slug != best?.0.slug => None,
            (best, _) => best.map(|(a, _)| a),
        }
    }

    /// The one read action a word of whose name the message says, if exactly one.
    fn read_named_by(&self, words: &str) -> Option<&ActionDef> {
        let reads: Vec<&ActionDef> = self
            .intents
            .sharing_a_name_word(words)
            .into_iter()
            .filter_map(|slug| self.action(slug))
            .filter(|a| !a.internal && a.http().is_some_and(|h| h.scope == shared::action::Scope::Read))
            .collect();
        match reads.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The message without the words that are values of some action's input of a distinctive
    /// shape, or of a format no word has (a date, an email or a web address): a value says which
    /// thing, not what to do with it.
    fn without_values(&self, text: &str) -> String {
        let unlike_words = |i: &&InputDef| {
            i.options.is_empty() && matches!(i.format, InputFormat::Date | InputFormat::Email | InputFormat::Url)
        };
        let distinctive: Vec<&InputDef> = self
            .site
            .actions
            .iter()
            .flat_map(|a| a.inputs())
            .filter(|i| i.rule().is_distinctive() || unlike_words(i))
            .collect();
        text.split_whitespace()
            .filter(|w| {
                let w = w.trim_matches(|c: char| ",;()<>\"'.!?:".contains(c));
                !distinctive.iter().any(|i| shared::action::validate_input(i, w).is_ok())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether the message is about something else than the value the agent asked for.
    fn is_new_topic(&self, text: &str, coverage: f64) -> bool {
        let acts = self.intents.best(text).is_some_and(|(_, c)| c >= MIN_ACTION_COVERAGE);
        acts || coverage >= self.site.agent.answering.min_confidence
    }

    /// [`Planner::advance`] for an action the model asked for: a change (a write) always waits
    /// for the visitor's Confirm, whatever `confirm` says, as nothing the visitor said asked for it.
    /// The verification the edge starts on its way is the edge's own flow, and runs.
    pub fn advance_asked_by_model(&self, pending: Pending, facts: &Facts) -> Step {
        let requested = pending.action.clone();
        match self.advance(pending, facts) {
            Step::Run { action, inputs, then } if action == requested => {
                let write = self
                    .action(&action)
                    .and_then(|a| a.http().map(|h| (a, h)))
                    .filter(|(_, h)| h.scope == shared::action::Scope::Write);
                match write {
                    Some((def, http)) => ask_to_confirm(
                        def,
                        http,
                        Pending { action, inputs, awaiting: Awaiting::Nothing, resume: then.map(Box::new) },
                    ),
                    None => Step::Run { action, inputs, then },
                }
            }
            step => step,
        }
    }

    /// The next step towards running `pending`: collect the email, verify, collect inputs,
    /// confirm, run.
    pub fn advance(&self, pending: Pending, facts: &Facts) -> Step {
        let Some(action) = self.action(&pending.action) else {
            return Step::Say { text: "Sorry, that action is no longer available.".into(), pending: None };
        };
        let http = match &action.kind {
            ActionKind::Form(_) => return Step::ShowForm { action: pending.action },
            ActionKind::Button(_) => return Step::ShowButton { action: pending.action },
            ActionKind::Http(http) => http,
        };
        if http.requires.contains(&TemplateVar::LeadEmail) && facts.lead_email.is_none() {
            let text = format!("I can help with that ({}). What's the email address on your account?", action.name);
            return Step::Say { text, pending: Some(Pending { awaiting: Awaiting::LeadEmail, ..pending }) };
        }
        // Mirrors the guard: nothing the visitor says can sign an identity or an email.
        let unsigned = !facts.identity_verified || (!facts.email_signed && action.uses(&TemplateVar::LeadEmail));
        if http.requires_verified_identity && unsigned {
            // Nothing the visitor can say fixes this: let the guard refuse it, on the record.
            return Step::Run { action: pending.action, inputs: pending.inputs, then: None };
        }
        if http.requires_verification && !facts.verified {
            let cfg = &self.site.agent.actions;
            let (Some(send), Some(check)) = (cfg.verification_send.clone(), cfg.verification_check.clone()) else {
                return Step::Say {
                    text: "I can't do that here: identity verification is not set up.".into(),
                    pending: None,
                };
            };
            let code_input =
                self.action(&check).and_then(|c| c.inputs().first()).map(|i| i.name.clone()).unwrap_or_default();
            let resume = Pending { awaiting: Awaiting::Nothing, ..pending };
            return Step::Run {
                action: send,
                inputs: BTreeMap::new(),
                then: Some(Pending {
                    action: check,
                    inputs: BTreeMap::new(),
                    awaiting: Awaiting::Input(code_input),
                    resume: Some(Box::new(resume)),
                }),
            };
        }
        if let Some(missing) = http.inputs.iter().find(|i| i.required && !pending.inputs.contains_key(&i.name)) {
            let text = ask_for(missing);
            return Step::Say {
                text,
                pending: Some(Pending { awaiting: Awaiting::Input(missing.name.clone()), ..pending }),
            };
        }
        if http.confirm && pending.awaiting != Awaiting::Confirmation {
            return ask_to_confirm(action, http, pending);
        }
        let then = pending.resume.map(|r| *r);
        Step::Run { action: pending.action, inputs: pending.inputs, then }
    }
}

/// Asks the visitor to confirm `pending` with the values that will be sent.
fn ask_to_confirm(action: &ActionDef, http: &shared::action::HttpAction, pending: Pending) -> Step {
    let what = action.description.as_deref().unwrap_or("");
    let mut text = format!(
        "Please confirm: **{}**{}{}.",
        action.name,
        if what.is_empty() { "" } else { " — " },
        what.trim_end_matches('.')
    );
    // What will be sent, so the visitor confirms the values and not only the action.
    for input in http.inputs.iter().filter(|i| i.format != InputFormat::Otp) {
        if let Some(value) = pending.inputs.get(&input.name) {
            // The visitor's value is echoed escaped: it cannot make a link in the AI's message.
            let value = shared::markdown::escape(value);
            text.push_str(&format!("\n- {}: {value}", input.description.as_deref().unwrap_or(&input.name)));
        }
    }
    text.push_str("\n\nPress **Confirm** to go ahead or **Cancel** to stop (or reply yes or no).");
    Step::Say { text, pending: Some(Pending { awaiting: Awaiting::Confirmation, ..pending }) }
}

/// Whether a message asks the agent to do something ("can you…", "please…", "I want to…", "give
/// me…"), as a visitor asks a person at a desk; "can I…", "how do I…" and "what do I need to…"
/// ask about the rules.
fn asks_the_agent(text: &str) -> bool {
    const ASKS: &[&str] = &[
        "can you",
        "could you",
        "would you",
        "will you",
        "please",
        "i want to",
        "i'd like to",
        "i would like to",
        "i need to",
        "i need a",
        "i need my",
        "help me",
        "give me",
        "send me",
        "show me",
        "let me",
        // "can I get a refill?" asks for one; "can I get a refund if…" asks the rules, and is
        // still a request for the refund the action starts.
        "can i get a",
        "can i get an",
        "could i get a",
        "can i have a",
        "could i have a",
        "may i have a",
    ];
    const ASKING_ABOUT: &[&str] = &["how", "what", "when", "where", "which", "who", "why"];
    let words = answer_words(text);
    // "What do I need to send you?" asks about the rules, whatever follows.
    if words.first().is_some_and(|w| ASKING_ABOUT.contains(&w.as_str())) {
        return false;
    }
    let padded = format!(" {} ", words.join(" "));
    // "Can I move my appointment?" wants it moved; "can I return a gift card?" asks the rules.
    let for_my_own = matches!(words.as_slice(), [can, i, rest @ ..]
        if matches!(can.as_str(), "can" | "could" | "may") && i == "i" && rest.iter().take(4).any(|w| w == "my"));
    for_my_own || ASKS.iter().any(|a| padded.contains(&format!(" {a} ")))
}

/// Whether a question asks what the visitor's own record says ("what's my verification status?",
/// "when is my next appointment?", "where are my boots?"): help pages answer how things work, not
/// what one account holds.
fn asks_about_own(text: &str) -> bool {
    const ASKING: &[&str] = &["what", "when", "where", "which"];
    const BE: &[&str] = &["is", "are", "was", "were"];
    let text = text.to_lowercase().replace('\u{2019}', "'").replace("'s ", " is ").replace("'re ", " are ");
    match answer_words(&text).as_slice() {
        [wh, be, rest @ ..] if ASKING.contains(&wh.as_str()) && BE.contains(&be.as_str()) => {
            rest.iter().take(3).any(|w| w == "my")
        }
        _ => false,
    }
}

/// Whether the message says the visitor does not have the input's value ("I don't have the
/// transaction hash", "no order number"): a negated word of what the input is.
fn says_lacking(input: &InputDef, text: &str) -> bool {
    use crate::knowledge::tokenize::{negated, terms};
    let said = terms(text);
    let what = format!(
        "{} {} {}",
        input.description.as_deref().unwrap_or(""),
        input.rule().describe(),
        input.name.replace('_', " ")
    );
    terms(&what).iter().any(|stem| said.contains(&negated(stem)))
}

/// Whether a message is phrased as a question rather than a request.
fn is_question(text: &str) -> bool {
    const OPENERS: &[&str] = &[
        "how", "what", "why", "when", "where", "which", "who", "is", "are", "can", "could", "do", "does", "will",
        "should",
    ];
    let t = text.trim();
    t.ends_with('?') || answer_words(t).first().is_some_and(|w| OPENERS.contains(&w.as_str()))
}

/// Asks for an input in the owner's words: its description, what a valid value looks like (the
/// pattern hint, the options, a code's length) and an example.
fn ask_for(input: &InputDef) -> String {
    let mut text = format!("Please send me {}.", input.what());
    if !input.options.is_empty() {
        text.push_str(&format!(" One of: {}.", input.options.join(", ")));
    } else if let Some(hint) = &input.pattern_hint {
        text.push_str(&format!(" It looks like this: {hint}."));
    } else if input.format == InputFormat::Otp {
        text.push_str(&match input.length {
            Some(n) => format!(" It's the {n}-digit code we just sent you."),
            None => " It's the code we just sent you.".into(),
        });
    } else if input.format != InputFormat::Text {
        text.push_str(&format!(" It should be a {}.", input.rule().describe()));
    }
    if let Some(example) = input.examples.first() {
        text.push_str(&format!(" For example: {example}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteBundle {
        crate::test_support::demo_site()
    }

    const TX: &str = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";

    #[test]
    fn a_request_to_the_agent_is_told_from_a_question_about_the_rules() {
        for asks in ["can you refill my pills", "Please cancel it", "I want to return these boots", "give me the link"]
        {
            assert!(asks_the_agent(asks), "{asks}");
        }
        for about in
            ["can I return a gift card?", "how do I cancel?", "What do I need to send you for level 2?", "refill times"]
        {
            assert!(!asks_the_agent(about), "{about}");
        }
    }

    #[test]
    fn a_hash_in_the_message_runs_the_lookup_at_once() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        let (step, _) = p.plan(&format!("where is my deposit {TX}?"), &Facts::default(), 0.3);
        assert!(
            matches!(step, Step::Run { ref action, ref inputs, .. } if action == "get-transaction-status" && inputs["tx_hash"] == TX),
            "{step:?}"
        );
    }

    #[test]
    fn a_value_the_visitor_says_they_do_not_have_is_not_asked_for() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        let asked = "what is the status of my deposit transaction? I don't have the transaction hash";
        assert_eq!(p.plan(asked, &Facts::default(), 0.2).0, Step::Answer);
        let asked = "what is the status of my deposit transaction? I don't know";
        assert!(matches!(p.plan(asked, &Facts::default(), 0.2).0, Step::Say { pending: Some(_), .. }));
    }

    #[test]
    fn asks_for_a_missing_input_then_runs() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        let (step, _) = p.plan("what is the status of my deposit transaction?", &Facts::default(), 0.2);
        let Step::Say { text, pending: Some(pending) } = step else { panic!("{step:?}") };
        assert!(text.contains("transaction hash"), "{text}");
        let facts = Facts { pending: Some(pending), ..Default::default() };
        let (step, _) = p.plan("hmm not sure", &facts, 0.0);
        assert!(
            matches!(step, Step::Say { ref text, .. } if text.starts_with("That doesn't look like a valid transaction hash")),
            "{step:?}"
        );
        let (step, _) = p.plan(TX, &facts, 0.0);
        assert!(matches!(step, Step::Run { ref action, .. } if action == "get-transaction-status"), "{step:?}");
    }

    #[test]
    fn a_2fa_reset_goes_email_then_verification_then_confirmation() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        let (step, _) = p.plan("I lost my phone, please reset my 2FA", &Facts::default(), 0.9);
        let Step::Say { pending: Some(pending), .. } = step else { panic!("{step:?}") };
        assert_eq!(pending.awaiting, Awaiting::LeadEmail);

        let (step, learned) =
            p.plan("it's ana@example.com", &Facts { pending: Some(pending), ..Default::default() }, 0.0);
        assert_eq!(learned.lead_email.as_deref(), Some("ana@example.com"));
        let Step::Run { action, then: Some(then), .. } = step else { panic!("{step:?}") };
        assert_eq!(action, "send-verification-code");
        assert_eq!(then.awaiting, Awaiting::Input("code".into()));

        let facts = Facts { lead_email: Some("ana@example.com".into()), pending: Some(then), ..Default::default() };
        let (step, _) = p.plan("123456", &facts, 0.0);
        let Step::Run { action, inputs, then: Some(resume) } = step else { panic!("{step:?}") };
        assert_eq!((action.as_str(), inputs["code"].as_str()), ("check-verification-code", "123456"));

        let verified = Facts { lead_email: Some("ana@example.com".into()), verified: true, ..Default::default() };
        let Step::Say { pending: Some(confirm), text } = p.advance(resume, &verified) else { panic!() };
        assert!(text.starts_with("Please confirm: **Reset 2FA**"), "{text}");
        let (step, _) = p.plan("yes", &Facts { pending: Some(confirm.clone()), ..verified.clone() }, 0.0);
        assert!(matches!(step, Step::Run { ref action, .. } if action == "reset-2fa"));
        let (step, _) = p.plan("no", &Facts { pending: Some(confirm), ..verified }, 0.0);
        assert!(matches!(step, Step::Say { pending: None, .. }));
    }

    #[test]
    fn only_distinctive_values_start_an_action_by_themselves() {
        // A site of another kind: a delivery estimate keyed on a number of days, and an
        // email-keyed newsletter action.
        let site = site_of(&[
            r#"{"name":"Extend Delivery","type":"http","method":"POST","url":"https://api.example.com/extend",
                "body":{"days":"{{inputs.days}}"},"inputs":[{"name":"days","format":"number"}],
                "description":"Extend the delivery window of an order by a number of days."}"#,
            r#"{"name":"Unsubscribe","type":"http","method":"POST","url":"https://api.example.com/unsub",
                "body":{"email":"{{inputs.email}}"},"inputs":[{"name":"email","format":"email"}],
                "description":"Remove an address from the newsletter."}"#,
        ]);
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        for text in ["I waited 3 days and nothing came", "my email is ana@example.com, where is my parcel?"] {
            let (step, _) = p.plan(text, &Facts::default(), 0.0);
            assert_eq!(step, Step::Answer, "{text}");
        }
        // Asked for by what it does, it runs (and the value in the message fills its input).
        let (step, _) = p.plan("please extend the delivery of my order by 3 days", &Facts::default(), 0.0);
        assert!(
            matches!(step, Step::Run { ref action, ref inputs, .. } if action == "extend-delivery" && inputs["days"] == "3"),
            "{step:?}"
        );
    }

    /// A site with these action files and nothing else.
    fn site_of(actions: &[&str]) -> SiteBundle {
        let agent =
            "site_id = \"t\"\nname = \"T\"\ngreeting = \"Hi\"\n[actions]\nallowed_hosts = [\"api.example.com\"]";
        let files: Vec<(String, String)> =
            actions.iter().enumerate().map(|(i, a)| (format!("actions/{i}.json"), a.to_string())).collect();
        SiteBundle::from_dir_files(agent, &[], &files).unwrap()
    }

    #[test]
    fn an_action_is_chosen_by_what_it_does_not_by_a_generic_verb() {
        let site = site_of(&[
            r#"{"name":"Check Transaction Status","type":"http","method":"GET","url":"https://api.example.com/tx",
                "description":"Check a payment: check whether it went through, and check its fee."}"#,
            r#"{"name":"Order Status","type":"http","method":"GET","url":"https://api.example.com/order",
                "description":"Packed, shipped or delivered."}"#,
        ]);
        let intents = ActionIndex::new(&site);
        for text in ["can you check my order", "I want to see my order"] {
            assert_eq!(intents.best(text).map(|(slug, _)| slug), Some("order-status"), "{text}");
        }
        assert_eq!(intents.best("check a payment").map(|(slug, _)| slug), Some("check-transaction-status"));
    }

    #[test]
    fn forms_are_offered_and_internal_actions_never_started() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        let (step, _) = p.plan("I want to report a missing deposit", &Facts::default(), 1.0);
        assert_eq!(step, Step::ShowForm { action: "report-missing-deposit".into() });
    }

    #[test]
    fn content_questions_are_answered_not_acted_on() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        for q in
            ["what are the withdrawal fees for bitcoin?", "How do I turn on 2FA?", "How long do bitcoin deposits take?"]
        {
            let (step, _) = p.plan(q, &Facts::default(), 1.0);
            assert_eq!(step, Step::Answer, "{q}");
        }
    }

    #[test]
    fn an_option_named_in_the_message_fills_its_input() {
        let site = site();
        let intents = ActionIndex::new(&site);
        let p = Planner { site: &site, intents: &intents };
        let eth = "0x52908400098527886E0F7030069857D2E4169EE7";
        let (step, _) = p.plan(&format!("is {eth} a valid btc address?"), &Facts::default(), 0.0);
        let Step::Run { action, inputs, .. } = step else { panic!("{step:?}") };
        assert_eq!(action, "validate-wallet-address");
        assert_eq!((inputs["address"].as_str(), inputs["asset"].as_str()), (eth, "BTC"));
    }

    /// The clinic site: writes asked for by name beside values that a read would take.
    mod clinic {
        use super::*;

        fn plan(text: &str) -> Step {
            let site = crate::test_support::site_at("tests/sites/clinic");
            let intents = ActionIndex::new(&site);
            Planner { site: &site, intents: &intents }.plan(text, &Facts::default(), 0.0).0
        }

        #[test]
        fn a_request_that_names_what_to_do_beats_a_value_that_says_which_thing() {
            // The booking reference alone would look the appointment up; the request moves it.
            let step = plan("Could you move RFC-118406 to 2027-01-14? Mornings are best.");
            let Step::Say { pending: Some(pending), .. } = &step else { panic!("{step:?}") };
            assert_eq!(pending.action, "reschedule-appointment");
            assert_eq!(pending.awaiting, Awaiting::Confirmation);
            assert_eq!(pending.inputs["booking_ref"], "RFC-118406");
            assert_eq!(pending.inputs["new_date"], "2027-01-14");
            let step = plan("RFC-118406?");
            assert!(matches!(step, Step::Run { ref action, .. } if action == "appointment-details"), "{step:?}");
        }

        #[test]
        fn can_i_about_my_own_thing_asks_for_it_and_a_related_word_names_the_action() {
            assert!(asks_the_agent("Can I move my appointment?") && !asks_the_agent("Can I return a gift card?"));
            // "push" is the built-in lexicon's relative of "reschedule"; the action asks what it needs.
            let step = plan("Can I push my appointment to next week instead?");
            let Step::Say { pending: Some(pending), .. } = &step else { panic!("{step:?}") };
            assert_eq!(pending.action, "reschedule-appointment");
            assert_eq!(pending.awaiting, Awaiting::Input("booking_ref".into()));
        }

        #[test]
        fn a_question_about_the_visitors_own_record_is_read_by_the_read_action_it_names() {
            let step = plan("When is my next appointment?");
            let Step::Say { pending: Some(pending), .. } = &step else { panic!("{step:?}") };
            assert_eq!(pending.action, "appointment-details");
            assert_eq!(pending.awaiting, Awaiting::Input("booking_ref".into()));
            // How things work is the help pages' to answer.
            assert_eq!(plan("When is the appointment reminder sent?"), Step::Answer);
        }

        #[test]
        fn a_date_is_no_word_of_the_request_so_when_not_to_use_still_rules_it_out() {
            // Counted as words, the date and "born" drowned "Xanax" below the exclusion's share.
            assert_eq!(plan("Can you refill my Xanax? I was born 1979-09-12."), Step::Answer);
            // "can I get a …" asks for it; "re-fill" is "refill"; "dob" is a date of birth.
            let step = plan("can i get a re-fill of my sertraline? dob 1988-12-05");
            let Step::Say { pending: Some(pending), .. } = &step else { panic!("{step:?}") };
            assert_eq!(pending.awaiting, Awaiting::Confirmation);
            assert_eq!(pending.inputs["medication"], "sertraline");
            assert_eq!(pending.inputs["date_of_birth"], "1988-12-05");
            let step = plan("Can you refill my sertraline? I was born 1979-09-12.");
            assert!(
                matches!(step, Step::Say { pending: Some(ref p), .. } if p.action == "request-prescription-refill"),
                "{step:?}"
            );
        }
    }

    #[test]
    fn a_question_about_the_visitors_own_record_and_a_request_phrased_as_a_question_are_told_apart() {
        for own in ["What's my verification status?", "when is my next appointment", "Where are my boots?"] {
            assert!(asks_about_own(own), "{own}");
        }
        for general in
            ["What is a verification level?", "How do I change my email?", "Where do I find my order number?"]
        {
            assert!(!asks_about_own(general), "{general}");
        }
        assert!(asks_the_agent("Can you check on my withdrawal? It's been a while.") && is_question("Can you check?"));
    }

    /// The shop site: its own input formats, chosen by what is asked and by distinctive values.
    mod shop {
        use super::*;

        fn plan(text: &str, facts: &Facts) -> Step {
            let site = crate::test_support::shop_site();
            let intents = ActionIndex::new(&site);
            Planner { site: &site, intents: &intents }.plan(text, facts, 0.0).0
        }

        #[test]
        fn an_order_number_in_a_message_starts_the_lookup_and_the_zip_is_asked_for_in_the_owners_words() {
            let Step::Say { text, pending: Some(pending) } =
                plan("Where is ORD-10482? It's been a week", &Facts::default())
            else {
                panic!()
            };
            assert_eq!(pending.action, "order-status");
            assert_eq!(pending.inputs["order_number"], "ORD-10482");
            assert_eq!(pending.awaiting, Awaiting::Input("zip".into()));
            assert_eq!(text, "Please send me the ZIP code of the delivery address. It looks like this: five digits.");
            let facts = Facts { pending: Some(pending), ..Default::default() };
            let Step::Run { action, inputs, .. } = plan("zip code 97201", &facts) else { panic!() };
            assert_eq!((action.as_str(), inputs["zip"].as_str()), ("order-status", "97201"));
        }

        #[test]
        fn asked_for_one_value_the_visitor_may_give_them_all() {
            let step = plan("where is my order?", &Facts::default());
            let Step::Say { pending: Some(pending), .. } = step else { panic!("{step:?}") };
            assert_eq!(pending.awaiting, Awaiting::Input("order_number".into()));
            let facts = Facts { pending: Some(pending), ..Default::default() };
            let step = plan("ORD-20931, zip code 10001", &facts);
            let Step::Run { action, inputs, .. } = step else { panic!("{step:?}") };
            assert_eq!(action, "order-status");
            assert_eq!((inputs["order_number"].as_str(), inputs["zip"].as_str()), ("ORD-20931", "10001"));
        }

        #[test]
        fn asked_by_intent_it_asks_for_the_order_number_with_the_hint_and_an_example() {
            let step = plan("where is my order?", &Facts::default());
            let Step::Say { text, pending: Some(pending) } = step else { panic!("{step:?}") };
            assert_eq!(pending.action, "order-status");
            assert_eq!(
                text,
                "Please send me your order number (it's in your confirmation email). It looks like this: ORD- followed \
                 by at least five digits. For example: ORD-10482"
            );
            let facts = Facts { pending: Some(pending), ..Default::default() };
            let Step::Say { text, .. } = plan("10482", &facts) else { panic!() };
            assert!(
                text.starts_with("That doesn't look like a valid ORD- followed by at least five digits."),
                "{text}"
            );
        }

        #[test]
        fn numbers_and_zip_codes_alone_start_nothing() {
            for text in ["I waited 3 days for my parcel", "I live in 90210", "is shipping free over 75 dollars?"] {
                let step = plan(text, &Facts::default());
                assert!(
                    !matches!(&step, Step::Run { .. })
                        && !matches!(&step, Step::Say { pending: Some(p), .. } if p.action == "order-status" && !p.inputs.is_empty()),
                    "{text}: {step:?}"
                );
            }
        }

        #[test]
        fn a_value_alone_never_starts_a_write_and_the_words_choose_among_actions() {
            let mut site = crate::test_support::shop_site();
            // An owner adds a write keyed on the same order number, sorting before the lookup.
            site.actions.insert(
                0,
                ActionDef::from_json(
                    r#"{"name":"Cancel Order","type":"http","method":"POST","url":"http://127.0.0.1:8790/orders/{{inputs.order}}/cancel",
                        "description":"Cancel an order that has not shipped yet.",
                        "inputs":{"order":{"type":"string","pattern":"^ORD-\\d{5,}$"}}}"#,
                )
                .unwrap(),
            );
            let intents = ActionIndex::new(&site);
            let p = Planner { site: &site, intents: &intents };
            let started = |text: &str| match p.plan(text, &Facts::default(), 0.0).0 {
                Step::Run { action, .. } | Step::ShowForm { action } => action,
                Step::Say { pending: Some(pending), .. } => pending.action,
                other => panic!("{text}: {other:?}"),
            };
            assert_eq!(started("where is ORD-10482?"), "order-status");
            assert_eq!(started("ORD-10482"), "order-status", "a bare value reads, never cancels");
            assert_eq!(started("please cancel order ORD-10482"), "cancel-order", "asked for in words");
            assert_eq!(started("I want to return ORD-10482"), "start-a-return");
        }

        #[test]
        fn a_return_request_shows_the_return_form() {
            let step = plan("I want to return something", &Facts::default());
            assert_eq!(step, Step::ShowForm { action: "start-a-return".into() });
        }
    }
}
