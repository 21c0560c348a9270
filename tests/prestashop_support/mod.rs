//! PrestaShop test shops: a store root laid out like PrestaShop 1.6, 8 or 9
//! (so detection and the settings reader find it) on a MariaDB database
//! holding that version's real DDL (`tests/fixtures/prestashop-*`), the
//! tables 8.0 creates from Doctrine entities, and the common catalogue
//! (`tests/fixtures/catalogue.json`) stored the way PrestaShop stores it:
//! one shop in one shop group, languages en and de, the Size combinations
//! of CB-TEE, the order states PrestaShop installs, orders with their
//! state history. Also: direct SQL on the shop's tables and `cartbridge call`.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use serde_json::Value as Json;

use crate::common::shop::{self, key_section, Shop};
use crate::common::{fixture, fresh_database, mysql_query, mysql_rows, Db};

/// The PrestaShop releases whose schema the tests load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V16,
    V8,
    V9,
}

impl Version {
    pub fn number(self) -> &'static str {
        match self {
            Version::V16 => "1.6.1.24",
            Version::V8 => "8.0.0",
            Version::V9 => "9.1.0",
        }
    }

    /// The platform folder that detection picks for this release.
    pub fn platform(self) -> &'static str {
        match self {
            Version::V16 => "prestashop",
            Version::V8 | Version::V9 => "prestashop17",
        }
    }

    /// The DDL files, in loading order: db_structure.sql, and for 8.0 the
    /// Doctrine entities' tables it leaves out (9.x has them in its file).
    fn ddl(self) -> Vec<String> {
        let mut files = vec![format!("prestashop-{}-db_structure.sql", self.number())];
        if self == Version::V8 {
            files.push("prestashop-8.0.0-doctrine-tables.sql".into());
        }
        files
    }

    fn is_16(self) -> bool {
        self == Version::V16
    }
}

/// The common catalogue on PrestaShop 8 (the release most shops run).
pub fn catalogue_shop(database: &str) -> Shop {
    catalogue_shop_8(database)
}

pub fn catalogue_shop_16(database: &str) -> Shop {
    PsShop::new(Version::V16, database).shop
}

pub fn catalogue_shop_8(database: &str) -> Shop {
    PsShop::new(Version::V8, database).shop
}

pub fn catalogue_shop_9(database: &str) -> Shop {
    PsShop::new(Version::V9, database).shop
}

/// Where catalogue rows went: PrestaShop ids by catalogue key.
pub const COMBINATION_ID_OFFSET: i64 = 1_000_000_000;

/// Order state ids as PrestaShop installs them (PS_OS_* configuration).
pub const STATE_PAYMENT_ACCEPTED: i64 = 2;
pub const STATE_PREPARATION: i64 = 3;
pub const STATE_SHIPPED: i64 = 4;
pub const STATE_DELIVERED: i64 = 5;
pub const STATE_CANCELED: i64 = 6;
pub const STATE_BANKWIRE: i64 = 10;

/// A PrestaShop test shop: the store root and its database.
pub struct PsShop {
    pub shop: Shop,
    pub db: Db,
    pub version: Version,
}

impl PsShop {
    /// A shop of `version` in MariaDB database `database` (dropped and made anew).
    pub fn new(version: Version, database: &str) -> PsShop {
        PsShop::with_prefix(version, database, "ps_")
    }

    /// [`PsShop::new`] with another table prefix than the installer's default.
    pub fn with_prefix(version: Version, database: &str, prefix: &str) -> PsShop {
        let shop = shop::bridged_root();
        let load = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for name in version.ddl() {
            let path = load.path().join(&name);
            fs::write(&path, install_placeholders(&fixture(&name), prefix)).unwrap();
            paths.push(path);
        }
        let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let db = fresh_database(database, &refs);
        // The catalogue is written for `ps_` tables (module names such as
        // 'ps_wirepayment' are quoted, table names follow a space).
        let data = catalogue_sql(version).replace(" ps_", &format!(" {prefix}"));
        mysql_query(&db, &data);
        lay_out(&shop.root, version, &db, prefix);
        shop.write_private_config(&key_section());
        PsShop { shop, db, version }
    }

    pub fn label(&self) -> String {
        format!("PrestaShop {}", self.version.number())
    }

