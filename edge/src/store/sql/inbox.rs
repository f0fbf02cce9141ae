//! The inbox (`conversations.status`, `assignee_id`, `resolved_at_ms`; `notes`; `agents`).

use super::{changes, fail, Query, SqlPort, SqlStore, SqlValue};
use crate::store::inbox::{like_pattern, preview, InboxStore, LabelFilter, Move, NewNote, MAX_LIST};
use crate::store::StoreError;
use serde::Deserialize;
use shared::handoff::{ConversationStatus, HandoffReason};
use shared::inbox::{AgentRef, Attention, ConversationRow, InboxCounts, InboxView, Note, Snooze};
use shared::labels::{Labels, Priority};
use shared::ConversationId;

/// A list row: the conversation's columns, the assignee's name, what the visitor last wrote (else
/// the latest message; a file said by its name) and when the latest message came (subqueries on `messages_by_conversation`,
/// run for the rows of one view only).
const ROW_SELECT: &str = "SELECT c.id, c.status, c.assignee_id, a.name AS assignee_name, c.lead_email, c.lead_name, \
    c.user_id, c.handoff_reason, c.handoff_at_ms, c.created_at_ms, \
    COALESCE((SELECT CASE WHEN m.text = '' AND m.attachment IS NOT NULL \
    THEN 'File: ' || json_extract(m.attachment, '$.name') ELSE m.text END \
    FROM messages m WHERE m.conversation_id = c.id AND m.author = 'visitor' ORDER BY m.seq DESC LIMIT 1), \
    (SELECT CASE WHEN m.text = '' AND m.attachment IS NOT NULL \
    THEN 'File: ' || json_extract(m.attachment, '$.name') ELSE m.text END \
    FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1)) AS last_text, \
    COALESCE((SELECT m.created_at_ms FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1), \
    c.created_at_ms) AS last_at, \
    (SELECT json_group_array(tag) FROM (SELECT t.tag FROM conversation_tags t WHERE t.conversation_id = c.id \
    ORDER BY t.tag)) AS tags, \
    COALESCE((SELECT p.priority FROM conversation_priority p WHERE p.conversation_id = c.id), 'normal') AS priority, \
    s.until_ms AS snooze_until, s.snoozed_at_ms AS snoozed_at, \
    (SELECT MAX(m.created_at_ms) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'visitor') AS visitor_at \
    FROM conversations c LEFT JOIN agents a ON a.id = c.assignee_id \
    LEFT JOIN conversation_snooze s ON s.conversation_id = c.id";

/// Whether conversation `c` is put aside at the moment in parameter `now`: until a moment still
/// to come, or until the visitor writes, and the visitor has not written since it was snoozed.
fn snoozed(now: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM conversation_snooze s WHERE s.conversation_id = c.id \
         AND (s.until_ms IS NULL OR s.until_ms > {now}) AND NOT EXISTS (SELECT 1 FROM messages m \
         WHERE m.conversation_id = c.id AND m.author = 'visitor' AND m.created_at_ms > s.snoozed_at_ms))"
    )
}

#[derive(Deserialize)]
struct Row {
    id: String,
    status: String,
    assignee_id: Option<String>,
    assignee_name: Option<String>,
    lead_email: Option<String>,
    lead_name: Option<String>,
    user_id: Option<String>,
    handoff_reason: Option<String>,
    handoff_at_ms: Option<f64>,
    created_at_ms: f64,
    last_text: Option<String>,
    last_at: f64,
    tags: Option<String>,
    priority: String,
    snooze_until: Option<f64>,
    snoozed_at: Option<f64>,
    visitor_at: Option<f64>,
}

impl Row {
    fn into_row(self) -> Result<ConversationRow, StoreError> {
        let reason: Option<HandoffReason> =
            self.handoff_reason.as_deref().map(serde_json::from_str).transpose().map_err(fail)?;
        Ok(ConversationRow {
            status: ConversationStatus::parse(&self.status)
                .ok_or_else(|| fail(format!("unknown conversation status {:?}", self.status)))?,
            assignee: match (self.assignee_id, self.assignee_name) {
                (Some(id), Some(name)) => Some(AgentRef { id, name }),
                _ => None,
            },
            id: self.id,
            email: self.lead_email,
            name: self.lead_name,
            user_id: self.user_id,
            reason: reason.map(|r| r.describe()),
            preview: self.last_text.as_deref().map(preview).unwrap_or_default(),
            handoff_at_ms: self.handoff_at_ms.map(|t| t as u64),
            last_message_at_ms: self.last_at as u64,
            created_at_ms: self.created_at_ms as u64,
            tags: self.tags.as_deref().map(serde_json::from_str).transpose().map_err(fail)?.unwrap_or_default(),
            priority: Priority::parse(&self.priority)
                .ok_or_else(|| fail(format!("unknown priority {:?}", self.priority)))?,
            // Ended by the visitor writing since; one whose moment has passed is the client's to
            // read against `now_ms`.
            snooze: self
                .snoozed_at
                .filter(|at| self.visitor_at.is_none_or(|v| v <= *at))
                .map(|_| Snooze { until_ms: self.snooze_until.map(|t| t as u64) }),
        })
    }
}

