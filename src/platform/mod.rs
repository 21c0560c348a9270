//! The shop platforms: which one a store root holds, where its database
//! settings are, and the SQL of its operations — all read from the data in
//! `platforms/`, compiled in by `build.rs`.
//!
//! This module knows no platform by name: what it knows of each comes from
//! that platform's `platform.toml` and `sql/` folder.

pub mod php;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::db::{MysqlTarget, Target};
use php::{PhpFile, PhpValue};

include!(concat!(env!("OUT_DIR"), "/platform_files.rs"));

/// One platform, as its folder describes it.
#[derive(Debug, Deserialize)]
pub struct Platform {
    pub name: String,
    pub title: String,
    pub legacy_type: String,
    #[serde(default)]
    pub labels: Vec<String>,
    pub order: u32,
    pub detect: Vec<Vec<String>>,
    pub settings: SettingsSpec,
    #[serde(default)]
    pub version: VersionSpec,
    #[serde(default)]
    pub images: Images,
    /// Whether the platform stores text HTML-escaped (OpenCart runs every
    /// request value through `htmlspecialchars`); the native API undoes it.
    #[serde(default)]
    pub html_escaped_text: bool,
    /// Schema generations, most specific first: when a variant's probe
    /// runs, `sql/<variant>/<method>.sql` replaces `sql/<method>.sql`.
    #[serde(default, rename = "variant")]
    pub variants: Vec<Variant>,
    /// `sql/<method>.sql` files, by method name.
    #[serde(skip)]
    pub sql: BTreeMap<String, String>,
}

/// Where a platform keeps its database settings.
#[derive(Debug, Deserialize)]
pub struct SettingsSpec {
    pub file: String,
    #[serde(default)]
    pub host: Vec<String>,
    #[serde(default)]
    pub port: Vec<String>,
    #[serde(default)]
    pub socket: Vec<String>,
    #[serde(default)]
    pub user: Vec<String>,
    #[serde(default)]
    pub password: Vec<String>,
    #[serde(default)]
    pub database: Vec<String>,
    #[serde(default)]
    pub prefix: Vec<String>,
    #[serde(default)]
    pub charset: Vec<String>,
    #[serde(default)]
    pub time_zone: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionSpec {
    #[serde(default)]
    pub files: Vec<VersionFile>,
    /// Asked when no file declares the version: one row, column `version`.
    pub query: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct VersionFile {
    pub file: String,
    pub value: String,
}

/// A schema generation of a platform, recognised by what the database
/// shows rather than by a version string (shops upgrade in place).
#[derive(Debug, Deserialize)]
pub struct Variant {
    /// The folder under `sql/` holding this variant's SQL.
    pub name: String,
    /// A statement that runs without error only on this variant's schema,
    /// e.g. `SELECT master_id FROM {prefix}product LIMIT 0`.
    pub probe: String,
}

/// Image folders, as `getconfig` reports them.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Images {
    #[serde(default)]
    pub images: String,
    #[serde(default)]
    pub categories: String,
    #[serde(default)]
    pub products: String,
    #[serde(default)]
    pub manufacturers: String,
}

/// Every platform compiled into the binary, in detection order.
pub fn all() -> &'static [Platform] {
    static PLATFORMS: OnceLock<Vec<Platform>> = OnceLock::new();
    PLATFORMS.get_or_init(load_all)
}

fn load_all() -> Vec<Platform> {
    let mut platforms: Vec<Platform> = Vec::new();
    for (name, path, contents) in PLATFORM_FILES {
        if *path == "platform.toml" {
            let platform: Platform = toml::from_str(contents)
                .unwrap_or_else(|e| panic!("platforms/{name}/platform.toml is invalid: {e}"));
            platforms.push(platform);
        }
    }
    for (name, path, contents) in PLATFORM_FILES {
        let Some(method) = path
            .strip_prefix("sql/")
            .and_then(|p| p.strip_suffix(".sql"))
        else {
            continue;
        };
        if let Some(platform) = platforms.iter_mut().find(|p| p.name == *name) {
            platform
                .sql
                .insert(method.to_string(), contents.to_string());
        }
    }
    platforms.sort_by_key(|p| p.order);
    platforms
}

/// Finds a platform by its folder name.
pub fn by_name(name: &str) -> Option<&'static Platform> {
    all().iter().find(|p| p.name == name)
}

