//! What the native API tests share: OpenCart shops of each schema
//! generation with the platform's demo data plus the demo orders, on
//! MariaDB or SQLite; direct SQL on the shop's own tables (to read writes
//! back and to set up failures); `cartbridge call`; and signed HTTP calls
//! with any key.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value as Json;

use crate::common::shop::{self, envelope, sign_native_as, Shop};
use crate::common::{fixture, fresh_database, http, mysql_query, mysql_rows, Db, WebServer};

/// The OpenCart schema generations the platform SQL distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Oc3,
    Oc40,
    Oc41,
}

impl Generation {
    pub fn version(self) -> &'static str {
        match self {
            Generation::Oc3 => "3.0.3.8",
            Generation::Oc40 => "4.0.2.3",
            Generation::Oc41 => "4.1.0.4",
        }
    }

    fn mariadb_fixtures(self) -> Vec<PathBuf> {
        let names: &[&str] = match self {
            Generation::Oc3 => &["opencart-3.0.3.8.sql", "opencart-3-demo-orders.sql"],
            Generation::Oc40 => &[
                "opencart-4.0.2.3-ddl.sql",
                "opencart-4.0.2.3-data.sql",
                "opencart-4-demo-orders.sql",
            ],
            Generation::Oc41 => &[
                "opencart-4.1.0.4-ddl.sql",
                "opencart-4.1.0.4-data.sql",
                "opencart-4-demo-orders.sql",
            ],
        };
        names.iter().map(|n| fixture(n)).collect()
    }

    fn sqlite_fixtures(self) -> (&'static str, &'static str) {
        match self {
            Generation::Oc3 => ("opencart-3.0.3.8.sqlite.sql", "opencart-3-demo-orders.sql"),
            Generation::Oc41 => ("opencart-4.1.0.4.sqlite.sql", "opencart-4-demo-orders.sql"),
            Generation::Oc40 => panic!("there is no SQLite conversion of OpenCart 4.0.2.3"),
        }
    }
}

/// Where a test shop's data is.
pub enum Store {
    Mariadb(Db),
    Sqlite(PathBuf),
}

/// A test shop: the store root with the bridge installed, and its data.
pub struct TestShop {
    pub shop: Shop,
    pub store: Store,
    pub generation: Generation,
}

impl TestShop {
    /// A shop on the shared MariaDB, in database `cb4_<name>`.
    pub fn mariadb(generation: Generation, name: &str) -> TestShop {
        TestShop::mariadb_in(generation, &format!("cb4_{name}"))
    }

    /// A shop on the shared MariaDB, in database `database` (dropped and
    /// created anew).
    pub fn mariadb_in(generation: Generation, database: &str) -> TestShop {
        let files = generation.mariadb_fixtures();
        let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
        let db = fresh_database(database, &paths);
        let shop = shop::opencart_mysql(&db, generation.version());
        TestShop {
            shop,
            store: Store::Mariadb(db),
            generation,
        }
    }

    /// A shop on SQLite (the demo store's engine).
    pub fn sqlite(generation: Generation) -> TestShop {
        let (data, orders) = generation.sqlite_fixtures();
        let shop = shop::opencart_sqlite(data, generation.version());
        let path = shop.bridge_dir().join(".cartbridge/shop.sqlite");
        let sql = std::fs::read_to_string(fixture(orders)).unwrap();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(&sql)
            .unwrap();
        TestShop {
            shop,
            store: Store::Sqlite(path),
            generation,
        }
    }

