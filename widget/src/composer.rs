//! Where the visitor types: Enter sends, Shift+Enter starts a new line; files go by the
//! paperclip, a drop or a paste (`file_picker`).

use crate::chat::Chat;
use crate::file_picker::file_picker;
use leptos::ev;
use leptos::html::Textarea;
use leptos::prelude::*;
use shared::message::MAX_MESSAGE_CHARS;

/// The message box and send button.
#[component]
pub fn Composer(chat: Chat, node_ref: NodeRef<Textarea>) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let submit = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        chat.send(text);
        draft.set(String::new());
        if let Some(el) = node_ref.get_untracked() {
            el.set_value("");
            let _ = el.focus();
        }
    };
    view! {
        <form class="composer" use:file_picker=chat on:submit=move |e: ev::SubmitEvent| {
            e.prevent_default();
            submit();
        }>
            <label for="composer-input" class="sr-only">"Message"</label>
            <textarea
                id="composer-input"
                node_ref=node_ref
                rows="1"
                placeholder="Ask a question…"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                enterkeyhint="send"
                on:input=move |e| {
                    draft.set(event_target_value(&e));
                    crate::live::typing();
                }
                on:keydown=move |e: ev::KeyboardEvent| {
                    if crate::typing::sends(&e) {
                        e.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <button type="submit" class="send" aria-label="Send message" disabled=move || draft.with(|d| d.trim().is_empty())>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path d="M3 20l18-8L3 4v6l12 2-12 2z" fill="currentColor" />
                </svg>
            </button>
        </form>
    }
}
