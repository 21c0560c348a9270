//! The bad-input table: malformed, hostile and boundary requests, each with
//! the status and message it must get, sent to the real binary as plain CGI
//! and as FastCGI (straight to the FastCGI socket, so that the wrong
//! lengths and bytes arrive exactly as written), plus the HTTP-level oddities
//! that only a web server can carry, through nginx. Whatever arrives, the
//! binary must not panic, must not answer 500 for a client's mistake, and
//! must never echo a secret (API secret, legacy token, DB password) or a
//! signature.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::shop::{self, now, Shop, KEY_ID, SECRET, TOKEN};
use common::{binary, http_exchange, parse_cgi_output, parse_http_response, run_cgi_raw};
use common::{HttpResponse, WebServer};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// How a case's request is signed just before it is sent (so that every
/// run gets a fresh nonce).
#[derive(Clone, Copy, PartialEq)]
enum Sign {
    /// Sent as written.
    No,
    /// Signature v1 over the query and body as sent.
    Native,
    /// Signature v1 over the body as sent, then the body cut to its first
    /// `n` bytes (the signature covers what the client meant to send).
    NativeThenCut(usize),
    /// `a2c_sign` appended to the legacy form fields.
    Legacy,
}

/// One row of the table.
struct Case {
    name: String,
    method: String,
    path_info: Vec<u8>,
    /// Raw query string; with `Sign::Native` it is built from `pairs`.
    query: Vec<u8>,
    /// Query pairs (unencoded bytes) for signed native calls.
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    /// Request headers as CGI variables (`HTTP_...`, `CONTENT_TYPE`).
    env: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    /// Legacy form fields, signed and encoded into the body.
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    /// `CONTENT_LENGTH` when it is not the body's length.
    content_length: Option<Vec<u8>>,
    sign: Sign,
    status: u16,
    /// Another right answer where the transports differ (a CGI process
    /// reads no body without a length; FastCGI's stdin stream has its end).
    or_status: Option<u16>,
    fragment: String,
}

impl Case {
    fn new(name: impl Into<String>, status: u16, fragment: &str) -> Case {
        Case {
            name: name.into(),
            method: "GET".into(),
            path_info: Vec::new(),
            query: Vec::new(),
            pairs: Vec::new(),
            env: Vec::new(),
            body: Vec::new(),
            fields: Vec::new(),
            content_length: None,
            sign: Sign::No,
            status,
            or_status: None,
            fragment: fragment.into(),
        }
    }

    /// A native call to `method` signed with the test key.
    fn native(name: impl Into<String>, method: &str, status: u16, fragment: &str) -> Case {
        Case {
            path_info: format!("/{method}.json").into_bytes(),
            sign: Sign::Native,
            ..Case::new(name, status, fragment)
        }
    }

    /// A legacy POST whose fields are signed with the store token.
    fn legacy(name: impl Into<String>, status: u16, fragment: &str) -> Case {
        Case {
            method: "POST".into(),
            sign: Sign::Legacy,
            env: vec![(
                "CONTENT_TYPE".into(),
                b"application/x-www-form-urlencoded".to_vec(),
            )],
            ..Case::new(name, status, fragment)
        }
    }

    fn method(mut self, m: &str) -> Case {
        self.method = m.into();
        self
    }
    fn path(mut self, p: impl Into<Vec<u8>>) -> Case {
        self.path_info = p.into();
        self
    }
    fn query(mut self, q: impl Into<Vec<u8>>) -> Case {
        self.query = q.into();
        self
    }
    fn pair(mut self, n: impl Into<Vec<u8>>, v: impl Into<Vec<u8>>) -> Case {
        self.pairs.push((n.into(), v.into()));
        self
    }
    fn field(mut self, n: impl Into<Vec<u8>>, v: impl Into<Vec<u8>>) -> Case {
        self.fields.push((n.into(), v.into()));
        self
    }
    fn header(mut self, cgi_name: &str, v: impl Into<Vec<u8>>) -> Case {
        self.env.retain(|(n, _)| n != cgi_name);
        self.env.push((cgi_name.into(), v.into()));
        self
    }
    fn body(mut self, content_type: &str, b: impl Into<Vec<u8>>) -> Case {
        self.method = "POST".into();
        self.body = b.into();
        self.header("CONTENT_TYPE", content_type)
    }
    fn json(self, b: impl Into<Vec<u8>>) -> Case {
        self.body("application/json", b)
    }
    fn length(mut self, l: impl Into<Vec<u8>>) -> Case {
        self.content_length = Some(l.into());
        self
    }
    fn or(mut self, status: u16) -> Case {
        self.or_status = Some(status);
        self
    }
    fn fragment(mut self, f: &str) -> Case {
        self.fragment = f.into();
        self
    }
    fn refused(self, f: &str) -> Case {
        Case {
            status: 400,
            ..self
        }
        .fragment(f)
    }
    fn cut(mut self, n: usize) -> Case {
        self.sign = Sign::NativeThenCut(n);
        self
    }

