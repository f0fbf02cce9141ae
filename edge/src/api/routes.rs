//! The route table: method and path to a [`Route`].

use super::error::ApiError;
use shared::api::ErrorCode;

/// An API route with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/v1/site`
    Site,
    /// `POST /api/v1/conversations`
    CreateConversation,
    /// `POST /api/v1/conversations/{id}/messages`
    PostMessage(String),
    /// `GET /api/v1/conversations/{id}/messages`
    ListMessages(String),
    /// `POST /api/v1/conversations/{id}/messages/{message_id}/submit`
    SubmitForm(String, String),
    /// `POST /api/v1/conversations/{id}/messages/{message_id}/buttons/{button_id}`
    ClickButton(String, String, String),
    /// `POST /api/v1/conversations/{id}/attributes`
    SetAttributes(String),
    /// `POST /api/v1/conversations/{id}/attachments`: the visitor's file (raw body)
    UploadFile(String),
    /// `GET /api/v1/conversations/{id}/attachments/{file}`
    File(String, String),
    /// `GET /api/v1/admin/actions`
    AdminActions,
    /// `GET /api/v1/admin/actions/{name}/logs`
    AdminActionLogs(String),
    /// `POST /api/v1/admin/actions/{name}/test`
    AdminActionTest(String),
    /// `PUT /api/v1/admin/actions/{name}/enabled` (`true`: a switch), or `DELETE` (`false`: the
    /// action's file decides again)
    AdminActionSwitch(String, bool),
    /// `POST /api/v1/admin/actions`: a new action, written in the console
    AdminCreateAction,
    /// `POST /api/v1/admin/actions/check`: what the build's rules say of a definition
    AdminCheckAction,
    /// `GET /api/v1/admin/actions/{name}/definition`: its JSON file, to download
    AdminActionDefinition(String),
    /// `PUT /api/v1/admin/actions/{name}/definition`: changed in the console
    AdminReplaceAction(String),
    /// `DELETE /api/v1/admin/actions/{name}/definition`: the console's change reverted (a new
    /// action removed)
    AdminRevertAction(String),
    /// `GET /api/v1/admin/model-usage`
    AdminModelUsage,
    /// `GET /api/v1/admin/reports`
    AdminReports,
    /// `GET /api/v1/admin/reports.csv`: one table of the report
    AdminReportsCsv,
    /// `DELETE /api/v1/conversations/{id}`
    DeleteConversation(String),
    /// `DELETE /api/v1/admin/conversations/{id}`
    AdminDeleteConversation(String),
    /// `POST /api/v1/admin/erasures`
    AdminErasures,
    /// `POST /api/v1/admin/agents`
    AdminAddAgent,
    /// `GET /api/v1/admin/agents`
    AdminTeam,
    /// `POST /api/v1/admin/agents/{id}/role`
    AdminSetRole(String),
    /// `POST /api/v1/admin/agents/{id}/password`
    AdminSetPassword(String),
    /// `POST /api/v1/admin/agents/{id}/disable` or `…/enable`: `true` disables
    AdminDisableAgent(String, bool),
    /// `DELETE /api/v1/admin/agents/{id}/sessions`: ends every session of an agent
    AdminEndSessions(String),
    /// `POST /api/v1/inbox/session`
    InboxSignIn,
    /// `DELETE /api/v1/inbox/session`
    InboxSignOut,
    /// `GET /api/v1/inbox/me`
    InboxMe,
    /// `GET /api/v1/conversations/{id}/live` (a WebSocket)
    Live(String),
    /// `POST /api/v1/admin/conversations/{id}/messages`: a human agent's message
    AdminAgentMessage(String),
    /// `POST /api/v1/admin/conversations/{id}/events`: an agent joined or is typing
    AdminAgentSignal(String),
    /// `GET /api/v1/inbox/conversations?view=…&q=…`
    InboxList,
    /// `GET /api/v1/inbox/conversations/{id}`
    InboxConversation(String),
    /// `POST /api/v1/inbox/conversations/{id}/{claim|take_over|assign|messages|hand_back|resolve|reopen|notes}`
    InboxAct(String, Act),
    /// `GET /api/v1/inbox/conversations/{id}/live` (a WebSocket, an agent's)
    InboxWatch(String),
    /// `POST /api/v1/inbox/conversations/{id}/read`: the agent's read mark (D1's, not the
    /// conversation object's: it changes nothing of the conversation)
    InboxRead(String),
    /// `POST /api/v1/inbox/conversations/{id}/labels`: tags and priority (D1's, like the read mark)
    InboxLabels(String),
    /// `POST` (`true`) or `DELETE` (`false`) `/api/v1/inbox/conversations/{id}/snooze` (D1's,
    /// like the labels)
    InboxSnooze(String, bool),
    /// `GET /api/v1/inbox/agents`
    InboxAgents,
    /// `POST /api/v1/inbox/conversations/{id}/attachments`: an agent's file (raw body)
    InboxUploadFile(String),
    /// `GET /api/v1/inbox/conversations/{id}/attachments/{file}`
    InboxFile(String, String),
    /// `GET /api/v1/inbox/canned`: the shared canned replies and the agent's own
    InboxCanned,
    /// `POST /api/v1/inbox/canned`
    InboxAddCanned,
    /// `PUT /api/v1/inbox/canned/{id}`
    InboxChangeCanned(String),
    /// `DELETE /api/v1/inbox/canned/{id}`
    InboxDeleteCanned(String),
    /// `GET /api/v1/inbox/live` (a WebSocket: the inbox's news)
    InboxLive,
}