/// Detects the platform in `root`. A `cart_id` naming a label makes the
/// search start at that platform and fall through the later ones, as the
/// incumbent does; any other value starts at the top.
pub fn detect(root: &Path, cart_id: Option<&str>) -> Option<&'static Platform> {
    let platforms = all();
    let start = cart_id
        .and_then(|id| {
            platforms
                .iter()
                .position(|p| p.labels.iter().any(|l| l == id))
        })
        .unwrap_or(0);
    platforms[start..].iter().find(|p| p.is_present_in(root))
}

/// Detects the platform of a store that is only seen through `exists`,
/// which says whether a path relative to the store root is there (a remote
/// store listed over FTP or SFTP): the same rules as [`detect`].
pub fn detect_with(exists: &mut dyn FnMut(&str) -> bool) -> Option<&'static Platform> {
    all().iter().find(|p| p.is_present_with(exists))
}

impl Platform {
    /// Whether this platform's files are in `root`.
    pub fn is_present_in(&self, root: &Path) -> bool {
        self.is_present_with(&mut |f| root.join(f).exists())
    }

    /// Whether this platform's files are there, as `exists` sees them.
    pub fn is_present_with(&self, exists: &mut dyn FnMut(&str) -> bool) -> bool {
        self.detect
            .iter()
            .any(|files| files.iter().all(|f| exists(f)))
    }

    /// The SQL of a native method, with the table prefix filled in.
    pub fn sql(&self, method: &str, prefix: &str) -> Option<String> {
        self.sql_for(method, &[], prefix)
    }

    /// The SQL of a native method for a shop whose database matched
    /// `variants` (names, most specific first): the first variant that has
    /// its own file wins, else the common file.
    pub fn sql_for(&self, method: &str, variants: &[&str], prefix: &str) -> Option<String> {
        variants
            .iter()
            .find_map(|v| self.sql.get(&format!("{v}/{method}")))
            .or_else(|| self.sql.get(method))
            .map(|sql| sql.replace("{prefix}", prefix))
    }
}

/// What the shop's own files say about its database and itself.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    pub platform: &'static Platform,
    pub root: PathBuf,
    pub target: Target,
    pub prefix: String,
    /// The version the shop's files declare, when they declare one.
    pub version: Option<String>,
    /// The connection charset the shop's config names (`cartVars.dbCharset`).
    pub charset: Option<String>,
    /// The shop's time zone, when its config names one.
    pub time_zone: Option<String>,
    /// Image folders, as `getconfig` reports them.
    pub images: Images,
    /// Further `cartVars` of `getconfig`, in order (beyond `dbVersion`).
    pub cart_vars: Vec<(String, String)>,
}

impl ShopSettings {
    /// The shop's version: from its files, else from its database.
    pub fn version_with(&self, db: &mut dyn crate::db::Database) -> Option<String> {
        if let Some(version) = &self.version {
            return Some(version.clone());
        }
        let sql = self
            .platform
            .version
            .query
            .as_ref()?
            .replace("{prefix}", &self.prefix);
        let row = db.first_row(&sql, &[]).ok()??;
        row.first()?.to_text().filter(|v| !v.is_empty())
    }
}

/// Why a store's settings could not be read.
#[derive(Debug)]
pub enum SettingsError {
    Unreadable(PathBuf, std::io::Error),
    Missing(PathBuf, &'static str),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Unreadable(path, e) => {
                write!(
                    f,
                    "cannot read the shop's settings file {}: {e}",
                    path.display()
                )
            }
            SettingsError::Missing(path, what) => write!(
                f,
                "the shop's settings file {} does not say which database {what} to use",
                path.display()
            ),
        }
    }
}

/// Reads the shop's database settings from its own config file.
pub fn read_settings(
    platform: &'static Platform,
    root: &Path,
) -> Result<ShopSettings, SettingsError> {
    let spec = &platform.settings;
    let path = root.join(&spec.file);
    let file = parse_php_file(&path)?;
    let get = |locators: &[String]| first_value(&file, locators);
    let database = get(&spec.database).ok_or(SettingsError::Missing(path.clone(), "name"))?;
    let host = get(&spec.host).unwrap_or_default();
    let port = get(&spec.port);
    let mut mysql = MysqlTarget::from_host_setting(&host, port.as_deref());
    if let Some(socket) = get(&spec.socket).filter(|s| !s.is_empty()) {
        mysql.socket = Some(socket);
    }
    mysql.user = get(&spec.user).unwrap_or_default();
    mysql.password = get(&spec.password).unwrap_or_default();
    mysql.database = database;
    mysql.charset = get(&spec.charset).filter(|c| !c.is_empty());
    Ok(ShopSettings {
        platform,
        root: root.to_path_buf(),
        charset: mysql.charset.clone(),
        target: Target::Mysql(mysql),
        prefix: get(&spec.prefix).unwrap_or_default(),
        version: version_from_files(platform, root),
        time_zone: get(&spec.time_zone).filter(|z| !z.is_empty()),
        images: platform.images.clone(),
        cart_vars: Vec::new(),
    })
}

