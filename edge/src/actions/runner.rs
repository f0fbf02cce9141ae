//! The one guarded run of an action, for a visitor's conversation turn (a message, a click, a
//! form) and for the owner's test endpoint alike: guard → secrets → rate limits (taken atomically,
//! given back when nothing was sent or a code was right) → execute → log → verification. The two
//! callers differ only where [`visitor_run`] and [`owner_test`] say so; both go through [`guarded`].

use super::execute::{self, ActionRun, ErrorClass, Network, RunContext, RunStatus, TokenCache};
use super::guard::{self, GuardState, Refusal};
use super::render::secret_names;
use super::ssrf::NetworkPolicy;
use crate::limits::{keys, Decision, RateLimiter};
use crate::store::{ActionLogStore, ConversationRecord, RunOrigin, StoreError, Verification};
use crate::token::{random_text, Entropy};
use shared::action::ActionDef;
use shared::site::SiteBundle;
use shared::template::{TemplateVar, Values};
use shared::MessageId;
use std::collections::BTreeMap;

/// What running an action needs besides storage: the network, where it may call, cached
/// token-endpoint tokens and secret values.
pub struct ActionEnv<'a, N> {
    /// The outside world.
    pub network: &'a N,
    /// Where actions may call.
    pub policy: &'a NetworkPolicy,
    /// Cached token-endpoint tokens.
    pub tokens: &'a TokenCache,
    /// Secret values by name (only the ones the site declares).
    pub secrets: &'a BTreeMap<String, String>,
}

/// What a guarded run needs from the edge (`api::Edge` provides it in the Worker and in tests).
pub trait RunDeps {
    /// Where runs are logged.
    type Store: ActionLogStore;
    /// Where rate limits are taken and given back.
    type Limiter: RateLimiter;
    /// Randomness for limiter tickets and test idempotency keys.
    type Entropy: Entropy;
    /// How actions reach their targets.
    type Network: Network;

    /// The owner's configuration.
    fn site(&self) -> &SiteBundle;
    /// Storage.
    fn store(&self) -> &Self::Store;
    /// The rate limiter.
    fn limiter(&self) -> &Self::Limiter;
    /// Randomness.
    fn entropy(&self) -> &Self::Entropy;
    /// Network, policy, token cache and secrets.
    fn actions(&self) -> &ActionEnv<'_, Self::Network>;
}

/// How long a one-time-code verification holds, ms.
pub fn verification_ttl_ms(site: &SiteBundle) -> u64 {
    u64::from(site.agent.actions.verification_ttl_minutes) * 60_000
}

/// Why a run could not start: nothing was sent and no limit was taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotRunnable {
    /// A guard refused (disabled, inputs, preconditions, verification, identity).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The action uses a secret that is not set on the edge: a setup problem, not a guard.
    #[error("the secret {0} is not set on the edge")]
    MissingSecret(String),
}

impl NotRunnable {
    /// As a refused run of `slug`, for the log (the visitor reads only its error class).
    fn into_run(self, slug: String) -> ActionRun {
        let class = match &self {
            Self::MissingSecret(_) => ErrorClass::Template,
            Self::Refused(Refusal::RateLimited) => ErrorClass::RateLimited,
            Self::Refused(Refusal::TooManyWrongCodes) => ErrorClass::WrongCodeLimit,
            Self::Refused(_) => ErrorClass::Guard,
        };
        ActionRun::not_sent(slug, RunStatus::Refused, Some(class), self.to_string())
    }
}

/// A run that was logged, with its log entry's id.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    /// The run (request and response already redacted).
    pub run: ActionRun,
    /// Its action-log id.
    pub log_id: i64,
}

/// Who a run is for; decides the guard state, the limits, the idempotency key and the log entry.
enum Caller<'a> {
    /// A visitor in `conversation`, acting through a stored message from an address.
    Visitor { conversation: &'a ConversationRecord, asked: Asked<'a> },
    /// The owner, from the admin test endpoint.
    AdminTest,
}

/// Where a visitor's request for a run came from: the stored message it answers (a typed message,
/// a click or a form submission) and the visitor's address.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The stored visitor message.
    pub message: &'a MessageId,
    /// The visitor's address (`CF-Connecting-IP`), for the per-address limits.
    pub address: Option<&'a str>,
}

/// Runs `action` for a visitor of `conversation` who `asked` for it, with the conversation's
/// template `values`.
/// The conversation's verification and signed identity decide the guard; the visitor's rate
/// limits apply; a run that cannot start is logged as refused (the visitor reads only its error
/// class). A `verifies` run that succeeds binds the verification to this email and user id, now:
/// the caller saves `conversation`.
pub async fn visitor_run<D: RunDeps>(
    deps: &D,
    conversation: &mut ConversationRecord,
    asked: Asked<'_>,
    action: &ActionDef,
    inputs: &BTreeMap<String, String>,
    values: Values,
    now_ms: u64,
) -> Result<ActionRun, StoreError> {
    let caller = Caller::Visitor { conversation, asked };
    let run = match guarded(deps, &caller, action, inputs, values, now_ms).await? {
        Ok(run) => run,
        Err(not_runnable) => not_runnable.into_run(action.slug.to_string()),
    };
    deps.store().record_run(now_ms, &RunOrigin::Visitor(conversation.id.clone()), &run).await?;
    if run.status == RunStatus::Ok && action.http().is_some_and(|h| h.verifies) {
        // Bound to what was checked: this email and user, from now.
        conversation.verification = Some(Verification {
            email: conversation.lead.email.clone(),
            user_id: conversation.user_id.clone(),
            at_ms: now_ms,
        });
    }
    Ok(run)
}

