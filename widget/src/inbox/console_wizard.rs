//! The action wizard: an HTTP, form or button action written in the browser with the fields an
//! `actions/*.json` file has, checked as the owner types by the edge with the build's own rules
//! (`POST /api/v1/admin/actions/check`: the rules need the site's allowlist, secrets and other
//! actions, and checking at the edge keeps regex and the site out of this bundle), then saved at
//! the edge. Secrets are picked from the names the Worker has, never typed in.
//!
//! The draft is the definition's JSON itself: each field edits its key, and keys the wizard has
//! no field for (rate limits, verification…) are kept as they are, editable in the JSON below.

use crate::console_api;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};
use shared::console::{ActionList, ActionProblem};

/// How long typing pauses before the draft is checked.
const CHECK_AFTER_MS: u64 = 300;

/// The formats an input may have (`shared::format::InputFormat`, as files write them).
const FORMATS: &[&str] = &[
    "text",
    "email",
    "number",
    "integer",
    "phone",
    "date",
    "url",
    "otp",
    "tx_hash",
    "btc_address",
    "eth_address",
    "wallet_address",
    "iban",
];

/// The kinds of a form's field (`shared::form::FieldKind`, as files write them).
const FIELD_KINDS: &[&str] =
    &["text", "textarea", "email", "phone", "number", "select", "multi_select", "checkbox", "date", "hidden"];

