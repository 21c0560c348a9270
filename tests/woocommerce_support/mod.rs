//! WooCommerce test shops: a WordPress store root with the bridge
//! installed, on MariaDB, holding WordPress 7.1.0's and WooCommerce
//! 11.0.1's own schema (`tests/fixtures/*-ddl-generated.sql`) and the
//! common catalogue (`tests/fixtures/catalogue.json`) stored the way
//! WooCommerce stores it: products and variations as posts with their
//! postmeta and `wc_product_meta_lookup` rows, categories as `product_cat`
//! terms, customers as users with the customer role, orders either in the
//! HPOS tables (WooCommerce's default for new shops) or as `shop_order`
//! posts, with the options WooCommerce reads.
//!
//! Ids: the admin is user 1, the catalogue's customers users 2, 3, 4;
//! products are posts 10 (CB-TEE, variable; its variations 11, 12, 13
//! for S, M, L), 14 (CB-SHIRT), 15 (CB-MUG), 16 (CB-MUG-XL), 17 (CB-SOCKS);
//! categories terms 6 (Clothing), 7 (Shirts, under Clothing), 8 (Mugs),
//! after WordPress's and WooCommerce's own terms (5 is WooCommerce's
//! "Uncategorized" product category); orders A, B, C, D are 100 to 103,
//! and 104 is an extra block-checkout draft (wc-checkout-draft).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;

use serde_json::Value as Json;

use crate::common::shop::{self, Shop};
use crate::common::{fixture, fresh_database, mysql_query, mysql_rows, Db};

/// Where WooCommerce keeps the orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orders {
    /// `wc_orders` & co (option `woocommerce_custom_orders_table_enabled`
    /// = 'yes'), with placeholder posts of type `shop_order_placehold`.
    Hpos,
    /// `shop_order` posts and their postmeta.
    Posts,
}

/// The first post id of the catalogue's orders (A).
pub const FIRST_ORDER: i64 = 100;

/// A WooCommerce shop and its database.
pub struct WooShop {
    pub shop: Shop,
    pub db: Db,
    pub orders: Orders,
    /// The blog's table prefix (`wp_`, or `wp_2_` for blog 2 of a multisite).
    pub prefix: String,
}

/// The common catalogue on WooCommerce's current default (HPOS).
pub fn catalogue_shop(database: &str) -> Shop {
    woo_shop(database, Orders::Hpos).shop
}

/// The common catalogue with the orders kept as posts.
pub fn catalogue_shop_posts(database: &str) -> Shop {
    woo_shop(database, Orders::Posts).shop
}

/// A single-site WordPress with WooCommerce and the catalogue, in MariaDB
/// database `database` (created anew).
pub fn woo_shop(database: &str, orders: Orders) -> WooShop {
    let db = fresh_database(
        database,
        &[
            &fixture("wordpress-7.1.0-ddl-generated.sql"),
            &fixture("woocommerce-11.0.1-ddl-generated.sql"),
        ],
    );
    mysql_query(&db, &catalogue_sql("wp_", "wp_", orders));
    let shop = wordpress_root(&db, false);
    WooShop {
        shop,
        db,
        orders,
        prefix: "wp_".into(),
    }
}

/// A multisite WordPress whose blog 2 runs WooCommerce with the catalogue
/// (tables `wp_2_*`, its customers' role in `wp_2_capabilities`), while the
/// main site (`wp_*`) has one product of its own and users/usermeta are
/// shared. The bridge is told the blog by its config.toml's prefix.
pub fn multisite_blog2(database: &str) -> WooShop {
    let wordpress = fs::read_to_string(fixture("wordpress-7.1.0-ddl-generated.sql")).unwrap();
    let woocommerce = fs::read_to_string(fixture("woocommerce-11.0.1-ddl-generated.sql")).unwrap();
    let db = fresh_database(
        database,
        &[
            &fixture("wordpress-7.1.0-ddl-generated.sql"),
            &fixture("woocommerce-11.0.1-ddl-generated.sql"),
        ],
    );
    // Blog 2's own copy of every table but the shared users and usermeta.
    let blog_tables = format!("{wordpress}\n{woocommerce}")
        .split_inclusive(';')
        .filter(|s| {
            !s.contains("CREATE TABLE wp_users ") && !s.contains("CREATE TABLE wp_usermeta ")
        })
        .collect::<String>()
        .replace("CREATE TABLE wp_", "CREATE TABLE wp_2_");
    mysql_query(&db, &blog_tables);
    mysql_query(&db, &catalogue_sql("wp_2_", "wp_", Orders::Hpos));
    mysql_query(
        &db,
        &format!(
            "{}\nINSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, \
             post_status, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_type) \
             VALUES (10, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', 'Main site product', '', 'publish', \
             'main-site-product', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', 'product');",
            options_sql("wp_", Orders::Hpos)
        ),
    );
    let shop = wordpress_root(&db, true);
    shop.write_private_config(&format!(
        "{}\n[database]\nprefix = \"wp_2_\"\n",
        shop::key_section()
    ));
    WooShop {
        shop,
        db,
        orders: Orders::Hpos,
        prefix: "wp_2_".into(),
    }
}

