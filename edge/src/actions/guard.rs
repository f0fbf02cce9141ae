//! Guards the model cannot talk its way past: the action exists and is enabled, inputs are
//! present and valid, preconditions hold, the conversation is verified where required, and rate
//! limits are respected. Enforced by the edge before any request is built.

use shared::action::{validate_input, ActionDef, RateLimit};
use shared::template::{TemplateVar, Values};
use std::collections::BTreeMap;

/// Why an action may not run now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not defined, or disabled.
    #[error("there is no enabled action called {0:?}")]
    Unknown(String),
    /// A required input has no value yet: the agent must ask for it.
    #[error("{prompt} is needed")]
    MissingInput {
        /// Input name.
        name: String,
        /// What to ask the visitor for.
        prompt: String,
    },
    /// An input does not have the right shape.
    #[error("{message}")]
    InvalidInput {
        /// Input name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// An input the action does not declare.
    #[error("the action has no input called {0:?}")]
    UnexpectedInput(String),
    /// A `requires` variable has no value.
    #[error("this needs {0} first")]
    Precondition(String),
    /// The action needs a visitor identified by the host page with a valid hash.
    #[error("this needs you to be signed in on the website")]
    IdentityNotVerified,
    /// The action needs a verified conversation.
    #[error("this needs the customer to be verified first (one-time code)")]
    NotVerified,
    /// Too many runs.
    #[error("this action was used too often; try again later")]
    RateLimited,
}

/// What the edge knows about the conversation for guarding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuardState {
    /// Verified by an owner's `verifies` action.
    pub verified: bool,
    /// Identified by the host page with a valid `user_hash`.
    pub identity_verified: bool,
    /// Runs of this action in this conversation in the last hour.
    pub conversation_runs_last_hour: u32,
    /// Runs of this action in all conversations in the last hour.
    pub action_runs_last_hour: u32,
}

/// Checks everything; returns the normalised inputs, ready to become `{{inputs.NAME}}`.
pub fn check(
    action: &ActionDef,
    inputs: &BTreeMap<String, String>,
    values: &Values,
    state: GuardState,
) -> Result<BTreeMap<String, String>, Refusal> {
    if !action.enabled {
        return Err(Refusal::Unknown(action.name.clone()));
    }
    if let Some(extra) = inputs.keys().find(|k| !action.inputs.iter().any(|i| &i.name == *k)) {
        return Err(Refusal::UnexpectedInput(extra.clone()));
    }
    for required in &action.requires {
        let var = TemplateVar::parse(required).map_err(|_| Refusal::Precondition(required.clone()))?;
        if values.get(&var).is_none_or(|v| v.trim().is_empty()) {
            return Err(Refusal::Precondition(required.clone()));
        }
    }
    if action.requires_verified_identity && !state.identity_verified {
        return Err(Refusal::IdentityNotVerified);
    }
    if action.requires_verification && !state.verified {
        return Err(Refusal::NotVerified);
    }
    let limit = action.rate_limit.unwrap_or_default();
    if state.conversation_runs_last_hour >= limit.per_conversation_per_hour
        || state.action_runs_last_hour >= limit.per_hour
    {
        return Err(Refusal::RateLimited);
    }
    let mut clean = BTreeMap::new();
    for input in &action.inputs {
        match inputs.get(&input.name).map(String::as_str) {
            Some(raw) if !raw.trim().is_empty() => {
                let v = validate_input(input, raw)
                    .map_err(|message| Refusal::InvalidInput { name: input.name.clone(), message })?;
                clean.insert(input.name.clone(), v);
            }
            _ if input.required => {
                return Err(Refusal::MissingInput {
                    name: input.name.clone(),
                    prompt: input.description.clone().unwrap_or_else(|| input.name.replace('_', " ")),
                })
            }
            _ => {
                clean.insert(input.name.clone(), String::new());
            }
        }
    }
    Ok(clean)
}

/// The limits that apply to an action.
pub fn limits(action: &ActionDef) -> RateLimit {
    action.rate_limit.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reset() -> ActionDef {
        ActionDef::from_json(
            r#"{"name":"Reset 2FA","type":"http","method":"POST","scope":"write","url":"https://x.example/r",
                "requires":["lead.email"],"requires_verification":true,
                "inputs":[{"name":"code","format":"otp","description":"the one-time code"}],
                "rate_limit":{"per_conversation_per_hour":1,"per_hour":5}}"#,
        )
        .unwrap()
    }

    fn with_email() -> Values {
        [(TemplateVar::LeadEmail, "a@b.co".to_string())].into_iter().collect()
    }

    fn inputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn refuses_in_order_of_what_to_fix() {
        let verified = GuardState { verified: true, ..Default::default() };
        assert_eq!(
            check(&reset(), &inputs(&[]), &Values::new(), verified),
            Err(Refusal::Precondition("lead.email".into()))
        );
        assert_eq!(check(&reset(), &inputs(&[]), &with_email(), GuardState::default()), Err(Refusal::NotVerified));
        assert!(matches!(check(&reset(), &inputs(&[]), &with_email(), verified), Err(Refusal::MissingInput { .. })));
        assert!(matches!(
            check(&reset(), &inputs(&[("code", "12ab")]), &with_email(), verified),
            Err(Refusal::InvalidInput { .. })
        ));
        assert_eq!(
            check(&reset(), &inputs(&[("nope", "1")]), &with_email(), verified),
            Err(Refusal::UnexpectedInput("nope".into()))
        );
        let limited = GuardState { verified: true, conversation_runs_last_hour: 1, ..Default::default() };
        assert_eq!(check(&reset(), &inputs(&[("code", "123456")]), &with_email(), limited), Err(Refusal::RateLimited));
        assert_eq!(
            check(&reset(), &inputs(&[("code", " 123456 ")]), &with_email(), verified).unwrap()["code"],
            "123456"
        );
    }

    #[test]
    fn identity_must_be_verified_when_required() {
        let mut a = reset();
        a.requires_verification = false;
        a.requires_verified_identity = true;
        let typed_email = GuardState::default();
        assert_eq!(
            check(&a, &inputs(&[("code", "123456")]), &with_email(), typed_email),
            Err(Refusal::IdentityNotVerified)
        );
        let signed_in = GuardState { identity_verified: true, ..Default::default() };
        assert!(check(&a, &inputs(&[("code", "123456")]), &with_email(), signed_in).is_ok());
    }

    #[test]
    fn disabled_actions_do_not_exist() {
        let mut a = reset();
        a.enabled = false;
        assert!(matches!(check(&a, &inputs(&[]), &with_email(), GuardState::default()), Err(Refusal::Unknown(_))));
    }
}
