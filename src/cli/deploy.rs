//! `cartbridge deploy` and `cartbridge undeploy`: the bridge uploaded into
//! a shop over FTP, FTPS or SFTP with the owner's credentials, used for
//! this session only (the password comes from a file, an environment
//! variable or the terminal, never from the command line, and is written
//! nowhere; SFTP also takes an SSH key), then called over HTTP with a
//! signed `cart.info` at the address given or read from the shop's own
//! settings.

use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lexopt::prelude::*;

use super::doctor::{self, BINARY_NAME};
use super::fetch::Url;
use super::install::{create_first_key, FIRST_KEY_ID, HTACCESS};
use super::{usage_error, Failure};
use crate::deploy::{ftp::Ftp, Remote, Site, Upload, BRIDGE_DIR};
use crate::platform::php::{PhpFile, PhpValue};
use crate::store::{self, Bridge, BridgeConfig};

/// The environment variable read for the password when no other source
/// is given.
const PASSWORD_ENV: &str = "CARTBRIDGE_DEPLOY_PASSWORD";
/// The environment variable read for the passphrase of an encrypted
/// `--identity` key (else it is asked on the terminal).
#[cfg(feature = "sftp")]
const PASSPHRASE_ENV: &str = "CARTBRIDGE_DEPLOY_PASSPHRASE";

/// How the files travel.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scheme {
    Ftp,
    Ftps,
    Sftp,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Ftp => "ftp",
            Scheme::Ftps => "ftps",
            Scheme::Sftp => "sftp",
        }
    }
}

/// Where the shop is: `ftp://user@host:port/path`.
struct Target {
    scheme: Scheme,
    user: String,
    host: String,
    port: u16,
    root: String,
}

impl Target {
    fn parse(text: &str) -> Result<Target, Failure> {
        let url = url::Url::parse(text).map_err(|e| (2, format!("'{text}': {e}")))?;
        if url.password().is_some() {
            return Err((
                2,
                format!("the password must not be in the address (it stays in shell history and process lists): give it with --password-file FILE or {PASSWORD_ENV}"),
            ));
        }
        let scheme = match url.scheme() {
            "ftp" => Scheme::Ftp,
            "ftps" => Scheme::Ftps,
            "sftp" if cfg!(feature = "sftp") => Scheme::Sftp,
            "sftp" => {
                return Err((
                    1,
                    "sftp:// is not in this build (built without the `sftp` feature): use ftps:// (or ftp:// on a trusted network)".into(),
                ))
            }
            other => return Err((2, format!("'{other}://': use ftp://, ftps:// or sftp://"))),
        };
        let user = decode(url.username());
        if user.is_empty() {
            return Err((2, format!("'{text}' names no user: ftp://USER@host/path")));
        }
        Ok(Target {
            scheme,
            user,
            host: url
                .host_str()
                .unwrap_or("")
                .trim_matches(['[', ']'])
                .to_string(),
            port: url
                .port()
                .unwrap_or(if scheme == Scheme::Sftp { 22 } else { 21 }),
            root: decode(url.path()),
        })
    }

    fn show(&self) -> String {
        format!(
            "{}://{}@{}:{}{}",
            self.scheme.name(),
            self.user,
            self.host,
            self.port,
            self.root
        )
    }
}

/// Percent-decoding of a URL part (`%40` in a user name is `@`).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The options shared by deploy and undeploy.
#[derive(Default)]
struct Options {
    target: Option<String>,
    password_file: Option<PathBuf>,
    password_env: Option<String>,
    ca_file: Option<PathBuf>,
    identity: Option<PathBuf>,
    known_hosts: Option<PathBuf>,
    binary: Option<PathBuf>,
    url: Option<Url>,
    replace: bool,
    rollback: bool,
    rules: bool,
    import_legacy: bool,
}

