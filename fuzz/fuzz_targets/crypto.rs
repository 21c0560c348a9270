//! The legacy encryption envelopes (G209 JSON, WP167 hex) as the bridge
//! receives them: any bytes decode to a value or an error, never a panic,
//! and never to more than the size limit. Past the RSA layer, which random
//! bytes cannot pass, the zlib stream is fuzzed directly by sealing the
//! input with a known AES key (`open_with_aes_key`, built for fuzzing).
//! Sealed payloads open to themselves in both generations and directions,
//! and the keys' PEM parser and the plain-mode parameter encoding must not
//! panic either.
//!
//! The first byte picks the check, the second the size limit. Private-key
//! operations cost milliseconds under coverage instrumentation, so this
//! target makes far fewer runs than the others.
#![no_main]

use std::sync::OnceLock;

use aes::Aes256;
use cartbridge_fuzz::legacy::crypto::{self, CryptoError, RsaPrivateKey, RsaPublicKey};
use cartbridge_fuzz::legacy::encoding;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use libfuzzer_sys::fuzz_target;
use rsa::BigUint;

/// A throw-away 768-bit key for fuzzing only: its primes. Smaller than the
/// 2048 bits bridges ship so that the private-key checks run fast, and still
/// large enough for OAEP-SHA-1 to wrap an AES-256 key (74 bytes at least).
const FUZZ_KEY_P: &str = concat!(
    "d078946259ffab0c64c82811e4f76d250de3e87751627839e03ada575232e88f",
    "132a00f1d33049ae440afb89cf8db41f",
);
const FUZZ_KEY_Q: &str = concat!(
    "c807afebad833a430657e0524d570cad963d26082bf3f2f23f6e96ce4502448d",
    "7a1377f29434a079f14cf24d880e45e1",
);

/// The AES key and IV the zlib check seals with.
const AES_KEY: [u8; 32] = [0x42; 32];
const AES_IV: [u8; 16] = [0x17; 16];

/// The longest payload the round trips seal: at most two RSA blocks of
/// this key once compressed, since every block costs a private-key
/// operation (milliseconds under coverage instrumentation).
const ROUND_TRIP_MAX: usize = 64;

struct Keys {
    private: RsaPrivateKey,
    public: RsaPublicKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let prime = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
        let private = RsaPrivateKey::from_p_q(
            prime(FUZZ_KEY_P),
            prime(FUZZ_KEY_Q),
            BigUint::from(65537u32),
        )
        .unwrap();
        Keys {
            public: private.to_public_key(),
            private,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let [which, limit, rest @ ..] = data else {
        return;
    };
    let max_len = if limit & 0x80 != 0 {
        1 << 20
    } else {
        usize::from(*limit) * 3
    };
    let keys = keys();
    match which % 6 {
        0 => bounded(
            crypto::decrypt_request(&keys.public, rest, max_len),
            max_len,
        ),
        1 => bounded(
            crypto::decrypt_request_chunked(&keys.public, rest, max_len),
            max_len,
        ),
        2 => {
            bounded(
                crypto::decrypt_response(&keys.private, rest, max_len),
                max_len,
            );
            bounded(
                crypto::decrypt_response_chunked(&keys.private, rest, max_len),
                max_len,
            );
        }
        3 => zlib_stream(rest, max_len),
        4 => round_trips(keys, &rest[..rest.len().min(ROUND_TRIP_MAX)]),
        _ => {
            let text = String::from_utf8_lossy(rest);
            let _ = crypto::public_key_from_pem(&text);
            let _ = crypto::private_key_from_pem(&text);
            let _ = encoding::decode_plain_param(rest);
            assert_eq!(
                encoding::decode_plain_param(encoding::encode_plain_param(rest).as_bytes()),
                rest
            );
        }
    }
});

fn bounded(opened: Result<Vec<u8>, CryptoError>, max_len: usize) {
    if let Ok(plain) = opened {
        assert!(
            plain.len() <= max_len,
            "{} bytes opened under a limit of {max_len}",
            plain.len()
        );
    }
}

/// `stream` as the decrypted content of a G209 envelope, opened past the
/// RSA layer (which random bytes cannot pass, and which costs milliseconds
/// per input under instrumentation): whatever `gzuncompress` makes of it
/// stays under the limit.
fn zlib_stream(stream: &[u8], max_len: usize) {
    let mut buf = vec![0u8; (stream.len() / 16 + 1) * 16];
    buf[..stream.len()].copy_from_slice(stream);
    let data = cbc::Encryptor::<Aes256>::new(&AES_KEY.into(), &AES_IV.into())
        .encrypt_padded_mut::<Pkcs7>(&mut buf, stream.len())
        .unwrap()
        .to_vec();
    let envelope = format!(
        r#"{{"encryptedKey":"","iv":"{}","data":"{}"}}"#,
        encoding::php_base64_encode(&AES_IV),
        encoding::php_base64_encode(&data),
    );
    if let Ok(plain) = crypto::open_with_aes_key(envelope.as_bytes(), &AES_KEY, max_len) {
        assert!(plain.len() <= max_len);
    }
}

/// Both generations, both directions: a sealed payload opens to itself
/// under a limit of exactly its size, and a request (the direction the
/// bridge opens) not under one byte less.
fn round_trips(keys: &Keys, payload: &[u8]) {
    let len = payload.len();
    let request = crypto::encrypt_request(&keys.private, payload).unwrap();
    let request_chunked = crypto::encrypt_request_chunked(&keys.private, payload).unwrap();
    let open_requests = |max_len: usize| {
        [
            crypto::decrypt_request(&keys.public, request.as_bytes(), max_len),
            crypto::decrypt_request_chunked(&keys.public, request_chunked.as_bytes(), max_len),
        ]
    };
    for opened in open_requests(len) {
        assert_eq!(opened.as_deref(), Ok(payload));
    }
    if len > 0 {
        for opened in open_requests(len - 1) {
            assert_eq!(opened, Err(CryptoError::TooLarge));
        }
    }
    let response = crypto::encrypt_response(&keys.public, payload).unwrap();
    let opened = crypto::decrypt_response(&keys.private, response.as_bytes(), len);
    assert_eq!(opened.as_deref(), Ok(payload));
    let response = crypto::encrypt_response_chunked(&keys.public, payload).unwrap();
    let opened = crypto::decrypt_response_chunked(&keys.private, response.as_bytes(), len);
    assert_eq!(opened.as_deref(), Ok(payload));
}
