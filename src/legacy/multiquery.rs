//! The `multiquery` action: several statements on one connection, in
//! order, stopping at the first failure (LEGACY.md §4.3).
//!
//! Every statement after the first may name results of earlier ones:
//! `_A2C_LAST_{id}_INSERT_ID_` becomes the insert id of statement `id`, and
//! `A2C_USE_FIELD_{column}_FROM_{id}_QUERY` the distinct values of a column
//! of its rows, each `addslashes`-escaped in double quotes, joined by `,`.
//! Only the columns some later statement names are kept from the rows.
//!
//! Like the incumbent, nothing is rolled back by default: statements before
//! a failure stay applied. A signed `transaction=1` runs the batch in one
//! transaction instead, committed only when every statement succeeded.

use super::query::{apply_sql_settings, error_message, open, run_statement, FetchMode, RowLayout};
use super::serialize::{PhpKey, PhpValue, Serializer};
use super::{Answer, Call};
use crate::db::{Database, Dialect, Value};
use crate::platform::php::PhpValue as PhpLiteral;

const LAST_INSERT_OPEN: &str = "_A2C_LAST_{";
const LAST_INSERT_CLOSE: &str = "}_INSERT_ID_";
const USE_FIELD_OPEN: &str = "A2C_USE_FIELD_{";
const USE_FIELD_MIDDLE: &str = "}_FROM_{";
const USE_FIELD_CLOSE: &str = "}_QUERY";
/// Statement ids in placeholders: `[A-Za-z0-9_-]{1,32}`.
const MAX_ID_LEN: usize = 32;

pub fn run(call: &Call) -> Answer {
    let (Some(encoded), Some(fetch_mode)) = (call.field("queries"), call.field("fetchMode")) else {
        return Answer::text("");
    };
    let statements = match call.decode(encoded).map(|json| parse_queries(&json)) {
        Ok(Ok(statements)) => statements,
        Ok(Err(problem)) => return Answer::refusal(400, format!("ERROR: {problem}")),
        Err(answer) => return answer,
    };
    let mut db = match open(call) {
        Ok(db) => db,
        Err(answer) => return answer,
    };
    if let Err(answer) = apply_sql_settings(db.as_mut(), call) {
        return answer;
    }
    let transactional = call.form.get_bytes("transaction") == Some(b"1");
    let mut batch = Batch::new(&statements, FetchMode::from_param(fetch_mode));
    let outcome = if transactional {
        batch.run_in_transaction(db.as_mut())
    } else {
        batch.run(db.as_mut())
    };
    match outcome {
        Ok(()) => call.seal_base64(&batch.answer()),
        Err(failure) => call.seal_base64(&failure.serialized()),
    }
}

/// One statement of the batch: its id as PHP keys the results with it,
/// the id as PHP's `foreach` hands it out (object keys stay strings), and
/// its SQL.
#[derive(Debug)]
struct Statement {
    id: PhpKey,
    given_id: PhpValue,
    sql: String,
}

/// `queries` is a JSON object (id → SQL) or list; ids that are decimal
/// integers become integer keys, as PHP's arrays make them.
fn parse_queries(json: &[u8]) -> Result<Vec<Statement>, String> {
    const SHAPE: &str = "queries must be a JSON object or list of SQL strings";
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|_| SHAPE.to_string())?;
    let entries: Vec<(String, PhpValue, &serde_json::Value)> = match &value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(id, sql)| (id.clone(), PhpValue::str(id), sql))
            .collect(),
        serde_json::Value::Array(list) => (0..)
            .zip(list)
            .map(|(i, sql)| (i.to_string(), PhpValue::Int(i), sql))
            .collect(),
        _ => return Err(SHAPE.to_string()),
    };
    entries
        .into_iter()
        .map(|(id, given_id, sql)| match sql {
            serde_json::Value::String(sql) => Ok(Statement {
                id: PhpKey::auto(id.as_bytes()),
                given_id,
                sql: sql.clone(),
            }),
            _ => Err(format!("{SHAPE}; statement {id} is not a string")),
        })
        .collect()
}

/// A failed statement: `serialize({error, failedQueryId, query})`.
struct Failure {
    message: String,
    id: PhpValue,
    query: String,
}

impl Failure {
    fn serialized(self) -> Vec<u8> {
        PhpValue::assoc([
            ("error", PhpValue::from(self.message)),
            ("failedQueryId", self.id),
            ("query", PhpValue::from(self.query)),
        ])
        .to_serialized()
    }
}

