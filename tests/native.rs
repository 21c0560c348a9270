//! The native API end to end: signature v1, the envelope, and the first
//! OpenCart methods on the platform's own demo data, through nginx (CGI
//! and FastCGI), plain CGI, and `cartbridge call`, on MariaDB and SQLite.

mod common;

use std::process::Command;

use common::shop::{self, envelope, sign_native, Shop};
use common::{binary, fixture, fresh_database, http, WebServer};

fn opencart3_mysql(name: &str) -> Shop {
    let db = fresh_database(name, &[&fixture("opencart-3.0.3.8.sql")]);
    shop::opencart_mysql(&db, "3.0.3.8")
}

fn signed_get(
    server: &WebServer,
    method: &str,
    query: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let path = format!("/{method}.json");
    let (headers, encoded) = sign_native("GET", &path, query, b"");
    let url = if encoded.is_empty() {
        format!("/bridge2cart/cartbridge{path}")
    } else {
        format!("/bridge2cart/cartbridge{path}?{encoded}")
    };
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = http(server.port, "GET", &url, &headers, b"");
    (answer.status, envelope(&answer.body))
}

fn call(shop: &Shop, args: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(binary())
        .arg("call")
        .args(args)
        .arg("--store")
        .arg(&shop.root)
        .output()
        .unwrap();
    (output.status.code().unwrap(), envelope(&output.stdout))
}

#[test]
fn product_count_is_19_through_nginx_cgi() {
    let shop = opencart3_mysql("cb_native_cgi");
    let server = WebServer::nginx_cgi(&shop.root, &shop.script);
    let (status, answer) = signed_get(&server, "product.count", &[]);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["return_code"], 0);
    assert_eq!(answer["result"]["count"], 19);
    let (_, answer) = signed_get(&server, "product.count", &[("status", "enabled")]);
    assert_eq!(answer["result"]["count"], 19);
    let (_, answer) = signed_get(&server, "product.count", &[("status", "disabled")]);
    assert_eq!(answer["result"]["count"], 0);
}

#[test]
fn product_count_is_19_through_nginx_fastcgi() {
    let shop = opencart3_mysql("cb_native_fcgi");
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);
    for _ in 0..3 {
        let (status, answer) = signed_get(&server, "product.count", &[]);
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["result"]["count"], 19);
    }
    let (_, answer) = signed_get(
        &server,
        "product.count",
        &[("created_from", "2009-02-03 21:08:00")],
    );
    assert!(answer["result"]["count"].as_i64().unwrap() < 19, "{answer}");
}

#[test]
fn product_count_is_19_through_cartbridge_call() {
    let shop = opencart3_mysql("cb_native_call");
    let (code, answer) = call(&shop, &["product.count"]);
    assert_eq!(
        (code, answer["result"]["count"].as_i64()),
        (0, Some(19)),
        "{answer}"
    );
    let sqlite = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let (code, answer) = call(&sqlite, &["product.count"]);
    assert_eq!(
        (code, answer["result"]["count"].as_i64()),
        (0, Some(19)),
        "{answer}"
    );
}

#[test]
fn cart_info_reports_the_store() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let (code, answer) = call(&shop, &["cart.info"]);
    assert_eq!(code, 0, "{answer}");
    let result = &answer["result"];
    assert_eq!(result["platform"], "opencart");
    assert_eq!(result["platform_version"], "3.0.3.8");
    assert_eq!(result["store_name"], "Your Store");
    assert_eq!(result["default_currency"], "USD");
    assert_eq!(result["default_language"], "en-gb");
    assert_eq!(result["languages"][0]["code"], "en-gb");
    assert_eq!(result["currencies"].as_array().unwrap().len(), 3);
}

#[test]
fn refusals_are_specific() {
    let shop = opencart3_mysql("cb_native_refusals");
    let server = WebServer::nginx_cgi(&shop.root, &shop.script);
    // No signature at all.
    let answer = http(
        server.port,
        "GET",
        "/bridge2cart/cartbridge/product.count.json",
        &[],
        b"",
    );
    assert_eq!(answer.status, 401);
    let body = envelope(&answer.body);
    assert!(
        body["return_message"]
            .as_str()
            .unwrap()
            .contains("X-Cartbridge-Key"),
        "{body}"
    );
    assert_eq!(body["result"], serde_json::Value::Null);
    // Unknown method, unknown parameter, bad value.
    let (status, body) = signed_get(&server, "product.cuont", &[]);
    assert_eq!(status, 404, "{body}");
    assert!(body["return_message"]
        .as_str()
        .unwrap()
        .contains("product.count"));
    let (status, body) = signed_get(&server, "product.count", &[("stauts", "1")]);
    assert_eq!(status, 400, "{body}");
    assert!(body["return_message"].as_str().unwrap().contains("status"));
    let (status, body) = signed_get(&server, "product.count", &[("created_from", "yesterday")]);
    assert_eq!(status, 400, "{body}");
    // Tampered query after signing: the signature covers it.
    let (headers, _) = sign_native("GET", "/product.count.json", &[], b"");
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = http(
        server.port,
        "GET",
        "/bridge2cart/cartbridge/product.count.json?status=disabled",
        &headers,
        b"",
    );
    assert_eq!(answer.status, 401);
}

#[test]
fn an_oversized_body_is_refused_with_413_not_502() {
    let shop = opencart3_mysql("cb_native_413");
    shop.write_private_config(&format!(
        "max_body_bytes = 100000\n[[key]]\nid = \"{}\"\nsecret = \"{}\"\n",
        shop::KEY_ID,
        shop::SECRET
    ));
    let server = WebServer::nginx_cgi(&shop.root, &shop.script);
    let body = vec![b'a'; 600_000];
    let answer = http(
        server.port,
        "POST",
        "/bridge2cart/cartbridge/product.count.json",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(answer.status, 413, "{}", server.error_log());
    let body = envelope(&answer.body);
    assert!(
        body["return_message"].as_str().unwrap().contains("100000"),
        "{body}"
    );
    // The legacy endpoint drains and refuses the same way.
    let answer = http(
        server.port,
        "POST",
        "/bridge2cart/bridge.php",
        &[],
        &vec![b'b'; 600_000],
    );
    assert_eq!(answer.status, 413);
}

#[test]
fn database_down_is_503_with_a_clear_message() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    std::fs::write(
        shop.root.join("config.php"),
        "<?php\ndefine('DB_HOSTNAME', '127.0.0.1');\ndefine('DB_PORT', '1');\ndefine('DB_USERNAME', 'x');\ndefine('DB_PASSWORD', 'secret-password');\ndefine('DB_DATABASE', 'none');\ndefine('DB_PREFIX', 'oc_');\n",
    )
    .unwrap();
    shop.write_private_config(&format!(
        "[[key]]\nid = \"{}\"\nsecret = \"{}\"\n",
        shop::KEY_ID,
        shop::SECRET
    ));
    let (code, answer) = call(&shop, &["product.count"]);
    assert_eq!(code, 1);
    assert_eq!(answer["return_code"], 503, "{answer}");
    assert!(!answer.to_string().contains("secret-password"));
}
