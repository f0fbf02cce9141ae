//! What an agent can do with the open conversation, by its status: claim it (waiting), take over
//! (the AI still has it), assign it to a colleague, hand it back to the AI, resolve it with an
//! optional closing message, reopen it. Buttons are disabled while a write is under way, so a
//! double click sends one request; a refusal (409 `already_claimed`…) shows in the alert region.

use crate::api::Step;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use shared::handoff::ConversationStatus;

/// The actions toolbar.
#[component]
pub fn ConversationActions(inbox: Inbox) -> impl IntoView {
    // Drawn again only when the status or ownership changes (not on every new message).
    let state = Memo::new(move |_| {
        let status = inbox.detail.with(|d| d.as_ref().map(|d| d.conversation.status));
        (status, inbox.is_mine())
    });
    move || {
        let (Some(status), mine) = state.get() else { return None };
        let step = move |step: Step, label: &'static str, primary: bool| {
            view! {
                <button type="button" class=if primary { "primary" } else { "secondary" }
                    disabled=move || inbox.busy.get()
                    on:click=move |_| inbox.step(step)>
                    {label}
                </button>
            }
        };
        let buttons = match status {
            ConversationStatus::Ai => Some(step(Step::TakeOver, "Take over", true)),
            ConversationStatus::Waiting => Some(step(Step::Claim, "Claim", true)),
            ConversationStatus::Assigned if mine => Some(step(Step::HandBack, "Hand back to AI", false)),
            ConversationStatus::Assigned => None,
            ConversationStatus::Resolved => Some(step(Step::Reopen, "Reopen", true)),
        };
        let open = status != ConversationStatus::Resolved;
        Some(view! {
            <div class="actions" role="group" aria-label="Conversation actions">
                {buttons}
                {open.then(|| view! { <Assign inbox=inbox /> })}
                {(status == ConversationStatus::Assigned && mine).then(|| view! { <Resolve inbox=inbox /> })}
            </div>
        })
    }
}

/// "Assign to" a colleague (the signed-in agent is not offered: claiming is for that).
#[component]
fn Assign(inbox: Inbox) -> impl IntoView {
    let chosen = RwSignal::new(String::new());
    let others = move || {
        let me = inbox.me.with(|m| m.as_ref().map(|m| m.id.clone()));
        let assignee = inbox.detail.with(|d| d.as_ref().and_then(|d| d.conversation.assignee.clone()).map(|a| a.id));
        inbox.agents.with(|all| {
            all.iter()
                .filter(|a| Some(&a.id) != me.as_ref() && Some(&a.id) != assignee.as_ref())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let id = chosen.get_untracked();
        if let Some(agent) = inbox.agents.with_untracked(|all| all.iter().find(|a| a.id == id).cloned()) {
            inbox.assign(agent);
        }
    };
    view! {
        <form class="assign" on:submit=submit>
            <label for="assign-to">"Assign to"</label>
            <select id="assign-to" on:change=move |e| chosen.set(event_target_value(&e))>
                <option value="" selected=true>"Choose a colleague"</option>
                {move || others().into_iter().map(|a| view! { <option value=a.id>{a.name}</option> }).collect_view()}
            </select>
            <button type="submit" class="secondary" disabled=move || inbox.busy.get() || chosen.with(String::is_empty)>
                "Assign"
            </button>
        </form>
    }
}

/// Resolve, with an optional closing message said to the visitor.
#[component]
fn Resolve(inbox: Inbox) -> impl IntoView {
    let closing = RwSignal::new(String::new());
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        inbox.resolve(closing.get_untracked());
    };
    view! {
        <form class="resolve" on:submit=submit>
            <label for="closing-message">"Closing message (optional)"</label>
            <input id="closing-message" type="text" maxlength="4000"
                prop:value=move || closing.get()
                on:input=move |e| closing.set(event_target_value(&e)) />
            <button type="submit" class="primary" disabled=move || inbox.busy.get()>"Resolve"</button>
        </form>
    }
}
