//! Magento 2 test shops: a store root laid out like a Composer install
//! (`app/etc/env.php`, `composer.json`, `pub/`) with the bridge installed,
//! on a MariaDB database holding Magento 2.4.6-p1's schema (rendered from
//! its db_schema.xml by `tests/fixtures/magento_schema.py`) and the common
//! demo catalogue as Magento stores it (`tests/fixtures/magento_catalogue.py`:
//! store views `default` (1, English) and `de` (2, German), EAV values per
//! store, stock in `cataloginventory_stock_item` and MSI's default source,
//! orders with their status history and grid rows); plus direct SQL on the
//! shop's tables and `cartbridge call`.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::common::shop::{self, Shop};
use crate::common::{fixture, fresh_database, mysql_query, mysql_rows, Db};

/// The catalogue shop for the cross-platform test: Magento's default table
/// prefix (none), MSI installed.
pub fn catalogue_shop(database: &str) -> Shop {
    MagentoShop::catalogue(database).shop
}

/// A Magento shop and its database.
pub struct MagentoShop {
    pub shop: Shop,
    pub db: Db,
    /// `db.table_prefix` of env.php.
    pub prefix: String,
}

impl MagentoShop {
    /// The catalogue in database `database` (created anew), no table prefix.
    pub fn catalogue(database: &str) -> MagentoShop {
        MagentoShop::catalogue_with_prefix(database, "")
    }

    /// The catalogue with every table name prefixed, as `setup:install
    /// --db-prefix` makes it.
    pub fn catalogue_with_prefix(database: &str, prefix: &str) -> MagentoShop {
        let files = [
            fixture("magento2-2.4.6-p1-ddl.sql"),
            fixture("magento2-catalogue.sql"),
        ];
        let temp = tempfile::tempdir().unwrap();
        let loaded: Vec<PathBuf> = files
            .iter()
            .map(|file| {
                let sql = fs::read_to_string(file).unwrap();
                let path = temp.path().join(file.file_name().unwrap());
                fs::write(&path, with_prefix(&sql, prefix)).unwrap();
                path
            })
            .collect();
        let paths: Vec<&Path> = loaded.iter().map(PathBuf::as_path).collect();
        let db = fresh_database(database, &paths);
        let shop = shop::bare_store();
        let host = format!("{}:{}", db.host, db.port);
        write_magento_files(&shop.root, &db, &host, prefix);
        MagentoShop {
            shop,
            db,
            prefix: prefix.to_string(),
        }
    }

    /// Points env.php's connection at `host` (`host:port`, or a socket path).
    pub fn set_host(&self, host: &str) {
        write_magento_files(&self.shop.root, &self.db, host, &self.prefix);
    }

    /// `<prefix>name`.
    pub fn table(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
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

    /// A trigger that makes every insert into `table` fail.
    pub fn fail_inserts_into(&self, table: &str) {
        self.exec(&format!(
            "CREATE TRIGGER cb5m_fail_ins BEFORE INSERT ON {table} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"
        ));
    }

    /// A trigger that makes every update of `table` fail.
    pub fn fail_updates_of(&self, table: &str) {
        self.exec(&format!(
            "CREATE TRIGGER cb5m_fail_upd BEFORE UPDATE ON {table} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"
        ));
    }

    /// `cartbridge call <method> name=value ... --store <store>`.
    pub fn call_at(&self, store: &Path, method: &str, params: &[(&str, &str)]) -> (i32, Json) {
        shop::call(store, &[], method, params)
    }

    /// The result of a call that must succeed.
    pub fn ok(&self, method: &str, params: &[(&str, &str)]) -> Json {
        shop::call_ok(&self.shop.root, "Magento 2", method, params)
    }

    /// The message of a call that must fail with `status`.
    pub fn refused(&self, method: &str, params: &[(&str, &str)], status: u16) -> String {
        shop::call_refused(&self.shop.root, "Magento 2", method, params, status)
    }
}

/// The generated SQL with `prefix` before every table name (the DDL and
/// the rows name tables only after these words).
fn with_prefix(sql: &str, prefix: &str) -> String {
    [
        "CREATE TABLE `",
        "ALTER TABLE `",
        "REFERENCES `",
        "INSERT INTO `",
    ]
    .iter()
    .fold(sql.to_string(), |sql, word| {
        sql.replace(word, &format!("{word}{prefix}"))
    })
}

/// env.php (the array Magento's installer writes), composer.json naming
/// the version, and the `pub/` document root.
fn write_magento_files(root: &Path, db: &Db, host: &str, prefix: &str) {
    fs::create_dir_all(root.join("app/etc")).unwrap();
    fs::create_dir_all(root.join("pub")).unwrap();
    fs::write(
        root.join("app/etc/env.php"),
        format!(
            "<?php\nreturn [\n    'backend' => ['frontName' => 'admin_cb'],\n    'db' => [\n        'table_prefix' => '{prefix}',\n        'connection' => [\n            'default' => [\n                'host' => '{host}',\n                'dbname' => '{}',\n                'username' => '{}',\n                'password' => '{}',\n                'model' => 'mysql4',\n                'engine' => 'innodb',\n                'initStatements' => 'SET NAMES utf8;',\n                'active' => '1',\n            ],\n        ],\n    ],\n    'MAGE_MODE' => 'production',\n];\n",
            db.name, db.user, db.password
        ),
    )
    .unwrap();
    fs::write(
        root.join("composer.json"),
        "{\n    \"name\": \"magento/project-community-edition\",\n    \"require\": {\n        \"magento/product-community-edition\": \"2.4.6-p1\"\n    }\n}\n",
    )
    .unwrap();
    fs::write(root.join("pub/index.php"), "<?php\n").unwrap();
}
