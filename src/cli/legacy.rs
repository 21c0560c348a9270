//! The legacy protocol's commands: `import-php-bridge` moves a store from
//! the incumbent's PHP bridge to cartbridge (its store key, key pair and
//! version into config.toml), and `decode` shows a technician what a
//! legacy answer says.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use lexopt::prelude::*;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use super::{usage_error, Failure};
use crate::legacy::crypto::{self, RsaPrivateKey};
use crate::legacy::encoding::php_base64_decode;
use crate::legacy::identity::{IncumbentBridge, INCUMBENT_FILE};
use crate::legacy::serialize::{PhpKey, PhpValue};
use crate::legacy::unserialize::unserialize;
use crate::store::{self, Bridge, EncryptionSetting};

/// Decoded answers larger than this are refused.
const MAX_DECODED: usize = 1 << 30;

/// `cartbridge import-php-bridge <bridge2cart folder>`.
pub fn import(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut folder = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Value(path) if folder.is_none() => folder = Some(PathBuf::from(path)),
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let folder = folder.ok_or((
        2,
        "import-php-bridge needs the incumbent's folder, e.g. `cartbridge import-php-bridge /var/www/shop/bridge2cart`".to_string(),
    ))?;
    let bridge = Bridge::open(folder.clone());
    if let Some(problem) = bridge.config_error {
        return Err((
            1,
            format!("cannot update the existing config.toml: {problem}"),
        ));
    }
    let token = store::incumbent_token(&folder.join("config.php")).map_err(|e| {
        (
            1,
            format!(
                "no usable store key in {} ({e}): it must define M1_TOKEN with 32 characters",
                folder.join("config.php").display()
            ),
        )
    })?;
    let incumbent = IncumbentBridge::read(&folder.join(INCUMBENT_FILE)).unwrap_or_default();
    if let Some(pem) = &incumbent.public_key {
        crypto::public_key_from_pem(pem).map_err(|e| {
            (
                1,
                format!("the public key in {INCUMBENT_FILE} cannot be used: {e}"),
            )
        })?;
    }
    let mut config = bridge.config;
    let legacy = &mut config.legacy;
    legacy.token = Some(token.clone());
    legacy.bridge_version = incumbent.version.clone().or(legacy.bridge_version.take());
    if incumbent.public_key.is_some() {
        legacy.public_key = incumbent.public_key.clone();
        legacy.public_key_id = incumbent.public_key_id.clone();
        legacy.encryption = Some(if incumbent.encryption_enabled == Some(false) {
            EncryptionSetting::Off
        } else if incumbent.plugin_flavour {
            EncryptionSetting::Chunked
        } else {
            EncryptionSetting::Hybrid
        });
    }
    let path = store::write_private_config(&folder, &config).map_err(|e| {
        (
            1,
            format!("cannot write config.toml in {}: {e}", folder.display()),
        )
    })?;
    print!(
        "{}",
        import_report(&token, &incumbent, &config.legacy.encryption, &path)
    );
    Ok(0)
}

/// What was found, without the store key itself.
fn import_report(
    token: &str,
    incumbent: &IncumbentBridge,
    encryption: &Option<EncryptionSetting>,
    written: &Path,
) -> String {
    let fingerprint = hex::encode(&Sha256::digest(token.as_bytes())[..4]);
    let unknown = "not found".to_string();
    let encryption = match encryption {
        Some(EncryptionSetting::Hybrid) => "on (hybrid RSA + AES, as bridge version 209)",
        Some(EncryptionSetting::Chunked) => "on (chunked RSA, as the WordPress plugin)",
        Some(EncryptionSetting::Off) => "off (the incumbent switched it off)",
        None => "off (no public key in bridge.php)",
    };
    format!(
        "store key:      found (32 characters, sha256 fingerprint {fingerprint})\n\
         bridge version: {}\n\
         public key:     {}\n\
         key id:         {}\n\
         encryption:     {encryption}\n\
         written:        {} (mode 0600)\n",
        incumbent.version.as_ref().unwrap_or(&unknown),
        if incumbent.public_key.is_some() {
            "found"
        } else {
            "not found"
        },
        incumbent.public_key_id.as_ref().unwrap_or(&unknown),
        written.display(),
    )
}

