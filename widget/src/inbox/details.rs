//! Beside the history: who the visitor is (and whether that is verified or signed), the lead and
//! the host page's attributes, the handoff summary the agent reads first, and the action runs as
//! the owner's log has them (credentials already redacted by the edge), and the visitor's rating.

use crate::message_text::markdown;
use crate::state::Inbox;
use leptos::prelude::*;
use shared::handoff::{HandoffSummary, SummaryIdentity};
use shared::inbox::RunRecord;
use shared::ActionStatus;
use std::collections::BTreeMap;

/// The visitor's details, the summary and the runs of the open conversation.
#[component]
pub fn Details(inbox: Inbox) -> impl IntoView {
    // Each part is drawn again only when its own data changes.
    let identity = Memo::new(move |_| inbox.detail.with(|d| d.as_ref().map(|d| d.identity.clone())));
    let attributes = Memo::new(move |_| inbox.detail.with(|d| d.as_ref().map(|d| d.attributes.clone())));
    let summary = Memo::new(move |_| inbox.detail.with(|d| d.as_ref().and_then(|d| d.summary.clone())));
    let runs = Memo::new(move |_| inbox.detail.with(|d| d.as_ref().map(|d| d.runs.clone()).unwrap_or_default()));
    let rating = Memo::new(move |_| inbox.detail.with(|d| d.as_ref().and_then(|d| d.satisfaction.clone())));
    view! {
        <section class="panel" aria-labelledby="identity-title">
            <h3 id="identity-title">"Visitor"</h3>
            {move || identity.get().map(|i| view! { <Identity identity=i /> })}
            {move || attributes.get().map(|a| view! { <Attributes attributes=a /> })}
        </section>
        {move || rating.get().map(|r| view! {
            <section class="panel" aria-labelledby="rating-title">
                <h3 id="rating-title">"Satisfaction"</h3>
                <p>{format!("Rated {} out of 5", r.score)}
                    " "<time datetime=shared::time::rfc3339_from_unix_ms(r.rated_at_ms)>{format!("({})", shared::time::rfc3339_from_unix_ms(r.rated_at_ms))}</time></p>
                {r.comment.map(|c| view! { <blockquote>{c}</blockquote> })}
            </section>
        })}
        <section class="panel" aria-labelledby="summary-title">
            <h3 id="summary-title">"Handoff summary"</h3>
            {move || match summary.get() {
                Some(s) => view! { <Summary summary=s /> }.into_any(),
                None => view! { <p class="muted">"Not handed off: the AI has answered on its own."</p> }.into_any(),
            }}
        </section>
        <section class="panel" aria-labelledby="runs-title">
            <h3 id="runs-title">"Action runs"</h3>
            {move || {
                let runs = runs.get();
                if runs.is_empty() {
                    view! { <p class="muted">"No actions ran."</p> }.into_any()
                } else {
                    view! { <ol class="runs">{runs.into_iter().map(|r| view! { <Run run=r /> }).collect_view()}</ol> }.into_any()
                }
            }}
        </section>
    }
}

/// "Not given" for a missing value.
fn or_unknown(value: Option<String>) -> String {
    value.unwrap_or_else(|| "not given".into())
}

#[component]
fn Identity(identity: SummaryIdentity) -> impl IntoView {
    // Each value says where it came from: only the host site's valid signature vouches for it.
    let from =
        |signed: bool, how: &str| if signed { format!("signed by the site ({how})") } else { UNSIGNED.to_string() };
    let how = if identity.signed == "jwt" { "JWT" } else { "user hash" };
    let user_id = from(identity.signed != "none", how);
    let email = from(identity.email_signed, "JWT");
    let name = from(identity.name_signed, "JWT");
    let verified = if identity.verified { "Verified by one-time code" } else { "Not verified" };
    let fact = |label: &'static str, value: Option<String>, source: String| {
        let given = value.is_some();
        view! {
            <dt>{label}</dt>
            <dd>{or_unknown(value)}{given.then(|| view! { <span class="source">{format!(" — {source}")}</span> })}</dd>
        }
    };
    view! {
        <p class=if identity.verified { "badge-verified" } else { "badge-unverified" }>{verified}</p>
        <dl class="facts">
            {fact("Name", identity.name, name)}
            {fact("Email", identity.email, email)}
            {fact("User id", identity.user_id, user_id)}
        </dl>
    }
}

