//! One action run as it is logged and shown: what the edge's runner makes, its store keeps and
//! the owner's console reads (`GET /api/v1/admin/actions/{name}/logs`), credentials already
//! redacted.

use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// The target answered 2xx.
    Ok,
    /// The call failed (timeout, network, 4xx/5xx, bad JSON).
    Failed,
    /// The edge refused to make the call (guard, SSRF, missing value).
    Refused,
}

/// What kind of failure, for logs and for the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Per-attempt timeout.
    Timeout,
    /// Could not connect.
    Network,
    /// 4xx.
    Http4xx,
    /// 5xx.
    Http5xx,
    /// 2xx whose body is not JSON.
    InvalidJson,
    /// 2xx whose body fails the action's `response.success_when` (e.g. `{"verified": false}`).
    ConditionFailed,
    /// Response body too large.
    TooLarge,
    /// The URL (or a redirect) is not allowed.
    Ssrf,
    /// A value needed by the request is missing or unsafe.
    Template,
    /// Token endpoint failed.
    Auth,
    /// A guard refused (verification, preconditions, unknown or disabled action).
    Guard,
    /// The action's rate limit is full (nothing was sent).
    RateLimited,
    /// Too many wrong one-time codes for this conversation or email (nothing was sent).
    WrongCodeLimit,
}

/// The redacted request, as logged and as shown by the test endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Method.
    pub method: String,
    /// URL with credentials redacted.
    pub url: String,
    /// Headers with credentials redacted.
    pub headers: Vec<(String, String)>,
    /// Body with credentials redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The outcome of one action run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRun {
    /// The action's slug.
    pub action: String,
    /// How it ended.
    pub status: RunStatus,
    /// Failure kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_class: Option<ErrorClass>,
    /// A sentence for the log and the owner (never holds a credential; may name hosts and
    /// statuses). Visitors see [`ActionRun::visitor_reason`] instead.
    pub summary: String,
    /// The response's selected fields (ok runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// The rendered reply template (ok runs with one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// The last request sent, redacted.
    pub request: LoggedRequest,
    /// Last HTTP status received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    /// Last response body, capped, redacted and masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Wall time of the whole run, ms.
    pub duration_ms: u32,
    /// Attempts after the first.
    pub retries: u32,
    /// The response met the action's `response.handoff_when`: the conversation goes to a human.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handoff: bool,
}

impl ActionRun {
    /// A run that sent nothing (yet): refused by a guard, or about to start.
    pub fn not_sent(action: String, status: RunStatus, error_class: Option<ErrorClass>, summary: String) -> Self {
        Self {
            action,
            status,
            error_class,
            summary,
            data: None,
            reply: None,
            request: LoggedRequest::default(),
            response_status: None,
            response_body: None,
            duration_ms: 0,
            retries: 0,
            handoff: false,
        }
    }

    /// What the owner's API said is wrong with the request, when it answered so (404 or 410: not
    /// found; 400 or 422: not accepted; 409: not in this state): the visitor's details, not a
    /// failure of the service. Refused credentials (401, 403) and the rest stay failures.
    pub fn declined_by_service(&self) -> Option<&'static str> {
        if self.status != RunStatus::Failed || self.error_class != Some(ErrorClass::Http4xx) {
            return None;
        }
        Some(match self.response_status? {
            404 | 410 => "I couldn't find anything matching the details you gave. Please check them and try again.",
            400 | 422 => "The service didn't accept the details you gave. Please check them and try again.",
            409 => "That can't be done in its current state.",
            _ => return None,
        })
    }

    /// Why the run did not succeed, in words safe to show the visitor: chosen by error class only,
    /// so it names no host, path, status, setting or secret (those are in `summary`, for the log).
    /// A guard's refusal is already written for the visitor and is shown as it is.
    pub fn visitor_reason(&self) -> String {
        let reason = match self.error_class {
            Some(ErrorClass::Guard | ErrorClass::RateLimited | ErrorClass::WrongCodeLimit) => {
                return self.summary.clone()
            }
            Some(ErrorClass::ConditionFailed) => "the service did not confirm it",
            Some(ErrorClass::Timeout) => "the service did not answer in time",
            Some(ErrorClass::Network) => "the service could not be reached",
            Some(ErrorClass::Http5xx) => "the service is unavailable right now",
            Some(ErrorClass::Http4xx) => "the service could not process the request",
            Some(ErrorClass::InvalidJson) => "the service sent an answer I could not read",
            Some(ErrorClass::TooLarge) => "the service sent an answer that was too large",
            Some(ErrorClass::Auth) => "signing in to the service failed",
            Some(ErrorClass::Ssrf | ErrorClass::Template) => "this is not set up correctly on our side",
            None if self.status == RunStatus::Ok => "it worked",
            None => "something went wrong",
        };
        reason.to_string()
    }
}

/// One logged run, as the admin API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionLogEntry {
    /// Cursor for paging (`before=`).
    pub id: i64,
    /// When it ran, RFC 3339.
    pub at: String,
    /// The conversation it ran in (none for test-endpoint runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Run from the admin test endpoint.
    pub test: bool,
    /// Whether the result was put into the conversation.
    pub injected: bool,
    /// The run: request (redacted), status, response, timing.
    #[serde(flatten)]
    pub run: ActionRun,
}
