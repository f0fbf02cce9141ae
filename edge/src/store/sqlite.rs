//! SQLite as a [`SqlPort`], for native tests: an in-memory database with every migration of
//! `edge/migrations/` applied in order and foreign keys enforced (as D1 does), so the D1 store's
//! SQL (`store::sql`) runs here unchanged.

use super::sql::{Batched, Query, SqlPort, SqlStore, SqlValue, Written};
use super::StoreError;
use rusqlite::types::{ToSqlOutput, Value as Cell, ValueRef};
use rusqlite::{params_from_iter, Connection, ToSql};
use serde::de::DeserializeOwned;

/// An in-memory SQLite database with the edge's schema.
pub struct Sqlite(Connection);

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Null => ToSqlOutput::Owned(Cell::Null),
            SqlValue::Integer(n) => ToSqlOutput::Owned(Cell::Integer(*n)),
            SqlValue::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl Sqlite {
    /// A fresh database with every migration (`store::schema`) applied in order.
    pub fn migrated() -> Self {
        let db = Self::empty();
        for (name, sql) in super::schema::MIGRATIONS {
            db.0.execute_batch(sql).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        db
    }

    /// A fresh database without the schema (what a new conversation object starts with).
    pub fn empty() -> Self {
        let db = Connection::open_in_memory().expect("an in-memory SQLite database");
        db.execute_batch("PRAGMA foreign_keys = ON").expect("foreign keys on");
        Self(db)
    }

    /// The stores on a fresh database.
    pub fn store() -> SqlStore<Self> {
        SqlStore::new(Self::migrated())
    }

    /// How many messages are stored, every conversation's.
    pub fn message_count(&self) -> usize {
        self.0.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get::<_, i64>(0)).expect("messages counted")
            as usize
    }

    /// Rows as JSON objects by column name (integers as JSON integers, like D1's numbers).
    fn rows(&self, query: &Query) -> Result<Vec<serde_json::Value>, StoreError> {
        let mut statement = self.0.prepare(&query.sql).map_err(fail)?;
        let names: Vec<String> = statement.column_names().map(String::from).collect();
        let mut rows = statement.query(params_from_iter(query.args.iter())).map_err(fail)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(fail)? {
            let mut object = serde_json::Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i).map_err(fail)? {
                    ValueRef::Null => serde_json::Value::Null,
                    ValueRef::Integer(n) => n.into(),
                    ValueRef::Real(f) => f.into(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                    ValueRef::Blob(_) => return Err(fail(format!("column {name} is a blob; the stores use none"))),
                };
                object.insert(name.clone(), value);
            }
            out.push(serde_json::Value::Object(object));
        }
        Ok(out)
    }

    fn written(&self, query: &Query) -> Result<Written, StoreError> {
        let changed = self.0.execute(&query.sql, params_from_iter(query.args.iter())).map_err(fail)?;
        Ok(Written { changes: Some(changed as u32), last_row_id: Some(self.0.last_insert_rowid()) })
    }

    /// Runs one statement of a batch: rows for a statement that returns some (a query, or a
    /// write with `RETURNING`, as D1 answers it), changes for any other write.
    fn step(&self, query: &Query) -> Result<Batched, StoreError> {
        let returns_rows = self.0.prepare(&query.sql).map_err(fail)?.column_count() > 0;
        if returns_rows {
            Ok(Batched { rows: self.rows(query)?, changes: None })
        } else {
            Ok(Batched { rows: Vec::new(), changes: self.written(query)?.changes })
        }
    }
}

fn parse<T: DeserializeOwned>(row: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(row).map_err(fail)
}

impl SqlPort for Sqlite {
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
        self.rows(query)?.into_iter().map(parse).collect()
    }

    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
        self.rows(query)?.into_iter().next().map(parse).transpose()
    }

    async fn run(&self, query: &Query) -> Result<Written, StoreError> {
        self.written(query)
    }

    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
        // Like D1's batch: one transaction, rolled back (on drop) if any statement fails.
        let tx = self.0.unchecked_transaction().map_err(fail)?;
        let results = queries.iter().map(|q| self.step(q)).collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(fail)?;
        Ok(results)
    }
}

impl super::replica::LocalSql for Sqlite {
    fn run_script(&self, script: &str) -> Result<(), StoreError> {
        let tx = self.0.unchecked_transaction().map_err(fail)?;
        self.0.execute_batch(script).map_err(fail)?;
        tx.commit().map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;

    #[test]
    fn every_migration_applies_and_foreign_keys_hold() {
        let db = Sqlite::migrated();
        let orphan = Query::new(
            "INSERT INTO messages (id, conversation_id, author, text, created_at_ms) VALUES ('m1', 'nope', 'bot', 'hi', 1)",
            vec![],
        );
        assert!(block_on(db.run(&orphan)).is_err(), "a message needs its conversation, as in D1");
    }

    #[test]
    fn a_failing_batch_changes_nothing() {
        let db = Sqlite::migrated();
        let conversation = Query::new(
            "INSERT INTO conversations (id, token_hash, created_at_ms) VALUES (?1, 'h', 1)",
            vec![SqlValue::text("c1")],
        );
        let bad = Query::new("INSERT INTO messages (id) VALUES ('m1')", vec![]);
        assert!(block_on(db.batch(&[conversation, bad])).is_err());
        let count: Vec<serde_json::Value> =
            block_on(db.all(&Query::new("SELECT COUNT(*) AS n FROM conversations", vec![]))).unwrap();
        assert_eq!(count[0]["n"], 0, "the first statement was rolled back with the second");
    }
}
