//! Keys, access rules and the call history end to end, through the real
//! binary: every rule through nginx as CGI and as FastCGI, each refusal with
//! its status and its record in the history; 200 concurrent CGI processes
//! sharing the SQLite state; the state in the shop's MariaDB shared by two
//! web servers; size rotation and tamper detection of the history; the
//! `key` and `log` commands. Every scenario ends with a leak check: no
//! secret and no signature in any answer, log, command output or state file.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::sync::{Arc, Barrier};
use std::thread;

use common::shop::{self, nonce, now, Shop, Signer};
use common::{
    binary, fixture, fresh_database, http, mysql_query, mysql_value, run_cgi, HttpResponse,
    WebServer,
};
use serde_json::Value as Json;

const BAD_SIGNATURE: &str = "signature does not match, or the key is unknown or disabled";

// ---------------------------------------------------------------------------------------------
// What a test saw, for the leak check
// ---------------------------------------------------------------------------------------------

/// The secrets and signatures a test used, and everything it was shown.
#[derive(Default)]
struct Witness {
    secrets: Vec<String>,
    signatures: Vec<String>,
    seen: Vec<(String, Vec<u8>)>,
}

impl Witness {
    fn new() -> Witness {
        let mut w = Witness::default();
        w.secrets.push(shop::SECRET.into());
        w.secrets.push(shop::TOKEN.into());
        w
    }

    fn saw(&mut self, what: impl Into<String>, bytes: &[u8]) {
        self.seen.push((what.into(), bytes.to_vec()));
    }

    fn saw_response(&mut self, what: &str, response: &HttpResponse) {
        let mut bytes = Vec::new();
        for (name, value) in &response.headers {
            bytes.extend_from_slice(format!("{name}: {value}\n").as_bytes());
        }
        bytes.extend_from_slice(&response.body);
        self.saw(what, &bytes);
    }

    fn saw_server(&mut self, server: &WebServer) {
        self.saw("nginx error.log", server.error_log().as_bytes());
        self.saw("nginx access.log", server.access_log().as_bytes());
        self.saw("backend log", server.backend_log().as_bytes());
    }

    /// The state files and what `log` and `key list` print.
    fn saw_store(&mut self, shop: &Shop) {
        let private = shop.bridge_dir().join(".cartbridge");
        for name in ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"] {
            if let Ok(bytes) = fs::read(private.join(name)) {
                self.saw(name, &bytes);
            }
        }
        for args in [
            &["log", "--json"][..],
            &["log"],
            &["log", "verify"],
            &["key", "list"],
        ] {
            let out = cli(shop, args);
            self.saw(args.join(" "), &out.stdout);
            self.saw(format!("{} (stderr)", args.join(" ")), &out.stderr);
        }
    }

    /// Panics naming the first secret or signature found anywhere.
    fn check(&self) {
        assert!(!self.seen.is_empty(), "the scenario was watched");
        for (what, bytes) in &self.seen {
            for needle in self.secrets.iter().chain(&self.signatures) {
                assert!(
                    !contains(bytes, needle.as_bytes()),
                    "{what} contains a secret or signature ({}...)",
                    &needle[..8]
                );
            }
        }
    }
}

