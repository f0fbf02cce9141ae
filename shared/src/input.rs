//! An action's inputs: the values the agent collects from the visitor before a call, written as a
//! list of named inputs or as a map keyed by name in the JSON-Schema style.

use crate::format::InputFormat;
use crate::format::{ValueError, ValueRule};
use crate::pattern::Pattern;
use serde::{Deserialize, Serialize};

/// A value the agent must collect from the visitor before calling. Written as a list entry with a
/// `name`, or as a map keyed by name in the JSON-Schema style (`"inputs": {"order": {"type":
/// "string", "pattern": "^ORD-\\d{5,}$"}}`): the same subset later describes LLM tools.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputDef {
    /// Name used as `{{inputs.NAME}}`.
    pub name: String,
    /// What to ask the visitor for, e.g. "the transaction hash".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Expected shape.
    #[serde(default)]
    pub format: InputFormat,
    /// The owner's own pattern the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// What a valid value looks like, in the visitor's words (used when asking and when refusing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint: Option<String>,
    /// A closed set of values (`enum`), found in a message by name ("BTC").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Example values (each must be valid; shown when asking).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// A one-time code's exact number of digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u8>,
    /// Whether the call cannot happen without it (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// Longest accepted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
}

impl InputDef {
    /// A required input of a format, with nothing else declared.
    pub fn new(name: &str, format: InputFormat) -> Self {
        Self {
            name: name.into(),
            description: None,
            format,
            pattern: None,
            pattern_hint: None,
            options: Vec::new(),
            examples: Vec::new(),
            length: None,
            required: true,
            max_length: None,
        }
    }

    /// What a value of this input is checked against.
    pub fn rule(&self) -> ValueRule<'_> {
        ValueRule {
            format: self.format,
            pattern: self.pattern.as_ref(),
            hint: self.pattern_hint.as_deref(),
            options: &self.options,
            length: self.length,
            max_length: self.max_length.unwrap_or(500),
        }
    }

    /// How the agent names it to the visitor: the description, else the name in words.
    pub fn what(&self) -> String {
        self.description.clone().unwrap_or_else(|| self.name.replace('_', " "))
    }
}

/// The JSON-Schema `type` of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SchemaType {
    String,
    Number,
    Integer,
}

/// One input as written, in either form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputSpec {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    schema_type: Option<SchemaType>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    format: Option<InputFormat>,
    #[serde(default)]
    pattern: Option<Pattern>,
    #[serde(default)]
    pattern_hint: Option<String>,
    #[serde(default, alias = "enum")]
    options: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    length: Option<u8>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default, alias = "maxLength")]
    max_length: Option<usize>,
}

impl InputSpec {
    fn into_def(self, name: String) -> Result<InputDef, String> {
        let format = match (self.schema_type, self.format) {
            (Some(SchemaType::Number), None | Some(InputFormat::Number)) => InputFormat::Number,
            (Some(SchemaType::Integer), None | Some(InputFormat::Integer)) => InputFormat::Integer,
            (Some(SchemaType::Number | SchemaType::Integer), Some(f)) => {
                return Err(format!("input {name:?}: a number has no format {f:?}; use \"type\": \"string\""))
            }
            (_, f) => f.unwrap_or_default(),
        };
        Ok(InputDef {
            name,
            description: self.description,
            format,
            pattern: self.pattern,
            pattern_hint: self.pattern_hint,
            options: self.options,
            examples: self.examples,
            length: self.length,
            required: self.required,
            max_length: self.max_length,
        })
    }
}

impl<'de> Deserialize<'de> for InputDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spec = InputSpec::deserialize(d)?;
        let name = spec.name.clone().ok_or_else(|| serde::de::Error::missing_field("name"))?;
        spec.into_def(name).map_err(serde::de::Error::custom)
    }
}

/// `inputs` as a list of named inputs, or a map keyed by name (in the order written).
pub(crate) fn inputs_list_or_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<InputDef>, D::Error> {
    struct Inputs;
    impl<'de> serde::de::Visitor<'de> for Inputs {
        type Value = Vec<InputDef>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of inputs with names, or a map from name to input")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(input) = seq.next_element::<InputDef>()? {
                out.push(input);
            }
            Ok(out)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((name, spec)) = map.next_entry::<String, InputSpec>()? {
                if spec.name.as_ref().is_some_and(|n| *n != name) {
                    return Err(serde::de::Error::custom(format!("input {name:?} is given another \"name\"")));
                }
                out.push(spec.into_def(name).map_err(serde::de::Error::custom)?);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Inputs)
}

fn yes() -> bool {
    true
}

/// Checks a visitor's value against an input; returns it normalised, or a message for the visitor.
pub fn validate_input(input: &InputDef, raw: &str) -> Result<String, String> {
    input.rule().check(raw).map_err(|e| match e {
        ValueError::Empty => format!("{} is required", input.what()),
        ValueError::TooLong(_) => format!("{} is too long", input.what()),
        ValueError::NotAnOption(options) => format!("{:?} is not one of: {options}", raw.trim()),
        ValueError::Invalid(what) => format!("{:?} is not a valid {what}", raw.trim()),
    })
}
