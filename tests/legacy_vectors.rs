//! The incumbent's recorded answers (tests/fixtures/legacy-query.json,
//! recorded from bridge2cart/bridge.php under PHP 8.2 + MariaDB 10.11)
//! reproduced byte for byte: as plain CGI, under nginx + fcgiwrap, and
//! under nginx `fastcgi_pass`.
//!
//! The cases ran against a database named `oc3` (it shows in the answers),
//! so they share that database and run one at a time.

mod common;

use std::sync::Mutex;

use base64::Engine;
use common::shop::{self, Shop};
use common::{fixture, fresh_database, http, run_cgi, Db, WebServer};

static OC3: Mutex<()> = Mutex::new(());

struct Case {
    name: String,
    query_string: String,
    body: String,
    expected: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixture("legacy-query.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            query_string: c["request"]["query_string"].as_str().unwrap().to_string(),
            body: c["request"]["body"].as_str().unwrap().to_string(),
            expected: base64::engine::general_purpose::STANDARD
                .decode(c["response_bytes_b64"].as_str().unwrap())
                .unwrap(),
        })
        .collect()
}

fn load_fixture() -> Db {
    fresh_database("oc3", &[&fixture("legacy-fixture.sql")])
}

fn check(case: &Case, transport: &str, status: u16, body: &[u8]) {
    assert_eq!(status, 200, "{transport} / {}: status", case.name);
    assert!(
        body == case.expected.as_slice(),
        "{transport} / {}:\n expected {:?}\n      got {:?}",
        case.name,
        String::from_utf8_lossy(&case.expected),
        String::from_utf8_lossy(body)
    );
}

fn store() -> (Shop, Vec<Case>) {
    let db = load_fixture();
    (shop::opencart_mysql(&db, "3.0.3.8"), cases())
}

#[test]
fn every_recorded_answer_as_plain_cgi() {
    let _lock = OC3.lock().unwrap_or_else(|e| e.into_inner());
    let (shop, cases) = store();
    assert_eq!(cases.len(), 20);
    for case in &cases {
        load_fixture();
        let answer = run_cgi(
            &shop.script,
            &shop.script,
            "POST",
            b"",
            &case.query_string,
            &[],
            case.body.as_bytes(),
        );
        check(case, "cgi", answer.status, &answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("text/html; charset=UTF-8")
        );
    }
}

fn through(server: &WebServer, shop_cases: &[Case], transport: &str) {
    for case in shop_cases {
        load_fixture();
        let path = if case.query_string.is_empty() {
            "/bridge2cart/bridge.php".to_string()
        } else {
            format!("/bridge2cart/bridge.php?{}", case.query_string)
        };
        let answer = http(
            server.port,
            "POST",
            &path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            case.body.as_bytes(),
        );
        check(case, transport, answer.status, &answer.body);
    }
}

#[test]
fn every_recorded_answer_under_nginx_cgi_and_fastcgi() {
    let _lock = OC3.lock().unwrap_or_else(|e| e.into_inner());
    let (shop, cases) = store();
    let cgi = WebServer::nginx_cgi(&shop.root, &shop.script);
    through(&cgi, &cases, "nginx+fcgiwrap");
    drop(cgi);
    let fastcgi = WebServer::nginx_fastcgi(
        &shop.root,
        &shop.script,
        &common::binary(),
        &["fastcgi", "--store", &shop::path_of(&shop.root)],
    );
    through(&fastcgi, &cases, "nginx fastcgi_pass");
}
