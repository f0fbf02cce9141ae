//! The visitor's conversation kept in localStorage, so a reload reopens the same conversation.

use serde::{Deserialize, Serialize};

/// The key to one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Conversation id.
    pub conversation_id: String,
    /// Its bearer token.
    pub token: String,
}

fn key(site: &str) -> String {
    format!("switchboard:{site}:session")
}

fn local_storage() -> Option<web_sys::Storage> {
    // Storage can be unavailable (blocked third-party storage, private modes): then the
    // conversation simply lasts as long as the page.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session for a site, if any.
pub fn load(site: &str) -> Option<Session> {
    let raw = local_storage()?.get_item(&key(site)).ok()??;
    crate::json::parse(&raw)
}

/// Remembers the session.
pub fn save(site: &str, session: &Session) {
    if let (Some(storage), Some(raw)) = (local_storage(), crate::json::stringify(session)) {
        let _ = storage.set_item(&key(site), &raw);
    }
}

/// Forgets the session (it no longer opens its conversation).
pub fn clear(site: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&key(site));
    }
}
