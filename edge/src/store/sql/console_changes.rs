//! What the owner changed in the console: switches (`action_switches`) and action definitions
//! (`console_actions`).

use super::{Query, SqlPort, SqlStore, SqlValue};
use crate::store::{ActionSwitch, ConsoleAction, ConsoleChangeStore, StoreError};
use serde::Deserialize;

#[derive(Deserialize)]
struct DefinitionRow {
    slug: String,
    definition: String,
    changed_by: String,
    changed_at_ms: f64,
}

#[derive(Deserialize)]
struct SwitchRow {
    action: String,
    enabled: f64,
    changed_by: String,
    changed_at_ms: f64,
}

impl<P: SqlPort> ConsoleChangeStore for SqlStore<P> {
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

    async fn console_actions(&self) -> Result<Vec<ConsoleAction>, StoreError> {
        let rows: Vec<DefinitionRow> = self
            .db
            .all(&Query::new(
                "SELECT slug, definition, changed_by, changed_at_ms FROM console_actions ORDER BY slug",
                vec![],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ConsoleAction {
                slug: r.slug,
                definition: r.definition,
                changed_by: r.changed_by,
                changed_at_ms: r.changed_at_ms as u64,
            })
            .collect())
    }

    async fn put_console_action(&self, action: &ConsoleAction) -> Result<(), StoreError> {
        self.db
            .run(&Query::new(
                "INSERT INTO console_actions (slug, definition, changed_by, changed_at_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (slug) DO UPDATE SET definition = excluded.definition, \
                 changed_by = excluded.changed_by, changed_at_ms = excluded.changed_at_ms",
                vec![
                    SqlValue::text(&action.slug),
                    SqlValue::text(&action.definition),
                    SqlValue::text(&action.changed_by),
                    SqlValue::int(action.changed_at_ms),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn remove_console_action(&self, slug: &str) -> Result<bool, StoreError> {
        let written =
            self.db.run(&Query::new("DELETE FROM console_actions WHERE slug = ?1", vec![SqlValue::text(slug)])).await?;
        Ok(written.changes.unwrap_or(0) > 0)
    }
}
