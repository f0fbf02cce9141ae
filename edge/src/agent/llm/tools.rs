//! The owner's actions as the model's tools, and every call the model makes read against them.
//! An http action the agent may start is a tool of its own (its description and "when not to
//! use" verbatim, its inputs as JSON Schema); forms, buttons and handoff are one tool each. A call
//! that names no tool, carries malformed JSON, an unknown argument or a value its input refuses is
//! an error for the model and runs nothing.

use super::wire::{FunctionDef, Tool, ToolCall};
use serde_json::{json, Map, Value};
use shared::action::{validate_input, ActionDef, ActionKind, InputDef};
use shared::format::InputFormat;
use shared::site::SiteBundle;
use std::collections::BTreeMap;

/// The tool that shows one of the owner's forms.
pub const SHOW_FORM: &str = "show_form";
/// The tool that offers one of the owner's buttons.
pub const OFFER_BUTTON: &str = "offer_button";
/// The tool that passes the conversation to a human.
pub const HAND_OFF: &str = "hand_off";

/// A call read against the tools: what the model asks the edge to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// Start an http action with these inputs (the edge asks for what is missing, confirms
    /// writes and verifies first, as for any request).
    Action {
        /// Its slug.
        slug: String,
        /// The values the model gave, each valid for its input.
        inputs: BTreeMap<String, String>,
    },
    /// Show a form action's form.
    ShowForm(String),
    /// Offer a button action's button.
    OfferButton(String),
    /// Pass the conversation to a human, for this reason.
    HandOff(String),
}

/// The actions the model may start: enabled, not internal, and not the verification's own
/// actions (the edge runs those when an action needs them, and then waits for the code).
fn startable(site: &SiteBundle) -> impl Iterator<Item = &ActionDef> {
    let cfg = &site.agent.actions;
    let verification = [cfg.verification_send.as_deref(), cfg.verification_check.as_deref()];
    site.actions
        .iter()
        .filter(move |a| a.enabled && !a.internal && !verification.iter().flatten().any(|v| *v == &*a.slug))
}

/// What the model reads about an action: its name, description and when not to use it, verbatim.
fn described(action: &ActionDef) -> String {
    let mut text = action.name.clone();
    if let Some(d) = &action.description {
        text.push_str(": ");
        text.push_str(d.trim());
    }
    if let Some(w) = &action.when_not_to_use {
        text.push_str("\nWhen not to use: ");
        text.push_str(w.trim());
    }
    text
}

/// Inputs the model may fill: never a one-time code (only the visitor types one, when asked).
fn fillable(action: &ActionDef) -> impl Iterator<Item = &InputDef> {
    action.inputs().iter().filter(|i| i.format != InputFormat::Otp)
}

/// An input as JSON Schema.
fn schema(input: &InputDef) -> Value {
    let mut s = Map::new();
    s.insert("type".into(), json!("string"));
    let mut description = input.what();
    if let Some(hint) = &input.pattern_hint {
        description.push_str(&format!(" ({hint})"));
    }
    s.insert("description".into(), json!(description));
    if let Some(p) = &input.pattern {
        s.insert("pattern".into(), json!(p.as_str()));
    }
    if !input.options.is_empty() {
        s.insert("enum".into(), json!(input.options));
    }
    let format = match input.format {
        InputFormat::Email => Some("email"),
        InputFormat::Date => Some("date"),
        InputFormat::Url => Some("uri"),
        _ => None,
    };
    if let Some(f) = format {
        s.insert("format".into(), json!(f));
    }
    if !input.examples.is_empty() {
        s.insert("examples".into(), json!(input.examples));
    }
    Value::Object(s)
}

/// A tool's name for an action: its slug, cut to the 64 characters every provider accepts.
fn tool_name(action: &ActionDef) -> String {
    action.slug.chars().take(64).collect()
}

/// The tools offered for this site; `hand_off` only when a human can take over (`[handoff]`).
/// Two actions whose slugs share their first 64 characters are one tool name: the first wins.
pub fn tools(site: &SiteBundle) -> Vec<Tool> {
    let mut out = Vec::new();
    let function = |name: String, description: String, parameters: Value| Tool {
        kind: "function",
        function: FunctionDef { name, description, parameters },
    };
    let (mut forms, mut buttons) = (Vec::new(), Vec::new());
    for action in startable(site) {
        match &action.kind {
            ActionKind::Http(_) => {
                let properties: Map<String, Value> = fillable(action).map(|i| (i.name.clone(), schema(i))).collect();
                let required: Vec<&str> = fillable(action).filter(|i| i.required).map(|i| i.name.as_str()).collect();
                let description = format!(
                    "{}\nLeave out any value the visitor has not given: the assistant's system asks them for it.",
                    described(action)
                );
                let parameters = json!({"type": "object", "properties": properties, "required": required,
                    "additionalProperties": false});
                out.push(function(tool_name(action), description, parameters));
            }
            ActionKind::Form(_) => forms.push(action),
            ActionKind::Button(_) => buttons.push(action),
        }
    }
    for (name, actions, what, key) in [
        (SHOW_FORM, forms, "Show the visitor one of these forms to fill in", "form"),
        (OFFER_BUTTON, buttons, "Offer the visitor one of these buttons", "button"),
    ] {
        if actions.is_empty() {
            continue;
        }
        let list: Vec<String> = actions.iter().map(|a| format!("- {}: {}", tool_name(a), described(a))).collect();
        let names: Vec<String> = actions.iter().map(|a| tool_name(a)).collect();
        let parameters = json!({"type": "object", "properties": {key: {"type": "string", "enum": names}},
            "required": [key], "additionalProperties": false});
        out.push(function(name.into(), format!("{what}:\n{}", list.join("\n")), parameters));
    }
    if site.agent.handoff.is_some() {
        let parameters = json!({"type": "object", "properties": {"reason": {"type": "string",
            "description": "why, in a few words"}}, "required": ["reason"], "additionalProperties": false});
        out.push(function(
            HAND_OFF.into(),
            "Pass the conversation to a human on the support team: when the visitor asks for a person, or \
             when you cannot help and a person could."
                .into(),
            parameters,
        ));
    }
    out
}

