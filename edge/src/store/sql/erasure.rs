//! Erasure and retention: a batch of conversations with everything stored for them, in one
//! transaction; the lookups that choose them; old action runs.

use super::{changes, fail, placeholders, Query, SqlPort, SqlStore, SqlValue, NOW_MS};
use crate::store::erasure::MAX_ERASE_BATCH;
use crate::store::{Erased, ErasureStore, Person, StoreError};
use serde::Deserialize;
use shared::ConversationId;

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

impl<P: SqlPort> SqlStore<P> {
    async fn conversation_ids(&self, sql: &str, args: Vec<SqlValue>) -> Result<Vec<ConversationId>, StoreError> {
        let rows: Vec<IdRow> = self.db.all(&Query::new(sql, args)).await?;
        rows.into_iter().map(|r| ConversationId::parse(r.id).map_err(fail)).collect()
    }
}

impl<P: SqlPort> ErasureStore for SqlStore<P> {
    async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError> {
        if ids.is_empty() {
            return Ok(Erased::default());
        }
        if ids.len() > MAX_ERASE_BATCH {
            return Err(fail(format!("erase at most {MAX_ERASE_BATCH} conversations at once, not {}", ids.len())));
        }
        let list = placeholders(ids.len());
        let id_args: Vec<SqlValue> = ids.iter().map(|id| SqlValue::text(id.as_str())).collect();
        let batch = [
            Query::new(
                format!(
                    "SELECT COUNT(*) AS n FROM messages WHERE conversation_id IN ({list}) AND submission IS NOT NULL"
                ),
                id_args.clone(),
            ),
            // The tombstone, in the erasing transaction: a copy in an object that misses being
            // told is found out by the object itself, and the Cron keeps telling it.
            Query::new(
                format!(
                    "INSERT OR IGNORE INTO erased_conversations (id, erased_at_ms) \
                     SELECT id, {NOW_MS} FROM conversations WHERE id IN ({list})"
                ),
                id_args.clone(),
            ),
            Query::new(format!("DELETE FROM action_runs WHERE conversation_id IN ({list})"), id_args.clone()),
            Query::new(format!("DELETE FROM model_calls WHERE conversation_id IN ({list})"), id_args.clone()),
            // Webhook deliveries carry the handoff summary: they go with their conversation.
            Query::new(
                format!(
                    "DELETE FROM webhook_attempts WHERE delivery_id IN \
                     (SELECT id FROM webhook_deliveries WHERE conversation_id IN ({list}))"
                ),
                id_args.clone(),
            ),
            Query::new(format!("DELETE FROM webhook_deliveries WHERE conversation_id IN ({list})"), id_args.clone()),
            // How far its object's journal reached D1.
            Query::new(format!("DELETE FROM replica_marks WHERE conversation_id IN ({list})"), id_args.clone()),
            // Agents' private notes go with their conversation, and when each read it.
            Query::new(format!("DELETE FROM notes WHERE conversation_id IN ({list})"), id_args.clone()),
            Query::new(format!("DELETE FROM agent_reads WHERE conversation_id IN ({list})"), id_args.clone()),
            Query::new(format!("DELETE FROM conversation_tags WHERE conversation_id IN ({list})"), id_args.clone()),
            Query::new(format!("DELETE FROM conversation_priority WHERE conversation_id IN ({list})"), id_args.clone()),
            Query::new(format!("DELETE FROM conversation_snooze WHERE conversation_id IN ({list})"), id_args.clone()),
            // Messages before their conversation (foreign key).
            Query::new(format!("DELETE FROM messages WHERE conversation_id IN ({list})"), id_args.clone()),
            Query::new(format!("DELETE FROM conversations WHERE id IN ({list})"), id_args),
        ];
        // One batch is one transaction: a conversation is erased whole or not at all.
        let results = self.db.batch(&batch).await?;
        let [submissions, _tombstones, runs, _model_calls, _attempts, _deliveries, _marks, _notes, _reads, _tags, _priority, _snooze, messages, conversations] =
            results.as_slice()
        else {
            return Err(fail(format!("the database answered {} results for 14 statements", results.len())));
        };
        let submissions = submissions
            .rows
            .first()
            .map(|row| serde_json::from_value::<CountRow>(row.clone()))
            .transpose()
            .map_err(fail)?
            .map(|r| r.n as u32)
            .ok_or_else(|| fail("the database answered no row for COUNT(*)"))?;
        Ok(Erased {
            conversations: changes(conversations.changes)?,
            messages: changes(messages.changes)?,
            submissions,
            action_runs: changes(runs.changes)?,
        })
    }

    async fn unforgotten(&self, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.conversation_ids(
            "SELECT id FROM erased_conversations WHERE forgotten_at_ms IS NULL ORDER BY erased_at_ms, id LIMIT ?1",
            vec![SqlValue::int(limit as u64)],
        )
        .await
    }

    async fn forgotten(&self, ids: &[ConversationId]) -> Result<(), StoreError> {
        for chunk in ids.chunks(MAX_ERASE_BATCH) {
            let list = placeholders(chunk.len());
            let args = chunk.iter().map(|id| SqlValue::text(id.as_str())).collect();
            let sql = format!("UPDATE erased_conversations SET forgotten_at_ms = {NOW_MS} WHERE id IN ({list})");
            self.db.run(&Query::new(sql, args)).await?;
        }
        Ok(())
    }

    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        let limit = SqlValue::int(limit as u64);
        match person {
            // lower() on both sides is the indexed expression (migrations/0008); without ICU it
            // folds ASCII letters only, like the memory store.
            Person::Email(email) => {
                self.conversation_ids(
                    "SELECT id FROM conversations WHERE lower(lead_email) = lower(?1) ORDER BY created_at_ms LIMIT ?2",
                    vec![SqlValue::text(email), limit],
                )
                .await
            }
            Person::UserId(user) => {
                self.conversation_ids(
                    "SELECT id FROM conversations WHERE user_id = ?1 ORDER BY created_at_ms LIMIT ?2",
                    vec![SqlValue::text(user), limit],
                )
                .await
            }
        }
    }

    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.conversation_ids(
            "SELECT id FROM conversations c WHERE created_at_ms < ?1 AND NOT EXISTS \
             (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.created_at_ms >= ?1) \
             ORDER BY created_at_ms LIMIT ?2",
            vec![SqlValue::int(before_ms), SqlValue::int(limit as u64)],
        )
        .await
    }

    async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError> {
        let args = vec![SqlValue::int(before_ms), SqlValue::int(limit as u64)];
        // The model's usage is kept as long as the action log.
        let written = self
            .db
            .batch(&[
                Query::new(
                    "DELETE FROM action_runs WHERE seq IN \
                     (SELECT seq FROM action_runs WHERE at_ms < ?1 ORDER BY seq LIMIT ?2)",
                    args.clone(),
                ),
                Query::new(
                    "DELETE FROM model_calls WHERE seq IN \
                     (SELECT seq FROM model_calls WHERE at_ms < ?1 ORDER BY seq LIMIT ?2)",
                    args,
                ),
            ])
            .await?;
        // Both logs count, so the cleanup goes on while either has a backlog.
        let counted: Vec<u32> = written.iter().map(|r| changes(r.changes)).collect::<Result<_, _>>()?;
        Ok(counted.iter().sum())
    }
}