/// The value at `path` (keys, or indexes written as digits) as text; empty when absent.
fn read(v: &Value, path: &[&str]) -> String {
    let mut at = v;
    for key in path {
        at = match (key.parse::<usize>(), at) {
            (Ok(i), Value::Array(a)) => match a.get(i) {
                Some(x) => x,
                None => return String::new(),
            },
            (_, Value::Object(m)) => match m.get(*key) {
                Some(x) => x,
                None => return String::new(),
            },
            _ => return String::new(),
        };
    }
    match at {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Sets the value at `path` (objects made on the way); `None` removes it.
fn write(v: &mut Value, path: &[&str], to: Option<Value>) {
    let Some((first, rest)) = path.split_first() else { return };
    if let Value::Array(a) = v {
        if let Some(x) = first.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
            match (rest.is_empty(), to) {
                (true, Some(to)) => *x = to,
                (true, None) => {}
                (false, to) => write(x, rest, to),
            }
        }
        return;
    }
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    let m = v.as_object_mut().expect("made an object");
    if rest.is_empty() {
        match to {
            Some(x) => {
                m.insert(first.to_string(), x);
            }
            None => {
                m.remove(*first);
            }
        }
        return;
    }
    if to.is_none() && !m.contains_key(*first) {
        return;
    }
    write(m.entry(first.to_string()).or_insert_with(|| Value::Object(Map::new())), rest, to);
}

/// Text as the draft keeps it: empty text is no value.
fn text(s: String) -> Option<Value> {
    (!s.trim().is_empty()).then_some(Value::String(s))
}

/// A new action's draft of `kind`.
fn blank(kind: &str) -> Value {
    match kind {
        "form" => json!({"name": "", "type": "form", "enabled": false,
            "form": {"title": "", "fields": [{"name": "email", "kind": "email", "label": "Email", "required": true}]}}),
        "button" => json!({"name": "", "type": "button", "enabled": false, "button": {"label": ""}}),
        _ => json!({"name": "", "type": "http", "method": "GET", "url": "https://", "enabled": false}),
    }
}

/// The draft's problems, and whether they are current.
#[derive(Debug, Clone, Default, PartialEq)]
struct Checked {
    problems: Vec<ActionProblem>,
    exists: bool,
}

/// The problems that name `field` or a field inside it.
fn problems_of(checked: &Checked, field: &str) -> Vec<String> {
    checked
        .problems
        .iter()
        .filter(|p| p.field.as_deref().is_some_and(|f| f == field || f.starts_with(&format!("{field}."))))
        .map(|p| p.message.clone())
        .collect()
}

/// The wizard: a new action (`editing` none) or one changed from its page.
#[component]
pub fn Wizard(
    inbox: Inbox,
    list: ActionList,
    editing: Option<String>,
    on_saved: Callback<String>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let start = editing
        .as_ref()
        .and_then(|slug| list.actions.iter().find(|a| &a.slug == slug))
        .and_then(|a| serde_json::to_value(&a.definition).ok())
        .unwrap_or_else(|| blank("http"));
    let draft = RwSignal::new(start);
    let checked = RwSignal::new(Checked::default());
    let generation = StoredValue::new(0u64);
    let saving = RwSignal::new(false);
    let new = editing.is_none();
    // Checked again a moment after the last change.
    Effect::new(move |_| {
        let text = draft.with(Value::to_string);
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        // The wizard may be closed before the timer or the check ends: its state is gone then.
        set_timeout(
            move || {
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                spawn_local(async move {
                    match console_api::check_action(&text).await {
                        Ok(c) if generation.try_get_value() == Some(mine) => {
                            checked.try_set(Checked { problems: c.problems, exists: c.exists });
                        }
                        Ok(_) => {}
                        Err(e) => inbox.fail(e),
                    }
                });
            },
            std::time::Duration::from_millis(CHECK_AFTER_MS),
        );
    });
    let taken = Memo::new(move |_| new && checked.with(|c| c.exists));
    let count = Memo::new(move |_| checked.with(|c| c.problems.len()) + usize::from(taken.get()));
    let kind = Memo::new(move |_| draft.with(|d| read(d, &["type"])));
    let http_actions: Vec<(String, String)> = list
        .actions
        .iter()
        .filter(|a| a.definition.http().is_some() && editing.as_deref() != Some(a.slug.as_str()))
        .map(|a| (a.slug.clone(), a.definition.name.clone()))
        .collect();
    let editing_for_save = editing.clone();
    let save = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let text = draft.with(Value::to_string);
        let editing = editing_for_save.clone();
        saving.set(true);
        spawn_local(async move {
            match console_api::save_action(editing.as_deref(), &text).await {
                Ok(()) => {
                    // Whether it is on is the page's to say: a switch may stand over the definition.
                    let name = draft.with_untracked(|d| read(d, &["name"]));
                    inbox.error.set(None);
                    inbox.notice.set(format!("Saved {name}."));
                    on_saved.run(shared::action::Slug::of(&name).to_string());
                }
                Err(e) => {
                    // The edge's refusal is the build's: show every problem, as the check does.
                    if let Ok(c) = console_api::check_action(&text).await {
                        checked.set(Checked { problems: c.problems, exists: c.exists });
                    }
                    inbox.fail(e);
                    focus("wizard-problems");
                }
            }
            saving.set(false);
        });
    };
    let title = match &editing {
        Some(slug) => format!(
            "Edit {}",
            list.actions.iter().find(|a| &a.slug == slug).map_or(slug.as_str(), |a| a.definition.name.as_str())
        ),
        None => "New action".to_string(),
    };
    let secrets = list.secrets.clone();
    let hosts = list.allowed_hosts.join(", ");
    view! {
        <section class="wizard" aria-labelledby="wizard-title">
            <h2 id="wizard-title" tabindex="-1">{title}</h2>
            <form on:submit=save novalidate>
                {new.then(|| view! {
                    <fieldset>
                        <legend>"Kind"</legend>
                        {[("http", "HTTP request to your API"), ("form", "Form in the chat"), ("button", "Button in the chat")].into_iter().map(|(k, label)| {
                            let id = format!("wizard-kind-{k}");
                            view! {
                                <label for=id.clone()>
                                    <input type="radio" id=id.clone() name="wizard-kind" value=k
                                        prop:checked=move || kind.get() == k
                                        on:change=move |_| {
                                            // What is said of any kind of action stays.
                                            let mut fresh = blank(k);
                                            for key in ["name", "description", "when_not_to_use"] {
                                                let kept = draft.with_untracked(|d| read(d, &[key]));
                                                write(&mut fresh, &[key], Some(Value::String(kept)));
                                            }
                                            draft.set(fresh);
                                        } />
                                    {label}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                })}
                <Text draft checked path=&["name"] label="Name" hint="How the console, the logs and the agent name it. Its slug names it in URLs.".to_string() />
                <p class="error" id="wizard-name-taken">{move || taken.get().then_some("An action with this name exists: change it from its own page, or choose another name.")}</p>
                <Text draft checked path=&["description"] label="When to use it" long=true
                    hint="What it does, in the words a visitor would use: the agent chooses actions by it.".to_string() />
                <Text draft checked path=&["when_not_to_use"] label="When not to use it" long=true
                    hint="E.g. \"Do not use if the order is less than 24 hours old\".".to_string() />
                {move || match kind.get().as_str() {
                    "form" => view! { <FormFields draft checked http_actions=http_actions.clone() /> }.into_any(),
                    "button" => view! { <ButtonFields draft checked http_actions=http_actions.clone() /> }.into_any(),
                    _ => view! { <HttpFields draft checked secrets=secrets.clone() hosts=hosts.clone() /> }.into_any(),
                }}
                <p>
                    <label for="wizard-enabled">
                        <input type="checkbox" id="wizard-enabled"
                            prop:checked=move || draft.with(|d| d.get("enabled").and_then(Value::as_bool).unwrap_or(true))
                            on:change=move |e| draft.update(|d| write(d, &["enabled"], Some(Value::Bool(event_target_checked(&e))))) />
                        "Switched on for the agent when saved"
                    </label>
                </p>
                <JsonView draft />
                <div id="wizard-problems" tabindex="-1" class="problems">
                    <p aria-live="polite">{move || match count.get() {
                        0 => "No problems: it can be saved.".to_string(),
                        1 => "1 problem to fix before saving.".to_string(),
                        n => format!("{n} problems to fix before saving."),
                    }}</p>
                    <ul>
                        {move || checked.get().problems.into_iter().map(|p| view! {
                            <li>{match p.field { Some(f) => format!("{f}: {}", p.message), None => p.message }}</li>
                        }).collect_view()}
                    </ul>
                </div>
                <button type="submit" class="primary" disabled=move || saving.get()>{if new { "Create action" } else { "Save changes" }}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </form>
        </section>
    }
}

/// Moves the keyboard focus to the element with `id`.
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// One text field bound to the draft at `path`, with its hint and its problems.
#[component]
fn Text(
    draft: RwSignal<Value>,
    checked: RwSignal<Checked>,
    path: &'static [&'static str],
    label: &'static str,
    #[prop(optional)] hint: String,
    #[prop(optional)] long: bool,
) -> impl IntoView {
    let field = path.join(".");
    let id = format!("wizard-{}", field.replace('.', "-"));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let problems = Memo::new({
        let field = field.clone();
        move |_| checked.with(|c| problems_of(c, &field))
    });
    let value = move || draft.with(|d| read(d, path));
    let set = move |e: ev::Event| draft.update(|d| write(d, path, text(event_target_value(&e))));
    // The name's field is also described by "an action with this name exists".
    let described = if field == "name" {
        format!("{hint_id} {error_id} wizard-name-taken")
    } else {
        format!("{hint_id} {error_id}")
    };
    view! {
        <p>
            <label for=id.clone()>{label}</label>
            {if long {
                view! { <textarea id=id.clone() rows="2" prop:value=value on:input=set
                    aria-describedby=described.clone()
                    aria-invalid=move || (!problems.get().is_empty()).then_some("true")></textarea> }.into_any()
            } else {
                view! { <input id=id.clone() type="text" prop:value=value on:input=set
                    aria-describedby=described.clone()
                    aria-invalid=move || (!problems.get().is_empty()).then_some("true") /> }.into_any()
            }}
            <span id=hint_id class="muted">{hint}</span>
            <span id=error_id class="error">{move || problems.get().join("; ")}</span>
        </p>
    }
}

/// A select bound to the draft at `path` (`options`: value and label).
#[component]
fn Choice(
    draft: RwSignal<Value>,
    path: &'static [&'static str],
    label: &'static str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let id = format!("wizard-{}", path.join("-"));
    view! {
        <p>
            <label for=id.clone()>{label}</label>
            <select id=id on:change=move |e| draft.update(|d| write(d, path, text(event_target_value(&e))))>
                {options.into_iter().map(|(value, text)| {
                    let v = value.clone();
                    view! { <option value=value prop:selected=move || draft.with(|d| read(d, path)) == v>{text}</option> }
                }).collect_view()}
            </select>
        </p>
    }
}

/// The request: method, URL, credentials from a secret, headers, body, inputs, reply.
#[component]
fn HttpFields(
    draft: RwSignal<Value>,
    checked: RwSignal<Checked>,
    secrets: Vec<shared::console::SecretName>,
    hosts: String,
) -> impl IntoView {
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"].iter().map(|m| (m.to_string(), m.to_string())).collect();
    let get = Memo::new(move |_| draft.with(|d| read(d, &["method"])) == "GET");
    let url_hint = if hosts.is_empty() {
        "No host is allowed yet: add one to [actions] allowed_hosts in agent.toml.".to_string()
    } else {
        format!("Hosts it may call: {hosts}. Use {{{{inputs.NAME}}}} for what the visitor gives.")
    };
    view! {
        <fieldset>
            <legend>"Request"</legend>
            <Choice draft path=&["method"] label="Method" options=methods />
            <Text draft checked path=&["url"] label="URL" hint=url_hint />
            <Credentials draft checked secrets />
            <Headers draft checked />
            {move || (!get.get()).then(|| view! { <JsonField draft checked path=&["body"] label="Body (JSON)" /> })}
        </fieldset>
        <Inputs draft checked />
        <fieldset>
            <legend>"Answer"</legend>
            <Text draft checked path=&["response", "reply"] label="Reply to the visitor"
                hint="Written from the API's answer, e.g. \"Your refund is {{response.status}}.\" Empty: the agent lists what came back.".to_string() />
            {move || (!get.get()).then(|| view! {
                <p>
                    <label for="wizard-confirm">
                        <input type="checkbox" id="wizard-confirm"
                            prop:checked=move || draft.with(|d| read(d, &["confirm"])) == "true"
                            on:change=move |e| draft.update(|d| write(d, &["confirm"], Some(Value::Bool(event_target_checked(&e))))) />
                        "Ask the visitor to confirm before it runs"
                    </label>
                </p>
            })}
        </fieldset>
    }
}

/// Credentials: a bearer token or an API-key header, its value a secret picked by name.
#[component]
fn Credentials(
    draft: RwSignal<Value>,
    checked: RwSignal<Checked>,
    secrets: Vec<shared::console::SecretName>,
) -> impl IntoView {
    let auth = Memo::new(move |_| draft.with(|d| read(d, &["auth", "type"])));
    let secret_of = move || {
        let value = draft.with(|d| match read(d, &["auth", "type"]).as_str() {
            "bearer" => read(d, &["auth", "token"]),
            _ => read(d, &["auth", "value"]),
        });
        value.strip_prefix("{{secrets.").and_then(|v| v.strip_suffix("}}")).unwrap_or_default().to_string()
    };
    let set_kind = move |e: ev::Event| {
        let secret = secret_of();
        let reference = (!secret.is_empty()).then(|| Value::String(format!("{{{{secrets.{secret}}}}}")));
        draft.update(|d| match event_target_value(&e).as_str() {
            "bearer" => write(d, &["auth"], Some(json!({"type": "bearer", "token": reference.unwrap_or_default()}))),
            "api_key" => write(
                d,
                &["auth"],
                Some(json!({"type": "api_key", "name": "X-API-Key", "value": reference.unwrap_or_default()})),
            ),
            _ => write(d, &["auth"], None),
        })
    };
    let set_secret = move |e: ev::Event| {
        let name = event_target_value(&e);
        let reference = Value::String(if name.is_empty() { String::new() } else { format!("{{{{secrets.{name}}}}}") });
        draft.update(|d| match read(d, &["auth", "type"]).as_str() {
            "bearer" => write(d, &["auth", "token"], Some(reference)),
            _ => write(d, &["auth", "value"], Some(reference)),
        })
    };
    let problems = Memo::new(move |_| checked.with(|c| problems_of(c, "auth")));
    view! {
        <p>
            <label for="wizard-auth">"Authentication"</label>
            <select id="wizard-auth" on:change=set_kind>
                <option value="" prop:selected=move || auth.get().is_empty()>"None"</option>
                <option value="bearer" prop:selected=move || auth.get() == "bearer">"Bearer token (Authorization header)"</option>
                <option value="api_key" prop:selected=move || auth.get() == "api_key">"API key in a header"</option>
                {move || (!matches!(auth.get().as_str(), "" | "bearer" | "api_key")).then(|| view! {
                    <option value="other" selected>{format!("{} (edit it in the JSON below)", auth.get())}</option>
                })}
            </select>
        </p>
        {move || (auth.get() == "api_key").then(|| view! {
            <Text draft checked path=&["auth", "name"] label="Header name" />
        })}
        {let secrets = secrets.clone(); move || matches!(auth.get().as_str(), "bearer" | "api_key").then(|| {
            let secrets = secrets.clone();
            view! {
                <p>
                    <label for="wizard-secret">"Secret"</label>
                    <select id="wizard-secret" on:change=set_secret aria-describedby="wizard-secret-hint wizard-secret-error">
                        <option value="" prop:selected=move || secret_of().is_empty()>"Choose a secret…"</option>
                        {secrets.into_iter().map(|s| {
                            let name = s.name.clone();
                            let label = if s.set { s.name.clone() } else { format!("{} (not set on the edge yet)", s.name) };
                            view! { <option value=s.name.clone() prop:selected=move || secret_of() == name>{label}</option> }
                        }).collect_view()}
                    </select>
                    <span id="wizard-secret-hint" class="muted">"The Worker's secrets, by name: the value never reaches this page. Add one to [actions] secrets in agent.toml and `wrangler secret put`."</span>
                    <span id="wizard-secret-error" class="error">{move || problems.get().join("; ")}</span>
                </p>
            }
        })}
    }
}

/// Headers as `Name: value` lines.
#[component]
fn Headers(draft: RwSignal<Value>, checked: RwSignal<Checked>) -> impl IntoView {
    let lines = move || {
        draft.with(|d| {
            d.get("headers")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default())).collect::<Vec<_>>())
                .unwrap_or_default()
                .join("\n")
        })
    };
    let set = move |e: ev::Event| {
        let mut headers = Map::new();
        for line in event_target_value(&e).lines() {
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
            }
        }
        draft.update(|d| write(d, &["headers"], (!headers.is_empty()).then_some(Value::Object(headers))));
    };
    let problems = Memo::new(move |_| checked.with(|c| problems_of(c, "headers")));
    view! {
        <p>
            <label for="wizard-headers">"Headers"</label>
            <textarea id="wizard-headers" rows="2" prop:value=lines on:change=set
                aria-describedby="wizard-headers-hint wizard-headers-error"></textarea>
            <span id="wizard-headers-hint" class="muted">"One per line, Name: value."</span>
            <span id="wizard-headers-error" class="error">{move || problems.get().join("; ")}</span>
        </p>
    }
}

