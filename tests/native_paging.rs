//! Deep exports: with `page_cursor`, page 400 of 100,000 products costs
//! what page 1 costs (the database reads the same number of rows: keyset
//! on the primary key), and the bridge's memory does not grow with the
//! size of the answer or the depth of the page (answers stream).
//!
//! Cost is measured as rows the database reads (MariaDB's ANALYZE of the
//! platform's own SQL; SQLite's query plan), memory as the peak resident
//! size of the CGI process (`wait4`); no timing.

mod common;
mod native_support;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use common::shop::{self, sign_native_as};
use native_support::{ids, product_list_sql, Generation, TestShop};
use serde_json::Value as Json;

const BULK: i64 = 100_000;

/// OpenCart 3 with 100,000 more products (ids 1001..=101000).
fn bulk_shop() -> TestShop {
    let shop = TestShop::mariadb(Generation::Oc3, "paging_oc3");
    shop.add_bulk_products(BULK);
    shop
}

/// Rows MariaDB read from the product table to answer a page.
fn rows_read(shop: &TestShop, after: i64, offset: i64) -> f64 {
    let analyze = shop.value(&format!(
        "ANALYZE FORMAT=JSON {}",
        product_list_sql(after, offset)
    ));
    let plan: Json = serde_json::from_str(&analyze.replace("\\n", "\n")).unwrap();
    let mut found = None;
    find_table(&plan, "p", &mut found);
    found.unwrap_or_else(|| panic!("no table p in {plan}"))
}

fn find_table(node: &Json, alias: &str, found: &mut Option<f64>) {
    match node {
        Json::Object(map) => {
            if map.get("table_name").and_then(Json::as_str) == Some(alias) {
                *found = map.get("r_rows").and_then(Json::as_f64);
                return;
            }
            map.values().for_each(|v| find_table(v, alias, found));
        }
        Json::Array(items) => items.iter().for_each(|v| find_table(v, alias, found)),
        _ => {}
    }
}

/// A signed CGI run of the binary, with its peak resident size (KiB).
struct Measured {
    status: u16,
    body: Vec<u8>,
    max_rss_kib: i64,
}

// The child is reaped by wait4 (which also reports its peak RSS), not by
// Child::wait.
#[allow(clippy::zombie_processes)]
fn cgi_measured(
    shop: &TestShop,
    key: (&str, &str),
    method: &str,
    query: &[(&str, &str)],
    body: &[u8],
) -> Measured {
    let http_method = if body.is_empty() { "GET" } else { "POST" };
    let path = format!("/{method}.json");
    let (headers, encoded) = sign_native_as(key.0, key.1, http_method, &path, query, body);
    let mut cmd = Command::new(&shop.shop.script);
    cmd.env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("REQUEST_METHOD", http_method)
        .env("QUERY_STRING", &encoded)
        .env("SCRIPT_FILENAME", &shop.shop.script)
        .env("PATH_INFO", &path)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("CONTENT_TYPE", "application/json");
    for (name, value) in &headers {
        cmd.env(
            format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
            value,
        );
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let body = body.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &body));
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let _ = writer.join();
    // wait4 gives this child's own peak RSS.
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    assert!(std::process::ExitStatus::from_raw(status).success());
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let status = head
        .lines()
        .find_map(|l| l.strip_prefix("Status: "))
        .map_or(200, |s| s[..3].parse().unwrap());
    Measured {
        status,
        body: out[split + 4..].to_vec(),
        max_rss_kib: usage.ru_maxrss,
    }
}

