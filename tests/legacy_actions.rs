//! The legacy actions beyond the recorded `query` cases, through the real
//! binary as CGI: `multiquery` against MariaDB (placeholders, ids, list
//! input, stop-on-error and the transactional mode), `getconfig` byte for
//! byte, the pre-auth order, and the actions the incumbent runs PHP for.

mod common;

use common::legacy::{call, call_with_query, encode, unbase64};
use common::shop::{self, sign_legacy, Shop};
use common::{fixture, fresh_database, mysql_value, run_cgi, Db};

fn mariadb_shop(name: &str) -> (Db, Shop) {
    let db = fresh_database(name, &[&fixture("legacy-fixture.sql")]);
    let shop = shop::opencart_mysql(&db, "3.0.3.8");
    (db, shop)
}

fn multiquery(shop: &Shop, queries: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let encoded = encode(queries.as_bytes());
    let mut fields = vec![
        ("action", "multiquery"),
        ("fetchMode", "1"),
        ("queries", encoded.as_str()),
    ];
    fields.extend_from_slice(extra);
    let answer = call(shop, &fields);
    assert_eq!(answer.status, 200, "{}", answer.text());
    unbase64(&answer)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `{res: true, …}` of a statement without a result set.
fn done(insert_id: &str, affected: i64) -> String {
    format!(
        "a:4:{{s:3:\"res\";b:1;s:13:\"fetchedFields\";a:0:{{}}s:8:\"insertId\";s:{}:\"{insert_id}\";s:12:\"affectedRows\";i:{affected};}}",
        insert_id.len()
    )
}

#[test]
fn multiquery_fills_placeholders_from_earlier_statements() {
    let (db, shop) = mariadb_shop("cb3_mq_placeholders");
    let queries = r#"{
        "ins": "INSERT INTO cb_orders (customer, total) VALUES ('ann', 10.50)",
        "line": "INSERT INTO cb_order_lines (order_id, sku) VALUES (_A2C_LAST_{ins}_INSERT_ID_, 'A-1')",
        "sel": "SELECT name FROM cb_kinds WHERE id IN (1, 2, 3) ORDER BY id",
        "use": "SELECT id FROM cb_kinds WHERE name IN (A2C_USE_FIELD_{name}_FROM_{sel}_QUERY) ORDER BY id",
        "b": "SELECT body FROM cb_kinds WHERE id = 2",
        "q": "SELECT COUNT(*) AS n FROM cb_kinds WHERE body IN (A2C_USE_FIELD_{body}_FROM_{b}_QUERY)"
    }"#;
    let answer = multiquery(&shop, queries, &[]);
    let rows = |items: &[&str]| {
        let body: String = items
            .iter()
            .enumerate()
            .map(|(i, row)| format!("i:{i};{row}"))
            .collect();
        format!(
            "a:4:{{s:3:\"res\";a:{}:{{{body}}}s:13:\"fetchedFields\";a:0:{{}}s:8:\"insertId\";s:1:\"0\";s:12:\"affectedRows\";i:{};}}",
            items.len(),
            items.len()
        )
    };
    let body2 = "Line1\nLine2 \"quoted\" 'single' back\\slash";
    let expected =
        format!(
        "a:6:{{s:3:\"ins\";{}s:4:\"line\";{}s:3:\"sel\";{}s:3:\"use\";{}s:1:\"b\";{}s:1:\"q\";{}}}",
        done("1", 1),
        done("1", 1),
        rows(&[
            "a:1:{s:4:\"name\";s:5:\"Plain\";}",
            "a:1:{s:4:\"name\";s:22:\"Ünïcødé 日本 €\";}",
            "a:1:{s:4:\"name\";N;}",
        ]),
        // NULL became "", which matches row 4's empty name.
        rows(&[
            "a:1:{s:2:\"id\";i:1;}",
            "a:1:{s:2:\"id\";i:2;}",
            "a:1:{s:2:\"id\";i:4;}",
        ]),
        rows(&[&format!("a:1:{{s:4:\"body\";s:{}:\"{body2}\";}}", body2.len())]),
        // Quotes and backslashes were escaped, so the body matched itself.
        rows(&["a:1:{s:1:\"n\";i:1;}"]),
    );
    assert_eq!(text(&answer), expected);
    assert_eq!(mysql_value(&db, "SELECT order_id FROM cb_order_lines"), "1");
}

