//! The bridge's shared state: nonces, rate counters, lock-outs, key usage
//! and the call history, in tables every process serving the store sees.
//!
//! By default a SQLite file beside the private config (`.cartbridge/
//! state.sqlite`, mode 0600) in WAL mode with a busy timeout, because many
//! CGI processes write at once. With `state = "mysql"` the same tables live
//! in the shop's own database, named with the shop's prefix and
//! `cartbridge_` (`oc_cartbridge_history`), created when missing, so that
//! several web servers behind one balancer share them. One portable schema
//! serves both: the few differences (upsert spelling, row locks, text
//! collation) are chosen by the connection's dialect.
//!
//! With `mysql`, the shop's settings are read before a call is
//! authenticated (to check lock-outs and rates): the price of sharing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::access::history::{Outcome, Record, Verifier, GENESIS};
use crate::access::limits::{gcra, Lockout, Rate, Strikes};
use crate::auth::native::NonceStore;
use crate::db::{self, Database, DbError, Dialect, Target, Value};
use crate::store::Bridge;

/// The SQLite file in the private folder.
pub const STATE_FILE: &str = "state.sqlite";

/// Where the state lives.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StateKind {
    #[default]
    Sqlite,
    Mysql,
}

/// The schema, portable between SQLite and MariaDB/MySQL. `{p}` is the
/// table prefix; `{bin}` makes MySQL compare text byte for byte (nonces and
/// key names are case-sensitive), which SQLite does anyway.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS {p}cartbridge_nonce (key_id VARCHAR(64){bin} NOT NULL, nonce VARCHAR(64){bin} NOT NULL, seen_at BIGINT NOT NULL, PRIMARY KEY (key_id, nonce))",
    "CREATE INDEX IF NOT EXISTS {p}cartbridge_nonce_seen ON {p}cartbridge_nonce (seen_at)",
    "CREATE TABLE IF NOT EXISTS {p}cartbridge_rate (bucket VARCHAR(128){bin} NOT NULL PRIMARY KEY, tat_ms BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}cartbridge_lockout (peer VARCHAR(64){bin} NOT NULL PRIMARY KEY, failures INT NOT NULL, window_start BIGINT NOT NULL, locked_until BIGINT NOT NULL, strikes INT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}cartbridge_key_usage (key_name VARCHAR(64){bin} NOT NULL PRIMARY KEY, last_used BIGINT NOT NULL, last_peer VARCHAR(64){bin} NOT NULL, calls BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}cartbridge_history (id BIGINT NOT NULL PRIMARY KEY, at_ms BIGINT NOT NULL, key_name VARCHAR(64){bin} NOT NULL, peer VARCHAR(64){bin} NOT NULL, protocol VARCHAR(8){bin} NOT NULL, action VARCHAR(64){bin} NOT NULL, outcome VARCHAR(32){bin} NOT NULL, status INT NOT NULL, bytes BIGINT NOT NULL, duration_ms BIGINT NOT NULL, size INT NOT NULL, prev_hash CHAR(64){bin} NOT NULL, hash CHAR(64){bin} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {p}cartbridge_history_at ON {p}cartbridge_history (at_ms)",
    "CREATE TABLE IF NOT EXISTS {p}cartbridge_history_head (id INT NOT NULL PRIMARY KEY, head_id BIGINT NOT NULL, head_hash CHAR(64){bin} NOT NULL, anchor_id BIGINT NOT NULL, anchor_hash CHAR(64){bin} NOT NULL, total_bytes BIGINT NOT NULL)",
];

/// The chain's ends and size, from the head row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub head_id: u64,
    pub head_hash: String,
    /// The last record rotated away (0 and GENESIS when none was).
    pub anchor_id: u64,
    pub anchor_hash: String,
    pub total_bytes: u64,
}

/// Which records `log` shows.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub key: Option<String>,
    /// An outcome's name, or `refused` for every refusal.
    pub outcome: Option<String>,
    pub since_ms: Option<u64>,
    pub until_ms: Option<u64>,
    /// Only the last N matching records.
    pub last: Option<u64>,
}

/// How one key has been used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    pub key: String,
    pub last_used: u64,
    pub last_peer: String,
    pub calls: u64,
}

/// An open state store.
pub struct State {
    db: Box<dyn Database>,
    prefix: String,
    /// Where it is, for messages.
    pub location: String,
}

