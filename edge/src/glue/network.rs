//! [`Network`] on the Workers runtime: `fetch` with manual redirects, an abort on timeout, and a
//! response size cap.

use crate::actions::execute::{InboundResponse, Network, TransportError, MAX_RESPONSE_BYTES};
use crate::actions::render::OutboundRequest;
use futures_util::future::{select, Either};
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// Outbound HTTP from the Worker.
pub struct WorkerNetwork;

fn method(name: &str) -> Method {
    match name {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        _ => Method::Get,
    }
}

impl Network for WorkerNetwork {
    async fn send(&self, request: &OutboundRequest, timeout_ms: u32) -> Result<InboundResponse, TransportError> {
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
        let req = Request::new_with_init(&request.url, &init).map_err(net)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(req);
        let sending = Box::pin(fetch.send_with_signal(&signal));
        let timer = Box::pin(Delay::from(Duration::from_millis(u64::from(timeout_ms))));
        let mut response = match select(sending, timer).await {
            Either::Left((result, _)) => result.map_err(net)?,
            Either::Right(_) => {
                controller.abort();
                return Err(TransportError::Timeout);
            }
        };
        let declared = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
            return Err(TransportError::TooLarge);
        }
        let status = response.status_code();
        let headers = response.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        let body = response.bytes().await.map_err(net)?;
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