/// Reads the model's call against the tools. The error is what the model is told.
pub fn read_call(site: &SiteBundle, call: &ToolCall) -> Result<Call, String> {
    let name = call.function.name.trim();
    let raw = call.function.arguments.trim();
    let args: Map<String, Value> = match serde_json::from_str(if raw.is_empty() { "{}" } else { raw }) {
        Ok(Value::Object(args)) => args,
        Ok(_) => return Err("the arguments must be a JSON object".into()),
        Err(e) => return Err(format!("the arguments are not valid JSON ({e}); nothing was run")),
    };
    let text_arg = |key: &str| args.get(key).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty());
    let among = |kind: fn(&ActionKind) -> bool, key: &str| {
        let wanted = text_arg(key).ok_or_else(|| format!("\"{key}\" is required"))?;
        startable(site)
            .filter(|a| kind(&a.kind))
            .find(|a| tool_name(a) == wanted)
            .map(|a| a.slug.to_string())
            .ok_or_else(|| format!("there is no {key} called {wanted:?}; nothing was shown"))
    };
    match name {
        SHOW_FORM => return among(|k| matches!(k, ActionKind::Form(_)), "form").map(Call::ShowForm),
        OFFER_BUTTON => return among(|k| matches!(k, ActionKind::Button(_)), "button").map(Call::OfferButton),
        HAND_OFF if site.agent.handoff.is_some() => {
            let reason: String =
                text_arg("reason").unwrap_or("the assistant asked for a person").chars().take(200).collect();
            return Ok(Call::HandOff(reason));
        }
        _ => {}
    }
    let Some(action) = startable(site).find(|a| tool_name(a) == name && matches!(a.kind, ActionKind::Http(_))) else {
        return Err(format!("there is no tool called {name:?}; nothing was run"));
    };
    let mut inputs = BTreeMap::new();
    for (key, value) in &args {
        let Some(input) = fillable(action).find(|i| &i.name == key) else {
            return Err(format!("{name} has no argument {key:?}; nothing was run"));
        };
        let raw = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Null => continue,
            _ => return Err(format!("{key} must be a string; nothing was run")),
        };
        if raw.trim().is_empty() {
            continue;
        }
        let clean = validate_input(input, &raw).map_err(|e| format!("{key}: {e}; nothing was run"))?;
        inputs.insert(key.clone(), clean);
    }
    Ok(Call::Action { slug: action.slug.to_string(), inputs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::llm::wire::FunctionCall;

    fn call(name: &str, arguments: &str) -> ToolCall {
        ToolCall {
            id: "c1".into(),
            kind: "function".into(),
            function: FunctionCall { name: name.into(), arguments: arguments.into() },
        }
    }

    #[test]
    fn every_startable_action_is_a_tool_with_its_words_and_schema() {
        let site = crate::test_support::demo_site();
        let tools = tools(&site);
        let names: Vec<&str> = tools.iter().map(|t| t.function.name.as_str()).collect();
        assert!(names.contains(&"get-transaction-status"), "{names:?}");
        assert!(names.contains(&SHOW_FORM) && names.contains(&OFFER_BUTTON) && names.contains(&HAND_OFF), "{names:?}");
        // Internal actions (run only by forms and buttons) are no tools, nor the verification's own.
        for internal in site.actions.iter().filter(|a| a.internal) {
            assert!(!names.contains(&internal.slug.as_ref()), "{}", internal.slug);
        }
        let cfg = &site.agent.actions;
        for verification in [cfg.verification_send.as_deref(), cfg.verification_check.as_deref()] {
            let slug = verification.expect("the demo verifies");
            assert!(!names.contains(&slug), "{slug}");
        }
        for action in startable(&site) {
            if action.http().is_none() {
                continue;
            }
            let tool = tools.iter().find(|t| t.function.name == *action.slug);
            let tool = tool.unwrap_or_else(|| panic!("{} is no tool", action.slug));
            if let Some(w) = &action.when_not_to_use {
                assert!(tool.function.description.contains(w.trim()), "{}", tool.function.description);
            }
            for input in action.inputs().iter().filter(|i| i.format != InputFormat::Otp) {
                let property = &tool.function.parameters["properties"][&input.name];
                assert_eq!(property["type"], "string");
                if let Some(p) = &input.pattern {
                    assert_eq!(property["pattern"], p.as_str());
                }
            }
        }
    }

    #[test]
    fn calls_are_read_against_their_definitions() {
        let site = crate::test_support::demo_site();
        let tx = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";
        let ok = read_call(&site, &call("get-transaction-status", &format!(r#"{{"tx_hash":"{tx}"}}"#)));
        let expected = BTreeMap::from([("tx_hash".to_string(), tx.to_string())]);
        assert_eq!(ok, Ok(Call::Action { slug: "get-transaction-status".into(), inputs: expected }));
        let refused = [
            call("transfer-all-funds", "{}"),
            call("get-transaction-status", "{not json"),
            call("get-transaction-status", r#"{"tx_hash":"not a hash"}"#),
            call("get-transaction-status", r#"{"tx_hash":"0xabc","admin":true}"#),
            call("get-transaction-status", "[1]"),
            call(SHOW_FORM, r#"{"form":"get-transaction-status"}"#),
        ];
        for c in refused {
            assert!(read_call(&site, &c).is_err(), "{c:?} was accepted");
        }
    }
}