/// `cartbridge decode [--private-key FILE] [FILE]`: a legacy answer (from
/// the file or standard input) as pretty JSON.
pub(super) const DECODE_HELP: &str = "\
cartbridge decode — show a legacy bridge answer as JSON

USAGE:
    cartbridge decode [--private-key FILE] [FILE|-]

Reads the answer from FILE or standard input and peels its layers: an
encrypted envelope (opened with the gateway's private key), base64, PHP
serialize. JSON and plain text are shown as they are.

EXAMPLES:
    curl -s --data-binary @body https://shop.example/bridge2cart/bridge.php | cartbridge decode
    cartbridge decode --private-key gateway.pem answer.txt

EXIT STATUS: 0 decoded, 1 unreadable input or key, 2 wrong command line.
";

pub fn decode(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut input = None;
    let mut key_file = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("private-key") => {
                key_file = Some(PathBuf::from(parser.value().map_err(usage_error)?))
            }
            Value(path) if input.is_none() => input = Some(PathBuf::from(path)),
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let answer = match input.as_deref() {
        Some(path) if path != Path::new("-") => {
            std::fs::read(path).map_err(|e| (1, format!("cannot read {}: {e}", path.display())))?
        }
        _ => {
            let mut bytes = Vec::new();
            io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| (1, format!("cannot read standard input: {e}")))?;
            bytes
        }
    };
    let key = match key_file {
        Some(path) => Some(read_private_key(&path)?),
        None => None,
    };
    let json = decode_answer(&answer, key.as_ref())?;
    let mut out = io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, &json);
    let _ = writeln!(out);
    Ok(0)
}

fn read_private_key(path: &Path) -> Result<RsaPrivateKey, Failure> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| (1, format!("cannot read {}: {e}", path.display())))?;
    crypto::private_key_from_pem(&pem).map_err(|e| (1, format!("{}: {e}", path.display())))
}

/// Peels the layers of an answer: an envelope (opened with the private
/// key), base64, PHP serialize; JSON and plain text are shown as they are.
pub(super) fn decode_answer(answer: &[u8], key: Option<&RsaPrivateKey>) -> Result<Json, Failure> {
    let text = answer.trim_ascii();
    if let Some(payload) = open_envelope(text, key)? {
        return Ok(serialized_or_text(&payload));
    }
    if let Ok(json) = serde_json::from_slice::<Json>(text) {
        return Ok(json);
    }
    if let Ok(value) = unserialize(text) {
        return Ok(to_json(&value));
    }
    if is_base64(text) {
        return Ok(serialized_or_text(&php_base64_decode(text)));
    }
    Ok(Json::String(String::from_utf8_lossy(text).into_owned()))
}

/// The payload of a G209 JSON envelope or a WP167 hex answer; `None` when
/// the answer is neither.
fn open_envelope(text: &[u8], key: Option<&RsaPrivateKey>) -> Result<Option<Vec<u8>>, Failure> {
    let hybrid = text.starts_with(b"{") && text.windows(14).any(|w| w == b"\"encryptedKey\"");
    let chunked =
        text.len() >= 64 && text.len().is_multiple_of(2) && text.iter().all(u8::is_ascii_hexdigit);
    if !hybrid && !chunked {
        return Ok(None);
    }
    let key = key.ok_or((
        1,
        "this answer is encrypted: give the gateway's private key with --private-key FILE"
            .to_string(),
    ))?;
    let opened = if hybrid {
        crypto::decrypt_response(key, text, MAX_DECODED)
    } else {
        crypto::decrypt_response_chunked(key, text, MAX_DECODED)
    };
    opened
        .map(Some)
        .map_err(|e| (1, format!("cannot open the envelope with this key: {e}")))
}

fn is_base64(text: &[u8]) -> bool {
    !text.is_empty()
        && text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\r' | b'\n'))
        && base64::engine::general_purpose::STANDARD
            .decode(
                text.iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .copied()
                    .collect::<Vec<u8>>(),
            )
            .is_ok()
}

fn serialized_or_text(bytes: &[u8]) -> Json {
    match unserialize(bytes) {
        Ok(value) => to_json(&value),
        Err(_) => bytes_json(bytes),
    }
}

