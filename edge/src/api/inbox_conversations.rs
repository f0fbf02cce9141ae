//! The inbox's conversations (`/api/v1/inbox/conversations…`, `inbox/agents`, `inbox/live`): the
//! views, one conversation with everything an agent reads, and what agents do with it (claim,
//! take over, assign, reply, hand back, resolve, reopen, notes). Every route first passes
//! [`signed_in`] (the edge's own pages, an agent's session cookie); the wire types are
//! `shared::inbox`. Each move between statuses is one conditional write
//! ([`InboxStore::move_conversation`]); when it finds the conversation moved on, the answer says
//! what it is now.

use super::conversations::take_or_refuse;
use super::error::ApiError;
use super::exchange::{store_once, Stored};
use super::http::{HttpRequest, HttpResponse, Publish};
use super::inbox::signed_in;
use super::live::LiveTicket;
pub use super::routes::{Act, Transition};
pub use super::tickets::InboxTicket;
use super::ApiDeps;
use crate::actions::execute::{ActionRun, RunStatus};
use crate::actions::runner::{verification_ttl_ms, RunDeps};
use crate::inbox::session;
use crate::limits::keys;
use crate::live::{cursor, Subscriber, Watcher};
use crate::store::inbox::{InboxStore, LabelFilter, Move, NewNote, MAX_LIST};
use crate::store::{ActionLogStore, Agent, ConversationRecord, ConversationStore, HandoffRecord, NewMessage, Role};
use crate::token::{hash_token, random_text};
use shared::api::ErrorCode;
use shared::handoff::{ConversationStatus, HandoffReason};
use shared::inbox::{
    AgentList, AgentRef, AssignRequest, ConversationDetail, ConversationList, InboxEvent, InboxView, NoteRequest,
    ReplyRequest, ResolveRequest, RunRecord, Snooze, MAX_SNOOZE_MS,
};
use shared::labels::{Labels, Priority};
use shared::live::{LiveEvent, LIVE_PROTOCOL};
use shared::message::{ActionStatus, MAX_MESSAGE_CHARS};
use shared::{Author, ClientMessageId, ConversationId, Message};

/// Longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Most action runs a conversation's detail lists (the latest).
pub const MAX_RUNS: usize = 200;
/// The messages a take-over's summary is written from (as for a handoff).
const SUMMARY_MESSAGES: usize = 100;

/// The agent as the visitor sees them (an agent's stored name is 1–80 characters; the visitor's
/// view takes at most 60).
pub(super) fn as_seen(name: &str) -> shared::live::Agent {
    let name: String = name.chars().take(shared::live::MAX_AGENT_NAME_CHARS).collect();
    shared::live::Agent::named(&name).unwrap_or_else(|| shared::live::Agent { name, initial: "?".into() })
}

fn agent_ref(agent: &Agent) -> AgentRef {
    AgentRef { id: agent.id.clone(), name: agent.name.clone() }
}

/// The conversation named in the path, or `404`.
pub(super) async fn existing<S: ConversationStore>(store: &S, raw_id: &str) -> Result<ConversationRecord, ApiError> {
    let not_found = || ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {raw_id:?}"));
    let id = ConversationId::parse(raw_id).map_err(|_| not_found())?;
    store.conversation(&id).await?.ok_or_else(not_found)
}

/// `GET /api/v1/inbox/conversations?view=…&q=…`
pub async fn list<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let view = match req.query_param("view") {
        None => InboxView::default(),
        Some(v) => InboxView::parse(&v).ok_or_else(|| {
            ApiError::invalid_field("view", format!("{v:?} is no view; use waiting, mine, open, resolved or ai"))
        })?,
    };
    let q = req.query_param("q").map(|q| q.trim().to_string()).filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS) {
        return Err(ApiError::invalid_field("q", format!("must be at most {MAX_SEARCH_CHARS} characters")));
    }
    let labels = LabelFilter {
        tag: match req.query_param("tag").filter(|t| !t.trim().is_empty()) {
            Some(t) => Some(shared::labels::tag(&t).map_err(|e| ApiError::invalid_field("tag", e))?),
            None => None,
        },
        priority: match req.query_param("priority").filter(|p| !p.is_empty()) {
            Some(p) => Some(Priority::parse(&p).ok_or_else(|| {
                ApiError::invalid_field("priority", format!("{p:?} is no priority; use low, normal, high or urgent"))
            })?),
            None => None,
        },
    };
    let conversations = edge.store().inbox_list(view, &agent.id, q.as_deref(), &labels, MAX_LIST, now_ms).await?;
    let counts = edge.store().inbox_counts(&agent.id, now_ms).await?;
    let attention = edge.store().attention(&agent.id, now_ms).await?;
    let wait_alert_ms =
        edge.site().agent.handoff.as_ref().map(|h| u64::from(h.wait_alert_minutes) * 60_000).filter(|ms| *ms > 0);
    let long_waits = match wait_alert_ms {
        Some(ms) => edge.store().long_waits(now_ms.saturating_sub(ms), now_ms).await?,
        None => Vec::new(),
    };
    let list = ConversationList { conversations, counts, now_ms, attention, wait_alert_ms, long_waits };
    Ok(HttpResponse::json(200, &list))
}

