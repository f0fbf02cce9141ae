//! The bucket of files sent in conversations (R2 binding `FILES`; wrangler's local R2 in
//! `wrangler dev`) as the API's [`Blobs`] port, and a file sent from it as a response's body.

use crate::api::ApiError;
use crate::attachments::{Blobs, Serve};
use worker::{Bucket, Env, Headers, HttpMetadata, Response, Result};

/// The bucket's binding.
const BINDING: &str = "FILES";

/// The Worker's bucket.
pub struct R2Files(pub Bucket);

impl R2Files {
    /// The bucket the Worker is bound to.
    pub fn of(env: &Env) -> Result<Self> {
        Ok(Self(env.bucket(BINDING)?))
    }
}

impl Blobs for R2Files {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> std::result::Result<(), String> {
        let metadata = HttpMetadata { content_type: Some(content_type.to_string()), ..HttpMetadata::default() };
        self.0.put(key, bytes.to_vec()).http_metadata(metadata).execute().await.map(|_| ()).map_err(|e| e.to_string())
    }

    async fn delete_all(&self, prefix: &str) -> std::result::Result<(), String> {
        // A listing holds at most 1,000 keys; a conversation's files are far fewer, but go on
        // until none is left.
        loop {
            let listed = self.0.list().prefix(prefix).execute().await.map_err(|e| e.to_string())?;
            let keys: Vec<String> = listed.objects().iter().map(|o| o.key()).collect();
            if keys.is_empty() {
                return Ok(());
            }
            self.0.delete_multiple(keys).await.map_err(|e| e.to_string())?;
            if !listed.truncated() {
                return Ok(());
            }
        }
    }
}

/// `file` from the bucket as the response, streamed (never held whole in the Worker's memory),
/// with the headers the API chose; `404` when the bucket no longer has it.
pub async fn send(files: &R2Files, file: &Serve) -> Result<Response> {
    let Some(body) = files.0.get(&file.key).execute().await?.and_then(|o| o.body().map(|b| b.response_body())) else {
        let gone = ApiError::new(shared::ErrorCode::NotFound, "this file is no longer kept");
        return super::into_worker_response(gone.into_response());
    };
    let headers = Headers::new();
    for (name, value) in &file.headers {
        headers.set(name, value)?;
    }
    Ok(Response::from_body(body?)?.with_headers(headers))
}
