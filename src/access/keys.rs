//! Key material: making secrets, recognising them, naming keys, and which
//! secrets of a key are good at a given moment (rotation keeps the old one
//! for a grace period).
//!
//! A native secret is `cbk_`, then 64 hex digits (32 bytes from the OS
//! CSPRNG), then 8 hex digits of CRC-32 over what precedes them: the prefix
//! makes a leaked key easy to search for, the checksum lets a scanner tell
//! a real key from look-alike text offline (GitHub's token format,
//! SECURITY.md §2.7). A legacy token is the incumbent's format, 32 hex
//! digits.
//!
//! Secrets are stored as they are in config.toml: both protocols sign with
//! HMAC-SHA256 keyed by the secret itself, so the verifier must hold the
//! secret; a hash or derived verifier would only work if the protocol
//! signed with a derived key, which NATIVE.md and the incumbent do not.
//! The file is 0600 and outside what the web server serves.

use std::io;

use sha2::{Digest, Sha256};

use super::utc::Stamp;
use crate::store::KeyConfig;

/// The prefix of every native secret.
pub const SECRET_PREFIX: &str = "cbk_";
const SECRET_BYTES: usize = 32;
/// The name the unimported store token of `config.php` goes by.
pub const STORE_TOKEN_NAME: &str = "store-token";
/// The name recorded for a call whose key is not known.
pub const UNKNOWN_KEY: &str = "unknown";
/// The longest grace period a rotation may give the old secret.
pub const MAX_GRACE_SECONDS: u64 = 7 * 86_400;
/// The grace period of `key rotate` without `--grace`.
pub const DEFAULT_GRACE_SECONDS: u64 = 86_400;

/// A new native secret, from the OS CSPRNG.
pub fn new_secret() -> io::Result<String> {
    let body = format!("{SECRET_PREFIX}{}", random_hex(SECRET_BYTES)?);
    Ok(format!("{body}{:08x}", crc32fast::hash(body.as_bytes())))
}

/// A new legacy token: 32 hex digits, the incumbent's format (its gateway
/// and the `M1_TOKEN` length check expect exactly that).
pub fn new_legacy_token() -> io::Result<String> {
    random_hex(16)
}

/// Hex of `bytes` random bytes from the operating system.
pub fn random_hex(bytes: usize) -> io::Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| io::Error::other(format!("the OS random generator failed: {e}")))?;
    Ok(hex::encode(buffer))
}

/// Whether `text` is a well-formed native secret (prefix, length, checksum).
pub fn is_native_secret(text: &str) -> bool {
    let Some(rest) = text.strip_prefix(SECRET_PREFIX) else {
        return false;
    };
    if rest.len() != SECRET_BYTES * 2 + 8
        || !rest
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return false;
    }
    let (body, checksum) = text.split_at(text.len() - 8);
    format!("{:08x}", crc32fast::hash(body.as_bytes())) == checksum
}

/// A short fingerprint to tell keys apart without showing them.
pub fn fingerprint(secret: &str) -> String {
    format!(
        "sha256:{}",
        &hex::encode(Sha256::digest(secret.as_bytes()))[..12]
    )
}

/// Checks a new key's name: 3-64 characters of `A-Z a-z 0-9 . _ -`,
/// starting with a letter or digit, and not a name the bridge uses itself.
pub fn check_name(name: &str) -> Result<(), String> {
    if !(3..=64).contains(&name.len()) {
        return Err(format!(
            "key names are 3 to 64 characters; '{name}' has {}",
            name.len()
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(format!(
            "key name '{name}': use letters, digits, '.', '_' and '-', starting with a letter or digit"
        ));
    }
    if [STORE_TOKEN_NAME, UNKNOWN_KEY]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err(format!("'{name}' is reserved; choose another key name"));
    }
    Ok(())
}

impl KeyConfig {
    /// The secrets that sign for this key at `now`: the current one, and
    /// the previous one while its grace period lasts (flagged `true`).
    pub fn secrets_at(&self, now: u64) -> Vec<(&str, bool)> {
        let mut secrets = vec![(self.secret.as_str(), false)];
        if let (Some(old), Some(Stamp(until))) = (&self.previous_secret, self.previous_expires) {
            if now < until {
                secrets.push((old.as_str(), true));
            }
        }
        secrets
    }

    /// Replaces the secret, keeping the old one usable for `grace` seconds
    /// (only the latest old secret: at most two are ever good at once).
    pub fn rotate(&mut self, new_secret: String, now: u64, grace: u64) {
        let old = std::mem::replace(&mut self.secret, new_secret);
        if grace > 0 {
            self.previous_secret = Some(old);
            self.previous_expires = Some(Stamp(now + grace));
        } else {
            self.previous_secret = None;
            self.previous_expires = None;
        }
        self.rotated = Some(Stamp(now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_self_checking() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64 + 8);
        assert!(is_native_secret(&a) && is_native_secret(&b));
        // One changed digit breaks the checksum.
        let mut tampered = a.clone().into_bytes();
        tampered[10] = if tampered[10] == b'0' { b'1' } else { b'0' };
        assert!(!is_native_secret(&String::from_utf8(tampered).unwrap()));
        assert!(!is_native_secret("cbk_short"));
        assert!(!is_native_secret(&a.to_ascii_uppercase()));
        let token = new_legacy_token().unwrap();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn fingerprints_do_not_show_the_secret() {
        let secret = new_secret().unwrap();
        let print = fingerprint(&secret);
        assert!(print.starts_with("sha256:") && print.len() == 19);
        assert!(!secret.contains(&print[7..]));
    }

    #[test]
    fn names() {
        assert!(check_name("erp-sync").is_ok());
        assert!(check_name("a.b_c-9").is_ok());
        assert!(check_name(&"x".repeat(64)).is_ok());
        for bad in [
            "ab",
            &"x".repeat(65),
            "-erp",
            "erp sync",
            "erp/sync",
            "Store-Token",
            "unknown",
            "érp",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rotation_keeps_the_old_secret_for_the_grace_period_only() {
        let mut key = KeyConfig::new("erp-sync", "old");
        key.rotate("new".into(), 1000, 60);
        assert_eq!(key.secrets_at(1000), vec![("new", false), ("old", true)]);
        assert_eq!(key.secrets_at(1059), vec![("new", false), ("old", true)]);
        assert_eq!(key.secrets_at(1060), vec![("new", false)]);
        key.rotate("newer".into(), 1010, 60);
        assert_eq!(key.secrets_at(1010), vec![("newer", false), ("new", true)]);
        key.rotate("newest".into(), 1020, 0);
        assert_eq!(key.secrets_at(1020), vec![("newest", false)]);
    }
}
