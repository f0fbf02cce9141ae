//! One error type for the API, rendered as `{"error": {"code", "message", "field"?}}`.

use super::http::HttpResponse;
use shared::api::{ApiErrorBody, ApiErrorDetail, ErrorCode};

/// An API failure with a machine-readable code and a message a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    /// Machine-readable code (decides the status).
    pub code: ErrorCode,
    /// What went wrong.
    pub message: String,
    /// The field to blame, if any.
    pub field: Option<String>,
    /// Per-field messages (invalid forms).
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// Seconds to wait (rate limited).
    pub retry_after: Option<u64>,
    /// What failed inside (a storage error), for the Worker's log only: never sent to the client.
    /// (Boxed: keeps `ApiError` small enough to return by value everywhere.)
    pub cause: Option<Box<str>>,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None, fields: None, retry_after: None, cause: None }
    }

    /// A form submission with invalid fields.
    pub fn invalid_form(fields: std::collections::BTreeMap<String, String>) -> Self {
        let message = format!("{} field(s) need attention", fields.len());
        Self { fields: Some(fields), ..Self::new(ErrorCode::InvalidForm, message) }
    }

    /// A bad value in one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(ErrorCode::InvalidField, message) }
    }

    /// Too many requests: try again in `retry_after_s` seconds (at least 1).
    pub fn rate_limited(retry_after_s: u64) -> Self {
        let wait = retry_after_s.max(1);
        Self {
            retry_after: Some(wait),
            ..Self::new(ErrorCode::RateLimited, format!("too many requests; try again in {wait} s"))
        }
    }

    /// A body over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(ErrorCode::PayloadTooLarge, format!("request body is larger than {limit} bytes"))
    }

    /// A body that does not parse as the route's JSON: syntax errors and shape errors differ.
    pub fn from_json(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => Self::new(ErrorCode::InvalidField, format!("invalid request body: {e}")),
            _ => Self::new(ErrorCode::MalformedJson, format!("request body is not valid JSON: {e}")),
        }
    }

    /// The JSON response (the cause, if any, goes with it for `glue` to log, not in the body).
    pub fn into_response(self) -> HttpResponse {
        let status = self.code.status();
        let retry_after = self.retry_after;
        let cause = self.cause.map(String::from);
        let mut response = HttpResponse::json(
            status,
            &ApiErrorBody {
                error: ApiErrorDetail {
                    code: self.code,
                    message: self.message,
                    field: self.field,
                    fields: self.fields,
                    retry_after,
                },
            },
        );
        if let Some(seconds) = retry_after {
            response.headers.push(("retry-after".into(), seconds.to_string()));
        }
        response.log = cause;
        response
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        // The cause goes to the Worker's log (glue writes it), not to the client.
        Self {
            cause: Some(e.to_string().into()),
            ..Self::new(ErrorCode::Internal, "the conversation store is unavailable; retry the request")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_are_classified() {
        let syntax = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        assert_eq!(ApiError::from_json(&syntax).code, ErrorCode::MalformedJson);
        let shape = serde_json::from_str::<shared::api::PostMessageRequest>("{}").unwrap_err();
        let e = ApiError::from_json(&shape);
        assert_eq!(e.code, ErrorCode::InvalidField);
        assert!(e.message.contains("missing field `text`"), "{}", e.message);
    }

    #[test]
    fn renders_status_and_body() {
        let r = ApiError::invalid_field("text", "must not be empty").into_response();
        assert_eq!(r.status, 400);
        assert_eq!(r.body, r#"{"error":{"code":"invalid_field","message":"must not be empty","field":"text"}}"#);
        let r = ApiError::rate_limited(7).into_response();
        assert_eq!(r.status, 429);
        assert!(r.headers.contains(&("retry-after".into(), "7".into())), "{:?}", r.headers);
        assert!(r.body.contains(r#""code":"rate_limited""#) && r.body.contains(r#""retry_after":7"#), "{}", r.body);
    }

    #[test]
    fn a_storage_failure_is_logged_not_sent() {
        let failure = crate::store::StoreError("D1_ERROR: no such table: conversations".into());
        let r = ApiError::from(failure).into_response();
        assert_eq!(r.status, 500);
        assert!(!r.body.contains("no such table"), "{}", r.body);
        assert_eq!(r.log.as_deref(), Some("storage failed: D1_ERROR: no such table: conversations"));
        assert_eq!(ApiError::invalid_field("text", "empty").into_response().log, None);
    }
}
