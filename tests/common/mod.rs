//! The rig every integration test uses: the shared MariaDB, nginx + fcgiwrap (the binary as CGI),
//! nginx + spawn-fcgi (the binary as a FastCGI responder), a small HTTP/1.1 client, and a direct
//! CGI runner. This file is std only, plus `tempfile`; `shop.rs` (test shops, request signing) is
//! its submodule `common::shop`, and `private_mariadb.rs` a MariaDB server a test may kill.
//!
//! Services come from Debian packages; `tests/services.sh` installs what is missing and starts
//! MariaDB. Nothing here skips silently: a missing program or an unreachable server panics with a
//! message that names it and says to run `tests/services.sh`.
//!
//! Every nginx instance lives in its own short temp dir under `/tmp` (unix socket paths are limited
//! to 108 bytes) with its own config, pid file, logs and temp paths, on a free port of 127.0.0.1;
//! it never touches `/etc/nginx` beyond `include /etc/nginx/fastcgi_params` or `/var/log/nginx`.
//!
//! The shared MariaDB is 127.0.0.1:3306, root, empty password; `CB_DB_HOST`, `CB_DB_PORT`,
//! `CB_DB_USER` and `CB_DB_PASSWORD` point the rig at another server. Each test uses its own
//! database name, so tests run in parallel.
#![allow(dead_code)]

pub mod apache;
pub mod legacy;
pub mod private_mariadb;
pub mod shop;

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cartbridge"))
}

/// `tests/fixtures/<name>` of this crate.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

// ------------------------------------------------------------------------------------------------
// Programs
// ------------------------------------------------------------------------------------------------

/// Finds `name` on `PATH` or in the sbin directories (which a non-root `PATH` often lacks).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for d in [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| {
        fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    })
}

/// Like [`find_program`], but panics with "`<name>` not found: run tests/services.sh".
pub fn require_program(name: &str) -> PathBuf {
    find_program(name).unwrap_or_else(|| panic!("{name} not found: run tests/services.sh"))
}

