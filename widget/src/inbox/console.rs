//! The owner's console, for agents with the admin role: the site's actions, each switched on or
//! off at once (stored at the edge, with who and when), their runs over the last day, and an
//! action's page (`console_action`). It speaks the admin API with the admin's session cookie.

use crate::console_action::ActionPage;
use crate::console_api;
use crate::console_wizard::Wizard;
use crate::state::Inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::console::{ActionList, ActionSummary};

/// What the console shows below the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Open {
    /// An action's page.
    Action(String),
    /// The wizard: a new action (`None`) or one being changed.
    Wizard(Option<String>),
}

/// The console's state: the list as read (with the secrets' names and the hosts), its actions
/// (which a switch changes in place), and what is open below the table.
#[derive(Debug, Clone, Copy)]
pub struct Pages {
    /// The list as last read.
    pub list: RwSignal<Option<ActionList>>,
    /// Its actions, as switches change them.
    pub actions: RwSignal<Option<Vec<ActionSummary>>>,
    /// What is open.
    pub open: RwSignal<Option<Open>>,
}

/// Reads the actions again (after one was made, changed or reverted), then opens `then`, if given.
pub fn reload(inbox: Inbox, pages: Pages, then: Option<Open>) {
    let Pages { list, actions, open } = pages;
    spawn_local(async move {
        match console_api::actions().await {
            Ok(fresh) => {
                actions.set(Some(fresh.actions.clone()));
                list.set(Some(fresh));
                // Only a page asked for is opened: the first read must not close what the admin
                // opened while it was on its way.
                if then.is_some() {
                    open.set(then);
                }
            }
            Err(e) => inbox.fail(e),
        }
    });
}

/// The actions' table and, below it, the open action's page or the wizard.
#[component]
pub fn Console(inbox: Inbox) -> impl IntoView {
    let list = RwSignal::new(None::<ActionList>);
    let actions = RwSignal::new(None::<Vec<ActionSummary>>);
    let open = RwSignal::new(None::<Open>);
    let pages = Pages { list, actions, open };
    let loaded = Memo::new(move |_| list.with(Option::is_some));
    // Drawn again only when actions come or go: a switch changes its own row, keeping the focus.
    let slugs =
        Memo::new(move |_| actions.with(|l| l.as_ref().map(|l| l.iter().map(|a| a.slug.clone()).collect::<Vec<_>>())));
    reload(inbox, pages, None);
    view! {
        <main class="console" id="main" tabindex="-1">
            <crate::notices::Notices inbox=inbox />
            <section aria-labelledby="actions-title">
                <h2 id="actions-title">"Actions"</h2>
                <p class="muted">
                    "What the agent may do for visitors. Switching one off takes effect for the next message; its definition stays the default, and Revert returns to it. Actions made or changed here are stored at the edge; the site's files are never touched."
                </p>
                <button type="button" class="primary" on:click=move |_| open.set(Some(Open::Wizard(None)))>"New action"</button>
                {move || match slugs.get() {
                    None => view! { <p role="status">"Loading the actions…"</p> }.into_any(),
                    Some(_) => {
                        let all = actions.get_untracked().unwrap_or_default();
                        view! { <ActionTable inbox=inbox list=all actions=actions open=open /> }.into_any()
                    }
                }}
            </section>
            {move || match open.get() {
                None => None,
                Some(Open::Action(slug)) => Some(view! { <ActionPage inbox=inbox slug=slug pages=pages /> }.into_any()),
                // Once the list (with the secrets' names) is read: "New action" may be pressed before.
                Some(Open::Wizard(editing)) => loaded.get().then(|| list.get_untracked()).flatten().map(|l| {
                    let on_saved = Callback::new(move |slug: String| reload(inbox, pages, Some(Open::Action(slug))));
                    let back = editing.clone().map(Open::Action);
                    let on_cancel = Callback::new(move |_| open.set(back.clone()));
                    Effect::new(|_| crate::console_wizard::focus("wizard-title"));
                    view! { <Wizard inbox=inbox list=l editing=editing on_saved=on_saved on_cancel=on_cancel /> }.into_any()
                }),
            }}
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
            Some(on) => console_api::switch_action(&slug, on).await,
            None => console_api::revert_action(&slug).await,
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
                let how = if result.switch.is_some() { "" } else { ", as its definition says" };
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
    open: RwSignal<Option<Open>>,
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
                        move |_| open.set(Some(Open::Action(slug.clone())))
                    };
                    let flip = {
                        let slug = slug.clone();
                        move |_| set_switch(inbox, actions, slug.clone(), Some(!enabled.get_untracked()))
                    };
                    view! {
                        <tr>
                            <th scope="row">
                                <button type="button" class="link" on:click=open_it
                                    aria-current=move || (open.get() == Some(Open::Action(slug.clone()))).then_some("true")>
                                    {name.clone()}
                                </button>
                                {a.definition.internal.then(|| view! { <span class="muted">" (run by forms and buttons)"</span> })}
                                {match a.origin {
                                    shared::console::Origin::File => None,
                                    shared::console::Origin::Console => Some(view! { <span class="muted">" (made in the console)"</span> }),
                                    shared::console::Origin::Override => Some(view! { <span class="muted">" (changed in the console)"</span> }),
                                }}
                                {(!a.problems.is_empty()).then(|| view! { <span class="error">" (not in force: see its page)"</span> })}
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
