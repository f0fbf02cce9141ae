//! The outside world as actions see it: one request sent (never following redirects), a wait, the
//! time. The Worker's fetch implements it (`glue::network`); tests script it.

use super::render::OutboundRequest;

/// A response from an action target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundResponse {
    /// Status code.
    pub status: u16,
    /// Headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// Body, at most [`super::execute::MAX_RESPONSE_BYTES`].
    pub body: Vec<u8>,
}

/// Largest streamed body read ([`Network::stream`]): a model's long answer arrives as server-sent
/// events of a couple of hundred bytes per token, far more than its text.
pub const MAX_STREAM_BYTES: usize = 2 * 1024 * 1024;

/// Why no response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The exchange (connect, headers and body) took longer than its time.
    Timeout,
    /// Connection refused, reset, DNS failure…
    Network(String),
    /// The body exceeded [`super::execute::MAX_RESPONSE_BYTES`].
    TooLarge,
}

/// The outside world, as actions need it: send one request (never following redirects), wait, tell time.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait Network {
    /// Sends one request without following redirects. The whole exchange — connecting, the headers
    /// and the entire body — must end within `within_ms`, else [`TransportError::Timeout`]; a body
    /// over [`super::execute::MAX_RESPONSE_BYTES`] is [`TransportError::TooLarge`] as soon as that is known,
    /// without reading the rest.
    async fn send(&self, request: &OutboundRequest, within_ms: u32) -> Result<InboundResponse, TransportError>;
    /// Sends one request like [`Network::send`] and hands a 2xx body to `each` piece by piece as
    /// it arrives, until `each` says to read no more (the rest is dropped) or it ends; returns the
    /// status. The same time bound holds; the body may reach [`MAX_STREAM_BYTES`]. This default
    /// reads the body whole first.
    async fn stream(
        &self,
        request: &OutboundRequest,
        within_ms: u32,
        each: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<u16, TransportError> {
        let response = self.send(request, within_ms).await?;
        if (200..300).contains(&response.status) {
            each(&response.body);
        }
        Ok(response.status)
    }
    /// Waits (backoff between retries).
    async fn sleep(&self, ms: u32);
    /// Milliseconds since some fixed point.
    fn now_ms(&self) -> f64;
}
