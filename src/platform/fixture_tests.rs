//! Every platform against a store tree written from its facts
//! (`tests/fixtures/stores/<name>/`): detection in the incumbent's order
//! with `cart_id` fall-through, database settings, version, image folders,
//! charset, time zone and `cartVars`.

use std::path::{Path, PathBuf};

use super::php::{PhpKey, PhpValue};
use super::*;
use crate::db::Target;

fn store(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stores")
        .join(name)
}

/// What a fixture store must read as.
struct Expect {
    store: &'static str,
    /// The `cart_id` the gateway sends for it, where detection needs one.
    cart_id: Option<&'static str>,
    platform: &'static str,
    legacy_type: &'static str,
    /// (host, port, user, password, database)
    db: (&'static str, u16, &'static str, &'static str, &'static str),
    prefix: &'static str,
    version: Option<&'static str>,
    /// images, categories, products, manufacturers
    images: [&'static str; 4],
    charset: Option<&'static str>,
    time_zone: Option<&'static str>,
    /// cartVars (before any cart plugin), dbVersion not included.
    cart_vars: &'static [(&'static str, Var)],
}

#[derive(Debug)]
enum Var {
    S(&'static str),
    B(bool),
    I(i64),
    Empty,
}

impl Var {
    fn php(&self) -> PhpValue {
        match self {
            Var::S(s) => PhpValue::Str((*s).into()),
            Var::B(b) => PhpValue::Bool(*b),
            Var::I(i) => PhpValue::Int(*i),
            Var::Empty => PhpValue::Array(Vec::new()),
        }
    }
}

const H: &str = "db.shop.test";

fn expectations() -> Vec<Expect> {
    use Var::*;
    let same = |p: &'static str| [p, p, p, p];
    let plain = |store, platform, legacy_type, db, prefix, version, images| Expect {
        store,
        cart_id: None,
        platform,
        legacy_type,
        db,
        prefix,
        version,
        images,
        charset: None,
        time_zone: None,
        cart_vars: &[],
    };
    let img = ["/img/", "/img/c/", "/img/p/", "/img/m/"];
    let drupal_files = same("/sites/default/files/");
    vec![
        plain(
            "prestashop17",
            "prestashop17",
            "Prestashop",
            (H, 3307, "ps_user", "it's \"quoted\"", "prestashop"),
            "ps_",
            Some("8.1.7"),
            img,
        ),
        plain(
            "prestashop",
            "prestashop",
            "Prestashop",
            (H, 3308, "ps16", "s3cr\"et", "ps16"),
            "ps_",
            Some("1.6.1.24"),
            img,
        ),
        plain(
            "ubercart3",
            "ubercart3",
            "Ubercart3",
            (H, 3306, "uc user", "pa$$word", "uc3"),
            "",
            Some("3.13"),
            drupal_files,
        ),
        plain(
            "drupalcommerce",
            "drupalcommerce",
            "DrupalCommerce",
            (H, 3312, "dc", "d'c", "commerce"),
            "",
            Some("1.15"),
            same("/files"),
        ),
        plain(
            "ubercart",
            "ubercart",
            "Ubercart",
            (H, 3310, "uc user", "p@ss word", "drupal6"),
            "",
            Some("2.14"),
            same("/files"),
        ),
        Expect {
            charset: Some("utf8mb4"),
            cart_vars: &[
                ("wp_home", S("https://shop.test")),
                ("debugMode", B(true)),
                ("dbCharset", S("utf8mb4")),
            ],
            ..plain(
                "wordpress",
                "wordpress",
                "Wordpress",
                (H, 3311, "wp_user", "pa'ss\"word", "wordpress"),
                "wp_",
                None,
                ["wp-content/media", "", "", ""],
            )
        },
        Expect {
            charset: Some("utf8"),
            cart_vars: &[
                ("wp_content_url", S("https://cdn.shop.test/content")),
                ("debugMode", B(false)),
                ("dbCharset", S("utf8")),
            ],
            ..plain(
                "wordpress-parent/public_html",
                "wordpress",
                "Wordpress",
                (H, 3311, "wp_user", "pa'ss\"word", "wordpress"),
                "wp_",
                None,
                ["wp-content/uploads", "", "", ""],
            )
        },
        plain(
            "zencart",
            "zencart",
            "Zencart137",
            (H, 3306, "zen", "z\\en#pw", "zencart"),
            "zen_",
            Some("1.5.8a"),
            same("images/"),
        ),
        Expect {
            cart_vars: &[("timeZone", S("Europe/Berlin"))],
            ..plain(
                "oscommerce",
                "oscommerce",
                "Oscommerce22ms2",
                (H, 3306, "osc", "osc", "oscommerce"),
                "",
                Some("2.3"),
                same("images/"),
            )
        },
        // Without cart_id the incumbent takes a Gambio for osCommerce.
        Expect {
            cart_id: Some("Gambio"),
            ..plain(
                "gambio",
                "gambio",
                "Gambio",
                (H, 3306, "gambio", "gx-pw", "gambio"),
                "",
                Some("4.5.1.0"),
                [
                    "images/",
                    "images/",
                    "images/product_images/original_images/",
                    "images/",
                ],
            )
        },
        plain(
            "tomatocart",
            "tomatocart",
            "Tomatocart",
            (H, 3306, "toc", "tocpw", "tomatocart"),
            "toc_",
            Some("1.1.8.6"),
            [
                "images/",
                "images/categories/",
                "images/products/",
                "images/manufacturers/",
            ],
        ),
        plain(
            "joocart",
            "joocart",
            "JooCart",
            (H, 3306, "joocart", "jc", "joomla15"),
            "",
            None,
            same("components/com_opencart/image/"),
        ),
        plain(
            "mijoshop",
            "mijoshop",
            "Mijoshop",
            (H, 3306, "mijo", "mi\"jo", "joomla3"),
            "",
            Some("3.1.0"),
            same("components/com_mijoshop/opencart/image/"),
        ),
        plain(
            "aceshop",
            "aceshop",
            "AceShop",
            (H, 3306, "ace", "ace", "joomla10"),
            "",
            None,
            same("components/com_aceshop/opencart/image/"),
        ),
        Expect {
            cart_vars: &[
                ("timezone", S("Europe/Berlin")),
                ("sConfigKey", S("fq45QS09_fqyx09239QQ")),
            ],
            ..plain(
                "oxid/source",
                "oxid",
                "Oxid",
                (H, 3306, "oxid", "ox'id", "oxid"),
                "",
                Some("6.5.2"),
                same("out/pictures/"),
            )
        },
        Expect {
            time_zone: Some("Europe/London"),
            ..plain(
                "virtuemart",
                "virtuemart",
                "Virtuemart113",
                (H, 3313, "vm", "vm", "joomla_vm"),
                "jos_",
                Some("3.8.8"),
                [
                    "images/stories/virtuemart",
                    "images/stories/virtuemart/category",
                    "images/stories/virtuemart/product",
                    "images/stories/virtuemart/manufacturer",
                ],
            )
        },
        plain(
            "pinnacle",
            "pinnacle",
            "Pinnacle361",
            (H, 3306, "pinnacle", "pc", "pinnacle"),
            "pc_",
            None,
            same("images/"),
        ),
        Expect {
            cart_vars: &[("dbPrefix", S(""))],
            ..plain(
                "zoey",
                "zoey",
                "Zoey",
                (H, 3314, "mage", "ma&ge<1>", "magento1"),
                "",
                Some("1.9.4.5"),
                [
                    "media/",
                    "media/catalog/category/",
                    "media/catalog/product/",
                    "media/",
                ],
            )
        },
        Expect {
            charset: Some("utf8"),
            cart_vars: &[("AdminUrl", S("admin_1x2y")), ("dbCharset", S("utf8"))],
            ..plain(
                "magento2",
                "magento2",
                "Magento1212",
                (H, 3315, "magento", "m@g\"ento", "magento2"),
                "m2_",
                Some("2.4.6-p1"),
                [
                    "pub/media/",
                    "pub/media/catalog/category/",
                    "pub/media/catalog/product/",
                    "pub/media/",
                ],
            )
        },
        Expect {
            cart_vars: &[
                ("orderStatus", Empty),
                ("AdminUrl", S("backoffice")),
                ("dbPrefix", S("mg_")),
            ],
            ..plain(
                "magento1",
                "magento1",
                "Magento1212",
                (H, 3314, "mage", "ma&ge<1>", "magento1"),
                "mg_",
                Some("1.9.4.5"),
                [
                    "media/",
                    "media/catalog/category/",
                    "media/catalog/product/",
                    "media/",
                ],
            )
        },
        plain(
            "cubecart",
            "cubecart",
            "Cubecart",
            (H, 3306, "cubecart", "cc'pw", "cubecart"),
            "CubeCart_",
            Some("6.4.5"),
            same("images"),
        ),
        Expect {
            cart_vars: &[("cs_max_files_in_dir", I(1000))],
            ..plain(
                "cscart",
                "cscart",
                "Cscart203",
                (H, 3306, "cscart", "cs\\cart", "cscart"),
                "cscart_",
                Some("4.16.1"),
                same("/images/"),
            )
        },
        plain(
            "opencart",
            "opencart",
            "Opencart14",
            (H, 3316, "oc_user", "o\"c'pw", "opencart"),
            "oc_",
            Some("3.0.3.8"),
            same("/image/"),
        ),
        Expect {
            time_zone: Some("Europe/Berlin"),
            ..plain(
                "shopware5",
                "shopware5",
                "Shopware",
                (H, 3317, "sw5", "sw5'pw", "shopware5"),
                "s_",
                Some("5.7.19"),
                same(""),
            )
        },
        Expect {
            time_zone: Some("UTC"),
            cart_vars: &[("\u{441}dn_strategy", S("physical_filename"))],
            ..plain(
                "shopware6/public",
                "shopware6",
                "Shopware",
                (H, 3318, "sw6+user", "s3cr@t pw", "shopware6"),
                "",
                Some("6.6.7.1"),
                same(""),
            )
        },
        plain(
            "interspire",
            "interspire",
            "Interspire",
            (H, 3306, "isc", "isc", "interspire"),
            "isc_",
            None,
            same("product_images"),
        ),
        plain(
            "squirrelcart",
            "squirrelcart",
            "Squirrelcart242",
            (H, 3306, "sq", "sq", "squirrel"),
            "",
            None,
            [
                "sc_images",
                "sc_images/categories",
                "sc_images/products",
                "sc_images",
            ],
        ),
        plain(
            "webasyst",
            "webasyst",
            "WebAsyst",
            (H, 3306, "wa", "w&a", "webasyst"),
            "",
            Some("1.2.9"),
            same("published/publicdata/SHOP1/attachments/SC/products_pictures"),
        ),
        plain(
            "sspremium",
            "sspremium",
            "SSPremium",
            (H, 3306, "ss", "ss", "shopscript"),
            "",
            None,
            same("products_pictures/"),
        ),
        plain(
            "shopscript5",
            "shopscript5",
            "SSPremium",
            (H, 3319, "wa", "wa", "shopscript5"),
            "",
            Some("5.0"),
            same("products_pictures/"),
        ),
        plain(
            "xtcommerce",
            "xtcommerce",
            "XtcommerceVeyton",
            (H, 3306, "xt", "xt", "veyton"),
            "xt_",
            Some("4.2.00"),
            same("media/images/"),
        ),
        plain(
            "xcart4",
            "xcart4",
            "XCart",
            (H, 3306, "xcart", "xc'pw", "xcart"),
            "",
            Some("4.7.12"),
            same("images/"),
        ),
        plain(
            "xcart5",
            "xcart5",
            "XCart",
            (H, 3320, "xc5", "x\"c5", "xcart5"),
            "xc_",
            None,
            ["/images", "/images/category", "/images/product", "/images"],
        ),
        plain(
            "hhgmultistore",
            "hhgmultistore",
            "Hhgmultistore",
            (H, 3306, "hhg", "hhg", "hhg"),
            "",
            Some("v2.3.1"),
            [
                "/store_files/1/images/",
                "/store_files/1/images/categories/",
                "",
                "",
            ],
        ),
        Expect {
            cart_vars: &[("AdminUrl", S("admin"))],
            ..plain(
                "sunshop",
                "sunshop",
                "Sunshop4",
                (H, 3306, "sun", "sun", "sunshop"),
                "ss_",
                None,
                same("images/products/"),
            )
        },
    ]
}

#[test]
fn every_fixture_store_is_detected_and_read() {
    let mut seen = std::collections::BTreeSet::new();
    for e in expectations() {
        let root = store(e.store);
        let platform =
            detect(&root, e.cart_id).unwrap_or_else(|| panic!("{}: nothing detected", e.store));
        assert_eq!(platform.name, e.platform, "{}", e.store);
        assert_eq!(platform.legacy_type, e.legacy_type, "{}", e.store);
        seen.insert(platform.name.as_str());
        let shop =
            read_settings(platform, &root).unwrap_or_else(|err| panic!("{}: {err}", e.store));
        let Target::Mysql(m) = &shop.target else {
            panic!("{}: MySQL expected", e.store)
        };
        assert_eq!(
            (
                m.host.as_str(),
                m.port,
                m.user.as_str(),
                m.password.as_str(),
                m.database.as_str()
            ),
            e.db,
            "{}",
            e.store
        );
        assert_eq!(m.socket, None, "{}", e.store);
        assert_eq!(shop.prefix, e.prefix, "{}", e.store);
        assert_eq!(shop.version.as_deref(), e.version, "{}", e.store);
        let images = &shop.images;
        assert_eq!(
            [
                images.images.as_str(),
                &images.categories,
                &images.products,
                &images.manufacturers
            ],
            e.images,
            "{}",
            e.store
        );
        assert_eq!(shop.charset.as_deref(), e.charset, "{}", e.store);
        assert_eq!(m.charset.as_deref(), e.charset, "{}", e.store);
        assert_eq!(shop.time_zone.as_deref(), e.time_zone, "{}", e.store);
        let vars: Vec<(String, PhpValue)> = e
            .cart_vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.php()))
            .collect();
        if e.store != "cubecart" {
            assert_eq!(shop.cart_vars, vars, "{}", e.store);
        }
    }
    let without_reader: Vec<&str> = all()
        .iter()
        .filter(|p| p.settings.is_none())
        .map(|p| p.name.as_str())
        .collect();
    for p in all() {
        assert!(
            seen.contains(p.name.as_str()) || without_reader.contains(&p.name.as_str()),
            "{} has no fixture store",
            p.name
        );
    }
}

