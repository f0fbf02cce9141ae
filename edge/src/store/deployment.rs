//! The stores as a whole deployment serves them, for the contract (`contract`): every call about
//! one conversation goes through that conversation's object (`store::object` on its own SQLite,
//! loaded from D1 as the object loads it, or D1 itself when there is no such conversation, as the
//! object answers then), and every other call is D1's once the objects' alarms have passed their
//! journals on (as the Worker reads D1). Erasing is the Worker's: D1 first, then the objects
//! forget.

use super::object::ObjectStore;
use super::replica::Replica;
use super::sql::SqlStore;
use super::sqlite::Sqlite;
use super::*;
use crate::action_run::ActionRun;
use crate::store::canned::Written;
use crate::store::inbox::LabelFilter;
use crate::store::inbox::NewNote;
use futures_util::lock::Mutex;
use shared::inbox::{AgentRef, Attention, ConversationRow, InboxCounts, InboxView, Note};
use shared::labels::Labels;
use shared::satisfaction::Satisfaction;
use std::cell::RefCell;
use std::rc::Rc;

/// D1, and each conversation's object's own SQLite.
pub struct Deployment {
    d1: Sqlite,
    objects: RefCell<BTreeMap<ConversationId, Rc<Local>>>,
}

/// One object's SQLite and its flush gate.
struct Local {
    db: Sqlite,
    gate: Mutex<()>,
}

impl Local {
    fn store<'a>(&'a self, id: &ConversationId, d1: &'a Sqlite) -> ObjectStore<'a, Sqlite, Sqlite> {
        ObjectStore::new(id.clone(), Replica::new(&self.db, d1, &self.gate), d1)
    }
}

impl Default for Deployment {
    fn default() -> Self {
        Self { d1: Sqlite::migrated(), objects: RefCell::default() }
    }
}

impl Deployment {
    /// The object of conversation `id` once it holds the conversation; `None`: D1 has no such
    /// conversation (the object then answers from D1 and keeps nothing).
    async fn object(&self, id: &ConversationId) -> Result<Option<Rc<Local>>, StoreError> {
        let local = self
            .objects
            .borrow_mut()
            .entry(id.clone())
            .or_insert_with(|| Rc::new(Local { db: Sqlite::empty(), gate: Mutex::new(()) }))
            .clone();
        let loaded = Replica::new(&local.db, &self.d1, &local.gate).load(id).await?;
        Ok(loaded.then_some(local))
    }

    /// D1 after every object's alarm ran.
    async fn index(&self) -> Result<SqlStore<&Sqlite>, StoreError> {
        let objects: Vec<Rc<Local>> = self.objects.borrow().values().cloned().collect();
        for local in objects {
            Replica::new(&local.db, &self.d1, &local.gate).flush().await?;
        }
        Ok(SqlStore::new(&self.d1))
    }
}

/// A call about conversation `$id`: by its object, or D1 when it has no such conversation.
macro_rules! here {
    ($self:ident, $id:expr, $method:ident($($arg:expr),*)) => {
        match $self.object($id).await? {
            Some(local) => local.store($id, &$self.d1).$method($($arg),*).await,
            None => SqlStore::new(&$self.d1).$method($($arg),*).await,
        }
    };
}

impl ConversationStore for Deployment {
    async fn create_conversation(&self, record: &ConversationRecord, opening: &[NewMessage]) -> Result<(), StoreError> {
        // The Worker creates it in D1.
        self.index().await?.create_conversation(record, opening).await
    }
    async fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        here!(self, id, conversation(id))
    }
    async fn insert_visitor_message(&self, id: &ConversationId, message: &NewMessage) -> Result<Inserted, StoreError> {
        here!(self, id, insert_visitor_message(id, message))
    }
    async fn insert_replies(&self, id: &ConversationId, replies: &[NewMessage]) -> Result<(), StoreError> {
        here!(self, id, insert_replies(id, replies))
    }
    async fn replies_to(&self, id: &ConversationId, message: &MessageId) -> Result<Vec<Message>, StoreError> {
        here!(self, id, replies_to(id, message))
    }
    async fn rate(&self, id: &ConversationId, rating: &Satisfaction) -> Result<bool, StoreError> {
        here!(self, id, rate(id, rating))
    }
    async fn satisfaction(&self, id: &ConversationId) -> Result<Option<Satisfaction>, StoreError> {
        here!(self, id, satisfaction(id))
    }
    async fn save_state(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        here!(self, &record.id, save_state(record))
    }
    async fn message(&self, id: &ConversationId, message: &MessageId) -> Result<Option<Message>, StoreError> {
        here!(self, id, message(id, message))
    }
    async fn messages(&self, id: &ConversationId) -> Result<Vec<Message>, StoreError> {
        here!(self, id, messages(id))
    }
    async fn recent_messages(&self, id: &ConversationId, limit: usize) -> Result<Vec<Message>, StoreError> {
        here!(self, id, recent_messages(id, limit))
    }
    async fn messages_after(&self, id: &ConversationId, after: &MessageId) -> Result<Option<Vec<Message>>, StoreError> {
        here!(self, id, messages_after(id, after))
    }
    async fn open_for_write(
        &self,
        id: &ConversationId,
        client_message_id: &str,
        recent: usize,
    ) -> Result<Option<WriteContext>, StoreError> {
        here!(self, id, open_for_write(id, client_message_id, recent))
    }
    async fn finish_turn(
        &self,
        record: &ConversationRecord,
        visitor: &MessageId,
        replies: &[NewMessage],
    ) -> Result<Vec<Message>, StoreError> {
        here!(self, &record.id, finish_turn(record, visitor, replies))
    }
}

