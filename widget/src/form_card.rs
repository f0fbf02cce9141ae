//! A form the agent showed, drawn as a card in the conversation. Fields are checked with the
//! shared rules as the visitor types (errors tied to fields with `aria-describedby`); on submit,
//! focus moves to the first invalid field; the edge checks again and its per-field errors are shown
//! the same way. A failed send keeps every value and offers a retry; once submitted, the card shows
//! the values read-only. Drawn with plain DOM calls (see `dom.rs`) to keep the widget small.

use crate::api::{self, ApiFailure};
use crate::chat::Chat;
use crate::dom::{add, el, el_text, focus, on, set};
use leptos::html::Section;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::SubmitFormRequest;
use shared::form::{field_error, number_text, FieldDef, FieldKind, FieldValue};
use shared::FormCard as Card;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

/// One field's control and the element its error goes into.
struct Control {
    def: FieldDef,
    input: Element,
    error: Element,
    help_id: Option<String>,
}

impl Control {
    fn value(&self) -> FieldValue {
        let input = &self.input;
        match self.def.kind {
            FieldKind::Checkbox => FieldValue::Flag(input.unchecked_ref::<HtmlInputElement>().checked()),
            FieldKind::MultiSelect => {
                let picked = input.unchecked_ref::<HtmlSelectElement>().selected_options();
                FieldValue::Many((0..picked.length()).filter_map(|i| picked.item(i)?.get_attribute("value")).collect())
            }
            FieldKind::Select => FieldValue::Text(input.unchecked_ref::<HtmlSelectElement>().value()),
            FieldKind::Textarea => FieldValue::Text(input.unchecked_ref::<HtmlTextAreaElement>().value()),
            _ => FieldValue::Text(input.unchecked_ref::<HtmlInputElement>().value()),
        }
    }

    fn check(&self) -> Option<String> {
        field_error(&self.def, Some(&self.value()))
    }

    /// Shows `message`, or clears the error, keeping `aria-invalid` and `aria-describedby` in step.
    fn show(&self, message: Option<&str>) {
        let error_id = self.error.id();
        let mut described: Vec<&str> = self.help_id.iter().map(String::as_str).collect();
        if message.is_some() {
            described.push(&error_id);
        }
        set(&self.input, "aria-describedby", (!described.is_empty()).then(|| described.join(" ")).as_deref());
        set(&self.input, "aria-invalid", Some(if message.is_some() { "true" } else { "false" }));
        self.error.set_text_content(message);
        set(&self.error, "hidden", message.is_none().then_some(""));
    }

    fn invalid(&self) -> bool {
        self.input.get_attribute("aria-invalid").as_deref() == Some("true")
    }
}

/// The labelled control for `f`, appended to `form`.
fn field(form: &Element, prefix: &str, f: &FieldDef) -> Control {
    let id = format!("{prefix}-{}", f.name);
    let checkbox = f.kind == FieldKind::Checkbox;
    let wrap = el("div", &[("class", if checkbox { "field checkbox" } else { "field" })]);
    let label = el_text("label", &[("for", &id)], &format!("{}{}", f.label, if f.required { " *" } else { "" }));
    let placeholder = f.placeholder.as_deref().unwrap_or("");
    let default = f.default.as_deref().unwrap_or("");
    let input = match f.kind {
        FieldKind::Textarea => el_text("textarea", &[("placeholder", placeholder)], default),
        FieldKind::Select | FieldKind::MultiSelect => {
            let select = el("select", &[]);
            if f.kind == FieldKind::MultiSelect {
                set(&select, "multiple", Some(""));
            } else {
                add(&select, &el_text("option", &[("value", "")], "Choose…"));
            }
            for o in &f.options {
                let option = el_text("option", &[("value", o)], o);
                set(&option, "selected", (o == default).then_some(""));
                add(&select, &option);
            }
            select
        }
        kind => {
            let input_type = match kind {
                FieldKind::Email => "email",
                FieldKind::Phone => "tel",
                FieldKind::Number => "number",
                FieldKind::Date => "date",
                FieldKind::Checkbox => "checkbox",
                _ => "text",
            };
            let input = el("input", &[("type", input_type)]);
            if checkbox {
                set(&input, "checked", (default == "true").then_some(""));
            } else {
                set(&input, "value", Some(default));
                set(&input, "placeholder", (!placeholder.is_empty()).then_some(placeholder));
            }
            if kind == FieldKind::Number {
                set(&input, "step", Some(&f.step.map(number_text).unwrap_or_else(|| "any".into())));
            }
            input
        }
    };
    set(&input, "id", Some(&id));
    set(&input, "name", Some(&f.name));
    set(&input, "required", f.required.then_some(""));
    if !checkbox {
        add(&wrap, &label);
    }
    add(&wrap, &input);
    if checkbox {
        add(&wrap, &label);
    }
    let help_id = f.help.as_ref().map(|h| {
        let help_id = format!("{id}-help");
        add(&wrap, &el_text("p", &[("id", &help_id), ("class", "help")], h));
        help_id
    });
    let error = el("p", &[("id", &format!("{id}-error")), ("class", "field-error")]);
    add(&wrap, &error);
    add(form, &wrap);
    let control = Control { def: f.clone(), input, error, help_id };
    control.show(None);
    control
}