#[test]
fn the_version_goes_where_the_incumbent_puts_it() {
    let read = |name: &str| {
        let root = store(name);
        read_settings(detect(&root, None).unwrap(), &root).unwrap()
    };
    let keys = |vars: Vec<(String, PhpValue)>| vars.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    let m1 = read("magento1");
    assert_eq!(
        keys(m1.cart_vars_with(m1.version.clone())),
        ["dbVersion", "orderStatus", "AdminUrl", "dbPrefix"]
    );
    let m2 = read("magento2");
    assert_eq!(
        keys(m2.cart_vars_with(Some("2.4.6-p1".into()))),
        ["AdminUrl", "dbVersion", "dbCharset"]
    );
    let oxid = read("oxid/source");
    assert_eq!(
        keys(oxid.cart_vars_with(Some("6.5.2".into()))),
        ["timezone", "sConfigKey", "dbVersion"]
    );
    let oc = read("opencart");
    assert_eq!(
        oc.cart_vars_with(Some("3.0.3.8".into())),
        [("dbVersion".to_string(), PhpValue::Str("3.0.3.8".into()))]
    );
    assert!(oc.cart_vars_with(None).is_empty());
}

#[test]
fn cubecart_lists_its_languages() {
    let root = store("cubecart");
    let shop = read_settings(detect(&root, None).unwrap(), &root).unwrap();
    let entry = |name: &str, code: &str, currency: &str, file: &str| {
        PhpValue::Array(
            [
                ("name", name),
                ("code", code),
                ("locale", code),
                ("currency", currency),
                ("fileName", file),
            ]
            .iter()
            .map(|(k, v)| (PhpKey::from(*k), PhpValue::Str((*v).into())))
            .collect(),
        )
    };
    assert_eq!(
        shop.cart_vars,
        [(
            "languages".to_string(),
            PhpValue::Array(vec![
                (PhpKey::Int(0), entry("Deutsch", "de", "EUR", "de-DE")),
                (PhpKey::Int(1), entry("English (UK)", "en", "GBP", "en-GB")),
            ])
        )]
    );
}

