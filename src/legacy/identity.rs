//! Who the bridge says it is on the legacy protocol: the version it reports
//! and the key pair its answers are encrypted for (LEGACY.md §1.4, §6.3).
//!
//! Both come from config.toml's `[legacy]` section, else from the
//! incumbent's own `bridge.php` left in the bridge folder: the gateway holds
//! the private key of the pair that shipped with that download, so a store
//! swapped in place must keep answering with that public key and key id.
//! `cartbridge import-php-bridge` copies them into config.toml once, so the
//! PHP file need not be read on every request.

use std::path::Path;

use super::crypto::{self, CryptoError, RsaPublicKey};
use crate::platform::php::{PhpFile, PhpValue};
use crate::store::{Bridge, EncryptionSetting};

/// The incumbent's file name, beside `config.php`.
pub const INCUMBENT_FILE: &str = "bridge.php";

/// Decrypted request parameters larger than this are refused, so a small
/// compressed request cannot expand into gigabytes.
const MAX_DECRYPTED_PARAM: usize = 64 * 1024 * 1024;

/// What the legacy protocol answers with.
pub struct Identity {
    pub version: String,
    /// 32 hex characters, or empty when no key pair is known.
    pub key_id: String,
    /// Set when encryption is on.
    pub crypto: Option<Crypto>,
}

/// The public key and the envelope generation that go with it.
pub struct Crypto {
    key: RsaPublicKey,
    envelope: Envelope,
}

/// The two encryption generations (LEGACY.md §6.1, §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// G209: RSA-OAEP-wrapped AES key, JSON `{encryptedKey, iv, data}`.
    Hybrid,
    /// WP167: RSA pieces of the zlib stream, lowercase hex.
    Chunked,
}

impl Crypto {
    pub fn new(key: RsaPublicKey, envelope: Envelope) -> Crypto {
        Crypto { key, envelope }
    }

    /// An encrypted request parameter, opened.
    pub fn open(&self, param: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self.envelope {
            Envelope::Hybrid => crypto::decrypt_request(&self.key, param, MAX_DECRYPTED_PARAM),
            Envelope::Chunked => {
                crypto::decrypt_request_chunked(&self.key, param, MAX_DECRYPTED_PARAM)
            }
        }
    }

    /// An answer, sealed for the gateway.
    pub fn seal(&self, payload: &[u8]) -> Result<String, CryptoError> {
        match self.envelope {
            Envelope::Hybrid => crypto::encrypt_response(&self.key, payload),
            Envelope::Chunked => crypto::encrypt_response_chunked(&self.key, payload),
        }
    }
}

/// What the incumbent's `bridge.php` declares.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IncumbentBridge {
    pub version: Option<String>,
    pub public_key: Option<String>,
    pub public_key_id: Option<String>,
    /// `Some(false)` when the file switches encryption off with a literal;
    /// `None` when it does not say or decides at run time.
    pub encryption_enabled: Option<bool>,
    /// The WordPress plugin's flavour (`A2CBC_` constants, WP167 envelope).
    pub plugin_flavour: bool,
}

impl IncumbentBridge {
    /// Reads the constants of a `bridge.php` without running it; `None`
    /// when the file cannot be read.
    pub fn read(path: &Path) -> Option<IncumbentBridge> {
        let source = std::fs::read(path).ok()?;
        let file = PhpFile::parse_bytes(&source, path);
        let plugin_flavour = file.define("M1_BRIDGE_VERSION").is_none()
            && file.define("A2CBC_BRIDGE_VERSION").is_some();
        let prefix = if plugin_flavour { "A2CBC_" } else { "M1_" };
        let text = |name: &str| {
            file.define(&format!("{prefix}{name}"))
                .and_then(PhpValue::to_php_string)
                .filter(|v| !v.is_empty())
        };
        Some(IncumbentBridge {
            version: text("BRIDGE_VERSION"),
            public_key: text("BRIDGE_PUBLIC_KEY"),
            public_key_id: text("BRIDGE_PUBLIC_KEY_ID"),
            encryption_enabled: file
                .define(&format!("{prefix}BRIDGE_ENABLE_ENCRYPTION"))
                .and_then(PhpValue::to_bool),
            plugin_flavour,
        })
    }
}

