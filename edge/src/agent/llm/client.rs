//! One call to the model over the edge's [`Network`] port (the Worker's fetch in production, a
//! scripted server in the tests): the request with the key from its Worker secret, the time
//! bound, and every way it can fail named, so the turn can fall back and say nothing false.

use super::stream::StreamReader;
use super::wire::{ChatMessage, ChatRequest, ChatResponse, Usage};
use crate::actions::execute::{Network, TransportError};
use crate::actions::render::OutboundRequest;
use shared::llm::LlmConfig;

/// Why the model gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// No answer within `timeout_ms`.
    #[error("the model did not answer within its time")]
    Timeout,
    /// The provider's rate limit (429).
    #[error("the model's provider is rate limiting (429)")]
    RateLimited,
    /// Any other non-2xx status.
    #[error("the model's provider answered {0}")]
    Status(u16),
    /// Connection refused, reset, DNS…
    #[error("the model could not be reached: {0}")]
    Unreachable(String),
    /// A body that is not a chat completion, or has no choice.
    #[error("the model's answer could not be read: {0}")]
    Malformed(String),
}

impl ModelError {
    /// A short label for the usage log.
    pub fn label(&self) -> String {
        match self {
            Self::Timeout => "timeout".into(),
            Self::RateLimited => "http 429".into(),
            Self::Status(s) => format!("http {s}"),
            Self::Unreachable(_) => "unreachable".into(),
            Self::Malformed(_) => "malformed".into(),
        }
    }
}

/// A usable answer: the assistant's message and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The assistant's message (text, tool calls or both).
    pub message: ChatMessage,
    /// Tokens used (zero when the server does not count).
    pub usage: Usage,
}

/// The HTTP request for `request`, with `key` as the bearer token when set.
fn outbound(config: &LlmConfig, key: Option<&str>, request: &ChatRequest) -> Result<OutboundRequest, ModelError> {
    let body = serde_json::to_string(request).map_err(|e| ModelError::Malformed(e.to_string()))?;
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(key) = key {
        headers.push(("authorization".into(), format!("Bearer {key}")));
    }
    Ok(OutboundRequest { method: "POST".into(), url: config.completions_url(), headers, body: Some(body) })
}

fn transport(e: TransportError) -> ModelError {
    match e {
        TransportError::Timeout => ModelError::Timeout,
        TransportError::Network(why) => ModelError::Unreachable(why),
        TransportError::TooLarge => ModelError::Malformed("the answer is too large".into()),
    }
}

/// Sends `request` (with `stream` set) and hands each piece of text to `piece` as it comes (and
/// "" after every chunk read); a `false` from it stops reading. Returns the completion and
/// whether it was stopped.
pub async fn complete_streamed<N: Network>(
    network: &N,
    config: &LlmConfig,
    key: Option<&str>,
    request: &ChatRequest,
    piece: &mut dyn FnMut(&str) -> bool,
) -> Result<(Completion, bool), ModelError> {
    let outbound = outbound(config, key, request)?;
    let mut reader = StreamReader::default();
    let mut stopped = false;
    let status = network
        .stream(&outbound, config.timeout_ms, &mut |bytes| {
            // Every chunk asks (with "" when it held no text), so a Stop ends even a stream of
            // tool-call pieces.
            let texts = reader.feed(bytes);
            for text in texts.iter().map(String::as_str).chain(std::iter::once("")) {
                if !piece(text) {
                    stopped = true;
                    return false;
                }
            }
            true
        })
        .await
        .map_err(transport)?;
    match status {
        200..=299 => {}
        429 => return Err(ModelError::RateLimited),
        status => return Err(ModelError::Status(status)),
    }
    Ok((reader.finish(stopped)?, stopped))
}

/// Sends `request` to the configured endpoint, with `key` as the bearer token when set.
pub async fn complete<N: Network>(
    network: &N,
    config: &LlmConfig,
    key: Option<&str>,
    request: &ChatRequest,
) -> Result<Completion, ModelError> {
    let outbound = outbound(config, key, request)?;
    let response = network.send(&outbound, config.timeout_ms).await.map_err(transport)?;
    match response.status {
        200..=299 => {}
        429 => return Err(ModelError::RateLimited),
        status => return Err(ModelError::Status(status)),
    }
    let parsed: ChatResponse =
        serde_json::from_slice(&response.body).map_err(|e| ModelError::Malformed(e.to_string()))?;
    let usage = parsed.usage.unwrap_or_default();
    let mut message = parsed
        .choices
        .into_iter()
        .next()
        .map(|c| c.message)
        .ok_or_else(|| ModelError::Malformed("no choice in the answer".into()))?;
    if message.content.as_deref().is_none_or(|c| c.trim().is_empty()) && message.tool_calls.is_empty() {
        return Err(ModelError::Malformed("an empty answer".into()));
    }
    // As a stream keeps at most 16 (`stream::StreamReader`): a turn reads no more than that.
    message.tool_calls.truncate(16);
    Ok(Completion { message, usage })
}
