//! Self-test of the test rig (tests/common/mod.rs) with stand-ins instead of the real binary:
//! a shell CGI script under nginx + fcgiwrap and directly as CGI; fcgiwrap itself as the FastCGI
//! program under spawn-fcgi (it takes the listening socket on fd 0 like the binary does); the
//! shared MariaDB with the OpenCart fixtures.

mod common;

use common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Prints `Status: 201`, a header, then `env`, a marker and the body read from stdin. The body is
/// read completely before anything is written: fcgiwrap feeds the whole body to the script before
/// it reads the script's output, so echoing while reading deadlocks once a pipe fills (64 KiB).
const ECHO_CGI: &str = "#!/bin/sh
body=\"$(dirname \"$0\")/last-body.bin\"
head -c \"${CONTENT_LENGTH:-0}\" > \"$body\"
printf 'Status: 201 Created\\r\\nX-Rig: yes\\r\\nContent-Type: text/plain\\r\\n\\r\\n'
env
printf '%s\\n' '--body--'
cat \"$body\"
";

struct Site {
    _tmp: tempfile::TempDir,
    docroot: PathBuf,
    script: PathBuf,
}

/// A docroot with `bridge2cart/cartbridge` = the echo script (or a symlink to it).
fn site(symlink: bool) -> Site {
    let tmp = tempfile::Builder::new()
        .prefix("cbrig")
        .tempdir_in("/tmp")
        .unwrap();
    let docroot = tmp.path().join("www");
    fs::create_dir_all(docroot.join("bridge2cart")).unwrap();
    let script = docroot.join("bridge2cart").join("cartbridge");
    let real = if symlink {
        tmp.path().join("real-echo.sh")
    } else {
        script.clone()
    };
    fs::write(&real, ECHO_CGI).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o755)).unwrap();
    if symlink {
        std::os::unix::fs::symlink(&real, &script).unwrap();
    }
    Site {
        _tmp: tmp,
        docroot,
        script,
    }
}

/// The `env` lines of an echo answer (bytes, since values may be non-UTF-8).
fn env_lines(body: &[u8]) -> Vec<&[u8]> {
    let end = find(body, b"--body--\n").expect("marker in the echo output");
    body[..end].split(|&b| b == b'\n').collect()
}

fn env_var<'a>(body: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let prefix = format!("{name}=");
    env_lines(body)
        .into_iter()
        .find(|l| l.starts_with(prefix.as_bytes()))
        .map(|l| &l[prefix.len()..])
}