/// A PHP value as JSON: lists as arrays, other arrays as objects, objects
/// with their class under `__class`, strings that are not UTF-8 as
/// `{"base64": …}`, and NaN or infinities as their PHP names.
pub fn to_json(value: &PhpValue) -> Json {
    match value {
        PhpValue::Null => Json::Null,
        PhpValue::Bool(b) => Json::Bool(*b),
        PhpValue::Int(i) => json!(i),
        PhpValue::Float(f) if f.is_finite() => json!(f),
        PhpValue::Float(f) => Json::String(crate::legacy::serialize::php_float_repr(*f)),
        PhpValue::Bytes(b) => bytes_json(b),
        PhpValue::Array(entries) => {
            let is_list = entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| *k == PhpKey::Int(i as i64));
            if is_list {
                return Json::Array(entries.iter().map(|(_, v)| to_json(v)).collect());
            }
            let map: Map<String, Json> = entries
                .iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect();
            Json::Object(map)
        }
        PhpValue::Object { class, props } => {
            let mut map = Map::new();
            map.insert("__class".into(), Json::String(class.clone()));
            for (name, v) in props {
                map.insert(String::from_utf8_lossy(name).into_owned(), to_json(v));
            }
            Json::Object(map)
        }
    }
}

fn key_text(key: &PhpKey) -> String {
    match key {
        PhpKey::Int(i) => i.to_string(),
        PhpKey::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

fn bytes_json(bytes: &[u8]) -> Json {
    match std::str::from_utf8(bytes) {
        Ok(text) => Json::String(text.to_string()),
        Err(_) => json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_peeled() {
        // LEGACY.md §5.1 (a): base64 of a PDO answer.
        let answer = b"YTo0OntzOjM6InJlcyI7YToyOntpOjA7YTo0OntzOjI6ImlkIjtpOjE7czo0OiJuYW1lIjtzOjM6IkZvbyI7czo1OiJwcmljZSI7czo0OiIxLjUwIjtzOjE6Im4iO047fWk6MTthOjQ6e3M6MjoiaWQiO2k6MjtzOjQ6Im5hbWUiO3M6MzoiQmFyIjtzOjU6InByaWNlIjtzOjQ6IjIuMDAiO3M6MToibiI7aTo3O319czoxMzoiZmV0Y2hlZEZpZWxkcyI7YTowOnt9czo4OiJpbnNlcnRJZCI7czoxOiIwIjtzOjEyOiJhZmZlY3RlZFJvd3MiO2k6Mjt9";
        let json = decode_answer(answer, None).unwrap();
        assert_eq!(json["res"][0]["name"], "Foo");
        assert_eq!(json["res"][1]["n"], 7);
        assert_eq!(json["insertId"], "0");
        assert_eq!(json["fetchedFields"], json!([]));
        // Raw serialize (getconfig) and plain text.
        let json = decode_answer(b"a:1:{s:9:\"dbVersion\";s:7:\"4.0.2.3\";}", None).unwrap();
        assert_eq!(json, json!({"dbVersion": "4.0.2.3"}));
        assert_eq!(
            decode_answer(b"BRIDGE_OK", None).unwrap(),
            json!("BRIDGE_OK")
        );
        // A plaintext SQL error: base64 of bare text.
        let json = decode_answer(b"W0VSUk9SXSBNeXNxbCBRdWVyeSBFcnJvcg==", None).unwrap();
        assert_eq!(json, json!("[ERROR] Mysql Query Error"));
    }

    #[test]
    fn envelopes_need_the_private_key() {
        let error = decode_answer(
            br#"{"encryptedKey":"AA==","iv":"AA==","data":"AA=="}"#,
            None,
        )
        .unwrap_err();
        assert!(error.1.contains("--private-key"), "{}", error.1);
    }

    #[test]
    fn values_map_to_json() {
        let value = PhpValue::assoc([
            ("1", PhpValue::Bytes(vec![0xff])),
            ("f", PhpValue::Float(f64::INFINITY)),
        ]);
        assert_eq!(
            to_json(&value),
            json!({"1": {"base64": "/w=="}, "f": "INF"})
        );
        assert_eq!(to_json(&PhpValue::list([PhpValue::Int(1)])), json!([1]));
    }

    #[test]
    fn the_report_never_shows_the_token() {
        let token = "0123456789abcdef0123456789abcdef";
        let report = import_report(
            token,
            &IncumbentBridge::default(),
            &None,
            Path::new("/x/.cartbridge/config.toml"),
        );
        assert!(!report.contains(token));
        assert!(report.contains("sha256 fingerprint"));
    }
}
