//! The action-run log (`action_runs`).

use super::{fail, Query, SqlPort, SqlStore, SqlValue};
use crate::action_run::ActionRun;
use crate::store::{ActionLogEntry, ActionLogStore, LogFilter, RunCounts, RunOrigin, StoreError};
use serde::Deserialize;
use shared::ConversationId;

#[derive(Deserialize)]
struct RunRow {
    seq: f64,
    at_ms: f64,
    conversation_id: Option<String>,
    test: f64,
    injected: f64,
    run: String,
}

impl<P: SqlPort> ActionLogStore for SqlStore<P> {
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError> {
        let json = serde_json::to_string(run).map_err(fail)?;
        let status = serde_json::to_value(run.status).map_err(fail)?;
        let class = run.error_class.map(serde_json::to_value).transpose().map_err(fail)?;
        let written = self
            .db
            .run(&Query::new(
                "INSERT INTO action_runs (at_ms, conversation_id, action, status, error_class, test, injected, run) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                vec![
                    SqlValue::int(at_ms),
                    SqlValue::opt_text(origin.conversation().map(ConversationId::as_str)),
                    SqlValue::text(&run.action),
                    SqlValue::opt_text(status.as_str()),
                    SqlValue::opt_text(class.as_ref().and_then(|c| c.as_str())),
                    SqlValue::Integer(i64::from(origin.is_test())),
                    SqlValue::Integer(i64::from(origin.injected())),
                    SqlValue::Text(json),
                ],
            ))
            .await?;
        written.last_row_id.ok_or_else(|| fail("the database did not report the new log entry's id"))
    }

    async fn filtered_logs(
        &self,
        action: &str,
        filter: &LogFilter,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        let status = filter.status.map(serde_json::to_value).transpose().map_err(fail)?;
        let opt_int = |n: Option<u64>| n.map_or(SqlValue::Null, SqlValue::int);
        let rows: Vec<RunRow> = self
            .db
            .all(&Query::new(
                "SELECT seq, at_ms, conversation_id, test, injected, run FROM action_runs \
                 WHERE action = ?1 AND seq < ?2 AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR test = ?5) \
                 AND (?6 IS NULL OR conversation_id = ?6) AND (?7 IS NULL OR at_ms >= ?7) \
                 AND (?8 IS NULL OR at_ms < ?8) ORDER BY seq DESC LIMIT ?3",
                vec![
                    SqlValue::text(action),
                    // The largest integer a JavaScript number (D1's) holds exactly.
                    SqlValue::Integer(before.unwrap_or(i64::MAX >> 11)),
                    SqlValue::int(limit as u64),
                    SqlValue::opt_text(status.as_ref().and_then(|s| s.as_str())),
                    filter.test.map_or(SqlValue::Null, |t| SqlValue::Integer(i64::from(t))),
                    SqlValue::opt_text(filter.conversation.as_deref()),
                    opt_int(filter.since_ms),
                    opt_int(filter.until_ms),
                ],
            ))
            .await?;
        rows.into_iter().map(RunRow::into_entry).collect()
    }

    async fn run_counts(&self, since_ms: u64) -> Result<Vec<RunCounts>, StoreError> {
        #[derive(serde::Deserialize)]
        struct CountRow {
            action: String,
            runs: f64,
            failures: f64,
            last_at_ms: f64,
        }
        let rows: Vec<CountRow> = self
            .db
            .all(&Query::new(
                "SELECT action, SUM(CASE WHEN at_ms >= ?1 THEN 1 ELSE 0 END) AS runs, \
                 SUM(CASE WHEN at_ms >= ?1 AND status != 'ok' THEN 1 ELSE 0 END) AS failures, \
                 MAX(at_ms) AS last_at_ms FROM action_runs GROUP BY action",
                vec![SqlValue::int(since_ms)],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| RunCounts {
                action: r.action,
                runs: r.runs as u32,
                failures: r.failures as u32,
                last_at_ms: r.last_at_ms as u64,
            })
            .collect())
    }

    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        let rows: Vec<RunRow> = self
            .db
            .all(&Query::new(
                "SELECT seq, at_ms, conversation_id, test, injected, run FROM action_runs \
                 WHERE action = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                vec![
                    SqlValue::text(action),
                    // The largest integer a JavaScript number (D1's) holds exactly.
                    SqlValue::Integer(before.unwrap_or(i64::MAX >> 11)),
                    SqlValue::int(limit as u64),
                ],
            ))
            .await?;
        rows.into_iter().map(RunRow::into_entry).collect()
    }

    async fn conversation_runs(
        &self,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        let rows: Vec<RunRow> = self
            .db
            .all(&Query::new(
                "SELECT seq, at_ms, conversation_id, test, injected, run FROM action_runs \
                 WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT ?2",
                vec![SqlValue::text(conversation.as_str()), SqlValue::int(limit as u64)],
            ))
            .await?;
        let mut entries = rows.into_iter().map(RunRow::into_entry).collect::<Result<Vec<_>, _>>()?;
        entries.reverse();
        Ok(entries)
    }
}

impl RunRow {
    fn into_entry(self) -> Result<ActionLogEntry, StoreError> {
        Ok(ActionLogEntry {
            id: self.seq as i64,
            at: shared::time::rfc3339_from_unix_ms(self.at_ms as u64),
            conversation_id: self.conversation_id,
            test: self.test != 0.0,
            injected: self.injected != 0.0,
            run: serde_json::from_str(&self.run).map_err(fail)?,
        })
    }
}