#[test]
fn a_parent_settings_file_makes_the_parent_the_shop_root() {
    for (docroot, root) in [
        ("magento2/pub", "magento2"),
        ("shopware6/public", "shopware6"),
    ] {
        let shop = read_settings(detect(&store(docroot), None).unwrap(), &store(docroot)).unwrap();
        assert_eq!(
            shop.root,
            std::fs::canonicalize(store(root)).unwrap(),
            "{docroot}"
        );
    }
    let wordpress = store("wordpress-parent/public_html");
    let shop = read_settings(detect(&wordpress, None).unwrap(), &wordpress).unwrap();
    assert_eq!(shop.root, wordpress, "WordPress stays in its own folder");
    let magento = store("magento2");
    let shop = read_settings(detect(&magento, None).unwrap(), &magento).unwrap();
    assert_eq!(shop.root, magento);
}

#[test]
fn values_computed_at_run_time_are_refused_with_the_file_and_the_value() {
    let root = store("opencart-computed");
    let err = read_settings(detect(&root, None).unwrap(), &root)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read the database password"), "{err}");
    assert!(err.contains("opencart-computed/config.php"), "{err}");
    assert!(err.contains("'define DB_PASSWORD'"), "{err}");
    assert!(err.contains("[database]"), "{err}");
}

