//! The `Conversation` Durable Object (binding `CONVERSATION`): one per conversation, named by its
//! id. It holds the conversation: every request about one conversation (the visitor's messages,
//! clicks, forms and history, the inbox's moves and replies, erasure, live sockets) is forwarded
//! here by the Worker and answered by the same API code, on the object's stores
//! (`store::object`): the conversation's rows in the object's own SQLite (`store::replica`),
//! journaled to D1, which stays the inbox's index. A visitor's turn therefore costs the Worker
//! one call. D1 receives the journal before the answer whenever the inbox or an erasure could
//! look the change up (a handoff, a move, new contact details or identity), and otherwise within
//! [`FLUSH_DELAY_MS`] from the object's alarm, many turns per batch under load.
//!
//! It also holds the conversation's live sockets with the hibernation API (the object may sleep
//! while sockets stay open; each socket's [`Subscriber`] rides in its attachment) and pushes what
//! a request stored to the sockets allowed to see it, in stored order (`live::push_stored`, the
//! cursor kept in the object's SQLite so it survives hibernation).
//!
//! One internal route besides the API's, reached only through the Worker's stub: `/forget` (the
//! Worker erased the conversation from D1; the object drops its copy).

use super::d1::D1;
use super::limiter::LocalLimiter;
use super::object_sql::ObjectSql;
use super::Answered;
use crate::api::http::Publish;
use crate::api::live::LiveTicket;
use crate::api::routes::Route;
use crate::limits::leasing::{Leases, Leasing};
use crate::live::sessions::{ended, CLOSE_SESSION_ENDED};
use crate::live::{
    command_event, fan_out, last_message, may_accept, push_stored, resume, visible_to, InOrder, Recent, Socket,
    Subscriber, TYPING_EVERY_MS,
};
use crate::object::flush::{decide, Done, Findable, Flush};
use crate::store::object::ObjectStore;
use crate::store::replica::Replica;
use crate::store::ConversationStore;
use futures_util::lock::Mutex;
use serde::Deserialize;
use shared::live::{LiveEvent, CLOSE_POLICY, CLOSE_RESYNC, LIVE_PROTOCOL};
use shared::{ConversationId, MessageId};
use std::cell::{Cell, RefCell};
use std::time::Duration;
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, SqlStorage, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// How long D1 may trail a conversation the AI is answering: turns within it go in one batch.
pub const FLUSH_DELAY_MS: u64 = 1_000;

/// When D1 refused a flush, the next try.
const FLUSH_RETRY_MS: u64 = 10_000;

/// The object's stores, as one request uses them.
type Stores<'a> = ObjectStore<'a, ObjectSql, D1>;

/// One conversation's live sockets.
#[durable_object]
pub struct Conversation {
    state: State,
    env: Env,
    /// What was published lately (memory only: needed only while a socket connects, and the
    /// object does not sleep while a request is in flight).
    recent: RefCell<Recent>,
    /// The last message pushed, in stored order (also in `sql`, read back when the object wakes).
    order: RefCell<InOrder>,
    /// The object's own SQLite: the push cursor.
    sql: SqlStorage,
    /// The same SQLite as the conversation's replica.
    local: ObjectSql,
    /// Taken by a flush, a load and a forget of the replica (`store::replica`).
    flushing: Mutex<()>,
    /// Whether an alarm to flush is set.
    alarm_set: Cell<bool>,
    /// The conversation's own rate-limit windows (its SQLite).
    windows: LocalLimiter,
    /// Hits of the visitor's address taken ahead from the `Limits` object.
    leases: Leases,
    /// When a "typing" notice was last passed on, by watcher (visitor, agent), Unix ms.
    typed_at: Cell<(u64, u64)>,
}

/// A hibernatable socket as the fan-out sees it.
#[derive(Clone)]
struct Held(WebSocket);

impl Socket for Held {
    fn subscriber(&self) -> Option<Subscriber> {
        self.0.deserialize_attachment().ok().flatten()
    }
    fn send_text(&self, text: &str) -> bool {
        self.0.send_with_str(text).is_ok()
    }
}

