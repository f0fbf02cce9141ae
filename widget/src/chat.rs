//! The conversation's state in the widget and what the visitor can do with it. Nothing the visitor
//! typed is dropped: a message that fails to send stays on screen with a retry button.

use crate::api::{self, ApiFailure};
use crate::host;
use crate::storage::{self, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{
    Attributes, CreateConversationRequest, ErrorCode, PostMessageRequest, PublicSiteConfig, SetAttributesRequest,
};
use shared::{ActionStatus, Message};
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::JsValue;

/// A visitor message the edge has not acknowledged yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The id that makes re-sending it idempotent.
    pub client_message_id: String,
    /// What the visitor typed (a file's name, for a file).
    pub text: String,
    /// Where its delivery stands.
    pub delivery: Delivery,
    /// The file it sends, if it is one: the same queue keeps files and texts in order.
    pub file: Option<web_sys::File>,
}

/// Where a visitor message's delivery stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Waiting for the conversation to open, or for its turn.
    Queued,
    /// A request for it is in flight.
    Sending,
    /// The edge wants the lead form first: sent by itself once a form is accepted.
    Held,
    /// The edge said the visitor is sending too fast: sent again by itself after this many
    /// seconds; messages typed after it wait behind it.
    Waiting(u64),
    /// The last attempt failed, for this reason; the visitor may retry.
    Failed(String),
    /// The edge refused this message itself (e.g. too long), for this reason: sending it again
    /// cannot succeed, so it is not retried and holds nothing back.
    Refused(String),
}

impl Delivery {
    /// What the visitor sees of it: queued and sending look the same, so the line is not redrawn
    /// (and announced again) when the request starts.
    pub fn shown(&self) -> Delivery {
        match self {
            Delivery::Sending => Delivery::Queued,
            other => other.clone(),
        }
    }
}

/// Where the conversation stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    /// Nothing asked yet.
    Idle,
    /// Creating or loading the conversation.
    Loading,
    /// Conversation open.
    Ready,
    /// The conversation could not be opened; the visitor can retry.
    Failed(String),
}

/// All chat state, as signals (cheap to copy into closures).
#[derive(Clone, Copy)]
pub struct Chat {
    /// The site's id (`data-site` on the loader), which keys local storage.
    pub site: StoredValue<String>,
    /// Public site configuration, once loaded.
    pub config: RwSignal<Option<PublicSiteConfig>>,
    /// The stored conversation, in order.
    pub messages: RwSignal<Vec<Message>>,
    /// Messages sent but not acknowledged.
    pub pending: RwSignal<Vec<Pending>>,
    /// The current conversation's key.
    pub session: RwSignal<Option<Session>>,
    /// Whom the conversation on screen was opened for (`storage::owner_of`), and where it is stored.
    owner: StoredValue<(Option<String>, Option<String>)>,
    /// Opening state.
    pub connection: RwSignal<Connection>,
    /// Who the host page says the visitor is; used when a conversation is created.
    pub identity: RwSignal<CreateConversationRequest>,
    /// Whether the queue is being delivered (one delivery loop at a time keeps the order).
    pumping: StoredValue<bool>,
    /// The last message the edge sent in conversation order (the history, the live socket or a
    /// poll; not a reply to a request, which may overtake an agent's message): the live channel
    /// resumes after it.
    pub cursor: StoredValue<String>,
    /// The human agent who joined (name, initial), once one has.
    pub agent: RwSignal<Option<(String, String)>>,
    /// The human agent typing now, by name.
    pub agent_typing: RwSignal<Option<String>>,
    /// The AI's reply being written: the visitor's message it answers, and its text so far.
    pub writing: RwSignal<Option<(String, String)>>,
}

impl Chat {
    /// Empty state for a site. The stored conversation is found when the chat opens: it depends
    /// on whom the page identifies by then.
    pub fn new(site: String) -> Self {
        Self {
            site: StoredValue::new(site),
            config: RwSignal::new(None),
            messages: RwSignal::new(Vec::new()),
            pending: RwSignal::new(Vec::new()),
            session: RwSignal::new(None),
            owner: StoredValue::new((None, None)),
            connection: RwSignal::new(Connection::Idle),
            identity: RwSignal::new(CreateConversationRequest::default()),
            pumping: StoredValue::new(false),
            cursor: StoredValue::new(String::new()),
            agent: RwSignal::new(None),
            agent_typing: RwSignal::new(None),
            writing: RwSignal::new(None),
        }
    }