#[test]
fn multiquery_ids_and_lists_keep_phps_keys() {
    let (db, shop) = mariadb_shop("cb3_mq_ids");
    let queries = r#"{"1": "INSERT INTO cb_orders (customer, total) VALUES ('a', 1)",
        "07": "INSERT INTO cb_order_lines (order_id, sku) VALUES (_A2C_LAST_{1}_INSERT_ID_, 'x')",
        "-2": "DELETE FROM cb_kinds WHERE id = 4"}"#;
    let answer = text(&multiquery(&shop, queries, &[]));
    assert_eq!(
        answer,
        format!(
            "a:3:{{i:1;{}s:2:\"07\";{}i:-2;{}}}",
            done("1", 1),
            done("1", 1),
            done("0", 1)
        )
    );
    let list = r#"["INSERT INTO cb_orders (customer, total) VALUES ('b', 2)",
        "INSERT INTO cb_order_lines (order_id, sku) VALUES (_A2C_LAST_{0}_INSERT_ID_, 'y')"]"#;
    let answer = text(&multiquery(&shop, list, &[]));
    assert_eq!(
        answer,
        format!("a:2:{{i:0;{}i:1;{}}}", done("2", 1), done("2", 1))
    );
    assert_eq!(
        mysql_value(
            &db,
            "SELECT GROUP_CONCAT(order_id ORDER BY line_id) FROM cb_order_lines"
        ),
        "1,2"
    );
    assert_eq!(text(&multiquery(&shop, "{}", &[])), "a:0:{}");
}

const FAILING_BATCH: &str = r#"{"a": "INSERT INTO cb_orders (customer, total) VALUES ('kept?', 1)",
    "sel": "SELECT * FROM cb_nope",
    "c": "INSERT INTO cb_orders (customer, total) VALUES ('never', 2)"}"#;

fn failure_answer(db: &str) -> String {
    let error = format!(
        "[ERROR] Mysql Query Error: 42S02, SQLSTATE[42S02]: Base table or view not found: 1146 Table '{db}.cb_nope' doesn't exist"
    );
    format!(
        "a:3:{{s:5:\"error\";s:{}:\"{error}\";s:13:\"failedQueryId\";s:3:\"sel\";s:5:\"query\";s:21:\"SELECT * FROM cb_nope\";}}",
        error.len()
    )
}

#[test]
fn multiquery_stops_at_the_first_error_and_keeps_what_ran() {
    let (db, shop) = mariadb_shop("cb3_mq_stop");
    let answer = text(&multiquery(&shop, FAILING_BATCH, &[]));
    assert_eq!(answer, failure_answer(&db.name));
    assert_eq!(
        mysql_value(&db, "SELECT GROUP_CONCAT(customer) FROM cb_orders"),
        "kept?"
    );
}

#[test]
fn multiquery_in_a_transaction_applies_all_or_nothing() {
    let (db, shop) = mariadb_shop("cb3_mq_transaction");
    let answer = text(&multiquery(&shop, FAILING_BATCH, &[("transaction", "1")]));
    assert_eq!(answer, failure_answer(&db.name));
    assert_eq!(mysql_value(&db, "SELECT COUNT(*) FROM cb_orders"), "0");

    let good = r#"{"a": "INSERT INTO cb_orders (customer, total) VALUES ('x', 1)",
        "b": "UPDATE cb_orders SET total = 5 WHERE order_id = _A2C_LAST_{a}_INSERT_ID_"}"#;
    let answer = text(&multiquery(&shop, good, &[("transaction", "1")]));
    assert_eq!(
        answer,
        format!(
            "a:2:{{s:1:\"a\";{}s:1:\"b\";{}}}",
            done("2", 1),
            done("0", 1)
        )
    );
    assert_eq!(mysql_value(&db, "SELECT total FROM cb_orders"), "5.00");
}

