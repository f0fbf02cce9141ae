//! The edge's visitor API, same-origin, in `shared` types.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{
    ApiErrorBody, CreateConversationRequest, CreateConversationResponse, ErrorCode, MessagesResponse,
    PostMessageRequest, PublicSiteConfig, SetAttributesRequest, SubmitFormRequest,
};
use shared::time::wait_in_words;
use std::collections::BTreeMap;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::storage::Session;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The edge could not be reached (offline, dropped connection): retrying may help.
    Network,
    /// The request could not be written as JSON (a bug, not the visitor's doing): not sent.
    Unsendable,
    /// The edge answered with an error.
    Rejected {
        /// HTTP status.
        status: u16,
        /// Machine-readable code, when the body had one.
        code: Option<ErrorCode>,
        /// What the edge said.
        message: String,
        /// Per-field messages (invalid forms).
        fields: Option<BTreeMap<String, String>>,
        /// With `rate_limited`: seconds until the edge takes the request again.
        retry_after: Option<u64>,
    },
}

impl ApiFailure {
    /// Whether the stored conversation no longer opens (deleted, or a token from another edge).
    pub fn session_lost(&self) -> bool {
        matches!(
            self,
            ApiFailure::Rejected {
                code: Some(ErrorCode::ConversationNotFound | ErrorCode::InvalidToken | ErrorCode::MissingToken),
                ..
            }
        )
    }

