//! Live conversations, as plain logic: who watches a conversation, which event each watcher may
//! see, what a watcher may send, and how a socket that (re)connects resumes from the last message
//! it saw with nothing missed and nothing twice. The `Conversation` Durable Object
//! (`glue/live.rs`) holds the sockets and calls these functions; the messages themselves stay in
//! the conversation store (D1), which is the one record of what was said.

pub mod inbox;
pub mod sessions;
pub mod stream;

use crate::store::{ConversationStore, StoreError};
use serde::{Deserialize, Serialize};
use shared::live::{LiveCommand, LiveEvent, MAX_COMMAND_BYTES};
use shared::{ConversationId, Message, MessageId};
use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};

/// Who holds a socket: a visitor (with the conversation token) or an agent (with an inbox
/// session from the edge's own pages), checked by the Worker before the object sees the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Watcher {
    /// The conversation's own visitor.
    Visitor,
    /// A human agent watching or answering from the inbox.
    Agent,
}

/// What a socket is, kept with it (its hibernation attachment), so the object knows after
/// waking up whom each socket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    /// The one conversation the socket carries.
    pub conversation: ConversationId,
    /// Who holds it.
    pub watcher: Watcher,
    /// The agent holding it, as the visitor sees them (agents' sockets only: their typing is
    /// published with this name, which the socket itself cannot claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Box<shared::live::Agent>>,
    /// The SHA-256 of the session an agent's socket was opened under (agents' sockets only): it
    /// is checked before every push and frame, and the socket closes when the session ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// Most sockets one conversation holds at once (a visitor's tabs and every agent watching);
/// more are refused, so one conversation cannot pin unbounded memory in its object.
pub const MAX_SOCKETS: usize = 200;

/// Most of those a visitor's token may hold: the rest are kept for the agents who watch, so a
/// visitor opening sockets in a loop cannot shut the team out of the conversation.
pub const MAX_VISITOR_SOCKETS: usize = 20;

/// Whether one more socket for `watcher` fits beside the `held` ones (by who holds each).
pub fn may_accept(held: &[Watcher], watcher: Watcher) -> bool {
    let visitors = held.iter().filter(|w| **w == Watcher::Visitor).count();
    held.len() < MAX_SOCKETS && (watcher == Watcher::Agent || visitors < MAX_VISITOR_SOCKETS)
}

/// Least time between two "typing" notices one conversation passes on from a visitor's or an
/// agent's socket, ms: clients send one every few seconds while typing; more is noise or abuse.
pub const TYPING_EVERY_MS: u64 = 1_000;

/// Whether a watcher may see an event: visitors see messages, agents joining and agents typing;
/// agents see everything, the visitor typing too.
pub fn visible_to(event: &LiveEvent, watcher: Watcher) -> bool {
    match (event, watcher) {
        (LiveEvent::VisitorTyping { .. }, Watcher::Visitor) => false,
        (_, Watcher::Agent) => true,
        (
            LiveEvent::Message { .. }
            | LiveEvent::AgentJoined(_)
            | LiveEvent::AgentTyping { .. }
            | LiveEvent::ReplyDelta { .. }
            | LiveEvent::Ready,
            Watcher::Visitor,
        ) => true,
    }
}

/// A socket as the fan-out sees it.
pub trait Socket {
    /// Who holds it; `None` when its attachment is missing or unreadable (it then gets nothing).
    fn subscriber(&self) -> Option<Subscriber>;
    /// Sends one text frame; `false` when the socket is gone.
    fn send_text(&self, text: &str) -> bool;
}

impl<S: Socket> Socket for &S {
    fn subscriber(&self) -> Option<Subscriber> {
        (*self).subscriber()
    }
    fn send_text(&self, text: &str) -> bool {
        (*self).send_text(text)
    }
}

/// How one event was delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Sockets that got it.
    pub sent: usize,
    /// Sockets that may not see it, or carry another conversation.
    pub skipped: usize,
    /// Sockets that could not be written to.
    pub failed: usize,
}

/// Sends `event` of `conversation` to every socket allowed to see it. The event is serialized
/// once; a socket of another conversation never gets it, whatever object holds it.
pub fn fan_out<S: Socket>(conversation: &ConversationId, event: &LiveEvent, sockets: &[S]) -> Delivered {
    let text = serde_json::to_string(event).expect("live events serialize");
    let mut delivered = Delivered::default();
    for socket in sockets {
        match socket.subscriber() {
            Some(s) if &s.conversation == conversation && visible_to(event, s.watcher) => {
                if socket.send_text(&text) {
                    delivered.sent += 1;
                } else {
                    delivered.failed += 1;
                }
            }
            _ => delivered.skipped += 1,
        }
    }
    delivered
}