#[test]
fn multiquery_refuses_what_is_not_a_batch_and_unknown_ids() {
    let (db, shop) = mariadb_shop("cb3_mq_refusals");
    let encoded = encode(b"[1, 2]");
    let answer = call(
        &shop,
        &[
            ("action", "multiquery"),
            ("fetchMode", "1"),
            ("queries", &encoded),
        ],
    );
    assert_eq!(answer.status, 400);
    assert!(answer
        .text()
        .contains("queries must be a JSON object or list of SQL strings"));
    let unknown =
        r#"{"a": "SELECT 1", "b": "DELETE FROM cb_kinds WHERE id = _A2C_LAST_{zz}_INSERT_ID_"}"#;
    let answer = text(&multiquery(&shop, unknown, &[]));
    assert!(answer.contains("no earlier statement 'zz'"), "{answer}");
    assert!(
        answer.contains("s:13:\"failedQueryId\";s:1:\"b\";"),
        "{answer}"
    );
    assert_eq!(mysql_value(&db, "SELECT COUNT(*) FROM cb_kinds"), "4");
    // Missing fields: an empty body, as the incumbent answers.
    let answer = call(&shop, &[("action", "multiquery"), ("fetchMode", "1")]);
    assert_eq!(answer.body, b"");
}

#[test]
fn unsigned_and_query_string_settings_change_nothing() {
    let (db, shop) = mariadb_shop("cb3_preauth");
    // store_root is read only after the signature: unsigned, it is not even looked at.
    let body = "action=query&fetchMode=1&store_root=%2Fnowhere&a2c_sign=00";
    let answer = run_cgi(
        &shop.script,
        &shop.script,
        "POST",
        b"",
        "",
        &[],
        body.as_bytes(),
    );
    assert_eq!(answer.text(), "ERROR: Signature is not correct");
    let answer = call(
        &shop,
        &[("action", "basedirfs"), ("store_root", "/nowhere")],
    );
    assert_eq!(answer.text(), "ERROR_INVALID_STORE_ROOT");
    let root = shop.root.display().to_string();
    let answer = call(&shop, &[("action", "basedirfs"), ("store_root", &root)]);
    assert_eq!(answer.text(), format!("{root}/"));

    // set_names and sql_settings in the query string are not signed: ignored.
    let select = encode("SELECT name FROM cb_kinds WHERE id = 2".as_bytes());
    let fields = [
        ("action", "query"),
        ("fetchMode", "1"),
        ("query", select.as_str()),
    ];
    let clean = call(&shop, &fields);
    let drop = encode(b"DROP TABLE cb_kinds");
    let query = format!("set_names=latin1&sql_settings%5Bsql_variables%5D={drop}");
    let injected = call_with_query(&shop, &query, &fields);
    assert_eq!(injected.body, clean.body);
    assert!(text(&unbase64(&clean)).contains("Ünïcødé 日本 €"));
    assert_eq!(mysql_value(&db, "SELECT COUNT(*) FROM cb_kinds"), "4");
    // In the signed body they apply.
    let signed = call(
        &shop,
        &[
            ("action", "query"),
            ("fetchMode", "1"),
            ("query", &select),
            ("set_names", "latin1"),
        ],
    );
    assert_ne!(signed.body, clean.body);
}

#[test]
fn mysqlver_reports_the_servers_version() {
    let (db, shop) = mariadb_shop("cb3_mysqlver");
    let version = mysql_value(&db, "SELECT VERSION()");
    let parts: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse().unwrap())
        .collect();
    let answer = call(&shop, &[("action", "mysqlver")]);
    assert_eq!(
        answer.text(),
        format!("{}{:02}{:02}", parts[0], parts[1], parts[2])
    );
}

/// An OpenCart 4.0.2.3 store on SQLite whose database file is `shop`.
fn getconfig_shop(extra_config: &str) -> Shop {
    let shop = shop::opencart_sqlite("opencart-4.1.0.4.sqlite.sql", "4.0.2.3");
    shop.write_private_config(&format!(
        "max_body_bytes = 134217728\n{extra_config}\n[database]\nsqlite = \"shop.sqlite\"\n"
    ));
    shop
}

