//! The reply box, for the agent who has the conversation: Enter sends, Shift+Enter starts a new
//! line; typing is told to the visitor over the conversation's socket. The box empties as a reply
//! goes, so the next can be typed meanwhile; Enter then sends it as soon as the one on its way is
//! stored (one at a time, in order). What failed to send comes back into the box, with the reason
//! in the alert region.

use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::message::MAX_MESSAGE_CHARS;

/// Reply box, or why there is none.
#[component]
pub fn Reply(inbox: Inbox) -> impl IntoView {
    let mine = Memo::new(move |_| inbox.is_mine());
    move || {
        if mine.get() {
            view! { <Composer inbox=inbox /> }.into_any()
        } else {
            view! { <p class="muted reply-hint">"Claim or take over this conversation to reply."</p> }.into_any()
        }
    }
}

#[component]
fn Composer(inbox: Inbox) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    // Enter pressed while a reply was on its way: send the box's text once that one is stored.
    let again = StoredValue::new(false);
    let send = move || {
        if draft.with_untracked(|d| d.trim().is_empty()) {
            return;
        }
        if sending.get_untracked() {
            again.set_value(true);
            return;
        }
        sending.set(true);
        crate::live::stopped_typing();
        spawn_local(async move {
            loop {
                let text = draft.get_untracked();
                if text.trim().is_empty() {
                    break;
                }
                draft.set(String::new());
                if inbox.reply(text.clone()).await.is_err() {
                    // Back into the box, before anything typed since.
                    draft.update(|d| *d = if d.trim().is_empty() { text } else { format!("{text}\n{d}") });
                    again.set_value(false);
                    break;
                }
                let more = again.get_value();
                again.set_value(false);
                if !more {
                    break;
                }
            }
            sending.set(false);
        });
    };
    view! {
        <form class="composer" on:submit=move |e: ev::SubmitEvent| {
            e.prevent_default();
            send();
        }>
            <label for="reply-input">"Reply to the visitor"</label>
            <textarea id="reply-input" rows="3" maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-describedby="reply-help"
                prop:value=move || draft.get()
                on:input=move |e| {
                    draft.set(event_target_value(&e));
                    crate::live::typing();
                }
                on:keydown=move |e: ev::KeyboardEvent| {
                    if crate::typing::sends(&e) {
                        e.prevent_default();
                        send();
                    }
                }></textarea>
            <p id="reply-help" class="muted">"Enter sends; Shift+Enter starts a new line."</p>
            <button type="submit" class="primary" disabled=move || sending.get() || draft.with(|d| d.trim().is_empty())>
                "Send reply"
            </button>
        </form>
    }
}
