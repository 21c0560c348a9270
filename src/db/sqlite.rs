//! SQLite through `rusqlite` (bundled): the embedded store of the demo and
//! of the tests, behind the same interface as MySQL.

use std::path::Path;

use rusqlite::types::ValueRef;

use super::{
    Column, ColumnKind, Database, DbError, Dialect, Outcome, Rollback, RowCallback, Value,
};

pub struct SqliteDb {
    conn: rusqlite::Connection,
    /// Whether the open transaction set `PRAGMA query_only`.
    read_only: bool,
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
        Ok(SqliteDb {
            conn,
            read_only: false,
        })
    }
}

impl SqliteDb {
    fn end_read_only(&mut self) -> Result<(), DbError> {
        if std::mem::take(&mut self.read_only) {
            self.conn
                .execute_batch("PRAGMA query_only = OFF")
                .map_err(sqlite_error)?;
        }
        Ok(())
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
        // Each CGI process is the last connection when it closes, and the
        // last connection checkpoints the WAL and deletes it, so the next
        // process recreates it: four fsyncs per call, most of a CGI call's
        // time. Closing without a checkpoint keeps the WAL for the next
        // process; SQLite's automatic checkpoint still bounds it, amortised
        // over many calls.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(sqlite_error)?;
        // Each CGI process is also the first connection, and the first
        // connection rebuilds the WAL's index by reading the whole WAL: at
        // the default 1000-page checkpoint that is up to 4 MB read per call
        // (936 `pread`s in the profile of BENCHMARKS.md). A checkpoint every
        // 128 pages (about 25 calls) keeps that read small for less than
        // its cost (CGI medians 2.9 -> 2.6 ms `checkbridge`, 9.3 -> 8.5 ms
        // for 250 legacy rows; 64 pages checkpointed too often).
        conn.execute_batch("PRAGMA wal_autocheckpoint = 128")
            .map_err(sqlite_error)?;
        Ok(SqliteDb {
            conn,
            read_only: false,
        })
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

/// The scale of a declared `DECIMAL(p,s)`, as MySQL would print it.
fn decimal_scale(declared: Option<&str>) -> Option<usize> {
    let declared = declared?;
    let (_, args) = declared.split_once('(')?;
    let (_, scale) = args.split_once(',')?;
    scale.trim_end_matches(')').trim().parse().ok()
}

fn from_sqlite(value: ValueRef<'_>, column: &Column) -> Value {
    let decimal = column.kind == ColumnKind::Decimal;
    match value {
        ValueRef::Null => Value::Null,
        // DECIMAL columns keep their text form on MySQL (`101.0000`);
        // SQLite stores them as INTEGER or REAL, so print them back with
        // the declared scale, or as the shortest text when there is none.
        ValueRef::Integer(i) if decimal => Value::Text(decimal_text(i as f64, column).into_bytes()),
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) if decimal => Value::Text(decimal_text(f, column).into_bytes()),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(t.to_vec()),
    }
}

fn decimal_text(value: f64, column: &Column) -> String {
    match column.decimals {
        0 if column.length == 0 => value.to_string(),
        scale => format!("{value:.*}", usize::from(scale)),
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
            .map(|c| {
                let scale = decimal_scale(c.decl_type());
                Column {
                    name: c.name().to_string(),
                    kind: kind_of(c.decl_type()),
                    native_type: "TEXT",
                    // A declared scale is kept even when it is 0.
                    length: u64::from(scale.is_some()),
                    decimals: scale.map_or(0, |s| s.min(30) as u8),
                }
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
                values.push(from_sqlite(value, column));
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

    fn begin(&mut self, read_only: bool) -> Result<(), DbError> {
        if read_only {
            self.conn
                .execute_batch("PRAGMA query_only = ON; BEGIN")
                .map_err(sqlite_error)?;
            self.read_only = true;
            return Ok(());
        }
        // IMMEDIATE takes the write lock now, so two writers wait for each
        // other (busy_timeout) instead of one failing at its first write.
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(sqlite_error)
    }

    fn commit(&mut self) -> Result<(), DbError> {
        let result = self.conn.execute_batch("COMMIT").map_err(sqlite_error);
        self.end_read_only()?;
        result
    }

    fn rollback(&mut self) -> Result<Rollback, DbError> {
        // A failed statement may already have ended the transaction.
        let result = if self.conn.is_autocommit() {
            Ok(())
        } else {
            self.conn.execute_batch("ROLLBACK").map_err(sqlite_error)
        };
        self.end_read_only()?;
        result.map(|()| Rollback::Complete)
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
            vec![Value::Int(1), Value::text("19.9900"), Value::text("a")]
        );
        assert_eq!(seen[1][2], Value::Null);
        let outcome = db.execute("UPDATE t SET name = 'b'", &[]).unwrap();
        assert_eq!(outcome.affected_rows, 2);
        assert!(outcome.columns.is_none());
    }

    #[test]
    fn decimals_keep_their_declared_scale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE t (a DECIMAL(15,4), b NUMERIC, c decimal(15,8));
                 INSERT INTO t VALUES ('101.0000', 2.5, 1);",
            )
            .unwrap();
        let mut db = SqliteDb::open(&path).unwrap();
        let row = db.first_row("SELECT a, b, c FROM t", &[]).unwrap().unwrap();
        assert_eq!(
            row,
            vec![
                Value::text("101.0000"),
                Value::text("2.5"),
                Value::text("1.00000000")
            ]
        );
    }

    #[test]
    fn transactions_roll_back_and_read_only_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
        let mut db = SqliteDb::open(&path).unwrap();
        db.begin(false).unwrap();
        db.execute("UPDATE t SET v = 2", &[]).unwrap();
        assert_eq!(db.rollback().unwrap(), Rollback::Complete);
        let value = |db: &mut SqliteDb| db.first_row("SELECT v FROM t", &[]).unwrap().unwrap();
        assert_eq!(value(&mut db), vec![Value::Int(1)]);
        db.begin(true).unwrap();
        assert!(db.execute("UPDATE t SET v = 3", &[]).is_err());
        db.rollback().unwrap();
        // query_only ends with the transaction.
        db.execute("UPDATE t SET v = 4", &[]).unwrap();
        assert_eq!(value(&mut db), vec![Value::Int(4)]);
    }
}