/// What needs an agent (`InboxStore::attention`): waiting or theirs and not put aside (`{snoozed}`:
/// [`snoozed`] of `?3`), with the moment it needed them (the handoff of a waiting one, and the
/// visitor's latest message) after their read mark.
const ATTENTION: &str = "SELECT id, status, who, last_text, since FROM ( \
    SELECT c.id, c.status, COALESCE(c.lead_name, c.lead_email, c.user_id) AS who, CASE WHEN v.text = '' AND v.attachment IS NOT NULL \
    THEN 'File: ' || json_extract(v.attachment, '$.name') ELSE v.text END AS last_text, \
    MAX(CASE WHEN c.status = 'waiting' THEN COALESCE(c.handoff_at_ms, 0) ELSE 0 END, \
    COALESCE(v.created_at_ms, 0)) AS since, COALESCE(r.read_at_ms, 0) AS read_at \
    FROM conversations c \
    LEFT JOIN agent_reads r ON r.conversation_id = c.id AND r.agent_id = ?1 \
    LEFT JOIN messages v ON v.seq = (SELECT m.seq FROM messages m WHERE m.conversation_id = c.id \
    AND m.author = 'visitor' ORDER BY m.seq DESC LIMIT 1) \
    WHERE (c.status = 'waiting' OR (c.status = 'assigned' AND c.assignee_id = ?1)) AND NOT {snoozed}) \
    WHERE since > read_at ORDER BY since DESC, id LIMIT ?2";

/// Waiting since a handoff at or before `?1` and not put aside (`{snoozed}` of `?3`), oldest first
/// (`InboxStore::long_waits`).
const LONG_WAITS: &str = "SELECT c.id, c.status, COALESCE(c.lead_name, c.lead_email, c.user_id) AS who, \
    CASE WHEN v.text = '' AND v.attachment IS NOT NULL \
    THEN 'File: ' || json_extract(v.attachment, '$.name') ELSE v.text END AS last_text, c.handoff_at_ms AS since FROM conversations c \
    LEFT JOIN messages v ON v.seq = (SELECT m.seq FROM messages m WHERE m.conversation_id = c.id \
    AND m.author = 'visitor' ORDER BY m.seq DESC LIMIT 1) \
    WHERE c.status = 'waiting' AND c.handoff_at_ms <= ?1 AND NOT {snoozed} ORDER BY c.handoff_at_ms, c.id LIMIT ?2";

#[derive(Deserialize)]
struct RowCount {
    n: f64,
}

#[derive(Deserialize)]
struct AttentionRow {
    id: String,
    status: String,
    who: Option<String>,
    last_text: Option<String>,
    since: f64,
}

#[derive(Deserialize)]
struct NoteRow {
    id: String,
    author_id: String,
    author_name: String,
    text: String,
    created_at_ms: f64,
}

#[derive(Deserialize)]
struct AgentRow {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct CountsRow {
    snoozed: f64,
    waiting: f64,
    mine: f64,
    open: f64,
    resolved: f64,
    ai: f64,
}

impl<P: SqlPort> SqlStore<P> {
    async fn attention_rows(&self, sql: &str, args: Vec<SqlValue>) -> Result<Vec<Attention>, StoreError> {
        let rows: Vec<AttentionRow> = self.db.all(&Query::new(sql, args)).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Attention {
                    status: ConversationStatus::parse(&r.status)
                        .ok_or_else(|| fail(format!("unknown conversation status {:?}", r.status)))?,
                    id: r.id,
                    who: r.who,
                    preview: r.last_text.as_deref().map(preview).unwrap_or_default(),
                    since_ms: r.since as u64,
                })
            })
            .collect()
    }

    async fn rows(&self, sql: String, args: Vec<SqlValue>) -> Result<Vec<ConversationRow>, StoreError> {
        let rows: Vec<Row> = self.db.all(&Query::new(sql, args)).await?;
        rows.into_iter().map(Row::into_row).collect()
    }
}

