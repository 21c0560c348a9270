//! The shop platforms: which one a store root holds, where its database
//! settings are, and the SQL of its operations — all read from the data in
//! `platforms/`, compiled in by `build.rs`.
//!
//! This module knows no platform by name: what it knows of each comes from
//! that platform's `platform.toml` and `sql/` folder.

pub mod cache;
pub mod dotenv;
pub mod ini;
pub mod lookup;
pub mod php;
pub mod plugins;
mod settings;
pub mod url;
pub mod xml;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use lookup::{Spec, Template};
pub use plugins::PluginsSpec;
pub use settings::{read_settings, read_without_database, Images, SettingsError, ShopSettings};

include!(concat!(env!("OUT_DIR"), "/platform_files.rs"));

/// One platform, as its folder describes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub name: String,
    pub title: String,
    pub legacy_type: String,
    #[serde(default)]
    pub labels: Vec<String>,
    pub order: u32,
    /// Lists of paths; the platform is there when every path of one list
    /// exists (a path written `!path` must not exist).
    pub detect: Vec<Vec<String>>,
    /// Where the database settings are; `None` for a platform whose
    /// settings cartbridge cannot read (`note` says why).
    pub settings: Option<SettingsSpec>,
    /// Why the settings cannot be read, for platforms without `[settings]`.
    pub note: Option<String>,
    #[serde(default)]
    pub version: VersionSpec,
    #[serde(default)]
    pub images: ImagesSpec,
    /// Whether the platform stores text HTML-escaped (OpenCart runs every
    /// request value through `htmlspecialchars`); the native API undoes it.
    #[serde(default)]
    pub html_escaped_text: bool,
    /// Schema generations, most specific first: when a variant's probe
    /// runs, `sql/<variant>/<method>.sql` replaces `sql/<method>.sql`.
    #[serde(default, rename = "variant")]
    pub variants: Vec<Variant>,
    /// `getconfig`'s `cartVars`, in order.
    #[serde(default, rename = "cart_var")]
    pub cart_vars: Vec<CartVarSpec>,
    /// Shops whose cart is one of several plugins (WordPress).
    pub plugins: Option<PluginsSpec>,
    /// Another platform folder whose `sql/` files and `[[variant]]`s this
    /// one shares (kinds of one shop that keep their settings differently
    /// but their data alike); its own files and variants come first.
    pub sql_from: Option<String>,
    /// A statement the shop runs on each MySQL connection (its session SQL
    /// mode); the native API runs it too.
    pub session_sql: Option<String>,
    /// `sql/<method>.sql` files, by method name.
    #[serde(skip)]
    pub sql: BTreeMap<String, String>,
}

/// Where a platform keeps its database settings: lookups
/// (`platforms/README.md`) read in `file`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsSpec {
    /// The settings file; the first of the list that exists.
    pub file: Spec,
    /// When the file is found in the parent folder (`../app/etc/env.php`),
    /// the parent is the shop's root (a `pub/` or `public/` document root).
    #[serde(default)]
    pub parent_root: bool,
    #[serde(default)]
    pub host: Spec,
    #[serde(default)]
    pub port: Spec,
    #[serde(default)]
    pub socket: Spec,
    #[serde(default)]
    pub user: Spec,
    #[serde(default)]
    pub password: Spec,
    #[serde(default)]
    pub database: Spec,
    #[serde(default)]
    pub prefix: Spec,
    /// The connection charset (`SET NAMES`), where the shop names one.
    #[serde(default)]
    pub charset: Spec,
    #[serde(default)]
    pub time_zone: Spec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    /// Lookups in the shop's files, tried in order.
    #[serde(default)]
    pub from: Spec,
    /// Asked when no file declares the version: one row, first column.
    pub query: Option<String>,
    /// Ask the database before the files (as the incumbent does for some
    /// platforms).
    #[serde(default)]
    pub database_first: bool,
}

/// Where `getconfig`'s image folders come from.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesSpec {
    #[serde(default)]
    pub images: Spec,
    #[serde(default)]
    pub categories: Spec,
    #[serde(default)]
    pub products: Spec,
    #[serde(default)]
    pub manufacturers: Spec,
}

