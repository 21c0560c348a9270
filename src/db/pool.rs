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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::mysql::{MysqlDb, MysqlTarget};
use super::{Database, DbError, Dialect, Outcome, Rollback, RowCallback, Value};

/// Idle connections kept per process: enough for nginx's usual keep-alive
/// upstream of a few connections; more would hold server threads idle.
const MAX_IDLE: usize = 8;

static ENABLED: AtomicBool = AtomicBool::new(false);
static IDLE: Mutex<Vec<(MysqlTarget, MysqlDb)>> = Mutex::new(Vec::new());

/// Keeps connections between requests from now on (FastCGI).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
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
    if conn.reset().is_err() {
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
