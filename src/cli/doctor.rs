//! `cartbridge doctor`: checks that a shop's bridge can work, and says for
//! each problem how to fix it. On the machine: the shop and its database
//! settings, the database login, the private config and keys, the binary and
//! the modes suEXEC insists on. With `--url`: that the web server runs the
//! binary at both URLs, that a signed call gets through, that the private
//! folder cannot be downloaded, and the clock. Exit status 1 when something
//! must be fixed (warnings alone leave it 0).

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lexopt::prelude::*;
use serde_json::Value as Json;

use super::fetch::{self, Url};
use super::{usage_error, Failure};
use crate::api::{self, Params};
use crate::auth::native::{self, DEFAULT_SKEW, MAX_SKEW};
use crate::db::{self, DbError, Target};
use crate::platform::ShopSettings;
use crate::store::{Bridge, ShopError};

/// The binary's name inside the bridge folder.
pub const BINARY_NAME: &str = "cartbridge";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

/// One check: what was found and, when it is not fine, how to fix it.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            level: Level::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            level: Level::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            level: Level::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every check of one store.
pub struct Report {
    pub root: PathBuf,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.level == Level::Fail)
    }

    pub fn render(&self) -> String {
        let mut out = format!("cartbridge doctor: {}\n", self.root.display());
        for check in &self.checks {
            let tag = match check.level {
                Level::Ok => "  ok ",
                Level::Warn => " warn",
                Level::Fail => " FAIL",
            };
            out.push_str(&format!("{tag}  {:<14} {}\n", check.name, check.detail));
            if let Some(fix) = &check.fix {
                out.push_str(&format!("       {:<14} fix: {fix}\n", ""));
            }
        }
        let count = |level| self.checks.iter().filter(|c| c.level == level).count();
        let (fails, warns) = (count(Level::Fail), count(Level::Warn));
        out.push_str(&match (fails, warns) {
            (0, 0) => "All checks passed.\n".to_string(),
            (0, w) => format!("No problem to fix; {w} warning(s).\n"),
            (f, w) => format!("{f} problem(s) to fix, {w} warning(s).\n"),
        });
        out
    }
}

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    let mut url = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("url") => url = Some(url_arg(&mut parser)?),
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let report = diagnose(&store_root(store)?, url.as_ref());
    print!("{}", report.render());
    Ok(i32::from(report.failed()))
}

/// `--url`, parsed.
pub fn url_arg(parser: &mut lexopt::Parser) -> Result<Url, Failure> {
    let text = parser
        .value()
        .map_err(usage_error)?
        .into_string()
        .map_err(|_| (2, "--url must be UTF-8".to_string()))?;
    Url::parse(&text).map_err(|e| (2, e))
}

/// The store a command works on: `--store`, else the shop around the
/// folder this binary sits in.
pub fn store_root(store: Option<PathBuf>) -> Result<PathBuf, Failure> {
    let root = match store {
        Some(root) => root,
        None => Bridge::locate(None).store_root(),
    };
    std::path::absolute(&root).map_err(|e| (2, format!("{}: {e}", root.display())))
}

/// Runs every check on the store at `root`.
pub fn diagnose(root: &Path, url: Option<&Url>) -> Report {
    let bridge = Bridge::for_store(root);
    let mut checks = Vec::new();
    let shop = match check_platform(&bridge, root, &mut checks) {
        Some(shop) => shop,
        None => return finish(root, checks),
    };
    checks.push(check_config(&bridge));
    checks.push(check_keys(&bridge));
    checks.push(check_database(&shop));
    checks.extend(check_binary(&bridge));
    checks.push(check_modes(&bridge));
    match url {
        Some(url) => checks.extend(check_web(&bridge, &shop.platform.name, url)),
        None => checks.push(Check::warn(
            "web server",
            "not checked over HTTP",
            "run `cartbridge doctor --url https://<the shop's address>` to test the web server too",
        )),
    }
    finish(root, checks)
}

fn finish(root: &Path, checks: Vec<Check>) -> Report {
    Report {
        root: root.to_path_buf(),
        checks,
    }
}

// ------------------------------------------------------------------------
// On the machine
// ------------------------------------------------------------------------