/// Why a client's frame was not accepted (the socket is then closed with
/// [`shared::live::CLOSE_POLICY`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Longer than [`MAX_COMMAND_BYTES`].
    #[error("a live frame may be at most {MAX_COMMAND_BYTES} bytes")]
    TooLong,
    /// Not a [`LiveCommand`].
    #[error("not a live command: {0}")]
    Unreadable(String),
    /// A command this watcher may not send.
    #[error("this socket may not send that")]
    NotAllowed,
}

/// What a client's frame asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// An event to pass on to the conversation's other sockets.
    Event(LiveEvent),
    /// The visitor asks the AI to stop writing its reply to this message.
    Stop(shared::MessageId),
}

/// What a client's frame asks for. A socket may say whether its holder is typing: a visitor's as
/// [`LiveEvent::VisitorTyping`], an agent's as [`LiveEvent::AgentTyping`] with the name the Worker
/// put on the socket (an agent's socket without one may say nothing); and a visitor's socket may
/// stop the AI's reply being written.
pub fn command_event(subscriber: &Subscriber, frame: &str) -> Result<Heard, CommandError> {
    if frame.len() > MAX_COMMAND_BYTES {
        return Err(CommandError::TooLong);
    }
    let command: LiveCommand = serde_json::from_str(frame).map_err(|e| CommandError::Unreadable(e.to_string()))?;
    match (subscriber.watcher, &subscriber.agent, command) {
        (Watcher::Visitor, _, LiveCommand::Typing { typing }) => Ok(Heard::Event(LiveEvent::VisitorTyping { typing })),
        (Watcher::Agent, Some(agent), LiveCommand::Typing { typing }) => {
            Ok(Heard::Event(LiveEvent::AgentTyping { agent: (**agent).clone(), typing }))
        }
        (Watcher::Agent, None, LiveCommand::Typing { .. }) => Err(CommandError::NotAllowed),
        (Watcher::Visitor, _, LiveCommand::Stop { reply_to }) => Ok(Heard::Stop(reply_to)),
        (Watcher::Agent, _, LiveCommand::Stop { .. }) => Err(CommandError::NotAllowed),
    }
}

/// How many recent events an object remembers to close the gap of a connecting socket.
pub const RECENT_EVENTS: usize = 256;

/// The events an object published lately, numbered. A connecting socket reads the stored messages
/// after its cursor from the store, which takes a moment; whatever is published meanwhile is
/// here, so nothing falls between the read and the socket's first live event.
#[derive(Debug, Default)]
pub struct Recent {
    /// The number the next event gets.
    next: u64,
    events: VecDeque<(u64, LiveEvent)>,
}

impl Recent {
    /// Remembers a published event, forgetting the oldest past [`RECENT_EVENTS`].
    pub fn push(&mut self, event: LiveEvent) {
        if self.events.len() == RECENT_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back((self.next, event));
        self.next += 1;
    }

    /// A mark: the events published after it can be asked for with [`Recent::since`].
    pub fn mark(&self) -> u64 {
        self.next
    }

    /// The events published since `mark`, oldest first; `None` when some were already forgotten
    /// (the socket must connect again rather than miss them).
    pub fn since(&self, mark: u64) -> Option<Vec<LiveEvent>> {
        let oldest_kept = self.events.front().map_or(self.next, |(n, _)| *n);
        if mark < oldest_kept {
            return None;
        }
        Some(self.events.iter().filter(|(n, _)| *n >= mark).map(|(_, e)| e.clone()).collect())
    }
}

/// What a (re)connecting socket gets first: the stored messages after its cursor, in stored order,
/// then what was published while they were read, without the messages already sent, then
/// [`LiveEvent::Ready`]. Typing and joins published meanwhile are kept: they are news to the socket.
pub fn resume(backlog: Vec<Message>, published_meanwhile: Vec<LiveEvent>) -> Vec<LiveEvent> {
    let mut seen: BTreeSet<MessageId> = backlog.iter().map(|m| m.id.clone()).collect();
    let mut out: Vec<LiveEvent> =
        backlog.into_iter().map(|message| LiveEvent::Message { message: Box::new(message) }).collect();
    for event in published_meanwhile {
        if let LiveEvent::Message { message } = &event {
            if !seen.insert(message.id.clone()) {
                continue;
            }
        }
        out.push(event);
    }
    out.push(LiveEvent::Ready);
    out
}

