//! The stores in memory, for native tests, with the semantics of the D1 store's SQL: both pass
//! the same contract tests (`store::contract`).

use super::agents::{AddAgentError, Agent, AgentAccount, AgentStore};
use super::erasure::MAX_ERASE_BATCH;
use super::inbox::{preview, InboxStore, Move, NewNote};
use super::{
    ActionLogEntry, ActionLogStore, AfterAttempt, Attempt, ConversationRecord, ConversationStore, Delivery,
    DeliveryStatus, Erased, ErasureStore, HandoffRecord, HandoffStore, Inserted, NewDelivery, NewMessage, Person,
    RunOrigin, StoreError,
};
use crate::action_run::ActionRun;
use shared::handoff::ConversationStatus;
use shared::inbox::{AgentRef, ConversationRow, InboxCounts, InboxView, Note};
use shared::{ConversationId, Message, MessageId};
use std::cell::{Cell, RefCell};

/// Conversations and messages in vectors.
#[derive(Debug, Default)]
pub struct MemoryStore {
    conversations: RefCell<Vec<ConversationRecord>>,
    messages: RefCell<Vec<(ConversationId, NewMessage)>>,
    runs: RefCell<Vec<(u64, ActionLogEntry)>>,
    /// The last log id given: ids are never reused, even after erasure (D1's AUTOINCREMENT).
    last_run_id: Cell<i64>,
    agents: RefCell<Vec<AgentAccount>>,
    /// (token hash, agent id, expires at).
    sessions: RefCell<Vec<(String, String, u64)>>,
    /// Webhook deliveries with their handoff's seq, and every attempt by delivery id.
    deliveries: RefCell<Vec<(u32, Delivery)>>,
    attempts: RefCell<Vec<(String, Attempt)>>,
    /// Private notes by conversation.
    notes: RefCell<Vec<(ConversationId, NewNote)>>,
    /// When each resolved conversation was last resolved (`conversations.resolved_at_ms`).
    resolved_at: RefCell<Vec<(ConversationId, u64)>>,
    /// Erased conversations, in erasing order, and whether their objects confirmed forgetting.
    tombstones: RefCell<Vec<(ConversationId, bool)>>,
}

impl MemoryStore {
    /// Fails for a conversation that does not exist (D1's foreign key on messages).
    fn require(&self, conversation: &ConversationId) -> Result<(), StoreError> {
        if self.conversations.borrow().iter().any(|c| &c.id == conversation) {
            Ok(())
        } else {
            Err(StoreError(format!("no conversation {conversation} to store messages in")))
        }
    }

    /// Ids of the conversations that match, oldest first (D1: `ORDER BY created_at_ms`).
    fn oldest_first(&self, limit: usize, keep: impl Fn(&ConversationRecord) -> bool) -> Vec<ConversationId> {
        let mut found: Vec<(u64, ConversationId)> =
            self.conversations.borrow().iter().filter(|c| keep(c)).map(|c| (c.created_at_ms, c.id.clone())).collect();
        found.sort_by_key(|(at, _)| *at);
        found.into_iter().take(limit).map(|(_, id)| id).collect()
    }
}

impl MemoryStore {
    /// Number of messages stored, all conversations together.
    pub fn message_count(&self) -> usize {
        self.messages.borrow().len()
    }
}

impl ConversationStore for MemoryStore {
    async fn create_conversation(&self, record: &ConversationRecord, opening: &[NewMessage]) -> Result<(), StoreError> {
        if self.require(&record.id).is_ok() {
            return Err(StoreError(format!("conversation {} exists already", record.id)));
        }
        self.conversations.borrow_mut().push(record.clone());
        self.insert_replies(&record.id, opening).await
    }

    async fn save_state(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        if let Some(c) = self.conversations.borrow_mut().iter_mut().find(|c| c.id == record.id) {
            c.lead = record.lead.clone();
            c.verification = record.verification.clone();
            c.pending = record.pending.clone();
            c.attributes = record.attributes.clone();
            c.streaks = record.streaks;
            if let (Some(stored), Some(given)) = (c.handoff.as_mut(), record.handoff.as_ref()) {
                stored.noticed = given.noticed;
            }
        }
        Ok(())
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        Ok(self.conversations.borrow().iter().find(|c| &c.id == id).cloned())
    }

