//! A form the agent showed, drawn as a card in the conversation. Fields are checked with the
//! shared rules as the visitor types (errors tied to fields with `aria-describedby`); on submit,
//! focus moves to the first invalid field; the edge checks again and its per-field errors are shown
//! the same way. A failed send keeps every value and offers a retry; once submitted, the card shows
//! the values read-only.

use crate::api::{self, ApiFailure};
use crate::chat::Chat;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::SubmitFormRequest;
use shared::form::{field_error, FieldDef, FieldKind, FieldValue};
use shared::FormCard as Card;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

#[derive(Clone, PartialEq)]
enum Status {
    Editing,
    Sending,
    Failed(String),
}

fn initial(field: &FieldDef) -> FieldValue {
    match field.kind {
        FieldKind::Checkbox => FieldValue::Flag(field.default.as_deref() == Some("true")),
        FieldKind::MultiSelect => FieldValue::Many(Vec::new()),
        _ => FieldValue::Text(field.default.clone().unwrap_or_default()),
    }
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// The card for the form in message `message_id`.
#[component]
pub fn FormCard(chat: Chat, message_id: String, card: Card) -> impl IntoView {
    let id_for_memo = message_id.clone();
    let submitted = Memo::new(move |_| {
        chat.messages.with(|ms| {
            ms.iter().find_map(|m| {
                m.submission.as_ref().filter(|s| s.form_message_id == id_for_memo).map(|s| s.values.clone())
            })
        })
    });
    let fields = StoredValue::new(card.fields.clone());
    let values = RwSignal::new(card.fields.iter().map(|f| (f.name.clone(), initial(f))).collect::<BTreeMap<_, _>>());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let status = RwSignal::new(Status::Editing);
    let prefix = format!("f-{message_id}");
    let dom_id = StoredValue::new(prefix.clone());
    let title_id = format!("{prefix}-title");
    let submit_label = StoredValue::new(card.submit_label.clone());

    let first_invalid = move |errs: &BTreeMap<String, String>| {
        fields.with_value(|fs| fs.iter().find(|f| errs.contains_key(&f.name)).map(|f| f.name.clone()))
    };
    let message_id = StoredValue::new(message_id);
    let submit = move || {
        if status.get_untracked() == Status::Sending {
            return; // a double click submits once
        }
        let current = values.get_untracked();
        let errs: BTreeMap<String, String> = fields.with_value(|fs| {
            fs.iter().filter_map(|f| field_error(f, current.get(&f.name)).map(|e| (f.name.clone(), e))).collect()
        });
        if let Some(first) = first_invalid(&errs) {
            errors.set(errs);
            focus(&format!("{}-{first}", dom_id.get_value()));
            return;
        }
        errors.set(BTreeMap::new());
        let Some(session) = chat.session.get_untracked() else {
            status.set(Status::Failed("The conversation is not open yet.".into()));
            return;
        };
        status.set(Status::Sending);
        let body = SubmitFormRequest { values: current };
        spawn_local(async move {
            match api::submit_form(&session, &message_id.get_value(), &body).await {
                Ok(r) => {
                    status.set(Status::Editing);
                    chat.merge(r.messages, true);
                }
                Err(ApiFailure::Rejected { fields: Some(errs), .. }) => {
                    status.set(Status::Editing);
                    let first = first_invalid(&errs);
                    errors.set(errs);
                    if let Some(first) = first {
                        focus(&format!("{}-{first}", dom_id.get_value()));
                    }
                }
                Err(failure) => status.set(Status::Failed(failure.describe())),
            }
        });
    };

    let labelled_by = title_id.clone();
    view! {
        <section class="form-card" aria-labelledby=labelled_by>
            <h2 id=title_id class="form-title">{card.title.clone()}</h2>
            {move || match submitted.get() {
                Some(sent) => view! {
                    <dl class="form-values">
                        {fields.with_value(|fs| fs.iter().filter(|f| sent.contains_key(&f.name)).map(|f| view! {
                            <dt>{f.label.clone()}</dt>
                            <dd>{sent.get(&f.name).cloned().filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into())}</dd>
                        }).collect_view())}
                    </dl>
                    <p class="form-done" role="status">"Submitted"</p>
                }.into_any(),
                None => view! {
                    <form novalidate on:submit=move |e: ev::SubmitEvent| { e.prevent_default(); submit(); }>
                        {fields.with_value(|fs| fs.iter().cloned().map(|f| view! {
                            <Field field=f prefix=dom_id.get_value() values=values errors=errors />
                        }).collect_view())}
                        {move || match status.get() {
                            Status::Failed(reason) => view! {
                                <p class="send-error" role="alert">{format!("Not sent. {reason} Your answers are kept — press the button to try again.")}</p>
                            }.into_any(),
                            _ => ().into_any(),
                        }}
                        <button type="submit" class="form-submit" disabled=move || status.get() == Status::Sending>
                            {move || if status.get() == Status::Sending { "Sending…".to_string() } else { submit_label.get_value() }}
                        </button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// One labelled control with its help text and error.
#[component]
fn Field(
    field: FieldDef,
    prefix: String,
    values: RwSignal<BTreeMap<String, FieldValue>>,
    errors: RwSignal<BTreeMap<String, String>>,
) -> impl IntoView {
    let name = field.name.clone();
    let id = format!("{prefix}-{name}");
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let field = StoredValue::new(field);
    let key = StoredValue::new(name);
    let has_help = field.with_value(|f| f.help.is_some());
    let described = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(help_id.clone());
            }
            if errors.with(|e| e.contains_key(&key.get_value())) {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    let invalid = move || if errors.with(|e| e.contains_key(&key.get_value())) { "true" } else { "false" };
    // Once a field shows an error, it is re-checked on every change.
    let set = move |v: FieldValue| {
        let n = key.get_value();
        if errors.with_untracked(|e| e.contains_key(&n)) {
            let err = field.with_value(|f| field_error(f, Some(&v)));
            errors.update(|e| match err {
                Some(msg) => {
                    e.insert(n.clone(), msg);
                }
                None => {
                    e.remove(&n);
                }
            });
        }
        values.update(|vals| {
            vals.insert(n, v);
        });
    };
    let check_on_blur = move || {
        let n = key.get_value();
        let err = values.with_untracked(|vals| field.with_value(|f| field_error(f, vals.get(&n))));
        errors.update(|e| match err {
            Some(msg) => {
                e.insert(n, msg);
            }
            None => {
                e.remove(&n);
            }
        });
    };
    let text_value = move || {
        values.with(|vals| match vals.get(&key.get_value()) {
            Some(FieldValue::Text(t)) => t.clone(),
            _ => String::new(),
        })
    };
    let f = field.get_value();
    let required = f.required;
    let label_text = f.label.clone();
    // Three controls in all (textarea, select, input): every distinct view type costs the widget
    // kilobytes, so checkboxes share the input and multi-select shares the select.
    let kind = f.kind;
    let control = match kind {
        FieldKind::Textarea => view! {
            <textarea id=id.clone() name=f.name.clone() required=required placeholder=f.placeholder.clone().unwrap_or_default()
                aria-invalid=invalid aria-describedby=described.clone()
                prop:value=text_value
                on:input=move |e| set(FieldValue::Text(event_target_value(&e)))
                on:blur=move |_| check_on_blur()></textarea>
        }.into_any(),
        FieldKind::Select | FieldKind::MultiSelect => {
            let multiple = kind == FieldKind::MultiSelect;
            let chosen = move |option: &str| {
                values.with(|v| match v.get(&key.get_value()) {
                    Some(FieldValue::Text(t)) => t == option,
                    Some(FieldValue::Many(list)) => list.iter().any(|x| x == option),
                    _ => false,
                })
            };
            view! {
                <select id=id.clone() name=f.name.clone() required=required multiple=multiple
                    aria-invalid=invalid aria-describedby=described.clone()
                    on:change=move |e| {
                        let select: web_sys::HtmlSelectElement = event_target(&e);
                        if multiple {
                            let picked = select.selected_options();
                            let list = (0..picked.length())
                                .filter_map(|i| picked.item(i))
                                .map(|o| o.unchecked_into::<web_sys::HtmlOptionElement>().value())
                                .collect();
                            set(FieldValue::Many(list));
                        } else {
                            set(FieldValue::Text(select.value()));
                        }
                        check_on_blur();
                    }>
                    {(!multiple).then(|| view! { <option value="">"Choose…"</option> })}
                    {f.options.iter().map(|o| {
                        let option = o.clone();
                        view! { <option value=o.clone() prop:selected=move || chosen(&option)>{o.clone()}</option> }
                    }).collect_view()}
                </select>
            }.into_any()
        }
        _ => {
            let input_type = match kind {
                FieldKind::Email => "email",
                FieldKind::Phone => "tel",
                FieldKind::Number => "number",
                FieldKind::Date => "date",
                FieldKind::Checkbox => "checkbox",
                _ => "text",
            };
            let checkbox = kind == FieldKind::Checkbox;
            view! {
                <input type=input_type id=id.clone() name=f.name.clone() required=required
                    placeholder=f.placeholder.clone().unwrap_or_default()
                    step=f.step.map(shared::form::number_text).unwrap_or_else(|| "any".into())
                    aria-invalid=invalid aria-describedby=described.clone()
                    prop:value=move || if checkbox { "true".to_string() } else { text_value() }
                    prop:checked=move || values.with(|v| matches!(v.get(&key.get_value()), Some(FieldValue::Flag(true))))
                    on:input=move |e| {
                        if checkbox {
                            set(FieldValue::Flag(event_target_checked(&e)));
                            check_on_blur();
                        } else {
                            set(FieldValue::Text(event_target_value(&e)));
                        }
                    }
                    on:blur=move |_| check_on_blur() />
            }.into_any()
        }
    };
    let is_checkbox = f.kind == FieldKind::Checkbox;
    view! {
        <div class="field" class:checkbox=is_checkbox>
            {(!is_checkbox).then(|| view! { <label for=id.clone()>{label_text.clone()}{required.then_some(" *")}</label> })}
            {control}
            {is_checkbox.then(|| view! { <label for=id.clone()>{label_text.clone()}{required.then_some(" *")}</label> })}
            {f.help.clone().map(|h| view! { <p id=help_id.clone() class="help">{h}</p> })}
            {move || errors.with(|e| e.get(&key.get_value()).cloned()).map(|msg| view! {
                <p id=error_id.clone() class="field-error">{msg}</p>
            })}
        </div>
    }
}
