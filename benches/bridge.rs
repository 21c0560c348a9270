//! The benchmark behind `BENCHMARKS.md` (run by `bench/run.sh`): an
//! OpenCart 3 store on the shared MariaDB (database `cb10_bench`, 100,000
//! more products), the release binary run as a web server runs it, and the
//! database's own speed for the same SQL. Prints Markdown on stdout.
//!
//! * CGI: each call is a fresh process with the CGI environment (what
//!   fcgiwrap or Apache's mod_cgi does), timed from spawn to exit;
//! * FastCGI: nginx `fastcgi_pass` to the binary under `spawn-fcgi`, loaded
//!   by `wrk` at 8 connections (native calls each carry a new signature:
//!   single-use nonces, pre-signed before the run);
//! * the physical limit: `mariadb-slap` running the same SQL at the same
//!   concurrency;
//! * the export: every product through `product.list` pages of 250 with
//!   `page_cursor`, one CGI process per page, against the `mariadb` client
//!   running the same page queries on one connection.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/native_support/mod.rs"]
mod native_support;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::legacy::encode;
use common::shop::{self, sign_legacy, sign_native_as, Shop};
use common::{binary, WebServer};
use native_support::{product_list_sql, Generation, Store, TestShop};

const DATABASE: &str = "cb10_bench";
const BULK: i64 = 100_000;
const CONCURRENCY: u32 = 8;
/// The legacy `query` a gateway sends to read a page of products.
const LEGACY_SQL: &str = "SELECT p.product_id, p.model, p.sku, p.quantity, p.price, p.status, \
     p.date_added, p.date_modified, pd.name, pd.description FROM oc_product p \
     JOIN oc_product_description pd ON pd.product_id = p.product_id AND pd.language_id = 1 \
     ORDER BY p.product_id LIMIT 250";

fn main() {
    // `cargo test --all-targets` runs this file too (without `--bench`):
    // it only needs to build there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("the benchmark runs with `cargo bench --bench bridge` (see bench/run.sh)");
        return;
    }
    let runs: usize = env_number("CB_BENCH_RUNS", 200);
    let seconds: u64 = env_number("CB_BENCH_SECONDS", 10) as u64;
    let binary = std::env::var_os("CB_BENCH_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(binary);
    // CB_BENCH_PARTS=cgi,fastcgi,export,profile runs only those parts (for
    // iterating on one figure); BENCHMARKS.md is always made with all.
    let parts = std::env::var("CB_BENCH_PARTS").unwrap_or_default();
    let part = |name: &str| parts.is_empty() || parts.split(',').any(|p| p == name);
    let test_shop = bench_shop(&binary);
    let shop = &test_shop.shop;
    let calls = Calls::new();

    if part("cgi") {
        cgi_table(shop, &calls, runs);
    }
    if part("fastcgi") {
        fastcgi_tables(shop, &calls, &binary, seconds);
    }
    if part("export") {
        export(shop);
        export_tool(shop, &binary);
    }
    if part("profile") {
        profile(shop, &calls, &binary);
    }
    if let Store::Mariadb(db) = &test_shop.store {
        db.drop_database();
    }
}

fn cgi_table(shop: &Shop, calls: &Calls, runs: usize) {
    println!("## CGI: one process per call ({runs} runs each, spawn to exit)\n");
    println!("| call | answer bytes | median | p95 | mean |\n|---|---:|---:|---:|---:|");
    for (label, call) in calls.each() {
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for _ in 0..runs {
            let run = call.cgi(shop);
            assert_eq!(run.status, 200, "{label}: {}", run.text());
            bytes = run.body.len();
            times.push(run.elapsed);
        }
        let s = Stats::of(&mut times);
        println!(
            "| {label} | {bytes} | {} | {} | {} |",
            ms(s.median),
            ms(s.p95),
            ms(s.mean)
        );
    }
}