    /// Rows of a query on the shop's tables, every value as text.
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        mysql_rows(&self.db, sql)
    }

    /// The first value of the first row.
    pub fn value(&self, sql: &str) -> String {
        self.rows(sql)
            .first()
            .and_then(|r| r.first().cloned())
            .unwrap_or_else(|| panic!("no row for {sql}"))
    }

    pub fn exec(&self, sql: &str) {
        mysql_query(&self.db, sql);
    }

    /// A trigger that makes every insert into `table` fail, as a full disk would.
    pub fn fail_inserts_into(&self, table: &str) {
        self.exec(&format!(
            "CREATE TRIGGER cb5p_fail_{table} BEFORE INSERT ON {table} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"
        ));
    }

    /// A trigger that makes every update of `table` fail.
    pub fn fail_updates_of(&self, table: &str) {
        self.exec(&format!(
            "CREATE TRIGGER cb5p_fail_upd_{table} BEFORE UPDATE ON {table} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"
        ));
    }

    /// `cartbridge call <method> name=value ... --store <root>`.
    pub fn call(&self, method: &str, params: &[(&str, &str)]) -> (i32, Json) {
        shop::call(&self.shop.root, &[], method, params)
    }

    /// The result of a call that must succeed.
    pub fn ok(&self, method: &str, params: &[(&str, &str)]) -> Json {
        shop::call_ok(&self.shop.root, &self.label(), method, params)
    }

    /// The message of a call that must fail with `status`.
    pub fn refused(&self, method: &str, params: &[(&str, &str)], status: u16) -> String {
        shop::call_refused(&self.shop.root, &self.label(), method, params, status)
    }
}

/// A db_structure.sql as the installer runs it: `PREFIX_` is the table
/// prefix, `ENGINE_TYPE` the engine, `COLLATION` the database's collation
/// clause (empty: the database default, utf8mb4_general_ci here).
fn install_placeholders(path: &Path, prefix: &str) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace("PREFIX_", prefix)
        .replace("ENGINE_TYPE", "InnoDB")
        .replace("COLLATION", "")
}

/// The shop's files: what detection looks for, the settings file pointing
/// at `db` (1.6: `_DB_SERVER_` as host:port; 8: host and port apart; 9:
/// host:port in `database_host` with the empty `database_port` the
/// installer writes), and where the version is declared.
fn lay_out(root: &Path, version: Version, db: &Db, prefix: &str) {
    let write = |path: &str, text: String| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write("config/config.inc.php", "<?php\n".into());
    match version {
        Version::V16 => write(
            "config/settings.inc.php",
            format!(
                "<?php\ndefine('_DB_SERVER_', '{}:{}');\ndefine('_DB_NAME_', '{}');\ndefine('_DB_USER_', '{}');\n\
                 define('_DB_PASSWD_', '{}');\ndefine('_DB_PREFIX_', '{prefix}');\ndefine('_MYSQL_ENGINE_', 'InnoDB');\n\
                 define('_PS_CACHING_SYSTEM_', 'CacheMemcache');\ndefine('_PS_CACHE_ENABLED_', '0');\n\
                 define('_PS_CREATION_DATE_', '2026-01-01');\nif (!defined('_PS_VERSION_'))\n\tdefine('_PS_VERSION_', '1.6.1.24');\n",
                db.host, db.port, db.name, db.user, db.password
            ),
        ),
        Version::V8 | Version::V9 => {
            let (host, port) = if version == Version::V8 {
                (db.host.clone(), db.port.to_string())
            } else {
                (format!("{}:{}", db.host, db.port), String::new())
            };
            write(
                "app/config/parameters.php",
                format!(
                    "<?php return array (\n  'parameters' => \n  array (\n    'database_host' => '{host}',\n    \
                     'database_port' => '{port}',\n    'database_name' => '{}',\n    'database_user' => '{}',\n    \
                     'database_password' => '{}',\n    'database_prefix' => '{prefix}',\n    'database_engine' => 'InnoDB',\n    \
                     'ps_caching' => 'CacheMemcache',\n    'ps_cache_enable' => false,\n    'locale' => 'en-US',\n  ),\n);\n",
                    db.name, db.user, db.password
                ),
            );
            if version == Version::V8 {
                write(
                    "app/AppKernel.php",
                    "<?php\nclass AppKernel extends Kernel\n{\n    const VERSION = '8.0.0';\n    const MAJOR_VERSION = 8;\n}\n".into(),
                );
            } else {
                // 9.x: the kernel refers to the Version class's constant.
                write(
                    "app/AppKernel.php",
                    "<?php\nclass AppKernel extends Kernel\n{\n    public const VERSION = \\PrestaShop\\PrestaShop\\Core\\Version::VERSION;\n}\n".into(),
                );
                write(
                    "src/Core/Version.php",
                    "<?php\nnamespace PrestaShop\\PrestaShop\\Core;\n\nclass Version\n{\n    public const VERSION = '9.1.0';\n}\n".into(),
                );
            }
        }
    }
}

/// SQL text literal.
fn q(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

fn text<'a>(value: &'a Json, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("catalogue: {key} missing in {value}"))
}

fn money(value: &Json, key: &str) -> f64 {
    text(value, key).parse().unwrap()
}

/// A link_rewrite as PrestaShop makes one from a name.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The state PrestaShop's own bank wire flow leaves an order in, for the
/// catalogue's common status names.
fn state_of(status: &str) -> i64 {
    match status {
        "pending" => STATE_BANKWIRE,
        "processing" => STATE_PAYMENT_ACCEPTED,
        "complete" => STATE_DELIVERED,
        "cancelled" => STATE_CANCELED,
        other => panic!("catalogue status {other} has no PrestaShop state"),
    }
}

