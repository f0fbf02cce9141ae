//! Conversations and their messages (`conversations`, `messages`).

use super::{fail, Batched, Query, SqlPort, SqlStore, SqlValue};
use crate::store::{
    ConversationRecord, ConversationSize, ConversationStore, HandoffRecord, IdentityProof, Inserted, NewMessage,
    StoreError, Streaks, Verification, WriteContext,
};
use serde::Deserialize;
use shared::api::Lead;
use shared::handoff::ConversationStatus;
use shared::satisfaction::Satisfaction;
use shared::{Author, ConversationId, Message, MessageId, Source};

/// Every column a [`MessageRow`] reads.
pub(super) const MESSAGE_COLUMNS: &str =
    "id, author, author_name, text, created_at_ms, sources, client_message_id, action, form, submission, buttons, attachment";

#[derive(Deserialize)]
pub(super) struct MessageRow {
    id: String,
    author: String,
    author_name: Option<String>,
    text: String,
    created_at_ms: f64,
    sources: Option<String>,
    client_message_id: Option<String>,
    action: Option<String>,
    form: Option<String>,
    submission: Option<String>,
    buttons: Option<String>,
    attachment: Option<String>,
}

impl MessageRow {
    pub(super) fn into_message(self) -> Result<Message, StoreError> {
        let sources: Vec<Source> = match self.sources.as_deref() {
            Some(s) if !s.is_empty() => serde_json::from_str(s).map_err(fail)?,
            _ => Vec::new(),
        };
        Ok(Message {
            id: MessageId::parse(self.id).map_err(fail)?,
            author: Author::parse(&self.author).ok_or_else(|| fail(format!("unknown author {:?}", self.author)))?,
            author_name: self.author_name,
            text: self.text,
            created_at: shared::time::rfc3339_from_unix_ms(self.created_at_ms as u64),
            sources,
            client_message_id: self.client_message_id,
            action: self.action.as_deref().map(serde_json::from_str).transpose().map_err(fail)?,
            // A card stored by an older release whose pattern today's stricter check refuses is
            // dropped (a submission then finds no form and says so) rather than making the whole
            // conversation unreadable, for the visitor and the inbox alike.
            form: self.form.as_deref().and_then(|f| serde_json::from_str(f).ok()),
            submission: self.submission.as_deref().map(serde_json::from_str).transpose().map_err(fail)?,
            buttons: self.buttons.as_deref().map(serde_json::from_str).transpose().map_err(fail)?.unwrap_or_default(),
            attachment: self.attachment.as_deref().map(serde_json::from_str).transpose().map_err(fail)?,
        })
    }
}

#[derive(Deserialize)]
pub(super) struct ConversationRow {
    id: String,
    token_hash: String,
    user_id: Option<String>,
    lead_email: Option<String>,
    lead_name: Option<String>,
    created_at_ms: f64,
    verified_at_ms: Option<f64>,
    verified_email: Option<String>,
    verified_user_id: Option<String>,
    pending: Option<String>,
    identity_method: Option<String>,
    identity_expires_at_ms: Option<f64>,
    attributes: Option<String>,
    status: String,
    assignee_id: Option<String>,
    handoff_seq: f64,
    handoff_at_ms: Option<f64>,
    handoff_reason: Option<String>,
    handoff_summary: Option<String>,
    handoff_noticed: f64,
    unanswered_in_row: f64,
    negative_in_row: f64,
}

/// Every column a [`ConversationRow`] reads.
pub(super) const CONVERSATION_COLUMNS: &str = "id, token_hash, user_id, lead_email, lead_name, created_at_ms, verified_at_ms, \
    verified_email, verified_user_id, pending, identity_method, identity_expires_at_ms, attributes, status, assignee_id, \
    handoff_seq, handoff_at_ms, handoff_reason, handoff_summary, handoff_noticed, unanswered_in_row, negative_in_row";

