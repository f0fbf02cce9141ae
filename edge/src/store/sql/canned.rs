//! Canned replies (`canned_replies`).

use super::{changes, Query, SqlPort, SqlStore, SqlValue};
use crate::store::canned::{CannedStore, StoredCanned, Written, MAX_PER_SCOPE};
use crate::store::StoreError;
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    id: String,
    shortcut: String,
    text: String,
    owner_id: Option<String>,
    updated_by: String,
    updated_at_ms: f64,
}

impl Row {
    fn stored(self) -> StoredCanned {
        StoredCanned {
            id: self.id,
            shortcut: self.shortcut,
            text: self.text,
            owner_id: self.owner_id,
            updated_by: self.updated_by,
            updated_at_ms: self.updated_at_ms as u64,
        }
    }
}

const COLUMNS: &str = "id, shortcut, text, owner_id, updated_by, updated_at_ms";

/// No other reply of the same scope (`?3`: the owner, or NULL for the shared ones) has the
/// shortcut `?2`, other than `?1` itself.
const FREE: &str = "NOT EXISTS (SELECT 1 FROM canned_replies o WHERE o.shortcut = ?2 \
    AND COALESCE(o.owner_id, '') = COALESCE(?3, '') AND o.id <> ?1)";

#[derive(Deserialize)]
struct Count {
    n: f64,
}

impl<P: SqlPort> SqlStore<P> {
    /// Why a write of `reply` did nothing: its shortcut taken, or (an addition) its scope full.
    async fn refused(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        let args = vec![
            SqlValue::text(&reply.id),
            SqlValue::text(&reply.shortcut),
            SqlValue::opt_text(reply.owner_id.as_deref()),
        ];
        let taken: Option<Count> = self.db.first(&Query::new(format!("SELECT NOT {FREE} AS n"), args)).await?;
        Ok(if taken.is_some_and(|t| t.n > 0.0) { Written::ShortcutTaken } else { Written::Full })
    }
}

impl<P: SqlPort> CannedStore for SqlStore<P> {
    async fn canned_for(&self, agent_id: &str) -> Result<Vec<StoredCanned>, StoreError> {
        let rows: Vec<Row> = self
            .db
            .all(&Query::new(
                format!(
                    "SELECT {COLUMNS} FROM canned_replies WHERE owner_id IS NULL OR owner_id = ?1 \
                     ORDER BY shortcut, owner_id IS NULL, id"
                ),
                vec![SqlValue::text(agent_id)],
            ))
            .await?;
        Ok(rows.into_iter().map(Row::stored).collect())
    }

    async fn canned(&self, id: &str) -> Result<Option<StoredCanned>, StoreError> {
        let row: Option<Row> = self
            .db
            .first(&Query::new(format!("SELECT {COLUMNS} FROM canned_replies WHERE id = ?1"), vec![SqlValue::text(id)]))
            .await?;
        Ok(row.map(Row::stored))
    }

    async fn add_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        // One conditional write: the shortcut free in its scope, and the scope not full.
        let written = self
            .db
            .run(&Query::new(
                format!(
                    "INSERT INTO canned_replies ({COLUMNS}) SELECT ?1, ?2, ?4, ?3, ?5, ?6 WHERE {FREE} \
                     AND (SELECT COUNT(*) FROM canned_replies WHERE COALESCE(owner_id, '') = COALESCE(?3, '')) < ?7"
                ),
                args(reply),
            ))
            .await?;
        if changes(written.changes)? == 1 {
            return Ok(Written::Done);
        }
        self.refused(reply).await
    }

    async fn change_canned(&self, reply: &StoredCanned) -> Result<Written, StoreError> {
        let written = self
            .db
            .run(&Query::new(
                format!(
                    "UPDATE canned_replies SET shortcut = ?2, owner_id = ?3, text = ?4, updated_by = ?5, \
                     updated_at_ms = ?6 WHERE id = ?1 AND {FREE} AND ?7 > 0"
                ),
                args(reply),
            ))
            .await?;
        if changes(written.changes)? == 1 {
            return Ok(Written::Done);
        }
        if self.canned(&reply.id).await?.is_none() {
            return Ok(Written::Missing);
        }
        Ok(Written::ShortcutTaken)
    }

    async fn delete_canned(&self, id: &str) -> Result<bool, StoreError> {
        let written =
            self.db.run(&Query::new("DELETE FROM canned_replies WHERE id = ?1", vec![SqlValue::text(id)])).await?;
        Ok(changes(written.changes)? == 1)
    }
}

fn args(reply: &StoredCanned) -> Vec<SqlValue> {
    vec![
        SqlValue::text(&reply.id),
        SqlValue::text(&reply.shortcut),
        SqlValue::opt_text(reply.owner_id.as_deref()),
        SqlValue::text(&reply.text),
        SqlValue::text(&reply.updated_by),
        SqlValue::int(reply.updated_at_ms),
        SqlValue::int(MAX_PER_SCOPE as u64),
    ]
}