impl InboxStore for Deployment {
    async fn inbox_list(
        &self,
        view: InboxView,
        agent_id: &str,
        search: Option<&str>,
        labels: &LabelFilter,
        limit: usize,
        now_ms: u64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        self.index().await?.inbox_list(view, agent_id, search, labels, limit, now_ms).await
    }
    async fn set_labels(&self, conversation: &ConversationId, labels: &Labels) -> Result<bool, StoreError> {
        self.index().await?.set_labels(conversation, labels).await
    }
    async fn inbox_counts(&self, agent_id: &str, now_ms: u64) -> Result<InboxCounts, StoreError> {
        self.index().await?.inbox_counts(agent_id, now_ms).await
    }
    async fn snooze(
        &self,
        conversation: &ConversationId,
        until_ms: Option<u64>,
        agent_id: &str,
        at_ms: u64,
    ) -> Result<bool, StoreError> {
        self.index().await?.snooze(conversation, until_ms, agent_id, at_ms).await
    }
    async fn unsnooze(&self, conversation: &ConversationId) -> Result<(), StoreError> {
        self.index().await?.unsnooze(conversation).await
    }
    async fn attention(&self, agent_id: &str, now_ms: u64) -> Result<Vec<Attention>, StoreError> {
        self.index().await?.attention(agent_id, now_ms).await
    }
    async fn long_waits(&self, handed_off_by_ms: u64, now_ms: u64) -> Result<Vec<Attention>, StoreError> {
        self.index().await?.long_waits(handed_off_by_ms, now_ms).await
    }
    async fn mark_read(&self, agent_id: &str, conversation: &ConversationId, at_ms: u64) -> Result<(), StoreError> {
        self.index().await?.mark_read(agent_id, conversation, at_ms).await
    }
    async fn inbox_row(&self, id: &ConversationId) -> Result<Option<ConversationRow>, StoreError> {
        here!(self, id, inbox_row(id))
    }
    async fn move_conversation(&self, id: &ConversationId, change: &Move<'_>) -> Result<bool, StoreError> {
        here!(self, id, move_conversation(id, change))
    }
    async fn add_note(&self, id: &ConversationId, note: &NewNote) -> Result<(), StoreError> {
        here!(self, id, add_note(id, note))
    }
    async fn notes(&self, id: &ConversationId) -> Result<Vec<Note>, StoreError> {
        here!(self, id, notes(id))
    }
    async fn enabled_agent(&self, id: &str) -> Result<Option<AgentRef>, StoreError> {
        self.index().await?.enabled_agent(id).await
    }
    async fn enabled_agents(&self) -> Result<Vec<AgentRef>, StoreError> {
        self.index().await?.enabled_agents().await
    }
}

impl HandoffStore for Deployment {
    async fn hand_off(
        &self,
        id: &ConversationId,
        handoff: &HandoffRecord,
        delivery: Option<&NewDelivery>,
    ) -> Result<bool, StoreError> {
        here!(self, id, hand_off(id, handoff, delivery))
    }
    async fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<String>, StoreError> {
        self.index().await?.due_deliveries(now_ms, limit).await
    }
    async fn claim_delivery(&self, id: &str, now_ms: u64, lease_ms: u64) -> Result<Option<Delivery>, StoreError> {
        self.index().await?.claim_delivery(id, now_ms, lease_ms).await
    }
    async fn record_attempt(&self, id: &str, attempt: &Attempt, after: AfterAttempt) -> Result<(), StoreError> {
        self.index().await?.record_attempt(id, attempt, after).await
    }
    async fn deliveries_of(&self, id: &ConversationId) -> Result<Vec<Delivery>, StoreError> {
        here!(self, id, deliveries_of(id))
    }
    async fn attempts(&self, id: &str) -> Result<Vec<Attempt>, StoreError> {
        self.index().await?.attempts(id).await
    }
}

impl ErasureStore for Deployment {
    async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError> {
        let erased = self.index().await?.erase_conversations(ids).await?;
        let told: Vec<Rc<Local>> = ids.iter().filter_map(|id| self.objects.borrow().get(id).cloned()).collect();
        for local in told {
            Replica::new(&local.db, &self.d1, &local.gate).forget().await?;
        }
        SqlStore::new(&self.d1).forgotten(ids).await?;
        Ok(erased)
    }
    async fn unforgotten(&self, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.index().await?.unforgotten(limit).await
    }
    async fn forgotten(&self, ids: &[ConversationId]) -> Result<(), StoreError> {
        self.index().await?.forgotten(ids).await
    }
    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.index().await?.conversations_of(person, limit).await
    }
    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.index().await?.inactive_conversations(before_ms, limit).await
    }
    async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError> {
        self.index().await?.delete_runs_before(before_ms, limit).await
    }
}

