//! One database interface over MySQL/MariaDB and SQLite: run a statement,
//! stream its rows to a callback, report what it changed.
//!
//! Everything above this module speaks `Value` and `Column`; nothing above it
//! knows which backend answered. Rows are handed out one at a time and never
//! collected here, so an export of any size costs the same memory.

mod mysql;
pub mod pool;
mod sqlite;

use std::fmt;
use std::path::PathBuf;

pub use self::mysql::MysqlTarget;

/// A value as it came out of (or goes into) the database.
///
/// `Text` carries bytes: DECIMAL, strings, dates and binary columns all
/// arrive as the server's text, which is what both protocols must pass on
/// unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    /// Unsigned integers above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Text(Vec<u8>),
}

impl Value {
    /// A text value from a string.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into().into_bytes())
    }

    /// The value as text the way PHP would print it; `None` for NULL.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(i.to_string()),
            Value::UInt(u) => Some(u.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Text(b) => Some(String::from_utf8_lossy(b).into_owned()),
        }
    }

    /// The value as an integer, when it is one or is text holding one.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => i64::try_from(*u).ok(),
            Value::Float(f) => Some(*f as i64),
            Value::Text(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
            Value::Null => None,
        }
    }
}

/// How a column's values are typed, as PHP's PDO would type them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Float,
    Decimal,
    Temporal,
    Text,
    Binary,
    Other,
}

/// One column of a result set.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    /// The server's type name (`LONG`, `NEWDECIMAL`, `VAR_STRING`, ...).
    pub native_type: &'static str,
    pub length: u64,
    pub decimals: u8,
}

/// What a statement did, once its rows (if any) have been streamed.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The columns of its result set; `None` for statements without one.
    pub columns: Option<Vec<Column>>,
    /// Rows streamed.
    pub rows: u64,
    /// Rows changed by an INSERT/UPDATE/DELETE.
    pub affected_rows: u64,
    /// The id the statement generated, 0 when none.
    pub insert_id: u64,
}

/// Why a database call failed.
#[derive(Debug)]
pub enum DbError {
    /// The server could not be reached or refused the login.
    Connect(String),
    /// The server refused the statement.
    Query {
        sqlstate: String,
        code: i64,
        message: String,
    },
    /// The row callback failed (e.g. the client went away).
    Aborted(std::io::Error),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Connect(m) => write!(f, "cannot connect to the database: {m}"),
            DbError::Query {
                sqlstate,
                code,
                message,
            } => write!(f, "SQL error {code} ({sqlstate}): {message}"),
            DbError::Aborted(e) => write!(f, "answer aborted: {e}"),
        }
    }
}

impl std::error::Error for DbError {}

/// Receives the rows of a result set, one at a time.
pub type RowCallback<'a> = dyn FnMut(&[Column], &[Value]) -> std::io::Result<()> + 'a;

/// The SQL flavour of a connection, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Mysql,
    Sqlite,
}

/// A live connection to the shop's database.
pub trait Database {
    /// Runs one statement (MySQL: possibly several separated by `;`, of
    /// which the first result set is streamed, as PHP's PDO does) with `?`
    /// placeholders bound to `params`, streaming rows to `on_row`.
    fn run(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError>;

    /// Runs exactly one statement: MySQL prepares it (a prepared statement
    /// cannot hold a second one); SQLite's `prepare` refuses a second one
    /// anyway.
    fn run_one(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError> {
        self.run(sql, params, on_row)
    }

    /// Which SQL flavour this is.
    fn dialect(&self) -> Dialect;

    /// Switches the connection's character set (`SET NAMES`); a no-op on
    /// SQLite, which is always UTF-8.
    fn set_charset(&mut self, charset: &str) -> Result<(), DbError>;

    /// Runs a statement whose rows are not wanted.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<Outcome, DbError> {
        self.run(sql, params, &mut |_, _| Ok(()))
    }

    /// Starts a transaction. A `read_only` one is enforced by the
    /// database itself (MySQL `START TRANSACTION READ ONLY`, SQLite
    /// `PRAGMA query_only`), not by inspecting the SQL.
    fn begin(&mut self, read_only: bool) -> Result<(), DbError>;

    /// Commits the transaction `begin` started.
    fn commit(&mut self) -> Result<(), DbError>;

    /// Rolls the transaction back and says whether everything was undone:
    /// MySQL cannot undo changes to non-transactional tables (MyISAM,
    /// which OpenCart 3 creates), and reports it with warning 1196.
    fn rollback(&mut self) -> Result<Rollback, DbError>;

    /// Runs a query and returns its first row, if any.
    fn first_row(&mut self, sql: &str, params: &[Value]) -> Result<Option<Vec<Value>>, DbError> {
        let mut first = None;
        self.run(sql, params, &mut |_, row| {
            if first.is_none() {
                first = Some(row.to_vec());
            }
            Ok(())
        })?;
        Ok(first)
    }
}

/// What a rollback achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollback {
    /// Every change of the transaction is gone.
    Complete,
    /// Some tables kept their changes (they are not transactional): the
    /// caller must undo them itself.
    Partial,
}

