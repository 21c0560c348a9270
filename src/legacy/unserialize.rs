//! A reader for PHP's `serialize()` format, the inverse of `serialize`: it
//! turns a legacy answer back into values, for `cartbridge decode` and for
//! tests that read answers.
//!
//! It reads what PHP 8 writes: `N;`, `b:`, `i:`, `d:` (including `INF`,
//! `-INF`, `NAN`), `s:` framed by byte length, `a:` arrays, `O:` objects,
//! and the references `r:`/`R:` (kept as their index, since a decoder only
//! displays them). Nesting is bounded so hostile input cannot exhaust the
//! stack.

use std::fmt;

use super::serialize::{PhpKey, PhpValue};

/// Deeper nesting than this is refused.
const MAX_DEPTH: usize = 512;

/// Where and why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnserializeError {
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for UnserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not PHP serialize data at byte {}: {}",
            self.offset, self.reason
        )
    }
}

impl std::error::Error for UnserializeError {}

/// Reads one value that must span all of `bytes`.
pub fn unserialize(bytes: &[u8]) -> Result<PhpValue, UnserializeError> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    if reader.at != bytes.len() {
        return Err(reader.error("data after the value"));
    }
    Ok(value)
}

struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, reason: &'static str) -> UnserializeError {
        UnserializeError {
            offset: self.at,
            reason,
        }
    }

    fn expect(&mut self, text: &[u8]) -> Result<(), UnserializeError> {
        if self.bytes[self.at..].starts_with(text) {
            self.at += text.len();
            Ok(())
        } else {
            Err(self.error("unexpected byte"))
        }
    }

    /// The text up to (not including) `end`, which is consumed.
    fn until(&mut self, end: u8) -> Result<&str, UnserializeError> {
        let rest = &self.bytes[self.at..];
        let len = rest
            .iter()
            .position(|&b| b == end)
            .ok_or_else(|| self.error("unterminated value"))?;
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| self.error("not a number"))?;
        self.at += len + 1;
        Ok(text)
    }

    fn int_until(&mut self, end: u8) -> Result<i64, UnserializeError> {
        let start = self.at;
        let text = self.until(end)?;
        let digits = text.strip_prefix('+').unwrap_or(text);
        digits.parse().map_err(|_| UnserializeError {
            offset: start,
            reason: "not an integer",
        })
    }

    fn length_until(&mut self, end: u8) -> Result<usize, UnserializeError> {
        let start = self.at;
        let n = self.int_until(end)?;
        usize::try_from(n).map_err(|_| UnserializeError {
            offset: start,
            reason: "negative length",
        })
    }

    /// `<len>:"<bytes>"` followed by `end` bytes.
    fn framed(&mut self, end: &[u8]) -> Result<Vec<u8>, UnserializeError> {
        let len = self.length_until(b':')?;
        self.expect(b"\"")?;
        let stop = self
            .at
            .checked_add(len)
            .filter(|&s| s <= self.bytes.len())
            .ok_or_else(|| self.error("string longer than the data"))?;
        let value = self.bytes[self.at..stop].to_vec();
        self.at = stop;
        self.expect(b"\"")?;
        self.expect(end)?;
        Ok(value)
    }

    fn value(&mut self, depth: usize) -> Result<PhpValue, UnserializeError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let tag = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.error("unexpected end"))?;
        if tag == b'N' {
            self.expect(b"N;")?;
            return Ok(PhpValue::Null);
        }
        self.at += 1;
        self.expect(b":")?;
        match tag {
            b'b' => match self.until(b';')? {
                "0" => Ok(PhpValue::Bool(false)),
                "1" => Ok(PhpValue::Bool(true)),
                _ => Err(self.error("bad boolean")),
            },
            b'i' => Ok(PhpValue::Int(self.int_until(b';')?)),
            // References only repeat an earlier value; show their index.
            b'r' | b'R' => Ok(PhpValue::Int(self.int_until(b';')?)),
            b'd' => self.float(),
            b's' => Ok(PhpValue::Bytes(self.framed(b";")?)),
            b'a' => self.array(depth),
            b'O' => self.object(depth),
            _ => Err(UnserializeError {
                offset: self.at - 2,
                reason: "unknown type tag",
            }),
        }
    }

    fn float(&mut self) -> Result<PhpValue, UnserializeError> {
        let start = self.at;
        let text = self.until(b';')?;
        let value = match text {
            "INF" => f64::INFINITY,
            "-INF" => f64::NEG_INFINITY,
            "NAN" => f64::NAN,
            _ => text.parse().map_err(|_| UnserializeError {
                offset: start,
                reason: "not a float",
            })?,
        };
        Ok(PhpValue::Float(value))
    }

    fn count(&mut self) -> Result<usize, UnserializeError> {
        let count = self.length_until(b':')?;
        self.expect(b"{")?;
        // Each element takes at least 4 bytes; a larger count is a lie
        // that must not size an allocation.
        if count > (self.bytes.len() - self.at) / 4 {
            return Err(self.error("more elements than the data can hold"));
        }
        Ok(count)
    }

    fn array(&mut self, depth: usize) -> Result<PhpValue, UnserializeError> {
        let count = self.count()?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let key = match self.value(depth + 1)? {
                PhpValue::Int(i) => PhpKey::Int(i),
                PhpValue::Bytes(b) => PhpKey::Bytes(b),
                _ => return Err(self.error("array key is not an int or string")),
            };
            entries.push((key, self.value(depth + 1)?));
        }
        self.expect(b"}")?;
        Ok(PhpValue::Array(entries))
    }

    fn object(&mut self, depth: usize) -> Result<PhpValue, UnserializeError> {
        let class = self.framed(b":")?;
        let class = String::from_utf8(class).map_err(|_| self.error("class name is not UTF-8"))?;
        let count = self.count()?;
        let mut props = Vec::with_capacity(count);
        for _ in 0..count {
            let name = match self.value(depth + 1)? {
                PhpValue::Bytes(b) => b,
                PhpValue::Int(i) => i.to_string().into_bytes(),
                _ => return Err(self.error("property name is not a string")),
            };
            props.push((name, self.value(depth + 1)?));
        }
        self.expect(b"}")?;
        Ok(PhpValue::Object { class, props })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    /// Every serialized answer of the recorded oracle reads back, and
    /// writes back to the same bytes.
    #[test]
    fn every_fixture_answer_round_trips() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/legacy-query.json"
        )))
        .unwrap();
        let mut checked = 0;
        for case in fixture["cases"].as_array().unwrap() {
            let Some(decoded) = case["decoded_bytes_b64"].as_str() else {
                continue;
            };
            let bytes = STANDARD.decode(decoded).unwrap();
            match unserialize(&bytes) {
                Ok(value) => {
                    assert_eq!(value.to_serialized(), bytes, "{}", case["name"]);
                    checked += 1;
                }
                // Plaintext SQL errors are base64 of bare text, not serialized.
                Err(_) => assert!(bytes.starts_with(b"[ERROR]"), "{}", case["name"]),
            }
            if let Some(text) = case["decoded_text"].as_str() {
                if !text.starts_with("[ERROR]") {
                    assert!(unserialize(text.as_bytes()).is_ok(), "{}", case["name"]);
                }
            }
        }
        assert!(checked >= 12, "only {checked} serialized answers");
    }

    #[test]
    fn every_kind_reads() {
        let value = unserialize(
            b"a:7:{i:0;N;s:1:\"b\";b:1;i:-3;i:-9;s:1:\"d\";d:0.1;s:1:\"s\";s:3:\"\x00\xff;\";i:9;O:8:\"stdClass\":1:{s:1:\"p\";a:0:{}}s:1:\"f\";d:-INF;}",
        )
        .unwrap();
        let PhpValue::Array(entries) = &value else {
            panic!("array expected")
        };
        assert_eq!(entries.len(), 7);
        assert_eq!(entries[3].1, PhpValue::Float(0.1));
        assert_eq!(entries[4].1, PhpValue::Bytes(vec![0, 0xff, b';']));
        assert!(matches!(&entries[5].1, PhpValue::Object { class, .. } if class == "stdClass"));
    }

    #[test]
    fn malformed_input_is_refused_with_a_position() {
        for (input, reason) in [
            (&b"s:9:\"abc\";"[..], "string longer than the data"),
            (b"a:99999999:{}", "more elements than the data can hold"),
            (b"i:1;x", "data after the value"),
            (b"x:1;", "unknown type tag"),
            (b"i:abc;", "not an integer"),
            (b"a:1:{d:1;i:1;}", "array key is not an int or string"),
            (b"", "unexpected end"),
        ] {
            assert_eq!(unserialize(input).unwrap_err().reason, reason, "{input:?}");
        }
        let deep = "a:1:{i:0;".repeat(MAX_DEPTH + 2);
        assert_eq!(
            unserialize(deep.as_bytes()).unwrap_err().reason,
            "nested too deeply"
        );
    }
}
