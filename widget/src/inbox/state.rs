//! The inbox's state: who is signed in, the view and search, the list with its counts, the open
//! conversation, and what is announced. Every write to the edge goes through here, so a result
//! (or an error) lands in one place and components only read signals.

use crate::api::{self, Failure, Me, Step};
use crate::attention::Alerts;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::handoff::ConversationStatus;
use shared::inbox::ReplyRequest;
use shared::inbox::{AgentRef, Attention, ConversationDetail, ConversationList, InboxView};
use shared::Message;

/// Shared state of the inbox (all signals: `Copy`, passed to every component).
#[derive(Clone, Copy)]
pub struct Inbox {
    /// The signed-in agent; `None` shows the sign-in form.
    pub me: RwSignal<Option<Me>>,
    /// Whether `GET /me` has answered yet (nothing is drawn before, so sign-in does not flash).
    pub checked: RwSignal<bool>,
    /// The view shown.
    pub view: RwSignal<InboxView>,
    /// The search text (email, user id or words).
    pub query: RwSignal<String>,
    /// Only conversations with this tag (empty: any).
    pub tag_filter: RwSignal<String>,
    /// Only conversations of this priority.
    pub priority_filter: RwSignal<Option<shared::labels::Priority>>,
    /// The latest list of the view (with every view's count and the edge's clock).
    pub list: RwSignal<Option<ConversationList>>,
    /// The conversation open on the right.
    pub selected: RwSignal<Option<String>>,
    /// Its details, once loaded.
    pub detail: RwSignal<Option<ConversationDetail>>,
    /// The open conversation no longer exists (deleted by the visitor or erased).
    pub deleted: RwSignal<bool>,
    /// Colleagues, for "Assign to".
    pub agents: RwSignal<Vec<AgentRef>>,
    /// The latest error, shown in the alert region until the next success.
    pub error: RwSignal<Option<String>>,
    /// The latest status change, announced politely ("You claimed this conversation.").
    pub notice: RwSignal<String>,
    /// Whether the visitor of the open conversation is typing.
    pub visitor_typing: RwSignal<bool>,
    /// A colleague typing in the open conversation (by name), so two agents do not answer at once.
    pub colleague_typing: RwSignal<Option<String>>,
    /// The AI's reply being written in the open conversation, as it comes.
    pub ai_writing: RwSignal<Option<String>>,
    /// A write is under way (buttons are disabled meanwhile, so a double click sends one).
    pub busy: RwSignal<bool>,
    /// The edge's clock minus the browser's, in ms, so waits count by the edge's clock.
    pub clock_skew: StoredValue<f64>,
    /// Ticks every few seconds so wait times stay current between refreshes.
    pub now_ms: RwSignal<u64>,
    /// What needs this agent and is unread, in any view (kept apart from the list, so marking
    /// one read redraws its row's marker, not the list).
    pub attention: RwSignal<Vec<Attention>>,
    /// The conversations waiting longer than the owner's threshold.
    pub long_waits: RwSignal<Vec<Attention>>,
    /// Sound, desktop notifications and the title's count.
    pub alerts: Alerts,
    /// The canned replies this agent sees (the team's and their own), by shortcut.
    pub canned: RwSignal<Vec<shared::canned::CannedReply>>,
    /// Bumped for each list request: an older answer arriving late is dropped.
    list_seq: StoredValue<u32>,
    /// The conversations ticked in the list, for a bulk resolve or assign.
    pub chosen: RwSignal<Vec<String>>,
}

impl Inbox {
    /// Fresh state; [`Inbox::start`] asks who is signed in.
    pub fn new() -> Self {
        Self {
            me: RwSignal::new(None),
            checked: RwSignal::new(false),
            view: RwSignal::new(InboxView::Waiting),
            query: RwSignal::new(String::new()),
            tag_filter: RwSignal::new(String::new()),
            priority_filter: RwSignal::new(None),
            list: RwSignal::new(None),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            deleted: RwSignal::new(false),
            agents: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            notice: RwSignal::new(String::new()),
            visitor_typing: RwSignal::new(false),
            colleague_typing: RwSignal::new(None),
            ai_writing: RwSignal::new(None),
            busy: RwSignal::new(false),
            clock_skew: StoredValue::new(0.0),
            now_ms: RwSignal::new(js_sys::Date::now() as u64),
            attention: RwSignal::new(Vec::new()),
            long_waits: RwSignal::new(Vec::new()),
            alerts: Alerts::new(),
            canned: RwSignal::new(Vec::new()),
            list_seq: StoredValue::new(0),
            chosen: RwSignal::new(Vec::new()),
        }
    }