fn check_platform(bridge: &Bridge, root: &Path, checks: &mut Vec<Check>) -> Option<ShopSettings> {
    match bridge.shop(root, None) {
        Ok(shop) => {
            checks.push(Check::ok(
                "platform",
                format!(
                    "{} {}, settings in {}: {}",
                    shop.platform.title,
                    shop.version
                        .as_deref()
                        .unwrap_or("(version in the database)"),
                    shop.settings_file
                        .as_deref()
                        .map(|f| root.join(f))
                        .unwrap_or_else(|| root.to_path_buf())
                        .display(),
                    describe_target(&shop.target),
                ),
            ));
            Some(shop)
        }
        Err(ShopError::NotDetected(_)) => {
            checks.push(Check::fail(
                "platform",
                format!("no shop platform found in {}", root.display()),
                "give --store the shop's root folder (where the shop's own config.php or wp-config.php is)",
            ));
            None
        }
        Err(ShopError::Settings(e)) => {
            checks.push(Check::fail(
                "platform",
                e.to_string(),
                "the bridge reads the shop's own settings file: make it readable by this account",
            ));
            None
        }
    }
}

/// The database a target names, without its password.
pub fn describe_target(target: &Target) -> String {
    match target {
        Target::Mysql(m) => {
            let place = match &m.socket {
                Some(socket) => format!("socket {socket}"),
                None => format!("{}:{}", m.host, m.port),
            };
            format!("MySQL database `{}` on {place} as `{}`", m.database, m.user)
        }
        Target::Sqlite(path) => format!("SQLite file {}", path.display()),
    }
}

fn check_config(bridge: &Bridge) -> Check {
    let path = bridge.private_dir().join("config.toml");
    if !path.exists() {
        return Check::fail(
            "config",
            format!(
                "{} does not exist: the bridge is not installed here",
                path.display()
            ),
            "run `cartbridge install --store <the shop's root folder>`",
        );
    }
    if let Some(problem) = &bridge.config_error {
        return Check::fail("config", problem.clone(), "see above");
    }
    let mode = mode_of(&bridge.private_dir()).unwrap_or(0);
    if mode & 0o077 != 0 {
        return Check::warn(
            "config",
            format!(
                "{} is open to other users (mode {mode:03o}); it holds the nonce store",
                bridge.private_dir().display()
            ),
            format!("chmod 700 {}", bridge.private_dir().display()),
        );
    }
    Check::ok(
        "config",
        format!("{} (mode 600, folder 700)", path.display()),
    )
}

/// Which keys can call. Keys have no IP rules yet; once they do, a key
/// without one is worth a warning here.
fn check_keys(bridge: &Bridge) -> Check {
    let keys: Vec<&str> = bridge
        .config
        .keys
        .iter()
        .filter(|k| k.enabled)
        .map(|k| k.id.as_str())
        .collect();
    let legacy = bridge.legacy_token().is_ok();
    match (keys.is_empty(), legacy) {
        (true, false) => Check::fail(
            "keys",
            "no API key and no legacy store key: nothing can call the bridge",
            "run `cartbridge install` again: it creates the first key",
        ),
        (true, true) => Check::warn(
            "keys",
            "legacy store key set, no native API key",
            "add a [[key]] to config.toml for the native API (see the README)",
        ),
        (false, false) => Check::warn(
            "keys",
            format!("API key(s) {}; no legacy store key", keys.join(", ")),
            "gateways that call bridge2cart/bridge.php need one: set [legacy] token in config.toml",
        ),
        (false, true) => Check::ok(
            "keys",
            format!("API key(s) {}; legacy store key set", keys.join(", ")),
        ),
    }
}

fn check_database(shop: &ShopSettings) -> Check {
    let described = describe_target(&shop.target);
    let settings = shop
        .settings_file
        .as_deref()
        .map(|f| shop.root.join(f))
        .unwrap_or_else(|| shop.root.clone());
    if let Err(e) = db::connect(&shop.target) {
        let message = match e {
            DbError::Connect(m) => m,
            other => other.to_string(),
        };
        return Check::fail(
            "database",
            format!("cannot log in to the {described}: {message}"),
            format!(
                "the bridge uses the shop's own settings in {}: correct them there (the shop uses them too), or override them under [database] in the bridge's config.toml",
                settings.display()
            ),
        );
    }
    match count_products(shop) {
        Ok(count) => Check::ok(
            "database",
            format!("{described}: logged in, {count} products"),
        ),
        Err(e) => Check::fail(
            "database",
            format!("logged in to the {described}, but the shop's tables do not answer: {e}"),
            format!(
                "check the table prefix ('{}') in {}",
                shop.prefix,
                settings.display()
            ),
        ),
    }
}