    /// The agent's display name.
    pub fn agent_name(&self) -> String {
        self.config.with(|c| c.as_ref().map(|c| c.agent_name.clone())).unwrap_or_else(|| "Support".into())
    }

    /// Whether the agent is working on a reply: the oldest message not refused is on its way
    /// (not while it waits out a rate limit, is held or failed).
    pub fn awaiting_reply(&self) -> bool {
        self.pending.with(|p| {
            p.iter()
                .find(|m| !matches!(m.delivery, Delivery::Refused(_)))
                .is_some_and(|m| matches!(m.delivery, Delivery::Queued | Delivery::Sending))
        })
    }

    /// Loads the site's public configuration, then opens the channel to the host page if its
    /// origin is allowed. Tried four times over about 15 s; without it the channel stays closed
    /// (the visitor can still chat, but the page's `Switchboard` calls are not heard).
    pub fn load_config(self) {
        spawn_local(async move {
            let mut waits = [2, 4, 8].into_iter();
            loop {
                match (api::site_config().await, waits.next()) {
                    (Ok(config), _) => {
                        host::connect(&config.allowed_origins);
                        crate::dom::set_accent(&config.accent_color);
                        return self.config.set(Some(config));
                    }
                    (Err(_), Some(seconds)) => crate::dom::sleep(seconds).await,
                    (Err(_), None) => return,
                }
            }
        });
    }

    /// Opens the conversation: reloads the stored one, or starts a new one, then sends whatever
    /// the visitor typed meanwhile. Does nothing while already opening or open.
    pub fn open(self) {
        if matches!(self.connection.get_untracked(), Connection::Loading | Connection::Ready) {
            return;
        }
        self.connection.set(Connection::Loading);
        spawn_local(async move {
            match self.load_or_create().await {
                // The page identified someone else while this one opened.
                Ok(()) if self.identity.with_untracked(storage::owner_of) != self.owner.get_value().0 => {
                    self.connection.set(Connection::Ready);
                    self.switch_person();
                }
                Ok(()) => {
                    self.connection.set(Connection::Ready);
                    crate::live::start(self);
                    self.pump();
                }
                Err(failure) => {
                    let reason = failure.describe();
                    self.pending.update(|p| {
                        for m in
                            p.iter_mut().filter(|m| !matches!(m.delivery, Delivery::Sending | Delivery::Refused(_)))
                        {
                            m.delivery = Delivery::Failed(reason.clone());
                        }
                    });
                    self.connection.set(Connection::Failed(reason));
                }
            }
        });
    }

    /// Loads the stored conversation's history, or creates a conversation if there is none.
    async fn load_or_create(self) -> Result<(), ApiFailure> {
        let owner = self.identity.with_untracked(storage::owner_of);
        if self.session.get_untracked().is_none() || owner != self.owner.get_value().0 {
            let key = storage::owner_key(&self.site.get_value(), owner.as_deref()).await;
            self.session.set(key.as_deref().and_then(storage::load));
            self.owner.set_value((owner, key));
        }
        if let Some(session) = self.session.get_untracked() {
            match api::list_messages(&session).await {
                Ok(r) => {
                    self.advance_cursor(&r.messages);
                    self.merge(r.messages, false);
                    // Attributes set before the stored conversation reopened.
                    let attributes = self.identity.with_untracked(|i| i.attributes.clone());
                    if !attributes.is_empty() {
                        let _ = api::set_attributes(&session, &SetAttributesRequest { attributes }).await;
                    }
                    return Ok(());
                }
                Err(f) if f.session_lost() => self.forget_session(),
                Err(f) => return Err(f),
            }
        }
        let created = api::create_conversation(&self.identity.get_untracked()).await?;
        let session = Session { conversation_id: created.conversation_id.to_string(), token: created.token };
        if let Some(key) = self.owner.get_value().1 {
            storage::save(&key, &session);
        }
        self.session.set(Some(session));
        self.advance_cursor(&created.messages);
        self.merge(created.messages, false);
        Ok(())
    }