impl Conversation {
    /// Answers one of the API's requests about this object's conversation.
    async fn serve(&self, mut req: Request) -> Result<Response> {
        let http = match super::read_http(&mut req).await {
            Ok(http) => http,
            Err(refused) => return super::into_worker_response(refused),
        };
        let Some(route) = crate::api::routes::route(&http.method, &http.path).ok() else {
            return error(shared::ErrorCode::NotFound, "no such route on a conversation");
        };
        let Some(id) = route.conversation().and_then(|id| ConversationId::parse(id).ok()) else {
            return error(shared::ErrorCode::NotFound, "no such route on a conversation");
        };
        let d1 = D1::on(self.env.d1("DB")?);
        let store = ObjectStore::new(id.clone(), Replica::new(&self.local, &d1, &self.flushing), &d1);
        // No such conversation (anyone can name an id), or erased while this object missed being
        // told: answered from D1 as the Worker would, so the answer (401 before 404, as ever)
        // reveals nothing more, and this object writes nothing, leaving no storage behind.
        let from_index = || async {
            let index = super::d1::D1Store::on(self.env.d1("DB")?);
            let shared = super::limiter::ObjectLimiter::new(self.env.durable_object("LIMITS")?);
            let Answered { response, .. } = super::answer(&self.env, &index, &shared, &http).await?;
            super::into_worker_response(response)
        };
        match store.replica().load(&id).await {
            Ok(true) => {}
            Ok(false) => return from_index().await,
            Err(e) => return error(shared::ErrorCode::Internal, &format!("the conversation could not be read: {e}")),
        }
        // Only a visitor's turn may wait for the alarm; every other request flushes anyway, so its
        // record is not read twice to compare.
        let turn = route.is_visitor_turn();
        let findable = || async { store.conversation(&id).await.ok().flatten().map(|r| Findable::of(&r)) };
        let before = if turn { findable().await } else { None };
        let shared = super::limiter::ObjectLimiter::new(self.env.durable_object("LIMITS")?);
        let limiter = Leasing { local: &self.windows, shared: &shared, leases: &self.leases };
        let answering = super::answer(&self.env, &store, &limiter, &http);
        let answered = if crate::object::asks_for_tombstone(&route) {
            store.replica().unless_erased(&id, answering).await
        } else {
            Ok(Some(answering.await))
        };
        let Answered { mut response, outbox } = match answered {
            Ok(Some(answered)) => answered?,
            Ok(None) => return from_index().await,
            Err(e) => return error(shared::ErrorCode::Internal, &format!("the conversation could not be read: {e}")),
        };
        // What the shared rate limiter cost this request (Date.now() advances across its I/O).
        response.headers.push(("server-timing".into(), format!("limiter;dur={}", shared.waited_ms())));
        let done = Done {
            findable: if turn { Some((before, findable().await)) } else { None },
            inbox_news: response.inbox.is_some(),
            webhooks: !outbox.is_empty(),
        };
        if decide(&route, &done) == Flush::Later {
            self.flush_later().await;
        } else if let Err(e) = store.replica().flush().await {
            // Stored here all the same; the alarm tries again.
            worker::console_error!("passing {id} on to D1 failed: {e}");
            self.flush_later().await;
        }
        if let Some(ticket) = response.upgrade.take() {
            return self.accept(&store, &ticket).await;
        }
        let erasing = matches!(route, Route::DeleteConversation(_) | Route::AdminDeleteConversation(_));
        if erasing && store.replica().holds().await.ok().flatten().is_none() {
            // Erased through this object (even an owner's 404 for a copy D1 no longer had): its
            // sockets close with it.
            self.close_sockets();
        }
        if let Some(publish) = response.publish.take() {
            self.push(&store, publish).await;
        }
        let now_ms = js_sys::Date::now() as u64;
        if let Some(event) = response.inbox.take() {
            // After the flush above: an agent's list that reloads on this finds the change in D1.
            let inboxes = self.env.durable_object("INBOX")?;
            self.state.wait_until(async move {
                if let Err(e) = super::inbox::publish(&inboxes, &event).await {
                    worker::console_error!("inbox push failed: {e}");
                }
            });
        }
        if !outbox.is_empty() {
            // A handoff's webhook goes out after the answer; D1 has its delivery (flushed above).
            self.state.wait_until(super::webhooks::send_now(self.env.clone(), outbox, now_ms));
        }
        super::into_worker_response(response)
    }