/// `product.count` run as the local operator: the shop's own tables answer.
fn count_products(shop: &ShopSettings) -> Result<Json, String> {
    let mut out = crate::http::BufferedResponse::default();
    let mut answer = api::Answer::new(&mut out);
    let caller = api::Caller::Local {
        sql_policy: crate::store::SqlPolicy::None,
    };
    let outcome = api::run(
        "product.count",
        Params::default(),
        shop.clone(),
        caller,
        crate::access::utc::now(),
        &mut answer,
    );
    answer
        .finish(outcome, "product.count")
        .map_err(|e| e.to_string())?;
    let envelope: Json = serde_json::from_slice(&out.body).map_err(|e| e.to_string())?;
    if envelope["return_code"] != 0 {
        return Err(envelope["return_message"]
            .as_str()
            .unwrap_or("")
            .to_string());
    }
    Ok(envelope["result"]["count"].clone())
}

fn mode_of(path: &Path) -> Option<u32> {
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

fn check_binary(bridge: &Bridge) -> Vec<Check> {
    let path = bridge.dir.join(BINARY_NAME);
    let Ok(meta) = std::fs::metadata(&path) else {
        return vec![Check::fail(
            "binary",
            format!("{} does not exist", path.display()),
            "run `cartbridge install --store <the shop's root folder>`, or upload the binary there",
        )];
    };
    let mode = meta.permissions().mode() & 0o7777;
    let chmod = format!("chmod 755 {}", path.display());
    let mut checks = vec![if mode & 0o100 == 0 {
        Check::fail(
            "binary",
            format!("{} is not executable (mode {mode:03o})", path.display()),
            chmod,
        )
    } else if mode & 0o022 != 0 {
        Check::fail(
            "binary",
            format!("{} is writable by other users (mode {mode:03o}): suEXEC refuses to run it, and anyone could replace it", path.display()),
            chmod,
        )
    } else if mode & 0o6000 != 0 {
        Check::fail(
            "binary",
            format!("{} is setuid or setgid (mode {mode:o})", path.display()),
            chmod,
        )
    } else {
        match elf_matches_this_machine(&path) {
            Ok(()) => Check::ok("binary", format!("{} (mode {mode:03o}, a program for this machine)", path.display())),
            Err(why) => Check::fail(
                "binary",
                format!("{}: {why}", path.display()),
                "upload the binary again, in binary mode (FTP clients' ASCII mode damages it), built for this machine's architecture",
            ),
        }
    }];
    checks.push(check_mount(&path));
    checks
}

/// The ELF header's class, byte order and machine, compared with the
/// program running now: a damaged upload or another architecture fails.
fn elf_matches_this_machine(path: &Path) -> Result<(), String> {
    let header = |p: &Path| -> std::io::Result<[u8; 20]> {
        let mut buffer = [0u8; 20];
        std::fs::File::open(p)?.read_exact(&mut buffer)?;
        Ok(buffer)
    };
    let theirs = header(path).map_err(|e| format!("cannot read it: {e}"))?;
    if &theirs[..4] != b"\x7fELF" {
        return Err("not a Linux program (no ELF header)".into());
    }
    let ours = std::env::current_exe()
        .and_then(|exe| header(&exe))
        .map_err(|e| format!("cannot read this program to compare: {e}"))?;
    if theirs[4..6] != ours[4..6] || theirs[18..20] != ours[18..20] {
        return Err("a program for another processor architecture".into());
    }
    Ok(())
}

fn check_mount(path: &Path) -> Check {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    match mount_of(&mountinfo, &real) {
        Some((point, options)) if options.iter().any(|o| o == "noexec") => Check::fail(
            "mount",
            format!("{} is mounted noexec: no program can run from it", point),
            "put the shop (or at least bridge2cart/) on a mount without noexec; on shared hosting ask the host",
        ),
        Some((point, _)) => Check::ok("mount", format!("{point} allows programs to run")),
        None => Check::warn(
            "mount",
            "cannot tell from /proc/self/mountinfo whether the binary's mount allows programs to run",
            "if the web server answers 500 or 403, ask the host whether the folder is mounted noexec",
        ),
    }
}

/// The mount point holding `path` (the longest prefix) and its per-mount
/// options, from `/proc/self/mountinfo` text.
pub fn mount_of(mountinfo: &str, path: &Path) -> Option<(String, Vec<String>)> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let point = unescape_mount(fields.get(4)?);
            let options = fields.get(5)?.split(',').map(str::to_string).collect();
            path.starts_with(&point).then_some((point, options))
        })
        .max_by_key(|(point, _)| point.len())
}