    /// Deletes the conversation on the edge (messages, form submissions, logs) and starts a new
    /// one; a conversation that is already gone counts as deleted.
    pub fn delete_conversation(self) {
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match api::delete_conversation(&session).await {
                Err(f) if !f.session_lost() => self.connection.set(Connection::Failed(f.describe())),
                _ => {
                    self.pending.set(Vec::new());
                    self.forget_session();
                    self.connection.set(Connection::Idle);
                    self.open();
                }
            }
        });
    }

    /// Whether `session` is still the conversation on screen: an answer that arrives after the
    /// visitor deleted it (and a new one opened) belongs to nothing shown and is dropped.
    pub fn still_open(self, session: &Session) -> bool {
        self.session.with_untracked(|s| s.as_ref().is_some_and(|s| s.conversation_id == session.conversation_id))
    }

    fn forget_session(self) {
        crate::live::stop();
        self.agent.set(None);
        self.agent_typing.set(None);
        self.cursor.set_value(String::new());
        if let Some(key) = self.owner.get_value().1 {
            storage::clear(&key);
        }
        self.session.set(None);
        self.messages.set(Vec::new());
    }

    /// The host page says who the visitor is (`Switchboard.identify`). Used when a conversation is
    /// created; when the conversation on screen was opened for someone else (or for nobody), it is
    /// left stored for them and this person's own conversation opens instead.
    pub fn identify(self, who: CreateConversationRequest) {
        self.identity.update(|i| {
            let attributes = std::mem::take(&mut i.attributes);
            *i = CreateConversationRequest { attributes, ..who };
        });
        // While opening, `open` compares once it is done; before opening there is nothing to switch.
        let shown = matches!(self.connection.get_untracked(), Connection::Ready | Connection::Failed(_));
        if shown && self.identity.with_untracked(storage::owner_of) != self.owner.get_value().0 {
            self.switch_person();
        }
    }

    /// The host page's logout (`Switchboard.reset()`): nobody is identified any more, every
    /// conversation this browser kept for the site is forgotten, and a new one starts when shown.
    pub fn reset(self) {
        self.identity.set(CreateConversationRequest::default());
        storage::clear_all(&self.site.get_value());
        self.owner.set_value((None, None));
        if self.connection.get_untracked() != Connection::Idle {
            self.switch_person();
        }
    }

    /// Leaves the conversation on screen (still stored for whom it was opened) and opens the
    /// current visitor's: nothing of the previous person's stays on screen, unsent messages included.
    fn switch_person(self) {
        crate::live::stop();
        self.agent.set(None);
        self.agent_typing.set(None);
        self.cursor.set_value(String::new());
        self.session.set(None);
        self.messages.set(Vec::new());
        self.pending.set(Vec::new());
        self.connection.set(Connection::Idle);
        self.open();
    }

    /// Sets custom attributes: kept for a conversation not created yet, sent for an open one.
    pub fn set_attributes(self, attributes: Attributes) {
        self.identity.update(|i| i.attributes.extend(attributes.clone()));
        if self.connection.get_untracked() != Connection::Ready {
            return;
        }
        if let Some(session) = self.session.get_untracked() {
            spawn_local(async move {
                let _ = api::set_attributes(&session, &SetAttributesRequest { attributes }).await;
            });
        }
    }

    /// Messages pushed by the edge in conversation order (live socket or poll): moves the resume
    /// cursor, shows the new ones, and takes the visitor's own stored messages off the queue (a
    /// stored message is delivered, whichever answer says so first).
    pub fn receive(self, messages: Vec<Message>) {
        self.advance_cursor(&messages);
        self.pending.update(|p| {
            p.retain(|q| !messages.iter().any(|m| m.client_message_id.as_deref() == Some(&q.client_message_id)))
        });
        self.merge(messages, true);
    }

    fn advance_cursor(self, messages: &[Message]) {
        if let Some(last) = messages.last() {
            self.cursor.set_value(last.id.to_string());
        }
    }

    /// Adds messages from the edge, keeping order and skipping ones already shown; `announce`
    /// tells the host page's listeners about new ones (not about history reloaded).
    pub fn merge(self, incoming: Vec<Message>, announce: bool) {
        let mut fresh = Vec::new();
        self.messages.update(|list| {
            for m in incoming {
                if !list.iter().any(|x| x.id == m.id) {
                    fresh.push(m.clone());
                    list.push(m);
                }
            }
        });
        // Who answers: the person whose message came last, until a notice says they left (handed
        // back to the AI, or resolved). History read again says the same as the live messages.
        for m in &fresh {
            match (m.author, &m.author_name) {
                (shared::Author::Agent, Some(name)) => {
                    // As written (no Unicode case tables in the widget: they cost kilobytes).
                    let initial = name.chars().next().map(String::from).unwrap_or_default();
                    self.agent.set(Some((name.clone(), initial)));
                }
                (shared::Author::System, _) => self.agent.set(None),
                _ => {}
            }
        }
        if announce {
            for m in &fresh {
                let text = |s: &str| JsValue::from_str(s);
                host::emit_event(
                    "message",
                    host::plain(&[
                        ("id", text(m.id.as_str())),
                        ("author", text(m.author.as_str())),
                        ("text", text(&m.text)),
                        ("created_at", text(&m.created_at)),
                    ]),
                );
                if let Some(action) = &m.action {
                    let status = match action.status {
                        ActionStatus::Ok => "ok",
                        ActionStatus::Failed => "failed",
                        ActionStatus::Refused => "refused",
                    };
                    let mut fields = vec![("name", text(&action.name)), ("status", text(status))];
                    if let Some(reason) = &action.reason {
                        fields.push(("reason", text(reason)));
                    }
                    host::emit_event("action_result", host::plain(&fields));
                }
                if let Some(submission) = &m.submission {
                    let values: Vec<(&str, JsValue)> =
                        submission.values.iter().map(|(k, v)| (k.as_str(), text(v))).collect();
                    host::emit_event(
                        "form_submitted",
                        host::plain(&[
                            ("form_message_id", text(&submission.form_message_id)),
                            ("values", host::plain(&values)),
                        ]),
                    );
                }
            }
        }
    }

    /// Sends what the visitor typed (once the conversation is open), after every message typed
    /// before it; failed ones before it are tried again first (sending means "deliver my messages").
    pub fn send(self, text: String) {
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        let Some(id) = new_client_id() else {
            // Without an id a retry could store the message twice: refuse, visibly.
            static UNSENT: AtomicUsize = AtomicUsize::new(0);
            let id = format!("unsent-{}", UNSENT.fetch_add(1, Ordering::Relaxed));
            let reason = "This browser cannot make the random id a message needs (window.crypto is missing).";
            self.pending.update(|p| {
                p.push(Pending { client_message_id: id, text, delivery: Delivery::Refused(reason.into()), file: None })
            });
            return;
        };
        self.pending.update(|p| {
            requeue_failed(p);
            p.push(Pending { client_message_id: id, text, delivery: Delivery::Queued, file: None })
        });
        crate::live::stopped_typing();
        self.dispatch();
    }

    /// Sends the visitor's files, each as a message of its own, in the queue with what is typed
    /// (the same order rule, waits and retries). One over the site's size limit is refused here,
    /// before a byte is sent, in the edge's words.
    pub fn upload(self, files: Vec<web_sys::File>) {
        let Some(max_mb) = self.config.with_untracked(|c| c.as_ref()?.attachments_max_mb) else { return };
        for file in files {
            let Some(client_message_id) = new_client_id() else { return };
            let delivery = if file.size() > f64::from(max_mb) * 1e6 {
                Delivery::Refused(shared::attachment::too_large(max_mb))
            } else {
                Delivery::Queued
            };
            self.pending
                .update(|p| p.push(Pending { client_message_id, text: file.name(), delivery, file: Some(file) }));
        }
        self.dispatch();
    }

    /// Sends the failed messages again, oldest first, each with its own client id, so the edge
    /// cannot store one twice and none overtakes another.
    pub fn retry(self) {
        self.pending.update(|p| requeue_failed(p));
        self.dispatch();
    }

    /// Delivers the queue if the conversation is open; otherwise opens it (which delivers it).
    fn dispatch(self) {
        match self.connection.get_untracked() {
            Connection::Ready => self.pump(),
            Connection::Loading => {}
            Connection::Idle | Connection::Failed(_) => {
                self.connection.set(Connection::Idle);
                self.open();
            }
        }
    }

    /// Sends the messages held back for the lead form (called once a form was accepted).
    pub fn release_held(self) {
        self.pending.update(|p| {
            for m in p.iter_mut().filter(|m| m.delivery == Delivery::Held) {
                m.delivery = Delivery::Queued;
            }
        });
        self.dispatch();
    }

    /// Delivers the queue one message at a time, oldest first, while the oldest is queued and the
    /// conversation open. At most one runs: a message queued meanwhile is picked up by the
    /// running one, which reads the queue again after each answer.
    fn pump(self) {
        if self.pumping.get_value() {
            return;
        }
        self.pumping.set_value(true);
        spawn_local(async move {
            while self.connection.get_untracked() == Connection::Ready {
                let mut next = None;
                self.pending.update(|p| next = next_in_line(p));
                let Some(id) = next else { break };
                self.deliver(id).await;
            }
            self.pumping.set_value(false);
        });
    }

    /// Sends a message that waited out a rate limit (and those queued behind it), unless the
    /// visitor's situation changed meanwhile (e.g. it failed with the conversation).
    fn resume(self, client_message_id: String) {
        let still_waiting = self.pending.with_untracked(|p| {
            p.iter().any(|m| m.client_message_id == client_message_id && matches!(m.delivery, Delivery::Waiting(_)))
        });
        if still_waiting {
            self.set_delivery(&client_message_id, Delivery::Queued);
            self.dispatch();
        }
    }

    /// Sends one queued message and records the answer: stored (gone from the queue), held for
    /// the lead form, waiting out a `429`, refused for good, or failed.
    async fn deliver(self, client_message_id: String) {
        let (Some(session), Some((text, file))) = (
            self.session.get_untracked(),
            self.pending.with_untracked(|p| {
                p.iter().find(|m| m.client_message_id == client_message_id).map(|m| (m.text.clone(), m.file.clone()))
            }),
        ) else {
            // Nothing to send it with: the pump must not pick it again.
            return self.set_delivery(&client_message_id, Delivery::Failed("The conversation is not open.".into()));
        };
        self.set_delivery(&client_message_id, Delivery::Sending);
        let body = PostMessageRequest { text, client_message_id: client_message_id.clone() };
        let answer = api::post_message(&session, &body, file).await;
        if !self.still_open(&session) {
            return; // deleted while it was sending: the new conversation has its own queue
        }
        // Whatever came of it, the reply being written is over.
        self.writing.set(None);
        match answer {
            Ok(r) => {
                self.pending.update(|p| p.retain(|m| m.client_message_id != client_message_id));
                self.merge(r.messages, true);
            }
            Err(f) if f.session_lost() => {
                // The old conversation is gone: start a new one; opening it re-sends the queue.
                self.set_delivery(&client_message_id, Delivery::Queued);
                self.forget_session();
                self.connection.set(Connection::Idle);
                self.open();
            }
            Err(ApiFailure::Rejected { code: Some(ErrorCode::LeadRequired), .. }) => {
                self.set_delivery(&client_message_id, Delivery::Held);
            }
            Err(failure) => match failure.rate_limited() {
                // Too fast: keep the message, say when it goes, and send it then by itself.
                Some(seconds) => {
                    let seconds = seconds.max(1);
                    self.set_delivery(&client_message_id, Delivery::Waiting(seconds));
                    spawn_local(async move {
                        crate::dom::sleep(seconds).await;
                        self.resume(client_message_id);
                    });
                }
                None if failure.refused() => {
                    self.set_delivery(&client_message_id, Delivery::Refused(failure.describe()))
                }
                None => self.set_delivery(&client_message_id, Delivery::Failed(failure.describe())),
            },
        }
    }

    fn set_delivery(self, client_message_id: &str, delivery: Delivery) {
        self.pending.update(|p| {
            if let Some(m) = p.iter_mut().find(|m| m.client_message_id == client_message_id) {
                m.delivery = delivery;
            }
        });
    }
}

