//! The serving commands: the CGI and FastCGI start-up a web server
//! triggers, `cartbridge fastcgi`, `cartbridge serve` and `cartbridge demo`.

use std::ffi::OsString;
use std::io::{self, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lexopt::prelude::*;

use super::{bridge_for, usage_error, Failure};
use crate::api;
use crate::app;
use crate::http::{respond, Request, ResponseSink};
use crate::store::{self, Bridge};
use crate::transport::{cgi, fastcgi, local};

fn listen_arg(parser: &mut lexopt::Parser) -> Result<String, Failure> {
    parser
        .value()
        .map_err(usage_error)?
        .into_string()
        .map_err(|_| (2, "--listen must be UTF-8".to_string()))
}

pub fn serve(args: Vec<OsString>) -> Result<i32, Failure> {
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
    serve_listener(bridge, listener)
}

fn serve_listener(bridge: Bridge, listener: TcpListener) -> Result<i32, Failure> {
    let max_body = bridge.max_body_bytes();
    let handler =
        move |request: Request, sink: &mut dyn ResponseSink| app::handle(request, &bridge, sink);
    local::serve(listener, max_body, Arc::new(handler)).map_err(|e| (1, e.to_string()))?;
    Ok(0)
}

pub fn fastcgi_command(args: Vec<OsString>) -> Result<i32, Failure> {
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
    // Many requests per process: keep database connections between them.
    crate::db::pool::enable();
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
            let _ = sink.flush();
            app::record_refused(&request, &bridge, 413, message.len() as u64);
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

pub fn demo(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut dir = PathBuf::from("cartbridge-demo");
    let mut listen = "127.0.0.1:8080".to_string();
    let mut curl_only = false;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("dir") => dir = PathBuf::from(parser.value().map_err(usage_error)?),
            Long("listen") => listen = listen_arg(&mut parser)?,
            Long("curl") => curl_only = true,
            other => return Err(usage_error(other.unexpected())),
        }
    }
    if curl_only {
        let demo = crate::demo::Demo::open(&dir).map_err(|e| (1, e))?;
        let commands = demo
            .curl_commands(&listen)
            .map_err(|e| (1, e.to_string()))?;
        println!("{}", commands.join("\n"));
        return Ok(0);
    }
    // Bind first: a port in use should not cost the store's rebuild.
    let listener =
        TcpListener::bind(&listen).map_err(|e| (1, format!("cannot listen on {listen}: {e}")))?;
    print!(
        "cartbridge demo: building the demo store in {} ... ",
        dir.display()
    );
    let _ = io::stdout().flush();
    let started = std::time::Instant::now();
    let demo = crate::demo::create(&dir).map_err(|e| {
        (
            1,
            format!("cannot create the demo store in {}: {e}", dir.display()),
        )
    })?;
    println!("done in {:.1} s\n", started.elapsed().as_secs_f64());
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or(listen);
    let instructions = demo
        .instructions(&address)
        .map_err(|e| (1, e.to_string()))?;
    println!("{instructions}");
    let _ = io::stdout().flush();
    serve_listener(Bridge::for_store(Path::new(&demo.root)), listener)
}
