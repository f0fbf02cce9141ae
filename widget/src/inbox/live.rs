//! The inbox's two live channels, both on the agent's session cookie (a browser sends it with a
//! same-origin WebSocket; no token subprotocol):
//! - the inbox socket (`/api/v1/inbox/live`): an `InboxEvent::Changed` refreshes the list and
//!   counts (debounced: a burst of changes is one request) and the open conversation;
//! - the open conversation's socket (`…/conversations/{id}/live?after=`): its `LiveEvent`s,
//!   messages appended once each (deduped by id), visitor typing; the agent's typing goes out.
//!
//! Each is live only once the edge says `ready`; until then (blocked, dropped, reconnecting with
//! backoff) the inbox polls, so nothing is missed while a socket is down.

use crate::state::Inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::inbox::InboxEvent;
use shared::live::{LiveEvent, LIVE_PROTOCOL};
use std::cell::{Cell, RefCell};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent, WebSocket};

/// Seconds between two polls while a socket is not live.
const POLL_SECONDS: u64 = 3;
/// Longest wait between two connection attempts, in seconds.
const MAX_BACKOFF_SECONDS: u64 = 30;
/// How long a burst of inbox changes is gathered before the list is read again, ms.
const DEBOUNCE_MS: i32 = 250;

/// One socket and whether it is caught up.
#[derive(Default)]
struct Channel {
    socket: RefCell<Option<WebSocket>>,
    live: Cell<bool>,
    /// Bumped when the channel is stopped or pointed elsewhere: callbacks of older sockets stop.
    generation: Cell<u32>,
}

impl Channel {
    fn restart(&self) -> u32 {
        self.generation.set(self.generation.get() + 1);
        self.live.set(false);
        if let Some(ws) = self.socket.borrow_mut().take() {
            let _ = ws.close();
        }
        self.generation.get()
    }

    fn current(&self, generation: u32) -> bool {
        self.generation.get() == generation
    }
}

thread_local! {
    static INBOX: Channel = Channel::default();
    static CONVERSATION: Channel = Channel::default();
    /// A list refresh is scheduled (debounce).
    static REFRESH_DUE: Cell<bool> = const { Cell::new(false) };
}

/// `ws:` or `wss:` like the page, on this host.
fn socket_url(path: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss:" } else { "ws:" };
    Some(format!("{scheme}//{}{path}", location.host().ok()?))
}

/// Opens a socket speaking [`LIVE_PROTOCOL`], handing each text frame to `on_text` and calling
/// `on_close` once it closes.
fn open(url: &str, mut on_text: impl FnMut(String) + 'static, on_close: impl FnOnce() + 'static) -> Option<WebSocket> {
    let ws = WebSocket::new_with_str(url, LIVE_PROTOCOL).ok()?;
    let on_message = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        if let Some(text) = e.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) {
            on_text(text);
        }
    })
    .into_js_value();
    let _ = ws.add_event_listener_with_callback("message", on_message.unchecked_ref());
    let on_close = Closure::once_into_js(move |_: Event| on_close());
    let _ = ws.add_event_listener_with_callback("close", on_close.unchecked_ref());
    Some(ws)
}

/// Goes live for the lists: the inbox socket, and polling until it is ready.
pub fn start_inbox(inbox: Inbox) {
    let generation = INBOX.with(Channel::restart);
    connect_inbox(inbox, generation, 0);
    spawn_local(async move {
        loop {
            crate::dom::sleep(POLL_SECONDS).await;
            if !INBOX.with(|c| c.current(generation)) {
                return;
            }
            inbox.tick();
            if !INBOX.with(|c| c.live.get()) {
                inbox.refresh_list();
            }
            if !CONVERSATION.with(|c| c.live.get()) {
                poll_conversation(inbox);
            }
        }
    });
}

fn connect_inbox(inbox: Inbox, generation: u32, failures: u32) {
    let Some(url) = socket_url("/api/v1/inbox/live") else { return };
    let was_live = std::rc::Rc::new(Cell::new(false));
    let live = was_live.clone();
    let socket = open(
        &url,
        move |text| {
            if !INBOX.with(|c| c.current(generation)) {
                return;
            }
            match serde_json::from_str::<InboxEvent>(&text) {
                Ok(InboxEvent::Ready) => {
                    live.set(true);
                    INBOX.with(|c| c.live.set(true));
                    // Whatever changed while the socket was down.
                    inbox.refresh_list();
                }
                Ok(InboxEvent::Changed { conversation_id, .. }) => {
                    schedule_refresh(inbox);
                    if inbox.selected.get_untracked().as_deref() == Some(conversation_id.as_str()) {
                        inbox.reload_detail();
                    }
                }
                Err(_) => {} // a newer edge's event: the next refresh shows its effect
            }
        },
        move || {
            if !INBOX.with(|c| c.current(generation)) {
                return;
            }
            INBOX.with(|c| c.live.set(false));
            retry_later(if was_live.get() { 0 } else { failures + 1 }, move |f| {
                if INBOX.with(|c| c.current(generation)) {
                    connect_inbox(inbox, generation, f);
                }
            });
        },
    );
    match socket {
        Some(ws) => INBOX.with(|c| *c.socket.borrow_mut() = Some(ws)),
        None => retry_later(failures + 1, move |f| connect_inbox(inbox, generation, f)),
    }
}