/// The order rule, applied to the queue (oldest first): the oldest message not refused is the
/// only one that may go. If it is queued, its id is returned. If it is held for the lead form or
/// failed, every queued message behind it takes the same state (it cannot go before it; Retry or
/// the form releases them together, in order). If it waits out a `429` or is being sent, the
/// ones behind it stay queued and go after it.
fn next_in_line(queue: &mut [Pending]) -> Option<String> {
    let mut live = queue.iter_mut().filter(|m| !matches!(m.delivery, Delivery::Refused(_)));
    let head = live.next()?;
    if head.delivery == Delivery::Queued {
        return Some(head.client_message_id.clone());
    }
    if matches!(head.delivery, Delivery::Held | Delivery::Failed(_)) {
        let stop = head.delivery.clone();
        for m in live.filter(|m| m.delivery == Delivery::Queued) {
            m.delivery = stop.clone();
        }
    }
    None
}

/// Queues every failed message again, keeping their order and ids.
fn requeue_failed(queue: &mut [Pending]) {
    for m in queue.iter_mut().filter(|m| matches!(m.delivery, Delivery::Failed(_))) {
        m.delivery = Delivery::Queued;
    }
}

/// 128 random bits, hex: the id that makes a retry idempotent. `None` without
/// `crypto.getRandomValues` (every browser that runs wasm has it): a made-up id could make the
/// edge take two messages for one.
fn new_client_id() -> Option<String> {
    let mut bytes = [0u8; 16];
    web_sys::window()?.crypto().ok()?.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(hex(&bytes))
}

