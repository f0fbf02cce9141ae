//! Handoffs (`conversations.status`, `handoff_*`) and webhook deliveries (`webhook_deliveries`,
//! `webhook_attempts`).

use super::{changes, fail, Query, SqlPort, SqlStore, SqlValue};
use crate::store::{
    AfterAttempt, Attempt, Delivery, DeliveryStatus, HandoffRecord, HandoffStore, NewDelivery, StoreError,
};
use serde::Deserialize;
use shared::ConversationId;

const DELIVERY_COLUMNS: &str =
    "id, conversation_id, event, payload, status, attempts, next_attempt_at_ms, last_error, \
    created_at_ms, delivered_at_ms";

#[derive(Deserialize)]
struct DeliveryRow {
    id: String,
    conversation_id: String,
    event: String,
    payload: String,
    status: String,
    attempts: f64,
    next_attempt_at_ms: Option<f64>,
    last_error: Option<String>,
    created_at_ms: f64,
    delivered_at_ms: Option<f64>,
}

impl DeliveryRow {
    fn into_delivery(self) -> Result<Delivery, StoreError> {
        Ok(Delivery {
            status: DeliveryStatus::parse(&self.status)
                .ok_or_else(|| fail(format!("unknown delivery status {:?}", self.status)))?,
            id: self.id,
            conversation_id: ConversationId::parse(self.conversation_id).map_err(fail)?,
            event: self.event,
            payload: self.payload,
            attempts: self.attempts as u32,
            next_attempt_at_ms: self.next_attempt_at_ms.map(|t| t as u64),
            last_error: self.last_error,
            created_at_ms: self.created_at_ms as u64,
            delivered_at_ms: self.delivered_at_ms.map(|t| t as u64),
        })
    }
}

#[derive(Deserialize)]
struct AttemptRow {
    attempt: f64,
    at_ms: f64,
    status_code: Option<f64>,
    error: Option<String>,
    duration_ms: f64,
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

impl<P: SqlPort> SqlStore<P> {
    async fn select_deliveries(&self, sql: &str, args: Vec<SqlValue>) -> Result<Vec<Delivery>, StoreError> {
        let rows: Vec<DeliveryRow> = self.db.all(&Query::new(sql, args)).await?;
        rows.into_iter().map(DeliveryRow::into_delivery).collect()
    }
}

impl<P: SqlPort> HandoffStore for SqlStore<P> {
    async fn hand_off(
        &self,
        conversation: &ConversationId,
        h: &HandoffRecord,
        delivery: Option<&NewDelivery>,
    ) -> Result<bool, StoreError> {
        let id = SqlValue::text(conversation.as_str());
        // Conditional on `status = 'ai'`: of two requests racing, one changes the row.
        let mut batch = vec![Query::new(
            "UPDATE conversations SET status = 'waiting', assignee_id = NULL, handoff_seq = ?2, handoff_at_ms = ?3, \
             handoff_reason = ?4, handoff_summary = ?5, handoff_noticed = ?6 WHERE id = ?1 AND status = 'ai'",
            vec![
                id.clone(),
                SqlValue::int(u64::from(h.seq)),
                SqlValue::int(h.at_ms),
                SqlValue::Text(serde_json::to_string(&h.reason).map_err(fail)?),
                SqlValue::Text(serde_json::to_string(&h.summary).map_err(fail)?),
                SqlValue::Integer(i64::from(h.noticed)),
            ],
        )];
        if let Some(d) = delivery {
            // Queued only with its handoff (the row now carries this seq), and at most once per
            // handoff: UNIQUE (conversation_id, event, handoff_seq) ignores a second.
            batch.push(Query::new(
                "INSERT OR IGNORE INTO webhook_deliveries (id, conversation_id, event, handoff_seq, payload, status, \
                 attempts, next_attempt_at_ms, created_at_ms) \
                 SELECT ?2, ?1, ?3, ?4, ?5, 'pending', 0, ?6, ?6 FROM conversations \
                 WHERE id = ?1 AND handoff_seq = ?4 AND status = 'waiting'",
                vec![
                    id,
                    SqlValue::text(&d.id),
                    SqlValue::text(&d.event),
                    SqlValue::int(u64::from(h.seq)),
                    SqlValue::text(&d.payload),
                    SqlValue::int(d.created_at_ms),
                ],
            ));
        }
        let results = self.db.batch(&batch).await?;
        let updated = results.first().ok_or_else(|| fail("the database answered no result for the handoff"))?;
        Ok(changes(updated.changes)? == 1)
    }