    /// Finds out whether a session is open, then loads the inbox.
    pub fn start(self) {
        spawn_local(async move {
            match api::me().await {
                Ok(me) => self.signed_in(me),
                Err(e) if e.signed_out() => {}
                Err(e) => self.error.set(Some(e.describe())),
            }
            self.checked.set(true);
        });
    }

    /// A session is open: load lists, colleagues, and go live.
    pub fn signed_in(self, me: Me) {
        self.me.set(Some(me));
        self.error.set(None);
        self.refresh_list();
        spawn_local(async move {
            match api::agents().await {
                Ok(list) => self.agents.set(list.agents),
                Err(e) => self.fail(e),
            }
        });
        self.reload_canned();
        crate::live::start_inbox(self);
        // A link to one conversation (`/inbox/#conversation=ID`), e.g. from a notification or
        // to watch one the AI still answers.
        self.follow_link();
    }

    /// Reads the canned replies again (at sign-in, and after one was made, changed or deleted).
    pub fn reload_canned(self) {
        spawn_local(async move {
            match api::canned().await {
                Ok(list) => self.canned.set(list.replies),
                Err(e) => self.fail(e),
            }
        });
    }

    /// Opens the conversation the address names (`#conversation=ID`), if another than shown.
    pub fn follow_link(self) {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        let Some(id) = hash.strip_prefix("#conversation=").filter(|id| !id.is_empty()) else { return };
        let id = js_sys::decode_uri_component(id).ok().map(String::from).unwrap_or_else(|| id.to_string());
        if self.me.with_untracked(Option::is_some) && self.selected.get_untracked().as_deref() != Some(id.as_str()) {
            self.open(id);
        }
    }

    /// Signs out and forgets everything shown.
    pub fn sign_out(self) {
        spawn_local(async move {
            let _ = api::sign_out().await;
            self.forget();
            self.notice.set("Signed out.".into());
        });
    }

    /// Back to the sign-in form (signed out here or elsewhere).
    fn forget(self) {
        crate::live::stop_all();
        self.me.set(None);
        self.list.set(None);
        self.attention.set(Vec::new());
        self.long_waits.set(Vec::new());
        self.alerts.set_count(0);
        self.selected.set(None);
        self.detail.set(None);
    }

    /// Shows an error; a lost session goes back to sign-in, and a conversation that no longer
    /// exists is said to be deleted, plainly, with nothing left to do on it.
    pub fn fail(self, e: Failure) {
        if e.signed_out() {
            self.forget();
        }
        if e.conversation_gone() && self.selected.with_untracked(Option::is_some) {
            return self.conversation_gone();
        }
        self.error.set(Some(e.describe()));
    }

    /// The open conversation was deleted: its socket and polling stop, its details and actions
    /// go, and the list drops it.
    fn conversation_gone(self) {
        crate::live::stop_conversation();
        self.detail.set(None);
        self.deleted.set(true);
        self.visitor_typing.set(false);
        self.colleague_typing.set(None);
        self.ai_writing.set(None);
        self.error.set(None);
        self.notice.set("This conversation was deleted.".into());
        self.refresh_list();
    }

    /// Reads the current view's list (and every count) again.
    pub fn refresh_list(self) {
        let seq = self.list_seq.get_value() + 1;
        self.list_seq.set_value(seq);
        let (view, query) = (self.view.get_untracked(), self.query.get_untracked());
        let (tag, priority) = (self.tag_filter.get_untracked(), self.priority_filter.get_untracked());
        spawn_local(async move {
            let result = api::conversations(view, &query, &tag, priority).await;
            if self.list_seq.get_value() != seq {
                return; // a newer request (other view or search) is on its way
            }
            match result {
                Ok(list) => {
                    self.clock_skew.set_value(list.now_ms as f64 - js_sys::Date::now());
                    self.now_ms.set(list.now_ms);
                    let looking_at = self.selected.get_untracked();
                    if let Some(said) = self.alerts.heard(&list, looking_at.as_deref()) {
                        self.notice.set(said);
                    }
                    if self.attention.with_untracked(|a| *a != list.attention) {
                        self.attention.set(list.attention.clone());
                    }
                    if self.long_waits.with_untracked(|a| *a != list.long_waits) {
                        self.long_waits.set(list.long_waits.clone());
                    }
                    self.list.set(Some(list));
                }
                Err(e) => self.fail(e),
            }
        });
    }

    /// Shows another view.
    pub fn show_view(self, view: InboxView) {
        self.view.set(view);
        // What was ticked in one view is not acted on from another.
        self.chosen.set(Vec::new());
        self.refresh_list();
    }

