//! The owner's console, for agents with the admin role: the site's actions, each switched on or
//! off at once (stored at the edge, with who and when), their runs over the last day, and an
//! action's page (`console_action`). It speaks the admin API with the admin's session cookie.

use crate::api;
use crate::console_action::ActionPage;
use crate::state::Inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::console::ActionSummary;

/// The actions' table and, below it, the open action's page.
#[component]
pub fn Console(inbox: Inbox) -> impl IntoView {
    let actions = RwSignal::new(None::<Vec<ActionSummary>>);
    let open = RwSignal::new(None::<String>);
    let loaded = Memo::new(move |_| actions.with(Option::is_some));
    spawn_local(async move {
        match api::actions().await {
            Ok(list) => actions.set(Some(list.actions)),
            Err(e) => inbox.fail(e),
        }
    });
    view! {
        <main class="console">
            <crate::notices::Notices inbox=inbox />
            <section aria-labelledby="actions-title">
                <h2 id="actions-title">"Actions"</h2>
                <p class="muted">
                    "What the agent may do for visitors. Switching one off takes effect for the next message; the action's file stays the default, and Revert returns to it."
                </p>
                // Drawn once when the list arrives: a switch then changes its own row only, so the
                // keyboard focus stays on it.
                {move || match loaded.get() {
                    false => view! { <p role="status">"Loading the actions…"</p> }.into_any(),
                    true => {
                        let list = actions.get_untracked().unwrap_or_default();
                        view! { <ActionTable inbox=inbox list=list actions=actions open=open /> }.into_any()
                    }
                }}
            </section>
            {move || open.get().map(|slug| view! { <ActionPage inbox=inbox slug=slug actions=actions /> })}
        </main>
    }
}

/// "GET api.example.com" for an HTTP action's request (the host, not the path's values).
pub fn request_line(action: &ActionSummary) -> String {
    match action.definition.http() {
        Some(http) => {
            let rest = http.url.split_once("://").map_or(http.url.as_str(), |(_, r)| r);
            format!("{} {}", http.method.as_str(), rest.split('/').next().unwrap_or(rest))
        }
        None => "—".into(),
    }
}

/// Read or write, for an HTTP action.
fn scope(action: &ActionSummary) -> &'static str {
    match action.definition.http().map(|h| h.scope) {
        Some(shared::action::Scope::Write) => "write",
        Some(shared::action::Scope::Read) => "read",
        None => "—",
    }
}

/// Switches an action on or off, or back to its file (`None`), and shows the result in its row.
pub fn set_switch(inbox: Inbox, actions: RwSignal<Option<Vec<ActionSummary>>>, slug: String, to: Option<bool>) {
    spawn_local(async move {
        let done = match to {
            Some(on) => api::switch_action(&slug, on).await,
            None => api::revert_action(&slug).await,
        };
        match done {
            Ok(result) => {
                let mut name = slug.clone();
                actions.update(|list| {
                    if let Some(a) = list.iter_mut().flatten().find(|a| a.slug == result.slug) {
                        a.enabled = result.enabled;
                        a.switch = result.switch.clone();
                        name = a.definition.name.clone();
                    }
                });
                let state = if result.enabled { "on" } else { "off" };
                let how = if result.switch.is_some() { "" } else { ", as its file says" };
                inbox.error.set(None);
                inbox.notice.set(format!("{name} is {state}{how}."));
            }
            Err(e) => inbox.fail(e),
        }
    });
}

#[component]
fn ActionTable(
    inbox: Inbox,
    list: Vec<ActionSummary>,
    actions: RwSignal<Option<Vec<ActionSummary>>>,
    open: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <table class="actions">
            <caption class="sr-only">"The site's actions"</caption>
            <thead>
                <tr>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Request"</th>
                    <th scope="col">"Scope"</th>
                    <th scope="col">"Runs (24 h)"</th>
                    <th scope="col">"Failures (24 h)"</th>
                    <th scope="col">"Last run"</th>
                    <th scope="col">"On"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|a| {
                    let slug = a.slug.clone();
                    let name = a.definition.name.clone();
                    let enabled = Memo::new({
                        let slug = slug.clone();
                        move |_| actions.with(|l| l.iter().flatten().find(|x| x.slug == slug).is_some_and(|x| x.enabled))
                    });
                    let open_it = {
                        let slug = slug.clone();
                        move |_| open.set(Some(slug.clone()))
                    };
                    let flip = {
                        let slug = slug.clone();
                        move |_| set_switch(inbox, actions, slug.clone(), Some(!enabled.get_untracked()))
                    };
                    view! {
                        <tr>
                            <th scope="row">
                                <button type="button" class="link" on:click=open_it
                                    aria-current=move || (open.get().as_deref() == Some(slug.as_str())).then_some("true")>
                                    {name.clone()}
                                </button>
                                {a.definition.internal.then(|| view! { <span class="muted">" (run by forms and buttons)"</span> })}
                            </th>
                            <td>{a.definition.kind.name()}</td>
                            <td><code>{request_line(&a)}</code></td>
                            <td>{scope(&a)}</td>
                            <td>{a.runs_24h.to_string()}</td>
                            <td>{a.failures_24h.to_string()}</td>
                            <td>{match a.last_run_at.clone() {
                                Some(at) => view! { <time datetime=at.clone()>{at.clone()}</time> }.into_any(),
                                None => view! { <span class="muted">"never"</span> }.into_any(),
                            }}</td>
                            <td>
                                <button type="button" role="switch" class="switch"
                                    aria-checked=move || if enabled.get() { "true" } else { "false" }
                                    aria-label=format!("{name} enabled")
                                    on:click=flip>
                                    {move || if enabled.get() { "On" } else { "Off" }}
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
