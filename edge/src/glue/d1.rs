//! [`ConversationStore`] on Cloudflare D1 (schema in `edge/migrations/`).

use crate::actions::execute::ActionRun;
use crate::store::erasure::MAX_ERASE_BATCH;
use crate::store::{
    ActionLogEntry, ActionLogStore, ConversationRecord, ConversationStore, Erased, ErasureStore, IdentityProof,
    Inserted, NewMessage, Person, RunOrigin, StoreError, Verification,
};
use serde::Deserialize;
use shared::api::Lead;
use shared::{Author, ConversationId, Message, MessageId, Source};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// The Worker's storage: conversations and the action log in D1 (rate-limit windows live in the
/// `Limits` Durable Object, `glue/limiter.rs`).
pub struct D1Store {
    db: D1Database,
}

impl D1Store {
    /// Wraps the `DB` binding.
    pub fn new(db: D1Database) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, args: &[JsValue]) -> Result<D1PreparedStatement, StoreError> {
        self.db.prepare(sql).bind(args).map_err(fail)
    }

    async fn select_messages(&self, sql: &str, args: &[JsValue]) -> Result<Vec<Message>, StoreError> {
        let rows: Vec<MessageRow> = self.statement(sql, args)?.all().await.map_err(fail)?.results().map_err(fail)?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn opt(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

const MESSAGE_COLUMNS: &str =
    "id, author, text, created_at_ms, sources, client_message_id, action, form, submission, buttons";

#[derive(Deserialize)]
struct MessageRow {
    id: String,
    author: String,
    text: String,
    created_at_ms: f64,
    sources: Option<String>,
    client_message_id: Option<String>,
    action: Option<String>,
    form: Option<String>,
    submission: Option<String>,
    buttons: Option<String>,
}

impl MessageRow {
    fn into_message(self) -> Result<Message, StoreError> {
        let sources: Vec<Source> = match self.sources.as_deref() {
            Some(s) if !s.is_empty() => serde_json::from_str(s).map_err(fail)?,
            _ => Vec::new(),
        };
        Ok(Message {
            id: MessageId::parse(self.id).map_err(fail)?,
            author: Author::parse(&self.author).ok_or_else(|| fail(format!("unknown author {:?}", self.author)))?,
            text: self.text,
            created_at: shared::time::rfc3339_from_unix_ms(self.created_at_ms as u64),
            sources,
            client_message_id: self.client_message_id,
            action: self.action.as_deref().map(serde_json::from_str).transpose().map_err(fail)?,
            form: self.form.as_deref().map(serde_json::from_str).transpose().map_err(fail)?,
            submission: self.submission.as_deref().map(serde_json::from_str).transpose().map_err(fail)?,
            buttons: self.buttons.as_deref().map(serde_json::from_str).transpose().map_err(fail)?.unwrap_or_default(),
        })
    }
}

#[derive(Deserialize)]
struct ConversationRow {
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
}

fn attributes_json(r: &ConversationRecord) -> Option<String> {
    (!r.attributes.is_empty()).then(|| serde_json::to_string(&r.attributes).ok()).flatten()
}

fn insert_message_args(conversation: &ConversationId, m: &NewMessage) -> Vec<JsValue> {
    let sources = if m.sources.is_empty() { None } else { serde_json::to_string(&m.sources).ok() };
    vec![
        text(m.id.as_str()),
        text(conversation.as_str()),
        text(m.author.as_str()),
        text(&m.text),
        opt(sources.as_deref()),
        opt(m.client_message_id.as_deref()),
        opt(m.reply_to.as_ref().map(MessageId::as_str)),
        JsValue::from_f64(m.created_at_ms as f64),
        opt(m.action.as_ref().and_then(|a| serde_json::to_string(a).ok()).as_deref()),
        opt(m.form.as_ref().and_then(|f| serde_json::to_string(f).ok()).as_deref()),
        opt(m.submission.as_ref().and_then(|f| serde_json::to_string(f).ok()).as_deref()),
        opt((!m.buttons.is_empty()).then(|| serde_json::to_string(&m.buttons).ok()).flatten().as_deref()),
    ]
}

const INSERT_MESSAGE: &str = "INSERT OR IGNORE INTO messages \
    (id, conversation_id, author, text, sources, client_message_id, reply_to, created_at_ms, action, form, submission, buttons) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

impl ConversationStore for D1Store {
    async fn create_conversation(&self, r: &ConversationRecord, opening: &[NewMessage]) -> Result<(), StoreError> {
        let mut batch = vec![self.statement(
            "INSERT INTO conversations (id, token_hash, user_id, lead_email, lead_name, created_at_ms, identity_verified, \
             attributes, identity_method, identity_expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            &[
                text(r.id.as_str()),
                text(&r.token_hash),
                opt(r.user_id.as_deref()),
                opt(r.lead.email.as_deref()),
                opt(r.lead.name.as_deref()),
                JsValue::from_f64(r.created_at_ms as f64),
                JsValue::from_f64(f64::from(u8::from(r.identity != IdentityProof::None))),
                opt(attributes_json(r).as_deref()),
                opt(r.identity.as_str()),
                r.identity_expires_at_ms.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)),
            ],
        )?];
        for m in opening {
            batch.push(self.statement(INSERT_MESSAGE, &insert_message_args(&r.id, m))?);
        }
        // One batch is one transaction: a conversation never exists without its greeting.
        self.db.batch(batch).await.map_err(fail)?;
        Ok(())
    }

    async fn save_state(&self, r: &ConversationRecord) -> Result<(), StoreError> {
        let v = r.verification.as_ref();
        self.statement(
            "UPDATE conversations SET lead_email = ?2, lead_name = ?3, pending = ?4, verified_at_ms = ?5, \
             verified_email = ?6, verified_user_id = ?7, attributes = ?8 WHERE id = ?1",
            &[
                text(r.id.as_str()),
                opt(r.lead.email.as_deref()),
                opt(r.lead.name.as_deref()),
                opt(r.pending.as_deref()),
                v.map_or(JsValue::NULL, |v| JsValue::from_f64(v.at_ms as f64)),
                opt(v.and_then(|v| v.email.as_deref())),
                opt(v.and_then(|v| v.user_id.as_deref())),
                opt(attributes_json(r).as_deref()),
            ],
        )?
        .run()
        .await
        .map_err(fail)?;
        Ok(())
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        let row: Option<ConversationRow> = self
            .statement(
                "SELECT id, token_hash, user_id, lead_email, lead_name, created_at_ms, verified_at_ms, verified_email, \
                 verified_user_id, pending, identity_method, identity_expires_at_ms, attributes FROM conversations \
                 WHERE id = ?1",
                &[text(id.as_str())],
            )?
            .first(None)
            .await
            .map_err(fail)?;
        row.map(|r| {
            Ok(ConversationRecord {
                id: ConversationId::parse(r.id).map_err(fail)?,
                token_hash: r.token_hash,
                user_id: r.user_id,
                lead: Lead { email: r.lead_email, name: r.lead_name },
                created_at_ms: r.created_at_ms as u64,
                verification: r.verified_at_ms.map(|at| Verification {
                    email: r.verified_email,
                    user_id: r.verified_user_id,
                    at_ms: at as u64,
                }),
                identity: IdentityProof::parse(r.identity_method.as_deref()),
                identity_expires_at_ms: r.identity_expires_at_ms.map(|t| t as u64),
                pending: r.pending,
                attributes: r
                    .attributes
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(fail)?
                    .unwrap_or_default(),
            })
        })
        .transpose()
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
                &insert_message_args(conversation, m),
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
                &[text(conversation.as_str()), opt(m.client_message_id.as_deref())],
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
            .map(|m| self.statement(INSERT_MESSAGE, &insert_message_args(conversation, m)))
            .collect::<Result<Vec<_>, _>>()?;
        self.db.batch(batch).await.map_err(fail)?;
        Ok(())
    }

    async fn replies_to(&self, conversation: &ConversationId, message: &MessageId) -> Result<Vec<Message>, StoreError> {
        self.select_messages(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND reply_to = ?2 ORDER BY seq"
            ),
            &[text(conversation.as_str()), text(message.as_str())],
        )
        .await
    }

    async fn messages(&self, conversation: &ConversationId) -> Result<Vec<Message>, StoreError> {
        self.select_messages(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY seq"),
            &[text(conversation.as_str())],
        )
        .await
    }

    async fn message(&self, conversation: &ConversationId, id: &MessageId) -> Result<Option<Message>, StoreError> {
        Ok(self
            .select_messages(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND id = ?2"),
                &[text(conversation.as_str()), text(id.as_str())],
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
                &[text(conversation.as_str()), JsValue::from_f64(limit as f64)],
            )
            .await?;
        recent.reverse();
        Ok(recent)
    }
}

