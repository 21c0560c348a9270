//! Where things are: the bridge folder the binary runs from, its private
//! configuration, the incumbent's `config.php`, the store root, and the
//! shop's platform and database settings found there.
//!
//! Layout (the incumbent's, extended by one private folder):
//!
//! ```text
//! <store root>/                  the shop (OpenCart, WooCommerce, ...)
//! <store root>/bridge2cart/      the bridge folder: the binary, config.php
//! <bridge folder>/.cartbridge/   private: config.toml (0600), state.sqlite
//! ```

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::access::limits::{LimitsConfig, Rate};
use crate::access::net::IpRule;
use crate::access::policy::{Scope, DEFAULT_SCOPES};
use crate::access::utc::Stamp;
use crate::db::{MysqlTarget, Target};
use crate::platform::{self, php::PhpFile, ShopSettings};
use crate::state::StateKind;

/// The default cap on request bodies: 32 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// The name of the private folder inside the bridge folder.
pub const PRIVATE_DIR: &str = ".cartbridge";

/// The bridge's own settings, from `<bridge>/.cartbridge/config.toml`.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeConfig {
    /// Overrides where the shop is (default: the bridge folder when a
    /// platform is detected there, else its parent).
    pub store_root: Option<PathBuf>,
    /// Bodies larger than this are refused with 413.
    pub max_body_bytes: Option<u64>,
    /// How far a native request's timestamp may be from our clock (s).
    pub clock_skew_seconds: Option<u64>,
    /// Where nonces, rate counters and the history live: `sqlite` (the
    /// default, `.cartbridge/state.sqlite`) or `mysql` (the shop's database,
    /// for several web servers behind one balancer).
    pub state: Option<StateKind>,
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies, load
    /// balancers); from anyone else the header is ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<IpRule>,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub legacy: LegacyConfig,
    #[serde(default, rename = "key")]
    pub keys: Vec<KeyConfig>,
    /// Overrides the shop's own database settings (the demo uses SQLite).
    pub database: Option<DatabaseConfig>,
}

/// The incumbent protocol's settings.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyConfig {
    /// The 32-character store key, when not read from `config.php`.
    pub token: Option<String>,
    /// The version the banner and `checkbridge` report.
    pub bridge_version: Option<String>,
    /// Whether the store key of `config.php` is accepted as the incumbent
    /// accepts it (any address, every legacy action). `key import-legacy`
    /// turns this off: from then on the imported key's rules govern it.
    pub unrestricted_store_token: Option<bool>,
    /// The bridge's public key, PEM (`M1_BRIDGE_PUBLIC_KEY` of the
    /// incumbent's `bridge.php`); with it, encryption is on.
    pub public_key: Option<String>,
    /// The 32-hex id of that key pair (`M1_BRIDGE_PUBLIC_KEY_ID`), which
    /// tells the gateway which private key to use.
    pub public_key_id: Option<String>,
    /// `hybrid` (G209, the default when a public key is known), `chunked`
    /// (WP167) or `off`.
    pub encryption: Option<EncryptionSetting>,
    /// Hosts (names or IP addresses) `savefile` may download from although
    /// they are loopback or private. For test rigs only: `doctor` warns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_download_hosts: Vec<String>,
}

/// Which envelope the legacy protocol encrypts with (LEGACY.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncryptionSetting {
    Off,
    Hybrid,
    Chunked,
}

/// One API key: its secret, rules and dates. Secrets are written here and
/// nowhere else; what changes per call (last use, counters) is in the
/// shared state instead, so calls never rewrite this file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub id: String,
    pub secret: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// `native` (default), or `legacy` for the incumbent's store key
    /// imported with `key import-legacy` (legacy protocol only).
    #[serde(default, skip_serializing_if = "KeyProtocol::is_native")]
    pub protocol: KeyProtocol,
    /// What the key may call (see `access::policy`); read scopes when absent.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<Scope>,
    /// Addresses and CIDR ranges calls may come from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<IpRule>,
    /// Calls from any address (an explicit choice; `doctor` warns).
    #[serde(default, skip_serializing_if = "is_false")]
    pub any_ip: bool,
    /// Overrides `[limits] per_key` for this key.
    pub rate_limit: Option<Rate>,
    /// `none` (default), `read` or `full`: what `sql.query` may do. Kept in
    /// step with the `sql:read`/`sql:full` scopes when the file is read.
    #[serde(default, skip_serializing_if = "SqlPolicy::is_none")]
    pub sql_policy: SqlPolicy,
    pub created: Option<Stamp>,
    pub rotated: Option<Stamp>,
    /// The secret before the last rotation, good until `previous_expires`.
    pub previous_secret: Option<String>,
    pub previous_expires: Option<Stamp>,
}