/// `POST /api/v1/inbox/conversations/{id}/labels`: its tags and priority, whole, by any agent;
/// every inbox hears of it.
pub async fn set_labels<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    signed_in(edge, req, now_ms).await?;
    let id = ConversationId::parse(id).map_err(|_| ApiError::new(ErrorCode::NotFound, "no such conversation"))?;
    let labels: Labels = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let labels = labels.checked().map_err(|e| ApiError::invalid_field("tags", e))?;
    if !edge.store().set_labels(&id, &labels).await? {
        return Err(ApiError::new(ErrorCode::NotFound, "no such conversation"));
    }
    let row =
        edge.store().inbox_row(&id).await?.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such conversation"))?;
    let news = InboxEvent::Changed { conversation_id: id.to_string(), status: row.status };
    Ok(HttpResponse { inbox: Some(Box::new(news)), ..HttpResponse::json(200, &row) })
}

/// `POST /api/v1/inbox/conversations/{id}/snooze` with `{"until_ms": …}` (or `null`: until the
/// visitor writes) puts a waiting or assigned conversation aside; `DELETE` brings it back. Any
/// agent (it is a view of the queue, like the labels); `200` the row, and every inbox hears.
pub async fn snooze<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    id: &str,
    on: bool,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such conversation");
    let id = ConversationId::parse(id).map_err(|_| not_found())?;
    if on {
        let body: Snooze = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
        if let Some(until) = body.until_ms.filter(|u| *u <= now_ms || *u > now_ms + MAX_SNOOZE_MS) {
            let message = format!("{until} must be a moment (Unix ms) within the next 90 days");
            return Err(ApiError::invalid_field("until_ms", message));
        }
        let row = edge.store().inbox_row(&id).await?.ok_or_else(not_found)?;
        if !matches!(row.status, ConversationStatus::Waiting | ConversationStatus::Assigned) {
            return Err(ApiError::new(
                ErrorCode::WrongStatus,
                "only a waiting or assigned conversation can be snoozed",
            ));
        }
        if !edge.store().snooze(&id, body.until_ms, &agent.id, now_ms).await? {
            return Err(not_found());
        }
    } else {
        edge.store().unsnooze(&id).await?;
    }
    let row = edge.store().inbox_row(&id).await?.ok_or_else(not_found)?;
    let news = InboxEvent::Changed { conversation_id: id.to_string(), status: row.status };
    Ok(HttpResponse { inbox: Some(Box::new(news)), ..HttpResponse::json(200, &row) })
}

/// `POST /api/v1/inbox/conversations/{id}/read`: the agent has read it as of now (their inbox
/// says so when it opens a conversation, and as messages come while it is open and in view).
pub async fn read<D: ApiDeps>(edge: &D, req: &HttpRequest, id: &str, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let id = ConversationId::parse(id).map_err(|_| ApiError::new(ErrorCode::NotFound, "no such conversation"))?;
    edge.store().mark_read(&agent.id, &id, now_ms).await?;
    Ok(HttpResponse::empty(204, vec![]))
}

/// `GET /api/v1/inbox/agents`
pub async fn agents<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    signed_in(edge, req, now_ms).await?;
    Ok(HttpResponse::json(200, &AgentList { agents: edge.store().enabled_agents().await? }))
}