#[derive(Deserialize)]
struct RunRow {
    seq: f64,
    at_ms: f64,
    conversation_id: Option<String>,
    test: f64,
    injected: f64,
    run: String,
}

impl ActionLogStore for D1Store {
    async fn record_run(&self, at_ms: u64, origin: &RunOrigin, run: &ActionRun) -> Result<i64, StoreError> {
        let json = serde_json::to_string(run).map_err(fail)?;
        let status = serde_json::to_value(run.status).map_err(fail)?;
        let class = run.error_class.and_then(|c| serde_json::to_value(c).ok());
        let result = self
            .statement(
                "INSERT INTO action_runs (at_ms, conversation_id, action, status, error_class, test, injected, run) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                &[
                    JsValue::from_f64(at_ms as f64),
                    opt(origin.conversation().map(ConversationId::as_str)),
                    text(&run.action),
                    text(status.as_str().unwrap_or("failed")),
                    opt(class.as_ref().and_then(|c| c.as_str())),
                    JsValue::from_f64(f64::from(u8::from(origin.is_test()))),
                    JsValue::from_f64(f64::from(u8::from(origin.injected()))),
                    text(&json),
                ],
            )?
            .run()
            .await
            .map_err(fail)?;
        Ok(result.meta().map_err(fail)?.and_then(|m| m.last_row_id).unwrap_or_default())
    }

    async fn action_logs(
        &self,
        action: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<ActionLogEntry>, StoreError> {
        let rows: Vec<RunRow> = self
            .statement(
                "SELECT seq, at_ms, conversation_id, test, injected, run FROM action_runs \
                 WHERE action = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                &[
                    text(action),
                    JsValue::from_f64(before.unwrap_or(i64::MAX >> 11) as f64),
                    JsValue::from_f64(limit as f64),
                ],
            )?
            .all()
            .await
            .map_err(fail)?
            .results()
            .map_err(fail)?;
        rows.into_iter()
            .map(|r| {
                Ok(ActionLogEntry {
                    id: r.seq as i64,
                    at: shared::time::rfc3339_from_unix_ms(r.at_ms as u64),
                    conversation_id: r.conversation_id,
                    test: r.test != 0.0,
                    injected: r.injected != 0.0,
                    run: serde_json::from_str(&r.run).map_err(fail)?,
                })
            })
            .collect()
    }
}