/// The states an order went through to reach its state (order_history).
fn history_of(state: i64) -> Vec<i64> {
    match state {
        STATE_BANKWIRE => vec![STATE_BANKWIRE],
        STATE_PAYMENT_ACCEPTED => vec![STATE_BANKWIRE, STATE_PAYMENT_ACCEPTED],
        STATE_DELIVERED => vec![
            STATE_BANKWIRE,
            STATE_PAYMENT_ACCEPTED,
            STATE_SHIPPED,
            STATE_DELIVERED,
        ],
        STATE_CANCELED => vec![STATE_BANKWIRE, STATE_CANCELED],
        other => vec![other],
    }
}

/// An order state as the install data makes it: its flags are
/// [logable, paid, shipped, delivery, invoice].
pub struct State {
    pub id: i64,
    pub en: &'static str,
    pub de: &'static str,
    pub flags: [u8; 5],
    pub template: &'static str,
}

impl State {
    fn logable(&self) -> u8 {
        self.flags[0]
    }
    fn paid(&self) -> u8 {
        self.flags[1]
    }
    fn invoice(&self) -> u8 {
        self.flags[4]
    }
}

const fn state(
    id: i64,
    en: &'static str,
    de: &'static str,
    flags: [u8; 5],
    template: &'static str,
) -> State {
    State {
        id,
        en,
        de,
        flags,
        template,
    }
}

/// The order states of a PrestaShop install (ids, PS_OS_* keys and English
/// names as SCHEMAS.md lists them from the 9.1.0 install data; the flags
/// as the install data sets them). German names are written for the
/// tests' second language (the de language pack's wording may differ).
#[rustfmt::skip]
pub const STATES: &[State] = &[
    state(1, "Awaiting check payment", "Warten auf Scheckzahlung", [0, 0, 0, 0, 0], "cheque"),
    state(2, "Payment accepted", "Zahlung eingegangen", [1, 1, 0, 0, 1], "payment"),
    state(3, "Processing in progress", "Bearbeitung läuft", [1, 1, 0, 1, 1], "preparation"),
    state(4, "Shipped", "Versandt", [1, 1, 1, 1, 1], "shipped"),
    state(5, "Delivered", "Zugestellt", [1, 1, 1, 1, 1], ""),
    state(6, "Canceled", "Storniert", [0, 0, 0, 0, 0], "order_canceled"),
    state(7, "Refunded", "Erstattet", [0, 1, 0, 0, 1], "refund"),
    state(8, "Payment error", "Zahlungsfehler", [0, 0, 0, 0, 0], "payment_error"),
    state(9, "On backorder (paid)", "Nachbestellt (bezahlt)", [1, 1, 0, 0, 1], "outofstock"),
    state(10, "Awaiting bank wire payment", "Warten auf Banküberweisung", [0, 0, 0, 0, 0], "bankwire"),
    state(11, "Remote payment accepted", "Fernzahlung eingegangen", [1, 1, 0, 0, 1], "payment"),
    state(12, "On backorder (not paid)", "Nachbestellt (nicht bezahlt)", [0, 0, 0, 0, 0], "outofstock"),
    state(13, "Awaiting Cash On Delivery validation", "Warten auf Bestätigung der Nachnahme", [0, 0, 0, 0, 0], "cashondelivery"),
];

/// PrestaShop's country ids for the catalogue's countries (install data).
fn country_id(iso2: &str) -> i64 {
    match iso2 {
        "GB" => 17,
        "US" => 21,
        other => panic!("catalogue country {other} has no PrestaShop id here"),
    }
}

