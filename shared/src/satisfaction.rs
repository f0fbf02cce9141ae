//! The satisfaction survey: after a human resolves a conversation, the visitor is asked "How did
//! we do?" (1–5 and an optional comment) once, as an in-chat form card, so the widget draws it
//! with the form code it already has (its size budget has no room for a second card kind). The
//! answer is kept with the conversation, shown in the inbox, counted in the reports, and erased
//! with the conversation.

use crate::form::{FieldDef, FieldKind, FormDef, OnSubmit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The survey card's `action`: no owner action has this slug (`SiteBundle` refuses it, as it
/// refuses `lead`).
pub const SATISFACTION_FORM: &str = "satisfaction";

/// The longest comment kept.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// What the visitor chooses from, best first: the score is the leading digit.
const SCORES: [&str; 5] = ["5 – Great", "4 – Good", "3 – OK", "2 – Poor", "1 – Bad"];

/// The survey, as a form.
pub fn survey() -> FormDef {
    let mut score = FieldDef::new("score", FieldKind::Select, "Your rating");
    score.required = true;
    score.options = SCORES.iter().map(|s| s.to_string()).collect();
    let mut comment = FieldDef::new("comment", FieldKind::Textarea, "Anything to add? (optional)");
    comment.max_length = Some(MAX_COMMENT_CHARS);
    FormDef {
        title: "How did we do?".into(),
        fields: vec![score, comment],
        submit_label: "Send rating".into(),
        on_submit: OnSubmit { store: true, run: None, handoff: false },
    }
}

/// A visitor's rating of a resolved conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// 1 (bad) to 5 (great).
    pub score: u8,
    /// What they added, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When, Unix ms.
    pub rated_at_ms: u64,
}

impl Satisfaction {
    /// The rating a survey's validated values give (`validate_submission` has checked them
    /// against [`survey`]); `None` if they hold no score.
    pub fn from_values(values: &BTreeMap<String, String>, rated_at_ms: u64) -> Option<Self> {
        let score = values.get("score")?.chars().next()?.to_digit(10)?;
        let score = u8::try_from(score).ok().filter(|s| (1..=5).contains(s))?;
        let comment = values.get("comment").map(|c| c.trim()).filter(|c| !c.is_empty()).map(|c| {
            let kept: String = c.chars().take(MAX_COMMENT_CHARS).collect();
            kept
        });
        Some(Self { score, comment, rated_at_ms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_read_from_the_option_chosen_and_the_form_refuses_anything_else() {
        let form = survey();
        let values = |score: &str, comment: &str| {
            BTreeMap::from([
                ("score".to_string(), crate::form::FieldValue::Text(score.into())),
                ("comment".to_string(), crate::form::FieldValue::Text(comment.into())),
            ])
        };
        let clean = crate::form::validate_submission(&form, &values("4 – Good", "  quick and kind ")).unwrap();
        let rated = Satisfaction::from_values(&clean, 7).unwrap();
        assert_eq!((rated.score, rated.comment.as_deref()), (4, Some("quick and kind")));
        assert!(crate::form::validate_submission(&form, &values("9 – Superb", "")).is_err());
        assert!(crate::form::validate_submission(&form, &values("", "")).is_err(), "a score is required");
        let clean = crate::form::validate_submission(&form, &values("1 – Bad", "")).unwrap();
        assert_eq!(Satisfaction::from_values(&clean, 7).unwrap().comment, None);
    }
}
