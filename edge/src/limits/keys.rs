//! The limits each kind of request takes, and how their keys are spelled: per visitor address
//! (conversation creation, messages, each action's runs, other requests), per conversation, per
//! action, and per identity value an action sends (`{{lead.email}}`, `{{conversation.user_id}}`),
//! for its runs and its wrong one-time codes, so new conversations do not buy new attempts on
//! one account.

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
pub fn ip_key(ip: Option<&str>) -> String {
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

/// Emails count the same whatever their case and `+tag`: a limit may only get stricter by
/// folding two addresses into one, never looser.
fn email_key(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => email,
    }
}

/// A user id as a key: hashed (ids are up to 128 characters of anything), case and spaces kept
/// apart only where the owner's ids differ.
fn user_key(user_id: &str) -> String {
    crate::token::hash_token(user_id.trim())[..32].to_string()
}

/// Who asks for a run, as the limits key it: the visitor's address and the identity values the
/// conversation holds (each is keyed only when the action sends it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Who<'a> {
    /// The visitor's address (`CF-Connecting-IP`).
    pub address: Option<&'a str>,
    /// The conversation's `lead.email`.
    pub email: Option<&'a str>,
    /// The conversation's `user_id`.
    pub user_id: Option<&'a str>,
}

impl Who<'_> {
    /// The identity keys of `action`'s values: `email:…` when it sends `{{lead.email}}`,
    /// `user:…` when it sends `{{conversation.user_id}}`.
    fn identities(&self, action: &ActionDef) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(email) = self.email.filter(|_| action.uses(&TemplateVar::LeadEmail)) {
            keys.push(format!("email:{}", email_key(email)));
        }
        if let Some(user) = self.user_id.filter(|_| action.uses(&TemplateVar::ConversationUserId)) {
            keys.push(format!("user:{}", user_key(user)));
        }
        keys
    }
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

/// One run of an action: per conversation, for the whole site, per visitor address (so one
/// address cannot spend the site-wide cap every visitor shares), and per identity value the
/// action sends (so new conversations do not buy new runs on one account).
pub fn action_run(limits: &VisitorLimits, action: &ActionDef, conversation: &ConversationId, who: Who) -> Vec<Limit> {
    let RateLimit { per_conversation_per_hour, per_hour } = action.http().map(|h| h.rate_limit).unwrap_or_default();
    let slug = action.slug.to_string();
    let mut out = vec![
        Limit {
            key: format!("run:{slug}:conversation:{conversation}"),
            max: per_conversation_per_hour,
            window_ms: HOUR_MS,
        },
        Limit { key: format!("run:{slug}"), max: per_hour, window_ms: HOUR_MS },
        Limit {
            key: format!("run:{slug}:ip:{}", ip_key(who.address)),
            max: limits.action_runs_per_ip_per_hour,
            window_ms: HOUR_MS,
        },
    ];
    for identity in who.identities(action) {
        out.push(Limit { key: format!("run:{slug}:{identity}"), max: per_conversation_per_hour, window_ms: HOUR_MS });
    }
    out
}

/// Wrong one-time codes of the `verifies` action `check`: per conversation and per identity value
/// it sends, per hour. Taken before a check is sent and given back when the code was right, so
/// parallel guesses cannot exceed the limit.
pub fn failed_checks(config: &ActionsConfig, check: &ActionDef, conversation: &ConversationId, who: Who) -> Vec<Limit> {
    let limit = |key: String| Limit { key, max: config.max_failed_checks, window_ms: HOUR_MS };
    let mut out = vec![limit(format!("failed-checks:conversation:{conversation}"))];
    out.extend(who.identities(check).into_iter().map(|identity| limit(format!("failed-checks:{identity}"))));
    out
}

/// Other requests a visitor address makes (`setAttributes`, live connections, requests naming a
/// conversation that does not exist), each `kind` per minute.
pub fn other_request(limits: &VisitorLimits, ip: Option<&str>, kind: &str) -> Vec<Limit> {
    vec![Limit {
        key: format!("ip:{}:{kind}", ip_key(ip)),
        max: limits.other_requests_per_ip_per_minute,
        window_ms: MINUTE_MS,
    }]
}