/// A WordPress root (wp-config.php, wp-settings.php, the WooCommerce
/// plugin file) with the bridge installed.
fn wordpress_root(db: &Db, multisite: bool) -> Shop {
    let dir = tempfile::Builder::new()
        .prefix("cbwoo")
        .tempdir_in("/tmp")
        .unwrap();
    let root = dir.path();
    let plugin = root.join("wp-content/plugins/woocommerce");
    fs::create_dir_all(&plugin).unwrap();
    fs::write(
        plugin.join("woocommerce.php"),
        "<?php\n/**\n * Plugin Name: WooCommerce\n * Version: 11.0.1\n */\n",
    )
    .unwrap();
    fs::write(root.join("wp-settings.php"), "<?php\n").unwrap();
    let multisite = if multisite {
        "define( 'WP_ALLOW_MULTISITE', true );\ndefine( 'MULTISITE', true );\ndefine( 'SUBDOMAIN_INSTALL', false );\ndefine( 'BLOG_ID_CURRENT_SITE', 1 );\n"
    } else {
        ""
    };
    fs::write(
        root.join("wp-config.php"),
        format!(
            "<?php\ndefine( 'DB_NAME', '{}' );\ndefine( 'DB_USER', '{}' );\ndefine( 'DB_PASSWORD', '{}' );\n\
             define( 'DB_HOST', '{}:{}' );\ndefine( 'DB_CHARSET', 'utf8mb4' );\ndefine( 'DB_COLLATE', '' );\n\
             {multisite}$table_prefix = 'wp_';\nif ( ! defined( 'ABSPATH' ) ) {{\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}}\n\
             require_once ABSPATH . 'wp-settings.php';\n",
            db.name, db.user, db.password, db.host, db.port
        ),
    )
    .unwrap();
    let shop = shop::bridge_in(dir);
    shop.write_private_config(&shop::key_section());
    shop
}

