//! Gzip through the real binary as CGI: a client that sends
//! `Accept-Encoding: gzip` gets the same answer compressed; one that does
//! not, and short answers, get plain bytes.

mod common;
mod native_support;

use std::io::Read;

use common::run_cgi;
use common::shop::{self, sign_native_as};
use native_support::{Generation, TestShop};

fn product_list(shop: &TestShop, accept: Option<&str>) -> common::HttpResponse {
    let query = [("count", "20")];
    let (headers, encoded) = sign_native_as(
        shop::KEY_ID,
        shop::SECRET,
        "GET",
        "/product.list.json",
        &query,
        b"",
    );
    let mut env: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| {
            (
                format!("HTTP_{}", n.to_ascii_uppercase().replace('-', "_")),
                v.as_bytes().to_vec(),
            )
        })
        .collect();
    if let Some(accept) = accept {
        env.push(("HTTP_ACCEPT_ENCODING".into(), accept.as_bytes().to_vec()));
    }
    let env: Vec<(&str, &[u8])> = env.iter().map(|(n, v)| (n.as_str(), &v[..])).collect();
    let script = &shop.shop.script;
    run_cgi(
        script,
        script,
        "GET",
        b"/product.list.json",
        &encoded,
        &env,
        b"",
    )
}

#[test]
fn answers_are_gzipped_for_clients_that_ask() {
    let shop = TestShop::sqlite(Generation::Oc3);
    let plain = product_list(&shop, None);
    assert_eq!(plain.status, 200, "{}", plain.text());
    assert_eq!(plain.header("Content-Encoding"), None);

    let zipped = product_list(&shop, Some("gzip, deflate, br"));
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("Content-Encoding"), Some("gzip"));
    assert_eq!(zipped.header("Vary"), Some("Accept-Encoding"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert!(
        zipped.body.len() < plain.body.len() / 2,
        "{} bytes gzipped, {} plain",
        zipped.body.len(),
        plain.body.len()
    );
    // Same products (the envelope's request id, if any, aside).
    let a: serde_json::Value = serde_json::from_slice(&plain.body).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&unzipped).unwrap();
    assert_eq!(a["result"], b["result"]);

    let refused = product_list(&shop, Some("gzip;q=0"));
    assert_eq!(refused.header("Content-Encoding"), None);
    let c: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
    assert_eq!(a["result"], c["result"]);
}