#[test]
#[should_panic(expected = "contains a secret or signature")]
fn the_leak_check_finds_what_it_looks_for() {
    let mut w = Witness::new();
    w.saw("planted", format!("x{}y", shop::SECRET).as_bytes());
    w.check();
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

fn cli(shop: &Shop, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .arg("--store")
        .arg(&shop.root)
        .output()
        .unwrap()
}

/// Runs a command that must succeed; its output joins the witness.
fn cli_ok(shop: &Shop, w: &mut Witness, args: &[&str]) -> String {
    let out = cli(shop, args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cartbridge {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.saw(args.join(" "), &out.stdout);
    w.saw(format!("{} (stderr)", args.join(" ")), &out.stderr);
    text
}

/// Runs `key add` or `key rotate` and returns the secret it printed. The
/// secret is shown exactly once, on its own line, and nowhere else.
fn new_secret(shop: &Shop, w: &mut Witness, args: &[&str]) -> String {
    let out = cli(shop, args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = text
        .lines()
        .find(|l| l.starts_with("cbk_"))
        .unwrap_or_else(|| panic!("no secret in {text}"))
        .to_string();
    assert_eq!(text.matches(&secret).count(), 1, "{text}");
    assert_eq!(secret.len(), 76, "cbk_ + 64 hex + 8 hex checksum");
    w.saw(format!("{args:?} (stderr)"), &out.stderr);
    w.saw(
        format!("{args:?} without its secret line"),
        text.replace(&secret, "").as_bytes(),
    );
    w.secrets.push(secret.clone());
    secret
}

fn add_key(shop: &Shop, w: &mut Witness, name: &str, rules: &[&str]) -> Signer {
    let mut args = vec!["key", "add", name];
    args.extend_from_slice(rules);
    Signer::new(name, &new_secret(shop, w, &args))
}

/// One `[[key]]` of config.toml.
fn key_config(shop: &Shop, name: &str) -> toml::Table {
    let table: toml::Table = fs::read_to_string(config_path(shop))
        .unwrap()
        .parse()
        .unwrap();
    table["key"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"].as_str() == Some(name))
        .and_then(|k| k.as_table().cloned())
        .unwrap_or_else(|| panic!("no key {name} in config.toml"))
}

fn config_path(shop: &Shop) -> std::path::PathBuf {
    shop.bridge_dir().join(".cartbridge/config.toml")
}

/// Edits config.toml as a TOML table (the way an owner edits it by hand).
fn edit_config(shop: &Shop, change: impl FnOnce(&mut toml::Table)) {
    let mut table: toml::Table = fs::read_to_string(config_path(shop))
        .unwrap()
        .parse()
        .unwrap();
    change(&mut table);
    shop.write_private_config(&toml::to_string(&table).unwrap());
}

fn set_limit(shop: &Shop, name: &str, value: toml::Value) {
    edit_config(shop, |t| {
        let limits = t
            .entry("limits")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        limits.as_table_mut().unwrap().insert(name.into(), value);
    });
}

/// The history as `log --json` prints it.
fn history(shop: &Shop) -> Vec<Json> {
    let out = cli(shop, &["log", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn log_verify(shop: &Shop) -> (bool, String) {
    let out = cli(shop, &["log", "verify"]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Kind {
    Cgi,
    FastCgi,
}

fn start(kind: Kind, shop: &Shop) -> WebServer {
    match kind {
        Kind::Cgi => WebServer::nginx_cgi(&shop.root, &shop.script),
        Kind::FastCgi => WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]),
    }
}

/// A signed native GET of `method` at `timestamp` with `nonce`.
fn native_at(
    server: &WebServer,
    w: &mut Witness,
    signer: &Signer,
    method: &str,
    timestamp: u64,
    nonce: &str,
    extra: &[(&str, &str)],
) -> HttpResponse {
    let path = format!("/{method}.json");
    let (headers, _) = signer.sign("GET", &path, &[], b"", timestamp, nonce);
    w.signatures
        .push(headers[3].1.trim_start_matches("v1=").to_string());
    let mut all: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    all.extend_from_slice(extra);
    let answer = http(
        server.port,
        "GET",
        &format!("/bridge2cart/cartbridge{path}"),
        &all,
        b"",
    );
    w.saw_response(method, &answer);
    answer
}

fn native(server: &WebServer, w: &mut Witness, signer: &Signer, method: &str) -> HttpResponse {
    native_at(server, w, signer, method, now(), &nonce(), &[])
}

fn legacy(
    server: &WebServer,
    w: &mut Witness,
    secret: &str,
    fields: &[(&str, &str)],
) -> HttpResponse {
    let body = shop::sign_legacy_with(secret, fields);
    let signature = body.rsplit("a2c_sign=").next().unwrap().to_string();
    w.signatures.push(signature);
    let answer = http(
        server.port,
        "POST",
        "/bridge2cart/bridge.php",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    w.saw_response("legacy", &answer);
    answer
}

fn message(answer: &HttpResponse) -> String {
    shop::envelope(&answer.body)["return_message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn retry_after(answer: &HttpResponse) -> u64 {
    answer
        .header("Retry-After")
        .unwrap_or_else(|| panic!("429 without Retry-After: {answer:?}"))
        .parse()
        .unwrap()
}

/// What the history must hold, call by call: key, outcome, status.
#[derive(Default)]
struct Expected(Vec<(String, String, u16)>);

impl Expected {
    fn call(&mut self, answer: &HttpResponse, status: u16, key: &str, outcome: &str) {
        assert_eq!(answer.status, status, "{key} {outcome}: {}", answer.text());
        self.0.push((key.into(), outcome.into(), status));
    }

    fn matches(&self, records: &[Json]) {
        let got: Vec<(String, String, u16)> = records
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().unwrap().to_string(),
                    r["outcome"].as_str().unwrap().to_string(),
                    r["status"].as_u64().unwrap() as u16,
                )
            })
            .collect();
        assert_eq!(got, self.0, "the history, call by call");
    }
}

// ---------------------------------------------------------------------------------------------
// Every rule, through nginx as CGI and as FastCGI
// ---------------------------------------------------------------------------------------------

#[test]
fn every_rule_through_nginx_cgi() {
    every_rule(Kind::Cgi);
}

#[test]
fn every_rule_through_nginx_fastcgi() {
    every_rule(Kind::FastCgi);
}

fn every_rule(kind: Kind) {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let server = start(kind, &shop);
    let mut w = Witness::new();
    let mut e = Expected::default();

    // A new key reads, from its address.
    let reader = add_key(&shop, &mut w, "reader", &["--ip", "127.0.0.1"]);
    let first = native(&server, &mut w, &reader, "product.count");
    e.call(&first, 200, "reader", "allowed");
    assert_eq!(shop::envelope(&first.body)["result"]["count"], 19);

    // Missing scope: named in the refusal.
    let orders = add_key(
        &shop,
        &mut w,
        "orders-only",
        &["--ip", "127.0.0.1", "--scope", "orders:read"],
    );
    let answer = native(&server, &mut w, &orders, "product.count");
    e.call(&answer, 403, "orders-only", "scope-denied");
    assert!(
        message(&answer).contains("products:read"),
        "{}",
        answer.text()
    );

    // Wrong address, and a spoofed X-Forwarded-For from a peer that is no proxy of ours.
    let office = add_key(&shop, &mut w, "office", &["--ip", "203.0.113.0/24"]);
    let answer = native(&server, &mut w, &office, "product.count");
    e.call(&answer, 403, "office", "ip-denied");
    assert!(message(&answer).contains("127.0.0.1"), "{}", answer.text());
    let spoofed = [("X-Forwarded-For", "203.0.113.7")];
    let answer = native_at(
        &server,
        &mut w,
        &office,
        "product.count",
        now(),
        &nonce(),
        &spoofed,
    );
    e.call(&answer, 403, "office", "ip-denied");
    // From a configured proxy the header is believed.
    edit_config(&shop, |t| {
        t.insert(
            "trusted_proxies".into(),
            toml::Value::Array(vec!["127.0.0.1".into()]),
        );
    });
    let answer = native_at(
        &server,
        &mut w,
        &office,
        "product.count",
        now(),
        &nonce(),
        &spoofed,
    );
    e.call(&answer, 200, "office", "allowed");
    edit_config(&shop, |t| {
        t.remove("trusted_proxies");
    });

    // A disabled key, a wrong secret and an unknown key: one message, three outcomes.
    cli_ok(&shop, &mut w, &["key", "disable", "reader"]);
    let answer = native(&server, &mut w, &reader, "product.count");
    e.call(&answer, 401, "reader", "key-disabled");
    assert_eq!(message(&answer), BAD_SIGNATURE);
    let forged = Signer::new("reader", &format!("cbk_{}", "0".repeat(72)));
    let answer = native(&server, &mut w, &forged, "product.count");
    e.call(&answer, 401, "reader", "bad-signature");
    assert_eq!(message(&answer), BAD_SIGNATURE);
    let stranger = Signer::new("nobody", &reader.secret);
    let answer = native(&server, &mut w, &stranger, "product.count");
    e.call(&answer, 401, "unknown", "unknown-key");
    assert_eq!(message(&answer), BAD_SIGNATURE);
    cli_ok(&shop, &mut w, &["key", "enable", "reader"]);

    // Replay within the window.
    let (timestamp, once) = (now(), nonce());
    let answer = native_at(
        &server,
        &mut w,
        &reader,
        "product.count",
        timestamp,
        &once,
        &[],
    );
    e.call(&answer, 200, "reader", "allowed");
    let answer = native_at(
        &server,
        &mut w,
        &reader,
        "product.count",
        timestamp,
        &once,
        &[],
    );
    e.call(&answer, 401, "reader", "replayed-nonce");
    assert!(
        message(&answer).contains("nonce was already used"),
        "{}",
        answer.text()
    );

    // Stale and future timestamps, clear of the 300 s window by more than a
    // slow call takes (a future one comes closer while the call is on its way).
    for timestamp in [now() - 330, now() + 330] {
        let answer = native_at(
            &server,
            &mut w,
            &reader,
            "product.count",
            timestamp,
            &nonce(),
            &[],
        );
        e.call(&answer, 401, "reader", "stale-timestamp");
        assert!(
            message(&answer).contains("check the caller's clock"),
            "{}",
            answer.text()
        );
    }

    // Rotation: both secrets during the grace period, then only the new one.
    let rotated = Signer::new(
        "reader",
        &new_secret(&shop, &mut w, &["key", "rotate", "reader"]),
    );
    let answer = native(&server, &mut w, &reader, "product.count");
    e.call(&answer, 200, "reader", "allowed-old-secret");
    let answer = native(&server, &mut w, &rotated, "product.count");
    e.call(&answer, 200, "reader", "allowed");
    edit_config(&shop, |t| {
        let keys = t["key"].as_array_mut().unwrap();
        let key = keys
            .iter_mut()
            .find(|k| k["id"].as_str() == Some("reader"))
            .unwrap();
        let expires = key
            .get("previous_expires")
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string();
        assert!(expires.ends_with('Z'), "{expires}");
        key.as_table_mut()
            .unwrap()
            .insert("previous_expires".into(), "2000-01-01T00:00:00Z".into());
    });
    let answer = native(&server, &mut w, &reader, "product.count");
    e.call(&answer, 401, "reader", "bad-signature");
    let answer = native(&server, &mut w, &rotated, "product.count");
    e.call(&answer, 200, "reader", "allowed");

    // A key's own rate limit.
    let burst = add_key(
        &shop,
        &mut w,
        "burst",
        &["--ip", "127.0.0.1", "--rate-limit", "2/hour"],
    );
    for _ in 0..2 {
        let answer = native(&server, &mut w, &burst, "product.count");
        e.call(&answer, 200, "burst", "allowed");
    }
    let answer = native(&server, &mut w, &burst, "product.count");
    e.call(&answer, 429, "burst", "rate-limited");
    assert!((1..=1800).contains(&retry_after(&answer)), "{answer:?}");

    // The per-address limit turns calls away before they are verified.
    set_limit(&shop, "per_ip", "1/day".into());
    let mut refused = None;
    for _ in 0..3 {
        let answer = native(&server, &mut w, &rotated, "product.count");
        if answer.status == 429 {
            refused = Some(answer);
            break;
        }
        e.call(&answer, 200, "reader", "allowed");
    }
    let answer = refused.expect("the address limit refused a call");
    e.call(&answer, 429, "unknown", "rate-limited");
    assert!(
        message(&answer).contains("too many calls from 127.0.0.1"),
        "{}",
        answer.text()
    );
    assert!(retry_after(&answer) > 0);
    set_limit(&shop, "per_ip", "off".into());

    // The legacy protocol: the store token until it is imported, then the imported key's rules.
    let getconfig = [("action", "getconfig"), ("cart_id", "Opencart")];
    let answer = legacy(&server, &mut w, shop::TOKEN, &getconfig);
    e.call(&answer, 200, "store-token", "allowed");
    let answer = legacy(
        &server,
        &mut w,
        "ffffffffffffffffffffffffffffffff",
        &getconfig,
    );
    e.call(&answer, 200, "unknown", "bad-signature");
    assert_eq!(answer.text(), "ERROR: Signature is not correct");
    let imported = cli_ok(
        &shop,
        &mut w,
        &["key", "import-legacy", "--ip", "203.0.113.9"],
    );
    assert!(imported.contains("sql:full"), "{imported}");
    let answer = legacy(&server, &mut w, shop::TOKEN, &getconfig);
    e.call(&answer, 403, "legacy", "ip-denied");
    cli_ok(
        &shop,
        &mut w,
        &["key", "set", "legacy", "--ip", "127.0.0.1"],
    );
    let query = [
        ("action", "query"),
        ("query", "U0VMRUNUIDE="),
        ("cart_id", "Opencart"),
    ];
    let answer = legacy(&server, &mut w, shop::TOKEN, &query);
    e.call(&answer, 403, "legacy", "scope-denied");
    assert!(answer.text().contains("sql:full"), "{}", answer.text());
    let answer = legacy(&server, &mut w, shop::TOKEN, &getconfig);
    e.call(&answer, 200, "legacy", "allowed");

    // Lock-out after repeated signature failures, whatever the protocol.
    set_limit(&shop, "lockout_after", 3.into());
    for _ in 0..3 {
        let answer = native(&server, &mut w, &forged, "product.count");
        e.call(&answer, 401, "reader", "bad-signature");
    }
    let answer = native(&server, &mut w, &rotated, "product.count");
    e.call(&answer, 429, "unknown", "locked-out");
    assert!((1..=60).contains(&retry_after(&answer)), "{answer:?}");
    assert!(
        message(&answer).contains("too many failed signatures"),
        "{}",
        answer.text()
    );
    let answer = legacy(&server, &mut w, shop::TOKEN, &getconfig);
    e.call(&answer, 429, "unknown", "locked-out");

    // The history holds every call once, in order, with its outcome.
    let records = history(&shop);
    e.matches(&records);
    let peers: Vec<&str> = records
        .iter()
        .map(|r| r["peer"].as_str().unwrap())
        .collect();
    assert_eq!(
        peers.iter().filter(|p| **p == "203.0.113.7").count(),
        1,
        "{peers:?}"
    );
    assert!(
        peers
            .iter()
            .all(|p| *p == "127.0.0.1" || *p == "203.0.113.7"),
        "{peers:?}"
    );
    assert!(records
        .iter()
        .all(|r| r["protocol"] == "native" || r["protocol"] == "legacy"));
    assert_eq!(records[0]["action"], "product.count");
    assert_eq!(records[0]["bytes"], first.body.len());
    let (intact, report) = log_verify(&shop);
    assert!(intact, "{report}");
    assert!(
        report.contains(&format!("{} records", records.len())),
        "{report}"
    );
    let listing = cli_ok(&shop, &mut w, &["key", "list"]);
    assert!(listing.contains("reader  enabled  sha256:"), "{listing}");
    assert!(listing.contains("from 127.0.0.1"), "{listing}");

    w.saw_server(&server);
    w.saw_store(&shop);
    w.check();
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

/// `n` signed native calls as CGI processes started at the same moment,
/// each from its own address `10.7.x.y`; returns the statuses by address.
fn concurrent_cgi_calls(
    shop: &Shop,
    signer: &Signer,
    n: usize,
    w: &mut Witness,
) -> Vec<(String, u16)> {
    let barrier = Arc::new(Barrier::new(n));
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let peer = format!("10.7.{}.{}", i / 100, i % 100 + 1);
            let (headers, _) = signer.sign("GET", "/product.count.json", &[], b"", now(), &nonce());
            w.signatures
                .push(headers[3].1.trim_start_matches("v1=").to_string());
            let (script, barrier) = (shop.script.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                let env: Vec<(String, Vec<u8>)> = headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            format!("HTTP_{}", n.to_uppercase().replace('-', "_")),
                            v.clone().into_bytes(),
                        )
                    })
                    .chain([("REMOTE_ADDR".to_string(), peer.clone().into_bytes())])
                    .collect();
                let env: Vec<(&str, &[u8])> = env
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_slice()))
                    .collect();
                barrier.wait();
                let answer = run_cgi(
                    &binary(),
                    &script,
                    "GET",
                    b"/product.count.json",
                    "",
                    &env,
                    b"",
                );
                (peer, answer)
            })
        })
        .collect();
    calls
        .into_iter()
        .map(|call| {
            let (peer, answer) = call.join().unwrap();
            if answer.status != 200 {
                eprintln!("{peer}: {}", answer.text());
            }
            w.saw_response("concurrent call", &answer);
            (peer, answer.status)
        })
        .collect()
}

