//! The `Conversation` Durable Object as plain code: one per conversation, it answers every request
//! about its conversation on its own stores (`store::object`: the conversation in the object's
//! SQLite, journaled to D1), decides when the journal reaches D1 (`flush`), accepts live sockets
//! with what they missed, pushes what a request stored to them in stored order, closes them when
//! the conversation is erased or an agent's session ends, and passes "typing" frames on. The
//! runtime lends it what only the runtime has ([`Runtime`]: its SQLite, its sockets, its alarm,
//! the clock, and answering a request with the Worker's secrets); `glue::live` is that runtime in
//! workerd, and the native tests are another, so `cargo test` runs this very code.

use crate::api::http::Publish;
use crate::api::live::LiveTicket;
use crate::api::routes::{self, Route};
use crate::api::{ApiError, HttpRequest, HttpResponse};
use crate::limits::leasing::{Leases, Leasing};
use crate::limits::RateLimiter;
use crate::live::sessions::{ended, CLOSE_SESSION_ENDED};
use crate::live::stream::ReplyStream;
use crate::live::{
    command_event, fan_out, last_message, may_accept, push_stored, resume, visible_to, Heard, InOrder, Recent, Socket,
    TYPING_EVERY_MS,
};
use crate::object::flush::{decide, Done, Findable, Flush};
use crate::store::object::ObjectStore;
use crate::store::replica::{LocalSql, Replica};
use crate::store::sql::{SqlPort, SqlStore};
use crate::store::{ConversationStore, StoreError, Stores};
use futures_util::lock::Mutex;
use shared::live::{LiveEvent, CLOSE_POLICY, CLOSE_RESYNC};
use shared::{ConversationId, ErrorCode, MessageId};
use std::cell::{Cell, RefCell};

/// How long D1 may trail a conversation the AI is answering: turns within it go in one batch.
pub const FLUSH_DELAY_MS: u64 = 1_000;

/// When D1 refused a flush, the next try.
pub const FLUSH_RETRY_MS: u64 = 10_000;

/// What the API answered a request, and the webhook deliveries it queued (sent after the answer).
pub struct Answered {
    /// The API's response, with what it publishes and upgrades.
    pub response: HttpResponse,
    /// Delivery ids queued by a handoff.
    pub outbox: Vec<String>,
}

/// What the runtime lends a conversation's object.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait Runtime {
    /// The object's own SQLite.
    type Local: LocalSql;
    /// The conversation's own rate-limit windows.
    type Windows: RateLimiter;
    /// A live socket the object holds.
    type Socket: Socket;
    /// What answers an accepted upgrade (the client's end of the socket).
    type Opened;

    /// The object's SQLite.
    fn local(&self) -> &Self::Local;
    /// The conversation's rate-limit windows.
    fn windows(&self) -> &Self::Windows;
    /// The sockets open now (with their subscribers attached).
    fn sockets(&self) -> Vec<Self::Socket>;
    /// Accepts a new socket carrying `ticket`'s subscriber: the server's end, and the client's.
    fn open(&self, ticket: &LiveTicket) -> Result<(Self::Socket, Self::Opened), String>;
    /// Closes a socket.
    fn close(&self, socket: &Self::Socket, code: u16, reason: &str);
    /// Keeps the push cursor where a woken object finds it.
    fn save_cursor(&self, cursor: Option<&MessageId>);
    /// Asks for [`ConversationObject::alarm`] in `after_ms`.
    async fn set_alarm(&self, after_ms: u64) -> Result<(), String>;
    /// Now, Unix ms.
    fn now_ms(&self) -> u64;
    /// Writes a line to the runtime's error log.
    fn log(&self, line: &str);
    /// Answers `http` with the API, on `store` and `limiter`, with the Worker's site and secrets,
    /// showing a reply being written on `shown`.
    async fn answer<S: Stores, L: RateLimiter>(
        &self,
        store: &S,
        limiter: &L,
        http: &HttpRequest,
        shown: Option<&dyn ReplyStream>,
    ) -> Answered;
}

