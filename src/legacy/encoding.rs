//! The plaintext-mode parameter encoding of the legacy protocol
//! (LEGACY.md §3.1): the gateway sends `swap(base64(payload))`, the bridge
//! reads `base64_decode(swap(value))` with PHP's lenient decoder.
//!
//! `swap` is an obfuscation, not a cipher: a fixed letter substitution on the
//! base64 alphabet that is its own inverse.

// Some of this API serves only tests and the technicians' tools, or waits
// for the actions that will call it; the binary must build with
// `-D warnings` meanwhile.
#![cfg_attr(not(test), allow(dead_code))]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Maps one byte of the swap substitution: `A↔Z … M↔N`, `a↔z … m↔n`,
/// `0↔9 … 4↔5`; every other byte (`+`, `/`, `=`, junk) is kept.
pub fn swap_byte(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' => b'A' + (b'Z' - b),
        b'a'..=b'z' => b'a' + (b'z' - b),
        b'0'..=b'9' => b'0' + (b'9' - b),
        other => other,
    }
}

/// Applies the swap substitution; `swap(swap(x)) == x`.
pub fn swap(input: &[u8]) -> Vec<u8> {
    input.iter().map(|&b| swap_byte(b)).collect()
}

/// PHP's `base64_encode`: standard alphabet, `=` padding, no line breaks.
pub fn php_base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// PHP's non-strict `base64_decode`, which never fails: bytes outside the
/// alphabet (whitespace, NUL, `-`, non-ASCII) are skipped, `=` is skipped
/// wherever it stands (so `QQ==QQ==` decodes as `QQQQ`), and bits that do not
/// complete a byte are dropped (so a lone trailing character adds nothing).
/// [checked against PHP 8.2: `QQ==QQ==` → 41 04 10, `QUJDR` → `ABC`,
/// `Q U\nJ D` → `ABC`, `!!!` → empty]
pub fn php_base64_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for sextet in text.iter().filter_map(|&b| sextet(b)) {
        acc = (acc << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes a plaintext-mode parameter (`query`, `queries`, `data`,
/// `sql_settings[*]`). Infallible like the incumbent: garbage decodes to
/// whatever PHP's lenient decoder makes of it, possibly nothing.
pub fn decode_plain_param(value: &[u8]) -> Vec<u8> {
    php_base64_decode(&swap(value))
}

/// Encodes a payload the way the gateway does, for tools and tests.
pub fn encode_plain_param(payload: &[u8]) -> String {
    let encoded = php_base64_encode(payload).into_bytes();
    // swap maps ASCII to ASCII, so the result is still valid UTF-8.
    swap(&encoded).into_iter().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_is_the_documented_involution() {
        let pairs = [
            (b'A', b'Z'),
            (b'M', b'N'),
            (b'a', b'z'),
            (b'm', b'n'),
            (b'0', b'9'),
        ];
        for (x, y) in pairs
            .into_iter()
            .chain([(b'4', b'5'), (b'B', b'Y'), (b'1', b'8')])
        {
            assert_eq!((swap_byte(x), swap_byte(y)), (y, x));
        }
        for kept in [b'+', b'/', b'=', b'\n', b'%', 0x00, 0xFF] {
            assert_eq!(swap_byte(kept), kept);
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(swap(&swap(&all)), all);
    }

    /// LEGACY.md §2.2, example 2 and its `sql_settings`.
    #[test]
    fn documented_examples() {
        let cases = [
            (
                "SELECT id, name FROM oc_product WHERE name LIKE '%a b~%'",
                "F9ENIFMFRTopOXYfBD8oRVAHG99ty7MuxSQeASEqwXYCHVEHIHYfBD8oRVcQH9FtQbEsRTQ+QHx=",
            ),
            (
                "'NO_AUTO_VALUE_ON_ZERO'",
                "Q94KC9UEEV0uEpUNEFEuG94uDpEHGbx=",
            ),
            ("SET @x = 1", "F9EFRVY5RW9tNJ=="),
        ];
        for (sql, encoded) in cases {
            assert_eq!(encode_plain_param(sql.as_bytes()), encoded);
            assert_eq!(decode_plain_param(encoded.as_bytes()), sql.as_bytes());
        }
    }

    /// `%XX` and `+` of an `application/x-www-form-urlencoded` body.
    fn form_decode(value: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut bytes = value.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                    out.push(u8::from_str_radix(&hex, 16).unwrap());
                }
                other => out.push(other),
            }
        }
        out
    }

    #[test]
    fn every_query_of_the_fixture_decodes() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/legacy-query.json"
        )))
        .unwrap();
        let mut checked = 0;
        for case in fixture["cases"].as_array().unwrap() {
            let Some(sql) = case["plain_fields"]["query-sql"].as_str() else {
                continue;
            };
            let body = case["request"]["body"].as_str().unwrap();
            let field = body
                .split('&')
                .find_map(|pair| pair.strip_prefix("query="))
                .unwrap();
            let value = form_decode(field);
            assert_eq!(text(&decode_plain_param(&value)), sql, "{}", case["name"]);
            assert_eq!(encode_plain_param(sql.as_bytes()).as_bytes(), value);
            checked += 1;
        }
        assert!(checked >= 15, "only {checked} fixture queries");
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// PHP 8.2 `base64_decode($s)` (non-strict), run with php-cli.
    #[test]
    fn lenient_decoding_matches_php() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"QUJD", b"ABC"),
            (b"QQ", b"A"),
            (b"QQ==", b"A"),
            (b"QR==", b"A"),
            (b"QR", b"A"),
            (b"Q", b""),
            (b"QUJDRA", b"ABCD"),
            (b"QUJDR", b"ABC"),
            (b"Q U\nJ D", b"ABC"),
            (b"QUJ=D", b"ABC"),
            (b"=QUJD", b"ABC"),
            (b"QQ==QQ==", &[0x41, 0x04, 0x10]),
            (b"Zm9vYmFy\x00Zm9v", b"foobarfoo"),
            (b"!!!", b""),
            ("é".as_bytes(), b""),
            (b"", b""),
        ];
        for &(input, php) in cases {
            assert_eq!(php_base64_decode(input), php, "{:?}", text(input));
        }
    }

    #[test]
    fn encoding_is_standard_padded_base64() {
        assert_eq!(php_base64_encode(b""), "");
        assert_eq!(php_base64_encode(b"f"), "Zg==");
        assert_eq!(php_base64_encode(b"fo"), "Zm8=");
        assert_eq!(php_base64_encode(&[0x00, 0xFF, 0x10]), "AP8Q");
        assert_eq!(php_base64_encode(&[0xFB, 0xFF]), "+/8=");
    }

    #[test]
    fn line_breaks_and_missing_padding_are_tolerated() {
        let sql = b"SELECT * FROM cb_kinds ORDER BY id";
        let encoded = encode_plain_param(sql);
        let unpadded = encoded.trim_end_matches('=');
        assert_eq!(decode_plain_param(unpadded.as_bytes()), sql);
        let (head, tail) = encoded.split_at(10);
        assert_eq!(
            decode_plain_param(format!("{head}\r\n {tail}\n").as_bytes()),
            sql
        );
    }

    #[test]
    fn binary_payloads_round_trip() {
        for len in 0..64 {
            let payload: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(
                decode_plain_param(encode_plain_param(&payload).as_bytes()),
                payload
            );
        }
    }
}
