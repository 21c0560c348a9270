//! Faults injected around real calls: the shop's database unreachable,
//! killed and restarted under a FastCGI process, a row lock that outlasts
//! a write's wait, a CGI process killed with SIGKILL in the middle of a
//! write, the state folder read-only or full, and configuration the
//! bridge refuses. The bridge must answer
//! clearly and fast, and a write must be all or nothing in the database.
//! (A statement failing inside a write is covered by
//! tests/native_writes.rs.)

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::private_mariadb::PrivateMariadb;
use common::shop::{self, envelope, sign_native, Shop};
use common::{
    binary, fixture, free_port, fresh_database, http, run_cgi_raw, CgiRun, Db, HttpResponse,
    WebServer,
};

/// A signed native call as plain CGI; (status, envelope).
fn cgi_call(shop: &Shop, method: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let answer = cgi_run(shop, method, body).response();
    (answer.status, envelope(&answer.body))
}

/// A signed native call as plain CGI: the process's output and stderr.
fn cgi_run(shop: &Shop, method: &str, body: &[u8]) -> CgiRun {
    let path = format!("/{method}.json");
    let http_method = if body.is_empty() { "GET" } else { "POST" };
    let (headers, _) = sign_native(http_method, &path, &[], body);
    let env = cgi_headers(&headers, body);
    let env: Vec<(&str, &[u8])> = env
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    run_cgi_raw(
        &shop.script,
        &shop.script,
        http_method,
        path.as_bytes(),
        "",
        &env,
        body,
    )
}

/// Signature headers as CGI variables, and the JSON content type.
fn cgi_headers(headers: &[(String, String)], body: &[u8]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                format!("HTTP_{}", n.to_uppercase().replace('-', "_")),
                v.clone(),
            )
        })
        .collect();
    if !body.is_empty() {
        env.push(("CONTENT_TYPE".into(), "application/json".into()));
    }
    env
}

#[test]
fn an_unreachable_database_is_a_clear_503_without_a_stall() {
    // Nothing listens on a fresh free port: connections are refused at once,
    // as when MariaDB is stopped.
    let closed = Db {
        name: "cb11_nowhere".into(),
        host: "127.0.0.1".into(),
        port: free_port(),
        user: "shop".into(),
        password: "cb11-db-password-never-shown".into(),
        socket: None,
    };
    let shop = shop::opencart_mysql(&closed, "3.0.3.8");
    for method in ["product.count", "product.list", "order.list"] {
        let started = Instant::now();
        let (status, answer) = cgi_call(&shop, method, b"");
        let took = started.elapsed();
        println!(
            "fault db-down {method}: {status} in {} ms",
            took.as_millis()
        );
        assert_eq!(status, 503, "{answer}");
        let message = answer["return_message"].as_str().unwrap();
        assert!(message.contains("database is unreachable"), "{message}");
        assert!(!message.contains(&closed.password), "{message}");
    }
    // The same under FastCGI: the long-lived process answers each call
    // with a 503 of its own and keeps serving.
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);
    for _ in 0..3 {
        let (headers, _) = sign_native("GET", "/product.count.json", &[], b"");
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let started = Instant::now();
        let answer = http(
            server.port,
            "GET",
            "/bridge2cart/cartbridge/product.count.json",
            &headers,
            b"",
        );
        println!(
            "fault db-down FastCGI product.count: {} in {} ms",
            answer.status,
            started.elapsed().as_millis()
        );
        assert_eq!(answer.status, 503, "{}", answer.text());
        assert!(!answer.text().contains(&closed.password));
    }
    let started = Instant::now();
    let body = br#"{"id":"8","status":"7"}"#;
    let (status, answer) = cgi_call(&shop, "order.update", body);
    println!(
        "fault db-down order.update: {status} in {} ms",
        started.elapsed().as_millis()
    );
    assert_eq!(status, 503, "{answer}");
}

