//! The panel's header: who the visitor talks to, a delete button (with a confirmation under the
//! header), and a close button.

use crate::chat::Chat;
use crate::delete::toggle_confirmation;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Agent name, delete and close buttons.
#[component]
pub fn Header(chat: Chat, on_close: impl Fn() + 'static) -> impl IntoView {
    view! {
        <header class="header">
            // Who answers now: the person from the support team who has the conversation, or the AI.
            <div class="avatar" aria-hidden="true">
                {move || chat.agent.get().map(|(_, i)| i).unwrap_or_else(|| chat.agent_name().chars().next().unwrap_or('S').to_string())}
            </div>
            <div class="title">
                <h1>{move || chat.agent.get().map(|(name, _)| name).unwrap_or_else(|| chat.agent_name())}</h1>
                <p class="subtitle">{move || if chat.agent.with(Option::is_some) {
                    "A person from our support team"
                } else {
                    "AI support assistant · answers from our help pages"
                }}</p>
            </div>
            <button
                type="button"
                class="delete"
                aria-label="Delete this conversation"
                aria-expanded="false"
                on:click=move |e| {
                    if let Some(button) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                        toggle_confirmation(chat, &button);
                    }
                }
            >
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path
                        d="M5 7h14M10 7V5h4v2M7 7l1 12h8l1-12"
                        fill="none"
                        stroke="currentColor"
                        stroke-width="2"
                        stroke-linejoin="round"
                    />
                </svg>
            </button>
            <button type="button" class="close" aria-label="Close chat" on:click=move |_| on_close()>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
            </button>
        </header>
    }
}