/// Where an object's pushes of stored messages stand: the last message its sockets were sent, in
/// stored order. Two requests storing messages in one conversation can publish in the other
/// order; pushing what was published, as it arrives, would let a socket get the later message,
/// drop, and resume after it, missing the earlier one. So a publish only says "something was
/// stored": the object reads what was stored after its cursor and pushes that, one read at a time.
#[derive(Debug, Default)]
pub struct InOrder {
    /// The last message pushed; `None` when the object does not know (no socket since it started).
    cursor: Option<MessageId>,
    /// A read is under way: a publish meanwhile asks for one more read instead of its own.
    reading: bool,
    /// Something was published during the read.
    again: bool,
    /// Publishes that found no socket open (counted so a socket connecting meanwhile knows to read).
    unpushed: u64,
}

impl InOrder {
    /// Starts from a stored cursor (the object keeps it across hibernation).
    pub fn at(cursor: Option<MessageId>) -> Self {
        Self { cursor, ..Self::default() }
    }

    /// The last message pushed.
    pub fn cursor(&self) -> Option<&MessageId> {
        self.cursor.as_ref()
    }

    /// A socket was accepted having everything up to `last`. When no other socket is open, or
    /// the object has no cursor, pushing goes on from there (with other sockets open, their
    /// cursor stays: moving it could skip what they were not sent yet).
    pub fn connected(&mut self, last: Option<MessageId>, others_open: bool) {
        if !others_open || self.cursor.is_none() {
            self.cursor = last.or(self.cursor.take());
        }
    }

    /// A publish found no socket open: nothing is pushed, and the next socket's own position is
    /// where pushing starts. Returns whether the cursor changed.
    pub fn nobody_listened(&mut self) -> bool {
        self.unpushed += 1;
        self.cursor.take().is_some()
    }

    /// How many publishes found no socket open so far: a connecting socket compares this before
    /// and after reading its backlog, and reads once more (in stored order) if it grew.
    pub fn unpushed(&self) -> u64 {
        self.unpushed
    }
}

/// The last message a connecting socket was sent (its resume), or its own cursor.
pub fn last_message(events: &[LiveEvent], after: Option<&MessageId>) -> Option<MessageId> {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            LiveEvent::Message { message } => Some(message.id.clone()),
            _ => None,
        })
        .or_else(|| after.cloned())
}

/// Pushes the messages stored after `order`'s cursor to `sockets()`, in stored order, noting each
/// in `recent`, because `published` were stored. Only one read runs at a time: a publish during
/// it makes the running one read again, so pushes never interleave. Without a cursor (a socket
/// that connected knowing no message) `published` is pushed as it is. Returns the sockets sent to.
pub async fn push_stored<S: ConversationStore, K: Socket>(
    store: &S,
    conversation: &ConversationId,
    order: &RefCell<InOrder>,
    recent: &RefCell<Recent>,
    sockets: impl Fn() -> Vec<K>,
    published: Vec<Message>,
) -> Result<usize, StoreError> {
    {
        let mut o = order.borrow_mut();
        if o.reading {
            o.again = true;
            return Ok(0);
        }
        o.reading = true;
    }
    let mut published = Some(published);
    let mut sent = 0;
    loop {
        let cursor = order.borrow().cursor.clone();
        let fresh = match &cursor {
            Some(c) => match store.messages_after(conversation, c).await {
                Ok(Some(messages)) => messages,
                // The cursor's message is gone (erased): only what was published is known.
                Ok(None) => published.take().unwrap_or_default(),
                Err(e) => {
                    order.borrow_mut().reading = false;
                    return Err(e);
                }
            },
            None => published.take().unwrap_or_default(),
        };
        let open = sockets();
        for message in fresh {
            let id = message.id.clone();
            let event = LiveEvent::Message { message: Box::new(message) };
            sent += fan_out(conversation, &event, &open).sent;
            recent.borrow_mut().push(event);
            order.borrow_mut().cursor = Some(id);
        }
        let mut o = order.borrow_mut();
        if o.again {
            o.again = false;
            continue;
        }
        o.reading = false;
        return Ok(sent);
    }
}

