//! Success conditions on an action's response (`"response": {"success_when": …}`): a 2xx status
//! says the owner's API answered, not that it said yes. `{"verified": false}` with HTTP 200 is a
//! wrong code, so a `verifies` action must name the field that says yes, and anything else —
//! including a body that is not JSON — fails closed. The same conditions, written
//! `"handoff_when"`, pass a conversation to a human when a result needs one (an amount above a
//! threshold); there too a body that is not JSON never holds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One test on the value at a dotted path (`data.status`, `items.0.id`).
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// The value is exactly this JSON value (`true` is not `"true"`).
    Equals(Value),
    /// The value is present (not `null`) and is not this JSON value.
    NotEquals(Value),
    /// The value is one of these.
    In(Vec<Value>),
    /// The path exists (`true`) or does not (`false`).
    Exists(bool),
    /// The value is a number (or a string holding a decimal number) above this one.
    GreaterThan(f64),
    /// The value is a number (or a string holding a decimal number) below this one.
    LessThan(f64),
}

/// A path and its test.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Dotted path into the JSON response.
    pub path: String,
    /// What must hold there.
    pub test: Test,
}

/// `success_when`: one condition, or a list that must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct SuccessWhen(pub Vec<Condition>);

/// `handoff_when`: one condition, or a list that must all hold, on an action's response; when it
/// holds, the conversation goes to a human (the run itself still succeeds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct HandoffWhen(pub Vec<Condition>);

const OPERATORS: &str = "one of \"equals\", \"not_equals\", \"in\" (a list), \"exists\" (true or false), \
                         \"greater_than\" or \"less_than\" (a number)";

/// One condition or a list of them, as the owner wrote them under `field`.
fn conditions(value: Value, field: &str) -> Result<Vec<Condition>, String> {
    let items = match value {
        Value::Array(items) if items.is_empty() => return Err(format!("{field}: the list is empty")),
        Value::Array(items) => items,
        one => vec![one],
    };
    items.into_iter().enumerate().map(|(i, item)| condition(item).map_err(|e| format!("{field}[{i}]: {e}"))).collect()
}

impl TryFrom<Value> for SuccessWhen {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        conditions(value, "success_when").map(Self)
    }
}

impl TryFrom<Value> for HandoffWhen {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        conditions(value, "handoff_when").map(Self)
    }
}

impl From<HandoffWhen> for Value {
    fn from(when: HandoffWhen) -> Value {
        SuccessWhen(when.0).into()
    }
}

impl HandoffWhen {
    /// Whether every condition holds for `body`; `None` (no JSON body) never holds.
    pub fn holds(&self, body: Option<&Value>) -> bool {
        all_hold(&self.0, body)
    }
}

fn condition(item: Value) -> Result<Condition, String> {
    let Value::Object(mut fields) = item else {
        return Err(format!("must be an object {{\"path\": …, {OPERATORS}}}"));
    };
    let path = match fields.remove("path") {
        Some(Value::String(p)) if !p.is_empty() && p.split('.').all(|k| !k.is_empty()) => p,
        _ => return Err("\"path\" must be a dotted path such as \"verified\" or \"data.status\"".into()),
    };
    let mut tests = Vec::new();
    for (key, value) in fields {
        tests.push(match (key.as_str(), value) {
            ("equals", v) => Test::Equals(v),
            ("not_equals", v) => Test::NotEquals(v),
            ("in", Value::Array(list)) if !list.is_empty() => Test::In(list),
            ("in", _) => return Err("\"in\" must be a non-empty list of values".into()),
            ("exists", Value::Bool(b)) => Test::Exists(b),
            ("exists", _) => return Err("\"exists\" must be true or false".into()),
            ("greater_than", Value::Number(n)) => Test::GreaterThan(n.as_f64().unwrap_or(f64::NAN)),
            ("less_than", Value::Number(n)) => Test::LessThan(n.as_f64().unwrap_or(f64::NAN)),
            ("greater_than" | "less_than", _) => return Err(format!("\"{key}\" must be a number")),
            (other, _) => return Err(format!("unknown field \"{other}\" (expected \"path\" and {OPERATORS})")),
        });
    }
    match tests.len() {
        1 => Ok(Condition { path, test: tests.remove(0) }),
        0 => Err(format!("needs {OPERATORS}")),
        _ => Err(format!("has several tests; use exactly {OPERATORS}, or a list of conditions")),
    }
}

