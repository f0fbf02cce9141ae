//! The inbox API (`/api/v1/inbox/...`, see `shared::inbox`), same-origin: the browser sends the
//! agent's `HttpOnly` session cookie itself, so no credential is ever held by this code. The
//! console's part of the admin API is `console_api`, in the console's build only.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{ApiErrorBody, ErrorCode};
use shared::inbox::{
    AgentList, AssignRequest, ConversationDetail, ConversationList, InboxView, Note, NoteRequest, ReplyRequest,
    ResolveRequest,
};
use shared::Message;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why a call failed, as the agent reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The edge could not be reached, or its answer could not be read.
    Network(String),
    /// The edge refused: its code and message.
    Rejected {
        /// HTTP status.
        status: u16,
        /// Machine-readable code, when the body had one.
        code: Option<ErrorCode>,
        /// What the edge said.
        message: String,
        /// The field it blamed, if one (`variables.inputs.tx_hash`).
        field: Option<String>,
    },
}

impl Failure {
    /// Whether the session is gone (expired, signed out elsewhere): the inbox shows sign-in again.
    pub fn signed_out(&self) -> bool {
        matches!(self, Failure::Rejected { code: Some(ErrorCode::NotSignedIn), .. })
    }

    /// Whether the conversation no longer exists (the visitor deleted it, or an erasure did).
    pub fn conversation_gone(&self) -> bool {
        matches!(self, Failure::Rejected { code: Some(ErrorCode::ConversationNotFound), .. })
    }

    /// A sentence for the agent: the edge's own message when it gave one.
    pub fn describe(&self) -> String {
        match self {
            Failure::Network(why) => format!("Couldn't reach the server ({why}). Try again."),
            Failure::Rejected { message, .. } => message.clone(),
        }
    }
}

/// The signed-in agent (`GET /api/v1/inbox/me`, `POST /api/v1/inbox/session`): the edge's own type.
pub use shared::inbox::Agent as Me;

/// `POST /api/v1/inbox/session` body.
#[derive(Serialize)]
struct SignIn<'a> {
    email: &'a str,
    password: &'a str,
}

/// Sends one request with `fetch` (credentials `same-origin`, the default: the session cookie
/// goes along) and returns the body of a `2xx`.
pub(crate) async fn request(method: &str, url: &str, body: Option<String>) -> Result<String, Failure> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(json) = &body {
        init.set_body(&JsValue::from_str(json));
    }
    send(url, &init, body.is_some().then_some("application/json")).await
}

/// Sends `init` to `url` (with `content_type` when it has a body) and returns the body of a `2xx`.
async fn send(url: &str, init: &RequestInit, content_type: Option<&str>) -> Result<String, Failure> {
    let network = |e: JsValue| Failure::Network(e.as_string().unwrap_or_else(|| "network error".into()));
    let request = Request::new_with_str_and_init(url, init).map_err(network)?;
    if let Some(content_type) = content_type {
        let _ = request.headers().set("Content-Type", content_type);
    }
    let window = web_sys::window().ok_or_else(|| Failure::Network("no window".into()))?;
    let response: Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(network)?.unchecked_into();
    let text =
        JsFuture::from(response.text().map_err(network)?).await.map_err(network)?.as_string().unwrap_or_default();
    let status = response.status();
    if (200..300).contains(&status) {
        return Ok(text);
    }
    Err(match serde_json::from_str::<ApiErrorBody>(&text) {
        Ok(body) => Failure::Rejected {
            status,
            code: Some(body.error.code),
            message: body.error.message,
            field: body.error.field,
        },
        Err(_) => Failure::Rejected {
            status,
            code: None,
            message: format!("The server answered HTTP {status}."),
            field: None,
        },
    })
}

/// One JSON call answered with a `T`.
pub(crate) async fn call<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&impl Serialize>,
) -> Result<T, Failure> {
    let body = body.map(|b| serde_json::to_string(b).expect("request types always serialize"));
    let text = request(method, url, body).await?;
    serde_json::from_str(&text).map_err(|e| Failure::Network(format!("unexpected answer: {e}")))
}

/// A conversation's route.
fn conversation_url(id: &str, rest: &str) -> String {
    format!("/api/v1/inbox/conversations/{}{rest}", encode(id))
}

/// `s` as one URL component (ids are plain, but a search text is anything the agent typed).
pub fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// `GET /api/v1/inbox/me`
pub async fn me() -> Result<Me, Failure> {
    call("GET", "/api/v1/inbox/me", None::<&()>).await
}

/// `POST /api/v1/inbox/session`
pub async fn sign_in(email: &str, password: &str) -> Result<Me, Failure> {
    call("POST", "/api/v1/inbox/session", Some(&SignIn { email, password })).await
}

/// `DELETE /api/v1/inbox/session`
pub async fn sign_out() -> Result<(), Failure> {
    request("DELETE", "/api/v1/inbox/session", None).await.map(drop)
}

/// `GET /api/v1/inbox/conversations?view=…&q=…`
pub async fn conversations(
    view: InboxView,
    query: &str,
    tag: &str,
    priority: Option<shared::labels::Priority>,
) -> Result<ConversationList, Failure> {
    let mut url = format!("/api/v1/inbox/conversations?view={}", view.as_str());
    if !query.trim().is_empty() {
        url.push_str("&q=");
        url.push_str(&encode(query.trim()));
    }
    if !tag.trim().is_empty() {
        url.push_str("&tag=");
        url.push_str(&encode(tag.trim()));
    }
    if let Some(p) = priority {
        url.push_str("&priority=");
        url.push_str(p.as_str());
    }
    call("GET", &url, None::<&()>).await
}

