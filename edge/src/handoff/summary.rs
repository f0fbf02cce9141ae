//! The handoff summary: what the human reads first, written from the stored conversation alone
//! (messages as stored, i.e. masked; action results as the visitor was shown them, i.e.
//! redacted; the record's identity and pending step). Deterministic, bounded in size, and it
//! holds nothing that was not said, shown or run in the conversation.

use crate::actions::redact::{is_sensitive_name, mask_sensitive};
use crate::pending::{Awaiting, Pending};
use crate::store::ConversationRecord;
use shared::handoff::{HandoffReason, HandoffSummary, SummaryAction, SummaryAnswer, SummaryForm, SummaryIdentity};
use shared::site::SiteBundle;
use shared::{Author, Message};
use std::collections::BTreeMap;

/// Longest text kept from one message.
const MAX_TEXT_CHARS: usize = 500;
/// The visitor's first messages kept as "the issue" (the one that handed off is added).
const ISSUE_MESSAGES: usize = 3;
/// Most answers, forms and actions kept (the latest ones).
const MAX_ITEMS: usize = 10;

fn short(text: &str) -> String {
    let mut chars = text.chars();
    let kept: String = chars.by_ref().take(MAX_TEXT_CHARS).collect();
    if chars.next().is_some() {
        format!("{kept}…")
    } else {
        kept
    }
}

/// The latest `MAX_ITEMS` of `items`.
fn latest<T>(mut items: Vec<T>) -> Vec<T> {
    let skip = items.len().saturating_sub(MAX_ITEMS);
    items.drain(..skip);
    items
}

/// What was waiting, in words.
fn pending_in_words(site: &SiteBundle, pending: &Pending) -> String {
    let name = site.action(&pending.action).map_or(pending.action.as_str(), |a| a.name.as_str());
    let waits = match &pending.awaiting {
        Awaiting::Input(input) => format!("the visitor's {input}"),
        Awaiting::LeadEmail => "the visitor's email".into(),
        Awaiting::Confirmation => "the visitor's confirmation".into(),
        Awaiting::Nothing => "nothing (ready to run)".into(),
    };
    let mut text = format!("{name}: waiting for {waits}");
    let given: Vec<String> = pending
        .inputs
        .iter()
        .map(|(k, v)| {
            let shown = if is_sensitive_name(k) { "[REDACTED]".to_string() } else { mask_sensitive(v) };
            format!("{k} = {}", short(&shown))
        })
        .collect();
    if !given.is_empty() {
        text.push_str(&format!(" (given: {})", given.join(", ")));
    }
    text
}