    /// Makes sure the alarm passes the journal on to D1 soon.
    async fn flush_later(&self) {
        if self.alarm_set.get() {
            return;
        }
        match self.state.storage().set_alarm(Duration::from_millis(FLUSH_DELAY_MS)).await {
            Ok(()) => self.alarm_set.set(true),
            Err(e) => worker::console_error!("setting the flush alarm failed: {e}"),
        }
    }

    /// Drops the copy of a conversation the Worker erased from D1.
    async fn forget(&self) -> Result<Response> {
        let d1 = D1::on(self.env.d1("DB")?);
        match Replica::new(&self.local, &d1, &self.flushing).forget().await {
            Ok(()) => {
                self.close_sockets();
                Response::ok("forgotten")
            }
            Err(e) => Response::error(format!("forgetting failed: {e}"), 500),
        }
    }

    /// Closes every live socket: the conversation was erased, nothing more passes through it.
    fn close_sockets(&self) {
        for ws in self.state.get_websockets() {
            let _ = ws.close(Some(1000), Some("the conversation was deleted"));
        }
    }

    /// Opens a live socket the API checked: sends what the client missed, then what comes.
    async fn accept(&self, store: &Stores<'_>, ticket: &LiveTicket) -> Result<Response> {
        let held: Vec<_> =
            self.state.get_websockets().into_iter().filter_map(|ws| Held(ws).subscriber().map(|s| s.watcher)).collect();
        if !may_accept(&held, ticket.subscriber.watcher) {
            return error(shared::ErrorCode::TooManySockets, "this conversation holds as many live sockets as it can");
        }
        let conversation = ticket.subscriber.conversation.clone();
        // Everything pushed from here on is remembered until the socket is accepted below; what
        // was published while no socket was open was not pushed, only counted.
        let mark = self.recent.borrow().mark();
        let unpushed = self.order.borrow().unpushed();
        let backlog = match &ticket.after {
            None => Vec::new(),
            Some(after) => match store.messages_after(&conversation, after).await {
                Ok(Some(messages)) => messages,
                Ok(None) => {
                    return error(
                        shared::ErrorCode::InvalidField,
                        &format!("{after} is no message of this conversation"),
                    )
                }
                Err(e) => return error(shared::ErrorCode::Internal, &e.to_string()),
            },
        };
        // From here on nothing awaits: accepting and sending what was missed is one step, so no
        // publish can fall between them.
        let pair = WebSocketPair::new()?;
        let others_open = !self.state.get_websockets().is_empty();
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(&ticket.subscriber)?;
        let meanwhile = self.recent.borrow().since(mark);
        match meanwhile {
            Some(meanwhile) => {
                let events = resume(backlog, meanwhile);
                for event in events.iter().filter(|e| visible_to(e, ticket.subscriber.watcher)) {
                    pair.server.send_with_str(serde_json::to_string(event)?)?;
                }
                self.order.borrow_mut().connected(last_message(&events, ticket.after.as_ref()), others_open);
                self.save_cursor();
                if self.order.borrow().unpushed() != unpushed {
                    // Stored while the backlog was read and published to nobody: read once more,
                    // in stored order, now that this socket listens.
                    let held = || -> Vec<Held> { self.state.get_websockets().into_iter().map(Held).collect() };
                    let caught_up = push_stored(store, &conversation, &self.order, &self.recent, held, vec![]).await;
                    self.save_cursor();
                    if let Err(e) = caught_up {
                        // The messages are stored: the next publish or the widget's poll brings them.
                        worker::console_error!("catching up a new live socket failed: {e}");
                    }
                }
            }
            None => pair.server.close(Some(CLOSE_RESYNC), Some("too much happened while connecting; connect again"))?,
        }
        let headers = Headers::new();
        headers.set("sec-websocket-protocol", LIVE_PROTOCOL)?;
        Ok(Response::from_websocket(pair.client)?.with_headers(headers))
    }