/// `?1, ?2, …, ?n`: one placeholder per id.
fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

/// The number of rows a write changed; D1 always reports it, so its absence is a failure.
fn changes(result: &worker::D1Result) -> Result<u32, StoreError> {
    result
        .meta()
        .map_err(fail)?
        .and_then(|m| m.changes)
        .map(|n| n as u32)
        .ok_or_else(|| fail("D1 did not report how many rows changed"))
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

impl D1Store {
    async fn conversation_ids(&self, sql: &str, args: &[JsValue]) -> Result<Vec<ConversationId>, StoreError> {
        let rows: Vec<IdRow> = self.statement(sql, args)?.all().await.map_err(fail)?.results().map_err(fail)?;
        rows.into_iter().map(|r| ConversationId::parse(r.id).map_err(fail)).collect()
    }
}

impl ErasureStore for D1Store {
    async fn erase_conversations(&self, ids: &[ConversationId]) -> Result<Erased, StoreError> {
        if ids.is_empty() {
            return Ok(Erased::default());
        }
        if ids.len() > MAX_ERASE_BATCH {
            return Err(fail(format!("erase at most {MAX_ERASE_BATCH} conversations at once, not {}", ids.len())));
        }
        let n = ids.len();
        let list = placeholders(n);
        let id_args: Vec<JsValue> = ids.iter().map(|id| text(id.as_str())).collect();
        let batch = vec![
            self.statement(
                &format!(
                    "SELECT COUNT(*) AS n FROM messages WHERE conversation_id IN ({list}) AND submission IS NOT NULL"
                ),
                &id_args,
            )?,
            self.statement(&format!("DELETE FROM action_runs WHERE conversation_id IN ({list})"), &id_args)?,
            // Messages before their conversation (foreign key).
            self.statement(&format!("DELETE FROM messages WHERE conversation_id IN ({list})"), &id_args)?,
            self.statement(&format!("DELETE FROM conversations WHERE id IN ({list})"), &id_args)?,
        ];
        // One batch is one transaction: a conversation is erased whole or not at all.
        let results = self.db.batch(batch).await.map_err(fail)?;
        let [submissions, runs, messages, conversations] = results.as_slice() else {
            return Err(fail(format!("D1 answered {} results for 4 statements", results.len())));
        };
        let submissions = submissions
            .results::<CountRow>()
            .map_err(fail)?
            .first()
            .map(|r| r.n as u32)
            .ok_or_else(|| fail("D1 answered no row for COUNT(*)"))?;
        Ok(Erased {
            conversations: changes(conversations)?,
            messages: changes(messages)?,
            submissions,
            action_runs: changes(runs)?,
        })
    }

    async fn conversations_of(&self, person: &Person, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        let limit = JsValue::from_f64(limit as f64);
        match person {
            // lower() on both sides is the indexed expression (migrations/0007); without ICU it
            // folds ASCII letters only, like the memory store.
            Person::Email(email) => {
                self.conversation_ids(
                    "SELECT id FROM conversations WHERE lower(lead_email) = lower(?1) ORDER BY created_at_ms LIMIT ?2",
                    &[text(email), limit],
                )
                .await
            }
            Person::UserId(user) => {
                self.conversation_ids(
                    "SELECT id FROM conversations WHERE user_id = ?1 ORDER BY created_at_ms LIMIT ?2",
                    &[text(user), limit],
                )
                .await
            }
        }
    }

    async fn inactive_conversations(&self, before_ms: u64, limit: usize) -> Result<Vec<ConversationId>, StoreError> {
        self.conversation_ids(
            "SELECT id FROM conversations c WHERE created_at_ms < ?1 AND NOT EXISTS \
             (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.created_at_ms >= ?1) \
             ORDER BY created_at_ms LIMIT ?2",
            &[JsValue::from_f64(before_ms as f64), JsValue::from_f64(limit as f64)],
        )
        .await
    }

    async fn delete_runs_before(&self, before_ms: u64, limit: usize) -> Result<u32, StoreError> {
        let result = self
            .statement(
                "DELETE FROM action_runs WHERE seq IN \
                 (SELECT seq FROM action_runs WHERE at_ms < ?1 ORDER BY seq LIMIT ?2)",
                &[JsValue::from_f64(before_ms as f64), JsValue::from_f64(limit as f64)],
            )?
            .run()
            .await
            .map_err(fail)?;
        changes(&result)
    }
}
