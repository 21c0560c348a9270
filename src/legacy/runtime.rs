//! The incumbent's actions that run the shop's own PHP application
//! (LEGACY.md §4.7, §4.8), answered with the shapes the incumbent itself
//! uses when a platform lacks them; the two that need nothing of PHP
//! (`basedirfs`, `mysqlver`); and the three that are refused on purpose:
//! `phpinfo` (leaks the server's configuration), `update` (would install
//! unsigned code fetched over the network) and `delete`.

use serde_json::{json, Value as Json};

use super::getconfig::base_dir_fs;
use super::query::open;
use super::{Answer, Call};

/// The incumbent's words for an action the platform lacks.
const NOT_SUPPORTED: &str = "Action is not supported";

/// Answers the refused actions, before anything about the shop is read.
pub fn refused(action: &str) -> Option<Answer> {
    let answer = match action {
        "phpinfo" => Answer::refusal(
            403,
            "ERROR: phpinfo is not available: cartbridge does not run PHP and does not disclose the server's configuration; run `cartbridge doctor` on the server instead".into(),
        ),
        "update" => Answer::text(php_json(&json!({
            "code": 1,
            "message": "cartbridge does not update itself over the network: replace the binary in the bridge folder with a new release",
        }))),
        "delete" => Answer::text(php_json(&json!({
            "code": 1,
            "message": "cartbridge does not delete itself over the network: remove the bridge folder on the server",
        }))),
        _ => return None,
    };
    Some(answer)
}

/// Answers the actions that need no special handling elsewhere.
pub fn run(action: &str, call: &Call) -> Answer {
    let error_data = |data: Json| json!({"error": {"message": NOT_SUPPORTED}, "data": data});
    let body = match action {
        "basedirfs" => return Answer::text(base_dir_fs(call)),
        "mysqlver" => return mysql_version(call),
        // Before answering, the parameter is opened as the incumbent opens
        // it, so a plaintext `data` under encryption fails the same way.
        "platform_action" => {
            if let Some(data) = call.field("data") {
                if let Err(answer) = call.decode(data) {
                    return answer;
                }
            }
            error_data(Json::Null)
        }
        "send_notification" => json!({"error": true, "code": 0, "message": NOT_SUPPORTED}),
        "get_url" => json!({"data": null, "error": true, "code": 0, "message": NOT_SUPPORTED}),
        "reindexproduct" | "m2eextensionnotify" => error_data(Json::Bool(false)),
        "clearcache" | "deleteimages" => return Answer::text("ERROR"),
        // CubeCart's language list; no other platform has one.
        "cubecart" => return Answer::text("a:0:{}"),
        _ => error_data(Json::Null),
    };
    Answer::text(php_json(&body))
}

/// `%d%02d%02d` of the server's version, e.g. `101119` for 10.11.19.
fn mysql_version(call: &Call) -> Answer {
    let mut db = match open(call) {
        Ok(db) => db,
        Err(answer) => return answer,
    };
    let version = db
        .first_row("SELECT VERSION()", &[])
        .ok()
        .flatten()
        .and_then(|row| row.first().and_then(|v| v.to_text()))
        .unwrap_or_default();
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    Answer::text(format!("{major}{minor:02}{patch:02}"))
}

/// JSON as PHP's `json_encode` writes it: `/` escaped as `\/`, every
/// non-ASCII character as `\uXXXX` (UTF-16).
pub fn php_json(value: &Json) -> String {
    let plain = value.to_string();
    let mut out = String::with_capacity(plain.len() + 16);
    for c in plain.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PHP 8.2 `json_encode` of the same values.
    #[test]
    fn json_is_written_like_php() {
        assert_eq!(
            php_json(&json!({"a/b": "é日😀", "n": null, "t": true})),
            r#"{"a\/b":"\u00e9\u65e5\ud83d\ude00","n":null,"t":true}"#
        );
        assert_eq!(
            php_json(
                &json!({"message":"BRIDGE_OK","key_id":"5f1db7fae12405f2b2fd7bdb1102c8d8","bridge_version":"209"})
            ),
            r#"{"message":"BRIDGE_OK","key_id":"5f1db7fae12405f2b2fd7bdb1102c8d8","bridge_version":"209"}"#
        );
        assert_eq!(php_json(&json!("tab\t\u{1}")), r#""tab\t\u0001""#);
    }

    #[test]
    fn refusals_say_what_to_do() {
        let phpinfo = refused("phpinfo").unwrap();
        assert_eq!(phpinfo.status, 403);
        for action in ["update", "delete"] {
            let answer = refused(action).unwrap();
            let body: Json = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(body["code"], 1);
            assert!(body["message"]
                .as_str()
                .unwrap()
                .contains("cartbridge does not"));
        }
        assert!(refused("query").is_none());
    }
}
