//! Signature v1 of the native API (NATIVE.md): HMAC-SHA256 over a string
//! that binds the key, time, a single-use nonce, the method, the path, the
//! canonical query and the body's hash.
//!
//! Checks run cheapest first and the nonce is only recorded once the
//! signature is good, so unsigned traffic cannot fill the nonce table.
//! Unknown key, disabled key and wrong signature share one message, so a
//! caller cannot learn which key ids exist; which of the three it was is
//! kept for the history. During a rotation's grace period the old secret
//! signs too, and the caller learns nothing about which one matched.
//! Nonces are kept in the shared state (see `state`), so concurrent CGI
//! processes and several web servers see each other's.

use crate::form::rfc3986_canonical_query;
use crate::http::Request;
use crate::store::{Bridge, KeyConfig, KeyProtocol};

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
    /// Unknown key, disabled key or wrong signature: one message for all.
    BadSignature(Mismatch),
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
            AuthError::BadSignature(_) => "signature does not match, or the key is unknown or disabled".into(),
            AuthError::Replayed => "this nonce was already used: sign every request with a new nonce".into(),
            AuthError::NonceStore(e) => format!("the bridge cannot record nonces ({e}); fix the private folder's permissions"),
        }
    }
}

/// Which of the three cases behind [`AuthError::BadSignature`] it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// No native key has that id (legacy-only keys count as unknown).
    UnknownKey,
    /// The signature is right but the key is disabled.
    Disabled,
    WrongSignature,
}

/// Where nonces are remembered across processes.
pub trait NonceStore {
    /// Records a nonce; `false` when it was seen within `keep` seconds.
    fn first_use(&mut self, key_id: &str, nonce: &str, now: u64, keep: u64)
        -> Result<bool, String>;
}

