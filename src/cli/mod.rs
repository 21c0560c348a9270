//! The command line: every way of running cartbridge by hand, and the
//! start-up of the CGI and FastCGI modes. Each command parses its own
//! arguments, does its work through the same modules the web path uses,
//! and returns the exit status (0 success, 1 the operation failed,
//! 2 the command line was wrong).

mod call;
mod detect;
mod serve;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::store::Bridge;
use crate::VERSION;

pub use serve::{run_cgi, run_fastcgi};

const USAGE: &str = "\
cartbridge — the connection bridge between an integration gateway and a shop's database

USAGE:
    cartbridge call <method> [--store DIR] [name=value ...]
    cartbridge detect [--store DIR] [--cart-id ID]
    cartbridge demo [--dir DIR] [--listen ADDR]
    cartbridge serve [--store DIR] [--listen ADDR]
    cartbridge fastcgi [--listen ADDR|PATH] [--store DIR]
    cartbridge --help | --version

COMMANDS:
    call      Run a native method against the store on this machine and print
              the JSON answer (no signature needed: you can read the store).
    detect    Say which shop platform the store is and what its files say about
              its database (never the password), version, table prefix,
              charset, time zone and image folders.
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

/// An exit status and the message that explains it.
pub type Failure = (i32, String);

pub fn main() -> i32 {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        print!("{USAGE}");
        return 0;
    }
    let command = args.remove(0);
    let result = match command.to_str().unwrap_or("") {
        "call" => call::run(args),
        "detect" => detect::run(args),
        "demo" => serve::demo(args),
        "serve" => serve::serve(args),
        "fastcgi" => serve::fastcgi_command(args),
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

pub fn usage_error(e: lexopt::Error) -> Failure {
    (2, format!("{e}; run `cartbridge --help`"))
}

/// The store a command works on.
pub fn bridge_for(store: Option<PathBuf>) -> Bridge {
    match store {
        Some(root) => Bridge::for_store(&root),
        None => Bridge::locate(None),
    }
}