/// The card for the form in message `message_id`.
#[component]
pub fn FormCard(chat: Chat, message_id: String, card: Card) -> impl IntoView {
    let node = NodeRef::<Section>::new();
    let form = std::cell::RefCell::new(None::<Element>);
    let done = Cell::new(false);
    // Draws the card once mounted; afterwards, turns it read-only when its submission arrives.
    crate::dom::effect(move || {
        let submitted = chat.messages.with(|ms| {
            ms.iter().find_map(|m| {
                m.submission.as_ref().filter(|s| s.form_message_id == message_id).map(|s| s.values.clone())
            })
        });
        let Some(section) = node.get() else { return };
        if done.get() {
            return;
        }
        let mut form = form.borrow_mut();
        let form = form.get_or_insert_with(|| draw(&section, chat, &message_id, &card));
        if let Some(values) = submitted {
            show_submitted(form, &card.fields, &values);
            done.set(true);
        }
    });
    view! { <section class="form-card" node_ref=node></section> }
}

/// Draws title and form into `section`; returns the form.
fn draw(section: &Element, chat: Chat, message_id: &str, card: &Card) -> Element {
    let prefix = format!("f-{message_id}");
    let title_id = format!("{prefix}-title");
    set(section, "aria-labelledby", Some(&title_id));
    add(section, &el_text("h2", &[("id", &title_id), ("class", "form-title")], &card.title));
    let form = el("form", &[("novalidate", "")]);
    let controls: Rc<Vec<Control>> = Rc::new(card.fields.iter().map(|f| field(&form, &prefix, f)).collect());
    let alert = el("p", &[("class", "send-error"), ("role", "alert"), ("hidden", "")]);
    let submit = el_text("button", &[("type", "submit"), ("class", "form-submit")], &card.submit_label);
    add(&form, &alert);
    add(&form, &submit);
    add(section, &form);

    for (i, c) in controls.iter().enumerate() {
        // Once a field shows an error, it is re-checked on every change.
        let all = controls.clone();
        on(&c.input, "input", move |_| {
            let c = &all[i];
            if c.invalid() || c.def.kind == FieldKind::Checkbox {
                c.show(c.check().as_deref());
            }
        });
        let all = controls.clone();
        let when = if matches!(c.def.kind, FieldKind::Select | FieldKind::MultiSelect) { "change" } else { "blur" };
        on(&c.input, when, move |_| {
            let c = &all[i];
            c.show(c.check().as_deref());
        });
    }

    let sending = Rc::new(Cell::new(false));
    let (message_id, label) = (message_id.to_string(), card.submit_label.clone());
    let first_invalid = |controls: &[Control]| controls.iter().find(|c| c.invalid()).map(|c| focus(&c.input));
    on(&form, "submit", move |e| {
        e.prevent_default();
        if sending.get() {
            return; // a double click submits once
        }
        for c in controls.iter() {
            c.show(c.check().as_deref());
        }
        if first_invalid(&controls).is_some() {
            return;
        }
        let Some(session) = chat.session.get_untracked() else { return };
        sending.set(true);
        set(&submit, "disabled", Some(""));
        submit.set_text_content(Some("Sending…"));
        set(&alert, "hidden", Some(""));
        // Inserted one by one: `collect` into a map sorts first, which costs the widget a sort.
        let mut values = BTreeMap::new();
        for c in controls.iter() {
            values.insert(c.def.name.clone(), c.value());
        }
        let (controls, sending, submit, alert, message_id, label) =
            (controls.clone(), sending.clone(), submit.clone(), alert.clone(), message_id.clone(), label.clone());
        spawn_local(async move {
            let result = api::submit_form(&session, &message_id, &SubmitFormRequest { values }).await;
            sending.set(false);
            set(&submit, "disabled", None);
            submit.set_text_content(Some(&label));
            match result {
                Ok(r) if chat.still_open(&session) => {
                    chat.merge(r.messages, true);
                    chat.release_held();
                }
                Ok(_) => {} // the conversation was deleted meanwhile
                Err(ApiFailure::Rejected { fields: Some(errors), .. }) => {
                    for c in controls.iter() {
                        c.show(errors.get(&c.def.name).map(String::as_str));
                    }
                    first_invalid(&controls);
                }
                Err(failure) => {
                    let text = format!(
                        "Not sent. {} Your answers are kept — press the button to try again.",
                        failure.describe()
                    );
                    alert.set_text_content(Some(&text));
                    set(&alert, "hidden", None);
                }
            }
        });
    });
    form
}

/// Replaces the form with the submitted values, read-only.
fn show_submitted(form: &Element, fields: &[FieldDef], values: &BTreeMap<String, String>) {
    let list = el("dl", &[("class", "form-values")]);
    for f in fields.iter().filter(|f| values.contains_key(&f.name)) {
        add(&list, &el_text("dt", &[], &f.label));
        let value = values.get(&f.name).filter(|v| !v.is_empty()).map_or("—", String::as_str);
        add(&list, &el_text("dd", &[], value));
    }
    let _ = form.replace_with_with_node_1(&list);
    let done = el_text("p", &[("class", "form-done"), ("role", "status")], "Submitted");
    let _ = list.after_with_node_1(&done);
}