    async fn insert_visitor_message(
        &self,
        conversation: &ConversationId,
        message: &NewMessage,
    ) -> Result<Inserted, StoreError> {
        self.require(conversation)?;
        let mut all = self.messages.borrow_mut();
        if let Some((_, m)) = all.iter().find(|(c, m)| {
            c == conversation && m.client_message_id.is_some() && m.client_message_id == message.client_message_id
        }) {
            return Ok(Inserted::Existing(m.to_message()));
        }
        if all.iter().any(|(_, m)| m.id == message.id) {
            return Err(StoreError(format!("message id {} is taken", message.id)));
        }
        all.push((conversation.clone(), message.clone()));
        Ok(Inserted::New(message.to_message()))
    }

    async fn insert_replies(&self, conversation: &ConversationId, replies: &[NewMessage]) -> Result<(), StoreError> {
        if replies.is_empty() {
            return Ok(());
        }
        self.require(conversation)?;
        let mut all = self.messages.borrow_mut();
        for r in replies {
            if !all.iter().any(|(_, m)| m.id == r.id) {
                all.push((conversation.clone(), r.clone()));
            }
        }
        Ok(())
    }

    async fn replies_to(&self, conversation: &ConversationId, message: &MessageId) -> Result<Vec<Message>, StoreError> {
        Ok(self
            .messages
            .borrow()
            .iter()
            .filter(|(c, m)| c == conversation && m.reply_to.as_ref() == Some(message))
            .map(|(_, m)| m.to_message())
            .collect())
    }

    async fn messages(&self, conversation: &ConversationId) -> Result<Vec<Message>, StoreError> {
        Ok(self.messages.borrow().iter().filter(|(c, _)| c == conversation).map(|(_, m)| m.to_message()).collect())
    }

    async fn message(&self, conversation: &ConversationId, id: &MessageId) -> Result<Option<Message>, StoreError> {
        Ok(self.messages(conversation).await?.into_iter().find(|m| &m.id == id))
    }

    async fn recent_messages(&self, conversation: &ConversationId, limit: usize) -> Result<Vec<Message>, StoreError> {
        let all = self.messages(conversation).await?;
        Ok(all[all.len().saturating_sub(limit)..].to_vec())
    }

    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: &MessageId,
    ) -> Result<Option<Vec<Message>>, StoreError> {
        let all = self.messages(conversation).await?;
        Ok(all.iter().position(|m| &m.id == after).map(|at| all[at + 1..].to_vec()))
    }
}

impl ActionLogStore for MemoryStore {
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError> {
        let mut runs = self.runs.borrow_mut();
        let id = self.last_run_id.get() + 1;
        self.last_run_id.set(id);
        runs.push((
            at_ms,
            ActionLogEntry {
                id,
                at: shared::time::rfc3339_from_unix_ms(at_ms),
                conversation_id: origin.conversation().map(ToString::to_string),
                test: origin.is_test(),
                injected: origin.injected(),
                run: run.clone(),
            },
        ));
        Ok(id)
    }

    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        let runs = self.runs.borrow();
        Ok(runs
            .iter()
            .rev()
            .map(|(_, e)| e)
            .filter(|e| e.run.action == action && before.is_none_or(|b| e.id < b))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn conversation_runs(
        &self,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        let runs = self.runs.borrow();
        let mut found: Vec<ActionLogEntry> = runs
            .iter()
            .rev()
            .map(|(_, e)| e)
            .filter(|e| e.conversation_id.as_deref() == Some(conversation.as_str()))
            .take(limit)
            .cloned()
            .collect();
        found.reverse();
        Ok(found)
    }
}

impl AgentStore for MemoryStore {
    async fn add_agent(&self, account: &AgentAccount, _at_ms: u64) -> Result<(), AddAgentError> {
        let mut agents = self.agents.borrow_mut();
        if agents.iter().any(|a| a.agent.email.eq_ignore_ascii_case(&account.agent.email)) {
            return Err(AddAgentError::EmailTaken);
        }
        if agents.iter().any(|a| a.agent.id == account.agent.id) {
            return Err(AddAgentError::Store(StoreError(format!("agent {} exists already", account.agent.id))));
        }
        agents.push(account.clone());
        Ok(())
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<AgentAccount>, StoreError> {
        Ok(self.agents.borrow().iter().find(|a| a.agent.email.eq_ignore_ascii_case(email)).cloned())
    }

    async fn open_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        _at_ms: u64,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        if !self.agents.borrow().iter().any(|a| a.agent.id == agent_id) {
            return Err(StoreError(format!("no agent {agent_id}")));
        }
        let mut sessions = self.sessions.borrow_mut();
        if sessions.iter().any(|(h, _, _)| h == token_hash) {
            return Err(StoreError("session exists already".into()));
        }
        sessions.push((token_hash.into(), agent_id.into(), expires_at_ms));
        Ok(())
    }