/// Every call appears exactly once in the history, by its address.
fn each_recorded_once(records: &[Json], calls: &[(String, u16)]) {
    for (peer, status) in calls {
        let matching: Vec<&Json> = records
            .iter()
            .filter(|r| r["peer"] == peer.as_str())
            .collect();
        assert_eq!(matching.len(), 1, "{peer} is in the history once");
        assert_eq!(matching[0]["status"], *status);
        assert_eq!(matching[0]["outcome"], "allowed");
    }
}

#[test]
fn two_hundred_concurrent_cgi_calls_are_each_recorded_once() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let mut w = Witness::new();
    let fleet = add_key(&shop, &mut w, "fleet", &["--ip", "10.7.0.0/16"]);
    let calls = concurrent_cgi_calls(&shop, &fleet, 200, &mut w);
    assert!(calls.iter().all(|(_, status)| *status == 200), "{calls:?}");
    let records = history(&shop);
    assert_eq!(records.len(), 200);
    each_recorded_once(&records, &calls);
    let ids: Vec<u64> = records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=200).collect::<Vec<_>>());
    let (intact, report) = log_verify(&shop);
    assert!(intact, "{report}");
    assert!(report.contains("history intact: 200 records"), "{report}");
    let listing = cli_ok(&shop, &mut w, &["key", "list"]);
    assert!(listing.contains("(200 calls)"), "{listing}");
    w.saw_store(&shop);
    w.check();
}