impl KeyConfig {
    /// A native key with default scopes and no address rule yet.
    pub fn new(id: &str, secret: &str) -> KeyConfig {
        KeyConfig {
            id: id.into(),
            secret: secret.into(),
            enabled: true,
            protocol: KeyProtocol::Native,
            scopes: default_scopes(),
            ips: Vec::new(),
            any_ip: false,
            rate_limit: None,
            sql_policy: SqlPolicy::None,
            created: None,
            rotated: None,
            previous_secret: None,
            previous_expires: None,
        }
    }

    /// Whether the key may sign legacy calls.
    pub fn signs_legacy(&self) -> bool {
        self.protocol == KeyProtocol::Legacy || self.scopes.contains(&Scope::Legacy)
    }

    /// Makes `sql_policy` and the SQL scopes say the same: each grants
    /// what the other grants (older configs have only `sql_policy`).
    pub fn reconcile_sql(&mut self) {
        let from_scopes = if self.scopes.contains(&Scope::SqlFull) {
            SqlPolicy::Full
        } else if self.scopes.contains(&Scope::SqlRead) {
            SqlPolicy::Read
        } else {
            SqlPolicy::None
        };
        self.sql_policy = self.sql_policy.max(from_scopes);
        let needed = match self.sql_policy {
            SqlPolicy::Full => Some(Scope::SqlFull),
            SqlPolicy::Read => Some(Scope::SqlRead),
            SqlPolicy::None => None,
        };
        if let Some(scope) = needed.filter(|s| !self.scopes.contains(s)) {
            self.scopes.push(scope);
        }
        self.scopes.sort();
        self.scopes.dedup();
    }
}

/// Which protocol a key signs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyProtocol {
    #[default]
    Native,
    Legacy,
}

impl KeyProtocol {
    fn is_native(&self) -> bool {
        *self == KeyProtocol::Native
    }
}

fn enabled() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_scopes() -> Vec<Scope> {
    DEFAULT_SCOPES.to_vec()
}

/// What a key may do with `sql.query` (ordered: each grants more).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SqlPolicy {
    #[default]
    None,
    Read,
    Full,
}

impl SqlPolicy {
    fn is_none(&self) -> bool {
        *self == SqlPolicy::None
    }
}

/// A database that replaces the shop's own settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// A SQLite file, relative to the private folder or absolute.
    pub sqlite: Option<PathBuf>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub name: Option<String>,
    pub prefix: Option<String>,
}

/// The bridge folder and what it holds.
#[derive(Debug, Clone)]
pub struct Bridge {
    pub dir: PathBuf,
    pub config: BridgeConfig,
    /// Why `config.toml` could not be used, if it could not.
    pub config_error: Option<String>,
}

/// Why the shop behind a bridge could not be reached.
#[derive(Debug)]
pub enum ShopError {
    /// No platform's files are in the store root.
    NotDetected(PathBuf),
    /// The platform's settings file could not be read.
    Settings(platform::SettingsError),
}

impl fmt::Display for ShopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShopError::NotDetected(root) => write!(
                f,
                "no shop platform found in {}: set store_root in the bridge's config.toml or run with --store",
                root.display()
            ),
            ShopError::Settings(e) => e.fmt(f),
        }
    }
}

impl Bridge {
    /// The bridge the web server ran: the folder of `SCRIPT_FILENAME` (not
    /// resolved, so a symlinked binary serves the folder it is linked
    /// into), else the folder of the executable.
    pub fn locate(script_filename: Option<&Path>) -> Bridge {
        let dir = script_filename
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .or_else(|| {
                std::env::current_exe()
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
            })
            .unwrap_or_else(|| PathBuf::from("."));
        Bridge::open(dir)
    }