/// Refreshes the list once after a burst of changes (inbox news, or keystrokes in the search box),
/// reading the view and search as they are then.
pub fn schedule_refresh(inbox: Inbox) {
    if REFRESH_DUE.with(|d| d.replace(true)) {
        return;
    }
    let refresh = Closure::once_into_js(move || {
        REFRESH_DUE.with(|d| d.set(false));
        inbox.refresh_list();
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(refresh.unchecked_ref(), DEBOUNCE_MS);
    }
}

/// Connects again after 1, 2, 4 … 30 s (polling covers the wait).
fn retry_later(failures: u32, connect: impl FnOnce(u32) + 'static) {
    let seconds = (1u64 << failures.min(5)).min(MAX_BACKOFF_SECONDS);
    spawn_local(async move {
        crate::dom::sleep(seconds).await;
        connect(failures);
    });
}

/// Follows one conversation live (stopping the previous one).
pub fn watch(inbox: Inbox, id: String) {
    let generation = CONVERSATION.with(Channel::restart);
    // Another conversation: forget the typing, telling nobody (the old socket is closed).
    crate::typing::stopped(|_| {});
    connect_conversation(inbox, id, generation, 0);
}

fn connect_conversation(inbox: Inbox, id: String, generation: u32, failures: u32) {
    // Resume after the last message shown; before the details arrive, from the start (the
    // messages are deduped by id, so the overlap with the details costs nothing).
    let after = inbox.last_message_id().map(|m| format!("?after={}", crate::api::encode(&m))).unwrap_or_default();
    let path = format!("/api/v1/inbox/conversations/{}/live{after}", crate::api::encode(&id));
    let Some(url) = socket_url(&path) else { return };
    let was_live = std::rc::Rc::new(Cell::new(false));
    let live = was_live.clone();
    let conversation = id.clone();
    let socket = open(
        &url,
        move |text| {
            if !CONVERSATION.with(|c| c.current(generation)) {
                return;
            }
            match serde_json::from_str::<LiveEvent>(&text) {
                Ok(LiveEvent::Ready) => {
                    live.set(true);
                    CONVERSATION.with(|c| c.live.set(true));
                }
                Ok(LiveEvent::Message { message }) => {
                    if message.author == shared::Author::Visitor {
                        inbox.visitor_typing.set(false);
                    }
                    if message.author == shared::Author::Agent {
                        inbox.colleague_typing.set(None);
                    }
                    // A stored message follows the written one (or the turn ended without it).
                    inbox.ai_writing.set(None);
                    inbox.receive(&conversation, vec![*message]);
                }
                Ok(LiveEvent::VisitorTyping { typing }) => inbox.visitor_typing.set(typing),
                // A colleague typing here (the agent's own typing comes back too: not shown).
                Ok(LiveEvent::AgentTyping { agent, typing }) => {
                    let me = inbox.me.with_untracked(|m| m.as_ref().map(|m| m.name.clone()));
                    if me.as_deref() != Some(agent.name.as_str()) {
                        inbox.colleague_typing.set(typing.then_some(agent.name));
                    }
                }
                // The AI's reply as it is written; the stored one replaces it.
                Ok(LiveEvent::ReplyDelta { at, text, .. }) => inbox.ai_writing.update(|w| match w {
                    Some(so_far) if so_far.chars().count() == at as usize => so_far.push_str(&text),
                    _ if at == 0 => *w = Some(text),
                    _ => {}
                }),
                // Colleagues joining: the detail refresh on `Changed` shows who has it.
                Ok(LiveEvent::AgentJoined(_)) | Err(_) => {}
            }
        },
        move || {
            if !CONVERSATION.with(|c| c.current(generation)) {
                return;
            }
            CONVERSATION.with(|c| c.live.set(false));
            inbox.visitor_typing.set(false);
            inbox.ai_writing.set(None);
            inbox.colleague_typing.set(None);
            // A socket closes when its conversation is deleted: the details say whether it still
            // exists (if not, the channel stops and the retry below does nothing).
            inbox.reload_detail();
            retry_later(if was_live.get() { 0 } else { failures + 1 }, move |f| {
                if CONVERSATION.with(|c| c.current(generation)) {
                    connect_conversation(inbox, id, generation, f);
                }
            });
        },
    );
    if let Some(ws) = socket {
        CONVERSATION.with(|c| *c.socket.borrow_mut() = Some(ws));
    }
}

/// Reads the open conversation again while its socket is not live (messages are merged by id).
fn poll_conversation(inbox: Inbox) {
    if inbox.selected.get_untracked().is_some() && !inbox.deleted.get_untracked() {
        inbox.reload_detail();
    }
}

/// Closes the open conversation's socket and stops its polling (it was deleted).
pub fn stop_conversation() {
    CONVERSATION.with(Channel::restart);
}

/// Closes both sockets (signed out).
pub fn stop_all() {
    INBOX.with(Channel::restart);
    CONVERSATION.with(Channel::restart);
}

/// Tells the visitor whether the agent is typing; nothing is sent while the socket is not live.
fn say(typing: bool) {
    CONVERSATION.with(|c| {
        if let (Some(ws), true) = (c.socket.borrow().as_ref(), c.live.get()) {
            let command = shared::live::LiveCommand::Typing { typing };
            if let Ok(text) = serde_json::to_string(&command) {
                let _ = ws.send_with_str(&text);
            }
        }
    });
}

/// The agent typed a key (see [`crate::typing`]).
pub fn typing() {
    crate::typing::keystroke(say);
}

/// The agent sent the reply: no longer typing.
pub fn stopped_typing() {
    crate::typing::stopped(say);
}
