//! Plain HTTP request and response values.

use serde::Serialize;

/// A request as the API sees it.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Query string without `?`.
    pub query: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    /// The token from `Authorization: Bearer <token>`.
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
    }
}

/// A response as the API produces it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body text (JSON).
    pub body: String,
    /// An internal failure behind this response, for the Worker's log (`glue` writes it with
    /// `console_error!`); never sent.
    pub log: Option<String>,
    /// What this request added to a conversation, for the Worker to push to the conversation's
    /// live sockets (`glue` hands it to the `Conversation` object); never sent in the body.
    pub publish: Option<Publish>,
    /// A live socket the request may open (`101`): `glue` hands the request to the
    /// conversation's object with it instead of answering.
    pub upgrade: Option<super::tickets::LiveTicket>,
    /// What this request changed that agents' inbox lists show (boxed, like the rarer fields, to
    /// keep responses small), for the Worker to push to the
    /// site's inbox sockets (`glue` hands it to the `Inbox` object); never sent in the body.
    pub inbox: Option<Box<shared::inbox::InboxEvent>>,
    /// An agent's inbox socket the request may open (`101`): `glue` hands the request to the
    /// site's `Inbox` object instead of answering.
    pub inbox_upgrade: Option<Box<super::tickets::InboxTicket>>,
    /// Conversations this request erased from D1, for the Worker to have their objects forget
    /// what they hold (`glue` asks each before answering); never sent in the body.
    pub erased: Vec<shared::ConversationId>,
    /// A file for `glue` to send from the bucket as this response's body, with its headers.
    pub file: Option<Box<crate::attachments::Serve>>,
}

/// Events of one conversation to push to its live sockets.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    /// The conversation.
    pub conversation: shared::ConversationId,
    /// The events, in order.
    pub events: Vec<shared::live::LiveEvent>,
}

impl Publish {
    /// The stored `messages` as events.
    pub fn messages(conversation: &shared::ConversationId, messages: &[shared::Message]) -> Self {
        let events =
            messages.iter().map(|m| shared::live::LiveEvent::Message { message: Box::new(m.clone()) }).collect();
        Self { conversation: conversation.clone(), events }
    }
}

impl HttpResponse {
    /// A response without a body.
    pub fn empty(status: u16, headers: Vec<(String, String)>) -> Self {
        Self {
            status,
            headers,
            body: String::new(),
            log: None,
            publish: None,
            upgrade: None,
            inbox: None,
            inbox_upgrade: None,
            erased: Vec::new(),
            file: None,
        }
    }

    /// A JSON response; a value that cannot be written as JSON is a `500` whose cause rides in
    /// `log`, never an empty object with the caller's status.
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        let (status, body, log) = match serde_json::to_string(value) {
            Ok(body) => (status, body, None),
            Err(e) => (
                500,
                r#"{"error":{"code":"internal","message":"the answer could not be written"}}"#.to_string(),
                Some(format!("serializing a response failed: {e}")),
            ),
        };
        Self {
            status,
            headers: vec![
                ("content-type".into(), "application/json; charset=utf-8".into()),
                ("cache-control".into(), "no-store".into()),
            ],
            body,
            log,
            publish: None,
            upgrade: None,
            inbox: None,
            inbox_upgrade: None,
            erased: Vec::new(),
            file: None,
        }
    }

    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_json_cannot_write_is_a_500_with_its_cause_logged() {
        // A map with non-string keys: serde_json refuses it.
        let odd: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        let r = HttpResponse::json(200, &odd);
        assert_eq!(r.status, 500);
        assert!(r.body.contains("\"internal\""), "{}", r.body);
        assert!(r.log.as_deref().is_some_and(|l| l.contains("serializing")), "{:?}", r.log);
    }

    #[test]
    fn bearer_tokens() {
        let req = |v: &str| HttpRequest { headers: vec![("authorization".into(), v.into())], ..Default::default() };
        assert_eq!(req("Bearer abc").bearer_token(), Some("abc"));
        assert_eq!(req("bearer  abc ").bearer_token(), Some("abc"));
        assert_eq!(req("Basic abc").bearer_token(), None);
        assert_eq!(req("Bearer ").bearer_token(), None);
        assert_eq!(HttpRequest::default().bearer_token(), None);
    }
}
