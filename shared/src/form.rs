//! In-chat forms (`"type": "form"` actions) and action buttons (`"type": "button"`): their
//! definitions and the validation both the widget (as the visitor types) and the edge (the
//! authority) run on submitted values.

use crate::format::{InputFormat, ValueError, ValueRule};
use crate::pattern::Pattern;
use crate::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A field's control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines.
    Textarea,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A number (`min`, `max`, `step`).
    Number,
    /// One of `options`.
    Select,
    /// Any of `options`.
    MultiSelect,
    /// A yes/no box (consent).
    Checkbox,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// Not shown; filled from `value` (a template).
    Hidden,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Name, used as `{{inputs.NAME}}` by the action run on submit.
    pub name: String,
    /// The control.
    pub kind: FieldKind,
    /// Visible label (the accessible name).
    #[serde(default)]
    pub label: String,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Help text under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Must be filled (for a checkbox: must be ticked).
    #[serde(default)]
    pub required: bool,
    /// A named format the value must have (`tx_hash`, `iban`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<InputFormat>,
    /// The owner's own pattern the whole value must match (`^ORD-\\d{5,}$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// What a valid value looks like, shown when it doesn't ("ORD- and at least 5 digits").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint: Option<String>,
    /// Shortest accepted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    /// Longest accepted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Smallest number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Number step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// Choices for select and multi-select.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Initial value (may be a template such as `{{lead.email}}`); for hidden fields, the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl FieldDef {
    /// An optional field with nothing but a name, a kind and a label.
    pub fn new(name: &str, kind: FieldKind, label: &str) -> Self {
        Self {
            name: name.into(),
            kind,
            label: label.into(),
            placeholder: None,
            help: None,
            required: false,
            format: None,
            pattern: None,
            pattern_hint: None,
            min_length: None,
            max_length: None,
            min: None,
            max: None,
            step: None,
            options: Vec::new(),
            default: None,
        }
    }
}

/// What happens when the form is submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnSubmit {
    /// Keep the submission with the conversation (default true).
    #[serde(default = "yes")]
    pub store: bool,
    /// Slug of an http action to run with the values as `{{inputs.NAME}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Hand the conversation to a human once the form is submitted (after `run`, if any).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handoff: bool,
}

fn yes() -> bool {
    true
}

/// A form without `on_submit` keeps its submission and does nothing else (a derived `Default`
/// would say `store: false`, unlike a written `on_submit` without `store`).
impl Default for OnSubmit {
    fn default() -> Self {
        Self { store: true, run: None, handoff: false }
    }
}

/// A form's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    /// Card title.
    pub title: String,
    /// The fields, in order.
    pub fields: Vec<FieldDef>,
    /// Submit button label.
    #[serde(default = "default_submit")]
    pub submit_label: String,
    /// What submitting does.
    #[serde(default)]
    pub on_submit: OnSubmit,
}

fn default_submit() -> String {
    "Submit".into()
}

/// A button's definition: its text and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ButtonFile", into = "ButtonFile")]
pub struct ButtonDef {
    /// The button's text.
    pub label: String,
    /// What pressing it does.
    pub target: ButtonTarget,
}

/// What a button does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonTarget {
    /// Opens this http(s) URL in a new tab.
    Url(String),
    /// Runs this http action (by slug, once the site is built) through the edge.
    Run(String),
}

/// A button as the owner writes it: `label` and exactly one of `url` or `run`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ButtonFile {
    label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run: Option<String>,
}

impl TryFrom<ButtonFile> for ButtonDef {
    type Error = String;

    fn try_from(f: ButtonFile) -> Result<Self, String> {
        let target = match (f.url, f.run) {
            (Some(url), None) => ButtonTarget::Url(url),
            (None, Some(run)) => ButtonTarget::Run(run),
            _ => return Err("button: give exactly one of \"url\" (open a page) or \"run\" (run an action)".into()),
        };
        Ok(Self { label: f.label, target })
    }
}

impl From<ButtonDef> for ButtonFile {
    fn from(b: ButtonDef) -> Self {
        let (url, run) = match b.target {
            ButtonTarget::Url(u) => (Some(u), None),
            ButtonTarget::Run(r) => (None, Some(r)),
        };
        Self { label: b.label, url, run }
    }
}

