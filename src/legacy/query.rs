//! The `query` action: one SQL statement, answered as the incumbent's PDO
//! path answers it — `serialize({res, fetchedFields, insertId,
//! affectedRows})`, base64-encoded (LEGACY.md §4.2, §5).
//!
//! The row count of `res` comes before the rows in PHP's format, so the
//! serialized rows are buffered (compactly, as the bytes that will be sent)
//! while the database streams them; nothing else is held per row.

use std::io::{self, Write};

use super::serialize::{PhpKey, PhpValue, Serializer};
use super::{php_int, Answer, Call};
use crate::db::{self, Column, Database, DbError, Outcome, Target, Value};

/// What the incumbent's database class prefixes its errors with (the
/// recorded oracle, `tests/fixtures/legacy-query.json`).
const ERROR_PREFIX: &str = "[ERROR] Mysql Query Error: ";

/// Statements that PDO's path answers with `res = true` (by prefix).
const NO_RESULT_PREFIXES: &[&str] = &[
    "delete",
    "update",
    "move",
    "truncate",
    "insert",
    "set",
    "create",
    "drop",
    "replace",
    "start transaction",
    "commit",
];

/// Row shapes of `fetchMode`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FetchMode {
    Assoc,
    Numeric,
    Both,
}

impl FetchMode {
    /// The field as PHP's `(int)` reads it; anything but 2 and 3 is
    /// associative.
    pub fn from_param(value: &[u8]) -> FetchMode {
        match php_int(value) {
            2 => FetchMode::Numeric,
            3 => FetchMode::Both,
            _ => FetchMode::Assoc,
        }
    }
}

pub fn run(call: &Call) -> Answer {
    let (Some(encoded), Some(fetch_mode)) = (call.field("query"), call.field("fetchMode")) else {
        return Answer::text("");
    };
    let sql = match call.decode(encoded) {
        Ok(sql) => String::from_utf8_lossy(&sql).into_owned(),
        Err(answer) => return answer,
    };
    let mut db = match open(call) {
        Ok(db) => db,
        Err(answer) => return answer,
    };
    if let Err(answer) = apply_sql_settings(db.as_mut(), call) {
        return answer;
    }
    let mode = FetchMode::from_param(fetch_mode);
    match run_statement(db.as_mut(), &sql, mode, &mut |_, _| {}) {
        Ok((serialized, _)) => call.seal_base64(&serialized),
        // Plaintext: the bare message, base64-encoded, not serialized; with
        // encryption the error structure (LEGACY.md §4.2 step 5).
        Err(e) if call.encrypted() => call.seal_base64(&error_structure(&e, &sql)),
        Err(e) => call.seal_base64(error_message(&e).as_bytes()),
    }
}

/// Connects and applies the charset: the shop's own wins over `set_names`
/// (a signed body field; the query string is never read).
pub fn open(call: &Call) -> Result<Box<dyn Database>, Answer> {
    let mut db = db::connect(&call.shop.target)
        .map_err(|_| Answer::text(format!("{ERROR_PREFIX}Can not connect to DB")))?;
    let shop_charset = match &call.shop.target {
        Target::Mysql(m) => m.charset.clone(),
        Target::Sqlite(_) => None,
    };
    let requested = call
        .field("set_names")
        .map(|c| String::from_utf8_lossy(c).into_owned());
    if let Some(charset) = shop_charset.or(requested) {
        db.set_charset(&charset).map_err(|e| {
            call.seal_base64(&error_structure(&e, &format!("SET NAMES '{charset}'")))
        })?;
    }
    Ok(db)
}

/// `serialize({error, query, failedQueryId: 0})`: how a failure outside
/// the statement itself (or any failure, with encryption on) is told.
fn error_structure(error: &DbError, query: &str) -> Vec<u8> {
    PhpValue::assoc([
        ("error", PhpValue::from(error_message(error))),
        ("query", PhpValue::str(query)),
        ("failedQueryId", PhpValue::Int(0)),
    ])
    .to_serialized()
}

