//! Where the files sent in conversations are kept and how they are served: the [`Blobs`] port
//! (R2 in the Worker, `glue::files`; a map in the native tests), each file's key under its
//! conversation's prefix (erasing a conversation deletes the prefix), and the headers a file
//! goes out with, which let nothing in it run in the browser.

use shared::{Attachment, ConversationId};

/// The bucket files are kept in.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait Blobs {
    /// Keeps `bytes` under `key`.
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), String>;
    /// Deletes every file whose key starts with `prefix`.
    async fn delete_all(&self, prefix: &str) -> Result<(), String>;
}

/// The prefix of every file of a conversation.
pub fn prefix(conversation: &ConversationId) -> String {
    format!("conversations/{conversation}/")
}

/// A file's key.
pub fn key(conversation: &ConversationId, file_id: &str) -> String {
    format!("{}{file_id}", prefix(conversation))
}

/// A file to send: `glue` reads `key` from the bucket and answers with `headers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serve {
    /// Its key in the bucket.
    pub key: String,
    /// The response's headers.
    pub headers: Vec<(String, String)>,
}

/// How `attachment` of `conversation` is served: as the type its content was found to be
/// (`nosniff`: never guessed again), a picture shown in place and anything else downloaded,
/// under a policy that runs nothing even when the file is opened on its own.
pub fn serve(conversation: &ConversationId, attachment: &Attachment) -> Serve {
    let header = |name: &str, value: String| (name.to_string(), value);
    Serve {
        key: key(conversation, &attachment.id),
        headers: vec![
            header("content-type", attachment.content_type.clone()),
            header(
                "content-disposition",
                shared::attachment::content_disposition(&attachment.name, attachment.is_image()),
            ),
            header("content-length", attachment.size.to_string()),
            header("x-content-type-options", "nosniff".into()),
            header("content-security-policy", "default-src 'none'; sandbox".into()),
            header("cross-origin-resource-policy", "same-origin".into()),
            // A file never changes under its id; only its conversation's token or an agent reads it.
            header("cache-control", "private, max-age=86400".into()),
        ],
    }
}

/// The bucket of the native tests.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryBlobs {
    /// Key → (bytes, content type).
    pub files: std::cell::RefCell<std::collections::BTreeMap<String, (Vec<u8>, String)>>,
    /// Whether the next calls fail.
    pub failing: std::cell::Cell<bool>,
}

#[cfg(test)]
impl Blobs for MemoryBlobs {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), String> {
        if self.failing.get() {
            return Err("the bucket is down".into());
        }
        self.files.borrow_mut().insert(key.to_string(), (bytes.to_vec(), content_type.to_string()));
        Ok(())
    }

    async fn delete_all(&self, prefix: &str) -> Result<(), String> {
        if self.failing.get() {
            return Err("the bucket is down".into());
        }
        self.files.borrow_mut().retain(|k, _| !k.starts_with(prefix));
        Ok(())
    }
}
