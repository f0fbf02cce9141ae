//! The four views with their live counts, and the search box.

use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use shared::inbox::InboxView;

/// The views' navigation: each button is named with its count ("Waiting, 3"), the shown one is
/// marked `aria-current`.
#[component]
pub fn Nav(inbox: Inbox) -> impl IntoView {
    view! {
        <nav class="views" aria-label="Views">
            <ul>
                {InboxView::ALL.into_iter().map(|view| {
                    let count = move || inbox.list.with(|l| l.as_ref().map(|l| l.counts.of(view).to_string()));
                    view! {
                        <li>
                            <button type="button"
                                aria-current=move || (inbox.view.get() == view).then_some("page")
                                on:click=move |_| inbox.show_view(view)>
                                {view.label()}
                                // The comma is read, not seen: the name is "Waiting, 3".
                                {move || count().map(|n| view! {
                                    <span class="sr-only">", "</span>
                                    <span class="badge">{n}</span>
                                })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// Search by email, user id or words; searching runs as the agent types (after a short pause is
/// not needed: each answer older than the latest request is dropped).
#[component]
pub fn Search(inbox: Inbox) -> impl IntoView {
    view! {
        <form class="search" role="search" on:submit=move |e: ev::SubmitEvent| {
            e.prevent_default();
            inbox.refresh_list();
        }>
            <label for="search-input">"Search conversations"</label>
            <input id="search-input" type="search" placeholder="Email, user id or text"
                prop:value=move || inbox.query.get()
                on:input=move |e| {
                    inbox.query.set(event_target_value(&e));
                    inbox.refresh_list();
                } />
        </form>
    }
}
