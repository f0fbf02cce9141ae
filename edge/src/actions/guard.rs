//! Guards the model cannot talk its way past: the action exists and is enabled, inputs are
//! present and valid, preconditions hold, and the conversation is verified where required.
//! Enforced by the edge before any request is built; rate limits follow, taken atomically in
//! `actions::runner` through `crate::limits`.

use shared::action::{validate_input, ActionDef};
use shared::template::Values;
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
    /// Too many wrong one-time codes for this conversation or email.
    #[error("too many wrong codes; code checks are paused for up to an hour")]
    TooManyWrongCodes,
}

/// What the edge knows about the conversation for guarding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuardState {
    /// Verified by an owner's `verifies` action, for the current email, and not expired.
    pub verified: bool,
    /// Identified by the host page with a valid `user_hash` or JWT.
    pub identity_verified: bool,
    /// The lead email comes from the host page's signed JWT.
    pub email_signed: bool,
}

/// Checks everything; returns the normalised inputs, ready to become `{{inputs.NAME}}`.
pub fn check(
    action: &ActionDef,
    inputs: &BTreeMap<String, String>,
    values: &Values,
    state: GuardState,
) -> Result<BTreeMap<String, String>, Refusal> {
    // Only enabled http actions run: forms and buttons are drawn, never called.
    let Some(http) = action.http().filter(|_| action.enabled) else {
        return Err(Refusal::Unknown(action.name.clone()));
    };
    if let Some(extra) = inputs.keys().find(|k| !http.inputs.iter().any(|i| &i.name == *k)) {
        return Err(Refusal::UnexpectedInput(extra.clone()));
    }
    for var in &http.requires {
        if values.get(var).is_none_or(|v| v.trim().is_empty()) {
            return Err(Refusal::Precondition(var.to_string()));
        }
    }
    // A signed user id says nothing about a typed email: an action keyed on the email needs it signed.
    if http.requires_verified_identity
        && (!state.identity_verified || (action.uses(&shared::template::TemplateVar::LeadEmail) && !state.email_signed))
    {
        return Err(Refusal::IdentityNotVerified);
    }
    if http.requires_verification && !state.verified {
        return Err(Refusal::NotVerified);
    }
    let mut clean = BTreeMap::new();
    for input in &http.inputs {
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
        [(shared::template::TemplateVar::LeadEmail, "a@b.co".to_string())].into_iter().collect()
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
        assert_eq!(
            check(&reset(), &inputs(&[("code", " 123456 ")]), &with_email(), verified).unwrap()["code"],
            "123456"
        );
    }

    #[test]
    fn identity_must_be_verified_when_required() {
        let mut a = reset();
        let shared::action::ActionKind::Http(h) = &mut a.kind else { panic!() };
        h.requires_verification = false;
        h.requires_verified_identity = true;
        let typed_email = GuardState::default();
        assert_eq!(
            check(&a, &inputs(&[("code", "123456")]), &with_email(), typed_email),
            Err(Refusal::IdentityNotVerified)
        );
        // The reset is keyed on {{lead.email}} (requires): a signed user id alone does not do.
        let user_hash_only = GuardState { identity_verified: true, ..Default::default() };
        assert_eq!(
            check(&a, &inputs(&[("code", "123456")]), &with_email(), user_hash_only),
            Err(Refusal::IdentityNotVerified)
        );
        let signed_email = GuardState { identity_verified: true, email_signed: true, ..Default::default() };
        assert!(check(&a, &inputs(&[("code", "123456")]), &with_email(), signed_email).is_ok());
        let shared::action::ActionKind::Http(h) = &mut a.kind else { panic!() };
        h.requires.clear();
        assert!(check(&a, &inputs(&[("code", "123456")]), &with_email(), user_hash_only).is_ok(), "no email used");
    }

    #[test]
    fn disabled_actions_do_not_exist() {
        let mut a = reset();
        a.enabled = false;
        assert!(matches!(check(&a, &inputs(&[]), &with_email(), GuardState::default()), Err(Refusal::Unknown(_))));
    }
}
