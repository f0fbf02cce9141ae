//! The model's usage log (`model_calls`).

use super::{Query, SqlPort, SqlStore, SqlValue};
use crate::store::{ModelCall, ModelUsageEntry, ModelUsageStore, StoreError};
use serde::Deserialize;
use shared::ConversationId;

#[derive(Deserialize)]
struct CallRow {
    seq: f64,
    at_ms: f64,
    conversation_id: String,
    model: String,
    prompt_tokens: f64,
    completion_tokens: f64,
    latency_ms: f64,
    outcome: String,
}

impl<P: SqlPort> ModelUsageStore for SqlStore<P> {
    async fn record_model_call(
        &self,
        at_ms: u64,
        conversation: &ConversationId,
        call: &ModelCall,
    ) -> Result<(), StoreError> {
        self.db
            .run(&Query::new(
                "INSERT INTO model_calls (at_ms, conversation_id, model, prompt_tokens, completion_tokens, \
                 latency_ms, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                vec![
                    SqlValue::int(at_ms),
                    SqlValue::text(conversation.as_str()),
                    SqlValue::text(&call.model),
                    SqlValue::int(u64::from(call.prompt_tokens)),
                    SqlValue::int(u64::from(call.completion_tokens)),
                    SqlValue::int(u64::from(call.latency_ms)),
                    SqlValue::text(&call.outcome),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn model_calls(&self, limit: usize, before: Option<i64>) -> Result<Vec<ModelUsageEntry>, StoreError> {
        let rows: Vec<CallRow> = self
            .db
            .all(&Query::new(
                "SELECT seq, at_ms, conversation_id, model, prompt_tokens, completion_tokens, latency_ms, outcome \
                 FROM model_calls WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
                // The largest integer a JavaScript number (D1's) holds exactly.
                vec![SqlValue::Integer(before.unwrap_or(i64::MAX >> 11)), SqlValue::int(limit as u64)],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ModelUsageEntry {
                id: r.seq as i64,
                at: shared::time::rfc3339_from_unix_ms(r.at_ms as u64),
                conversation_id: r.conversation_id,
                model: r.model,
                prompt_tokens: r.prompt_tokens as u32,
                completion_tokens: r.completion_tokens as u32,
                latency_ms: r.latency_ms as u32,
                outcome: r.outcome,
            })
            .collect())
    }
}