    /// The CGI variables and body of this case, signed now.
    fn request(&self) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
        let mut env = self.env.clone();
        let mut query = self.query.clone();
        let mut body = self.body.clone();
        match self.sign {
            Sign::No => {}
            Sign::Native | Sign::NativeThenCut(_) => {
                if !self.pairs.is_empty() {
                    query = encode_pairs(&self.pairs, rfc3986);
                }
                let path: &[u8] = if self.path_info.is_empty() {
                    b"/"
                } else {
                    &self.path_info
                };
                env.extend(native_headers(&self.method, path, &query, &body));
                if let Sign::NativeThenCut(n) = self.sign {
                    body.truncate(n);
                }
            }
            Sign::Legacy => body = legacy_body(&self.fields),
        }
        let length = match &self.content_length {
            Some(l) => l.clone(),
            None if body.is_empty() => Vec::new(),
            None => body.len().to_string().into_bytes(),
        };
        env.push(("REQUEST_METHOD".into(), self.method.clone().into_bytes()));
        env.push(("PATH_INFO".into(), self.path_info.clone()));
        env.push(("QUERY_STRING".into(), query));
        env.push(("CONTENT_LENGTH".into(), length));
        (env, body)
    }
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn rfc3986(b: u8) -> String {
    match b {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).into(),
        _ => format!("%{b:02X}"),
    }
}

/// PHP's urlencode() of one byte.
fn php(b: u8) -> String {
    match b {
        b' ' => "+".into(),
        b'~' => "%7E".into(),
        _ => rfc3986(b),
    }
}

fn encode(bytes: &[u8], one: fn(u8) -> String) -> String {
    bytes.iter().map(|&b| one(b)).collect()
}