impl ConversationRow {
    pub(super) fn into_record(self) -> Result<ConversationRecord, StoreError> {
        let handoff = match (self.handoff_at_ms, &self.handoff_reason, &self.handoff_summary) {
            (Some(at), Some(reason), Some(summary)) => Some(HandoffRecord {
                seq: self.handoff_seq as u32,
                at_ms: at as u64,
                reason: serde_json::from_str(reason).map_err(fail)?,
                summary: serde_json::from_str(summary).map_err(fail)?,
                noticed: self.handoff_noticed != 0.0,
            }),
            _ => None,
        };
        Ok(ConversationRecord {
            status: ConversationStatus::parse(&self.status)
                .ok_or_else(|| fail(format!("unknown conversation status {:?}", self.status)))?,
            assignee_id: self.assignee_id,
            handoff,
            streaks: Streaks { unanswered: self.unanswered_in_row as u32, negative: self.negative_in_row as u32 },
            id: ConversationId::parse(self.id).map_err(fail)?,
            token_hash: self.token_hash,
            user_id: self.user_id,
            lead: Lead { email: self.lead_email, name: self.lead_name },
            created_at_ms: self.created_at_ms as u64,
            verification: self.verified_at_ms.map(|at| Verification {
                email: self.verified_email,
                user_id: self.verified_user_id,
                at_ms: at as u64,
            }),
            identity: IdentityProof::parse(self.identity_method.as_deref()),
            identity_expires_at_ms: self.identity_expires_at_ms.map(|t| t as u64),
            // A step stored by an older version that no longer reads is forgotten, not fatal: the
            // visitor is asked again rather than locked out of the conversation.
            pending: self.pending.as_deref().and_then(|p| serde_json::from_str(p).ok()),
            attributes: self
                .attributes
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(fail)?
                .unwrap_or_default(),
        })
    }
}

fn attributes_json(r: &ConversationRecord) -> Option<String> {
    (!r.attributes.is_empty()).then(|| serde_json::to_string(&r.attributes).ok()).flatten()
}

/// JSON of a value, or `NULL` for none.
fn json_of<T: serde::Serialize>(value: Option<&T>) -> Result<SqlValue, StoreError> {
    value
        .map(|v| serde_json::to_string(v).map(SqlValue::Text))
        .transpose()
        .map_err(fail)
        .map(|v| v.unwrap_or(SqlValue::Null))
}

pub(super) const INSERT_MESSAGE: &str = "INSERT OR IGNORE INTO messages \
    (id, conversation_id, author, text, sources, client_message_id, reply_to, created_at_ms, action, form, submission, buttons, \
    author_name, unanswered, attachment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

pub(super) fn insert_message_args(conversation: &ConversationId, m: &NewMessage) -> Result<Vec<SqlValue>, StoreError> {
    Ok(vec![
        SqlValue::text(m.id.as_str()),
        SqlValue::text(conversation.as_str()),
        SqlValue::text(m.author.as_str()),
        SqlValue::text(&m.text),
        json_of((!m.sources.is_empty()).then_some(&m.sources))?,
        SqlValue::opt_text(m.client_message_id.as_deref()),
        SqlValue::opt_text(m.reply_to.as_ref().map(MessageId::as_str)),
        SqlValue::int(m.created_at_ms),
        json_of(m.action.as_ref())?,
        json_of(m.form.as_ref())?,
        json_of(m.submission.as_ref())?,
        json_of((!m.buttons.is_empty()).then_some(&m.buttons))?,
        SqlValue::opt_text(m.author_name.as_deref()),
        SqlValue::Integer(i64::from(m.unanswered)),
        json_of(m.attachment.as_ref())?,
    ])
}

impl<P: SqlPort> SqlStore<P> {
    async fn select_messages(&self, sql: &str, args: Vec<SqlValue>) -> Result<Vec<Message>, StoreError> {
        let rows: Vec<MessageRow> = self.db.all(&Query::new(sql, args)).await?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }
}