/// A request whose signature holds.
#[derive(Debug)]
pub struct Verified<'b> {
    pub key: &'b KeyConfig,
    /// Signed with the previous secret, during a rotation's grace period.
    pub old_secret: bool,
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
    nonces: &mut dyn NonceStore,
) -> Result<Verified<'b>, AuthError> {
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
        .find(|k| k.id == key_id && k.protocol == KeyProtocol::Native);
    // Compute even for an unknown key, so timing does not tell; compare
    // every signature with every good secret, without stopping early.
    let secrets = key.map_or_else(|| vec![("", false)], |k| k.secrets_at(now));
    let mut matched = None;
    for signature in signatures
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("v1="))
    {
        for (secret, old) in &secrets {
            if super::hmac_matches(secret.as_bytes(), sts.as_bytes(), signature.as_bytes()) {
                matched = matched.or(Some(*old));
            }
        }
    }
    let key = key.ok_or(AuthError::BadSignature(Mismatch::UnknownKey))?;
    let old_secret = matched.ok_or(AuthError::BadSignature(Mismatch::WrongSignature))?;
    if !key.enabled {
        return Err(AuthError::BadSignature(Mismatch::Disabled));
    }
    if !nonces
        .first_use(key_id, nonce, now, allowed * 2)
        .map_err(AuthError::NonceStore)?
    {
        return Err(AuthError::Replayed);
    }
    Ok(Verified { key, old_secret })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::BridgeConfig;
    use std::collections::HashSet;

    /// Nonces in memory: the shared store has its own tests.
    #[derive(Default)]
    struct Seen(HashSet<(String, String)>);

    impl NonceStore for Seen {
        fn first_use(&mut self, key: &str, nonce: &str, _: u64, _: u64) -> Result<bool, String> {
            Ok(self.0.insert((key.into(), nonce.into())))
        }
    }

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

    fn bridge(keys: Vec<KeyConfig>) -> Bridge {
        Bridge {
            dir: "/nonexistent".into(),
            config: BridgeConfig {
                keys,
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

    const NOW: u64 = 1_767_225_600;

    fn signed_request(method: &str, query: Vec<u8>, body: Vec<u8>) -> Request {
        let nonce = "abcdefghijklmnop";
        let sts = string_to_sign(
            &NOW.to_string(),
            nonce,
            "erp-sync",
            method,
            "/product.list.json",
            &query,
            &body,
        );
        let mut request = signed(NOW, nonce, SECRET);
        request.method = method.into();
        request.headers[3].1 = signature_header(SECRET, &sts).into_bytes();
        request.query = query;
        request.body = body;
        request
    }

    fn accepted(bridge: &Bridge, request: &Request) -> bool {
        verify(
            request,
            "/product.list.json",
            bridge,
            NOW,
            &mut Seen::default(),
        )
        .is_ok()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// A request is accepted as signed; a changed body byte is always
        /// refused; a changed query byte is refused exactly when it changes
        /// the canonical query (`%41` and `A` are the same parameter).
        #[test]
        fn verify_accepts_exactly_what_was_signed(
            get in proptest::bool::ANY,
            query in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            to in proptest::prelude::any::<u8>(),
        ) {
            let bridge = bridge(vec![KeyConfig::new("erp-sync", SECRET)]);
            let method = if get { "GET" } else { "POST" };
            let request = signed_request(method, query.clone(), body.clone());
            proptest::prop_assert!(accepted(&bridge, &request));
            if !body.is_empty() {
                let mut changed = request.clone();
                changed.body[at.index(body.len())] ^= 1;
                proptest::prop_assert!(!accepted(&bridge, &changed));
            }
            if !query.is_empty() {
                let mut changed = request.clone();
                changed.query[at.index(query.len())] = to;
                let same = rfc3986_canonical_query(&changed.query) == rfc3986_canonical_query(&query);
                proptest::prop_assert_eq!(accepted(&bridge, &changed), same);
            }
            let mut other = request;
            other.method = if get { "POST" } else { "GET" }.into();
            proptest::prop_assert!(!accepted(&bridge, &other));
        }
    }

    fn check(
        bridge: &Bridge,
        request: &Request,
        path: &str,
        seen: &mut Seen,
    ) -> Result<bool, AuthError> {
        verify(request, path, bridge, NOW, seen).map(|v| v.old_secret)
    }

    #[test]
    fn refusals() {
        let bridge = bridge(vec![KeyConfig::new("erp-sync", SECRET)]);
        let mut seen = Seen::default();
        let nonce = "abcdefghijklmnop0123";
        let path = "/cart.info.json";
        assert_eq!(
            check(&bridge, &signed(NOW, nonce, SECRET), path, &mut seen),
            Ok(false)
        );
        assert_eq!(
            check(&bridge, &signed(NOW, nonce, SECRET), path, &mut seen),
            Err(AuthError::Replayed)
        );
        assert_eq!(
            check(
                &bridge,
                &signed(NOW, "zzzzzzzzzzzzzzzzzzzz", "wrong"),
                path,
                &mut seen
            ),
            Err(AuthError::BadSignature(Mismatch::WrongSignature))
        );
        for (skew, sent) in [(301, NOW - 301), (301, NOW + 301)] {
            assert_eq!(
                check(
                    &bridge,
                    &signed(sent, "yyyyyyyyyyyyyyyyyyyy", SECRET),
                    path,
                    &mut seen
                ),
                Err(AuthError::Stale { skew, allowed: 300 })
            );
        }
        // The window's edge is inside it (OpenCart's `&&` bug never refused).
        assert!(check(
            &bridge,
            &signed(NOW - 300, "edge-edge-edge-edge1", SECRET),
            path,
            &mut seen
        )
        .is_ok());
        assert!(check(
            &bridge,
            &signed(NOW + 300, "edge-edge-edge-edge2", SECRET),
            path,
            &mut seen
        )
        .is_ok());
        assert_eq!(
            check(&bridge, &signed(NOW, "short", SECRET), path, &mut seen),
            Err(AuthError::BadNonce)
        );
        // Same request, other path: the signature binds the path.
        assert_eq!(
            check(
                &bridge,
                &signed(NOW, "xxxxxxxxxxxxxxxxxxxx", SECRET),
                "/product.count.json",
                &mut seen
            ),
            Err(AuthError::BadSignature(Mismatch::WrongSignature))
        );
    }

    #[test]
    fn unknown_disabled_and_legacy_only_keys_share_one_message() {
        let mut disabled = KeyConfig::new("erp-sync", SECRET);
        disabled.enabled = false;
        let mut legacy = KeyConfig::new("erp-sync", SECRET);
        legacy.protocol = KeyProtocol::Legacy;
        let mut seen = Seen::default();
        let request = signed(NOW, "abcdefghijklmnop0123", SECRET);
        let cases = [
            (bridge(vec![]), Mismatch::UnknownKey),
            (bridge(vec![disabled]), Mismatch::Disabled),
            (bridge(vec![legacy]), Mismatch::UnknownKey),
        ];
        for (bridge, why) in cases {
            let error = check(&bridge, &request, "/cart.info.json", &mut seen).unwrap_err();
            assert_eq!(error, AuthError::BadSignature(why));
            assert_eq!(
                error.message(),
                AuthError::BadSignature(Mismatch::WrongSignature).message()
            );
        }
        assert!(seen.0.is_empty(), "refused calls do not use up nonces");
    }

    #[test]
    fn the_previous_secret_signs_during_its_grace_period_only() {
        let mut key = KeyConfig::new("erp-sync", "old-secret");
        key.rotate(SECRET.into(), NOW - 10, 60);
        let bridge = bridge(vec![key]);
        let mut seen = Seen::default();
        let path = "/cart.info.json";
        assert_eq!(
            check(
                &bridge,
                &signed(NOW, "new-new-new-new-new1", SECRET),
                path,
                &mut seen
            ),
            Ok(false)
        );
        assert_eq!(
            check(
                &bridge,
                &signed(NOW, "old-old-old-old-old1", "old-secret"),
                path,
                &mut seen
            ),
            Ok(true)
        );
        let late = signed(NOW + 50, "old-old-old-old-old2", "old-secret");
        assert_eq!(
            verify(&late, path, &bridge, NOW + 50, &mut seen).map(|v| v.old_secret),
            Err(AuthError::BadSignature(Mismatch::WrongSignature))
        );
    }
}
