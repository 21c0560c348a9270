//! cartbridge: the connection bridge between an integration gateway and a
//! shop's database, as one binary.
//!
//! This file only decides how the program was started: as CGI (the web
//! server set `GATEWAY_INTERFACE`), as FastCGI (standard input is a
//! listening socket, as spawn-fcgi, mod_fcgid and systemd hand it over),
//! or from a terminal (the command line in `cli`).

mod access;
mod api;
mod app;
mod auth;
mod cli;
mod db;
mod demo;
mod deploy;
mod form;
mod gzip;
mod http;
mod legacy;
mod platform;
mod state;
mod store;
mod tls;
mod transport;

/// The version of this program.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The incumbent bridge version reported by default on the legacy
/// protocol (the banner and `getconfig`); a migrated store reports its own.
pub const LEGACY_BRIDGE_VERSION: &str = "209";

fn main() {
    if std::env::var_os("GATEWAY_INTERFACE").is_some() {
        std::process::exit(cli::run_cgi());
    }
    if std::env::args_os().len() == 1 {
        if let Some(listener) = transport::fastcgi::Listener::inherited() {
            std::process::exit(cli::run_fastcgi(listener, None));
        }
    }
    std::process::exit(cli::main());
}
