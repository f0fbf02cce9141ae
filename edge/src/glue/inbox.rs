//! The `Inbox` Durable Object (binding `INBOX`): one per site (named [`INBOX_OBJECT`]), holding
//! every agent tab's inbox socket with the hibernation API and pushing each [`InboxEvent`] the
//! Worker publishes (`crate::live::inbox`). It keeps nothing: D1 is the record, and a tab that
//! reconnects reloads its list.
//!
//! Two internal routes, reached only through the Worker's stub: `/connect` (a WebSocket upgrade
//! carrying the agent the API checked) and `/publish`.

use crate::api::inbox_conversations::InboxTicket;
use crate::live::inbox::{fan_out_inbox, may_accept_inbox, InboxSocket, InboxSubscriber, INBOX_OBJECT};
use crate::live::sessions::{ended, CLOSE_SESSION_ENDED};
use shared::inbox::InboxEvent;
use shared::live::{CLOSE_POLICY, LIVE_PROTOCOL};
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

/// Header carrying the checked agent id from the Worker to the object.
const AGENT_HEADER: &str = "x-switchboard-agent";
/// Header carrying the hash of the agent's session, checked again before every push.
const SESSION_HEADER: &str = "x-switchboard-session";

/// The site's inbox sockets.
#[durable_object]
pub struct Inbox {
    state: State,
    env: Env,
}

struct Tab(WebSocket);

impl Tab {
    /// Who holds it (`None` for a socket an older release attached only an agent id to: it is
    /// closed at the next push, and the tab reconnects).
    fn subscriber(&self) -> Option<InboxSubscriber> {
        self.0.deserialize_attachment().ok().flatten()
    }
}

impl InboxSocket for Tab {
    fn send_text(&self, text: &str) -> bool {
        self.0.send_with_str(text).is_ok()
    }
}

impl Inbox {
    fn open_socket(&self, req: &Request) -> Result<Response> {
        let (Some(agent_id), Some(session)) = (req.headers().get(AGENT_HEADER)?, req.headers().get(SESSION_HEADER)?)
        else {
            return Response::error("the inbox socket needs the Worker's ticket", 400);
        };
        let held: Vec<String> =
            self.state.get_websockets().into_iter().filter_map(|ws| Tab(ws).subscriber()).map(|s| s.agent_id).collect();
        if !may_accept_inbox(&held, &agent_id) {
            let refused = crate::api::ApiError::new(
                shared::ErrorCode::TooManySockets,
                "the inbox holds as many live sockets as it can",
            );
            return super::into_worker_response(refused.into_response());
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(&InboxSubscriber { agent_id, session })?;
        pair.server.send_with_str(serde_json::to_string(&InboxEvent::Ready)?)?;
        let headers = Headers::new();
        headers.set("sec-websocket-protocol", LIVE_PROTOCOL)?;
        Ok(Response::from_websocket(pair.client)?.with_headers(headers))
    }

    async fn push(&self, mut req: Request) -> Result<Response> {
        let event: InboxEvent = req.json().await?;
        let tabs: Vec<Tab> = self.state.get_websockets().into_iter().map(Tab).collect();
        // Every socket's session first: a signed-out, expired, disabled or revoked agent's tabs
        // are closed and hear nothing more.
        let subscribers: Vec<Option<InboxSubscriber>> = tabs.iter().map(Tab::subscriber).collect();
        let sessions: Vec<Option<&str>> =
            subscribers.iter().map(|s| Some(s.as_ref().map_or("", |s| s.session.as_str()))).collect();
        let now_ms = js_sys::Date::now() as u64;
        let gone = ended(&super::d1::D1Store::on(self.env.d1("DB")?), &sessions, now_ms)
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        let mut live = Vec::new();
        for (tab, gone) in tabs.into_iter().zip(gone) {
            if gone {
                let _ = tab.0.close(Some(CLOSE_SESSION_ENDED), Some("the agent's session ended"));
            } else {
                live.push(tab);
            }
        }
        Response::from_json(&serde_json::json!({ "sent": fan_out_inbox(&event, &live) }))
    }
}

impl DurableObject for Inbox {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
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
    headers.set(SESSION_HEADER, &ticket.session)?;
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