/// A column some later statement reads, and the values seen so far.
struct Wanted {
    from: PhpKey,
    column: PhpKey,
    /// `None` until the statement ran; then its values, distinct, in order.
    values: Option<Vec<Vec<u8>>>,
    /// Whether the statement's rows had the column (PHP: an undefined key).
    missing: bool,
}

struct Batch<'s> {
    statements: &'s [Statement],
    mode: FetchMode,
    /// The serialized `id => result` pairs so far.
    results: Vec<u8>,
    done: usize,
    insert_ids: Vec<(PhpKey, String)>,
    wanted: Vec<Wanted>,
}

impl<'s> Batch<'s> {
    fn new(statements: &'s [Statement], mode: FetchMode) -> Batch<'s> {
        let mut wanted: Vec<Wanted> = Vec::new();
        for statement in statements.iter().skip(1) {
            for (column, from) in use_field_placeholders(&statement.sql) {
                let (column, from) = (PhpKey::auto(column), PhpKey::auto(from));
                if !wanted.iter().any(|w| w.column == column && w.from == from) {
                    wanted.push(Wanted {
                        from,
                        column,
                        values: None,
                        missing: false,
                    });
                }
            }
        }
        Batch {
            statements,
            mode,
            results: Vec::new(),
            done: 0,
            insert_ids: Vec::new(),
            wanted,
        }
    }

    fn run(&mut self, db: &mut dyn Database) -> Result<(), Failure> {
        for (index, statement) in self.statements.iter().enumerate() {
            let sql = if index == 0 {
                statement.sql.clone()
            } else {
                self.substitute(statement)?
            };
            self.execute(db, statement, &sql)?;
        }
        Ok(())
    }

    /// The batch inside one transaction; rolled back at the first failure.
    fn run_in_transaction(&mut self, db: &mut dyn Database) -> Result<(), Failure> {
        let begin = match db.dialect() {
            Dialect::Mysql => "START TRANSACTION",
            Dialect::Sqlite => "BEGIN",
        };
        let fail = |sql: &str, e| Failure {
            message: error_message(&e),
            id: PhpValue::Int(0),
            query: sql.to_string(),
        };
        db.execute(begin, &[]).map_err(|e| fail(begin, e))?;
        if let Err(failure) = self.run(db) {
            // A rollback that fails leaves nothing applied either: the
            // connection closes without a commit.
            let _ = db.execute("ROLLBACK", &[]);
            return Err(failure);
        }
        db.execute("COMMIT", &[]).map_err(|e| Failure {
            id: self
                .statements
                .last()
                .map_or(PhpValue::Int(0), |s| s.given_id.clone()),
            ..fail("COMMIT", e)
        })?;
        Ok(())
    }

    fn execute(
        &mut self,
        db: &mut dyn Database,
        statement: &Statement,
        sql: &str,
    ) -> Result<(), Failure> {
        let wanted = &mut self.wanted;
        for w in wanted.iter_mut().filter(|w| w.from == statement.id) {
            w.values = Some(Vec::new());
            w.missing = false;
        }
        let mut watch = |layout: &RowLayout, values: &[Value]| {
            for w in wanted.iter_mut().filter(|w| w.from == statement.id) {
                let Some(&(_, column)) = layout.iter().find(|(key, _)| *key == w.column) else {
                    w.missing = true;
                    continue;
                };
                let value = addslashes(&php_string(&values[column]));
                let seen = w.values.get_or_insert_with(Vec::new);
                if !seen.contains(&value) {
                    seen.push(value);
                }
            }
        };
        let (serialized, outcome) =
            run_statement(db, sql, self.mode, &mut watch).map_err(|e| Failure {
                message: error_message(&e),
                id: statement.given_id.clone(),
                query: sql.to_string(),
            })?;
        self.record(&statement.id, &serialized, outcome.insert_id.to_string());
        Ok(())
    }

    /// Adds a result; a repeated id replaces the earlier one in PHP, but
    /// JSON objects cannot repeat ids, and lists never do.
    fn record(&mut self, id: &PhpKey, serialized: &[u8], insert_id: String) {
        let mut key = Serializer::new(&mut self.results);
        // Writing into a Vec cannot fail.
        let _ = match id {
            PhpKey::Int(i) => key.int(*i),
            PhpKey::Bytes(b) => key.bytes(b),
        };
        self.results.extend_from_slice(serialized);
        self.done += 1;
        self.insert_ids.retain(|(k, _)| k != id);
        self.insert_ids.push((id.clone(), insert_id));
    }

    /// The statement with its placeholders filled in.
    fn substitute(&self, statement: &Statement) -> Result<String, Failure> {
        let unknown = |what: String| Failure {
            message: format!("[ERROR] {what}"),
            id: statement.given_id.clone(),
            query: statement.sql.clone(),
        };
        let sql = replace_last_insert_ids(&statement.sql, |id| {
            let key = PhpKey::auto(id);
            self.insert_ids
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    unknown(format!(
                        "no earlier statement '{id}' for _A2C_LAST_{{{id}}}_INSERT_ID_"
                    ))
                })
        })?;
        replace_use_fields(&sql, |column, from| {
            let (column_key, from_key) = (PhpKey::auto(column), PhpKey::auto(from));
            let Some(w) = self
                .wanted
                .iter()
                .find(|w| w.column == column_key && w.from == from_key)
            else {
                return Ok("\"\"".to_string());
            };
            if w.missing {
                return Err(unknown(format!(
                    "the rows of statement '{from}' have no column '{column}' for A2C_USE_FIELD"
                )));
            }
            let values = w.values.as_deref().unwrap_or_default();
            let joined: Vec<String> = values
                .iter()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect();
            Ok(format!("\"{}\"", joined.join("\",\"")))
        })
    }

    /// `serialize({id: result, …})`; an empty batch is an empty array.
    fn answer(&self) -> Vec<u8> {
        let mut out = format!("a:{}:{{", self.done).into_bytes();
        out.extend_from_slice(&self.results);
        out.push(b'}');
        out
    }
}

