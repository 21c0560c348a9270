//! SQLite through `rusqlite` (bundled): the embedded store of the demo and
//! of the tests, behind the same interface as MySQL.

use std::path::Path;

use rusqlite::types::ValueRef;

use super::{Column, ColumnKind, Database, DbError, Dialect, Outcome, RowCallback, Value};

pub struct SqliteDb {
    conn: rusqlite::Connection,
}

impl SqliteDb {
    pub fn open(path: &Path) -> Result<SqliteDb, DbError> {
        if !path.exists() {
            return Err(DbError::Connect(format!(
                "the SQLite database {} does not exist",
                path.display()
            )));
        }
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| DbError::Connect(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sqlite_error)?;
        Ok(SqliteDb { conn })
    }
}

impl SqliteDb {
    /// Opens the bridge's own state file, creating it with mode 0600 when
    /// missing: WAL, so readers never wait for the one writer; `NORMAL`
    /// sync, which WAL keeps crash-safe; and a busy timeout long enough for
    /// a burst of CGI processes to take their turns.
    pub fn open_state(path: &Path) -> Result<SqliteDb, DbError> {
        use std::os::unix::fs::OpenOptionsExt;
        let connect =
            |e: &dyn std::fmt::Display| DbError::Connect(format!("{}: {e}", path.display()));
        // SQLite gives its -wal and -shm files the database file's mode.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| connect(&e))?;
        let conn = rusqlite::Connection::open(path).map_err(|e| connect(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sqlite_error)?;
        // The journal mode is stored in the file: set it once. When another
        // process is converting it right now, the rollback journal this
        // connection keeps is slower but as safe.
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap_or_default();
        if !mode.eq_ignore_ascii_case("wal") {
            let _ = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0));
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL")
            .map_err(sqlite_error)?;
        Ok(SqliteDb { conn })
    }
}

fn sqlite_error(error: rusqlite::Error) -> DbError {
    let code = match &error {
        rusqlite::Error::SqliteFailure(e, _) => i64::from(e.extended_code),
        _ => 1,
    };
    DbError::Query {
        sqlstate: "HY000".into(),
        code,
        message: error.to_string(),
    }
}

fn kind_of(declared: Option<&str>) -> ColumnKind {
    let declared = declared.unwrap_or("").to_ascii_lowercase();
    if declared.contains("int") {
        ColumnKind::Integer
    } else if declared.contains("decimal") || declared.contains("numeric") {
        ColumnKind::Decimal
    } else if declared.contains("real") || declared.contains("floa") || declared.contains("doub") {
        ColumnKind::Float
    } else if declared.contains("date") || declared.contains("time") {
        ColumnKind::Temporal
    } else if declared.contains("blob") || declared.contains("binary") {
        ColumnKind::Binary
    } else if declared.is_empty() {
        ColumnKind::Other
    } else {
        ColumnKind::Text
    }
}

fn from_sqlite(value: ValueRef<'_>, kind: ColumnKind) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // DECIMAL columns keep their text form on MySQL; SQLite stores
        // them as REAL, so print them back as the shortest decimal text.
        ValueRef::Real(f) if kind == ColumnKind::Decimal => Value::Text(f.to_string().into_bytes()),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(t.to_vec()),
    }
}

impl Database for SqliteDb {
    fn run(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError> {
        let mut stmt = self.conn.prepare(sql).map_err(sqlite_error)?;
        let columns: Vec<Column> = stmt
            .columns()
            .map(|c| Column {
                name: c.name().to_string(),
                table: String::new(),
                kind: kind_of(c.decl_type()),
                native_type: "TEXT",
                length: 0,
                decimals: 0,
                not_null: false,
                primary_key: false,
            })
            .collect();
        for (index, value) in params.iter().enumerate() {
            let bound = index + 1;
            let result = match value {
                Value::Null => stmt.raw_bind_parameter(bound, rusqlite::types::Null),
                Value::Int(i) => stmt.raw_bind_parameter(bound, i),
                Value::UInt(u) => stmt.raw_bind_parameter(bound, *u as i64),
                Value::Float(f) => stmt.raw_bind_parameter(bound, f),
                Value::Text(b) => match std::str::from_utf8(b) {
                    Ok(s) => stmt.raw_bind_parameter(bound, s),
                    Err(_) => stmt.raw_bind_parameter(bound, b.as_slice()),
                },
            };
            result.map_err(sqlite_error)?;
        }
        let mut outcome = Outcome::default();
        let mut rows = stmt.raw_query();
        let mut values = Vec::with_capacity(columns.len());
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            values.clear();
            for (index, column) in columns.iter().enumerate() {
                let value = row.get_ref(index).map_err(sqlite_error)?;
                values.push(from_sqlite(value, column.kind));
            }
            on_row(&columns, &values).map_err(DbError::Aborted)?;
            outcome.rows += 1;
        }
        drop(rows);
        drop(stmt);
        if columns.is_empty() {
            outcome.affected_rows = self.conn.changes();
            outcome.insert_id = u64::try_from(self.conn.last_insert_rowid()).unwrap_or(0);
        } else {
            outcome.affected_rows = outcome.rows;
            outcome.columns = Some(columns);
        }
        Ok(outcome)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn set_charset(&mut self, _charset: &str) -> Result<(), DbError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_rows_and_reports_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, price DECIMAL(15,4), name VARCHAR(9));
                 INSERT INTO t (price, name) VALUES (19.99, 'a'), (5, NULL);",
            )
            .unwrap();
        let mut db = SqliteDb::open(&path).unwrap();
        let mut seen = Vec::new();
        let outcome = db
            .run(
                "SELECT id, price, name FROM t WHERE id >= ?",
                &[Value::Int(1)],
                &mut |_, row| {
                    seen.push(row.to_vec());
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(outcome.rows, 2);
        assert_eq!(
            seen[0],
            vec![Value::Int(1), Value::text("19.99"), Value::text("a")]
        );
        assert_eq!(seen[1][2], Value::Null);
        let outcome = db.execute("UPDATE t SET name = 'b'", &[]).unwrap();
        assert_eq!(outcome.affected_rows, 2);
        assert!(outcome.columns.is_none());
    }
}