    /// Opens a conversation on the right.
    pub fn open(self, id: String) {
        if self.selected.get_untracked().as_deref() != Some(id.as_str()) {
            self.detail.set(None);
            self.deleted.set(false);
            self.visitor_typing.set(false);
            self.colleague_typing.set(None);
            self.ai_writing.set(None);
        }
        self.selected.set(Some(id.clone()));
        // In the address, so the conversation can be linked to, reloaded, and left with Back.
        if let Some(location) = web_sys::window().map(|w| w.location()) {
            let hash = format!("#conversation={}", api::encode(&id));
            if location.hash().ok().as_deref() != Some(hash.as_str()) {
                let _ = location.set_hash(&hash);
            }
        }
        self.reload_detail();
        self.mark_read(&id);
        crate::live::watch(self, id);
    }

    /// The agent has read a conversation (opened it, or it is open and in view as a message
    /// comes): it no longer counts as needing them, here and at the edge.
    pub fn mark_read(self, id: &str) {
        if self.attention.with_untracked(|a| a.iter().any(|a| a.id == id)) {
            self.attention.update(|a| a.retain(|a| a.id != id));
        }
        self.alerts.set_count(self.attention.with_untracked(Vec::len));
        let id = id.to_string();
        spawn_local(async move {
            // A mark that does not reach the edge comes back as unread with the next list.
            let _ = api::mark_read(&id).await;
        });
    }

    /// Reads the open conversation again (status, assignee, notes, runs and history).
    pub fn reload_detail(self) {
        let Some(id) = self.selected.get_untracked() else { return };
        spawn_local(async move {
            let result = api::conversation(&id).await;
            if self.selected.get_untracked().as_deref() != Some(id.as_str()) {
                return;
            }
            match result {
                Ok(detail) => self.show_detail(detail),
                Err(e) => self.fail(e),
            }
        });
    }

    /// Shows a conversation's details, keeping any message that arrived live meanwhile.
    fn show_detail(self, mut detail: ConversationDetail) {
        if let Some(old) = self.detail.get_untracked() {
            if old.conversation.id == detail.conversation.id {
                for m in old.messages {
                    if !detail.messages.iter().any(|d| d.id == m.id) {
                        detail.messages.push(m);
                    }
                }
            }
        }
        self.detail.set(Some(detail));
    }

    /// Adds messages that came live or by polling, each once (deduped by id).
    pub fn receive(self, conversation_id: &str, messages: Vec<Message>) {
        let visible = web_sys::window().and_then(|w| w.document()).is_some_and(|d| !d.hidden());
        let from_visitor = messages.iter().any(|m| m.author == shared::Author::Visitor);
        let open = self.selected.with_untracked(|s| s.as_deref() == Some(conversation_id));
        if visible && from_visitor && open {
            self.mark_read(conversation_id);
        }
        self.detail.update(|d| {
            let Some(d) = d.as_mut().filter(|d| d.conversation.id == conversation_id) else { return };
            for m in messages {
                if !d.messages.iter().any(|old| old.id == m.id) {
                    d.messages.push(m);
                }
            }
        });
    }

    /// The id of the last message shown, for resuming the live socket after it.
    pub fn last_message_id(self) -> Option<String> {
        self.detail.with_untracked(|d| d.as_ref()?.messages.last().map(|m| m.id.to_string()))
    }