impl From<SuccessWhen> for Value {
    fn from(when: SuccessWhen) -> Value {
        let one = |c: Condition| {
            let mut object = serde_json::Map::new();
            object.insert("path".into(), Value::String(c.path));
            let (key, value) = match c.test {
                Test::Equals(v) => ("equals", v),
                Test::NotEquals(v) => ("not_equals", v),
                Test::In(list) => ("in", Value::Array(list)),
                Test::Exists(b) => ("exists", Value::Bool(b)),
                Test::GreaterThan(n) => ("greater_than", number(n)),
                Test::LessThan(n) => ("less_than", number(n)),
            };
            object.insert(key.into(), value);
            Value::Object(object)
        };
        Value::Array(when.0.into_iter().map(one).collect())
    }
}

/// A dotted path (`data.status`, `items.0.id`) inside a JSON value.
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

impl SuccessWhen {
    /// Whether some condition names the answer that means yes (`equals` or `in`): only such a
    /// condition tells a right code from a wrong one. `exists` and `not_equals` alone do not
    /// (`{"verified": false}` has `verified`, and is not `"no"`).
    pub fn names_a_yes(&self) -> bool {
        self.0.iter().any(|c| matches!(c.test, Test::Equals(_) | Test::In(_)))
    }

    /// Whether every condition holds for `body`; `None` (no JSON body) never succeeds.
    pub fn holds(&self, body: Option<&Value>) -> bool {
        all_hold(&self.0, body)
    }

    /// The first condition that fails, as the log shows it (`verified equals true`).
    pub fn describe_failure(&self, body: Option<&Value>) -> String {
        let failing = self.0.iter().find(|c| !SuccessWhen(vec![(*c).clone()]).holds(body));
        match (failing, body) {
            (_, None) => "the response is not JSON, so success_when cannot hold".into(),
            (Some(c), Some(_)) => {
                let test = match &c.test {
                    Test::Equals(v) => format!("equals {v}"),
                    Test::NotEquals(v) => format!("not_equals {v}"),
                    Test::In(list) => format!("in {}", Value::Array(list.clone())),
                    Test::Exists(b) => format!("exists {b}"),
                    Test::GreaterThan(n) => format!("greater_than {n}"),
                    Test::LessThan(n) => format!("less_than {n}"),
                };
                format!("success_when failed: {} {test}", c.path)
            }
            (None, Some(_)) => "success_when holds".into(),
        }
    }
}

/// Whether every condition holds for `body`; `None` (no JSON body) never holds.
fn all_hold(conditions: &[Condition], body: Option<&Value>) -> bool {
    let Some(body) = body else { return false };
    conditions.iter().all(|c| {
        let found = lookup(body, &c.path);
        match &c.test {
            Test::Equals(v) => found == Some(v),
            Test::NotEquals(v) => found.is_some_and(|f| !f.is_null() && f != v),
            Test::In(list) => found.is_some_and(|f| list.contains(f)),
            Test::Exists(b) => found.is_some_and(|f| !f.is_null()) == *b,
            Test::GreaterThan(n) => found.and_then(as_number).is_some_and(|f| f > *n),
            Test::LessThan(n) => found.and_then(as_number).is_some_and(|f| f < *n),
        }
    })
}

/// A JSON number, or a string holding a plain decimal number (`"1500.00"`); anything else is not
/// a number, so a comparison on it does not hold.
fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::number::parse_number(s.trim()),
        _ => None,
    }
}