fn encode_pairs(pairs: &[(Vec<u8>, Vec<u8>)], one: fn(u8) -> String) -> Vec<u8> {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n, one), encode(v, one)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Signature v1 headers (as CGI variables) for a request as sent; the
/// canonical query re-encodes the pairs of `query` (which `encode_pairs`
/// wrote with RFC 3986 already) sorted.
fn native_headers(method: &str, path: &[u8], query: &[u8], body: &[u8]) -> Vec<(String, Vec<u8>)> {
    static NONCES: AtomicUsize = AtomicUsize::new(0);
    let nonce = format!(
        "bad-input-{}-{:08}",
        std::process::id(),
        NONCES.fetch_add(1, Ordering::SeqCst)
    );
    let mut pairs: Vec<&[u8]> = if query.is_empty() {
        Vec::new()
    } else {
        query.split(|&b| b == b'&').collect()
    };
    pairs.sort_by(|a, b| {
        let split = |p: &[u8]| {
            let at = p.iter().position(|&b| b == b'=').unwrap_or(p.len());
            (p[..at].to_vec(), p[at.min(p.len())..].to_vec())
        };
        split(a).cmp(&split(b))
    });
    let timestamp = now().to_string();
    let mut sts = Vec::new();
    for line in [
        b"CARTBRIDGE-HMAC-SHA256-V1".as_slice(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        KEY_ID.as_bytes(),
        method.as_bytes(),
        path,
        &pairs.join(&b'&'),
        hex::encode(Sha256::digest(body)).as_bytes(),
    ] {
        sts.extend_from_slice(line);
        sts.push(b'\n');
    }
    sts.pop();
    vec![
        ("HTTP_X_CARTBRIDGE_KEY".into(), KEY_ID.into()),
        ("HTTP_X_CARTBRIDGE_TIMESTAMP".into(), timestamp.into()),
        ("HTTP_X_CARTBRIDGE_NONCE".into(), nonce.into()),
        (
            "HTTP_X_CARTBRIDGE_SIGNATURE".into(),
            format!("v1={}", hmac_hex(SECRET.as_bytes(), &sts)).into(),
        ),
    ]
}

/// The legacy body: fields sorted by their top-level name, PHP-encoded,
/// then `a2c_sign`, as the gateway sends them.
fn legacy_body(fields: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let top = |n: &[u8]| n.split(|&b| b == b'[').next().unwrap_or(n).to_vec();
    let mut sorted = fields.to_vec();
    sorted.sort_by_key(|(n, _)| top(n));
    let canonical = encode_pairs(&sorted, php);
    let mut body = canonical.clone();
    body.extend_from_slice(b"&a2c_sign=");
    body.extend_from_slice(hmac_hex(TOKEN.as_bytes(), &canonical).as_bytes());
    body
}

const MB: usize = 1 << 20;

fn big(n: usize) -> Vec<u8> {
    vec![b'a'; n]
}

fn deep(levels: usize) -> Vec<u8> {
    let mut name = b"a".to_vec();
    for _ in 0..levels {
        name.extend_from_slice(b"[b]");
    }
    name
}

fn many_pairs(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| format!("p{i}=1"))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// SQL that would do harm if it reached a statement unescaped.
const SQL: [&str; 6] = [
    "1' OR '1'='1",
    "1; DROP TABLE oc_product; --",
    "1 UNION SELECT password FROM oc_user",
    "' OR sleep(5) #",
    "\\'; DELETE FROM oc_order; --",
    "1) OR (1=1",
];

/// The table. Statuses are what the contract says a client's mistake
/// gets: 400 bad parameter, 401 signature, 403 scope, 404 unknown method
/// or entity, 405, 413 too large. Fragments are part of the message that
/// tells the caller what to fix.
fn table() -> Vec<Case> {
    let mut t = Vec::new();
    native_signature_cases(&mut t);
    native_addressing_cases(&mut t);
    native_parameter_cases(&mut t);
    native_body_cases(&mut t);
    legacy_cases(&mut t);
    t
}

/// A request over FastCGI's limit on the params (only FastCGI can carry
/// it: see `CGI_VAR_MAX`).
fn too_large(c: Case) -> Case {
    Case {
        status: 400,
        fragment: "too large".into(),
        ..c
    }
}

fn native_signature_cases(t: &mut Vec<Case>) {
    let unsigned = |name: &str| Case::new(name, 401, "").path("/product.list.json");
    let sig = |name: &str, key: &[u8], ts: &[u8], nonce: &[u8], sig: &[u8]| {
        unsigned(name)
            .header("HTTP_X_CARTBRIDGE_KEY", key)
            .header("HTTP_X_CARTBRIDGE_TIMESTAMP", ts)
            .header("HTTP_X_CARTBRIDGE_NONCE", nonce)
            .header("HTTP_X_CARTBRIDGE_SIGNATURE", sig)
    };
    let ts = now().to_string().into_bytes();
    let good_nonce = b"abcdefghijklmnopqrstuvwx".to_vec();
    let zero_sig = format!("v1={}", "0".repeat(64)).into_bytes();
    let k = KEY_ID.as_bytes();
    t.push(unsigned("native: no signature headers"));
    t.push(sig(
        "native: unknown key",
        b"nobody",
        &ts,
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: wrong signature",
        k,
        &ts,
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: signature without v1=",
        k,
        &ts,
        &good_nonce,
        &zero_sig[3..],
    ));
    t.push(sig("native: signature v2=", k, &ts, &good_nonce, b"v2=00"));
    t.push(sig(
        "native: signature not hex",
        k,
        &ts,
        &good_nonce,
        b"v1=zzzz",
    ));
    t.push(too_large(sig(
        "native: signature 1 MB",
        k,
        &ts,
        &good_nonce,
        &big(MB),
    )));
    let many = vec!["v1=00"; 20_000].join(",").into_bytes();
    t.push(sig("native: 20,000 signatures", k, &ts, &good_nonce, &many));
    t.push(sig("native: empty signature", k, &ts, &good_nonce, b""));
    t.push(sig(
        "native: timestamp not a number",
        k,
        b"soon",
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: timestamp negative",
        k,
        b"-1",
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: timestamp overlong",
        k,
        &[b'9'; 400],
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: timestamp zero",
        k,
        b"0",
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: timestamp with NUL",
        k,
        b"17\x0067",
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig("native: nonce too short", k, &ts, b"short", &zero_sig));
    t.push(sig(
        "native: nonce with CRLF",
        k,
        &ts,
        b"abcdefgh\r\nijklmnopqrst",
        &zero_sig,
    ));
    t.push(sig(
        "native: nonce with NUL",
        k,
        &ts,
        b"abcdefgh\0ijklmnopqrst",
        &zero_sig,
    ));
    t.push(too_large(sig(
        "native: nonce 1 MB",
        k,
        &ts,
        &big(MB),
        &zero_sig,
    )));
    t.push(too_large(sig(
        "native: key id 1 MB",
        &big(MB),
        &ts,
        &good_nonce,
        &zero_sig,
    )));
    t.push(sig(
        "native: key id invalid UTF-8",
        b"erp-\xff\xfe",
        &ts,
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: key id with CRLF",
        b"erp-sync\r\nX-A: b",
        &ts,
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: key id SQL",
        SQL[0].as_bytes(),
        &ts,
        &good_nonce,
        &zero_sig,
    ));
    t.push(sig(
        "native: key id empty",
        b"",
        &ts,
        &good_nonce,
        &zero_sig,
    ));
    // Signed correctly, then changed in transit.
    t.push(
        Case::native("native: body cut after signing", "product.update", 401, "")
            .json(br#"{"id":"40","price":"99.5"}"#.to_vec())
            .cut(10),
    );
}

fn native_addressing_cases(t: &mut Vec<Case>) {
    for (name, path) in [
        ("traversal", b"/../../../etc/passwd".to_vec()),
        (
            "traversal to config",
            b"/../.cartbridge/config.toml".to_vec(),
        ),
        ("encoded traversal", b"/..%2f..%2fconfig.php".to_vec()),
        ("private folder", b"/.cartbridge/config.toml".to_vec()),
        ("NUL in method", b"/product.list\0.json".to_vec()),
        ("invalid UTF-8", b"/product.\xff\xfe.json".to_vec()),
        ("1 MB", [b"/".to_vec(), big(MB)].concat()),
        ("no .json", b"/product.list".to_vec()),
        ("double slash", b"//product.list.json".to_vec()),
        ("unknown method", b"/product.delete.json".to_vec()),
        ("CRLF", b"/product.list.json\r\nX-Injected: 1".to_vec()),
        ("backslashes", b"/..\\..\\config.php".to_vec()),
    ] {
        let mut c = Case::native(format!("native path: {name}"), "x", 404, "");
        c.path_info = path;
        t.push(match name {
            "invalid UTF-8" => c.or(400).fragment("not UTF-8"),
            "1 MB" => too_large(c),
            // Lenient addressing: the method name is what counts.
            "no .json" | "double slash" => Case { status: 200, ..c },
            _ => c,
        });
    }
    for m in [
        "DELETE", "PUT", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
    ] {
        t.push(Case::native(format!("native: method {m:?}"), "product.list", 405, "").method(m));
    }
    for (name, m) in [("NUL", "G\0ET"), ("1 KB", &"X".repeat(1024)), ("empty", "")] {
        let c = Case::native(format!("native: method {name}"), "product.list", 405, "");
        // FastCGI refuses what no web server would send; CGI cannot carry a NUL.
        t.push(c.method(m).or(400));
    }
    // Signed as "get", checked as "GET": the spec signs the method uppercase.
    t.push(
        Case::native(
            "native: method lowercase get",
            "product.list",
            401,
            "signature",
        )
        .method("get"),
    );
    t.push(Case::native("native: HEAD", "product.count", 200, "").method("HEAD"));
    t.push(
        Case::native("native: method in query is traversal", "x", 404, "")
            .path("")
            .pair("method", "../../etc/passwd"),
    );
    t.push(
        Case::native("native: method in query with NUL", "x", 404, "")
            .path("")
            .pair("method", "product.list\0"),
    );
    t.push(
        Case::native("native: sql.query without the policy", "sql.query", 403, "")
            .pair("sql", "SELECT * FROM oc_user"),
    );
    // Reads are accepted as POST too.
    t.push(
        Case::new("native: openapi.json with POST", 200, "openapi")
            .path("/openapi.json")
            .method("POST"),
    );
}

fn native_parameter_cases(t: &mut Vec<Case>) {
    let list = |name: &str, n: &str, v: &[u8], status: u16, frag: &str| {
        Case::native(format!("product.list {name}"), "product.list", status, frag).pair(n, v)
    };
    for (name, v) in [
        ("count=-1", "-1"),
        ("count=0", "0"),
        ("count=251", "251"),
        ("count overlong", "99999999999999999999999999999999"),
        ("count=1e3", "1e3"),
        ("count=0x10", "0x10"),
        ("count=NaN", "NaN"),
        ("count empty", ""),
        ("count=1.5", "1.5"),
        ("count=-0", "-0"),
        ("count i64 min", "-9223372036854775808"),
        ("count u64 max", "18446744073709551615"),
    ] {
        t.push(list(name, "count", v.as_bytes(), 400, "count"));
    }
    for (name, v) in [
        ("start=-1", "-1"),
        ("start overlong", "99999999999999999999999999999999"),
        ("start=abc", "abc"),
    ] {
        t.push(list(name, "start", v.as_bytes(), 400, "start"));
    }
    t.push(list("count with NUL", "count", b"5\0", 400, "count"));
    t.push(list(
        "count invalid UTF-8",
        "count",
        b"5\xff",
        400,
        "not UTF-8",
    ));
    // Lenient where it harms nothing: a sign or blanks around a number.
    t.push(list("count with space", "count", b" 5", 200, "products"));
    t.push(list("count=+5", "count", b"+5", 200, "products"));
    for (name, v) in [
        ("page_cursor garbage", b"garbage".to_vec()),
        ("page_cursor SQL", SQL[1].as_bytes().to_vec()),
        ("page_cursor JSON", br#"{"id":"1 OR 1=1"}"#.to_vec()),
    ] {
        t.push(list(name, "page_cursor", &v, 400, "page_cursor"));
    }
    t.push(too_large(list(
        "page_cursor 1 MB",
        "page_cursor",
        &big(MB),
        400,
        "",
    )));
    t.push(list(
        "page_cursor invalid UTF-8",
        "page_cursor",
        b"\xff\xfe",
        400,
        "not UTF-8",
    ));
    let ids = (0..100_000)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    t.push(list("ids 100,000", "ids", ids.as_bytes(), 400, "ids"));
    t.push(list("ids negative", "ids", b"-1,-2", 400, "ids"));
    t.push(list("ids empty items", "ids", b",,,", 400, "ids"));
    t.push(list("status bogus", "status", b"maybe", 400, "status"));
    t.push(list(
        "created_from bogus",
        "created_from",
        b"yesterday",
        400,
        "created_from",
    ));
    t.push(list(
        "created_from 9999-99-99",
        "created_from",
        b"9999-99-99",
        400,
        "created_from",
    ));
    t.push(list(
        "modified_to year 0",
        "modified_to",
        b"0000-00-00 00:00:00",
        400,
        "modified_to",
    ));
    t.push(list("lang_id=-1", "lang_id", b"-1", 400, "lang_id"));
    t.push(list(
        "store_id overlong",
        "store_id",
        &[b'9'; 300],
        400,
        "store_id",
    ));
    t.push(list(
        "params unknown field",
        "params",
        b"password",
        400,
        "params",
    ));
    t.push(list("unknown parameter", "colour", b"red", 400, "colour"));
    t.push(list("parameter name 1 MB", &"n".repeat(MB), b"1", 400, ""));
    t.push(list("parameter name with NUL", "co\0unt", b"1", 400, ""));
    t.push(
        Case::native(
            "product.list parameter name invalid UTF-8",
            "product.list",
            400,
            "",
        )
        .pair(b"c\xffount".to_vec(), "1"),
    );
    t.push(list(
        "deep brackets",
        &String::from_utf8(deep(10_000)).unwrap(),
        b"1",
        400,
        "",
    ));
    t.push(list("brackets name", "count[]", b"1", 400, "count"));
    t.push(
        Case::native(
            "product.list duplicated count",
            "product.list",
            400,
            "count",
        )
        .pair("count", "1")
        .pair("count", "2"),
    );
    t.push(
        Case::native("product.list 100,000 parameters", "product.list", 400, "")
            .query(many_pairs(100_000)),
    );
    t.push(
        Case::native(
            "product.list 100,001 parameters unsigned",
            "product.list",
            400,
            "",
        )
        .query(many_pairs(100_001)),
    );
    // No client can sign what it cannot canonicalise.
    t.push(
        Case::native(
            "product.list bad percent-encoding",
            "product.list",
            401,
            "signature",
        )
        .query("count=%zz&start=%"),
    );
    // SQL in every parameter of every read: refused as a bad value where the
    // value is typed, or taken as text and found nowhere.
    for (i, sql) in SQL.iter().enumerate() {
        for (method, param, status) in [
            ("product.list", "count", 400),
            ("product.list", "start", 400),
            ("product.list", "ids", 400),
            ("product.list", "status", 400),
            ("product.list", "lang_id", 400),
            ("product.list", "created_from", 400),
            ("product.info", "id", 400),
            ("product.find", "sku", 200),
            ("product.find", "name", 200),
            ("customer.find", "email", 200),
            ("order.info", "id", 400),
            ("order.list", "customer_id", 400),
            ("category.list", "parent_id", 400),
        ] {
            let frag = if status == 400 { param } else { "" };
            t.push(
                Case::native(format!("{method} {param}=SQL#{i}"), method, status, frag)
                    .pair(param, *sql),
            );
        }
    }
    t.push(Case::native(
        "product.info id missing",
        "product.info",
        400,
        "id",
    ));
    t.push(Case::native("product.info id=0", "product.info", 400, "id").pair("id", "0"));
    t.push(Case::native("product.info id=-40", "product.info", 400, "id").pair("id", "-40"));
    t.push(Case::native("product.info unknown id", "product.info", 404, "").pair("id", "999999"));
    t.push(Case::native(
        "product.find nothing to find",
        "product.find",
        400,
        "",
    ));
    t.push(too_large(
        Case::native("order.info id 1 MB", "order.info", 400, "").pair("id", big(MB)),
    ));
}

fn native_body_cases(t: &mut Vec<Case>) {
    let update = |name: &str, body: &[u8], status: u16, frag: &str| {
        Case::native(format!("order.update {name}"), "order.update", status, frag)
            .json(body.to_vec())
    };
    t.push(update("malformed JSON", b"{\"id\":", 400, "JSON"));
    t.push(update("JSON array", b"[1,2,3]", 400, ""));
    t.push(update("JSON string", b"\"id\"", 400, ""));
    t.push(update("JSON null", b"null", 400, ""));
    t.push(update(
        "nested 100,000 deep",
        &[vec![b'['; 100_000], vec![b']'; 100_000]].concat(),
        400,
        "",
    ));
    t.push(update(
        "invalid UTF-8",
        b"{\"id\":\"8\xff\",\"status\":\"7\"}",
        400,
        "",
    ));
    t.push(update(
        "NUL in value",
        b"{\"id\":\"8\\u0000\",\"status\":\"7\"}",
        400,
        "id",
    ));
    t.push(update("status missing", br#"{"id":"8"}"#, 400, "status"));
    t.push(update(
        "status=-1",
        br#"{"id":"8","status":"-1"}"#,
        400,
        "status",
    ));
    t.push(update(
        "status SQL",
        format!(r#"{{"id":"8","status":"{}"}}"#, SQL[0]).as_bytes(),
        400,
        "status",
    ));
    t.push(update(
        "id SQL",
        format!(r#"{{"id":"{}","status":"7"}}"#, SQL[2]).as_bytes(),
        400,
        "id",
    ));
    t.push(update(
        "id as object",
        br#"{"id":{"$gt":0},"status":"7"}"#,
        400,
        "id",
    ));
    t.push(update(
        "id overlong number",
        br#"{"id":1e999,"status":"7"}"#,
        400,
        "",
    ));
    t.push(update(
        "notify=maybe",
        br#"{"id":"8","status":"7","notify":"maybe"}"#,
        400,
        "notify",
    ));
    t.push(update(
        "comment 1 MB",
        format!(
            r#"{{"id":"8","status":"7","comment":"{}"}}"#,
            "c".repeat(MB)
        )
        .as_bytes(),
        400,
        "at most 65535",
    ));
    // The signature covers the bytes; JSON's last duplicate wins (the demo
    // shop on SQLite has no order 9).
    t.push(update(
        "duplicate keys",
        br#"{"id":"8","id":"9","status":"7"}"#,
        404,
        "order 9",
    ));
    t.push(update("empty body", b"", 400, ""));
    let product = |name: &str, body: &[u8], frag: &str| {
        Case::native(
            format!("product.update {name}"),
            "product.update",
            400,
            frag,
        )
        .json(body.to_vec())
    };
    t.push(product("price=-1", br#"{"id":"40","price":"-1"}"#, "price"));
    t.push(product(
        "price NaN",
        br#"{"id":"40","price":"NaN"}"#,
        "price",
    ));
    t.push(product("price 1e309", br#"{"id":"40","price":1e309}"#, ""));
    t.push(product(
        "price overlong",
        format!(r#"{{"id":"40","price":"{}"}}"#, "9".repeat(400)).as_bytes(),
        "price",
    ));
    t.push(product(
        "quantity overlong",
        br#"{"id":"40","quantity":"99999999999999999999"}"#,
        "quantity",
    ));
    t.push(product(
        "status bogus",
        br#"{"id":"40","status":"on fire"}"#,
        "status",
    ));
    t.push(product("nothing to change", br#"{"id":"40"}"#, ""));
    t.push(product(
        "unknown field",
        br#"{"id":"40","password":"x"}"#,
        "password",
    ));
    // Form bodies and lengths.
    let form = |name: &str, body: &[u8], status: u16| {
        Case::native(format!("form {name}"), "order.update", status, "")
            .body("application/x-www-form-urlencoded", body.to_vec())
    };
    t.push(form("bad percent-encoding", b"id=%zz&status=%", 400));
    t.push(form("100,000 fields", &many_pairs(100_000), 400));
    t.push(form("100,001 fields", &many_pairs(100_001), 400));
    t.push(form(
        "deep brackets",
        &[deep(100), b"=1".to_vec()].concat(),
        400,
    ));
    t.push(
        form("name 1 MB", &[big(MB), b"=1".to_vec()].concat(), 400)
            .fragment("unknown parameter aaaa"),
    );
    t.push(form("NUL in name", b"i\0d=8&status=7", 400));
    t.push(
        Case::native("multipart without boundary", "order.update", 400, "")
            .body("multipart/form-data", b"--x\r\n".to_vec()),
    );
    t.push(
        Case::native("multipart unterminated", "order.update", 400, "").body(
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n8".to_vec(),
        ),
    );
    t.push(
        Case::native("unknown content type", "order.update", 400, "not read")
            .body("application/x-evil", b"id=8".to_vec()),
    );
    // A body shorter than announced is refused by both; otherwise CGI reads
    // what CONTENT_LENGTH says (the signature then fails on the body read)
    // and FastCGI checks it against the stdin stream. The demo shop
    // on SQLite has no order 8, so a body read whole ends in 404.
    let lengths: [(&str, &[u8], u16, u16); 8] = [
        ("Content-Length larger than the body", b"100000", 400, 400),
        ("Content-Length smaller than the body", b"3", 401, 400),
        ("Content-Length negative", b"-5", 401, 400),
        ("Content-Length not a number", b"lots", 401, 400),
        (
            "Content-Length overlong",
            b"99999999999999999999999999",
            401,
            400,
        ),
        ("Content-Length over the limit", b"1073741824", 413, 413),
        ("Content-Length with spaces", b" 30 ", 401, 400),
        ("Content-Length empty", b"", 401, 404),
    ];
    for (name, length, status, or) in lengths {
        t.push(
            Case::native(format!("order.update {name}"), "order.update", status, "")
                .json(br#"{"id":"8","status":"7","comment":"x"}"#.to_vec())
                .length(length)
                .or(or),
        );
    }
}

fn legacy_cases(t: &mut Vec<Case>) {
    let raw = |name: &str, body: &[u8]| {
        Case::new(format!("legacy: {name}"), 200, "")
            .body("application/x-www-form-urlencoded", body.to_vec())
    };
    t.push(raw("empty POST", b""));
    t.push(Case::new("legacy: GET without fields", 200, ""));
    t.push(raw("no signature", b"action=query&query=SELECT%201"));
    t.push(raw(
        "wrong signature",
        format!("action=query&a2c_sign={}", "0".repeat(64)).as_bytes(),
    ));
    t.push(raw(
        "signature 1 MB",
        &[b"action=query&a2c_sign=".to_vec(), big(MB)].concat(),
    ));
    t.push(raw("two signatures", b"action=query&a2c_sign=00&a2c_sign=11").refused("twice"));
    t.push(raw("signature with NUL", b"action=query&a2c_sign=%00"));
    t.push(raw("100,001 fields", &many_pairs(100_001)).refused("more than 100000 fields"));
    t.push(raw("deep brackets", &[deep(100), b"=1".to_vec()].concat()).refused("brackets deep"));
    t.push(raw("invalid UTF-8", b"action=\xff\xfe&a2c_sign=\xff"));
    t.push(raw("bad percent-encoding", b"action=%zz%&a2c_sign=%"));
    t.push(raw("only separators", b"&&&&===&&"));
    let signed = |name: &str| Case::legacy(format!("legacy signed: {name}"), 200, "");
    t.push(signed("no action"));
    t.push(signed("unknown action").field("action", "rm_rf"));
    t.push(signed("action with NUL").field("action", "query\0"));
    t.push(signed("action 1 MB").field("action", big(MB)));
    t.push(signed("action traversal").field("action", "../../config"));
    t.push(signed("action array").field("action[]", "query"));
    t.push(
        signed("query not base64")
            .field("action", "query")
            .field("query", "@@@@"),
    );
    t.push(
        signed("query invalid UTF-8")
            .field("action", "query")
            .field("query", b"\xff\xfe".to_vec()),
    );
    t.push(
        signed("multiquery not JSON")
            .field("action", "multiquery")
            .field("queries", "e30"),
    );
    t.push(
        signed("savefile traversal")
            .field("action", "savefile")
            .field("filepath", "../../../etc/passwd"),
    );
    t.push(
        signed("deep brackets")
            .field("action", "query")
            .field(deep(100), "1")
            .refused("brackets deep"),
    );
    t.push(
        signed("field name 1 MB")
            .field("action", "query")
            .field(big(MB), "1"),
    );
    for (i, sql) in SQL.iter().enumerate() {
        t.push(
            signed(&format!("getconfig with SQL#{i}"))
                .field("action", "getconfig")
                .field("cart_id", *sql),
        );
    }
}

/// Where the answers go: plain CGI, or one FastCGI process.
enum Target<'a> {
    Cgi(&'a Shop),
    FastCgi(&'a Path, &'a Shop),
}

impl Target<'_> {
    fn label(&self) -> &'static str {
        match self {
            Target::Cgi(_) => "CGI",
            Target::FastCgi(..) => "FastCGI",
        }
    }

    /// (answer, what the binary wrote to stderr for this request under CGI);
    /// `None` for a request no web server can pass as CGI (Linux refuses an
    /// environment variable over 128 KiB, and none can hold a NUL, so a 1 MB
    /// query or header or a NUL in one only ever arrives over FastCGI).
    fn send(&self, case: &Case) -> Option<(HttpResponse, String)> {
        let (env, body) = case.request();
        Some(match self {
            Target::Cgi(_)
                if env
                    .iter()
                    .any(|(n, v)| n.len() + v.len() + 2 > CGI_VAR_MAX || v.contains(&0)) =>
            {
                return None
            }
            Target::Cgi(shop) => {
                let extra: Vec<(&str, &[u8])> = env
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_slice()))
                    .collect();
                let method =
                    String::from_utf8_lossy(&env_value(&env, "REQUEST_METHOD")).into_owned();
                let run = run_cgi_raw(
                    &shop.script,
                    &shop.script,
                    &method,
                    &case.path_info,
                    "",
                    &extra,
                    &body,
                );
                let answer = parse_cgi_output(&run.stdout).unwrap_or_else(|e| {
                    panic!(
                        "{} (CGI): bad output ({e}); stderr: {}",
                        case.name,
                        run.stderr_text()
                    )
                });
                assert!(
                    run.status.success(),
                    "{} (CGI): exit {}",
                    case.name,
                    run.status
                );
                (answer, run.stderr_text())
            }
            Target::FastCgi(socket, shop) => {
                let mut params = cgi_basics(shop);
                params.extend(env);
                (fastcgi_call(socket, &params, &body), String::new())
            }
        })
    }
}

/// Linux's `MAX_ARG_STRLEN`: the longest `NAME=value` string execve takes.
const CGI_VAR_MAX: usize = 128 * 1024;

fn env_value(env: &[(String, Vec<u8>)], name: &str) -> Vec<u8> {
    env.iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// What a web server always passes (run_cgi_raw sets the same for CGI).
fn cgi_basics(shop: &Shop) -> Vec<(String, Vec<u8>)> {
    let script = shop.script.as_os_str().as_encoded_bytes().to_vec();
    [
        ("GATEWAY_INTERFACE", b"CGI/1.1".to_vec()),
        ("SERVER_PROTOCOL", b"HTTP/1.1".to_vec()),
        ("SERVER_NAME", b"localhost".to_vec()),
        ("SERVER_PORT", b"80".to_vec()),
        ("SCRIPT_FILENAME", script),
        ("SCRIPT_NAME", b"/bridge2cart/cartbridge".to_vec()),
        ("REMOTE_ADDR", b"127.0.0.1".to_vec()),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v))
    .collect()
}

/// One FastCGI request on a fresh connection: BEGIN_REQUEST (responder),
/// the params stream, the stdin stream, then STDOUT until END_REQUEST.
fn fastcgi_call(socket: &Path, params: &[(String, Vec<u8>)], body: &[u8]) -> HttpResponse {
    let mut conn = UnixStream::connect(socket).expect("connect to the FastCGI socket");
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut out = record(1, &[0, 1, 0, 0, 0, 0, 0, 0]);
    let mut stream = Vec::new();
    for (n, v) in params {
        for len in [n.len(), v.len()] {
            if len < 128 {
                stream.push(len as u8);
            } else {
                stream.extend_from_slice(&(len as u32 | 0x8000_0000).to_be_bytes());
            }
        }
        stream.extend_from_slice(n.as_bytes());
        stream.extend_from_slice(v);
    }
    for (kind, data) in [(4u8, &stream[..]), (5, body)] {
        for chunk in data.chunks(65_535) {
            out.extend(record(kind, chunk));
        }
        out.extend(record(kind, &[]));
    }
    let mut writer = conn.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&out);
    });
    let mut answer = Vec::new();
    loop {
        let mut head = [0u8; 8];
        conn.read_exact(&mut head).expect("a FastCGI record header");
        let len = u16::from_be_bytes([head[4], head[5]]) as usize + head[6] as usize;
        let mut content = vec![0; len];
        conn.read_exact(&mut content).expect("a FastCGI record");
        content.truncate(u16::from_be_bytes([head[4], head[5]]) as usize);
        match head[1] {
            6 => answer.extend_from_slice(&content),
            3 => break,
            _ => {}
        }
    }
    let _ = sender.join();
    parse_cgi_output(&answer).unwrap_or_else(|e| {
        panic!(
            "bad FastCGI output ({e}): {}",
            String::from_utf8_lossy(&answer)
        )
    })
}

fn record(kind: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len() as u16;
    let mut r = vec![1, kind, 0, 1];
    r.extend_from_slice(&len.to_be_bytes());
    r.extend_from_slice(&[0, 0]);
    r.extend_from_slice(content);
    r
}

/// Checks one answer against its row; returns what is wrong, if anything.
fn judge(case: &Case, answer: &HttpResponse, stderr: &str) -> Option<String> {
    let text = answer.text();
    let mut wrong = Vec::new();
    if stderr.contains("panicked") {
        wrong.push(format!("panicked: {stderr}"));
    }
    if answer.status >= 500 {
        wrong.push(format!(
            "server error for a client's mistake: {}",
            answer.status
        ));
    } else if answer.status != case.status && Some(answer.status) != case.or_status {
        wrong.push(format!(
            "status {} instead of {}",
            answer.status, case.status
        ));
    }
    if !text.contains(&case.fragment) {
        wrong.push(format!("no {:?} in the answer", case.fragment));
    }
    let signature = env_value(&case.request().0, "HTTP_X_CARTBRIDGE_SIGNATURE");
    let signature = String::from_utf8_lossy(&signature[3.min(signature.len())..]).into_owned();
    for secret in [SECRET, TOKEN, signature.as_str()] {
        if secret.len() >= 16 && (text.contains(secret) || stderr.contains(secret)) {
            wrong.push(format!("echoes a secret or signature ({:.6}…)", secret));
        }
    }
    (!wrong.is_empty()).then(|| {
        let head: String = text.chars().take(300).collect();
        format!("{}: {} — {head}", case.name, wrong.join("; "))
    })
}

/// (rows run, what went wrong).
fn run_table(target: &Target) -> (usize, Vec<String>) {
    let cases = table();
    assert!(cases.len() >= 150, "the table has {} rows", cases.len());
    let mut run = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let Some((answer, stderr)) = target.send(case) else {
            continue;
        };
        run += 1;
        if std::env::var_os("BAD_INPUT_SHOW").is_some() {
            let text: String = answer.text().chars().take(160).collect();
            println!("{} | {} | {text}", case.name, answer.status);
        }
        if let Some(wrong) = judge(case, &answer, &stderr) {
            failures.push(format!("[{}] {wrong}", target.label()));
        }
    }
    (run, failures)
}

fn report(label: &str, (run, failures): (usize, Vec<String>)) {
    println!(
        "bad-input {label}: {run} run, {} passed",
        run - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {run} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The demo shop on SQLite, with the lock-out after signature failures
/// pushed out of reach: the table sends many bad signatures on purpose, and
/// every row must reach the check it is about.
fn test_shop() -> Shop {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    shop.write_private_config(&format!(
        "{}\n[database]\nsqlite = \"shop.sqlite\"\n\n[limits]\nlockout_after = 1000000\n",
        shop::key_section()
    ));
    shop
}

#[test]
fn the_table_as_plain_cgi() {
    let shop = test_shop();
    report("CGI", run_table(&Target::Cgi(&shop)));
}

#[test]
fn the_table_as_fastcgi() {
    let shop = test_shop();
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);
    let result = run_table(&Target::FastCgi(server.backend_socket(), &shop));
    // The one process answered every row and is still serving.
    let alive = fastcgi_call(
        server.backend_socket(),
        &[
            cgi_basics(&shop),
            Case::new("", 200, "").path("/openapi.json").request().0,
        ]
        .concat(),
        b"",
    );
    assert_eq!(alive.status, 200, "{}", alive.text());
    let logs = server.logs();
    assert!(!logs.contains("panicked"), "{logs}");
    report("FastCGI", result);
}

/// What only a web server carries: the request line and header block as
/// bytes, through nginx to the FastCGI process.
#[test]
fn http_oddities_through_nginx() {
    let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
    let server = WebServer::nginx_fastcgi(&shop.root, &shop.script, &binary(), &[]);
    let url = "/bridge2cart/cartbridge/product.list.json";
    let rows: Vec<(&str, Vec<u8>, u16)> = vec![
        ("CRLF injected in a header", format!("GET {url} HTTP/1.1\r\nHost: x\r\nX-Cartbridge-Key: a\rb\r\nConnection: close\r\n\r\n").into_bytes(), 400),
        // nginx drops the invalid header line; the call is then unsigned.
        ("header without colon", format!("GET {url} HTTP/1.1\r\nHost: x\r\nnocolon\r\nConnection: close\r\n\r\n").into_bytes(), 401),
        ("NUL in the path", format!("GET {url}%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(), 400),
        ("HTTP/0.9 style", format!("GET {url}\r\n\r\n").into_bytes(), 0),
        // The signature is checked before the method.
        ("unknown method", format!("BREW {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(), 401),
        ("lowercase method", format!("get {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(), 400),
        ("chunked body, bad chunk size", format!("POST {url} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n").into_bytes(), 400),
        ("Content-Length and chunked", format!("POST {url} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n").into_bytes(), 400),
        ("two Content-Lengths", format!("POST {url} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab").into_bytes(), 400),
        ("negative Content-Length", format!("POST {url} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n").into_bytes(), 400),
        ("64 KB header", format!("GET {url} HTTP/1.1\r\nHost: x\r\nX-Cartbridge-Key: {}\r\nConnection: close\r\n\r\n", "k".repeat(65_536)).into_bytes(), 400),
        ("unsigned signed-looking call", format!("GET {url}?count=-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(), 401),
        ("openapi.json", b"GET /bridge2cart/cartbridge/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 200),
        ("HEAD openapi.json", b"HEAD /bridge2cart/cartbridge/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 200),
    ];
    let mut failures = Vec::new();
    for (name, request, status) in &rows {
        let raw = http_exchange(server.port, request);
        let head = request.starts_with(b"HEAD");
        let got = parse_http_response(&raw, head)
            .map(|a| a.status)
            .unwrap_or(0);
        let text = String::from_utf8_lossy(&raw);
        if got != *status || got >= 500 || text.contains(SECRET) || text.contains(TOKEN) {
            failures.push(format!("{name}: {got} instead of {status}: {:.300}", text));
        }
    }
    let logs = server.logs();
    assert!(!logs.contains("panicked"), "{logs}");
    println!(
        "bad-input HTTP: {} run, {} passed",
        rows.len(),
        rows.len() - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
