//! The `Inbox` Durable Object (binding `INBOX`): one per site (named [`INBOX_OBJECT`]), holding
//! every agent tab's inbox socket with the hibernation API and pushing each [`InboxEvent`] the
//! Worker publishes (`crate::live::inbox`). It keeps nothing: D1 is the record, and a tab that
//! reconnects reloads its list.
//!
//! Two internal routes, reached only through the Worker's stub: `/connect` (a WebSocket upgrade
//! carrying the agent the API checked) and `/publish`.

use crate::api::inbox_conversations::InboxTicket;
use crate::live::inbox::{fan_out_inbox, InboxSocket, INBOX_OBJECT, MAX_INBOX_SOCKETS};
use shared::inbox::InboxEvent;
use shared::live::{CLOSE_POLICY, LIVE_PROTOCOL};
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

/// Header carrying the checked agent id from the Worker to the object.
const AGENT_HEADER: &str = "x-switchboard-agent";

/// The site's inbox sockets.
#[durable_object]
pub struct Inbox {
    state: State,
}

struct Tab(WebSocket);

impl InboxSocket for Tab {
    fn send_text(&self, text: &str) -> bool {
        self.0.send_with_str(text).is_ok()
    }
}

impl Inbox {
    fn open_socket(&self, req: &Request) -> Result<Response> {
        let Some(agent_id) = req.headers().get(AGENT_HEADER)? else {
            return Response::error("the inbox socket needs the Worker's ticket", 400);
        };
        if self.state.get_websockets().len() >= MAX_INBOX_SOCKETS {
            let refused = crate::api::ApiError::new(
                shared::ErrorCode::TooManySockets,
                "the inbox holds as many live sockets as it can",
            );
            return super::into_worker_response(refused.into_response());
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(&agent_id)?;
        pair.server.send_with_str(serde_json::to_string(&InboxEvent::Ready)?)?;
        let headers = Headers::new();
        headers.set("sec-websocket-protocol", LIVE_PROTOCOL)?;
        Ok(Response::from_websocket(pair.client)?.with_headers(headers))
    }

    async fn push(&self, mut req: Request) -> Result<Response> {
        let event: InboxEvent = req.json().await?;
        let tabs: Vec<Tab> = self.state.get_websockets().into_iter().map(Tab).collect();
        Response::from_json(&serde_json::json!({ "sent": fan_out_inbox(&event, &tabs) }))
    }
}

impl DurableObject for Inbox {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/connect" => self.open_socket(&req),
            "/publish" => self.push(req).await,
            other => Response::error(format!("no route {other} on the inbox object"), 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, _message: WebSocketIncomingMessage) -> Result<()> {
        // The inbox socket only listens.
        ws.close(Some(CLOSE_POLICY), Some("the inbox socket takes no frames"))
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        let code = if code == 1005 || code == 1006 { 1000 } else { code as u16 };
        let _ = ws.close(Some(code), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: worker::Error) -> Result<()> {
        worker::console_error!("an inbox socket failed: {error}");
        Ok(())
    }
}

/// Hands a checked inbox socket request to the site's object, which answers the upgrade.
pub async fn connect(namespace: &worker::ObjectNamespace, ticket: &InboxTicket) -> Result<Response> {
    let stub = namespace.get_by_name(INBOX_OBJECT)?;
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(AGENT_HEADER, &ticket.agent_id)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    stub.fetch_with_request(Request::new_with_init("https://inbox/connect", &init)?).await
}

/// Pushes `event` to every agent's inbox socket.
pub async fn publish(namespace: &worker::ObjectNamespace, event: &InboxEvent) -> Result<()> {
    let stub = namespace.get_by_name(INBOX_OBJECT)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(serde_json::to_string(event)?.into()));
    let mut response = stub.fetch_with_request(Request::new_with_init("https://inbox/publish", &init)?).await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!("inbox publishing failed: {}", response.text().await?)));
    }
    Ok(())
}
