//! What a shop's own files say about its database and itself: reads a
//! platform's `[settings]`, `[version]`, `[images]` and `[[cart_var]]`
//! lookups against a store root into [`ShopSettings`], the one value the
//! protocols work from (`getconfig`, `cart.info`, every SQL call).

use std::fmt;
use std::path::{Path, PathBuf};

use super::lookup::{Found, Reader, Spec, Unreadable};
use super::php::{PhpKey, PhpValue};
use super::plugins::CartPlugin;
use super::{CartVarKind, CartVarSpec, ImagesSpec, Platform, SettingsSpec, VersionSpec};
use crate::db::{MysqlTarget, Target};

/// Image folders, as `getconfig` reports them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Images {
    pub images: String,
    pub categories: String,
    pub products: String,
    pub manufacturers: String,
}

/// What the shop's own files say about its database and itself.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    pub platform: &'static Platform,
    /// The shop's root (`getconfig`'s `baseDirFs`): the store root, or its
    /// parent when the settings live there (Magento 2, Shopware 6).
    pub root: PathBuf,
    pub target: Target,
    pub prefix: String,
    /// The table prefix the shop's own settings give (`{base_prefix}` in
    /// the SQL), where `prefix` may be one the bridge's config chose: a
    /// WordPress multisite blog (`wp_2_`) keeps its users under `wp_`.
    pub base_prefix: String,
    /// The version the shop's files declare, when they declare one.
    pub version: Option<String>,
    /// The connection charset the shop's config names (applied with `SET
    /// NAMES`). `getconfig` reports it only where the platform lists it
    /// among its `cart_vars`.
    pub charset: Option<String>,
    /// The shop's time zone, when its config names one.
    pub time_zone: Option<String>,
    /// Image folders, as `getconfig` reports them.
    pub images: Images,
    /// `getconfig`'s `cartVars` other than `dbVersion`, in order; see
    /// [`ShopSettings::cart_vars_with`].
    pub cart_vars: Vec<(String, PhpValue)>,
    /// Where `dbVersion` goes among `cart_vars`.
    pub version_slot: usize,
    /// The cart plugin found active ([`ShopSettings::detect_cart_plugin`]).
    pub plugin: Option<&'static CartPlugin>,
    /// The settings file, relative to `root`.
    pub settings_file: Option<String>,
}

impl ShopSettings {
    /// How this shop's version is found: its cart plugin's rules, if any.
    fn version_spec(&self) -> &'static VersionSpec {
        self.plugin.map_or(&self.platform.version, |p| &p.version)
    }

    /// The shop's version: from its files, else from its database (or the
    /// other way round where the platform says so).
    pub fn version_with(&self, db: &mut dyn crate::db::Database) -> Option<String> {
        let spec = self.version_spec();
        if !spec.database_first {
            if let Some(version) = &self.version {
                return Some(version.clone());
            }
        }
        let from_db = spec.query.as_ref().and_then(|query| {
            let sql = query.replace("{prefix}", &self.prefix);
            let row = db.first_row(&sql, &[]).ok()??;
            row.first()?.to_text().filter(|v| !v.is_empty())
        });
        from_db.or_else(|| self.version.clone())
    }

    /// `getconfig`'s `cartVars` in the incumbent's order, with `dbVersion`
    /// in its place when the version is known.
    pub fn cart_vars_with(&self, version: Option<String>) -> Vec<(String, PhpValue)> {
        let mut vars = self.cart_vars.clone();
        if let Some(version) = version {
            let at = self.version_slot.min(vars.len());
            vars.insert(at, ("dbVersion".to_string(), PhpValue::Str(version)));
        }
        vars
    }

    /// A reader of this shop's files.
    pub(super) fn reader(&self) -> Reader {
        Reader::new(&self.root, self.settings_file.clone())
    }

    /// Adds cart variables (a plugin's) after those already there.
    pub(super) fn add_cart_vars(&mut self, reader: &Reader, specs: &[CartVarSpec]) {
        let (vars, slot) = cart_vars(reader, specs);
        if let Some(slot) = slot {
            self.version_slot = self.cart_vars.len() + slot;
        }
        self.cart_vars.extend(vars);
    }
}

