//! How the visitor sends files: a paperclip beside the box (shown when the site takes files),
//! dropping files on the box, or pasting them into it. Drawn with `dom` calls on the composer's
//! form, not a Leptos view: the same button as a view cost the widget 5 KB (see `dom`).

use crate::chat::Chat;
use crate::dom::{el, on, set};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use web_sys::{Element, Event, File};

/// The paperclip's drawing (static markup: no value of anyone's goes in).
const PAPERCLIP: &str = r#"<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M16 7l-7.5 7.5a2 2 0 0 0 3 3L19 10a4 4 0 0 0-6-6l-7.5 7.5a6 6 0 0 0 9 9L20 15" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>"#;

/// Adds the paperclip and its hidden picker to the composer's `form`, and takes files dropped on
/// it or pasted into its box.
pub fn file_picker(form: Element, chat: Chat) {
    let picker = el(
        "input",
        &[("type", "file"), ("hidden", ""), ("multiple", ""), ("accept", shared::attachment::ACCEPT_ATTRIBUTE)],
    );
    let button = el("button", &[("type", "button"), ("class", "attach"), ("aria-label", "Attach a file")]);
    button.set_inner_html(PAPERCLIP);
    let _ = form.insert_before(&picker, form.first_child().as_ref());
    let _ = form.insert_before(&button, picker.next_sibling().as_ref());
    let takes_files = move || chat.config.with(|c| c.as_ref().is_some_and(|c| c.attachments_max_mb.is_some()));
    let shown = button.clone();
    crate::dom::effect(move || set(&shown, "hidden", (!takes_files()).then_some("")));
    let input = picker.clone();
    on(&button, "click", move |_| {
        if let Some(input) = input.dyn_ref::<web_sys::HtmlElement>() {
            input.click();
        }
    });
    // One handler for the four ways files come, reading the event's files by name (typed casts
    // for each kind of event cost the widget more).
    let take = move |e: Event| {
        let kind = e.type_();
        let holder = match kind.as_str() {
            "change" => e.target().map(JsValue::from),
            "paste" => property(&e, "clipboardData"),
            // A drag must be allowed over the box to be dropped on it.
            _ => {
                e.prevent_default();
                property(&e, "dataTransfer")
            }
        };
        let files: Vec<File> = holder
            .as_ref()
            .and_then(|h| property(h, "files"))
            .map(|list| list.unchecked_into::<web_sys::FileList>())
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        if let (Some(input), "change") = (&holder, kind.as_str()) {
            // The same file can be picked again.
            let _ = js_sys::Reflect::set(input, &JsValue::from_str("value"), &JsValue::from_str(""));
        }
        // Text is pasted as text, and nothing goes where the site takes no files.
        if !files.is_empty() && takes_files() {
            e.prevent_default();
            chat.upload(files);
        }
    };
    on(&picker, "change", take);
    for event in ["dragover", "drop", "paste"] {
        on(&form, event, take);
    }
}

/// `object[name]`, when it is an object.
fn property(object: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).ok().filter(JsValue::is_object)
}