/// A logged run as the inbox shows it (the log entry was redacted when it was recorded).
fn run_record(at: String, run: ActionRun) -> RunRecord {
    RunRecord {
        status: match run.status {
            RunStatus::Ok => ActionStatus::Ok,
            RunStatus::Failed => ActionStatus::Failed,
            RunStatus::Refused => ActionStatus::Refused,
        },
        request: (!run.request.url.is_empty()).then(|| format!("{} {}", run.request.method, run.request.url)),
        action: run.action,
        summary: run.summary,
        response_status: run.response_status,
        response_body: run.response_body,
        duration_ms: run.duration_ms,
        at,
    }
}

/// Everything an agent reads about one conversation.
async fn detail<D: ApiDeps>(
    edge: &D,
    record: &ConversationRecord,
    now_ms: u64,
) -> Result<ConversationDetail, ApiError> {
    let store = edge.store();
    let conversation = store
        .inbox_row(&record.id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ConversationNotFound, format!("no conversation {}", record.id)))?;
    let runs = store.conversation_runs(&record.id, MAX_RUNS).await?;
    Ok(ConversationDetail {
        conversation,
        messages: store.messages(&record.id).await?,
        identity: record.identity_now(now_ms, verification_ttl_ms(edge.site())),
        attributes: record.attributes.clone(),
        reason: record.handoff.as_ref().map(|h| h.reason.clone()),
        summary: record.handoff.as_ref().map(|h| h.summary.clone()),
        runs: runs.into_iter().map(|e| run_record(e.at, e.run)).collect(),
        notes: store.notes(&record.id).await?,
        satisfaction: store.satisfaction(&record.id).await?,
    })
}

/// `GET /api/v1/inbox/conversations/{id}`
pub async fn show<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    signed_in(edge, req, now_ms).await?;
    let record = existing(edge.store(), raw_id).await?;
    Ok(HttpResponse::json(200, &detail(edge, &record, now_ms).await?))
}

/// Why a move found the conversation elsewhere: someone else has it (`409 already_claimed`), or
/// it is in another status (`409 wrong_status`).
fn moved_on(now: &ConversationRecord, wanted: &str) -> ApiError {
    match now.status {
        ConversationStatus::Assigned => ApiError::new(
            ErrorCode::AlreadyClaimed,
            format!("another agent has this conversation; it must be {wanted}"),
        ),
        status => ApiError::new(
            ErrorCode::WrongStatus,
            format!("this conversation is {}; it must be {wanted}", status.as_str()),
        ),
    }
}

/// Only the assignee, or an admin, may act on an assigned conversation.
pub(super) fn require_assignee(agent: &Agent, record: &ConversationRecord, act: &str) -> Result<(), ApiError> {
    if record.status != ConversationStatus::Assigned {
        return Err(ApiError::new(
            ErrorCode::WrongStatus,
            format!("this conversation is {}; only an assigned one can be {act}", record.status.as_str()),
        ));
    }
    if agent.role != Role::Admin && record.assignee_id.as_deref() != Some(agent.id.as_str()) {
        return Err(ApiError::new(
            ErrorCode::NotAssignee,
            format!("only the agent who has this conversation can {act} it"),
        ));
    }
    Ok(())
}

/// The move's condition on the assignee: the acting agent's own, unless an admin acts.
fn own(agent: &Agent) -> Option<&str> {
    (agent.role != Role::Admin).then_some(agent.id.as_str())
}

/// `POST /api/v1/inbox/conversations/{id}/{act}`
pub async fn act<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    act: Act,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let agent = signed_in(edge, req, now_ms).await?;
    let record = existing(edge.store(), raw_id).await?;
    match act {
        Act::Reply => reply(edge, req, &agent, &record, now_ms).await,
        Act::Note => note(edge, req, &agent, &record, now_ms).await,
        Act::Move(transition) => move_conversation(edge, req, &agent, &record, transition, now_ms).await,
    }
}

