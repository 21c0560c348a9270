//! `cartbridge key`: the store owner's API keys. Create one (its secret is
//! printed once, never again), list them (never the secret), change their
//! rules, disable, enable, delete, rotate with a grace period, and import
//! the incumbent's store key as a restricted legacy key.
//!
//! Keys live in the private config.toml (0600 in a 0700 folder, refused
//! when others can read it); each change reads, edits and rewrites it
//! atomically under a lock, so two commands never lose each other's edit.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::PathBuf;

use lexopt::prelude::*;

use super::{bridge_for, usage_error, Failure};
use crate::access::keys::{self, STORE_TOKEN_NAME};
use crate::access::limits::Rate;
use crate::access::net::IpRule;
use crate::access::policy::{Scope, STORE_TOKEN_SCOPES};
use crate::access::utc::{self, Stamp};
use crate::state::State;
use crate::store::{self, Bridge, BridgeConfig, KeyConfig, KeyProtocol, PRIVATE_DIR};

pub(super) const USAGE: &str = "\
cartbridge key — API keys of the store

USAGE:
    cartbridge key add <name> (--ip ADDR|CIDR ... | --any-ip) [--scope S ...] [--rate-limit R]
    cartbridge key set <name> [--ip ADDR|CIDR ... | --any-ip] [--scope S ...] [--rate-limit R|default]
    cartbridge key list
    cartbridge key disable|enable|delete <name>
    cartbridge key rotate <name> [--grace 24h]
    cartbridge key import-legacy [<name>] (--ip ADDR|CIDR ... | --any-ip) [--scope S ...]

Every command takes --store DIR (default: the store the binary sits in).
A new key gets the read scopes (store:read products:read orders:read
customers:read) unless --scope says otherwise; --scope may be repeated and
replaces that list. `set` replaces the lists it is given. A rotated key's
old secret keeps working for the grace period (at most 7d), then stops.
import-legacy turns the store key of bridge2cart/config.php (M1_TOKEN) into
a key for the legacy protocol only, with address and scope rules; until
then that token is accepted as the PHP bridge accepted it.

EXAMPLES:
    cartbridge key add erp --ip 203.0.113.7 --scope products:read --scope orders:write
    cartbridge key list --store /var/www/shop
    cartbridge key rotate erp --grace 24h
    cartbridge key import-legacy gateway --ip 198.51.100.0/24

EXIT STATUS: 0 done, 1 the config could not be read or written, 2 wrong
command line or unknown key.
";

/// The options shared by `add`, `set` and `import-legacy`.
#[derive(Default)]
struct Rules {
    ips: Vec<IpRule>,
    any_ip: bool,
    scopes: Vec<Scope>,
    rate_limit: Option<Option<Rate>>,
}

struct Args {
    command: String,
    name: Option<String>,
    store: Option<PathBuf>,
    rules: Rules,
    grace: Option<u64>,
}

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let args = parse(args)?;
    let bridge = bridge_for(args.store.clone());
    let name = || {
        args.name
            .clone()
            .ok_or((2, format!("key {} needs a key name", args.command)))
    };
    match args.command.as_str() {
        "add" => add(&bridge, &name()?, &args.rules),
        "set" => set(&bridge, &name()?, &args.rules),
        "list" => list(&bridge),
        "disable" => toggle(&bridge, &name()?, false),
        "enable" => toggle(&bridge, &name()?, true),
        "delete" => delete(&bridge, &name()?),
        "rotate" => rotate(
            &bridge,
            &name()?,
            args.grace.unwrap_or(keys::DEFAULT_GRACE_SECONDS),
        ),
        "import-legacy" => import_legacy(
            &bridge,
            args.name.as_deref().unwrap_or("legacy"),
            &args.rules,
        ),
        "help" => {
            print!("{USAGE}");
            Ok(0)
        }
        other => Err((2, format!("unknown key command '{other}'\n\n{USAGE}"))),
    }
}