/// What the object answered one request.
pub struct Served<O> {
    /// The API's response (what it published and its inbox news still on it); a refused or failed
    /// upgrade is an error response here.
    pub response: HttpResponse,
    /// The accepted socket's client end, when the request opened one.
    pub opened: Option<O>,
    /// Webhook deliveries to send after the answer (D1 has them: flushed before).
    pub outbox: Vec<String>,
}

impl<O> Served<O> {
    fn refused(code: ErrorCode, message: &str) -> Self {
        Self { response: ApiError::new(code, message).into_response(), opened: None, outbox: Vec::new() }
    }
}

/// The object's memory between requests (what it must keep across hibernation is in its SQLite).
pub struct ConversationObject {
    /// What was published lately (needed only while a socket connects, and the object does not
    /// sleep while a request is in flight).
    recent: RefCell<Recent>,
    /// The last message pushed, in stored order (also saved by the runtime).
    order: RefCell<InOrder>,
    /// Taken by a flush, a load and a forget of the replica (`store::replica`).
    flushing: Mutex<()>,
    /// Whether an alarm to flush is set.
    alarm_set: Cell<bool>,
    /// Hits of the visitor's address taken ahead from the `Limits` object.
    leases: Leases,
    /// When a "typing" notice was last passed on, by watcher (visitor, agent), Unix ms.
    typed_at: Cell<(u64, u64)>,
    /// The visitor's messages whose reply the visitor asked to stop while it was written.
    stopping: RefCell<Vec<MessageId>>,
}

/// A reply being written, shown on the object's open sockets; stopped from a visitor's socket.
struct Shown<'a, R: Runtime> {
    object: &'a ConversationObject,
    rt: &'a R,
    conversation: &'a ConversationId,
}

impl<R: Runtime> ReplyStream for Shown<'_, R> {
    fn delta(&self, reply_to: &MessageId, at: usize, text: &str) {
        let event = LiveEvent::ReplyDelta { reply_to: reply_to.clone(), at: at as u32, text: text.to_string() };
        fan_out(self.conversation, &event, &self.rt.sockets());
    }

    fn stopped(&self, reply_to: &MessageId) -> bool {
        self.object.stopping.borrow().contains(reply_to)
    }
}

/// The conversation a request is about, whose object answers it; `None`: the Worker answers it.
pub fn object_for(http: &HttpRequest) -> Option<ConversationId> {
    routes::route(&http.method, &http.path).ok()?.conversation().and_then(|id| ConversationId::parse(id).ok())
}

impl ConversationObject {
    /// An object waking with its saved push cursor.
    pub fn new(cursor: Option<MessageId>) -> Self {
        Self {
            recent: RefCell::default(),
            order: RefCell::new(InOrder::at(cursor)),
            flushing: Mutex::new(()),
            alarm_set: Cell::new(false),
            leases: Leases::default(),
            typed_at: Cell::new((0, 0)),
            stopping: RefCell::default(),
        }
    }