#[test]
fn platforms_without_a_reader_say_so() {
    for (name, title) in [("lemonstand", "LemonStand"), ("summercart", "Summer Cart")] {
        let root = store(name);
        let platform = detect(&root, None).unwrap();
        assert_eq!(platform.name, name);
        let err = read_settings(platform, &root).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "cartbridge cannot read the database settings of {title} ("
            )),
            "{err}"
        );
        assert!(err.contains("[database]"), "{err}");
    }
}

/// A store tree holding the marker files of several platforms at once.
fn mixed_store(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let path = dir.path().join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "<?php\n").unwrap();
    }
    dir
}

#[test]
fn detection_follows_the_incumbents_order_and_cart_id_fall_through() {
    let name = |root: &Path, cart_id: Option<&str>| detect(root, cart_id).map(|p| p.name.as_str());
    // PrestaShop is checked first; a label starts the search further down.
    let dir = mixed_store(&[
        "config/config.inc.php",
        "system/startup.php",
        "config.php",
        "wp-config.php",
    ]);
    assert_eq!(name(dir.path(), None), Some("prestashop"));
    assert_eq!(name(dir.path(), Some("Prestashop")), Some("prestashop"));
    assert_eq!(name(dir.path(), Some("Woocommerce")), Some("wordpress"));
    assert_eq!(name(dir.path(), Some("Opencart14")), Some("opencart"));
    // Past OpenCart, the config.php is taken for X-Cart's.
    assert_eq!(name(dir.path(), Some("Shopware")), Some("xcart4"));
    assert_eq!(name(dir.path(), Some("XCart")), Some("xcart4"));
    // An unknown cart_id starts at the top, as the incumbent's default.
    assert_eq!(name(dir.path(), Some("NoSuchCart")), Some("prestashop"));
    // A label after every marker present finds nothing.
    assert_eq!(name(dir.path(), Some("Tomatocart")), None);
    // Zen Cart needs ipn_main_handler.php; osCommerce is Gambio-shaped but first.
    let dir = mixed_store(&["includes/configure.php", "ipn_main_handler.php"]);
    assert_eq!(name(dir.path(), None), Some("zencart"));
    assert_eq!(name(dir.path(), Some("Gambio")), Some("gambio"));
    // TomatoCart is no longer taken for osCommerce or Gambio (LEGACY.md §11)…
    let toc = store("tomatocart");
    assert_eq!(name(&toc, None), Some("tomatocart"));
    assert_eq!(name(&toc, Some("Gambio")), Some("tomatocart"));
    assert_eq!(name(&toc, Some("Tomatocart")), Some("tomatocart"));
    // A Gambio is found with its cart_id; without, it reads as osCommerce.
    assert_eq!(name(&store("gambio"), Some("Gambio")), Some("gambio"));
    assert_eq!(name(&store("gambio"), None), Some("oscommerce"));
    // Magento 2 before Magento 1; Shopware 5 only with its kernel.
    let dir = mixed_store(&["app/etc/env.php", "app/etc/local.xml"]);
    assert_eq!(name(dir.path(), None), Some("magento2"));
    let dir = mixed_store(&["config.php", "shopware.php"]);
    assert_eq!(name(dir.path(), None), Some("shopware6"));
    // Nothing at all.
    let dir = mixed_store(&["readme.txt"]);
    assert_eq!(name(dir.path(), None), None);
}