    /// Seconds to wait before the edge takes the request again, when it said it was too soon.
    pub fn rate_limited(&self) -> Option<u64> {
        match self {
            ApiFailure::Rejected { code: Some(ErrorCode::RateLimited), retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether sending the request again cannot succeed: it could not be written, or the edge
    /// refused it itself (a `4xx` with an error code, other than the ones a wait
    /// (`rate_limited`), the lead form (`lead_required`) or a new conversation (a lost session)
    /// resolves).
    pub fn refused(&self) -> bool {
        match self {
            ApiFailure::Unsendable => true,
            ApiFailure::Rejected { status: 400..=499, code: Some(code), .. } => !matches!(
                code,
                ErrorCode::RateLimited
                    | ErrorCode::LeadRequired
                    | ErrorCode::ConversationNotFound
                    | ErrorCode::InvalidToken
                    | ErrorCode::MissingToken
            ),
            _ => false,
        }
    }

    /// A sentence for the visitor.
    pub fn describe(&self) -> String {
        if let Some(seconds) = self.rate_limited() {
            return format!("You're going a little fast for us. Please try again in {}.", wait_in_words(seconds));
        }
        match self {
            ApiFailure::Network => "Couldn't reach support. Check your connection.".into(),
            ApiFailure::Unsendable => "This message could not be prepared for sending.".into(),
            ApiFailure::Rejected { status, message, .. } if *status >= 500 => {
                format!("Support is having trouble right now ({message}).")
            }
            ApiFailure::Rejected { message, .. } => message.clone(),
        }
    }
}

/// One JSON request, answered with a `T`.
async fn call<T: DeserializeOwned>(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&impl Serialize>,
) -> Result<T, ApiFailure> {
    let body = match body {
        Some(body) => Some(JsValue::from_str(&crate::json::stringify(body).ok_or(ApiFailure::Unsendable)?)),
        None => None,
    };
    read(request(method, url, token, body, false).await?)
}

/// A `T` from a JSON answer's text.
fn read<T: DeserializeOwned>(text: JsValue) -> Result<T, ApiFailure> {
    // A cut-off body reads as a network failure: the request may be retried.
    crate::json::parse(&text.as_string().unwrap_or_default()).ok_or(ApiFailure::Network)
}

/// Sends a request with the browser's `fetch` (a string body goes as JSON, a file as it is) and
/// returns the body of a `2xx`: its text (`null` for `204`), or with `blob` the bytes as a `Blob`.
/// Plain web-sys: an HTTP client crate would cost the widget more bytes than this module; not
/// generic, so that one copy serves every call (each generic copy cost kilobytes).
#[inline(never)]
async fn request(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<JsValue>,
    blob: bool,
) -> Result<JsValue, ApiFailure> {
    let init = RequestInit::new();
    init.set_method(method);
    let json = body.as_ref().is_some_and(JsValue::is_string);
    if let Some(body) = &body {
        init.set_body(body);
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| ApiFailure::Network)?;
    let headers = request.headers();
    if json {
        let _ = headers.set("Content-Type", "application/json");
    }
    if let Some(token) = token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    let window = web_sys::window().ok_or(ApiFailure::Network)?;
    let response: Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(|_| ApiFailure::Network)?.unchecked_into();
    let status = response.status();
    let ok = (200..300).contains(&status);
    if status == 204 {
        // No Content (a deletion) reads as JSON null, i.e. `()`.
        return Ok(JsValue::from_str("null"));
    }
    let body = if ok && blob { response.blob() } else { response.text() };
    let body = JsFuture::from(body.map_err(|_| ApiFailure::Network)?).await.map_err(|_| ApiFailure::Network)?;
    if ok {
        return Ok(body);
    }
    let text = body.as_string().unwrap_or_default();
    let (code, message, fields, retry_after) = match crate::json::parse::<ApiErrorBody>(&text) {
        Some(body) => (Some(body.error.code), body.error.message, body.error.fields, body.error.retry_after),
        None => (None, format!("HTTP {status}"), None, None),
    };
    // The body's `retry_after`, else the `Retry-After` header (seconds; an HTTP date is not used).
    let retry_after = retry_after.or_else(|| response.headers().get("retry-after").ok().flatten()?.trim().parse().ok());
    Err(ApiFailure::Rejected { status, code, message, fields, retry_after })
}

fn messages_url(session: &Session) -> String {
    format!("/api/v1/conversations/{}/messages", session.conversation_id)
}

/// `GET /api/v1/site`
pub async fn site_config() -> Result<PublicSiteConfig, ApiFailure> {
    call("GET", "/api/v1/site", None, None::<&()>).await
}

/// `POST /api/v1/conversations`
pub async fn create_conversation(body: &CreateConversationRequest) -> Result<CreateConversationResponse, ApiFailure> {
    call("POST", "/api/v1/conversations", None, Some(body)).await
}

/// `GET /api/v1/conversations/{id}/messages`
pub async fn list_messages(session: &Session) -> Result<MessagesResponse, ApiFailure> {
    call("GET", &messages_url(session), Some(&session.token), None::<&()>).await
}

/// `GET /api/v1/conversations/{id}/messages?after={message id}`: what was stored after it.
pub async fn messages_after(session: &Session, after: &str) -> Result<MessagesResponse, ApiFailure> {
    call("GET", &format!("{}?after={after}", messages_url(session)), Some(&session.token), None::<&()>).await
}

/// `POST /api/v1/conversations/{id}/messages`, or for a file `POST …/attachments` with the file
/// as the body (its name and the client id in the query): the visitor's message.
pub async fn post_message(
    session: &Session,
    body: &PostMessageRequest,
    file: Option<web_sys::File>,
) -> Result<MessagesResponse, ApiFailure> {
    let (url, payload) = match file {
        Some(file) => (
            format!(
                "/api/v1/conversations/{}/attachments?name={}&client_message_id={}",
                session.conversation_id,
                String::from(js_sys::encode_uri_component(&file.name())),
                body.client_message_id
            ),
            file.into(),
        ),
        None => {
            (messages_url(session), JsValue::from_str(&crate::json::stringify(body).ok_or(ApiFailure::Unsendable)?))
        }
    };
    read(request("POST", &url, Some(&session.token), Some(payload), false).await?)
}

/// `GET /api/v1/conversations/{id}/attachments/{file}`: a file of the conversation, read with
/// its token (an `<img src>` could not send it), as a URL of the page's own memory.
pub async fn file_url(session: &Session, file_id: &str) -> Result<String, ApiFailure> {
    let url = format!("/api/v1/conversations/{}/attachments/{file_id}", session.conversation_id);
    let blob = request("GET", &url, Some(&session.token), None, true).await?;
    web_sys::Url::create_object_url_with_blob(blob.unchecked_ref()).map_err(|_| ApiFailure::Network)
}

/// `POST /api/v1/conversations/{id}/messages/{message_id}/submit`
pub async fn submit_form(
    session: &Session,
    message_id: &str,
    body: &SubmitFormRequest,
) -> Result<MessagesResponse, ApiFailure> {
    let url = format!("{}/{message_id}/submit", messages_url(session));
    call("POST", &url, Some(&session.token), Some(body)).await
}

/// `POST /api/v1/conversations/{id}/messages/{message_id}/buttons/{button_id}`
pub async fn click_button(
    session: &Session,
    message_id: &str,
    button_id: &str,
) -> Result<MessagesResponse, ApiFailure> {
    let url = format!("{}/{message_id}/buttons/{button_id}", messages_url(session));
    call("POST", &url, Some(&session.token), None::<&()>).await
}

/// `POST /api/v1/conversations/{id}/attributes`. The answer (the attributes now stored) is not
/// read: no caller needs it, and reading it would cost the widget its deserializer.
pub async fn set_attributes(session: &Session, body: &SetAttributesRequest) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/conversations/{}/attributes", session.conversation_id);
    call::<serde::de::IgnoredAny>("POST", &url, Some(&session.token), Some(body)).await.map(drop)
}

/// `DELETE /api/v1/conversations/{id}`
pub async fn delete_conversation(session: &Session) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/conversations/{}", session.conversation_id);
    call("DELETE", &url, Some(&session.token), None::<&()>).await
}