// ---------------------------------------------------------------------------------------------
// State in the shop's MariaDB
// ---------------------------------------------------------------------------------------------

#[test]
fn state_in_the_shops_mariadb_is_shared_by_two_web_servers() {
    let db = fresh_database("cb7_state_mysql", &[&fixture("opencart-3.0.3.8.sql")]);
    let shop = shop::opencart_mysql(&db, "3.0.3.8");
    edit_config(&shop, |t| {
        t.insert("state".into(), "mysql".into());
    });
    let mut w = Witness::new();
    let shared = add_key(
        &shop,
        &mut w,
        "shared",
        &["--ip", "127.0.0.1", "--ip", "10.7.0.0/16"],
    );
    let cgi = WebServer::nginx_cgi(&shop.root, &shop.script);
    let fastcgi = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);

    // A nonce used on one server is spent on the other.
    let (timestamp, once) = (now(), nonce());
    let answer = native_at(
        &cgi,
        &mut w,
        &shared,
        "product.count",
        timestamp,
        &once,
        &[],
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = native_at(
        &fastcgi,
        &mut w,
        &shared,
        "product.count",
        timestamp,
        &once,
        &[],
    );
    assert_eq!(answer.status, 401, "{}", answer.text());
    assert!(message(&answer).contains("already used"));

    // The tables are the shop's prefix + cartbridge_, and no SQLite state was made.
    let tables = mysql_query(&db, "SHOW TABLES LIKE 'oc\\_cartbridge\\_%'");
    for table in [
        "history",
        "history_head",
        "key_usage",
        "lockout",
        "nonce",
        "rate",
    ] {
        assert!(
            tables
                .lines()
                .any(|l| l == format!("oc_cartbridge_{table}")),
            "{tables}"
        );
    }
    assert!(!shop.bridge_dir().join(".cartbridge/state.sqlite").exists());

    // Failures counted on one server lock the address out on the other.
    set_limit(&shop, "lockout_after", 2.into());
    let forged = Signer::new("shared", &format!("cbk_{}", "1".repeat(72)));
    for _ in 0..2 {
        assert_eq!(native(&cgi, &mut w, &forged, "product.count").status, 401);
    }
    let answer = native(&fastcgi, &mut w, &shared, "product.count");
    assert_eq!(answer.status, 429, "{}", answer.text());
    assert!(retry_after(&answer) > 0);

    // Concurrent CGI processes write one chain.
    let calls = concurrent_cgi_calls(&shop, &shared, 40, &mut w);
    assert!(calls.iter().all(|(_, status)| *status == 200), "{calls:?}");
    let records = history(&shop);
    each_recorded_once(&records, &calls);
    assert_eq!(records.len(), 5 + 40);
    assert_eq!(
        mysql_value(&db, "SELECT COUNT(*) FROM oc_cartbridge_history"),
        "45"
    );
    let outcomes: Vec<&str> = records[..5]
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "allowed",
            "replayed-nonce",
            "bad-signature",
            "bad-signature",
            "locked-out"
        ]
    );
    let (intact, report) = log_verify(&shop);
    assert!(intact, "{report}");
    assert!(
        report.contains("MySQL database 'cb7_state_mysql'"),
        "{report}"
    );

    // Size rotation in MySQL keeps the chain verifiable.
    set_limit(&shop, "history_max_bytes", 4096.into());
    let calls = concurrent_cgi_calls(&shop, &shared, 10, &mut w);
    assert_eq!(calls.len(), 10);
    let (intact, report) = log_verify(&shop);
    assert!(intact, "{report}");
    assert!(report.contains("rotated away"), "{report}");
    let kept: u64 = mysql_value(&db, "SELECT COUNT(*) FROM oc_cartbridge_history")
        .parse()
        .unwrap();
    assert!(kept < 55, "{kept} records kept");

    w.saw_server(&cgi);
    w.saw_server(&fastcgi);
    w.saw_store(&shop);
    let dump = mysql_query(&db, "SELECT * FROM oc_cartbridge_history; SELECT * FROM oc_cartbridge_nonce; SELECT * FROM oc_cartbridge_key_usage; SELECT * FROM oc_cartbridge_lockout; SELECT * FROM oc_cartbridge_rate");
    w.saw("the state tables", dump.as_bytes());
    w.check();
    db.drop_database();
}