/// LEGACY.md §4.4's OpenCart example, for the same settings; only the
/// store root differs.
#[test]
fn getconfig_is_the_documented_body() {
    let shop = getconfig_shop("[legacy]\npublic_key_id = \"5f1db7fae12405f2b2fd7bdb1102c8d8\"\n");
    let documented = r#"a:11:{s:6:"images";a:7:{s:10:"imagesPath";s:7:"/image/";s:20:"categoriesImagesPath";s:7:"/image/";s:21:"categoriesImagesPaths";s:0:"";s:18:"productsImagesPath";s:7:"/image/";s:19:"productsImagesPaths";s:0:"";s:23:"manufacturersImagesPath";s:7:"/image/";s:24:"manufacturersImagesPaths";s:0:"";}s:9:"languages";a:0:{}s:9:"baseDirFs";s:14:"/var/www/html/";s:13:"bridgeVersion";s:3:"209";s:11:"bridgeKeyId";s:32:"5f1db7fae12405f2b2fd7bdb1102c8d8";s:12:"databaseName";s:4:"shop";s:12:"cartDbPrefix";s:3:"oc_";s:11:"memoryLimit";i:134217728;s:13:"zlibSupported";b:1;s:8:"cartVars";a:1:{s:9:"dbVersion";s:7:"4.0.2.3";}s:9:"time_zone";s:3:"UTC";}"#;
    let root = format!("{}/", shop.root.display());
    let expected = documented.replace(
        "s:14:\"/var/www/html/\"",
        &format!("s:{}:\"{root}\"", root.len()),
    );
    let answer = call(&shop, &[("action", "getconfig")]);
    assert_eq!(answer.text(), expected);
    // Case-insensitive, as PHP's class lookup.
    assert_eq!(call(&shop, &[("action", "GetConfig")]).text(), expected);
}

#[test]
fn php_runtime_actions_answer_not_supported() {
    let shop = getconfig_shop("");
    let cases: &[(&str, &str)] = &[
        (
            "platform_action",
            r#"{"error":{"message":"Action is not supported"},"data":null}"#,
        ),
        (
            "createrefund",
            r#"{"error":{"message":"Action is not supported"},"data":null}"#,
        ),
        (
            "getshipmentproviders",
            r#"{"error":{"message":"Action is not supported"},"data":null}"#,
        ),
        (
            "reindexproduct",
            r#"{"error":{"message":"Action is not supported"},"data":false}"#,
        ),
        (
            "send_notification",
            r#"{"error":true,"code":0,"message":"Action is not supported"}"#,
        ),
        (
            "get_url",
            r#"{"data":null,"error":true,"code":0,"message":"Action is not supported"}"#,
        ),
        ("clearcache", "ERROR"),
        ("deleteimages", "ERROR"),
        ("cubecart", "a:0:{}"),
        ("nosuchaction", "ACTION_DO_NOT EXIST\n"),
    ];
    for (action, expected) in cases {
        let answer = call(&shop, &[("action", action)]);
        assert_eq!(
            (answer.status, answer.text().as_str()),
            (200, *expected),
            "{action}"
        );
    }
    let data = encode(br#"{"order_id": 1}"#);
    let answer = call(
        &shop,
        &[
            ("action", "platform_action"),
            ("platform_action", "sendEmailNotifications"),
            ("data", &data),
        ],
    );
    assert_eq!(
        answer.text(),
        r#"{"error":{"message":"Action is not supported"},"data":null}"#
    );
}

#[test]
fn phpinfo_update_and_delete_are_refused() {
    let shop = getconfig_shop("");
    let answer = call(&shop, &[("action", "phpinfo")]);
    assert_eq!(answer.status, 403);
    assert!(
        answer.text().contains("phpinfo is not available"),
        "{}",
        answer.text()
    );
    for action in ["update", "delete"] {
        let answer = call(&shop, &[("action", action)]);
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(json["code"], 1, "{action}");
        assert!(json["message"]
            .as_str()
            .unwrap()
            .starts_with("cartbridge does not"));
    }
    // The binary and its folder are untouched.
    assert!(shop.script.exists() && shop.bridge_dir().join("config.php").exists());
    // Unsigned, the same actions never get past the signature.
    let body = format!("{}0", sign_legacy(&[("action", "update")]));
    let answer = run_cgi(
        &shop.script,
        &shop.script,
        "POST",
        b"",
        "",
        &[],
        body.as_bytes(),
    );
    assert_eq!(answer.text(), "ERROR: Signature is not correct");
}
