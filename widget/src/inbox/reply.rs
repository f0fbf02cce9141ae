//! The reply box, for the agent who has the conversation: Enter sends, Shift+Enter starts a new
//! line; typing is told to the visitor over the conversation's socket. The box empties as a reply
//! goes, so the next can be typed meanwhile; Enter then sends it as soon as the one on its way is
//! stored (one at a time, in order). What failed to send comes back into the box, with the reason
//! in the alert region.
//!
//! Files go with the button beside the box, by dropping them on the box or by pasting them into
//! it: each is sent as it is chosen, in order, as the agent's message; the edge checks and keeps
//! it, and what it refuses is said in the alert region.
//!
//! `/` and a shortcut (`/refund`) opens the canned replies that match: arrows choose, Enter or Tab
//! inserts one with its variables filled from the conversation, Escape closes. A variable the
//! conversation has no value for stays in the text, and the reply is not sent until the agent
//! replaces it.

use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::canned::{fill, matching, CannedReply, VARIABLES};
use shared::message::MAX_MESSAGE_CHARS;

/// Most canned replies the picker lists at once.
const MAX_SHOWN: usize = 8;

/// What `/…` in an otherwise empty box asks for: the text after `/`.
fn picking(draft: &str) -> Option<&str> {
    let typed = draft.strip_prefix('/')?;
    (!typed.contains(char::is_whitespace)).then_some(typed)
}

/// The variables of the canned replies still in the text, unfilled.
fn unfilled(text: &str) -> Vec<&'static str> {
    VARIABLES.iter().copied().filter(|v| shared::canned::variables(text).iter().any(|t| t == v)).collect()
}

/// A canned reply's text with what the open conversation knows filled in.
fn filled(inbox: Inbox, reply: &CannedReply) -> String {
    let me = inbox.me.get_untracked();
    inbox.detail.with_untracked(|d| {
        let c = d.as_ref().map(|d| &d.conversation);
        fill(&reply.text, |name| match name {
            "lead.name" => c.and_then(|c| c.name.clone()),
            "lead.email" => c.and_then(|c| c.email.clone()),
            "conversation.user_id" => c.and_then(|c| c.user_id.clone()),
            "conversation.id" => c.map(|c| c.id.clone()),
            "agent.name" => me.as_ref().map(|m| m.name.clone()),
            "agent.first_name" => me.as_ref().and_then(|m| m.name.split_whitespace().next().map(String::from)),
            _ => None,
        })
        .text
    })
}

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

/// Sends the files one after another, in the order given, saying which is on its way.
fn attach(inbox: Inbox, sending: RwSignal<Option<String>>, files: Option<web_sys::FileList>) {
    let files: Vec<web_sys::File> =
        files.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
    if files.is_empty() {
        return;
    }
    spawn_local(async move {
        for file in files {
            sending.set(Some(format!("Sending {}…", file.name())));
            if inbox.upload(file).await.is_err() {
                break;
            }
        }
        sending.set(None);
    });
}