    /// Answers one of the API's requests about this object's conversation, with D1 as `index` and
    /// the `Limits` objects as `shared`.
    pub async fn serve<R: Runtime, I: SqlPort, Sh: RateLimiter>(
        &self,
        rt: &R,
        index: &I,
        shared: &Sh,
        http: &HttpRequest,
    ) -> Served<R::Opened> {
        let Some((route, id)) = routes::route(&http.method, &http.path)
            .ok()
            .and_then(|r| r.conversation().and_then(|id| ConversationId::parse(id).ok()).map(|id| (r, id)))
        else {
            return Served::refused(ErrorCode::NotFound, "no such route on a conversation");
        };
        let store = ObjectStore::new(id.clone(), Replica::new(rt.local(), index, &self.flushing), index);
        // No such conversation (anyone can name an id), or erased while this object missed being
        // told: answered from D1 as the Worker would, so the answer (401 before 404, as ever)
        // reveals nothing more, and this object writes nothing, leaving no storage behind.
        let from_index = || async {
            let Answered { response, outbox } = rt.answer(&SqlStore::new(index), shared, http, None).await;
            Served { response, opened: None, outbox }
        };
        let unreadable =
            |e: StoreError| Served::refused(ErrorCode::Internal, &format!("the conversation could not be read: {e}"));
        match store.replica().load(&id).await {
            Ok(true) => {}
            Ok(false) => return from_index().await,
            Err(e) => return unreadable(e),
        }
        // Only a visitor's turn may wait for the alarm; every other request flushes anyway, so its
        // record is not read twice to compare.
        let turn = route.is_visitor_turn();
        let findable = || async { store.conversation(&id).await.ok().flatten().map(|r| Findable::of(&r)) };
        let before = if turn { findable().await } else { None };
        let limiter = Leasing { local: rt.windows(), shared, leases: &self.leases };
        let shown = Shown { object: self, rt, conversation: &id };
        let answering = rt.answer(&store, &limiter, http, Some(&shown));
        let answered = if super::asks_for_tombstone(&route) {
            store.replica().unless_erased(&id, answering).await
        } else {
            Ok(Some(answering.await))
        };
        let Answered { response, outbox } = match answered {
            Ok(Some(answered)) => answered,
            Ok(None) => return from_index().await,
            Err(e) => return unreadable(e),
        };
        let done = Done {
            findable: if turn { Some((before, findable().await)) } else { None },
            inbox_news: response.inbox.is_some(),
            webhooks: !outbox.is_empty(),
        };
        if decide(&route, &done) == Flush::Later {
            self.flush_later(rt).await;
        } else if let Err(e) = store.replica().flush().await {
            // Stored here all the same; the alarm tries again.
            rt.log(&format!("passing {id} on to D1 failed: {e}"));
            self.flush_later(rt).await;
        }
        if let Some(ticket) = &response.upgrade {
            return match self.accept(rt, &store, ticket).await {
                Ok(opened) => Served { response, opened: Some(opened), outbox },
                Err(refused) => Served { response: refused, opened: None, outbox },
            };
        }
        let erasing = matches!(route, Route::DeleteConversation(_) | Route::AdminDeleteConversation(_));
        if erasing && store.replica().holds().await.ok().flatten().is_none() {
            // Erased through this object (even an owner's 404 for a copy D1 no longer had): its
            // sockets close with it.
            self.close_sockets(rt);
        }
        if let Some(publish) = &response.publish {
            self.push(rt, index, &store, publish.clone()).await;
        }
        Served { response, opened: None, outbox }
    }

    /// Passes the journal on to D1 (the alarm): how many writes went; on failure, tries again later.
    pub async fn alarm<R: Runtime, I: SqlPort>(&self, rt: &R, index: &I) -> Result<usize, StoreError> {
        self.alarm_set.set(false);
        let flushed = Replica::new(rt.local(), index, &self.flushing).flush().await;
        if let Err(e) = &flushed {
            rt.log(&format!("passing writes on to D1 failed, trying again later: {e}"));
            match rt.set_alarm(FLUSH_RETRY_MS).await {
                Ok(()) => self.alarm_set.set(true),
                Err(e) => rt.log(&format!("setting the retry alarm failed: {e}")),
            }
        }
        flushed
    }

    /// Drops the copy of a conversation the Worker erased from D1, and closes its sockets.
    pub async fn forget<R: Runtime, I: SqlPort>(&self, rt: &R, index: &I) -> Result<(), StoreError> {
        Replica::new(rt.local(), index, &self.flushing).forget().await?;
        self.close_sockets(rt);
        Ok(())
    }