impl Route {
    /// The conversation a route reads or writes, if it is one conversation's: such requests are
    /// answered by that conversation's object, which holds its messages (`object::conversation`).
    pub fn conversation(&self) -> Option<&str> {
        match self {
            Route::PostMessage(id)
            | Route::ListMessages(id)
            | Route::SubmitForm(id, _)
            | Route::ClickButton(id, _, _)
            | Route::SetAttributes(id)
            | Route::UploadFile(id)
            | Route::File(id, _)
            | Route::InboxUploadFile(id)
            | Route::InboxFile(id, _)
            | Route::DeleteConversation(id)
            | Route::AdminDeleteConversation(id)
            | Route::Live(id)
            | Route::AdminAgentMessage(id)
            | Route::AdminAgentSignal(id)
            | Route::InboxConversation(id)
            | Route::InboxAct(id, _)
            | Route::InboxWatch(id) => Some(id),
            Route::Site
            | Route::CreateConversation
            | Route::AdminActions
            | Route::AdminActionLogs(_)
            | Route::AdminActionTest(_)
            | Route::AdminActionSwitch(..)
            | Route::AdminCreateAction
            | Route::AdminCheckAction
            | Route::AdminActionDefinition(_)
            | Route::AdminReplaceAction(_)
            | Route::AdminRevertAction(_)
            | Route::AdminModelUsage
            | Route::AdminReports
            | Route::AdminReportsCsv
            | Route::AdminErasures
            | Route::AdminAddAgent
            | Route::AdminTeam
            | Route::AdminSetRole(_)
            | Route::AdminSetPassword(_)
            | Route::AdminDisableAgent(..)
            | Route::AdminEndSessions(_)
            | Route::InboxSignIn
            | Route::InboxSignOut
            | Route::InboxMe
            | Route::InboxList
            | Route::InboxRead(_)
            | Route::InboxLabels(_)
            | Route::InboxSnooze(..)
            | Route::InboxCanned
            | Route::InboxAddCanned
            | Route::InboxChangeCanned(_)
            | Route::InboxDeleteCanned(_)
            | Route::InboxAgents
            | Route::InboxLive => None,
        }
    }

    /// A visitor's message or click, whose lasting change is usually new messages and what the
    /// turn counts: its object may pass it on to D1 a moment later instead of before answering
    /// (a form's submission, which erasure reports count, always goes before).
    pub fn is_visitor_turn(&self) -> bool {
        matches!(self, Route::PostMessage(_) | Route::ClickButton(..))
    }

