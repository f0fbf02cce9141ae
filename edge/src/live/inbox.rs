//! The inbox's live news, as plain logic: every agent tab of the site holds one socket on the
//! site's `Inbox` object (`glue/inbox.rs`), which pushes each [`InboxEvent`] to all of them so
//! lists and counts refresh. The events carry a conversation id and a status only; what an agent
//! then reads goes through the inbox API and its session check.

use shared::inbox::InboxEvent;

/// Most inbox sockets the site's object holds (agents' tabs); more are refused.
pub const MAX_INBOX_SOCKETS: usize = 500;

/// Most inbox sockets one agent holds (their tabs): one agent's tab opening sockets in a loop
/// cannot fill the site's share.
pub const MAX_INBOX_SOCKETS_PER_AGENT: usize = 20;

/// What an inbox socket carries (its attachment): the agent, and the SHA-256 of the session it
/// was opened under (checked before every push: `live::sessions`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InboxSubscriber {
    /// The agent's id.
    pub agent_id: String,
    /// The session's hash.
    pub session: String,
}

/// Whether one more socket for `agent_id` fits beside the sockets held (by agent).
pub fn may_accept_inbox(held: &[String], agent_id: &str) -> bool {
    held.len() < MAX_INBOX_SOCKETS && held.iter().filter(|a| *a == agent_id).count() < MAX_INBOX_SOCKETS_PER_AGENT
}

/// The name of the site's one `Inbox` object (a Worker serves one site).
pub const INBOX_OBJECT: &str = "inbox";

/// An agent's inbox socket as the fan-out sees it.
pub trait InboxSocket {
    /// Sends one text frame; `false` when the socket is gone.
    fn send_text(&self, text: &str) -> bool;
}

/// Sends `event` to every socket (serialized once); returns how many got it.
pub fn fan_out_inbox<S: InboxSocket>(event: &InboxEvent, sockets: &[S]) -> usize {
    let text = serde_json::to_string(event).expect("inbox events serialize");
    sockets.iter().filter(|s| s.send_text(&text)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::handoff::ConversationStatus;
    use std::cell::RefCell;

    struct Tab(bool, RefCell<Vec<String>>);

    impl InboxSocket for Tab {
        fn send_text(&self, text: &str) -> bool {
            if self.0 {
                self.1.borrow_mut().push(text.into());
            }
            self.0
        }
    }

    #[test]
    fn one_agent_cannot_fill_the_sites_inbox_sockets() {
        let mine = vec!["sam".to_string(); MAX_INBOX_SOCKETS_PER_AGENT];
        assert!(!may_accept_inbox(&mine, "sam"));
        assert!(may_accept_inbox(&mine, "kim"));
    }

    #[test]
    fn every_open_tab_hears_the_news_once() {
        let tabs = [Tab(true, RefCell::default()), Tab(false, RefCell::default()), Tab(true, RefCell::default())];
        let event = InboxEvent::Changed { conversation_id: "c1".into(), status: ConversationStatus::Waiting };
        assert_eq!(fan_out_inbox(&event, &tabs), 2);
        assert_eq!(tabs[0].1.borrow().as_slice(), [r#"{"type":"changed","conversation_id":"c1","status":"waiting"}"#]);
        assert_eq!(*tabs[2].1.borrow(), *tabs[0].1.borrow());
    }
}
