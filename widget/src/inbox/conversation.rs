//! The open conversation: who and its status, what the agent can do, the full history with the
//! reply box, and beside it the visitor's details and the private notes.

use crate::conversation_actions::ConversationActions;
use crate::details::Details;
use crate::history::History;
use crate::notes::Notes;
use crate::reply::Reply;
use crate::state::{status_words, waiting_for, Inbox};
use leptos::prelude::*;
use shared::handoff::ConversationStatus;

/// The right-hand side: a conversation, or a hint to open one.
#[component]
pub fn ConversationView(inbox: Inbox) -> impl IntoView {
    // Which conversation is loaded: a memo, so a new message or note (a change of `detail`)
    // does not draw the whole view again (the reply box would lose what is typed and focus).
    let loaded = Memo::new(move |_| inbox.detail.with(|d| d.as_ref().map(|d| d.conversation.id.clone())));
    move || {
        if inbox.selected.get().is_none() {
            return view! {
                <section class="conversation empty" aria-label="Conversation">
                    <p>"Select a conversation to read it."</p>
                </section>
            }
            .into_any();
        }
        if inbox.deleted.get() {
            return view! {
                <section class="conversation" aria-label="Conversation">
                    <p role="status" class="gone">
                        "This conversation was deleted, by the visitor or by an erasure. Its messages are gone and \
                         nothing more can be done with it."
                    </p>
                </section>
            }
            .into_any();
        }
        if loaded.get().is_none() {
            return view! {
                <section class="conversation" aria-label="Conversation">
                    <p role="status">"Loading the conversation…"</p>
                </section>
            }
            .into_any();
        }
        view! { <Open inbox=inbox /> }.into_any()
    }
}

#[component]
fn Open(inbox: Inbox) -> impl IntoView {
    let title = move || {
        inbox.detail.with(|d| {
            d.as_ref()
                .and_then(|d| {
                    let c = &d.conversation;
                    c.name.clone().or_else(|| c.email.clone()).or_else(|| c.user_id.clone())
                })
                .unwrap_or_else(|| "Anonymous visitor".into())
        })
    };
    let status = move || {
        inbox.detail.with(|d| {
            d.as_ref().map(|d| {
                let c = &d.conversation;
                let mut line = status_words(c.status, c.assignee.as_ref());
                if let (ConversationStatus::Waiting, Some(at)) = (c.status, c.handoff_at_ms) {
                    line.push_str(&format!(", {}", waiting_for(inbox.edge_now(), at)));
                }
                line
            })
        })
    };
    // The side panel folds away for a wider history; open by default where it fits beside it.
    let wide =
        web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).is_some_and(|w| w >= 1200.0);
    let side_open = RwSignal::new(wide);
    view! {
        <section class="conversation" aria-labelledby="conversation-title">
            <div class="conversation-head">
                <div class="head-line">
                    <h2 id="conversation-title" tabindex="-1">{title}</h2>
                    <button type="button" class="secondary" aria-controls="conversation-side"
                        aria-expanded=move || if side_open.get() { "true" } else { "false" }
                        on:click=move |_| side_open.update(|o| *o = !*o)>"Visitor details"</button>
                </div>
                <p class="status-line">{status}</p>
                <ConversationActions inbox=inbox />
            </div>
            <div class="conversation-body" class:side-closed=move || !side_open.get()>
                <div class="thread">
                    <History inbox=inbox />
                    <p class="typing" role="status">
                        {move || inbox.visitor_typing.get().then_some("The visitor is typing…")}
                    </p>
                    <p class="typing" role="status">
                        {move || inbox.colleague_typing.get().map(|name| format!("{name} is typing a reply…"))}
                    </p>
                    // Not a live region: the stored reply is announced when it lands.
                    {move || inbox.ai_writing.get().map(|text| view! {
                        <div class="ai-writing" aria-busy="true">
                            <p class="typing">"The AI is writing:"</p>
                            <p class="text plain">{text}</p>
                        </div>
                    })}
                    <Reply inbox=inbox />
                </div>
                // A region, not an `aside`: a complementary landmark inside `main` is not top-level.
                <section class="side" id="conversation-side" aria-label="Visitor details and notes"
                    hidden=move || !side_open.get()>
                    <Details inbox=inbox />
                    <crate::labels::LabelsPanel inbox=inbox />
                    <crate::snooze::SnoozePanel inbox=inbox />
                    <Notes inbox=inbox />
                </section>
            </div>
        </section>
    }
}