#[test]
fn magento_takes_the_first_active_connection_else_default() {
    let dir = tempfile::tempdir().unwrap();
    let env = |connections: &str| {
        std::fs::create_dir_all(dir.path().join("app/etc")).unwrap();
        std::fs::write(
            dir.path().join("app/etc/env.php"),
            format!("<?php return ['db' => ['connection' => [{connections}]]];"),
        )
        .unwrap();
        let shop = read_settings(detect(dir.path(), None).unwrap(), dir.path()).unwrap();
        let Target::Mysql(m) = shop.target else {
            panic!()
        };
        m.database
    };
    assert_eq!(env("'a' => ['dbname' => 'a', 'active' => 0], 'b' => ['dbname' => 'b', 'active' => true], 'default' => ['dbname' => 'd', 'active' => 1]"), "b");
    assert_eq!(
        env("'a' => ['dbname' => 'a', 'active' => '0'], 'default' => ['dbname' => 'd']"),
        "d"
    );
    std::fs::write(
        dir.path().join("app/etc/env.php"),
        "<?php return ['db' => ['connection' => []]];",
    )
    .unwrap();
    let err = read_settings(detect(dir.path(), None).unwrap(), dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("does not say which database name"),
        "{err}"
    );
}

#[test]
fn a_socket_in_the_host_goes_to_the_socket() {
    let dir = mixed_store(&["system/startup.php"]);
    for (host, socket) in [
        (
            "localhost:/run/mysqld/custom.sock",
            "/run/mysqld/custom.sock",
        ),
        ("/var/lib/mysql/mysql.sock", "/var/lib/mysql/mysql.sock"),
        ("127.0.0.1:/tmp/my.sock", "/tmp/my.sock"),
    ] {
        std::fs::write(
            dir.path().join("config.php"),
            format!("<?php define('DB_HOSTNAME', '{host}'); define('DB_DATABASE', 'x');"),
        )
        .unwrap();
        let shop = read_settings(detect(dir.path(), None).unwrap(), dir.path()).unwrap();
        let Target::Mysql(m) = shop.target else {
            panic!()
        };
        assert_eq!(m.socket.as_deref(), Some(socket), "{host}");
        assert_eq!(m.port, 3306, "{host}: a socket path is not a port");
    }
}