    /// `message` for a caller over the network, who has no business
    /// knowing where the shop lives on the server: paths under the store
    /// root are given relative to it (`config.php`,
    /// `bridge2cart/.cartbridge/config.toml`) and the root itself as "the
    /// store root". When that changed anything, the whole message goes to
    /// the web server's error log, where the owner reads it.
    pub fn for_caller(&self, message: &str) -> String {
        let mut roots: Vec<String> = self
            .config
            .store_root
            .iter()
            .map(|p| p.as_path())
            .chain(self.dir.parent())
            .map(|p| p.display().to_string().trim_end_matches('/').to_string())
            // "/" alone is no store; a relative folder is no server path.
            .filter(|p| p.starts_with('/') && p.len() > 1)
            .collect();
        roots.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let mut answer = message.to_string();
        for root in &roots {
            answer = answer
                .replace(&format!("{root}/"), "")
                .replace(root.as_str(), "the store root");
        }
        if answer != message {
            eprintln!("cartbridge: {message}");
        }
        answer
    }

    /// The bridge of a store given on the command line: its `bridge2cart`
    /// folder when there is one, else the store root itself.
    pub fn for_store(root: &Path) -> Bridge {
        let sub = root.join("bridge2cart");
        let mut bridge = Bridge::open(if sub.is_dir() {
            sub
        } else {
            root.to_path_buf()
        });
        if bridge.config.store_root.is_none() {
            bridge.config.store_root = Some(root.to_path_buf());
        }
        bridge
    }

    /// Opens a bridge folder and reads its private config, if any.
    pub fn open(dir: PathBuf) -> Bridge {
        let path = dir.join(PRIVATE_DIR).join("config.toml");
        let (config, config_error) = match read_private_config(&path) {
            Ok(config) => (config, None),
            Err(e) => (BridgeConfig::default(), Some(e)),
        };
        Bridge {
            dir,
            config,
            config_error,
        }
    }

    /// The private folder (`.cartbridge/`).
    pub fn private_dir(&self) -> PathBuf {
        self.dir.join(PRIVATE_DIR)
    }

    pub fn max_body_bytes(&self) -> u64 {
        self.config.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES)
    }

    /// The incumbent's store key: `[legacy] token` in config.toml, else
    /// `M1_TOKEN` in the bridge folder's `config.php`. The errors are the
    /// incumbent's own strings.
    pub fn legacy_token(&self) -> Result<String, &'static str> {
        match &self.config.legacy.token {
            Some(token) if token.len() != 32 => Err("ERROR_TOKEN_LENGTH"),
            Some(token) => Ok(token.clone()),
            None => incumbent_token(&self.dir.join("config.php")),
        }
    }

    /// The platform in `root`, remembered in the private folder between
    /// calls (`platform::cache`).
    pub fn detect(&self, root: &Path) -> Option<&'static platform::Platform> {
        platform::cache::detect_cached(root, &self.private_dir().join(platform::cache::CACHE_FILE))
    }

    /// The store root: configured, else the parent when a platform is
    /// found in it, else this folder when one is found here, else the
    /// parent.
    pub fn store_root(&self) -> PathBuf {
        if let Some(root) = &self.config.store_root {
            return root.clone();
        }
        // The parent first: the bridge folder's own config.php (the
        // incumbent's store key) looks like an X-Cart 4 store by itself.
        let parent = self.dir.parent().map(Path::to_path_buf);
        if let Some(parent) = parent.as_ref().filter(|p| self.detect(p).is_some()) {
            return parent.clone();
        }
        if self.detect(&self.dir).is_some() {
            return self.dir.clone();
        }
        parent.unwrap_or_else(|| self.dir.clone())
    }

    /// Detects the shop in `root` and reads its database settings, then
    /// applies the database override of config.toml.
    pub fn shop(&self, root: &Path, cart_id: Option<&str>) -> Result<ShopSettings, ShopError> {
        let platform = match cart_id {
            Some(_) => platform::detect(root, cart_id),
            None => self.detect(root),
        }
        .ok_or_else(|| ShopError::NotDetected(root.to_path_buf()))?;
        let mut settings = match (
            platform::cache::read_settings_cached(platform, root),
            &self.config.database,
        ) {
            (Ok(settings), _) => settings,
            // The shop's files cannot name its database, config.toml does.
            (Err(_), Some(db)) if db.name.is_some() || db.sqlite.is_some() => {
                platform::read_without_database(platform, root)
            }
            (Err(e), _) => return Err(ShopError::Settings(e)),
        };
        if let Some(db) = &self.config.database {
            self.apply_database_override(db, &mut settings);
        }
        Ok(settings)
    }

    fn apply_database_override(&self, db: &DatabaseConfig, settings: &mut ShopSettings) {
        if let Some(prefix) = &db.prefix {
            // The shop's own prefix stays `{base_prefix}` (a multisite
            // blog's users are under it); without one, this is both.
            if settings.base_prefix.is_empty() {
                settings.base_prefix = prefix.clone();
            }
            settings.prefix = prefix.clone();
        }
        if let Some(sqlite) = &db.sqlite {
            settings.target = Target::Sqlite(self.private_dir().join(sqlite));
            return;
        }
        let Target::Mysql(shop) = &settings.target else {
            return;
        };
        let mut target = match &db.host {
            Some(host) => MysqlTarget::from_host_setting(host, None),
            None => shop.clone(),
        };
        if let Some(port) = db.port {
            target.port = port;
        }
        target.user = db.user.clone().unwrap_or_else(|| shop.user.clone());
        target.password = db.password.clone().unwrap_or_else(|| shop.password.clone());
        target.database = db.name.clone().unwrap_or_else(|| shop.database.clone());
        target.charset = shop.charset.clone();
        settings.target = Target::Mysql(target);
    }
}