/// A [`Transition`]: checked against who acts, made as one conditional write.
async fn move_conversation<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent: &Agent,
    record: &ConversationRecord,
    transition: Transition,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    use ConversationStatus::{Ai, Assigned, Resolved, Waiting};
    let base = Move {
        from: &[],
        to: Assigned,
        assignee: Some(&agent.id),
        only_if_assignee: None,
        handoff: None,
        at_ms: now_ms,
    };
    let mut joined = Some(as_seen(&agent.name));
    let mut closing = None;
    let took_over;
    let (change, wanted) = match transition {
        Transition::Claim => (Move { from: &[Waiting], ..base }, "waiting to be claimed"),
        Transition::TakeOver => {
            took_over = take_over_record(edge, agent, record, now_ms).await?;
            (Move { from: &[Ai], handoff: Some(&took_over), ..base }, "with the AI to be taken over")
        }
        Transition::Assign => {
            let body: AssignRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
            let to = edge.store().enabled_agent(&body.agent_id).await?.ok_or_else(|| {
                ApiError::invalid_field("agent_id", format!("no agent {:?} who can be assigned", body.agent_id))
            })?;
            joined = Some(as_seen(&to.name));
            let change = match record.status {
                // Anyone may hand a waiting conversation to someone; an assigned one is its
                // assignee's (or an admin's) to pass on.
                Assigned if agent.role != Role::Admin => {
                    require_assignee(agent, record, "reassign")?;
                    Move { from: &[Assigned], only_if_assignee: Some(&agent.id), ..base }
                }
                Assigned => Move { from: &[Waiting, Assigned], ..base },
                _ => Move { from: &[Waiting], ..base },
            };
            let assignee = to.id.clone();
            let moved =
                edge.store().move_conversation(&record.id, &Move { assignee: Some(&assignee), ..change }).await?;
            return finish_move(edge, record, moved, "waiting or assigned", joined, Vec::new(), now_ms).await;
        }
        Transition::HandBack => {
            require_assignee(agent, record, "hand back")?;
            joined = None;
            (Move { from: &[Assigned], to: Ai, assignee: None, only_if_assignee: own(agent), ..base }, "assigned")
        }
        Transition::Resolve => {
            let body: ResolveRequest = if req.body.iter().all(u8::is_ascii_whitespace) {
                ResolveRequest::default()
            } else {
                serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?
            };
            closing = match body.closing_message.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) if text.chars().count() > MAX_MESSAGE_CHARS => {
                    return Err(ApiError::invalid_field(
                        "closing_message",
                        format!("must be at most {MAX_MESSAGE_CHARS} characters"),
                    ))
                }
                Some(text) => Some(text.to_string()),
            };
            joined = None;
            let change = if agent.role == Role::Admin {
                Move { from: &[Waiting, Assigned], to: Resolved, ..base }
            } else {
                require_assignee(agent, record, "resolve")?;
                Move { from: &[Assigned], to: Resolved, only_if_assignee: Some(&agent.id), ..base }
            };
            (change, "waiting or assigned")
        }
        Transition::Reopen => (Move { from: &[Resolved], ..base }, "resolved"),
    };
    let moved = edge.store().move_conversation(&record.id, &change).await?;
    let mut closing: Vec<NewMessage> = match (moved, closing) {
        (true, Some(text)) => vec![agent_message(edge, agent, text, None, now_ms)],
        _ => Vec::new(),
    };
    // The visitor sees that the person left: the widget's header goes back to the AI.
    let notice = match transition {
        Transition::HandBack => {
            // The name as text: the notice is drawn as Markdown, and an admin chose the name.
            Some(format!(
                "{} handed this conversation back to our AI assistant.",
                shared::markdown::escape(&as_seen(&agent.name).name)
            ))
        }
        Transition::Resolve => {
            Some("This conversation was marked as resolved. Write again any time to reopen it.".to_string())
        }
        _ => None,
    };
    if let (true, Some(text)) = (moved, notice) {
        let id = crate::token::message_id(edge.entropy(), 's');
        closing.push(NewMessage { author: Author::System, ..NewMessage::bot(id, text, None, now_ms) });
    }
    if moved && transition == Transition::Resolve && edge.store().satisfaction(&record.id).await?.is_none() {
        closing.push(survey_message(edge, now_ms));
    }
    finish_move(edge, record, moved, wanted, joined, closing, now_ms).await
}

/// "How did we do?": the satisfaction survey, asked once after a human resolved the
/// conversation (again after a reopen only if it was never answered).
fn survey_message(edge: &impl RunDeps, now_ms: u64) -> NewMessage {
    use shared::satisfaction::{survey, SATISFACTION_FORM};
    let card = crate::agent::cards::form_card(SATISFACTION_FORM, &survey(), &shared::template::Values::new());
    let id = crate::token::message_id(edge.entropy(), 'm');
    NewMessage { form: Some(card), ..NewMessage::bot(id, "Before you go: how did we do?".into(), None, now_ms) }
}

