//! The stores as a conversation's object sees them: its own conversation in its replica
//! ([`super::replica`]), everything else (agents, the inbox's lists, webhook deliveries' progress,
//! the action log, other conversations) in D1. The API's handlers run unchanged on top.

use super::replica::Replica;
use super::sql::{SqlPort, SqlStore};
use super::{
    ActionLogEntry, ActionLogStore, AddAgentError, AfterAttempt, Agent, AgentAccount, AgentStore, Attempt,
    ConversationRecord, ConversationStore, Delivery, Erased, ErasureStore, HandoffRecord, HandoffStore, InboxStore,
    Inserted, Move, NewDelivery, NewMessage, Person, RunCounts, RunOrigin, StoreError, WriteContext,
};
use crate::action_run::ActionRun;
use crate::store::canned::{CannedStore, StoredCanned, Written};
use crate::store::inbox::LabelFilter;
use crate::store::inbox::NewNote;
use crate::store::{ActionSwitch, ConsoleAction, ConsoleChangeStore, ModelCall, ModelUsageEntry, ModelUsageStore};
use shared::inbox::{AgentRef, Attention, ConversationRow, InboxCounts, InboxView, Note};
use shared::labels::Labels;
use shared::satisfaction::Satisfaction;
use shared::{ConversationId, Message, MessageId};

/// One conversation's object's stores.
pub struct ObjectStore<'a, L, R> {
    conversation: ConversationId,
    here: SqlStore<Replica<'a, L, R>>,
    index: SqlStore<&'a R>,
}

impl<'a, L: SqlPort, R: SqlPort> ObjectStore<'a, L, R> {
    /// `conversation`'s stores: `replica` for it, `index` (D1) for the rest.
    pub fn new(conversation: ConversationId, replica: Replica<'a, L, R>, index: &'a R) -> Self {
        Self { conversation, here: SqlStore::new(replica), index: SqlStore::new(index) }
    }

    /// The replica (to load, flush or forget it).
    pub fn replica(&self) -> &Replica<'a, L, R> {
        self.here.port()
    }

    /// The replica, for this object's own conversation only: any other is refused rather than
    /// written past its own object.
    fn on(&self, conversation: &ConversationId) -> Result<&SqlStore<Replica<'a, L, R>>, StoreError> {
        if conversation == &self.conversation {
            Ok(&self.here)
        } else {
            Err(StoreError(format!("the object of {} was asked about {conversation}", self.conversation)))
        }
    }
}

impl<L: SqlPort, R: SqlPort> ConversationStore for ObjectStore<'_, L, R> {
    async fn create_conversation(&self, record: &ConversationRecord, opening: &[NewMessage]) -> Result<(), StoreError> {
        // Conversations are created by the Worker in D1; their object loads them from there.
        self.index.create_conversation(record, opening).await
    }
    async fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        self.on(id)?.conversation(id).await
    }
    async fn insert_visitor_message(&self, id: &ConversationId, message: &NewMessage) -> Result<Inserted, StoreError> {
        self.on(id)?.insert_visitor_message(id, message).await
    }
    async fn insert_replies(&self, id: &ConversationId, replies: &[NewMessage]) -> Result<(), StoreError> {
        self.on(id)?.insert_replies(id, replies).await
    }
    async fn replies_to(&self, id: &ConversationId, message: &MessageId) -> Result<Vec<Message>, StoreError> {
        self.on(id)?.replies_to(id, message).await
    }
    async fn save_state(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        self.on(&record.id)?.save_state(record).await
    }
    async fn rate(&self, id: &ConversationId, rating: &Satisfaction) -> Result<bool, StoreError> {
        self.on(id)?.rate(id, rating).await
    }
    async fn satisfaction(&self, id: &ConversationId) -> Result<Option<Satisfaction>, StoreError> {
        self.on(id)?.satisfaction(id).await
    }
    async fn message(&self, id: &ConversationId, message: &MessageId) -> Result<Option<Message>, StoreError> {
        self.on(id)?.message(id, message).await
    }
    async fn messages(&self, id: &ConversationId) -> Result<Vec<Message>, StoreError> {
        self.on(id)?.messages(id).await
    }
    async fn recent_messages(&self, id: &ConversationId, limit: usize) -> Result<Vec<Message>, StoreError> {
        self.on(id)?.recent_messages(id, limit).await
    }
    async fn messages_after(&self, id: &ConversationId, after: &MessageId) -> Result<Option<Vec<Message>>, StoreError> {
        self.on(id)?.messages_after(id, after).await
    }
    async fn open_for_write(
        &self,
        id: &ConversationId,
        client_message_id: &str,
        recent: usize,
    ) -> Result<Option<WriteContext>, StoreError> {
        self.on(id)?.open_for_write(id, client_message_id, recent).await
    }
    async fn finish_turn(
        &self,
        record: &ConversationRecord,
        visitor: &MessageId,
        replies: &[NewMessage],
    ) -> Result<Vec<Message>, StoreError> {
        self.on(&record.id)?.finish_turn(record, visitor, replies).await
    }
}

