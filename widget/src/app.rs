//! The app root: builds the chat state, listens to the loader, lays out the panel.

use crate::chat::Chat;
use crate::composer::Composer;
use crate::header::Header;
use crate::host::{self, HostCommand};
use crate::live::LiveStatus;
use crate::message_list::MessageList;
use leptos::ev;
use leptos::html::Textarea;
use leptos::prelude::*;

/// The chat panel filling the iframe.
#[component]
pub fn App() -> impl IntoView {
    let site = host::query_param("site").unwrap_or_else(|| "default".into());
    let chat = Chat::new(site);
    chat.load_config();
    let composer_ref = NodeRef::<Textarea>::new();

    let focus_composer = move || {
        if let Some(el) = composer_ref.get_untracked() {
            let _ = el.focus();
        }
    };
    // The loader says when the panel is shown: that is when a conversation starts. Only the host
    // page itself is heard, once `chat.load_config` has found its origin allowed.
    let _listener = window_event_listener(ev::message, move |e| match host::command_from_host(&e) {
        Some(HostCommand::Open) => {
            chat.open();
            focus_composer();
        }
        Some(HostCommand::Identify(who)) => chat.identify(who),
        Some(HostCommand::Reset) => chat.reset(),
        Some(HostCommand::SetAttributes(attributes)) => chat.set_attributes(attributes),
        _ => {}
    });
    // Opened directly (`?open=1`, e.g. a full-page chat link): start at once.
    if host::query_param("open").as_deref() == Some("1") {
        chat.open();
    }
    let close = move || host::request_close();

    view! {
        // The iframe's document is the chat alone: one `main` landmark holds all of it (header,
        // delete confirmation, log, composer), so no content sits outside a landmark.
        <main
            class="panel"
            aria-label=move || format!("Chat with {}", chat.agent_name())
            on:keydown=move |e: ev::KeyboardEvent| {
                if e.key() == "Escape" {
                    close();
                }
            }
        >
            <Header chat=chat on_close=close />
            <MessageList chat=chat />
            <LiveStatus chat=chat />
            <Composer chat=chat node_ref=composer_ref />
        </main>
    }
}