/// Mount points escape space, tab, newline and backslash as `\ooo`.
fn unescape_mount(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            std::str::from_utf8(d)
                .ok()
                .and_then(|d| u8::from_str_radix(d, 8).ok())
        });
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What suEXEC insists on (ECOSYSTEM §4.1): a folder only its owner can
/// write, and one owner for the folder, the binary and its config.
fn check_modes(bridge: &Bridge) -> Check {
    let dir = &bridge.dir;
    let Ok(dir_meta) = std::fs::metadata(dir) else {
        return Check::fail(
            "modes",
            format!("{} does not exist", dir.display()),
            "run `cartbridge install`",
        );
    };
    let mode = dir_meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Check::fail(
            "modes",
            format!("{} is writable by other users (mode {mode:03o}): suEXEC refuses to run programs in it", dir.display()),
            format!("chmod 755 {}", dir.display()),
        );
    }
    let owners: Vec<(PathBuf, u32)> = [
        dir.clone(),
        dir.join(BINARY_NAME),
        bridge.private_dir(),
        bridge.private_dir().join("config.toml"),
    ]
    .into_iter()
    .filter_map(|p| std::fs::metadata(&p).ok().map(|m| (p, m.uid())))
    .collect();
    let strangers: Vec<String> = owners
        .iter()
        .filter(|(_, uid)| *uid != dir_meta.uid())
        .map(|(p, uid)| format!("{} (uid {uid})", p.display()))
        .collect();
    if !strangers.is_empty() {
        return Check::warn(
            "modes",
            format!(
                "{} owned by another user than {} (uid {}): suEXEC runs the binary as its owner, which must own the folder and read the config",
                strangers.join(", "),
                dir.display(),
                dir_meta.uid()
            ),
            format!("chown -R {} {}", dir_meta.uid(), dir.display()),
        );
    }
    Check::ok(
        "modes",
        format!(
            "{} (mode {mode:03o}), one owner (uid {})",
            dir.display(),
            dir_meta.uid()
        ),
    )
}

// ------------------------------------------------------------------------
// Over HTTP
// ------------------------------------------------------------------------

/// The remote part of the doctor, for a bridge deployed to another
/// machine: only `bridge.config` is known here (its keys sign the calls),
/// `where_` names the bridge in the report.
pub fn diagnose_remote(bridge: &Bridge, platform: &str, url: &Url, where_: &str) -> Report {
    Report {
        root: PathBuf::from(where_),
        checks: check_web(bridge, platform, url),
    }
}

/// The bridge folder's URL path under the shop's URL (`/shop/bridge2cart`);
/// a URL given as the bridge folder or bridge.php itself is understood.
fn bridge_path(url: &Url) -> String {
    let path = url.path.split('?').next().unwrap_or("");
    let path = path.strip_suffix("bridge.php").unwrap_or(path);
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix("/bridge2cart").unwrap_or(path);
    format!("{path}/bridge2cart")
}

fn check_web(bridge: &Bridge, platform: &str, url: &Url) -> Vec<Check> {
    let base = bridge_path(url);
    let at = |path: &str| url.with_path(&format!("{base}{path}"));
    let runs_url = at("/cartbridge");
    let runs = match fetch::request("GET", &runs_url, &[], b"") {
        Ok(response) => response,
        Err(e) => {
            return vec![Check::fail(
                "web server",
                format!("cannot reach {runs_url}: {e}"),
                "check the address given to --url (and that the web server is running)",
            )]
        }
    };
    let mut checks = vec![check_runs(&runs_url, &runs)];
    checks.push(check_banner(&at("/bridge.php")));
    checks.push(check_signed_call(
        bridge,
        platform,
        &at("/cartbridge/cart.info.json"),
    ));
    checks.push(check_large_call(
        bridge,
        &at("/cartbridge/product.count.json"),
    ));
    checks.push(check_private_hidden(&at("/.cartbridge/config.toml")));
    if let Some(check) = check_key_file_hidden(bridge, &at("/config.php")) {
        checks.push(check);
    }
    checks.push(check_clock(bridge, &runs));
    checks
}