impl ActionLogStore for Deployment {
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError> {
        self.index().await?.record_run(at_ms, origin, run).await
    }
    async fn run_counts(&self, since_ms: u64) -> Result<Vec<RunCounts>, StoreError> {
        self.index().await?.run_counts(since_ms).await
    }
    async fn filtered_logs(
        &self,
        action: &str,
        filter: &LogFilter,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        self.index().await?.filtered_logs(action, filter, limit, before).await
    }
    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        self.index().await?.action_logs(action, limit, before).await
    }
    async fn conversation_runs(&self, id: &ConversationId, limit: usize) -> Result<Vec<ActionLogEntry>, StoreError> {
        here!(self, id, conversation_runs(id, limit))
    }
}

impl ConsoleChangeStore for Deployment {
    async fn switches(&self) -> Result<Vec<ActionSwitch>, StoreError> {
        self.index().await?.switches().await
    }
    async fn set_switch(&self, switch: &ActionSwitch) -> Result<(), StoreError> {
        self.index().await?.set_switch(switch).await
    }
    async fn clear_switch(&self, action: &str) -> Result<(), StoreError> {
        self.index().await?.clear_switch(action).await
    }
    async fn console_actions(&self) -> Result<Vec<ConsoleAction>, StoreError> {
        self.index().await?.console_actions().await
    }
    async fn put_console_action(&self, action: &ConsoleAction) -> Result<(), StoreError> {
        self.index().await?.put_console_action(action).await
    }
    async fn remove_console_action(&self, slug: &str) -> Result<bool, StoreError> {
        self.index().await?.remove_console_action(slug).await
    }
}

impl ModelUsageStore for Deployment {
    async fn record_model_call(&self, at_ms: u64, id: &ConversationId, call: &ModelCall) -> Result<(), StoreError> {
        self.index().await?.record_model_call(at_ms, id, call).await
    }
    async fn model_calls(&self, limit: usize, before: Option<i64>) -> Result<Vec<ModelUsageEntry>, StoreError> {
        self.index().await?.model_calls(limit, before).await
    }
}

impl AgentStore for Deployment {
    async fn add_agent(&self, account: &AgentAccount, at_ms: u64) -> Result<(), AddAgentError> {
        SqlStore::new(&self.d1).add_agent(account, at_ms).await
    }
    async fn account_by_email(&self, email: &str) -> Result<Option<AgentAccount>, StoreError> {
        self.index().await?.account_by_email(email).await
    }
    async fn open_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        at_ms: u64,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        self.index().await?.open_session(token_hash, agent_id, at_ms, expires_at_ms).await
    }
    async fn session_agent(&self, token_hash: &str, now_ms: u64) -> Result<Option<Agent>, StoreError> {
        self.index().await?.session_agent(token_hash, now_ms).await
    }
    async fn close_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.index().await?.close_session(token_hash).await
    }
    async fn live_sessions(&self, token_hashes: &[String], now_ms: u64) -> Result<Vec<String>, StoreError> {
        self.index().await?.live_sessions(token_hashes, now_ms).await
    }
    async fn set_disabled(&self, agent_id: &str, disabled: bool) -> Result<bool, StoreError> {
        self.index().await?.set_disabled(agent_id, disabled).await
    }
    async fn end_sessions(&self, agent_id: &str) -> Result<u32, StoreError> {
        self.index().await?.end_sessions(agent_id).await
    }
    async fn team(&self, now_ms: u64) -> Result<Vec<TeamMember>, StoreError> {
        self.index().await?.team(now_ms).await
    }
    async fn set_role(&self, agent_id: &str, role: Role) -> Result<bool, StoreError> {
        self.index().await?.set_role(agent_id, role).await
    }
    async fn set_password(&self, agent_id: &str, password_hash: &str) -> Result<bool, StoreError> {
        self.index().await?.set_password(agent_id, password_hash).await
    }
}

impl crate::store::reports::ReportStore for Deployment {
    async fn report_rows(
        &self,
        range: &crate::store::reports::ReportRange,
    ) -> Result<crate::store::reports::ReportRows, StoreError> {
        self.index().await?.report_rows(range).await
    }
}

impl CannedStore for Deployment {
    async fn canned_for(&self, agent_id: &str) -> Result<Vec<StoredCanned>, StoreError> {
        self.index().await?.canned_for(agent_id).await
    }
    async fn canned(&self, id: &str) -> Result<Option<StoredCanned>, StoreError> {
        self.index().await?.canned(id).await
    }
    async fn add_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        self.index().await?.add_canned(reply).await
    }
    async fn change_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        self.index().await?.change_canned(reply).await
    }
    async fn delete_canned(&self, id: &str) -> Result<bool, StoreError> {
        self.index().await?.delete_canned(id).await
    }
}
