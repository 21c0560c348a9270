//! The native API's HTTP surface: reads by GET or POST, writes by POST
//! only (JSON or form bodies), the method from the path or `method=`, and
//! a 400 that says what to fix for every parameter rule — through nginx
//! with the binary as CGI and as FastCGI.

mod common;
mod native_support;

use common::shop::{envelope, sign_native};
use common::{binary, http, WebServer};
use native_support::{ids, Call, Generation, TestShop};
use serde_json::{json, Value as Json};

#[test]
fn reads_take_get_and_post_and_writes_refuse_get() {
    let shop = TestShop::sqlite(Generation::Oc3);
    // sql.query's rules are checked for a key that may use it.
    shop.set_keys(&[(common::shop::KEY_ID, common::shop::SECRET, "read")]);
    let server = shop.nginx_cgi();
    let (status, by_get) = Call::get("product.info", &[("id", "40")]).send(&server);
    assert_eq!(status, 200, "{by_get}");
    assert_eq!(by_get["result"]["name"], "iPhone");
    let (status, by_json) = Call::post_json("product.info", br#"{"id": 40}"#).send(&server);
    assert_eq!((status, &by_json), (200, &by_get));
    let (status, by_form) = Call::post_form("product.info", b"id=40").send(&server);
    assert_eq!((status, &by_form), (200, &by_get));

    // A link or a prefetch must never change the shop.
    let (status, answer) =
        Call::get("product.update", &[("id", "40"), ("price", "1")]).send(&server);
    assert_eq!(status, 405, "{answer}");
    assert_eq!(
        answer["return_message"],
        "product.update changes the shop: send it as POST with a JSON (or form) body"
    );
    assert_eq!(
        shop.number("SELECT price FROM oc_product WHERE product_id = 40"),
        101.0
    );
    let (status, answer) = Call::get("order.update", &[("id", "8"), ("status", "7")]).send(&server);
    assert_eq!(status, 405, "{answer}");
    let (status, answer) = Call::get("sql.query", &[("sql", "SELECT 1")]).send(&server);
    assert_eq!(status, 405, "{answer}");
    let put = Call {
        http_method: "PUT",
        ..Call::post_json("product.update", br#"{"id": "40", "price": "1"}"#)
    };
    let (status, answer) = put.send(&server);
    assert_eq!(status, 405, "{answer}");
    assert!(answer["return_message"]
        .as_str()
        .unwrap()
        .contains("use GET or POST"));

    // Writes by JSON and by form, read back from the shop's tables.
    let (status, answer) =
        Call::post_json("product.update", br#"{"id":"40","price":"99.5000"}"#).send(&server);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["product"]["price"], "99.5000");
    let (status, answer) =
        Call::post_form("product.update", b"id=40&quantity=3&status=disabled").send(&server);
    assert_eq!(status, 200, "{answer}");
    let row = &shop.rows("SELECT price, quantity, status FROM oc_product WHERE product_id = 40")[0];
    assert_eq!(
        (
            row[0].parse::<f64>().unwrap(),
            row[1].as_str(),
            row[2].as_str()
        ),
        (99.5, "3", "0")
    );
    let (status, answer) = Call::post_json(
        "order.update",
        br#"{"id": 8, "status": 7, "notify": true, "comment": "Refunded \u00e0 la carte"}"#,
    )
    .send(&server);
    assert_eq!(status, 200, "{answer}");
    let last = &shop.rows(
        "SELECT order_status_id, notify, comment FROM oc_order_history WHERE order_id = 8 ORDER BY order_history_id DESC LIMIT 1",
    )[0];
    assert_eq!(last, &["7", "1", "Refunded à la carte"]);
}

#[test]
fn the_method_may_come_from_the_query() {
    let shop = TestShop::sqlite(Generation::Oc3);
    // sql.query's rules are checked for a key that may use it.
    shop.set_keys(&[(common::shop::KEY_ID, common::shop::SECRET, "read")]);
    let server = shop.nginx_cgi();
    // No PATH_INFO: the method is a query parameter and the signed path is "/".
    let query = [("method", "product.count"), ("status", "enabled")];
    let (headers, encoded) = sign_native("GET", "/", &query, b"");
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = http(
        server.port,
        "GET",
        &format!("/bridge2cart/cartbridge?{encoded}"),
        &headers,
        b"",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(envelope(&answer.body)["result"], json!({"count": 19}));
}

#[test]
fn lists_stream_through_fastcgi() {
    let shop = TestShop::mariadb(Generation::Oc40, "params_fcgi");
    let server = WebServer::nginx_fastcgi(&shop.shop.root, &shop.shop.script, &binary(), &[]);
    let (status, answer) = Call::get("order.list", &[("count", "250")]).send(&server);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(ids(&answer["result"]["orders"]).len(), 11);
    let (status, answer) =
        Call::post_json("order.update", br#"{"id": "3", "status": "5"}"#).send(&server);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        shop.value("SELECT order_status_id FROM oc_order WHERE order_id = 3"),
        "5"
    );
    // The same connection serves the next request after a streamed one.
    let (status, answer) = Call::get("product.list", &[("count", "250")]).send(&server);
    assert_eq!(status, 200);
    assert_eq!(ids(&answer["result"]["products"]).len(), 19);
}

/// A call and the start of the message its refusal must give.
type Refusal = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// (method, query, what the 400 must say)
const REFUSALS: &[Refusal] = &[
    ("product.list", &[("stauts", "1")], "unknown parameter stauts; this method takes: start, count, page_cursor, ids, sku, status, created_from, created_to, modified_from, modified_to, lang_id, store_id, params"),
    ("cart.info", &[("x", "1")], "unknown parameter x; this method takes: none"),
    ("product.list", &[("count", "0")], "count must be an integer from 1 to 250; got '0'"),
    ("product.list", &[("count", "251")], "count must be an integer from 1 to 250; got '251'"),
    ("product.list", &[("count", "ten")], "count must be an integer from 1 to 250"),
    ("product.list", &[("start", "-1")], "start must be an integer from 0 to 2147483647"),
    ("product.info", &[], "id is required: The entity's id"),
    ("product.info", &[("id", "abc")], "id must be an id: a whole number from 1 to 2147483647; got 'abc'"),
    ("product.info", &[("id", "0")], "id must be an id"),
    ("product.info", &[("id", "2147483648")], "id must be an id"),
    ("product.list", &[("ids", "40,x")], "ids must be 1 to 250 ids separated by commas"),
    ("product.list", &[("created_from", "yesterday")], "created_from must be a date: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or ISO 8601"),
    ("product.list", &[("created_to", "2024-02-30")], "created_to must be a date"),
    ("product.count", &[("modified_from", "2024-01-01T10:00:00+2")], "modified_from must be a date"),
    ("product.count", &[("created_from", "2024-02-02"), ("created_to", "2024-02-01")], "created_from is after created_to: nothing can match"),
    ("product.list", &[("status", "maybe")], "status must be 'enabled' or 'disabled'; got 'maybe'"),
    ("product.list", &[("lang_id", "0")], "lang_id must be an integer from 1 to 2147483647"),
    ("product.list", &[("store_id", "-1")], "store_id must be an integer from 0 to 2147483647"),
    ("product.list", &[("params", "name,colour")], "params names unknown field 'colour'; the fields of Product are: id, sku, model, name"),
    ("product.list", &[("page_cursor", "a b")], "page_cursor must be the next_page_cursor of the previous page, unchanged"),
    ("product.find", &[("name", "  ")], "name must not be empty"),
    ("category.list", &[("parent_id", "x")], "parent_id must be an integer from 0"),
    ("order.list", &[("status", "-1")], "status must be a status id as order.status.list gives it"),
    ("order.list", &[("customer_id", "0")], "customer_id must be an id"),
    ("customer.find", &[], "email is required"),
    ("nosuch.method", &[], "unknown method 'nosuch.method'; known methods: cart.info, product.count"),
];

/// (method, JSON body, what the 400 must say) for the write methods.
const BODY_REFUSALS: &[(&str, &str, &str)] = &[
    ("product.update", r#"{"id": 40, "price": "-1"}"#, "price must be an amount like 99.5 or 99.5000: digits, at most 4 decimals, not negative; got '-1'"),
    ("product.update", r#"{"id": 40, "price": "1.23456"}"#, "price must be an amount"),
    ("product.update", r#"{"id": 40, "quantity": 99999999999}"#, "quantity must be an integer from -2147483648 to 2147483647"),
    ("product.update", r#"{"id": 40}"#, "product.update needs at least one of price, quantity, status"),
    ("product.update", r#"{"id": 40, "colour": "red"}"#, "unknown parameter colour; this method takes: id, price, quantity, status"),
    ("order.update", r#"{"id": 8, "status": 7, "notify": "maybe"}"#, "notify must be true or false; got 'maybe'"),
    ("order.update", r#"{"id": 8}"#, "status is required"),
    ("order.update", r#"{"id": 8, "status": "5;DROP"}"#, "status must be a status id"),
    ("sql.query", r#"{"sql": "SELECT 1", "params": [[1]]}"#, "params must be a JSON array (for ? placeholders) or object (for :name placeholders)"),
    ("sql.query", r#"["id", 40]"#, "the JSON body must be an object of parameters"),
    ("sql.query", r#"{"sql": "#, "the body is not valid JSON"),
];

#[test]
fn every_parameter_rule_is_a_400_that_says_what_to_fix() {
    let shop = TestShop::sqlite(Generation::Oc3);
    // sql.query's rules are checked for a key that may use it.
    shop.set_keys(&[(common::shop::KEY_ID, common::shop::SECRET, "read")]);
    let server = shop.nginx_cgi();
    for (method, query, expected) in REFUSALS {
        let (status, answer) = Call::get(method, query).send(&server);
        let expected_status = if method.starts_with("nosuch") {
            404
        } else {
            400
        };
        assert_eq!(status, expected_status, "{method} {query:?}: {answer}");
        assert_eq!(answer["return_code"], expected_status);
        assert_eq!(answer["result"], Json::Null);
        let message = answer["return_message"].as_str().unwrap();
        assert!(
            message.starts_with(expected),
            "{method} {query:?}:\n  got  {message}\n  want {expected}"
        );
    }
    for (method, body, expected) in BODY_REFUSALS {
        let (status, answer) = Call::post_json(method, body.as_bytes()).send(&server);
        assert_eq!(status, 400, "{method} {body}: {answer}");
        let message = answer["return_message"].as_str().unwrap();
        assert!(
            message.starts_with(expected),
            "{method} {body}:\n  got  {message}\n  want {expected}"
        );
    }
    // Too many ids.
    let many = (1..=251)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (status, answer) = Call::get("product.list", &[("ids", &many)]).send(&server);
    assert_eq!(status, 400, "{answer}");
    // A parameter in the query and again in the body.
    let call = Call {
        query: &[("id", "40")],
        ..Call::post_json("product.info", br#"{"id": 41}"#)
    };
    let (status, answer) = call.send(&server);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["return_message"],
        "parameter 'id' is given twice; give it once"
    );
    // Nothing was written by any of the refused writes.
    assert_eq!(
        shop.number("SELECT price FROM oc_product WHERE product_id = 40"),
        101.0
    );
    assert_eq!(
        shop.value("SELECT COUNT(*) FROM oc_order_history WHERE order_id = 8"),
        "2"
    );
}