/// What the owner typed in a JSON box that does not parse, and why.
#[derive(Debug, Clone)]
struct Unparsed {
    error: String,
    text: String,
}

/// A JSON value edited as text; what does not parse is said, and the draft keeps its last value
/// while the box keeps the owner's text (another field's edit must not overwrite it).
#[component]
fn JsonField(
    draft: RwSignal<Value>,
    checked: RwSignal<Checked>,
    path: &'static [&'static str],
    label: &'static str,
) -> impl IntoView {
    let id = format!("wizard-{}", path.join("-"));
    let error_id = format!("{id}-error");
    let bad = RwSignal::new(None::<Unparsed>);
    let field = path.join(".");
    let problems = Memo::new(move |_| checked.with(|c| problems_of(c, &field)));
    let shown = move || {
        bad.with(|b| b.as_ref().map(|b| b.text.clone())).unwrap_or_else(|| {
            draft.with(|d| {
                d.pointer(&format!("/{}", path.join("/")))
                    .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                    .unwrap_or_default()
            })
        })
    };
    let set = move |e: ev::Event| {
        let text = event_target_value(&e);
        if text.trim().is_empty() {
            bad.set(None);
            draft.update(|d| write(d, path, None));
            return;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                bad.set(None);
                draft.update(|d| write(d, path, Some(v)));
            }
            Err(e) => bad.set(Some(Unparsed { error: format!("Not JSON: {e}"), text })),
        }
    };
    view! {
        <p>
            <label for=id.clone()>{label}</label>
            <textarea id=id rows="3" prop:value=shown on:change=set aria-describedby=error_id.clone()
                aria-invalid=move || (bad.get().is_some() || !problems.get().is_empty()).then_some("true")></textarea>
            <span id=error_id class="error">{move || bad.get().map(|b| b.error).into_iter().chain(problems.get()).collect::<Vec<_>>().join("; ")}</span>
        </p>
    }
}

