//! `sql.query`: raw SQL under the caller's SQL policy.
//!
//! * `none` (the default for keys): refused.
//! * `read`: one reading statement (checked by `sql_policy`), run inside a
//!   read-only transaction that the database enforces, then rolled back.
//! * `full`: anything, in a transaction that commits when it succeeds.
//!
//! Rows stream as arrays, after the column list.

use std::io;

use serde_json::{json, Map, Value as Json};

use super::gone;
use crate::api::answer::Answer;
use crate::api::params::Args;
use crate::api::spec::{Method, Param, ParamKind};
use crate::api::sql_policy::check_read;
use crate::api::{ApiError, Context};
use crate::db::{bind_named, Column, ColumnKind, DbError, Dialect, Outcome, Value};
use crate::store::SqlPolicy;

pub const SQL_QUERY: Method = Method {
    name: "sql.query",
    summary: "Run SQL as the key's sql_policy allows (none: refused; read: one reading statement in a read-only transaction; full: anything, in a transaction).",
    // POST only: SQL does not belong in URLs and access logs.
    writes: true,
    params: &[
        Param::required("sql", ParamKind::Text { max: 1_000_000 }, "The statement (table names with the shop's prefix)."),
        Param::optional(
            "params",
            ParamKind::SqlParams,
            "Values for ? placeholders (a JSON array) or :name placeholders (a JSON object).",
        ),
    ],
    result: || {
        json!({
            "type": "object",
            "properties": {
                "columns": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"enum": ["integer", "float", "decimal", "temporal", "text", "binary", "other"]},
                    },
                    "required": ["name", "type"],
                    "additionalProperties": false,
                }},
                "rows": {"type": "array", "items": {"type": "array"}},
                "affected_rows": {"type": "integer", "minimum": 0},
                "insert_id": {"type": ["string", "null"]},
            },
            "required": ["columns", "rows", "affected_rows", "insert_id"],
            "additionalProperties": false,
        })
    },
    run: sql_query,
};

fn sql_query(cx: &mut Context<'_>, args: &Args, answer: &mut Answer<'_>) -> Result<(), ApiError> {
    let policy = cx.caller.sql_policy();
    let sql = args.text("sql").unwrap_or_default();
    let statement = match policy {
        SqlPolicy::None => {
            return Err(ApiError::new(
                403,
                format!(
                    "{} may not run SQL (sql_policy = \"none\"); the shop owner can set sql_policy = \"read\" or \"full\" for it in the bridge's config.toml",
                    cx.caller.describe()
                ),
            ))
        }
        SqlPolicy::Read => check_read(sql)?,
        SqlPolicy::Full => sql.to_string(),
    };
    if statement.trim().is_empty() {
        return Err(ApiError::bad_parameter("sql is empty"));
    }
    let (statement, values) = bind(&statement, args.json("params"));
    let read_only = policy == SqlPolicy::Read;
    let db = cx.db()?;
    db.begin(read_only)?;
    let mut failure = None;
    let result = {
        let mut on_row = |columns: &[Column], row: &[Value]| {
            if !answer.list_opened() {
                answer.open_list(&leading(columns), "rows");
            }
            let row: Vec<Json> = row.iter().map(json_value).collect();
            answer
                .item(&row)
                .inspect_err(|e| failure = Some(gone(io::Error::other(e.to_string()))))
        };
        if read_only {
            db.run_one(&statement, &values, &mut on_row)
        } else {
            db.run(&statement, &values, &mut on_row)
        }
    };
    let outcome = match (result, failure) {
        (_, Some(e)) => {
            let _ = db.rollback();
            return Err(e);
        }
        (Err(e), None) => {
            let _ = db.rollback();
            return Err(refused_write(read_only, db.dialect(), e));
        }
        (Ok(outcome), None) => outcome,
    };
    if read_only {
        db.rollback()?;
    } else {
        db.commit()?;
    }
    finish(answer, &outcome)
}

/// A write the database itself stopped in the read-only transaction (a
/// stored function that writes, say) is the policy's refusal: 403.
fn refused_write(read_only: bool, dialect: Dialect, error: DbError) -> ApiError {
    let stopped = match (&error, dialect) {
        (DbError::Query { code, .. }, Dialect::Mysql) => *code == 1792,
        (DbError::Query { code, .. }, Dialect::Sqlite) => code & 0xff == 8,
        _ => false,
    };
    if read_only && stopped {
        return ApiError::new(
            403,
            format!("sql_policy \"read\" refuses this: the database refused to write ({error})"),
        );
    }
    error.into()
}

/// Binds `params`: an array fills `?` in order, an object fills `:name`.
fn bind(statement: &str, params: Option<&Json>) -> (String, Vec<Value>) {
    match params {
        Some(Json::Array(items)) => (statement.to_string(), items.iter().map(db_value).collect()),
        Some(Json::Object(map)) => bind_named(statement, &|name| {
            map.get(name).map_or(Value::Null, db_value)
        }),
        _ => (statement.to_string(), Vec::new()),
    }
}

fn db_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Int(i64::from(*b)),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::UInt))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        Json::String(s) => Value::text(s.clone()),
        other => Value::text(other.to_string()),
    }
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Text(bytes) => Json::from(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn leading(columns: &[Column]) -> Map<String, Json> {
    let described: Vec<Json> = columns
        .iter()
        .map(|c| json!({"name": c.name, "type": kind_name(c.kind)}))
        .collect();
    let mut leading = Map::new();
    leading.insert("columns".into(), Json::Array(described));
    leading
}

fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Integer => "integer",
        ColumnKind::Float => "float",
        ColumnKind::Decimal => "decimal",
        ColumnKind::Temporal => "temporal",
        ColumnKind::Text => "text",
        ColumnKind::Binary => "binary",
        ColumnKind::Other => "other",
    }
}

fn finish(answer: &mut Answer<'_>, outcome: &Outcome) -> Result<(), ApiError> {
    if !answer.list_opened() {
        answer.open_list(&leading(outcome.columns.as_deref().unwrap_or(&[])), "rows");
    }
    let mut tail = Map::new();
    let affected = if outcome.columns.is_some() {
        0
    } else {
        outcome.affected_rows
    };
    tail.insert("affected_rows".into(), Json::from(affected));
    let insert_id = (outcome.insert_id > 0).then(|| outcome.insert_id.to_string());
    tail.insert("insert_id".into(), json!(insert_id));
    answer.close_list(&tail).map_err(gone)
}
