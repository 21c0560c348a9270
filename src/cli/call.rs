//! `cartbridge call`: run a native method against the store on this
//! machine, without a signature, and print the same envelope the HTTP API
//! would send.
//!
//! The local operator can read the shop's config (and so its database
//! password): a signature would prove nothing. `sql.query` still runs under
//! the `read` policy unless `--sql-policy full` says otherwise, so that a
//! slip at the prompt cannot change the shop.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use lexopt::prelude::*;

use super::{bridge_for, usage_error, Failure};
use crate::api;
use crate::http::BufferedResponse;
use crate::store::SqlPolicy;

pub(super) const HELP: &str = "\
cartbridge call — run a native method on the store on this machine

USAGE:
    cartbridge call <method> [--store DIR] [--sql-policy none|read|full] [name=value ...]
    cartbridge call --legacy <action> [--store DIR] [--raw] [name=value ...]

Prints the JSON envelope the HTTP API would send; no signature is needed
(whoever can read the store's config can read its database anyway).
sql.query runs read-only unless --sql-policy full.

--legacy runs one of the incumbent's actions (query, multiquery,
getconfig, ...) through the legacy protocol, signed with the store's own
key: SQL in query=, queries=, data= is given as plain text and encoded for
you. The answer is shown decoded as JSON; --raw prints the exact bytes a
gateway would receive.

EXAMPLES:
    cartbridge call product.count --store /var/www/shop
    cartbridge call product.list count=5 status=enabled
    cartbridge call product.update id=40 price=99.5
    cartbridge call sql.query 'sql=SELECT COUNT(*) FROM oc_product'
    cartbridge call --legacy query 'query=SELECT COUNT(*) FROM oc_product' fetchMode=1

EXIT STATUS: 0 success, 1 the method failed (the envelope says why),
2 wrong command line.
";

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut method = None;
    let mut store = None;
    let mut pairs = Vec::new();
    let mut sql_policy = SqlPolicy::Read;
    let (mut legacy, mut raw) = (false, false);
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("legacy") => legacy = true,
            Long("raw") => raw = true,
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("sql-policy") => {
                let value = parser.value().map_err(usage_error)?;
                sql_policy = match value.to_str() {
                    Some("none") => SqlPolicy::None,
                    Some("read") => SqlPolicy::Read,
                    Some("full") => SqlPolicy::Full,
                    _ => return Err((2, "--sql-policy takes none, read or full".to_string())),
                };
            }
            Value(value) => {
                let value = value
                    .into_string()
                    .map_err(|_| (2, "arguments must be UTF-8".to_string()))?;
                if method.is_none() {
                    method = Some(value);
                } else {
                    let (name, v) = value
                        .split_once('=')
                        .ok_or_else(|| (2, format!("'{value}' is not name=value")))?;
                    pairs.push((name.to_string(), v.to_string()));
                }
            }
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let method = method.ok_or((
        2,
        "call needs a method, e.g. `cartbridge call product.count`".to_string(),
    ))?;
    let bridge = bridge_for(store);
    if legacy {
        return call_legacy(&bridge, &method, &pairs, raw);
    }
    let mut answer = BufferedResponse::default();
    let _ = api::call_local(&method, pairs, &bridge, sql_policy, &mut answer);
    let mut out = io::stdout().lock();
    match serde_json::from_slice::<serde_json::Value>(&answer.body) {
        Ok(pretty) => {
            let _ = serde_json::to_writer_pretty(&mut out, &pretty);
            let _ = writeln!(out);
        }
        // An answer cut short (the reason is on stderr): show what came.
        Err(_) => {
            let _ = out.write_all(&answer.body);
            let _ = writeln!(out);
            return Ok(1);
        }
    }
    Ok(i32::from(answer.status != 200))
}

/// An incumbent action run here as the gateway would send it: a body
/// signed with the store key, from loopback, through the web path.
fn call_legacy(
    bridge: &crate::store::Bridge,
    action: &str,
    pairs: &[(String, String)],
    raw: bool,
) -> Result<i32, Failure> {
    let token = bridge.legacy_token().map_err(|e| {
        (
            1,
            format!("the store has no usable store key ({e}): see `cartbridge doctor`"),
        )
    })?;
    let request = crate::http::Request {
        method: "POST".into(),
        path_info: Vec::new(),
        query: Vec::new(),
        headers: vec![(
            "content-type".into(),
            b"application/x-www-form-urlencoded".to_vec(),
        )],
        body: super::remote::legacy_body(&token, action, pairs)?,
        peer: Some(std::net::IpAddr::from([127, 0, 0, 1])),
        script_filename: None,
    };
    let mut answer = BufferedResponse::default();
    crate::app::handle(request, bridge, &mut answer);
    let mut out = io::stdout().lock();
    if raw {
        let _ = out.write_all(&answer.body);
    } else {
        match super::legacy::decode_answer(&answer.body, None) {
            Ok(json) => {
                let _ = serde_json::to_writer_pretty(&mut out, &json);
            }
            Err(_) => {
                let _ = out.write_all(&answer.body);
            }
        }
        let _ = writeln!(out);
    }
    Ok(i32::from(answer.status != 200))
}
