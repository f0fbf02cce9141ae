//! Private notes on the open conversation: agents only, never shown to the visitor (the edge
//! keeps them apart from messages); said so where they are written.

use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The notes and the form to add one.
#[component]
pub fn Notes(inbox: Inbox) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let notes = move || inbox.detail.with(|d| d.as_ref().map(|d| d.notes.clone()).unwrap_or_default());
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            if inbox.add_note(text.trim().to_string()).await.is_ok() {
                draft.set(String::new());
            }
            saving.set(false);
        });
    };
    view! {
        <section class="panel notes" aria-labelledby="notes-title">
            <h3 id="notes-title">"Private notes"</h3>
            <p class="private">"Only agents see notes; the visitor never does."</p>
            <ul class="note-list" aria-label="Notes">
                <For each=notes key=|n| n.id.clone() let:note>
                    <li>
                        <p class="entry-head"><span class="author">{note.author.name}</span>" "
                            <time datetime=note.created_at.clone()>{note.created_at.clone()}</time></p>
                        <p>{note.text}</p>
                    </li>
                </For>
            </ul>
            <form on:submit=submit>
                <label for="note-input">"Private note"</label>
                <textarea id="note-input" rows="2" maxlength="4000"
                    prop:value=move || draft.get()
                    on:input=move |e| draft.set(event_target_value(&e))></textarea>
                <button type="submit" class="secondary" disabled=move || saving.get() || draft.with(|d| d.trim().is_empty())>
                    "Add note"
                </button>
            </form>
        </section>
    }
}
