//! Talking to the loader on the host page: it opens and closes the iframe; the app asks it to close.
//! Messages are plain objects `{switchboard: "open" | "close"}`.

use wasm_bindgen::JsValue;

/// What the loader can tell the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCommand {
    /// The panel was opened: start the conversation and focus the composer.
    Open,
    /// The panel was hidden.
    Close,
}

/// Reads a command from a `message` event's data.
pub fn parse_command(data: &JsValue) -> Option<HostCommand> {
    let value = js_sys::Reflect::get(data, &JsValue::from_str("switchboard")).ok()?.as_string()?;
    match value.as_str() {
        "open" => Some(HostCommand::Open),
        "close" => Some(HostCommand::Close),
        _ => None,
    }
}

/// Asks the loader to hide the panel.
pub fn request_close() {
    notify("close");
}

/// Tells the loader the app is listening (commands sent earlier would be lost).
pub fn announce_ready() {
    notify("ready");
}

fn notify(kind: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &JsValue::from_str("switchboard"), &JsValue::from_str(kind));
    // The loader checks that the message comes from its own iframe.
    let _ = parent.post_message(&message, "*");
}

/// A query parameter of the iframe's URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}
