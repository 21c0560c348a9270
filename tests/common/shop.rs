//! Test shops: an OpenCart store root with the bridge installed the way a
//! shop owner installs it (`bridge2cart/` with the binary, the incumbent's
//! `config.php`, and cartbridge's private `.cartbridge/config.toml`), on
//! MariaDB or on SQLite, plus the signing a gateway does.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::{binary, fixture, Db};

pub const TOKEN: &str = "0123456789abcdef0123456789abcdef";
pub const KEY_ID: &str = "erp-sync";
pub const SECRET: &str = "cb_test_secret_0123456789abcdefghijklmnopqrstuvwxyz";

/// A store root in a temp dir, removed on drop.
pub struct Shop {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    /// The binary as installed: `<root>/bridge2cart/cartbridge` (a symlink).
    pub script: PathBuf,
}

impl Shop {
    pub fn bridge_dir(&self) -> PathBuf {
        self.root.join("bridge2cart")
    }

    /// Replaces the private config.toml (written with mode 0600).
    pub fn write_private_config(&self, toml: &str) {
        let private = self.bridge_dir().join(".cartbridge");
        fs::create_dir_all(&private).unwrap();
        fs::set_permissions(&private, fs::Permissions::from_mode(0o700)).unwrap();
        let path = private.join("config.toml");
        fs::write(&path, toml).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The test key: calls come from loopback (nginx and the CGI runner pass
/// `REMOTE_ADDR=127.0.0.1`), and it may read and write the catalogue and
/// orders through the native API (no SQL, no legacy protocol).
pub fn key_section() -> String {
    format!(
        "[[key]]\nid = \"{KEY_ID}\"\nsecret = \"{SECRET}\"\nips = [\"127.0.0.1\", \"::1\"]\nscopes = [\"store:read\", \"products:read\", \"products:write\", \"orders:read\", \"orders:write\", \"customers:read\"]\n"
    )
}

/// An OpenCart store whose `config.php` points at `db` over TCP.
pub fn opencart_mysql(db: &Db, version: &str) -> Shop {
    let shop = opencart_layout(version);
    write_opencart_config(&shop.root, db);
    shop.write_private_config(&key_section());
    shop
}

/// An OpenCart store on `db` without a bridge: what `cartbridge install` starts from
/// (`script` is where the binary will be).
pub fn opencart_without_bridge(db: &Db, version: &str) -> Shop {
    let shop = opencart_layout(version);
    fs::remove_dir_all(shop.bridge_dir()).unwrap();
    write_opencart_config(&shop.root, db);
    shop
}

fn write_opencart_config(root: &Path, db: &Db) {
    fs::write(
        root.join("config.php"),
        format!(
            "<?php\n// HTTP\ndefine('HTTP_SERVER', 'http://localhost/');\n\n// DB\ndefine('DB_DRIVER', 'mysqli');\ndefine('DB_HOSTNAME', '{}');\ndefine('DB_USERNAME', '{}');\ndefine('DB_PASSWORD', '{}');\ndefine('DB_DATABASE', '{}');\ndefine('DB_PORT', '{}');\ndefine('DB_PREFIX', 'oc_');\n",
            db.host, db.user, db.password, db.name, db.port
        ),
    )
    .unwrap();
}

/// An OpenCart store on SQLite, loaded from a converted fixture.
pub fn opencart_sqlite(fixture_name: &str, version: &str) -> Shop {
    let shop = opencart_layout(version);
    fs::write(
        shop.root.join("config.php"),
        "<?php\ndefine('DB_HOSTNAME', 'localhost');\ndefine('DB_USERNAME', 'x');\ndefine('DB_PASSWORD', '');\ndefine('DB_DATABASE', 'unused');\ndefine('DB_PREFIX', 'oc_');\n",
    )
    .unwrap();
    shop.write_private_config(&format!(
        "{}\n[database]\nsqlite = \"shop.sqlite\"\n",
        key_section()
    ));
    let sql = fs::read_to_string(fixture(fixture_name)).unwrap();
    let conn =
        rusqlite::Connection::open(shop.bridge_dir().join(".cartbridge/shop.sqlite")).unwrap();
    conn.execute_batch(&sql).unwrap();
    shop
}

fn opencart_layout(version: &str) -> Shop {
    let shop = bridged_root();
    let root = shop.root.clone();
    fs::create_dir_all(root.join("system")).unwrap();
    fs::create_dir_all(root.join("image")).unwrap();
    fs::write(root.join("system/startup.php"), "<?php\n").unwrap();
    fs::write(
        root.join("index.php"),
        format!("<?php\ndefine('VERSION', '{version}');\n"),
    )
    .unwrap();
    shop
}

/// An empty store root in a temp dir with the bridge installed
/// (`bridge2cart/` with the binary and the incumbent's `config.php`): the
/// caller lays out the shop's own files around it.
pub fn bridged_root() -> Shop {
    let dir = tempfile::Builder::new()
        .prefix("cbshop")
        .tempdir_in("/tmp")
        .unwrap();
    bridge_in(dir)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// A fresh nonce for each call.
pub fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("test-nonce-{}-{n:08}-{}", std::process::id(), now())
}

/// RFC 3986 encoding of signature v1 (written independently of the
/// binary's, so the two check each other).
fn rfc3986(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The four signature v1 headers for a call whose query is given as
/// unencoded pairs; returns (headers, encoded query).
pub fn sign_native(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
) -> (Vec<(String, String)>, String) {
    sign_native_as(KEY_ID, SECRET, method, path, query, body)
}

/// [`sign_native`] with another key.
pub fn sign_native_as(
    key_id: &str,
    secret: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
) -> (Vec<(String, String)>, String) {
    Signer::new(key_id, secret).sign(method, path, query, body, now(), &nonce())
}

/// Signature v1 by any key, at any time, with any nonce (tests of the
/// refusals need stale times and repeated nonces).
pub struct Signer {
    pub key_id: String,
    pub secret: String,
}

impl Signer {
    pub fn new(key_id: &str, secret: &str) -> Signer {
        Signer {
            key_id: key_id.into(),
            secret: secret.into(),
        }
    }

    /// (headers, encoded query) for one call.
    pub fn sign(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &[u8],
        timestamp: u64,
        nonce: &str,
    ) -> (Vec<(String, String)>, String) {
        let mut pairs: Vec<(String, String)> = query
            .iter()
            .map(|(n, v)| (rfc3986(n), rfc3986(v)))
            .collect();
        let encoded = pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        pairs.sort();
        let canonical = pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let timestamp = timestamp.to_string();
        let sts = [
            "CARTBRIDGE-HMAC-SHA256-V1",
            &timestamp,
            nonce,
            &self.key_id,
            method,
            path,
            &canonical,
            &hex::encode(Sha256::digest(body)),
        ]
        .join("\n");
        let headers = vec![
            ("X-Cartbridge-Key".to_string(), self.key_id.clone()),
            ("X-Cartbridge-Timestamp".to_string(), timestamp),
            ("X-Cartbridge-Nonce".to_string(), nonce.to_string()),
            (
                "X-Cartbridge-Signature".to_string(),
                format!("v1={}", hmac_hex(self.secret.as_bytes(), sts.as_bytes())),
            ),
        ];
        (headers, encoded)
    }
}

/// PHP urlencode().
fn php_urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A legacy body signed with `TOKEN`.
pub fn sign_legacy(fields: &[(&str, &str)]) -> String {
    sign_legacy_with(TOKEN, fields)
}

/// A legacy body signed with `secret`: fields sorted by their top-level
/// name (nested `a[b]` fields keep their order, as PHP's `ksort` leaves
/// them), PHP-encoded.
pub fn sign_legacy_with(secret: &str, fields: &[(&str, &str)]) -> String {
    let top = |name: &str| name.split('[').next().unwrap_or(name).as_bytes().to_vec();
    let mut sorted: Vec<&(&str, &str)> = fields.iter().collect();
    sorted.sort_by_key(|(name, _)| top(name));
    let canonical = sorted
        .iter()
        .map(|(n, v)| format!("{}={}", php_urlencode(n), php_urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{canonical}&a2c_sign={}",
        hmac_hex(secret.as_bytes(), canonical.as_bytes())
    )
}

/// The native API's envelope, parsed.
pub fn envelope(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

pub fn path_of(p: &Path) -> String {
    p.display().to_string()
}

/// [`bridged_root`] with the private config holding [`key_section`]: a
/// platform's test support adds the shop's own files.
pub fn bare_store() -> Shop {
    let shop = bridged_root();
    shop.write_private_config(&key_section());
    shop
}

/// The bridge installed in the store root `dir` (laid out with a
/// platform's files): `bridge2cart/` with the binary and the incumbent's
/// `config.php`; the private config is the caller's to write.
pub fn bridge_in(dir: tempfile::TempDir) -> Shop {
    let root = dir.path().to_path_buf();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    let bridge = root.join("bridge2cart");
    fs::create_dir_all(&bridge).unwrap();
    fs::write(
        bridge.join("config.php"),
        format!("<?php\ndefine('M1_TOKEN', '{TOKEN}');\n"),
    )
    .unwrap();
    let script = bridge.join("cartbridge");
    symlink(binary(), &script).unwrap();
    Shop {
        _dir: dir,
        root,
        script,
    }
}

/// `cartbridge call <method> name=value ... [options] --store <root>`: the
/// exit status and the envelope.
pub fn call(
    root: &Path,
    options: &[&str],
    method: &str,
    params: &[(&str, &str)],
) -> (i32, serde_json::Value) {
    let output = std::process::Command::new(binary())
        .arg("call")
        .arg(method)
        .args(params.iter().map(|(n, v)| format!("{n}={v}")))
        .args(options)
        .arg("--store")
        .arg(root)
        .output()
        .unwrap();
    (output.status.code().unwrap(), envelope(&output.stdout))
}

/// The result of a call that must succeed; `label` names the shop in a
/// failure.
pub fn call_ok(
    root: &Path,
    label: &str,
    method: &str,
    params: &[(&str, &str)],
) -> serde_json::Value {
    let (code, answer) = call(root, &[], method, params);
    assert_eq!(
        (code, &answer["return_code"]),
        (0, &serde_json::Value::from(0)),
        "{label} {method} {params:?}: {answer}"
    );
    answer["result"].clone()
}

/// The message of a call that must fail with `status` (and no result).
pub fn call_refused(
    root: &Path,
    label: &str,
    method: &str,
    params: &[(&str, &str)],
    status: u16,
) -> String {
    let (code, answer) = call(root, &[], method, params);
    assert_eq!(code, 1, "{label} {method} {params:?}: {answer}");
    assert_eq!(
        answer["return_code"], status,
        "{label} {method} {params:?}: {answer}"
    );
    assert_eq!(
        answer["result"],
        serde_json::Value::Null,
        "{label} {method}"
    );
    answer["return_message"].as_str().unwrap().to_string()
}