/// One entry of `getconfig`'s `cartVars`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartVarSpec {
    pub name: String,
    /// The value; an entry whose value is not found is left out. An entry
    /// named `dbVersion` without a value marks where the version goes.
    #[serde(default)]
    pub value: Spec,
    #[serde(default, rename = "type")]
    pub kind: CartVarKind,
    /// Left out when this resolves to a PHP-true value.
    pub unless: Option<Template>,
    /// For `type = "array"`: one element per file matching `dir/*.ext`.
    pub each: Option<String>,
    /// For `each`: the element's keys and values, read in its file; an
    /// element is made for a file where the first field is found.
    #[serde(default)]
    pub fields: Vec<(String, Spec)>,
}

/// A schema generation of a platform, recognised by what the database
/// shows rather than by a version string (shops upgrade in place).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The folder under `sql/` holding this variant's SQL.
    pub name: String,
    /// A statement that runs without error only on this variant's schema,
    /// e.g. `SELECT master_id FROM {prefix}product LIMIT 0`.
    pub probe: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CartVarKind {
    #[default]
    Text,
    /// PHP's truthiness of the value (`""` and `"0"` are false).
    Bool,
    /// An integer when the value is one (a PHP `define` of a number).
    Int,
    /// An array: empty, or built with `each`.
    Array,
}

/// Every platform compiled into the binary, in detection order.
pub fn all() -> &'static [Platform] {
    PLATFORMS.get_or_init(|| {
        let mut platforms: Vec<Platform> = PLATFORM_FILES
            .iter()
            .filter(|(_, path, _)| *path == "platform.toml")
            .map(|(name, ..)| load(name).expect("a platform.toml is there"))
            .collect();
        platforms.sort_by_key(|p| p.order);
        platforms
    })
}

static PLATFORMS: OnceLock<Vec<Platform>> = OnceLock::new();

/// The platform of folder `name`. Unless every platform is loaded already,
/// only its own files (and those of its `sql_from`) are parsed: a CGI call
/// whose detection was cached (`cache::detect_cached`) reads one
/// `platform.toml`, not all of them, which was half of its instructions
/// (the callgrind profile of BENCHMARKS.md).
pub fn named(name: &str) -> Option<&'static Platform> {
    use std::sync::Mutex;
    if let Some(platforms) = PLATFORMS.get() {
        return platforms.iter().find(|p| p.name == name);
    }
    // At most one per platform folder, for the life of the process.
    static LOADED: Mutex<Vec<&'static Platform>> = Mutex::new(Vec::new());
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(platform) = loaded.iter().find(|p| p.name == name) {
        return Some(platform);
    }
    let platform: &'static Platform = Box::leak(Box::new(load(name)?));
    loaded.push(platform);
    Some(platform)
}

/// Parses folder `name`'s `platform.toml` and gathers its `sql/` files,
/// then, with `sql_from`, the SQL files and variants of the platform it
/// names where it has none of its own. `None` when there is no such folder.
fn load(name: &str) -> Option<Platform> {
    let (_, _, toml_text) = PLATFORM_FILES
        .iter()
        .find(|(folder, path, _)| *folder == name && *path == "platform.toml")?;
    let mut platform: Platform = toml::from_str(toml_text)
        .unwrap_or_else(|e| panic!("platforms/{name}/platform.toml is invalid: {e}"));
    platform.sql = sql_files(name);
    if let Some(from) = platform.sql_from.clone() {
        let source = load(&from)
            .filter(|source| source.sql_from.is_none())
            .unwrap_or_else(|| {
                panic!(
                    "platforms/{name}/platform.toml: sql_from names '{from}', which is no platform folder with SQL of its own"
                )
            });
        for (method, text) in source.sql {
            platform.sql.entry(method).or_insert(text);
        }
        for variant in source.variants {
            if !platform.variants.iter().any(|v| v.name == variant.name) {
                platform.variants.push(variant);
            }
        }
    }
    Some(platform)
}

