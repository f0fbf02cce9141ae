//! The `Conversation` Durable Object (binding `CONVERSATION`): one per conversation, named by its
//! id. It holds the conversation's live sockets with the hibernation API (the object may sleep
//! while sockets stay open; each socket's [`Subscriber`] rides in its attachment) and pushes
//! every published event to the sockets allowed to see it (`crate::live`). Messages are not kept
//! here: D1 stays the record, and a connecting socket reads what it missed from there.
//!
//! Two internal routes, reached only through the Worker's stub (never from outside):
//! `/connect` (a WebSocket upgrade carrying the [`LiveTicket`] the API checked) and `/publish`.

use crate::api::live::LiveTicket;
use crate::live::{command_event, fan_out, resume, visible_to, Recent, Socket, Subscriber, MAX_SOCKETS};
use crate::store::ConversationStore;
use serde::{Deserialize, Serialize};
use shared::live::{LiveEvent, CLOSE_POLICY, CLOSE_RESYNC, LIVE_PROTOCOL};
use shared::{ConversationId, MessageId};
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
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
        // Everything published from here on is remembered until the socket is accepted below.
        let mark = self.recent.borrow().mark();
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
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(&ticket.subscriber)?;
        match self.recent.borrow().since(mark) {
            Some(meanwhile) => {
                for event in resume(backlog, meanwhile).iter().filter(|e| visible_to(e, ticket.subscriber.watcher)) {
                    pair.server.send_with_str(serde_json::to_string(event)?)?;
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
        let sockets: Vec<Held> = self.state.get_websockets().into_iter().map(Held).collect();
        let mut sent = 0;
        for event in request.events {
            sent += fan_out(&request.conversation, &event, &sockets).sent;
            self.recent.borrow_mut().push(event);
        }
        Response::from_json(&serde_json::json!({ "sent": sent }))
    }
}

/// The API's error body, so a refused connection reads like any other API error.
fn error(code: shared::ErrorCode, message: &str) -> Result<Response> {
    super::into_worker_response(crate::api::ApiError::new(code, message).into_response())
}

impl DurableObject for Conversation {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, recent: RefCell::default() }
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