// ---------------------------------------------------------------------------------------------
// The history on its own
// ---------------------------------------------------------------------------------------------

/// One signed call as a plain CGI process.
fn cgi_call(shop: &Shop, w: &mut Witness, signer: &Signer, method: &str) -> HttpResponse {
    let path = format!("/{method}.json");
    let (headers, _) = signer.sign("GET", &path, &[], b"", now(), &nonce());
    w.signatures
        .push(headers[3].1.trim_start_matches("v1=").to_string());
    let env: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                format!("HTTP_{}", n.to_uppercase().replace('-', "_")),
                v.clone(),
            )
        })
        .collect();
    let env: Vec<(&str, &[u8])> = env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_bytes()))
        .collect();
    let answer = run_cgi(
        &binary(),
        &shop.script,
        "GET",
        path.as_bytes(),
        "",
        &env,
        b"",
    );
    w.saw_response(method, &answer);
    answer
}

#[test]
fn the_history_rotates_by_size_and_shows_tampering() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let mut w = Witness::new();
    let key = add_key(&shop, &mut w, "exporter", &["--any-ip"]);
    set_limit(&shop, "history_max_bytes", 4096.into());
    for _ in 0..30 {
        assert_eq!(cgi_call(&shop, &mut w, &key, "product.count").status, 200);
    }
    let records = history(&shop);
    assert!(
        records.len() < 30,
        "old records were dropped: {}",
        records.len()
    );
    assert_eq!(records.last().unwrap()["id"], 30);
    let (intact, report) = log_verify(&shop);
    assert!(intact, "{report}");
    assert!(report.contains("rotated away"), "{report}");

    // An edited record, then a removed one.
    let state =
        rusqlite::Connection::open(shop.bridge_dir().join(".cartbridge/state.sqlite")).unwrap();
    state
        .execute(
            "UPDATE cartbridge_history SET peer = '198.51.100.1' WHERE id = 28",
            [],
        )
        .unwrap();
    let (intact, report) = log_verify(&shop);
    assert!(!intact);
    assert!(report.contains("record 28 was altered"), "{report}");
    state
        .execute("DELETE FROM cartbridge_history WHERE id = 28", [])
        .unwrap();
    let (intact, report) = log_verify(&shop);
    assert!(!intact);
    assert!(report.contains("records 28 to 28 are missing"), "{report}");
    w.saw_store(&shop);
    w.check();
}