impl State {
    /// Opens the bridge's state, creating the SQLite file or the tables
    /// when they are missing.
    pub fn open(bridge: &Bridge) -> Result<State, String> {
        let mut state = match bridge.config.state.unwrap_or_default() {
            StateKind::Sqlite => State::open_sqlite(&bridge.private_dir())?,
            StateKind::Mysql => State::open_mysql(bridge)?,
        };
        state.ensure_schema()?;
        Ok(state)
    }

    fn open_sqlite(private_dir: &Path) -> Result<State, String> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(private_dir)
            .map_err(|e| format!("cannot create {}: {e}", private_dir.display()))?;
        let path: PathBuf = private_dir.join(STATE_FILE);
        let db = db::open_state_sqlite(&path).map_err(|e| e.to_string())?;
        Ok(State {
            db,
            prefix: String::new(),
            location: path.display().to_string(),
        })
    }

    fn open_mysql(bridge: &Bridge) -> Result<State, String> {
        let shop = bridge
            .shop(&bridge.store_root(), None)
            .map_err(|e| format!("state = \"mysql\" needs the shop's database settings: {e}"))?;
        let Target::Mysql(target) = &shop.target else {
            return Err("state = \"mysql\" keeps the state in the shop's MySQL database, but this shop's database is SQLite: remove the setting".into());
        };
        if !shop
            .prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(format!(
                "the shop's table prefix '{}' is not usable in table names",
                shop.prefix
            ));
        }
        let db = db::connect(&shop.target).map_err(|e| e.to_string())?;
        Ok(State {
            db,
            location: format!(
                "MySQL database '{}', tables {}cartbridge_*",
                target.database, shop.prefix
            ),
            prefix: shop.prefix,
        })
    }

    fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// A statement with the table prefix and dialect filled in.
    fn sql(&self, template: &str) -> String {
        let mysql = self.dialect() == Dialect::Mysql;
        template
            .replace("{p}", &self.prefix)
            .replace(
                "{bin}",
                if mysql {
                    " CHARACTER SET ascii COLLATE ascii_bin"
                } else {
                    ""
                },
            )
            .replace(
                "{insert_ignore}",
                if mysql {
                    "INSERT IGNORE"
                } else {
                    "INSERT OR IGNORE"
                },
            )
            .replace("{for_update}", if mysql { " FOR UPDATE" } else { "" })
    }

    fn exec(&mut self, template: &str, params: &[Value]) -> Result<u64, DbError> {
        let sql = self.sql(template);
        Ok(self.db.execute(&sql, params)?.affected_rows)
    }

    fn rows(&mut self, template: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        let sql = self.sql(template);
        let mut rows = Vec::new();
        self.db.run(&sql, params, &mut |_, row| {
            rows.push(row.to_vec());
            Ok(())
        })?;
        Ok(rows)
    }

    fn ensure_schema(&mut self) -> Result<(), String> {
        if self.head().is_ok() {
            return Ok(());
        }
        let describe = |e: DbError| format!("cannot create the state tables: {e}");
        for statement in SCHEMA {
            self.exec(statement, &[]).map_err(describe)?;
        }
        self.exec(
            "{insert_ignore} INTO {p}cartbridge_history_head VALUES (1, 0, ?, 0, ?, 0)",
            &[Value::text(GENESIS), Value::text(GENESIS)],
        )
        .map_err(describe)?;
        self.head().map(|_| ())
    }

    /// Runs `work` in one write transaction: SQLite takes the write lock at
    /// once (`BEGIN IMMEDIATE`), MySQL locks the rows it touches. InnoDB
    /// may still pick a transaction as a deadlock victim; it is retried, as
    /// the server's message asks.
    fn transaction<T>(
        &mut self,
        mut work: impl FnMut(&mut State) -> Result<T, DbError>,
    ) -> Result<T, String> {
        let begin = match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Mysql => "START TRANSACTION",
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.db.execute(begin, &[]).map_err(|e| e.to_string())?;
            let done = work(self).and_then(|value| self.db.execute("COMMIT", &[]).map(|_| value));
            match done {
                Ok(value) => return Ok(value),
                Err(e) => {
                    let _ = self.db.execute("ROLLBACK", &[]);
                    let victim = matches!(
                        &e,
                        DbError::Query {
                            code: 1213 | 1205,
                            ..
                        }
                    );
                    if !victim || attempt == 10 {
                        return Err(e.to_string());
                    }
                    std::thread::sleep(std::time::Duration::from_millis(attempt * 3));
                }
            }
        }
    }

    /// Inserts a row unless its key exists, and within a MySQL transaction
    /// takes the row's exclusive lock: `INSERT IGNORE` takes a shared one,
    /// and two transactions upgrading shared locks deadlock each other.
    fn ensure_row(
        &mut self,
        table: &str,
        key_column: &str,
        values: &[Value],
    ) -> Result<(), DbError> {
        let placeholders = vec!["?"; values.len()].join(", ");
        let template = match self.dialect() {
            Dialect::Sqlite => format!("INSERT OR IGNORE INTO {{p}}{table} VALUES ({placeholders})"),
            Dialect::Mysql => format!(
                "INSERT INTO {{p}}{table} VALUES ({placeholders}) ON DUPLICATE KEY UPDATE {key_column} = {key_column}"
            ),
        };
        self.exec(&template, values).map(drop)
    }

    // -- rate limits ---------------------------------------------------

    /// Takes one call from `bucket`'s allowance; `Err(seconds)` says how
    /// long until the next call would be allowed.
    pub fn take(
        &mut self,
        bucket: &str,
        rate: Rate,
        now_ms: u64,
    ) -> Result<Result<(), u64>, String> {
        let Rate::Every { count, period_ms } = rate else {
            return Ok(Ok(()));
        };
        let bucket = Value::text(bucket);
        self.transaction(|s| {
            s.ensure_row(
                "cartbridge_rate",
                "bucket",
                &[bucket.clone(), Value::Int(0)],
            )?;
            let rows = s.rows(
                "SELECT tat_ms FROM {p}cartbridge_rate WHERE bucket = ?{for_update}",
                std::slice::from_ref(&bucket),
            )?;
            let tat = rows.first().map_or(0, |r| int(&r[0]));
            match gcra(tat, now_ms, count, period_ms) {
                Ok(tat) => {
                    s.exec(
                        "UPDATE {p}cartbridge_rate SET tat_ms = ? WHERE bucket = ?",
                        &[Value::Int(tat as i64), bucket.clone()],
                    )?;
                    Ok(Ok(()))
                }
                Err(wait_ms) => Ok(Err(wait_ms.div_ceil(1000).max(1))),
            }
        })
    }

    // -- lock-outs -------------------------------------------------------

    /// An address's failure record.
    pub fn strikes(&mut self, peer: &str) -> Result<Strikes, String> {
        let rows = self
            .rows(
                "SELECT failures, window_start, locked_until, strikes FROM {p}cartbridge_lockout WHERE peer = ?",
                &[Value::text(peer)],
            )
            .map_err(|e| e.to_string())?;
        Ok(rows.first().map(|r| strikes_of(r)).unwrap_or_default())
    }

    /// Counts one signature failure from `peer`; returns the new record.
    pub fn fail(&mut self, peer: &str, now: u64, rule: Lockout) -> Result<Strikes, String> {
        let peer = Value::text(peer);
        self.transaction(|s| {
            let zero = Value::Int(0);
            s.ensure_row(
                "cartbridge_lockout",
                "peer",
                &[peer.clone(), zero.clone(), zero.clone(), zero.clone(), zero],
            )?;
            let rows = s.rows(
                "SELECT failures, window_start, locked_until, strikes FROM {p}cartbridge_lockout WHERE peer = ?{for_update}",
                std::slice::from_ref(&peer),
            )?;
            let next = rule.fail(rows.first().map(|r| strikes_of(r)).unwrap_or_default(), now);
            s.exec(
                "UPDATE {p}cartbridge_lockout SET failures = ?, window_start = ?, locked_until = ?, strikes = ? WHERE peer = ?",
                &[
                    Value::Int(i64::from(next.failures)),
                    Value::Int(next.window_start as i64),
                    Value::Int(next.locked_until as i64),
                    Value::Int(i64::from(next.strikes)),
                    peer.clone(),
                ],
            )?;
            Ok(next)
        })
    }

    /// Forgets an address's failures after it signed correctly (its
    /// lock-out count stays, so the back-off still grows).
    pub fn forgive(&mut self, peer: &str) -> Result<(), String> {
        self.exec(
            "UPDATE {p}cartbridge_lockout SET failures = 0 WHERE peer = ? AND failures > 0",
            &[Value::text(peer)],
        )
        .map(drop)
        .map_err(|e| e.to_string())
    }

    // -- key usage -------------------------------------------------------

    /// Notes that `key` was used from `peer` at `now`.
    pub fn touch_key(&mut self, key: &str, peer: &str, now: u64) -> Result<(), String> {
        let key = Value::text(key);
        (|| {
            self.exec(
                "{insert_ignore} INTO {p}cartbridge_key_usage VALUES (?, 0, '', 0)",
                std::slice::from_ref(&key),
            )?;
            self.exec(
                "UPDATE {p}cartbridge_key_usage SET last_used = ?, last_peer = ?, calls = calls + 1 WHERE key_name = ?",
                &[Value::Int(now as i64), Value::text(peer), key.clone()],
            )
        })()
        .map(drop)
        .map_err(|e| e.to_string())
    }

    pub fn key_usage(&mut self) -> Result<Vec<KeyUsage>, String> {
        let rows = self
            .rows(
                "SELECT key_name, last_used, last_peer, calls FROM {p}cartbridge_key_usage",
                &[],
            )
            .map_err(|e| e.to_string())?;
        Ok(rows
            .iter()
            .map(|r| KeyUsage {
                key: text(&r[0]),
                last_used: int(&r[1]),
                last_peer: text(&r[2]),
                calls: int(&r[3]),
            })
            .collect())
    }

    // -- history ---------------------------------------------------------

    pub fn head(&mut self) -> Result<Head, String> {
        let rows = self
            .rows(
                "SELECT head_id, head_hash, anchor_id, anchor_hash, total_bytes FROM {p}cartbridge_history_head WHERE id = 1",
                &[],
            )
            .map_err(|e| e.to_string())?;
        let r = rows.first().ok_or("the history's head row is missing")?;
        Ok(Head {
            head_id: int(&r[0]),
            head_hash: text(&r[1]),
            anchor_id: int(&r[2]),
            anchor_hash: text(&r[3]),
            total_bytes: int(&r[4]),
        })
    }

    /// Appends a record to the chain (its id is assigned here), then drops
    /// the oldest records when the history is over `max_bytes`.
    pub fn append(&mut self, record: &mut Record, max_bytes: u64) -> Result<(), String> {
        self.transaction(|s| {
            let rows = s.rows(
                "SELECT head_id, head_hash, total_bytes FROM {p}cartbridge_history_head WHERE id = 1{for_update}",
                &[],
            )?;
            let head = rows.first().ok_or_else(missing_head)?;
            let prev_hash = text(&head[1]);
            record.id = int(&head[0]) + 1;
            let hash = record.chain_hash(&prev_hash);
            let size = record.size();
            s.exec(
                "INSERT INTO {p}cartbridge_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(record.id as i64),
                    Value::Int(record.at_ms as i64),
                    Value::text(&record.key),
                    Value::text(&record.peer),
                    Value::text(&record.protocol),
                    Value::text(&record.action),
                    Value::text(&record.outcome),
                    Value::Int(i64::from(record.status)),
                    Value::Int(record.bytes as i64),
                    Value::Int(record.duration_ms as i64),
                    Value::Int(size as i64),
                    Value::text(&prev_hash),
                    Value::text(&hash),
                ],
            )?;
            s.exec(
                "UPDATE {p}cartbridge_history_head SET head_id = ?, head_hash = ?, total_bytes = total_bytes + ? WHERE id = 1",
                &[Value::Int(record.id as i64), Value::text(&hash), Value::Int(size as i64)],
            )?;
            let total = int(&head[2]) + size;
            if total > max_bytes {
                s.rotate(total, max_bytes)?;
            }
            Ok(())
        })
    }

    /// Drops the oldest records until the history is at three quarters of
    /// its budget, keeping the last dropped record's hash as the anchor.
    fn rotate(&mut self, total: u64, max_bytes: u64) -> Result<(), DbError> {
        let rows = self.rows(
            "SELECT anchor_id FROM {p}cartbridge_history_head WHERE id = 1",
            &[],
        )?;
        let mut cut = rows.first().map_or(0, |r| int(&r[0]));
        let mut cut_hash = None;
        let mut freed = 0;
        let target = total - max_bytes / 4 * 3;
        while freed < target {
            let batch = self.rows(
                "SELECT id, size, hash FROM {p}cartbridge_history WHERE id > ? ORDER BY id LIMIT 500",
                &[Value::Int(cut as i64)],
            )?;
            if batch.is_empty() {
                break;
            }
            for row in batch {
                if freed >= target {
                    break;
                }
                cut = int(&row[0]);
                freed += int(&row[1]);
                cut_hash = Some(text(&row[2]));
            }
        }
        let Some(cut_hash) = cut_hash else {
            return Ok(());
        };
        self.exec(
            "DELETE FROM {p}cartbridge_history WHERE id <= ?",
            &[Value::Int(cut as i64)],
        )?;
        self.exec(
            "UPDATE {p}cartbridge_history_head SET anchor_id = ?, anchor_hash = ?, total_bytes = total_bytes - ? WHERE id = 1",
            &[Value::Int(cut as i64), Value::text(&cut_hash), Value::Int(freed as i64)],
        )?;
        Ok(())
    }

    /// The records `filter` selects, oldest first.
    pub fn records(&mut self, filter: &Filter) -> Result<Vec<Record>, String> {
        let mut conditions: Vec<String> = Vec::new();
        let mut params = Vec::new();
        if let Some(key) = &filter.key {
            conditions.push("key_name = ?".into());
            params.push(Value::text(key));
        }
        match filter.outcome.as_deref() {
            None => {}
            Some("refused") => {
                let accepted: Vec<Value> = Outcome::ALL
                    .iter()
                    .filter(|o| !o.is_refusal())
                    .map(|o| Value::text(o.name()))
                    .collect();
                let marks = vec!["?"; accepted.len()].join(", ");
                conditions.push(format!("outcome NOT IN ({marks})"));
                params.extend(accepted);
            }
            Some(outcome) => {
                conditions.push("outcome = ?".into());
                params.push(Value::text(outcome));
            }
        }
        if let Some(since) = filter.since_ms {
            conditions.push("at_ms >= ?".into());
            params.push(Value::Int(since as i64));
        }
        if let Some(until) = filter.until_ms {
            conditions.push("at_ms < ?".into());
            params.push(Value::Int(until as i64));
        }
        let mut sql =
            format!("SELECT {RECORD_COLUMNS}, prev_hash, hash FROM {{p}}cartbridge_history");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        match filter.last {
            Some(n) => sql.push_str(&format!(" ORDER BY id DESC LIMIT {n}")),
            None => sql.push_str(" ORDER BY id"),
        }
        let rows = self.rows(&sql, &params).map_err(|e| e.to_string())?;
        let mut records: Vec<Record> = rows.iter().map(|r| record_of(r)).collect();
        if filter.last.is_some() {
            records.reverse();
        }
        Ok(records)
    }

    /// Checks the whole chain, streaming it; the number of records on success.
    pub fn verify(&mut self) -> Result<u64, String> {
        let head = self.head()?;
        let mut verifier = Verifier::new(head.anchor_id, &head.anchor_hash);
        let sql = self.sql(&format!(
            "SELECT {RECORD_COLUMNS}, prev_hash, hash FROM {{p}}cartbridge_history ORDER BY id"
        ));
        self.db
            .run(&sql, &[], &mut |_, row| {
                verifier.feed(&record_of(row), &text(&row[10]), &text(&row[11]));
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        verifier.finish(head.head_id, &head.head_hash)
    }
}

const RECORD_COLUMNS: &str =
    "id, at_ms, key_name, peer, protocol, action, outcome, status, bytes, duration_ms";

fn record_of(row: &[Value]) -> Record {
    Record {
        id: int(&row[0]),
        at_ms: int(&row[1]),
        key: text(&row[2]),
        peer: text(&row[3]),
        protocol: text(&row[4]),
        action: text(&row[5]),
        outcome: text(&row[6]),
        status: int(&row[7]) as u16,
        bytes: int(&row[8]),
        duration_ms: int(&row[9]),
    }
}

fn strikes_of(row: &[Value]) -> Strikes {
    Strikes {
        failures: int(&row[0]) as u32,
        window_start: int(&row[1]),
        locked_until: int(&row[2]),
        strikes: int(&row[3]) as u32,
    }
}

fn missing_head() -> DbError {
    DbError::Query {
        sqlstate: "HY000".into(),
        code: 0,
        message: "the history's head row is missing".into(),
    }
}

/// One chance in sixteen, from the OS random generator.
fn prune_now() -> bool {
    let mut byte = [0u8];
    getrandom::fill(&mut byte).is_ok() && byte[0] < 16
}

fn int(value: &Value) -> u64 {
    value
        .to_i64()
        .and_then(|i| u64::try_from(i).ok())
        .unwrap_or(0)
}

fn text(value: &Value) -> String {
    value.to_text().unwrap_or_default()
}

impl NonceStore for State {
    fn first_use(
        &mut self,
        key_id: &str,
        nonce: &str,
        now: u64,
        keep: u64,
    ) -> Result<bool, String> {
        let cutoff = now.saturating_sub(keep) as i64;
        let (key_id, nonce, now) = (
            Value::text(key_id),
            Value::text(nonce),
            Value::Int(now as i64),
        );
        (|| {
            // Expired nonces are cleared out on one call in sixteen, not on
            // each, so concurrent calls rarely contend for the range; one
            // still stored but expired is taken over below.
            if prune_now() {
                self.exec(
                    "DELETE FROM {p}cartbridge_nonce WHERE seen_at < ?",
                    &[Value::Int(cutoff)],
                )?;
            }
            let inserted = self.exec(
                "{insert_ignore} INTO {p}cartbridge_nonce (key_id, nonce, seen_at) VALUES (?, ?, ?)",
                &[key_id.clone(), nonce.clone(), now.clone()],
            )?;
            if inserted == 1 {
                return Ok(true);
            }
            let renewed = self.exec(
                "UPDATE {p}cartbridge_nonce SET seen_at = ? WHERE key_id = ? AND nonce = ? AND seen_at < ?",
                &[now.clone(), key_id.clone(), nonce.clone(), Value::Int(cutoff)],
            )?;
            Ok(renewed == 1)
        })()
        .map_err(|e: DbError| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::limits::Lockout;

    fn sqlite_state(dir: &Path) -> State {
        let mut state = State::open_sqlite(dir).unwrap();
        state.ensure_schema().unwrap();
        state
    }

    fn record(n: u64) -> Record {
        Record {
            at_ms: 1_767_225_600_000 + n,
            key: "erp-sync".into(),
            peer: "127.0.0.1".into(),
            protocol: "native".into(),
            action: "product.count".into(),
            outcome: "allowed".into(),
            status: 200,
            bytes: 40,
            duration_ms: 1,
            ..Record::default()
        }
    }

    #[test]
    fn the_state_file_is_private_and_in_wal_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join(".cartbridge");
        let mut state = sqlite_state(&private);
        assert!(state
            .first_use("k", "nonce-0000000000001", 100, 600)
            .unwrap());
        let mode = std::fs::metadata(private.join(STATE_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let journal = state.rows("PRAGMA journal_mode", &[]).unwrap();
        assert_eq!(text(&journal[0][0]), "wal");
    }

    #[test]
    fn nonces_are_single_use_within_their_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = sqlite_state(dir.path());
        assert!(state
            .first_use("erp-sync", "abcdefghijklmnop", 1000, 600)
            .unwrap());
        assert!(!state
            .first_use("erp-sync", "abcdefghijklmnop", 1100, 600)
            .unwrap());
        // Case matters, and so does the key.
        assert!(state
            .first_use("erp-sync", "ABCDEFGHIJKLMNOP", 1100, 600)
            .unwrap());
        assert!(state
            .first_use("other", "abcdefghijklmnop", 1100, 600)
            .unwrap());
        // Past its lifetime a nonce is forgotten (the timestamp window
        // refuses such an old request before the nonce is looked at).
        assert!(state
            .first_use("erp-sync", "abcdefghijklmnop", 1601, 600)
            .unwrap());
    }

    #[test]
    fn rate_buckets_are_shared_and_say_when_to_retry() {
        let dir = tempfile::tempdir().unwrap();
        let rate: Rate = "2/minute".parse().unwrap();
        let mut a = sqlite_state(dir.path());
        let mut b = sqlite_state(dir.path());
        assert_eq!(a.take("key:x", rate, 1_000).unwrap(), Ok(()));
        assert_eq!(b.take("key:x", rate, 1_000).unwrap(), Ok(()));
        assert_eq!(a.take("key:x", rate, 1_000).unwrap(), Err(30));
        assert_eq!(b.take("key:y", rate, 1_000).unwrap(), Ok(()));
        assert_eq!(a.take("key:x", Rate::Off, 1_000).unwrap(), Ok(()));
    }

    #[test]
    fn lockouts_count_per_address() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = sqlite_state(dir.path());
        let rule = Lockout {
            after: 2,
            window: 900,
            base: 60,
            max: 600,
        };
        state.fail("192.0.2.1", 100, rule).unwrap();
        state.forgive("192.0.2.1").unwrap();
        state.fail("192.0.2.1", 101, rule).unwrap();
        assert_eq!(state.strikes("192.0.2.1").unwrap().retry_after(101), None);
        let s = state.fail("192.0.2.1", 102, rule).unwrap();
        assert_eq!(s.retry_after(102), Some(60));
        assert_eq!(
            state.strikes("192.0.2.1").unwrap().retry_after(110),
            Some(52)
        );
        assert_eq!(state.strikes("192.0.2.2").unwrap(), Strikes::default());
    }

    #[test]
    fn history_chains_rotates_by_size_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = sqlite_state(dir.path());
        let size = record(0).size();
        for n in 0..40 {
            let mut r = record(n);
            state.append(&mut r, size * 20).unwrap();
            assert_eq!(r.id, n + 1);
        }
        let head = state.head().unwrap();
        assert_eq!(head.head_id, 40);
        assert!(head.anchor_id > 0, "old records were rotated away");
        assert!(head.total_bytes <= size * 20);
        let kept = state.records(&Filter::default()).unwrap();
        assert_eq!(kept.first().unwrap().id, head.anchor_id + 1);
        assert_eq!(state.verify(), Ok(kept.len() as u64));
        // Editing a stored record is found.
        state
            .exec(
                "UPDATE cartbridge_history SET status = 500 WHERE id = 39",
                &[],
            )
            .unwrap();
        assert!(state
            .verify()
            .unwrap_err()
            .contains("record 39 was altered"));
    }

    #[test]
    fn history_filters() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = sqlite_state(dir.path());
        for (n, (key, outcome)) in [
            ("erp-sync", "allowed"),
            ("unknown", "unknown-key"),
            ("erp-sync", "scope-denied"),
            ("other", "allowed"),
        ]
        .iter()
        .enumerate()
        {
            let mut r = Record {
                key: key.to_string(),
                outcome: outcome.to_string(),
                ..record(n as u64 * 1000)
            };
            state.append(&mut r, 1 << 20).unwrap();
        }
        let ids = |f: Filter, s: &mut State| -> Vec<u64> {
            s.records(&f).unwrap().iter().map(|r| r.id).collect()
        };
        assert_eq!(
            ids(
                Filter {
                    key: Some("erp-sync".into()),
                    ..Filter::default()
                },
                &mut state
            ),
            [1, 3]
        );
        assert_eq!(
            ids(
                Filter {
                    outcome: Some("refused".into()),
                    ..Filter::default()
                },
                &mut state
            ),
            [2, 3]
        );
        assert_eq!(
            ids(
                Filter {
                    outcome: Some("allowed".into()),
                    ..Filter::default()
                },
                &mut state
            ),
            [1, 4]
        );
        let since = Filter {
            since_ms: Some(1_767_225_601_000),
            until_ms: Some(1_767_225_603_000),
            ..Filter::default()
        };
        assert_eq!(ids(since, &mut state), [2, 3]);
        assert_eq!(
            ids(
                Filter {
                    last: Some(2),
                    ..Filter::default()
                },
                &mut state
            ),
            [3, 4]
        );
    }

    #[test]
    fn key_usage_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = sqlite_state(dir.path());
        state.touch_key("erp-sync", "127.0.0.1", 100).unwrap();
        state.touch_key("erp-sync", "10.0.0.1", 200).unwrap();
        assert_eq!(
            state.key_usage().unwrap(),
            vec![KeyUsage {
                key: "erp-sync".into(),
                last_used: 200,
                last_peer: "10.0.0.1".into(),
                calls: 2
            }]
        );
    }
}
