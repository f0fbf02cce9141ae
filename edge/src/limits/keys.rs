//! The limits each kind of request takes, and how their keys are spelled: per visitor address
//! (conversation creation, messages), per conversation, per action, per email (runs of actions
//! keyed on `{{lead.email}}`, and wrong one-time codes).

use super::Limit;
use shared::action::{ActionDef, RateLimit};
use shared::site::{ActionsConfig, VisitorLimits};
use shared::template::TemplateVar;
use shared::ConversationId;

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 3_600_000;

/// A visitor address as the key spells it (`unknown` when the runtime gave none). An IPv6 visitor
/// is keyed by their /64: one subscriber usually holds a whole /64, so per-address keys would be
/// unlimited.
fn ip_key(ip: Option<&str>) -> String {
    let Some(ip) = ip.map(str::trim).filter(|s| !s.is_empty()) else { return "unknown".into() };
    match ip.parse::<std::net::Ipv6Addr>() {
        Ok(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v6) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        Err(_) => ip.to_string(),
    }
}

/// Emails count the same whatever their case.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creating a conversation: per visitor address per hour.
pub fn conversation_creation(limits: &VisitorLimits, ip: Option<&str>) -> Vec<Limit> {
    vec![Limit {
        key: format!("ip:{}:conversations", ip_key(ip)),
        max: limits.conversations_per_ip_per_hour,
        window_ms: HOUR_MS,
    }]
}

/// A message, form submission or click: per visitor address and per conversation, per minute.
pub fn visitor_write(limits: &VisitorLimits, ip: Option<&str>, conversation: &ConversationId) -> Vec<Limit> {
    vec![
        Limit {
            key: format!("ip:{}:writes", ip_key(ip)),
            max: limits.messages_per_ip_per_minute,
            window_ms: MINUTE_MS,
        },
        Limit {
            key: format!("conversation:{conversation}:writes"),
            max: limits.messages_per_conversation_per_minute,
            window_ms: MINUTE_MS,
        },
    ]
}

/// Whether any of the action's templates or preconditions uses `{{lead.email}}`.
pub fn uses_lead_email(action: &ActionDef) -> bool {
    action.uses(&TemplateVar::LeadEmail)
}

/// One run of an action: per conversation, for the whole site, and per email when the action is
/// keyed on the lead's email (so new conversations do not buy new attempts on one account).
pub fn action_run(action: &ActionDef, conversation: &ConversationId, email: Option<&str>) -> Vec<Limit> {
    let RateLimit { per_conversation_per_hour, per_hour } = action.http().map(|h| h.rate_limit).unwrap_or_default();
    let slug = action.slug.to_string();
    let mut limits = vec![
        Limit {
            key: format!("run:{slug}:conversation:{conversation}"),
            max: per_conversation_per_hour,
            window_ms: HOUR_MS,
        },
        Limit { key: format!("run:{slug}"), max: per_hour, window_ms: HOUR_MS },
    ];
    if let Some(email) = email.filter(|_| uses_lead_email(action)) {
        limits.push(Limit {
            key: format!("run:{slug}:email:{}", email_key(email)),
            max: per_conversation_per_hour,
            window_ms: HOUR_MS,
        });
    }
    limits
}

/// Wrong one-time codes: per conversation and per email per hour. Taken before a check is sent
/// and given back when the code was right, so parallel guesses cannot exceed the limit.
pub fn failed_checks(config: &ActionsConfig, conversation: &ConversationId, email: Option<&str>) -> Vec<Limit> {
    let mut limits = vec![Limit {
        key: format!("failed-checks:conversation:{conversation}"),
        max: config.max_failed_checks,
        window_ms: HOUR_MS,
    }];
    if let Some(email) = email {
        limits.push(Limit {
            key: format!("failed-checks:email:{}", email_key(email)),
            max: config.max_failed_checks,
            window_ms: HOUR_MS,
        });
    }
    limits
}

/// Whether a refused key is a wrong-code limit (the visitor is told differently).
pub fn is_failed_checks(key: &str) -> bool {
    key.starts_with("failed-checks:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation() -> ConversationId {
        ConversationId::parse("c123").unwrap()
    }

    #[test]
    fn email_keyed_actions_are_limited_per_email_in_any_case() {
        let check = ActionDef::from_json(
            r#"{"name":"Check Code","type":"http","method":"POST","scope":"write","url":"https://x.example/v",
                "body":{"email":"{{lead.email}}"},"rate_limit":{"per_conversation_per_hour":5,"per_hour":100}}"#,
        )
        .unwrap();
        let limits = action_run(&check, &conversation(), Some("Ana@Example.com"));
        let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(
            keys,
            ["run:check-code:conversation:c123", "run:check-code", "run:check-code:email:ana@example.com"]
        );
        assert_eq!(limits.iter().map(|l| l.max).collect::<Vec<_>>(), [5, 100, 5]);
        let status =
            ActionDef::from_json(r#"{"name":"Status","type":"http","method":"GET","url":"https://x.example/s"}"#)
                .unwrap();
        assert_eq!(action_run(&status, &conversation(), Some("a@b.co")).len(), 2, "no email in it: no email key");
    }

    #[test]
    fn visitor_keys_fall_back_to_one_bucket_without_an_address() {
        let limits = visitor_write(&VisitorLimits::default(), None, &conversation());
        assert_eq!(limits[0].key, "ip:unknown:writes");
        assert_eq!(
            conversation_creation(&VisitorLimits::default(), Some("203.0.113.7"))[0].key,
            "ip:203.0.113.7:conversations"
        );
        let fails = failed_checks(&ActionsConfig::default(), &conversation(), Some("A@B.co"));
        assert!(fails.iter().all(|l| l.max == 5 && is_failed_checks(&l.key)));
        assert_eq!(fails[1].key, "failed-checks:email:a@b.co");
    }
}
