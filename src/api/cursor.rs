//! Keyset page cursors: `next_page_cursor` carries the last id of a page,
//! so the next page starts with `id > last` on the primary key and costs
//! the same however deep the export goes.
//!
//! A cursor is opaque and tamper-evident: its payload (method, a digest of
//! the filters, the last id) is authenticated with an HMAC whose key is
//! derived from the caller's secret and the store, and it is refused when
//! replayed against another method or other filters.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::auth::{hmac_hex, sha256_hex};

/// What a cursor is bound to.
pub struct CursorKey {
    secret: Vec<u8>,
}

impl CursorKey {
    /// The key for a caller (its API secret, or the local operator's
    /// marker) at a store.
    pub fn new(caller_secret: &str, store: &str) -> CursorKey {
        let key = hmac_hex(
            caller_secret.as_bytes(),
            format!("cartbridge page_cursor v1|{store}").as_bytes(),
        );
        CursorKey {
            secret: key.into_bytes(),
        }
    }

    /// A cursor that continues `method` with `filters` after `last_id`.
    pub fn issue(&self, method: &str, filters: &str, last_id: i64) -> String {
        let payload = format!(
            "{method}|{}|{last_id}",
            &sha256_hex(filters.as_bytes())[..16]
        );
        let encoded = URL_SAFE_NO_PAD.encode(payload.as_bytes());
        let mac = &hmac_hex(&self.secret, encoded.as_bytes())[..32];
        format!("{encoded}.{mac}")
    }

    /// The last id a cursor continues after, once it is shown to be ours,
    /// for this method and these filters.
    pub fn open(&self, cursor: &str, method: &str, filters: &str) -> Result<i64, ApiError> {
        let foreign = || {
            ApiError::bad_parameter(
                "page_cursor is not a cursor this bridge issued to you: pass next_page_cursor back unchanged",
            )
        };
        let (encoded, mac) = cursor.split_once('.').ok_or_else(foreign)?;
        let expected = &hmac_hex(&self.secret, encoded.as_bytes())[..32];
        if !bool::from(mac.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(foreign());
        }
        let payload = URL_SAFE_NO_PAD
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(foreign)?;
        let mut parts = payload.split('|');
        let (Some(issued_for), Some(digest), Some(last), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(foreign());
        };
        if issued_for != method {
            return Err(ApiError::bad_parameter(format!(
                "page_cursor continues {issued_for}, not {method}"
            )));
        }
        if digest != &sha256_hex(filters.as_bytes())[..16] {
            return Err(ApiError::bad_parameter(
                "page_cursor was issued for other filters: repeat the first page's filters, or start again without page_cursor",
            ));
        }
        last.parse().map_err(|_| foreign())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let key = CursorKey::new("secret", "/shop");
        let cursor = key.issue("product.list", "status=Int(1)", 42);
        assert_eq!(
            key.open(&cursor, "product.list", "status=Int(1)").unwrap(),
            42
        );
        let other = key
            .open(&cursor, "product.list", "status=Int(0)")
            .unwrap_err();
        assert!(other.message.contains("other filters"), "{}", other.message);
        let method = key
            .open(&cursor, "order.list", "status=Int(1)")
            .unwrap_err();
        assert!(
            method.message.contains("continues product.list"),
            "{}",
            method.message
        );
        // A payload for id 1000 with the old MAC is refused.
        let (_, mac) = cursor.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(
            format!("product.list|{}|1000", &sha256_hex(b"status=Int(1)")[..16]).as_bytes(),
        );
        let forged = format!("{forged_payload}.{mac}");
        let error = key
            .open(&forged, "product.list", "status=Int(1)")
            .unwrap_err();
        assert!(error.message.contains("not a cursor"), "{}", error.message);
        // Another caller's cursor is refused too.
        let stranger = CursorKey::new("other", "/shop");
        assert!(stranger
            .open(&cursor, "product.list", "status=Int(1)")
            .is_err());
    }
}