/// Replies and notes one agent writes per minute: far above anyone typing, and a stolen or
/// scripted session cannot flood a visitor or the notes.
pub const AGENT_WRITES_PER_MINUTE: u32 = 60;

/// An agent's reply or note: per agent, per minute.
pub fn agent_write(agent_id: &str) -> Vec<Limit> {
    vec![Limit { key: format!("agent:{agent_id}:writes"), max: AGENT_WRITES_PER_MINUTE, window_ms: MINUTE_MS }]
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

    fn action(json: &str) -> ActionDef {
        ActionDef::from_json(json).unwrap()
    }

    #[test]
    fn runs_are_limited_per_address_and_per_identity_value_the_action_sends() {
        let check = action(
            r#"{"name":"Check Code","type":"http","method":"POST","scope":"write","url":"https://x.example/v",
                "body":{"email":"{{lead.email}}"},"rate_limit":{"per_conversation_per_hour":5,"per_hour":100}}"#,
        );
        let who = Who { address: Some("203.0.113.7"), email: Some(" Ana+chat@Example.com"), user_id: Some("u-1") };
        let limits = action_run(&VisitorLimits::default(), &check, &conversation(), who);
        let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "run:check-code:conversation:c123",
                "run:check-code",
                "run:check-code:ip:203.0.113.7",
                "run:check-code:email:ana@example.com"
            ],
            "the user id is not sent, so it is not keyed"
        );
        assert_eq!(limits.iter().map(|l| l.max).collect::<Vec<_>>(), [5, 100, 30, 5]);
        let status = action(r#"{"name":"Status","type":"http","method":"GET","url":"https://x.example/s"}"#);
        assert_eq!(action_run(&VisitorLimits::default(), &status, &conversation(), who).len(), 3, "no identity in it");
        let by_user = action(
            r#"{"name":"Balance","type":"http","method":"GET","url":"https://x.example/b/{{conversation.user_id}}"}"#,
        );
        let keys = action_run(&VisitorLimits::default(), &by_user, &conversation(), who);
        assert!(keys[3].key.starts_with("run:balance:user:"), "{:?}", keys[3]);
        let same = Who { user_id: Some(" u-1 "), ..who };
        assert_eq!(action_run(&VisitorLimits::default(), &by_user, &conversation(), same)[3].key, keys[3].key);
        assert!(!keys[3].key.contains("u-1"), "user ids are hashed");
    }

    #[test]
    fn wrong_codes_are_counted_on_every_identity_value_the_check_sends() {
        let by_user = action(
            r#"{"name":"Check","type":"http","method":"POST","scope":"write","url":"https://x.example/v",
                "body":{"user":"{{conversation.user_id}}","code":"{{inputs.code}}"},
                "inputs":[{"name":"code","format":"otp","length":6}],"verifies":true,
                "response":{"success_when":{"path":"ok","equals":true}}}"#,
        );
        let who = Who { address: None, email: Some("a@b.co"), user_id: Some("victim") };
        let fails = failed_checks(&ActionsConfig::default(), &by_user, &conversation(), who);
        assert_eq!(fails.len(), 2);
        assert!(fails[1].key.starts_with("failed-checks:user:"), "{:?}", fails[1]);
        assert!(fails.iter().all(|l| l.max == 5 && is_failed_checks(&l.key)));
        let other = ConversationId::parse("c999").unwrap();
        assert_eq!(
            failed_checks(&ActionsConfig::default(), &by_user, &other, who)[1].key,
            fails[1].key,
            "another conversation, the same account"
        );
    }

    #[test]
    fn visitor_keys_fall_back_to_one_bucket_without_an_address() {
        let limits = visitor_write(&VisitorLimits::default(), None, &conversation());
        assert_eq!(limits[0].key, "ip:unknown:writes");
        assert_eq!(
            conversation_creation(&VisitorLimits::default(), Some("203.0.113.7"))[0].key,
            "ip:203.0.113.7:conversations"
        );
        assert_eq!(
            other_request(&VisitorLimits::default(), Some("2001:db8::1"), "live")[0].key,
            "ip:2001:db8:0:0::/64:live"
        );
    }
}
