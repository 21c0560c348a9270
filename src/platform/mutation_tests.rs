//! The config readers on mangled versions of the fixture stores' files:
//! whatever the bytes, they return (a value, nothing, or an error) and never
//! panic. A fast, deterministic companion of the cargo-fuzz targets in
//! `fuzz/`, which run longer and coverage-guided (`tests/fuzz.sh`).

use std::path::Path;

use super::{dotenv, ini, lookup, php, url, xml};

/// xorshift64*: deterministic, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the readers' grammars.
const INTERESTING: &[&[u8]] = &[
    b"'",
    b"\"",
    b"\\",
    b"$",
    b"${",
    b"}",
    b"{",
    b"(",
    b")",
    b"[",
    b"]",
    b"<",
    b">",
    b"/>",
    b"</",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"&",
    b"&#x",
    b";",
    b"=",
    b"\n",
    b"#",
    b"//",
    b"/*",
    b"*/",
    b"?>",
    b"<?php",
    b"<<<EOT\n",
    b"\nEOT;\n",
    b".",
    b"::",
    b"->",
    b"=>",
    b"array(",
    b"%",
    b"@",
    b":",
    b"\xff",
    b"\xc3",
    b"\0",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            2 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            3 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + rng.below(64)).min(out.len());
                let copy = out[start..end].to_vec();
                out.splice(at..at, copy);
            }
            _ => out.truncate(at),
        }
    }
    out
}

fn fixture_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stores")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn mangled_config_files_never_panic_a_reader() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let files = fixture_files();
    assert!(files.len() > 50);
    for round in 0..60 {
        for (name, bytes) in &files {
            let input = if round == 0 {
                bytes.clone()
            } else {
                mutate(&mut rng, bytes)
            };
            let file = php::PhpFile::parse_bytes(&input, Path::new("/shop/config.php"));
            let _ = file.returned().map(php::PhpValue::to_php_string);
            let _ = ini::parse(&input).path(&["database_details", "hostspec"]);
            let _ = xml::parse(&input);
            let _ = dotenv::parse(&input);
            let text = String::from_utf8_lossy(&input);
            if let Some(parts) = url::split(&text) {
                let _ = parts.part("pass").map(|p| url::decode(p, true));
            }
            let _ = lookup::Template::parse(&text);
            let _ = name;
        }
    }
}

#[test]
fn templates_from_the_platforms_mangled_never_panic_the_parser() {
    let mut rng = Rng(42);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("platforms");
    let mut templates = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if let Ok(toml) = std::fs::read_to_string(entry.path().join("platform.toml")) {
            templates.extend(
                toml.lines()
                    .filter(|l| l.contains('{'))
                    .map(|l| l.as_bytes().to_vec()),
            );
        }
    }
    for _ in 0..20 {
        for t in &templates {
            let _ = lookup::Template::parse(&String::from_utf8_lossy(&mutate(&mut rng, t)));
        }
    }
}