/// Whether an answer is the bridge's own JSON envelope.
fn envelope(response: &fetch::Response) -> Option<Json> {
    serde_json::from_slice::<Json>(&response.body)
        .ok()
        .filter(|v| v.get("return_code").is_some())
}

fn check_runs(url: &Url, response: &fetch::Response) -> Check {
    if response.body.starts_with(b"\x7fELF") {
        return Check::fail(
            "web server",
            format!("{url} sends the binary as a file instead of running it"),
            "Apache: the host must honour bridge2cart/.htaccess (AllowOverride Options FileInfo) and have mod_cgi or mod_cgid enabled; nginx: include install/nginx/cartbridge.conf; see install/README.md",
        );
    }
    // Without a method the bridge answers as the incumbent (its banner), or
    // with its JSON envelope: either way, the binary ran.
    if envelope(response).is_some() || response.body.starts_with(b"BRIDGE") {
        let server = response.header("server").unwrap_or("the web server");
        return Check::ok("web server", format!("{server} runs the binary at {url}"));
    }
    http_failure("web server", url, response)
}

fn check_banner(url: &Url) -> Check {
    match fetch::request("GET", url, &[], b"") {
        Ok(r) if r.status == 200 && r.text().starts_with("BRIDGE INSTALLED") => {
            Check::ok("legacy URL", format!("{url} answers: {}", r.text().trim()))
        }
        Ok(r) if r.status == 200 => Check::fail(
            "legacy URL",
            format!("{url} is answered by something else: {}", excerpt(&r.body)),
            "the rewrite of bridge.php to the binary is not applied (Apache: needs mod_rewrite and AllowOverride FileInfo; nginx: cartbridge.conf's `location = /bridge2cart/bridge.php`); an old bridge.php may still answer",
        ),
        Ok(r) => http_failure("legacy URL", url, &r),
        Err(e) => Check::fail("legacy URL", format!("cannot reach {url}: {e}"), "check the web server"),
    }
}

/// A bridge answer to a signed call: the key's id, the HTTP status and the
/// envelope; or the check that says why there is none.
struct Signed {
    key_id: String,
    status: u16,
    answer: Json,
}

/// Sends a call signed with the first enabled key to `url`, whose path as
/// signed is `/<method>.json`; a body goes as JSON.
fn signed_call(
    bridge: &Bridge,
    name: &'static str,
    url: &Url,
    method: &str,
    body: &[u8],
) -> Result<Signed, Check> {
    let Some(key) = bridge.config.keys.iter().find(|k| k.enabled) else {
        return Err(Check::warn(
            name,
            "not tried: no native API key",
            "add a key (see the keys check)",
        ));
    };
    let nonce = crate::access::keys::random_hex(16)
        .map_err(|e| Check::fail(name, format!("no random source: {e}"), "check /dev/urandom"))?;
    let verb = if body.is_empty() { "GET" } else { "POST" };
    let signed_path = format!("/{method}.json");
    let headers = native::signed_headers(
        key,
        verb,
        &signed_path,
        b"",
        body,
        crate::access::utc::now(),
        &nonce,
    );
    let mut headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    let response = fetch::request(verb, url, &headers, body).map_err(|e| {
        Check::fail(
            name,
            format!("cannot reach {url}: {e}"),
            "check the web server",
        )
    })?;
    let answer = envelope(&response).ok_or_else(|| http_failure(name, url, &response))?;
    Ok(Signed {
        key_id: key.id.clone(),
        status: response.status,
        answer,
    })
}

/// The check for a call the bridge refused: its own message says why.
fn refused(name: &'static str, url: &Url, signed: &Signed) -> Check {
    Check::fail(
        name,
        format!(
            "{url} refused a call signed with key '{}' ({}): {}",
            signed.key_id,
            signed.status,
            signed.answer["return_message"].as_str().unwrap_or("")
        ),
        "the message says what to fix; a 500 about config.toml means the web server's account cannot read it (see the modes check)",
    )
}