/// What the agent asks the visitor for before a call: one row per input.
#[component]
fn Inputs(draft: RwSignal<Value>, checked: RwSignal<Checked>) -> impl IntoView {
    let count = Memo::new(move |_| draft.with(|d| d.get("inputs").and_then(Value::as_array).map_or(0, Vec::len)));
    let add = move |_| {
        draft.update(|d| {
            let n = d.get("inputs").and_then(Value::as_array).map_or(0, Vec::len);
            let mut list = d.get("inputs").and_then(Value::as_array).cloned().unwrap_or_default();
            list.push(json!({"name": format!("input_{}", n + 1)}));
            write(d, &["inputs"], Some(Value::Array(list)));
        });
        focus(&format!("wizard-input-{}-name", count.get_untracked().saturating_sub(1)));
    };
    view! {
        <fieldset>
            <legend>"Inputs the agent asks the visitor for"</legend>
            {move || (0..count.get()).map(|i| view! { <InputRow draft checked i /> }).collect_view()}
            <button type="button" class="secondary" on:click=add>"Add an input"</button>
        </fieldset>
    }
}

#[component]
fn InputRow(draft: RwSignal<Value>, checked: RwSignal<Checked>, i: usize) -> impl IntoView {
    let index = i.to_string();
    let name = Memo::new(move |_| draft.with(|d| read(d, &["inputs", &i.to_string(), "name"])));
    let cell = move |key: &'static str, label: &'static str| {
        let index = index.clone();
        let id = format!("wizard-input-{i}-{key}");
        let error_id = format!("{id}-error");
        let problems = Memo::new(move |_| checked.with(|c| problems_of(c, &format!("inputs.{}.{key}", name.get()))));
        let value = {
            let index = index.clone();
            move || draft.with(|d| read(d, &["inputs", &index, key]))
        };
        let set =
            move |e: ev::Event| draft.update(|d| write(d, &["inputs", &index, key], text(event_target_value(&e))));
        view! {
            <label for=id.clone()>{label}</label>
            <input id=id type="text" prop:value=value on:input=set aria-describedby=error_id.clone()
                aria-invalid=move || (!problems.get().is_empty()).then_some("true") />
            <span id=error_id class="error">{move || problems.get().join("; ")}</span>
        }
    };
    let format_id = format!("wizard-input-{i}-format");
    let example_id = format!("wizard-input-{i}-example");
    let remove = move |_| {
        draft.update(|d| {
            if let Some(list) = d.get_mut("inputs").and_then(Value::as_array_mut) {
                if i < list.len() {
                    list.remove(i);
                }
                if list.is_empty() {
                    write(d, &["inputs"], None);
                }
            }
        })
    };
    let example_problems =
        Memo::new(move |_| checked.with(|c| problems_of(c, &format!("inputs.{}.examples", name.get()))));
    view! {
        <div class="input-row" role="group" aria-label=move || format!("Input {}", name.get())>
            {cell("name", "Name")}
            {cell("description", "What it is")}
            <label for=format_id.clone()>"Format"</label>
            <select id=format_id on:change=move |e| draft.update(|d| {
                let f = event_target_value(&e);
                write(d, &["inputs", &i.to_string(), "format"], (f != "text").then_some(Value::String(f)))
            })>
                {FORMATS.iter().map(|f| view! {
                    <option value=*f prop:selected=move || { let r = draft.with(|d| read(d, &["inputs", &i.to_string(), "format"])); r == *f || (r.is_empty() && *f == "text") }>{*f}</option>
                }).collect_view()}
            </select>
            {cell("pattern", "Pattern (regular expression)")}
            <label for=example_id.clone()>"Example"</label>
            <input id=example_id.clone() type="text"
                aria-describedby=format!("{example_id}-error")
                prop:value=move || draft.with(|d| read(d, &["inputs", &i.to_string(), "examples", "0"]))
                on:input=move |e| draft.update(|d| {
                    let v = event_target_value(&e);
                    write(d, &["inputs", &i.to_string(), "examples"], (!v.trim().is_empty()).then(|| json!([v])))
                }) />
            <span id=format!("{example_id}-error") class="error">{move || example_problems.get().join("; ")}</span>
            <button type="button" class="secondary" on:click=remove aria-label=move || format!("Remove input {}", name.get())>"Remove"</button>
        </div>
    }
}

