//! `cartbridge sign` and `cartbridge request`: calls to a bridge on another
//! machine, signed the way a gateway signs them, so a technician can test a
//! remote store with cartbridge itself or with `curl`.
//!
//! The key comes from a file or the environment, never from an argument:
//! arguments end up in `ps`, shell history and CI logs. A key file holds one
//! line `id:secret` (for the legacy protocol `id:store-key`, or only the
//! store key) and must not be readable by other users, like an SSH key.
//! `CARTBRIDGE_KEY=id:secret` does the same.

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use lexopt::prelude::*;

use super::fetch::{self, Url};
use super::{usage_error, Failure};
use crate::auth;
use crate::form::{parse_urlencoded, php_urlencode};
use crate::legacy::encoding::encode_plain_param;

/// The environment variable that may hold the key.
pub const KEY_ENV: &str = "CARTBRIDGE_KEY";

/// Legacy fields whose value the gateway sends in plaintext-mode encoding
/// (LEGACY.md §3.1): given as plain text here, encoded for the user.
const PLAIN_ENCODED: &[&str] = &[
    "query",
    "queries",
    "data",
    "sql_settings[sql_modes]",
    "sql_settings[sql_variables]",
];

pub(super) const SIGN_HELP: &str = "\
cartbridge sign — sign a call for a remote bridge, for curl or any HTTP tool

USAGE:
    cartbridge sign <method> [name=value ...] [--key-file F] [--url URL] [--curl] [--post]
    cartbridge sign --legacy <action> [name=value ...] [--key-file F] [--url URL] [--curl]