fn check_signed_call(bridge: &Bridge, platform: &str, url: &Url) -> Check {
    let name = "signed call";
    let signed = match signed_call(bridge, name, url, "cart.info", b"") {
        Ok(signed) => signed,
        Err(check) => return check,
    };
    if signed.answer["return_code"] != 0 {
        return refused(name, url, &signed);
    }
    let result = &signed.answer["result"];
    if result["platform"] != platform {
        return Check::fail(
            name,
            format!("{url} answered for another shop ({})", result["platform"]),
            "the web server runs another bridge folder than this one: check --url and --store",
        );
    }
    Check::ok(
        name,
        format!(
            "cart.info signed with key '{}': store {}",
            signed.key_id, result["store_name"]
        ),
    )
}

/// Bodies above 128 KiB are where web servers' defaults stop (mod_fcgid's
/// FcgidMaxRequestLen, ECOSYSTEM §4.8): a signed POST of 192 KiB (a JSON
/// object padded with spaces) must reach the bridge.
fn check_large_call(bridge: &Bridge, url: &Url) -> Check {
    const SIZE: usize = 192 * 1024;
    let name = "large request";
    let mut body = b"{".to_vec();
    body.resize(SIZE - 1, b' ');
    body.push(b'}');
    match signed_call(bridge, name, url, "product.count", &body) {
        Ok(signed) if signed.answer["return_code"] == 0 => Check::ok(
            name,
            format!("a signed {} KiB POST got through", SIZE / 1024),
        ),
        Ok(signed) => refused(name, url, &signed),
        // The small signed calls before this one got through: a 500 here
        // comes from the body's size, before the binary runs.
        Err(check) if check.level == Level::Fail && check.detail.ends_with("fails with 500") => {
            Check::fail(
                name,
                format!("{} (small calls get through)", check.detail),
                "the web server refuses bodies over 128 KiB before the bridge sees them: mod_fcgid's FcgidMaxRequestLen (128 KiB by default) or LimitRequestBody. Ask the host to raise FcgidMaxRequestLen to 67108864 (a server setting), or run the bridge as CGI: remove the `<IfModule mod_fcgid.c>` block from bridge2cart/.htaccess",
            )
        }
        Err(check) => check,
    }
}

fn check_private_hidden(url: &Url) -> Check {
    match fetch::request("GET", url, &[], b"") {
        Ok(r) if r.status == 403 || r.status == 404 => Check::ok(
            "private folder",
            format!("{url} cannot be downloaded ({})", r.status),
        ),
        Ok(r) if r.status == 200 => Check::fail(
            "private folder",
            format!("{url} can be downloaded: anyone can read the bridge's keys"),
            "Apache: keep bridge2cart/.htaccess with its `RedirectMatch 404 /\\.cartbridge` line (and let the host honour .htaccess); nginx: include install/nginx/cartbridge.conf, whose first location hides the folder. Then replace every key: they may have been read",
        ),
        Ok(r) => Check::fail(
            "private folder",
            format!("{url} answered {} instead of 403 or 404", r.status),
            "make the web server refuse bridge2cart/.cartbridge/ (see install/README.md)",
        ),
        Err(e) => Check::fail("private folder", format!("cannot reach {url}: {e}"), "check the web server"),
    }
}

/// The incumbent's `config.php` holds the legacy store key: it must not be
/// readable as text (PHP runs it and prints nothing; a host without PHP
/// would send the file).
fn check_key_file_hidden(bridge: &Bridge, url: &Url) -> Option<Check> {
    if !bridge.dir.join("config.php").exists() {
        return None;
    }
    let token = bridge.legacy_token().ok()?;
    Some(match fetch::request("GET", url, &[], b"") {
        Ok(r) if r.body.windows(token.len()).any(|w| w == token.as_bytes()) => Check::fail(
            "key file",
            format!("{url} shows the legacy store key"),
            "deny bridge2cart/config.php in the web server (install/apache/.htaccess and install/nginx/cartbridge.conf do), then have the gateway issue a new store key",
        ),
        Ok(r) => Check::ok("key file", format!("{url} does not show the store key ({})", r.status)),
        Err(e) => Check::fail("key file", format!("cannot reach {url}: {e}"), "check the web server"),
    })
}

