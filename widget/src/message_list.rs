//! The conversation: stored messages, messages still sending (or failed, with retry), the typing
//! indicator, and the state of the connection. Announced to screen readers as a live log.

use crate::buttons::Buttons;
use crate::chat::{Chat, Connection, Delivery, Pending};
use crate::file_card::bubble;
use crate::form_card::FormCard;
use crate::message_text::markdown;
use leptos::html::Div;
use leptos::prelude::*;
use shared::time::wait_in_words;
use shared::{Author, Message};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The scrolling message log.
#[component]
pub fn MessageList(chat: Chat) -> impl IntoView {
    let list_ref = NodeRef::<Div>::new();
    // Whether the visitor is reading the newest messages (at the bottom): then the log follows
    // what comes; a visitor who scrolled up to read is left where they are. Only the visitor
    // scrolls it away from the bottom: the log's own scrolls are instant (no smooth steps that
    // would read as the visitor's) and land at the bottom.
    let following = StoredValue::new(true);
    // The log's size (scroll height, visible height) when last seen: a scroll that comes with a
    // change of size is the browser's (scroll anchoring as a sent message is replaced by the
    // stored one, clamping as content shrinks), not the visitor's, and must not stop the follow.
    let seen = StoredValue::new((0, 0));
    let on_scroll = move |_| {
        if let Some(el) = list_ref.get_untracked() {
            let size = (el.scroll_height(), el.client_height());
            if seen.get_value() == size {
                following.set_value(size.0 - el.scroll_top() - size.1 < 48);
            }
            seen.set_value(size);
        }
    };
    // Follows every change of size: of the list (a message, a card, a line of a written reply)
    // and of the log's box (a status line below it or the header above it taking room).
    list_ref.on_load(move |el| {
        let follow = Closure::<dyn FnMut()>::new(move || {
            if let Some(el) = list_ref.get_untracked() {
                seen.set_value((el.scroll_height(), el.client_height()));
                if following.get_value() {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        })
        .into_js_value();
        if let Ok(observer) = web_sys::ResizeObserver::new(follow.unchecked_ref()) {
            observer.observe(&el);
            if let Some(list) = el.first_element_child() {
                observer.observe(&list);
            }
        }
    });

    view! {
        // The live region is a `div` holding the list: `role=log` on the `ol` itself would take
        // its list role away and leave every `li` outside a list.
        <div class="messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages" node_ref=list_ref on:scroll=on_scroll>
            <ol>
                <For each=move || chat.messages.get() key=|m| m.id.clone() let:message>
                    <StoredMessage message=message agent_name=chat.agent_name() chat=chat />
                </For>
                <For each=move || chat.pending.get() key=|p| (p.client_message_id.clone(), p.delivery.shown()) let:pending>
                    <PendingMessage pending=pending chat=chat />
                </For>
            </ol>
        </div>
        <ConnectionState chat=chat />
        // A plain reactive `Option` rather than `<Show>`, whose memo and component code cost more.
        {move || chat.awaiting_reply().then(|| match chat.writing.get() {
            // The reply as it is written, as plain text (the stored one, which replaces it, is
            // rendered and announced); not a live region, so it is not read out piece by piece.
            Some((reply_to, text)) => view! {
                <div class="writing" aria-busy="true">
                    <p class="sr-only">{format!("{} is writing a reply.", chat.agent_name())}</p>
                    <p class="bubble">{text}</p>
                    <button type="button" class="stop" on:click=move |_| crate::live::stop_reply(&reply_to)>
                        "Stop"<span class="sr-only">" the reply"</span>
                    </button>
                </div>
            }.into_any(),
            None => view! {
                <p class="typing" role="status">
                    <span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>
                    {format!("{} is typing…", chat.agent_name())}
                </p>
            }.into_any(),
        })}
    }
}

#[component]
fn StoredMessage(message: Message, agent_name: String, chat: Chat) -> impl IntoView {
    let (class, who) = match message.author {
        Author::Visitor => ("message visitor", "You".to_string()),
        Author::Bot => ("message bot", agent_name),
        Author::Agent => ("message agent", message.author_name.clone().unwrap_or_else(|| "Support agent".into())),
        Author::System => ("message system", "Notice".to_string()),
    };
    let time = clock_time(&message.created_at);
    let sources = message.sources.clone();
    let form =
        message.form.clone().map(|card| view! { <FormCard chat=chat message_id=message.id.to_string() card=card /> });
    let buttons = (!message.buttons.is_empty())
        .then(|| view! { <Buttons chat=chat message_id=message.id.to_string() buttons=message.buttons.clone() /> });
    view! {
        <li class=class>
            // A person's messages carry their name (read once: the visible name is hidden from
            // screen readers, which hear "Name:" before the text).
            {(message.author == Author::Agent).then(|| view! { <span class="who" aria-hidden="true">{who.clone()}</span> })}
            <span class="sr-only">{format!("{who}:")}</span>
            <div class="bubble" use:bubble=(chat, message.text.clone(), message.attachment.clone())>
                {(!sources.is_empty()).then(|| view! {
                    <p class="sources">
                        {if sources.len() == 1 { "Source: " } else { "Sources: " }}
                        {sources.into_iter().enumerate().map(|(i, s)| view! {
                            {(i > 0).then_some(", ")}
                            <a href=s.url target="_blank" rel="noopener noreferrer">{s.title}</a>
                        }).collect_view()}
                    </p>
                })}
            </div>
            {form}
            {buttons}
            <time class="time" datetime=message.created_at.clone()>{time}</time>
        </li>
    }
}

#[component]
fn PendingMessage(pending: Pending, chat: Chat) -> impl IntoView {
    let label = format!("Retry sending “{}”", pending.text);
    // One note view for every state: each distinct view type costs the widget kilobytes.
    let (class, note, retry) = match pending.delivery {
        Delivery::Queued | Delivery::Sending => ("time", "Sending…".to_string(), false),
        Delivery::Held => ("held", "Sent as soon as you fill in the form above.".into(), false),
        Delivery::Waiting(seconds) => (
            "held",
            format!("You're sending messages a little fast. Sending again in {}…", wait_in_words(seconds)),
            false,
        ),
        // Retry sends every failed message again, oldest first (none may overtake another).
        Delivery::Failed(reason) => ("send-error", format!("Not sent. {reason} "), true),
        // Refused for good: said, with nothing to retry.
        Delivery::Refused(reason) => ("send-error", format!("Not sent. {reason}"), false),
    };
    let alert = class == "send-error";
    view! {
        <li class=if alert { "message visitor pending failed" } else { "message visitor pending" }>
            <span class="sr-only">"You:"</span>
            <div class="bubble" use:markdown=pending.text></div>
            <p class=class role=alert.then_some("alert")>
                {note}
                {retry.then(|| view! {
                    <button type="button" class="retry" aria-label=label on:click=move |_| chat.retry()>"Retry"</button>
                })}
            </p>
        </li>
    }
}

#[component]
fn ConnectionState(chat: Chat) -> impl IntoView {
    // One view for both states (see `PendingMessage`).
    move || {
        let (class, role, text, retry) = match chat.connection.get() {
            Connection::Failed(reason) if chat.pending.with(Vec::is_empty) => {
                ("connection-error", "alert", format!("{reason} "), true)
            }
            Connection::Loading if chat.messages.with(Vec::is_empty) => {
                ("loading", "status", "Connecting…".to_string(), false)
            }
            _ => return None,
        };
        Some(view! {
            <p class=class role=role>
                {text}
                {retry.then(|| view! {
                    <button type="button" class="retry" on:click=move |_| chat.open()>"Try again"</button>
                })}
            </p>
        })
    }
}

/// "14:05" in the visitor's local time.
fn clock_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&rfc3339.into());
    if date.get_time().is_nan() {
        return String::new();
    }
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
