//! The `Conversation` Durable Object (binding `CONVERSATION`): one per conversation, named by its
//! id. It holds the conversation: every request about one conversation (the visitor's messages,
//! clicks, forms and history, the inbox's moves and replies, erasure, live sockets) is forwarded
//! here by the Worker and answered by the same API code, on the object's stores
//! (`store::object`): the conversation's rows in the object's own SQLite (`store::replica`),
//! journaled to D1, which stays the inbox's index. A visitor's turn therefore costs the Worker
//! one call. D1 receives the journal before the answer whenever the inbox or an erasure could
//! look the change up (a handoff, a move, new contact details or identity), and otherwise within
//! `object::conversation::FLUSH_DELAY_MS` from the object's alarm, many turns per batch under load.
//!
//! It also holds the conversation's live sockets with the hibernation API (the object may sleep
//! while sockets stay open; each socket's [`Subscriber`] rides in its attachment) and pushes what
//! a request stored to the sockets allowed to see it, in stored order (`live::push_stored`, the
//! cursor kept in the object's SQLite so it survives hibernation).
//!
//! One internal route besides the API's, reached only through the Worker's stub: `/forget` (the
//! Worker erased the conversation from D1; the object drops its copy).
//!
//! What the object decides is plain code (`object::conversation`, run by the native tests); this
//! file lends it workerd's SQLite, sockets, alarm and clock.

use super::d1::D1;
use super::limiter::{LocalLimiter, ObjectLimiter};
use super::object_sql::ObjectSql;
use crate::api::live::LiveTicket;
use crate::api::HttpRequest;
use crate::limits::RateLimiter;
use crate::live::stream::ReplyStream;
use crate::live::{Socket, Subscriber};
use crate::object::conversation::{Answered, ConversationObject, Runtime, Served};
use crate::store::Stores;
use serde::Deserialize;
use shared::live::{CLOSE_POLICY, LIVE_PROTOCOL};
use shared::{ConversationId, MessageId};
use std::time::Duration;
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, SqlStorage, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// One conversation's object: workerd's side of `object::conversation`.
#[durable_object]
pub struct Conversation {
    state: State,
    env: Env,
    /// The object's own SQLite: the push cursor.
    sql: SqlStorage,
    /// The same SQLite as the conversation's replica.
    local: ObjectSql,
    /// The conversation's own rate-limit windows (its SQLite).
    windows: LocalLimiter,
    /// What the object decides, and its memory between requests.
    object: ConversationObject,
}

/// A hibernatable socket as the fan-out sees it.
#[derive(Clone)]
pub struct Held(WebSocket);

impl Socket for Held {
    fn subscriber(&self) -> Option<Subscriber> {
        self.0.deserialize_attachment().ok().flatten()
    }
    fn send_text(&self, text: &str) -> bool {
        self.0.send_with_str(text).is_ok()
    }
}

impl Runtime for Conversation {
    type Local = ObjectSql;
    type Windows = LocalLimiter;
    type Socket = Held;
    type Opened = WebSocket;

    fn local(&self) -> &ObjectSql {
        &self.local
    }
    fn windows(&self) -> &LocalLimiter {
        &self.windows
    }
    fn sockets(&self) -> Vec<Held> {
        self.state.get_websockets().into_iter().map(Held).collect()
    }
    fn open(&self, ticket: &LiveTicket) -> std::result::Result<(Held, WebSocket), String> {
        let pair = WebSocketPair::new().map_err(|e| e.to_string())?;
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(&ticket.subscriber).map_err(|e| e.to_string())?;
        Ok((Held(pair.server), pair.client))
    }
    fn close(&self, socket: &Held, code: u16, reason: &str) {
        let _ = socket.0.close(Some(code), Some(reason));
    }
    fn save_cursor(&self, cursor: Option<&MessageId>) {
        let cursor = cursor.map(|c| c.to_string());
        let saved = self.sql.exec(CURSOR_TABLE, None).and_then(|_| {
            self.sql.exec("INSERT OR REPLACE INTO push_cursor (id, message) VALUES (0, ?)", vec![cursor.into()])
        });
        if let Err(e) = saved {
            // After hibernation the object pushes what is published as it comes until a socket
            // connects again.
            worker::console_error!("keeping the push cursor failed: {e}");
        }
    }
    async fn set_alarm(&self, after_ms: u64) -> std::result::Result<(), String> {
        self.state.storage().set_alarm(Duration::from_millis(after_ms)).await.map_err(|e| e.to_string())
    }
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
    fn log(&self, line: &str) {
        worker::console_error!("{line}");
    }
    async fn answer<S: Stores, L: RateLimiter>(
        &self,
        store: &S,
        limiter: &L,
        http: &HttpRequest,
        shown: Option<&dyn ReplyStream>,
    ) -> Answered {
        super::answer(&self.env, store, limiter, http, shown).await
    }
}