/// The cart plugin and the version that need the database, on SQLite.
fn wordpress_db(
    active_plugins: &str,
    options: &[(&str, &str)],
) -> (tempfile::TempDir, Box<dyn crate::db::Database>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wp.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE wp_options (option_name TEXT, option_value TEXT);")
            .unwrap();
        conn.execute(
            "INSERT INTO wp_options VALUES ('active_plugins', ?1)",
            [active_plugins],
        )
        .unwrap();
        for (k, v) in options {
            conn.execute("INSERT INTO wp_options VALUES (?1, ?2)", [k, v])
                .unwrap();
        }
    }
    let db = crate::db::connect(&Target::Sqlite(path)).unwrap();
    (dir, db)
}

#[test]
fn wordpress_asks_the_database_which_cart_is_active() {
    let root = store("wordpress");
    let read = || read_settings(detect(&root, None).unwrap(), &root).unwrap();
    let woo = r#"a:2:{i:0;s:19:"akismet/akismet.php";i:1;s:27:"woocommerce/woocommerce.php";}"#;
    let (_dir, mut db) = wordpress_db(woo, &[("woocommerce_db_version", "9.8.5")]);
    let mut shop = read();
    shop.detect_cart_plugin(db.as_mut(), None).unwrap();
    assert_eq!(shop.plugin.map(|p| p.cart_id.as_str()), Some("Woocommerce"));
    let version = shop.version_with(db.as_mut());
    assert_eq!(version.as_deref(), Some("9.8.5"));
    let keys: Vec<String> = shop
        .cart_vars_with(version)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        keys,
        [
            "wp_home",
            "debugMode",
            "dbCharset",
            "dbVersion",
            "categoriesDirRelative",
            "productsDirRelative"
        ]
    );
    // cart_id restricts the choice: asking for WP e-Commerce on a WooCommerce shop fails.
    let mut shop = read();
    assert_eq!(
        shop.detect_cart_plugin(db.as_mut(), Some("WPecommerce")),
        Err("CART_PLUGIN_IS_NOT_DETECTED")
    );
    // No cart plugin at all.
    let (_dir, mut db) = wordpress_db(r#"a:1:{i:0;s:19:"akismet/akismet.php";}"#, &[]);
    let mut shop = read();
    assert_eq!(
        shop.detect_cart_plugin(db.as_mut(), None),
        Err("CART_PLUGIN_IS_NOT_DETECTED")
    );
}