/// FastCGI under wrk, then the database's own speed for the same SQL.
fn fastcgi_tables(shop: &Shop, calls: &Calls, binary: &Path, seconds: u64) {
    println!("\n## FastCGI through nginx: `wrk -t2 -c{CONCURRENCY} -d{seconds}s --latency`\n");
    println!(
        "| call | requests/s | latency p50 | p90 | p99 | non-2xx |\n|---|---:|---:|---:|---:|---:|"
    );
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, binary, &[]);
    let mut bridge_rates = Vec::new();
    for (label, call) in calls.each() {
        let wrk = call.wrk(server.port, seconds);
        println!(
            "| {label} | {:.0} | {} | {} | {} | {} |",
            wrk.rate, wrk.p50, wrk.p90, wrk.p99, wrk.non_2xx
        );
        bridge_rates.push((label, wrk.rate));
    }
    let fastcgi_rss = server.fastcgi_pid().map(peak_rss_kib).unwrap_or_default();
    println!("\nPeak RSS of the FastCGI process after these runs: {fastcgi_rss} KiB.");
    drop(server);

    println!(
        "\n## The database's own speed: `mariadb-slap --concurrency={CONCURRENCY}`, same SQL\n"
    );
    println!(
        "| SQL of | queries/s | bridge requests/s | bridge / database |\n|---|---:|---:|---:|"
    );
    for (label, sql) in [
        ("legacy query, 250 rows", LEGACY_SQL.to_string()),
        (
            "native product.list count=250",
            one_line(&product_list_sql(0, 0)),
        ),
    ] {
        let rate = slap(&sql);
        let bridge = bridge_rates
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0.0, |(_, r)| *r);
        println!(
            "| {label} | {rate:.0} | {bridge:.0} | {:.0} % |",
            100.0 * bridge / rate
        );
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// OpenCart 3 with its demo data and 100,000 more products, with rates
/// high enough that the limiter counts every call (its cost is part of the
/// figures) without refusing any.
fn bench_shop(binary: &Path) -> TestShop {
    let shop = TestShop::mariadb_in(Generation::Oc3, DATABASE);
    // The bridge folder runs the binary under test, not the test build.
    std::fs::remove_file(&shop.shop.script).unwrap();
    std::os::unix::fs::symlink(binary, &shop.shop.script).unwrap();
    shop.add_bulk_products(BULK);
    shop.shop.write_private_config(&format!(
        "[limits]\nper_key = \"100000000/minute\"\nper_ip = \"100000000/minute\"\n\n{}",
        shop::key_section()
    ));
    shop
}

/// The three calls the issue names.
struct Calls {
    checkbridge: Call,
    legacy: Call,
    native: Call,
}

impl Calls {
    fn new() -> Calls {
        let query = encode(LEGACY_SQL.as_bytes());
        Calls {
            checkbridge: Call::Legacy(sign_legacy(&[("action", "checkbridge")])),
            legacy: Call::Legacy(sign_legacy(&[
                ("action", "query"),
                ("fetchMode", "1"),
                ("query", &query),
            ])),
            native: Call::Native {
                method: "product.list",
                query: vec![("count", "250")],
            },
        }
    }

    fn each(&self) -> [(&'static str, &Call); 3] {
        [
            ("checkbridge", &self.checkbridge),
            ("legacy query, 250 rows", &self.legacy),
            ("native product.list count=250", &self.native),
        ]
    }
}

enum Call {
    /// A signed legacy body (replayable, as the incumbent's protocol is).
    Legacy(String),
    /// A native GET, signed anew for each request.
    Native {
        method: &'static str,
        query: Vec<(&'static str, &'static str)>,
    },
}

/// One CGI process: its answer, wall time and peak RSS.
struct Run {
    status: u16,
    body: Vec<u8>,
    elapsed: Duration,
    max_rss_kib: i64,
}

impl Run {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(400)]).into_owned()
    }
}

impl Call {
    fn cgi(&self, shop: &Shop) -> Run {
        self.cgi_with(shop, &[], &shop.script)
    }

    fn cgi_with(&self, shop: &Shop, extra: &[(&str, &str)], program: &Path) -> Run {
        match self {
            Call::Legacy(body) => cgi(
                shop,
                program,
                "POST",
                "",
                "",
                &[],
                body.as_bytes(),
                "application/x-www-form-urlencoded",
            ),
            Call::Native { method, query } => {
                let mut query = query.clone();
                query.extend_from_slice(extra);
                native_cgi(shop, program, method, &query)
            }
        }
    }