fn parse_php_file(path: &Path) -> Result<PhpFile, SettingsError> {
    let bytes =
        std::fs::read(path).map_err(|e| SettingsError::Unreadable(path.to_path_buf(), e))?;
    Ok(PhpFile::parse_bytes(&bytes, path))
}

fn version_from_files(platform: &Platform, root: &Path) -> Option<String> {
    platform.version.files.iter().find_map(|v| {
        let file = parse_php_file(&root.join(&v.file)).ok()?;
        first_value(&file, std::slice::from_ref(&v.value))
    })
}

/// The first of `locators` that names a value in `file`, as PHP would
/// print it.
fn first_value(file: &PhpFile, locators: &[String]) -> Option<String> {
    locators
        .iter()
        .find_map(|l| locate(file, l).and_then(PhpValue::to_php_string))
}

/// Resolves one locator (`define X`, `var x.k`, `return a.b`,
/// `property Class.name`).
fn locate<'f>(file: &'f PhpFile, locator: &str) -> Option<&'f PhpValue> {
    let (kind, target) = locator.split_once(' ')?;
    let mut path = target.split('.');
    match kind {
        "define" => file.define(target),
        "var" => {
            let name = path.next()?;
            let keys: Vec<&str> = path.collect();
            file.variable(name)?.path(&keys)
        }
        "return" => file.returned()?.path(&path.collect::<Vec<_>>()),
        "property" => {
            let (class, name) = target.split_once('.')?;
            // `*` matches any class and top-level `$this->x` (Oxid).
            file.property(Some(class).filter(|c| *c != "*"), name)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_folder_loads_and_is_ordered() {
        let platforms = all();
        assert!(!platforms.is_empty());
        assert!(platforms.windows(2).all(|w| w[0].order <= w[1].order));
        for p in platforms {
            assert!(!p.detect.is_empty(), "{} detects nothing", p.name);
        }
    }

    #[test]
    fn variant_sql_replaces_the_common_file() {
        let opencart = by_name("opencart").unwrap();
        let common = opencart.sql_for("product.list", &[], "oc_").unwrap();
        let v40 = opencart.sql_for("product.list", &["4.0"], "oc_").unwrap();
        let v41 = opencart
            .sql_for("product.list", &["4.1", "4.0"], "oc_")
            .unwrap();
        assert!(!common.contains("master_id") && common.contains("FROM oc_product p"));
        assert!(v40.contains("p.master_id AS variant_of"));
        assert!(v41.contains("oc_product_code"));
        assert_eq!(
            opencart.sql_for("product.count", &["4.1", "4.0"], "oc_"),
            opencart.sql("product.count", "oc_")
        );
        assert_eq!(opencart.variants[0].name, "4.1");
    }

    #[test]
    fn opencart_settings_are_read_from_config_php() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("system")).unwrap();
        std::fs::write(root.join("system/startup.php"), "<?php\n").unwrap();
        std::fs::write(
            root.join("index.php"),
            "<?php\ndefine('VERSION', '3.0.3.8');\n",
        )
        .unwrap();
        std::fs::write(
            root.join("config.php"),
            "<?php\n// define('DB_DATABASE', 'wrong');\ndefine('DB_HOSTNAME', 'db.example');\ndefine('DB_USERNAME', 'shop');\ndefine(\"DB_PASSWORD\", 'it\\'s');\ndefine('DB_DATABASE', 'oc');\ndefine('DB_PORT', '3307');\ndefine('DB_PREFIX', 'oc_');\n",
        )
        .unwrap();
        let platform = detect(root, None).expect("OpenCart detected");
        assert_eq!(platform.name, "opencart");
        let settings = read_settings(platform, root).unwrap();
        let Target::Mysql(m) = &settings.target else {
            panic!("MySQL expected")
        };
        assert_eq!((m.host.as_str(), m.port), ("db.example", 3307));
        assert_eq!((m.user.as_str(), m.password.as_str()), ("shop", "it's"));
        assert_eq!(m.database, "oc");
        assert_eq!(settings.prefix, "oc_");
        assert_eq!(settings.version.as_deref(), Some("3.0.3.8"));
    }
}
