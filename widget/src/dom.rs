//! A few DOM calls for the cards drawn without Leptos views (forms, buttons). Each distinct
//! Leptos view type costs the widget kilobytes of generic code; these are thin imports, which is
//! how forms and buttons fit the widget's size budget.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event};

fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("the widget runs in a document")
}

/// A new element with attributes.
pub fn el(tag: &str, attrs: &[(&str, &str)]) -> Element {
    let e = document().create_element(tag).expect("valid tag");
    for (k, v) in attrs {
        let _ = e.set_attribute(k, v);
    }
    e
}

/// A new element holding `text` (as text, never as HTML).
pub fn el_text(tag: &str, attrs: &[(&str, &str)], text: &str) -> Element {
    let e = el(tag, attrs);
    e.set_text_content(Some(text));
    e
}

/// Appends `child` to `parent`.
pub fn add(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

/// Sets or removes an attribute.
pub fn set(e: &Element, name: &str, value: Option<&str>) {
    let _ = match value {
        Some(v) => e.set_attribute(name, v),
        None => e.remove_attribute(name),
    };
}

/// Listens for `event` on `target` for as long as the element lives (the browser's GC owns it).
pub fn on(target: &Element, event: &str, handler: impl FnMut(Event) + 'static) {
    let f = Closure::<dyn FnMut(Event)>::new(handler).into_js_value();
    let _ = target.add_event_listener_with_callback(event, f.unchecked_ref());
}

/// Moves keyboard focus to `e`.
pub fn focus(e: &Element) {
    if let Some(h) = e.dyn_ref::<web_sys::HtmlElement>() {
        let _ = h.focus();
    }
}

/// Sets the brand colour (`--accent`) for the whole page, through CSSOM: the page's CSP refuses
/// `style` attributes (no 'unsafe-inline'), and a Leptos reactive style cost more bytes.
pub fn set_accent(color: &str) {
    if let Some(root) = document().document_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = root.style().set_property("--accent", color);
    }
}

/// Waits `seconds`: a promise whose own `resolve` is the `setTimeout` callback, so no Rust closure
/// is handed to JS (each kind would add its own glue; leptos' `set_timeout` makes one per caller).
pub async fn sleep(seconds: u64) {
    let ms = i32::try_from(seconds.saturating_mul(1000)).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Runs `f` once mounted and again whenever a signal it read changes: `Effect::new` behind one
/// boxed closure type, so Leptos' effect code is compiled once for all callers (each closure
/// type got its own copy, kilobytes each).
pub fn effect(f: impl Fn() + 'static) {
    let f: Box<dyn Fn()> = Box::new(f);
    leptos::prelude::Effect::new(move |_| f());
}