/// The summary of `messages` (the whole stored conversation, in order) handed off for `reason`.
/// `verified` says whether a one-time-code verification holds now.
pub fn summarize(
    site: &SiteBundle,
    record: &ConversationRecord,
    messages: &[Message],
    reason: &HandoffReason,
    identity: SummaryIdentity,
) -> HandoffSummary {
    let said: Vec<&Message> =
        messages.iter().filter(|m| m.author == Author::Visitor && m.submission.is_none()).collect();
    let mut issue: Vec<String> = said.iter().take(ISSUE_MESSAGES).map(|m| short(&m.text)).collect();
    if let Some(last) = said.get(ISSUE_MESSAGES..).and_then(<[_]>::last) {
        issue.push(short(&last.text));
    }
    // Everything the agent said after the visitor first spoke, except action reports.
    let first_visitor = messages.iter().position(|m| m.author == Author::Visitor).unwrap_or(messages.len());
    let answers = messages[first_visitor..]
        .iter()
        .filter(|m| m.author == Author::Bot && m.action.is_none())
        .map(|m| SummaryAnswer { text: short(&m.text), sources: m.sources.clone() })
        .collect();
    let titles: BTreeMap<&str, &str> =
        messages.iter().filter_map(|m| m.form.as_ref().map(|f| (m.id.as_str(), f.title.as_str()))).collect();
    let inputs = messages
        .iter()
        .filter_map(|m| m.submission.as_ref())
        .map(|s| SummaryForm {
            form: titles.get(s.form_message_id.as_str()).map_or_else(|| "A form".to_string(), |t| t.to_string()),
            values: s.values.iter().map(|(k, v)| (k.clone(), short(v))).collect(),
        })
        .collect();
    let actions = messages
        .iter()
        .filter_map(|m| {
            let a = m.action.as_ref()?;
            Some(SummaryAction {
                name: a.name.clone(),
                status: a.status,
                reason: a.reason.clone(),
                result: short(&m.text),
            })
        })
        .collect();
    HandoffSummary {
        reason: reason.describe(),
        issue,
        answers: latest(answers),
        inputs: latest(inputs),
        actions: latest(actions),
        identity,
        pending: record.pending.as_ref().map(|p| pending_in_words(site, p)),
        message_count: u32::try_from(messages.len()).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IdentityProof, Streaks};
    use shared::handoff::ConversationStatus;
    use shared::{ActionOutcome, ActionStatus, ConversationId, FormCard, MessageId, Source, Submission};

    fn message(id: &str, author: Author, text: &str) -> Message {
        Message {
            id: MessageId::parse(id).unwrap(),
            author,
            author_name: None,
            text: text.into(),
            created_at: "2026-11-27T10:00:00Z".into(),
            sources: Vec::new(),
            client_message_id: None,
            action: None,
            form: None,
            submission: None,
            buttons: Vec::new(),
            attachment: None,
        }
    }

    fn record() -> ConversationRecord {
        ConversationRecord {
            id: ConversationId::parse("c1").unwrap(),
            token_hash: "secret-token-hash".into(),
            user_id: Some("u-42".into()),
            lead: shared::api::Lead { email: Some("ana@example.com".into()), name: Some("Ana".into()) },
            created_at_ms: 0,
            verification: None,
            identity: IdentityProof::SignedToken,
            identity_expires_at_ms: None,
            pending: Some(Pending {
                action: "withdrawal-status".into(),
                inputs: BTreeMap::from([("asset".into(), "BTC".into()), ("pin".into(), "1234".into())]),
                awaiting: Awaiting::Input("tx_hash".into()),
                resume: None,
            }),
            attributes: BTreeMap::new(),
            status: ConversationStatus::Ai,
            assignee_id: None,
            handoff: None,
            streaks: Streaks::default(),
        }
    }

    #[test]
    fn the_summary_tells_the_human_what_happened_from_the_conversation_alone() {
        let site = crate::test_support::demo_site();
        let form = FormCard {
            action: "report".into(),
            title: "Report a problem".into(),
            submit_label: "Send".into(),
            fields: vec![],
        };
        let messages = vec![
            message("c1-g0", Author::Bot, "Hi, I'm Nova."),
            message("m1", Author::Visitor, "my withdrawal of 0.5 BTC never arrived"),
            Message {
                sources: vec![Source { title: "Withdrawals".into(), url: "/help/withdrawals".into() }],
                ..message("m1-r0", Author::Bot, "Withdrawals take up to 30 minutes.")
            },
            Message { form: Some(form), ..message("m2-r0", Author::Bot, "Please fill in this form.") },
            Message {
                submission: Some(Submission {
                    form_message_id: "m2-r0".into(),
                    values: BTreeMap::from([
                        ("details".into(), "tx 0xabc".into()),
                        ("pin".into(), "[REDACTED]".into()),
                    ]),
                }),
                ..message("m3", Author::Visitor, "Submitted “Report a problem”")
            },
            Message {
                action: Some(ActionOutcome {
                    name: "Transaction status".into(),
                    status: ActionStatus::Failed,
                    reason: Some("the service is unavailable right now".into()),
                }),
                ..message("m3-r0", Author::Bot, "I couldn't complete **Transaction status**.")
            },
            message("m4", Author::Visitor, "someone logged into my account"),
        ];
        let reason = HandoffReason::Topic { topic: "Account takeover".into() };
        let s = summarize(&site, &record(), &messages, &reason, record().identity_now(0, 0));
        assert_eq!(s.reason, "Topic: Account takeover");
        assert_eq!(s.issue, ["my withdrawal of 0.5 BTC never arrived", "someone logged into my account"]);
        assert_eq!(s.answers.len(), 2);
        assert_eq!(s.answers[0].sources[0].url, "/help/withdrawals");
        assert_eq!(s.inputs[0].form, "Report a problem");
        assert_eq!(s.inputs[0].values["pin"], "[REDACTED]");
        assert_eq!(s.actions[0].status, ActionStatus::Failed);
        assert_eq!(s.actions[0].reason.as_deref(), Some("the service is unavailable right now"));
        assert_eq!(s.identity.email.as_deref(), Some("ana@example.com"));
        assert_eq!(s.identity.signed, "jwt");
        assert!(!s.identity.verified);
        let pending = s.pending.unwrap();
        assert!(pending.contains("waiting for the visitor's tx_hash") && pending.contains("asset = BTC"), "{pending}");
        assert!(pending.contains("pin = [REDACTED]") && !pending.contains("1234"), "{pending}");
        assert_eq!(s.message_count, 7);
        let json = serde_json::to_string(&summarize(&site, &record(), &messages, &reason, record().identity_now(0, 0)))
            .unwrap();
        assert!(!json.contains("secret-token-hash"), "nothing from outside the conversation's own story");
    }

    #[test]
    fn each_identity_value_says_whether_the_site_signed_it_and_an_expired_signature_signs_nothing() {
        let signed = ConversationRecord { identity_expires_at_ms: Some(1_000), ..record() };
        let now = signed.identity_now(999, 0);
        assert_eq!((now.signed.as_str(), now.email_signed, now.name_signed), ("jwt", true, true));
        let later = signed.identity_now(1_000, 0);
        assert_eq!((later.signed.as_str(), later.email_signed, later.name_signed), ("none", false, false));
        // A user hash signs the user id only: the email and name beside it are the browser's word.
        let hashed = ConversationRecord { identity: IdentityProof::UserHash, ..record() };
        let id = hashed.identity_now(0, 0);
        assert_eq!((id.signed.as_str(), id.email_signed, id.name_signed), ("user_hash", false, false));
    }

    #[test]
    fn the_summary_is_bounded_whatever_the_visitor_sends() {
        let site = crate::test_support::demo_site();
        let long = "x".repeat(5000);
        let mut messages = Vec::new();
        for i in 0..200 {
            messages.push(message(&format!("m{i}"), Author::Visitor, &long));
            messages.push(message(&format!("m{i}-r0"), Author::Bot, &long));
        }
        let s = summarize(&site, &record(), &messages, &HandoffReason::HumanRequested, record().identity_now(0, 0));
        assert_eq!(s.issue.len(), ISSUE_MESSAGES + 1);
        assert_eq!(s.answers.len(), MAX_ITEMS);
        assert!(s
            .issue
            .iter()
            .chain(s.answers.iter().map(|a| &a.text))
            .all(|t| t.chars().count() <= MAX_TEXT_CHARS + 1));
        assert!(serde_json::to_string(&s).unwrap().len() < 20_000);
    }
}