fn echoed_body(body: &[u8]) -> &[u8] {
    let m = b"--body--\n";
    &body[find(body, m).expect("marker") + m.len()..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn big_body(len: usize) -> Vec<u8> {
    // all byte values, not a multiple of anything nginx buffers in
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn var(r: &HttpResponse, name: &str) -> String {
    String::from_utf8_lossy(env_var(&r.body, name).unwrap_or(b"<unset>")).into_owned()
}

fn check_shapes(srv: &WebServer, script: &Path) {
    let logs = || srv.logs();

    let r = http(srv.port, "GET", "/bridge2cart/bridge.php?x=1", &[], b"");
    assert_eq!(r.status, 201, "{}\n{}", r.text(), logs());
    assert_eq!(r.header("x-rig"), Some("yes"));
    assert_eq!(var(&r, "SCRIPT_FILENAME"), script.to_str().unwrap());
    assert_eq!(var(&r, "PATH_INFO"), "");
    assert_eq!(var(&r, "QUERY_STRING"), "x=1");
    assert_eq!(var(&r, "GATEWAY_INTERFACE"), "CGI/1.1");
    assert_eq!(var(&r, "REQUEST_METHOD"), "GET");

    let r = http(
        srv.port,
        "GET",
        "/bridge2cart/cartbridge/v1/ping?y=2",
        &[],
        b"",
    );
    assert_eq!(r.status, 201, "{}\n{}", r.text(), logs());
    assert_eq!(var(&r, "PATH_INFO"), "/v1/ping");
    assert_eq!(var(&r, "SCRIPT_NAME"), "/bridge2cart/cartbridge");
    assert_eq!(var(&r, "SCRIPT_FILENAME"), script.to_str().unwrap());
    assert_eq!(var(&r, "QUERY_STRING"), "y=2");

    let r = http(srv.port, "GET", "/bridge2cart/cartbridge", &[], b"");
    assert_eq!(r.status, 201, "{}\n{}", r.text(), logs());
    assert_eq!(var(&r, "PATH_INFO"), "");

    // %FF is decoded by nginx: the raw byte reaches PATH_INFO.
    let r = http(srv.port, "GET", "/bridge2cart/cartbridge/a%FFb", &[], b"");
    assert_eq!(r.status, 201, "{}\n{}", r.text(), logs());
    assert_eq!(env_var(&r.body, "PATH_INFO"), Some(&b"/a\xffb"[..]));

    // A non-UTF-8 header value passes through.
    let r = http_bytes(
        srv.port,
        "GET",
        b"/bridge2cart/cartbridge/h",
        &[("X-Raw", b"\xff\xfe")],
        b"",
    );
    assert_eq!(r.status, 201, "{}\n{}", r.text(), logs());
    assert_eq!(env_var(&r.body, "HTTP_X_RAW"), Some(&b"\xff\xfe"[..]));

    // Other URLs are not the script.
    let r = http(srv.port, "GET", "/bridge2cart/cartbridgeX", &[], b"");
    assert_eq!(r.status, 404, "{}", r.text());

    // 600 KB POST arrives whole (and comes back chunked or with a length).
    let body = big_body(600 * 1024);
    let r = http(
        srv.port,
        "POST",
        "/bridge2cart/cartbridge/upload",
        &[("Content-Type", "application/octet-stream")],
        &body,
    );
    assert_eq!(r.status, 201, "{}", logs());
    assert_eq!(var(&r, "CONTENT_LENGTH"), body.len().to_string());
    assert_eq!(var(&r, "CONTENT_TYPE"), "application/octet-stream");
    assert!(
        echoed_body(&r.body) == body,
        "600 KB body changed on the way"
    );
}

#[test]
fn nginx_cgi_both_url_shapes_and_big_body() {
    let s = site(false);
    let srv = WebServer::nginx_cgi(&s.docroot, &s.script);
    check_shapes(&srv, &s.script);
    assert!(srv.fastcgi_pid().is_none());
    assert!(
        srv.error_log().contains("start worker process"),
        "{}",
        srv.error_log()
    );

    // reload: new worker, still serving
    let before = srv.worker_pids();
    srv.reload();
    let after = srv.worker_pids();
    assert_ne!(before, after, "reload changed no worker");
    let r = http(
        srv.port,
        "GET",
        "/bridge2cart/cartbridge/after-reload",
        &[],
        b"",
    );
    assert_eq!(var(&r, "PATH_INFO"), "/after-reload", "{}", srv.logs());

    // Drop stops nginx and fcgiwrap (workers included) and frees the port.
    let port = srv.port;
    let mut pids = after;
    pids.extend(srv.worker_pids());
    let backend = srv.backend_pids();
    assert_eq!(
        backend.len(),
        5,
        "fcgiwrap -c 4: parent + 4 workers: {backend:?}"
    );
    pids.extend(backend);
    let dir = srv.dir().to_path_buf();
    drop(srv);
    for p in pids {
        assert!(!process_alive(p), "process {p} survived Drop");
    }
    assert!(!dir.exists(), "temp dir left behind");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn nginx_cgi_symlinked_script() {
    let s = site(true);
    assert!(fs::symlink_metadata(&s.script)
        .unwrap()
        .file_type()
        .is_symlink());
    let srv = WebServer::nginx_cgi(&s.docroot, &s.script);
    let r = http(srv.port, "GET", "/bridge2cart/cartbridge/x", &[], b"");
    assert_eq!(r.status, 201, "{}\n{}", r.text(), srv.logs());
    assert_eq!(var(&r, "SCRIPT_FILENAME"), s.script.to_str().unwrap());
    assert_eq!(var(&r, "PATH_INFO"), "/x");
}

/// fcgiwrap is a FastCGI responder that takes its listening socket on fd 0: it stands in for the
/// binary under spawn-fcgi and runs the echo script named by SCRIPT_FILENAME.
#[test]
fn nginx_fastcgi_with_fcgiwrap_standin() {
    let s = site(false);
    let fcgiwrap = require_program("fcgiwrap");
    let srv = WebServer::nginx_fastcgi(&s.docroot, &s.script, &fcgiwrap, &[]);
    let pid = srv.fastcgi_pid().expect("FastCGI program pid");
    assert!(process_alive(pid));
    check_shapes(&srv, &s.script);
    assert_eq!(srv.fastcgi_pid(), Some(pid), "program restarted");

    srv.reload();
    let r = http(
        srv.port,
        "GET",
        "/bridge2cart/cartbridge/after-reload",
        &[],
        b"",
    );
    assert_eq!(var(&r, "PATH_INFO"), "/after-reload", "{}", srv.logs());
    assert_eq!(srv.fastcgi_pid(), Some(pid));

    let body = big_body(2 * 1024 * 1024);
    let r = http(srv.port, "POST", "/bridge2cart/cartbridge/big", &[], &body);
    assert_eq!(r.status, 201, "{}", srv.logs());
    assert!(
        echoed_body(&r.body) == body,
        "2 MiB body changed on the way"
    );
    assert!(srv.backend_socket().exists());

    // SIGTERM while idle: the program exits, fastcgi_pid() turns None.
    assert!(srv.signal_fastcgi("TERM"));
    let st = srv.wait_backend_exit(Duration::from_secs(5));
    assert!(st.is_some(), "FastCGI program ignored SIGTERM");
    assert_eq!(srv.fastcgi_pid(), None);
    let r = http(srv.port, "GET", "/bridge2cart/cartbridge/gone", &[], b"");
    assert_eq!(r.status, 502);
}

#[test]
fn run_cgi_directly() {
    let s = site(false);
    let body = big_body(600 * 1024);
    let r = run_cgi(
        &s.script,
        &s.script,
        "POST",
        b"/v1/\xffx",
        "a=1&b=2",
        &[
            ("HTTP_X_RAW", b"\xfe\xff"),
            ("CONTENT_TYPE", b"application/json"),
        ],
        &body,
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.header("X-Rig"), Some("yes"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert!(r.header("status").is_none());
    assert_eq!(env_var(&r.body, "PATH_INFO"), Some(&b"/v1/\xffx"[..]));
    assert_eq!(env_var(&r.body, "HTTP_X_RAW"), Some(&b"\xfe\xff"[..]));
    assert_eq!(var(&r, "CONTENT_TYPE"), "application/json");
    assert_eq!(var(&r, "CONTENT_LENGTH"), body.len().to_string());
    assert_eq!(var(&r, "QUERY_STRING"), "a=1&b=2");
    assert_eq!(var(&r, "GATEWAY_INTERFACE"), "CGI/1.1");
    assert_eq!(var(&r, "REMOTE_ADDR"), "127.0.0.1");
    assert_eq!(var(&r, "SCRIPT_FILENAME"), s.script.to_str().unwrap());
    assert_eq!(var(&r, "HOME"), "<unset>", "environment not cleared");
    assert!(echoed_body(&r.body) == body);

    // GET without a body: no CONTENT_LENGTH
    let r = run_cgi(&s.script, &s.script, "GET", b"", "", &[], b"");
    assert_eq!(var(&r, "CONTENT_LENGTH"), "<unset>");
    assert_eq!(var(&r, "PATH_INFO"), "");
    assert!(echoed_body(&r.body).is_empty());
}

#[test]
fn cgi_output_parsing() {
    let r = parse_cgi_output(b"Content-Type: text/plain\n\nhello").unwrap();
    assert_eq!((r.status, r.text().as_str()), (200, "hello"));
    let r = parse_cgi_output(b"Status: 404 Not Found\r\nX-A: b\r\n\r\n\r\nx").unwrap();
    assert_eq!((r.status, r.body.as_slice()), (404, &b"\r\nx"[..]));
    let r = parse_cgi_output(b"Location: /x\n\n").unwrap();
    assert_eq!(r.status, 302);
    assert!(parse_cgi_output(b"garbage").is_err());
}

#[test]
fn http_response_parsing() {
    let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5\r\nhello\r\n3;ext=1\r\n, w\r\n0\r\n\r\n";
    let r = parse_http_response(raw, false).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-a"), Some("1"));
    assert_eq!(r.text(), "hello, w");
    let r = parse_http_response(
        b"HTTP/1.1 413 Too Large\r\nContent-Length: 2\r\n\r\nabXYZ",
        false,
    )
    .unwrap();
    assert_eq!((r.status, r.text().as_str()), (413, "ab"));
}

#[test]
fn free_ports_differ() {
    let a = free_port();
    let b = free_port();
    assert_ne!(a, b);
}

#[test]
fn database_fresh_and_query() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = tmp.path().join("t.sql");
    fs::write(
        &sql,
        "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(32) NOT NULL,\n\
         d datetime NOT NULL DEFAULT '0000-00-00 00:00:00', n int NOT NULL) ENGINE=MyISAM;\n\
         INSERT INTO t (name) VALUES ('caf\u{e9} \u{1f600}');\n",
    )
    .unwrap();
    let db = fresh_database("cb_rig_basic", &[&sql]);
    assert_eq!(
        (db.host.as_str(), db.port, db.user.as_str()),
        ("127.0.0.1", 3306, "root")
    );
    assert_eq!(
        mysql_query(&db, "SELECT id, name, d, n FROM t"),
        "1\tcaf\u{e9} \u{1f600}\t0000-00-00 00:00:00\t0\n"
    );
    assert_eq!(mysql_value(&db, "SELECT @@session.sql_mode"), "");
    assert!(mysql_try_query(&db, "SELECT * FROM nope").is_err());
    // fresh again: the table is gone
    let db = fresh_database("cb_rig_basic", &[]);
    assert_eq!(mysql_value(&db, "SHOW TABLES"), "");
    db.drop_database();
}

#[test]
fn opencart_fixtures_load() {
    let cases: [(&str, &[&str], &str); 3] = [
        ("cb_rig_oc3038", &["opencart-3.0.3.8.sql"], "136"),
        (
            "cb_rig_oc4023",
            &["opencart-4.0.2.3-ddl.sql", "opencart-4.0.2.3-data.sql"],
            "152",
        ),
        (
            "cb_rig_oc4104",
            &["opencart-4.1.0.4-ddl.sql", "opencart-4.1.0.4-data.sql"],
            "159",
        ),
    ];
    for (name, files, tables) in cases {
        let paths: Vec<PathBuf> = files.iter().map(|f| fixture(f)).collect();
        let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let db = fresh_database(name, &refs);
        assert_eq!(
            mysql_value(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{name}'"
                )
            ),
            tables,
            "{name}"
        );
        assert_eq!(
            mysql_value(&db, "SELECT COUNT(*) FROM oc_product"),
            "19",
            "{name}"
        );
        assert_eq!(
            mysql_value(&db, "SELECT COUNT(*) FROM oc_order_status"),
            "14",
            "{name}"
        );
        db.drop_database();
    }
}