impl Conversation {
    /// Answers one of the API's requests about this object's conversation.
    async fn serve(&self, mut req: Request) -> Result<Response> {
        let http = match super::read_http(&mut req).await {
            Ok(http) => http,
            Err(refused) => return super::into_worker_response(refused),
        };
        let d1 = D1::on(self.env.d1("DB")?);
        let shared = ObjectLimiter::new(self.env.durable_object("LIMITS")?);
        let Served { mut response, opened, outbox } = self.object.serve(self, &d1, &shared, &http).await;
        if let Some(client) = opened {
            let headers = Headers::new();
            headers.set("sec-websocket-protocol", LIVE_PROTOCOL)?;
            return Ok(Response::from_websocket(client)?.with_headers(headers));
        }
        // What the shared rate limiter cost this request (Date.now() advances across its I/O).
        response.headers.push(("server-timing".into(), format!("limiter;dur={}", shared.waited_ms())));
        // After the object's flush: an agent's list that reloads on this finds the change in D1.
        self.state.wait_until(super::after_answer(&self.env, response.inbox.take(), outbox)?);
        if let Some(file) = response.file.take() {
            return super::files::send(&super::files::R2Files::of(&self.env)?, &file).await;
        }
        super::into_worker_response(response)
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
        Self { state, env, sql, local, windows, object: ConversationObject::new(cursor) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let path = req.path();
        if path.starts_with("/api/") {
            return self.serve(req).await;
        }
        match path.as_str() {
            "/forget" => match self.object.forget(self, &D1::on(self.env.d1("DB")?)).await {
                Ok(()) => Response::ok("forgotten"),
                Err(e) => Response::error(format!("forgetting failed: {e}"), 500),
            },
            other => Response::error(format!("no route {other} on a conversation object"), 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        match self.object.alarm(self, &D1::on(self.env.d1("DB")?)).await {
            Ok(sent) => Response::ok(format!("{sent} writes passed on")),
            Err(_) => Response::ok("retry scheduled"),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        match message {
            WebSocketIncomingMessage::String(text) => {
                self.object.frame(self, &D1::on(self.env.d1("DB")?), &Held(ws), &text).await;
                Ok(())
            }
            WebSocketIncomingMessage::Binary(_) => ws.close(Some(CLOSE_POLICY), Some("text frames only")),
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
pub struct Objects(pub worker::ObjectNamespace, pub super::files::R2Files);

impl crate::erasure::Forgetting for Objects {
    async fn forget(&self, ids: &[ConversationId]) -> Vec<ConversationId> {
        forget_all(&self.0, &self.1, ids).await
    }
}

/// Tells the objects of conversations erased from D1 to drop their copies, and deletes their
/// files; returns those not done (logged; their tombstones keep their copies from being served,
/// and the Cron tells them again, files included).
async fn forget_all(
    namespace: &worker::ObjectNamespace,
    files: &super::files::R2Files,
    conversations: &[ConversationId],
) -> Vec<ConversationId> {
    use crate::attachments::Blobs;
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
            files.delete_all(&crate::attachments::prefix(conversation)).await.map_err(worker::Error::RustError)
        };
        if let Err(e) = forgotten.await {
            worker::console_error!("the object or the files of erased {conversation} were not forgotten: {e}");
            failed.push(conversation.clone());
        }
    }
    failed
}