impl<L: SqlPort, R: SqlPort> InboxStore for ObjectStore<'_, L, R> {
    async fn inbox_list(
        &self,
        view: InboxView,
        agent_id: &str,
        search: Option<&str>,
        labels: &LabelFilter,
        limit: usize,
        now_ms: u64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        self.index.inbox_list(view, agent_id, search, labels, limit, now_ms).await
    }
    async fn set_labels(&self, conversation: &ConversationId, labels: &Labels) -> Result<bool, StoreError> {
        self.index.set_labels(conversation, labels).await
    }
    async fn inbox_counts(&self, agent_id: &str, now_ms: u64) -> Result<InboxCounts, StoreError> {
        self.index.inbox_counts(agent_id, now_ms).await
    }
    async fn snooze(
        &self,
        conversation: &ConversationId,
        until_ms: Option<u64>,
        agent_id: &str,
        at_ms: u64,
    ) -> Result<bool, StoreError> {
        self.index.snooze(conversation, until_ms, agent_id, at_ms).await
    }
    async fn unsnooze(&self, conversation: &ConversationId) -> Result<(), StoreError> {
        self.index.unsnooze(conversation).await
    }
    async fn attention(&self, agent_id: &str, now_ms: u64) -> Result<Vec<Attention>, StoreError> {
        self.index.attention(agent_id, now_ms).await
    }
    async fn long_waits(&self, handed_off_by_ms: u64, now_ms: u64) -> Result<Vec<Attention>, StoreError> {
        self.index.long_waits(handed_off_by_ms, now_ms).await
    }
    async fn mark_read(&self, agent_id: &str, conversation: &ConversationId, at_ms: u64) -> Result<(), StoreError> {
        self.index.mark_read(agent_id, conversation, at_ms).await
    }
    async fn inbox_row(&self, id: &ConversationId) -> Result<Option<ConversationRow>, StoreError> {
        // The row names the assignee from the agents' table, which is D1's: bring D1 up to date
        // first, then read it there.
        self.on(id)?.port().flush().await?;
        self.index.inbox_row(id).await
    }
    async fn move_conversation(&self, id: &ConversationId, change: &Move<'_>) -> Result<bool, StoreError> {
        self.on(id)?.move_conversation(id, change).await
    }
    async fn add_note(&self, id: &ConversationId, note: &NewNote) -> Result<(), StoreError> {
        self.on(id)?.add_note(id, note).await
    }
    async fn notes(&self, id: &ConversationId) -> Result<Vec<Note>, StoreError> {
        self.on(id)?.notes(id).await
    }
    async fn enabled_agent(&self, id: &str) -> Result<Option<AgentRef>, StoreError> {
        self.index.enabled_agent(id).await
    }
    async fn enabled_agents(&self) -> Result<Vec<AgentRef>, StoreError> {
        self.index.enabled_agents().await
    }
}

impl<L: SqlPort, R: SqlPort> HandoffStore for ObjectStore<'_, L, R> {
    async fn hand_off(
        &self,
        id: &ConversationId,
        handoff: &HandoffRecord,
        delivery: Option<&NewDelivery>,
    ) -> Result<bool, StoreError> {
        self.on(id)?.hand_off(id, handoff, delivery).await
    }
    async fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<String>, StoreError> {
        self.index.due_deliveries(now_ms, limit).await
    }
    async fn claim_delivery(&self, id: &str, now_ms: u64, lease_ms: u64) -> Result<Option<Delivery>, StoreError> {
        // A delivery is queued in the replica with its handoff: D1 must have it before a send.
        self.here.port().flush().await?;
        self.index.claim_delivery(id, now_ms, lease_ms).await
    }
    async fn record_attempt(&self, id: &str, attempt: &Attempt, after: AfterAttempt) -> Result<(), StoreError> {
        self.index.record_attempt(id, attempt, after).await
    }
    async fn deliveries_of(&self, id: &ConversationId) -> Result<Vec<Delivery>, StoreError> {
        self.here.port().flush().await?;
        self.index.deliveries_of(id).await
    }
    async fn attempts(&self, id: &str) -> Result<Vec<Attempt>, StoreError> {
        self.index.attempts(id).await
    }
}

impl<L: SqlPort, R: SqlPort> ErasureStore for ObjectStore<'_, L, R> {
    async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError> {
        let here = ids.contains(&self.conversation);
        if here {
            // What D1 has not seen yet is erased there with the rest, and counted in what the
            // erasure reports (a turn waiting for the alarm was told as "1 message erased" of 3).
            self.here.port().flush().await?;
        }
        // D1 first: if it fails, nothing is lost here and the visitor can try again.
        let erased = self.index.erase_conversations(ids).await?;
        if here {
            self.here.port().forget().await?;
            self.index.forgotten(std::slice::from_ref(&self.conversation)).await?;
        }
        Ok(erased)
    }
    async fn unforgotten(&self, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.index.unforgotten(limit).await
    }
    async fn forgotten(&self, ids: &[ConversationId]) -> Result<(), StoreError> {
        self.index.forgotten(ids).await
    }
    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.index.conversations_of(person, limit).await
    }
    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.index.inactive_conversations(before_ms, limit).await
    }
    async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError> {
        self.index.delete_runs_before(before_ms, limit).await
    }
}