/// Why a store's settings could not be read.
#[derive(Debug)]
pub enum SettingsError {
    /// The platform's settings are in a form cartbridge does not read.
    NoReader {
        platform: &'static str,
        note: Option<&'static str>,
    },
    /// None of the platform's settings files is there.
    NoFile(PathBuf, Vec<String>),
    /// A settings file that is there cannot be read.
    Unreadable(PathBuf, String),
    /// The file does not say which database to use.
    Missing(PathBuf, &'static str),
    /// The file holds the value in a form that needs PHP to run.
    Value(&'static str, Unreadable),
}

/// What to do about any of them.
const ADVICE: &str = "put the database settings in the [database] section of the bridge's \
.cartbridge/config.toml";

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::NoReader { platform, note } => {
                write!(
                    f,
                    "cartbridge cannot read the database settings of {platform}"
                )?;
                if let Some(note) = note {
                    write!(f, " ({})", note.trim())?;
                }
                write!(f, "; {ADVICE}")
            }
            SettingsError::NoFile(root, files) => write!(
                f,
                "none of the shop's settings files ({}) is in {}; {ADVICE}",
                files.join(", "),
                root.display()
            ),
            SettingsError::Unreadable(path, why) => write!(
                f,
                "cannot read the shop's settings file {}: {why}",
                path.display()
            ),
            SettingsError::Missing(path, what) => write!(
                f,
                "the shop's settings file {} does not say which database {what} to use; {ADVICE}",
                path.display()
            ),
            SettingsError::Value(setting, unreadable) => write!(
                f,
                "cannot read the database {setting}: {unreadable}; {ADVICE}"
            ),
        }
    }
}

/// Reads the shop's database settings, version, image folders and
/// `cartVars` from its own files.
pub fn read_settings(
    platform: &'static Platform,
    root: &Path,
) -> Result<ShopSettings, SettingsError> {
    let spec = platform.settings.as_ref().ok_or(SettingsError::NoReader {
        platform: &platform.title,
        note: platform.note.as_deref(),
    })?;
    let (root, file) = settings_file(spec, root)?;
    let path = root.join(&file);
    let mut shop = shop_files(platform, root, Some(file));
    let reader = shop.reader();
    let strict = |setting: &'static str, spec: &Spec| {
        reader
            .first(spec, true)
            .map_err(|u| match u.why.strip_prefix("cannot be read: ") {
                Some(why) if u.file == path => SettingsError::Unreadable(path.clone(), why.into()),
                _ => SettingsError::Value(setting, u),
            })
    };
    let database =
        strict("name", &spec.database)?.ok_or(SettingsError::Missing(path.clone(), "name"))?;
    let host = strict("host", &spec.host)?.unwrap_or_default();
    let port = strict("port", &spec.port)?;
    let mut mysql = MysqlTarget::from_host_setting(&host, port.as_deref());
    if let Some(socket) = strict("socket", &spec.socket)?.filter(|s| !s.is_empty()) {
        mysql.socket = Some(socket);
    }
    mysql.user = strict("user", &spec.user)?.unwrap_or_default();
    mysql.password = strict("password", &spec.password)?.unwrap_or_default();
    mysql.database = database;
    mysql.charset = strict("charset", &spec.charset)?.filter(|c| !c.is_empty());
    shop.prefix = strict("table prefix", &spec.prefix)?.unwrap_or_default();
    shop.base_prefix = shop.prefix.clone();
    shop.time_zone = reader.soft(&spec.time_zone).filter(|z| !z.is_empty());
    shop.charset = mysql.charset.clone();
    shop.target = Target::Mysql(mysql);
    Ok(shop)
}

/// What the shop's files say besides its database settings (version,
/// images, `cartVars`), for a shop whose database settings come from the
/// bridge's own config because its files cannot give them. The database
/// is left to that config: `localhost`, no name; the rest is read where
/// it can be.
pub fn read_without_database(platform: &'static Platform, root: &Path) -> ShopSettings {
    let located = platform
        .settings
        .as_ref()
        .and_then(|spec| settings_file(spec, root).ok());
    let (Some(spec), Some((root, file))) = (&platform.settings, located) else {
        return shop_files(platform, root.to_path_buf(), None);
    };
    let mut shop = shop_files(platform, root, Some(file));
    let reader = shop.reader();
    shop.prefix = reader.soft(&spec.prefix).unwrap_or_default();
    shop.base_prefix = shop.prefix.clone();
    shop.time_zone = reader.soft(&spec.time_zone).filter(|z| !z.is_empty());
    shop.charset = reader.soft(&spec.charset).filter(|c| !c.is_empty());
    if let Target::Mysql(m) = &mut shop.target {
        m.charset = shop.charset.clone();
    }
    shop
}

/// The settings read from files other than the database ones.
fn shop_files(platform: &'static Platform, root: PathBuf, file: Option<String>) -> ShopSettings {
    let reader = Reader::new(&root, file.clone());
    let (cart_vars, slot) = cart_vars(&reader, &platform.cart_vars);
    ShopSettings {
        platform,
        target: Target::Mysql(MysqlTarget::from_host_setting("", None)),
        prefix: String::new(),
        base_prefix: String::new(),
        version: reader.soft(&platform.version.from),
        charset: None,
        time_zone: None,
        images: images(&reader, &platform.images),
        cart_vars,
        version_slot: slot.unwrap_or(0),
        plugin: None,
        settings_file: file,
        root,
    }
}