/// Where a value nobody signed came from: the visitor typed it, or the page gave it unsigned.
const UNSIGNED: &str = "not signed: typed by the visitor or given by the page";

#[component]
fn Attributes(attributes: BTreeMap<String, String>) -> impl IntoView {
    if attributes.is_empty() {
        return view! { <p class="muted">"No attributes."</p> }.into_any();
    }
    view! {
        <h4>"Attributes"</h4>
        <p class="muted">"Set by the page or the visitor's browser; not signed."</p>
        <dl class="facts">
            {attributes.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
    .into_any()
}

#[component]
fn Summary(summary: HandoffSummary) -> impl IntoView {
    let list =
        |items: Vec<String>| view! { <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> };
    // The AI's answers are Markdown, as the visitor saw them: drawn the same way as the history.
    let answers: Vec<(String, String)> = summary
        .answers
        .iter()
        .map(|a| {
            let sources = a.sources.iter().map(|s| s.title.as_str()).collect::<Vec<_>>().join(", ");
            (a.text.clone(), sources)
        })
        .collect();
    let answer_list = move |answers: Vec<(String, String)>| {
        view! {
            <ul>
                {answers
                    .into_iter()
                    .map(|(text, sources)| {
                        view! {
                            <li>
                                <div class="text" use:markdown=text></div>
                                {(!sources.is_empty()).then(|| view! { <p class="sources">"Sources: " {sources}</p> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    };
    let inputs: Vec<String> = summary
        .inputs
        .iter()
        .map(|f| {
            let values = f.values.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
            format!("{}: {values}", f.form)
        })
        .collect();
    let actions: Vec<String> = summary
        .actions
        .iter()
        .map(|a| {
            let reason = a.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
            format!("{} {}{reason}: {}", a.name, status_word(a.status), a.result)
        })
        .collect();
    view! {
        <dl class="facts summary">
            <dt>"Reason"</dt><dd>{summary.reason}</dd>
            <dt>"Issue"</dt><dd>{list(summary.issue)}</dd>
            {(!answers.is_empty()).then(|| view! { <dt>"AI answers"</dt><dd>{answer_list(answers)}</dd> })}
            {(!inputs.is_empty()).then(|| view! { <dt>"Inputs"</dt><dd>{list(inputs)}</dd> })}
            {(!actions.is_empty()).then(|| view! { <dt>"Actions"</dt><dd>{list(actions)}</dd> })}
            {summary.pending.map(|p| view! { <dt>"Pending"</dt><dd>{p}</dd> })}
            <dt>"Messages"</dt><dd>{summary.message_count.to_string()}</dd>
        </dl>
    }
}

fn status_word(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Ok => "ok",
        ActionStatus::Failed => "failed",
        ActionStatus::Refused => "refused",
    }
}

#[component]
fn Run(run: RunRecord) -> impl IntoView {
    let head = format!("{}: {}, {} ms", run.action, status_word(run.status), run.duration_ms);
    view! {
        <li>
            <p class="run-head">{head}</p>
            <p>{run.summary}</p>
            {run.request.map(|r| view! { <p><code>{r}</code></p> })}
            {run.response_status.map(|s| view! { <p>{format!("Response: HTTP {s}")}</p> })}
            {run.response_body.map(|b| view! { <pre tabindex="0" aria-label="Response body (redacted)">{b}</pre> })}
            <p class="muted"><time datetime=run.at.clone()>{run.at.clone()}</time></p>
        </li>
    }
}
