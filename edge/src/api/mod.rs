//! The HTTP API as plain values: a request in, a response out. Only `glue` converts to and from
//! the Workers runtime's types, so every route is tested natively.

pub mod admin;
pub mod clicks;
pub mod conversations;
pub mod cors;
pub mod erasure;
pub mod error;
pub mod exchange;
pub mod forms;
pub mod http;
pub mod routes;
pub mod security_headers;

pub use error::ApiError;
pub use http::{HttpRequest, HttpResponse};

use crate::actions::execute::{Network, TokenCache};
use crate::actions::ssrf::NetworkPolicy;
use crate::agent::AnswerEngine;
use crate::store::{ActionLogStore, ConversationStore, ErasureStore};
use crate::token::Entropy;
use routes::Route;
use shared::site::SiteBundle;
use std::collections::BTreeMap;

/// Largest request body any route accepts; bigger ones get `413 payload_too_large`.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Everything a request needs: the site, storage, the answering engine, randomness, and what
/// actions need.
pub struct Edge<'a, S, E, R, N> {
    /// The owner's configuration.
    pub site: &'a SiteBundle,
    /// Conversation storage.
    pub store: &'a S,
    /// Writes the agent's replies.
    pub engine: &'a E,
    /// Randomness for ids and tokens.
    pub entropy: &'a R,
    /// What running actions needs.
    pub actions: ActionEnv<'a, N>,
}

/// The action side of the edge: network, policy, token cache, secrets and the admin token.
pub struct ActionEnv<'a, N> {
    /// The outside world.
    pub network: &'a N,
    /// The actions, indexed for the agent.
    pub intents: &'a crate::agent::intent::ActionIndex,
    /// Where actions may call.
    pub policy: &'a NetworkPolicy,
    /// Cached token-endpoint tokens.
    pub tokens: &'a TokenCache,
    /// Secret values by name (only the ones the site declares).
    pub secrets: &'a BTreeMap<String, String>,
    /// The owner's admin token, if set.
    pub admin_token: Option<&'a str>,
    /// The secret the owner's server signs user ids with (`IDENTITY_SECRET`), if set.
    pub identity_secret: Option<&'a str>,
}

/// Answers one API request at `now_ms` (Unix ms).
pub async fn handle<S, E, R, N>(edge: &Edge<'_, S, E, R, N>, req: &HttpRequest, now_ms: u64) -> HttpResponse
where
    S: ConversationStore + ActionLogStore + crate::limits::RateLimiter + ErasureStore,
    E: AnswerEngine,
    R: Entropy,
    N: Network,
{
    let origin = req.header("origin").map(str::to_string);
    let mut response = if req.method == "OPTIONS" {
        cors::preflight()
    } else {
        match dispatch(edge, req, now_ms).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    };
    cors::apply(&edge.site.agent, origin.as_deref(), &mut response);
    response
}

async fn dispatch<S, E, R, N>(
    edge: &Edge<'_, S, E, R, N>,
    req: &HttpRequest,
    now_ms: u64,
) -> Result<HttpResponse, ApiError>
where
    S: ConversationStore + ActionLogStore + crate::limits::RateLimiter + ErasureStore,
    E: AnswerEngine,
    R: Entropy,
    N: Network,
{
    let route = routes::route(&req.method, &req.path)?;
    if req.body.len() > MAX_BODY_BYTES {
        return Err(ApiError::too_large(MAX_BODY_BYTES));
    }
    match route {
        Route::Site => Ok(conversations::public_site(edge.site)),
        Route::CreateConversation => conversations::create(edge, req, now_ms).await,
        Route::PostMessage(id) => conversations::post_message(edge, req, &id, now_ms).await,
        Route::ListMessages(id) => conversations::list_messages(edge, req, &id).await,
        Route::SubmitForm(id, message) => forms::submit(edge, req, &id, &message, now_ms).await,
        Route::ClickButton(id, message, button) => clicks::click(edge, req, &id, &message, &button, now_ms).await,
        Route::SetAttributes(id) => conversations::set_attributes(edge, req, &id).await,
        Route::AdminActions => admin::authorize(edge, req).map(|()| admin::list(edge)),
        Route::AdminActionLogs(name) => {
            admin::authorize(edge, req)?;
            admin::logs(edge, req, &name).await
        }
        Route::AdminActionTest(name) => {
            admin::authorize(edge, req)?;
            admin::test(edge, req, &name, now_ms).await
        }
        Route::DeleteConversation(id) => erasure::delete_own(edge, req, &id).await,
        Route::AdminDeleteConversation(id) => {
            admin::authorize(edge, req)?;
            erasure::admin_delete(edge, &id).await
        }
        Route::AdminErasures => {
            admin::authorize(edge, req)?;
            erasure::erase(edge, req).await
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_buttons_lead;
#[cfg(test)]
mod tests_erasure;
#[cfg(test)]
mod tests_verification;