/// The first settings file that exists, and the shop root it implies.
fn settings_file(spec: &SettingsSpec, root: &Path) -> Result<(PathBuf, String), SettingsError> {
    let reader = Reader::new(root, None);
    let mut tried = Vec::new();
    for template in &spec.file.0 {
        let name = match reader.resolve(template) {
            Found::Value(name) => name,
            Found::Absent => continue,
            Found::Unreadable(u) => return Err(SettingsError::Value("settings file", u)),
        };
        if !root.join(&name).is_file() {
            tried.push(name);
            continue;
        }
        return Ok(match name.strip_prefix("../") {
            Some(inner) if spec.parent_root => (parent_of(root), inner.to_string()),
            _ => (root.to_path_buf(), name),
        });
    }
    Err(SettingsError::NoFile(root.to_path_buf(), tried))
}

fn parent_of(root: &Path) -> PathBuf {
    std::fs::canonicalize(root.join("..")).unwrap_or_else(|_| root.join(".."))
}

pub(super) fn images(reader: &Reader, spec: &ImagesSpec) -> Images {
    let get = |s: &Spec| reader.soft(s).unwrap_or_default();
    Images {
        images: get(&spec.images),
        categories: get(&spec.categories),
        products: get(&spec.products),
        manufacturers: get(&spec.manufacturers),
    }
}

/// The cart variables that are found, and where `dbVersion` goes among
/// them if the list places it.
fn cart_vars(reader: &Reader, specs: &[CartVarSpec]) -> (Vec<(String, PhpValue)>, Option<usize>) {
    let mut vars = Vec::new();
    let mut slot = None;
    for spec in specs {
        if spec.name == "dbVersion" && spec.value.is_empty() {
            slot = Some(vars.len());
            continue;
        }
        let skip = spec
            .unless
            .as_ref()
            .is_some_and(|t| match reader.resolve(t) {
                Found::Value(v) => php_true(&v),
                _ => false,
            });
        if skip {
            continue;
        }
        if let Some(value) = cart_var(reader, spec) {
            vars.push((spec.name.clone(), value));
        }
    }
    (vars, slot)
}

fn cart_var(reader: &Reader, spec: &CartVarSpec) -> Option<PhpValue> {
    match spec.kind {
        CartVarKind::Text => reader.soft(&spec.value).map(PhpValue::Str),
        CartVarKind::Bool => Some(PhpValue::Bool(
            reader.soft(&spec.value).is_some_and(|v| php_true(&v)),
        )),
        CartVarKind::Int => reader.soft(&spec.value).map(|v| match v.parse() {
            Ok(i) => PhpValue::Int(i),
            Err(_) => PhpValue::Str(v),
        }),
        CartVarKind::Array => match &spec.each {
            None => Some(PhpValue::Array(Vec::new())),
            Some(pattern) => {
                let items = each_file(reader, pattern, &spec.fields);
                (!items.is_empty()).then_some(PhpValue::Array(items))
            }
        },
    }
}

/// One array per file matching `dir/*.ext` (sorted by name; names with `_`
/// are skipped, as the incumbent skips them), with the fields found in it.
fn each_file(reader: &Reader, pattern: &str, fields: &[(String, Spec)]) -> Vec<(PhpKey, PhpValue)> {
    let (dir, file_pattern) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    let extension = file_pattern.strip_prefix("*.").unwrap_or(file_pattern);
    let Ok(entries) = std::fs::read_dir(reader.root().join(dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !n.contains('_')
                && Path::new(n)
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case(extension))
        })
        .collect();
    names.sort();
    let mut items = Vec::new();
    for name in names {
        let file = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        let entry = reader.with_default_file(file);
        let values: Vec<Option<String>> = fields.iter().map(|(_, s)| entry.soft(s)).collect();
        if values.first().is_some_and(Option::is_none) {
            continue;
        }
        let map = fields
            .iter()
            .zip(values)
            .map(|((key, _), v)| {
                (
                    PhpKey::from(key.as_str()),
                    PhpValue::Str(v.unwrap_or_default()),
                )
            })
            .collect();
        items.push((PhpKey::Int(items.len() as i64), PhpValue::Array(map)));
    }
    items
}

/// PHP's truthiness of a string.
fn php_true(value: &str) -> bool {
    !(value.is_empty() || value == "0")
}