/// A submitted value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Checkbox.
    Flag(bool),
    /// Text, number, date, select…
    Text(String),
    /// Multi-select.
    Many(Vec<String>),
}

impl FieldValue {
    /// The value as it goes into `{{inputs.NAME}}`: text as is, flags as `true`/`false`, lists comma-separated.
    pub fn as_input(&self) -> String {
        match self {
            FieldValue::Flag(b) => b.to_string(),
            FieldValue::Text(t) => t.trim().to_string(),
            FieldValue::Many(v) => v.join(", "),
        }
    }
}

/// Checks one field's value; `None` when valid, else a message for the visitor.
pub fn field_error(field: &FieldDef, value: Option<&FieldValue>) -> Option<String> {
    let label = if field.label.is_empty() { field.name.as_str() } else { field.label.as_str() };
    let empty = match value {
        None => true,
        Some(FieldValue::Flag(b)) => !b,
        Some(FieldValue::Text(t)) => t.trim().is_empty(),
        Some(FieldValue::Many(v)) => v.is_empty(),
    };
    if empty {
        return field.required.then(|| match field.kind {
            FieldKind::Checkbox => format!("Please tick “{label}”."),
            _ => format!("{label} is required."),
        });
    }
    let value = value?;
    match (field.kind, value) {
        (FieldKind::Checkbox, FieldValue::Flag(_)) => None,
        (FieldKind::Checkbox, _) => Some(format!("{label} must be ticked or not.")),
        (FieldKind::MultiSelect, FieldValue::Many(items)) => items
            .iter()
            .find(|i| !field.options.contains(i))
            .map(|i| format!("“{i}” is not one of the choices for {label}.")),
        (FieldKind::MultiSelect, _) => Some(format!("{label} must be a list of choices.")),
        (_, FieldValue::Text(t)) => text_error(field, label, t.trim()),
        _ => Some(format!("{label} must be text.")),
    }
}

fn text_error(field: &FieldDef, label: &str, t: &str) -> Option<String> {
    let chars = t.chars().count();
    if field.min_length.is_some_and(|m| chars < m) {
        return Some(format!("{label} must be at least {} characters.", field.min_length.unwrap_or(0)));
    }
    let max = field.max_length.unwrap_or(if field.kind == FieldKind::Textarea { 4000 } else { 500 });
    if chars > max {
        return Some(format!("{label} must be at most {max} characters."));
    }
    let check = |format: InputFormat, pattern: Option<&Pattern>| {
        let rule = ValueRule {
            format,
            pattern,
            hint: field.pattern_hint.as_deref(),
            options: &[],
            length: None,
            max_length: max,
        };
        match rule.check(t) {
            Ok(_) => None,
            Err(ValueError::Invalid(what)) => Some(format!("{label}: enter a valid {what}.")),
            Err(e) => Some(format!("{label}: {e}.")),
        }
    };
    match field.kind {
        // An email field may narrow the address further (a company domain) with a pattern.
        FieldKind::Email => return check(InputFormat::Email, field.pattern.as_ref()),
        FieldKind::Phone if !crate::format::is_phone(t) => {
            return Some(format!("{label}: enter a valid phone number."))
        }
        FieldKind::Number => {
            let Some(n) = crate::number::parse_number(t) else { return Some(format!("{label} must be a number.")) };
            if !n.is_finite() {
                return Some(format!("{label} must be a number."));
            }
            if let Some(min) = field.min.filter(|m| n < *m) {
                return Some(format!("{label} must be at least {}.", number_text(min)));
            }
            if let Some(max) = field.max.filter(|m| n > *m) {
                return Some(format!("{label} must be at most {}.", number_text(max)));
            }
        }
        FieldKind::Select if !field.options.iter().any(|o| o == t) => {
            return Some(format!("Choose one of the options for {label}."));
        }
        FieldKind::Date if !crate::format::is_date(t) => return Some(format!("{label} must be a date (YYYY-MM-DD).")),
        _ => {}
    }
    match (field.format, &field.pattern) {
        (None, None) => None,
        (format, pattern) => check(format.unwrap_or_default(), pattern.as_ref()),
    }
}

