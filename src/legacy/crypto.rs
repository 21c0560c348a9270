//! The two encryption generations of the legacy protocol (LEGACY.md §6).
//!
//! * G209, hybrid: the answer is zlib-compressed, AES-256-CBC-encrypted with a
//!   fresh key, and the key is RSA-OAEP(SHA-1)-encrypted with the bridge's
//!   public key; everything travels in a JSON envelope. Requests use the same
//!   envelope, but the gateway wraps the AES key with its *private* key
//!   (PKCS#1 v1.5 type-1 padding), so the bridge recovers it with a raw
//!   public-key operation.
//! * WP167, chunked: the zlib stream itself is RSA-encrypted piece by piece
//!   and sent as lowercase hex.
//!
//! Only the public key ships with a bridge, so the bridge side needs only
//! public-key operations. The private-key halves (`encrypt_request*`,
//! `decrypt_response*`) exist for tests and the technicians' decoder.
//!
//! Where PHP's OpenSSL wrapper is lenient, this module is lenient in the same
//! way, because the gateway has only ever been tested against that: base64
//! fields are decoded non-strictly, a short AES key or IV is padded with NUL
//! bytes and a long one truncated, and trailing bytes after the zlib stream
//! are ignored [checked against PHP 8.2].

// Some of this API serves only tests and the technicians' tools, or waits
// for the actions that will call it; the binary must build with
// `-D warnings` meanwhile.
#![cfg_attr(not(test), allow(dead_code))]

use std::fmt;
use std::io::Write;
use std::num::NonZeroU32;

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use flate2::write::ZlibEncoder;
use flate2::{Compression, Decompress, FlushDecompress, Status};
use rand_core::{CryptoRng, RngCore};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, Pkcs1v15Sign};
use sha1::Sha1;

use super::encoding::{php_base64_decode, php_base64_encode};

pub use rsa::{RsaPrivateKey, RsaPublicKey};

const AES_KEY_LEN: usize = 32;
const AES_IV_LEN: usize = 16;
/// OAEP with SHA-1 costs 2 × 20 + 2 bytes of every RSA block.
const OAEP_SHA1_OVERHEAD: usize = 42;
/// PKCS#1 v1.5 padding needs at least `00 01 FF×8 00`.
const PKCS1_OVERHEAD: usize = 11;

/// A failure, named after the plain-text answer the incumbent gives for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// The envelope is not JSON, or lacks `encryptedKey` / `iv`.
    ParseDecrypt,
    /// RSA, AES or zlib rejected the request data.
    Decrypt,
    /// The request data decompresses to more than the caller allows; the
    /// incumbent would run out of memory instead, so it answers as for
    /// undecryptable data.
    TooLarge,
    /// The answer could not be encrypted (unusable key, no randomness).
    Encrypt,
    /// A WP167 request parameter is not a non-empty hex string.
    InvalidHex,
}

impl CryptoError {
    /// The text the incumbent answers with.
    pub fn legacy_text(&self) -> &'static str {
        match self {
            CryptoError::ParseDecrypt => "ERROR_PARSE_DECRYPT",
            CryptoError::Decrypt | CryptoError::TooLarge => "ERROR_DECRYPT",
            CryptoError::Encrypt => "ERROR_ENCRYPT",
            CryptoError::InvalidHex => "ERROR_INVALID_HEXDECIMAL_VALUE",
        }
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            CryptoError::ParseDecrypt => "encrypted parameter is not a valid envelope",
            CryptoError::Decrypt => "encrypted parameter could not be decrypted",
            CryptoError::TooLarge => "encrypted parameter decompresses beyond the size limit",
            CryptoError::Encrypt => "answer could not be encrypted",
            CryptoError::InvalidHex => "encrypted parameter is not valid hex",
        };
        write!(f, "{what} ({})", self.legacy_text())
    }
}

impl std::error::Error for CryptoError {}

/// A PEM text that holds no usable RSA key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(&'static str);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for KeyError {}

/// Reads the bridge's public key: `-----BEGIN PUBLIC KEY-----` (SPKI, what
/// `bridge.php` ships) or `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
/// Text around the PEM block, CRLF line ends, indentation and any line width
/// are accepted, since the text is cut out of a PHP source file.
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, KeyError> {
    let (label, der) = pem_block(pem)?;
    let key = match label {
        "PUBLIC KEY" => RsaPublicKey::from_public_key_der(&der).ok(),
        "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_der(&der).ok(),
        _ => return Err(KeyError("PEM block is not an RSA public key")),
    };
    key.ok_or(KeyError("malformed RSA public key"))
}

/// Reads an unencrypted private key, `-----BEGIN PRIVATE KEY-----` (PKCS#8)
/// or `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1), for the gateway-side tools.
pub fn private_key_from_pem(pem: &str) -> Result<RsaPrivateKey, KeyError> {
    let (label, der) = pem_block(pem)?;
    let key = match label {
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_der(&der).ok(),
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&der).ok(),
        _ => return Err(KeyError("PEM block is not an unencrypted RSA private key")),
    };
    key.ok_or(KeyError("malformed RSA private key"))
}

/// The label and DER bytes of the first PEM block in `text`.
fn pem_block(text: &str) -> Result<(&str, Vec<u8>), KeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = text.find(BEGIN).ok_or(KeyError("no PEM block"))? + BEGIN.len();
    let label_len = text[start..]
        .find(DASHES)
        .ok_or(KeyError("unterminated PEM header"))?;
    let label = &text[start..start + label_len];
    let body_start = start + label_len + DASHES.len();
    let end_marker = format!("-----END {label}-----");
    let body_len = text[body_start..]
        .find(&end_marker)
        .ok_or(KeyError("PEM block has no matching END line"))?;
    let body = &text[body_start..body_start + body_len];
    if body.contains(':') {
        return Err(KeyError("encrypted PEM blocks are not supported"));
    }
    let der = php_base64_decode(body.as_bytes());
    if der.is_empty() {
        return Err(KeyError("empty PEM block"));
    }
    Ok((label, der))
}

/// G209 answer: `{"encryptedKey":"…","iv":"…","data":"…"}` exactly as PHP's
/// `json_encode` writes it (no spaces, `/` escaped as `\/`).
pub fn encrypt_response(key: &RsaPublicKey, payload: &[u8]) -> Result<String, CryptoError> {
    seal(payload, |aes_key| oaep_encrypt(key, aes_key))
}