/// A value as PHP's string conversion prints it (NULL is empty).
fn php_string(value: &Value) -> Vec<u8> {
    match value {
        Value::Null => Vec::new(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::UInt(u) => u.to_string().into_bytes(),
        Value::Float(f) => PhpLiteral::Float(*f)
            .to_php_string()
            .unwrap_or_default()
            .into_bytes(),
        Value::Text(bytes) => bytes.clone(),
    }
}

/// PHP's `addslashes`: a backslash before `'`, `"` and `\`; NUL as `\0`.
fn addslashes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\'' | b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0 => out.extend_from_slice(b"\\0"),
            _ => out.push(b),
        }
    }
    out
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// PCRE's `[\w\d\s\-]` without the `u` flag: ASCII word characters,
/// whitespace (space, \t, \n, \v, \f, \r) and `-`.
fn is_column_char(c: char) -> bool {
    is_id_char(c) || matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// The id of a placeholder: 1 to 32 id characters, then `close`.
fn id_then(text: &str, close: &str) -> Option<usize> {
    let len = text.find(|c: char| !is_id_char(c)).unwrap_or(text.len());
    ((1..=MAX_ID_LEN).contains(&len) && text[len..].starts_with(close)).then_some(len)
}

/// Replaces every `_A2C_LAST_{id}_INSERT_ID_`, left to right.
fn replace_last_insert_ids<E>(
    sql: &str,
    mut value: impl FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    replace_matches(
        sql,
        LAST_INSERT_OPEN,
        |rest| {
            let len = id_then(rest, LAST_INSERT_CLOSE)?;
            Some((len + LAST_INSERT_CLOSE.len(), vec![&rest[..len]]))
        },
        |parts| value(parts[0]),
    )
}

/// Replaces every `A2C_USE_FIELD_{column}_FROM_{id}_QUERY`, left to right.
fn replace_use_fields<E>(
    sql: &str,
    mut value: impl FnMut(&str, &str) -> Result<String, E>,
) -> Result<String, E> {
    replace_matches(sql, USE_FIELD_OPEN, use_field_at, |parts| {
        value(parts[0], parts[1])
    })
}

/// `(column, id)` of the placeholder at the start of `rest` (after the
/// opening text), with the length it spans.
fn use_field_at(rest: &str) -> Option<(usize, Vec<&str>)> {
    let column_len = rest
        .find(|c: char| !is_column_char(c))
        .unwrap_or(rest.len());
    if column_len == 0 || !rest[column_len..].starts_with(USE_FIELD_MIDDLE) {
        return None;
    }
    let id_start = column_len + USE_FIELD_MIDDLE.len();
    let id_len = id_then(&rest[id_start..], USE_FIELD_CLOSE)?;
    let parts = vec![&rest[..column_len], &rest[id_start..id_start + id_len]];
    Some((id_start + id_len + USE_FIELD_CLOSE.len(), parts))
}

/// Every `(column, id)` named by `A2C_USE_FIELD` placeholders in `sql`.
fn use_field_placeholders(sql: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = sql[at..].find(USE_FIELD_OPEN) {
        let start = at + offset + USE_FIELD_OPEN.len();
        match use_field_at(&sql[start..]) {
            Some((len, parts)) => {
                found.push((parts[0], parts[1]));
                at = start + len;
            }
            None => at = at + offset + 1,
        }
    }
    found
}

/// Finds each `open`, lets `parse` read the rest of a placeholder, and
/// replaces the whole placeholder with `value` of its parts; where `parse`
/// finds none, the search goes on one character further, as a regex would.
fn replace_matches<'t, E>(
    text: &'t str,
    open: &str,
    parse: impl Fn(&'t str) -> Option<(usize, Vec<&'t str>)>,
    mut value: impl FnMut(&[&'t str]) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(offset) = text[at..].find(open) {
        let start = at + offset;
        let rest_start = start + open.len();
        match parse(&text[rest_start..]) {
            Some((len, parts)) => {
                out.push_str(&text[at..start]);
                out.push_str(&value(&parts)?);
                at = rest_start + len;
            }
            None => {
                let next = start + open.chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[at..next]);
                at = next;
            }
        }
    }
    out.push_str(&text[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> String {
        replace_last_insert_ids(sql, |id| Ok::<_, ()>(format!("<{id}>"))).unwrap()
    }

    #[test]
    fn last_insert_placeholders_follow_the_incumbents_pattern() {
        assert_eq!(ids("x=_A2C_LAST_{ins}_INSERT_ID_;"), "x=<ins>;");
        assert_eq!(
            ids("_A2C_LAST_{a-1}_INSERT_ID_,_A2C_LAST_{07}_INSERT_ID_"),
            "<a-1>,<07>"
        );
        // Not placeholders: empty, too long, wrong characters, unclosed.
        let long = format!("_A2C_LAST_{{{}}}_INSERT_ID_", "a".repeat(33));
        for text in [
            "_A2C_LAST_{}_INSERT_ID_",
            long.as_str(),
            "_A2C_LAST_{a b}_INSERT_ID_",
            "_A2C_LAST_{ab_INSERT_ID_",
            "_A2C_LAST_ins_INSERT_ID_",
        ] {
            assert_eq!(ids(text), text);
        }
        let max = "a".repeat(32);
        assert_eq!(
            ids(&format!("_A2C_LAST_{{{max}}}_INSERT_ID_")),
            format!("<{max}>")
        );
        // A failed match does not hide a real one right behind it.
        assert_eq!(ids("_A2C_LAST_{_A2C_LAST_{x}_INSERT_ID_"), "_A2C_LAST_{<x>");
    }

    #[test]
    fn use_field_placeholders_are_found_with_spaces_in_columns() {
        let sql =
            "IN (A2C_USE_FIELD_{order id}_FROM_{sel}_QUERY) AND A2C_USE_FIELD_{x}_FROM_{1}_QUERY";
        assert_eq!(
            use_field_placeholders(sql),
            vec![("order id", "sel"), ("x", "1")]
        );
        let replaced = replace_use_fields(sql, |c, f| Ok::<_, ()>(format!("[{c}|{f}]"))).unwrap();
        assert_eq!(replaced, "IN ([order id|sel]) AND [x|1]");
        assert!(use_field_placeholders("A2C_USE_FIELD_{}_FROM_{a}_QUERY").is_empty());
        assert!(use_field_placeholders("A2C_USE_FIELD_{a}_FROM_{}_QUERY").is_empty());
    }

    #[test]
    fn addslashes_is_phps() {
        assert_eq!(addslashes(b"O'Re\"il\\ly\0"), b"O\\'Re\\\"il\\\\ly\\0");
        assert_eq!(php_string(&Value::Float(0.1)), b"0.1");
        assert_eq!(php_string(&Value::Null), b"");
    }

    #[test]
    fn queries_parse_as_object_or_list() {
        let parsed = parse_queries(br#"{"07":"A","1":"B","x":"C"}"#).unwrap();
        let keys: Vec<PhpKey> = parsed.iter().map(|s| s.id.clone()).collect();
        assert_eq!(
            keys,
            vec![
                PhpKey::Bytes(b"07".to_vec()),
                PhpKey::Int(1),
                PhpKey::Bytes(b"x".to_vec())
            ]
        );
        let parsed = parse_queries(br#"["A","B"]"#).unwrap();
        assert_eq!(parsed[1].id, PhpKey::Int(1));
        assert!(parse_queries(b"not json").is_err());
        assert!(parse_queries(br#"{"a":1}"#)
            .unwrap_err()
            .contains("statement a"));
        assert!(parse_queries(br#""SELECT 1""#).is_err());
    }
}