    /// A text frame from one of the object's sockets: a "typing" notice passed on to the others
    /// (at most one a second per kind of watcher), anything else closes the socket.
    pub async fn frame<R: Runtime, I: SqlPort>(&self, rt: &R, index: &I, from: &R::Socket, frame: &str) {
        let Some(subscriber) = from.subscriber() else {
            return rt.close(from, CLOSE_POLICY, "unknown socket");
        };
        let event = match command_event(&subscriber, frame) {
            Ok(Heard::Event(event)) => event,
            Ok(Heard::Stop(reply_to)) => {
                // Read by the turn writing that reply (`Shown::stopped`); a few are kept.
                let mut stopping = self.stopping.borrow_mut();
                if stopping.len() >= 8 {
                    stopping.remove(0);
                }
                stopping.push(reply_to);
                return;
            }
            Err(e) => return rt.close(from, CLOSE_POLICY, &e.to_string()),
        };
        if !self.typing_allowed(rt.now_ms(), &event) {
            return;
        }
        // The sender's session too: a signed-out agent's socket says nothing more.
        let refused = self.close_ended_sessions(rt, index).await;
        if subscriber.session.is_some_and(|s| refused.contains(&s)) {
            return;
        }
        fan_out(&subscriber.conversation, &event, &open_to(rt, &refused));
    }

    /// Makes sure the alarm passes the journal on to D1 soon.
    async fn flush_later<R: Runtime>(&self, rt: &R) {
        if self.alarm_set.get() {
            return;
        }
        match rt.set_alarm(FLUSH_DELAY_MS).await {
            Ok(()) => self.alarm_set.set(true),
            Err(e) => rt.log(&format!("setting the flush alarm failed: {e}")),
        }
    }

    /// Closes every live socket: the conversation was erased, nothing more passes through it.
    fn close_sockets<R: Runtime>(&self, rt: &R) {
        for socket in rt.sockets() {
            rt.close(&socket, 1000, "the conversation was deleted");
        }
    }

    /// Opens a live socket the API checked: sends what the client missed, then what comes.
    async fn accept<R: Runtime, L: LocalSql, I: SqlPort>(
        &self,
        rt: &R,
        store: &ObjectStore<'_, L, I>,
        ticket: &LiveTicket,
    ) -> Result<R::Opened, HttpResponse> {
        let refuse = |code, message: &str| ApiError::new(code, message).into_response();
        let held: Vec<_> = rt.sockets().iter().filter_map(|s| s.subscriber().map(|s| s.watcher)).collect();
        if !may_accept(&held, ticket.subscriber.watcher) {
            return Err(refuse(ErrorCode::TooManySockets, "this conversation holds as many live sockets as it can"));
        }
        let conversation = &ticket.subscriber.conversation;
        // Everything pushed from here on is remembered until the socket is accepted below; what
        // was published while no socket was open was not pushed, only counted.
        let mark = self.recent.borrow().mark();
        let unpushed = self.order.borrow().unpushed();
        let backlog = match &ticket.after {
            None => Vec::new(),
            Some(after) => match store.messages_after(conversation, after).await {
                Ok(Some(messages)) => messages,
                Ok(None) => {
                    return Err(refuse(ErrorCode::InvalidField, &format!("{after} is no message of this conversation")))
                }
                Err(e) => return Err(refuse(ErrorCode::Internal, &e.to_string())),
            },
        };
        // From here on nothing awaits until the catch-up: accepting and sending what was missed
        // is one step, so no publish can fall between them.
        let others_open = !rt.sockets().is_empty();
        let (socket, opened) = rt.open(ticket).map_err(|e| refuse(ErrorCode::Internal, &e))?;
        let meanwhile = self.recent.borrow().since(mark);
        let Some(meanwhile) = meanwhile else {
            rt.close(&socket, CLOSE_RESYNC, "too much happened while connecting; connect again");
            return Ok(opened);
        };
        let events = resume(backlog, meanwhile);
        for event in events.iter().filter(|e| visible_to(e, ticket.subscriber.watcher)) {
            match serde_json::to_string(event) {
                Ok(text) => {
                    socket.send_text(&text);
                }
                Err(e) => rt.log(&format!("an event could not be written: {e}")),
            }
        }
        self.order.borrow_mut().connected(last_message(&events, ticket.after.as_ref()), others_open);
        rt.save_cursor(self.order.borrow().cursor());
        if self.order.borrow().unpushed() != unpushed {
            // Stored while the backlog was read and published to nobody: read once more, in
            // stored order, now that this socket listens.
            let caught_up = push_stored(store, conversation, &self.order, &self.recent, || rt.sockets(), vec![]).await;
            rt.save_cursor(self.order.borrow().cursor());
            if let Err(e) = caught_up {
                // The messages are stored: the next publish or the widget's poll brings them.
                rt.log(&format!("catching up a new live socket failed: {e}"));
            }
        }
        Ok(opened)
    }

