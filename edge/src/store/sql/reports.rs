//! The reports' reads (`store::reports`): seven statements in one batch, the row-per-event ones
//! capped at the newest (`shared::report::MAX_*_ROWS`), the counts grouped in SQL, each bounded by an index
//! on the range's time column. A day is cast to an integer in SQL: D1 binds numbers as JavaScript
//! numbers, so its division would not truncate.

use super::{fail, Query, SqlPort, SqlStore, SqlValue};
use crate::store::reports::{ReportRange, ReportRows, ReportStore};
use crate::store::StoreError;
use serde::de::DeserializeOwned;
use shared::report::{MAX_DURATION_ROWS, MAX_HANDOFF_ROWS, MAX_UNANSWERED_ROWS, QUIET_MS};

const DAY: &str = "86400000";

fn rows<T: DeserializeOwned>(batch: &[super::Batched], i: usize) -> Result<Vec<T>, StoreError> {
    let rows = batch.get(i).map(|b| b.rows.clone()).unwrap_or_default();
    rows.into_iter().map(|r| serde_json::from_value(r).map_err(fail)).collect()
}

impl<P: SqlPort> ReportStore for SqlStore<P> {
    async fn report_rows(&self, r: &ReportRange) -> Result<ReportRows, StoreError> {
        // Each statement binds what it uses: ?1 from, ?2 to, ?3 the offset, ?4 "quiet since".
        let args = |n: usize| {
            let all = [
                SqlValue::int(r.from_ms),
                SqlValue::int(r.to_ms),
                SqlValue::Integer(r.offset_ms),
                SqlValue::int(r.now_ms.saturating_sub(QUIET_MS)),
            ];
            all[..n].to_vec()
        };
        let started = format!(
            "SELECT CAST((c.created_at_ms + ?3) / {DAY} AS INTEGER) AS day, COUNT(*) AS n, \
             SUM(CASE WHEN c.handoff_at_ms IS NULL \
               AND EXISTS (SELECT 1 FROM messages v WHERE v.conversation_id = c.id AND v.author = 'visitor') \
               AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = c.id AND (x.author = 'agent' \
                 OR x.unanswered = 1 OR (x.author = 'visitor' AND x.created_at_ms > ?4))) \
             THEN 1 ELSE 0 END) AS resolved \
             FROM conversations c WHERE c.created_at_ms >= ?1 AND c.created_at_ms < ?2 GROUP BY day"
        );
        let handoffs = format!(
            "SELECT CAST((c.handoff_at_ms + ?3) / {DAY} AS INTEGER) AS day, c.handoff_reason, c.handoff_at_ms, c.joined_at_ms, \
             (SELECT MIN(m.created_at_ms) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'agent' \
               AND m.created_at_ms >= c.handoff_at_ms) AS first_reply_ms \
             FROM conversations c WHERE c.handoff_at_ms >= ?1 AND c.handoff_at_ms < ?2 \
             ORDER BY c.handoff_at_ms DESC LIMIT {MAX_HANDOFF_ROWS}"
        );
        let ratings = format!(
            "SELECT CAST((satisfaction_at_ms + ?3) / {DAY} AS INTEGER) AS day, COUNT(*) AS n, SUM(satisfaction) AS total \
             FROM conversations WHERE satisfaction_at_ms >= ?1 AND satisfaction_at_ms < ?2 GROUP BY day"
        );
        let model = format!(
            "SELECT CAST((at_ms + ?3) / {DAY} AS INTEGER) AS day, COUNT(*) AS n, \
             COUNT(DISTINCT conversation_id || ':' || at_ms) AS turns, SUM(prompt_tokens) AS prompt, \
             SUM(completion_tokens) AS completion FROM model_calls WHERE at_ms >= ?1 AND at_ms < ?2 \
             GROUP BY day"
        );
        let runs = "SELECT action, COUNT(*) AS n, SUM(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS failures \
             FROM action_runs WHERE at_ms >= ?1 AND at_ms < ?2 AND test = 0 GROUP BY action";
        let durations = format!(
            "SELECT action, json_extract(run, '$.duration_ms') AS ms FROM action_runs \
             WHERE at_ms >= ?1 AND at_ms < ?2 AND test = 0 ORDER BY at_ms DESC LIMIT {MAX_DURATION_ROWS}"
        );
        let unanswered = format!(
            "SELECT DISTINCT v.id, v.text, v.conversation_id, b.created_at_ms FROM messages b \
             JOIN messages v ON v.id = b.reply_to \
             WHERE b.unanswered = 1 AND b.created_at_ms >= ?1 AND b.created_at_ms < ?2 \
             ORDER BY b.created_at_ms DESC LIMIT {MAX_UNANSWERED_ROWS}"
        );
        let batch = self
            .db
            .batch(&[
                Query::new(started, args(4)),
                Query::new(handoffs, args(3)),
                Query::new(ratings, args(3)),
                Query::new(model, args(3)),
                Query::new(runs, args(2)),
                Query::new(unanswered, args(2)),
                Query::new(durations, args(2)),
            ])
            .await?;
        Ok(ReportRows {
            started: rows(&batch, 0)?,
            handoffs: rows(&batch, 1)?,
            ratings: rows(&batch, 2)?,
            model: rows(&batch, 3)?,
            runs: rows(&batch, 4)?,
            unanswered: rows(&batch, 5)?,
            durations: rows(&batch, 6)?,
        })
    }
}