    /// Pushes what a request stored (and its other events) to the sockets, in stored order.
    async fn push(&self, store: &Stores<'_>, publish: Publish) {
        let refused = self.close_ended_sessions().await;
        let held = || -> Vec<Held> {
            let open = self.state.get_websockets().into_iter().map(Held);
            open.filter(|h| !h.subscriber().and_then(|s| s.session).is_some_and(|s| refused.contains(&s))).collect()
        };
        let sockets = held();
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
                self.save_cursor();
            }
            return;
        }
        let pushed = push_stored(store, &publish.conversation, &self.order, &self.recent, held, messages).await;
        self.save_cursor();
        if let Err(e) = pushed {
            // The messages are stored; the next publish or a socket's resume brings them.
            worker::console_error!("reading what to push failed: {e}");
        }
    }

    /// Closes the agents' sockets whose session has ended (signed out, expired, disabled,
    /// revoked), checked with D1 before anything more is sent; answers the sessions refused
    /// (ended, or unchecked when D1 failed: then nothing is sent to them, but they stay open).
    async fn close_ended_sessions(&self) -> Vec<String> {
        let sockets: Vec<Held> = self.state.get_websockets().into_iter().map(Held).collect();
        let sessions: Vec<Option<String>> = sockets.iter().map(|h| h.subscriber().and_then(|s| s.session)).collect();
        if sessions.iter().all(Option::is_none) {
            return Vec::new();
        }
        let held: Vec<Option<&str>> = sessions.iter().map(Option::as_deref).collect();
        let now_ms = js_sys::Date::now() as u64;
        let verdict = match self.env.d1("DB") {
            Ok(db) => ended(&super::d1::D1Store::on(db), &held, now_ms).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match verdict {
            Ok(gone) => {
                let mut refused = Vec::new();
                for ((socket, session), gone) in sockets.iter().zip(&sessions).zip(gone) {
                    if let (true, Some(session)) = (gone, session) {
                        let _ = socket.0.close(Some(CLOSE_SESSION_ENDED), Some("the agent's session ended"));
                        refused.push(session.clone());
                    }
                }
                refused
            }
            Err(e) => {
                worker::console_error!("checking agents' sessions failed; nothing goes to their sockets: {e}");
                sessions.into_iter().flatten().collect()
            }
        }
    }

    /// Whether a "typing" notice from this watcher may be passed on now (at most one per
    /// [`TYPING_EVERY_MS`] per kind of watcher; "stopped typing" always may).
    fn typing_allowed(&self, event: &LiveEvent) -> bool {
        let now = js_sys::Date::now() as u64;
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

    /// Keeps the push cursor in the object's storage (a failure is logged: after hibernation the
    /// object would push what is published as it comes until a socket connects again).
    fn save_cursor(&self) {
        let cursor = self.order.borrow().cursor().map(|c| c.to_string());
        let saved = self.sql.exec(CURSOR_TABLE, None).and_then(|_| {
            self.sql.exec("INSERT OR REPLACE INTO push_cursor (id, message) VALUES (0, ?)", vec![cursor.into()])
        });
        if let Err(e) = saved {
            worker::console_error!("keeping the push cursor failed: {e}");
        }
    }
}

/// The push cursor's table.
const CURSOR_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS push_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), message TEXT)";

/// The object's stored cursor.
fn load_cursor(sql: &SqlStorage) -> Result<Option<MessageId>> {
    #[derive(Deserialize)]
    struct Row {
        message: Option<String>,
    }
    // Read only: the table is created by the first save, never for an object nobody connected to.
    #[derive(Deserialize)]
    struct Count {
        n: f64,
    }
    let exists: Count = sql
        .exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'push_cursor'", None)?
        .one()?;
    if exists.n == 0.0 {
        return Ok(None);
    }
    let rows: Vec<Row> = sql.exec("SELECT message FROM push_cursor WHERE id = 0", None)?.to_array()?;
    Ok(rows.into_iter().next().and_then(|r| r.message).and_then(|m| MessageId::parse(m).ok()))
}

/// The API's error body, so a refused connection reads like any other API error.
fn error(code: shared::ErrorCode, message: &str) -> Result<Response> {
    super::into_worker_response(crate::api::ApiError::new(code, message).into_response())
}