/// A form: its title, its fields, the button's label, and the action its submission runs.
#[component]
fn FormFields(
    draft: RwSignal<Value>,
    checked: RwSignal<Checked>,
    http_actions: Vec<(String, String)>,
) -> impl IntoView {
    let count =
        Memo::new(move |_| draft.with(|d| d.pointer("/form/fields").and_then(Value::as_array).map_or(0, Vec::len)));
    let add = move |_| {
        draft.update(|d| {
            let mut list = d.pointer("/form/fields").and_then(Value::as_array).cloned().unwrap_or_default();
            list.push(json!({"name": format!("field_{}", list.len() + 1), "kind": "text", "label": ""}));
            write(d, &["form", "fields"], Some(Value::Array(list)));
        })
    };
    let mut runs = vec![(String::new(), "Nothing: store the submission only".to_string())];
    runs.extend(http_actions);
    view! {
        <fieldset>
            <legend>"Form"</legend>
            <Text draft checked path=&["form", "title"] label="Title" />
            {move || (0..count.get()).map(|i| view! { <FieldRow draft checked i /> }).collect_view()}
            <button type="button" class="secondary" on:click=add>"Add a field"</button>
            <Text draft checked path=&["form", "submit_label"] label="Submit button's label" />
            <Choice draft path=&["form", "on_submit", "run"] label="On submit, run" options=runs />
        </fieldset>
    }
}