fn is_root() -> bool {
    // "Uid:\t<real>\t<effective>\t<saved>\t<fs>"
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends a signal (`"TERM"`, `"KILL"`, `"HUP"`, `"QUIT"`, `"USR1"`...) to a process with kill(1).
pub fn send_signal(pid: u32, signal: &str) -> bool {
    Command::new(find_program("kill").unwrap_or_else(|| PathBuf::from("kill")))
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `(ppid, state)` of a process from `/proc/<pid>/stat`; `None` when it does not exist.
fn proc_stat(pid: u32) -> Option<(u32, char)> {
    let stat = fs::read(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": comm may contain spaces and parentheses; cut at the last ')'.
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = String::from_utf8_lossy(&stat[close + 1..]).into_owned();
    let mut it = rest.split_whitespace();
    let state = it.next()?.chars().next()?;
    let ppid = it.next()?.parse().ok()?;
    Some((ppid, state))
}

/// True when `pid` exists and is not a zombie.
/// A memory figure of a process in KiB from `/proc/<pid>/status` (`VmRSS`
/// now, `VmHWM` its peak); `None` once the process is gone.
pub fn memory_kib(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub fn process_alive(pid: u32) -> bool {
    matches!(proc_stat(pid), Some((_, s)) if s != 'Z' && s != 'X')
}

/// Live (non-zombie) children of `pid`.
pub fn child_pids(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some((ppid, state)) = proc_stat(p) {
                if ppid == pid && state != 'Z' && state != 'X' {
                    out.push(p);
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// All live descendants of `pid` (children, grandchildren...).
pub fn descendant_pids(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in child_pids(p) {
            if !out.contains(&c) {
                out.push(c);
                todo.push(c);
            }
        }
    }
    out
}

/// SIGTERM, then wait up to `grace`, then SIGKILL; afterwards SIGKILL whatever descendants
/// outlived it (fcgiwrap's prefork parent does not pass SIGTERM on to its workers, and a CGI
/// process may still run). Returns the exit status.
fn terminate(child: &mut Child, grace: Duration) -> Option<ExitStatus> {
    let descendants = descendant_pids(child.id());
    let status = match child.try_wait() {
        Ok(Some(st)) => Some(st),
        _ => {
            send_signal(child.id(), "TERM");
            match wait_timeout(child, grace) {
                Some(st) => Some(st),
                None => {
                    let _ = child.kill();
                    child.wait().ok()
                }
            }
        }
    };
    for p in descendants {
        if process_alive(p) {
            send_signal(p, "KILL");
        }
    }
    status
}

/// Waits for a child up to `timeout`; `None` if it is still running.
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return Some(st),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => return None,
        }
    }
}

/// Runs a command with `input` written on stdin from a thread (no pipe deadlock with big input or
/// big output) and collects its output.
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> std::io::Result<Output> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // A program that does not read its stdin makes the write fail with EPIPE: not our error.
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output();
    let _ = writer.join();
    out
}

// ------------------------------------------------------------------------------------------------
// MariaDB
// ------------------------------------------------------------------------------------------------

/// A database on the shared MariaDB server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Db {
    pub name: String,
    /// `127.0.0.1`.
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// The server's unix socket (`@@socket`), when it exists on this machine.
    pub socket: Option<PathBuf>,
}

impl Db {
    /// `mysql://user:password@host:port/name` (no escaping: the rig's names are plain).
    pub fn url(&self) -> String {
        let auth = if self.password.is_empty() {
            self.user.clone()
        } else {
            format!("{}:{}", self.user, self.password)
        };
        format!("mysql://{auth}@{}:{}/{}", self.host, self.port, self.name)
    }

    /// Drops the database (tests may leave it for inspection; `fresh_database` drops it anyway).
    pub fn drop_database(&self) {
        mysql_admin_query(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

struct Server {
    host: String,
    port: u16,
    user: String,
    password: String,
}

fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| {
        let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
        Server {
            host: var("CB_DB_HOST", "127.0.0.1"),
            port: var("CB_DB_PORT", "3306")
                .parse()
                .expect("CB_DB_PORT is a port number"),
            user: var("CB_DB_USER", "root"),
            password: var("CB_DB_PASSWORD", ""),
        }
    })
}

/// The `mariadb` CLI for the shared server: no option files, TCP, utf8mb4, session
/// `sql_mode=''`, password through `MYSQL_PWD`.
fn mariadb_command(database: Option<&str>) -> Command {
    let s = server();
    let cli = find_program("mariadb")
        .or_else(|| find_program("mysql"))
        .unwrap_or_else(|| panic!("mariadb client not found: run tests/services.sh"));
    let mut cmd = Command::new(cli);
    cmd.arg("--no-defaults")
        .arg("--protocol=TCP")
        .arg(format!("--host={}", s.host))
        .arg(format!("--port={}", s.port))
        .arg(format!("--user={}", s.user))
        .arg("--default-character-set=utf8mb4")
        .arg("--init-command=SET SESSION sql_mode=''")
        .arg("--connect-timeout=5")
        .arg("-N")
        .arg("-B");
    if let Some(db) = database {
        cmd.arg(format!("--database={db}"));
    }
    if s.password.is_empty() {
        cmd.env_remove("MYSQL_PWD");
    } else {
        cmd.env("MYSQL_PWD", &s.password);
    }
    cmd
}

/// Checks once that the server answers; returns its `@@socket`.
fn server_socket() -> Option<PathBuf> {
    static CHECK: OnceLock<Result<Option<PathBuf>, String>> = OnceLock::new();
    let r = CHECK.get_or_init(|| {
        let s = server();
        let out = run_with_input(&mut mariadb_command(None), b"SELECT @@socket, version();\n")
            .map_err(|e| format!("cannot run the mariadb client: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "MariaDB is not reachable at {}:{} as {} ({}): {}",
                s.host,
                s.port,
                s.user,
                if s.password.is_empty() {
                    "empty password"
                } else {
                    "password from CB_DB_PASSWORD"
                },
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let sock = text.split('\t').next().unwrap_or("").trim();
        Ok(Some(PathBuf::from(sock)).filter(|p| !sock.is_empty() && p.exists()))
    });
    match r {
        Ok(sock) => sock.clone(),
        Err(e) => panic!(
            "{e}\nrun tests/services.sh (installs and starts MariaDB){}",
            shared_server_log_tail()
        ),
    }
}

/// The end of the shared server's error log (Debian's place for it), for
/// failure messages: when the server went away mid-suite, why.
fn shared_server_log_tail() -> String {
    let Ok(log) = fs::read_to_string("/var/log/mysql/error.log") else {
        return String::new();
    };
    let lines: Vec<&str> = log.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    format!("\nthe end of /var/log/mysql/error.log:\n{tail}")
}

fn mysql_admin_query(sql: &str) -> String {
    server_socket();
    let out = run_with_input(&mut mariadb_command(None), sql.as_bytes())
        .expect("cannot run the mariadb client");
    if !out.status.success() {
        panic!(
            "MariaDB query failed: {}\nSQL: {sql}{}",
            String::from_utf8_lossy(&out.stderr).trim(),
            shared_server_log_tail()
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Drops and creates database `name` on the shared MariaDB, then loads each SQL file in order with
/// the `mariadb` CLI (`sql_mode=''`, utf8mb4). Panics naming MariaDB and `tests/services.sh` when
/// the server cannot be reached, and naming the file when one does not load.
pub fn fresh_database(name: &str, sql_files: &[&Path]) -> Db {
    assert!(
        !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database name {name:?}: use 1-64 characters of [A-Za-z0-9_]"
    );
    let socket = server_socket();
    mysql_admin_query(&format!(
        "DROP DATABASE IF EXISTS `{name}`;\n\
         CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n"
    ));
    for file in sql_files {
        let f = fs::File::open(file)
            .unwrap_or_else(|e| panic!("cannot open SQL file {}: {e}", file.display()));
        let out = mariadb_command(Some(name))
            .stdin(Stdio::from(f))
            .output()
            .expect("cannot run the mariadb client");
        if !out.status.success() {
            panic!(
                "loading {} into MariaDB database `{name}` failed: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    let s = server();
    Db {
        name: name.to_string(),
        host: s.host.clone(),
        port: s.port,
        user: s.user.clone(),
        password: s.password.clone(),
        socket,
    }
}

/// Runs SQL (one or more `;`-separated statements) in `db` through the `mariadb` CLI (`-N -B`,
/// `sql_mode=''`, utf8mb4); returns stdout (tab-separated rows, `\n`-terminated; batch mode
/// writes NULL as `NULL` and escapes newline, tab, backslash and NUL in values as `\n`, `\t`,
/// `\\`, `\0`; select `HEX(col)` for exact bytes); panics with the client's stderr on failure.
pub fn mysql_query(db: &Db, sql: &str) -> String {
    match mysql_try_query(db, sql) {
        Ok(out) => out,
        Err(e) => panic!(
            "MariaDB query on `{}` failed: {e}\nSQL: {sql}{}",
            db.name,
            shared_server_log_tail()
        ),
    }
}

/// Like [`mysql_query`], but returns the client's stderr as the error.
pub fn mysql_try_query(db: &Db, sql: &str) -> Result<String, String> {
    server_socket();
    let out = run_with_input(&mut mariadb_command(Some(&db.name)), sql.as_bytes())
        .expect("cannot run the mariadb client");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Rows of `sql`, every value as text (NULL as `NULL`).
pub fn mysql_rows(db: &Db, sql: &str) -> Vec<Vec<String>> {
    mysql_query(db, sql)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// A single value: the first column of the first row of `sql`, trimmed.
pub fn mysql_value(db: &Db, sql: &str) -> String {
    let out = mysql_query(db, sql);
    out.lines()
        .next()
        .unwrap_or("")
        .split('\t')
        .next()
        .unwrap_or("")
        .to_string()
}

// ------------------------------------------------------------------------------------------------
// Ports
// ------------------------------------------------------------------------------------------------

/// A TCP port on 127.0.0.1 that was free a moment ago and that this process has not handed out
/// before (the web server retries on a collision with another process anyway).
pub fn free_port() -> u16 {
    static GIVEN: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let given = GIVEN.get_or_init(|| Mutex::new(HashSet::new()));
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().expect("local_addr").port();
        if lock(given).insert(port) {
            return port;
        }
    }
}

fn port_accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

// ------------------------------------------------------------------------------------------------
// nginx + fcgiwrap / spawn-fcgi
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// fcgiwrap: the script runs as CGI, one process per request.
    Cgi,
    /// spawn-fcgi holding the socket for a FastCGI program (keep-alive upstream).
    FastCgi,
}

/// An nginx instance with its backend. Dropping it stops both (SIGTERM, then wait; SIGKILL after
/// 5 s) and removes its temp dir.
pub struct WebServer {
    pub port: u16,
    backend_kind: Backend,
    /// With [`WebServer::nginx_shipped`]: the locations file included as is, and the upstream
    /// block (a shipped upstream file with this instance's socket).
    shipped: Option<(PathBuf, String)>,
    conf: PathBuf,
    socket: PathBuf,
    docroot: PathBuf,
    script: PathBuf,
    nginx: Mutex<Option<Child>>,
    backend: Mutex<Option<Child>>,
    backend_pid: Option<u32>,
    // Last field: removed after the processes above have been stopped (see `Drop`).
    dir: tempfile::TempDir,
}

impl WebServer {
    /// nginx + fcgiwrap: the program at `script` (absolute path inside `docroot`, may be a
    /// symlink) runs as CGI for two URL shapes, derived from its path relative to `docroot`
    /// (`bridge2cart/cartbridge` here):
    ///   * `/bridge2cart/bridge.php` (`SCRIPT_FILENAME` = `script`, `PATH_INFO` empty);
    ///   * `/bridge2cart/cartbridge` + optional `/anything` (`PATH_INFO` = `/anything`).
    ///
    /// fcgiwrap runs with `-f` (the program's stderr lands in [`WebServer::error_log`]).
    pub fn nginx_cgi(docroot: &Path, script: &Path) -> WebServer {
        WebServer::nginx_cgi_children(docroot, script, 4)
    }

    /// [`WebServer::nginx_cgi`] with `children` fcgiwrap workers: that many CGI processes at once.
    pub fn nginx_cgi_children(docroot: &Path, script: &Path, children: u32) -> WebServer {
        let nginx = require_program("nginx");
        let fcgiwrap = require_program("fcgiwrap");
        let mut srv = WebServer::new(Backend::Cgi, docroot, script, "fcgiwrap.sock");
        // umask 000: the socket must be writable by nginx workers whatever user they run as.
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg("umask 000; exec \"$0\" -f -c \"$2\" -s \"unix:$1\"")
            .arg(&fcgiwrap)
            .arg(&srv.socket)
            .arg(children.to_string());
        srv.start_backend(cmd, "fcgiwrap");
        srv.start_nginx(&nginx);
        srv
    }

    /// nginx `fastcgi_pass` to an upstream with `keepalive 4` and `fastcgi_keep_conn on`, whose
    /// socket is held by `spawn-fcgi -n -M 0666 -s <sock> -- <program> <args...>` (the program
    /// gets the listening socket on fd 0; `-n` means spawn-fcgi execs it, so
    /// [`WebServer::fastcgi_pid`] is the program's pid). Same two URL shapes as `nginx_cgi`.
    pub fn nginx_fastcgi(
        docroot: &Path,
        script: &Path,
        program: &Path,
        args: &[&str],
    ) -> WebServer {
        WebServer::nginx_fastcgi_env(docroot, script, program, args, &[])
    }

    /// [`WebServer::nginx_fastcgi`] with extra environment variables for the program.
    pub fn nginx_fastcgi_env(
        docroot: &Path,
        script: &Path,
        program: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> WebServer {
        let nginx = require_program("nginx");
        let spawn = require_program("spawn-fcgi");
        assert!(
            program.is_file(),
            "FastCGI program {} does not exist",
            program.display()
        );
        let mut srv = WebServer::new(Backend::FastCgi, docroot, script, "app.sock");
        let mut cmd = Command::new(spawn);
        cmd.arg("-n")
            .arg("-M")
            .arg("0666")
            .arg("-s")
            .arg(&srv.socket)
            .arg("--")
            .arg(program)
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        srv.start_backend(cmd, "spawn-fcgi");
        srv.start_nginx(&nginx);
        srv
    }

    /// nginx configured with the shipped files, as install/README.md says to: `locations` (e.g.
    /// `install/nginx/cartbridge.conf`) included as is in the `server` block, and the upstream
    /// named `cartbridge` of `upstream` (e.g. `install/nginx/upstream-fcgiwrap.conf`) in the `http`
    /// block, with its `server unix:<path>` replaced by this instance's socket (the one line the
    /// README says to adapt). `fastcgi_params` is copied from `/etc/nginx` next to the config,
    /// where the snippet's relative `include` finds it. The binary is `<docroot>/bridge2cart/
    /// cartbridge`.
    pub fn nginx_shipped(
        docroot: &Path,
        locations: &Path,
        upstream: &Path,
        backend: ShippedBackend<'_>,
    ) -> WebServer {
        let nginx = require_program("nginx");
        let script = docroot.join("bridge2cart").join("cartbridge");
        let (kind, sock_name) = match backend {
            ShippedBackend::Fcgiwrap => (Backend::Cgi, "fcgiwrap.sock"),
            _ => (Backend::FastCgi, "app.sock"),
        };
        let mut srv = WebServer::new(kind, docroot, &script, sock_name);
        let upstream_text = fs::read_to_string(upstream)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", upstream.display()));
        let upstream_text = with_upstream_socket(&upstream_text, &srv.socket);
        srv.shipped = Some((locations.to_path_buf(), upstream_text));
        fs::copy(
            "/etc/nginx/fastcgi_params",
            srv.dir.path().join("fastcgi_params"),
        )
        .expect("copy /etc/nginx/fastcgi_params (is nginx installed? run tests/services.sh)");
        let mut cmd = match backend {
            ShippedBackend::Fcgiwrap => {
                let mut cmd = Command::new("/bin/sh");
                cmd.arg("-c")
                    .arg("umask 000; exec \"$0\" -f -c 4 -s \"unix:$1\"")
                    .arg(require_program("fcgiwrap"))
                    .arg(&srv.socket);
                cmd
            }
            ShippedBackend::SpawnFcgi { program, args } => {
                let mut cmd = Command::new(require_program("spawn-fcgi"));
                cmd.args(["-n", "-M", "0666", "-s"])
                    .arg(&srv.socket)
                    .arg("--")
                    .arg(program)
                    .args(args);
                cmd
            }
            ShippedBackend::SocketActivated { program, args } => {
                let mut cmd = Command::new(require_program("systemd-socket-activate"));
                cmd.arg("-l").arg(&srv.socket).arg(program).args(args);
                cmd
            }
        };
        cmd.env_remove("LISTEN_FDS").env_remove("LISTEN_PID");
        srv.start_backend(cmd, "the shipped config's backend");
        srv.start_nginx(&nginx);
        srv
    }

    fn new(kind: Backend, docroot: &Path, script: &Path, sock_name: &str) -> WebServer {
        assert!(
            docroot.is_absolute() && script.is_absolute(),
            "docroot and script must be absolute paths ({}, {})",
            docroot.display(),
            script.display()
        );
        assert!(
            script.starts_with(docroot),
            "script {} is not inside docroot {}",
            script.display(),
            docroot.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("cb")
            .tempdir_in("/tmp")
            .expect("create the web server's temp dir in /tmp");
        for sub in [
            "tmp",
            "tmp/client_body",
            "tmp/fastcgi",
            "tmp/proxy",
            "tmp/uwsgi",
            "tmp/scgi",
        ] {
            fs::create_dir_all(dir.path().join(sub)).expect("create nginx temp dirs");
        }
        let socket = dir.path().join(sock_name);
        assert!(
            socket.as_os_str().len() < 108,
            "unix socket path too long: {}",
            socket.display()
        );
        WebServer {
            port: 0,
            backend_kind: kind,
            shipped: None,
            conf: dir.path().join("nginx.conf"),
            socket,
            docroot: docroot.to_path_buf(),
            script: script.to_path_buf(),
            nginx: Mutex::new(None),
            backend: Mutex::new(None),
            backend_pid: None,
            dir,
        }
    }

    fn start_backend(&mut self, mut cmd: Command, what: &str) {
        let _ = fs::remove_file(&self.socket); // a stale socket makes the bind fail
        let log = fs::File::create(self.dir.path().join("backend.log")).expect("backend.log");
        // The script's folder; the docroot while it does not exist yet (a
        // remote deploy creates it after the server is up).
        let cwd = self
            .script
            .parent()
            .filter(|dir| dir.is_dir())
            .unwrap_or(&self.docroot)
            .to_path_buf();
        cmd.current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup backend.log"))
            .stderr(log);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        self.backend_pid = Some(child.id());
        *lock(&self.backend) = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.socket.exists() {
            if let Some(st) = lock(&self.backend)
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "{what} exited ({st}) before creating {}:\n{}",
                    self.socket.display(),
                    self.backend_log()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "{what} did not create {} within 5 s:\n{}",
                    self.socket.display(),
                    self.backend_log()
                );
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The nginx locations: (`/dir/bridge.php`, `/dir/script-name`).
    fn uris(&self) -> (String, String) {
        let rel = self
            .script
            .strip_prefix(&self.docroot)
            .expect("script inside docroot");
        let rel = rel
            .to_str()
            .filter(|r| {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
            })
            .unwrap_or_else(|| {
                panic!(
                    "script path relative to docroot must be plain [A-Za-z0-9._-/]: {}",
                    rel.display()
                )
            });
        let script_uri = format!("/{}", rel.trim_start_matches('/'));
        let dir_uri = &script_uri[..script_uri.rfind('/').unwrap_or(0)];
        (format!("{dir_uri}/bridge.php"), script_uri)
    }

    fn config(&self, port: u16) -> String {
        fn q(p: &Path) -> String {
            let s = p.to_str().expect("UTF-8 path");
            assert!(
                !s.contains(['"', '\\', '$', '\n']),
                "path unusable in an nginx config: {s}"
            );
            format!("\"{s}\"")
        }
        let d = self.dir.path();
        let (php_uri, script_uri) = self.uris();
        let script_re = regex_escape(&script_uri);
        let (upstream, pass, keep) = match self.backend_kind {
            Backend::Cgi => (
                String::new(),
                format!("unix:{}", self.socket.display()),
                "",
            ),
            Backend::FastCgi => (
                format!(
                    "    upstream cartbridge_app {{\n        server unix:{};\n        keepalive 4;\n    }}\n",
                    self.socket.display()
                ),
                "cartbridge_app".to_string(),
                "            fastcgi_keep_conn on;\n",
            ),
        };
        if let Some((locations, upstream)) = &self.shipped {
            return self.shipped_config(port, locations, upstream);
        }
        let script = q(&self.script);
        let mut c = String::new();
        if is_root() {
            c.push_str("user root;\n");
        }
        let _ = write!(
            c,
            "daemon off;
master_process on;
worker_processes 1;
error_log {err} info;
pid {pid};
events {{
    worker_connections 1024;
}}
http {{
    access_log {access};
    client_body_temp_path {tmp}/client_body;
    fastcgi_temp_path {tmp}/fastcgi;
    proxy_temp_path {tmp}/proxy;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 64m;
    default_type application/octet-stream;
    fastcgi_read_timeout 30s;
    fastcgi_send_timeout 30s;
{upstream}    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        location = {php_uri} {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME {script};
            fastcgi_param PATH_INFO \"\";
            fastcgi_pass {pass};
{keep}        }}
        location ~ ^{script_re}(/|$) {{
            fastcgi_split_path_info (?s)^({script_re})(/.*)$;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME {script};
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_pass {pass};
{keep}        }}
    }}
}}
",
            err = q(&d.join("error.log")),
            pid = q(&d.join("nginx.pid")),
            access = q(&d.join("access.log")),
            tmp = d.join("tmp").display(),
            root = q(&self.docroot),
        );
        c
    }

    fn shipped_config(&self, port: u16, locations: &Path, upstream: &str) -> String {
        let d = self.dir.path();
        let user = if is_root() { "user root;\n" } else { "" };
        format!(
            "{user}daemon off;
master_process on;
worker_processes 1;
error_log {d}/error.log info;
pid {d}/nginx.pid;
events {{
    worker_connections 1024;
}}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp/client_body;
    fastcgi_temp_path {d}/tmp/fastcgi;
    proxy_temp_path {d}/tmp/proxy;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    client_max_body_size 64m;
    default_type application/octet-stream;
{upstream}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        include {locations};
    }}
}}
",
            d = d.display(),
            root = self.docroot.display(),
            locations = locations.display(),
        )
    }

    fn nginx_args(&self) -> Vec<PathBuf> {
        let d = self.dir.path();
        vec![
            "-p".into(),
            d.to_path_buf(),
            "-c".into(),
            self.conf.clone(),
            "-e".into(),
            d.join("error.log"),
        ]
    }

    fn start_nginx(&mut self, nginx: &Path) {
        for attempt in 1..=5 {
            let port = free_port();
            fs::write(&self.conf, self.config(port)).expect("write nginx.conf");
            let out = fs::File::create(self.dir.path().join("nginx.out")).expect("nginx.out");
            let child = Command::new(nginx)
                .args(self.nginx_args())
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("dup nginx.out"))
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start nginx: {e}"));
            *lock(&self.nginx) = Some(child);
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let exited = lock(&self.nginx)
                    .as_mut()
                    .and_then(|c| c.try_wait().ok().flatten());
                if let Some(st) = exited {
                    *lock(&self.nginx) = None;
                    let log = self.error_log();
                    if log.contains("Address already in use") && attempt < 5 {
                        break; // another process took the port: try another one
                    }
                    panic!(
                        "nginx exited ({st}) at start:\n{log}\n{}",
                        fs::read_to_string(self.dir.path().join("nginx.out")).unwrap_or_default()
                    );
                }
                if port_accepts(port) {
                    self.port = port;
                    return;
                }
                if Instant::now() > deadline {
                    panic!(
                        "nginx does not accept connections on 127.0.0.1:{port} after 5 s:\n{}",
                        self.error_log()
                    );
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        unreachable!("nginx start attempts exhausted");
    }

    fn nginx_pid(&self) -> Option<u32> {
        lock(&self.nginx).as_ref().map(|c| c.id())
    }

    /// Pids of the current nginx worker processes.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.nginx_pid().map(child_pids).unwrap_or_default()
    }

    /// `nginx -s reload` with this instance's config and pid file; returns once a new worker runs
    /// and the old ones are gone (old ones still busy after 10 s are left alone).
    pub fn reload(&self) {
        let nginx = require_program("nginx");
        let before = self.worker_pids();
        let out = Command::new(nginx)
            .args(self.nginx_args())
            .arg("-s")
            .arg("reload")
            .output()
            .expect("run nginx -s reload");
        assert!(
            out.status.success(),
            "nginx -s reload failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.error_log()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.worker_pids();
            let fresh = now.iter().any(|p| !before.contains(p));
            let old_gone = !now.iter().any(|p| before.contains(p));
            if fresh && old_gone {
                return;
            }
            if Instant::now() > deadline {
                assert!(
                    fresh,
                    "nginx reload did not start a new worker within 10 s:\n{}",
                    self.error_log()
                );
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The FastCGI program's pid (spawn-fcgi `-n` execs it in place); `None` for the CGI server
    /// or once the program has exited.
    pub fn fastcgi_pid(&self) -> Option<u32> {
        match self.backend_kind {
            Backend::FastCgi => self.backend_pid.filter(|&p| process_alive(p)),
            Backend::Cgi => None,
        }
    }

    /// The backend (fcgiwrap or the FastCGI program) and its live descendants.
    pub fn backend_pids(&self) -> Vec<u32> {
        match self.backend_pid.filter(|&p| process_alive(p)) {
            Some(p) => {
                let mut v = vec![p];
                v.extend(descendant_pids(p));
                v
            }
            None => Vec::new(),
        }
    }

    /// Sends a signal to the FastCGI program (e.g. `"TERM"`); false when there is none.
    pub fn signal_fastcgi(&self, signal: &str) -> bool {
        self.fastcgi_pid()
            .map(|p| send_signal(p, signal))
            .unwrap_or(false)
    }

    /// Waits up to `timeout` for the backend (FastCGI program, or fcgiwrap) to exit.
    pub fn wait_backend_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        // The reaped Child stays in place: Drop's try_wait sees it has exited and sends nothing.
        wait_timeout(lock(&self.backend).as_mut()?, timeout)
    }

    /// The nginx error log (`info` level), for assertion messages.
    pub fn error_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// The nginx access log.
    pub fn access_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    /// stdout + stderr of fcgiwrap / spawn-fcgi and the FastCGI program.
    pub fn backend_log(&self) -> String {
        String::from_utf8_lossy(&fs::read(self.dir.path().join("backend.log")).unwrap_or_default())
            .into_owned()
    }

    /// The unix socket between nginx and the backend (tests may write raw bytes to it).
    pub fn backend_socket(&self) -> &Path {
        &self.socket
    }

    /// This instance's temp dir (config, logs, sockets).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `error log + backend log`, for assertion messages.
    pub fn logs(&self) -> String {
        format!(
            "--- nginx error.log ---\n{}--- backend log ---\n{}",
            self.error_log(),
            self.backend_log()
        )
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let grace = Duration::from_secs(5);
        if let Some(mut c) = lock(&self.nginx).take() {
            terminate(&mut c, grace);
        }
        if let Some(mut c) = lock(&self.backend).take() {
            terminate(&mut c, grace);
        }
    }
}

/// What runs the binary behind [`WebServer::nginx_shipped`].
pub enum ShippedBackend<'a> {
    /// fcgiwrap: the binary as CGI.
    Fcgiwrap,
    /// `spawn-fcgi -n -- program args`: the listening socket on fd 0.
    SpawnFcgi {
        program: &'a Path,
        args: &'a [&'a str],
    },
    /// `systemd-socket-activate -l <socket> program args`: the socket on fd 3 with
    /// `LISTEN_FDS`/`LISTEN_PID`, as systemd's socket activation hands it over.
    SocketActivated {
        program: &'a Path,
        args: &'a [&'a str],
    },
}

/// An nginx upstream block with the path of its `server unix:<path>;` lines replaced.
pub fn with_upstream_socket(upstream: &str, socket: &Path) -> String {
    let replaced: Vec<String> = upstream
        .lines()
        .map(|line| match line.find("server unix:") {
            Some(i) => {
                let end = line[i..].find(';').map_or(line.len(), |e| i + e);
                format!(
                    "{}server unix:{}{}",
                    &line[..i],
                    socket.display(),
                    &line[end..]
                )
            }
            None => line.to_string(),
        })
        .collect();
    assert!(
        replaced
            .iter()
            .any(|l| l.contains(&socket.display().to_string())),
        "no `server unix:` line in the upstream file:\n{upstream}"
    );
    replaced.join("\n")
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if "\\.+*?()|[]{}^$".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

// ------------------------------------------------------------------------------------------------
// HTTP client
// ------------------------------------------------------------------------------------------------

/// An HTTP (or parsed CGI) response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// In order, names as sent; values decoded lossily.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// HTTP/1.1 to 127.0.0.1:`port` with `Connection: close`, a `Host` header and `Content-Length`
/// when `body` is non-empty (each unless given in `headers`); reads the whole answer (chunked
/// transfer-encoding decoded). The path is sent as given (`%FF` stays `%FF`).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let hs: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    http_bytes(port, method, path.as_bytes(), &hs, body)
}

/// [`http`] with raw bytes for the path and header values (non-UTF-8 allowed).
pub fn http_bytes(
    port: u16,
    method: &str,
    path: &[u8],
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> HttpResponse {
    let has = |n: &str| headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
    let mut req = Vec::with_capacity(256 + body.len());
    req.extend_from_slice(method.as_bytes());
    req.push(b' ');
    req.extend_from_slice(path);
    req.extend_from_slice(b" HTTP/1.1\r\n");
    if !has("host") {
        req.extend_from_slice(format!("Host: 127.0.0.1:{port}\r\n").as_bytes());
    }
    if !has("connection") {
        req.extend_from_slice(b"Connection: close\r\n");
    }
    if !body.is_empty() && !has("content-length") && !has("transfer-encoding") {
        req.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    for (n, v) in headers {
        req.extend_from_slice(n.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(v);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    let raw = http_exchange(port, &req);
    parse_http_response(&raw, method.eq_ignore_ascii_case("HEAD")).unwrap_or_else(|e| {
        panic!(
            "bad HTTP response from 127.0.0.1:{port}: {e}\n{}",
            lossy_head(&raw)
        )
    })
}

/// Sends `request` verbatim and returns every byte the server sent until it closed the
/// connection (120 s read timeout). The request is written from a thread, so a server that
/// answers early (413, 400) and closes is still read.
pub fn http_exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("set_read_timeout");
    let mut writer = stream.try_clone().expect("clone TcpStream");
    let req = request.to_vec();
    // No shutdown(Write) after the request: nginx treats a half-closed client as gone (499).
    let w = thread::spawn(move || {
        let _ = writer.write_all(&req).and_then(|_| writer.flush());
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if raw.is_empty() {
                    panic!("reading the answer from 127.0.0.1:{port}: {e}");
                }
                break; // e.g. reset after a complete answer
            }
        }
    }
    let _ = w.join();
    raw
}

/// Parses a raw HTTP/1.x response (1xx interim answers skipped).
pub fn parse_http_response(raw: &[u8], head_request: bool) -> Result<HttpResponse, String> {
    let mut rest = raw;
    loop {
        let end = find(rest, b"\r\n\r\n").ok_or("no end of headers")?;
        let head = String::from_utf8_lossy(&rest[..end]).into_owned();
        let body = &rest[end + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let proto = parts.next().unwrap_or("");
        if !proto.starts_with("HTTP/") {
            return Err(format!("bad status line {status_line:?}"));
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| {
                let (n, v) = l.split_once(':')?;
                Some((n.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        if (100..200).contains(&status) {
            rest = body;
            continue;
        }
        let mut resp = HttpResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if head_request || status == 204 || status == 304 {
            return Ok(resp);
        }
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        resp.body = if chunked {
            decode_chunked(body)?
        } else if let Some(len) = resp.header("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| format!("bad Content-Length {len:?}"))?;
            if body.len() < len {
                return Err(format!(
                    "body shorter than Content-Length ({} < {len})",
                    body.len()
                ));
            }
            body[..len].to_vec()
        } else {
            body.to_vec()
        };
        return Ok(resp);
    }
}

fn decode_chunked(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = find(data, b"\r\n").ok_or("chunk size line not terminated")?;
        let line = String::from_utf8_lossy(&data[..eol]).into_owned();
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size =
            usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad chunk size {line:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out); // trailers ignored
        }
        if data.len() < size + 2 {
            return Err(format!(
                "truncated chunk (need {size}, have {})",
                data.len()
            ));
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn lossy_head(raw: &[u8]) -> String {
    String::from_utf8_lossy(&raw[..raw.len().min(2000)]).into_owned()
}

// ------------------------------------------------------------------------------------------------
// CGI without a web server
// ------------------------------------------------------------------------------------------------

/// What a CGI run produced.
#[derive(Debug)]
pub struct CgiRun {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl CgiRun {
    /// The CGI output parsed as a response; panics (with stderr) when it is not valid CGI output.
    pub fn response(&self) -> HttpResponse {
        parse_cgi_output(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "invalid CGI output ({e}); exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.status,
                lossy_head(&self.stdout),
                String::from_utf8_lossy(&self.stderr)
            )
        })
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs `program` directly as a CGI process (no web server) and parses its output; see
/// [`run_cgi_raw`] for the environment.
pub fn run_cgi(
    program: &Path,
    script: &Path,
    method: &str,
    path_info: &[u8],
    query: &str,
    extra_env: &[(&str, &[u8])],
    body: &[u8],
) -> HttpResponse {
    run_cgi_raw(program, script, method, path_info, query, extra_env, body).response()
}

/// Runs `program` as CGI: environment cleared, then `GATEWAY_INTERFACE=CGI/1.1`,
/// `SERVER_PROTOCOL=HTTP/1.1`, `SERVER_SOFTWARE`, `SERVER_NAME=localhost`, `SERVER_PORT=80`,
/// `REQUEST_METHOD`, `QUERY_STRING`, `CONTENT_LENGTH` and `CONTENT_TYPE`
/// (`application/x-www-form-urlencoded`) when `body` is non-empty, `SCRIPT_FILENAME=script`,
/// `SCRIPT_NAME` (`/<dir>/<file>` of `script`), `PATH_INFO`, `REMOTE_ADDR=127.0.0.1`, then
/// `extra_env` (which may override any of them; values are raw bytes). The working directory is
/// the script's directory; `body` is written on stdin from a thread.
pub fn run_cgi_raw(
    program: &Path,
    script: &Path,
    method: &str,
    path_info: &[u8],
    query: &str,
    extra_env: &[(&str, &[u8])],
    body: &[u8],
) -> CgiRun {
    let name = |p: Option<&Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let script_name = format!("/{}/{}", name(script.parent()), name(Some(script)));
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("SERVER_SOFTWARE", "cartbridge-test-rig")
        .env("SERVER_NAME", "localhost")
        .env("SERVER_PORT", "80")
        .env("REQUEST_METHOD", method)
        .env("QUERY_STRING", query)
        .env("SCRIPT_FILENAME", script)
        .env("SCRIPT_NAME", script_name)
        .env("PATH_INFO", OsStr::from_bytes(path_info))
        .env("REMOTE_ADDR", "127.0.0.1");
    if !body.is_empty() {
        cmd.env("CONTENT_LENGTH", body.len().to_string())
            .env("CONTENT_TYPE", "application/x-www-form-urlencoded");
    }
    for (k, v) in extra_env {
        cmd.env(k, OsStr::from_bytes(v));
    }
    if let Some(dir) = script.parent().filter(|d| d.is_dir()) {
        cmd.current_dir(dir);
    }
    let out = run_with_input(&mut cmd, body)
        .unwrap_or_else(|e| panic!("cannot run {} as CGI: {e}", program.display()));
    CgiRun {
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// Parses CGI output: header lines (LF or CRLF), a blank line, the body. `Status:` gives the
/// status (and is not kept as a header); without it the status is 200, or 302 with `Location`.
pub fn parse_cgi_output(out: &[u8]) -> Result<HttpResponse, String> {
    let (head_end, body_start) = match (find(out, b"\r\n\r\n"), find(out, b"\n\n")) {
        (Some(a), Some(b)) if b < a => (b, b + 2),
        (Some(a), _) => (a, a + 4),
        (None, Some(b)) => (b, b + 2),
        (None, None) => {
            // headers only, no body: a final header line followed by one newline
            if out.ends_with(b"\n") && !out.is_empty() {
                (out.len(), out.len())
            } else {
                return Err("no blank line after the CGI headers".into());
            }
        }
    };
    let head = String::from_utf8_lossy(&out[..head_end]).into_owned();
    let mut status = None;
    let mut headers = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let (n, v) = line
            .split_once(':')
            .ok_or_else(|| format!("bad CGI header line {line:?}"))?;
        let (n, v) = (n.trim(), v.trim());
        if n.eq_ignore_ascii_case("status") {
            let code = v.split_whitespace().next().unwrap_or("");
            status = Some(
                code.parse::<u16>()
                    .map_err(|_| format!("bad Status header {v:?}"))?,
            );
        } else {
            headers.push((n.to_string(), v.to_string()));
        }
    }
    if headers.is_empty() && status.is_none() {
        return Err("no CGI headers".into());
    }
    let has_location = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("location"));
    Ok(HttpResponse {
        status: status.unwrap_or(if has_location { 302 } else { 200 }),
        headers,
        body: out[body_start.min(out.len())..].to_vec(),
    })
}
