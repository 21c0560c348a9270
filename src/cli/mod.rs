//! The command line: every way of running cartbridge by hand, and the
//! start-up of the CGI and FastCGI modes. Each command parses its own
//! arguments, does its work through the same modules the web path uses,
//! and returns the exit status (0 success, 1 the operation failed,
//! 2 the command line was wrong).

mod call;
mod completions;
mod deploy;
mod detect;
mod doctor;
mod export;
mod fetch;
mod help;
mod install;
mod key;
mod legacy;
mod log;
mod remote;
mod serve;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::store::Bridge;
use crate::VERSION;

pub use serve::{run_cgi, run_fastcgi};

const USAGE: &str = "\
cartbridge — the connection bridge between an integration gateway and a shop's database

USAGE:
    cartbridge call <method> [--store DIR] [--sql-policy none|read|full] [name=value ...]
    cartbridge call --legacy <action> [--store DIR] [--raw] [name=value ...]
    cartbridge detect [--store DIR] [--cart-id ID]
    cartbridge demo [--dir DIR] [--listen ADDR] [--curl]
    cartbridge serve [--store DIR] [--listen ADDR]
    cartbridge fastcgi [--listen ADDR|PATH] [--store DIR]
    cartbridge install --store DIR [--server apache|nginx|none] [--url URL]
    cartbridge doctor [--store DIR] [--url URL]
    cartbridge uninstall [--store DIR]
    cartbridge deploy ftp[s]://USER@HOST[:PORT]/STORE-ROOT [--password-file F | --password-env VAR]
                      [--url URL] [--replace [--import-legacy] | --rollback] [--ca-file PEM]
                      [--binary FILE] [--no-rules]
    cartbridge deploy sftp://USER@HOST[:PORT]/STORE-ROOT [--identity KEY] [--known-hosts FILE] ...
    cartbridge undeploy ftp[s]|sftp://USER@HOST[:PORT]/STORE-ROOT [--password-file F | --password-env VAR]
                        [--identity KEY] [--known-hosts FILE]
    cartbridge key add|set|list|disable|enable|delete|rotate|import-legacy ... [--store DIR]
    cartbridge log [verify] [--key NAME] [--outcome O] [--since T] [--until T] [--store DIR]
    cartbridge import-php-bridge <bridge2cart folder>
    cartbridge decode [--private-key FILE] [FILE]
    cartbridge sign [--legacy] <method> [name=value ...] [--key-file F] [--curl --url URL]
    cartbridge request [--legacy] <URL> <method> [name=value ...] [--key-file F] [--raw] [-v]
    cartbridge export <products|categories|customers|orders> [--store DIR | --url URL] [--format jsonl|csv] [--output FILE] [--resume]
    cartbridge completions bash|zsh|fish
    cartbridge --help | --version

COMMANDS:
    call      Run a native method against the store on this machine and print
              the JSON answer (no signature needed: you can read the store).
              sql.query runs read-only unless --sql-policy full.
    detect    Say which shop platform the store is and what its files say about
              its database (never the password), version, table prefix,
              charset, time zone and image folders.
    demo      Create a demo OpenCart store on SQLite and serve it on
              http://127.0.0.1:8080 (default), printing keys and ready-to-paste
              curl calls (--curl: print fresh calls for the demo store only).
    serve     Serve a store over plain HTTP on 127.0.0.1:8080 (for testing).
    fastcgi   Serve FastCGI on an address or unix socket (web servers using
              fastcgi_pass); without --listen, on the socket inherited on fd 0.
    key       Manage API keys: addresses, scopes, rotation (`key help`).
    log       Show the history of calls, or verify its hash chain (`log --help`).
    import-php-bridge
              Take over from the PHP bridge in that folder: its store key,
              public key, key id and version go into .cartbridge/config.toml.
    decode    Show a legacy answer (base64, PHP serialize, or an encrypted
              envelope with the gateway's private key) as JSON; reads FILE
              or standard input.
    sign      Sign a call for a remote bridge: the headers (native), the
              body (--legacy), or a whole curl command (--curl).
    request   Send a signed call to a remote bridge and show the answer
              (JSON, legacy answers decoded; --raw, -v).
    export    Write a whole catalogue to JSON Lines or CSV, page by page
              (keyset cursors), with a progress bar; --resume after a stop.
    install   Install the bridge into a shop: bridge2cart/ with the binary, the
              private config and first keys (shown once), the web server's
              rules (detected, or --server); then runs doctor.
    doctor    Check the shop, its database, the files and modes and, with
              --url, the web server; says how to fix each problem. Exit
              status 1 when something must be fixed.
    uninstall Remove every file install wrote (keys included).
    deploy    Upload the bridge into a shop over FTP, FTPS or SFTP, as gateways
              do: the shop detected by listing, binary mode with size and
              SHA-256 checked, modes set and checked, new keys shown once, then
              a signed cart.info at --url (default: the address in the shop's
              config.php or wp-config.php). The password comes from
              --password-file, CARTBRIDGE_DEPLOY_PASSWORD or the terminal; SFTP
              also logs in with --identity KEY (passphrase from
              CARTBRIDGE_DEPLOY_PASSPHRASE or the terminal) and trusts only host
              keys in --known-hosts (default ~/.ssh/known_hosts).
              --replace moves an existing bridge2cart/ aside (--import-legacy
              keeps the store key of its config.php); --rollback restores it.
    undeploy  Remove from the server exactly what deploy wrote.

    completions
              Print the tab-completion script for bash, zsh or fish.

`cartbridge <command> --help` shows a command's options and examples.

Data goes to standard output, messages to standard error. Colour is used
only on a terminal, and never when NO_COLOR is set.

EXIT STATUS: 0 success; 1 the operation failed (the bridge refused a call,
a check failed, a file could not be written); 2 the command line was wrong
or a key could not be used. Keys are never taken as arguments: use a key
file (one line id:secret, mode 600) or CARTBRIDGE_KEY=id:secret.

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
    let name = command.to_str().unwrap_or("");
    if help::asked(&args) {
        if let Some(text) = help::of(name) {
            print!("{text}");
            return 0;
        }
    }
    let result = match name {
        "call" => call::run(args),
        "key" => key::run(args),
        "log" => log::run(args),
        "detect" => detect::run(args),
        "demo" => serve::demo(args),
        "serve" => serve::serve(args),
        "fastcgi" => serve::fastcgi_command(args),
        "import-php-bridge" => legacy::import(args),
        "decode" => legacy::decode(args),
        "sign" => remote::sign(args),
        "export" => export::run(args),
        "completions" => completions::run(args),
        "request" => remote::request(args),
        "install" => install::install(args),
        "uninstall" => install::uninstall(args),
        "doctor" => doctor::run(args),
        "deploy" => deploy::deploy(args),
        "undeploy" => deploy::undeploy(args),
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
