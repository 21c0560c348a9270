//! Signature v1 of the native API (NATIVE.md): HMAC-SHA256 over a string
//! that binds the key, time, a single-use nonce, the method, the path, the
//! canonical query and the body's hash.
//!
//! Checks run cheapest first and the nonce is only recorded once the
//! signature is good, so unsigned traffic cannot fill the nonce table.
//! Unknown key, disabled key and wrong signature share one message, so a
//! caller cannot learn which key ids exist.

use std::path::Path;

use crate::form::rfc3986_canonical_query;
use crate::http::Request;
use crate::store::{Bridge, KeyConfig};

/// The first line of the string to sign.
pub const SCHEME: &str = "CARTBRIDGE-HMAC-SHA256-V1";
/// Default and maximum allowed clock difference, in seconds.
pub const DEFAULT_SKEW: u64 = 300;
pub const MAX_SKEW: u64 = 900;

/// Why a native request was refused: every one of these is HTTP 401.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthError {
    MissingHeader(&'static str),
    BadTimestamp,
    Stale {
        skew: u64,
        allowed: u64,
    },
    BadNonce,
    /// Unknown key, disabled key or wrong signature: deliberately one case.
    BadSignature,
    Replayed,
    /// The nonce store could not be used: refuse rather than allow replays.
    NonceStore(String),
}

impl AuthError {
    pub fn message(&self) -> String {
        match self {
            AuthError::MissingHeader(h) => format!(
                "missing header {}: every call must be signed (see signature v1)",
                display_name(h)
            ),
            AuthError::BadTimestamp => "X-Cartbridge-Timestamp must be Unix time in seconds".into(),
            AuthError::Stale { skew, allowed } => format!(
                "request timestamp is {skew} s away from the bridge's clock (allowed: {allowed} s); check the caller's clock"
            ),
            AuthError::BadNonce => "X-Cartbridge-Nonce must be 16-64 characters of A-Z a-z 0-9 _ -".into(),
            AuthError::BadSignature => "signature does not match, or the key is unknown or disabled".into(),
            AuthError::Replayed => "this nonce was already used: sign every request with a new nonce".into(),
            AuthError::NonceStore(e) => format!("the bridge cannot record nonces ({e}); fix the private folder's permissions"),
        }
    }
}

/// `x-cartbridge-key` as people write it: `X-Cartbridge-Key`.
fn display_name(header: &str) -> String {
    header
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The eight lines of NATIVE.md, joined with `\n`.
pub fn string_to_sign(
    timestamp: &str,
    nonce: &str,
    key_id: &str,
    method: &str,
    path: &str,
    query: &[u8],
    body: &[u8],
) -> String {
    [
        SCHEME,
        timestamp,
        nonce,
        key_id,
        &method.to_ascii_uppercase(),
        path,
        &rfc3986_canonical_query(query),
        &super::sha256_hex(body),
    ]
    .join("\n")
}

/// The `X-Cartbridge-Signature` value for a request.
pub fn signature_header(secret: &str, string_to_sign: &str) -> String {
    format!(
        "v1={}",
        super::hmac_hex(secret.as_bytes(), string_to_sign.as_bytes())
    )
}

/// The four headers that sign a call, as a gateway sends them (used by the
/// doctor's self-test and the demo's example commands).
pub fn signed_headers(
    key: &KeyConfig,
    method: &str,
    path: &str,
    query: &[u8],
    body: &[u8],
    timestamp: u64,
    nonce: &str,
) -> [(&'static str, String); 4] {
    let timestamp = timestamp.to_string();
    let sts = string_to_sign(&timestamp, nonce, &key.id, method, path, query, body);
    [
        ("X-Cartbridge-Key", key.id.clone()),
        ("X-Cartbridge-Timestamp", timestamp),
        ("X-Cartbridge-Nonce", nonce.to_string()),
        (
            "X-Cartbridge-Signature",
            signature_header(&key.secret, &sts),
        ),
    ]
}

/// Checks a request's signature and returns the key that signed it.
/// `path` is the path as signed (`/product.list.json`, or `/`).
pub fn verify<'b>(
    request: &Request,
    path: &str,
    bridge: &'b Bridge,
    now: u64,
) -> Result<&'b KeyConfig, AuthError> {
    let header = |name: &'static str| {
        request
            .header_str(name)
            .map(str::trim)
            .ok_or(AuthError::MissingHeader(name))
    };
    let key_id = header("x-cartbridge-key")?;
    let timestamp = header("x-cartbridge-timestamp")?;
    let nonce = header("x-cartbridge-nonce")?;
    let signatures = header("x-cartbridge-signature")?;
    let allowed = bridge
        .config
        .clock_skew_seconds
        .unwrap_or(DEFAULT_SKEW)
        .min(MAX_SKEW);
    check_time(timestamp, now, allowed)?;
    if !valid_nonce(nonce) {
        return Err(AuthError::BadNonce);
    }
    let sts = string_to_sign(
        timestamp,
        nonce,
        key_id,
        &request.method,
        path,
        &request.query,
        &request.body,
    );
    let key = bridge
        .config
        .keys
        .iter()
        .find(|k| k.id == key_id && k.enabled);
    let signed = signatures
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("v1="))
        .any(|s| {
            // Compute even for an unknown key, so timing does not tell.
            let secret = key.map_or("", |k| k.secret.as_str());
            super::hmac_matches(secret.as_bytes(), sts.as_bytes(), s.as_bytes())
        });
    let key = key.filter(|_| signed).ok_or(AuthError::BadSignature)?;
    record_nonce(&bridge.private_dir(), key_id, nonce, now, allowed * 2)?;
    Ok(key)
}

