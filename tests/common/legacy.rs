//! What a legacy gateway does, written independently of the binary: the
//! swap-base64 parameter encoding, signed calls as plain CGI, and the
//! gateway's side of both encryption generations with a throw-away key
//! pair (the one the unit tests of `src/legacy/crypto.rs` use).

use std::io::{Read, Write};
use std::sync::OnceLock;

use aes::Aes256;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, Pkcs1v15Sign, RsaPrivateKey};

use super::shop::{sign_legacy, Shop};
use super::{run_cgi, HttpResponse};

pub const KEY_ID: &str = "5f1db7fae12405f2b2fd7bdb1102c8d8";

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

/// The gateway's private key.
pub fn private_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let prime = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
        RsaPrivateKey::from_p_q(
            prime(TEST_KEY_P),
            prime(TEST_KEY_Q),
            BigUint::from(65537u32),
        )
        .unwrap()
    })
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
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

/// The public key as `bridge.php` ships it (SPKI PEM).
pub fn public_key_pem() -> String {
    let der = private_key().to_public_key().to_public_key_der().unwrap();
    pem("PUBLIC KEY", der.as_bytes())
}

/// The private key as a technician would hand it to `decode`.
pub fn private_key_pem() -> String {
    let der = private_key().to_pkcs1_der().unwrap();
    pem("RSA PRIVATE KEY", der.as_bytes())
}

/// A G209 `bridge.php` with the test key (a few lines of the real file's
/// shape: defines and a class the parser must skip).
pub fn bridge_php() -> String {
    format!(
        "<?php\n/* bridge */\ndefine('M1_BRIDGE_VERSION', '209');\ndefine('M1_BRIDGE_PUBLIC_KEY', '{}');\ndefine('M1_BRIDGE_PUBLIC_KEY_ID', '{KEY_ID}');\ndefine('M1_BRIDGE_ENABLE_ENCRYPTION', extension_loaded('openssl'));\nclass M1_Bridge {{ public function run() {{ return 'x'; }} }}\n",
        public_key_pem()
    )
}

/// The plaintext-mode encoding: base64, then the letter swap.
pub fn encode(payload: &[u8]) -> String {
    STANDARD
        .encode(payload)
        .chars()
        .map(|c| match c {
            'A'..='Z' => (b'Z' - (c as u8 - b'A')) as char,
            'a'..='z' => (b'z' - (c as u8 - b'a')) as char,
            '0'..='9' => (b'9' - (c as u8 - b'0')) as char,
            other => other,
        })
        .collect()
}

/// A signed legacy call to the shop's binary as plain CGI.
pub fn call(shop: &Shop, fields: &[(&str, &str)]) -> HttpResponse {
    call_with_query(shop, "", fields)
}

pub fn call_with_query(shop: &Shop, query: &str, fields: &[(&str, &str)]) -> HttpResponse {
    let body = sign_legacy(fields);
    run_cgi(
        &shop.script,
        &shop.script,
        "POST",
        b"",
        query,
        &[],
        body.as_bytes(),
    )
}

/// The decoded base64 body of an answer.
pub fn unbase64(answer: &HttpResponse) -> Vec<u8> {
    STANDARD
        .decode(&answer.body)
        .unwrap_or_else(|_| panic!("not base64: {}", answer.text()))
}

fn zlib(payload: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(payload).unwrap();
    encoder.finish().unwrap()
}

fn unzlib(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// PKCS#1 v1.5 type-1 padding with the private key (OpenSSL's
/// `RSA_private_encrypt`), as the gateway wraps keys.
fn private_encrypt(block: &[u8]) -> Vec<u8> {
    private_key()
        .sign(Pkcs1v15Sign::new_unprefixed(), block)
        .unwrap()
}

/// A G209 request parameter.
pub fn seal_request(payload: &[u8]) -> String {
    let mut secret = [0u8; 48];
    getrandom::fill(&mut secret).unwrap();
    let (key, iv) = secret.split_at(32);
    let compressed = zlib(payload);
    let mut buf = vec![0u8; compressed.len() + 16];
    buf[..compressed.len()].copy_from_slice(&compressed);
    let data = cbc::Encryptor::<Aes256>::new(key.into(), iv.into())
        .encrypt_padded_mut::<Pkcs7>(&mut buf, compressed.len())
        .unwrap()
        .to_vec();
    serde_json::json!({
        "encryptedKey": STANDARD.encode(private_encrypt(key)),
        "iv": STANDARD.encode(iv),
        "data": STANDARD.encode(data),
    })
    .to_string()
}

/// Opens a G209 answer.
pub fn open_answer(body: &[u8]) -> Vec<u8> {
    let envelope: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not an envelope: {}", String::from_utf8_lossy(body)));
    let field = |name: &str| STANDARD.decode(envelope[name].as_str().unwrap()).unwrap();
    let key = private_key()
        .decrypt(Oaep::new::<sha1::Sha1>(), &field("encryptedKey"))
        .unwrap();
    let mut data = field("data");
    let plain = cbc::Decryptor::<Aes256>::new(key.as_slice().into(), field("iv").as_slice().into())
        .decrypt_padded_mut::<Pkcs7>(&mut data)
        .unwrap();
    unzlib(plain)
}

/// A WP167 request parameter: 245-byte pieces, type-1 padded, hex.
pub fn seal_request_chunked(payload: &[u8]) -> String {
    let piece = private_key().size() - 11;
    zlib(payload)
        .chunks(piece)
        .map(|chunk| hex::encode(private_encrypt(chunk)))
        .collect()
}

/// Opens a WP167 answer.
pub fn open_answer_chunked(body: &[u8]) -> Vec<u8> {
    let blocks = hex::decode(body).expect("hex answer");
    let mut compressed = Vec::new();
    for block in blocks.chunks(private_key().size()) {
        compressed.extend(
            private_key()
                .decrypt(Oaep::new::<sha1::Sha1>(), block)
                .unwrap(),
        );
    }
    unzlib(&compressed)
}
