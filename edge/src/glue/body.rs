//! The incoming request body, read as a stream and cut at a limit: a body without
//! `Content-Length` (chunked) is never buffered past the limit, however long it is.

use futures_util::StreamExt;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Request, Result};

/// Reads at most `limit` bytes of the body (an empty body if there is none). Reading stops as
/// soon as `limit` is reached, so a caller that passes its maximum + 1 learns that the body is too
/// large without reading the rest.
pub async fn read_at_most(req: &mut Request, limit: usize) -> Result<Vec<u8>> {
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == limit {
            // Tell the runtime the rest is not wanted, so it stops receiving it.
            drop(stream);
            if let Some(rest) = req.inner().body() {
                // A failed cancel only means the body had ended meanwhile.
                let _ = JsFuture::from(rest.cancel()).await;
            }
            break;
        }
    }
    Ok(body)
}