impl DurableObject for Conversation {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        let cursor = load_cursor(&sql).unwrap_or_else(|e| {
            worker::console_error!("reading the push cursor failed: {e}");
            None
        });
        // Nothing is written here: an object's storage is created only once its conversation is
        // known to exist (`Replica::load`).
        let local = ObjectSql::of(&state);
        let windows = LocalLimiter::on(sql.clone());
        Self {
            state,
            env,
            recent: RefCell::default(),
            order: RefCell::new(InOrder::at(cursor)),
            sql,
            local,
            flushing: Mutex::new(()),
            alarm_set: Cell::new(false),
            windows,
            leases: Leases::default(),
            typed_at: Cell::new((0, 0)),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let path = req.path();
        if path.starts_with("/api/") {
            return self.serve(req).await;
        }
        match path.as_str() {
            "/forget" => self.forget().await,
            other => Response::error(format!("no route {other} on a conversation object"), 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_set.set(false);
        let d1 = D1::on(self.env.d1("DB")?);
        match Replica::new(&self.local, &d1, &self.flushing).flush().await {
            Ok(sent) => Response::ok(format!("{sent} writes passed on")),
            Err(e) => {
                worker::console_error!("passing writes on to D1 failed, trying again later: {e}");
                self.state.storage().set_alarm(Duration::from_millis(FLUSH_RETRY_MS)).await?;
                self.alarm_set.set(true);
                Response::ok("retry scheduled")
            }
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(subscriber) = Held(ws.clone()).subscriber() else {
            return ws.close(Some(CLOSE_POLICY), Some("unknown socket"));
        };
        let frame = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => return ws.close(Some(CLOSE_POLICY), Some("text frames only")),
        };
        match command_event(&subscriber, &frame) {
            Ok(event) => {
                if !self.typing_allowed(&event) {
                    return Ok(());
                }
                // The sender's session too: a signed-out agent's socket says nothing more.
                let refused = self.close_ended_sessions().await;
                if subscriber.session.is_some_and(|s| refused.contains(&s)) {
                    return Ok(());
                }
                let sockets: Vec<Held> = self
                    .state
                    .get_websockets()
                    .into_iter()
                    .map(Held)
                    .filter(|h| !h.subscriber().and_then(|s| s.session).is_some_and(|s| refused.contains(&s)))
                    .collect();
                fan_out(&subscriber.conversation, &event, &sockets);
                Ok(())
            }
            Err(e) => ws.close(Some(CLOSE_POLICY), Some(e.to_string())),
        }
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        // Complete the closing handshake (1005/1006 may not be sent back).
        let code = if code == 1005 || code == 1006 { 1000 } else { code as u16 };
        let _ = ws.close(Some(code), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: worker::Error) -> Result<()> {
        worker::console_error!("a live socket failed: {error}");
        Ok(())
    }
}

/// Hands a request about one conversation to its object, which answers it (a live socket's
/// upgrade included).
pub async fn forward(
    namespace: &worker::ObjectNamespace,
    conversation: &ConversationId,
    url: &worker::Url,
    http: &crate::api::HttpRequest,
) -> Result<Response> {
    let headers = Headers::new();
    // The body's framing is the runtime's to set for the body as read.
    for (name, value) in http.headers.iter().filter(|(n, _)| n != "content-length" && n != "transfer-encoding") {
        headers.append(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(http.method.clone())).with_headers(headers);
    if !http.body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(http.body.as_slice()).into()));
    }
    namespace.get_by_name(conversation.as_str())?.fetch_with_request(Request::new_with_init(url.as_str(), &init)?).await
}

/// The conversations' objects, as an erasure tells them to forget (`crate::erasure::Forgetting`).
pub struct Objects(pub worker::ObjectNamespace);

impl crate::erasure::Forgetting for Objects {
    async fn forget(&self, ids: &[ConversationId]) -> Vec<ConversationId> {
        forget_all(&self.0, ids).await
    }
}

/// Tells the objects of conversations erased from D1 to drop their copies; returns those that did
/// not confirm (logged; their tombstones keep their copies from being served, and the Cron tells
/// them again).
async fn forget_all(namespace: &worker::ObjectNamespace, conversations: &[ConversationId]) -> Vec<ConversationId> {
    let mut failed = Vec::new();
    for conversation in conversations {
        let forgotten = async {
            let stub = namespace.get_by_name(conversation.as_str())?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post);
            let response =
                stub.fetch_with_request(Request::new_with_init("https://conversation/forget", &init)?).await?;
            if response.status_code() != 200 {
                return Err(worker::Error::RustError(format!("HTTP {}", response.status_code())));
            }
            Ok(())
        };
        if let Err(e) = forgotten.await {
            worker::console_error!("the object of erased {conversation} did not forget it: {e}");
            failed.push(conversation.clone());
        }
    }
    failed
}