    async fn session_agent(&self, token_hash: &str, now_ms: u64) -> Result<Option<Agent>, StoreError> {
        let sessions = self.sessions.borrow();
        let Some((_, agent_id, _)) = sessions.iter().find(|(h, _, exp)| h == token_hash && *exp > now_ms) else {
            return Ok(None);
        };
        Ok(self.agents.borrow().iter().find(|a| &a.agent.id == agent_id && !a.disabled).map(|a| a.agent.clone()))
    }

    async fn close_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.sessions.borrow_mut().retain(|(h, _, _)| h != token_hash);
        Ok(())
    }

    async fn live_sessions(&self, token_hashes: &[String], now_ms: u64) -> Result<Vec<String>, StoreError> {
        let agents = self.agents.borrow();
        let enabled = |id: &str| agents.iter().any(|a| a.agent.id == id && !a.disabled);
        Ok(self
            .sessions
            .borrow()
            .iter()
            .filter(|(h, agent, exp)| *exp > now_ms && enabled(agent) && token_hashes.contains(h))
            .map(|(h, _, _)| h.clone())
            .collect())
    }

    async fn set_disabled(&self, agent_id: &str, disabled: bool) -> Result<bool, StoreError> {
        let mut agents = self.agents.borrow_mut();
        let Some(account) = agents.iter_mut().find(|a| a.agent.id == agent_id) else { return Ok(false) };
        account.disabled = disabled;
        Ok(true)
    }

    async fn end_sessions(&self, agent_id: &str) -> Result<u32, StoreError> {
        let mut sessions = self.sessions.borrow_mut();
        let before = sessions.len();
        sessions.retain(|(_, agent, _)| agent != agent_id);
        Ok((before - sessions.len()) as u32)
    }
}

impl ErasureStore for MemoryStore {
    async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError> {
        if ids.len() > MAX_ERASE_BATCH {
            return Err(StoreError(format!(
                "erase at most {MAX_ERASE_BATCH} conversations at once, not {}",
                ids.len()
            )));
        }
        let mut erased = Erased::default();
        let mut conversations = self.conversations.borrow_mut();
        let mut tombstones = self.tombstones.borrow_mut();
        for c in conversations.iter().filter(|c| ids.contains(&c.id)) {
            if !tombstones.iter().any(|(t, _)| t == &c.id) {
                tombstones.push((c.id.clone(), false));
            }
        }
        let before = conversations.len();
        conversations.retain(|c| !ids.contains(&c.id));
        erased.conversations = (before - conversations.len()) as u32;
        let mut messages = self.messages.borrow_mut();
        for (_, m) in messages.iter().filter(|(c, _)| ids.contains(c)) {
            erased.messages += 1;
            erased.submissions += u32::from(m.submission.is_some());
        }
        messages.retain(|(c, _)| !ids.contains(c));
        self.notes.borrow_mut().retain(|(c, _)| !ids.contains(c));
        self.resolved_at.borrow_mut().retain(|(c, _)| !ids.contains(c));
        let mut deliveries = self.deliveries.borrow_mut();
        let gone: Vec<String> =
            deliveries.iter().filter(|(_, d)| ids.contains(&d.conversation_id)).map(|(_, d)| d.id.clone()).collect();
        deliveries.retain(|(_, d)| !ids.contains(&d.conversation_id));
        self.attempts.borrow_mut().retain(|(id, _)| !gone.contains(id));
        let mut runs = self.runs.borrow_mut();
        let of_erased =
            |e: &ActionLogEntry| e.conversation_id.as_deref().is_some_and(|c| ids.iter().any(|id| id.as_str() == c));
        let before = runs.len();
        runs.retain(|(_, e)| !of_erased(e));
        erased.action_runs = (before - runs.len()) as u32;
        Ok(erased)
    }