fn parse(args: Vec<OsString>) -> Result<Args, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut parsed = Args {
        command: String::new(),
        name: None,
        store: None,
        rules: Rules::default(),
        grace: None,
    };
    let text = |value: OsString, what: &str| {
        value
            .into_string()
            .map_err(|_| (2, format!("{what} must be UTF-8")))
    };
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => {
                parsed.store = Some(PathBuf::from(parser.value().map_err(usage_error)?))
            }
            Long("ip") => {
                let value = text(parser.value().map_err(usage_error)?, "--ip")?;
                parsed.rules.ips.push(value.parse().map_err(|e| (2, e))?);
            }
            Long("any-ip") => parsed.rules.any_ip = true,
            Long("scope") => {
                let value = text(parser.value().map_err(usage_error)?, "--scope")?;
                for scope in value.split(',').filter(|s| !s.trim().is_empty()) {
                    parsed
                        .rules
                        .scopes
                        .push(Scope::parse(scope).map_err(|e| (2, e))?);
                }
            }
            Long("rate-limit") => {
                let value = text(parser.value().map_err(usage_error)?, "--rate-limit")?;
                parsed.rules.rate_limit = Some(match value.as_str() {
                    "default" => None,
                    _ => Some(value.parse().map_err(|e| (2, e))?),
                });
            }
            Long("grace") => {
                let value = text(parser.value().map_err(usage_error)?, "--grace")?;
                let grace = utc::parse_duration(&value).ok_or((
                    2,
                    format!("--grace '{value}': write a duration like 24h, 90m or 7d"),
                ))?;
                if grace > keys::MAX_GRACE_SECONDS {
                    return Err((
                        2,
                        format!("--grace '{value}' is longer than the 7d maximum"),
                    ));
                }
                parsed.grace = Some(grace);
            }
            Short('h') | Long("help") => parsed.command = "help".into(),
            Value(value) if parsed.command.is_empty() => {
                parsed.command = text(value, "the command")?
            }
            Value(value) if parsed.name.is_none() => {
                parsed.name = Some(text(value, "the key name")?)
            }
            other => return Err(usage_error(other.unexpected())),
        }
    }
    if parsed.command.is_empty() {
        parsed.command = "help".into();
    }
    if parsed.rules.any_ip && !parsed.rules.ips.is_empty() {
        return Err((2, "give either --ip or --any-ip, not both".into()));
    }
    Ok(parsed)
}

/// Reads config.toml, lets `change` edit it, and writes it back, all under
/// an exclusive lock on `.cartbridge/config.lock`.
fn edit<T>(
    bridge: &Bridge,
    change: impl FnOnce(&mut BridgeConfig) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let private = bridge.dir.join(PRIVATE_DIR);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&private)
        .map_err(|e| (1, format!("cannot create {}: {e}", private.display())))?;
    let lock_path = private.join("config.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| (1, format!("cannot open {}: {e}", lock_path.display())))?;
    hold_lock(&lock).map_err(|e| (1, format!("cannot lock {}: {e}", lock_path.display())))?;
    let mut config = store::load_private_config(&bridge.dir).map_err(|e| (1, e))?;
    let value = change(&mut config)?;
    store::write_private_config(&bridge.dir, &config).map_err(|e| {
        (
            1,
            format!(
                "cannot write the private config in {}: {e}",
                private.display()
            ),
        )
    })?;
    Ok(value)
}

/// Blocks until this process holds the file's exclusive lock (released
/// when the file is closed).
fn hold_lock(file: &File) -> std::io::Result<()> {
    // SAFETY: flock on a descriptor this function's caller owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn find<'c>(config: &'c mut BridgeConfig, name: &str) -> Result<&'c mut KeyConfig, Failure> {
    let known: Vec<String> = config.keys.iter().map(|k| k.id.clone()).collect();
    config.keys.iter_mut().find(|k| k.id == name).ok_or_else(|| {
        (
            1,
            if known.is_empty() {
                format!("there is no key '{name}': this store has no keys yet (`cartbridge key add`)")
            } else {
                format!("there is no key '{name}'; the keys are: {}", known.join(", "))
            },
        )
    })
}

fn check_new_name(config: &BridgeConfig, name: &str) -> Result<(), Failure> {
    keys::check_name(name).map_err(|e| (2, e))?;
    if let Some(existing) = config.keys.iter().find(|k| k.id.eq_ignore_ascii_case(name)) {
        return Err((
            1,
            format!(
                "a key named '{}' exists already; choose another name or `key rotate` it",
                existing.id
            ),
        ));
    }
    Ok(())
}