fn check_clock(bridge: &Bridge, response: &fetch::Response) -> Check {
    let allowed = bridge
        .config
        .clock_skew_seconds
        .unwrap_or(DEFAULT_SKEW)
        .min(MAX_SKEW);
    let Some(theirs) = response.header("date").and_then(parse_http_date) else {
        return Check::warn(
            "clock",
            "the web server sent no Date header",
            "nothing to do unless signed calls fail as stale",
        );
    };
    let skew = theirs.abs_diff(crate::access::utc::now());
    if skew > allowed {
        return Check::fail(
            "clock",
            format!("the web server's clock is {skew} s away from this machine's (allowed: {allowed} s)"),
            "synchronise the clocks (NTP): signed calls outside the window are refused",
        );
    }
    Check::ok(
        "clock",
        format!("the web server's clock is within {skew} s of this machine's"),
    )
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix time.
pub fn parse_http_date(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + m * 60 + s).ok()
}

/// A check that failed on an HTTP answer the bridge did not write.
fn http_failure(name: &'static str, url: &Url, response: &fetch::Response) -> Check {
    let status = response.status;
    let (what, fix) = match status {
        301 | 302 | 303 | 307 | 308 => (
            format!("redirects to {}", response.header("location").unwrap_or("?")),
            "gateways do not follow redirects: give --url (and the gateway) the address it redirects to, or turn the redirect off for bridge2cart/".to_string(),
        ),
        403 => (
            "is forbidden (403)".to_string(),
            "the host refuses it: Options +ExecCGI not allowed for .htaccess, FollowSymLinks off (mod_rewrite needs it), or a firewall (mod_security, Imunify360, Cloudflare); the web server's error log says which".to_string(),
        ),
        413 => (
            "refuses the request body as too large (413)".to_string(),
            "raise the web server's limit on request bodies (nginx client_max_body_size, Apache LimitRequestBody, mod_fcgid FcgidMaxRequestLen): gateways send large bodies for writes".to_string(),
        ),
        404 => (
            "is not found (404)".to_string(),
            "the web-server rules are not applied: Apache ignores bridge2cart/.htaccess (AllowOverride None) or lacks mod_rewrite; nginx: include install/nginx/cartbridge.conf; or --url is not the shop's address".to_string(),
        ),
        500 => (
            "fails with 500".to_string(),
            "the web server could not run the binary: suEXEC refuses files writable by others or owned by another user, the binary is not executable or not for this machine (see the checks above); the web server's error log (and suexec_log) says which".to_string(),
        ),
        502..=504 => (
            format!("gets no answer from the program ({status})"),
            "the CGI/FastCGI gateway is down (fcgiwrap, or cartbridge.socket/service) or its socket is unreachable; on shared hosting 503 may be the process limit".to_string(),
        ),
        _ => (
            format!("answered {status}: {}", excerpt(&response.body)),
            "see the web server's error log".to_string(),
        ),
    };
    Check::fail(name, format!("{url} {what}"), fix)
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_of_a_path_is_the_longest_prefix() {
        let mountinfo = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:25 / /tmp rw,nosuid,nodev,noexec shared:5 - tmpfs tmpfs rw
31 22 0:26 / /home/my\\040shop rw,nosuid shared:6 - ext4 /dev/sdb1 rw
";
        let (point, options) = mount_of(mountinfo, Path::new("/tmp/x/cartbridge")).unwrap();
        assert_eq!(point, "/tmp");
        assert!(options.contains(&"noexec".to_string()));
        let (point, options) = mount_of(mountinfo, Path::new("/home/my shop/b")).unwrap();
        assert_eq!(point, "/home/my shop");
        assert!(!options.contains(&"noexec".to_string()));
        assert_eq!(mount_of(mountinfo, Path::new("/var/www")).unwrap().0, "/");
        // `/tmpfoo` is not under `/tmp`.
        assert_eq!(mount_of(mountinfo, Path::new("/tmpfoo")).unwrap().0, "/");
    }

    #[test]
    fn http_dates_are_unix_time() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 2026 00:00:00 GMT"),
            Some(1_767_225_600)
        );
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
    }

    #[test]
    fn the_bridge_path_comes_from_any_form_of_the_url() {
        for text in [
            "https://s.example/shop",
            "https://s.example/shop/",
            "https://s.example/shop/bridge2cart",
            "https://s.example/shop/bridge2cart/bridge.php",
        ] {
            assert_eq!(
                bridge_path(&Url::parse(text).unwrap()),
                "/shop/bridge2cart",
                "{text}"
            );
        }
        assert_eq!(
            bridge_path(&Url::parse("http://127.0.0.1:8080").unwrap()),
            "/bridge2cart"
        );
    }
}