impl<P: SqlPort> ConversationStore for SqlStore<P> {
    async fn create_conversation(&self, r: &ConversationRecord, opening: &[NewMessage]) -> Result<(), StoreError> {
        let v = r.verification.as_ref();
        let mut batch = vec![Query::new(
            "INSERT INTO conversations (id, token_hash, user_id, lead_email, lead_name, created_at_ms, identity_verified, \
             attributes, identity_method, identity_expires_at_ms, pending, verified_at_ms, verified_email, \
             verified_user_id, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            vec![
                SqlValue::text(r.id.as_str()),
                SqlValue::text(&r.token_hash),
                SqlValue::opt_text(r.user_id.as_deref()),
                SqlValue::opt_text(r.lead.email.as_deref()),
                SqlValue::opt_text(r.lead.name.as_deref()),
                SqlValue::int(r.created_at_ms),
                SqlValue::Integer(i64::from(r.identity != IdentityProof::None)),
                SqlValue::opt_text(attributes_json(r).as_deref()),
                SqlValue::opt_text(r.identity.as_str()),
                r.identity_expires_at_ms.map_or(SqlValue::Null, SqlValue::int),
                SqlValue::opt_text(pending_json(r)?.as_deref()),
                v.map_or(SqlValue::Null, |v| SqlValue::int(v.at_ms)),
                SqlValue::opt_text(v.and_then(|v| v.email.as_deref())),
                SqlValue::opt_text(v.and_then(|v| v.user_id.as_deref())),
                SqlValue::text(r.status.as_str()),
            ],
        )];
        for m in opening {
            batch.push(Query::new(INSERT_MESSAGE, insert_message_args(&r.id, m)?));
        }
        // One batch is one transaction: a conversation never exists without its greeting.
        self.db.batch(&batch).await?;
        Ok(())
    }

    async fn save_state(&self, r: &ConversationRecord) -> Result<(), StoreError> {
        self.db.run(&save_state_query(r)?).await?;
        Ok(())
    }

    async fn rate(&self, id: &ConversationId, rating: &Satisfaction) -> Result<bool, StoreError> {
        let written = self
            .db
            .run(&Query::new(
                "UPDATE conversations SET satisfaction = ?2, satisfaction_comment = ?3, satisfaction_at_ms = ?4 \
                 WHERE id = ?1 AND satisfaction IS NULL",
                vec![
                    SqlValue::text(id.as_str()),
                    SqlValue::int(u64::from(rating.score)),
                    SqlValue::opt_text(rating.comment.as_deref()),
                    SqlValue::int(rating.rated_at_ms),
                ],
            ))
            .await?;
        Ok(written.changes.unwrap_or(0) > 0)
    }

    async fn satisfaction(&self, id: &ConversationId) -> Result<Option<Satisfaction>, StoreError> {
        #[derive(Deserialize)]
        struct RatingRow {
            satisfaction: Option<f64>,
            satisfaction_comment: Option<String>,
            satisfaction_at_ms: Option<f64>,
        }
        let row: Option<RatingRow> = self
            .db
            .first(&Query::new(
                "SELECT satisfaction, satisfaction_comment, satisfaction_at_ms FROM conversations WHERE id = ?1",
                vec![SqlValue::text(id.as_str())],
            ))
            .await?;
        Ok(row.and_then(|r| {
            Some(Satisfaction {
                score: r.satisfaction? as u8,
                comment: r.satisfaction_comment,
                rated_at_ms: r.satisfaction_at_ms.unwrap_or(0.0) as u64,
            })
        }))
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        let row: Option<ConversationRow> = self
            .db
            .first(&Query::new(
                format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1"),
                vec![SqlValue::text(id.as_str())],
            ))
            .await?;
        row.map(ConversationRow::into_record).transpose()
    }

    async fn insert_visitor_message(
        &self,
        conversation: &ConversationId,
        m: &NewMessage,
    ) -> Result<Inserted, StoreError> {
        // UNIQUE(conversation_id, client_message_id) makes a retry (or a concurrent one) a no-op,
        // in which case RETURNING yields nothing and the first message is read back.
        let inserted = self
            .select_messages(
                &format!("{INSERT_MESSAGE} RETURNING {MESSAGE_COLUMNS}"),
                insert_message_args(conversation, m)?,
            )
            .await?;
        if let Some(stored) = inserted.into_iter().next() {
            return Ok(Inserted::New(stored));
        }
        let existing = self
            .select_messages(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND client_message_id = ?2"
                ),
                vec![SqlValue::text(conversation.as_str()), SqlValue::opt_text(m.client_message_id.as_deref())],
            )
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| fail("visitor message neither inserted nor found"))?;
        Ok(Inserted::Existing(existing))
    }

    async fn insert_replies(&self, conversation: &ConversationId, replies: &[NewMessage]) -> Result<(), StoreError> {
        if replies.is_empty() {
            return Ok(());
        }
        let batch = replies
            .iter()
            .map(|m| Ok(Query::new(INSERT_MESSAGE, insert_message_args(conversation, m)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.db.batch(&batch).await?;
        Ok(())
    }

    async fn replies_to(&self, conversation: &ConversationId, message: &MessageId) -> Result<Vec<Message>, StoreError> {
        let query = replies_query(conversation, message);
        self.select_messages(&query.sql, query.args).await
    }

    async fn messages(&self, conversation: &ConversationId) -> Result<Vec<Message>, StoreError> {
        self.select_messages(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY seq"),
            vec![SqlValue::text(conversation.as_str())],
        )
        .await
    }

    async fn message(&self, conversation: &ConversationId, id: &MessageId) -> Result<Option<Message>, StoreError> {
        Ok(self
            .select_messages(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND id = ?2"),
                vec![SqlValue::text(conversation.as_str()), SqlValue::text(id.as_str())],
            )
            .await?
            .into_iter()
            .next())
    }

    async fn recent_messages(&self, conversation: &ConversationId, limit: usize) -> Result<Vec<Message>, StoreError> {
        let mut recent = self
            .select_messages(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT ?2"
                ),
                vec![SqlValue::text(conversation.as_str()), SqlValue::int(limit as u64)],
            )
            .await?;
        recent.reverse();
        Ok(recent)
    }

    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: &MessageId,
    ) -> Result<Option<Vec<Message>>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Seq {
            seq: i64,
        }
        let args = vec![SqlValue::text(conversation.as_str()), SqlValue::text(after.as_str())];
        let cursor: Option<Seq> =
            self.db.first(&Query::new("SELECT seq FROM messages WHERE conversation_id = ?1 AND id = ?2", args)).await?;
        let Some(cursor) = cursor else { return Ok(None) };
        // `seq` only grows, so "after" is exact even when timestamps tie.
        self.select_messages(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq"),
            vec![SqlValue::text(conversation.as_str()), SqlValue::int(cursor.seq as u64)],
        )
        .await
        .map(Some)
    }

    async fn open_for_write(
        &self,
        id: &ConversationId,
        client_message_id: &str,
        recent: usize,
    ) -> Result<Option<WriteContext>, StoreError> {
        let conversation = SqlValue::text(id.as_str());
        let client = SqlValue::text(client_message_id);
        // One batch, one snapshot: the record, a retry's message and its replies, the latest messages.
        let mut results = self
            .db
            .batch(&[
                Query::new(
                    format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1"),
                    vec![conversation.clone()],
                ),
                Query::new(
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND client_message_id = ?2"
                    ),
                    vec![conversation.clone(), client.clone()],
                ),
                Query::new(
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND reply_to = \
                         (SELECT id FROM messages WHERE conversation_id = ?1 AND client_message_id = ?2) ORDER BY seq"
                    ),
                    vec![conversation.clone(), client],
                ),
                Query::new(
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT ?2"
                    ),
                    vec![conversation.clone(), SqlValue::int(recent as u64)],
                ),
                Query::new(
                    "SELECT COUNT(*) AS messages, COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) AS bytes \
                     FROM messages WHERE conversation_id = ?1",
                    vec![conversation],
                ),
            ])
            .await?
            .into_iter();
        let Some(row) = rows_of::<ConversationRow>(results.next())?.into_iter().next() else { return Ok(None) };
        let record = row.into_record()?;
        let earlier = messages_of(results.next())?.into_iter().next();
        let replies = messages_of(results.next())?;
        let mut recent = messages_of(results.next())?;
        recent.reverse();
        let size = rows_of::<ConversationSize>(results.next())?.into_iter().next().unwrap_or_default();
        Ok(Some(WriteContext { record, earlier: earlier.map(|m| (m, replies)), recent, size }))
    }

    async fn finish_turn(
        &self,
        record: &ConversationRecord,
        visitor: &MessageId,
        replies: &[NewMessage],
    ) -> Result<Vec<Message>, StoreError> {
        let mut batch = replies
            .iter()
            .map(|m| Ok(Query::new(INSERT_MESSAGE, insert_message_args(&record.id, m)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        batch.push(save_state_query(record)?);
        batch.push(replies_query(&record.id, visitor));
        let results = self.db.batch(&batch).await?;
        messages_of(results.into_iter().last())
    }
}

/// What [`ConversationStore::save_state`] writes.
fn save_state_query(r: &ConversationRecord) -> Result<Query, StoreError> {
    let v = r.verification.as_ref();
    Ok(Query::new(
        "UPDATE conversations SET lead_email = ?2, lead_name = ?3, pending = ?4, verified_at_ms = ?5, \
         verified_email = ?6, verified_user_id = ?7, attributes = ?8, unanswered_in_row = ?9, \
         negative_in_row = ?10, handoff_noticed = ?11 WHERE id = ?1",
        vec![
            SqlValue::text(r.id.as_str()),
            SqlValue::opt_text(r.lead.email.as_deref()),
            SqlValue::opt_text(r.lead.name.as_deref()),
            SqlValue::opt_text(pending_json(r)?.as_deref()),
            v.map_or(SqlValue::Null, |v| SqlValue::int(v.at_ms)),
            SqlValue::opt_text(v.and_then(|v| v.email.as_deref())),
            SqlValue::opt_text(v.and_then(|v| v.user_id.as_deref())),
            SqlValue::opt_text(attributes_json(r).as_deref()),
            SqlValue::int(u64::from(r.streaks.unanswered)),
            SqlValue::int(u64::from(r.streaks.negative)),
            SqlValue::Integer(i64::from(r.handoff.as_ref().is_some_and(|h| h.noticed))),
        ],
    ))
}

/// The rows of one statement of a batch as `T`.
fn rows_of<T: serde::de::DeserializeOwned>(result: Option<Batched>) -> Result<Vec<T>, StoreError> {
    let result = result.ok_or_else(|| fail("the database answered a batch with fewer results than statements"))?;
    result.rows.into_iter().map(|r| serde_json::from_value(r).map_err(fail)).collect()
}

fn messages_of(result: Option<Batched>) -> Result<Vec<Message>, StoreError> {
    rows_of::<MessageRow>(result)?.into_iter().map(MessageRow::into_message).collect()
}

/// The replies to one message, in order.
fn replies_query(conversation: &ConversationId, message: &MessageId) -> Query {
    Query::new(
        format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND reply_to = ?2 ORDER BY seq"),
        vec![SqlValue::text(conversation.as_str()), SqlValue::text(message.as_str())],
    )
}

/// The pending step as its column holds it.
fn pending_json(r: &ConversationRecord) -> Result<Option<String>, StoreError> {
    r.pending.as_ref().map(serde_json::to_string).transpose().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::super::SqlStore;
    use crate::api::tests::block_on;
    use crate::store::sqlite::Sqlite;
    use crate::store::ConversationStore;
    use shared::form::{FieldDef, FieldKind};
    use shared::pattern::Pattern;
    use shared::{ConversationId, FormCard};

    #[test]
    fn a_stored_form_card_whose_pattern_no_longer_parses_leaves_the_conversation_readable() {
        let db = Sqlite::migrated();
        let mut field = FieldDef::new("order", FieldKind::Text, "Order");
        field.pattern = Some(Pattern::parse("^ORD-[0-9]+$").unwrap());
        let card = FormCard {
            action: "returns".into(),
            title: "Return".into(),
            submit_label: "Send".into(),
            fields: vec![field],
        };
        // As an older, laxer release might have stored it: a pattern today's check refuses.
        let stored = serde_json::to_string(&card).unwrap().replace("^ORD-[0-9]+$", "(a+)+");
        assert!(Pattern::parse("(a+)+").is_err());
        let statements = [
            "INSERT INTO conversations (id, token_hash, created_at_ms) VALUES ('c1', 'h', 1)".to_string(),
            "INSERT INTO messages (id, conversation_id, author, text, created_at_ms) VALUES ('m1', 'c1', 'bot', 'Hi', 1)"
                .to_string(),
        ];
        for sql in statements {
            block_on(super::SqlPort::run(&db, &super::Query::new(sql, vec![]))).unwrap();
        }
        let form = super::Query::new(
            "INSERT INTO messages (id, conversation_id, author, text, created_at_ms, form) VALUES ('m2', 'c1', 'bot', 'Fill this in', 2, ?1)",
            vec![super::SqlValue::Text(stored)],
        );
        block_on(super::SqlPort::run(&db, &form)).unwrap();
        let store = SqlStore::new(db);
        let messages = block_on(store.messages(&ConversationId::parse("c1").unwrap())).unwrap();
        assert_eq!(messages.len(), 2, "both messages are read");
        assert_eq!((messages[1].text.as_str(), messages[1].form.is_none()), ("Fill this in", true));
    }
}