    /// `wrk` against nginx: a fixed legacy body, or a file of pre-signed
    /// native requests that the Lua script hands out once each.
    fn wrk(&self, port: u16, seconds: u64) -> Wrk {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let script = dir.path().join("bench.lua");
        let mut args = vec![
            "-t2".to_string(),
            format!("-c{CONCURRENCY}"),
            format!("-d{seconds}s"),
            "--latency".into(),
            "-s".into(),
            script.display().to_string(),
        ];
        match self {
            Call::Legacy(body) => {
                std::fs::write(&script, LEGACY_LUA).unwrap();
                args.push(format!("{url}/bridge2cart/bridge.php"));
                args.extend(["--".into(), body.clone()]);
            }
            Call::Native { method, query } => {
                let file = dir.path().join("signed.txt");
                let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
                // More than the bridge can answer in the run.
                for _ in 0..(seconds as usize * 3000) {
                    let path = format!("/{method}.json");
                    let (headers, encoded) =
                        sign_native_as(shop::KEY_ID, shop::SECRET, "GET", &path, query, b"");
                    let mut line = format!("/bridge2cart/cartbridge{path}?{encoded}");
                    for (n, v) in headers {
                        line.push_str(&format!("\t{n}: {v}"));
                    }
                    writeln!(out, "{line}").unwrap();
                }
                out.flush().unwrap();
                std::fs::write(&script, NATIVE_LUA).unwrap();
                args.push(url);
                args.extend(["--".into(), file.display().to_string()]);
            }
        }
        let out = Command::new("wrk").args(&args).output().expect("run wrk");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "wrk failed: {text}");
        Wrk::parse(&text)
    }
}

