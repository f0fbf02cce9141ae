//! A reply shown as it is written: the model's pieces go to the conversation's sockets while the
//! turn runs, and the visitor may stop it. The conversation's object implements it
//! (`object::conversation`); a request answered without an object streams nothing.

use shared::MessageId;

/// Where a reply being written is shown, and whether the visitor stopped it.
pub trait ReplyStream {
    /// Shows a piece of the reply to `reply_to`, after `at` characters of it.
    fn delta(&self, reply_to: &MessageId, at: usize, text: &str);
    /// Whether the visitor asked to stop the reply to `reply_to`.
    fn stopped(&self, reply_to: &MessageId) -> bool;
}
