//! The form parser and its canonical strings. No body may panic the parser
//! (urlencoded or multipart), and each canonical string is a fixed point:
//! parsed and canonicalised again it is itself, so what the gateway signed
//! is what the bridge checks (the legacy `a2c_sign` string and the native
//! signature's RFC 3986 query alike).
//!
//! The first byte picks the body type: even is urlencoded, odd is
//! multipart, whose boundary is the text up to the first newline.
#![no_main]

use cartbridge_fuzz::form::{self, FormMap, FormValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        check_query_encodings(rest);
        if let Ok(map) = form::parse_urlencoded(rest) {
            check_signing_string(&map, rest);
        }
    } else {
        let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let (boundary, body) = rest.split_at(split);
        let body = body.get(1..).unwrap_or_default();
        if let Ok(map) = form::parse_multipart(body, boundary) {
            check_signing_string(&map, body);
        }
    }
});

/// The legacy canonical string re-parses (nothing in it is refused) into a
/// tree with the same canonical string, with and without `a2c_sign`.
fn check_signing_string(map: &FormMap, body: &[u8]) {
    walk(map);
    for excluded in [&[][..], &["a2c_sign"][..]] {
        let canonical = form::canonical_signing_string(map, excluded);
        let again = form::parse_urlencoded(canonical.as_bytes()).unwrap_or_else(|e| {
            panic!("the canonical string {canonical:?} of {body:?} is refused: {e}")
        });
        assert_eq!(
            form::canonical_signing_string(&again, excluded),
            canonical,
            "the canonical string of {body:?} changes when parsed again"
        );
    }
}

/// Every key reads back through the lookups the actions use.
fn walk(map: &FormMap) {
    for (key, value) in map.iter() {
        assert_eq!(
            map.get(key),
            Some(value),
            "key {key:?} does not find itself"
        );
        if let FormValue::Map(child) = value {
            walk(child);
        }
    }
}

/// `urlencode` and `urldecode` are inverse on every byte string, and the
/// native signature's canonical query is a fixed point.
fn check_query_encodings(query: &[u8]) {
    for (name, value) in form::query_pairs(query) {
        for bytes in [name, value] {
            let encoded = form::php_urlencode(&bytes);
            assert_eq!(form::urldecode(encoded.as_bytes()), bytes, "{encoded}");
        }
    }
    let canonical = form::rfc3986_canonical_query(query);
    assert_eq!(
        form::rfc3986_canonical_query(canonical.as_bytes()),
        canonical,
        "the native canonical query of {query:?} changes when parsed again"
    );
}