#[test]
fn a_cgi_process_killed_mid_write_leaves_nothing_half_written() {
    // A server of the test's own: the shared one is not polled while a
    // killed client's connection is torn down (CI once lost the shared
    // server, and every later test with it, in this test).
    let mariadb = PrivateMariadb::start();
    let db = mariadb.database(
        "cb11_kill",
        &[
            &fixture("opencart-4.0.2.3-ddl.sql"),
            &fixture("opencart-4.0.2.3-data.sql"),
            &fixture("opencart-4-demo-orders.sql"),
        ],
    );
    let shop = shop::opencart_mysql(&db, "4.0.2.3");
    let before = order_8_on(&mariadb, &db);
    // The history insert (the write's second statement, after the order's
    // status) waits long enough to be caught in the middle.
    mariadb.value(
        Some(&db.name),
        "CREATE TRIGGER cb11_slow BEFORE INSERT ON oc_order_history FOR EACH ROW SET @cb11 = SLEEP(3)",
    );
    let in_the_trigger = || sessions_in(&mariadb, "User sleep");
    let body = br#"{"id":"8","status":"7","comment":"killed"}"#;
    let path = "/order.update.json";
    let (headers, _) = sign_native("POST", path, &[], body);
    let mut cmd = Command::new(&shop.script);
    cmd.env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("REQUEST_METHOD", "POST")
        .env("SCRIPT_FILENAME", &shop.script)
        .env("PATH_INFO", OsStr::from_bytes(path.as_bytes()))
        .env("QUERY_STRING", "")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .envs(cgi_headers(&headers, body))
        .current_dir(shop.bridge_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(body).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while in_the_trigger() == 0 {
        assert!(
            Instant::now() < deadline,
            "the write never reached the history insert"
        );
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the call ended early: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The server finishes the statement, then finds the client gone and
    // rolls the transaction back; wait until the connection has ended.
    while in_the_trigger() != 0 {
        assert!(
            Instant::now() < deadline,
            "the killed call's statement never ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        order_8_on(&mariadb, &db),
        before,
        "status, history and stock as before the killed write"
    );
    println!("fault kill-9 mid-write: survived (order 8 {before} unchanged)");
    // And the same write, not killed, goes through whole.
    mariadb.value(Some(&db.name), "DROP TRIGGER cb11_slow");
    let (status, answer) = cgi_call(&shop, "order.update", body);
    assert_eq!(status, 200, "{answer}");
    assert_ne!(order_8_on(&mariadb, &db), before);
}

#[test]
fn a_world_writable_config_is_refused() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let config = shop.bridge_dir().join(".cartbridge/config.toml");
    let (status, _) = cgi_call(&shop, "product.count", b"");
    assert_eq!(status, 200);
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = cgi_run(&shop, "product.count", b"");
    let answer = envelope(&run.response().body);
    let (status, message) = (
        run.response().status,
        answer["return_message"].as_str().unwrap(),
    );

    // The owner's mistake, not the caller's: a 500 that says what to run,
    // naming the file from the store root; where the store lives on the
    // server goes to the web server's error log only.
    assert_eq!(status, 500, "{answer}");
    assert!(message.contains("writable by other users"), "{message}");
    assert!(
        message.contains("chmod 600 bridge2cart/.cartbridge/config.toml"),
        "{message}"
    );
    assert!(!message.contains(shop::SECRET), "{message}");
    let root = shop.root.display().to_string();
    assert!(!message.contains(&root), "{message}");
    assert!(run.stderr_text().contains(&root), "{}", run.stderr_text());
    println!("fault world-writable config: refused, {status} saying what to chmod, no server path");
}

#[test]
fn a_broken_settings_file_is_told_without_the_servers_paths() {
    let nowhere = Db {
        name: "cb11f_nowhere".into(),
        host: "127.0.0.1".into(),
        port: free_port(),
        user: "shop".into(),
        password: "cb11f-never-used".into(),
        socket: None,
    };
    let shop = shop::opencart_mysql(&nowhere, "3.0.3.8");
    let settings = shop.root.join("config.php");
    let root = shop.root.display().to_string();
    let broken: [(&str, &dyn Fn()); 2] = [
        ("computed password", &|| {
            std::fs::write(
                &settings,
                "<?php\ndefine('DB_DRIVER', 'mysqli');\ndefine('DB_HOSTNAME', '127.0.0.1');\n\
                 define('DB_USERNAME', 'shop');\ndefine('DB_PASSWORD', getenv('SHOP_DB'));\n\
                 define('DB_DATABASE', 'shop');\ndefine('DB_PREFIX', 'oc_');\n",
            )
            .unwrap()
        }),
        // Root reads any file whatever its mode: a folder in the file's
        // place is what cannot be read.
        ("not a file", &|| {
            std::fs::remove_file(&settings).unwrap();
            std::fs::create_dir(&settings).unwrap();
        }),
    ];
    for (what, break_it) in broken {
        break_it();
        let run = cgi_run(&shop, "product.count", b"");
        let answer = run.response();
        let message = envelope(&answer.body)["return_message"]
            .as_str()
            .unwrap()
            .to_string();
        println!(
            "fault settings {what}: {} naming config.php, no server path",
            answer.status
        );
        assert_eq!(answer.status, 500, "{message}");
        assert!(message.contains("config.php"), "{message}");
        assert!(!message.contains(&root), "{message}");
        assert!(!message.contains("/tmp"), "{message}");
        assert!(run.stderr_text().contains(&root), "{}", run.stderr_text());
    }
}

/// A signed native call through the web server; the answer and how long
/// it took.
/// Prints the `fault` line of a refusal and checks its status and that it
/// came without a stall (under 2 s); returns its message.
fn refused_fast(fault: &str, answer: &HttpResponse, took: Duration, status: u16) -> String {
    println!(
        "fault {fault}: {} in {} ms",
        answer.status,
        took.as_millis()
    );
    assert_eq!(answer.status, status, "{}", answer.text());
    assert!(took < Duration::from_secs(2), "{fault} took {took:?}");
    envelope(&answer.body)["return_message"].to_string()
}

fn web_call(server: &WebServer, method: &str, body: &[u8]) -> (HttpResponse, Duration) {
    signed_http(server.port, method, body)
}

/// A signed native call over HTTP to 127.0.0.1:`port` (nginx or
/// `cartbridge serve`); the answer and how long it took.
fn signed_http(port: u16, method: &str, body: &[u8]) -> (HttpResponse, Duration) {
    let path = format!("/{method}.json");
    let http_method = if body.is_empty() { "GET" } else { "POST" };
    let (headers, _) = sign_native(http_method, &path, &[], body);
    let mut headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    let started = Instant::now();
    let answer = http(
        port,
        http_method,
        &format!("/bridge2cart/cartbridge{path}"),
        &headers,
        body,
    );
    (answer, started.elapsed())
}

/// The OpenCart 4 fixture shop with its demo orders.
const OPENCART_4: [&str; 3] = [
    "opencart-4.0.2.3-ddl.sql",
    "opencart-4.0.2.3-data.sql",
    "opencart-4-demo-orders.sql",
];

/// [`order_8`] on the private server.
fn order_8_on(server: &PrivateMariadb, db: &Db) -> String {
    server.value(
        Some(&db.name),
        "SELECT CONCAT_WS('/', (SELECT order_status_id FROM oc_order WHERE order_id = 8), \
         (SELECT COUNT(*) FROM oc_order_history WHERE order_id = 8), \
         (SELECT quantity FROM oc_product WHERE product_id = 40))",
    )
}

/// How many sessions of the private server are in `state` (from the
/// process list).
fn sessions_in(server: &PrivateMariadb, state: &str) -> u32 {
    server
        .value(
            None,
            &format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = '{state}'"),
        )
        .parse()
        .unwrap()
}

/// Waits until a session of the private server is in `state` (from the
/// process list), or panics after 30 s.
fn wait_for_session(server: &PrivateMariadb, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while sessions_in(server, state) == 0 {
        assert!(
            Instant::now() < deadline,
            "no session of the private MariaDB reached '{state}'"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_mariadb_killed_and_restarted_under_fastcgi_is_503_then_served_again() {
    let fixtures: Vec<_> = OPENCART_4.iter().map(|f| fixture(f)).collect();
    let fixtures: Vec<&std::path::Path> = fixtures.iter().map(|p| p.as_path()).collect();
    let mut mariadb = PrivateMariadb::start();
    let db = mariadb.database("cb11f_restart", &fixtures);
    let shop = shop::opencart_mysql(&db, "4.0.2.3");
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);
    let (answer, _) = web_call(&server, "product.count", b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let pid = server.fastcgi_pid().expect("the FastCGI process runs");

    // Killed during a call: the write waits in a slow trigger (its second
    // statement) when the server dies. The answer is a 503 at once, and
    // crash recovery leaves nothing of the write.
    let before = order_8_on(&mariadb, &db);
    mariadb.value(
        Some(&db.name),
        "CREATE TRIGGER cb11f_slow BEFORE INSERT ON oc_order_history FOR EACH ROW SET @cb11f = SLEEP(30)",
    );
    let body = br#"{"id":"8","status":"7","comment":"server killed"}"#;
    let (answer, took) = std::thread::scope(|scope| {
        let call = scope.spawn(|| web_call(&server, "order.update", body));
        wait_for_session(&mariadb, "User sleep");
        mariadb.kill();
        let killed = Instant::now();
        let (answer, _) = call.join().unwrap();
        (answer, killed.elapsed())
    });
    println!(
        "fault mariadb-killed-mid-write FastCGI: {} {} ms after the kill",
        answer.status,
        took.as_millis()
    );
    assert_eq!(answer.status, 503, "{}", answer.text());
    assert!(took < Duration::from_secs(2), "{took:?}");
    let message = envelope(&answer.body)["return_message"].to_string();
    assert!(
        message.contains("lost before the write was committed"),
        "{message}"
    );

    // Down: the pooled connection is dead and nothing listens. Each call
    // is a 503 without a stall, and the process keeps serving.
    for method in ["product.count", "order.list"] {
        let (answer, took) = web_call(&server, method, b"");
        let message = refused_fast(
            &format!("mariadb-down FastCGI {method}"),
            &answer,
            took,
            503,
        );
        assert!(message.contains("database is unreachable"), "{message}");
    }

    // Restarted on the same port and data: the same process serves again,
    // and the killed write is not there.
    let restarting = Instant::now();
    mariadb.restart();
    let restarted_in = restarting.elapsed();
    assert_eq!(
        order_8_on(&mariadb, &db),
        before,
        "the killed write rolled back"
    );
    mariadb.value(Some(&db.name), "DROP TRIGGER cb11f_slow");
    let (answer, took) = web_call(&server, "product.count", b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(server.fastcgi_pid(), Some(pid), "the same FastCGI process");
    let (answer, _) = web_call(&server, "order.update", body);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_ne!(
        order_8_on(&mariadb, &db),
        before,
        "the write went through whole"
    );
    println!(
        "fault mariadb-restart FastCGI: 200 in {} ms after the restart ({} ms), same process, killed write rolled back",
        took.as_millis(),
        restarted_in.as_millis()
    );

    // Killed and restarted between two calls: the process holds an idle
    // pooled connection to the old server, which the next call finds dead
    // and replaces.
    let idle = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{}' AND COMMAND = 'Sleep'",
        db.name
    );
    assert_ne!(mariadb.value(None, &idle), "0", "a pooled connection waits");
    mariadb.kill();
    mariadb.restart();
    let (answer, took) = web_call(&server, "product.count", b"");
    println!(
        "fault mariadb-restart-between-calls FastCGI: {} in {} ms, stale pooled connection replaced",
        answer.status,
        took.as_millis()
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(server.fastcgi_pid(), Some(pid), "the same FastCGI process");

    // Killed while a connection waits in the pool, and called while down:
    // the dead connection is noticed and the call is a 503 at once.
    assert_ne!(mariadb.value(None, &idle), "0", "a pooled connection waits");
    mariadb.kill();
    let (answer, took) = web_call(&server, "product.count", b"");
    refused_fast(
        "mariadb-stopped-with-pooled-connection FastCGI",
        &answer,
        took,
        503,
    );
    mariadb.restart();
    let (answer, _) = web_call(&server, "product.count", b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(server.fastcgi_pid(), Some(pid), "the same FastCGI process");
}

#[test]
fn a_write_that_waits_too_long_for_a_row_lock_is_a_503_and_changes_nothing() {
    let fixtures: Vec<_> = OPENCART_4.iter().map(|f| fixture(f)).collect();
    let fixtures: Vec<&std::path::Path> = fixtures.iter().map(|p| p.as_path()).collect();
    let mariadb = PrivateMariadb::start();
    // New sessions (the bridge's) give up on a row lock after 1 s.
    mariadb.value(None, "SET GLOBAL innodb_lock_wait_timeout = 1");
    let db = mariadb.database("cb11f_lockwait", &fixtures);
    let shop = shop::opencart_mysql(&db, "4.0.2.3");
    let before = order_8_on(&mariadb, &db);

    // Another connection holds product 40's row: cancelling order 8 puts
    // its stock back, a step after the order's status and history.
    let mut holder = mariadb
        .client(Some(&db.name))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = holder.stdin.take().unwrap();
        stdin
            .write_all(
                b"BEGIN; SELECT quantity FROM oc_product WHERE product_id = 40 FOR UPDATE; SELECT SLEEP(60);\n",
            )
            .unwrap();
    }
    wait_for_session(&mariadb, "User sleep");

    let body = br#"{"id":"8","status":"7","comment":"lock wait"}"#;
    let started = Instant::now();
    let run = cgi_run(&shop, "order.update", body);
    let took = started.elapsed();
    let answer = run.response();
    let message = envelope(&answer.body)["return_message"]
        .as_str()
        .unwrap()
        .to_string();
    println!(
        "fault lock-wait-timeout order.update: {} in {} ms, Retry-After {}, order 8 {} unchanged",
        answer.status,
        took.as_millis(),
        answer.header("Retry-After").unwrap_or("none"),
        order_8_on(&mariadb, &db)
    );
    assert_eq!(answer.status, 503, "{message}");
    assert_eq!(answer.header("Retry-After"), Some("1"));
    assert!(
        message.contains("database is busy") && message.contains("retry"),
        "{message}"
    );
    assert!(
        !run.stderr_text().contains("panicked"),
        "{}",
        run.stderr_text()
    );
    assert_eq!(
        order_8_on(&mariadb, &db),
        before,
        "status, history and stock as before the refused write"
    );

    // The lock released (the holding session ended on the server, which
    // does not notice a killed client until its SLEEP ends), the same
    // write goes through whole.
    let session = mariadb.value(
        None,
        "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep'",
    );
    mariadb.value(None, &format!("KILL CONNECTION {session}"));
    holder.wait().unwrap();
    let (status, answer) = cgi_call(&shop, "order.update", body);
    assert_eq!(status, 200, "{answer}");
    assert_ne!(order_8_on(&mariadb, &db), before);
}

/// A private mount namespace held open by a `sleep` of its own, so that a
/// test can mount over the state folder without the rest of the machine
/// seeing it, and run the binary inside. Needs root (as the whole rig
/// does); dropping it ends the namespace and its mounts.
struct MountNamespace {
    holder: std::process::Child,
}

impl MountNamespace {
    fn new() -> MountNamespace {
        let holder = Command::new("unshare")
            .args(["-m", "--propagation", "private", "sleep", "600"])
            .spawn()
            .expect("unshare (util-linux) runs: run tests/services.sh");
        let ours = std::fs::read_link("/proc/self/ns/mnt").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        // unshare execs sleep once the namespace is made.
        while std::fs::read_link(format!("/proc/{}/ns/mnt", holder.id())).ok() == Some(ours.clone())
            || std::fs::read_to_string(format!("/proc/{}/comm", holder.id()))
                .is_ok_and(|c| c.trim() != "sleep")
        {
            assert!(Instant::now() < deadline, "unshare -m did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        MountNamespace { holder }
    }

    /// A command that runs inside the namespace.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg("-t")
            .arg(self.holder.id().to_string())
            .arg("-m")
            .arg("--")
            .arg(program);
        cmd
    }

    /// `sh -c script sh args...` inside the namespace, which must succeed.
    fn sh(&self, script: &str, args: &[&str]) {
        let out = self
            .command("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for MountNamespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// `cartbridge log verify` inside the namespace: exit status and output.
fn log_verify(ns: &MountNamespace, shop: &Shop) -> (i32, String) {
    let out = ns
        .command(binary().to_str().unwrap())
        .args(["log", "verify", "--store"])
        .arg(&shop.root)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Calls in the history (gap records aside), and the calls its gap
/// records stand for, from `cartbridge log --json` inside the namespace.
fn recorded_and_missing(ns: &MountNamespace, shop: &Shop) -> (u64, u64) {
    let out = ns
        .command(binary().to_str().unwrap())
        .args(["log", "--json", "--store"])
        .arg(&shop.root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut recorded, mut missing) = (0, 0);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        match record["action"]
            .as_str()
            .unwrap()
            .strip_prefix("calls-not-recorded:")
        {
            Some(calls) if record["outcome"] == "unrecorded" => {
                missing += calls.parse::<u64>().unwrap()
            }
            _ => recorded += 1,
        }
    }
    (recorded, missing)
}

#[test]
fn a_read_only_or_full_state_folder_refuses_clearly_and_the_gap_is_reported() {
    let db = fresh_database("cb11f_state", &[&fixture("opencart-3.0.3.8.sql")]);
    let shop = shop::opencart_mysql(&db, "3.0.3.8");
    let private = shop.bridge_dir().join(".cartbridge");
    let private_path = private.to_str().unwrap();
    let staging = tempfile::tempdir().unwrap();

    // The state folder becomes a 512 KiB tmpfs holding the config, in a
    // namespace of the test's own; `cartbridge serve` runs there, so one
    // process lives through the fault as a FastCGI process does.
    let ns = MountNamespace::new();
    ns.sh(
        r#"cp -a "$1/." "$2" && mount -t tmpfs -o size=512k,mode=0700 cb11f-state "$1" && cp -a "$2/." "$1""#,
        &[private_path, staging.path().to_str().unwrap()],
    );
    let port = free_port();
    let log = staging.path().join("serve.log");
    let mut serve = ns
        .command(binary().to_str().unwrap())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--store"])
        .arg(&shop.root)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "cartbridge serve did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let calls = std::cell::Cell::new(0);
    let call = |method: &str, body: &[u8]| {
        calls.set(calls.get() + 1);
        signed_http(port, method, body)
    };
    let (answer, _) = call("product.count", b"");
    assert_eq!(answer.status, 200, "{}", answer.text());

    // Read-only: nothing can be recorded, nonces neither, so every call
    // is refused (the bridge fails closed), clearly and at once.
    ns.sh(r#"mount -o remount,ro "$1""#, &[private_path]);
    let mut refused = 0;
    for (method, body) in [
        ("product.count", &b""[..]),
        ("order.list", b""),
        ("order.update", br#"{"id":"1","status":"7"}"#),
    ] {
        let (answer, took) = call(method, body);
        let message = refused_fast(
            &format!("state-read-only serve {method}"),
            &answer,
            took,
            500,
        );
        assert!(message.contains("state store"), "{message}");
        assert!(!message.contains(private_path), "{message}");
        refused += 1;
    }
    // A CGI process in the same state refuses the same way; it ends with
    // its call, so nothing but the web server's error log keeps it.
    let path = "/product.count.json";
    let (headers, _) = sign_native("GET", path, &[], b"");
    let cgi = ns
        .command(shop.script.to_str().unwrap())
        .env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("REQUEST_METHOD", "GET")
        .env("SCRIPT_FILENAME", &shop.script)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", "")
        .env("REMOTE_ADDR", "127.0.0.1")
        .envs(cgi_headers(&headers, b""))
        .output()
        .unwrap();
    let cgi_answer = common::parse_cgi_output(&cgi.stdout).unwrap();
    assert_eq!(cgi_answer.status, 500, "{}", cgi_answer.text());
    assert!(String::from_utf8_lossy(&cgi.stderr).contains("was not recorded"));
    println!(
        "fault state-read-only CGI product.count: {}, unrecorded call in the error log only (no gap record under CGI)",
        cgi_answer.status
    );

    // Writable again: the next call is answered, and the history says
    // what it lacks.
    ns.sh(r#"mount -o remount,rw "$1""#, &[private_path]);
    let (answer, _) = call("product.count", b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let (status, report) = log_verify(&ns, &shop);
    println!(
        "fault state-read-only log verify: exit {status}, reports {refused} calls not recorded"
    );
    assert_eq!(status, 1, "{report}");
    assert!(report.contains("INCOMPLETE"), "{report}");
    assert!(
        report.contains(&format!("{refused} calls could not be recorded")),
        "{report}"
    );
    assert_eq!(
        recorded_and_missing(&ns, &shop),
        (calls.get() - refused, refused)
    );

    // Full: a filler takes every free byte. Calls are answered or refused
    // clearly; whichever could not be recorded is counted in a gap.
    ns.sh(
        r#"cat /dev/zero > "$1/filler" 2>/dev/null; test -s "$1/filler""#,
        &[private_path],
    );
    let mut full_statuses = Vec::new();
    for method in ["product.count", "product.count", "order.list"] {
        let (answer, took) = call(method, b"");
        println!(
            "fault state-disk-full serve {method}: {} in {} ms",
            answer.status,
            took.as_millis()
        );
        assert!(
            answer.status == 200 || answer.status == 500,
            "{}",
            answer.text()
        );
        if answer.status == 500 {
            let message = envelope(&answer.body)["return_message"].to_string();
            assert!(
                message.contains("state store") || message.contains("nonce"),
                "{message}"
            );
            assert!(!message.contains(private_path), "{message}");
        }
        assert!(took < Duration::from_secs(2), "{took:?}");
        full_statuses.push(answer.status);
    }
    ns.sh(r#"rm "$1/filler""#, &[private_path]);
    let (answer, _) = call("product.count", b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let (recorded, missing) = recorded_and_missing(&ns, &shop);
    let (status, report) = log_verify(&ns, &shop);
    println!(
        "fault state-disk-full: {full_statuses:?} while full; {recorded} calls recorded and {missing} reported missing of {}; log verify exit {status}",
        calls.get()
    );
    assert_eq!(
        recorded + missing,
        calls.get(),
        "every call recorded or counted in a gap"
    );
    assert!(missing > refused, "the full disk left a gap: {report}");
    assert_eq!(status, 1, "{report}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        log.matches("was not recorded").count() as u64,
        missing,
        "{log}"
    );
    let _ = serve.kill();
    let _ = serve.wait();
    db.drop_database();
}
