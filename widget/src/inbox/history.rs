//! The conversation's full history as the visitor saw it, plus what only agents need to read
//! there: who wrote each message (the AI, which agent, the system), the sources of each answer as
//! links, forms shown and the values submitted, buttons offered, and action outcomes. A `log`
//! region: messages arriving live are announced.

use crate::message_text::markdown;
use crate::state::Inbox;
use leptos::html::Div;
use leptos::prelude::*;
use shared::{ActionStatus, Author, Message};

/// The history, newest at the bottom and kept in view.
#[component]
pub fn History(inbox: Inbox) -> impl IntoView {
    let log_ref = NodeRef::<Div>::new();
    let messages = move || inbox.detail.with(|d| d.as_ref().map(|d| d.messages.clone()).unwrap_or_default());
    let conversation =
        move || inbox.detail.with_untracked(|d| d.as_ref().map(|d| d.conversation.id.clone()).unwrap_or_default());
    crate::dom::effect(move || {
        inbox.detail.track();
        if let Some(el) = log_ref.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        // `role=log` on a `div` holding the list (on the `ol` it would take the list role away).
        <div class="history" role="log" aria-live="polite" aria-relevant="additions" aria-label="Conversation history"
            node_ref=log_ref tabindex="0">
            <ol>
                <For each=messages key=|m| m.id.clone() let:message>
                    <Entry message=message conversation=conversation() />
                </For>
            </ol>
        </div>
    }
}

/// Who wrote a message, for the agent.
fn author_label(message: &Message) -> String {
    match message.author {
        Author::Visitor => "Visitor".into(),
        Author::Bot => "AI".into(),
        Author::Agent => match &message.author_name {
            Some(name) => format!("{name} (agent)"),
            None => "Agent".into(),
        },
        Author::System => "System".into(),
    }
}

#[component]
fn Entry(message: Message, conversation: String) -> impl IntoView {
    let class = format!("entry {}", message.author.as_str());
    let who = author_label(&message);
    let time = clock_time(&message.created_at);
    // What a visitor typed is shown as typed: their Markdown makes no link or emphasis for agents.
    // The AI's and agents' messages are Markdown, as the visitor saw them.
    let text = if message.text.is_empty() {
        // A file on its own.
        ().into_any()
    } else if message.author == Author::Visitor {
        view! { <p class="text plain">{message.text.clone()}</p> }.into_any()
    } else {
        view! { <div class="text" use:markdown=message.text.clone()></div> }.into_any()
    };
    let file = message.attachment.as_ref().map(|a| {
        let url = crate::api::file_url(&conversation, &a.id);
        let label = format!("{} ({})", a.name, shared::attachment::size_in_words(a.size));
        // The edge serves files with `nosniff` and a sandboxing policy: a picture is only ever a
        // picture, and nothing opened from here runs.
        let download = view! { <a href=url.clone() download=a.name.clone()>{label}</a> };
        if a.is_image() {
            view! {
                <figure class="attachment">
                    <img src=url alt=format!("Picture sent: {}", a.name) loading="lazy" />
                    <figcaption>{download}</figcaption>
                </figure>
            }
            .into_any()
        } else {
            view! { <p class="attachment">"File: "{download}</p> }.into_any()
        }
    });
    let sources = (!message.sources.is_empty()).then(|| {
        let links = message
            .sources
            .iter()
            .map(|s| match safe_href(&s.url) {
                Some(href) => {
                    view! { <li><a href=href target="_blank" rel="noopener noreferrer">{s.title.clone()}</a></li> }
                        .into_any()
                }
                None => view! { <li>{format!("{} ({})", s.title, s.url)}</li> }.into_any(),
            })
            .collect_view();
        view! { <div class="sources"><p>"Sources"</p><ul>{links}</ul></div> }
    });
    let form = message.form.as_ref().map(|card| {
        let fields =
            card.fields.iter().map(|f| f.label.clone()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ");
        view! { <p class="card">{format!("Form shown: {} ({fields})", card.title)}</p> }
    });
    let submission = message.submission.as_ref().map(|s| {
        let values = s.values.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view();
        view! { <div class="card"><p>"Submitted values"</p><dl>{values}</dl></div> }
    });
    let buttons = (!message.buttons.is_empty()).then(|| {
        let labels = message.buttons.iter().map(|b| b.label.clone()).collect::<Vec<_>>().join(", ");
        view! { <p class="card">{format!("Buttons offered: {labels}")}</p> }
    });
    let action = message.action.as_ref().map(|a| {
        let status = match a.status {
            ActionStatus::Ok => "succeeded",
            ActionStatus::Failed => "failed",
            ActionStatus::Refused => "was refused",
        };
        let reason = a.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
        view! { <p class="card">{format!("Action {} {status}{reason}", a.name)}</p> }
    });
    view! {
        <li class=class>
            <p class="entry-head">
                <span class="author">{who}</span>
                <time datetime=message.created_at.clone()>{time}</time>
            </p>
            {text}
            {file}
            {sources}
            {form}
            {submission}
            {buttons}
            {action}
        </li>
    }
}

/// A source's link, if it is one an agent may follow: the rule message links follow (http(s), or a
/// path on the edge's own site; never `javascript:`, `data:` or another host's `//` or `/\`).
fn safe_href(url: &str) -> Option<String> {
    shared::markdown::is_safe_href(url).then(|| url.trim().to_string())
}

/// "14:05" in the agent's local time.
fn clock_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&rfc3339.into());
    if date.get_time().is_nan() {
        return String::new();
    }
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

#[cfg(test)]
mod tests {
    use super::safe_href;

    #[test]
    fn only_web_links_and_own_paths_are_links() {
        assert_eq!(safe_href("/fees.html#withdrawals").as_deref(), Some("/fees.html#withdrawals"));
        assert_eq!(safe_href("https://nova.example/fees").as_deref(), Some("https://nova.example/fees"));
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "/\\evil.example/x",
            "vbscript:x",
        ] {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
    }
}
