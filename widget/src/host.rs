//! Talking to the loader on the host page: it opens and closes the iframe; the app asks it to close.
//! Messages are plain objects `{switchboard: "open" | "close" | "identify" | "attributes" | "reset", …}`.
//!
//! The channel is closed until [`connect`] has found the host page's origin allowed: before that,
//! and from any other window or origin after, commands are ignored and nothing is posted. Events
//! go to that exact origin, never `"*"`.
//!
//! How the widget learns the host's origin: the loader passes its `location.origin` as `?origin=`.
//! That is only a claim, but a false one gains nothing: the browser delivers our `postMessage` only
//! to a parent actually on the target origin, it stamps `event.origin` on what we receive, and
//! `frame-ancestors` (the edge's CSP) keeps pages on other origins from framing the chat at all.
//! `location.ancestorOrigins` is not used: Firefox lacks it. `document.referrer` is not used
//! either: the host page's Referrer-Policy may strip it.

use shared::api::{Attributes, CreateConversationRequest, Lead};
use std::cell::OnceCell;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};

thread_local! {
    /// The host page's origin, set once it is known to be allowed.
    static HOST_ORIGIN: OnceCell<String> = const { OnceCell::new() };
}

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
    /// The host page signed its user out (`Switchboard.reset()`): forget who they were.
    Reset,
}

fn text_field(object: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).ok()?.as_string().filter(|s| !s.is_empty())
}

/// Opens the channel if the host page's origin (`?origin=`, from the loader) may embed the chat:
/// the edge's own origin or one of `allowed_origins`. Then tells the loader the app is listening
/// (commands sent earlier would be lost). A chat opened as a page of its own has no host page.
pub fn connect(allowed_origins: &[String]) {
    let Some((window, parent)) = parent() else { return };
    let (Some(claimed), Ok(own)) = (query_param("origin"), window.location().origin()) else { return };
    if shared::embed::may_embed(allowed_origins, &own, &claimed) && HOST_ORIGIN.with(|h| h.set(claimed).is_ok()) {
        post(&parent, plain(&[("switchboard", JsValue::from_str("ready"))]));
    }
}

/// The command in a `message` event, if it comes from the host page itself (the parent window,
/// on the allowed origin): not from another frame on the page, nor before the channel is open.
pub fn command_from_host(event: &MessageEvent) -> Option<HostCommand> {
    let (_, parent) = parent()?;
    let from_parent = event.source().is_some_and(|s| js_sys::Object::is(&s, &parent));
    let from_host = HOST_ORIGIN.with(|h| h.get().is_some_and(|o| *o == event.origin()));
    (from_parent && from_host).then(|| parse_command(&event.data())).flatten()
}

/// The window and its parent, when there is one (not when the chat is the top-level page).
fn parent() -> Option<(Window, Window)> {
    let window = web_sys::window()?;
    let parent = window.parent().ok()??;
    (!js_sys::Object::is(&window, &parent)).then_some((window, parent))
}

/// Posts `message` to the host page's origin only; nothing while the channel is closed.
fn post(parent: &Window, message: JsValue) {
    HOST_ORIGIN.with(|h| {
        if let Some(origin) = h.get() {
            let _ = parent.post_message(&message, origin);
        }
    });
}

/// Reads a command from a `message` event's data.
fn parse_command(data: &JsValue) -> Option<HostCommand> {
    let value = text_field(data, "switchboard")?;
    match value.as_str() {
        "open" => Some(HostCommand::Open),
        "close" => Some(HostCommand::Close),
        "reset" => Some(HostCommand::Reset),
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
            // The loader sends strings only (it converts numbers and booleans). Inserted one by
            // one: `collect` into a map sorts first, which costs the widget a sort.
            let mut attributes = Attributes::new();
            for pair in js_sys::Object::entries(object).iter() {
                let pair = js_sys::Array::from(&pair);
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    attributes.insert(k, v);
                }
            }
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
    let Some((_, parent)) = parent() else { return };
    let message =
        plain(&[("switchboard", JsValue::from_str("event")), ("name", JsValue::from_str(name)), ("data", data)]);
    post(&parent, message);
}

/// Asks the loader to hide the panel.
pub fn request_close() {
    if let Some((_, parent)) = parent() {
        post(&parent, plain(&[("switchboard", JsValue::from_str("close"))]));
    }
}

/// A query parameter of the iframe's URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}