impl<P: SqlPort> InboxStore for SqlStore<P> {
    async fn inbox_list(
        &self,
        view: InboxView,
        agent_id: &str,
        search: Option<&str>,
        labels: &LabelFilter,
        limit: usize,
        now_ms: u64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        // Each view is a range of an index on status (and assignee); the order of `mine` and
        // `open` needs the latest message of each of their (few) conversations.
        let (filter, order) = match view {
            InboxView::Waiting => ("c.status = 'waiting'", "c.handoff_at_ms, c.id"),
            InboxView::Mine => ("c.assignee_id = ?1 AND c.status = 'assigned'", "last_at, c.id"),
            InboxView::Open => ("c.status IN ('waiting', 'assigned')", "last_at DESC, c.id DESC"),
            InboxView::Snoozed => ("c.status IN ('waiting', 'assigned')", "last_at DESC, c.id DESC"),
            InboxView::Resolved => ("c.status = 'resolved'", "c.resolved_at_ms DESC, c.id DESC"),
            InboxView::Ai => ("c.status = 'ai'", "c.created_at_ms DESC, c.id DESC"),
        };
        // Put aside: only in Snoozed, out of the views that ask for work.
        let snooze_filter = match view {
            InboxView::Snoozed => format!(" AND {}", snoozed("?6")),
            InboxView::Waiting | InboxView::Mine | InboxView::Open => format!(" AND NOT {}", snoozed("?6")),
            InboxView::Resolved | InboxView::Ai => " AND ?6 IS NOT NULL".into(),
        };
        // A search is LIKE over the lead, the user id and every message's text of the view's
        // conversations: fine for an inbox's thousands, not for millions (no full-text index).
        let search_filter = if search.is_some() {
            " AND (c.lead_email LIKE ?2 ESCAPE '\\' OR c.lead_name LIKE ?2 ESCAPE '\\' OR c.user_id LIKE ?2 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.text LIKE ?2 ESCAPE '\\'))"
        } else {
            " AND ?2 IS NULL"
        };
        // A tag is one index range; a priority one row per conversation (normal: none).
        let label_filter = " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM conversation_tags t \
             WHERE t.tag = ?4 AND t.conversation_id = c.id)) \
             AND (?5 IS NULL OR COALESCE((SELECT p.priority FROM conversation_priority p \
             WHERE p.conversation_id = c.id), 'normal') = ?5)";
        let sql = format!(
            "{ROW_SELECT} WHERE {filter}{search_filter}{label_filter}{snooze_filter} ORDER BY {order} LIMIT ?3"
        );
        let args = vec![
            SqlValue::text(agent_id),
            search.map_or(SqlValue::Null, |q| SqlValue::Text(like_pattern(q))),
            SqlValue::int(limit.min(MAX_LIST) as u64),
            SqlValue::opt_text(labels.tag.as_deref()),
            SqlValue::opt_text(labels.priority.map(Priority::as_str)),
            SqlValue::int(now_ms),
        ];
        self.rows(sql, args).await
    }