fn parse(args: Vec<OsString>, deploy: bool) -> Result<Options, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut o = Options {
        rules: true,
        ..Options::default()
    };
    let path = |p: &mut lexopt::Parser| p.value().map(PathBuf::from).map_err(usage_error);
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Value(v) if o.target.is_none() => {
                o.target = Some(v.into_string().map_err(|_| (2, "the address must be UTF-8".to_string()))?)
            }
            Long("password-file") => o.password_file = Some(path(&mut parser)?),
            Long("password-env") => {
                o.password_env = Some(parser.value().map_err(usage_error)?.to_string_lossy().into())
            }
            Long("ca-file") => o.ca_file = Some(path(&mut parser)?),
            Long("identity") => o.identity = Some(path(&mut parser)?),
            Long("known-hosts") => o.known_hosts = Some(path(&mut parser)?),
            Long("password") => {
                return Err((
                    2,
                    format!("--password is not accepted (arguments are visible to every user of the machine): use --password-file FILE or {PASSWORD_ENV}"),
                ))
            }
            Long("binary") if deploy => o.binary = Some(path(&mut parser)?),
            Long("url") if deploy => o.url = Some(doctor::url_arg(&mut parser)?),
            Long("replace") if deploy => o.replace = true,
            Long("rollback") if deploy => o.rollback = true,
            Long("no-rules") if deploy => o.rules = false,
            Long("import-legacy") if deploy => o.import_legacy = true,
            other => return Err(usage_error(other.unexpected())),
        }
    }
    Ok(o)
}

/// The password: from the file, the variable, or the terminal.
fn password(o: &Options) -> Result<String, Failure> {
    if let Some(file) = &o.password_file {
        let text = std::fs::read_to_string(file).map_err(|e| {
            (
                1,
                format!("cannot read the password file {}: {e}", file.display()),
            )
        })?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_string());
    }
    let name = o.password_env.as_deref().unwrap_or(PASSWORD_ENV);
    if let Some(value) = std::env::var_os(name) {
        return value
            .into_string()
            .map_err(|_| (1, format!("{name} is not UTF-8")));
    }
    prompt_secret("password: ").map_err(|e| {
        (
            1,
            format!("no password: give --password-file FILE or set {PASSWORD_ENV} (no terminal to ask on: {e})"),
        )
    })
}

/// Asks on the terminal with echo off.
fn prompt_secret(prompt: &str) -> io::Result<String> {
    use std::os::fd::AsRawFd;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for an open fd.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut quiet = saved;
    quiet.c_lflag &= !libc::ECHO;
    (&tty).write_all(prompt.as_bytes())?;
    // SAFETY: fd is the open terminal; quiet is a valid termios.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    let mut line = String::new();
    let read = io::BufReader::new(&tty).read_line(&mut line);
    // SAFETY: as above, restoring what tcgetattr gave.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    (&tty).write_all(b"\n")?;
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The TLS settings of FTPS: the usual roots, and `--ca-file`'s (else
/// `SSL_CERT_FILE`'s).
fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, Failure> {
    match ca_file {
        Some(file) => crate::tls::client_with(Some(file), "--ca-file"),
        None => crate::tls::client(),
    }
    .map_err(|e| (1, e))
}

fn connect(o: &Options) -> Result<(Target, Box<dyn Remote>), Failure> {
    let text = o.target.as_deref().ok_or((
        2,
        "give the shop's address: ftp://user@host[:port]/path/to/store-root (or ftps://, sftp://)"
            .to_string(),
    ))?;
    let target = Target::parse(text)?;
    if target.scheme != Scheme::Sftp && (o.identity.is_some() || o.known_hosts.is_some()) {
        return Err((
            2,
            "--identity and --known-hosts are for sftp:// only".into(),
        ));
    }
    let failed = |e: io::Error| (1, format!("{}: {e}", target.show()));
    let remote: Box<dyn Remote> = match target.scheme {
        Scheme::Ftp | Scheme::Ftps => {
            let tls = if target.scheme == Scheme::Ftps {
                Some(tls_config(o.ca_file.as_deref())?)
            } else {
                None
            };
            let password = password(o)?;
            Box::new(
                Ftp::login(&target.host, target.port, &target.user, &password, tls)
                    .map_err(failed)?,
            )
        }
        #[cfg(feature = "sftp")]
        Scheme::Sftp => Box::new(sftp_login(o, &target)?),
        #[cfg(not(feature = "sftp"))]
        Scheme::Sftp => unreachable!("Target::parse refuses sftp:// without the feature"),
    };
    Ok((target, remote))
}

/// Logs in over SSH: with `--identity`'s key, else the password; the
/// host key must be in `--known-hosts` (default ~/.ssh/known_hosts).
#[cfg(feature = "sftp")]
fn sftp_login(o: &Options, target: &Target) -> Result<crate::deploy::sftp::Sftp, Failure> {
    use crate::deploy::sftp::{Identity, Login, Sftp};
    if o.ca_file.is_some() {
        return Err((
            2,
            "--ca-file is for ftps:// only: SSH checks the host key against --known-hosts".into(),
        ));
    }
    let known_hosts = match &o.known_hosts {
        Some(file) => file.clone(),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".ssh/known_hosts"))
            .ok_or((
                1,
                "no HOME to find ~/.ssh/known_hosts in: give --known-hosts FILE".to_string(),
            ))?,
    };
    let identity;
    let password_text;
    let login = match &o.identity {
        Some(file) => {
            identity = Identity::load(file, || {
                if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
                    return value
                        .into_string()
                        .map_err(|_| format!("{PASSPHRASE_ENV} is not UTF-8"));
                }
                prompt_secret(&format!("passphrase for {}: ", file.display())).map_err(|e| {
                    format!(
                        "the key is encrypted: set {PASSPHRASE_ENV} (no terminal to ask on: {e})"
                    )
                })
            })
            .map_err(|e| (1, e))?;
            Login::Key(&identity)
        }
        None => {
            password_text = password(o)
                .map_err(|(code, why)| (code, format!("{why}; or log in with --identity KEY")))?;
            Login::Password(&password_text)
        }
    };
    Sftp::login(&target.host, target.port, &target.user, login, &known_hosts)
        .map_err(|e| (1, format!("{}: {e}", target.show())))
}

