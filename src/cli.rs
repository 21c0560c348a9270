//! The command line: every way of running cartbridge by hand, and the
//! start-up of the CGI and FastCGI modes. Each command parses its own
//! arguments, does its work through the same modules the web path uses,
//! and returns the exit status (0 success, 1 the operation failed,
//! 2 the command line was wrong).

use std::ffi::OsString;
use std::io::{self, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lexopt::prelude::*;

use crate::api::{self, Params};
use crate::http::{respond, Request, ResponseSink};
use crate::store::{self, Bridge};
use crate::transport::{cgi, fastcgi, local};
use crate::{app, VERSION};

const USAGE: &str = "\
cartbridge — the connection bridge between an integration gateway and a shop's database

USAGE:
    cartbridge call <method> [--store DIR] [name=value ...]
    cartbridge demo [--dir DIR] [--listen ADDR]
    cartbridge serve [--store DIR] [--listen ADDR]
    cartbridge fastcgi [--listen ADDR|PATH] [--store DIR]
    cartbridge --help | --version

COMMANDS:
    call      Run a native method against the store on this machine and print
              the JSON answer (no signature needed: you can read the store).
    demo      Create a demo OpenCart store on SQLite and serve it on
              http://127.0.0.1:8080 (default), printing keys and example calls.
    serve     Serve a store over plain HTTP on 127.0.0.1:8080 (for testing).
    fastcgi   Serve FastCGI on an address or unix socket (web servers using
              fastcgi_pass); without --listen, on the socket inherited on fd 0.

Under a web server the binary needs no arguments: it runs as CGI when
GATEWAY_INTERFACE is set, and as FastCGI when standard input is a listening
socket. --store DIR is the shop's root folder; without it, the store is the
folder the binary sits in, or its parent.
";

type Failure = (i32, String);

pub fn main() -> i32 {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        print!("{USAGE}");
        return 0;
    }
    let command = args.remove(0);
    let result = match command.to_str().unwrap_or("") {
        "call" => call(args),
        "demo" => demo(args),
        "serve" => serve(args),
        "fastcgi" => fastcgi_command(args),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(0)
        }
        "-V" | "--version" | "version" => {
            println!("cartbridge {VERSION}");
            Ok(0)
        }
        other => Err((
            2,
            format!("unknown command '{other}'; run `cartbridge --help` for the list"),
        )),
    };
    match result {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("cartbridge: {message}");
            code
        }
    }
}

fn usage_error(e: lexopt::Error) -> Failure {
    (2, format!("{e}; run `cartbridge --help`"))
}

/// The store a command works on.
fn bridge_for(store: Option<PathBuf>) -> Bridge {
    match store {
        Some(root) => Bridge::for_store(&root),
        None => Bridge::locate(None),
    }
}

fn call(args: Vec<OsString>) -> Result<i32, Failure> {
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

fn listen_arg(parser: &mut lexopt::Parser) -> Result<String, Failure> {
    parser
        .value()
        .map_err(usage_error)?
        .into_string()
        .map_err(|_| (2, "--listen must be UTF-8".to_string()))
}

fn serve(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    let mut listen = "127.0.0.1:8080".to_string();
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("listen") => listen = listen_arg(&mut parser)?,
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let bridge = bridge_for(store);
    serve_bridge(bridge, &listen)
}

fn serve_bridge(bridge: Bridge, listen: &str) -> Result<i32, Failure> {
    let listener =
        TcpListener::bind(listen).map_err(|e| (1, format!("cannot listen on {listen}: {e}")))?;
    let max_body = bridge.max_body_bytes();
    let handler =
        move |request: Request, sink: &mut dyn ResponseSink| app::handle(request, &bridge, sink);
    local::serve(listener, max_body, Arc::new(handler)).map_err(|e| (1, e.to_string()))?;
    Ok(0)
}

fn fastcgi_command(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    let mut listen = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("listen") => listen = Some(listen_arg(&mut parser)?),
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let listener = match listen {
        Some(address) => {
            fastcgi::Listener::bind(&address).map_err(|e| (1, format!("cannot listen on {address}: {e}")))?
        }
        None => fastcgi::Listener::inherited().ok_or((
            2,
            "standard input is not a listening socket: give --listen ADDR|PATH, or start the binary from spawn-fcgi, mod_fcgid or a systemd socket".to_string(),
        ))?,
    };
    Ok(run_fastcgi(listener, store))
}

/// Serves FastCGI. With a store, every request is for it; without one,
/// each request's `SCRIPT_FILENAME` names its bridge folder.
pub fn run_fastcgi(listener: fastcgi::Listener, store: Option<PathBuf>) -> i32 {
    let fixed = store.map(|root| Bridge::for_store(&root));
    let max_body = fixed
        .as_ref()
        .map(Bridge::max_body_bytes)
        .unwrap_or(store::DEFAULT_MAX_BODY_BYTES);
    let options = fastcgi::Options {
        max_body_bytes: max_body,
        max_connections: 16,
        web_server_addrs: fastcgi::web_server_addrs_from_env(),
    };
    let handler = move |request: Request, sink: &mut dyn ResponseSink| match &fixed {
        Some(bridge) => app::handle(request, bridge, sink),
        None => {
            let bridge = Bridge::locate(script_path(&request).as_deref());
            app::handle(request, &bridge, sink)
        }
    };
    match fastcgi::serve(listener, &options, &handler) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("cartbridge: FastCGI server stopped: {e}");
            1
        }
    }
}

fn script_path(request: &Request) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    request
        .script_filename
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| PathBuf::from(std::ffi::OsStr::from_bytes(s)))
}

/// One CGI request: read it, answer it, exit.
pub fn run_cgi() -> i32 {
    let env = cgi::Environment::from_process();
    let bridge = Bridge::locate(env.script_filename().as_deref());
    let mut request = env.request();
    let stdout = io::stdout();
    let mut sink = cgi::CgiSink::new(stdout.lock());
    let mut stdin = io::stdin().lock();
    match cgi::read_body(&mut stdin, env.content_length(), bridge.max_body_bytes()) {
        Ok(Ok(body)) => request.body = body,
        Ok(Err(length)) => {
            let message = format!(
                "{{\"return_code\":413,\"return_message\":\"request body too large: {length} bytes, the limit is {} bytes (max_body_bytes in config.toml)\",\"result\":null}}\n",
                bridge.max_body_bytes()
            );
            let _ = respond(&mut sink, 413, api::CONTENT_TYPE, message.as_bytes());
            return 0;
        }
        Err(e) => {
            let _ = respond(
                &mut sink,
                400,
                "text/plain; charset=utf-8",
                format!("cannot read the request body: {e}").as_bytes(),
            );
            return 0;
        }
    }
    app::handle(request, &bridge, &mut sink);
    if !sink.started() {
        let _ = respond(&mut sink, 500, "text/plain; charset=utf-8", b"no answer");
    }
    let _ = sink.flush();
    0
}

fn demo(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut dir = PathBuf::from("cartbridge-demo");
    let mut listen = "127.0.0.1:8080".to_string();
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("dir") => dir = PathBuf::from(parser.value().map_err(usage_error)?),
            Long("listen") => listen = listen_arg(&mut parser)?,
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let demo = crate::demo::create(&dir).map_err(|e| {
        (
            1,
            format!("cannot create the demo store in {}: {e}", dir.display()),
        )
    })?;
    println!("{}", demo.instructions(&listen));
    let _ = io::stdout().flush();
    serve_bridge(Bridge::for_store(Path::new(&demo.root)), &listen)
}
