//! Snoozing the open conversation, in the side panel: put aside for an hour, until tomorrow
//! morning, or until the visitor writes (their writing brings it back either way); it leaves
//! Waiting, Mine and All open for Snoozed meanwhile, and alerts nobody. Any agent may, like tags.

use crate::api;
use crate::state::Inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::handoff::ConversationStatus;
use shared::inbox::Snooze;

/// Saves the snooze (`None`: brought back) and shows the row the edge answers.
fn save(inbox: Inbox, snooze: Option<Snooze>, done: &'static str) {
    let Some(id) = inbox.selected.get_untracked() else { return };
    spawn_local(async move {
        match api::snooze(&id, snooze).await {
            Ok(row) => {
                inbox.detail.update(|d| {
                    if let Some(d) = d.as_mut().filter(|d| d.conversation.id == row.id) {
                        d.conversation = row;
                    }
                });
                inbox.error.set(None);
                inbox.notice.set(done.into());
                inbox.refresh_list();
            }
            Err(e) => inbox.fail(e),
        }
    });
}

/// When a choice ends, from the agent's clock: an hour from now, or tomorrow at 9:00 local time.
fn until(choice: &str) -> Option<u64> {
    let now = js_sys::Date::new_0();
    match choice {
        "hour" => Some(now.get_time() as u64 + 3_600_000),
        "tomorrow" => {
            now.set_date(now.get_date() + 1);
            now.set_hours(9);
            now.set_minutes(0);
            now.set_seconds(0);
            now.set_milliseconds(0);
            Some(now.get_time() as u64)
        }
        _ => None,
    }
}

/// "14:05" today, or "Tue 09:00" another day, in the agent's local time.
fn moment(ms: u64) -> String {
    let date = js_sys::Date::new(&(ms as f64).into());
    let today = js_sys::Date::new_0().to_date_string() == date.to_date_string();
    let time = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    if today {
        time
    } else {
        const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        format!("{} {time}", DAYS[date.get_day() as usize % 7])
    }
}

/// The panel: shown for a waiting or assigned conversation.
#[component]
pub fn SnoozePanel(inbox: Inbox) -> impl IntoView {
    let state = Memo::new(move |_| {
        inbox.detail.with(|d| {
            d.as_ref()
                .filter(|d| matches!(d.conversation.status, ConversationStatus::Waiting | ConversationStatus::Assigned))
                .map(|d| d.conversation.snooze.filter(|s| s.holds(inbox.edge_now())))
        })
    });
    let choice = RwSignal::new(String::from("hour"));
    move || {
        state.get().map(|snoozed| {
            let body = match snoozed {
                Some(s) => {
                    let words = match s.until_ms {
                        Some(ms) => format!("Snoozed until {}, or until the visitor writes.", moment(ms)),
                        None => "Snoozed until the visitor writes.".to_string(),
                    };
                    view! {
                        <p>{words}</p>
                        <button type="button" class="secondary" on:click=move |_| save(inbox, None, "Back in the queue.")>
                            "Unsnooze"
                        </button>
                    }
                    .into_any()
                }
                None => view! {
                    <p>
                        <label for="snooze-select">"Snooze until"</label>
                        " "
                        <select id="snooze-select" on:change=move |e| choice.set(event_target_value(&e))>
                            <option value="hour" selected=true>"In an hour"</option>
                            <option value="tomorrow">"Tomorrow, 9:00"</option>
                            <option value="visitor">"The visitor writes"</option>
                        </select>
                    </p>
                    <button type="button" class="secondary" on:click=move |_| {
                        let snooze = Snooze { until_ms: until(&choice.get_untracked()) };
                        save(inbox, Some(snooze), "Snoozed: it is in Snoozed until then.");
                    }>"Snooze"</button>
                }
                .into_any(),
            };
            view! {
                <section class="panel" aria-labelledby="snooze-title">
                    <h3 id="snooze-title">"Snooze"</h3>
                    {body}
                </section>
            }
        })
    }
}