#[test]
fn deep_pages_cost_what_the_first_costs_and_memory_stays_flat() {
    let shop = bulk_shop();
    let total = BULK + 19;
    assert_eq!(shop.ok("product.count", &[])["count"], total);

    // Cost: keyset pages read about `count` rows wherever they are; an
    // offset page reads everything before it.
    let first = rows_read(&shop, 0, 0);
    let deep = rows_read(&shop, 1000 + 99_000, 0);
    let offset = rows_read(&shop, 0, 99_000);
    assert!(
        first <= 260.0 && deep <= 260.0,
        "keyset pages read {first} and {deep} rows"
    );
    assert!(offset > 99_000.0, "an offset page reads {offset} rows");

    // The binary at depth: a cursor continues exactly after an offset page.
    let far = shop.ok(
        "product.list",
        &[("start", "99000"), ("count", "250"), ("params", "id")],
    );
    let far_ids = ids(&far["products"]);
    assert_eq!(far_ids.first().map(String::as_str), Some("99982"));
    let cursor = far["next_page_cursor"].as_str().unwrap().to_string();
    let next = shop.ok(
        "product.list",
        &[
            ("count", "250"),
            ("params", "id,name"),
            ("page_cursor", &cursor),
        ],
    );
    let next_ids = ids(&next["products"]);
    assert_eq!(next_ids.first().map(String::as_str), Some("100232"));
    assert_eq!(next_ids.len(), 250);
    assert_eq!(next["products"][0]["name"], "Bulk & product 99232");

    // Memory: the peak of a CGI process answering 1 product, 250 products
    // deep in the catalogue, and every product as raw SQL rows (tens of
    // MB) stays within a small margin.
    shop.set_keys(&[(shop::KEY_ID, shop::SECRET, "read")]);
    let key = (shop::KEY_ID, shop::SECRET);
    let small = cgi_measured(&shop, key, "product.list", &[("count", "1")], b"");
    assert_eq!(small.status, 200);
    // Cursors belong to the caller that got them: this key gets its own.
    let far = cgi_measured(
        &shop,
        key,
        "product.list",
        &[("start", "99000"), ("count", "250"), ("params", "id")],
        b"",
    );
    let far: Json = serde_json::from_slice(&far.body).unwrap();
    let cursor = far["result"]["next_page_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let page = cgi_measured(
        &shop,
        key,
        "product.list",
        &[("count", "250"), ("page_cursor", &cursor)],
        b"",
    );
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    let page_answer: Json = serde_json::from_slice(&page.body).unwrap();
    assert_eq!(
        ids(&page_answer["result"]["products"])
            .first()
            .map(String::as_str),
        Some("100232")
    );
    let everything = cgi_measured(
        &shop,
        key,
        "sql.query",
        &[],
        br#"{"sql": "SELECT p.*, pd.name FROM oc_product p JOIN oc_product_description pd ON pd.product_id = p.product_id"}"#,
    );
    assert_eq!(everything.status, 200);
    let answer: Json = serde_json::from_slice(&everything.body).unwrap();
    assert_eq!(
        answer["result"]["rows"].as_array().unwrap().len() as i64,
        total
    );
    let megabytes = everything.body.len() / (1 << 20);
    assert!(megabytes >= 20, "a big answer: {megabytes} MiB");
    eprintln!(
        "peak RSS: one product {} KiB, a deep page of 250 {} KiB, {megabytes} MiB of rows {} KiB",
        small.max_rss_kib, page.max_rss_kib, everything.max_rss_kib
    );
    let margin = 6 * 1024;
    for (what, run) in [("a deep page", &page), ("every row", &everything)] {
        assert!(
            run.max_rss_kib < small.max_rss_kib + margin,
            "{what}: peak {} KiB against {} KiB for one product ({megabytes} MiB answered)",
            run.max_rss_kib,
            small.max_rss_kib
        );
    }
}

#[test]
fn sqlite_pages_search_the_primary_key() {
    let shop = TestShop::sqlite(Generation::Oc3);
    let native_support::Store::Sqlite(path) = &shop.store else {
        unreachable!()
    };
    let conn = rusqlite::Connection::open(path).unwrap();
    let sql = product_list_sql(0, 0);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let plan: Vec<String> = stmt
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let products = plan
        .iter()
        .find(|l| l.contains(" p ") || l.ends_with(" p"))
        .unwrap_or_else(|| panic!("{plan:?}"));
    assert!(
        products.starts_with("SEARCH p USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"),
        "{plan:?}"
    );
}