#[component]
fn FieldRow(draft: RwSignal<Value>, checked: RwSignal<Checked>, i: usize) -> impl IntoView {
    let at = move |key: &'static str| format!("/form/fields/{i}/{key}");
    let get = move |key: &'static str| draft.with(|d| d.pointer(&at(key)).cloned().unwrap_or(Value::Null));
    let set = move |key: &'static str, v: Value| {
        draft.update(|d| {
            if let Some(x) = d.pointer_mut(&format!("/form/fields/{i}")).and_then(Value::as_object_mut) {
                x.insert(key.to_string(), v);
            }
        })
    };
    let name = Memo::new(move |_| get("name").as_str().unwrap_or_default().to_string());
    let problems = Memo::new(move |_| checked.with(|c| problems_of(c, &format!("form.fields[{i}]"))));
    let id = |key: &str| format!("wizard-field-{i}-{key}");
    view! {
        <div class="input-row" role="group" aria-label=move || format!("Field {}", name.get())>
            <label for=id("name")>"Name"</label>
            <input id=id("name") type="text" prop:value=move || name.get()
                on:input=move |e| set("name", Value::String(event_target_value(&e))) />
            <label for=id("label")>"Label"</label>
            <input id=id("label") type="text" prop:value=move || get("label").as_str().unwrap_or_default().to_string()
                on:input=move |e| set("label", Value::String(event_target_value(&e))) />
            <label for=id("kind")>"Kind"</label>
            <select id=id("kind") on:change=move |e| set("kind", Value::String(event_target_value(&e)))>
                {FIELD_KINDS.iter().map(|k| view! {
                    <option value=*k prop:selected=move || get("kind").as_str() == Some(*k)>{*k}</option>
                }).collect_view()}
            </select>
            <label for=id("required")>
                <input id=id("required") type="checkbox" prop:checked=move || get("required").as_bool().unwrap_or(false)
                    on:change=move |e| set("required", Value::Bool(event_target_checked(&e))) />
                "Required"
            </label>
            <span class="error">{move || problems.get().join("; ")}</span>
        </div>
    }
}