/// `sql_settings[sql_modes]` and `sql_settings[sql_variables]`, signed body
/// fields only, encoded like `query`.
pub fn apply_sql_settings(db: &mut dyn Database, call: &Call) -> Result<(), Answer> {
    let Some(settings) = call.form.get_map("sql_settings") else {
        return Ok(());
    };
    let decode = |name: &str| -> Result<Option<String>, Answer> {
        match settings.get_bytes(name) {
            Some(value) => Ok(Some(
                String::from_utf8_lossy(&call.decode(value)?).into_owned(),
            )),
            None => Ok(None),
        }
    };
    let mut statements = Vec::new();
    if let Some(modes) = decode("sql_modes")? {
        statements.push(format!("SET SESSION SQL_MODE={modes}"));
    }
    if let Some(variables) = decode("sql_variables")? {
        statements.push(variables);
    }
    for statement in statements {
        if let Err(e) = db.execute(&statement, &[]) {
            return Err(call.seal_base64(&error_structure(&e, &statement)));
        }
    }
    Ok(())
}

/// Runs one statement and returns its serialized result.
/// `watch` sees every row with its layout (multiquery's placeholders read
/// values from it).
pub fn run_statement(
    db: &mut dyn Database,
    sql: &str,
    mode: FetchMode,
    watch: &mut dyn FnMut(&RowLayout, &[Value]),
) -> Result<(Vec<u8>, Outcome), DbError> {
    let mut rows = Vec::new();
    let mut layout: Option<Vec<(PhpKey, usize)>> = None;
    let mut index: i64 = 0;
    let outcome = db.run(sql, &[], &mut |columns, values| {
        let layout = layout.get_or_insert_with(|| row_layout(columns, mode));
        watch(layout, values);
        write!(rows, "i:{index};")?;
        index += 1;
        write_row(&mut Serializer::new(&mut rows), layout, values)
    })?;
    let mut out = Vec::with_capacity(rows.len() + 128);
    write_result(&mut out, sql, &outcome, &rows).map_err(DbError::Aborted)?;
    Ok((out, outcome))
}

fn write_result(out: &mut Vec<u8>, sql: &str, outcome: &Outcome, rows: &[u8]) -> io::Result<()> {
    let mut s = Serializer::new(&mut *out);
    s.array_start(4)?;
    s.key_str(b"res")?;
    if answers_true(sql) {
        s.bool(true)?;
    } else {
        s.array_start(outcome.rows as usize)?;
        s.raw_pairs(rows, outcome.rows as usize)?;
        s.array_end()?;
    }
    s.key_str(b"fetchedFields")?;
    s.array_start(0)?;
    s.array_end()?;
    s.key_str(b"insertId")?;
    s.bytes(outcome.insert_id.to_string().as_bytes())?;
    s.key_str(b"affectedRows")?;
    let affected = if outcome.columns.is_some() {
        outcome.rows
    } else {
        outcome.affected_rows
    };
    s.int(affected as i64)?;
    s.array_end()
}

fn answers_true(sql: &str) -> bool {
    let trimmed = sql
        .trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B'))
        .to_ascii_lowercase();
    NO_RESULT_PREFIXES.iter().any(|p| trimmed.starts_with(p))
}

/// The keys of a row, each with the column it takes its value from.
pub type RowLayout = [(PhpKey, usize)];

/// The keys of a row and the column each takes its value from, with PHP's
/// array semantics: a repeated key keeps its first position and its last
/// value; a decimal-integer column name becomes an integer key.
pub fn row_layout(columns: &[Column], mode: FetchMode) -> Vec<(PhpKey, usize)> {
    let mut layout: Vec<(PhpKey, usize)> = Vec::new();
    let mut put = |key: PhpKey, column: usize| match layout.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = column,
        None => layout.push((key, column)),
    };
    for (i, column) in columns.iter().enumerate() {
        if mode != FetchMode::Numeric {
            put(PhpKey::auto(column.name.as_bytes()), i);
        }
        if mode != FetchMode::Assoc {
            put(PhpKey::Int(i as i64), i);
        }
    }
    layout
}