#[component]
fn Composer(inbox: Inbox) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let uploading = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    // Enter pressed while a reply was on its way: send the box's text once that one is stored.
    let again = StoredValue::new(false);
    // The canned replies matching `/…`, the one chosen, and whether Escape closed the list.
    let matches = Memo::new(move |_| {
        draft.with(|d| {
            picking(d).map(|typed| {
                inbox.canned.with(|all| matching(all, typed).into_iter().take(MAX_SHOWN).cloned().collect::<Vec<_>>())
            })
        })
    });
    let chosen = RwSignal::new(0usize);
    let closed = RwSignal::new(false);
    let open = move || !closed.get() && matches.with(|m| m.as_ref().is_some_and(|m| !m.is_empty()));
    let insert = move |reply: CannedReply| {
        draft.set(filled(inbox, &reply));
        chosen.set(0);
    };
    // A variable left unfilled: said under the box, and the reply waits for the agent.
    let missing = Memo::new(move |_| draft.with(|d| unfilled(d)));
    let send = move || {
        if draft.with_untracked(|d| d.trim().is_empty()) || !missing.with_untracked(Vec::is_empty) {
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
        <form class="composer"
            on:submit=move |e: ev::SubmitEvent| {
                e.prevent_default();
                send();
            }
            on:dragover=move |e: ev::DragEvent| e.prevent_default()
            on:drop=move |e: ev::DragEvent| {
                e.prevent_default();
                attach(inbox, uploading, e.data_transfer().and_then(|d| d.files()));
            }>
            <label for="reply-input">"Reply to the visitor"</label>
            <textarea id="reply-input" rows="3" maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-describedby="reply-help reply-missing"
                aria-controls=move || open().then_some("canned-options")
                aria-activedescendant=move || open().then(|| format!("canned-option-{}", chosen.get()))
                aria-invalid=move || (!missing.with(Vec::is_empty)).then_some("true")
                prop:value=move || draft.get()
                on:paste=move |e: ev::ClipboardEvent| {
                    let files = e.clipboard_data().and_then(|d| d.files()).filter(|f| f.length() > 0);
                    if files.is_some() {
                        e.prevent_default();
                        attach(inbox, uploading, files);
                    }
                }
                on:input=move |e| {
                    draft.set(event_target_value(&e));
                    closed.set(false);
                    chosen.set(0);
                    crate::live::typing();
                }
                on:keydown=move |e: ev::KeyboardEvent| {
                    if open() {
                        let n = matches.with_untracked(|m| m.as_ref().map_or(0, Vec::len));
                        match e.key().as_str() {
                            "ArrowDown" => {
                                e.prevent_default();
                                chosen.update(|c| *c = (*c + 1) % n);
                                return;
                            }
                            "ArrowUp" => {
                                e.prevent_default();
                                chosen.update(|c| *c = (*c + n - 1) % n);
                                return;
                            }
                            "Enter" | "Tab" if !e.shift_key() => {
                                e.prevent_default();
                                let pick = matches.with_untracked(|m| m.as_ref().and_then(|m| m.get(chosen.get_untracked()).cloned()));
                                if let Some(reply) = pick {
                                    insert(reply);
                                }
                                return;
                            }
                            "Escape" => {
                                e.prevent_default();
                                closed.set(true);
                                return;
                            }
                            _ => {}
                        }
                    }
                    if crate::typing::sends(&e) {
                        e.prevent_default();
                        send();
                    }
                }></textarea>
            {move || open().then(|| view! {
                <ul id="canned-options" class="canned-options" role="listbox" aria-label="Canned replies">
                    {matches.get().unwrap_or_default().into_iter().enumerate().map(|(i, reply)| {
                        let shown = reply.clone();
                        view! {
                            <li id=format!("canned-option-{i}") role="option"
                                aria-selected=move || if chosen.get() == i { "true" } else { "false" }
                                // Mouse down, not click: the box keeps the focus.
                                on:mousedown=move |e: ev::MouseEvent| {
                                    e.prevent_default();
                                    insert(reply.clone());
                                }>
                                <span class="canned-shortcut">{format!("/{}", shown.shortcut)}</span>
                                " "
                                <span class="canned-text">{shown.text}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <p id="reply-missing" class="error" role="status">{move || missing.with(|m| (!m.is_empty()).then(|| {
                let names: Vec<String> = m.iter().map(|v| format!("{{{{{v}}}}}")).collect();
                format!("Replace {} before sending: this conversation has no value for it.", names.join(", "))
            }))}</p>
            <p id="reply-help" class="muted">
                "Enter sends; Shift+Enter starts a new line. Type / and a shortcut for a canned reply. \
                 Drop or paste a file to send it."
            </p>
            <p class="muted" role="status">{move || uploading.get()}</p>
            <div class="composer-buttons">
                // Hidden: the button opens its picker (a file input's own look cannot be styled).
                <input type="file" hidden multiple
                    accept=shared::attachment::ACCEPT_ATTRIBUTE node_ref=file_input
                    on:change=move |_| {
                        if let Some(input) = file_input.get_untracked() {
                            attach(inbox, uploading, input.files());
                            input.set_value("");
                        }
                    } />
                <button type="button" on:click=move |_| {
                    if let Some(input) = file_input.get_untracked() {
                        input.click();
                    }
                }>"Attach a file"</button>
                <button type="submit" class="primary"
                    disabled=move || sending.get() || draft.with(|d| d.trim().is_empty()) || !missing.with(Vec::is_empty)>
                    "Send reply"
                </button>
            </div>
        </form>
    }
}