pub fn deploy(args: Vec<OsString>) -> Result<i32, Failure> {
    let o = parse(args, true)?;
    let (target, mut remote) = connect(&o)?;
    let result = if o.rollback {
        withdraw(&target, &mut *remote, true)
    } else {
        upload(&o, &target, &mut *remote)
    };
    remote.close();
    result
}

pub fn undeploy(args: Vec<OsString>) -> Result<i32, Failure> {
    let o = parse(args, false)?;
    let (target, mut remote) = connect(&o)?;
    let result = withdraw(&target, &mut *remote, false);
    remote.close();
    result
}

fn withdraw(target: &Target, remote: &mut dyn Remote, rollback: bool) -> Result<i32, Failure> {
    let mut site = Site::new(remote, &target.root);
    let manifest = site
        .manifest()
        .map_err(|e| (1, format!("cannot read deploy's manifest: {e}")))?
        .ok_or_else(|| {
            (
                1,
                format!(
                    "{}/{BRIDGE_DIR} was not written by `cartbridge deploy` (no manifest): nothing was removed",
                    target.show()
                ),
            )
        })?;
    if rollback && !manifest.backup {
        return Err((
            1,
            "the last deploy replaced nothing, there is no backup to roll back to: use `cartbridge undeploy` to remove the bridge".into(),
        ));
    }
    println!(
        "cartbridge {}: {}",
        if rollback { "rollback" } else { "undeploy" },
        target.show()
    );
    let lines = site
        .withdraw(&manifest)
        .map_err(|e| (1, format!("stopped: {e}")))?;
    for line in lines {
        println!("  {line}");
    }
    Ok(0)
}

