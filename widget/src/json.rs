//! JSON through the browser's own `JSON.parse` / `JSON.stringify`, converted to and from our
//! types with serde-wasm-bindgen: the widget carries no JSON parser of its own (serde_json's
//! weighed more than this whole module's callers).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses JSON text into `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// `value` as JSON text (maps become plain objects, as the API expects).
pub fn stringify(value: &impl Serialize) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}