Native calls: prints the four X-Cartbridge-* headers (one `Name: value` per
line) and the path to send them to. --legacy: prints the signed POST body
(SQL in query=, queries=, data= and sql_settings[...] is given as plain
text and encoded for you). --curl prints a complete curl command instead
(needs --url, the bridge's URL). Writes (e.g. product.update) go as POST
with a JSON body; --post sends a read as POST too. A signature is good
once (single-use nonce) and for five minutes.

THE KEY: --key-file F, a file holding one line `id:secret` (mode 600), or
the environment variable CARTBRIDGE_KEY=id:secret. Never an argument.

EXAMPLES:
    cartbridge sign product.list count=5 --key-file ~/.erp.key
    CARTBRIDGE_KEY=erp:cb_... cartbridge sign cart.info --curl --url https://shop.example/bridge2cart/cartbridge
    cartbridge sign --legacy query 'query=SELECT COUNT(*) FROM oc_product' fetchMode=1 --key-file store.key --curl --url https://shop.example/bridge2cart/bridge.php

EXIT STATUS: 0 printed, 1 the key file cannot be used, 2 wrong command line.
";

pub(super) const REQUEST_HELP: &str = "\
cartbridge request — send a signed call to a remote bridge and show the answer

USAGE:
    cartbridge request <bridge URL> <method> [name=value ...] [--key-file F] [--post] [--raw] [-v]
    cartbridge request --legacy <bridge.php URL> <action> [name=value ...] [--key-file F] [--raw] [-v]

Prints the answer on standard output: the native JSON envelope pretty, a
legacy answer decoded (base64 and PHP serialize shown as JSON); --raw
prints the bytes as they came. -v shows the request and answer headers on
standard error, with the signature masked. TLS certificates are always
verified, against Mozilla's roots plus the PEM file SSL_CERT_FILE names
(a shop's own CA). The key as for `cartbridge sign --help`.

EXAMPLES:
    cartbridge request https://shop.example/bridge2cart/cartbridge product.count --key-file ~/.erp.key
    cartbridge request https://shop.example/bridge2cart/cartbridge product.update id=40 price=99.5 -v
    cartbridge request --legacy https://shop.example/bridge2cart/bridge.php query 'query=SELECT 1' fetchMode=1

EXIT STATUS: 0 the bridge answered with success; 1 it refused the call or
failed (its message on standard error), or could not be reached; 2 wrong
command line or no usable key.
";

/// The key a call is signed with.
#[derive(Debug)]
pub struct ClientKey {
    pub id: String,
    pub secret: String,
}

/// Reads the key from `file`, or else from `CARTBRIDGE_KEY`.
pub fn client_key(file: Option<&Path>) -> Result<ClientKey, Failure> {
    let (text, origin) = match file {
        Some(path) => (read_key_file(path)?, path.display().to_string()),
        None => match std::env::var(KEY_ENV) {
            Ok(text) => (text, KEY_ENV.to_string()),
            Err(_) => {
                return Err((
                    2,
                    format!("no key: give --key-file FILE (one line id:secret, mode 600) or set {KEY_ENV}=id:secret"),
                ))
            }
        },
    };
    parse_key(&text).ok_or_else(|| {
        (
            2,
            format!("{origin} holds no key: write one line id:secret (or the store key alone for --legacy)"),
        )
    })
}

fn read_key_file(path: &Path) -> Result<String, Failure> {
    let meta =
        std::fs::metadata(path).map_err(|e| (2, format!("cannot read {}: {e}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err((
            2,
            format!(
                "{} is readable by other users (mode {mode:03o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| (2, format!("cannot read {}: {e}", path.display())))
}

/// The first line that is neither empty nor a `#` comment: `id:secret`, or a
/// secret alone (a legacy store key has no id).
fn parse_key(text: &str) -> Option<ClientKey> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let (id, secret) = line.split_once(':').unwrap_or(("", line));
    (!secret.is_empty()).then(|| ClientKey {
        id: id.to_string(),
        secret: secret.to_string(),
    })
}

/// A request ready to send: everything but the connection.
#[derive(Debug)]
pub struct Prepared {
    pub verb: &'static str,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Prepared {
    /// Sends it through the shared HTTP client.
    pub fn send(&self) -> Result<fetch::Response, Failure> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        fetch::request(self.verb, &self.url, &headers, &self.body)
            .map_err(|e| (1, format!("cannot reach {}: {e}", self.url)))
    }

    /// The request as `curl` sends it, every argument shell-quoted.
    fn curl(&self) -> String {
        let mut words = vec!["curl".to_string(), "-sS".to_string()];
        if self.verb == "POST" {
            words.push("-X".into());
            words.push("POST".into());
        }
        for (name, value) in &self.headers {
            words.push("-H".into());
            words.push(shell_quote(&format!("{name}: {value}")));
        }
        if !self.body.is_empty() {
            words.push("--data-binary".into());
            words.push(shell_quote(&String::from_utf8_lossy(&self.body)));
        }
        words.push(shell_quote(&self.url.to_string()));
        words.join(" ")
    }
}

/// A native call signed with signature v1: a read as GET with a query, a
/// write (or `post`) as POST with a JSON object body.
pub fn native_request(
    base: &Url,
    key: &ClientKey,
    method: &str,
    pairs: &[(String, String)],
    post: bool,
) -> Result<Prepared, Failure> {
    let post = post || crate::api::method_writes(method);
    let signed_path = format!("/{method}.json");
    let query = if post {
        String::new()
    } else {
        encode_pairs(pairs)
    };
    let body = if post {
        let object: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::to_vec(&object).expect("a map of strings serializes")
    } else {
        Vec::new()
    };
    let verb = if post { "POST" } else { "GET" };
    let nonce = crate::access::keys::random_hex(16)
        .map_err(|e| (1, format!("no random source for the nonce: {e}")))?;
    let timestamp = crate::access::utc::now().to_string();
    let sts = auth::native::string_to_sign(
        &timestamp,
        &nonce,
        &key.id,
        verb,
        &signed_path,
        query.as_bytes(),
        &body,
    );
    let mut headers = vec![
        ("X-Cartbridge-Key".to_string(), key.id.clone()),
        ("X-Cartbridge-Timestamp".to_string(), timestamp),
        ("X-Cartbridge-Nonce".to_string(), nonce),
        (
            "X-Cartbridge-Signature".to_string(),
            auth::native::signature_header(&key.secret, &sts),
        ),
    ];
    if post {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let mut path = format!("{}{signed_path}", base.path.trim_end_matches('/'));
    if !query.is_empty() {
        path = format!("{path}?{query}");
    }
    Ok(Prepared {
        verb,
        url: base.with_path(&path),
        headers,
        body,
    })
}

/// A legacy call: the POST body the gateway sends, `a2c_sign` last.
pub fn legacy_request(
    url: &Url,
    key: &ClientKey,
    action: &str,
    pairs: &[(String, String)],
) -> Result<Prepared, Failure> {
    Ok(Prepared {
        verb: "POST",
        url: url.clone(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: legacy_body(&key.secret, action, pairs)?,
    })
}

/// The fields of a legacy call, SQL encoded as the gateway encodes it and
/// signed with the store key.
pub fn legacy_body(
    token: &str,
    action: &str,
    pairs: &[(String, String)],
) -> Result<Vec<u8>, Failure> {
    let mut fields = vec![("action".to_string(), action.to_string())];
    for (name, value) in pairs {
        let value = if PLAIN_ENCODED.contains(&name.as_str()) {
            encode_plain_param(value.as_bytes())
        } else {
            value.clone()
        };
        fields.push((name.clone(), value));
    }
    let mut body = encode_pairs(&fields);
    let form = parse_urlencoded(body.as_bytes())
        .map_err(|e| (2, format!("these fields do not make a legacy body: {e:?}")))?;
    body.push_str("&a2c_sign=");
    body.push_str(&auth::legacy::sign(&form, token));
    Ok(body.into_bytes())
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| {
            format!(
                "{}={}",
                php_urlencode(n.as_bytes()),
                php_urlencode(v.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `'text'` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// What `sign` and `request` share on their command lines.
#[derive(Default)]
struct CallArgs {
    legacy: bool,
    post: bool,
    key_file: Option<PathBuf>,
    url: Option<String>,
    /// Positional words before the first name=value: URL and method.
    words: Vec<String>,
    pairs: Vec<(String, String)>,
    curl: bool,
    raw: bool,
    verbose: bool,
}

fn parse_call_args(args: Vec<OsString>, request: bool) -> Result<CallArgs, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut parsed = CallArgs::default();
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("legacy") => parsed.legacy = true,
            Long("post") => parsed.post = true,
            Long("key-file") => {
                parsed.key_file = Some(PathBuf::from(parser.value().map_err(usage_error)?))
            }
            Long("key" | "secret" | "token") => {
                return Err((
                    2,
                    format!("keys are never taken as arguments (they would show in ps and shell history): use --key-file FILE or {KEY_ENV}"),
                ))
            }
            Long("url") if !request => parsed.url = Some(text(parser.value().map_err(usage_error)?)?),
            Long("curl") if !request => parsed.curl = true,
            Long("raw") if request => parsed.raw = true,
            Short('v') | Long("verbose") if request => parsed.verbose = true,
            Value(value) => {
                let value = text(value)?;
                match value.split_once('=') {
                    Some((n, v)) if parsed.words.len() == 1 + usize::from(request) => {
                        parsed.pairs.push((n.to_string(), v.to_string()))
                    }
                    _ if parsed.words.len() < 1 + usize::from(request) => {
                        parsed.words.push(value)
                    }
                    _ => return Err((2, format!("'{value}' is not name=value"))),
                }
            }
            other => return Err(usage_error(other.unexpected())),
        }
    }
    Ok(parsed)
}

fn text(value: OsString) -> Result<String, Failure> {
    value
        .into_string()
        .map_err(|_| (2, "arguments must be UTF-8".to_string()))
}

/// `cartbridge sign`.
pub fn sign(args: Vec<OsString>) -> Result<i32, Failure> {
    let args = parse_call_args(args, false)?;
    let [method] = args.words.as_slice() else {
        return Err((2, "sign needs a method, e.g. `cartbridge sign product.count --key-file F` (see `cartbridge sign --help`)".into()));
    };
    if args.curl && args.url.is_none() {
        return Err((
            2,
            "--curl needs --url, the bridge's URL (e.g. https://shop.example/bridge2cart/cartbridge)".into(),
        ));
    }
    let url =
        Url::parse(args.url.as_deref().unwrap_or("http://bridge.invalid/")).map_err(|e| (2, e))?;
    let key = client_key(args.key_file.as_deref())?;
    let prepared = if args.legacy {
        legacy_request(&url, &key, method, &args.pairs)?
    } else {
        native_request(&url, &key, method, &args.pairs, args.post)?
    };
    let mut out = io::stdout().lock();
    if args.curl {
        let _ = writeln!(out, "{}", prepared.curl());
    } else if args.legacy {
        let _ = out.write_all(&prepared.body);
        let _ = writeln!(out);
    } else {
        let _ = writeln!(out, "{} {}", prepared.verb, prepared.url.path);
        for (name, value) in &prepared.headers {
            let _ = writeln!(out, "{name}: {value}");
        }
        if !prepared.body.is_empty() {
            let _ = writeln!(out);
            let _ = out.write_all(&prepared.body);
            let _ = writeln!(out);
        }
    }
    Ok(0)
}

/// `cartbridge request`.
pub fn request(args: Vec<OsString>) -> Result<i32, Failure> {
    let args = parse_call_args(args, true)?;
    let [url, method] = args.words.as_slice() else {
        return Err((2, "request needs the bridge's URL and a method, e.g. `cartbridge request https://shop.example/bridge2cart/cartbridge product.count --key-file F` (see `cartbridge request --help`)".into()));
    };
    let url = Url::parse(url).map_err(|e| (2, e))?;
    let key = client_key(args.key_file.as_deref())?;
    let prepared = if args.legacy {
        legacy_request(&url, &key, method, &args.pairs)?
    } else {
        native_request(&url, &key, method, &args.pairs, args.post)?
    };
    if args.verbose {
        show_request(&prepared);
    }
    let response = prepared.send()?;
    if args.verbose {
        show_response(&response);
    }
    let mut out = io::stdout().lock();
    if args.raw {
        let _ = out.write_all(&response.body);
    } else if args.legacy {
        match super::legacy::decode_answer(&response.body, None) {
            Ok(json) => print_json(&mut out, &json),
            Err(_) => {
                let _ = out.write_all(&response.body);
                let _ = writeln!(out);
            }
        }
    } else if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&response.body) {
        print_json(&mut out, &json);
    } else {
        let _ = out.write_all(&response.body);
        let _ = writeln!(out);
    }
    let _ = out.flush();
    outcome(&response, args.legacy)
}

fn print_json(out: &mut impl Write, json: &serde_json::Value) {
    let _ = serde_json::to_writer_pretty(&mut *out, json);
    let _ = writeln!(out);
}

/// Success, or the bridge's own message as the failure.
fn outcome(response: &fetch::Response, legacy: bool) -> Result<i32, Failure> {
    let envelope = serde_json::from_slice::<serde_json::Value>(&response.body).ok();
    let message = envelope
        .as_ref()
        .and_then(|e| e["return_message"].as_str())
        .filter(|m| !m.is_empty());
    let code_ok = legacy
        || envelope
            .as_ref()
            .is_some_and(|e| e["return_code"].as_i64() == Some(0));
    if response.status == 200 && code_ok {
        return Ok(0);
    }
    let why = match message {
        Some(message) => message.to_string(),
        None => String::from_utf8_lossy(&response.body[..response.body.len().min(200)])
            .trim()
            .to_string(),
    };
    Err((1, format!("the bridge answered {}: {why}", response.status)))
}

/// The signature and a legacy body's `a2c_sign` are shown masked: logs
/// and screen shares keep them otherwise.
fn mask(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("X-Cartbridge-Signature") {
        "v1=********".to_string()
    } else {
        value.to_string()
    }
}

fn show_request(prepared: &Prepared) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "> {} {}", prepared.verb, prepared.url);
    for (name, value) in &prepared.headers {
        let _ = writeln!(err, "> {name}: {}", mask(name, value));
    }
    if !prepared.body.is_empty() {
        let body = String::from_utf8_lossy(&prepared.body);
        let body = match body.split_once("&a2c_sign=") {
            Some((fields, _)) => format!("{fields}&a2c_sign=********"),
            None => body.into_owned(),
        };
        let _ = writeln!(err, "> ({} bytes) {body}", prepared.body.len());
    }
}

fn show_response(response: &fetch::Response) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "< {}", response.status);
    for (name, value) in &response.headers {
        let _ = writeln!(err, "< {name}: {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "cb_test_secret_0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn key_lines_give_id_and_secret() {
        let key = parse_key("# mine\n\nerp-sync:abc:def\n").unwrap();
        assert_eq!(
            (key.id.as_str(), key.secret.as_str()),
            ("erp-sync", "abc:def")
        );
        let legacy = parse_key("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(legacy.id, "");
        assert!(parse_key("# nothing\n").is_none());
        assert!(parse_key("id:").is_none());
    }

    #[test]
    fn native_reads_sign_the_query_and_writes_the_body() {
        let key = ClientKey {
            id: "erp-sync".into(),
            secret: SECRET.into(),
        };
        let base = Url::parse("http://127.0.0.1:8080/bridge2cart/cartbridge").unwrap();
        let pairs = vec![("count".to_string(), "2".to_string())];
        let read = native_request(&base, &key, "product.list", &pairs, false).unwrap();
        assert_eq!(read.verb, "GET");
        assert_eq!(
            read.url.path,
            "/bridge2cart/cartbridge/product.list.json?count=2"
        );
        let header =
            |p: &Prepared, n: &str| p.headers.iter().find(|(h, _)| h == n).unwrap().1.clone();
        let sts = auth::native::string_to_sign(
            &header(&read, "X-Cartbridge-Timestamp"),
            &header(&read, "X-Cartbridge-Nonce"),
            "erp-sync",
            "GET",
            "/product.list.json",
            b"count=2",
            b"",
        );
        assert_eq!(
            header(&read, "X-Cartbridge-Signature"),
            auth::native::signature_header(SECRET, &sts)
        );
        let write = native_request(&base, &key, "product.update", &pairs, false).unwrap();
        assert_eq!(
            (write.verb, write.body.as_slice()),
            ("POST", &br#"{"count":"2"}"#[..])
        );
    }

    #[test]
    fn legacy_bodies_encode_sql_and_verify() {
        let key = ClientKey {
            id: String::new(),
            secret: "0123456789abcdef0123456789abcdef".into(),
        };
        let url = Url::parse("http://x/bridge.php").unwrap();
        let pairs = vec![("query".to_string(), "SELECT 1".to_string())];
        let prepared = legacy_request(&url, &key, "query", &pairs).unwrap();
        let form = parse_urlencoded(&prepared.body).unwrap();
        assert!(auth::legacy::verify(&form, &key.secret));
        assert_eq!(
            form.get_str("query").unwrap(),
            encode_plain_param(b"SELECT 1")
        );
    }

    #[test]
    fn curl_lines_quote_for_the_shell() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