/// `GET /api/v1/inbox/conversations/{id}`
pub async fn conversation(id: &str) -> Result<ConversationDetail, Failure> {
    call("GET", &conversation_url(id, ""), None::<&()>).await
}

/// What an agent does to a conversation that needs no body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Takes a waiting conversation.
    Claim,
    /// Takes one the AI still answers.
    TakeOver,
    /// Gives it back to the AI.
    HandBack,
    /// Opens a resolved one again.
    Reopen,
}

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Claim => "/claim",
            Step::TakeOver => "/take_over",
            Step::HandBack => "/hand_back",
            Step::Reopen => "/reopen",
        }
    }

    /// What is announced once it is done.
    pub fn done(self) -> &'static str {
        match self {
            Step::Claim => "You claimed this conversation.",
            Step::TakeOver => "You took over from the AI.",
            Step::HandBack => "Handed back to the AI.",
            Step::Reopen => "Conversation reopened and assigned to you.",
        }
    }
}

/// `POST …/claim`, `…/take_over`, `…/hand_back`, `…/reopen`
pub async fn step(id: &str, step: Step) -> Result<ConversationDetail, Failure> {
    call("POST", &conversation_url(id, step.path()), None::<&()>).await
}

/// `POST …/assign`
pub async fn assign(id: &str, agent_id: &str) -> Result<ConversationDetail, Failure> {
    call("POST", &conversation_url(id, "/assign"), Some(&AssignRequest { agent_id: agent_id.to_string() })).await
}

/// `POST …/resolve`
pub async fn resolve(id: &str, closing_message: Option<String>) -> Result<ConversationDetail, Failure> {
    call("POST", &conversation_url(id, "/resolve"), Some(&ResolveRequest { closing_message })).await
}

/// `POST …/messages`
pub async fn reply(id: &str, body: &ReplyRequest) -> Result<Message, Failure> {
    call("POST", &conversation_url(id, "/messages"), Some(body)).await
}

/// `POST …/attachments`: the file itself as the body (its name and the client id in the query).
pub async fn upload(id: &str, file: &web_sys::File, client_message_id: &str) -> Result<Message, Failure> {
    let url = format!(
        "{}?name={}&client_message_id={}",
        conversation_url(id, "/attachments"),
        encode(&file.name()),
        encode(client_message_id)
    );
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    let text = send(&url, &init, Some("application/octet-stream")).await?;
    serde_json::from_str(&text).map_err(|e| Failure::Network(format!("unexpected answer: {e}")))
}

/// Where a conversation's file is read from (the agent's session cookie goes along).
pub fn file_url(id: &str, file_id: &str) -> String {
    conversation_url(id, &format!("/attachments/{}", encode(file_id)))
}

/// `POST …/notes`
pub async fn add_note(id: &str, text: &str) -> Result<Note, Failure> {
    call("POST", &conversation_url(id, "/notes"), Some(&NoteRequest { text: text.to_string() })).await
}

/// `POST /api/v1/inbox/conversations/{id}/labels`: the row as it is now.
pub async fn set_labels(id: &str, labels: &shared::labels::Labels) -> Result<shared::inbox::ConversationRow, Failure> {
    call("POST", &conversation_url(id, "/labels"), Some(labels)).await
}

/// `POST …/snooze` (`Some`), or `DELETE …/snooze` (`None`: back in the queue).
pub async fn snooze(
    id: &str,
    snooze: Option<shared::inbox::Snooze>,
) -> Result<shared::inbox::ConversationRow, Failure> {
    match snooze {
        Some(body) => call("POST", &conversation_url(id, "/snooze"), Some(&body)).await,
        None => call("DELETE", &conversation_url(id, "/snooze"), None::<&()>).await,
    }
}

/// `POST /api/v1/inbox/conversations/{id}/read`
pub async fn mark_read(id: &str) -> Result<(), Failure> {
    request("POST", &conversation_url(id, "/read"), None).await.map(drop)
}

/// `GET /api/v1/inbox/canned`
pub async fn canned() -> Result<shared::canned::CannedList, Failure> {
    call("GET", "/api/v1/inbox/canned", None::<&()>).await
}

/// `POST /api/v1/inbox/canned` (a new one) or `PUT /api/v1/inbox/canned/{id}`.
pub async fn save_canned(id: Option<&str>, draft: &shared::canned::CannedDraft) -> Result<(), Failure> {
    let body = Some(serde_json::to_string(draft).expect("request types always serialize"));
    match id {
        None => request("POST", "/api/v1/inbox/canned", body).await.map(drop),
        Some(id) => request("PUT", &format!("/api/v1/inbox/canned/{}", encode(id)), body).await.map(drop),
    }
}

/// `DELETE /api/v1/inbox/canned/{id}`
pub async fn delete_canned(id: &str) -> Result<(), Failure> {
    request("DELETE", &format!("/api/v1/inbox/canned/{}", encode(id)), None).await.map(drop)
}

/// `GET /api/v1/inbox/agents`
pub async fn agents() -> Result<AgentList, Failure> {
    call("GET", "/api/v1/inbox/agents", None::<&()>).await
}

/// A new random id for a reply (`client_message_id`), from `crypto.getRandomValues`; `None`
/// without it (a made-up id could collide and drop a reply as a "retry").
pub fn new_client_id() -> Option<String> {
    let crypto = web_sys::window()?.crypto().ok()?;
    let mut bytes = [0u8; 16];
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
