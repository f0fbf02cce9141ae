//! The `Conversation` Durable Object (binding `CONVERSATION`): one per conversation, named by its
//! id. It holds the conversation's live sockets with the hibernation API (the object may sleep
//! while sockets stay open; each socket's [`Subscriber`] rides in its attachment) and pushes
//! every published event to the sockets allowed to see it (`crate::live`). Messages are not kept
//! here: D1 stays the record, and a connecting socket reads what it missed from there. A publish
//! of messages makes the object read what was stored after the last message it pushed and push
//! that, in stored order (`live::push_stored`); that cursor is kept in the object's SQLite, so it
//! survives hibernation.
//!
//! Two internal routes, reached only through the Worker's stub (never from outside):
//! `/connect` (a WebSocket upgrade carrying the [`LiveTicket`] the API checked) and `/publish`.

use crate::api::live::LiveTicket;
use crate::live::{
    command_event, fan_out, last_message, push_stored, resume, visible_to, InOrder, Recent, Socket, Subscriber,
    MAX_SOCKETS,
};
use crate::store::ConversationStore;
use serde::{Deserialize, Serialize};
use shared::live::{LiveEvent, CLOSE_POLICY, CLOSE_RESYNC, LIVE_PROTOCOL};
use shared::{ConversationId, MessageId};
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, SqlStorage, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// Header carrying the checked ticket from the Worker to the object.
const TICKET_HEADER: &str = "x-switchboard-ticket";

/// The ticket as it travels to the object.
#[derive(Serialize, Deserialize)]
struct WireTicket {
    subscriber: Subscriber,
    after: Option<MessageId>,
}

/// What the Worker asks the object to push.
#[derive(Serialize, Deserialize)]
struct PublishRequest {
    conversation: ConversationId,
    events: Vec<LiveEvent>,
}

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
    /// The object's own SQLite: the push cursor only.
    sql: SqlStorage,
}

/// A hibernatable socket as the fan-out sees it.
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
    async fn open_socket(&self, req: &Request) -> Result<Response> {
        let Some(raw) = req.headers().get(TICKET_HEADER)? else {
            return Response::error("the live socket needs the Worker's ticket", 400);
        };
        let ticket: WireTicket = serde_json::from_str(&raw)?;
        if self.state.get_websockets().len() >= MAX_SOCKETS {
            return error(shared::ErrorCode::TooManySockets, "this conversation holds as many live sockets as it can");
        }
        let conversation = ticket.subscriber.conversation.clone();
        // Everything pushed from here on is remembered until the socket is accepted below; what
        // was published while no socket was open was not pushed, only counted.
        let mark = self.recent.borrow().mark();
        let unpushed = self.order.borrow().unpushed();
        let backlog = match &ticket.after {
            None => Vec::new(),
            Some(after) => {
                let store = super::d1::D1Store::on(self.env.d1("DB")?);
                match store.messages_after(&conversation, after).await {
                    Ok(Some(messages)) => messages,
                    Ok(None) => {
                        return error(
                            shared::ErrorCode::InvalidField,
                            &format!("{after} is no message of this conversation"),
                        )
                    }
                    Err(e) => return error(shared::ErrorCode::Internal, &e.to_string()),
                }
            }
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
                    let store = super::d1::D1Store::on(self.env.d1("DB")?);
                    let held = || -> Vec<Held> { self.state.get_websockets().into_iter().map(Held).collect() };
                    let caught_up = push_stored(&store, &conversation, &self.order, &self.recent, held, vec![]).await;
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

    async fn push(&self, mut req: Request) -> Result<Response> {
        let request: PublishRequest = req.json().await?;
        let held = || -> Vec<Held> { self.state.get_websockets().into_iter().map(Held).collect() };
        let sockets = held();
        let mut sent = 0;
        let mut messages = Vec::new();
        for event in request.events {
            match event {
                LiveEvent::Message { message } => messages.push(*message),
                other => {
                    sent += fan_out(&request.conversation, &other, &sockets).sent;
                    self.recent.borrow_mut().push(other);
                }
            }
        }
        if messages.is_empty() {
            return Response::from_json(&serde_json::json!({ "sent": sent }));
        }
        if sockets.is_empty() {
            // Nobody listens: the next socket starts the pushes from its own position.
            if self.order.borrow_mut().nobody_listened() {
                self.save_cursor();
            }
            return Response::from_json(&serde_json::json!({ "sent": sent }));
        }
        let store = super::d1::D1Store::on(self.env.d1("DB")?);
        let pushed = push_stored(&store, &request.conversation, &self.order, &self.recent, held, messages).await;
        self.save_cursor();
        match pushed {
            Ok(n) => Response::from_json(&serde_json::json!({ "sent": sent + n })),
            // The messages are stored; the next publish or a socket's resume brings them.
            Err(e) => Response::error(format!("reading what to push failed: {e}"), 500),
        }
    }

    /// Keeps the push cursor in the object's storage (a failure is logged: after hibernation the
    /// object would push what is published as it comes until a socket connects again).
    fn save_cursor(&self) {
        let cursor = self.order.borrow().cursor().map(|c| c.to_string());
        if let Err(e) =
            self.sql.exec("INSERT OR REPLACE INTO push_cursor (id, message) VALUES (0, ?)", vec![cursor.into()])
        {
            worker::console_error!("keeping the push cursor failed: {e}");
        }
    }
}

/// The object's table and its stored cursor.
fn load_cursor(sql: &SqlStorage) -> Result<Option<MessageId>> {
    #[derive(Deserialize)]
    struct Row {
        message: Option<String>,
    }
    sql.exec("CREATE TABLE IF NOT EXISTS push_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), message TEXT)", None)?;
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
        Self { state, env, recent: RefCell::default(), order: RefCell::new(InOrder::at(cursor)), sql }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/connect" => self.open_socket(&req).await,
            "/publish" => self.push(req).await,
            other => Response::error(format!("no route {other} on a conversation object"), 404),
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
                let sockets: Vec<Held> = self.state.get_websockets().into_iter().map(Held).collect();
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

/// Hands a checked live request to its conversation's object, which answers the upgrade.
pub async fn connect(namespace: &worker::ObjectNamespace, ticket: &LiveTicket) -> Result<Response> {
    let stub = namespace.get_by_name(ticket.subscriber.conversation.as_str())?;
    let wire = WireTicket { subscriber: ticket.subscriber.clone(), after: ticket.after.clone() };
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(TICKET_HEADER, &serde_json::to_string(&wire)?)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    stub.fetch_with_request(Request::new_with_init("https://conversation/connect", &init)?).await
}

/// Pushes `events` to the conversation's live sockets.
pub async fn publish(
    namespace: &worker::ObjectNamespace,
    conversation: &ConversationId,
    events: &[LiveEvent],
) -> Result<()> {
    let stub = namespace.get_by_name(conversation.as_str())?;
    let body = serde_json::to_string(&PublishRequest { conversation: conversation.clone(), events: events.to_vec() })?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let mut response = stub.fetch_with_request(Request::new_with_init("https://conversation/publish", &init)?).await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!("publishing failed: {}", response.text().await?)));
    }
    Ok(())
}