/// The handoff a take-over records: the next of the conversation, its summary written as for
/// the AI's handoffs, already noticed (the agent is there: the visitor is not told to wait).
async fn take_over_record<D: ApiDeps>(
    edge: &D,
    agent: &Agent,
    record: &ConversationRecord,
    now_ms: u64,
) -> Result<HandoffRecord, ApiError> {
    let messages = edge.store().recent_messages(&record.id, SUMMARY_MESSAGES).await?;
    let reason = HandoffReason::AgentTookOver { agent: agent.name.clone() };
    Ok(crate::handoff::next_handoff(edge.site(), record, &messages, reason, now_ms, true))
}

/// A message from `agent`, as stored (the id is random; a reply's client id makes it idempotent).
pub(super) fn agent_message(
    edge: &impl RunDeps,
    agent: &Agent,
    text: String,
    client_id: Option<String>,
    now_ms: u64,
) -> NewMessage {
    let id = crate::token::message_id(edge.entropy(), 'a');
    NewMessage {
        author: Author::Agent,
        author_name: Some(as_seen(&agent.name).name),
        client_message_id: client_id,
        ..NewMessage::bot(id, text, None, now_ms)
    }
}

/// After a move: `409` when it found the conversation moved on, else the conversation as it is
/// now, with the closing message stored, the visitor told who joined, and the inboxes told.
async fn finish_move<D: ApiDeps>(
    edge: &D,
    before: &ConversationRecord,
    moved: bool,
    wanted: &str,
    joined: Option<shared::live::Agent>,
    closing: Vec<NewMessage>,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let now = existing(edge.store(), before.id.as_str()).await?;
    if !moved {
        return Err(moved_on(&now, wanted));
    }
    let mut events = Vec::new();
    if let Some(agent) = joined {
        events.push(LiveEvent::AgentJoined(agent));
    }
    if !closing.is_empty() {
        edge.store().insert_replies(&now.id, &closing).await?;
        events.extend(closing.iter().map(|m| LiveEvent::Message { message: Box::new(m.to_message()) }));
    }
    let mut response = HttpResponse::json(200, &detail(edge, &now, now_ms).await?);
    if !events.is_empty() {
        response.publish = Some(Publish { conversation: now.id.clone(), events });
    }
    response.inbox = Some(Box::new(InboxEvent::Changed { conversation_id: now.id.to_string(), status: now.status }));
    Ok(response)
}

/// `POST …/messages`: the assignee's reply, stored once per `client_message_id` (`201`; a retry
/// answers `200` with the stored one) and published to the visitor.
async fn reply<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent: &Agent,
    record: &ConversationRecord,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let body: ReplyRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let client_id = ClientMessageId::parse(body.client_message_id)
        .map_err(|e| ApiError::invalid_field("client_message_id", e.to_string()))?;
    let text = trimmed_text(&body.text, MAX_MESSAGE_CHARS)?;
    require_assignee(agent, record, "reply to")?;
    take_or_refuse(edge, &keys::agent_write(&agent.id), now_ms).await?;
    let message = agent_message(edge, agent, text.to_string(), Some(client_id.to_string()), now_ms);
    // The same idempotent insert as a visitor's message: one row per client id, even when racing.
    let stored = store_once(edge.store(), &record.id, &message).await?;
    stored_once(record, &message, stored)
}

/// The answer to an agent's `message` as [`store_once`] left it: `201` stored now, `200` the
/// agent's own stored before under its client id; refused when the id is another's message.
pub(super) fn stored_once(
    record: &ConversationRecord,
    message: &NewMessage,
    stored: Stored,
) -> Result<HttpResponse, ApiError> {
    match stored {
        Stored::Fresh(m) if m.id == message.id => Ok(agent_stored(record, 201, *m)),
        Stored::Fresh(m) if m.author == Author::Agent && m.author_name == message.author_name => {
            Ok(agent_stored(record, 200, *m))
        }
        _ => Err(ApiError::invalid_field("client_message_id", "is another author's message's id")),
    }
}

/// An agent's stored message, answered and pushed to the conversation's sockets and the inbox.
pub(super) fn agent_stored(record: &ConversationRecord, status: u16, stored: Message) -> HttpResponse {
    let publish = Publish::messages(&record.id, std::slice::from_ref(&stored));
    HttpResponse {
        publish: Some(publish),
        inbox: Some(Box::new(InboxEvent::Changed { conversation_id: record.id.to_string(), status: record.status })),
        ..HttpResponse::json(status, &stored)
    }
}