impl<L: SqlPort, R: SqlPort> ActionLogStore for ObjectStore<'_, L, R> {
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError> {
        self.index.record_run(at_ms, origin, run).await
    }
    async fn run_counts(&self, since_ms: u64) -> Result<Vec<RunCounts>, StoreError> {
        self.index.run_counts(since_ms).await
    }
    async fn filtered_logs(
        &self,
        action: &str,
        filter: &super::LogFilter,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        self.index.filtered_logs(action, filter, limit, before).await
    }
    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        self.index.action_logs(action, limit, before).await
    }
    async fn conversation_runs(&self, id: &ConversationId, limit: usize) -> Result<Vec<ActionLogEntry>, StoreError> {
        self.index.conversation_runs(id, limit).await
    }
}

impl<L: SqlPort, R: SqlPort> ConsoleChangeStore for ObjectStore<'_, L, R> {
    async fn switches(&self) -> Result<Vec<ActionSwitch>, StoreError> {
        self.index.switches().await
    }
    async fn set_switch(&self, switch: &ActionSwitch) -> Result<(), StoreError> {
        self.index.set_switch(switch).await
    }
    async fn clear_switch(&self, action: &str) -> Result<(), StoreError> {
        self.index.clear_switch(action).await
    }
    async fn console_actions(&self) -> Result<Vec<ConsoleAction>, StoreError> {
        self.index.console_actions().await
    }
    async fn put_console_action(&self, action: &ConsoleAction) -> Result<(), StoreError> {
        self.index.put_console_action(action).await
    }
    async fn remove_console_action(&self, slug: &str) -> Result<bool, StoreError> {
        self.index.remove_console_action(slug).await
    }
}

impl<L: SqlPort, R: SqlPort> ModelUsageStore for ObjectStore<'_, L, R> {
    async fn record_model_call(&self, at_ms: u64, id: &ConversationId, call: &ModelCall) -> Result<(), StoreError> {
        self.index.record_model_call(at_ms, id, call).await
    }
    async fn model_calls(&self, limit: usize, before: Option<i64>) -> Result<Vec<ModelUsageEntry>, StoreError> {
        self.index.model_calls(limit, before).await
    }
}

impl<L: SqlPort, R: SqlPort> AgentStore for ObjectStore<'_, L, R> {
    async fn add_agent(&self, account: &AgentAccount, at_ms: u64) -> Result<(), AddAgentError> {
        self.index.add_agent(account, at_ms).await
    }
    async fn account_by_email(&self, email: &str) -> Result<Option<AgentAccount>, StoreError> {
        self.index.account_by_email(email).await
    }
    async fn open_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        at_ms: u64,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        self.index.open_session(token_hash, agent_id, at_ms, expires_at_ms).await
    }
    async fn session_agent(&self, token_hash: &str, now_ms: u64) -> Result<Option<Agent>, StoreError> {
        self.index.session_agent(token_hash, now_ms).await
    }
    async fn close_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.index.close_session(token_hash).await
    }
    async fn live_sessions(&self, token_hashes: &[String], now_ms: u64) -> Result<Vec<String>, StoreError> {
        self.index.live_sessions(token_hashes, now_ms).await
    }
    async fn set_disabled(&self, agent_id: &str, disabled: bool) -> Result<bool, StoreError> {
        self.index.set_disabled(agent_id, disabled).await
    }
    async fn end_sessions(&self, agent_id: &str) -> Result<u32, StoreError> {
        self.index.end_sessions(agent_id).await
    }
    async fn team(&self, now_ms: u64) -> Result<Vec<super::TeamMember>, StoreError> {
        self.index.team(now_ms).await
    }
    async fn set_role(&self, agent_id: &str, role: super::Role) -> Result<bool, StoreError> {
        self.index.set_role(agent_id, role).await
    }
    async fn set_password(&self, agent_id: &str, password_hash: &str) -> Result<bool, StoreError> {
        self.index.set_password(agent_id, password_hash).await
    }
}

impl<L: SqlPort, R: SqlPort> crate::store::reports::ReportStore for ObjectStore<'_, L, R> {
    async fn report_rows(
        &self,
        range: &crate::store::reports::ReportRange,
    ) -> Result<crate::store::reports::ReportRows, StoreError> {
        self.index.report_rows(range).await
    }
}

impl<L: SqlPort, R: SqlPort> CannedStore for ObjectStore<'_, L, R> {
    async fn canned_for(&self, agent_id: &str) -> Result<Vec<StoredCanned>, StoreError> {
        self.index.canned_for(agent_id).await
    }
    async fn canned(&self, id: &str) -> Result<Option<StoredCanned>, StoreError> {
        self.index.canned(id).await
    }
    async fn add_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        self.index.add_canned(reply).await
    }
    async fn change_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        self.index.change_canned(reply).await
    }
    async fn delete_canned(&self, id: &str) -> Result<bool, StoreError> {
        self.index.delete_canned(id).await
    }
}
