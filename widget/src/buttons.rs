//! Buttons under a message: links open in a new tab; the others go to the edge, which acts once
//! per button. Quick replies and Confirm/Cancel answer the newest message, so they are offered
//! only while their message is the newest. Drawn with plain DOM calls (see `dom.rs`).

use crate::api;
use crate::chat::Chat;
use crate::dom::{add, el, el_text, on, set};
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{ButtonAct, ButtonCard};
use std::cell::Cell;
use std::rc::Rc;

/// The buttons of message `message_id`.
#[component]
pub fn Buttons(chat: Chat, message_id: String, buttons: Vec<ButtonCard>) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let answers = Cell::new(None::<Vec<web_sys::Element>>);
    let only_answers = buttons.iter().all(|b| b.does.is_answer());
    // Draws once mounted; afterwards hides the answers once a newer message arrives.
    crate::dom::effect(move || {
        let newest = chat.messages.with(|ms| ms.last().is_some_and(|m| m.id.as_str() == message_id));
        let Some(group) = node.get() else { return };
        let drawn = match answers.take() {
            Some(drawn) => drawn,
            None => draw(&group, chat, &message_id, &buttons),
        };
        for b in &drawn {
            set(b, "hidden", (!newest).then_some(""));
        }
        set(&group, "hidden", (only_answers && !newest).then_some(""));
        answers.set(Some(drawn));
    });
    view! { <div class="buttons" role="group" aria-label="Suggested actions" node_ref=node></div> }
}

/// Draws the buttons into `group`; returns the ones that answer the message.
fn draw(group: &web_sys::Element, chat: Chat, message_id: &str, buttons: &[ButtonCard]) -> Vec<web_sys::Element> {
    let busy = Rc::new(Cell::new(false));
    let alert = el("p", &[("class", "send-error"), ("role", "alert"), ("hidden", "")]);
    let mut answers = Vec::new();
    for b in buttons {
        if let ButtonAct::OpenUrl(url) = &b.does {
            if url.starts_with("https://") || url.starts_with("http://") {
                let link = el_text(
                    "a",
                    &[("class", "chip"), ("href", url), ("target", "_blank"), ("rel", "noopener noreferrer")],
                    &b.label,
                );
                add(&link, &el_text("span", &[("class", "sr-only")], " (opens in a new tab)"));
                add(group, &link);
            }
            continue;
        }
        let button = el_text("button", &[("type", "button"), ("class", "chip"), ("aria-busy", "false")], &b.label);
        if b.does.is_answer() {
            answers.push(button.clone());
        }
        add(group, &button);
        let (busy, alert, this, message_id, id) =
            (busy.clone(), alert.clone(), button.clone(), message_id.to_string(), b.id.clone());
        on(&button, "click", move |_| {
            // A second click while the first is on its way does nothing; the edge answers any
            // later click on the same button with the first result.
            let Some(session) = chat.session.get_untracked() else { return };
            if busy.replace(true) {
                return;
            }
            set(&this, "aria-busy", Some("true"));
            set(&alert, "hidden", Some(""));
            let (busy, alert, this, message_id, id) =
                (busy.clone(), alert.clone(), this.clone(), message_id.clone(), id.clone());
            spawn_local(async move {
                match api::click_button(&session, &message_id, &id).await {
                    Ok(r) if chat.still_open(&session) => chat.merge(r.messages, true),
                    Ok(_) => {} // the conversation was deleted meanwhile
                    Err(f) => {
                        let text = format!("That didn't go through. {} Press the button to try again.", f.describe());
                        alert.set_text_content(Some(&text));
                        set(&alert, "hidden", None);
                    }
                }
                busy.set(false);
                set(&this, "aria-busy", Some("false"));
            });
        });
    }
    let _ = group.after_with_node_1(&alert);
    answers
}