fn check_time(timestamp: &str, now: u64, allowed: u64) -> Result<(), AuthError> {
    if timestamp.is_empty()
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
        || timestamp.len() > 12
    {
        return Err(AuthError::BadTimestamp);
    }
    let sent: u64 = timestamp.parse().map_err(|_| AuthError::BadTimestamp)?;
    let skew = sent.abs_diff(now);
    if skew > allowed {
        return Err(AuthError::Stale { skew, allowed });
    }
    Ok(())
}

fn valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Records a nonce; a nonce seen within `keep` seconds is a replay.
fn record_nonce(
    private_dir: &Path,
    key_id: &str,
    nonce: &str,
    now: u64,
    keep: u64,
) -> Result<(), AuthError> {
    let store = |e: rusqlite::Error| AuthError::NonceStore(e.to_string());
    std::fs::create_dir_all(private_dir).map_err(|e| AuthError::NonceStore(e.to_string()))?;
    let conn = rusqlite::Connection::open(private_dir.join("state.sqlite")).map_err(store)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(store)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (key_id, nonce));",
    )
    .map_err(store)?;
    let cutoff = now.saturating_sub(keep) as i64;
    conn.execute("DELETE FROM nonces WHERE seen_at < ?1", [cutoff])
        .map_err(store)?;
    let inserted = conn
        .execute(
            "INSERT OR IGNORE INTO nonces (key_id, nonce, seen_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![key_id, nonce, now as i64],
        )
        .map_err(store)?;
    if inserted == 0 {
        return Err(AuthError::Replayed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{BridgeConfig, KeyConfig, SqlPolicy};

    const SECRET: &str = "cb_test_secret_0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn first_worked_example() {
        let sts = string_to_sign(
            "1767225600",
            "bm9uY2Utbm9uY2Utbm9uY2U",
            "erp-sync",
            "GET",
            "/product.list.json",
            b"count=2&start=0",
            b"",
        );
        assert_eq!(
            sts,
            "CARTBRIDGE-HMAC-SHA256-V1\n1767225600\nbm9uY2Utbm9uY2Utbm9uY2U\nerp-sync\nGET\n/product.list.json\ncount=2&start=0\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signature_header(SECRET, &sts),
            "v1=ffa0a57aea81e16719c9e30301e1901bcd7653936bcc78fc0abf2c15046cc975"
        );
    }

    #[test]
    fn second_worked_example() {
        let body = br#"{"id":"40","price":"99.5000"}"#;
        assert_eq!(
            crate::auth::sha256_hex(body),
            "c3dd41685f68f2820d4e83e518e3a8bb57767f9a6f5fbf53ca38bafa209ac2ad"
        );
        let sts = string_to_sign(
            "1767225600",
            "c2Vjb25kLW5vbmNlLXZhbHVl",
            "erp-sync",
            "POST",
            "/product.update.json",
            b"",
            body,
        );
        assert_eq!(
            signature_header(SECRET, &sts),
            "v1=186281822a98ac062dc01d4d54bc722bf0d0674fc6bf5960a89da99229d07a77"
        );
    }

    fn bridge(dir: &Path) -> Bridge {
        Bridge {
            dir: dir.to_path_buf(),
            config: BridgeConfig {
                keys: vec![KeyConfig {
                    id: "erp-sync".into(),
                    secret: SECRET.into(),
                    enabled: true,
                    sql_policy: SqlPolicy::None,
                }],
                ..BridgeConfig::default()
            },
            config_error: None,
        }
    }

    fn signed(now: u64, nonce: &str, secret: &str) -> Request {
        let sts = string_to_sign(
            &now.to_string(),
            nonce,
            "erp-sync",
            "GET",
            "/cart.info.json",
            b"",
            b"",
        );
        Request {
            method: "GET".into(),
            headers: vec![
                ("x-cartbridge-key".into(), b"erp-sync".to_vec()),
                (
                    "x-cartbridge-timestamp".into(),
                    now.to_string().into_bytes(),
                ),
                ("x-cartbridge-nonce".into(), nonce.as_bytes().to_vec()),
                (
                    "x-cartbridge-signature".into(),
                    signature_header(secret, &sts).into_bytes(),
                ),
            ],
            ..Request::default()
        }
    }

    #[test]
    fn refusals() {
        let dir = tempfile::tempdir().unwrap();
        let bridge = bridge(dir.path());
        let now = 1_767_225_600;
        let nonce = "abcdefghijklmnop0123";
        assert!(verify(&signed(now, nonce, SECRET), "/cart.info.json", &bridge, now).is_ok());
        assert_eq!(
            verify(&signed(now, nonce, SECRET), "/cart.info.json", &bridge, now).map(|_| ()),
            Err(AuthError::Replayed)
        );
        assert_eq!(
            verify(
                &signed(now, "zzzzzzzzzzzzzzzzzzzz", "wrong"),
                "/cart.info.json",
                &bridge,
                now
            )
            .map(|_| ()),
            Err(AuthError::BadSignature)
        );
        assert!(matches!(
            verify(
                &signed(now - 301, "yyyyyyyyyyyyyyyyyyyy", SECRET),
                "/cart.info.json",
                &bridge,
                now
            ),
            Err(AuthError::Stale {
                skew: 301,
                allowed: 300
            })
        ));
        assert_eq!(
            verify(
                &signed(now, "short", SECRET),
                "/cart.info.json",
                &bridge,
                now
            )
            .map(|_| ()),
            Err(AuthError::BadNonce)
        );
        // Same request, other path: the signature binds the path.
        assert_eq!(
            verify(
                &signed(now, "xxxxxxxxxxxxxxxxxxxx", SECRET),
                "/product.count.json",
                &bridge,
                now
            )
            .map(|_| ()),
            Err(AuthError::BadSignature)
        );
    }
}