/// The catalogue as PrestaShop stores it, plus the shop it lives in.
pub fn catalogue_sql(version: Version) -> String {
    let catalogue: Json =
        serde_json::from_str(&fs::read_to_string(fixture("catalogue.json")).unwrap()).unwrap();
    let v16 = version.is_16();
    let mut sql = String::from("SET NAMES utf8mb4;\n");
    let mut add = |s: String| {
        sql.push_str(&s);
        sql.push_str(";\n");
    };
    let stamp = "'2026-01-01 00:00:00'";

    // The shop: one shop group (stock not shared), one shop whose Home is category 2.
    add(
        "INSERT INTO ps_shop_group (id_shop_group, name, share_customer, share_order, share_stock, active, deleted) \
         VALUES (1, 'Default', 0, 0, 0, 1, 0)"
            .to_string(),
    );
    add(if v16 {
        "INSERT INTO ps_shop (id_shop, id_shop_group, name, id_category, id_theme, active, deleted) \
         VALUES (1, 1, 'CB Demo Shop', 2, 1, 1, 0)"
            .into()
    } else {
        "INSERT INTO ps_shop (id_shop, id_shop_group, name, color, id_category, theme_name, active, deleted) \
         VALUES (1, 1, 'CB Demo Shop', '', 2, 'classic', 1, 0)"
            .into()
    });
    add(
        "INSERT INTO ps_shop_url (id_shop, domain, domain_ssl, physical_uri, virtual_uri, main, active) \
         VALUES (1, 'shop.test', 'shop.test', '/', '', 1, 1)"
            .to_string(),
    );

    // Languages: the catalogue's, en first (the default).
    let languages = catalogue["languages"].as_array().unwrap();
    for (i, lang) in languages.iter().enumerate() {
        let id = i + 1;
        let code = text(lang, "code");
        let (language_code, locale, lite, full) = match code {
            "en" => ("en-us", "en-US", "m/d/Y", "m/d/Y H:i:s"),
            "de" => ("de-de", "de-DE", "d.m.Y", "d.m.Y H:i:s"),
            other => panic!("catalogue language {other} has no PrestaShop locale here"),
        };
        let locale_column = if v16 {
            String::new()
        } else {
            ", locale".to_string()
        };
        let locale_value = if v16 {
            String::new()
        } else {
            format!(", {}", q(locale))
        };
        add(format!(
            "INSERT INTO ps_lang (id_lang, name, active, iso_code, language_code{locale_column}, date_format_lite, \
             date_format_full, is_rtl) VALUES ({id}, {}, 1, {}, {}{locale_value}, {}, {}, 0)",
            q(text(lang, "name")),
            q(code),
            q(language_code),
            q(lite),
            q(full)
        ));
        add(format!(
            "INSERT INTO ps_lang_shop (id_lang, id_shop) VALUES ({id}, 1)"
        ));
    }
    let lang_ids: Vec<(usize, &str)> = languages
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, text(l, "code")))
        .collect();

    // Global settings (id_shop and id_shop_group NULL).
    let mut settings = vec![
        ("PS_LANG_DEFAULT", "1".to_string()),
        ("PS_SHOP_DEFAULT", "1".into()),
        ("PS_CURRENCY_DEFAULT", "1".into()),
        ("PS_COUNTRY_DEFAULT", "17".into()),
        ("PS_TIMEZONE", "UTC".into()),
        ("PS_SHOP_NAME", "CB Demo Shop".into()),
        ("PS_VERSION_DB", version.number().into()),
        ("PS_OS_CHEQUE", "1".into()),
        ("PS_OS_PAYMENT", "2".into()),
        ("PS_OS_PREPARATION", "3".into()),
        ("PS_OS_SHIPPING", "4".into()),
        ("PS_OS_DELIVERED", "5".into()),
        ("PS_OS_CANCELED", "6".into()),
        ("PS_OS_REFUND", "7".into()),
        ("PS_OS_ERROR", "8".into()),
        ("PS_OS_OUTOFSTOCK", "9".into()),
        ("PS_OS_BANKWIRE", "10".into()),
        ("PS_OS_WS_PAYMENT", "11".into()),
    ];
    settings.push(("PS_STOCK_MANAGEMENT", "1".into()));
    settings.push(("PS_INVOICE_PREFIX", String::new()));
    for (name, value) in settings {
        add(format!(
            "INSERT INTO ps_configuration (id_shop_group, id_shop, name, value, date_add, date_upd) \
             VALUES (NULL, NULL, {}, {}, {stamp}, {stamp})",
            q(name),
            q(&value)
        ));
    }

    // The invoice prefix is a setting per language.
    for (lang, _) in &lang_ids {
        add(format!(
            "INSERT INTO ps_configuration_lang (id_configuration, id_lang, value, date_upd) \
             SELECT id_configuration, {lang}, '#IN', {stamp} FROM ps_configuration WHERE name = 'PS_INVOICE_PREFIX'"
        ));
    }

    // The currency the orders are in.
    if v16 {
        add("INSERT INTO ps_currency (id_currency, name, iso_code, iso_code_num, sign, blank, format, decimals, \
             conversion_rate, deleted, active) VALUES (1, 'Euro', 'EUR', '978', '€', 1, 2, 1, 1.000000, 0, 1)"
            .into());
    } else {
        add("INSERT INTO ps_currency (id_currency, name, iso_code, numeric_iso_code, `precision`, conversion_rate, \
             deleted, active, unofficial, modified) VALUES (1, '', 'EUR', '978', 2, 1.000000, 0, 1, 0, 0)"
            .into());
        for (id, _) in &lang_ids {
            add(format!(
                "INSERT INTO ps_currency_lang (id_currency, id_lang, name, symbol, pattern) \
                 VALUES (1, {id}, 'Euro', '€', '#,##0.00 ¤')"
            ));
        }
    }
    add("INSERT INTO ps_currency_shop (id_currency, id_shop, conversion_rate) VALUES (1, 1, 1.000000)".into());

    // Countries and the one state an address uses.
    for (id, iso, en, de, states) in [
        (17, "GB", "United Kingdom", "Vereinigtes Königreich", 0),
        (21, "US", "United States", "Vereinigte Staaten", 1),
    ] {
        add(format!(
            "INSERT INTO ps_country (id_country, id_zone, id_currency, iso_code, call_prefix, active, contains_states, \
             need_identification_number, need_zip_code, zip_code_format, display_tax_label) \
             VALUES ({id}, 1, 0, '{iso}', 0, 1, {states}, 0, 1, '', 1)"
        ));
        for (lang, code) in &lang_ids {
            let name = if *code == "de" { de } else { en };
            add(format!(
                "INSERT INTO ps_country_lang (id_country, id_lang, name) VALUES ({id}, {lang}, {})",
                q(name)
            ));
        }
        add(format!(
            "INSERT INTO ps_country_shop (id_country, id_shop) VALUES ({id}, 1)"
        ));
    }
    add("INSERT INTO ps_state (id_state, id_country, id_zone, name, iso_code, tax_behavior, active) \
         VALUES (32, 21, 2, 'New York', 'NY', 0, 1)"
        .into());

    // Categories: PrestaShop's Root (1) and Home (2), then the catalogue's
    // below Home, as a nested set.
    let categories = catalogue["categories"].as_array().unwrap();
    let mut category_ids = std::collections::HashMap::new();
    for (i, c) in categories.iter().enumerate() {
        category_ids.insert(text(c, "key").to_string(), i as i64 + 3);
    }
    struct Node {
        id: i64,
        parent: i64,
        depth: i64,
        names: Vec<(usize, String)>,
        position: i64,
        root: bool,
    }
    let mut nodes = vec![
        Node {
            id: 1,
            parent: 0,
            depth: 0,
            names: lang_ids
                .iter()
                .map(|(l, c)| (*l, if *c == "de" { "Wurzel" } else { "Root" }.into()))
                .collect(),
            position: 0,
            root: false,
        },
        Node {
            id: 2,
            parent: 1,
            depth: 1,
            names: lang_ids
                .iter()
                .map(|(l, c)| (*l, if *c == "de" { "Startseite" } else { "Home" }.into()))
                .collect(),
            position: 0,
            root: true,
        },
    ];
    for c in categories {
        let parent = c["parent"].as_str().map_or(2, |key| category_ids[key]);
        let depth = nodes.iter().find(|n| n.id == parent).unwrap().depth + 1;
        nodes.push(Node {
            id: category_ids[text(c, "key")],
            parent,
            depth,
            names: lang_ids
                .iter()
                .map(|(l, code)| (*l, c["name"][*code].as_str().unwrap().to_string()))
                .collect(),
            position: c["sort_order"].as_i64().unwrap() - 1,
            root: false,
        });
    }
    fn number(nodes: &[Node], id: i64, next: &mut i64, out: &mut Vec<(i64, i64, i64)>) {
        let left = *next;
        *next += 1;
        for child in nodes.iter().filter(|n| n.parent == id) {
            number(nodes, child.id, next, out);
        }
        out.push((id, left, *next));
        *next += 1;
    }
    let mut bounds = Vec::new();
    number(&nodes, 1, &mut 1, &mut bounds);
    for n in &nodes {
        let (_, left, right) = bounds.iter().find(|b| b.0 == n.id).unwrap();
        add(format!(
            "INSERT INTO ps_category (id_category, id_parent, id_shop_default, level_depth, nleft, nright, active, \
             date_add, date_upd, position, is_root_category) \
             VALUES ({}, {}, 1, {}, {left}, {right}, 1, {stamp}, {stamp}, {}, {})",
            n.id,
            n.parent,
            n.depth,
            n.position,
            u8::from(n.root)
        ));
        add(format!(
            "INSERT INTO ps_category_shop (id_category, id_shop, position) VALUES ({}, 1, {})",
            n.id, n.position
        ));
        for (lang, name) in &n.names {
            add(format!(
                "INSERT INTO ps_category_lang (id_category, id_shop, id_lang, name, description, link_rewrite) \
                 VALUES ({}, 1, {lang}, {}, '', {})",
                n.id,
                q(name),
                q(&slug(name))
            ));
        }
        for group in 1..=3 {
            add(format!(
                "INSERT INTO ps_category_group (id_category, id_group) VALUES ({}, {group})",
                n.id
            ));
        }
    }

    // The attribute group the catalogue's variant options belong to.
    add("INSERT INTO ps_attribute_group (id_attribute_group, is_color_group, group_type, position) \
         VALUES (1, 0, 'select', 0)"
        .into());
    add("INSERT INTO ps_attribute_group_shop (id_attribute_group, id_shop) VALUES (1, 1)".into());
    for (lang, code) in &lang_ids {
        let name = if *code == "de" { "Größe" } else { "Size" };
        add(format!(
            "INSERT INTO ps_attribute_group_lang (id_attribute_group, id_lang, name, public_name) \
             VALUES (1, {lang}, {0}, {0})",
            q(name)
        ));
    }

    // Products, their texts per language, categories (Home too, as the
    // back office adds it), stock, and combinations with their stock.
    let mut sku_ids: std::collections::HashMap<String, (i64, i64)> = Default::default();
    let mut attributes: Vec<String> = Vec::new();
    let mut combination_id = 0;
    for (i, p) in catalogue["products"].as_array().unwrap().iter().enumerate() {
        let id = i as i64 + 1;
        let sku = text(p, "sku");
        sku_ids.insert(sku.to_string(), (id, 0));
        let price = money(p, "price");
        let active = u8::from(text(p, "status") == "enabled");
        let quantity = p["quantity"].as_i64().unwrap();
        let variants = p["variants"].as_array().cloned().unwrap_or_default();
        let cats: Vec<i64> = p["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| category_ids[c.as_str().unwrap()])
            .collect();
        let default_category = *cats.last().unwrap();
        let first_combination = combination_id + 1;
        let default_attribute = if variants.is_empty() {
            "0".to_string()
        } else {
            first_combination.to_string()
        };
        let (type_column, type_value) = if v16 {
            ("", String::new())
        } else {
            (
                ", product_type",
                format!(
                    ", {}",
                    q(if variants.is_empty() {
                        "standard"
                    } else {
                        "combinations"
                    })
                ),
            )
        };
        add(format!(
            "INSERT INTO ps_product (id_product, id_category_default, id_shop_default, id_tax_rules_group, quantity, \
             price, reference, weight, active, redirect_type, cache_default_attribute, date_add, date_upd{type_column}) \
             VALUES ({id}, {default_category}, 1, 0, {quantity}, {price:.6}, {}, {}, {active}, '404', \
             {default_attribute}, {}, {}{type_value})",
            q(sku),
            text(p, "weight"),
            q(text(p, "created_at")),
            q(text(p, "modified_at"))
        ));
        add(format!(
            "INSERT INTO ps_product_shop (id_product, id_shop, id_category_default, id_tax_rules_group, price, \
             active, redirect_type, cache_default_attribute, date_add, date_upd) \
             VALUES ({id}, 1, {default_category}, 0, {price:.6}, {active}, '', {default_attribute}, {}, {})",
            q(text(p, "created_at")),
            q(text(p, "modified_at"))
        ));
        for (lang, code) in &lang_ids {
            let name = p["name"][*code].as_str().unwrap();
            add(format!(
                "INSERT INTO ps_product_lang (id_product, id_shop, id_lang, description, description_short, \
                 link_rewrite, name) VALUES ({id}, 1, {lang}, {}, '', {}, {})",
                q(p["description"][*code].as_str().unwrap()),
                q(&slug(name)),
                q(name)
            ));
        }
        for category in std::iter::once(2).chain(cats.iter().copied()) {
            add(format!(
                "INSERT INTO ps_category_product (id_category, id_product, position) \
                 SELECT {category}, {id}, COUNT(*) FROM ps_category_product WHERE id_category = {category}"
            ));
        }
        add(stock_row(version, id, 0, quantity));
        for (position, variant) in variants.iter().enumerate() {
            combination_id += 1;
            let option = text(variant, "option");
            let attribute = match attributes.iter().position(|a| a == option) {
                Some(at) => at as i64 + 1,
                None => {
                    attributes.push(option.to_string());
                    let attribute = attributes.len() as i64;
                    add(format!(
                        "INSERT INTO ps_attribute (id_attribute, id_attribute_group, color, position) \
                         VALUES ({attribute}, 1, '', {})",
                        attribute - 1
                    ));
                    add(format!(
                        "INSERT INTO ps_attribute_shop (id_attribute, id_shop) VALUES ({attribute}, 1)"
                    ));
                    for (lang, _) in &lang_ids {
                        add(format!(
                            "INSERT INTO ps_attribute_lang (id_attribute, id_lang, name) VALUES ({attribute}, {lang}, {})",
                            q(option)
                        ));
                    }
                    attribute
                }
            };
            let impact = money(variant, "price") - price;
            let default_on = if position == 0 { "1" } else { "NULL" };
            let variant_quantity = variant["quantity"].as_i64().unwrap();
            let (quantity_column, quantity_value) = if v16 {
                (", quantity", format!(", {variant_quantity}"))
            } else {
                ("", String::new())
            };
            add(format!(
                "INSERT INTO ps_product_attribute (id_product_attribute, id_product, reference, price, weight, \
                 default_on, minimal_quantity{quantity_column}) VALUES ({combination_id}, {id}, {}, {impact:.6}, 0, \
                 {default_on}, 1{quantity_value})",
                q(text(variant, "sku"))
            ));
            add(format!(
                "INSERT INTO ps_product_attribute_shop (id_product, id_product_attribute, id_shop, price, weight, \
                 default_on, minimal_quantity) VALUES ({id}, {combination_id}, 1, {impact:.6}, 0, {default_on}, 1)"
            ));
            add(format!(
                "INSERT INTO ps_product_attribute_combination (id_attribute, id_product_attribute) \
                 VALUES ({attribute}, {combination_id})"
            ));
            add(stock_row(version, id, combination_id, variant_quantity));
            sku_ids.insert(text(variant, "sku").to_string(), (id, combination_id));
        }
    }

    // Customers with their address, in the Customer group (3).
    let mut customer_ids = std::collections::HashMap::new();
    for (i, c) in catalogue["customers"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let id = i as i64 + 1;
        let email = text(c, "email");
        customer_ids.insert(email.to_string(), id);
        let created = q(text(c, "created_at"));
        add(format!(
            "INSERT INTO ps_customer (id_customer, id_shop_group, id_shop, id_gender, id_default_group, id_lang, \
             firstname, lastname, email, passwd, last_passwd_gen, newsletter, optin, secure_key, active, is_guest, \
             deleted, date_add, date_upd) VALUES ({id}, 1, 1, 0, 3, 1, {}, {}, {}, \
             '$2y$10$Nj3H6ObQ4IB5CQrQ8v1a8uX8bS8XG8mCw0bW1hQ2C8GxvSx8mQk1e', {created}, 0, 0, \
             MD5({}), 1, 0, 0, {created}, {created})",
            q(text(c, "first_name")),
            q(text(c, "last_name")),
            q(email),
            q(email)
        ));
        add(format!(
            "INSERT INTO ps_customer_group (id_customer, id_group) VALUES ({id}, 3)"
        ));
        let a = &c["address"];
        let country = country_id(text(a, "country_iso2"));
        let state = if text(a, "zone") == "NY" { 32 } else { 0 };
        add(format!(
            "INSERT INTO ps_address (id_address, id_country, id_state, id_customer, alias, company, lastname, \
             firstname, address1, address2, postcode, city, phone, date_add, date_upd, active, deleted) \
             VALUES ({id}, {country}, {state}, {id}, 'My address', {}, {}, {}, {}, {}, {}, {}, {}, {created}, \
             {created}, 1, 0)",
            q(text(a, "company")),
            q(text(c, "last_name")),
            q(text(c, "first_name")),
            q(text(a, "address_1")),
            q(text(a, "address_2")),
            q(text(a, "postcode")),
            q(text(a, "city")),
            q(text(c, "telephone"))
        ));
    }

    // Order states with their names, and the carrier the orders used.
    for state in STATES {
        let (id, en, de, template) = (state.id, state.en, state.de, state.template);
        let [logable, paid, shipped, delivery, invoice] = state.flags;
        let module = match (id, v16) {
            (1, true) => "cheque",
            (1, false) => "ps_checkpayment",
            (10, true) => "bankwire",
            (10, false) => "ps_wirepayment",
            _ => "",
        };
        add(format!(
            "INSERT INTO ps_order_state (id_order_state, invoice, send_email, module_name, color, unremovable, \
             hidden, logable, delivery, shipped, paid, pdf_invoice, pdf_delivery, deleted) \
             VALUES ({id}, {invoice}, {}, '{module}', '#4169E1', 1, 0, {logable}, {delivery}, {shipped}, {paid}, \
             {invoice}, {shipped}, 0)",
            u8::from(!template.is_empty())
        ));
        for (lang, code) in &lang_ids {
            let name = if *code == "de" { de } else { en };
            add(format!(
                "INSERT INTO ps_order_state_lang (id_order_state, id_lang, name, template) \
                 VALUES ({id}, {lang}, {}, '{template}')",
                q(name)
            ));
        }
    }
    add("INSERT INTO ps_carrier (id_carrier, id_reference, name, url, active, deleted, shipping_handling, \
         range_behavior, is_module, is_free, shipping_external, need_range, external_module_name, shipping_method, \
         position, max_width, max_height, max_depth, max_weight, grade) \
         VALUES (1, 1, 'Flat rate', '', 1, 0, 0, 0, 0, 0, 0, 0, '', 0, 0, 0, 0, 0, 0, 0)"
        .into());

    // Orders A, B, C, D: the order row with its totals, its lines, its
    // state history, and the customer's checkout message.
    let payment_module = if v16 { "bankwire" } else { "ps_wirepayment" };
    let mut invoice_number = 0;
    let mut detail_id = 0;
    let mut history_id = 0;
    for (i, o) in catalogue["orders"].as_array().unwrap().iter().enumerate() {
        let id = i as i64 + 1;
        let customer = customer_ids[text(o, "customer")];
        let state = state_of(text(o, "status"));
        let totals = &o["totals"];
        let (sub_total, shipping, tax, total) = (
            money(totals, "sub_total"),
            money(totals, "shipping"),
            money(totals, "tax"),
            money(totals, "total"),
        );
        let flags = STATES.iter().find(|s| s.id == state).unwrap();
        let (logable, invoiced) = (flags.logable(), flags.invoice());
        let invoice = if invoiced == 1 {
            invoice_number += 1;
            invoice_number
        } else {
            0
        };
        let paid_real = if flags.paid() == 1 { total } else { 0.0 };
        let created = q(text(o, "created_at"));
        let modified = q(text(o, "modified_at"));
        let note = if v16 { "" } else { ", note" };
        let note_value = if v16 { "" } else { ", ''" };
        add(format!(
            "INSERT INTO ps_orders (id_order, reference, id_shop_group, id_shop, id_carrier, id_lang, id_customer, \
             id_cart, id_currency, id_address_delivery, id_address_invoice, current_state, secure_key, payment, \
             conversion_rate, module, total_discounts, total_discounts_tax_incl, total_discounts_tax_excl, \
             total_paid, total_paid_tax_incl, total_paid_tax_excl, total_paid_real, total_products, \
             total_products_wt, total_shipping, total_shipping_tax_incl, total_shipping_tax_excl, carrier_tax_rate, \
             round_mode, round_type, invoice_number, delivery_number, invoice_date, delivery_date, valid, date_add, \
             date_upd{note}) VALUES ({id}, {}, 1, 1, 1, 1, {customer}, {id}, 1, {customer}, {customer}, {state}, \
             MD5({}), {}, 1.000000, '{payment_module}', 0, 0, 0, {total:.6}, {total:.6}, {:.6}, {paid_real:.6}, \
             {sub_total:.6}, {:.6}, {shipping:.6}, {shipping:.6}, {shipping:.6}, 0, 2, 2, {invoice}, 0, {}, \
             '0000-00-00 00:00:00', {logable}, {created}, {modified}{note_value})",
            q(&format!("CBORDER{}", text(o, "key").repeat(2))),
            q(text(o, "customer")),
            q(text(o, "payment_method")),
            total - tax,
            sub_total + tax,
            if invoice > 0 { modified.clone() } else { "'0000-00-00 00:00:00'".into() }
        ));
        for line in o["lines"].as_array().unwrap() {
            detail_id += 1;
            let (product, attribute) = sku_ids[text(line, "sku")];
            let quantity = line["quantity"].as_i64().unwrap();
            let unit = money(line, "price");
            let unit_tax = money(line, "tax");
            let line_total = money(line, "total");
            add(format!(
                "INSERT INTO ps_order_detail (id_order_detail, id_order, id_order_invoice, id_warehouse, id_shop, \
                 product_id, product_attribute_id, product_name, product_quantity, product_quantity_in_stock, \
                 product_price, product_reference, product_weight, id_tax_rules_group, tax_computation_method, \
                 tax_name, tax_rate, unit_price_tax_incl, unit_price_tax_excl, total_price_tax_incl, \
                 total_price_tax_excl, original_product_price) VALUES ({detail_id}, {id}, 0, 0, 1, {product}, \
                 {attribute}, {}, {quantity}, {quantity}, {unit:.6}, {}, 0, 0, 0, '', 0, {:.6}, {unit:.6}, {:.6}, \
                 {line_total:.6}, {unit:.6})",
                q(text(line, "name")),
                q(text(line, "sku")),
                unit + unit_tax,
                line_total + unit_tax * quantity as f64
            ));
        }
        let steps = history_of(state);
        for (n, step) in steps.iter().enumerate() {
            history_id += 1;
            let at = if n + 1 == steps.len() {
                &modified
            } else {
                &created
            };
            add(format!(
                "INSERT INTO ps_order_history (id_order_history, id_employee, id_order, id_order_state, date_add) \
                 VALUES ({history_id}, 0, {id}, {step}, {at})"
            ));
        }
        let comment = text(o, "comment");
        if !comment.is_empty() {
            add(format!(
                "INSERT INTO ps_message (id_cart, id_customer, id_employee, id_order, message, private, date_add) \
                 VALUES ({id}, {customer}, 0, {id}, {}, 0, {created})",
                q(comment)
            ));
        }
    }
    // PrestaShop's own extra: an order whose validation failed before it
    // reached a state (current_state 0), which listings leave out.
    add(format!(
        "INSERT INTO ps_orders (id_order, reference, id_shop_group, id_shop, id_carrier, id_lang, id_customer, \
         id_cart, id_currency, id_address_delivery, id_address_invoice, current_state, secure_key, payment, \
         conversion_rate, module, total_paid, total_paid_tax_incl, total_paid_tax_excl, total_products, \
         total_products_wt, total_shipping, valid, date_add, date_upd) VALUES (5, 'CBORDEREE', 1, 1, 1, 1, 3, 5, 1, \
         3, 3, 0, MD5('alan@example.com'), 'Bank transfer', 1.000000, '{payment_module}', 13.95, 13.95, 13.95, \
         8.95, 8.95, 5.00, 0, '2026-03-05 09:00:00', '2026-03-05 09:00:00')"
    ));
    sql
}

/// A stock_available row of the shop (stock not shared in its group):
/// 1.7+ also keeps the physical and reserved quantities.
fn stock_row(version: Version, product: i64, attribute: i64, quantity: i64) -> String {
    if version.is_16() {
        format!(
            "INSERT INTO ps_stock_available (id_product, id_product_attribute, id_shop, id_shop_group, quantity, \
             depends_on_stock, out_of_stock) VALUES ({product}, {attribute}, 1, 0, {quantity}, 0, 2)"
        )
    } else {
        format!(
            "INSERT INTO ps_stock_available (id_product, id_product_attribute, id_shop, id_shop_group, quantity, \
             physical_quantity, reserved_quantity, depends_on_stock, out_of_stock, location) \
             VALUES ({product}, {attribute}, 1, 0, {quantity}, {quantity}, 0, 0, 2, '')"
        )
    }
}
