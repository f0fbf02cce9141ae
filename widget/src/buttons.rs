//! Buttons under a message: links open in a new tab; the others go to the edge, which acts once
//! per button. Quick replies and Confirm/Cancel answer the newest message, so they are offered
//! only while their message is the newest.

use crate::api;
use crate::chat::Chat;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{ButtonAct, ButtonCard};

/// The buttons of message `message_id`.
#[component]
pub fn Buttons(chat: Chat, message_id: String, buttons: Vec<ButtonCard>) -> impl IntoView {
    let only_answers = buttons.iter().all(|b| b.does.is_answer());
    let id = StoredValue::new(message_id.clone());
    let newest = move || id.with_value(|id| chat.messages.with(|ms| ms.last().is_some_and(|m| m.id.as_str() == id)));
    let busy = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let message_id = StoredValue::new(message_id);
    let click = move |button: String| {
        if busy.get_untracked().is_some() {
            return; // a second click while the first is on its way does nothing
        }
        let Some(session) = chat.session.get_untracked() else { return };
        busy.set(Some(button.clone()));
        failure.set(None);
        spawn_local(async move {
            match api::click_button(&session, &message_id.get_value(), &button).await {
                Ok(r) => chat.merge(r.messages, true),
                Err(f) => failure
                    .set(Some(format!("That didn't go through. {} Press the button to try again.", f.describe()))),
            }
            busy.set(None);
        });
    };
    let items = buttons
        .into_iter()
        .map(|b| match b.does {
            ButtonAct::OpenUrl(url) if url.starts_with("https://") || url.starts_with("http://") => view! {
                <a class="chip" href=url target="_blank" rel="noopener noreferrer">
                    {b.label}<span class="sr-only">" (opens in a new tab)"</span>
                </a>
            }
            .into_any(),
            ButtonAct::OpenUrl(_) => ().into_any(),
            does => {
                let id = b.id.clone();
                let answer = does.is_answer();
                let this = id.clone();
                view! {
                    <button type="button" class="chip" hidden=move || answer && !newest()
                        aria-busy=move || if busy.with(|b| b.as_deref() == Some(this.as_str())) { "true" } else { "false" }
                        on:click=move |_| click(id.clone())>
                        {b.label}
                    </button>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <div class="buttons" role="group" aria-label="Suggested actions" hidden=move || only_answers && !newest()>
            {items}
        </div>
        {move || failure.get().map(|f| view! { <p class="send-error" role="alert">{f}</p> })}
    }
}