    async fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<String>, StoreError> {
        let rows: Vec<IdRow> = self
            .db
            .all(&Query::new(
                "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at_ms <= ?1 \
                 ORDER BY next_attempt_at_ms, created_at_ms LIMIT ?2",
                vec![SqlValue::int(now_ms), SqlValue::int(limit as u64)],
            ))
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    async fn claim_delivery(&self, id: &str, now_ms: u64, lease_ms: u64) -> Result<Option<Delivery>, StoreError> {
        Ok(self
            .select_deliveries(
                &format!(
                    "UPDATE webhook_deliveries SET next_attempt_at_ms = ?3 \
                     WHERE id = ?1 AND status = 'pending' AND next_attempt_at_ms <= ?2 RETURNING {DELIVERY_COLUMNS}"
                ),
                vec![SqlValue::text(id), SqlValue::int(now_ms), SqlValue::int(now_ms.saturating_add(lease_ms))],
            )
            .await?
            .into_iter()
            .next())
    }

    async fn record_attempt(&self, id: &str, a: &Attempt, after: AfterAttempt) -> Result<(), StoreError> {
        let (status, next, delivered) = match after {
            AfterAttempt::Delivered(at) => (DeliveryStatus::Delivered, SqlValue::Null, SqlValue::int(at)),
            AfterAttempt::RetryAt(at) => (DeliveryStatus::Pending, SqlValue::int(at), SqlValue::Null),
            AfterAttempt::GaveUp => (DeliveryStatus::Failed, SqlValue::Null, SqlValue::Null),
        };
        let batch = [
            Query::new(
                "INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, at_ms, status_code, error, duration_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                vec![
                    SqlValue::text(id),
                    SqlValue::int(u64::from(a.attempt)),
                    SqlValue::int(a.at_ms),
                    a.status_code.map_or(SqlValue::Null, |c| SqlValue::int(u64::from(c))),
                    SqlValue::opt_text(a.error.as_deref()),
                    SqlValue::int(u64::from(a.duration_ms)),
                ],
            ),
            Query::new(
                "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at_ms = ?4, last_error = ?5, \
                 delivered_at_ms = ?6 WHERE id = ?1",
                vec![
                    SqlValue::text(id),
                    SqlValue::text(status.as_str()),
                    SqlValue::int(u64::from(a.attempt)),
                    next,
                    SqlValue::opt_text(a.error.as_deref()),
                    delivered,
                ],
            ),
        ];
        self.db.batch(&batch).await?;
        Ok(())
    }

    async fn deliveries_of(&self, conversation: &ConversationId) -> Result<Vec<Delivery>, StoreError> {
        self.select_deliveries(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE conversation_id = ?1 ORDER BY created_at_ms, id"
            ),
            vec![SqlValue::text(conversation.as_str())],
        )
        .await
    }

    async fn attempts(&self, id: &str) -> Result<Vec<Attempt>, StoreError> {
        let rows: Vec<AttemptRow> = self
            .db
            .all(&Query::new(
                "SELECT attempt, at_ms, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ?1 \
                 ORDER BY attempt",
                vec![SqlValue::text(id)],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Attempt {
                attempt: r.attempt as u32,
                at_ms: r.at_ms as u64,
                status_code: r.status_code.map(|c| c as u16),
                error: r.error,
                duration_ms: r.duration_ms as u32,
            })
            .collect())
    }
}