/// G209 request parameter → plaintext. `max_len` bounds the decompressed
/// size so that a small request cannot expand into gigabytes.
pub fn decrypt_request(
    key: &RsaPublicKey,
    envelope: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, CryptoError> {
    open(envelope, max_len, |wrapped| {
        public_decrypt_type1(key, wrapped)
    })
}

/// G209 request as the gateway builds it (AES key wrapped with type-1
/// padding and the private key). For tests and tools.
pub fn encrypt_request(key: &RsaPrivateKey, payload: &[u8]) -> Result<String, CryptoError> {
    seal(payload, |aes_key| private_encrypt_type1(key, aes_key))
}

/// Opens a G209 answer with the private key. For tests and tools.
pub fn decrypt_response(
    key: &RsaPrivateKey,
    envelope: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, CryptoError> {
    open(envelope, max_len, |wrapped| oaep_decrypt(key, wrapped))
}

/// WP167 answer: the zlib stream cut into pieces of (key size − 42) bytes
/// (214 for the 2048-bit keys the bridges ship), each RSA-OAEP(SHA-1)
/// encrypted, the blocks concatenated and hex-encoded in lowercase.
pub fn encrypt_response_chunked(key: &RsaPublicKey, payload: &[u8]) -> Result<String, CryptoError> {
    let piece = key
        .size()
        .checked_sub(OAEP_SHA1_OVERHEAD)
        .filter(|&n| n > 0)
        .ok_or(CryptoError::Encrypt)?;
    seal_chunked(payload, piece, |chunk| oaep_encrypt(key, chunk))
}

/// WP167 request parameter → plaintext.
pub fn decrypt_request_chunked(
    key: &RsaPublicKey,
    hex: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, CryptoError> {
    open_chunked(hex, key.size(), max_len, |block| {
        public_decrypt_type1(key, block)
    })
}

/// WP167 request as the gateway builds it: pieces of (key size − 11) bytes,
/// each with type-1 padding and the private key. For tests and tools.
pub fn encrypt_request_chunked(key: &RsaPrivateKey, payload: &[u8]) -> Result<String, CryptoError> {
    let piece = key.size().saturating_sub(PKCS1_OVERHEAD).max(1);
    seal_chunked(payload, piece, |chunk| private_encrypt_type1(key, chunk))
}

/// Opens a WP167 answer with the private key. For tests and tools.
pub fn decrypt_response_chunked(
    key: &RsaPrivateKey,
    hex: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, CryptoError> {
    open_chunked(hex, key.size(), max_len, |block| oaep_decrypt(key, block))
}

/// Compress, encrypt with a fresh AES key and IV, wrap the key, build JSON.
fn seal(
    payload: &[u8],
    wrap_key: impl FnOnce(&[u8]) -> Result<Vec<u8>, CryptoError>,
) -> Result<String, CryptoError> {
    let mut secret = [0u8; AES_KEY_LEN + AES_IV_LEN];
    getrandom::fill(&mut secret).map_err(|_| CryptoError::Encrypt)?;
    let (aes_key, iv) = secret.split_at(AES_KEY_LEN);
    let data = aes_encrypt(aes_key, iv, &gzcompress(payload)?);
    let wrapped = wrap_key(aes_key)?;
    Ok(format!(
        r#"{{"encryptedKey":"{}","iv":"{}","data":"{}"}}"#,
        json_base64(&wrapped),
        json_base64(iv),
        json_base64(&data),
    ))
}

/// PHP's `json_encode` escapes `/`; base64 has no other character it escapes.
fn json_base64(bytes: &[u8]) -> String {
    php_base64_encode(bytes).replace('/', "\\/")
}

fn open(
    envelope: &[u8],
    max_len: usize,
    unwrap_key: impl FnOnce(&[u8]) -> Result<Vec<u8>, CryptoError>,
) -> Result<Vec<u8>, CryptoError> {
    let envelope = Envelope::parse(envelope)?;
    let aes_key = unwrap_key(&envelope.encrypted_key)?;
    let compressed = aes_decrypt(&aes_key, &envelope.iv, &envelope.data)?;
    gzuncompress(&compressed, max_len)
}

/// A G209 envelope opened with its AES key given rather than unwrapped:
/// lets the fuzz target reach the AES and zlib layers with any bytes
/// without paying for an RSA operation per input.
#[cfg(fuzzing)]
pub fn open_with_aes_key(
    envelope: &[u8],
    aes_key: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, CryptoError> {
    open(envelope, max_len, |_| Ok(aes_key.to_vec()))
}

/// The decoded fields of a G209 envelope.
struct Envelope {
    encrypted_key: Vec<u8>,
    iv: Vec<u8>,
    data: Vec<u8>,
}

impl Envelope {
    /// `encryptedKey` and `iv` must be present (else ERROR_PARSE_DECRYPT);
    /// a missing `data` only makes AES fail later, as it does in PHP.
    /// Non-string fields count as missing [unverified: PHP would stringify
    /// a number, which then fails to decrypt anyway].
    fn parse(text: &[u8]) -> Result<Envelope, CryptoError> {
        let json: serde_json::Value =
            serde_json::from_slice(text).map_err(|_| CryptoError::ParseDecrypt)?;
        let field = |name: &str| {
            json.get(name)
                .and_then(serde_json::Value::as_str)
                .map(|s| php_base64_decode(s.as_bytes()))
        };
        Ok(Envelope {
            encrypted_key: field("encryptedKey").ok_or(CryptoError::ParseDecrypt)?,
            iv: field("iv").ok_or(CryptoError::ParseDecrypt)?,
            data: field("data").unwrap_or_default(),
        })
    }
}

fn seal_chunked(
    payload: &[u8],
    piece: usize,
    mut encrypt: impl FnMut(&[u8]) -> Result<Vec<u8>, CryptoError>,
) -> Result<String, CryptoError> {
    let compressed = gzcompress(payload)?;
    let mut hex = String::new();
    for chunk in compressed.chunks(piece) {
        push_hex(&mut hex, &encrypt(chunk)?);
    }
    Ok(hex)
}

fn open_chunked(
    hex: &[u8],
    block_len: usize,
    max_len: usize,
    mut decrypt: impl FnMut(&[u8]) -> Result<Vec<u8>, CryptoError>,
) -> Result<Vec<u8>, CryptoError> {
    let blocks = php_hex2bin(hex).ok_or(CryptoError::InvalidHex)?;
    // PHP's empty() is also true for the string "0", so one byte 0x30 is
    // rejected as invalid hex too.
    if blocks.is_empty() || blocks == b"0" {
        return Err(CryptoError::InvalidHex);
    }
    let mut compressed = Vec::with_capacity(blocks.len());
    for block in blocks.chunks(block_len.max(1)) {
        compressed.extend_from_slice(&decrypt(block)?);
    }
    gzuncompress(&compressed, max_len)
}

/// Raw `c^e mod n`, then strip `00 01 FF…FF 00` (at least eight `FF`), as
/// OpenSSL's public decrypt does. A block shorter than the modulus is taken
/// as a smaller number, like OpenSSL does, rather than rejected.
fn public_decrypt_type1(key: &RsaPublicKey, block: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let k = key.size();
    if block.len() > k {
        return Err(CryptoError::Decrypt);
    }
    let c = BigUint::from_bytes_be(block);
    if &c >= key.n() {
        return Err(CryptoError::Decrypt);
    }
    let m = c.modpow(key.e(), key.n()).to_bytes_be();
    let mut em = vec![0u8; k - m.len()];
    em.extend_from_slice(&m);
    strip_type1(&em).map(<[u8]>::to_vec)
}

fn strip_type1(em: &[u8]) -> Result<&[u8], CryptoError> {
    let rest = em.strip_prefix(&[0x00, 0x01]).ok_or(CryptoError::Decrypt)?;
    let pad_len = rest
        .iter()
        .position(|&b| b != 0xFF)
        .ok_or(CryptoError::Decrypt)?;
    if pad_len < 8 || rest[pad_len] != 0x00 {
        return Err(CryptoError::Decrypt);
    }
    Ok(&rest[pad_len + 1..])
}

/// Type-1 padding plus the raw private-key operation, i.e. OpenSSL's
/// `RSA_private_encrypt`; this is an unprefixed PKCS#1 v1.5 signature.
fn private_encrypt_type1(key: &RsaPrivateKey, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
    key.sign_with_rng(&mut OsRandom, Pkcs1v15Sign::new_unprefixed(), msg)
        .map_err(|_| CryptoError::Encrypt)
}

/// OpenSSL's default OAEP: SHA-1, MGF1-SHA-1, empty label.
fn oaep_encrypt(key: &RsaPublicKey, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
    key.encrypt(&mut OsRandom, Oaep::new::<Sha1>(), msg)
        .map_err(|_| CryptoError::Encrypt)
}

fn oaep_decrypt(key: &RsaPrivateKey, block: &[u8]) -> Result<Vec<u8>, CryptoError> {
    key.decrypt_blinded(&mut OsRandom, Oaep::new::<Sha1>(), block)
        .map_err(|_| CryptoError::Decrypt)
}

type Aes256CbcEnc = cbc::Encryptor<Aes256>;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

/// AES-256-CBC with PKCS#7 padding; `key` and `iv` have their exact sizes.
fn aes_encrypt(key: &[u8], iv: &[u8], plain: &[u8]) -> Vec<u8> {
    let padded_len = (plain.len() / AES_IV_LEN + 1) * AES_IV_LEN;
    let mut buf = vec![0u8; padded_len];
    buf[..plain.len()].copy_from_slice(plain);
    let cipher = Aes256CbcEnc::new(key.into(), iv.into());
    let written = cipher
        .encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
        .map(|ct| ct.len())
        .unwrap_or(0);
    // The buffer always has room for the padding, so `written` is its size.
    buf.truncate(written);
    buf
}

/// AES-256-CBC decryption with PHP's key and IV sizing (NUL-padded or cut).
fn aes_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = php_sized::<AES_KEY_LEN>(key);
    let iv = php_sized::<AES_IV_LEN>(iv);
    let mut buf = data.to_vec();
    let cipher = Aes256CbcDec::new(&key.into(), &iv.into());
    let len = cipher
        .decrypt_padded_mut::<Pkcs7>(&mut buf)
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

fn php_sized<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = bytes.len().min(N);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// PHP's `gzcompress` at its default level: a zlib (RFC 1950) stream.
fn gzcompress(payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let out = Vec::with_capacity(payload.len() / 2 + 64);
    let mut encoder = ZlibEncoder::new(out, Compression::default());
    encoder
        .write_all(payload)
        .map_err(|_| CryptoError::Encrypt)?;
    encoder.finish().map_err(|_| CryptoError::Encrypt)
}

/// PHP's `gzuncompress`: one zlib stream, checksum verified, trailing bytes
/// ignored; never more than `max_len` bytes of output.
fn gzuncompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, CryptoError> {
    let mut inflater = Decompress::new(true);
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).clamp(64, max_len.max(64)));
    loop {
        if out.len() > max_len {
            return Err(CryptoError::TooLarge);
        }
        if out.len() == out.capacity() {
            // Never grow past one byte over the limit: that byte is enough
            // to tell an oversized stream from one that fits exactly.
            let headroom = max_len.saturating_add(1) - out.len();
            let room = out.len().clamp(4096, 1 << 24).min(headroom);
            out.reserve_exact(room);
        }
        let (read, written) = (inflater.total_in(), inflater.total_out());
        let rest = data.get(read as usize..).unwrap_or_default();
        // Not `Finish`: with it the Rust backend wants the whole output in
        // one call and fails on a stream larger than the buffer.
        let status = inflater
            .decompress_vec(rest, &mut out, FlushDecompress::None)
            .map_err(|_| CryptoError::Decrypt)?;
        if status == Status::StreamEnd {
            break;
        }
        if inflater.total_in() == read && inflater.total_out() == written {
            // No progress with room to write: the stream is cut short.
            return Err(CryptoError::Decrypt);
        }
    }
    if out.len() > max_len {
        return Err(CryptoError::TooLarge);
    }
    Ok(out)
}

/// PHP's `hex2bin`: an even number of hex digits of either case, else `None`.
fn php_hex2bin(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks_exact(2)
        .map(|pair| Some(hex_digit(pair[0])? << 4 | hex_digit(pair[1])?))
        .collect()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// PHP's `bin2hex`: lowercase.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
}

/// The operating system's random source in the shape the `rsa` crate wants.
///
/// OAEP and blinding draw through the infallible `fill_bytes`, so a failing
/// source can only panic there; in practice it cannot fail at that point,
/// because `seal` has already drawn the AES key from it successfully.
struct OsRandom;

const RNG_FAILED: NonZeroU32 = match NonZeroU32::new(rand_core::Error::CUSTOM_START) {
    Some(code) => code,
    None => NonZeroU32::MIN,
};

impl RngCore for OsRandom {
    fn next_u32(&mut self) -> u32 {
        let mut buf = [0u8; 4];
        self.fill_bytes(&mut buf);
        u32::from_le_bytes(buf)
    }

    fn next_u64(&mut self) -> u64 {
        let mut buf = [0u8; 8];
        self.fill_bytes(&mut buf);
        u64::from_le_bytes(buf)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if let Err(err) = getrandom::fill(dest) {
            panic!("operating system random source failed: {err}");
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        getrandom::fill(dest).map_err(|err| {
            // rand_core 0.6 carries only a code without `std`; keep the OS
            // error number when there is one.
            let code = err
                .raw_os_error()
                .and_then(|c| u32::try_from(c).ok())
                .and_then(NonZeroU32::new)
                .unwrap_or(RNG_FAILED);
            rand_core::Error::from(code)
        })
    }
}

impl CryptoRng for OsRandom {}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::EncodePrivateKey;
    use sha1::Digest;
    use std::sync::OnceLock;

    const LIMIT: usize = 1 << 20;
    const SMALL: &[u8] = br#"a:4:{s:3:"res";b:1;s:13:"fetchedFields";a:0:{}s:8:"insertId";s:1:"5";s:12:"affectedRows";i:1;}"#;

    /// Throw-away test key (2048 bits, e = 65537): its primes, in hex.
    const TEST_KEY_P: &str = concat!(
        "f55b37a5456571ae3584e94c8aebab1f671d382e79129cd266d79fd5b58ac6a18731150811308fc41f63247da1",
        "b7188e615c716fbc031a4666dc5402cdc71e0f481627faff475804d94648bb4d04dfbe0f590f8d19d9a7d7caaf",
        "c02230d589bdaa30d19eb94de2165029a97e8ad8977fe9d142f94afe9ef366846c6bd73b88ab",
    );

    const TEST_KEY_Q: &str = concat!(
        "c6797c2309907577edc4cf48ab4e04b4525e0e02f82a8f18b8f596bdae930cc4509abc8b58cc0316033839d768",
        "52c78c7915815af9136a9ceead503df1e1d13b0760a8225318f7d4454dd67e399a00eacdc4d4240ca56a94a06b",
        "7b1aa3234a7c822f174575ea048159926a5eb9d54ae2949abbcbaa2d103725e638ca29287751",
    );

    const TEST_KEY_SPKI_PEM: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvjj8IORhlO7Wyhif32Yv\n\
4VIWowz8jSFdGeMfWJ7nPxqm5xS65aJc55lyqfYWw09PbqKZKrvUC+ZW1UAR5sCh\n\
i+bIEd1WbO/7o64AK3V2TNwZ4D5C4YPjVwQGZP+4jNT3XU7m5NO+iKhrWkdxNrwH\n\
F/yHCtJL/f6s7iFPHulVEm/FPz0vsvVH0SFkOXjTWfk717A0evX7Uhuptvm435DM\n\
k7v9w7FD8WRyjRHQ8+Kp5gZy09suTgJvQjkz5hu6zJ+YdN+7b2XBuwbLhU7Bvt0S\n\
Mb5rplfRHS3aKJMkFsYZVpPNAFNeglPV93Gx9MDxUwvttoEqjE1+1OCQH9hKhBW7\n\
GwIDAQAB\n\
-----END PUBLIC KEY-----\n\
";
    const TEST_KEY_PKCS1_PEM: &str = "\
-----BEGIN RSA PUBLIC KEY-----\n\
MIIBCgKCAQEAvjj8IORhlO7Wyhif32Yv4VIWowz8jSFdGeMfWJ7nPxqm5xS65aJc\n\
55lyqfYWw09PbqKZKrvUC+ZW1UAR5sChi+bIEd1WbO/7o64AK3V2TNwZ4D5C4YPj\n\
VwQGZP+4jNT3XU7m5NO+iKhrWkdxNrwHF/yHCtJL/f6s7iFPHulVEm/FPz0vsvVH\n\
0SFkOXjTWfk717A0evX7Uhuptvm435DMk7v9w7FD8WRyjRHQ8+Kp5gZy09suTgJv\n\
Qjkz5hu6zJ+YdN+7b2XBuwbLhU7Bvt0SMb5rplfRHS3aKJMkFsYZVpPNAFNeglPV\n\
93Gx9MDxUwvttoEqjE1+1OCQH9hKhBW7GwIDAQAB\n\
-----END RSA PUBLIC KEY-----\n\
";
    /// Built by PHP 8.2: gzcompress, openssl_encrypt aes-256-cbc, openssl_public_encrypt OAEP, json_encode.
    const PHP_G209_RESPONSE: &str = concat!(
        r#"{"encryptedKey":"nWDjR+GN26N61d6h4cRm4ZofqSfStK6cy7\/YrUhT1tXyh4bPSLjn4eMRY+bf+jv86GBcgUWg"#,
        r#"af\/2Jd7xmaHu2qY3SGVViWJRdy83hXsnuUyj\/9j\/lPs55ljAg9pGiNU9dhnBSyqgrHf8DLeReuNT9tMZ37ST9TM"#,
        r#"Xz1quFG6dlWVoFsjS0ouQFc4uywbt\/QItoC9+CIW+cc+jzWenZJoHbjp3CD2FB98GUJ8qzSlc+cq+a2VXJhBQdsU7"#,
        r#"ApCZRmqCKhzqx6rjJz6sA2pUe4Zsmtnae9QJ9UENwrrTPh3nk44nYnd8EiIygZIxyHZC4h6NdMjJDG9Zzf\/pIqWHB"#,
        r#"AEetg==","iv":"bP0Tm74X4bzAL7RhaWfHsQ==","data":"AJk2\/bBSJRVmN\/yMoE6g+0DKLgFngxINT9psAYO"#,
        r#"0VnwN8ZKzvM7aWh1LCV\/hq1y\/iUvMKSbWeoo9OKkL84p\/BX4EWGc7bQhS+5dA3ZPtrXRaTpHXB4Ixqm29Q77E14"#,
        r#"B7"}"#,
    );

    /// Built by PHP 8.2 as the gateway would: openssl_private_encrypt (PKCS#1 type 1) of the AES key.
    const PHP_G209_REQUEST: &str = concat!(
        r#"{"encryptedKey":"NgqdgJYUQ2zNfRBZuPGSqVsc3JCRVO9WYqaSX6Yw59K6+dvZ75ICGsGCrDViE5ACkL89EhD74"#,
        r#"XnnhGje5BCwRxYjoXkOPHanO8ZsY6bL9W6af1g2Be7j1KDRuTKVaotV4g\/Acwcy1umwf5XnIzQ6ZVV6BNr8g0dkAd"#,
        r#"YHP2Ic1lYFIUz7hN2B1OKCibpBAta5zikSUkq6302x+0wzWuuPlqV+TrlISJgZsVlDv\/GKy4cdeA7HZVjOYXLhkZi"#,
        r#"3532s9lBBPXK8TNayI9xb\/jn7Ygqp27RyDlOu4x4Em7TqfGPW+otYSdYtiCfaVHnoMATnCMzqQYGeKsrpDPWhNkM6"#,
        r#"yA==","iv":"zkNO4ixQCSOhu\/1vkMdbNA==","data":"1uZRzXvI76qfrOUK6e3mWSge7TUXacaCc\/oGzhNIa1"#,
        r#"y\/4DflBsjTpHxzVzE0vjBgvJXMEihKSNoOg7XElGo4aDuuqW8hXl2I8sCBWXQjXYdHJcc+HsHKCTpA7rLo8PGA"}"#,
    );

    /// As above, but the wrapped key began with 00 and was cut to 255 bytes;
    /// PHP's openssl_public_decrypt still opens it.
    const PHP_G209_REQUEST_SHORT_KEY: &str = concat!(
        r#"{"encryptedKey":"ERNLrry6plhy4PGkyknrlyYX+dGXYHFQ9hJ3NUMOMArpMM\/b20IjvA4FfKsXNpFMXJsMdYz1"#,
        r#"OtktOEZi1f3zRs2Bx2FhKFRDQALt5v9h5B+yGnjwP+FNcljJw2qmSt4CP2R0YyAV8qHTuH\/1MpvyCyPcA3o68vIPu"#,
        r#"Mu0TC3PklrbIdQCjkJaZjm7xXp8BaJSBMTjWH+tBP6z6V+hhHYjLWJxdNgf2ldHcyALq\/9KeQ8YmgIQUP3lBfZOqz"#,
        r#"ySuRrO4Dws7y5qdOkhUbQtcj5FgWBXiGCiTgJVR9rH7ykb4KqHJYbd7sLjl277tkscSmgsv0U0+RHTsiZo0MItYMiy"#,
        r#"","iv":"vnSfGwlzfih+veR3nAPgLQ==","data":"9wChAECBoDQhi2R0pQpWC5gkM1fcX7q\/h8iDGilfDxzbKBH"#,
        r#"y9iQw4hZf+Zkq+J4Fryp9kJoKMMI1zZ17px3MXV8N1\/M+jPPciQBqFOgvl9FuPyAZ9XwGnjYvcSqv1mmh"}"#,
    );

    /// Built by PHP 8.2: gzcompress, 214-byte pieces, openssl_public_encrypt OAEP, bin2hex.
    const PHP_WP167_RESPONSE: &str = concat!(
        "8c2a8953ad5fc23cb5713c0452224005591397167a56e99b24907925aaf7bb58164ef9ddd1833acb3f04c1179a07e4a1",
        "5cf3265a6eefa997d0d52eb1401c5a9dca40b2b846bdad37baaa5b6ae4fafb1fb40e934a12dba5cf9bd78a24efb1ae60",
        "27790ada0e13deae02eecc6c248144ae44a80a15160c486573dc829014078a0a0e74454b41d720135e4113670650c92a",
        "e7e7624ed5a1f9da17d5071976c45d7071ee8d481c8d57012cb6e0a99136b650711f21d369e2a8aa39fa3a87d2079285",
        "346a1e645d051f08704aeea16717649416e88e44a678b69d67dce3a08acbccd14b9b7c945c26a88728d11521e69628fc",
        "238f6580e6bf85d14be606481c52609f0ebf535ebbdd05087110336445e0c8525f8b1af2f1ee9a63fed4a72dc256c1e2",
        "85598ff0c078a9a32ad04eaed9478e9e330c938acf64c65d5be68d126295976205afc9f108fbc470082e480c4850ca6d",
        "7fad8a2be8b808a762cd0b3571222a89c326709a5ee52edd347e54b2d70a037ebafa5d812f83e912f0d059be70852c10",
        "b65b5ebb5d73143d538d86d291ec20cc863b1eeaa1e53e3e4f77f2577a3f740493c0365758c54edd2848452eae5812d7",
        "78eb9671c68019c95496bc133337194e59bb13834008d6176f03bfa7a63abf1146e5d27ef7d1538551df22c1de4de3d7",
        "a770a776040793a89e4a0be0047cc081826bda299c1a26ec1b48c54fa61f287d8d5a85dae9c4715c444922b8e685d5af",
        "63e7f6be347cdac9bdb1e33e269ab05fbaaf070890fa0c9044c6bf5d6772855aa75a951cf35164f99d35aa12bcb3fa5e",
        "5c2edcae64c9a3522715bfc662fded440bdce59d9266d01e6e75f4a1f00d2e82c0e10610730b41bc2723444f07cd525e",
        "8d60a74ae0ca3a4a69d907277a66a0a0f1af250cbbec6358c29f633a9b454d70ea7a751b5e7d39c4a5c0a11257e5df50",
        "91e1ed2c9d7e95fdc890212e6c45ce30c8a8969fd11a3955780d04e058ba36d561bb713fc9c66cc51b05217e802bbf9d",
        "8a7bc150267a0f5d68216cae4333de016e56ef49f44c15d445c3d026247db47d4f79dce930befb9373c35f9824407b09",
        "26dc8939d5a11bd90229faa15d921ee750f720b176e9089784e56880c4e35b0e71f24c38c26b25e073c07e32b9955577",
        "0c8769dbf37c8dc0b5e808e923698667f4e67d2d82dd7451e25abb857b21e7228d94143d13f6cd5fceaa08c612ffc37b",
        "2c4e65a36c3d03fe55b5bb45edc163ea8a6d3ee67e30f245eea5a6435ae0579d8d26644cbb464c03edc84502185904d4",
        "9ff92b1fedcb44726b3de1dd0a9bb3d8d05b1122e1b4f25ae892e64e37669f1bf01c29c3d85df2d4528a76d266941fa3",
        "848bd79ac2543c8466fb551213fcd352539910a2d3e3f702dc967fb58a34bb341bd352512b41a21af4a4c114dbb10807",
        "729bad647fc5f824a9c7a588ea637c5d",
    );

    /// Built by PHP 8.2: gzcompress, 245-byte pieces, openssl_private_encrypt, bin2hex.
    const PHP_WP167_REQUEST: &str = concat!(
        "489cb7104f78c969f0872b3274800a3fa9f0be6698f4d6f592796bd054845993cd9e2e9628ae67a0167b43c2849b2131",
        "b9cd29f4bb27d7997e318db93f1e26140c9e1663e46587d3f39ff41b61165e72990b08497719f9689f11830e2aa46dd0",
        "de5e7de9ec00065e79cc17e3799104662668853636e0eb28324f3280d924e1f732bdd2408c86eb96e4060a8cb7287d9a",
        "5bc176d9e32a24b2490273078de7a8d73dadaae02690320a2e47db7a5d55fb3325d605f976a88763649c3d39b97ae9e9",
        "e0e6f13baec851104564476f4ef9d33e68a8cc6e46517a442393ce45663ec45b500336b1f210033e734853ebdb6b0944",
        "bf2a0a4c002432f85f3965ca20f05dc39e9e1e4e03b157da49bce11d73c04a7402940962482b1eaa997cdb6f4e355724",
        "28494cf108e1abd3517c11b55091b8ad5370a4d851133869c1a0ffe5084cae956dcd7f0b1b492dbb662fd8aa698ce156",
        "ecc56db48ceec759d0c9b6c8bf5bcd7a628ae5d24d8ecaef52b1d8e6e47adb5500c8bfea5cb996bbe90bd10eca105d8b",
        "6e75fe7c792e479317db40e0521b5ecdb8e9a177df08ddfaef24d2db29f064d8d716f809710368df0bd82fcbe083f4fa",
        "797cf15a94523477f817bdd47a8244718b7435694be0b6273acd8684a33f0f597bf0682eda56ea7837b6c67d5d7ac89e",
        "3f665dc31c32a6f8d0ee1c5658c173328ac1664f0329f382286ef88be79b6ffa4248fac1217a9c964ba4a007e1a169f6",
        "72ab785bb1ac1eb92ac995d65981b870ae4d51cca37747b2481b233043af5d7d136ee78f2013d3d6f02652f6b188b333",
        "43a20ae4426caf86b36816fad5af909e2a0bb9889ac53ba177def05bc9e92de330d6f116065208364462efdaa7b1df70",
        "d715918685584c3711ac4f4833e05f1725d7d28b0b1e6209b727da9a467e869a9f507ef325351f643a24f4da48c8fba1",
        "abd2f05babc51a4e6471bab802d2828af65daed88e9eef9a763ce127e6cc054b22d2daebd2595d4cff2ef4f667c9ff25",
        "1311c722c21158576e7de7fb9d94ece93c29a7818edb5962c9114c0556b257f1712f8c3c52c6f77a82be0b59ce79fdcb",
        "38e6004ba78dc6fa9ac2171356f4953f49ec0f8146982b07fb13933e8b0b8b1060a36c61440cae2e1c5299a4127341ed",
        "7fdcc9c9ac830bdfddce5b6d5b6f607b1e87d366847f4f449f5496541c544c8039cfd5c990327cc0b5bc1013a6774712",
        "ccd0ff0ef81ed502b3a6ed1310668bf79d878577e84ed0e6cf6b717f9cc95c4769d3e11dff31f76c85604a1c2b83a32a",
        "e8d7b9ea35eba9c1f17ff85a97862dc84675b29d1bf659d15f39e500a5cd785a01fec6f79c1c794a9b6be1574f2cf502",
        "f492ef5e1696637dac0b12fe685d1908c3b4f10c62158cb44644ddd9d6e38fd5d13d942039079a588b8e58056fa9ff4f",
        "07ccca67aad5f8c79f658953ddcd60d2",
    );

    /// The 2048-bit throw-away key the PHP vectors were made with.
    fn test_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let prime = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
            let e = BigUint::from(65537u32);
            RsaPrivateKey::from_p_q(prime(TEST_KEY_P), prime(TEST_KEY_Q), e).unwrap()
        })
    }

    fn test_public() -> RsaPublicKey {
        public_key_from_pem(TEST_KEY_SPKI_PEM).unwrap()
    }

    /// A key generated here and now. 1024 bits because generating 2048 bits
    /// takes many seconds in a debug build; the fixed key covers 2048 bits.
    fn fresh_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut OsRandom, 1024).unwrap())
    }

    /// 20 × `count` bytes that do not compress: SHA-1 of "0", "1", …
    fn incompressible(count: usize) -> Vec<u8> {
        (0..count)
            .flat_map(|i| sha1::Sha1::digest(i.to_string().as_bytes()))
            .collect()
    }

    #[test]
    fn php_built_envelopes_open() {
        let (sk, pk) = (test_key(), test_public());
        let big = incompressible(40);
        let g209_response = decrypt_response(sk, PHP_G209_RESPONSE.as_bytes(), LIMIT);
        assert_eq!(g209_response.unwrap(), SMALL);
        assert_eq!(
            decrypt_request(&pk, PHP_G209_REQUEST.as_bytes(), LIMIT).unwrap(),
            SMALL
        );
        let short = decrypt_request(&pk, PHP_G209_REQUEST_SHORT_KEY.as_bytes(), LIMIT);
        assert_eq!(short.unwrap(), SMALL);
        let wp167_response = decrypt_response_chunked(sk, PHP_WP167_RESPONSE.as_bytes(), LIMIT);
        assert_eq!(wp167_response.unwrap(), big);
        let wp167_request = decrypt_request_chunked(&pk, PHP_WP167_REQUEST.as_bytes(), LIMIT);
        assert_eq!(wp167_request.unwrap(), big);
    }

    // The other direction was checked with PHP 8.2 while writing this module:
    // PHP opened this module's G209 response (openssl_private_decrypt OAEP +
    // openssl_decrypt + gzuncompress), its G209 request (openssl_public_decrypt
    // + openssl_decrypt + gzuncompress), and both chunked forms with the
    // same functions; json_encode(json_decode(envelope)) gave back the
    // envelope unchanged.

    fn payloads() -> Vec<Vec<u8>> {
        let text: Vec<u8> = SMALL.iter().copied().cycle().take(200_000).collect();
        vec![
            Vec::new(),
            b"x".to_vec(),
            SMALL.to_vec(),
            incompressible(60),
            text,
        ]
    }

    #[test]
    fn g209_round_trips() {
        let (sk, pk) = (test_key(), test_public());
        for payload in payloads() {
            let response = encrypt_response(&pk, &payload).unwrap();
            assert_eq!(
                decrypt_response(sk, response.as_bytes(), LIMIT).unwrap(),
                payload
            );
            let request = encrypt_request(sk, &payload).unwrap();
            assert_eq!(
                decrypt_request(&pk, request.as_bytes(), LIMIT).unwrap(),
                payload
            );
        }
    }

    #[test]
    fn wp167_round_trips() {
        let (sk, pk) = (test_key(), test_public());
        for payload in payloads() {
            let response = encrypt_response_chunked(&pk, &payload).unwrap();
            let opened = decrypt_response_chunked(sk, response.as_bytes(), LIMIT);
            assert_eq!(opened.unwrap(), payload);
            let request = encrypt_request_chunked(sk, &payload).unwrap();
            let opened = decrypt_request_chunked(&pk, request.as_bytes(), LIMIT);
            assert_eq!(opened.unwrap(), payload);
            let upper = request.to_ascii_uppercase();
            let opened = decrypt_request_chunked(&pk, upper.as_bytes(), LIMIT);
            assert_eq!(opened.unwrap(), payload, "hex2bin accepts upper case");
        }
    }

    #[test]
    fn envelope_is_laid_out_like_php_json_encode() {
        let envelope = encrypt_response(&test_public(), &incompressible(50)).unwrap();
        let rest = envelope.strip_prefix(r#"{"encryptedKey":""#).unwrap();
        let (key, rest) = rest.split_once(r#"","iv":""#).unwrap();
        let (iv, rest) = rest.split_once(r#"","data":""#).unwrap();
        let data = rest.strip_suffix(r#""}"#).unwrap();
        for field in [key, iv, data] {
            assert!(
                !field.replace("\\/", "").contains(['/', '\\', '"']),
                "{field}"
            );
            let plain = field.replace("\\/", "/");
            assert_eq!(
                php_base64_encode(&php_base64_decode(plain.as_bytes())),
                plain
            );
        }
        let decoded = |f: &str| php_base64_decode(f.replace("\\/", "/").as_bytes());
        assert_eq!(decoded(key).len(), 256);
        assert_eq!(decoded(iv).len(), 16);
        assert_eq!(decoded(data).len() % 16, 0);
    }

    #[test]
    fn chunked_answer_is_lowercase_hex_of_whole_blocks() {
        let payload = incompressible(60);
        let pieces = gzcompress(&payload).unwrap().len().div_ceil(214);
        assert!(pieces >= 6);
        let hex = encrypt_response_chunked(&test_public(), &payload).unwrap();
        assert_eq!(hex.len(), pieces * 256 * 2);
        assert!(hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    }

    #[test]
    fn chunk_sizes_follow_the_key_size() {
        let sk = fresh_key();
        let pk = sk.to_public_key();
        assert_eq!(pk.size(), 128);
        let payload = incompressible(30);
        let pieces = gzcompress(&payload).unwrap().len().div_ceil(128 - 42);
        let response = encrypt_response_chunked(&pk, &payload).unwrap();
        assert_eq!(response.len(), pieces * 128 * 2);
        let opened = decrypt_response_chunked(sk, response.as_bytes(), LIMIT);
        assert_eq!(opened.unwrap(), payload);
        let request = encrypt_request_chunked(sk, &payload).unwrap();
        assert_eq!(request.len() % 256, 0);
        let opened = decrypt_request_chunked(&pk, request.as_bytes(), LIMIT);
        assert_eq!(opened.unwrap(), payload);
        let request = encrypt_request(sk, &payload).unwrap();
        assert_eq!(
            decrypt_request(&pk, request.as_bytes(), LIMIT).unwrap(),
            payload
        );
    }

    fn envelope(key: &[u8], iv: &[u8], data: &[u8]) -> String {
        format!(
            r#"{{"encryptedKey":"{}","iv":"{}","data":"{}"}}"#,
            php_base64_encode(key),
            php_base64_encode(iv),
            php_base64_encode(data)
        )
    }

    fn fields(text: &str) -> [Vec<u8>; 3] {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        ["encryptedKey", "iv", "data"]
            .map(|f| php_base64_decode(json[f].as_str().unwrap().as_bytes()))
    }

    #[test]
    fn tampered_requests_fail_cleanly() {
        let (sk, pk) = (test_key(), test_public());
        let [key, iv, data] = fields(&encrypt_request(sk, SMALL).unwrap());
        for i in 0..data.len() {
            let mut bad = data.clone();
            bad[i] ^= 0x01;
            let result = decrypt_request(&pk, envelope(&key, &iv, &bad).as_bytes(), LIMIT);
            assert_eq!(result, Err(CryptoError::Decrypt), "data byte {i}");
        }
        for i in [0, 1, 100, 255] {
            let mut bad = key.clone();
            bad[i] ^= 0x80;
            let result = decrypt_request(&pk, envelope(&bad, &iv, &data).as_bytes(), LIMIT);
            assert_eq!(result, Err(CryptoError::Decrypt), "key byte {i}");
        }
        let mut bad_iv = iv.clone();
        bad_iv[0] ^= 0x01;
        let result = decrypt_request(&pk, envelope(&key, &bad_iv, &data).as_bytes(), LIMIT);
        assert_eq!(result, Err(CryptoError::Decrypt));
        let truncated = &data[..data.len() - 16];
        let result = decrypt_request(&pk, envelope(&key, &iv, truncated).as_bytes(), LIMIT);
        assert_eq!(result, Err(CryptoError::Decrypt));
        let too_long = [key.as_slice(), &[0]].concat();
        let result = decrypt_request(&pk, envelope(&too_long, &iv, &data).as_bytes(), LIMIT);
        assert_eq!(result, Err(CryptoError::Decrypt), "longer than the modulus");
    }

    #[test]
    fn tampered_responses_fail_cleanly() {
        let (sk, pk) = (test_key(), test_public());
        let [key, iv, data] = fields(&encrypt_response(&pk, SMALL).unwrap());
        let mut bad = data.clone();
        bad[3] ^= 0x40;
        let result = decrypt_response(sk, envelope(&key, &iv, &bad).as_bytes(), LIMIT);
        assert_eq!(result, Err(CryptoError::Decrypt));
        let mut bad = key.clone();
        bad[17] ^= 0x01;
        let result = decrypt_response(sk, envelope(&bad, &iv, &data).as_bytes(), LIMIT);
        assert_eq!(result, Err(CryptoError::Decrypt));
        let mut hex = encrypt_response_chunked(&pk, SMALL).unwrap().into_bytes();
        hex[40] = if hex[40] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            decrypt_response_chunked(sk, &hex, LIMIT),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn tampered_chunked_requests_fail_cleanly() {
        let (sk, pk) = (test_key(), test_public());
        let hex = encrypt_request_chunked(sk, &incompressible(20)).unwrap();
        for i in [0, 1, 300, 511, 512, hex.len() - 1] {
            let mut bad = hex.clone().into_bytes();
            bad[i] = if bad[i] == b'f' { b'e' } else { b'f' };
            assert_eq!(
                decrypt_request_chunked(&pk, &bad, LIMIT),
                Err(CryptoError::Decrypt),
                "{i}"
            );
        }
        let cut = &hex.as_bytes()[..hex.len() - 2];
        assert_eq!(
            decrypt_request_chunked(&pk, cut, LIMIT),
            Err(CryptoError::Decrypt)
        );
        let garbage = "ab".repeat(256);
        assert_eq!(
            decrypt_request_chunked(&pk, garbage.as_bytes(), LIMIT),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn malformed_envelopes_are_parse_errors() {
        let pk = test_public();
        let cases: &[&[u8]] = &[
            b"",
            b"not json",
            b"F9ENIFMFRWV=",
            b"[]",
            b"{}",
            b"\"text\"",
            br#"{"iv":"AAAA","data":"AAAA"}"#,
            br#"{"encryptedKey":"AAAA","data":"AAAA"}"#,
            br#"{"encryptedKey":null,"iv":"AAAA"}"#,
            br#"{"encryptedKey":"AAAA","iv":5}"#,
            b"{\"encryptedKey\":\"\xff\",\"iv\":\"AAAA\"}",
            br#"{"encryptedKey":"AAAA","iv":"AAAA""#,
        ];
        for &case in cases {
            let result = decrypt_request(&pk, case, LIMIT);
            assert_eq!(
                result,
                Err(CryptoError::ParseDecrypt),
                "{}",
                String::from_utf8_lossy(case)
            );
            let result = decrypt_response(test_key(), case, LIMIT);
            assert_eq!(result, Err(CryptoError::ParseDecrypt));
        }
        let no_data = br#"{"encryptedKey":"AAAA","iv":"AAAA"}"#;
        assert_eq!(
            decrypt_request(&pk, no_data, LIMIT),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn invalid_hex_is_its_own_error() {
        let pk = test_public();
        // "30" is the string "0", which PHP's empty() also rejects.
        for case in ["", "a", "abc", "zz", " ab", "ab ", "0x00", "30"] {
            let result = decrypt_request_chunked(&pk, case.as_bytes(), LIMIT);
            assert_eq!(result, Err(CryptoError::InvalidHex), "{case:?}");
        }
        assert_eq!(
            decrypt_request_chunked(&pk, b"00", LIMIT),
            Err(CryptoError::Decrypt)
        );
        let result = decrypt_response_chunked(test_key(), b"", LIMIT);
        assert_eq!(result, Err(CryptoError::InvalidHex));
    }

    #[test]
    fn decompression_is_capped() {
        let (sk, pk) = (test_key(), test_public());
        let zeros = vec![0u8; 1 << 20];
        let request = encrypt_request(sk, &zeros).unwrap();
        assert!(request.len() < 8 << 10, "a small request");
        let exact = decrypt_request(&pk, request.as_bytes(), zeros.len());
        assert_eq!(exact.unwrap().len(), zeros.len());
        let over = decrypt_request(&pk, request.as_bytes(), zeros.len() - 1);
        assert_eq!(over, Err(CryptoError::TooLarge));
        assert_eq!(over.unwrap_err().legacy_text(), "ERROR_DECRYPT");
        let hex = encrypt_request_chunked(sk, &zeros).unwrap();
        let over = decrypt_request_chunked(&pk, hex.as_bytes(), 1000);
        assert_eq!(over, Err(CryptoError::TooLarge));
    }

    #[test]
    fn zlib_behaves_like_gzuncompress() {
        let z = gzcompress(b"abc").unwrap();
        assert_eq!(z[..2], [0x78, 0x9C], "zlib header of the default level");
        let trailing = [z.as_slice(), b"trailing"].concat();
        assert_eq!(gzuncompress(&trailing, LIMIT).unwrap(), b"abc");
        // PHP 8.2: bin2hex(gzcompress("abc")) — zlib's own stream.
        let php = [
            0x78, 0x9c, 0x4b, 0x4c, 0x4a, 0x06, 0x00, 0x02, 0x4d, 0x01, 0x27,
        ];
        assert_eq!(gzuncompress(&php, LIMIT).unwrap(), b"abc");
        let mut bad_sum = php;
        bad_sum[10] ^= 0x01;
        assert_eq!(gzuncompress(&bad_sum, LIMIT), Err(CryptoError::Decrypt));
        assert_eq!(gzuncompress(&php[..8], LIMIT), Err(CryptoError::Decrypt));
        assert_eq!(gzuncompress(b"", LIMIT), Err(CryptoError::Decrypt));
        assert_eq!(gzuncompress(b"abc", LIMIT), Err(CryptoError::Decrypt));
        assert_eq!(gzuncompress(&gzcompress(b"").unwrap(), 0).unwrap(), b"");
    }

    #[test]
    fn type1_padding_is_checked() {
        let block = |pad: &[u8], msg: &[u8]| [pad, msg].concat();
        let ff = |n: usize| vec![0xFF; n];
        let ok = block(&[&[0, 1], ff(8).as_slice(), &[0]].concat(), b"key");
        assert_eq!(strip_type1(&ok).unwrap(), b"key");
        let empty = [&[0, 1], ff(9).as_slice(), &[0]].concat();
        assert_eq!(strip_type1(&empty).unwrap(), b"");
        let bad = [
            block(&[&[0, 1], ff(7).as_slice(), &[0]].concat(), b"key"),
            block(&[&[0, 2], ff(8).as_slice(), &[0]].concat(), b"key"),
            block(&[&[1, 1], ff(8).as_slice(), &[0]].concat(), b"key"),
            block(&[&[0, 1], ff(8).as_slice(), &[1]].concat(), b"key"),
            [&[0, 1], ff(20).as_slice()].concat(),
        ];
        for em in bad {
            assert_eq!(strip_type1(&em), Err(CryptoError::Decrypt), "{em:02x?}");
        }
    }

    #[test]
    fn aes_key_and_iv_are_sized_like_php() {
        // PHP's openssl_decrypt pads a short IV (and key) with NUL bytes and
        // cuts a long one [checked against PHP 8.2].
        let (sk, pk) = (test_key(), test_public());
        let aes_key = [7u8; 32];
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(b"iiiiiiii");
        let data = aes_encrypt(&aes_key, &iv, &gzcompress(SMALL).unwrap());
        let wrapped = private_encrypt_type1(sk, &aes_key).unwrap();
        let short_iv = envelope(&wrapped, &iv[..8], &data);
        assert_eq!(
            decrypt_request(&pk, short_iv.as_bytes(), LIMIT).unwrap(),
            SMALL
        );
        let long_iv = envelope(&wrapped, &[&iv[..], b"xx"].concat(), &data);
        assert_eq!(
            decrypt_request(&pk, long_iv.as_bytes(), LIMIT).unwrap(),
            SMALL
        );
        let long_key = private_encrypt_type1(sk, &[&aes_key[..], b"extra"].concat()).unwrap();
        let long_key = envelope(&long_key, &iv, &data);
        assert_eq!(
            decrypt_request(&pk, long_key.as_bytes(), LIMIT).unwrap(),
            SMALL
        );
    }

    #[test]
    fn escaped_and_unescaped_slashes_both_parse() {
        let (sk, pk) = (test_key(), test_public());
        let request = encrypt_request(sk, SMALL).unwrap();
        let unescaped = request.replace("\\/", "/");
        assert_eq!(
            decrypt_request(&pk, unescaped.as_bytes(), LIMIT).unwrap(),
            SMALL
        );
        let spaced = request.replace(':', " : ").replace(',', ",\n");
        assert_eq!(
            decrypt_request(&pk, spaced.as_bytes(), LIMIT).unwrap(),
            SMALL
        );
    }

    #[test]
    fn errors_map_to_the_incumbent_texts() {
        let texts = [
            (CryptoError::ParseDecrypt, "ERROR_PARSE_DECRYPT"),
            (CryptoError::Decrypt, "ERROR_DECRYPT"),
            (CryptoError::TooLarge, "ERROR_DECRYPT"),
            (CryptoError::Encrypt, "ERROR_ENCRYPT"),
            (CryptoError::InvalidHex, "ERROR_INVALID_HEXDECIMAL_VALUE"),
        ];
        for (err, text) in texts {
            assert_eq!(err.legacy_text(), text);
            assert!(err.to_string().contains(text));
        }
    }

    #[test]
    fn too_small_keys_cannot_encrypt() {
        let tiny = RsaPublicKey::new_unchecked(BigUint::from(0xFFFF_FFFBu32), BigUint::from(3u32));
        assert_eq!(encrypt_response(&tiny, SMALL), Err(CryptoError::Encrypt));
        assert_eq!(
            encrypt_response_chunked(&tiny, SMALL),
            Err(CryptoError::Encrypt)
        );
    }

    fn pem(label: &str, der: &[u8]) -> String {
        let body = php_base64_encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn public_keys_parse_in_both_pem_forms() {
        let spki = public_key_from_pem(TEST_KEY_SPKI_PEM).unwrap();
        let pkcs1 = public_key_from_pem(TEST_KEY_PKCS1_PEM).unwrap();
        assert_eq!(spki, pkcs1);
        assert_eq!(spki, test_key().to_public_key());
        assert_eq!(spki.size(), 256);
        // As cut out of a PHP source file: indented, CRLF, inside a define.
        let indented = TEST_KEY_SPKI_PEM.replace('\n', "\r\n    ");
        let php = format!("define('M1_BRIDGE_PUBLIC_KEY', '{indented}');\n");
        assert_eq!(public_key_from_pem(&php).unwrap(), spki);
        let one_line = TEST_KEY_SPKI_PEM
            .replace('\n', "")
            .replace("-----M", "-----\nM");
        assert_eq!(public_key_from_pem(&one_line).unwrap(), spki);
    }

    #[test]
    fn bad_pem_is_rejected() {
        let cases = [
            String::new(),
            "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----".to_owned(),
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".to_owned(),
            TEST_KEY_SPKI_PEM.replace("END PUBLIC", "END RSA PUBLIC"),
            TEST_KEY_SPKI_PEM.replace("PUBLIC KEY", "CERTIFICATE"),
            TEST_KEY_SPKI_PEM.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
        ];
        for case in cases {
            assert!(public_key_from_pem(&case).is_err(), "{case}");
        }
        assert!(private_key_from_pem(TEST_KEY_SPKI_PEM).is_err());
    }

    #[test]
    fn private_keys_parse_in_both_pem_forms() {
        let sk = fresh_key();
        let pkcs8 = pem("PRIVATE KEY", sk.to_pkcs8_der().unwrap().as_bytes());
        let pkcs1 = pem("RSA PRIVATE KEY", sk.to_pkcs1_der().unwrap().as_bytes());
        assert_eq!(&private_key_from_pem(&pkcs8).unwrap(), sk);
        assert_eq!(&private_key_from_pem(&pkcs1).unwrap(), sk);
        let encrypted = pkcs1.replace("KEY-----\n", "KEY-----\nProc-Type: 4,ENCRYPTED\n\n");
        assert!(private_key_from_pem(&encrypted).is_err());
    }
}