/// Where the shop's data lives.
#[derive(Debug, Clone)]
pub enum Target {
    Mysql(MysqlTarget),
    Sqlite(PathBuf),
}

impl Target {
    /// The database name, as `getconfig` reports it.
    pub fn database_name(&self) -> String {
        match self {
            Target::Mysql(m) => m.database.clone(),
            Target::Sqlite(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// Opens a connection to the target (under FastCGI, takes a warm one:
/// see `pool`).
pub fn connect(target: &Target) -> Result<Box<dyn Database>, DbError> {
    match target {
        Target::Mysql(m) if pool::enabled() => Ok(Box::new(pool::take(m)?)),
        Target::Mysql(m) => Ok(Box::new(self::mysql::MysqlDb::connect(m)?)),
        Target::Sqlite(path) => Ok(Box::new(self::sqlite::SqliteDb::open(path)?)),
    }
}

/// Opens (creating it when missing) a SQLite file for the bridge's own
/// state; see `sqlite::SqliteDb::open_state`.
pub fn open_state_sqlite(path: &std::path::Path) -> Result<Box<dyn Database>, DbError> {
    Ok(Box::new(self::sqlite::SqliteDb::open_state(path)?))
}

/// A value for a named parameter: one value, or a list that expands to
/// `?, ?, ...` (for `IN (:ids)`; an empty list binds one NULL, which
/// matches nothing).
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    One(Value),
    List(Vec<Value>),
}

/// Replaces `:name` parameters with `?` and returns the values in order,
/// skipping quoted strings and comments so a `:` inside them is left alone.
/// Names that `lookup` does not know are bound to NULL.
pub fn bind_named(sql: &str, lookup: &dyn Fn(&str) -> Value) -> (String, Vec<Value>) {
    bind_named_lists(sql, &|name| Bound::One(lookup(name)))
}

/// [`bind_named`] where a parameter may also be a list.
pub fn bind_named_lists(sql: &str, lookup: &dyn Fn(&str) -> Bound) -> (String, Vec<Value>) {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut values = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' => {
                let end = skip_quoted(bytes, i);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(sql.len(), |n| i + n);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = sql[i + 2..].find("*/").map_or(sql.len(), |n| i + n + 4);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b':' if bytes.get(i + 1) == Some(&b':') => {
                out.push_str("::");
                i += 2;
            }
            b':' if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                match lookup(&sql[start..end]) {
                    Bound::One(value) => {
                        values.push(value);
                        out.push('?');
                    }
                    Bound::List(list) if list.is_empty() => {
                        values.push(Value::Null);
                        out.push('?');
                    }
                    Bound::List(list) => {
                        out.push_str(&vec!["?"; list.len()].join(", "));
                        values.extend(list);
                    }
                }
                i = end;
            }
            _ => {
                let ch = sql[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    (out, values)
}

fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && quote != b'`' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parameters_become_positional() {
        let (sql, values) = bind_named(
            "SELECT ':x' AS a -- :no\nFROM t /* :no */ WHERE (:status IS NULL OR s = :status) AND id > :id",
            &|name| match name {
                "status" => Value::Int(1),
                "id" => Value::text("7"),
                _ => Value::Null,
            },
        );
        assert_eq!(
            sql,
            "SELECT ':x' AS a -- :no\nFROM t /* :no */ WHERE (? IS NULL OR s = ?) AND id > ?"
        );
        assert_eq!(values, vec![Value::Int(1), Value::Int(1), Value::text("7")]);
    }

    #[test]
    fn list_parameters_expand() {
        let lookup = |list: Vec<Value>| {
            move |name: &str| match name {
                "ids" => Bound::List(list.clone()),
                _ => Bound::One(Value::Int(9)),
            }
        };
        let (sql, values) = bind_named_lists(
            "id IN (:ids) AND x = :x",
            &lookup(vec![Value::Int(1), Value::Int(2)]),
        );
        assert_eq!(sql, "id IN (?, ?) AND x = ?");
        assert_eq!(values, vec![Value::Int(1), Value::Int(2), Value::Int(9)]);
        let (sql, values) = bind_named_lists("id IN (:ids)", &lookup(Vec::new()));
        assert_eq!((sql.as_str(), values), ("id IN (?)", vec![Value::Null]));
    }
}
