//! [`Network`] on the Workers runtime: `fetch` with manual redirects; one timer for the whole
//! exchange (headers and the streamed body), and the size cap enforced while the body streams in.
//! Either ends the fetch with an abort, so a slow or endless body is never read to its end.

use crate::actions::execute::{InboundResponse, Network, TransportError, MAX_RESPONSE_BYTES};
use crate::actions::network::MAX_STREAM_BYTES;
use crate::actions::render::OutboundRequest;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use std::pin::Pin;
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{
    AbortController, ByteStream, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, ResponseBody,
};

/// Outbound HTTP from the Worker.
pub struct WorkerNetwork;

/// Reads a body until it ends, the timer fires, or it passes [`MAX_RESPONSE_BYTES`] (checked at
/// every chunk, so at most one chunk more is ever held).
async fn read_capped(mut stream: ByteStream, timer: &mut Pin<Box<Delay>>) -> Result<Vec<u8>, TransportError> {
    let mut body = Vec::new();
    loop {
        match select(stream.next(), &mut *timer).await {
            Either::Left((Some(chunk), _)) => {
                let chunk = chunk.map_err(|e| TransportError::Network(e.to_string()))?;
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(TransportError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Either::Left((None, _)) => return Ok(body),
            Either::Right(_) => return Err(TransportError::Timeout),
        }
    }
}

fn method(name: &str) -> Method {
    match name {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        _ => Method::Get,
    }
}

/// The request as the Workers runtime takes it.
fn worker_request(request: &OutboundRequest) -> Result<Request, TransportError> {
    let net = |e: worker::Error| TransportError::Network(e.to_string());
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(net)?;
    }
    let mut init = RequestInit::new();
    init.with_method(method(&request.method)).with_headers(headers).with_redirect(RequestRedirect::Manual);
    if let Some(body) = &request.body {
        init.with_body(Some(JsValue::from_str(body)));
    }
    Request::new_with_init(&request.url, &init).map_err(net)
}

impl Network for WorkerNetwork {
    async fn stream(
        &self,
        request: &OutboundRequest,
        within_ms: u32,
        each: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<u16, TransportError> {
        let net = |e: worker::Error| TransportError::Network(e.to_string());
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(worker_request(request)?);
        let mut timer = Box::pin(Delay::from(Duration::from_millis(u64::from(within_ms))));
        let sending = Box::pin(fetch.send_with_signal(&signal));
        let mut response = match select(sending, &mut timer).await {
            Either::Left((result, _)) => result.map_err(net)?,
            Either::Right(_) => {
                controller.abort();
                return Err(TransportError::Timeout);
            }
        };
        let status = response.status_code();
        if !(200..300).contains(&status) {
            controller.abort();
            return Ok(status);
        }
        let mut stream = response.stream().map_err(net)?;
        let mut read = 0;
        loop {
            match select(stream.next(), &mut timer).await {
                Either::Left((Some(chunk), _)) => {
                    let chunk = chunk.map_err(|e| TransportError::Network(e.to_string()))?;
                    read += chunk.len();
                    if read > MAX_STREAM_BYTES {
                        controller.abort();
                        return Err(TransportError::TooLarge);
                    }
                    if !each(&chunk) {
                        // Read no more: the server stops writing when the connection goes.
                        controller.abort();
                        return Ok(status);
                    }
                }
                Either::Left((None, _)) => return Ok(status),
                Either::Right(_) => {
                    controller.abort();
                    return Err(TransportError::Timeout);
                }
            }
        }
    }

    async fn send(&self, request: &OutboundRequest, within_ms: u32) -> Result<InboundResponse, TransportError> {
        let net = |e: worker::Error| TransportError::Network(e.to_string());
        let req = worker_request(request)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(req);
        // One timer for headers and body together: a target that answers at once and then
        // dribbles its body still ends at `within_ms`.
        let mut timer = Box::pin(Delay::from(Duration::from_millis(u64::from(within_ms))));
        let sending = Box::pin(fetch.send_with_signal(&signal));
        let mut response = match select(sending, &mut timer).await {
            Either::Left((result, _)) => result.map_err(net)?,
            Either::Right(_) => {
                controller.abort();
                return Err(TransportError::Timeout);
            }
        };
        let declared = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
            controller.abort();
            return Err(TransportError::TooLarge);
        }
        let status = response.status_code();
        let headers = response.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        let body = match response.body() {
            ResponseBody::Empty => Vec::new(),
            ResponseBody::Body(bytes) => bytes.clone(),
            ResponseBody::Stream(_) => {
                let stream = response.stream().map_err(net)?;
                let read = read_capped(stream, &mut timer).await;
                if read.is_err() {
                    controller.abort();
                }
                read?
            }
        };
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(TransportError::TooLarge);
        }
        Ok(InboundResponse { status, headers, body })
    }

    async fn sleep(&self, ms: u32) {
        Delay::from(Duration::from_millis(u64::from(ms))).await;
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}
