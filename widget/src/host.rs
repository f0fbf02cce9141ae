//! Talking to the loader on the host page: it opens and closes the iframe; the app asks it to close.
//! Messages are plain objects `{switchboard: "open" | "close" | "identify" | "attributes", …}`.

use shared::api::{Attributes, CreateConversationRequest, Lead};
use wasm_bindgen::{JsCast, JsValue};

/// What the loader can tell the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCommand {
    /// The panel was opened: start the conversation and focus the composer.
    Open,
    /// The panel was hidden.
    Close,
    /// The host page knows who the visitor is (`Switchboard.identify`).
    Identify(CreateConversationRequest),
    /// Custom conversation attributes (`Switchboard.setAttributes`); an empty value removes one.
    SetAttributes(Attributes),
}

fn text_field(object: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).ok()?.as_string().filter(|s| !s.is_empty())
}

/// Reads a command from a `message` event's data.
pub fn parse_command(data: &JsValue) -> Option<HostCommand> {
    let value = text_field(data, "switchboard")?;
    match value.as_str() {
        "open" => Some(HostCommand::Open),
        "close" => Some(HostCommand::Close),
        "identify" => {
            let who = js_sys::Reflect::get(data, &JsValue::from_str("identity")).ok()?;
            let (email, name) = (text_field(&who, "email"), text_field(&who, "name"));
            Some(HostCommand::Identify(CreateConversationRequest {
                user_id: text_field(&who, "user_id"),
                lead: (email.is_some() || name.is_some()).then_some(Lead { email, name }),
                user_hash: text_field(&who, "user_hash"),
                user_jwt: text_field(&who, "user_jwt"),
                attributes: Attributes::new(),
            }))
        }
        "attributes" => {
            let given = js_sys::Reflect::get(data, &JsValue::from_str("attributes")).ok()?;
            let object: &js_sys::Object = given.dyn_ref()?;
            // The loader sends strings only (it converts numbers and booleans).
            let attributes = js_sys::Object::entries(object)
                .iter()
                .filter_map(|pair| {
                    let pair: js_sys::Array = pair.dyn_into().ok()?;
                    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
                })
                .collect();
            Some(HostCommand::SetAttributes(attributes))
        }
        _ => None,
    }
}

/// A plain object of string fields, for the host page (built by hand: serialising our types
/// would cost the widget their whole `Serialize` code).
pub fn plain(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(k), v);
    }
    object.into()
}

/// Tells the host page's `Switchboard.on(name, …)` listeners something happened.
pub fn emit_event(name: &str, data: JsValue) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    let message =
        plain(&[("switchboard", JsValue::from_str("event")), ("name", JsValue::from_str(name)), ("data", data)]);
    let _ = parent.post_message(&message, "*");
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