fn upload(o: &Options, target: &Target, remote: &mut dyn Remote) -> Result<i32, Failure> {
    let binary = match &o.binary {
        Some(path) => path.clone(),
        None => {
            std::env::current_exe().map_err(|e| (1, format!("cannot find this program: {e}")))?
        }
    };
    let binary = std::fs::read(&binary).map_err(|e| (1, format!("{}: {e}", binary.display())))?;
    let mut site = Site::new(remote, &target.root);
    let imported = if o.import_legacy {
        Some(incumbent_token(&mut site)?)
    } else {
        None
    };
    let (config, shown) =
        fresh_config(imported).map_err(|e| (1, format!("cannot create keys: {e}")))?;
    let config_text = store::render_private_config(&config).map_err(|e| (1, e.to_string()))?;
    let private = format!("{BRIDGE_DIR}/{}", store::PRIVATE_DIR);
    let mut uploads = vec![Upload {
        path: format!("{BRIDGE_DIR}/{BINARY_NAME}"),
        bytes: binary,
        mode: 0o755,
    }];
    if o.rules {
        uploads.push(Upload {
            path: format!("{BRIDGE_DIR}/.htaccess"),
            bytes: HTACCESS.as_bytes().to_vec(),
            mode: 0o644,
        });
    }
    uploads.push(Upload {
        path: format!("{private}/config.toml"),
        bytes: config_text.into_bytes(),
        mode: 0o600,
    });
    let dirs = [(BRIDGE_DIR, 0o755), (private.as_str(), 0o700)];
    println!("cartbridge deploy: {}", target.show());
    let manifest = site
        .deploy(o.replace, &dirs, &uploads)
        .map_err(|refusal| (1, format!("deploy refused: {refusal}")))?;
    let platform = site.detect().map(|p| p.name.clone());
    if manifest.backup {
        println!("  moved    the existing {BRIDGE_DIR}/ aside (`cartbridge deploy --rollback` restores it)");
    }
    for upload in &uploads {
        println!(
            "  uploaded {} ({} bytes, mode {:03o}, SHA-256 checked: {})",
            site.path(&upload.path),
            upload.bytes.len(),
            upload.mode,
            site.checked_by
        );
    }
    for line in shown {
        println!("  {line}");
    }
    let url = match &o.url {
        Some(url) => url.clone(),
        None => match shop_url(&mut |rel| site.read(rel).ok().flatten()) {
            Some((url, from)) => {
                println!("  calling  {url} (the shop's address in {from}; --url gives another)");
                url
            }
            None => {
                println!("  not checked over HTTP: the shop's settings name no address this can read; give --url https://shop.example/ to call the bridge");
                return Ok(0);
            }
        },
    };
    let url = &url;
    let bridge = Bridge {
        dir: PathBuf::from(site.path(BRIDGE_DIR)),
        config,
        config_error: None,
    };
    let report = doctor::diagnose_remote(
        &bridge,
        platform.as_deref().unwrap_or(""),
        url,
        &target.show(),
    );
    println!();
    print!("{}", report.render());
    if report.failed() {
        println!(
            "The bridge is on the server but does not answer as it must (causes above). To go back: cartbridge {} {}",
            if manifest.backup { "deploy --rollback" } else { "undeploy" },
            target.show()
        );
    }
    Ok(i32::from(report.failed()))
}

/// Where the shop says it is, read from its settings files on the server
/// (HTTPS first), and which setting said so: OpenCart's `HTTPS_SERVER` and
/// `HTTP_SERVER` in config.php, WordPress's `WP_SITEURL` and `WP_HOME` in
/// wp-config.php. Addresses kept only in the shop's database (WordPress's
/// `siteurl` option, Magento's `web/secure/base_url`, PrestaShop's
/// `shop_url`) are out of reach from a file transfer session.
fn shop_url(read: &mut dyn FnMut(&str) -> Option<Vec<u8>>) -> Option<(Url, String)> {
    const SETTINGS: [(&str, [&str; 2]); 2] = [
        ("config.php", ["HTTPS_SERVER", "HTTP_SERVER"]),
        ("wp-config.php", ["WP_SITEURL", "WP_HOME"]),
    ];
    let mut found = Vec::new();
    for (file, names) in SETTINGS {
        let Some(source) = read(file) else { continue };
        let php = PhpFile::parse_bytes(&source, std::path::Path::new(file));
        for name in names {
            let url = php
                .define(name)
                .and_then(PhpValue::to_php_string)
                .and_then(|text| Url::parse(&text).ok());
            if let Some(url) = url {
                found.push((url, format!("{file}'s {name}")));
            }
        }
    }
    // Stable: among the HTTPS ones (then the others), the file's order.
    found.sort_by_key(|(url, _)| !url.https);
    found.into_iter().next()
}

