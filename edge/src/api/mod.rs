//! The HTTP API as plain values: a request in, a response out. Only `glue` converts to and from
//! the Workers runtime's types, so every route is tested natively.

pub mod conversations;
pub mod cors;
pub mod error;
pub mod http;
pub mod routes;

pub use error::ApiError;
pub use http::{HttpRequest, HttpResponse};

use crate::agent::AnswerEngine;
use crate::store::ConversationStore;
use crate::token::Entropy;
use routes::Route;
use shared::site::SiteBundle;

/// Largest request body any route accepts; bigger ones get `413 payload_too_large`.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Everything a request needs: the site, storage, the answering engine and randomness.
pub struct Edge<'a, S, E, R> {
    /// The owner's configuration.
    pub site: &'a SiteBundle,
    /// Conversation storage.
    pub store: &'a S,
    /// Writes the agent's replies.
    pub engine: &'a E,
    /// Randomness for ids and tokens.
    pub entropy: &'a R,
}

/// Answers one API request at `now_ms` (Unix ms).
pub async fn handle<S, E, R>(edge: &Edge<'_, S, E, R>, req: &HttpRequest, now_ms: u64) -> HttpResponse
where
    S: ConversationStore,
    E: AnswerEngine,
    R: Entropy,
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

async fn dispatch<S, E, R>(edge: &Edge<'_, S, E, R>, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError>
where
    S: ConversationStore,
    E: AnswerEngine,
    R: Entropy,
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
    }
}

#[cfg(test)]
pub(crate) mod tests;
