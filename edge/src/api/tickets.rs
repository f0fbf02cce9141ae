//! The checked requests for a live socket that a response hands on (`HttpResponse::upgrade`,
//! `inbox_upgrade`): a leaf, so the response type names no handler.

use crate::live::Subscriber;
use shared::MessageId;

/// A checked request to watch a conversation: the Worker hands the socket to the conversation's
/// object with this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveTicket {
    /// Whose socket, for which conversation.
    pub subscriber: Subscriber,
    /// The last message the client has; it gets every message stored after it first.
    pub after: Option<MessageId>,
}

/// A checked request for an agent's inbox socket: the Worker hands it to the site's `Inbox`
/// object, which pushes `shared::inbox::InboxEvent`s to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxTicket {
    /// The signed-in agent.
    pub agent_id: String,
    /// The SHA-256 of the agent's session, checked again before every push.
    pub session: String,
}