#[test]
fn wp_ecommerce_falls_back_to_its_plugin_file_and_folders() {
    let root = store("wordpress-parent/public_html");
    let (_dir, mut db) = wordpress_db(
        r#"a:1:{i:0;s:34:"wp-e-commerce/wp-shopping-cart.php";}"#,
        &[],
    );
    let mut shop = read_settings(detect(&root, None).unwrap(), &root).unwrap();
    shop.detect_cart_plugin(db.as_mut(), Some("WPecommerce"))
        .unwrap();
    assert_eq!(
        shop.version_with(db.as_mut()),
        None,
        "the plugin file is not where the incumbent looks"
    );
    assert_eq!(
        shop.images.categories,
        "wp-content/uploads/wpsc/category_images/"
    );
    assert_eq!(shop.images.products, "wp-content/uploads/");
    let (_dir, mut db) = wordpress_db(
        r#"a:1:{i:0;s:34:"wp-e-commerce/wp-shopping-cart.php";}"#,
        &[("wpsc_version", "3.8.14")],
    );
    assert_eq!(shop.version_with(db.as_mut()).as_deref(), Some("3.8.14"));
}

#[test]
fn versions_from_the_database() {
    let root = store("xcart5");
    let shop = read_settings(detect(&root, None).unwrap(), &root).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE xc_config (name TEXT, category TEXT, value TEXT); INSERT INTO xc_config VALUES ('version', 'Version', '5.4.1.46');")
        .unwrap();
    let mut db = crate::db::connect(&Target::Sqlite(path)).unwrap();
    assert_eq!(shop.version_with(db.as_mut()).as_deref(), Some("5.4.1.46"));
}

/// WordPress's `DB_HOST` forms (`wpdb::parse_db_host()`): host, host:port,
/// host:/socket, :/socket, [IPv6]:port and a bare IPv6 address; with the
/// `$table_prefix` and `DB_CHARSET` it names, in wp-config.php or one
/// folder up.
#[test]
fn wordpress_db_host_forms_prefix_and_charset() {
    let dir = mixed_store(&["site/wp-settings.php"]);
    let site = dir.path().join("site");
    let cases: &[(&str, &str, u16, Option<&str>)] = &[
        ("db.shop.test", "db.shop.test", 3306, None),
        ("db.shop.test:3307", "db.shop.test", 3307, None),
        (
            "localhost:/run/mysqld/wp.sock",
            "localhost",
            3306,
            Some("/run/mysqld/wp.sock"),
        ),
        (
            ":/tmp/mysql.sock",
            "localhost",
            3306,
            Some("/tmp/mysql.sock"),
        ),
        ("[::1]:3308", "::1", 3308, None),
        ("[2001:db8::5]", "2001:db8::5", 3306, None),
        ("::1", "::1", 3306, None),
    ];
    for (i, (host, want_host, want_port, want_socket)) in cases.iter().enumerate() {
        // Alternately beside WordPress and in the folder above it.
        let (config, other) = if i % 2 == 0 {
            (site.join("wp-config.php"), dir.path().join("wp-config.php"))
        } else {
            (dir.path().join("wp-config.php"), site.join("wp-config.php"))
        };
        let _ = std::fs::remove_file(other);
        std::fs::write(
            &config,
            format!(
                "<?php\ndefine( 'DB_NAME', 'shop' );\ndefine( 'DB_USER', 'u' );\ndefine( 'DB_PASSWORD', 'p' );\n\
                 define( 'DB_HOST', '{host}' );\ndefine( 'DB_CHARSET', 'latin1' );\n$table_prefix = 'shop7_';\n"
            ),
        )
        .unwrap();
        let platform = detect(&site, None).expect("WordPress is detected");
        assert_eq!(platform.name, "wordpress");
        let shop = read_settings(platform, &site).unwrap();
        assert_eq!(shop.prefix, "shop7_", "{host}");
        assert_eq!(shop.base_prefix, "shop7_", "{host}");
        assert_eq!(shop.charset.as_deref(), Some("latin1"), "{host}");
        let Target::Mysql(m) = shop.target else {
            panic!("{host}: not MySQL")
        };
        assert_eq!(m.charset.as_deref(), Some("latin1"), "{host}: SET NAMES");
        assert_eq!(m.port, *want_port, "{host}");
        assert_eq!(m.socket.as_deref(), *want_socket, "{host}");
        if want_socket.is_none() {
            assert_eq!(m.host, *want_host, "{host}");
        }
        assert_eq!(m.database, "shop");
    }
}