/// The store key of the incumbent's `bridge2cart/config.php` on the server
/// (`--import-legacy`): the gateway keeps using it.
fn incumbent_token(site: &mut Site) -> Result<String, Failure> {
    let rel = format!("{BRIDGE_DIR}/config.php");
    let path = site.path(&rel);
    let source = site
        .read(&rel)
        .map_err(|e| (1, format!("cannot read {path}: {e}")))?
        .ok_or_else(|| {
            (
                1,
                format!("--import-legacy: there is no {path} to import the store key from"),
            )
        })?;
    store::incumbent_token_in(&source, std::path::Path::new(&path)).map_err(|e| {
        (
            1,
            format!("--import-legacy: {path} holds no usable store key ({e})"),
        )
    })
}

/// A new private config: the legacy store key (imported, or new and shown
/// once) and a first API key shown once (lines to print).
fn fresh_config(imported: Option<String>) -> io::Result<(BridgeConfig, Vec<String>)> {
    let mut config = BridgeConfig::default();
    let key = create_first_key(FIRST_KEY_ID)?;
    let mut lines = Vec::new();
    let token = match imported {
        Some(token) => {
            lines.push(
                "imported the store key of the incumbent's config.php (the gateway keeps using it)"
                    .to_string(),
            );
            token
        }
        None => {
            let token = crate::access::keys::new_legacy_token()?;
            lines.push(format!(
                "created  a legacy store key (give it to the gateway; shown once): {token}"
            ));
            token
        }
    };
    lines.push(format!(
        "created  API key '{}' with secret {} (shown once: store it in the gateway)",
        key.id, key.secret
    ));
    config.legacy.token = Some(token);
    config.keys.push(key);
    Ok((config, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_scheme_user_host_port_and_root() {
        let t = Target::parse("ftps://shop%40host.example@ftp.example:2121/www/shop/").unwrap();
        assert_eq!(t.scheme, Scheme::Ftps);
        assert_eq!(t.user, "shop@host.example");
        assert_eq!((t.host.as_str(), t.port), ("ftp.example", 2121));
        assert_eq!(t.root, "/www/shop/");
        assert_eq!(Target::parse("ftp://u@h/").unwrap().port, 21);
        if cfg!(feature = "sftp") {
            let t = Target::parse("sftp://u@h/srv/shop").unwrap();
            assert_eq!((t.scheme, t.port), (Scheme::Sftp, 22));
            assert_eq!(t.show(), "sftp://u@h:22/srv/shop");
        }
    }

    fn url_from(files: &[(&str, &str)]) -> Option<(String, String)> {
        shop_url(&mut |rel| {
            files
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, text)| text.as_bytes().to_vec())
        })
        .map(|(url, from)| (url.to_string(), from))
    }

    #[test]
    fn the_shop_address_comes_from_its_settings_https_first() {
        let opencart = "<?php\ndefine('HTTP_SERVER', 'http://shop.example/');\ndefine('HTTPS_SERVER', 'https://shop.example/');\n";
        assert_eq!(
            url_from(&[("config.php", opencart)]),
            Some((
                "https://shop.example/".into(),
                "config.php's HTTPS_SERVER".into()
            ))
        );
        let plain = "<?php\ndefine('HTTP_SERVER', 'http://localhost/oc4/');\n";
        assert_eq!(
            url_from(&[("config.php", plain)]).unwrap().0,
            "http://localhost/oc4/"
        );
        let wordpress = "<?php\ndefine( 'WP_HOME', 'http://blog.example' );\ndefine( 'WP_SITEURL', 'https://blog.example/wp' );\n";
        assert_eq!(
            url_from(&[("wp-config.php", wordpress)]),
            Some((
                "https://blog.example/wp".into(),
                "wp-config.php's WP_SITEURL".into()
            ))
        );
        // A shop whose address is only in its database: nothing is guessed.
        let prestashop = "<?php\ndefine('_DB_SERVER_', 'localhost');\n";
        assert_eq!(url_from(&[("config.php", prestashop)]), None);
        assert_eq!(url_from(&[]), None);
    }

    #[test]
    fn a_password_in_the_address_is_refused() {
        let (code, message) = Target::parse("ftp://u:secret@h/").err().unwrap();
        assert_eq!(code, 2);
        assert!(message.contains("--password-file"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }
}
