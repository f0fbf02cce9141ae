//! The cards the agent shows under its messages, built from the owner's configuration: a form
//! action's form, the lead form, a button action's button and the quick replies.

use shared::action::ActionDef;
use shared::form::{ButtonTarget, FormDef};
use shared::site::LEAD_FORM;
use shared::template::Values;
use shared::{ButtonAct, ButtonCard};

/// The card a form shows: visible fields, with defaults filled from the conversation (a default
/// whose value is unknown is left empty). `slug` is the form action's, or [`LEAD_FORM`].
pub fn form_card(slug: &str, form: &FormDef, values: &Values) -> shared::FormCard {
    let fields = form
        .fields
        .iter()
        .filter(|f| f.kind != shared::form::FieldKind::Hidden)
        .map(|f| {
            let mut f = f.clone();
            f.default = f.default.as_deref().and_then(|d| rendered_default(d, values));
            f
        })
        .collect();
    shared::FormCard { action: slug.into(), title: form.title.clone(), submit_label: form.submit_label.clone(), fields }
}

/// A field's `default` with its `{{variables}}` filled (as the card shows it, and as a hidden
/// field's value is sent); `None` when it does not render.
pub fn rendered_default(default: &str, values: &Values) -> Option<String> {
    shared::template::Template::parse(default).ok()?.render(values, shared::template::Encoding::Raw).ok()
}

/// The lead form's card, if the owner configured one.
pub fn lead_card(site: &shared::site::SiteBundle, values: &Values) -> Option<shared::FormCard> {
    site.agent.lead.as_ref().map(|lead| form_card(LEAD_FORM, &lead.form(), values))
}

/// A button action's button, as button `b{index}` of its message (`label` overrides its own).
pub fn button_card(action: &ActionDef, index: usize, label: Option<&str>) -> Option<ButtonCard> {
    let button = action.button()?;
    let does = match &button.target {
        ButtonTarget::Url(url) => ButtonAct::OpenUrl(url.clone()),
        ButtonTarget::Run(run) => ButtonAct::Run(run.clone()),
    };
    Some(ButtonCard { id: format!("b{index}"), label: label.unwrap_or(&button.label).to_string(), does })
}

/// The buttons pinned under the greeting (`[[quick_replies]]` in `agent.toml`).
pub fn quick_replies(site: &shared::site::SiteBundle) -> Vec<ButtonCard> {
    site.agent
        .quick_replies
        .iter()
        .enumerate()
        .filter_map(|(i, q)| match &q.action {
            Some(slug) => site.action(slug).filter(|a| a.enabled).and_then(|a| button_card(a, i, Some(&q.label))),
            None => Some(ButtonCard {
                id: format!("b{i}"),
                label: q.label.clone(),
                does: ButtonAct::Reply(q.label.clone()),
            }),
        })
        .collect()
}