/// A number as text with up to 8 decimals, using integer formatting only (float formatting would
/// add ~10 KB to the widget).
pub fn number_text(n: f64) -> String {
    let negative = n < 0.0;
    let scaled = (n.abs() * 1e8).round() as u128;
    let (whole, frac) = (scaled / 100_000_000, scaled % 100_000_000);
    let mut out = if negative && scaled > 0 { format!("-{whole}") } else { whole.to_string() };
    if frac > 0 {
        let digits = format!("{frac:08}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// Validates a whole submission (hidden fields excluded: the edge fills them). Returns the values
/// as inputs, or every field's error.
pub fn validate_submission(
    form: &FormDef,
    values: &BTreeMap<String, FieldValue>,
) -> Result<BTreeMap<String, String>, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut clean = BTreeMap::new();
    for field in form.fields.iter().filter(|f| f.kind != FieldKind::Hidden) {
        let value = values.get(&field.name);
        match field_error(field, value) {
            Some(e) => {
                errors.insert(field.name.clone(), e);
            }
            None => {
                clean.insert(field.name.clone(), value.map(FieldValue::as_input).unwrap_or_default());
            }
        }
    }
    for name in values.keys() {
        if !form.fields.iter().any(|f| &f.name == name && f.kind != FieldKind::Hidden) {
            errors.insert(name.clone(), "This form has no such field.".into());
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

impl FormDef {
    /// Problems with the definition, as (field path, message).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            out.push(("form.title".into(), "must not be empty".into()));
        }
        if self.fields.is_empty() {
            out.push(("form.fields".into(), "a form needs at least one field".into()));
        }
        for (i, f) in self.fields.iter().enumerate() {
            let at = |k: &str| format!("form.fields[{i}].{k}");
            if f.name.is_empty() || !f.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                out.push((at("name"), format!("{:?} must be letters, digits and '_'", f.name)));
            }
            if self.fields.iter().filter(|g| g.name == f.name).count() > 1 {
                out.push((at("name"), format!("{:?} is used twice", f.name)));
            }
            if f.kind != FieldKind::Hidden && f.label.trim().is_empty() {
                out.push((at("label"), "every visible field needs a label".into()));
            }
            let choice = matches!(f.kind, FieldKind::Select | FieldKind::MultiSelect);
            if choice && f.options.is_empty() {
                out.push((at("options"), "a select needs options".into()));
            }
            // Options that mean nothing for the kind are refused rather than silently ignored.
            let typed = matches!(f.kind, FieldKind::Text | FieldKind::Textarea | FieldKind::Email);
            let meaningless = [
                ("options", !choice && !f.options.is_empty(), "only select and multi_select fields have options"),
                ("pattern", !typed && f.pattern.is_some(), "only text, textarea and email fields have a pattern"),
                ("format", !typed && f.format.is_some(), "only text, textarea and email fields have a format"),
                (
                    "pattern_hint",
                    f.pattern.is_none() && f.pattern_hint.is_some(),
                    "describes a \"pattern\", and there is none",
                ),
                ("min", f.kind != FieldKind::Number && f.min.is_some(), "only number fields have a minimum"),
                ("max", f.kind != FieldKind::Number && f.max.is_some(), "only number fields have a maximum"),
                ("step", f.kind != FieldKind::Number && f.step.is_some(), "only number fields have a step"),
            ];
            for (key, wrong, why) in meaningless {
                if wrong {
                    out.push((at(key), why.into()));
                }
            }
            if f.kind == FieldKind::Hidden && f.default.is_none() {
                out.push((
                    at("default"),
                    "a hidden field needs a value (a template such as {{conversation.id}})".into(),
                ));
            }
            if let Some(d) = &f.default {
                if let Err(e) = Template::parse(d) {
                    out.push((at("default"), e.to_string()));
                }
            }
        }
        out
    }
}

impl ButtonDef {
    /// Problems with the definition, as (field path, message).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.label.trim().is_empty() {
            out.push(("button.label".into(), "must not be empty".into()));
        }
        if let ButtonTarget::Url(url) = &self.target {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                out.push(("button.url".into(), format!("{url:?} must be an http(s) URL")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> FormDef {
        serde_json::from_str(
            r#"{"title":"Report a missing deposit","submit_label":"Send report","fields":[
                {"name":"asset","kind":"select","label":"Asset","options":["BTC","ETH"],"required":true},
                {"name":"amount","kind":"number","label":"Amount","min":0,"required":true},
                {"name":"tx_hash","kind":"text","label":"Transaction hash","format":"tx_hash","required":true},
                {"name":"sent_on","kind":"date","label":"Date sent"},
                {"name":"email","kind":"email","label":"Email","required":true},
                {"name":"networks","kind":"multi_select","label":"Networks","options":["Bitcoin","Ethereum"]},
                {"name":"consent","kind":"checkbox","label":"I agree","required":true},
                {"name":"conv","kind":"hidden","default":"{{conversation.id}}"}]}"#,
        )
        .unwrap()
    }

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    #[test]
    fn a_form_without_on_submit_keeps_its_submission() {
        assert!(OnSubmit::default().store);
        let form: FormDef = serde_json::from_str(r#"{"title":"T","fields":[]}"#).unwrap();
        assert!(form.on_submit.store);
        let written: FormDef = serde_json::from_str(r#"{"title":"T","fields":[],"on_submit":{}}"#).unwrap();
        assert_eq!(written.on_submit, form.on_submit);
    }

    #[test]
    fn a_valid_submission_becomes_inputs() {
        let tx = format!("0x{}", "ab".repeat(32));
        let values: BTreeMap<String, FieldValue> = [
            ("asset", text("BTC")),
            ("amount", text("0.5")),
            ("tx_hash", text(&tx)),
            ("sent_on", text("2026-11-20")),
            ("email", text("ana@example.com")),
            ("networks", FieldValue::Many(vec!["Bitcoin".into()])),
            ("consent", FieldValue::Flag(true)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let clean = validate_submission(&form(), &values).unwrap();
        assert_eq!(clean["amount"], "0.5");
        assert_eq!(clean["consent"], "true");
        assert_eq!(clean["networks"], "Bitcoin");
        assert!(!clean.contains_key("conv"), "hidden fields are the edge's to fill");
    }

    #[test]
    fn every_invalid_field_gets_its_own_message() {
        let values: BTreeMap<String, FieldValue> = [
            ("asset", text("DOGE")),
            ("amount", text("-1")),
            ("tx_hash", text("0x12")),
            ("sent_on", text("2026-02-30")),
            ("email", text("ana@")),
            ("networks", FieldValue::Many(vec!["Solana".into()])),
            ("consent", FieldValue::Flag(false)),
            ("conv", text("forged")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let errors = validate_submission(&form(), &values).unwrap_err();
        assert_eq!(errors.len(), 8, "{errors:?}");
        assert_eq!(errors["email"], "Email: enter a valid email address.");
        assert_eq!(errors["amount"], "Amount must be at least 0.");
        assert_eq!(errors["consent"], "Please tick “I agree”.");
        assert_eq!(errors["conv"], "This form has no such field.");
    }

    #[test]
    fn options_that_mean_nothing_for_a_field_are_refused_and_an_email_may_carry_a_pattern() {
        let form: FormDef = serde_json::from_str(
            r#"{"title":"T","fields":[
                {"name":"ok","kind":"checkbox","label":"OK","pattern":"x"},
                {"name":"n","kind":"text","label":"N","min":1,"options":["a"]},
                {"name":"work","kind":"email","label":"Work email","pattern":"^[^@]+@pinecone\\.example$",
                 "pattern_hint":"your @pinecone.example address"}]}"#,
        )
        .unwrap();
        let problems: Vec<String> = form.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(problems, ["form.fields[0].pattern", "form.fields[1].options", "form.fields[1].min"]);
        let work = &form.fields[2];
        assert_eq!(
            field_error(work, Some(&text("sam@gmail.com"))).unwrap(),
            "Work email: enter a valid your @pinecone.example address."
        );
        assert_eq!(field_error(work, Some(&text("sam@pinecone.example"))), None);
    }

    #[test]
    fn definitions_are_checked() {
        assert!(form().problems().is_empty());
        let bad = ButtonDef { label: "Go".into(), target: ButtonTarget::Url("javascript:alert(1)".into()) };
        assert_eq!(bad.problems()[0].0, "button.url");
        let both = serde_json::from_str::<ButtonDef>(r#"{"label":"Go","url":"https://x.example","run":"y"}"#);
        assert!(both.unwrap_err().to_string().contains("exactly one of"));
    }

    #[test]
    fn numbers_as_text() {
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(1e-8), "0.00000001");
        assert_eq!(number_text(-2.5), "-2.5");
        assert_eq!(number_text(1000.0), "1000");
    }
}