    /// Pushes what a request stored (and its other events) to the sockets, in stored order.
    async fn push<R: Runtime, L: LocalSql, I: SqlPort>(
        &self,
        rt: &R,
        index: &I,
        store: &ObjectStore<'_, L, I>,
        publish: Publish,
    ) {
        let refused = self.close_ended_sessions(rt, index).await;
        let sockets = open_to(rt, &refused);
        let mut messages = Vec::new();
        for event in publish.events {
            match event {
                LiveEvent::Message { message } => messages.push(*message),
                other => {
                    fan_out(&publish.conversation, &other, &sockets);
                    self.recent.borrow_mut().push(other);
                }
            }
        }
        if messages.is_empty() {
            return;
        }
        if sockets.is_empty() {
            // Nobody listens: the next socket starts the pushes from its own position.
            if self.order.borrow_mut().nobody_listened() {
                rt.save_cursor(self.order.borrow().cursor());
            }
            return;
        }
        let held = || open_to(rt, &refused);
        let pushed = push_stored(store, &publish.conversation, &self.order, &self.recent, held, messages).await;
        rt.save_cursor(self.order.borrow().cursor());
        if let Err(e) = pushed {
            // The messages are stored; the next publish or a socket's resume brings them.
            rt.log(&format!("reading what to push failed: {e}"));
        }
    }

    /// Closes the agents' sockets whose session has ended (signed out, expired, disabled,
    /// revoked), checked with D1 before anything more is sent; answers the sessions refused
    /// (ended, or unchecked when D1 failed: then nothing is sent to them, but they stay open).
    async fn close_ended_sessions<R: Runtime, I: SqlPort>(&self, rt: &R, index: &I) -> Vec<String> {
        let sockets = rt.sockets();
        let sessions: Vec<Option<String>> = sockets.iter().map(|s| s.subscriber().and_then(|s| s.session)).collect();
        if sessions.iter().all(Option::is_none) {
            return Vec::new();
        }
        let held: Vec<Option<&str>> = sessions.iter().map(Option::as_deref).collect();
        match ended(&SqlStore::new(index), &held, rt.now_ms()).await {
            Ok(gone) => {
                let mut refused = Vec::new();
                for ((socket, session), gone) in sockets.iter().zip(&sessions).zip(gone) {
                    if let (true, Some(session)) = (gone, session) {
                        rt.close(socket, CLOSE_SESSION_ENDED, "the agent's session ended");
                        refused.push(session.clone());
                    }
                }
                refused
            }
            Err(e) => {
                rt.log(&format!("checking agents' sessions failed; nothing goes to their sockets: {e}"));
                sessions.into_iter().flatten().collect()
            }
        }
    }

    /// Whether a "typing" notice from this watcher may be passed on at `now` (at most one per
    /// [`TYPING_EVERY_MS`] per kind of watcher; "stopped typing" always may).
    fn typing_allowed(&self, now: u64, event: &LiveEvent) -> bool {
        let (visitor, agent) = self.typed_at.get();
        match event {
            LiveEvent::VisitorTyping { typing: true } if now < visitor + TYPING_EVERY_MS => false,
            LiveEvent::AgentTyping { typing: true, .. } if now < agent + TYPING_EVERY_MS => false,
            LiveEvent::VisitorTyping { .. } => {
                self.typed_at.set((now, agent));
                true
            }
            LiveEvent::AgentTyping { .. } => {
                self.typed_at.set((visitor, now));
                true
            }
            _ => true,
        }
    }
}

/// The open sockets but those of `refused` sessions.
fn open_to<R: Runtime>(rt: &R, refused: &[String]) -> Vec<R::Socket> {
    let open = rt.sockets().into_iter();
    open.filter(|s| !s.subscriber().and_then(|s| s.session).is_some_and(|s| refused.contains(&s))).collect()
}
