//! Agents and inbox sessions (`agents`, `agent_sessions`).

use super::{fail, Query, SqlPort, SqlStore, SqlValue};
use crate::store::agents::{AddAgentError, Agent, AgentAccount, AgentStore, Role, TeamMember};
use crate::store::StoreError;
use serde::Deserialize;

#[derive(Deserialize)]
struct AccountRow {
    id: String,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    disabled: f64,
}

impl AccountRow {
    fn into_account(self) -> Result<AgentAccount, StoreError> {
        let role = Role::parse(&self.role).ok_or_else(|| fail(format!("unknown role {:?}", self.role)))?;
        Ok(AgentAccount {
            agent: Agent { id: self.id, email: self.email, name: self.name, role },
            password_hash: self.password_hash,
            disabled: self.disabled != 0.0,
        })
    }
}

const ACCOUNT_COLUMNS: &str = "a.id, a.email, a.name, a.role, a.password_hash, a.disabled";

impl<P: SqlPort> AgentStore for SqlStore<P> {
    async fn add_agent(&self, account: &AgentAccount, at_ms: u64) -> Result<(), AddAgentError> {
        let a = &account.agent;
        // ON CONFLICT DO NOTHING + the changes count: a taken email is an answer, not an error.
        let written = self
            .db
            .run(&Query::new(
                "INSERT INTO agents (id, email, name, role, password_hash, created_at_ms, disabled) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(email) DO NOTHING",
                vec![
                    SqlValue::text(&a.id),
                    SqlValue::text(&a.email),
                    SqlValue::text(&a.name),
                    SqlValue::text(a.role.as_str()),
                    SqlValue::text(&account.password_hash),
                    SqlValue::int(at_ms),
                    SqlValue::Integer(i64::from(account.disabled)),
                ],
            ))
            .await?;
        match written.changes {
            Some(0) => Err(AddAgentError::EmailTaken),
            Some(_) => Ok(()),
            None => Err(AddAgentError::Store(fail("the database did not say whether the agent was added"))),
        }
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<AgentAccount>, StoreError> {
        let row: Option<AccountRow> = self
            .db
            .first(&Query::new(
                format!("SELECT {ACCOUNT_COLUMNS} FROM agents a WHERE a.email = ?1"),
                vec![SqlValue::text(email)],
            ))
            .await?;
        row.map(AccountRow::into_account).transpose()
    }

    async fn open_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        at_ms: u64,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        self.db
            .run(&Query::new(
                "INSERT INTO agent_sessions (token_hash, agent_id, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4)",
                vec![SqlValue::text(token_hash), SqlValue::text(agent_id), SqlValue::int(at_ms), SqlValue::int(expires_at_ms)],
            ))
            .await?;
        Ok(())
    }

    async fn session_agent(&self, token_hash: &str, now_ms: u64) -> Result<Option<Agent>, StoreError> {
        let row: Option<AccountRow> = self
            .db
            .first(&Query::new(
                format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
                     WHERE s.token_hash = ?1 AND s.expires_at_ms > ?2 AND a.disabled = 0"
                ),
                vec![SqlValue::text(token_hash), SqlValue::int(now_ms)],
            ))
            .await?;
        Ok(row.map(AccountRow::into_account).transpose()?.map(|a| a.agent))
    }

    async fn close_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.db
            .run(&Query::new("DELETE FROM agent_sessions WHERE token_hash = ?1", vec![SqlValue::text(token_hash)]))
            .await?;
        Ok(())
    }

    async fn live_sessions(&self, token_hashes: &[String], now_ms: u64) -> Result<Vec<String>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Row {
            token_hash: String,
        }
        let mut live = Vec::new();
        // At most 90 per statement: D1 binds at most 100 values.
        for chunk in token_hashes.chunks(90) {
            let mut args = vec![SqlValue::int(now_ms)];
            args.extend(chunk.iter().map(|h| SqlValue::text(h)));
            let marks: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("?{i}")).collect();
            let rows: Vec<Row> = self
                .db
                .all(&Query::new(
                    format!(
                        "SELECT s.token_hash FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
                         WHERE s.expires_at_ms > ?1 AND a.disabled = 0 AND s.token_hash IN ({})",
                        marks.join(", ")
                    ),
                    args,
                ))
                .await?;
            live.extend(rows.into_iter().map(|r| r.token_hash));
        }
        Ok(live)
    }

    async fn set_disabled(&self, agent_id: &str, disabled: bool) -> Result<bool, StoreError> {
        let written = self
            .db
            .run(&Query::new(
                // The last active admin is never disabled: the team would have no admin.
                "UPDATE agents SET disabled = ?2 WHERE id = ?1 AND (?2 = 0 OR role != 'admin' OR disabled = 1 \
                 OR EXISTS (SELECT 1 FROM agents o WHERE o.role = 'admin' AND o.disabled = 0 AND o.id != ?1))",
                vec![SqlValue::text(agent_id), SqlValue::Integer(i64::from(disabled))],
            ))
            .await?;
        Ok(written.changes.unwrap_or(0) > 0)
    }

    async fn team(&self, now_ms: u64) -> Result<Vec<TeamMember>, StoreError> {
        #[derive(serde::Deserialize)]
        struct MemberRow {
            id: String,
            email: String,
            name: String,
            role: String,
            disabled: f64,
            sessions: f64,
        }
        let rows: Vec<MemberRow> = self
            .db
            .all(&Query::new(
                "SELECT a.id, a.email, a.name, a.role, a.disabled, \
                 (SELECT COUNT(*) FROM agent_sessions s WHERE s.agent_id = a.id AND s.expires_at_ms > ?1) AS sessions \
                 FROM agents a ORDER BY a.name COLLATE NOCASE, a.email",
                vec![SqlValue::int(now_ms)],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| TeamMember {
                agent: Agent {
                    id: r.id,
                    email: r.email,
                    name: r.name,
                    role: if r.role == "admin" { Role::Admin } else { Role::Agent },
                },
                disabled: r.disabled != 0.0,
                sessions: r.sessions as u32,
            })
            .collect())
    }

    async fn set_role(&self, agent_id: &str, role: Role) -> Result<bool, StoreError> {
        let role = match role {
            Role::Admin => "admin",
            Role::Agent => "agent",
        };
        let written = self
            .db
            .run(&Query::new(
                // The last active admin keeps the role: the team would have no admin.
                "UPDATE agents SET role = ?2 WHERE id = ?1 AND (?2 = 'admin' OR role != 'admin' OR disabled = 1 \
                 OR EXISTS (SELECT 1 FROM agents o WHERE o.role = 'admin' AND o.disabled = 0 AND o.id != ?1))",
                vec![SqlValue::text(agent_id), SqlValue::text(role)],
            ))
            .await?;
        Ok(written.changes.unwrap_or(0) > 0)
    }

    async fn set_password(&self, agent_id: &str, password_hash: &str) -> Result<bool, StoreError> {
        let written = self
            .db
            .run(&Query::new(
                "UPDATE agents SET password_hash = ?2 WHERE id = ?1",
                vec![SqlValue::text(agent_id), SqlValue::text(password_hash)],
            ))
            .await?;
        Ok(written.changes.unwrap_or(0) > 0)
    }

    async fn end_sessions(&self, agent_id: &str) -> Result<u32, StoreError> {
        let written = self
            .db
            .run(&Query::new("DELETE FROM agent_sessions WHERE agent_id = ?1", vec![SqlValue::text(agent_id)]))
            .await?;
        Ok(written.changes.unwrap_or(0) as u32)
    }
}
