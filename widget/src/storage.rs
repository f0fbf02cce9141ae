//! The visitor's conversation kept in localStorage, so a reload reopens the same conversation.
//! Each conversation is stored under the person it was opened for: a shared browser never hands
//! one person's conversation to the next. The person is the page's `Switchboard.identify` (the
//! JWT's `sub`, or the user id), stored only as a hash; a visitor nobody identified has a key of
//! their own. `Switchboard.reset()` (the host page's logout) forgets every stored conversation.

use serde::{Deserialize, Serialize};
use shared::api::CreateConversationRequest;
use wasm_bindgen::JsCast;

/// The key to one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Conversation id.
    pub conversation_id: String,
    /// Its bearer token.
    pub token: String,
}

/// Who a stored conversation belongs to, as the page said: `None` for a visitor nobody
/// identified. Compared in memory; only its hash ([`owner_key`]) is ever stored.
pub fn owner_of(identity: &CreateConversationRequest) -> Option<String> {
    match (&identity.user_jwt, &identity.user_id) {
        // Read, not checked: the edge checks the signature. This only keeps people apart.
        (Some(jwt), _) => jwt_subject(jwt).map(|sub| format!("sub:{sub}")),
        (None, Some(user)) => Some(format!("user:{user}")),
        (None, None) => None,
    }
}

/// The `sub` claim of a JWT's payload (base64url JSON), unverified.
fn jwt_subject(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let mut b64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !b64.len().is_multiple_of(4) {
        b64.push('=');
    }
    let json = web_sys::window()?.atob(&b64).ok()?;
    let claims = js_sys::JSON::parse(&json).ok()?;
    js_sys::Reflect::get(&claims, &"sub".into()).ok()?.as_string()
}

/// The storage key for `owner`'s conversation on `site`: the hex SHA-256 of the owner (Web
/// Crypto), so the browser never keeps a user id in the clear. `None` when the browser cannot
/// hash (an insecure context): an identified visitor's conversation then lasts as long as the page.
pub async fn owner_key(site: &str, owner: Option<&str>) -> Option<String> {
    let Some(owner) = owner else { return Some(format!("switchboard:{site}:session")) };
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let data = js_sys::Uint8Array::from(format!("{site}\n{owner}").as_bytes());
    let promise = subtle.digest_with_str_and_buffer_source("SHA-256", &data).ok()?;
    let digest = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let bytes = js_sys::Uint8Array::new(digest.dyn_ref::<js_sys::ArrayBuffer>()?).to_vec();
    let hex: String = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Some(format!("switchboard:{site}:session:{hex}"))
}

fn local_storage() -> Option<web_sys::Storage> {
    // Storage can be unavailable (blocked third-party storage, private modes): then the
    // conversation simply lasts as long as the page.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The session stored under `key`, if any.
pub fn load(key: &str) -> Option<Session> {
    let raw = local_storage()?.get_item(key).ok()??;
    crate::json::parse(&raw)
}

/// Remembers the session under `key`.
pub fn save(key: &str, session: &Session) {
    if let (Some(storage), Some(raw)) = (local_storage(), crate::json::stringify(session)) {
        let _ = storage.set_item(key, &raw);
    }
}

/// Forgets the session under `key` (it no longer opens its conversation).
pub fn clear(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Forgets every conversation stored for `site`, whoever it belonged to (the host page's logout).
pub fn clear_all(site: &str) {
    let Some(storage) = local_storage() else { return };
    let prefix = format!("switchboard:{site}:session");
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..count).filter_map(|i| storage.key(i).ok().flatten()).collect();
    for key in keys.into_iter().filter(|k| k.starts_with(&prefix)) {
        let _ = storage.remove_item(&key);
    }
}