    async fn inbox_counts(&self, agent_id: &str, now_ms: u64) -> Result<InboxCounts, StoreError> {
        // Counts over index ranges, never a scan of every conversation; the snoozed are counted
        // among the open ones (few) and taken out of the views that ask for work.
        let snoozed = snoozed("?2");
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM conversations c WHERE c.status = 'waiting' AND NOT {snoozed}) AS waiting, \
             (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = ?1 AND c.status = 'assigned' \
             AND NOT {snoozed}) AS mine, \
             (SELECT COUNT(*) FROM conversations c WHERE c.status IN ('waiting', 'assigned') AND NOT {snoozed}) AS open, \
             (SELECT COUNT(*) FROM conversations c WHERE c.status IN ('waiting', 'assigned') AND {snoozed}) AS snoozed, \
             (SELECT COUNT(*) FROM conversations WHERE status = 'resolved') AS resolved, \
             (SELECT COUNT(*) FROM conversations WHERE status = 'ai') AS ai"
        );
        let row: Option<CountsRow> =
            self.db.first(&Query::new(sql, vec![SqlValue::text(agent_id), SqlValue::int(now_ms)])).await?;
        let row = row.ok_or_else(|| fail("the database answered no row for the inbox counts"))?;
        Ok(InboxCounts {
            waiting: row.waiting as u32,
            mine: row.mine as u32,
            open: row.open as u32,
            resolved: row.resolved as u32,
            ai: row.ai as u32,
            snoozed: row.snoozed as u32,
        })
    }

    async fn attention(&self, agent_id: &str, now_ms: u64) -> Result<Vec<Attention>, StoreError> {
        let sql = ATTENTION.replace("{snoozed}", &snoozed("?3"));
        let args = vec![SqlValue::text(agent_id), SqlValue::int(MAX_LIST as u64), SqlValue::int(now_ms)];
        self.attention_rows(&sql, args).await
    }

    async fn long_waits(&self, handed_off_by_ms: u64, now_ms: u64) -> Result<Vec<Attention>, StoreError> {
        let sql = LONG_WAITS.replace("{snoozed}", &snoozed("?3"));
        let args = vec![SqlValue::int(handed_off_by_ms), SqlValue::int(MAX_LIST as u64), SqlValue::int(now_ms)];
        self.attention_rows(&sql, args).await
    }

    async fn snooze(
        &self,
        conversation: &ConversationId,
        until_ms: Option<u64>,
        agent_id: &str,
        at_ms: u64,
    ) -> Result<bool, StoreError> {
        let written = self
            .db
            .run(&Query::new(
                "INSERT OR REPLACE INTO conversation_snooze (conversation_id, until_ms, snoozed_at_ms, agent_id) \
                 SELECT id, ?2, ?3, ?4 FROM conversations WHERE id = ?1",
                vec![
                    SqlValue::text(conversation.as_str()),
                    until_ms.map_or(SqlValue::Null, SqlValue::int),
                    SqlValue::int(at_ms),
                    SqlValue::text(agent_id),
                ],
            ))
            .await?;
        Ok(changes(written.changes)? > 0)
    }

    async fn unsnooze(&self, conversation: &ConversationId) -> Result<(), StoreError> {
        let id = SqlValue::text(conversation.as_str());
        self.db.run(&Query::new("DELETE FROM conversation_snooze WHERE conversation_id = ?1", vec![id])).await?;
        Ok(())
    }

    async fn set_labels(&self, conversation: &ConversationId, labels: &Labels) -> Result<bool, StoreError> {
        let id = SqlValue::text(conversation.as_str());
        let exists: Option<RowCount> = self
            .db
            .first(&Query::new("SELECT COUNT(*) AS n FROM conversations WHERE id = ?1", vec![id.clone()]))
            .await?;
        if exists.is_none_or(|e| e.n == 0.0) {
            return Ok(false);
        }
        // One batch, one transaction: the labels are replaced whole.
        let mut batch = vec![
            Query::new("DELETE FROM conversation_tags WHERE conversation_id = ?1", vec![id.clone()]),
            Query::new("DELETE FROM conversation_priority WHERE conversation_id = ?1", vec![id.clone()]),
        ];
        for tag in &labels.tags {
            batch.push(Query::new(
                "INSERT INTO conversation_tags (conversation_id, tag) VALUES (?1, ?2)",
                vec![id.clone(), SqlValue::text(tag)],
            ));
        }
        if labels.priority != Priority::Normal {
            batch.push(Query::new(
                "INSERT INTO conversation_priority (conversation_id, priority) VALUES (?1, ?2)",
                vec![id.clone(), SqlValue::text(labels.priority.as_str())],
            ));
        }
        self.db.batch(&batch).await?;
        Ok(true)
    }

    async fn mark_read(&self, agent_id: &str, conversation: &ConversationId, at_ms: u64) -> Result<(), StoreError> {
        self.db
            .run(&Query::new(
                "INSERT INTO agent_reads (agent_id, conversation_id, read_at_ms) \
                 SELECT ?1, id, ?3 FROM conversations WHERE id = ?2 \
                 ON CONFLICT (conversation_id, agent_id) DO UPDATE SET read_at_ms = MAX(read_at_ms, excluded.read_at_ms)",
                vec![SqlValue::text(agent_id), SqlValue::text(conversation.as_str()), SqlValue::int(at_ms)],
            ))
            .await?;
        Ok(())
    }

    async fn inbox_row(&self, conversation: &ConversationId) -> Result<Option<ConversationRow>, StoreError> {
        let sql = format!("{ROW_SELECT} WHERE c.id = ?1");
        Ok(self.rows(sql, vec![SqlValue::text(conversation.as_str())]).await?.into_iter().next())
    }

    async fn move_conversation(&self, conversation: &ConversationId, change: &Move<'_>) -> Result<bool, StoreError> {
        if change.from.is_empty() {
            return Ok(false);
        }
        let mut args = vec![
            SqlValue::text(conversation.as_str()),
            SqlValue::text(change.to.as_str()),
            SqlValue::opt_text(change.assignee),
            SqlValue::int(change.at_ms),
        ];
        let mut set = String::from(
            "status = ?2, assignee_id = ?3, resolved_at_ms = CASE WHEN ?2 = 'resolved' THEN ?4 ELSE resolved_at_ms END, \
             joined_at_ms = CASE WHEN ?2 = 'assigned' AND (joined_at_ms IS NULL OR joined_at_ms < COALESCE(handoff_at_ms, 0)) \
             THEN ?4 ELSE joined_at_ms END",
        );
        if change.handoff.is_some() {
            // A move that records a new handoff (a take-over) is joined now; the CASE above
            // compares with the row's old handoff time.
            set.push_str(", joined_at_ms = CASE WHEN ?2 = 'assigned' THEN ?4 ELSE joined_at_ms END");
        }
        if let Some(h) = change.handoff {
            let n = args.len();
            set.push_str(&format!(
                ", handoff_seq = ?{}, handoff_at_ms = ?{}, handoff_reason = ?{}, handoff_summary = ?{}, \
                 handoff_noticed = ?{}",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
            args.extend([
                SqlValue::int(u64::from(h.seq)),
                SqlValue::int(h.at_ms),
                SqlValue::Text(serde_json::to_string(&h.reason).map_err(fail)?),
                SqlValue::Text(serde_json::to_string(&h.summary).map_err(fail)?),
                SqlValue::Integer(i64::from(h.noticed)),
            ]);
        }
        let first = args.len() + 1;
        let statuses: Vec<String> = (0..change.from.len()).map(|i| format!("?{}", first + i)).collect();
        args.extend(change.from.iter().map(|s| SqlValue::text(s.as_str())));
        let mut condition = format!("id = ?1 AND status IN ({})", statuses.join(", "));
        if let Some(agent) = change.only_if_assignee {
            args.push(SqlValue::text(agent));
            condition.push_str(&format!(" AND assignee_id = ?{}", args.len()));
        }
        // One conditional write: of two agents claiming at once, one changes the row.
        let written =
            self.db.run(&Query::new(format!("UPDATE conversations SET {set} WHERE {condition}"), args)).await?;
        Ok(changes(written.changes)? == 1)
    }

    async fn add_note(&self, conversation: &ConversationId, note: &NewNote) -> Result<(), StoreError> {
        self.db
            .run(&Query::new(
                "INSERT INTO notes (id, conversation_id, author_id, author_name, text, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                vec![
                    SqlValue::text(&note.id),
                    SqlValue::text(conversation.as_str()),
                    SqlValue::text(&note.author.id),
                    SqlValue::text(&note.author.name),
                    SqlValue::text(&note.text),
                    SqlValue::int(note.created_at_ms),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>, StoreError> {
        let rows: Vec<NoteRow> = self
            .db
            .all(&Query::new(
                "SELECT id, author_id, author_name, text, created_at_ms FROM notes WHERE conversation_id = ?1 \
                 ORDER BY created_at_ms, rowid",
                vec![SqlValue::text(conversation.as_str())],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Note {
                id: r.id,
                author: AgentRef { id: r.author_id, name: r.author_name },
                text: r.text,
                created_at: shared::time::rfc3339_from_unix_ms(r.created_at_ms as u64),
            })
            .collect())
    }

    async fn enabled_agent(&self, id: &str) -> Result<Option<AgentRef>, StoreError> {
        let row: Option<AgentRow> = self
            .db
            .first(&Query::new("SELECT id, name FROM agents WHERE id = ?1 AND disabled = 0", vec![SqlValue::text(id)]))
            .await?;
        Ok(row.map(|r| AgentRef { id: r.id, name: r.name }))
    }

    async fn enabled_agents(&self) -> Result<Vec<AgentRef>, StoreError> {
        let rows: Vec<AgentRow> = self
            .db
            .all(&Query::new("SELECT id, name FROM agents WHERE disabled = 0 ORDER BY name, id", vec![]))
            .await?;
        Ok(rows.into_iter().map(|r| AgentRef { id: r.id, name: r.name }).collect())
    }
}