const LEGACY_LUA: &str = r#"
init = function(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
"#;

/// Thread k of n sends lines k, k+n, k+2n, ... of the file: every nonce once.
const NATIVE_LUA: &str = r#"
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
  thread:set("count", 2)
end
local requests = {}
local next_one = 1
init = function(args)
  local n = 0
  for line in io.lines(args[1]) do
    if n % count == id then
      local path, rest = line:match("^([^\t]+)(.*)$")
      local headers = {}
      for name, value in rest:gmatch("\t([^:]+): ([^\t]+)") do headers[name] = value end
      requests[#requests + 1] = wrk.format("GET", path, headers)
    end
    n = n + 1
  end
end
request = function()
  local r = requests[next_one] or requests[#requests]
  next_one = next_one + 1
  return r
end
"#;

struct Wrk {
    rate: f64,
    p50: String,
    p90: String,
    p99: String,
    non_2xx: u64,
}

impl Wrk {
    fn parse(text: &str) -> Wrk {
        let field = |prefix: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| panic!("no {prefix:?} in wrk's output: {text}"))
        };
        Wrk {
            rate: field("Requests/sec:").parse().unwrap(),
            p50: field("50%"),
            p90: field("90%"),
            p99: field("99%"),
            non_2xx: text
                .lines()
                .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
                .map_or(0, |v| v.trim().parse().unwrap()),
        }
    }
}

// The child is reaped by wait4 (which also reports its peak RSS).
#[allow(clippy::too_many_arguments, clippy::zombie_processes)]
fn cgi(
    shop: &Shop,
    program: &Path,
    method: &str,
    path_info: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
    content_type: &str,
) -> Run {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", method)
        .env("QUERY_STRING", query)
        .env("SCRIPT_FILENAME", &shop.script)
        .env("SCRIPT_NAME", "/bridge2cart/bridge.php")
        .env("PATH_INFO", path_info)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("CONTENT_TYPE", content_type)
        .current_dir(shop.bridge_dir());
    for (name, value) in headers {
        cmd.env(
            format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
            value,
        );
    }
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the binary");
    let mut stdin = child.stdin.take().unwrap();
    let body = body.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let _ = writer.join();
    let (status, usage) = reap(child.id());
    let elapsed = started.elapsed();
    assert_eq!(status, 0, "the binary failed");
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("CGI head");
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let status = head
        .lines()
        .find_map(|l| l.strip_prefix("Status: "))
        .map_or(200, |s| s[..3].parse().unwrap());
    Run {
        status,
        body: out[split + 4..].to_vec(),
        elapsed,
        max_rss_kib: usage.ru_maxrss,
    }
}

fn native_cgi(shop: &Shop, program: &Path, method: &str, query: &[(&str, &str)]) -> Run {
    let path = format!("/{method}.json");
    let (headers, encoded) = sign_native_as(shop::KEY_ID, shop::SECRET, "GET", &path, query, b"");
    cgi(shop, program, "GET", &path, &encoded, &headers, b"", "")
}

/// wait4: the exit status and the child's own resource usage.
fn reap(pid: u32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = pid as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    (status, usage)
}

fn peak_rss_kib(pid: u32) -> u64 {
    common::memory_kib(pid, "VmHWM").unwrap_or(0)
}

struct Stats {
    median: Duration,
    p95: Duration,
    mean: Duration,
}

impl Stats {
    fn of(times: &mut [Duration]) -> Stats {
        times.sort();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        Stats {
            median: at(0.5),
            p95: at(0.95),
            mean: times.iter().sum::<Duration>() / times.len() as u32,
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// SQL on one line, as `mariadb-slap --query` and a script want it.
fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Queries per second of `mariadb-slap` running `sql` at the bench's
/// concurrency (the best of three iterations' average).
fn slap(sql: &str) -> f64 {
    let queries = 4000;
    let out = Command::new("mariadb-slap")
        .args([
            "-h127.0.0.1",
            "-uroot",
            &format!("--create-schema={DATABASE}"),
            "--no-drop",
            &format!("--concurrency={CONCURRENCY}"),
            &format!("--number-of-queries={queries}"),
            "--iterations=3",
            &format!("--query={sql}"),
        ])
        .output()
        .expect("run mariadb-slap");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mariadb-slap failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seconds: f64 = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Minimum number of seconds to run all queries:")
        })
        .unwrap_or_else(|| panic!("no timing in mariadb-slap's output: {text}"))
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number of seconds in mariadb-slap's output: {text}"));
    queries as f64 / seconds
}

/// Every product through pages of 250 (CGI, `page_cursor`), against the
/// database running the same pages.
fn export(shop: &Shop) {
    let call = Call::Native {
        method: "product.list",
        query: vec![("count", "250")],
    };
    let started = Instant::now();
    let mut cursor: Option<String> = None;
    let (mut products, mut pages, mut peak) = (0usize, 0usize, 0i64);
    let mut afters = vec![0i64];
    loop {
        let extra: Vec<(&str, &str)> = cursor
            .as_deref()
            .map(|c| vec![("page_cursor", c)])
            .unwrap_or_default();
        let run = call.cgi_with(shop, &extra, &shop.script);
        assert_eq!(run.status, 200, "export page {pages}: {}", run.text());
        peak = peak.max(run.max_rss_kib);
        pages += 1;
        let answer: serde_json::Value = serde_json::from_slice(&run.body).unwrap();
        let list = answer["result"]["products"].as_array().unwrap();
        products += list.len();
        if let Some(last) = list.last() {
            afters.push(
                last["id"]
                    .as_str()
                    .map_or_else(|| last["id"].as_i64().unwrap(), |s| s.parse().unwrap()),
            );
        }
        cursor = answer["result"]["next_page_cursor"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let bridge = started.elapsed();
    afters.pop();
    let script: String = afters
        .iter()
        .map(|a| format!("{};\n", one_line(&product_list_sql(*a, 0))))
        .collect();
    let started = Instant::now();
    let mut client = Command::new("mariadb")
        .args(["-h127.0.0.1", "-uroot", "-N", "-B", DATABASE])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run mariadb");
    client
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(client.wait().unwrap().success());
    let database = started.elapsed();
    println!(
        "\n## Export: every product through `product.list` pages of 250 (CGI, `page_cursor`)\n"
    );
    println!("| products | pages | bridge total | database, same pages on one connection | ratio | peak RSS of a page process |\n|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {products} | {pages} | {:.2} s | {:.2} s | {:.1}× | {peak} KiB |",
        bridge.as_secs_f64(),
        database.as_secs_f64(),
        bridge.as_secs_f64() / database.as_secs_f64()
    );
}

/// `cartbridge export products --url` as a technician runs it, against
/// the bridge under nginx FastCGI: total time, the rows written, and the
/// peak RSS of the FastCGI process that served every page.
fn export_tool(shop: &Shop, binary: &Path) {
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, binary, &[]);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, format!("{}:{}\n", shop::KEY_ID, shop::SECRET)).unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = dir.path().join("products.jsonl");
    let url = format!("http://127.0.0.1:{}/bridge2cart/cartbridge", server.port);
    let started = Instant::now();
    let export = Command::new(binary)
        .args([
            "export",
            "products",
            "--format",
            "jsonl",
            "--url",
            &url,
            "--key-file",
        ])
        .arg(&key)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run cartbridge export");
    let elapsed = started.elapsed();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let rows = std::fs::read_to_string(&out).unwrap().lines().count();
    let rss = server.fastcgi_pid().map(peak_rss_kib).unwrap_or_default();
    println!("\n`cartbridge export products --format jsonl --url` through nginx FastCGI (one warm bridge process, pages of 250):\n");
    println!("| products written | total | peak RSS of the FastCGI process |\n|---:|---:|---:|");
    println!("| {rows} | {:.2} s | {rss} KiB |", elapsed.as_secs_f64());
}

/// Where the wall time of one 250-row CGI call goes: `strace -f -r` of
/// the release binary (relative timestamps of every system call), reduced
/// to the steps that took longest, and `strace -c -w` (wall time per
/// system call). With `CB_PROFILE_BINARY` (a build with symbols),
/// `callgrind` of the same call adds where the instructions go.
fn profile(shop: &Shop, calls: &Calls, binary: &Path) {
    let dir = tempfile::tempdir().unwrap();
    for (label, call) in [
        ("legacy query, 250 rows", &calls.legacy),
        ("native product.list count=250", &calls.native),
    ] {
        let trace = dir.path().join("trace");
        let summary = dir.path().join("summary");
        let traced = wrapper(
            dir.path(),
            &format!(
                "strace -f -r -o {} {} \"$@\"",
                trace.display(),
                binary.display()
            ),
        );
        let run = call.cgi_with(shop, &[], &traced);
        assert_eq!(run.status, 200, "traced {label}: {}", run.text());
        let counted = wrapper(
            dir.path(),
            &format!(
                "strace -f -c -w -o {} {} \"$@\"",
                summary.display(),
                binary.display()
            ),
        );
        call.cgi_with(shop, &[], &counted);
        println!("\n### Profile: {label} (CGI, `strace -f -r`: the 25 slowest steps)\n");
        println!("Each line is a system call and the time since the previous one (the work between them).\n");
        println!("```");
        let text = std::fs::read_to_string(&trace).unwrap();
        let mut steps: Vec<(f64, usize, &str)> = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let mut parts = l.split_whitespace();
                let _pid = parts.next()?;
                let delta: f64 = parts.next()?.parse().ok()?;
                Some((delta, i, l))
            })
            .collect();
        let total: f64 = steps.iter().map(|s| s.0).sum();
        steps.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut top: Vec<_> = steps.into_iter().take(25).collect();
        top.sort_by_key(|s| s.1);
        for (_, line_no, line) in top {
            println!("#{line_no:<4} {}", shorten(line));
        }
        println!(
            "```\n\n{} system calls, {:.2} ms traced (strace slows every call down).\n",
            text.lines().count(),
            total * 1000.0
        );
        println!("`strace -c -w` (wall time per system call):\n\n```");
        for line in std::fs::read_to_string(&summary).unwrap().lines().take(16) {
            println!("{line}");
        }
        println!("```");
        if let Ok(symbolised) = std::env::var("CB_PROFILE_BINARY") {
            callgrind(shop, call, label, dir.path(), Path::new(&symbolised));
        }
    }
}

