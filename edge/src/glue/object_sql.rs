//! A Durable Object's own SQLite as a [`SqlPort`] (and a [`LocalSql`] for its migrations): the
//! conversation's replica (`store::replica`). Statements run synchronously; a batch runs inside
//! `transactionSync`, so a failing statement rolls the whole batch back, as D1's batch does.

use crate::store::replica::LocalSql;
use crate::store::sql::{Batched, Query, SqlPort, SqlValue, Written};
use crate::store::StoreError;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use worker::{SqlStorage, SqlStorageValue};

/// The object's SQLite and its storage (for transactions).
#[derive(Clone)]
pub struct ObjectSql {
    sql: SqlStorage,
    storage: JsValue,
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn bind(args: &[SqlValue]) -> Vec<SqlStorageValue> {
    args.iter()
        .map(|v| match v {
            SqlValue::Null => SqlStorageValue::Null,
            SqlValue::Integer(n) => SqlStorageValue::Integer(*n),
            SqlValue::Text(s) => SqlStorageValue::String(s.clone()),
        })
        .collect()
}

/// One statement: its rows if it returns any, else how many rows it changed.
fn step(sql: &SqlStorage, query: &Query) -> Result<Batched, StoreError> {
    let cursor = sql.exec(&query.sql, bind(&query.args)).map_err(fail)?;
    let returns_rows = !cursor.column_names().is_empty();
    let rows: Vec<serde_json::Value> = cursor.to_array().map_err(fail)?;
    if returns_rows {
        return Ok(Batched { rows, changes: None });
    }
    #[derive(serde::Deserialize)]
    struct Changes {
        n: f64,
    }
    let changed: Changes = sql.exec("SELECT changes() AS n", None).map_err(fail)?.one().map_err(fail)?;
    Ok(Batched { rows: Vec::new(), changes: Some(changed.n as u32) })
}

impl ObjectSql {
    /// The SQLite of the object whose state this is.
    pub fn of(state: &worker::State) -> Self {
        let storage = state.storage();
        let raw: &JsValue = storage.as_raw().as_ref();
        Self { sql: storage.sql(), storage: raw.clone() }
    }

    /// Runs `work` in one `transactionSync`: when it fails, it throws, which rolls back every
    /// statement it ran.
    fn transaction<T: 'static>(
        &self,
        work: impl FnOnce(&SqlStorage) -> Result<T, StoreError> + 'static,
    ) -> Result<T, StoreError> {
        let slot: Rc<RefCell<Option<Result<T, StoreError>>>> = Rc::default();
        let (sql, out) = (self.sql.clone(), slot.clone());
        let body = Closure::once_into_js(move || -> Result<JsValue, JsValue> {
            let result = work(&sql);
            let thrown = result.as_ref().err().map(|e| JsValue::from_str(&e.0));
            *out.borrow_mut() = Some(result);
            match thrown {
                Some(error) => Err(error),
                None => Ok(JsValue::UNDEFINED),
            }
        });
        let transaction_sync = js_sys::Reflect::get(&self.storage, &JsValue::from_str("transactionSync"))
            .map_err(|e| fail(format!("{e:?}")))?
            .dyn_into::<js_sys::Function>()
            .map_err(|_| fail("this runtime's object storage has no transactionSync"))?;
        let called = transaction_sync.call1(&self.storage, &body);
        let result = slot.borrow_mut().take();
        match result {
            Some(result) => result,
            None => Err(fail(format!("the transaction did not run: {:?}", called.err()))),
        }
    }
}

impl SqlPort for ObjectSql {
    async fn all<T: DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>, StoreError> {
        self.sql.exec(&query.sql, bind(&query.args)).map_err(fail)?.to_array().map_err(fail)
    }

    async fn first<T: DeserializeOwned>(&self, query: &Query) -> Result<Option<T>, StoreError> {
        Ok(self.all(query).await?.into_iter().next())
    }

    async fn run(&self, query: &Query) -> Result<Written, StoreError> {
        let done = step(&self.sql, query)?;
        Ok(Written { changes: done.changes, last_row_id: None })
    }

    async fn batch(&self, queries: &[Query]) -> Result<Vec<Batched>, StoreError> {
        let queries = queries.to_vec();
        self.transaction(move |sql| queries.iter().map(|q| step(sql, q)).collect())
    }
}

impl LocalSql for ObjectSql {
    fn run_script(&self, script: &str) -> Result<(), StoreError> {
        // The object's SQLite runs every statement of a script given at once.
        let script = script.to_string();
        self.transaction(move |sql| {
            sql.exec(&script, None).map_err(fail)?.to_array::<serde_json::Value>().map_err(fail)?;
            Ok(())
        })
    }
}