    /// A file's upload: its body is the file, up to the owner's `[attachments] max_mb`.
    pub fn is_upload(&self) -> bool {
        matches!(self, Route::UploadFile(_) | Route::InboxUploadFile(_))
    }
}

/// Finds the route, or says why there is none (404 / 405).
pub fn route(method: &str, path: &str) -> Result<Route, ApiError> {
    let rest = path.strip_prefix("/api/v1/").ok_or_else(not_found)?;
    // Each segment as the client meant it: an action's slug may hold any letter ("réinitialiser"),
    // which a browser sends percent-encoded.
    let decoded: Vec<String> = rest
        .trim_end_matches('/')
        .split('/')
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let (get, post) = (method == "GET" || method == "HEAD", method == "POST");
    let (delete, put) = (method == "DELETE", method == "PUT");
    match segments.as_slice() {
        ["site"] if get => Ok(Route::Site),
        ["conversations"] if post => Ok(Route::CreateConversation),
        ["conversations", id, "messages"] if post => Ok(Route::PostMessage(id.to_string())),
        ["conversations", id, "messages"] if get => Ok(Route::ListMessages(id.to_string())),
        ["conversations", id, "messages", message, "submit"] if post => {
            Ok(Route::SubmitForm(id.to_string(), message.to_string()))
        }
        ["conversations", id, "messages", message, "buttons", button] if post => {
            Ok(Route::ClickButton(id.to_string(), message.to_string(), button.to_string()))
        }
        ["conversations", id, "attributes"] if post => Ok(Route::SetAttributes(id.to_string())),
        ["conversations", id, "attachments"] if post => Ok(Route::UploadFile(id.to_string())),
        ["conversations", id, "attachments", file] if get => Ok(Route::File(id.to_string(), file.to_string())),
        ["inbox", "conversations", id, "attachments"] if post => Ok(Route::InboxUploadFile(id.to_string())),
        ["inbox", "conversations", id, "attachments", file] if get => {
            Ok(Route::InboxFile(id.to_string(), file.to_string()))
        }
        ["admin", "actions"] if get => Ok(Route::AdminActions),
        ["admin", "actions"] if post => Ok(Route::AdminCreateAction),
        ["admin", "actions", "check"] if post => Ok(Route::AdminCheckAction),
        ["admin", "actions", name, "definition"] if get => Ok(Route::AdminActionDefinition(name.to_string())),
        ["admin", "actions", name, "definition"] if put => Ok(Route::AdminReplaceAction(name.to_string())),
        ["admin", "actions", name, "definition"] if delete => Ok(Route::AdminRevertAction(name.to_string())),
        ["admin", "actions", name, "logs"] if get => Ok(Route::AdminActionLogs(name.to_string())),
        ["admin", "actions", name, "test"] if post => Ok(Route::AdminActionTest(name.to_string())),
        ["admin", "actions", name, "enabled"] if put => Ok(Route::AdminActionSwitch(name.to_string(), true)),
        ["admin", "actions", name, "enabled"] if delete => Ok(Route::AdminActionSwitch(name.to_string(), false)),
        ["admin", "model-usage"] if get => Ok(Route::AdminModelUsage),
        ["admin", "reports"] if get => Ok(Route::AdminReports),
        ["admin", "reports.csv"] if get => Ok(Route::AdminReportsCsv),
        ["conversations", id] if delete => Ok(Route::DeleteConversation(id.to_string())),
        ["admin", "conversations", id] if delete => Ok(Route::AdminDeleteConversation(id.to_string())),
        ["admin", "erasures"] if post => Ok(Route::AdminErasures),
        ["admin", "agents"] if post => Ok(Route::AdminAddAgent),
        ["admin", "agents"] if get => Ok(Route::AdminTeam),
        ["admin", "agents", id, "role"] if post => Ok(Route::AdminSetRole(id.to_string())),
        ["admin", "agents", id, "password"] if post => Ok(Route::AdminSetPassword(id.to_string())),
        ["admin", "agents", id, "disable"] if post => Ok(Route::AdminDisableAgent(id.to_string(), true)),
        ["admin", "agents", id, "enable"] if post => Ok(Route::AdminDisableAgent(id.to_string(), false)),
        ["admin", "agents", id, "sessions"] if delete => Ok(Route::AdminEndSessions(id.to_string())),
        ["inbox", "session"] if post => Ok(Route::InboxSignIn),
        ["inbox", "session"] if delete => Ok(Route::InboxSignOut),
        ["inbox", "me"] if get => Ok(Route::InboxMe),
        ["conversations", id, "live"] if get => Ok(Route::Live(id.to_string())),
        ["admin", "conversations", id, "messages"] if post => Ok(Route::AdminAgentMessage(id.to_string())),
        ["admin", "conversations", id, "events"] if post => Ok(Route::AdminAgentSignal(id.to_string())),
        ["inbox", "conversations"] if get => Ok(Route::InboxList),
        ["inbox", "conversations", id] if get => Ok(Route::InboxConversation(id.to_string())),
        ["inbox", "conversations", id, "live"] if get => Ok(Route::InboxWatch(id.to_string())),
        ["inbox", "conversations", id, "read"] if post => Ok(Route::InboxRead(id.to_string())),
        ["inbox", "conversations", id, "labels"] if post => Ok(Route::InboxLabels(id.to_string())),
        ["inbox", "conversations", id, "snooze"] if post => Ok(Route::InboxSnooze(id.to_string(), true)),
        ["inbox", "conversations", id, "snooze"] if delete => Ok(Route::InboxSnooze(id.to_string(), false)),
        ["inbox", "conversations", id, act] if post && Act::parse(act).is_some() => {
            Ok(Route::InboxAct(id.to_string(), Act::parse(act).expect("checked")))
        }
        ["inbox", "agents"] if get => Ok(Route::InboxAgents),
        ["inbox", "canned"] if get => Ok(Route::InboxCanned),
        ["inbox", "canned"] if post => Ok(Route::InboxAddCanned),
        ["inbox", "canned", id] if put => Ok(Route::InboxChangeCanned(id.to_string())),
        ["inbox", "canned", id] if delete => Ok(Route::InboxDeleteCanned(id.to_string())),
        ["inbox", "live"] if get => Ok(Route::InboxLive),
        ["site"]
        | ["conversations"]
        | ["conversations", _, "messages"]
        | ["conversations", _, "messages", _, "submit"]
        | ["conversations", _, "messages", _, "buttons", _]
        | ["conversations", _, "attributes" | "attachments"]
        | ["conversations", _, "attachments", _]
        | ["inbox", "conversations", _, "attachments"]
        | ["inbox", "conversations", _, "attachments", _]
        | ["admin", "actions"]
        | ["admin", "actions", _, "logs" | "test" | "definition"]
        | ["admin", "actions", "check"]
        | ["conversations", _]
        | ["admin", "conversations", _]
        | ["admin", "erasures"]
        | ["admin", "reports" | "reports.csv" | "model-usage"]
        | ["admin", "agents"]
        | ["admin", "agents", _, "disable" | "enable" | "sessions"]
        | ["inbox", "session"]
        | ["inbox", "me"]
        | ["conversations", _, "live"]
        | ["admin", "conversations", _, "messages" | "events"]
        | ["inbox", "conversations"]
        | ["inbox", "conversations", _]
        | ["inbox", "conversations", _, "live" | "read" | "labels" | "snooze"]
        | ["inbox", "agents" | "live" | "canned"]
        | ["inbox", "canned", _] => {
            Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {path}")))
        }
        _ => Err(not_found()),
    }
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such API route; see the README's API section")
}

