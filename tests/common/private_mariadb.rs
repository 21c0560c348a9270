//! A MariaDB server of a test's own, for faults that must not touch the
//! shared server other tests use: killing it with SIGKILL in the middle of
//! calls, restarting it on the same port and data directory, changing its
//! global settings (`innodb_lock_wait_timeout`).
//!
//! It is the installed `mariadbd` with a fresh data directory
//! (`mariadb-install-db`) in a temp dir, no option files, root with an
//! empty password, on a free port of 127.0.0.1 only, small buffers so it
//! starts in a second or two. It runs as root when the test does
//! (`--user=root`). Nothing skips: a missing program panics naming
//! `tests/services.sh`. Dropping it kills the server and removes the dir.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, require_program, run_with_input, wait_timeout, Db};

pub struct PrivateMariadb {
    pub port: u16,
    server: Option<Child>,
    // Last field: removed after the server was killed (see `Drop`).
    dir: tempfile::TempDir,
}

impl PrivateMariadb {
    /// Installs a fresh data directory and starts the server; returns once
    /// it answers.
    pub fn start() -> PrivateMariadb {
        let install = require_program("mariadb-install-db");
        let dir = tempfile::Builder::new()
            .prefix("cb-mariadb")
            .tempdir_in("/tmp")
            .unwrap();
        let out = Command::new(install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .arg("--user=root")
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db")
            .output()
            .expect("cannot run mariadb-install-db: run tests/services.sh");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut server = PrivateMariadb {
            port: free_port(),
            server: None,
            dir,
        };
        server.restart();
        server
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts the server again on the same port and data directory (after
    /// [`PrivateMariadb::kill`]); returns once it answers, after InnoDB's
    /// crash recovery.
    pub fn restart(&mut self) {
        assert!(self.server.is_none(), "the private MariaDB is running");
        let mariadbd = require_program("mariadbd");
        let child = Command::new(mariadbd)
            .arg("--no-defaults")
            .arg("--user=root")
            .arg(format!("--datadir={}", self.path("data").display()))
            .arg(format!("--socket={}", self.path("mysqld.sock").display()))
            .arg(format!("--pid-file={}", self.path("mysqld.pid").display()))
            .arg(format!("--log-error={}", self.path("error.log").display()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg("--skip-name-resolve")
            .arg("--innodb-buffer-pool-size=16M")
            .arg("--innodb-log-file-size=8M")
            .arg("--max-connections=50")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start mariadbd: run tests/services.sh");
        self.server = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.try_query(None, "SELECT 1").is_err() {
            let exited = self
                .server
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "the private MariaDB did not start ({exited:?}): {}",
                self.error_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: the server dies mid-statement, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            wait_timeout(&mut child, Duration::from_secs(10)).expect("mariadbd outlived SIGKILL");
        }
    }

    /// The server's error log, for failure messages.
    pub fn error_log(&self) -> String {
        fs::read_to_string(self.path("error.log")).unwrap_or_default()
    }

    /// The `mariadb` client for this server (TCP, root, no option files,
    /// `-N -B`), e.g. to hold a lock from a session of its own.
    pub fn client(&self, database: Option<&str>) -> Command {
        let cli = require_program("mariadb");
        let mut cmd = Command::new(cli);
        cmd.arg("--no-defaults")
            .arg("--protocol=TCP")
            .arg("--host=127.0.0.1")
            .arg(format!("--port={}", self.port))
            .arg("--user=root")
            .arg("--default-character-set=utf8mb4")
            .arg("--init-command=SET SESSION sql_mode=''")
            .arg("--connect-timeout=5")
            .arg("-N")
            .arg("-B")
            .env_remove("MYSQL_PWD");
        if let Some(db) = database {
            cmd.arg(format!("--database={db}"));
        }
        cmd
    }

    /// Runs SQL; stdout, or the client's stderr as the error.
    pub fn try_query(&self, database: Option<&str>, sql: &str) -> Result<String, String> {
        let out = run_with_input(&mut self.client(database), sql.as_bytes())
            .expect("cannot run the mariadb client: run tests/services.sh");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// Runs SQL that must succeed; the first value of its first row.
    pub fn value(&self, database: Option<&str>, sql: &str) -> String {
        self.try_query(database, sql)
            .unwrap_or_else(|e| panic!("query on the private MariaDB failed: {e}\nSQL: {sql}"))
            .lines()
            .next()
            .unwrap_or("")
            .split('\t')
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    }

    /// Creates database `name` and loads the SQL files into it, in order.
    pub fn database(&self, name: &str, sql_files: &[&Path]) -> Db {
        self.value(
            None,
            &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"),
        );
        for file in sql_files {
            let f = fs::File::open(file)
                .unwrap_or_else(|e| panic!("cannot open SQL file {}: {e}", file.display()));
            let out = self
                .client(Some(name))
                .stdin(Stdio::from(f))
                .output()
                .expect("cannot run the mariadb client");
            assert!(
                out.status.success(),
                "loading {} into the private MariaDB failed: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Db {
            name: name.to_string(),
            host: "127.0.0.1".into(),
            port: self.port,
            user: "root".into(),
            password: String::new(),
            socket: None,
        }
    }
}

impl Drop for PrivateMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}