/// The store key in the incumbent's `config.php`: `M1_TOKEN` (or the
/// WordPress plugin's `A2CBC_TOKEN`), exactly 32 characters. The errors
/// are the incumbent's own strings.
pub fn incumbent_token(config_php: &Path) -> Result<String, &'static str> {
    let source = std::fs::read(config_php).map_err(|_| "ERROR_TOKEN_NOT_DEFINED")?;
    incumbent_token_in(&source, config_php)
}

/// [`incumbent_token`] of a `config.php`'s bytes (deploy reads it over FTP);
/// `name` names the file in messages.
pub fn incumbent_token_in(source: &[u8], name: &Path) -> Result<String, &'static str> {
    let file = PhpFile::parse_bytes(source, name);
    let token = ["M1_TOKEN", "A2CBC_TOKEN"]
        .iter()
        .find_map(|name| file.define(name).and_then(|v| v.to_php_string()))
        .ok_or("ERROR_TOKEN_NOT_DEFINED")?;
    if token.len() != 32 {
        return Err("ERROR_TOKEN_LENGTH");
    }
    Ok(token)
}

/// Reads config.toml, refusing a file that others can read: it holds keys.
fn read_private_config(path: &Path) -> Result<BridgeConfig, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BridgeConfig::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "{} is writable by other users (mode {mode:03o}): whoever can write it can add keys; run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} is readable by other users (mode {mode:03o}): it holds secret keys; run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    // A folder others can write lets them swap the file for their own.
    if let Some(folder) = path.parent() {
        let folder_mode = std::fs::metadata(folder)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if folder_mode & 0o022 != 0 {
            return Err(format!(
                "{} is writable by other users (mode {folder_mode:03o}): they could replace config.toml; run `chmod 700 {}`",
                folder.display(),
                folder.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut config: BridgeConfig =
        toml::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))?;
    for key in &mut config.keys {
        key.reconcile_sql();
    }
    Ok(config)
}

/// The private config as written in the file (nothing filled in), for a
/// command that changes it and writes it back.
pub fn load_private_config(bridge_dir: &Path) -> Result<BridgeConfig, String> {
    read_private_config(&bridge_dir.join(PRIVATE_DIR).join("config.toml"))
}

/// The text of config.toml (a remote deploy uploads it).
pub fn render_private_config(config: &BridgeConfig) -> std::io::Result<String> {
    toml::to_string_pretty(config).map_err(std::io::Error::other)
}

/// Writes config.toml with mode 0600 inside a 0700 private folder.
pub fn write_private_config(bridge_dir: &Path, config: &BridgeConfig) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let private = bridge_dir.join(PRIVATE_DIR);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&private)?;
    let path = private.join("config.toml");
    let text = render_private_config(config)?;
    let tmp = private.join("config.toml.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_caller_is_told_paths_relative_to_the_store_root() {
        let bridge = Bridge {
            dir: PathBuf::from("/var/www/shop/bridge2cart"),
            config: BridgeConfig::default(),
            config_error: None,
        };
        assert_eq!(
            bridge.for_caller("/var/www/shop/bridge2cart/.cartbridge/config.toml is writable by other users: run `chmod 600 /var/www/shop/bridge2cart/.cartbridge/config.toml`"),
            "bridge2cart/.cartbridge/config.toml is writable by other users: run `chmod 600 bridge2cart/.cartbridge/config.toml`"
        );
        assert_eq!(
            bridge.for_caller("no shop platform found in /var/www/shop: set store_root"),
            "no shop platform found in the store root: set store_root"
        );
        let elsewhere = Bridge {
            config: BridgeConfig {
                store_root: Some(PathBuf::from("/srv/shops/main/")),
                ..BridgeConfig::default()
            },
            ..bridge
        };
        assert_eq!(
            elsewhere.for_caller("cannot read /srv/shops/main/config.php and /var/www/shop/x"),
            "cannot read config.php and x"
        );
        let at_the_top = Bridge {
            dir: PathBuf::from("/bridge2cart"),
            config: BridgeConfig::default(),
            config_error: None,
        };
        assert_eq!(at_the_top.for_caller("/etc/x"), "/etc/x");
    }

    #[test]
    fn the_store_root_is_the_shop_above_the_bridge_folder() {
        let shop = tempfile::tempdir().unwrap();
        let root = shop.path();
        std::fs::create_dir_all(root.join("system")).unwrap();
        std::fs::write(root.join("system/startup.php"), "<?php\n").unwrap();
        std::fs::write(root.join("config.php"), "<?php\n").unwrap();
        let bridge_dir = root.join("bridge2cart");
        std::fs::create_dir_all(&bridge_dir).unwrap();
        // The incumbent's config.php alone looks like an X-Cart 4 store.
        std::fs::write(
            bridge_dir.join("config.php"),
            "<?php define('M1_TOKEN', '0123456789abcdef0123456789abcdef');",
        )
        .unwrap();
        assert_eq!(Bridge::open(bridge_dir.clone()).store_root(), root);
        // A binary dropped into the store root itself serves that store.
        let empty = tempfile::tempdir().unwrap();
        let inner = empty.path().join("shop");
        std::fs::create_dir_all(inner.join("system")).unwrap();
        std::fs::write(inner.join("system/startup.php"), "<?php\n").unwrap();
        std::fs::write(inner.join("config.php"), "<?php\n").unwrap();
        assert_eq!(Bridge::open(inner.clone()).store_root(), inner);
    }

    #[test]
    fn token_comes_from_the_incumbents_config_php() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.php"),
            "<?php define('M1_TOKEN', '0123456789abcdef0123456789abcdef');",
        )
        .unwrap();
        let bridge = Bridge::open(dir.path().to_path_buf());
        assert_eq!(
            bridge.legacy_token().unwrap(),
            "0123456789abcdef0123456789abcdef"
        );
        std::fs::write(
            dir.path().join("config.php"),
            "<?php define('M1_TOKEN', 'short');",
        )
        .unwrap();
        assert_eq!(bridge.legacy_token(), Err("ERROR_TOKEN_LENGTH"));
        std::fs::write(dir.path().join("config.php"), "<?php // nothing").unwrap();
        assert_eq!(bridge.legacy_token(), Err("ERROR_TOKEN_NOT_DEFINED"));
    }

    #[test]
    fn a_readable_private_config_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = BridgeConfig {
            max_body_bytes: Some(10),
            ..BridgeConfig::default()
        };
        let path = write_private_config(dir.path(), &config).unwrap();
        let bridge = Bridge::open(dir.path().to_path_buf());
        assert_eq!(bridge.max_body_bytes(), 10);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let bridge = Bridge::open(dir.path().to_path_buf());
        let error = bridge.config_error.clone().expect("refused");
        assert!(error.contains("chmod 600"), "{error}");
        assert_eq!(bridge.max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn a_writable_private_config_or_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_private_config(dir.path(), &BridgeConfig::default()).unwrap();
        for (mode, says) in [
            (0o602, "writable by other users"),
            (0o620, "writable by other users"),
            (0o640, "readable"),
        ] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let error = Bridge::open(dir.path().to_path_buf())
                .config_error
                .expect("refused");
            assert!(
                error.contains(says) && error.contains("chmod 600"),
                "{mode:o}: {error}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let folder = path.parent().unwrap();
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = Bridge::open(dir.path().to_path_buf())
            .config_error
            .expect("refused");
        assert!(error.contains("chmod 700"), "{error}");
    }
}
