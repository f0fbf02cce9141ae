//! Handing a conversation to a human: the owner's rules (`[handoff]` in `agent.toml`), the
//! conversation's status, why it was handed off, and the summary written for the human. The edge
//! decides and stores; the inbox and the owner's webhook read these types.

use crate::message::{ActionStatus, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[handoff]`: when the AI passes a conversation to a human, and what it says then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffConfig {
    /// Said when a human takes over.
    #[serde(default = "default_message")]
    pub message: String,
    /// Said once when the visitor writes again while waiting for the human (never once an agent
    /// has the conversation).
    #[serde(default = "default_waiting_message")]
    pub waiting_message: String,
    /// Said when the visitor writes on a resolved conversation, which reopens it.
    #[serde(default = "default_reopened_message")]
    pub reopened_message: String,
    /// A resolved conversation the visitor writes on goes back to the agent who had it (true), or
    /// to Waiting for anyone (false, the default).
    #[serde(default)]
    pub reopen_to_last_assignee: bool,
    /// Phrases by which a visitor asks for a human at any time ("talk to a person"). A one-word
    /// entry ("agent") counts only when it is most of a short message ("agent please").
    #[serde(default = "default_human_requests")]
    pub human_requests: Vec<String>,
    /// Topics that always go to a human (account takeover, fraud…), each with its phrases.
    #[serde(default)]
    pub topics: Vec<HandoffTopic>,
    /// Hand off after this many strongly negative visitor messages in a row (0: never).
    #[serde(default = "default_negative_messages")]
    pub negative_messages: u32,
    /// Hand off after this many "I don't know" answers in a row (0: never).
    #[serde(default = "default_unanswered")]
    pub unanswered: u32,
    /// Hand off when a verification code check fails.
    #[serde(default = "yes")]
    pub on_failed_verification: bool,
    /// Hand off when an action fails (the owner's API errs or times out; a refusal by the
    /// edge's own guards or limits is not a failure of the action).
    #[serde(default = "yes")]
    pub on_failed_action: bool,
    /// A conversation waiting longer than this many minutes is flagged in the inbox, and each
    /// agent is alerted of it once (0: never).
    #[serde(default = "default_wait_alert_minutes")]
    pub wait_alert_minutes: u32,
    /// When humans answer; outside these hours the agent says so and asks for contact details.
    #[serde(default)]
    pub office_hours: Option<OfficeHours>,
    /// Where the owner is notified of each handoff.
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
}

/// One topic that always goes to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffTopic {
    /// Its name, shown to the human ("Account takeover").
    pub name: String,
    /// What visitors say about it ("someone logged into my account").
    pub phrases: Vec<String>,
}

/// `[handoff.office_hours]`: when humans answer, in one IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHours {
    /// IANA time zone name ("Europe/Berlin"); its rules (daylight saving included) are compiled
    /// into the edge.
    pub time_zone: String,
    /// Open days, `mon` … `sun`.
    pub days: Vec<Weekday>,
    /// Opening time, `HH:MM` local time.
    pub open: String,
    /// Closing time, `HH:MM` local time, after `open`.
    pub close: String,
    /// What the visitor is told to expect during office hours, in minutes.
    #[serde(default)]
    pub expected_wait_minutes: Option<u32>,
    /// Said outside office hours, before the contact form.
    #[serde(default = "default_closed_message")]
    pub closed_message: String,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// `[handoff.webhook]`: the owner's endpoint, told of every handoff with a signed JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The endpoint; it must pass `[actions]`' network rules (allowed hosts, https).
    pub url: String,
    /// The name of the Worker secret the body is signed with (`wrangler secret put NAME`).
    pub secret: String,
}

fn yes() -> bool {
    true
}

fn default_message() -> String {
    "I'm connecting you with a specialist — they'll see everything you've told me.".into()
}

fn default_waiting_message() -> String {
    "Thanks — a specialist will read this and answer here.".into()
}

fn default_reopened_message() -> String {
    "Thanks — I've reopened this conversation, and our team will answer here.".into()
}

fn default_closed_message() -> String {
    "Our specialists are offline right now. Leave your contact details and we'll get back to you.".into()
}

fn default_wait_alert_minutes() -> u32 {
    5
}

fn default_negative_messages() -> u32 {
    3
}

fn default_unanswered() -> u32 {
    2
}

/// What visitors say when they want a person, unless the owner lists their own.
pub fn default_human_requests() -> Vec<String> {
    [
        "talk to a person",
        "speak to a person",
        "talk to someone",
        "speak to someone",
        "talk to a human",
        "speak to a human",
        "real person",
        "human agent",
        "live agent",
        "customer service",
        "agent",
        "human",
        "operator",
        "representative",
    ]
    .map(String::from)
    .to_vec()
}

/// Most phrases in all topics and human requests together (each is matched against every message).
pub const MAX_PHRASES: usize = 200;
/// Longest streak a rule may wait for (the edge counts streaks per conversation).
pub const MAX_STREAK: u32 = 20;

impl HandoffConfig {
    /// Problems as `(field, message)`, for `SiteError`s of `agent.toml`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |field: &str, message: String| out.push((format!("handoff.{field}"), message));
        if self.message.trim().is_empty() {
            bad("message", "must not be empty".into());
        }
        if self.waiting_message.trim().is_empty() {
            bad("waiting_message", "must not be empty".into());
        }
        if self.reopened_message.trim().is_empty() {
            bad("reopened_message", "must not be empty".into());
        }
        let mut phrases = self.human_requests.len();
        for (i, p) in self.human_requests.iter().enumerate() {
            if !has_word(p) {
                bad(&format!("human_requests[{i}]"), format!("{p:?} has no word to match"));
            }
        }
        for (i, t) in self.topics.iter().enumerate() {
            if t.name.trim().is_empty() || t.name.chars().count() > 80 {
                bad(&format!("topics[{i}].name"), "must be 1–80 characters".into());
            }
            if t.phrases.is_empty() {
                bad(&format!("topics[{i}].phrases"), "list at least one phrase visitors say about it".into());
            }
            for (j, p) in t.phrases.iter().enumerate() {
                if !has_word(p) {
                    bad(&format!("topics[{i}].phrases[{j}]"), format!("{p:?} has no word to match"));
                }
            }
            phrases += t.phrases.len();
        }
        if phrases > MAX_PHRASES {
            bad("topics", format!("at most {MAX_PHRASES} phrases in all (topics and human_requests), not {phrases}"));
        }
        for (field, n) in [("negative_messages", self.negative_messages), ("unanswered", self.unanswered)] {
            if n > MAX_STREAK {
                bad(field, format!("{n} is too many: at most {MAX_STREAK} (0 turns the rule off)"));
            }
        }
        if let Some(hours) = &self.office_hours {
            for (field, message) in hours.problems() {
                bad(&format!("office_hours.{field}"), message);
            }
        }
        if let Some(hook) = &self.webhook {
            if !is_secret_name(&hook.secret) {
                bad(
                    "webhook.secret",
                    format!("{:?} must be the NAME of a Worker secret (A–Z, 0–9, _), not its value", hook.secret),
                );
            }
        }
        out
    }
}

fn has_word(phrase: &str) -> bool {
    phrase.chars().any(char::is_alphanumeric)
}

/// A secret's name as `[actions] secrets` writes them: upper-case letters, digits and `_`.
pub fn is_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

impl OfficeHours {
    /// Problems as `(field, message)`. The time zone's name is checked by the edge's build, which
    /// has the time-zone database.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.days.is_empty() {
            out.push(("days".into(), "list the open days, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]".into()));
        }
        let open = minutes_of_day(&self.open);
        let close = minutes_of_day(&self.close);
        for (field, text, parsed) in [("open", &self.open, open), ("close", &self.close, close)] {
            if parsed.is_none() {
                out.push((field.into(), format!("{text:?} must be a time like \"09:00\" (24-hour clock)")));
            }
        }
        if let (Some(o), Some(c)) = (open, close) {
            if c <= o {
                out.push(("close".into(), format!("{:?} must be after open ({:?})", self.close, self.open)));
            }
        }
        if self.closed_message.trim().is_empty() {
            out.push(("closed_message".into(), "must not be empty".into()));
        }
        out
    }

    /// Opening time in minutes after midnight.
    pub fn open_minute(&self) -> u32 {
        minutes_of_day(&self.open).unwrap_or(0)
    }

    /// Closing time in minutes after midnight (`24:00` is the end of the day).
    pub fn close_minute(&self) -> u32 {
        minutes_of_day(&self.close).unwrap_or(0)
    }
}

/// `HH:MM` (00:00–24:00) as minutes after midnight.
pub fn minutes_of_day(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 24 * 60).then_some(total)
}

/// Who answers a conversation now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// The AI answers.
    #[default]
    Ai,
    /// Handed off; no human has claimed it yet. The AI is silent.
    Waiting,
    /// A human owns it. The AI is silent.
    Assigned,
    /// A human closed it.
    Resolved,
}

impl ConversationStatus {
    /// As stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ai => "ai",
            Self::Waiting => "waiting",
            Self::Assigned => "assigned",
            Self::Resolved => "resolved",
        }
    }

    /// From the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ai" => Self::Ai,
            "waiting" => Self::Waiting,
            "assigned" => Self::Assigned,
            "resolved" => Self::Resolved,
            _ => return None,
        })
    }

    /// Whether the AI answers visitor messages in this status.
    pub fn ai_answers(self) -> bool {
        self == Self::Ai
    }
}

/// Why a conversation went to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HandoffReason {
    /// The visitor raised a topic the owner always hands off.
    Topic {
        /// The topic's name.
        topic: String,
    },
    /// The visitor asked for a person.
    HumanRequested,
    /// Strongly negative messages in a row.
    NegativeSentiment {
        /// How many.
        messages: u32,
    },
    /// "I don't know" answers in a row.
    Unanswered {
        /// How many.
        answers: u32,
    },
    /// A verification code check failed.
    VerificationFailed {
        /// The action's name.
        action: String,
    },
    /// An action failed.
    ActionFailed {
        /// The action's name.
        action: String,
    },
    /// An action's result met its `handoff_when`.
    ActionResult {
        /// The action's name.
        action: String,
    },
    /// A form with `on_submit.handoff` was submitted.
    FormSubmitted {
        /// The form's title.
        form: String,
    },
    /// The model of `[llm]` passed it on (its `hand_off` tool).
    AssistantDecided {
        /// Why, in the model's words (at most 200 characters).
        reason: String,
    },
    /// An agent took the conversation over from the AI in the inbox.
    AgentTookOver {
        /// The agent's display name.
        agent: String,
    },
}

impl HandoffReason {
    /// In words, for the human and the log.
    pub fn describe(&self) -> String {
        match self {
            Self::Topic { topic } => format!("Topic: {topic}"),
            Self::HumanRequested => "The visitor asked for a person".into(),
            Self::NegativeSentiment { messages } => format!("{messages} strongly negative messages in a row"),
            Self::Unanswered { answers } => format!("{answers} questions in a row the AI could not answer"),
            Self::VerificationFailed { action } => format!("Verification failed ({action})"),
            Self::ActionFailed { action } => format!("Action failed: {action}"),
            Self::ActionResult { action } => format!("The result of {action} needs a person"),
            Self::FormSubmitted { form } => format!("Form submitted: {form}"),
            Self::AssistantDecided { reason } => format!("The AI passed it on: {reason}"),
            Self::AgentTookOver { agent } => format!("{agent} took over from the AI"),
        }
    }
}

/// What the human reads first: written by the edge from the stored conversation alone, so it
/// holds nothing that was not said, shown or run in it (visitor text as stored, i.e. masked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffSummary {
    /// Why it was handed off, in words.
    pub reason: String,
    /// The visitor's issue in their own words: their first messages and the one that handed off.
    pub issue: Vec<String>,
    /// What the AI answered, with its sources.
    pub answers: Vec<SummaryAnswer>,
    /// Values the visitor gave in forms (as stored: credential-like fields redacted).
    pub inputs: Vec<SummaryForm>,
    /// Actions run and how they ended, with what the visitor was shown.
    pub actions: Vec<SummaryAction>,
    /// Who the visitor is, and how sure the edge is.
    pub identity: SummaryIdentity,
    /// What was still waiting when the human took over, in words.
    pub pending: Option<String>,
    /// How many messages the conversation had.
    pub message_count: u32,
}

/// One answer of the AI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryAnswer {
    /// The answer's text (shortened).
    pub text: String,
    /// The pages it quoted.
    pub sources: Vec<Source>,
}

/// One submitted form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryForm {
    /// The form's title.
    pub form: String,
    /// Field → value, as stored.
    pub values: BTreeMap<String, String>,
}

/// One action run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryAction {
    /// The action's name.
    pub name: String,
    /// How it ended.
    pub status: ActionStatus,
    /// Why it did not succeed, as the visitor was told.
    pub reason: Option<String>,
    /// What the visitor was shown (the redacted result).
    pub result: String,
}

/// The visitor's identity as the edge knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryIdentity {
    /// The host site's user id.
    pub user_id: Option<String>,
    /// The lead email.
    pub email: Option<String>,
    /// The lead name.
    pub name: Option<String>,
    /// How the host page signed the user id, at this moment (an expired token signs nothing):
    /// `none`, `user_hash` or `jwt`.
    pub signed: String,
    /// Whether the email is the host page's signed word (a valid JWT's `email`); otherwise it was
    /// typed in the chat or given by the page unsigned.
    #[serde(default)]
    pub email_signed: bool,
    /// Whether the name is the host page's signed word (a valid JWT's `name`).
    #[serde(default)]
    pub name_signed: bool,
    /// Whether a one-time-code verification holds for this email.
    pub verified: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml_text: &str) -> HandoffConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn defaults_are_sensible_and_valid() {
        let c = config("");
        assert!(c.human_requests.iter().any(|p| p == "talk to a person"));
        assert_eq!((c.negative_messages, c.unanswered), (3, 2));
        assert!(c.on_failed_action && c.on_failed_verification);
        assert!(c.problems().is_empty());
    }

    #[test]
    fn problems_name_the_field() {
        let c = config(
            r#"
            unanswered = 50
            [[topics]]
            name = "Fraud"
            phrases = ["--"]
            [office_hours]
            time_zone = "Europe/Berlin"
            days = []
            open = "18:00"
            close = "9:00"
            [webhook]
            url = "https://hooks.example.com/x"
            secret = "whsec_live_abc"
            "#,
        );
        let fields: Vec<String> = c.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "handoff.topics[0].phrases[0]",
                "handoff.unanswered",
                "handoff.office_hours.days",
                "handoff.office_hours.close",
                "handoff.webhook.secret"
            ]
        );
    }

    #[test]
    fn times_of_day() {
        assert_eq!(minutes_of_day("09:30"), Some(570));
        assert_eq!(minutes_of_day("24:00"), Some(1440));
        assert_eq!(minutes_of_day("24:01"), None);
        assert_eq!(minutes_of_day("9:30"), None);
        assert_eq!(minutes_of_day("09:60"), None);
    }

    #[test]
    fn status_spellings_round_trip() {
        for s in [
            ConversationStatus::Ai,
            ConversationStatus::Waiting,
            ConversationStatus::Assigned,
            ConversationStatus::Resolved,
        ] {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(ConversationStatus::parse("AI"), None);
    }

    #[test]
    fn reasons_are_tagged() {
        let r = HandoffReason::Topic { topic: "Fraud".into() };
        assert_eq!(serde_json::to_value(&r).unwrap(), serde_json::json!({"kind": "topic", "topic": "Fraud"}));
        assert_eq!(r.describe(), "Topic: Fraud");
    }
}
