//! The list of the current view: one row per conversation with who, why, what the visitor last
//! wrote, whether it is unread by this agent, how long it has waited (flagged past the owner's
//! threshold), whether it is snoozed and who has it. A row is one button that opens the
//! conversation, beside a box that ticks it for the bulk actions above the list (resolve, assign).

use crate::state::{status_words, waiting_for, Inbox};
use leptos::prelude::*;
use shared::handoff::ConversationStatus;
use shared::inbox::ConversationRow;
use shared::labels::Priority;

/// The conversations of the view shown.
#[component]
pub fn ConversationList(inbox: Inbox) -> impl IntoView {
    move || {
        let Some(list) = inbox.list.get() else {
            return view! { <p role="status">"Loading conversations…"</p> }.into_any();
        };
        if list.conversations.is_empty() {
            let unfiltered = inbox.query.with(|q| q.trim().is_empty())
                && inbox.tag_filter.with(|t| t.trim().is_empty())
                && inbox.priority_filter.with(Option::is_none);
            let empty = if unfiltered { "No conversations here." } else { "No conversation matches this search." };
            return view! { <p class="empty">{empty}</p> }.into_any();
        }
        view! {
            <crate::bulk::Bulk inbox=inbox />
            <ul class="rows" aria-label="Conversations">
                {list.conversations.into_iter().map(|row| view! { <Row inbox=inbox row=row /> }).collect_view()}
            </ul>
        }
        .into_any()
    }
}

#[component]
fn Row(inbox: Inbox, row: ConversationRow) -> impl IntoView {
    let id = row.id.clone();
    let selected = {
        let id = id.clone();
        move || inbox.selected.with(|s| s.as_deref() == Some(id.as_str()))
    };
    let who = row.name.clone().or_else(|| row.email.clone()).or_else(|| row.user_id.clone());
    let who = who.unwrap_or_else(|| "Anonymous visitor".into());
    let mut ids: Vec<String> = Vec::new();
    if row.name.is_some() {
        ids.extend(row.email.clone());
    }
    if let Some(u) = &row.user_id {
        if row.name.is_some() || row.email.is_some() {
            ids.push(format!("user {u}"));
        }
    }
    let handoff_at = row.handoff_at_ms;
    let snoozed = row.snooze.is_some_and(|s| s.holds(inbox.edge_now()));
    let tick = {
        // Named by who and what they wrote: several rows are often "Anonymous visitor".
        let (id, label) = (id.clone(), format!("Select {who}: {}", row.preview));
        view! {
            <input type="checkbox" class="row-tick" aria-label=label
                prop:checked={
                    let id = id.clone();
                    move || inbox.chosen.with(|c| c.contains(&id))
                }
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    inbox.chosen.update(|c| {
                        c.retain(|x| *x != id);
                        if on {
                            c.push(id.clone());
                        }
                    });
                } />
        }
    };
    let waiting = row.status == ConversationStatus::Waiting;
    let wait = move || handoff_at.filter(|_| waiting).map(|at| waiting_for(inbox.edge_now(), at));
    let status = status_words(row.status, row.assignee.as_ref());
    let unread = {
        let id = id.clone();
        Memo::new(move |_| inbox.attention.with(|a| a.iter().any(|a| a.id == id)))
    };
    let long = {
        let id = id.clone();
        Memo::new(move |_| inbox.long_waits.with(|a| a.iter().any(|a| a.id == id)))
    };
    // The absolute time of the latest message, on hover (the list says how long ago).
    let at = js_sys::Date::new(&(row.last_message_at_ms as f64).into())
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
        .map(|t| format!("Last message {t}"));
    view! {
        <li class="row-line">
            {tick}
            <button type="button" class="row" class:unread=move || unread.get() aria-current=move || selected().then_some("true")
                title=at on:click=move |_| inbox.open(id.clone())>
                {move || unread.get().then(|| view! { <span class="row-unread">"Unread"</span> })}
                <span class="row-who">{who}</span>
                {(!ids.is_empty()).then(|| view! { <span class="row-ids">{ids.join(" · ")}</span> })}
                {row.reason.map(|r| view! { <span class="row-reason">{r}</span> })}
                <span class="row-preview">{row.preview}</span>
                {(row.priority != Priority::Normal || !row.tags.is_empty()).then(|| view! {
                    <span class="row-labels">
                        {(row.priority != Priority::Normal).then(|| view! {
                            <span class=format!("priority {}", row.priority.as_str())>{row.priority.label()}</span>
                        })}
                        {row.tags.iter().map(|t| view! { <span class="tag">{format!("#{t}")}</span> }).collect_view()}
                    </span>
                })}
                <span class="row-meta">
                    {move || wait().map(|w| view! { <span class="row-wait" class:long=move || long.get()>{w}</span> })}
                    {move || long.get().then(|| view! { <span class="row-long">"Waiting too long"</span> })}
                    {snoozed.then(|| view! { <span class="row-snoozed">"Snoozed"</span> })}
                    <span class="row-status">{status}</span>
                </span>
            </button>
        </li>
    }
}
