//! The conversation's live channel: a WebSocket to the edge (`/api/v1/conversations/{id}/live`)
//! that brings a human agent's messages, their joining and typing, and says when the visitor
//! types. While the socket is not open the widget polls the history after the last message it
//! has, so a blocked WebSocket loses nothing; it reconnects with backoff and resumes from the
//! last message it got from the edge. Plain web-sys (a WebSocket crate would cost the widget more
//! than this file); one closure type for every socket callback.

use crate::chat::Chat;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use shared::live::{LIVE_PROTOCOL, TOKEN_PROTOCOL_PREFIX};
use shared::Message;
use std::cell::{Cell, RefCell};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, MessageEvent, WebSocket};

/// Seconds between two polls while the socket is not open.
const POLL_SECONDS: u64 = 3;
/// Longest wait between two connection attempts, in seconds.
const MAX_BACKOFF_SECONDS: u64 = 30;

thread_local! {
    /// The open (or opening) socket, if any.
    static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
    /// Whether the socket is open and caught up (then polling pauses).
    static OPEN: Cell<bool> = const { Cell::new(false) };
    /// Bumped for each conversation opened: callbacks of an older one stop.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// A frame from the edge, read field by field (the widget's JSON reader has no tagged enums):
/// see `shared::live::LiveEvent`.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    message: Option<Message>,
    name: Option<String>,
    initial: Option<String>,
    agent: Option<AgentName>,
    typing: Option<bool>,
    reply_to: Option<String>,
    at: Option<usize>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct AgentName {
    name: String,
    initial: String,
}

/// Starts the live channel of the open conversation (stopping any earlier one).
pub fn start(chat: Chat) {
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    close();
    connect(chat, generation, 0);
    spawn_local(poll(chat, generation));
}

/// Closes the socket (the conversation was deleted or replaced).
pub fn stop() {
    GENERATION.with(|g| g.set(g.get() + 1));
    close();
}

fn close() {
    OPEN.with(|o| o.set(false));
    if let Some(ws) = SOCKET.with(|s| s.borrow_mut().take()) {
        let _ = ws.close();
    }
}

fn current(generation: u32) -> bool {
    GENERATION.with(|g| g.get()) == generation
}

/// The socket's URL on this origin: `ws:` or `wss:` like the page, resuming after `after`.
fn live_url(conversation_id: &str, after: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss:" } else { "ws:" };
    Some(format!("{scheme}//{}/api/v1/conversations/{conversation_id}/live?after={after}", location.host().ok()?))
}

fn connect(chat: Chat, generation: u32, failures: u32) {
    let Some(session) = chat.session.get_untracked() else { return };
    let after = chat.cursor.get_value();
    // The token rides in a subprotocol: a WebSocket cannot carry `Authorization`, and a URL
    // would put it in logs and history.
    let protocols = js_sys::Array::of2(
        &JsValue::from_str(LIVE_PROTOCOL),
        &JsValue::from_str(&format!("{TOKEN_PROTOCOL_PREFIX}{}", session.token)),
    );
    let socket = live_url(&session.conversation_id, &after)
        .and_then(|url| WebSocket::new_with_str_sequence(&url, &protocols).ok());
    let Some(ws) = socket else {
        return retry_later(chat, generation, failures);
    };
    let listen = |ws: &WebSocket, event: &str, handler: Box<dyn FnMut(Event)>| {
        let f = Closure::<dyn FnMut(Event)>::wrap(handler).into_js_value();
        let _ = ws.add_event_listener_with_callback(event, f.unchecked_ref());
    };
    // Live only once the edge says the socket is caught up (`ready`): a proxy that accepts the
    // socket but passes nothing must not stop the polling.
    let ready = std::rc::Rc::new(Cell::new(false));
    let was_ready = ready.clone();
    listen(
        &ws,
        "message",
        Box::new(move |e| {
            let text = e.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string());
            if let (true, Some(frame)) = (current(generation), text.and_then(|t| crate::json::parse::<Frame>(&t))) {
                if frame.kind == "ready" {
                    ready.set(true);
                    OPEN.with(|o| o.set(true));
                }
                receive(chat, frame);
            }
        }),
    );
    let socket = ws.clone();
    listen(
        &ws,
        "close",
        Box::new(move |_| {
            if !current(generation) {
                return;
            }
            OPEN.with(|o| o.set(false));
            SOCKET.with(|s| {
                if s.borrow().as_ref() == Some(&socket) {
                    s.borrow_mut().take();
                }
            });
            chat.agent_typing.set(None);
            // A socket that was live resets the backoff; one that never was counts as a failure.
            retry_later(chat, generation, if was_ready.get() { 0 } else { failures + 1 });
        }),
    );
    SOCKET.with(|s| *s.borrow_mut() = Some(ws));
}