/// A resume cursor from a client (`after=<message id>`): a well-formed message id, or none.
pub fn cursor(raw: Option<&str>) -> Result<Option<MessageId>, shared::IdError> {
    raw.filter(|r| !r.is_empty()).map(MessageId::parse).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::live::Agent;

    #[test]
    fn a_visitor_cannot_take_the_sockets_agents_need() {
        let visitors = vec![Watcher::Visitor; MAX_VISITOR_SOCKETS];
        assert!(!may_accept(&visitors, Watcher::Visitor), "the visitor's share is full");
        assert!(may_accept(&visitors, Watcher::Agent), "an agent still gets in");
        let full = vec![Watcher::Agent; MAX_SOCKETS];
        assert!(!may_accept(&full, Watcher::Agent));
        assert!(may_accept(&[], Watcher::Visitor));
    }
    use shared::Author;
    use std::cell::RefCell;

    fn message(id: &str) -> Message {
        Message {
            id: MessageId::parse(id).unwrap(),
            author: Author::Agent,
            author_name: None,
            text: format!("text of {id}"),
            created_at: "2026-01-01T00:00:00Z".into(),
            sources: vec![],
            client_message_id: None,
            action: None,
            form: None,
            submission: None,
            buttons: vec![],
            attachment: None,
        }
    }

    fn said(id: &str) -> LiveEvent {
        LiveEvent::Message { message: Box::new(message(id)) }
    }

    fn ids(events: &[LiveEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                LiveEvent::Message { message } => message.id.to_string(),
                other => serde_json::to_value(other).unwrap()["type"].as_str().unwrap().to_string(),
            })
            .collect()
    }

    struct FakeSocket {
        subscriber: Option<Subscriber>,
        open: bool,
        got: RefCell<Vec<String>>,
    }

    impl FakeSocket {
        fn of(conversation: &str, watcher: Watcher) -> Self {
            let conversation = ConversationId::parse(conversation).unwrap();
            Self {
                subscriber: Some(Subscriber { conversation, watcher, agent: None, session: None }),
                open: true,
                got: RefCell::default(),
            }
        }
    }

    impl Socket for FakeSocket {
        fn subscriber(&self) -> Option<Subscriber> {
            self.subscriber.clone()
        }
        fn send_text(&self, text: &str) -> bool {
            if self.open {
                self.got.borrow_mut().push(text.to_string());
            }
            self.open
        }
    }

    #[test]
    fn a_visitor_sees_messages_joins_and_agent_typing_but_not_its_own_typing() {
        let agent = Agent::named("Ana").unwrap();
        let visitor_sees =
            [said("m1"), LiveEvent::AgentJoined(agent.clone()), LiveEvent::AgentTyping { agent, typing: true }];
        for event in &visitor_sees {
            assert!(visible_to(event, Watcher::Visitor), "{event:?}");
            assert!(visible_to(event, Watcher::Agent), "{event:?}");
        }
        assert!(!visible_to(&LiveEvent::VisitorTyping { typing: true }, Watcher::Visitor));
        assert!(visible_to(&LiveEvent::VisitorTyping { typing: true }, Watcher::Agent));
    }

    #[test]
    fn fan_out_reaches_only_this_conversations_sockets_allowed_to_see_the_event() {
        let sockets = [
            FakeSocket::of("c1", Watcher::Visitor),
            FakeSocket::of("c1", Watcher::Agent),
            // Defence in depth: an object never holds another conversation's socket, but if it
            // did, that socket would get nothing.
            FakeSocket::of("c2", Watcher::Visitor),
            FakeSocket { subscriber: None, ..FakeSocket::of("c1", Watcher::Visitor) },
            FakeSocket { open: false, ..FakeSocket::of("c1", Watcher::Visitor) },
        ];
        let c1 = ConversationId::parse("c1").unwrap();
        assert_eq!(fan_out(&c1, &said("m1"), &sockets), Delivered { sent: 2, skipped: 2, failed: 1 });
        assert_eq!(
            fan_out(&c1, &LiveEvent::VisitorTyping { typing: true }, &sockets),
            Delivered { sent: 1, skipped: 4, failed: 0 }
        );
        assert_eq!(sockets[0].got.borrow().len(), 1, "the visitor does not hear itself typing");
        assert_eq!(sockets[1].got.borrow().len(), 2);
        assert!(sockets[2].got.borrow().is_empty() && sockets[3].got.borrow().is_empty());
        let frame: LiveEvent = serde_json::from_str(&sockets[0].got.borrow()[0]).unwrap();
        assert_eq!(frame, said("m1"));
    }

    fn held_by(watcher: Watcher, agent: Option<&str>) -> Subscriber {
        let agent = agent.map(|name| Box::new(Agent::named(name).unwrap()));
        Subscriber { conversation: ConversationId::parse("c1").unwrap(), watcher, agent, session: None }
    }

    #[test]
    fn a_visitor_may_only_say_it_is_typing_or_stop_a_reply() {
        let visitor = held_by(Watcher::Visitor, None);
        assert_eq!(
            command_event(&visitor, r#"{"type":"typing","typing":true}"#),
            Ok(Heard::Event(LiveEvent::VisitorTyping { typing: true }))
        );
        assert_eq!(
            command_event(&visitor, r#"{"type":"stop","reply_to":"m1"}"#),
            Ok(Heard::Stop(shared::MessageId::parse("m1").unwrap()))
        );
        let stop = r#"{"type":"stop","reply_to":"m1"}"#;
        assert_eq!(command_event(&held_by(Watcher::Agent, Some("Sam")), stop), Err(CommandError::NotAllowed));
        for frame in [
            r#"{"type":"message","message":{"id":"x"}}"#,
            r#"{"type":"agent_joined","name":"Boss","initial":"B"}"#,
            "not json",
        ] {
            assert!(matches!(command_event(&visitor, frame), Err(CommandError::Unreadable(_))), "{frame}");
        }
        let long = format!(r#"{{"type":"typing","typing":true,"pad":"{}"}}"#, "x".repeat(MAX_COMMAND_BYTES));
        assert_eq!(command_event(&visitor, &long), Err(CommandError::TooLong));
    }

    #[test]
    fn an_agents_typing_carries_the_name_the_worker_put_on_the_socket() {
        let typing = r#"{"type":"typing","typing":true}"#;
        assert_eq!(
            command_event(&held_by(Watcher::Agent, Some("Sam Rivera")), typing),
            Ok(Heard::Event(LiveEvent::AgentTyping { agent: Agent::named("Sam Rivera").unwrap(), typing: true }))
        );
        assert_eq!(command_event(&held_by(Watcher::Agent, None), typing), Err(CommandError::NotAllowed));
        // A visitor's socket stays a visitor's, whatever name it carries.
        assert_eq!(
            command_event(&held_by(Watcher::Visitor, Some("Sam")), typing),
            Ok(Heard::Event(LiveEvent::VisitorTyping { typing: true }))
        );
    }

    #[test]
    fn what_was_published_during_the_read_follows_the_backlog_once() {
        let mut recent = Recent::default();
        recent.push(said("m0"));
        let mark = recent.mark();
        // While the store is read: m2 was stored before the read (so it is in the backlog too)
        // and m3 after it; the agent started typing.
        recent.push(said("m2"));
        recent.push(LiveEvent::AgentTyping { agent: Agent::named("Ana").unwrap(), typing: true });
        recent.push(said("m3"));
        let meanwhile = recent.since(mark).unwrap();
        let out = resume(vec![message("m1"), message("m2")], meanwhile);
        assert_eq!(ids(&out), ["m1", "m2", "agent_typing", "m3", "ready"]);
    }

    #[test]
    fn a_forgotten_gap_is_reported_not_skipped() {
        let mut recent = Recent::default();
        let mark = recent.mark();
        assert_eq!(recent.since(mark), Some(vec![]));
        for i in 0..RECENT_EVENTS {
            recent.push(said(&format!("m{i}")));
        }
        assert_eq!(recent.since(mark).map(|e| e.len()), Some(RECENT_EVENTS));
        recent.push(said("one-more"));
        assert_eq!(recent.since(mark), None, "the first event after the mark is gone");
        assert_eq!(recent.since(recent.mark()), Some(vec![]));
    }

    /// Two writes race: A is stored before B, but B's publish reaches the object first.
    #[test]
    fn racing_writes_reach_sockets_in_stored_order_so_a_resume_misses_nothing() {
        use crate::api::tests::block_on;
        use crate::store::{ConversationRecord, ConversationStore, NewMessage};
        let store = crate::store::sqlite::Sqlite::store();
        let c = ConversationId::parse("c1").unwrap();
        let record = ConversationRecord {
            id: c.clone(),
            token_hash: "h".into(),
            user_id: None,
            lead: Default::default(),
            created_at_ms: 0,
            verification: None,
            identity: Default::default(),
            identity_expires_at_ms: None,
            pending: None,
            attributes: Default::default(),
            status: shared::handoff::ConversationStatus::Ai,
            assignee_id: None,
            handoff: None,
            streaks: Default::default(),
        };
        let greeting = NewMessage::bot(MessageId::parse("g0").unwrap(), "Hi.".into(), None, 0);
        block_on(store.create_conversation(&record, &[greeting])).unwrap();
        let a = NewMessage::visitor(MessageId::parse("a").unwrap(), "first".into(), "k1".into(), 1);
        let b = NewMessage::visitor(MessageId::parse("b").unwrap(), "second".into(), "k2".into(), 2);
        block_on(store.insert_visitor_message(&c, &a)).unwrap();
        block_on(store.insert_visitor_message(&c, &b)).unwrap();

        let socket = FakeSocket::of("c1", Watcher::Visitor);
        let (order, recent) = (RefCell::new(InOrder::default()), RefCell::new(Recent::default()));
        order.borrow_mut().connected(Some(MessageId::parse("g0").unwrap()), false);
        let push = |m: &NewMessage| {
            block_on(push_stored(&store, &c, &order, &recent, || vec![&socket], vec![m.to_message()])).unwrap()
        };
        push(&b);
        // The socket drops here; the widget's cursor is the last message it was sent.
        let got: Vec<LiveEvent> = socket.got.borrow().iter().map(|t| serde_json::from_str(t).unwrap()).collect();
        assert_eq!(ids(&got), ["a", "b"], "the earlier message comes first, so the cursor never passes it");
        let cursor = last_message(&got, None).unwrap();
        let resumed = block_on(store.messages_after(&c, &cursor)).unwrap().unwrap();
        let mut seen: Vec<String> = ids(&got);
        seen.extend(resumed.iter().map(|m| m.id.to_string()));
        assert_eq!(seen, ["a", "b"], "nothing missed, nothing twice");
        push(&a);
        assert_eq!(socket.got.borrow().len(), 2, "the late publish finds nothing new");
    }

    #[test]
    fn a_publish_during_a_read_makes_it_read_again_instead_of_interleaving() {
        let order = RefCell::new(InOrder::at(Some(MessageId::parse("m1").unwrap())));
        order.borrow_mut().reading = true;
        let store = crate::store::sqlite::Sqlite::store();
        let c = ConversationId::parse("c1").unwrap();
        let recent = RefCell::new(Recent::default());
        let sent = crate::api::tests::block_on(push_stored(
            &store,
            &c,
            &order,
            &recent,
            Vec::<FakeSocket>::new,
            vec![message("m2")],
        ));
        assert_eq!(sent, Ok(0));
        assert!(order.borrow().again, "the running read goes round once more");
        assert_eq!(order.borrow().cursor().map(MessageId::as_str), Some("m1"));
    }

    #[test]
    fn a_connecting_socket_sets_the_cursor_only_when_no_other_listens() {
        let mut order = InOrder::default();
        let at = |s: &str| Some(MessageId::parse(s).unwrap());
        order.connected(at("m5"), true);
        assert_eq!(order.cursor(), at("m5").as_ref(), "no cursor yet: the socket's position");
        order.connected(at("m9"), true);
        assert_eq!(order.cursor(), at("m5").as_ref(), "others may not have m6..m9 yet");
        order.connected(at("m9"), false);
        assert_eq!(order.cursor(), at("m9").as_ref());
        let before = order.unpushed();
        assert!(order.nobody_listened());
        assert!(!order.nobody_listened(), "already forgotten");
        assert_eq!((order.cursor(), order.unpushed()), (None, before + 2));
        let events = [said("m3"), LiveEvent::Ready];
        assert_eq!(last_message(&events, at("m1").as_ref()), at("m3"));
        assert_eq!(last_message(&[LiveEvent::Ready], at("m1").as_ref()), at("m1"));
    }

    #[test]
    fn cursors_are_message_ids() {
        assert_eq!(cursor(None), Ok(None));
        assert_eq!(cursor(Some("")), Ok(None));
        assert_eq!(cursor(Some("m1-r0")).unwrap().unwrap().as_str(), "m1-r0");
        assert!(cursor(Some("m1' OR 1=1")).is_err());
    }
}
