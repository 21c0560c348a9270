//! Who is calling: the incumbent's `a2c_sign` for the legacy protocol and
//! signature v1 for the native API. Nothing past this module runs for a
//! request it has not accepted.

pub mod legacy;
pub mod native;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Lowercase hex HMAC-SHA256 of `message` under `key`.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature_hex` (lowercase hex only, as the incumbent demands)
/// is the HMAC of `message`; compared in constant time.
pub fn hmac_matches(key: &[u8], message: &[u8], signature_hex: &[u8]) -> bool {
    if signature_hex.len() != 64 || signature_hex.iter().any(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let Ok(signature) = hex::decode(signature_hex) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.verify_slice(&signature).is_ok()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}
