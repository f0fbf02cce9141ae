//! The edge's visitor API, same-origin, in `shared` types.

use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use shared::api::{
    ApiErrorBody, CreateConversationRequest, CreateConversationResponse, ErrorCode,
    MessagesResponse, PostMessageRequest, PublicSiteConfig,
};

use crate::storage::Session;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The edge could not be reached (offline, dropped connection): retrying may help.
    Network,
    /// The edge answered with an error.
    Rejected {
        /// HTTP status.
        status: u16,
        /// Machine-readable code, when the body had one.
        code: Option<ErrorCode>,
        /// What the edge said.
        message: String,
    },
}

impl ApiFailure {
    /// Whether the stored conversation no longer opens (deleted, or a token from another edge).
    pub fn session_lost(&self) -> bool {
        matches!(
            self,
            ApiFailure::Rejected {
                code: Some(
                    ErrorCode::ConversationNotFound
                        | ErrorCode::InvalidToken
                        | ErrorCode::MissingToken
                ),
                ..
            }
        )
    }

    /// A sentence for the visitor.
    pub fn describe(&self) -> String {
        match self {
            ApiFailure::Network => "Couldn't reach support. Check your connection.".into(),
            ApiFailure::Rejected {
                status, message, ..
            } if *status >= 500 => {
                format!("Support is having trouble right now ({message}).")
            }
            ApiFailure::Rejected { message, .. } => message.clone(),
        }
    }
}

async fn decode<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiFailure> {
    let response = response.map_err(|_| ApiFailure::Network)?;
    let status = response.status();
    if (200..300).contains(&status) {
        return response.json::<T>().await.map_err(|_| ApiFailure::Network);
    }
    let (code, message) = match response.json::<ApiErrorBody>().await {
        Ok(body) => (Some(body.error.code), body.error.message),
        Err(_) => (None, format!("HTTP {status}")),
    };
    Err(ApiFailure::Rejected {
        status,
        code,
        message,
    })
}

fn messages_url(session: &Session) -> String {
    format!("/api/v1/conversations/{}/messages", session.conversation_id)
}

/// `GET /api/v1/site`
pub async fn site_config() -> Result<PublicSiteConfig, ApiFailure> {
    decode(Request::get("/api/v1/site").send().await).await
}

/// `POST /api/v1/conversations`
pub async fn create_conversation(
    body: &CreateConversationRequest,
) -> Result<CreateConversationResponse, ApiFailure> {
    let request = Request::post("/api/v1/conversations")
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    decode(request.send().await).await
}

/// `GET /api/v1/conversations/{id}/messages`
pub async fn list_messages(session: &Session) -> Result<MessagesResponse, ApiFailure> {
    let request = Request::get(&messages_url(session))
        .header("Authorization", &format!("Bearer {}", session.token));
    decode(request.send().await).await
}

/// `POST /api/v1/conversations/{id}/messages`
pub async fn post_message(
    session: &Session,
    body: &PostMessageRequest,
) -> Result<MessagesResponse, ApiFailure> {
    let request = Request::post(&messages_url(session))
        .header("Authorization", &format!("Bearer {}", session.token))
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    decode(request.send().await).await
}
