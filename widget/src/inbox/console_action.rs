//! One action's page in the console: what it does and when not to use it, its switch and who set
//! it, its definition as its file says, the test panel and the execution log.
//!
//! The test panel runs the action through the edge's own guarded runner (the admin test route):
//! a value the action's input refuses is refused here as it would be in the chat, and what comes
//! back is the redacted request, the status, the response body, the time it took and the reply a
//! visitor would have read.

use crate::api;
use crate::console::{reload, set_switch, Open, Pages};
use crate::console_api;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::action::ActionDef;
use shared::action_run::{ActionLogEntry, RunStatus};
use shared::console::{Origin, TestRequest, TestResult};
use shared::template::TemplateVar;
use std::collections::BTreeMap;

/// The open action's page.
#[component]
pub fn ActionPage(inbox: Inbox, slug: String, pages: Pages) -> impl IntoView {
    let Pages { actions, open, .. } = pages;
    let summary = Memo::new({
        let slug = slug.clone();
        move |_| actions.with(|l| l.iter().flatten().find(|a| a.slug == slug).cloned())
    });
    // The page is drawn once; only what a switch changes follows it, so the test panel keeps what
    // was typed and the log its filters.
    let switch = Memo::new(move |_| summary.with(|a| a.as_ref().map(|a| (a.enabled, a.switch.clone()))));
    let Some(action) = summary.get_untracked() else {
        return view! { <p class="muted">"No such action."</p> }.into_any();
    };
    let def = action.definition.clone();
    let file = if action.file_enabled { "on" } else { "off" };
    let changed = match (&action.changed_by, action.changed_at_ms) {
        (Some(by), Some(at)) => format!(" by {by} at {}", shared::time::rfc3339_from_unix_ms(at)),
        _ => String::new(),
    };
    let (origin, says) = match action.origin {
        Origin::File => ("Defined by its file in the site's actions/ folder.".to_string(), "Its file says"),
        Origin::Console => (format!("Made in the console{changed}; no file has it."), "Its definition says"),
        Origin::Override => (format!("Its file's action, changed in the console{changed}."), "Its definition says"),
    };
    let edit = {
        let slug = action.slug.clone();
        move |_| open.set(Some(Open::Wizard(Some(slug.clone()))))
    };
    let undo = {
        let (slug, origin, name) = (action.slug.clone(), action.origin, def.name.clone());
        move |_| {
            let question = match origin {
                Origin::Console => format!("Delete {name}? Its log stays."),
                _ => format!("Revert {name} to its file? The console's changes are lost."),
            };
            let sure = web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
            if !sure {
                return;
            }
            let (slug, name) = (slug.clone(), name.clone());
            spawn_local(async move {
                match console_api::revert_definition(&slug).await {
                    Ok(()) => {
                        inbox.error.set(None);
                        let (done, then) = match origin {
                            Origin::Console => (format!("Deleted {name}."), None),
                            _ => (format!("{name} is its file's again."), Some(Open::Action(slug.clone()))),
                        };
                        inbox.notice.set(done);
                        if then.is_none() {
                            open.set(None);
                        }
                        reload(inbox, pages, then);
                    }
                    Err(e) => inbox.fail(e),
                }
            });
        }
    };
    let undo_label = match action.origin {
        Origin::Console => Some("Delete action"),
        Origin::Override => Some("Revert to its file's definition"),
        Origin::File => None,
    };
    let file_definition = action.file_definition.as_ref().map(|f| serde_json::to_string_pretty(f).unwrap_or_default());
    let revert = {
        let slug = action.slug.clone();
        move |_| set_switch(inbox, actions, slug.clone(), None)
    };
    let definition = serde_json::to_string_pretty(&def).unwrap_or_default();
    view! {
        <section class="action-page" aria-labelledby="action-title">
            <h2 id="action-title">{def.name.clone()}</h2>
            {def.description.clone().map(|d| view! { <p>{d}</p> })}
            {def.when_not_to_use.clone().map(|w| view! { <p><strong>"When not to use: "</strong>{w}</p> })}
            <p>{origin}</p>
            {(!action.problems.is_empty()).then(|| view! {
                <div class="error">
                    <p>"Not in force: the site's files changed, and the build's rules now refuse it. Edit it, or revert it."</p>
                    <ul>{action.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
            <p class="toolbar">
                <button type="button" class="secondary" on:click=edit>"Edit"</button>
                <a href=console_api::definition_url(&action.slug) download=format!("{}.json", action.slug)>"Download JSON"</a>
                {undo_label.map(|l| view! { <button type="button" class="secondary" on:click=undo.clone()>{l}</button> })}
            </p>
            <p>
                {format!("{says} {file}. ")}
                {move || match switch.get().and_then(|(_, s)| s) {
                    Some(s) => {
                        let state = if s.enabled { "on" } else { "off" };
                        format!("Switched {state} by {} at {}.", s.changed_by, shared::time::rfc3339_from_unix_ms(s.changed_at_ms))
                    }
                    None => "No switch is set: the definition decides.".into(),
                }}
            </p>
            {move || switch.get().and_then(|(_, s)| s).is_some().then(|| view! {
                <button type="button" class="secondary" on:click=revert.clone()>"Remove the switch"</button>
            })}
            {(!action.secrets.is_empty()).then(|| view! {
                <p>{format!("Secrets it uses (set on the edge, never shown): {}", action.secrets.join(", "))}</p>
            })}
            <details>
                <summary>"Definition in force"</summary>
                <pre tabindex="0" aria-label="Definition">{definition}</pre>
            </details>
            {file_definition.map(|f| view! {
                <details>
                    <summary>"What its file says"</summary>
                    <pre tabindex="0" aria-label="Its file's definition">{f}</pre>
                </details>
            })}
            {def.http().is_some().then(|| view! {
                // Tested before it is switched on, or while it is stopped: the call is real.
                {move || (!switch.get().is_some_and(|(on, _)| on)).then(|| view! {
                    <p class="muted">"It is off: visitors cannot start it. A test still calls your API."</p>
                })}
                <TestPanel inbox=inbox def=def.clone() />
            })}
            <Logs inbox=inbox slug=action.slug.clone() />
        </section>
    }
    .into_any()
}

/// The variables a test may set: each input, then what else the action's templates read (the
/// lead, the user id, attributes); never a secret or a response value, which the edge supplies.
fn test_fields(def: &ActionDef) -> Vec<(String, String, String)> {
    let inputs = def.inputs();
    let mut fields: Vec<(String, String, String)> = inputs
        .iter()
        .map(|i| {
            let mut hint = i.description.clone().unwrap_or_default();
            let rule = i.rule().describe();
            if rule != "text" {
                hint = if hint.is_empty() { rule } else { format!("{hint} ({rule})") };
            }
            (format!("inputs.{}", i.name), hint, i.examples.first().cloned().unwrap_or_default())
        })
        .collect();
    for var in def.http().map(|h| h.variables.clone()).unwrap_or_default() {
        let name = var.to_string();
        let supplied = matches!(var, TemplateVar::Secret(_) | TemplateVar::Response(_) | TemplateVar::Input(_));
        if !supplied && !fields.iter().any(|(n, ..)| *n == name) && !name.starts_with("conversation.") {
            fields.push((name, String::new(), String::new()));
        }
    }
    fields
}

#[component]
fn TestPanel(inbox: Inbox, def: ActionDef) -> impl IntoView {
    let fields = test_fields(&def);
    let values: Vec<(String, RwSignal<String>)> =
        fields.iter().map(|(name, _, example)| (name.clone(), RwSignal::new(example.clone()))).collect();
    let result = RwSignal::new(None::<TestResult>);
    let refused = RwSignal::new(None::<String>);
    let running = RwSignal::new(false);
    let slug = def.slug.to_string();
    let values_for_run = values.clone();
    let run = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let variables: BTreeMap<String, String> = values_for_run
            .iter()
            .map(|(n, v)| (n.clone(), v.get_untracked()))
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        let slug = slug.clone();
        running.set(true);
        spawn_local(async move {
            match console_api::test_action(&slug, &TestRequest { variables }).await {
                Ok(r) => {
                    refused.set(None);
                    inbox.notice.set(format!("Test run: {}.", status_word(r.run.status)));
                    result.set(Some(r));
                }
                // A refused value is shown where it was typed, as the visitor would be refused.
                Err(api::Failure::Rejected { message, field, .. }) => {
                    result.set(None);
                    let field = field.map(|f| f.trim_start_matches("variables.").to_string());
                    refused.set(Some(match field {
                        Some(f) => format!("{f}: {message}"),
                        None => message,
                    }));
                }
                Err(e) => inbox.fail(e),
            }
            running.set(false);
        });
    };
    view! {
        <section class="test-panel" aria-labelledby="test-title">
            <h3 id="test-title">"Test panel"</h3>
            <p class="muted">"Runs the action now through the edge's guarded runner, with the edge's secrets, as a logged test. Prefilled from the action's examples."</p>
            <form on:submit=run>
                {fields.into_iter().zip(values).map(|((name, hint, _), (_, value))| {
                    let id = format!("test-{}", name.replace('.', "-"));
                    let hint_id = format!("{id}-hint");
                    let has_hint = !hint.is_empty();
                    view! {
                        <p>
                            <label for=id.clone()>{name.clone()}</label>
                            <input id=id type="text" prop:value=move || value.get()
                                aria-describedby=has_hint.then(|| hint_id.clone())
                                on:input=move |e| value.set(event_target_value(&e)) />
                            {has_hint.then(|| view! { <span id=hint_id.clone() class="muted">{hint.clone()}</span> })}
                        </p>
                    }
                }).collect_view()}
                <button type="submit" class="primary" disabled=move || running.get()>"Run test"</button>
            </form>
            <div role="alert" class="error">{move || refused.get().map(|m| format!("Refused: {m}"))}</div>
            {move || result.get().map(|r| view! { <TestOutcome result=r /> })}
        </section>
    }
}

fn status_word(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Ok => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Refused => "refused",
    }
}

#[component]
fn TestOutcome(result: TestResult) -> impl IntoView {
    let run = result.run;
    let request = format!("{} {}", run.request.method, run.request.url);
    let headers: Vec<String> = run.request.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    view! {
        <div class="test-outcome">
            <h4>{format!("Result: {} in {} ms", status_word(run.status), run.duration_ms)}</h4>
            <p>{run.summary.clone()}</p>
            {run.reply.clone().map(|r| view! { <p><strong>"The visitor would read: "</strong>{r}</p> })}
            <h5>"Request sent (redacted)"</h5>
            <pre tabindex="0" aria-label="Request sent (redacted)">{request}"\n"{headers.join("\n")}{run.request.body.clone().map(|b| format!("\n\n{b}"))}</pre>
            {run.response_status.map(|s| view! { <p>{format!("Response: HTTP {s}")}</p> })}
            {run.response_body.clone().map(|b| view! { <pre tabindex="0" aria-label="Response body (redacted)">{b}</pre> })}
            <p class="muted">{format!("Logged as entry {} of the action's log.", result.log_id)}</p>
        </div>
    }
}

/// Unix ms of the start of a day the admin picked (`YYYY-MM-DD`, in their own time zone), or of
/// the day after (`next`: the end of the range, midnight to midnight even across a clock change);
/// empty for none.
fn day_start(day: &str, next: bool) -> String {
    let mut parts = day.split('-').map(|p| p.parse::<i32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next()) else {
        return String::new();
    };
    let date = js_sys::Date::new_with_year_month_day(y as u32, m - 1, d + i32::from(next));
    let ms = date.get_time();
    if ms.is_nan() {
        String::new()
    } else {
        format!("{}", ms as u64)
    }
}

#[component]
fn Logs(inbox: Inbox, slug: String) -> impl IntoView {
    let entries = RwSignal::new(Vec::<ActionLogEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let loaded = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let origin = RwSignal::new(String::new());
    let conversation = RwSignal::new(String::new());
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    // Only signals and stored values are captured: the loader is `Copy`, for every control.
    let slug = StoredValue::new(slug);
    // The filters of the page shown ("Older runs" pages on with them, not with what is typed
    // since), and which load is the latest (an older answer arriving late is dropped).
    let applied = StoredValue::new(Vec::<(&'static str, String)>::new());
    let latest = StoredValue::new(0u32);
    let load = move |before: Option<i64>| {
        if before.is_none() {
            applied.set_value(vec![
                ("status", status.get_untracked()),
                ("origin", origin.get_untracked()),
                ("conversation", conversation.get_untracked().trim().to_string()),
                ("since", day_start(&from.get_untracked(), false)),
                ("until", day_start(&to.get_untracked(), true)),
            ]);
        }
        let seq = latest.get_value() + 1;
        latest.set_value(seq);
        let (slug, filters) = (slug.get_value(), applied.get_value());
        spawn_local(async move {
            let page = console_api::action_logs(&slug, &filters, before).await;
            if latest.get_value() != seq {
                return;
            }
            match page {
                Ok(page) => {
                    entries.update(|e| {
                        if before.is_none() {
                            e.clear();
                        }
                        e.extend(page.logs);
                    });
                    next.set(page.next_before);
                    loaded.set(true);
                }
                Err(e) => inbox.fail(e),
            }
        });
    };
    load(None);
    let older = move |_| load(next.get_untracked());
    let choose = move |signal: RwSignal<String>| {
        move |e: ev::Event| {
            signal.set(event_target_value(&e));
            load(None);
        }
    };
    view! {
        <section class="logs" aria-labelledby="logs-title">
            <h3 id="logs-title">"Execution log"</h3>
            <form class="filters" on:submit=move |e: ev::SubmitEvent| {
                e.prevent_default();
                load(None);
            }>
                <label for="log-status">"Status"</label>
                <select id="log-status" on:change=choose(status)>
                    <option value="">"All"</option>
                    <option value="ok">"Succeeded"</option>
                    <option value="failed">"Failed"</option>
                    <option value="refused">"Refused"</option>
                </select>
                <label for="log-origin">"Runs"</label>
                <select id="log-origin" on:change=choose(origin)>
                    <option value="">"Live and test"</option>
                    <option value="live">"Live (visitors)"</option>
                    <option value="test">"Tests"</option>
                </select>
                <label for="log-from">"From"</label>
                <input id="log-from" type="date" on:change=choose(from) />
                <label for="log-to">"To"</label>
                <input id="log-to" type="date" on:change=choose(to) />
                <label for="log-conversation">"Conversation"</label>
                <input id="log-conversation" type="text" placeholder="Conversation id"
                    prop:value=move || conversation.get() on:input=move |e| conversation.set(event_target_value(&e)) />
                <button type="submit" class="secondary">"Refresh the log"</button>
            </form>
            {move || {
                if !loaded.get() {
                    return view! { <p role="status">"Loading the log…"</p> }.into_any();
                }
                let rows = entries.get();
                if rows.is_empty() {
                    return view! { <p class="muted">"No runs to show."</p> }.into_any();
                }
                view! {
                    <ol class="log-entries">{rows.into_iter().map(|e| view! { <Entry entry=e /> }).collect_view()}</ol>
                }
                .into_any()
            }}
            {move || next.get().map(|_| view! { <button type="button" class="secondary" on:click=older>"Older runs"</button> })}
        </section>
    }
}

#[component]
fn Entry(entry: ActionLogEntry) -> impl IntoView {
    let run = entry.run;
    let kind = if entry.test { "Test" } else { "Live" };
    let head = format!("{kind}: {} in {} ms", status_word(run.status), run.duration_ms);
    let request = (!run.request.url.is_empty()).then(|| format!("{} {}", run.request.method, run.request.url));
    view! {
        <li>
            <p class="run-head"><time datetime=entry.at.clone()>{entry.at.clone()}</time>" — "{head}</p>
            <p>{run.summary}</p>
            {entry.conversation_id.map(|id| {
                let reached = if entry.injected { "Its result reached the conversation." } else { "" };
                view! {
                    <p><a href=format!("/inbox/#conversation={id}")>{format!("Open conversation {id}")}</a>" "{reached}</p>
                }
            })}
            {request.map(|r| view! { <p><code>{r}</code></p> })}
            {run.response_status.map(|s| view! { <p>{format!("Response: HTTP {s}")}</p> })}
            {run.response_body.map(|b| view! { <pre tabindex="0" aria-label="Response body (redacted)">{b}</pre> })}
        </li>
    }
}