    async fn unforgotten(&self, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        Ok(self.tombstones.borrow().iter().filter(|(_, done)| !done).take(limit).map(|(id, _)| id.clone()).collect())
    }

    async fn forgotten(&self, ids: &[ConversationId]) -> Result<(), StoreError> {
        for (id, done) in self.tombstones.borrow_mut().iter_mut() {
            *done |= ids.contains(id);
        }
        Ok(())
    }

    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        Ok(self.oldest_first(limit, |c| match person {
            Person::Email(email) => c.lead.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)),
            Person::UserId(user) => c.user_id.as_deref() == Some(user.as_str()),
        }))
    }

    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        let messages = self.messages.borrow();
        let active = |c: &ConversationRecord| {
            c.created_at_ms >= before_ms || messages.iter().any(|(id, m)| id == &c.id && m.created_at_ms >= before_ms)
        };
        Ok(self.oldest_first(limit, |c| !active(c)))
    }

    async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError> {
        let mut runs = self.runs.borrow_mut();
        let mut deleted = 0;
        runs.retain(|(at, _)| {
            let old = *at < before_ms && deleted < limit;
            deleted += usize::from(old);
            !old
        });
        Ok(deleted as u32)
    }
}

impl HandoffStore for MemoryStore {
    async fn hand_off(
        &self,
        conversation: &ConversationId,
        handoff: &HandoffRecord,
        delivery: Option<&NewDelivery>,
    ) -> Result<bool, StoreError> {
        let mut conversations = self.conversations.borrow_mut();
        let Some(c) = conversations.iter_mut().find(|c| &c.id == conversation && c.status == ConversationStatus::Ai)
        else {
            return Ok(false);
        };
        c.status = ConversationStatus::Waiting;
        c.assignee_id = None;
        c.handoff = Some(handoff.clone());
        let Some(d) = delivery else { return Ok(true) };
        let mut deliveries = self.deliveries.borrow_mut();
        let taken = deliveries.iter().any(|(seq, x)| {
            x.id == d.id || (&x.conversation_id == conversation && x.event == d.event && *seq == handoff.seq)
        });
        if !taken {
            deliveries.push((
                handoff.seq,
                Delivery {
                    id: d.id.clone(),
                    conversation_id: conversation.clone(),
                    event: d.event.clone(),
                    payload: d.payload.clone(),
                    status: DeliveryStatus::Pending,
                    attempts: 0,
                    next_attempt_at_ms: Some(d.created_at_ms),
                    last_error: None,
                    created_at_ms: d.created_at_ms,
                    delivered_at_ms: None,
                },
            ));
        }
        Ok(true)
    }