/// A move of a conversation between statuses that an agent asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// `POST …/claim`: `waiting` → `assigned` to the agent.
    Claim,
    /// `POST …/take_over`: `ai` → `assigned` to the agent.
    TakeOver,
    /// `POST …/assign`: to another agent.
    Assign,
    /// `POST …/hand_back`: back to the AI.
    HandBack,
    /// `POST …/resolve`
    Resolve,
    /// `POST …/reopen`: `resolved` → `assigned` to the agent.
    Reopen,
}

/// What an inbox request does to a conversation, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Moves it between statuses.
    Move(Transition),
    /// `POST …/messages`: the assignee's reply.
    Reply,
    /// `POST …/notes`: a private note.
    Note,
}

impl Act {
    /// From the last path segment.
    pub fn parse(segment: &str) -> Option<Self> {
        Some(match segment {
            "claim" => Self::Move(Transition::Claim),
            "take_over" => Self::Move(Transition::TakeOver),
            "assign" => Self::Move(Transition::Assign),
            "hand_back" => Self::Move(Transition::HandBack),
            "resolve" => Self::Move(Transition::Resolve),
            "reopen" => Self::Move(Transition::Reopen),
            "messages" => Self::Reply,
            "notes" => Self::Note,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Transition;
    use super::*;

    #[test]
    fn every_route_of_one_conversation_names_it() {
        let of = |method: &str, path: &str| route(method, path).unwrap().conversation().map(String::from);
        for (method, path) in [
            ("POST", "/api/v1/conversations/c1/messages"),
            ("GET", "/api/v1/conversations/c1/messages"),
            ("POST", "/api/v1/conversations/c1/messages/m1/submit"),
            ("POST", "/api/v1/conversations/c1/messages/m1/buttons/b1"),
            ("POST", "/api/v1/conversations/c1/attributes"),
            ("DELETE", "/api/v1/conversations/c1"),
            ("DELETE", "/api/v1/admin/conversations/c1"),
            ("GET", "/api/v1/conversations/c1/live"),
            ("POST", "/api/v1/admin/conversations/c1/messages"),
            ("POST", "/api/v1/admin/conversations/c1/events"),
            ("GET", "/api/v1/inbox/conversations/c1"),
            ("POST", "/api/v1/inbox/conversations/c1/claim"),
            ("GET", "/api/v1/inbox/conversations/c1/live"),
        ] {
            assert_eq!(of(method, path).as_deref(), Some("c1"), "{method} {path}");
        }
        for (method, path) in
            [("POST", "/api/v1/conversations"), ("GET", "/api/v1/inbox/conversations"), ("GET", "/api/v1/site")]
        {
            assert_eq!(of(method, path), None, "{method} {path}");
        }
    }

    #[test]
    fn routes() {
        assert_eq!(route("POST", "/api/v1/conversations").unwrap(), Route::CreateConversation);
        assert_eq!(route("POST", "/api/v1/conversations/c1/messages").unwrap(), Route::PostMessage("c1".into()));
        assert_eq!(route("GET", "/api/v1/conversations/c1/messages/").unwrap(), Route::ListMessages("c1".into()));
        assert_eq!(route("GET", "/api/v1/site").unwrap(), Route::Site);
        assert_eq!(
            route("POST", "/api/v1/conversations/c1/messages/m1/buttons/b0").unwrap(),
            Route::ClickButton("c1".into(), "m1".into(), "b0".into())
        );
        assert_eq!(route("POST", "/api/v1/conversations/c1/attributes").unwrap(), Route::SetAttributes("c1".into()));
        assert_eq!(route("GET", "/api/v1/conversations/c1/attributes").unwrap_err().code, ErrorCode::MethodNotAllowed);
        assert_eq!(route("POST", "/api/v1/admin/actions").unwrap(), Route::AdminCreateAction);
        assert_eq!(route("POST", "/api/v1/admin/actions/check").unwrap(), Route::AdminCheckAction);
        let definition = "/api/v1/admin/actions/refund/definition";
        assert_eq!(route("GET", definition).unwrap(), Route::AdminActionDefinition("refund".into()));
        assert_eq!(route("PUT", definition).unwrap(), Route::AdminReplaceAction("refund".into()));
        assert_eq!(route("DELETE", definition).unwrap(), Route::AdminRevertAction("refund".into()));
        assert_eq!(route("POST", definition).unwrap_err().code, ErrorCode::MethodNotAllowed);
        let accented = "/api/v1/admin/actions/r%C3%A9initialiser/definition";
        assert_eq!(route("GET", accented).unwrap(), Route::AdminActionDefinition("réinitialiser".into()));
    }

    #[test]
    fn erasure_routes() {
        assert_eq!(route("DELETE", "/api/v1/conversations/c1").unwrap(), Route::DeleteConversation("c1".into()));
        assert_eq!(
            route("DELETE", "/api/v1/admin/conversations/c1").unwrap(),
            Route::AdminDeleteConversation("c1".into())
        );
        assert_eq!(route("POST", "/api/v1/admin/erasures").unwrap(), Route::AdminErasures);
        assert_eq!(route("GET", "/api/v1/conversations/c1/live").unwrap(), Route::Live("c1".into()));
        assert_eq!(
            route("POST", "/api/v1/admin/conversations/c1/messages").unwrap(),
            Route::AdminAgentMessage("c1".into())
        );
        assert_eq!(
            route("POST", "/api/v1/admin/conversations/c1/events").unwrap(),
            Route::AdminAgentSignal("c1".into())
        );
        assert_eq!(route("POST", "/api/v1/conversations/c1/live").unwrap_err().code, ErrorCode::MethodNotAllowed);
        for (method, path) in [
            ("GET", "/api/v1/conversations/c1"),
            ("POST", "/api/v1/conversations/c1"),
            ("GET", "/api/v1/admin/conversations/c1"),
            ("DELETE", "/api/v1/admin/erasures"),
        ] {
            assert_eq!(route(method, path).unwrap_err().code, ErrorCode::MethodNotAllowed, "{method} {path}");
        }
        assert_eq!(route("DELETE", "/api/v1/conversations/c1/messages").unwrap_err().code, ErrorCode::MethodNotAllowed);
    }

    #[test]
    fn inbox_routes() {
        assert_eq!(route("GET", "/api/v1/inbox/conversations").unwrap(), Route::InboxList);
        assert_eq!(route("GET", "/api/v1/inbox/conversations/c1").unwrap(), Route::InboxConversation("c1".into()));
        assert_eq!(
            route("POST", "/api/v1/inbox/conversations/c1/take_over").unwrap(),
            Route::InboxAct("c1".into(), Act::Move(Transition::TakeOver))
        );
        assert_eq!(
            route("POST", "/api/v1/inbox/conversations/c1/messages").unwrap(),
            Route::InboxAct("c1".into(), Act::Reply)
        );
        assert_eq!(route("GET", "/api/v1/inbox/conversations/c1/live").unwrap(), Route::InboxWatch("c1".into()));
        assert_eq!(route("GET", "/api/v1/inbox/live").unwrap(), Route::InboxLive);
        assert_eq!(route("GET", "/api/v1/inbox/agents").unwrap(), Route::InboxAgents);
        assert_eq!(route("POST", "/api/v1/inbox/conversations/c1/delete").unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(route("GET", "/api/v1/inbox/conversations/c1/claim").unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(route("POST", "/api/v1/inbox/conversations/c1").unwrap_err().code, ErrorCode::MethodNotAllowed);
        assert_eq!(route("POST", "/api/v1/inbox/live").unwrap_err().code, ErrorCode::MethodNotAllowed);
    }

    #[test]
    fn wrong_method_and_unknown_paths() {
        assert_eq!(route("DELETE", "/api/v1/conversations").unwrap_err().code, ErrorCode::MethodNotAllowed);
        assert_eq!(route("GET", "/api/v1/nope").unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(route("GET", "/api/v2/site").unwrap_err().code, ErrorCode::NotFound);
    }
}
