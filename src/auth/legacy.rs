//! The incumbent's signature: HMAC-SHA256, under the 32-character store
//! key, of the POST fields as PHP parsed them, top level sorted byte-wise,
//! re-encoded by `http_build_query` (LEGACY.md §2).
//!
//! The tree that is verified here is the same tree the actions read, so a
//! parser differential cannot make the signature cover one value and the
//! action use another; ambiguous bodies never get this far (see `form`).

use crate::form::{canonical_signing_string, FormMap};

/// Fields that are not covered by the signature.
const UNSIGNED: &[&str] = &["a2c_sign", "aelia_cs_currency"];

/// Whether the body's `a2c_sign` is right for `token`.
#[cfg(test)]
pub fn verify(form: &FormMap, token: &str) -> bool {
    let Some(signature) = form.get_bytes("a2c_sign") else {
        return false;
    };
    let canonical = canonical_signing_string(form, UNSIGNED);
    super::hmac_matches(token.as_bytes(), canonical.as_bytes(), signature)
}

/// Which of `secrets` signed the body, trying every one of them (no early
/// stop, each compared in constant time) so timing does not tell which.
pub fn matching(form: &FormMap, secrets: &[&str]) -> Option<usize> {
    let signature = form.get_bytes("a2c_sign")?;
    let canonical = canonical_signing_string(form, UNSIGNED);
    let mut found = None;
    for (index, secret) in secrets.iter().enumerate() {
        if super::hmac_matches(secret.as_bytes(), canonical.as_bytes(), signature) {
            found = found.or(Some(index));
        }
    }
    found
}

/// The `a2c_sign` a gateway would send with these fields.
pub fn sign(form: &FormMap, token: &str) -> String {
    super::hmac_hex(
        token.as_bytes(),
        canonical_signing_string(form, UNSIGNED).as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::parse_urlencoded;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn legacy_worked_example_verifies() {
        // LEGACY.md §2.2, example 1.
        let form = parse_urlencoded(
            b"store_root=%2Fvar%2Fwww%2Fhtml&action=checkbridge&cart_id=Woocommerce&a2c_sign=7bcee523fcba09f0e8a213001db7bdb0447e557d927afef552bf5b3c9d275829",
        )
        .unwrap();
        assert!(verify(&form, KEY));
        assert_eq!(
            sign(&form, KEY),
            "7bcee523fcba09f0e8a213001db7bdb0447e557d927afef552bf5b3c9d275829"
        );
    }

    #[test]
    fn matching_finds_the_secret_that_signed() {
        let form = parse_urlencoded(
            b"store_root=%2Fvar%2Fwww%2Fhtml&action=checkbridge&cart_id=Woocommerce&a2c_sign=7bcee523fcba09f0e8a213001db7bdb0447e557d927afef552bf5b3c9d275829",
        )
        .unwrap();
        assert_eq!(matching(&form, &["other", KEY, KEY]), Some(1));
        assert_eq!(matching(&form, &["other"]), None);
        assert_eq!(matching(&form, &[]), None);
    }

    #[test]
    fn uppercase_or_missing_signatures_fail() {
        let good = "7bcee523fcba09f0e8a213001db7bdb0447e557d927afef552bf5b3c9d275829";
        let body = format!(
            "action=checkbridge&cart_id=Woocommerce&store_root=%2Fvar%2Fwww%2Fhtml&a2c_sign={}",
            good.to_ascii_uppercase()
        );
        assert!(!verify(&parse_urlencoded(body.as_bytes()).unwrap(), KEY));
        let form = parse_urlencoded(b"action=checkbridge").unwrap();
        assert!(!verify(&form, KEY));
    }
}