/// An agent's `text` field, trimmed: 1 to `max` characters.
fn trimmed_text(text: &str, max: usize) -> Result<&str, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::invalid_field("text", format!("must be 1–{max} characters")));
    }
    Ok(text)
}

/// `POST …/notes`: a private note (`201`); nothing is published to the conversation's sockets.
async fn note<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    agent: &Agent,
    record: &ConversationRecord,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let body: NoteRequest = serde_json::from_slice(&req.body).map_err(|e| ApiError::from_json(&e))?;
    let text = trimmed_text(&body.text, MAX_NOTE_CHARS)?;
    take_or_refuse(edge, &keys::agent_write(&agent.id), now_ms).await?;
    let note = NewNote {
        id: format!("n{}", random_text(edge.entropy(), 12)),
        author: agent_ref(agent),
        text: text.to_string(),
        created_at_ms: now_ms,
    };
    edge.store().add_note(&record.id, &note).await?;
    Ok(HttpResponse::json(201, &note.to_note()))
}

/// A WebSocket upgrade from an agent's browser: `Upgrade: websocket`, an `Origin` naming this
/// edge (checked first: a browser sends the agent's cookie with a WebSocket from any site, so
/// without this check another site could open the agent's sockets), the live subprotocol, then
/// the session. Answers the agent and the session's hash, which the socket carries (its session
/// is checked again before every push and frame: `live::sessions`).
async fn agent_socket<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<(Agent, String), ApiError> {
    if req.header("origin").is_none() || !session::same_origin(&req.method, &req.headers) {
        return Err(ApiError::new(
            ErrorCode::CrossOrigin,
            "inbox sockets are accepted only from this site's own pages (with their Origin)",
        ));
    }
    let upgrade = req.header("upgrade").is_some_and(|u| u.trim().eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return Err(ApiError::new(ErrorCode::UpgradeRequired, "this route is a WebSocket: send `Upgrade: websocket`"));
    }
    let offered = req.header("sec-websocket-protocol").unwrap_or_default();
    if !offered.split(',').any(|p| p.trim() == LIVE_PROTOCOL) {
        return Err(ApiError::invalid_field(
            "sec-websocket-protocol",
            format!("offer the subprotocol {LIVE_PROTOCOL:?}"),
        ));
    }
    let agent = signed_in(edge, req, now_ms).await?;
    let session = session::token(&req.headers).map(hash_token).unwrap_or_default();
    Ok((agent, session))
}

/// `GET /api/v1/inbox/conversations/{id}/live`: an agent watches a conversation (visitor typing
/// included); `101` carrying the ticket for the conversation's object.
pub async fn watch<D: ApiDeps>(
    edge: &D,
    req: &HttpRequest,
    raw_id: &str,
    now_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let (agent, session) = agent_socket(edge, req, now_ms).await?;
    let record = existing(edge.store(), raw_id).await?;
    let after =
        cursor(req.query_param("after").as_deref()).map_err(|e| ApiError::invalid_field("after", e.to_string()))?;
    let subscriber = Subscriber {
        conversation: record.id,
        watcher: Watcher::Agent,
        agent: Some(Box::new(as_seen(&agent.name))),
        session: Some(session),
    };
    Ok(HttpResponse { upgrade: Some(LiveTicket { subscriber, after }), ..HttpResponse::empty(101, vec![]) })
}

/// `GET /api/v1/inbox/live`: the agent's socket for [`InboxEvent`]s; `101` carrying the ticket
/// for the site's `Inbox` object.
pub async fn inbox_socket<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let (agent, session) = agent_socket(edge, req, now_ms).await?;
    Ok(HttpResponse {
        inbox_upgrade: Some(Box::new(InboxTicket { agent_id: agent.id, session })),
        ..HttpResponse::empty(101, vec![])
    })
}

/// Adds the inbox's news to a visitor's write: while a human has the conversation (or it was
/// just handed off), agents' lists change with every visitor message.
pub fn tell_inbox(mut response: HttpResponse, record: &ConversationRecord) -> HttpResponse {
    if record.status != ConversationStatus::Ai && response.status < 300 {
        response.inbox =
            Some(Box::new(InboxEvent::Changed { conversation_id: record.id.to_string(), status: record.status }));
    }
    response
}