/// Connects again after 1, 2, 4 … 30 s (polling covers the wait).
fn retry_later(chat: Chat, generation: u32, failures: u32) {
    let seconds = (1u64 << failures.min(5)).min(MAX_BACKOFF_SECONDS);
    spawn_local(async move {
        crate::dom::sleep(seconds).await;
        if current(generation) {
            connect(chat, generation, failures);
        }
    });
}

/// Reads the history after the cursor every few seconds while the socket is not open.
async fn poll(chat: Chat, generation: u32) {
    loop {
        crate::dom::sleep(POLL_SECONDS).await;
        if !current(generation) {
            return;
        }
        if OPEN.with(Cell::get) {
            continue;
        }
        let Some(session) = chat.session.get_untracked() else { return };
        if let Ok(r) = crate::api::messages_after(&session, &chat.cursor.get_value()).await {
            if current(generation) {
                chat.receive(r.messages);
            }
        }
    }
}

fn receive(chat: Chat, frame: Frame) {
    match frame.kind.as_str() {
        "message" => {
            if let Some(m) = frame.message {
                if m.author == shared::Author::Agent {
                    chat.agent_typing.set(None);
                }
                if m.author == shared::Author::Bot {
                    // The stored reply takes the place of the one being written.
                    chat.writing.set(None);
                }
                chat.receive(vec![m]);
            }
        }
        "agent_joined" => {
            if let (Some(name), Some(initial)) = (frame.name, frame.initial) {
                chat.agent.set(Some((name, initial)));
            }
        }
        "agent_typing" => {
            if let Some(agent) = frame.agent {
                let typing = frame.typing.unwrap_or(false);
                if chat.agent.with_untracked(Option::is_none) {
                    chat.agent.set(Some((agent.name.clone(), agent.initial)));
                }
                chat.agent_typing.set(typing.then_some(agent.name));
            }
        }
        "reply_delta" => {
            if let (Some(reply_to), Some(at), Some(text)) = (frame.reply_to, frame.at, frame.text) {
                chat.writing.update(|w| match w {
                    // A piece after what is shown; one that does not follow (missed, or the
                    // writing started again after a lookup) starts over only from its beginning.
                    Some((id, so_far)) if *id == reply_to && so_far.chars().count() == at => so_far.push_str(&text),
                    _ if at == 0 => *w = Some((reply_to, text)),
                    _ => {}
                });
            }
        }
        _ => {}
    }
}

/// Asks the edge to stop writing the reply to `reply_to` (what was shown is kept).
pub fn stop_reply(reply_to: &str) {
    // Message ids are letters, digits, '-' and '_': nothing to escape (no JSON writer in the chat).
    if !reply_to.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return;
    }
    let frame = format!(r#"{{"type":"stop","reply_to":"{reply_to}"}}"#);
    SOCKET.with(|s| {
        if let Some(ws) = s.borrow().as_ref() {
            let _ = ws.send_with_str(&frame);
        }
    })
}

/// Tells the agents whether the visitor is typing; nothing is sent while the socket is not open.
fn say(typing: bool) {
    SOCKET.with(|s| {
        if let (Some(ws), true) = (s.borrow().as_ref(), OPEN.with(Cell::get)) {
            let _ = ws.send_with_str(if typing {
                r#"{"type":"typing","typing":true}"#
            } else {
                r#"{"type":"typing","typing":false}"#
            });
        }
    })
}

/// The visitor sent what they typed: they are no longer typing.
pub fn stopped_typing() {
    crate::typing::stopped(say);
}

/// The visitor typed a key (see [`crate::typing`]).
pub fn typing() {
    crate::typing::keystroke(say);
}

/// Who joined from the support team, and whether they are typing (announced politely).
#[component]
pub fn LiveStatus(chat: Chat) -> impl IntoView {
    move || {
        chat.agent.get().map(|(name, initial)| {
            let line = match chat.agent_typing.get() {
                Some(typist) => format!("{typist} is typing…"),
                None => format!("{name} from the support team joined the conversation"),
            };
            view! {
                <p class="live-status" role="status">
                    <span class="avatar small" aria-hidden="true">{initial}</span>
                    {line}
                </p>
            }
        })
    }
}
