//! The owner's action switches (`action_switches`).

use super::{Query, SqlPort, SqlStore, SqlValue};
use crate::store::{ActionSwitch, ActionSwitchStore, StoreError};
use serde::Deserialize;

#[derive(Deserialize)]
struct SwitchRow {
    action: String,
    enabled: f64,
    changed_by: String,
    changed_at_ms: f64,
}

impl<P: SqlPort> ActionSwitchStore for SqlStore<P> {
    async fn switches(&self) -> Result<Vec<ActionSwitch>, StoreError> {
        let rows: Vec<SwitchRow> = self
            .db
            .all(&Query::new(
                "SELECT action, enabled, changed_by, changed_at_ms FROM action_switches ORDER BY action",
                vec![],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ActionSwitch {
                action: r.action,
                enabled: r.enabled != 0.0,
                changed_by: r.changed_by,
                changed_at_ms: r.changed_at_ms as u64,
            })
            .collect())
    }

    async fn set_switch(&self, switch: &ActionSwitch) -> Result<(), StoreError> {
        self.db
            .run(&Query::new(
                "INSERT INTO action_switches (action, enabled, changed_by, changed_at_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (action) DO UPDATE SET enabled = excluded.enabled, changed_by = excluded.changed_by, \
                 changed_at_ms = excluded.changed_at_ms",
                vec![
                    SqlValue::text(&switch.action),
                    SqlValue::int(u64::from(switch.enabled)),
                    SqlValue::text(&switch.changed_by),
                    SqlValue::int(switch.changed_at_ms),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn clear_switch(&self, action: &str) -> Result<(), StoreError> {
        self.db.run(&Query::new("DELETE FROM action_switches WHERE action = ?1", vec![SqlValue::text(action)])).await?;
        Ok(())
    }
}