#[test]
fn log_filters_by_key_outcome_and_time() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let mut w = Witness::new();
    let alpha = add_key(&shop, &mut w, "alpha", &["--ip", "127.0.0.1"]);
    let beta = add_key(
        &shop,
        &mut w,
        "beta",
        &["--ip", "127.0.0.1", "--scope", "store:read"],
    );
    assert_eq!(cgi_call(&shop, &mut w, &alpha, "product.count").status, 200);
    assert_eq!(cgi_call(&shop, &mut w, &beta, "product.count").status, 403);
    assert_eq!(cgi_call(&shop, &mut w, &beta, "cart.info").status, 200);
    assert_eq!(cgi_call(&shop, &mut w, &alpha, "no.such").status, 404);
    let ids = |args: &[&str]| -> Vec<u64> {
        let mut all = vec!["log", "--json"];
        all.extend_from_slice(args);
        let out = cli(&shop, &all);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Json>(l).unwrap()["id"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(ids(&[]), [1, 2, 3, 4]);
    assert_eq!(ids(&["--key", "beta"]), [2, 3]);
    assert_eq!(ids(&["--outcome", "refused"]), [2]);
    assert_eq!(ids(&["--outcome", "allowed", "--key", "alpha"]), [1, 4]);
    assert_eq!(ids(&["--since", "1h"]), [1, 2, 3, 4]);
    assert_eq!(ids(&["--until", "2000-01-01"]), Vec::<u64>::new());
    assert_eq!(ids(&["--last", "2"]), [3, 4]);
    let table = cli_ok(&shop, &mut w, &["log", "--key", "beta"]);
    assert!(
        table.contains("scope-denied") && table.contains("cart.info"),
        "{table}"
    );
    let out = cli(&shop, &["log", "--outcome", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scope-denied"));
    let out = cli(&shop, &["log", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    w.saw_store(&shop);
    w.check();
}

#[test]
fn a_body_refused_by_the_cgi_transport_is_recorded_too() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    edit_config(&shop, |t| {
        t.insert("max_body_bytes".into(), 1000.into());
    });
    let server = WebServer::nginx_cgi(&shop.root, &shop.script);
    let answer = http(
        server.port,
        "POST",
        "/bridge2cart/bridge.php",
        &[],
        &[b'a'; 5000],
    );
    assert_eq!(answer.status, 413);
    let records = history(&shop);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], 413);
    assert_eq!(records[0]["outcome"], "unauthenticated");
    assert_eq!(records[0]["protocol"], "legacy");
}

// ---------------------------------------------------------------------------------------------
// The key commands
// ---------------------------------------------------------------------------------------------

fn fails(shop: &Shop, args: &[&str], code: i32, says: &str) {
    let out = cli(shop, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn key_commands_check_what_they_are_given() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let mut w = Witness::new();
    fails(
        &shop,
        &["key", "add", "ab", "--any-ip"],
        2,
        "3 to 64 characters",
    );
    fails(
        &shop,
        &["key", "add", &"k".repeat(65), "--any-ip"],
        2,
        "3 to 64 characters",
    );
    fails(
        &shop,
        &["key", "add", "bad name", "--any-ip"],
        2,
        "letters, digits",
    );
    fails(
        &shop,
        &["key", "add", "store-token", "--any-ip"],
        2,
        "reserved",
    );
    fails(&shop, &["key", "add", "nowhere"], 2, "--any-ip");
    fails(
        &shop,
        &["key", "add", "x-key", "--ip", "10.0.0.0/33"],
        2,
        "at most 32",
    );
    fails(
        &shop,
        &["key", "add", "x-key", "--ip", "localhost"],
        2,
        "not an IP address",
    );
    fails(
        &shop,
        &[
            "key",
            "add",
            "x-key",
            "--any-ip",
            "--scope",
            "orders:delete",
        ],
        2,
        "orders:write",
    );
    fails(
        &shop,
        &["key", "add", "x-key", "--ip", "10.0.0.1", "--any-ip"],
        2,
        "not both",
    );
    fails(
        &shop,
        &["key", "rotate", "erp-sync", "--grace", "8d"],
        2,
        "7d maximum",
    );
    fails(
        &shop,
        &["key", "disable", "nosuch"],
        1,
        "the keys are: erp-sync",
    );

    let signer = add_key(
        &shop,
        &mut w,
        "gateway",
        &["--ip", "2001:db8::/32", "--ip", "203.0.113.7"],
    );
    fails(
        &shop,
        &["key", "add", "GATEWAY", "--any-ip"],
        1,
        "exists already",
    );
    let config = key_config(&shop, "gateway");
    assert_eq!(
        config["secret"].as_str(),
        Some(signer.secret.as_str()),
        "the secret is kept in config.toml"
    );
    assert_eq!(
        config["ips"],
        toml::Value::Array(vec!["2001:db8::/32".into(), "203.0.113.7".into()])
    );
    assert!(
        config["created"].as_str().unwrap().ends_with('Z'),
        "{config}"
    );
    let mode = fs::metadata(config_path(&shop))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let listing = cli_ok(&shop, &mut w, &["key", "list"]);
    for expected in [
        "gateway  enabled  sha256:",
        "scopes      store:read, products:read, orders:read, customers:read",
        "addresses   2001:db8::/32, 203.0.113.7",
        "last used   never",
        "store-token  enabled",
        "warning: the store token in config.php is accepted from any address",
    ] {
        assert!(listing.contains(expected), "{expected}\n{listing}");
    }

    // `set` replaces the lists it is given; sql:full brings the SQL policy along.
    let set = cli_ok(
        &shop,
        &mut w,
        &[
            "key",
            "set",
            "gateway",
            "--any-ip",
            "--scope",
            "products:read,sql:full",
        ],
    );
    assert!(set.contains("scopes      products:read, sql:full"), "{set}");
    let config = key_config(&shop, "gateway");
    assert_eq!(config["sql_policy"].as_str(), Some("full"), "{config}");
    assert_eq!(config["any_ip"].as_bool(), Some(true), "{config}");
    assert!(config.get("ips").is_none(), "{config}");
    let listing = cli_ok(&shop, &mut w, &["key", "list"]);
    assert!(
        listing.contains("warning: key 'gateway' accepts calls from any address"),
        "{listing}"
    );

    // Rotation without grace: the old secret stops at once.
    let rotated = new_secret(
        &shop,
        &mut w,
        &["key", "rotate", "gateway", "--grace", "0s"],
    );
    let config = fs::read_to_string(config_path(&shop)).unwrap();
    assert!(!config.contains(&signer.secret) && config.contains(&rotated));
    cli_ok(&shop, &mut w, &["key", "delete", "gateway"]);
    assert!(!fs::read_to_string(config_path(&shop))
        .unwrap()
        .contains(&rotated));

    // The imported store key is marked as legacy, and imported once.
    let imported = cli_ok(
        &shop,
        &mut w,
        &["key", "import-legacy", "gw-legacy", "--ip", "127.0.0.1"],
    );
    assert!(imported.contains("legacy only"), "{imported}");
    fails(
        &shop,
        &["key", "import-legacy", "again", "--any-ip"],
        1,
        "imported already, as key 'gw-legacy'",
    );
    let config = fs::read_to_string(config_path(&shop)).unwrap();
    assert!(
        config.contains("protocol = \"legacy\"")
            && config.contains("unrestricted_store_token = false"),
        "{config}"
    );
    let listing = cli_ok(&shop, &mut w, &["key", "list"]);
    assert!(!listing.contains("store-token"), "{listing}");

    // A config others can read is refused, by the commands and by the web path.
    fs::set_permissions(config_path(&shop), fs::Permissions::from_mode(0o644)).unwrap();
    fails(&shop, &["key", "list"], 1, "chmod 600");
    fails(&shop, &["key", "add", "late", "--any-ip"], 1, "chmod 600");
    let answer = run_cgi(
        &binary(),
        &shop.script,
        "GET",
        b"/cart.info.json",
        "",
        &[],
        b"",
    );
    assert_eq!(answer.status, 500);
    assert!(answer.text().contains("chmod 600"), "{}", answer.text());
    w.saw_response("refused config", &answer);
    fs::set_permissions(config_path(&shop), fs::Permissions::from_mode(0o600)).unwrap();
    w.saw_store(&shop);
    w.check();
}

#[test]
fn a_key_with_no_address_rule_is_refused_with_how_to_fix_it() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    shop.write_private_config(&format!(
        "[[key]]\nid = \"hand-written\"\nsecret = \"{}\"\n\n[database]\nsqlite = \"shop.sqlite\"\n",
        shop::SECRET
    ));
    let mut w = Witness::new();
    let signer = Signer::new("hand-written", shop::SECRET);
    let answer = cgi_call(&shop, &mut w, &signer, "product.count");
    assert_eq!(answer.status, 403, "{}", answer.text());
    assert!(message(&answer).contains("--ip ADDR"), "{}", answer.text());
    assert_eq!(history(&shop)[0]["outcome"], "ip-denied");
    w.check();
}