/// Runs `action` for the owner's test endpoint with the owner's `values` and `inputs`. Inputs
/// are validated as for a visitor, but the action may be switched off (the owner tests before
/// switching it on), the owner counts as verified and signed in, `requires`
/// variables the owner did not pass stand in as `(test)`, and no visitor's limit is taken or
/// counted. A test that cannot start is the owner's to fix: it is returned, not logged.
pub async fn owner_test<D: RunDeps>(
    deps: &D,
    action: &ActionDef,
    inputs: &BTreeMap<String, String>,
    values: Values,
    now_ms: u64,
) -> Result<Result<Logged, NotRunnable>, StoreError> {
    let run = match guarded(deps, &Caller::AdminTest, action, inputs, values, now_ms).await? {
        Ok(run) => run,
        Err(not_runnable) => return Ok(Err(not_runnable)),
    };
    let log_id = deps.store().record_run(now_ms, &RunOrigin::AdminTest, &run).await?;
    Ok(Ok(Logged { run, log_id }))
}

/// Guards, secrets, the rate limits (checked and counted atomically), and the run itself. Only
/// runs that were sent count against the limits; a `verifies` run whose code was right does not
/// count as a wrong code. `Err` when the run could not start.
async fn guarded<D: RunDeps>(
    deps: &D,
    caller: &Caller<'_>,
    action: &ActionDef,
    inputs: &BTreeMap<String, String>,
    mut values: Values,
    now_ms: u64,
) -> Result<Result<ActionRun, NotRunnable>, StoreError> {
    let slug = action.slug.to_string();
    let clean = match caller {
        Caller::Visitor { conversation, .. } => {
            let state = GuardState {
                verified: conversation.verified_at(now_ms, verification_ttl_ms(deps.site())),
                identity_verified: conversation.identity_verified(now_ms),
                email_signed: conversation.email_signed(now_ms),
            };
            guard::check(action, inputs, &values, state)
        }
        Caller::AdminTest => {
            let owner = GuardState { verified: true, identity_verified: true, email_signed: true };
            let mut for_guard = values.clone();
            for var in action.http().map(|h| h.requires.as_slice()).unwrap_or_default() {
                for_guard.entry(var.clone()).or_insert_with(|| "(test)".into());
            }
            // The owner tests an action before switching it on: "off" keeps visitors from it, not them.
            let on = ActionDef { enabled: true, ..action.clone() };
            guard::check(&on, inputs, &for_guard, owner)
        }
    };
    let clean = match clean {
        Ok(clean) => clean,
        Err(refusal) => return Ok(Err(refusal.into())),
    };
    for (name, value) in clean {
        values.insert(TemplateVar::Input(name), value);
    }
    let secrets = deps.actions().secrets;
    for name in secret_names(action) {
        let Some(value) = secrets.get(&name) else { return Ok(Err(NotRunnable::MissingSecret(name))) };
        values.insert(TemplateVar::Secret(name), value.clone());
    }
    let (wrong_codes, limits, idempotency_seed) = match caller {
        Caller::Visitor { conversation, asked } => {
            let who = keys::Who {
                address: asked.address,
                email: conversation.lead.email.as_deref(),
                user_id: conversation.user_id.as_deref(),
            };
            let agent = &deps.site().agent;
            let wrong_codes = if action.http().is_some_and(|h| h.verifies) {
                keys::failed_checks(&agent.actions, action, &conversation.id, who)
            } else {
                vec![]
            };
            // Wrong-code limits first: when they are full, that is what the visitor is told.
            let mut limits = wrong_codes.clone();
            limits.extend(keys::action_run(&agent.limits, action, &conversation.id, who));
            // The same visitor message (a client retry) gives the same key.
            (wrong_codes, limits, format!("{}:{}", conversation.id, asked.message))
        }
        // The owner's tests count against no visitor's limits, and each is a new request.
        Caller::AdminTest => (vec![], vec![], format!("test:{}", random_text(deps.entropy(), 12))),
    };
    let ticket = random_text(deps.entropy(), 12);
    if !limits.is_empty() {
        // Over a limit, the run is refused (and logged so) like a guard's refusal.
        let over = match deps.limiter().take(&ticket, &limits, now_ms).await? {
            Decision::Granted => None,
            Decision::Refused { key, .. } if keys::is_failed_checks(&key) => Some(Refusal::TooManyWrongCodes),
            Decision::Refused { .. } => Some(Refusal::RateLimited),
        };
        if let Some(refusal) = over {
            return Ok(Ok(NotRunnable::Refused(refusal).into_run(slug)));
        }
    }
    let actions = deps.actions();
    let ctx = RunContext { network: actions.network, policy: actions.policy, tokens: actions.tokens, idempotency_seed };
    let run = execute::run(&ctx, action, &values).await;
    let sent = !(run.status == RunStatus::Refused && run.response_status.is_none());
    let give_back: Vec<String> = if !sent {
        limits.iter().map(|l| l.key.clone()).collect()
    } else if run.status == RunStatus::Ok {
        wrong_codes.iter().map(|l| l.key.clone()).collect()
    } else {
        Vec::new()
    };
    if !give_back.is_empty() {
        deps.limiter().refund(&ticket, &give_back).await?;
    }
    Ok(Ok(run))
}