/// An executable shell script running `command` (the CGI runner execs it).
fn wrapper(dir: &Path, command: &str) -> PathBuf {
    let path = dir.join(format!("run-{}", command.len()));
    std::fs::write(&path, format!("#!/bin/sh\nexec {command}\n")).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

fn callgrind(shop: &Shop, call: &Call, label: &str, dir: &Path, binary: &Path) {
    let out = dir.join("callgrind.out");
    let profiled = wrapper(
        dir,
        &format!(
            "valgrind --tool=callgrind --callgrind-out-file={} {} \"$@\"",
            out.display(),
            binary.display()
        ),
    );
    let run = call.cgi_with(shop, &[], &profiled);
    assert_eq!(run.status, 200, "profiled {label}: {}", run.text());
    let annotate = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100"])
        .arg(&out)
        .output()
        .expect("run callgrind_annotate");
    let text = String::from_utf8_lossy(&annotate.stdout).into_owned();
    println!("\n### Profile: {label} (callgrind, instructions, inclusive)\n");
    println!("```");
    for line in text.lines().filter(|l| l.contains('(')).take(60) {
        println!("{}", shorten(line));
    }
    println!("```");
}

/// A callgrind line without its long generic paths.
fn shorten(line: &str) -> String {
    let line = line.trim_end();
    if line.len() > 160 {
        format!(
            "{}…",
            &line[..line.char_indices().nth(159).map_or(line.len(), |c| c.0)]
        )
    } else {
        line.to_string()
    }
}
