//! The open conversation's tags and priority, in the side panel: any agent adds or removes a tag
//! and sets the priority; each change is saved whole at once, and every inbox hears of it.

use crate::api;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::labels::{Labels, Priority};

/// Saves `labels` on the open conversation and shows the row the edge answers.
fn save(inbox: Inbox, labels: Labels, done: String) {
    let Some(id) = inbox.selected.get_untracked() else { return };
    spawn_local(async move {
        match api::set_labels(&id, &labels).await {
            Ok(row) => {
                inbox.detail.update(|d| {
                    if let Some(d) = d.as_mut().filter(|d| d.conversation.id == row.id) {
                        d.conversation = row;
                    }
                });
                inbox.error.set(None);
                inbox.notice.set(done);
            }
            Err(e) => inbox.fail(e),
        }
    });
}

/// The panel.
#[component]
pub fn LabelsPanel(inbox: Inbox) -> impl IntoView {
    let current = Memo::new(move |_| {
        inbox.detail.with(|d| {
            d.as_ref().map(|d| Labels { tags: d.conversation.tags.clone(), priority: d.conversation.priority })
        })
    });
    let typed = RwSignal::new(String::new());
    let add = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let Some(mut labels) = current.get_untracked() else { return };
        let tag = typed.get_untracked();
        match shared::labels::tag(&tag) {
            Ok(t) => {
                labels.tags.push(t.clone());
                typed.set(String::new());
                save(inbox, labels, format!("Tagged #{t}."));
            }
            Err(e) => inbox.error.set(Some(format!("Not added: {e}"))),
        }
    };
    view! {
        <section class="panel" aria-labelledby="labels-title">
            <h3 id="labels-title">"Tags and priority"</h3>
            <p>
                <label for="priority-select">"Priority"</label>
                " "
                <select id="priority-select" on:change=move |e| {
                    let Some(mut labels) = current.get_untracked() else { return };
                    if let Some(p) = Priority::parse(&event_target_value(&e)) {
                        labels.priority = p;
                        save(inbox, labels, format!("{}.", p.label()));
                    }
                }>
                    {Priority::ALL.into_iter().rev().map(|p| view! {
                        <option value=p.as_str() selected=move || current.with(|c| c.as_ref().map(|c| c.priority)) == Some(p)>{p.label()}</option>
                    }).collect_view()}
                </select>
            </p>
            <ul class="tags" aria-label="Tags">
                {move || current.get().map(|c| c.tags).unwrap_or_default().into_iter().map(|t| {
                    let name = t.clone();
                    view! {
                        <li>
                            {format!("#{t}")}
                            " "
                            <button type="button" class="link" aria-label=format!("Remove tag {t}") on:click=move |_| {
                                let Some(mut labels) = current.get_untracked() else { return };
                                labels.tags.retain(|x| *x != name);
                                save(inbox, labels, format!("Removed #{name}."));
                            }>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="add-tag" on:submit=add>
                <label for="add-tag">"Add a tag"</label>
                <input id="add-tag" type="text" autocomplete="off" prop:value=move || typed.get()
                    on:input=move |e| typed.set(event_target_value(&e)) />
                <button type="submit" class="secondary">"Add tag"</button>
            </form>
        </section>
    }
}