/// Folder `name`'s `sql/<method>.sql` files, by method.
fn sql_files(name: &str) -> BTreeMap<String, String> {
    PLATFORM_FILES
        .iter()
        .filter(|(folder, ..)| *folder == name)
        .filter_map(|(_, path, contents)| {
            let method = path.strip_prefix("sql/")?.strip_suffix(".sql")?;
            Some((method.to_string(), contents.to_string()))
        })
        .collect()
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

    /// Whether this platform's files are there, as `exists` sees them
    /// (`!path` must be absent).
    pub fn is_present_with(&self, exists: &mut dyn FnMut(&str) -> bool) -> bool {
        self.detect.iter().any(|paths| {
            paths.iter().all(|p| match p.strip_prefix('!') {
                Some(absent) => !exists(absent),
                None => exists(p),
            })
        })
    }

    /// The SQL of a native method, with the table prefix filled in.
    #[cfg(test)]
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

    /// Every template this platform holds, each with whether a default
    /// file (the settings file) is there for lookups that name none.
    #[cfg(test)]
    fn templates(&self) -> Vec<(&Template, bool)> {
        let file = self.settings.is_some();
        let mut specs: Vec<(&Spec, bool)> = Vec::new();
        if let Some(s) = &self.settings {
            specs.push((&s.file, false));
            for spec in [
                &s.host,
                &s.port,
                &s.socket,
                &s.user,
                &s.password,
                &s.database,
                &s.prefix,
                &s.charset,
                &s.time_zone,
            ] {
                specs.push((spec, true));
            }
        }
        let mut versions = vec![&self.version];
        let mut images = vec![&self.images];
        let mut vars: Vec<&CartVarSpec> = self.cart_vars.iter().collect();
        for cart in self.plugins.iter().flat_map(|p| &p.carts) {
            versions.push(&cart.version);
            images.extend(cart.images.as_ref());
            vars.extend(&cart.cart_vars);
        }
        specs.extend(versions.iter().map(|v| (&v.from, file)));
        for i in images {
            for spec in [&i.images, &i.categories, &i.products, &i.manufacturers] {
                specs.push((spec, file));
            }
        }
        for var in &vars {
            specs.push((&var.value, file));
            specs.extend(var.fields.iter().map(|(_, f)| (f, true)));
        }
        let mut all: Vec<(&Template, bool)> = specs
            .into_iter()
            .flat_map(|(spec, file)| spec.0.iter().map(move |t| (t, file)))
            .collect();
        all.extend(
            vars.iter()
                .filter_map(|v| v.unless.as_ref())
                .map(|t| (t, file)),
        );
        all
    }
}

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod mutation_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_loaded_alone_equals_the_one_loaded_with_all() {
        // `named` before `all` in a fresh process parses only the folders
        // it needs; the result must not differ.
        for name in ["opencart", "prestashop17", "wordpress"] {
            let alone = load(name).unwrap();
            let with_all = all().iter().find(|p| p.name == name).unwrap();
            assert_eq!(format!("{alone:?}"), format!("{with_all:?}"), "{name}");
            assert_eq!(named(name).unwrap().name, name);
        }
        assert!(named("no-such-platform").is_none());
    }

    #[test]
    fn every_platform_folder_loads_and_is_ordered() {
        let platforms = all();
        assert!(!platforms.is_empty());
        assert!(platforms.windows(2).all(|w| w[0].order < w[1].order));
        for p in platforms {
            assert!(!p.detect.is_empty(), "{} detects nothing", p.name);
            assert!(
                p.settings.is_some() || p.note.is_some(),
                "{}: a platform without [settings] says why in `note`",
                p.name
            );
            for (template, has_default_file) in p.templates() {
                assert!(
                    has_default_file || !template.needs_default_file(),
                    "{}: '{}' needs `in FILE`",
                    p.name,
                    template.source()
                );
            }
        }
    }

    #[test]
    fn variant_sql_replaces_the_common_file() {
        let opencart = named("opencart").unwrap();
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
    fn sql_from_shares_another_folders_sql_and_variants() {
        let ps16 = named("prestashop").unwrap();
        let ps17 = named("prestashop17").unwrap();
        assert!(ps17.sql_from.is_some() && ps16.sql_from.is_none());
        assert_eq!(ps17.sql, ps16.sql);
        assert!(ps16.sql.contains_key("product.list"));
        let names = |p: &Platform| {
            p.variants
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(ps17), names(ps16));
        assert_eq!(
            ps17.sql_for("cart.info/currencies", &["1.6"], "ps_"),
            ps16.sql_for("cart.info/currencies", &["1.6"], "ps_")
        );
    }
}
