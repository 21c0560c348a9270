//! Warm MySQL connections for processes that serve many requests
//! (FastCGI): a connection goes back to a small per-process pool when a
//! request is done with it, instead of being closed, and the next request
//! for the same shop takes it instead of connecting (TCP, handshake,
//! authentication, charset: several round trips and the server's
//! authentication work).
//!
//! A returned connection is reset (`COM_RESET_CONNECTION`: an open
//! transaction is rolled back and its locks released; session variables,
//! `SET NAMES`, temporary tables and prepared statements are dropped), so
//! nothing one request did to its session is seen by the next: the legacy
//! protocol's `sql_settings` may run any `SET`. A taken connection is
//! checked first (its charset is set again, or it is pinged): one that the
//! server closed meanwhile ("server has gone away", a restart, the
//! `wait_timeout`) is dropped and a new connection is opened. CGI runs one
//! request per process and never enables the pool.
//!
//! A connection is also closed once it has read [`RETIRE_AFTER_BYTES`].
//! The `mysql` crate reads replies into a 4 MiB buffer (`max_allowed_packet`)
//! from front to back and starts again at the front only once it reaches
//! the end, so a connection that lives long ends up with all 4 MiB of it
//! resident: a FastCGI process's memory would creep for minutes towards
//! 4 MiB per pooled connection. A reconnect per MiB read costs about a
//! millisecond and keeps most of each buffer untouched.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::mysql::{MysqlDb, MysqlTarget};
use super::{Database, DbError, Dialect, Outcome, Rollback, RowCallback, Value};

/// Idle connections kept per process: a request may hold two (a list
/// streams on one while nested queries use the other), times nginx's usual
/// keep-alive upstream of a few connections; more would hold server
/// threads idle.
const MAX_IDLE: usize = 16;

/// Row data a connection reads before it is closed (see the module's doc).
const RETIRE_AFTER_BYTES: u64 = 1 << 20;

static ENABLED: AtomicBool = AtomicBool::new(false);
static IDLE: Mutex<Vec<(MysqlTarget, MysqlDb)>> = Mutex::new(Vec::new());

/// Keeps connections between requests from now on (FastCGI).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
    // glibc serves a freed 4 MiB buffer's successor from the same, already
    // resident, heap pages once it has raised its mmap threshold past 4 MiB
    // (which it does on the first such free), so a retired connection's
    // memory would never go back to the system. A fixed threshold keeps
    // every buffer of 1 MiB or more in a mapping of its own, unmapped when
    // freed. musl always does so.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc tunable; any value is accepted.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A connection to `target`: an idle one that still answers, else a new one.
pub fn take(target: &MysqlTarget) -> Result<Pooled, DbError> {
    while let Some(mut conn) = idle_for(target) {
        if conn.revive(target).is_ok() {
            return Ok(Pooled::new(target, conn));
        }
        // Gone away: drop it and try the next, then connect.
    }
    Ok(Pooled::new(target, MysqlDb::connect(target)?))
}

fn idle_for(target: &MysqlTarget) -> Option<MysqlDb> {
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    let at = idle.iter().rposition(|(t, _)| t == target)?;
    Some(idle.swap_remove(at).1)
}

fn give_back(target: MysqlTarget, mut conn: MysqlDb) {
    if conn.received() >= RETIRE_AFTER_BYTES || conn.reset().is_err() {
        return;
    }
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    if idle.len() >= MAX_IDLE {
        idle.remove(0);
    }
    idle.push((target, conn));
}

/// A connection that returns to the pool when dropped.
pub struct Pooled {
    target: MysqlTarget,
    conn: Option<MysqlDb>,
}

impl Pooled {
    fn new(target: &MysqlTarget, conn: MysqlDb) -> Pooled {
        Pooled {
            target: target.clone(),
            conn: Some(conn),
        }
    }

    fn conn(&mut self) -> &mut MysqlDb {
        self.conn.as_mut().expect("taken until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            give_back(std::mem::take(&mut self.target), conn);
        }
    }
}

impl Database for Pooled {
    fn run(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError> {
        self.conn().run(sql, params, on_row)
    }

    fn run_one(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError> {
        self.conn().run_one(sql, params, on_row)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn set_charset(&mut self, charset: &str) -> Result<(), DbError> {
        self.conn().set_charset(charset)
    }

    fn begin(&mut self, read_only: bool) -> Result<(), DbError> {
        self.conn().begin(read_only)
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.conn().commit()
    }

    fn rollback(&mut self) -> Result<Rollback, DbError> {
        self.conn().rollback()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suite's MariaDB (see tests/services.sh), as a target no other
    /// test uses, so this test's pooled connections are its own.
    fn target() -> MysqlTarget {
        MysqlTarget {
            user: "root".into(),
            database: "test".into(),
            charset: Some("latin1".into()),
            ..MysqlTarget::from_host_setting("127.0.0.1", None)
        }
    }

    fn connection_id(db: &mut Pooled, reading_bytes: usize) -> String {
        let mut id = String::new();
        db.run(
            &format!("SELECT CONNECTION_ID(), REPEAT('x', {reading_bytes})"),
            &[],
            &mut |_, row| {
                id = format!("{:?}", row[0]);
                Ok(())
            },
        )
        .unwrap();
        id
    }

    #[test]
    fn a_connection_is_reused_until_it_has_read_a_mebibyte() {
        enable();
        let target = target();
        let first = connection_id(&mut take(&target).unwrap(), 1000);
        let again = connection_id(&mut take(&target).unwrap(), 600_000);
        assert_eq!(first, again, "a returned connection is taken again");
        let still = connection_id(&mut take(&target).unwrap(), 600_000);
        assert_eq!(first, still, "still under a MiB when it was taken");
        let fresh = connection_id(&mut take(&target).unwrap(), 1000);
        assert_ne!(first, fresh, "over a MiB read: closed, not pooled");
    }
}
