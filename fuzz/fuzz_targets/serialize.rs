//! The PHP `serialize()` writer against its reader. Whatever value the writer
//! is given, the reader gets the same value back (so every `s:<len>:` frame
//! and `a:<count>:` count the writer puts down is right); the streaming
//! writer refuses a container whose declared count is wrong; every finite
//! float's PHP text reads back as the same double; and no bytes panic the
//! reader, whose values re-serialize to a fixed point.
//!
//! The first byte picks the check: 0 reads the rest as serialized text,
//! 1 builds a value from the rest, 2 reads the rest as doubles.
#![no_main]

use cartbridge_fuzz::legacy::serialize::{php_float_repr, PhpKey, PhpValue, Serializer};
use cartbridge_fuzz::legacy::unserialize::unserialize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => read_then_write(rest),
        1 => write_then_read(&Builder { bytes: rest, at: 0 }.value(0)),
        _ => floats(rest),
    }
});

fn read_then_write(bytes: &[u8]) {
    let Ok(value) = unserialize(bytes) else {
        return;
    };
    let written = value.to_serialized();
    let again = unserialize(&written)
        .unwrap_or_else(|e| panic!("{:?} does not read back: {e}", text(&written)));
    assert!(
        same(&again, &value),
        "{:?} reads back differently",
        text(&written)
    );
    assert_eq!(again.to_serialized(), written, "not a fixed point");
}

fn write_then_read(value: &PhpValue) {
    let written = value.to_serialized();
    let again = unserialize(&written)
        .unwrap_or_else(|e| panic!("{:?} does not read back: {e}", text(&written)));
    assert!(same(&again, value), "{value:?} reads back as {again:?}");
    miscounted_containers_are_refused(value);
}

/// Declaring one element more or fewer than is written must fail.
fn miscounted_containers_are_refused(value: &PhpValue) {
    let PhpValue::Array(entries) = value else {
        return;
    };
    let write = |declared: usize| -> std::io::Result<Vec<u8>> {
        let mut ser = Serializer::new(Vec::new());
        ser.array_start(declared)?;
        for (key, item) in entries {
            match key {
                PhpKey::Int(n) => ser.key_int(*n)?,
                PhpKey::Bytes(b) => ser.key_str(b)?,
            }
            item.write_to(&mut ser)?;
        }
        ser.array_end()?;
        ser.finish()
    };
    assert_eq!(write(entries.len()).ok(), Some(value.to_serialized()));
    assert!(
        write(entries.len() + 1).is_err(),
        "one missing element passed"
    );
    if !entries.is_empty() {
        assert!(
            write(entries.len() - 1).is_err(),
            "one extra element passed"
        );
    }
}

/// PHP's float text reads back as the same double (`-0` included), and
/// through `d:<text>;` too.
fn floats(bytes: &[u8]) {
    for chunk in bytes.chunks_exact(8) {
        let value = f64::from_bits(u64::from_le_bytes(chunk.try_into().unwrap()));
        let repr = php_float_repr(value);
        let read = unserialize(format!("d:{repr};").as_bytes())
            .unwrap_or_else(|e| panic!("d:{repr}; does not read back: {e}"));
        assert!(
            same(&read, &PhpValue::Float(value)),
            "{value:e} is written as {repr}"
        );
        if value.is_finite() {
            let parsed: f64 = repr.parse().unwrap();
            assert_eq!(
                parsed.to_bits(),
                value.to_bits(),
                "{value:e} is written as {repr}"
            );
        }
    }
}

/// Equality with every NaN equal to every other (PHP writes them all `NAN`)
/// and `-0` different from `0`.
fn same(a: &PhpValue, b: &PhpValue) -> bool {
    match (a, b) {
        (PhpValue::Float(x), PhpValue::Float(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (PhpValue::Array(x), PhpValue::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        (
            PhpValue::Object {
                class: cx,
                props: px,
            },
            PhpValue::Object {
                class: cy,
                props: py,
            },
        ) => {
            cx == cy
                && px.len() == py.len()
                && px
                    .iter()
                    .zip(py)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Builds a value from fuzz bytes: each value starts with a tag byte; what
/// runs out of bytes is `N`. Nesting stops at 16 levels, well inside the
/// reader's limit.
struct Builder<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl Builder<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let start = self.at.min(self.bytes.len());
        let end = start.saturating_add(n).min(self.bytes.len());
        self.at = start + n;
        &self.bytes[start..end]
    }

    fn word(&mut self) -> u64 {
        let mut buf = [0u8; 8];
        let got = self.take(8);
        buf[..got.len()].copy_from_slice(got);
        u64::from_le_bytes(buf)
    }

    fn string(&mut self) -> Vec<u8> {
        let len = usize::from(self.byte());
        self.take(len).to_vec()
    }

    fn key(&mut self) -> PhpKey {
        if self.byte() % 2 == 0 {
            PhpKey::Int(self.word() as i64)
        } else {
            PhpKey::Bytes(self.string())
        }
    }

    fn value(&mut self, depth: usize) -> PhpValue {
        if self.at >= self.bytes.len() {
            return PhpValue::Null;
        }
        let tag = self.byte();
        let nested = depth < 16;
        match tag % 7 {
            1 => PhpValue::Bool(self.byte() % 2 == 1),
            2 => PhpValue::Int(self.word() as i64),
            3 => PhpValue::Float(f64::from_bits(self.word())),
            4 => PhpValue::Bytes(self.string()),
            5 if nested => {
                let count = usize::from(self.byte() % 8);
                let entries = (0..count)
                    .map(|_| (self.key(), self.value(depth + 1)))
                    .collect();
                PhpValue::Array(entries)
            }
            6 if nested => {
                let class = String::from_utf8_lossy(&self.string()).into_owned();
                let count = usize::from(self.byte() % 8);
                let props = (0..count)
                    .map(|_| (self.string(), self.value(depth + 1)))
                    .collect();
                PhpValue::Object { class, props }
            }
            _ => PhpValue::Null,
        }
    }
}