/// A button: its label, and the action it runs or the page it opens.
#[component]
fn ButtonFields(
    draft: RwSignal<Value>,
    checked: RwSignal<Checked>,
    http_actions: Vec<(String, String)>,
) -> impl IntoView {
    let mut runs = vec![(String::new(), "Nothing: it opens the link below".to_string())];
    runs.extend(http_actions);
    let runs_one = Memo::new(move |_| !draft.with(|d| read(d, &["button", "run"])).is_empty());
    // A button runs an action or opens a link, never both.
    Effect::new(move |_| {
        if runs_one.get() && draft.with_untracked(|d| !read(d, &["button", "url"]).is_empty()) {
            draft.update(|d| write(d, &["button", "url"], None));
        }
    });
    view! {
        <fieldset>
            <legend>"Button"</legend>
            <Text draft checked path=&["button", "label"] label="Label" />
            <Choice draft path=&["button", "run"] label="Runs" options=runs />
            {move || (!runs_one.get()).then(|| view! {
                <Text draft checked path=&["button", "url"] label="Link it opens" hint="https://…".to_string() />
            })}
        </fieldset>
    }
}

/// The definition as JSON: what the file would hold, editable for keys the wizard has no field for.
/// Text that does not parse stays in the box (with what is wrong) until the owner mends it.
#[component]
fn JsonView(draft: RwSignal<Value>) -> impl IntoView {
    let bad = RwSignal::new(None::<Unparsed>);
    let shown = move || {
        bad.with(|b| b.as_ref().map(|b| b.text.clone()))
            .unwrap_or_else(|| draft.with(|d| serde_json::to_string_pretty(d).unwrap_or_default()))
    };
    let set = move |e: ev::Event| {
        let text = event_target_value(&e);
        match serde_json::from_str::<Value>(&text) {
            Ok(v) if v.is_object() => {
                bad.set(None);
                draft.set(v);
            }
            Ok(_) => bad.set(Some(Unparsed { error: "The definition is a JSON object.".into(), text })),
            Err(e) => bad.set(Some(Unparsed { error: format!("Not JSON: {e}"), text })),
        }
    };
    view! {
        <details>
            <summary>"The definition as JSON"</summary>
            <label for="wizard-json">"Definition JSON"</label>
            <textarea id="wizard-json" rows="12" prop:value=shown on:change=set aria-describedby="wizard-json-error"
                aria-invalid=move || bad.with(Option::is_some).then_some("true")></textarea>
            <span id="wizard-json-error" class="error">{move || bad.get().map(|b| b.error)}</span>
        </details>
    }
}
