//! Bulk actions over the conversations ticked in the list: resolve them, or assign them to an
//! agent, one request each through the same routes as one at a time (so the same rules hold: an
//! agent resolves what is theirs or, as an admin, anything); what the edge refused is said, with
//! how many went through.

use crate::api;
use crate::state::Inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What to do with each ticked conversation.
#[derive(Clone)]
enum Act {
    Resolve,
    Assign(String),
}

/// Does `act` to every ticked conversation in turn, then says how it went and refreshes.
fn run(inbox: Inbox, act: Act) {
    let chosen = inbox.chosen.get_untracked();
    if chosen.is_empty() {
        return;
    }
    inbox.busy.set(true);
    spawn_local(async move {
        let (mut done, mut refused) = (0, Vec::new());
        for id in &chosen {
            let answer = match &act {
                Act::Resolve => api::resolve(id, None).await,
                Act::Assign(agent) => api::assign(id, agent).await,
            };
            match answer {
                Ok(_) => done += 1,
                Err(e) => refused.push(e.describe()),
            }
        }
        let what = match act {
            Act::Resolve => "Resolved",
            Act::Assign(_) => "Assigned",
        };
        inbox.busy.set(false);
        inbox.chosen.set(Vec::new());
        if refused.is_empty() {
            inbox.error.set(None);
            inbox.notice.set(format!("{what} {done}."));
        } else {
            refused.dedup();
            inbox.error.set(Some(format!("{what} {done} of {}. {}", chosen.len(), refused.join(" "))));
        }
        inbox.refresh_list();
        inbox.reload_detail();
    });
}

/// The bar over the list, while any conversation is ticked.
#[component]
pub fn Bulk(inbox: Inbox) -> impl IntoView {
    let to = RwSignal::new(String::new());
    move || {
        let n = inbox.chosen.with(Vec::len);
        (n > 0).then(|| {
            view! {
                <div class="bulk" role="group" aria-label="Selected conversations">
                    <span>{format!("{n} selected")}</span>
                    <button type="button" class="secondary" disabled=move || inbox.busy.get()
                        on:click=move |_| run(inbox, Act::Resolve)>"Resolve selected"</button>
                    <label for="bulk-assign">"Assign to"</label>
                    <select id="bulk-assign" on:change=move |e| to.set(event_target_value(&e))>
                        <option value="">"Choose an agent"</option>
                        {move || inbox.agents.get().into_iter().map(|a| view! { <option value=a.id>{a.name}</option> }).collect_view()}
                    </select>
                    <button type="button" class="secondary" disabled=move || inbox.busy.get() || to.with(String::is_empty)
                        on:click=move |_| run(inbox, Act::Assign(to.get_untracked()))>"Assign selected"</button>
                    <button type="button" class="link" on:click=move |_| inbox.chosen.set(Vec::new())>"Clear"</button>
                </div>
            }
        })
    }
}
