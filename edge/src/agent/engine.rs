//! The seam between a turn and what answers from the owner's content: the built-in grounded
//! engine writes answers itself and finds the passages a model answers from.

use crate::store::NewMessage;
use shared::{ActionOutcome, Author, Message, MessageId, Source};

/// What the engine is asked.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The visitor's latest message.
    pub text: &'a str,
    /// The conversation so far, oldest first, without the latest message.
    pub history: &'a [Message],
}

/// One reply message to send back.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Markdown text.
    pub text: String,
    /// Pages the reply was drawn from.
    pub sources: Vec<Source>,
    /// Whether the reply is grounded in the owner's content (false for "I don't know").
    pub grounded: bool,
    /// The action this reply reports on.
    pub action: Option<ActionOutcome>,
    /// A form for the visitor to fill in.
    pub form: Option<shared::FormCard>,
    /// Buttons under the reply.
    pub buttons: Vec<shared::ButtonCard>,
    /// The turn could not answer the visitor's question (its "I don't know"): counted in the
    /// owner's report of questions to write pages for.
    pub unanswered: bool,
}

impl Reply {
    /// A reply that is only text, not drawn from the owner's content.
    pub fn say(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            sources: Vec::new(),
            grounded: false,
            action: None,
            form: None,
            buttons: Vec::new(),
            unanswered: false,
        }
    }

    /// The `n`th reply to the visitor's message `to`, as stored at `at_ms`: its id derived from the
    /// visitor's (`<id>-r<n>`), so a concurrent retry writes the same ids, never more.
    pub fn stored(self, to: &MessageId, n: usize, at_ms: u64) -> NewMessage {
        NewMessage {
            id: MessageId::parse(format!("{to}-r{n}")).expect("an id derived from an id is an id"),
            author: Author::Bot,
            author_name: None,
            text: self.text,
            sources: self.sources,
            client_message_id: None,
            reply_to: Some(to.clone()),
            action: self.action,
            form: self.form,
            submission: None,
            buttons: self.buttons,
            created_at_ms: at_ms,
            unanswered: self.unanswered,
            attachment: None,
        }
    }
}

/// A passage of the owner's content found for a question, with the page it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Where it is from.
    pub source: Source,
    /// Its text.
    pub text: String,
}

/// Writes the agent's replies.
#[allow(async_fn_in_trait)] // The edge is single-threaded wasm: no Send bound is wanted.
pub trait AnswerEngine {
    /// Replies to the visitor's latest message; never invents facts absent from the owner's content.
    async fn reply(&self, question: Question<'_>) -> Vec<Reply>;

    /// How well the owner's content covers a question, 0–1 (decides between answering and acting).
    fn coverage(&self, question: &str) -> f64;

    /// The passages that best answer the question (a follow-up read with the question before it),
    /// best first, at most `limit`: what a model is given to answer from.
    fn passages(&self, question: Question<'_>, limit: usize) -> Vec<Passage>;
}
