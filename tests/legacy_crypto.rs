//! Encryption through the real binary, both generations, with a
//! throw-away key pair: the public key and key id come from the shop's own
//! `bridge.php` (or config.toml after `import-php-bridge`), requests are
//! sealed and answers opened the way the gateway does it, and the opened
//! answers are the recorded incumbent's bytes. Also the technician's
//! `decode`.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::legacy::{
    bridge_php, call, encode, open_answer, open_answer_chunked, private_key_pem, public_key_pem,
    seal_request, seal_request_chunked, KEY_ID,
};
use common::shop::{self, Shop, TOKEN};
use common::{binary, fixture, fresh_database, mysql_value, run_with_input};

fn encrypted_shop(name: &str) -> (common::Db, Shop) {
    let db = fresh_database(name, &[&fixture("legacy-fixture.sql")]);
    let shop = shop::opencart_mysql(&db, "3.0.3.8");
    fs::write(shop.bridge_dir().join("bridge.php"), bridge_php()).unwrap();
    (db, shop)
}

/// The incumbent's decoded answer to one recorded case.
fn recorded(name: &str) -> Vec<u8> {
    let text = fs::read_to_string(fixture("legacy-query.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let case = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap();
    STANDARD
        .decode(case["decoded_bytes_b64"].as_str().unwrap())
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn hybrid_encryption_from_the_incumbents_bridge_php() {
    let (db, shop) = encrypted_shop("cb3_crypto_hybrid");
    let answer = call(&shop, &[("action", "checkbridge")]);
    assert_eq!(
        answer.text(),
        format!(r#"{{"message":"BRIDGE_OK","key_id":"{KEY_ID}","bridge_version":"209"}}"#)
    );

    // Plaintext parameters are refused once encryption is on.
    let plain = encode(b"SELECT 1");
    let answer = call(
        &shop,
        &[("action", "query"), ("fetchMode", "1"), ("query", &plain)],
    );
    assert_eq!(answer.text(), "ERROR_PARSE_DECRYPT");
    let answer = call(
        &shop,
        &[
            ("action", "platform_action"),
            ("platform_action", "cleanCache"),
            ("data", &plain),
        ],
    );
    assert_eq!(answer.text(), "ERROR_PARSE_DECRYPT");

    // The recorded select, sealed: the opened answer is the incumbent's.
    let sealed = seal_request(b"SELECT * FROM cb_kinds ORDER BY id");
    let answer = call(
        &shop,
        &[("action", "query"), ("fetchMode", "1"), ("query", &sealed)],
    );
    assert!(
        answer.text().starts_with(r#"{"encryptedKey":""#),
        "{}",
        answer.text()
    );
    assert_eq!(open_answer(&answer.body), recorded("select fetchMode 1"));

    // An SQL error is the serialized error structure, sealed.
    let sealed = seal_request(b"SELECT * FROM cb_nope");
    let answer = call(
        &shop,
        &[("action", "query"), ("fetchMode", "1"), ("query", &sealed)],
    );
    let error = text(&open_answer(&answer.body));
    assert!(error.starts_with("a:3:{s:5:\"error\";s:"), "{error}");
    assert!(
        error
            .ends_with("s:5:\"query\";s:21:\"SELECT * FROM cb_nope\";s:13:\"failedQueryId\";i:0;}"),
        "{error}"
    );

    // multiquery and getconfig are sealed too.
    let sealed =
        seal_request(br#"{"a":"INSERT INTO cb_orders (customer, total) VALUES ('x', 1)"}"#);
    let answer = call(
        &shop,
        &[
            ("action", "multiquery"),
            ("fetchMode", "1"),
            ("queries", &sealed),
        ],
    );
    assert!(text(&open_answer(&answer.body)).starts_with("a:1:{s:1:\"a\";a:4:{s:3:\"res\";b:1;"));
    assert_eq!(mysql_value(&db, "SELECT COUNT(*) FROM cb_orders"), "1");
    let answer = call(&shop, &[("action", "getconfig")]);
    let config = text(&open_answer(&answer.body));
    assert!(
        config.contains(&format!("s:11:\"bridgeKeyId\";s:32:\"{KEY_ID}\";")),
        "{config}"
    );

    // Encrypted sql_settings apply; plaintext ones are refused.
    let modes = seal_request(b"'NO_AUTO_VALUE_ON_ZERO'");
    let sealed = seal_request(b"SELECT @@SESSION.sql_mode AS m");
    let answer = call(
        &shop,
        &[
            ("action", "query"),
            ("fetchMode", "1"),
            ("query", &sealed),
            ("sql_settings[sql_modes]", &modes),
        ],
    );
    assert!(text(&open_answer(&answer.body)).contains("NO_AUTO_VALUE_ON_ZERO"));
    let answer = call(
        &shop,
        &[
            ("action", "query"),
            ("fetchMode", "1"),
            ("query", &sealed),
            ("sql_settings[sql_modes]", &encode(b"''")),
        ],
    );
    assert_eq!(answer.text(), "ERROR_PARSE_DECRYPT");
}

#[test]
fn chunked_encryption_when_configured() {
    let (_db, shop) = encrypted_shop("cb3_crypto_chunked");
    shop.write_private_config(&format!(
        "[legacy]\nencryption = \"chunked\"\npublic_key = \"\"\"\n{}\"\"\"\npublic_key_id = \"{KEY_ID}\"\n",
        public_key_pem()
    ));
    let sealed = seal_request_chunked(b"SELECT * FROM cb_kinds ORDER BY id");
    let answer = call(
        &shop,
        &[("action", "query"), ("fetchMode", "2"), ("query", &sealed)],
    );
    assert!(
        answer.body.iter().all(u8::is_ascii_hexdigit),
        "{}",
        answer.text()
    );
    assert_eq!(
        open_answer_chunked(&answer.body),
        recorded("select fetchMode 2")
    );
    let answer = call(
        &shop,
        &[
            ("action", "query"),
            ("fetchMode", "1"),
            ("query", "not hex"),
        ],
    );
    assert_eq!(answer.text(), "ERROR_INVALID_HEXDECIMAL_VALUE");
}

fn cartbridge(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let out = run_with_input(Command::new(binary()).args(args), input).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn import_php_bridge_moves_the_store_to_config_toml() {
    let (_db, shop) = encrypted_shop("cb3_crypto_import");
    let folder = shop.bridge_dir().display().to_string();
    let (code, out, err) = cartbridge(&["import-php-bridge", &folder], b"");
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains(TOKEN) && !err.contains(TOKEN),
        "the token was printed:\n{out}"
    );
    assert!(out.contains("bridge version: 209"), "{out}");
    assert!(out.contains(&format!("key id:         {KEY_ID}")), "{out}");
    assert!(out.contains("encryption:     on (hybrid"), "{out}");
    let config = shop.bridge_dir().join(".cartbridge/config.toml");
    assert_eq!(
        fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let written = fs::read_to_string(&config).unwrap();
    assert!(
        written.contains("[[key]]"),
        "the native keys were kept:\n{written}"
    );

    // The incumbent's files can go: the answers stay the same.
    fs::remove_file(shop.bridge_dir().join("bridge.php")).unwrap();
    fs::remove_file(shop.bridge_dir().join("config.php")).unwrap();
    let answer = call(&shop, &[("action", "checkbridge")]);
    assert!(answer.text().contains(KEY_ID), "{}", answer.text());
    let sealed = seal_request(b"SELECT COUNT(*) AS n FROM cb_kinds");
    let answer = call(
        &shop,
        &[("action", "query"), ("fetchMode", "1"), ("query", &sealed)],
    );
    assert_eq!(open_answer(&answer.body), recorded("count"));

    let (code, _, err) = cartbridge(&["import-php-bridge", "/nonexistent-cb3"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("M1_TOKEN"), "{err}");
}

#[test]
fn decode_shows_any_answer_as_json() {
    let (_db, shop) = encrypted_shop("cb3_crypto_decode");
    let sealed = seal_request(b"SELECT id, name FROM cb_kinds WHERE id = 2");
    let answer = call(
        &shop,
        &[("action", "query"), ("fetchMode", "1"), ("query", &sealed)],
    );
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("gateway.pem");
    fs::write(&key, private_key_pem()).unwrap();
    let key = key.display().to_string();
    let (code, out, err) = cartbridge(&["decode", "--private-key", &key], &answer.body);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["res"][0]["name"], "Ünïcødé 日本 €");
    assert_eq!(json["res"][0]["id"], 2);
    assert_eq!(json["affectedRows"], 1);

    let (code, _, err) = cartbridge(&["decode"], &answer.body);
    assert_eq!(code, 1);
    assert!(err.contains("--private-key"), "{err}");

    // A recorded plaintext answer, from a file.
    let file = dir.path().join("answer.txt");
    fs::write(&file, STANDARD.encode(recorded("insert"))).unwrap();
    let (code, out, _) = cartbridge(&["decode", &file.display().to_string()], b"");
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"res": true, "fetchedFields": [], "insertId": "1", "affectedRows": 1})
    );
}