    async fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut due: Vec<(u64, u64, String)> = self
            .deliveries
            .borrow()
            .iter()
            .filter_map(|(_, d)| {
                let at = d.next_attempt_at_ms.filter(|at| d.status == DeliveryStatus::Pending && *at <= now_ms)?;
                Some((at, d.created_at_ms, d.id.clone()))
            })
            .collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, _, id)| id).collect())
    }

    async fn claim_delivery(&self, id: &str, now_ms: u64, lease_ms: u64) -> Result<Option<Delivery>, StoreError> {
        let mut deliveries = self.deliveries.borrow_mut();
        let Some((_, d)) = deliveries.iter_mut().find(|(_, d)| d.id == id) else { return Ok(None) };
        if d.status != DeliveryStatus::Pending || d.next_attempt_at_ms.is_none_or(|at| at > now_ms) {
            return Ok(None);
        }
        d.next_attempt_at_ms = Some(now_ms.saturating_add(lease_ms));
        Ok(Some(d.clone()))
    }

    async fn record_attempt(&self, id: &str, attempt: &Attempt, after: AfterAttempt) -> Result<(), StoreError> {
        let mut deliveries = self.deliveries.borrow_mut();
        let Some((_, d)) = deliveries.iter_mut().find(|(_, d)| d.id == id) else {
            return Err(StoreError(format!("no webhook delivery {id}")));
        };
        d.attempts = attempt.attempt;
        d.last_error = attempt.error.clone();
        (d.status, d.next_attempt_at_ms, d.delivered_at_ms) = match after {
            AfterAttempt::Delivered(at) => (DeliveryStatus::Delivered, None, Some(at)),
            AfterAttempt::RetryAt(at) => (DeliveryStatus::Pending, Some(at), None),
            AfterAttempt::GaveUp => (DeliveryStatus::Failed, None, None),
        };
        let mut attempts = self.attempts.borrow_mut();
        attempts.retain(|(d, a)| !(d == id && a.attempt == attempt.attempt));
        attempts.push((id.to_string(), attempt.clone()));
        Ok(())
    }

    async fn deliveries_of(&self, conversation: &ConversationId) -> Result<Vec<Delivery>, StoreError> {
        let mut found: Vec<Delivery> = self
            .deliveries
            .borrow()
            .iter()
            .filter(|(_, d)| &d.conversation_id == conversation)
            .map(|(_, d)| d.clone())
            .collect();
        found.sort_by(|a, b| (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id)));
        Ok(found)
    }

    async fn attempts(&self, id: &str) -> Result<Vec<Attempt>, StoreError> {
        let mut found: Vec<Attempt> =
            self.attempts.borrow().iter().filter(|(d, _)| d == id).map(|(_, a)| a.clone()).collect();
        found.sort_by_key(|a| a.attempt);
        Ok(found)
    }
}

impl MemoryStore {
    /// The list row of a stored conversation (D1: one `SELECT` with the latest message's text and
    /// time as subqueries and the assignee's name joined).
    fn row_of(&self, c: &ConversationRecord) -> ConversationRow {
        let messages = self.messages.borrow();
        let last = messages.iter().rev().find(|(id, _)| id == &c.id).map(|(_, m)| m);
        let agents = self.agents.borrow();
        let assignee = c.assignee_id.as_ref().and_then(|id| {
            agents.iter().find(|a| &a.agent.id == id).map(|a| AgentRef { id: id.clone(), name: a.agent.name.clone() })
        });
        ConversationRow {
            id: c.id.to_string(),
            status: c.status,
            assignee,
            email: c.lead.email.clone(),
            name: c.lead.name.clone(),
            user_id: c.user_id.clone(),
            reason: c.handoff.as_ref().map(|h| h.reason.describe()),
            preview: last.map(|m| preview(&m.text)).unwrap_or_default(),
            handoff_at_ms: c.handoff.as_ref().map(|h| h.at_ms),
            last_message_at_ms: last.map_or(c.created_at_ms, |m| m.created_at_ms),
            created_at_ms: c.created_at_ms,
        }
    }

    /// Whether `c` matches a search the way SQLite's `LIKE` does (ASCII case ignored).
    fn matches(&self, c: &ConversationRecord, search: &str) -> bool {
        let q = search.to_ascii_lowercase();
        let has = |s: Option<&str>| s.is_some_and(|s| s.to_ascii_lowercase().contains(q.as_str()));
        has(c.lead.email.as_deref())
            || has(c.lead.name.as_deref())
            || has(c.user_id.as_deref())
            || self.messages.borrow().iter().any(|(id, m)| id == &c.id && has(Some(&m.text)))
    }

    fn resolved_at_of(&self, id: &ConversationId) -> u64 {
        self.resolved_at.borrow().iter().find(|(c, _)| c == id).map_or(0, |(_, at)| *at)
    }
}

fn in_view(view: InboxView, c: &ConversationRecord, agent_id: &str) -> bool {
    use ConversationStatus::{Ai, Assigned, Resolved, Waiting};
    match view {
        InboxView::Waiting => c.status == Waiting,
        InboxView::Mine => c.status == Assigned && c.assignee_id.as_deref() == Some(agent_id),
        InboxView::Open => matches!(c.status, Waiting | Assigned),
        InboxView::Resolved => c.status == Resolved,
        InboxView::Ai => c.status == Ai,
    }
}