impl Identity {
    /// The identity of `bridge`. The error says what to fix in config.toml.
    pub fn of(bridge: &Bridge) -> Result<Identity, String> {
        let legacy = &bridge.config.legacy;
        let needs_file = legacy.bridge_version.is_none() || legacy.public_key.is_none();
        let incumbent = needs_file
            .then(|| IncumbentBridge::read(&bridge.dir.join(INCUMBENT_FILE)))
            .flatten()
            .unwrap_or_default();
        let version = legacy
            .bridge_version
            .clone()
            .or(incumbent.version.clone())
            .unwrap_or_else(|| crate::LEGACY_BRIDGE_VERSION.to_string());
        let (pem, key_id, from_file) = match &legacy.public_key {
            Some(pem) => (Some(pem.clone()), legacy.public_key_id.clone(), false),
            None => (
                incumbent.public_key.clone(),
                legacy
                    .public_key_id
                    .clone()
                    .or(incumbent.public_key_id.clone()),
                true,
            ),
        };
        let default_envelope = if incumbent.plugin_flavour && from_file {
            Envelope::Chunked
        } else {
            Envelope::Hybrid
        };
        let envelope = match legacy.encryption {
            Some(EncryptionSetting::Off) => None,
            Some(EncryptionSetting::Hybrid) => Some(Envelope::Hybrid),
            Some(EncryptionSetting::Chunked) => Some(Envelope::Chunked),
            None if pem.is_some()
                && !(from_file && incumbent.encryption_enabled == Some(false)) =>
            {
                Some(default_envelope)
            }
            None => None,
        };
        let crypto = match envelope {
            None => None,
            Some(envelope) => {
                let pem = pem.ok_or(
                    "[legacy] encryption is on but no public key is known: set [legacy] public_key in config.toml or run `cartbridge import-php-bridge`",
                )?;
                let key = crypto::public_key_from_pem(&pem)
                    .map_err(|e| format!("[legacy] public_key cannot be used ({e}): put the PEM block of M1_BRIDGE_PUBLIC_KEY there"))?;
                Some(Crypto::new(key, envelope))
            }
        };
        Ok(Identity {
            version,
            key_id: key_id.unwrap_or_default(),
            crypto,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{write_private_config, BridgeConfig, LegacyConfig};

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvjj8IORhlO7Wyhif32Yv\n4VIWowz8jSFdGeMfWJ7nPxqm5xS65aJc55lyqfYWw09PbqKZKrvUC+ZW1UAR5sCh\ni+bIEd1WbO/7o64AK3V2TNwZ4D5C4YPjVwQGZP+4jNT3XU7m5NO+iKhrWkdxNrwH\nF/yHCtJL/f6s7iFPHulVEm/FPz0vsvVH0SFkOXjTWfk717A0evX7Uhuptvm435DM\nk7v9w7FD8WRyjRHQ8+Kp5gZy09suTgJvQjkz5hu6zJ+YdN+7b2XBuwbLhU7Bvt0S\nMb5rplfRHS3aKJMkFsYZVpPNAFNeglPV93Gx9MDxUwvttoEqjE1+1OCQH9hKhBW7\nGwIDAQAB\n-----END PUBLIC KEY-----\n";

    fn bridge_php(dir: &Path, enable: &str) {
        std::fs::write(
            dir.join(INCUMBENT_FILE),
            format!(
                "<?php\ndefine('M1_BRIDGE_VERSION', '209');\ndefine('M1_BRIDGE_PUBLIC_KEY', '{PEM}');\ndefine('M1_BRIDGE_PUBLIC_KEY_ID', '5f1db7fae12405f2b2fd7bdb1102c8d8');\ndefine('M1_BRIDGE_ENABLE_ENCRYPTION', {enable});\nclass M1_Bridge {{ public function run() {{ return 1; }} }}\n"
            ),
        )
        .unwrap();
    }

    #[test]
    fn the_incumbents_key_turns_encryption_on() {
        let dir = tempfile::tempdir().unwrap();
        bridge_php(dir.path(), "extension_loaded('openssl')");
        let identity = Identity::of(&Bridge::open(dir.path().to_path_buf())).unwrap();
        assert_eq!(identity.version, "209");
        assert_eq!(identity.key_id, "5f1db7fae12405f2b2fd7bdb1102c8d8");
        assert_eq!(identity.crypto.unwrap().envelope, Envelope::Hybrid);
    }

    #[test]
    fn a_literal_false_switches_it_off() {
        let dir = tempfile::tempdir().unwrap();
        bridge_php(dir.path(), "false");
        let identity = Identity::of(&Bridge::open(dir.path().to_path_buf())).unwrap();
        assert!(identity.crypto.is_none());
        assert_eq!(identity.key_id, "5f1db7fae12405f2b2fd7bdb1102c8d8");
    }

    #[test]
    fn without_a_key_encryption_is_off_and_the_version_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        let identity = Identity::of(&Bridge::open(dir.path().to_path_buf())).unwrap();
        assert!(identity.crypto.is_none());
        assert_eq!(identity.key_id, "");
        assert_eq!(identity.version, crate::LEGACY_BRIDGE_VERSION);
    }

    #[test]
    fn config_wins_and_bad_keys_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        bridge_php(dir.path(), "true");
        let mut config = BridgeConfig {
            legacy: LegacyConfig {
                bridge_version: Some("150".into()),
                public_key: Some(PEM.into()),
                public_key_id: Some("0123456789abcdef0123456789abcdef".into()),
                encryption: Some(EncryptionSetting::Chunked),
                ..LegacyConfig::default()
            },
            ..BridgeConfig::default()
        };
        write_private_config(dir.path(), &config).unwrap();
        let identity = Identity::of(&Bridge::open(dir.path().to_path_buf())).unwrap();
        assert_eq!(identity.version, "150");
        assert_eq!(identity.key_id, "0123456789abcdef0123456789abcdef");
        assert_eq!(identity.crypto.unwrap().envelope, Envelope::Chunked);

        config.legacy.public_key = Some("not a key".into());
        write_private_config(dir.path(), &config).unwrap();
        let error = Identity::of(&Bridge::open(dir.path().to_path_buf()))
            .err()
            .unwrap();
        assert!(error.contains("[legacy] public_key"), "{error}");
    }

    #[test]
    fn the_plugin_flavour_is_read_too() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(INCUMBENT_FILE),
            format!("<?php\ndefine('A2CBC_BRIDGE_VERSION', '167');\ndefine('A2CBC_BRIDGE_PUBLIC_KEY', \"{PEM}\");\ndefine('A2CBC_BRIDGE_PUBLIC_KEY_ID', '4947ae9e4d350512cd240ec52d60c3a1');\n"),
        )
        .unwrap();
        let incumbent = IncumbentBridge::read(&dir.path().join(INCUMBENT_FILE)).unwrap();
        assert!(incumbent.plugin_flavour);
        let identity = Identity::of(&Bridge::open(dir.path().to_path_buf())).unwrap();
        assert_eq!(identity.version, "167");
        assert_eq!(identity.crypto.unwrap().envelope, Envelope::Chunked);
    }
}
