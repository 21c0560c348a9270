//! `sql.query` under each SQL policy, through nginx with signed calls:
//! `none` refuses, `read` runs one reading statement that the database
//! itself keeps read-only, `full` runs anything in a transaction.

mod common;
mod native_support;

use native_support::{Call, Generation, TestShop};
use serde_json::{json, Value as Json};

const NONE: (&str, &str) = ("erp-sync", "cb_test_secret_none_0123456789abcdefghijkl");
const READER: (&str, &str) = ("reader", "cb_test_secret_read_0123456789abcdefghijkl");
const ADMIN: (&str, &str) = ("admin", "cb_test_secret_full_0123456789abcdefghijkl");

fn with_keys(shop: &TestShop) {
    shop.set_keys(&[
        (NONE.0, NONE.1, "none"),
        (READER.0, READER.1, "read"),
        (ADMIN.0, ADMIN.1, "full"),
    ]);
}

fn sql(key: (&str, &str), body: &Json, server: &common::WebServer) -> (u16, Json) {
    let body = body.to_string();
    Call::post_json("sql.query", body.as_bytes())
        .with_key(key.0, key.1)
        .send(server)
}

/// Statements `read` refuses before they reach the database, and a word
/// its message names.
const REFUSED: &[(&str, &str)] = &[
    (
        "UPDATE oc_product SET price = 0",
        "UPDATE statements are refused",
    ),
    ("DELETE FROM oc_product", "DELETE statements are refused"),
    ("SET @a = 1", "SET statements are refused"),
    ("DROP TABLE oc_product", "DROP statements are refused"),
    (
        "SELECT 1; DELETE FROM oc_product",
        "one statement at a time",
    ),
    ("SELECT * FROM oc_product FOR UPDATE", "UPDATE is refused"),
    (
        "SELECT * FROM oc_product LOCK IN SHARE MODE",
        "LOCK is refused",
    ),
    (
        "SELECT * FROM oc_product INTO OUTFILE '/tmp/cb4_dump.txt'",
        "INTO is refused",
    ),
    (
        "SELECT model INTO DUMPFILE '/tmp/cb4_dump.bin' FROM oc_product",
        "INTO is refused",
    ),
    ("SELECT LOAD_FILE('/etc/passwd')", "LOAD_FILE is refused"),
    ("SELECT GET_LOCK('cb4', 10)", "GET_LOCK is refused"),
    ("SELECT 1 /*!, (SELECT SLEEP(5)) */", "executable comments"),
];

fn policies(shop: &TestShop) {
    with_keys(shop);
    let server = shop.nginx_cgi();

    // none: refused, and the message says how to allow it.
    let (status, answer) = sql(NONE, &json!({"sql": "SELECT 1"}), &server);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        answer["return_message"],
        "key 'erp-sync' lacks the scope sql:read needed for sql.query; the store owner can grant it with `cartbridge key set erp-sync --scope sql:read ...`"
    );

    // read: one reading statement, with parameters.
    let (status, answer) = sql(
        READER,
        &json!({"sql": "SELECT product_id, model FROM oc_product WHERE product_id IN (?, ?) ORDER BY product_id", "params": [40, "42"]}),
        &server,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["result"]["rows"],
        json!([[40, "product 11"], [42, "Product 15"]])
    );
    assert_eq!(
        answer["result"]["columns"],
        json!([{"name": "product_id", "type": "integer"}, {"name": "model", "type": "text"}])
    );
    for (statement, expected) in REFUSED {
        let (status, answer) = sql(READER, &json!({"sql": statement}), &server);
        assert_eq!(status, 403, "{statement}: {answer}");
        let message = answer["return_message"].as_str().unwrap();
        assert!(
            message.starts_with("sql_policy \"read\" refuses this: "),
            "{message}"
        );
        assert!(message.contains(expected), "{statement}: {message}");
    }
    assert_eq!(shop.value("SELECT COUNT(*) FROM oc_product"), "19");
    assert!(!std::path::Path::new("/tmp/cb4_dump.txt").exists());

    // full: anything, committed.
    let (status, answer) = sql(
        ADMIN,
        &json!({"sql": "UPDATE oc_product SET location = :where WHERE product_id = :id", "params": {"where": "Aisle 7", "id": 41}}),
        &server,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["affected_rows"], 1);
    assert_eq!(
        shop.value("SELECT location FROM oc_product WHERE product_id = 41"),
        "Aisle 7"
    );
    let (status, answer) = sql(
        ADMIN,
        &json!({"sql": "INSERT INTO oc_order_history (order_id, order_status_id, notify, comment, date_added) VALUES (8, 2, 0, 'via sql.query', '2025-03-01 10:00:00')"}),
        &server,
    );
    assert_eq!(status, 200, "{answer}");
    let inserted = answer["result"]["insert_id"].as_str().unwrap().to_string();
    assert_eq!(
        shop.value(&format!(
            "SELECT comment FROM oc_order_history WHERE order_history_id = {inserted}"
        )),
        "via sql.query"
    );
}

#[test]
fn policies_on_opencart_3_mariadb() {
    let shop = TestShop::mariadb(Generation::Oc3, "sql_oc3");
    policies(&shop);
    // A write hidden in a stored function passes the statement check; the
    // read-only transaction stops it (MyISAM tables too).
    shop.exec(
        "DELIMITER //\nCREATE FUNCTION cb4_bump() RETURNS INT MODIFIES SQL DATA \
         BEGIN UPDATE oc_product SET quantity = quantity + 1 WHERE product_id = 40; RETURN 1; END//\nDELIMITER ;\n",
    );
    let server = shop.nginx_cgi();
    let (status, answer) = sql(READER, &json!({"sql": "SELECT cb4_bump()"}), &server);
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["return_message"]
            .as_str()
            .unwrap()
            .contains("READ ONLY"),
        "{answer}"
    );
    assert_eq!(
        shop.value("SELECT quantity FROM oc_product WHERE product_id = 40"),
        "970"
    );
}

#[test]
fn policies_on_opencart_4_mariadb_and_full_rolls_back() {
    let shop = TestShop::mariadb(Generation::Oc40, "sql_oc40");
    policies(&shop);
    let server = shop.nginx_cgi();
    // Under full, a batch that fails half way leaves nothing behind (InnoDB).
    let (status, answer) = sql(
        ADMIN,
        &json!({"sql": "UPDATE oc_product SET location = 'Aisle 9' WHERE product_id = 41; SELECT * FROM cb4_no_such_table"}),
        &server,
    );
    assert_eq!(status, 500, "{answer}");
    assert_eq!(
        shop.value("SELECT location FROM oc_product WHERE product_id = 41"),
        "Aisle 7"
    );
}

#[test]
fn policies_on_sqlite() {
    let shop = TestShop::sqlite(Generation::Oc3);
    policies(&shop);
    let server = shop.nginx_cgi();
    // SQLite runs one statement per call, whatever the policy.
    let (status, answer) = sql(
        ADMIN,
        &json!({"sql": "UPDATE oc_product SET location = 'Aisle 9' WHERE product_id = 41; DELETE FROM oc_product"}),
        &server,
    );
    assert_eq!(status, 500, "{answer}");
    assert_eq!(
        shop.value("SELECT location FROM oc_product WHERE product_id = 41"),
        "Aisle 7"
    );
    assert_eq!(shop.value("SELECT COUNT(*) FROM oc_product"), "19");
}
