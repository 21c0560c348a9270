//! Reads INI files the way PHP's `parse_ini_file($file, true)` does in its
//! normal mode: X-Cart 5 `etc/config.php` (INI behind a `; <?php` guard
//! line), Drupal `.info` files.
//!
//! The result is a [`PhpValue`] array, so the same key paths work as for
//! PHP files: `[section]` becomes an array of its keys; keys before any
//! section stay at the top. As in PHP, values are strings: `true`, `on`,
//! `yes` read as `"1"`, `false`, `off`, `no`, `none`, `null` as `""`.
//! `key[] = v` appends and `key[k] = v` sets an element. Quoted values keep
//! their content exactly (`"` quotes understand `\"` and `\\`); unquoted
//! ones end at `;` and are trimmed. A value that refers to an environment
//! variable or constant (`${X}`) is unknown, not guessed. Lines PHP would
//! reject are skipped.

use super::php::{PhpKey, PhpValue};

pub fn parse(source: &[u8]) -> PhpValue {
    let text = String::from_utf8_lossy(source);
    let mut top: Vec<(PhpKey, PhpValue)> = Vec::new();
    let mut section: Option<usize> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let Some(end) = name.find(']') else { continue };
            let key = PhpKey::from(name[..end].trim());
            top.retain(|(k, _)| *k != key);
            top.push((key, PhpValue::Array(Vec::new())));
            section = Some(top.len() - 1);
            continue;
        }
        let Some((name, raw)) = line.split_once('=') else {
            continue;
        };
        let value = value(raw.trim());
        let entries = match section {
            Some(i) => match &mut top[i].1 {
                PhpValue::Array(items) => items,
                _ => continue,
            },
            None => &mut top,
        };
        assign(entries, name.trim(), value);
    }
    PhpValue::Array(top)
}

/// `key = v`, `key[] = v`, `key[sub] = v`.
fn assign(entries: &mut Vec<(PhpKey, PhpValue)>, name: &str, value: PhpValue) {
    let Some((base, sub)) = name.split_once('[') else {
        set(entries, PhpKey::from(name), value);
        return;
    };
    let Some(sub) = sub.strip_suffix(']') else {
        return;
    };
    let key = PhpKey::from(base.trim());
    if !entries
        .iter()
        .any(|(k, v)| *k == key && matches!(v, PhpValue::Array(_)))
    {
        set(entries, key.clone(), PhpValue::Array(Vec::new()));
    }
    let Some((_, PhpValue::Array(items))) = entries.iter_mut().find(|(k, _)| *k == key) else {
        return;
    };
    let sub = sub.trim().trim_matches(|c| c == '"' || c == '\'');
    if sub.is_empty() {
        let next = items
            .iter()
            .filter_map(|(k, _)| match k {
                PhpKey::Int(i) => Some(i + 1),
                PhpKey::Str(_) => None,
            })
            .max()
            .unwrap_or(0)
            .max(0);
        items.push((PhpKey::Int(next), value));
    } else {
        set(items, PhpKey::from(sub), value);
    }
}

fn set(entries: &mut Vec<(PhpKey, PhpValue)>, key: PhpKey, value: PhpValue) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
}

fn value(raw: &str) -> PhpValue {
    let mut out = String::new();
    let mut rest = raw;
    let mut quoted = false;
    loop {
        rest = rest.trim_start();
        if let Some(body) = rest.strip_prefix('"') {
            let Some((text, after)) = double_quoted(body) else {
                return PhpValue::Unknown;
            };
            if text.contains("${") {
                return PhpValue::Unknown;
            }
            out.push_str(&text);
            rest = after;
            quoted = true;
        } else if let Some(body) = rest.strip_prefix('\'') {
            let Some(end) = body.find('\'') else {
                return PhpValue::Unknown;
            };
            out.push_str(&body[..end]);
            rest = &body[end + 1..];
            quoted = true;
        } else {
            let end = rest.find([';', '"', '\'']).unwrap_or(rest.len());
            let bare = rest[..end].trim_end();
            if bare.contains("${") {
                return PhpValue::Unknown;
            }
            if !quoted && (end == rest.len() || rest[end..].starts_with(';')) {
                return PhpValue::Str(keyword(bare).unwrap_or(bare).to_string());
            }
            out.push_str(bare);
            rest = &rest[end..];
        }
        if rest.trim_start().is_empty() || rest.trim_start().starts_with(';') {
            return PhpValue::Str(out);
        }
    }
}

/// The content of a `"…"` value and what follows its closing quote.
fn double_quoted(body: &str) -> Option<(String, &str)> {
    let mut text = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((text, &body[i + 1..])),
            '\\' => match body[i + 1..].chars().next() {
                Some(next @ ('"' | '\\')) => {
                    text.push(next);
                    chars.next();
                }
                _ => text.push('\\'),
            },
            _ => text.push(c),
        }
    }
    None
}

fn keyword(bare: &str) -> Option<&'static str> {
    match bare.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" => Some("1"),
        "false" | "off" | "no" | "none" | "null" => Some(""),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xcart5_config_behind_a_php_guard() {
        let ini = br#"; <?php /*
; WARNING: Do not change the line above
[database_details]
hostspec = "localhost"
socket   = "/run/mysqld/mysqld.sock"
port     = ""
database = "xc5"
username = "xc"
password = "p;w\"d" ; the password
table_prefix = xc_
[performance]
developer_mode = Off
; */ ?>
"#;
        let v = parse(ini);
        let db = v.get("database_details").unwrap();
        assert_eq!(db.get("hostspec").unwrap().as_str(), Some("localhost"));
        assert_eq!(db.get("password").unwrap().as_str(), Some("p;w\"d"));
        assert_eq!(db.get("table_prefix").unwrap().as_str(), Some("xc_"));
        assert_eq!(db.get("port").unwrap().as_str(), Some(""));
        let perf = v.get("performance").unwrap();
        assert_eq!(perf.get("developer_mode").unwrap().as_str(), Some(""));
    }

    #[test]
    fn drupal_info_file_with_arrays() {
        let v = parse(b"name = Cart\nversion = \"6.x-2.4\"\ndependencies[] = uc_store\ndependencies[] = uc_order\nfiles[a] = 'x'\n");
        assert_eq!(v.get("version").unwrap().as_str(), Some("6.x-2.4"));
        let deps = v.get("dependencies").unwrap();
        assert_eq!(deps.get("1").unwrap().as_str(), Some("uc_order"));
        assert_eq!(v.path(&["files", "a"]).unwrap().as_str(), Some("x"));
    }

    #[test]
    fn environment_references_are_unknown() {
        let v = parse(b"[db]\npassword = \"${DB_PASSWORD}\"\n");
        assert!(v.path(&["db", "password"]).unwrap().is_unknown());
    }
}
