//! Load and soak on a real OpenCart 4 store in MariaDB: 200 concurrent
//! calls through nginx + fcgiwrap (one CGI process per call), and a FastCGI
//! soak under `wrk` with mixed reads and writes. What must hold: no error
//! answers, every write in the database exactly once, the call history
//! complete (one record per call nginx passed on) with its chain intact, and
//! the FastCGI process's memory flat.
//!
//! The soak lasts `CB_SOAK_SECONDS` (30 in the suite; `tests/reliability.sh`
//! runs 600). Rate limits are off for the test key (`[limits]`): one load
//! generator on loopback is not what they are for.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::shop::{self, sign_native, Shop, KEY_ID, SECRET};
use common::{binary, fixture, fresh_database, http, mysql_rows, Db, WebServer};

const UNLIMITED: &str =
    "\n[limits]\nper_key = \"off\"\nper_ip = \"off\"\nhistory_max_bytes = 1073741824\n";

fn store(database: &str) -> (Db, Shop) {
    let db = fresh_database(
        database,
        &[
            &fixture("opencart-4.0.2.3-ddl.sql"),
            &fixture("opencart-4.0.2.3-data.sql"),
            &fixture("opencart-4-demo-orders.sql"),
        ],
    );
    let shop = shop::opencart_mysql(&db, "4.0.2.3");
    shop.write_private_config(&format!("{}{UNLIMITED}", shop::key_section()));
    (db, shop)
}

/// Each order with its current status: a write that keeps the status and
/// adds a comment changes nothing but the history (no stock moves).
fn orders(db: &Db) -> Vec<(String, String)> {
    mysql_rows(
        db,
        "SELECT order_id, order_status_id FROM oc_order WHERE order_status_id > 0 ORDER BY order_id",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1].clone()))
    .collect()
}

/// Comments that start with `prefix` in the order history: (rows, distinct).
fn written(db: &Db, prefix: &str) -> (u64, u64) {
    let row = mysql_rows(
        db,
        &format!(
            "SELECT COUNT(*), COUNT(DISTINCT comment) FROM oc_order_history WHERE comment LIKE '{prefix}%'"
        ),
    );
    (row[0][0].parse().unwrap(), row[0][1].parse().unwrap())
}