/// A threshold back as JSON (written as an integer when it is one).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn when(v: Value) -> SuccessWhen {
        SuccessWhen::try_from(v).unwrap()
    }

    #[test]
    fn a_wrong_code_answered_with_200_does_not_succeed() {
        let w = when(json!({"path": "verified", "equals": true}));
        assert!(w.holds(Some(&json!({"verified": true}))));
        assert!(!w.holds(Some(&json!({"verified": false}))));
        assert!(!w.holds(Some(&json!({"verified": "true"}))), "a string is not a boolean");
        assert!(!w.holds(Some(&json!({}))));
        assert!(!w.holds(None), "no JSON body: closed");
        assert_eq!(w.describe_failure(Some(&json!({"verified": false}))), "success_when failed: verified equals true");
    }

    #[test]
    fn every_operator_and_lists_of_conditions() {
        let body = json!({"data": {"status": "valid", "attempts": [1, 2]}, "error": null});
        assert!(when(json!({"path": "data.status", "in": ["valid", "ok"]})).holds(Some(&body)));
        assert!(!when(json!({"path": "data.status", "in": ["ok"]})).holds(Some(&body)));
        assert!(when(json!({"path": "data.status", "not_equals": "invalid"})).holds(Some(&body)));
        assert!(!when(json!({"path": "data.missing", "not_equals": "invalid"})).holds(Some(&body)), "absent fails");
        assert!(!when(json!({"path": "error", "not_equals": false})).holds(Some(&body)), "null is absent");
        assert!(when(json!({"path": "data.attempts.1", "equals": 2})).holds(Some(&body)));
        assert!(when(json!({"path": "error", "exists": false})).holds(Some(&body)), "null counts as absent");
        assert!(!when(json!({"path": "data", "exists": false})).holds(Some(&body)));
        let all = when(json!([{"path": "data.status", "equals": "valid"}, {"path": "error", "exists": true}]));
        assert!(!all.holds(Some(&body)), "every condition must hold");
    }

    #[test]
    fn only_equals_and_in_name_a_yes() {
        assert!(when(json!({"path": "verified", "equals": true})).names_a_yes());
        assert!(when(json!([{"path": "a", "exists": true}, {"path": "s", "in": ["ok"]}])).names_a_yes());
        assert!(!when(json!({"path": "verified", "exists": true})).names_a_yes());
        assert!(!when(json!({"path": "verified", "not_equals": false})).names_a_yes());
    }

    #[test]
    fn malformed_conditions_say_what_to_write() {
        let e = |v: Value| SuccessWhen::try_from(v).unwrap_err();
        assert!(e(json!({"path": "verified"})).contains("needs one of \"equals\""));
        assert!(e(json!({"path": "verified", "equals": true, "in": [true]})).contains("several tests"));
        assert!(e(json!({"path": "", "equals": true})).contains("dotted path"));
        assert!(e(json!({"path": "a", "equal": true})).contains("unknown field \"equal\""));
        assert!(e(json!([])).contains("empty"));
        assert!(e(json!([{"path": "a", "exists": "yes"}])).starts_with("success_when[0]: \"exists\""));
    }

    #[test]
    fn handoff_when_compares_amounts_and_fails_closed() {
        let w = HandoffWhen::try_from(json!({"path": "amount", "greater_than": 1000})).unwrap();
        assert!(w.holds(Some(&json!({"amount": 1500}))));
        assert!(w.holds(Some(&json!({"amount": "1500.50"}))), "a decimal string counts as a number");
        assert!(!w.holds(Some(&json!({"amount": 1000}))), "strictly above");
        assert!(!w.holds(Some(&json!({"amount": "a lot"}))));
        assert!(!w.holds(Some(&json!({}))));
        assert!(!w.holds(None), "no JSON body: no handoff from the condition");
        let below = HandoffWhen::try_from(json!([{"path": "n", "less_than": 0.5}])).unwrap();
        assert!(below.holds(Some(&json!({"n": 0.25}))));
        let e = HandoffWhen::try_from(json!({"path": "amount", "greater_than": "1000"})).unwrap_err();
        assert!(e.starts_with("handoff_when[0]: \"greater_than\" must be a number"), "{e}");
        let text = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<HandoffWhen>(&text).unwrap(), w);
    }

    #[test]
    fn round_trips_through_json() {
        let w = when(json!([{"path": "a", "equals": 1}, {"path": "b", "in": ["x"]}]));
        let text = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<SuccessWhen>(&text).unwrap(), w);
    }
}