/// Applies `--ip`/`--any-ip`, `--scope` and `--rate-limit` to a key.
fn apply(key: &mut KeyConfig, rules: &Rules) {
    if rules.any_ip {
        key.any_ip = true;
        key.ips.clear();
    } else if !rules.ips.is_empty() {
        key.any_ip = false;
        key.ips = rules.ips.clone();
    }
    if !rules.scopes.is_empty() {
        key.scopes = rules.scopes.clone();
        // `sql_policy` follows the scopes given, not the ones replaced.
        key.sql_policy = store::SqlPolicy::None;
    }
    if let Some(rate) = rules.rate_limit {
        key.rate_limit = rate;
    }
    key.reconcile_sql();
}

fn require_addresses(rules: &Rules) -> Result<(), Failure> {
    if rules.ips.is_empty() && !rules.any_ip {
        return Err((
            2,
            "say where calls with this key come from: --ip ADDR|CIDR (repeatable), or --any-ip to allow every address".into(),
        ));
    }
    Ok(())
}

fn add(bridge: &Bridge, name: &str, rules: &Rules) -> Result<i32, Failure> {
    require_addresses(rules)?;
    let secret = keys::new_secret().map_err(|e| (1, e.to_string()))?;
    let key = edit(bridge, |config| {
        check_new_name(config, name)?;
        let mut key = KeyConfig::new(name, &secret);
        key.created = Some(Stamp(utc::now()));
        apply(&mut key, rules);
        config.keys.push(key.clone());
        Ok(key)
    })?;
    println!("created key '{name}'");
    print_rules(&key);
    print_secret(&key.secret);
    Ok(0)
}

fn set(bridge: &Bridge, name: &str, rules: &Rules) -> Result<i32, Failure> {
    if rules.ips.is_empty()
        && !rules.any_ip
        && rules.scopes.is_empty()
        && rules.rate_limit.is_none()
    {
        return Err((
            2,
            "key set needs --ip, --any-ip, --scope or --rate-limit".into(),
        ));
    }
    let key = edit(bridge, |config| {
        let key = find(config, name)?;
        apply(key, rules);
        Ok(key.clone())
    })?;
    println!("updated key '{name}'");
    print_rules(&key);
    Ok(0)
}

fn toggle(bridge: &Bridge, name: &str, enabled: bool) -> Result<i32, Failure> {
    edit(bridge, |config| {
        find(config, name)?.enabled = enabled;
        Ok(())
    })?;
    println!(
        "key '{name}' {}",
        if enabled {
            "enabled"
        } else {
            "disabled: calls signed with it are refused"
        }
    );
    Ok(0)
}

fn delete(bridge: &Bridge, name: &str) -> Result<i32, Failure> {
    edit(bridge, |config| {
        find(config, name)?;
        config.keys.retain(|k| k.id != name);
        Ok(())
    })?;
    println!("key '{name}' deleted; its secret no longer signs anything");
    Ok(0)
}

fn rotate(bridge: &Bridge, name: &str, grace: u64) -> Result<i32, Failure> {
    let now = utc::now();
    let key = edit(bridge, |config| {
        let key = find(config, name)?;
        let secret = match key.protocol {
            KeyProtocol::Native => keys::new_secret(),
            KeyProtocol::Legacy => keys::new_legacy_token(),
        }
        .map_err(|e| (1, e.to_string()))?;
        key.rotate(secret, now, grace);
        Ok(key.clone())
    })?;
    println!("rotated key '{name}'");
    match key.previous_expires {
        Some(Stamp(until)) => println!(
            "  the old secret keeps working until {} ({} from now)",
            utc::format(until),
            human_duration(grace)
        ),
        None => println!("  the old secret stopped working now"),
    }
    print_secret(&key.secret);
    Ok(0)
}