/// The number of records in the store's call history, and whether
/// `cartbridge log verify` finds the chain intact.
fn history(shop: &Shop) -> (u64, bool) {
    let out = Command::new(binary())
        .args(["log", "--json", "--store"])
        .arg(&shop.root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cartbridge log: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    let verify = Command::new(binary())
        .args(["log", "verify", "--store"])
        .arg(&shop.root)
        .output()
        .unwrap();
    (records.count() as u64, verify.status.success())
}

/// What nginx's access log shows of the bridge's calls.
struct Logged {
    calls: u64,
    /// `order.update` answered 200.
    writes: u64,
    /// `order.update` the client gave up on (499: in flight when wrk
    /// stopped); the bridge may have finished them.
    writes_cut: u64,
}

fn logged(server: &WebServer) -> Logged {
    let log = server.access_log();
    let bridge = || log.lines().filter(|l| l.contains(" /bridge2cart/"));
    let writes_with = |status: &str| {
        bridge()
            .filter(|l| l.contains("\"POST /bridge2cart/cartbridge/order.update.json "))
            .filter(|l| l.contains(&format!("\" {status} ")))
            .count() as u64
    };
    Logged {
        calls: bridge().count() as u64,
        writes: writes_with("200"),
        writes_cut: writes_with("499"),
    }
}

#[test]
fn two_hundred_concurrent_cgi_calls_are_all_answered_and_every_write_lands_once() {
    let (db, shop) = store("cb11_load_cgi");
    let orders = orders(&db);
    // 50 fcgiwrap workers: 50 bridge processes at once, each with its own
    // database connection and the shared SQLite state (nonces, history).
    let server = WebServer::nginx_cgi_children(&shop.root, &shop.script, 50);
    let calls = 200;
    let barrier = Arc::new(Barrier::new(calls));
    let started = Instant::now();
    let answers: Vec<(String, u16, String)> = (0..calls)
        .map(|i| {
            let barrier = barrier.clone();
            let port = server.port;
            let (id, status) = orders[i % orders.len()].clone();
            std::thread::spawn(move || {
                let (method, http_method, query, body) = match i % 4 {
                    0 => (
                        "order.update",
                        "POST",
                        vec![],
                        format!(r#"{{"id":"{id}","status":"{status}","comment":"cgi-load-{i}"}}"#),
                    ),
                    1 => ("product.list", "GET", vec![("count", "20")], String::new()),
                    2 => ("order.list", "GET", vec![("count", "10")], String::new()),
                    _ => ("customer.list", "GET", vec![("count", "10")], String::new()),
                };
                let path = format!("/{method}.json");
                let (mut headers, query) = sign_native(http_method, &path, &query, body.as_bytes());
                if !body.is_empty() {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let url = format!("/bridge2cart/cartbridge{path}?{query}");
                barrier.wait();
                let answer = http(port, http_method, &url, &headers, body.as_bytes());
                (method.to_string(), answer.status, answer.text())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let took = started.elapsed();
    let failed: Vec<_> = answers
        .iter()
        .filter(|(_, status, _)| *status != 200)
        .collect();
    let writes = answers
        .iter()
        .filter(|(m, _, _)| m == "order.update")
        .count() as u64;
    let (rows, distinct) = written(&db, "cgi-load-");
    let (records, intact) = history(&shop);
    println!(
        "load 200 concurrent CGI calls: {} of {calls} answered 200 in {} ms; {writes} writes, {rows} history rows ({distinct} distinct); call history {records} records, chain {}",
        calls - failed.len(),
        took.as_millis(),
        if intact { "intact" } else { "BROKEN" }
    );
    assert!(
        failed.is_empty(),
        "{} calls failed, e.g. {:?}",
        failed.len(),
        failed[0]
    );
    assert_eq!(
        (rows, distinct),
        (writes, writes),
        "every write exactly once"
    );
    assert_eq!(records, calls as u64, "one history record per call");
    assert!(intact, "cartbridge log verify failed");
}

fn median(values: &[u64]) -> u64 {
    let mut v = values.to_vec();
    v.sort_unstable();
    v[v.len() / 2]
}

/// `soak <name> <number>` lines of the Lua script's `done`.
fn soak_figure(wrk_output: &str, name: &str) -> u64 {
    wrk_output
        .lines()
        .find_map(|l| l.strip_prefix(&format!("soak {name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no `soak {name}`:\n{wrk_output}"))
}

#[test]
fn a_fastcgi_soak_with_mixed_reads_and_writes_serves_every_call() {
    let seconds: u64 = std::env::var("CB_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    assert!(
        seconds >= 8,
        "CB_SOAK_SECONDS: give at least 8 (memory is sampled each second)"
    );
    let wrk = common::require_program("wrk");
    let (db, shop) = store("cb11_soak");
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);
    let pid = server.fastcgi_pid().expect("the FastCGI process runs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/load_support/soak.lua");
    let mut args: Vec<String> = vec![
        "-t2".into(),
        "-c8".into(),
        format!("-d{seconds}s"),
        "--timeout".into(),
        "10s".into(),
        "-s".into(),
        script.display().to_string(),
        format!("http://127.0.0.1:{}/", server.port),
        "--".into(),
        KEY_ID.into(),
        SECRET.into(),
    ];
    args.extend(
        orders(&db)
            .into_iter()
            .map(|(id, status)| format!("{id}:{status}")),
    );

    // Memory sampled once a second while wrk runs.
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                samples.push(common::memory_kib(pid, "VmRSS").unwrap_or(0));
                std::thread::sleep(Duration::from_secs(1));
            }
            samples
        })
    };
    let out = Command::new(&wrk).args(&args).output().expect("run wrk");
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let samples = sampler.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let ok = soak_figure(&text, "answered_ok");
    let failures = soak_figure(&text, "failures");
    let socket_errors = text.lines().any(|l| l.contains("Socket errors"));
    // nginx may still be finishing the calls in flight when wrk stops.
    std::thread::sleep(Duration::from_secs(2));
    let Logged {
        calls,
        writes,
        writes_cut,
    } = logged(&server);
    let (rows, distinct) = written(&db, "soak-");
    let (records, intact) = history(&shop);
    // Flat: the median of the last quarter against the median of the third
    // (the first half is warm-up: pool, caches, one malloc arena per
    // connection thread), within 5 % or 2 MiB: the allocator's noise.
    let quarter = (samples.len() / 4).max(1);
    let settled = median(&samples[2 * quarter..3 * quarter]);
    let last = median(&samples[samples.len() - quarter..]);
    let tolerance = (settled / 20).max(2048);
    println!(
        "load FastCGI soak {seconds} s under wrk -t2 -c8: {ok} calls answered 200, {failures} errors; {writes} writes answered and {writes_cut} cut off by wrk's end, {rows} order history rows ({distinct} distinct); call history {records} of {calls} calls, chain {}; RSS {settled} KiB settled, {last} KiB at the end, peak {} KiB",
        if intact { "intact" } else { "BROKEN" },
        samples.iter().max().unwrap()
    );
    assert_eq!(failures, 0, "errors under load:\n{text}");
    assert!(!socket_errors, "wrk saw socket errors:\n{text}");
    assert!(ok > 0, "no call was answered:\n{text}");
    assert_eq!(rows, distinct, "no write twice");
    assert!(
        (writes..=writes + writes_cut).contains(&rows),
        "every answered write present, and none that was not sent: {rows} rows, {writes} answered, {writes_cut} cut off"
    );
    assert_eq!(
        records, calls,
        "one history record per call nginx passed on"
    );
    assert!(intact, "cartbridge log verify failed");
    assert!(
        last <= settled + tolerance,
        "RSS grew from {settled} KiB to {last} KiB: {samples:?}"
    );
}