/// Lower-case hex (by hand: `format!("{:02x}")` per byte pulls in more of std's formatting).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(states: &[Delivery]) -> Vec<Pending> {
        states
            .iter()
            .enumerate()
            .map(|(i, d)| Pending {
                client_message_id: format!("m{i}"),
                text: format!("text {i}"),
                delivery: d.clone(),
                file: None,
            })
            .collect()
    }

    fn states(q: &[Pending]) -> Vec<Delivery> {
        q.iter().map(|m| m.delivery.clone()).collect()
    }

    #[test]
    fn only_the_oldest_queued_message_goes() {
        let mut q = queue(&[Delivery::Queued, Delivery::Queued]);
        assert_eq!(next_in_line(&mut q).as_deref(), Some("m0"));
        assert_eq!(states(&q), [Delivery::Queued, Delivery::Queued]);
    }

    #[test]
    fn nothing_overtakes_a_message_on_its_way_or_waiting_out_a_limit() {
        for head in [Delivery::Sending, Delivery::Waiting(3)] {
            let mut q = queue(&[head.clone(), Delivery::Queued]);
            assert_eq!(next_in_line(&mut q), None);
            assert_eq!(states(&q), [head, Delivery::Queued], "the one behind stays queued and goes after it");
        }
    }

    #[test]
    fn messages_behind_a_held_or_failed_one_take_its_state() {
        let failed = Delivery::Failed("Couldn't reach support.".into());
        for head in [Delivery::Held, failed] {
            let mut q = queue(&[head.clone(), Delivery::Queued, Delivery::Queued]);
            assert_eq!(next_in_line(&mut q), None);
            assert_eq!(states(&q), [head.clone(), head.clone(), head]);
        }
    }

    #[test]
    fn a_refused_message_holds_nothing_back() {
        let refused = Delivery::Refused("must be at most 4000 characters".into());
        let mut q = queue(&[refused.clone(), Delivery::Queued]);
        assert_eq!(next_in_line(&mut q).as_deref(), Some("m1"));
        assert_eq!(states(&q)[0], refused);
    }

    #[test]
    fn retry_requeues_every_failed_message_in_place() {
        let failed = Delivery::Failed("x".into());
        let refused = Delivery::Refused("y".into());
        let mut q = queue(&[failed.clone(), refused.clone(), failed, Delivery::Held]);
        requeue_failed(&mut q);
        assert_eq!(states(&q), [Delivery::Queued, refused, Delivery::Queued, Delivery::Held]);
        assert_eq!(next_in_line(&mut q).as_deref(), Some("m0"));
    }

    #[test]
    fn client_ids_are_lower_case_hex() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