impl WooShop {
    pub fn label(&self) -> String {
        format!("WooCommerce ({:?}, {})", self.orders, self.prefix)
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

    /// A postmeta value of a post (the first row of that key).
    pub fn meta(&self, post: i64, key: &str) -> String {
        self.value(&format!(
            "SELECT meta_value FROM {}postmeta WHERE post_id = {post} AND meta_key = '{key}' ORDER BY meta_id LIMIT 1",
            self.prefix
        ))
    }

    /// Every table of the blog, dumped: to show that a failed write left
    /// nothing behind.
    pub fn snapshot(&self, tables: &[&str]) -> Vec<Vec<Vec<String>>> {
        tables
            .iter()
            .map(|t| self.rows(&format!("SELECT * FROM {}{t} ORDER BY 1", self.prefix)))
            .collect()
    }

    /// Makes every insert into (or update of) `table` fail.
    pub fn fail_writes_to(&self, table: &str) {
        let t = format!("{}{table}", self.prefix);
        self.exec(&format!(
            "CREATE TRIGGER cb5w_fail_ins_{t} BEFORE INSERT ON {t} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure';\n\
             CREATE TRIGGER cb5w_fail_upd_{t} BEFORE UPDATE ON {t} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure';"
        ));
    }

    pub fn stop_failing(&self, table: &str) {
        let t = format!("{}{table}", self.prefix);
        self.exec(&format!(
            "DROP TRIGGER cb5w_fail_ins_{t}; DROP TRIGGER cb5w_fail_upd_{t};"
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

/// The catalogue, parsed.
pub fn catalogue() -> Json {
    serde_json::from_str(&fs::read_to_string(fixture("catalogue.json")).unwrap()).unwrap()
}

/// A SQL string literal.
fn q(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

fn text<'a>(value: &'a Json, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("catalogue: {key} missing in {value}"))
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The options WooCommerce and WordPress read, for a blog whose tables
/// start with `p`.
fn options_sql(p: &str, orders: Orders) -> String {
    let hpos = if orders == Orders::Hpos { "yes" } else { "no" };
    let options: &[(&str, &str)] = &[
        ("siteurl", "https://www.shop.test"),
        ("home", "https://www.shop.test"),
        ("blogname", "Cartbridge Demo"),
        ("WPLANG", ""),
        ("timezone_string", "UTC"),
        ("gmt_offset", "0"),
        ("db_version", "61833"),
        (
            "active_plugins",
            r#"a:1:{i:0;s:27:"woocommerce/woocommerce.php";}"#,
        ),
        ("woocommerce_version", "11.0.1"),
        ("woocommerce_db_version", "11.0.1"),
        ("woocommerce_currency", "EUR"),
        ("woocommerce_currency_pos", "left"),
        ("woocommerce_manage_stock", "yes"),
        ("woocommerce_notify_no_stock_amount", "0"),
        ("woocommerce_custom_orders_table_enabled", hpos),
        ("woocommerce_custom_orders_table_data_sync_enabled", "no"),
        ("default_product_cat", "5"),
    ];
    let mut sql = format!("INSERT INTO {p}options (option_name, option_value, autoload) VALUES ");
    let rows: Vec<String> = options
        .iter()
        .map(|(n, v)| format!("({}, {}, 'yes')", q(n), q(v)))
        .collect();
    sql.push_str(&rows.join(", "));
    sql.push_str(";\n");
    sql
}

/// The catalogue as WooCommerce stores it, in the blog tables `p` with the
/// users in `base` (a multisite's users are shared).
pub fn catalogue_sql(p: &str, base: &str, orders: Orders) -> String {
    let c = catalogue();
    let mut sql = options_sql(p, orders);
    let post = |sql: &mut String,
                id: i64,
                parent: i64,
                kind: &str,
                status: &str,
                title: &str,
                content: &str,
                excerpt: &str,
                created: &str,
                modified: &str| {
        writeln!(
            sql,
            "INSERT INTO {p}posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, \
             post_status, comment_status, ping_status, post_name, to_ping, pinged, post_modified, post_modified_gmt, \
             post_content_filtered, post_parent, guid, post_type) VALUES ({id}, 1, {c}, {c}, {}, {}, {}, {}, 'closed', \
             'closed', {}, '', '', {m}, {m}, '', {parent}, {}, {});",
            q(content),
            q(title),
            q(excerpt),
            q(status),
            q(&slug(title)),
            q(&format!("https://www.shop.test/?post_type={kind}&p={id}")),
            q(kind),
            c = q(created),
            m = q(modified),
        )
        .unwrap();
    };
    let meta = |sql: &mut String, id: i64, pairs: &[(&str, String)]| {
        let rows: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("({id}, {}, {})", q(k), q(v)))
            .collect();
        writeln!(
            sql,
            "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES {};",
            rows.join(", ")
        )
        .unwrap();
    };

    // Terms: WordPress's default category, WooCommerce's product types,
    // visibility and default product category, then the catalogue's.
    let mut terms: Vec<(i64, String, String, &str, i64)> = vec![
        (
            1,
            "Uncategorized".into(),
            "uncategorized".into(),
            "category",
            0,
        ),
        (2, "simple".into(), "simple".into(), "product_type", 0),
        (3, "variable".into(), "variable".into(), "product_type", 0),
        (
            4,
            "outofstock".into(),
            "outofstock".into(),
            "product_visibility",
            0,
        ),
        (
            5,
            "Uncategorized".into(),
            "uncategorized".into(),
            "product_cat",
            0,
        ),
    ];
    let categories = c["categories"].as_array().unwrap();
    let category_id = |key: &str| {
        6 + categories
            .iter()
            .position(|cat| cat["key"] == key)
            .unwrap_or_else(|| panic!("no category {key}")) as i64
    };
    for (i, cat) in categories.iter().enumerate() {
        let parent = cat["parent"].as_str().map_or(0, category_id);
        let name = text(&cat["name"], "en").to_string();
        terms.push((
            6 + i as i64,
            name.clone(),
            slug(&name),
            "product_cat",
            parent,
        ));
    }
    for (id, name, slug, taxonomy, parent) in &terms {
        writeln!(
            sql,
            "INSERT INTO {p}terms (term_id, name, slug) VALUES ({id}, {}, {});\n\
             INSERT INTO {p}term_taxonomy (term_taxonomy_id, term_id, taxonomy, description, parent) \
             VALUES ({id}, {id}, {}, '', {parent});",
            q(name),
            q(slug),
            q(taxonomy)
        )
        .unwrap();
    }
    for (i, cat) in categories.iter().enumerate() {
        writeln!(
            sql,
            "INSERT INTO {p}termmeta (term_id, meta_key, meta_value) VALUES ({}, 'order', '{}');",
            6 + i,
            cat["sort_order"]
        )
        .unwrap();
    }
    let relate = |sql: &mut String, object: i64, term: i64| {
        writeln!(
            sql,
            "INSERT INTO {p}term_relationships (object_id, term_taxonomy_id) VALUES ({object}, {term});\n\
             UPDATE {p}term_taxonomy SET count = count + 1 WHERE term_taxonomy_id = {term};"
        )
        .unwrap();
    };

    // Products: posts 10 and up; a product with variants is variable, its
    // variations follow it.
    let mut sku_ids: Vec<(String, i64)> = Vec::new();
    let mut next = 10;
    for product in c["products"].as_array().unwrap() {
        let id = next;
        next += 1;
        let sku = text(product, "sku");
        sku_ids.push((sku.to_string(), id));
        let name = text(&product["name"], "en");
        let enabled = product["status"] == "enabled";
        let created = text(product, "created_at");
        let modified = text(product, "modified_at");
        let quantity = product["quantity"].as_i64().unwrap();
        let variants = product["variants"].as_array().cloned().unwrap_or_default();
        post(
            &mut sql,
            id,
            0,
            "product",
            if enabled { "publish" } else { "draft" },
            name,
            text(&product["description"], "en"),
            "",
            created,
            modified,
        );
        let stock_status = if quantity > 0 {
            "instock"
        } else {
            "outofstock"
        };
        let price = text(product, "price");
        let mut pairs: Vec<(&str, String)> = vec![
            ("_sku", sku.into()),
            ("_manage_stock", "yes".into()),
            ("_stock", quantity.to_string()),
            ("_stock_status", stock_status.into()),
            ("_backorders", "no".into()),
            ("_weight", text(product, "weight").into()),
            ("_tax_status", "taxable".into()),
            ("_tax_class", "".into()),
            ("_virtual", "no".into()),
            ("_downloadable", "no".into()),
            ("total_sales", "0".into()),
        ];
        let (min, max) = if variants.is_empty() {
            pairs.push(("_regular_price", price.into()));
            pairs.push(("_sale_price", "".into()));
            pairs.push(("_price", price.into()));
            (price.to_string(), price.to_string())
        } else {
            // A variable product: one _price row per distinct variation price.
            let mut prices: Vec<String> = variants
                .iter()
                .map(|v| text(v, "price").to_string())
                .collect();
            prices.sort();
            prices.dedup();
            for price in &prices {
                pairs.push(("_price", price.clone()));
            }
            pairs.push((
                "_product_attributes",
                r#"a:1:{s:4:"size";a:6:{s:4:"name";s:4:"Size";s:5:"value";s:9:"S | M | L";s:8:"position";i:0;s:10:"is_visible";i:1;s:12:"is_variation";i:1;s:11:"is_taxonomy";i:0;}}"#.into(),
            ));
            (prices[0].clone(), prices[prices.len() - 1].clone())
        };
        meta(&mut sql, id, &pairs);
        writeln!(
            sql,
            "INSERT INTO {p}wc_product_meta_lookup (product_id, sku, min_price, max_price, onsale, stock_quantity, stock_status) \
             VALUES ({id}, {}, {min}, {max}, 0, {quantity}, '{stock_status}');",
            q(sku)
        )
        .unwrap();
        relate(&mut sql, id, if variants.is_empty() { 2 } else { 3 });
        if quantity == 0 {
            relate(&mut sql, id, 4);
        }
        for key in product["categories"].as_array().unwrap() {
            relate(&mut sql, id, category_id(key.as_str().unwrap()));
        }
        for variant in &variants {
            let vid = next;
            next += 1;
            let vsku = text(variant, "sku");
            sku_ids.push((vsku.to_string(), vid));
            let option = text(variant, "option");
            let vprice = text(variant, "price");
            let vquantity = variant["quantity"].as_i64().unwrap();
            post(
                &mut sql,
                vid,
                id,
                "product_variation",
                "publish",
                &format!("{name} - {option}"),
                "",
                &format!("Size: {option}"),
                created,
                modified,
            );
            meta(
                &mut sql,
                vid,
                &[
                    ("_sku", vsku.into()),
                    ("_regular_price", vprice.into()),
                    ("_sale_price", "".into()),
                    ("_price", vprice.into()),
                    ("_manage_stock", "yes".into()),
                    ("_stock", vquantity.to_string()),
                    ("_stock_status", "instock".into()),
                    ("_backorders", "no".into()),
                    ("_weight", "".into()),
                    ("_tax_class", "parent".into()),
                    ("attribute_size", option.into()),
                ],
            );
            writeln!(
                sql,
                "INSERT INTO {p}wc_product_meta_lookup (product_id, sku, min_price, max_price, onsale, stock_quantity, stock_status) \
                 VALUES ({vid}, {}, {vprice}, {vprice}, 0, {vquantity}, 'instock');",
                q(vsku)
            )
            .unwrap();
        }
    }
    let product_of = |sku: &str| -> i64 {
        sku_ids
            .iter()
            .find(|(s, _)| s == sku)
            .unwrap_or_else(|| panic!("no product {sku}"))
            .1
    };

    // Users: the admin, then the customers (role in <blog prefix>capabilities).
    writeln!(
        sql,
        "INSERT INTO {base}users (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name) \
         VALUES (1, 'admin', '$P$Bxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.', 'admin', 'admin@shop.test', '2026-01-01 00:00:00', 'admin');\n\
         INSERT INTO {base}usermeta (user_id, meta_key, meta_value) VALUES \
         (1, '{p}capabilities', 'a:1:{{s:13:\"administrator\";b:1;}}'), (1, '{p}user_level', '10');"
    )
    .unwrap();
    let customers = c["customers"].as_array().unwrap();
    let user_of = |email: &str| -> i64 {
        2 + customers
            .iter()
            .position(|u| u["email"] == email)
            .unwrap_or_else(|| panic!("no customer {email}")) as i64
    };
    for (i, customer) in customers.iter().enumerate() {
        let id = 2 + i as i64;
        let email = text(customer, "email");
        let login = email.split('@').next().unwrap();
        let first = text(customer, "first_name");
        let last = text(customer, "last_name");
        let address = &customer["address"];
        writeln!(
            sql,
            "INSERT INTO {base}users (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name) \
             VALUES ({id}, {}, '$P$Bxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.', {}, {}, {}, {});",
            q(login),
            q(login),
            q(email),
            q(text(customer, "created_at")),
            q(&format!("{first} {last}"))
        )
        .unwrap();
        let pairs: Vec<(String, String)> = vec![
            (
                format!("{p}capabilities"),
                r#"a:1:{s:8:"customer";b:1;}"#.into(),
            ),
            (format!("{p}user_level"), "0".into()),
            ("first_name".into(), first.into()),
            ("last_name".into(), last.into()),
            ("billing_first_name".into(), first.into()),
            ("billing_last_name".into(), last.into()),
            ("billing_company".into(), text(address, "company").into()),
            (
                "billing_address_1".into(),
                text(address, "address_1").into(),
            ),
            (
                "billing_address_2".into(),
                text(address, "address_2").into(),
            ),
            ("billing_city".into(), text(address, "city").into()),
            ("billing_postcode".into(), text(address, "postcode").into()),
            (
                "billing_country".into(),
                text(address, "country_iso2").into(),
            ),
            ("billing_state".into(), text(address, "zone").into()),
            ("billing_email".into(), email.into()),
            ("billing_phone".into(), text(customer, "telephone").into()),
            ("paying_customer".into(), "1".into()),
        ];
        let rows: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("({id}, {}, {})", q(k), q(v)))
            .collect();
        writeln!(
            sql,
            "INSERT INTO {base}usermeta (user_id, meta_key, meta_value) VALUES {};\n\
             INSERT INTO {p}wc_customer_lookup (customer_id, user_id, username, first_name, last_name, email, \
             date_registered, country, postcode, city, state) VALUES ({}, {id}, {}, {}, {}, {}, {}, {}, {}, {}, {});",
            rows.join(", "),
            i + 1,
            q(login),
            q(first),
            q(last),
            q(email),
            q(text(customer, "created_at")),
            q(text(address, "country_iso2")),
            q(text(address, "postcode")),
            q(text(address, "city")),
            q(text(address, "zone")),
        )
        .unwrap();
    }

    // Orders A-D (100-103) and a block-checkout draft (104).
    let status_of = |name: &str| match name {
        "pending" => "wc-pending",
        "processing" => "wc-processing",
        "complete" => "wc-completed",
        "cancelled" => "wc-cancelled",
        other => panic!("no WooCommerce status for {other}"),
    };
    let mut item = 1;
    let mut all_orders: Vec<Json> = c["orders"].as_array().unwrap().clone();
    let mut draft = all_orders[3].clone();
    draft["status"] = Json::from("draft");
    draft["comment"] = Json::from("");
    all_orders.push(draft);
    for (i, order) in all_orders.iter().enumerate() {
        let id = FIRST_ORDER + i as i64;
        let status = match order["status"].as_str().unwrap() {
            "draft" => "wc-checkout-draft",
            other => status_of(other),
        };
        let email = text(order, "customer");
        let user = user_of(email);
        let customer = &customers[(user - 2) as usize];
        let address = &customer["address"];
        let totals = &order["totals"];
        let created = text(order, "created_at");
        let modified = text(order, "modified_at");
        let comment = text(order, "comment");
        let order_key = format!("wc_order_cb{id:05}");
        // WooCommerce has taken the goods of a processing or completed
        // order from stock (and gave a cancelled one's back).
        let reduced = matches!(status, "wc-processing" | "wc-completed");
        let fields = [
            ("first_name", text(customer, "first_name")),
            ("last_name", text(customer, "last_name")),
            ("company", text(address, "company")),
            ("address_1", text(address, "address_1")),
            ("address_2", text(address, "address_2")),
            ("city", text(address, "city")),
            ("state", text(address, "zone")),
            ("postcode", text(address, "postcode")),
            ("country", text(address, "country_iso2")),
        ];
        match orders {
            Orders::Posts => {
                post(
                    &mut sql,
                    id,
                    0,
                    "shop_order",
                    status,
                    &format!("Order &ndash; {created}"),
                    "",
                    comment,
                    created,
                    modified,
                );
                let mut pairs: Vec<(String, String)> = vec![
                    ("_order_key".into(), order_key.clone()),
                    ("_customer_user".into(), user.to_string()),
                    ("_payment_method".into(), "bacs".into()),
                    (
                        "_payment_method_title".into(),
                        text(order, "payment_method").into(),
                    ),
                    ("_created_via".into(), "checkout".into()),
                    ("_order_currency".into(), text(order, "currency").into()),
                    ("_cart_discount".into(), "0".into()),
                    ("_cart_discount_tax".into(), "0".into()),
                    ("_order_shipping".into(), text(totals, "shipping").into()),
                    ("_order_shipping_tax".into(), "0".into()),
                    ("_order_tax".into(), text(totals, "tax").into()),
                    ("_order_total".into(), text(totals, "total").into()),
                    ("_order_version".into(), "11.0.1".into()),
                    ("_prices_include_tax".into(), "no".into()),
                    (
                        "_order_stock_reduced".into(),
                        if reduced { "yes" } else { "no" }.into(),
                    ),
                    ("_billing_email".into(), email.into()),
                    ("_billing_phone".into(), text(customer, "telephone").into()),
                ];
                for (k, v) in fields {
                    pairs.push((format!("_billing_{k}"), v.into()));
                    pairs.push((format!("_shipping_{k}"), v.into()));
                }
                let pairs: Vec<(&str, String)> =
                    pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                meta(&mut sql, id, &pairs);
            }
            Orders::Hpos => {
                // The placeholder post that reserves the id.
                post(
                    &mut sql,
                    id,
                    0,
                    "shop_order_placehold",
                    status,
                    "",
                    "",
                    "",
                    created,
                    modified,
                );
                writeln!(
                    sql,
                    "INSERT INTO {p}wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, \
                     billing_email, date_created_gmt, date_updated_gmt, parent_order_id, payment_method, \
                     payment_method_title, transaction_id, ip_address, user_agent, customer_note) VALUES \
                     ({id}, '{status}', {}, 'shop_order', {}, {}, {user}, {}, {}, {}, 0, 'bacs', {}, '', '127.0.0.1', \
                     'cartbridge-tests', {});\n\
                     INSERT INTO {p}wc_order_operational_data (order_id, created_via, woocommerce_version, \
                     prices_include_tax, order_key, order_stock_reduced, shipping_tax_amount, shipping_total_amount, \
                     discount_tax_amount, discount_total_amount, recorded_sales) VALUES \
                     ({id}, 'checkout', '11.0.1', 0, {}, {}, 0, {}, 0, 0, 1);",
                    q(text(order, "currency")),
                    text(totals, "tax"),
                    text(totals, "total"),
                    q(email),
                    q(created),
                    q(modified),
                    q(text(order, "payment_method")),
                    q(comment),
                    q(&order_key),
                    i64::from(reduced),
                    text(totals, "shipping"),
                )
                .unwrap();
                for kind in ["billing", "shipping"] {
                    let (email, phone) = if kind == "billing" {
                        (q(email), q(text(customer, "telephone")))
                    } else {
                        ("NULL".into(), "''".into())
                    };
                    writeln!(
                        sql,
                        "INSERT INTO {p}wc_order_addresses (order_id, address_type, {}, email, phone) VALUES ({id}, '{kind}', {}, {email}, {phone});",
                        fields.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "),
                        fields.iter().map(|(_, v)| q(v)).collect::<Vec<_>>().join(", "),
                    )
                    .unwrap();
                }
            }
        }
        // Lines, the shipping line, and the analytics copy (both storages).
        let mut items_sold = 0;
        for line in order["lines"].as_array().unwrap() {
            let sku = text(line, "sku");
            let product = product_of(sku);
            let parent: i64 = c["products"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| {
                    p["variants"]
                        .as_array()
                        .is_some_and(|vs| vs.iter().any(|v| v["sku"] == sku))
                })
                .map_or(0, |p| product_of(text(p, "sku")));
            let (product_id, variation_id) = if parent > 0 {
                (parent, product)
            } else {
                (product, 0)
            };
            let quantity = line["quantity"].as_i64().unwrap();
            items_sold += quantity;
            let total = text(line, "total");
            writeln!(
                sql,
                "INSERT INTO {p}woocommerce_order_items (order_item_id, order_item_name, order_item_type, order_id) \
                 VALUES ({item}, {}, 'line_item', {id});\n\
                 INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES \
                 ({item}, '_product_id', '{product_id}'), ({item}, '_variation_id', '{variation_id}'), \
                 ({item}, '_qty', '{quantity}'), ({item}, '_tax_class', ''), ({item}, '_line_subtotal', '{total}'), \
                 ({item}, '_line_subtotal_tax', '0'), ({item}, '_line_total', '{total}'), ({item}, '_line_tax', '0'), \
                 ({item}, '_line_tax_data', 'a:2:{{s:5:\"total\";a:0:{{}}s:8:\"subtotal\";a:0:{{}}}}');",
                q(text(line, "name"))
            )
            .unwrap();
            if reduced {
                writeln!(
                    sql,
                    "INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES ({item}, '_reduced_stock', '{quantity}');"
                )
                .unwrap();
            }
            if parent > 0 {
                let option = text(line, "name").rsplit(" - ").next().unwrap();
                writeln!(
                    sql,
                    "INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES ({item}, 'size', {});",
                    q(option)
                )
                .unwrap();
            }
            item += 1;
        }
        writeln!(
            sql,
            "INSERT INTO {p}woocommerce_order_items (order_item_id, order_item_name, order_item_type, order_id) \
             VALUES ({item}, {}, 'shipping', {id});\n\
             INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES \
             ({item}, 'method_id', 'flat_rate'), ({item}, 'instance_id', '1'), ({item}, 'cost', {}), \
             ({item}, 'total_tax', '0'), ({item}, 'taxes', 'a:1:{{s:5:\"total\";a:0:{{}}}}');\n\
             INSERT INTO {p}wc_order_stats (order_id, parent_id, date_created, date_created_gmt, num_items_sold, \
             total_sales, tax_total, shipping_total, net_total, returning_customer, status, customer_id) VALUES \
             ({id}, 0, {c}, {c}, {items_sold}, {}, {}, {}, {}, 0, '{status}', {});",
            q(text(order, "shipping_method")),
            q(text(totals, "shipping")),
            text(totals, "total"),
            text(totals, "tax"),
            text(totals, "shipping"),
            text(totals, "sub_total"),
            user - 1,
            c = q(created),
        )
        .unwrap();
        item += 1;
    }
    sql
}