fn import_legacy(bridge: &Bridge, name: &str, rules: &Rules) -> Result<i32, Failure> {
    require_addresses(rules)?;
    let token = bridge.legacy_token().map_err(|e| {
        (
            1,
            format!(
                "no store key to import ({e}): it is M1_TOKEN in {}",
                bridge.dir.join("config.php").display()
            ),
        )
    })?;
    let key = edit(bridge, |config| {
        check_new_name(config, name)?;
        if let Some(existing) = config.keys.iter().find(|k| k.secret == token) {
            return Err((
                1,
                format!(
                    "the store key is imported already, as key '{}'",
                    existing.id
                ),
            ));
        }
        let mut key = KeyConfig::new(name, &token);
        key.protocol = KeyProtocol::Legacy;
        key.created = Some(Stamp(utc::now()));
        key.scopes = vec![Scope::Legacy, Scope::StoreRead];
        apply(&mut key, rules);
        if !key.scopes.contains(&Scope::Legacy) {
            key.scopes.insert(0, Scope::Legacy);
        }
        config.keys.push(key.clone());
        config.legacy.unrestricted_store_token = Some(false);
        Ok(key)
    })?;
    println!("imported the store key of config.php as key '{name}' (legacy protocol only)");
    print_rules(&key);
    println!("  fingerprint {}", keys::fingerprint(&key.secret));
    let missing: Vec<&str> = STORE_TOKEN_SCOPES
        .iter()
        .filter(|s| !key.scopes.contains(s))
        .map(|s| s.name())
        .collect();
    if !missing.is_empty() {
        println!(
            "  the PHP bridge also allowed {}; grant what the gateway needs with `cartbridge key set {name} --scope ...` (query and multiquery need sql:full)",
            missing.join(", ")
        );
    }
    Ok(0)
}

fn print_rules(key: &KeyConfig) {
    println!("  protocol    {}", protocol_name(key));
    println!("  scopes      {}", scope_list(&key.scopes));
    println!("  addresses   {}", address_list(key));
    if let Some(rate) = key.rate_limit {
        println!("  rate limit  {rate}");
    }
}

/// The one time a secret is shown.
fn print_secret(secret: &str) {
    println!("secret (shown once: give it to the gateway now; it cannot be shown again):");
    println!("{secret}");
    println!("fingerprint {}", keys::fingerprint(secret));
}

fn protocol_name(key: &KeyConfig) -> &'static str {
    match (key.protocol, key.scopes.contains(&Scope::Legacy)) {
        (KeyProtocol::Legacy, _) => "legacy only (imported store key)",
        (KeyProtocol::Native, true) => "native and legacy",
        (KeyProtocol::Native, false) => "native",
    }
}

fn scope_list(scopes: &[Scope]) -> String {
    if scopes.is_empty() {
        return "(none: every call is refused)".into();
    }
    scopes
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn address_list(key: &KeyConfig) -> String {
    if key.any_ip {
        return "any (--any-ip)".into();
    }
    if key.ips.is_empty() {
        return "(none: every call is refused until --ip is set)".into();
    }
    key.ips
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn human_duration(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn list(bridge: &Bridge) -> Result<i32, Failure> {
    if let Some(problem) = &bridge.config_error {
        return Err((1, problem.clone()));
    }
    let now = utc::now();
    let usage = State::open(bridge).and_then(|mut s| s.key_usage());
    let config = &bridge.config;
    if config.keys.is_empty() {
        println!("no keys yet: create one with `cartbridge key add <name> --ip ADDR`");
    }
    for key in &config.keys {
        let status = if key.enabled { "enabled" } else { "DISABLED" };
        println!("{}  {status}  {}", key.id, keys::fingerprint(&key.secret));
        print_rules(key);
        let date = |d: Option<Stamp>| d.map_or("-".to_string(), |Stamp(t)| utc::format(t));
        println!("  created     {}", date(key.created));
        if key.rotated.is_some() {
            let grace = match key.previous_expires {
                Some(Stamp(until)) if until > now => {
                    format!(" (old secret works until {})", utc::format(until))
                }
                _ => String::new(),
            };
            println!("  rotated     {}{grace}", date(key.rotated));
        }
        let last = match &usage {
            Ok(usage) => usage
                .iter()
                .find(|u| u.key == key.id)
                .map_or("never".to_string(), |u| {
                    format!(
                        "{} from {} ({} calls)",
                        utc::format(u.last_used),
                        u.last_peer,
                        u.calls
                    )
                }),
            Err(e) => format!("unknown (the state cannot be read: {e})"),
        };
        println!("  last used   {last}");
    }
    if config.legacy.unrestricted_store_token.unwrap_or(true) {
        if let Ok(token) = bridge.legacy_token() {
            println!("{STORE_TOKEN_NAME}  enabled  {}", keys::fingerprint(&token));
            println!("  protocol    legacy only (M1_TOKEN of config.php, not imported)");
            println!("  scopes      {}", scope_list(STORE_TOKEN_SCOPES));
            println!("  addresses   any");
        }
    }
    for warning in crate::access::warnings(bridge) {
        println!("warning: {warning}");
    }
    Ok(0)
}
