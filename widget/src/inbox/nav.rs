//! The four views with their live counts, and the search box.

use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use shared::inbox::InboxView;
use shared::labels::Priority;

/// The views' navigation: each button is named with its count ("Waiting, 3"), the shown one is
/// marked `aria-current`; the counts follow every list refresh, which the inbox socket triggers.
#[component]
pub fn Nav(inbox: Inbox) -> impl IntoView {
    view! {
        <nav class="views" aria-label="Views">
            <ul>
                {InboxView::ALL.into_iter().map(|view| {
                    let count = move || inbox.list.with(|l| l.as_ref().map(|l| l.counts.of(view)));
                    // Named "Waiting, 3" by `aria-label`: a hidden comma between the label and the
                    // badge would be read with spaces around it (the badge is laid out as a block).
                    // The visible text ("Waiting 3", with its space) stays part of the name.
                    let name = move || match count() {
                        Some(n) => format!("{}, {n}", view.label()),
                        None => view.label().to_string(),
                    };
                    view! {
                        <li>
                            <button type="button"
                                aria-label=name
                                aria-current=move || (inbox.view.get() == view).then_some("page")
                                on:click=move |_| inbox.show_view(view)>
                                <span>{view.label()}</span>
                                " "
                                {move || count().map(|n| view! { <span class="badge">{n.to_string()}</span> })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// Search by email, user id or words, and filters by tag and priority, as the agent types (keystrokes are gathered for 250 ms; an
/// answer to an older request than the latest is dropped, so a slow one never overwrites a newer
/// list).
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
                    // At most one request per 250 ms while the agent types, the last one with the
                    // whole text.
                    crate::live::schedule_refresh(inbox);
                } />
            <div class="filters">
                <p>
                    <label for="tag-filter">"Filter by tag"</label>
                    <input id="tag-filter" type="text" autocomplete="off" placeholder="any"
                        prop:value=move || inbox.tag_filter.get()
                        on:input=move |e| {
                            inbox.tag_filter.set(event_target_value(&e));
                            crate::live::schedule_refresh(inbox);
                        } />
                </p>
                <p>
                    <label for="priority-filter">"Filter by priority"</label>
                    <select id="priority-filter" on:change=move |e| {
                        inbox.priority_filter.set(Priority::parse(&event_target_value(&e)));
                        inbox.refresh_list();
                    }>
                        <option value="" selected=move || inbox.priority_filter.with(Option::is_none)>"Any"</option>
                        {Priority::ALL.into_iter().rev().map(|p| view! {
                            <option value=p.as_str() selected=move || inbox.priority_filter.get() == Some(p)>{p.label()}</option>
                        }).collect_view()}
                    </select>
                </p>
            </div>
        </form>
    }
}