fn write_row<W: Write>(
    s: &mut Serializer<W>,
    layout: &RowLayout,
    values: &[Value],
) -> io::Result<()> {
    s.array_start(layout.len())?;
    for (key, column) in layout {
        match key {
            PhpKey::Int(i) => s.key_int(*i)?,
            PhpKey::Bytes(name) => s.key_str(name)?,
        }
        write_value(s, &values[*column])?;
    }
    s.array_end()
}

/// PDO's typing on PHP ≥ 8.1: integers `i:`, floats `d:`, the rest `s:`.
pub fn write_value<W: Write>(s: &mut Serializer<W>, value: &Value) -> io::Result<()> {
    match value {
        Value::Null => s.null(),
        Value::Int(i) => s.int(*i),
        Value::UInt(u) => s.bytes(u.to_string().as_bytes()),
        Value::Float(f) => s.float(*f),
        Value::Text(bytes) => s.bytes(bytes),
    }
}

/// The incumbent's text for a database error: PDO's exception message
/// behind the link class's prefix.
pub fn error_message(error: &DbError) -> String {
    match error {
        DbError::Query {
            sqlstate,
            code,
            message,
        } => format!(
            "{ERROR_PREFIX}{sqlstate}, SQLSTATE[{sqlstate}]: {}: {code} {message}",
            sqlstate_description(sqlstate)
        ),
        DbError::Connect(_) => format!("{ERROR_PREFIX}Can not connect to DB"),
        DbError::Aborted(e) => format!("{ERROR_PREFIX}HY000, {e}"),
    }
}

/// The SQLSTATE class texts PDO prints (standard SQLSTATE names).
fn sqlstate_description(state: &str) -> &'static str {
    match state {
        "01000" => "Warning",
        "01004" => "String data, right truncated",
        "07001" => "Wrong number of parameters",
        "08001" => "Client unable to establish connection",
        "08004" => "Server rejected the connection",
        "08S01" => "Communication link failure",
        "0A000" => "Feature not supported",
        "21000" => "Cardinality violation",
        "21S01" => "Insert value list does not match column list",
        "22001" => "String data, right truncated",
        "22003" => "Numeric value out of range",
        "22004" => "Null value not allowed",
        "22007" => "Invalid datetime format",
        "22008" => "Datetime field overflow",
        "22012" => "Division by zero",
        "22018" => "Invalid character value for cast specification",
        "22025" => "Invalid escape sequence",
        "23000" => "Integrity constraint violation",
        "24000" => "Invalid cursor state",
        "25000" => "Invalid transaction state",
        "28000" => "Invalid authorization specification",
        "3D000" => "Invalid catalog name",
        "3F000" => "Invalid schema name",
        "40001" => "Serialization failure",
        "42000" => "Syntax error or access violation",
        "42S01" => "Base table or view already exists",
        "42S02" => "Base table or view not found",
        "42S11" => "Index already exists",
        "42S12" => "Index not found",
        "42S21" => "Column already exists",
        "42S22" => "Column not found",
        "44000" => "WITH CHECK OPTION violation",
        "HY000" => "General error",
        "HY001" => "Memory allocation error",
        "HY004" => "Invalid SQL data type",
        "HY008" => "Operation canceled",
        "HY010" => "Function sequence error",
        "HYT00" => "Timeout expired",
        "IM001" => "Driver does not support this function",
        _ => "<<Unknown error>>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdo_res_true_prefixes() {
        assert!(answers_true("  INSERT INTO t VALUES (1)"));
        assert!(answers_true("\nset names utf8"));
        assert!(!answers_true("SELECT 1"));
        assert!(!answers_true("ALTER TABLE t ADD x INT"));
        assert!(!answers_true("show tables"));
    }

    #[test]
    fn error_text_matches_pdo() {
        let e = DbError::Query {
            sqlstate: "42S02".into(),
            code: 1146,
            message: "Table 'oc3.cb_nope' doesn't exist".into(),
        };
        assert_eq!(
            error_message(&e),
            "[ERROR] Mysql Query Error: 42S02, SQLSTATE[42S02]: Base table or view not found: 1146 Table 'oc3.cb_nope' doesn't exist"
        );
    }
}