    /// Runs one write; on success shows the new details, says `done` and refreshes the list.
    fn write<F>(self, done: String, then_focus: &'static str, f: F)
    where
        F: std::future::Future<Output = Result<ConversationDetail, Failure>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            let result = f.await;
            self.busy.set(false);
            match result {
                Ok(detail) => {
                    self.error.set(None);
                    self.show_detail(detail);
                    self.notice.set(done);
                    self.refresh_list();
                    // Where the work is next: the button pressed may be gone.
                    crate::keys::focus_soon(then_focus);
                }
                Err(e) => {
                    self.fail(e);
                    // Someone else may have changed it: show how it stands now.
                    self.reload_detail();
                    self.refresh_list();
                }
            }
        });
    }

    /// Claim, take over, hand back or reopen the open conversation.
    pub fn step(self, step: Step) {
        let Some(id) = self.selected.get_untracked() else { return };
        // Once the conversation is the agent's, the reply box is next.
        let next = match step {
            Step::Claim | Step::TakeOver | Step::Reopen => "reply-input",
            _ => "conversation-title",
        };
        self.write(step.done().into(), next, async move { api::step(&id, step).await });
    }

    /// Gives the open conversation to a colleague.
    pub fn assign(self, agent: AgentRef) {
        let Some(id) = self.selected.get_untracked() else { return };
        let done = format!("Assigned to {}.", agent.name);
        self.write(done, "conversation-title", async move { api::assign(&id, &agent.id).await });
    }

    /// Resolves the open conversation, with a closing message to the visitor if given.
    pub fn resolve(self, closing_message: String) {
        let Some(id) = self.selected.get_untracked() else { return };
        let closing = Some(closing_message.trim().to_string()).filter(|m| !m.is_empty());
        self.write(
            "Conversation resolved.".into(),
            "conversation-title",
            async move { api::resolve(&id, closing).await },
        );
    }

    /// Sends a reply; `Ok` once the edge stored it (the composer then clears).
    pub async fn reply(self, text: String) -> Result<(), ()> {
        self.send(None, text).await
    }

    /// Sends a file to the visitor, as the agent's message; `Ok` once the edge kept it.
    pub async fn upload(self, file: web_sys::File) -> Result<(), ()> {
        self.send(Some(file), String::new()).await
    }

    /// The agent's message to the open conversation: a file, or else the text.
    async fn send(self, file: Option<web_sys::File>, text: String) -> Result<(), ()> {
        let Some(id) = self.selected.get_untracked() else { return Err(()) };
        let Some(client_message_id) = api::new_client_id() else {
            self.error.set(Some("This browser cannot make a message id (no crypto); nothing was sent.".into()));
            return Err(());
        };
        let answer = match &file {
            Some(file) => api::upload(&id, file, &client_message_id).await,
            None => api::reply(&id, &ReplyRequest { text, client_message_id }).await,
        };
        match answer {
            Ok(message) => {
                self.error.set(None);
                self.receive(&id, vec![message]);
                Ok(())
            }
            Err(e) => {
                self.fail(e);
                Err(())
            }
        }
    }

    /// Adds a private note; `Ok` once stored.
    pub async fn add_note(self, text: String) -> Result<(), ()> {
        let Some(id) = self.selected.get_untracked() else { return Err(()) };
        match api::add_note(&id, &text).await {
            Ok(note) => {
                self.error.set(None);
                self.detail.update(|d| {
                    if let Some(d) = d.as_mut().filter(|d| d.conversation.id == id) {
                        if !d.notes.iter().any(|n| n.id == note.id) {
                            d.notes.push(note);
                        }
                    }
                });
                self.notice.set("Note added.".into());
                Ok(())
            }
            Err(e) => {
                self.fail(e);
                Err(())
            }
        }
    }

    /// Whether the open conversation is assigned to the signed-in agent.
    pub fn is_mine(self) -> bool {
        let me = self.me.with(|m| m.as_ref().map(|m| m.id.clone()));
        self.detail.with(|d| {
            d.as_ref().is_some_and(|d| {
                d.conversation.status == ConversationStatus::Assigned
                    && d.conversation.assignee.as_ref().map(|a| &a.id) == me.as_ref()
            })
        })
    }

    /// The edge's clock now, ms (ticks with `now_ms`).
    pub fn edge_now(self) -> u64 {
        self.now_ms.get()
    }

    /// Advances the clock (called every few seconds).
    pub fn tick(self) {
        self.now_ms.set((js_sys::Date::now() + self.clock_skew.get_value()).max(0.0) as u64);
    }
}

/// "waiting 2 min" from the edge's clock and the handoff time.
pub fn waiting_for(now_ms: u64, handoff_at_ms: u64) -> String {
    format!("waiting {}", shared::time::wait_in_words(now_ms.saturating_sub(handoff_at_ms) / 1000))
}

/// What a status means, in words.
pub fn status_words(status: ConversationStatus, assignee: Option<&AgentRef>) -> String {
    match (status, assignee) {
        (ConversationStatus::Ai, _) => "The AI is answering".into(),
        (ConversationStatus::Waiting, _) => "Waiting for an agent".into(),
        (ConversationStatus::Assigned, Some(a)) => format!("Assigned to {}", a.name),
        (ConversationStatus::Assigned, None) => "Assigned".into(),
        (ConversationStatus::Resolved, Some(a)) => format!("Resolved by {}", a.name),
        (ConversationStatus::Resolved, None) => "Resolved".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_count_from_the_handoff_by_the_edge_clock() {
        assert_eq!(waiting_for(200_000, 80_000), "waiting 2 min");
        assert_eq!(waiting_for(10_000, 5_000), "waiting 5 s");
        // A handoff stamped after "now" (clocks of two isolates) is not a negative wait.
        assert_eq!(waiting_for(1_000, 5_000), "waiting 1 s");
    }

    #[test]
    fn statuses_read_as_sentences() {
        let sam = AgentRef { id: "a1".into(), name: "Sam".into() };
        assert_eq!(status_words(ConversationStatus::Assigned, Some(&sam)), "Assigned to Sam");
        assert_eq!(status_words(ConversationStatus::Resolved, Some(&sam)), "Resolved by Sam");
        assert_eq!(status_words(ConversationStatus::Waiting, None), "Waiting for an agent");
    }
}