    /// Both engines, every generation that has a fixture on them.
    pub fn label(&self) -> String {
        let engine = match self.store {
            Store::Mariadb(_) => "MariaDB",
            Store::Sqlite(_) => "SQLite",
        };
        format!("OpenCart {} on {engine}", self.generation.version())
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.store, Store::Sqlite(_))
    }

    /// Rows of a query on the shop's own tables, every value as text
    /// (NULL as `NULL`).
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.store {
            Store::Mariadb(db) => mysql_rows(db, sql),
            Store::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                let width = stmt.column_count();
                let rows = stmt
                    .query_map([], |row| {
                        Ok((0..width)
                            .map(|i| match row.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                                rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                                rusqlite::types::ValueRef::Real(f) => f.to_string(),
                                rusqlite::types::ValueRef::Text(t)
                                | rusqlite::types::ValueRef::Blob(t) => {
                                    String::from_utf8_lossy(t).into_owned()
                                }
                            })
                            .collect())
                    })
                    .unwrap();
                rows.map(Result::unwrap).collect()
            }
        }
    }

    /// The first value of the first row.
    pub fn value(&self, sql: &str) -> String {
        self.rows(sql)
            .first()
            .and_then(|r| r.first().cloned())
            .unwrap_or_else(|| panic!("no row for {sql}"))
    }

    /// A number from the shop's tables (DECIMAL text on MariaDB, REAL on SQLite).
    pub fn number(&self, sql: &str) -> f64 {
        self.value(sql).parse().unwrap()
    }

    /// Runs statements on the shop's database (set-up: SKUs, triggers).
    pub fn exec(&self, sql: &str) {
        match &self.store {
            Store::Mariadb(db) => {
                mysql_query(db, sql);
            }
            Store::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
        }
    }

    /// Adds `count` products (ids 1001 and up) to an OpenCart 3 shop on
    /// MariaDB, each with a description, a store and a category: a big
    /// catalogue for paging and exports.
    pub fn add_bulk_products(&self, count: i64) {
        self.exec(&format!(
            "INSERT INTO oc_product (product_id, model, sku, upc, ean, jan, isbn, mpn, location, quantity, \
             stock_status_id, image, manufacturer_id, shipping, price, points, tax_class_id, date_available, weight, \
             weight_class_id, length, width, height, length_class_id, subtract, minimum, sort_order, status, viewed, \
             date_added, date_modified) \
             SELECT 1000 + seq, CONCAT('BULK-', seq), CONCAT('SKU', seq), '', '', '', '', '', '', seq % 500, 7, '', 0, 1, \
             9.99 + seq % 100, 0, 9, '2024-01-01', 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, '2024-01-01 00:00:00', \
             '2024-01-01 00:00:00' FROM seq_1_to_{count};
             INSERT INTO oc_product_description (product_id, language_id, name, description, tag, meta_title, \
             meta_description, meta_keyword) SELECT 1000 + seq, 1, CONCAT('Bulk &amp; product ', seq), \
             REPEAT('Lorem ipsum dolor sit amet. ', 2), '', '', '', '' FROM seq_1_to_{count};
             INSERT INTO oc_product_to_store (product_id, store_id) SELECT 1000 + seq, 0 FROM seq_1_to_{count};
             INSERT INTO oc_product_to_category (product_id, category_id) SELECT 1000 + seq, 20 FROM seq_1_to_{count};"
        ));
    }

    /// A statement that makes every insert into `table` fail, as a full
    /// disk or a broken table would.
    pub fn fail_inserts_into(&self, table: &str) {
        match self.store {
            Store::Mariadb(_) => self.exec(&format!(
                "CREATE TRIGGER cb4_fail_{table} BEFORE INSERT ON {table} FOR EACH ROW \
                 SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"
            )),
            Store::Sqlite(_) => self.exec(&format!(
                "CREATE TRIGGER cb4_fail_{table} BEFORE INSERT ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            )),
        }
    }

    /// [`TestShop::fail_inserts_into`] for updates of rows matching `when`.
    pub fn fail_updates_of(&self, table: &str, when: &str) {
        match self.store {
            Store::Mariadb(_) => self.exec(&format!(
                "DELIMITER //\nCREATE TRIGGER cb4_fail_upd_{table} BEFORE UPDATE ON {table} FOR EACH ROW \
                 BEGIN IF {when} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END//\nDELIMITER ;\n"
            )),
            Store::Sqlite(_) => self.exec(&format!(
                "CREATE TRIGGER cb4_fail_upd_{table} BEFORE UPDATE ON {table} WHEN {when} \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            )),
        }
    }

    /// `cartbridge call <method> name=value ... --store <root>`.
    pub fn call(&self, method: &str, params: &[(&str, &str)]) -> (i32, Json) {
        self.call_with(&[], method, params)
    }

    /// [`TestShop::call`] with extra options (`--sql-policy full`).
    pub fn call_with(
        &self,
        options: &[&str],
        method: &str,
        params: &[(&str, &str)],
    ) -> (i32, Json) {
        shop::call(&self.shop.root, options, method, params)
    }

    /// The result of a call that must succeed.
    pub fn ok(&self, method: &str, params: &[(&str, &str)]) -> Json {
        shop::call_ok(&self.shop.root, &self.label(), method, params)
    }

    /// The envelope's message of a call that must fail with `status`.
    pub fn refused(&self, method: &str, params: &[(&str, &str)], status: u16) -> String {
        shop::call_refused(&self.shop.root, &self.label(), method, params, status)
    }

    /// Replaces the bridge's API keys: (id, secret, sql_policy); each may
    /// call from loopback with every read and write scope of the catalogue.
    pub fn set_keys(&self, keys: &[(&str, &str, &str)]) {
        let mut toml = String::new();
        for (id, secret, policy) in keys {
            toml.push_str(&format!(
                "[[key]]\nid = \"{id}\"\nsecret = \"{secret}\"\nsql_policy = \"{policy}\"\nips = [\"127.0.0.1\", \"::1\"]\nscopes = [\"store:read\", \"products:read\", \"products:write\", \"orders:read\", \"orders:write\", \"customers:read\"]\n\n"
            ));
        }
        if self.is_sqlite() {
            toml.push_str("[database]\nsqlite = \"shop.sqlite\"\n");
        }
        self.shop.write_private_config(&toml);
    }

    pub fn nginx_cgi(&self) -> WebServer {
        WebServer::nginx_cgi(&self.shop.root, &self.shop.script)
    }
}

/// A signed call over HTTP.
pub struct Call<'a> {
    pub key: (&'a str, &'a str),
    pub http_method: &'a str,
    pub method: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    pub content_type: &'a str,
}

impl<'a> Call<'a> {
    pub fn get(method: &'a str, query: &'a [(&'a str, &'a str)]) -> Call<'a> {
        Call {
            key: (shop::KEY_ID, shop::SECRET),
            http_method: "GET",
            method,
            query,
            body: b"",
            content_type: "",
        }
    }

    pub fn post_json(method: &'a str, body: &'a [u8]) -> Call<'a> {
        Call {
            http_method: "POST",
            body,
            content_type: "application/json",
            ..Call::get(method, &[])
        }
    }

    pub fn post_form(method: &'a str, body: &'a [u8]) -> Call<'a> {
        Call {
            content_type: "application/x-www-form-urlencoded",
            ..Call::post_json(method, body)
        }
    }

    pub fn with_key(self, id: &'a str, secret: &'a str) -> Call<'a> {
        Call {
            key: (id, secret),
            ..self
        }
    }

    /// Sends it to `server`'s `/bridge2cart/cartbridge/<method>.json`.
    pub fn send(&self, server: &WebServer) -> (u16, Json) {
        let path = format!("/{}.json", self.method);
        let (headers, encoded) = sign_native_as(
            self.key.0,
            self.key.1,
            self.http_method,
            &path,
            self.query,
            self.body,
        );
        let url = if encoded.is_empty() {
            format!("/bridge2cart/cartbridge{path}")
        } else {
            format!("/bridge2cart/cartbridge{path}?{encoded}")
        };
        let mut headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        if !self.content_type.is_empty() {
            headers.push(("Content-Type", self.content_type));
        }
        let answer = http(server.port, self.http_method, &url, &headers, self.body);
        (answer.status, envelope(&answer.body))
    }
}

/// OpenCart's product.list SQL with literal values (the page after id
/// `after`, from `offset`), to run it without the bridge (ANALYZE, the
/// database's own speed).
pub fn product_list_sql(after: i64, offset: i64) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/platforms/opencart/sql/product.list.sql"
    );
    let sql: String = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("{prefix}", "oc_");
    let value = |name: &str| match name {
        "after" => after.to_string(),
        "until" => i32::MAX.to_string(),
        "limit" => "251".into(),
        "offset" => offset.to_string(),
        "lang_id" => "1".into(),
        "ids_count" => "0".into(),
        _ => "NULL".into(),
    };
    regex::Regex::new(r":([a-z_]+)")
        .unwrap()
        .replace_all(&sql, |c: &regex::Captures<'_>| value(&c[1]))
        .into_owned()
}

/// The ids of a list of entities.
pub fn ids(list: &Json) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}
