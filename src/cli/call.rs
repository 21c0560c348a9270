//! `cartbridge call`: run a native method against the store on this
//! machine, without a signature, and print the same envelope the HTTP API
//! would send.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use lexopt::prelude::*;

use super::{bridge_for, usage_error, Failure};
use crate::api::{self, Params};

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut method = None;
    let mut store = None;
    let mut pairs = Vec::new();
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
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
    let answer = Params::from_pairs(pairs).and_then(|params| {
        let shop = bridge.shop(&bridge.store_root(), None)?;
        api::run(&method, params, shop, None)
    });
    let failed = answer.is_err();
    let body = api::envelope(answer.as_ref().cloned());
    let pretty: serde_json::Value = serde_json::from_slice(&body).expect("envelope is JSON");
    let mut out = io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, &pretty);
    let _ = writeln!(out);
    Ok(i32::from(failed))
}