impl InboxStore for MemoryStore {
    async fn inbox_list(
        &self,
        view: InboxView,
        agent_id: &str,
        search: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let conversations = self.conversations.borrow();
        let mut rows: Vec<(u64, ConversationRow)> = conversations
            .iter()
            .filter(|c| in_view(view, c, agent_id) && search.is_none_or(|q| self.matches(c, q)))
            .map(|c| (self.resolved_at_of(&c.id), self.row_of(c)))
            .collect();
        match view {
            InboxView::Waiting => {
                rows.sort_by(|(_, a), (_, b)| (a.handoff_at_ms, &a.id).cmp(&(b.handoff_at_ms, &b.id)))
            }
            InboxView::Mine => {
                rows.sort_by(|(_, a), (_, b)| (a.last_message_at_ms, &a.id).cmp(&(b.last_message_at_ms, &b.id)))
            }
            InboxView::Open => {
                rows.sort_by(|(_, a), (_, b)| (b.last_message_at_ms, &b.id).cmp(&(a.last_message_at_ms, &a.id)))
            }
            InboxView::Resolved => rows.sort_by(|(at_a, a), (at_b, b)| (at_b, &b.id).cmp(&(at_a, &a.id))),
            InboxView::Ai => rows.sort_by(|(_, a), (_, b)| (b.created_at_ms, &b.id).cmp(&(a.created_at_ms, &a.id))),
        }
        Ok(rows.into_iter().take(limit).map(|(_, r)| r).collect())
    }

    async fn inbox_counts(&self, agent_id: &str) -> Result<InboxCounts, StoreError> {
        let conversations = self.conversations.borrow();
        let count = |view| conversations.iter().filter(|c| in_view(view, c, agent_id)).count() as u32;
        Ok(InboxCounts {
            waiting: count(InboxView::Waiting),
            mine: count(InboxView::Mine),
            open: count(InboxView::Open),
            resolved: count(InboxView::Resolved),
            ai: count(InboxView::Ai),
        })
    }

    async fn inbox_row(&self, conversation: &ConversationId) -> Result<Option<ConversationRow>, StoreError> {
        Ok(self.conversations.borrow().iter().find(|c| &c.id == conversation).map(|c| self.row_of(c)))
    }

    async fn move_conversation(&self, conversation: &ConversationId, change: &Move<'_>) -> Result<bool, StoreError> {
        let mut conversations = self.conversations.borrow_mut();
        let Some(c) = conversations.iter_mut().find(|c| {
            &c.id == conversation
                && change.from.contains(&c.status)
                && change.only_if_assignee.is_none_or(|a| c.assignee_id.as_deref() == Some(a))
        }) else {
            return Ok(false);
        };
        c.status = change.to;
        c.assignee_id = change.assignee.map(str::to_string);
        if let Some(h) = change.handoff {
            c.handoff = Some(h.clone());
        }
        if change.to == ConversationStatus::Resolved {
            let mut resolved = self.resolved_at.borrow_mut();
            resolved.retain(|(id, _)| id != conversation);
            resolved.push((conversation.clone(), change.at_ms));
        }
        Ok(true)
    }

    async fn add_note(&self, conversation: &ConversationId, note: &NewNote) -> Result<(), StoreError> {
        self.require(conversation)?;
        let mut notes = self.notes.borrow_mut();
        if notes.iter().any(|(_, n)| n.id == note.id) {
            return Err(StoreError(format!("note id {} is taken", note.id)));
        }
        notes.push((conversation.clone(), note.clone()));
        Ok(())
    }

    async fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>, StoreError> {
        let notes = self.notes.borrow();
        let mut found: Vec<&NewNote> = notes.iter().filter(|(c, _)| c == conversation).map(|(_, n)| n).collect();
        // Stable: notes written in the same millisecond stay in the order written (D1: rowid).
        found.sort_by_key(|n| n.created_at_ms);
        Ok(found.into_iter().map(NewNote::to_note).collect())
    }

    async fn enabled_agent(&self, id: &str) -> Result<Option<AgentRef>, StoreError> {
        Ok(self.enabled_agents().await?.into_iter().find(|a| a.id == id))
    }

    async fn enabled_agents(&self) -> Result<Vec<AgentRef>, StoreError> {
        let mut found: Vec<AgentRef> = self
            .agents
            .borrow()
            .iter()
            .filter(|a| !a.disabled)
            .map(|a| AgentRef { id: a.agent.id.clone(), name: a.agent.name.clone() })
            .collect();
        found.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(found)
    }
}
