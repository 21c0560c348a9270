//! The demo store: a real OpenCart 3.0.3.8 catalogue (the platform's own
//! demo data) in SQLite, laid out as a shop with the bridge installed, so
//! that every protocol path can be tried without a shop or a database
//! server.

use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::access::policy::{Scope, DEFAULT_SCOPES};
use crate::access::utc::Stamp;
use crate::store::{self, BridgeConfig, DatabaseConfig, KeyConfig, LegacyConfig, SqlPolicy};

/// The demo data, deflated at build time from
/// `tests/fixtures/opencart-3.0.3.8.sqlite.sql` and the demo orders
/// (`tests/fixtures/opencart-3-demo-orders.sql`).
static DEMO_SQL_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo.sql.deflate"));

pub const DEMO_KEY_ID: &str = "demo";

/// A created demo store and its credentials.
pub struct Demo {
    pub root: PathBuf,
    pub token: String,
    pub secret: String,
}

/// Creates (or refreshes) the demo store under `dir`.
pub fn create(dir: &Path) -> io::Result<Demo> {
    let root = std::path::absolute(dir)?;
    let bridge_dir = root.join("bridge2cart");
    std::fs::create_dir_all(root.join("system"))?;
    std::fs::create_dir_all(root.join("image"))?;
    std::fs::create_dir_all(&bridge_dir)?;
    std::fs::write(
        root.join("system/startup.php"),
        "<?php\n// OpenCart marker for the demo store.\n",
    )?;
    std::fs::write(
        root.join("index.php"),
        "<?php\ndefine('VERSION', '3.0.3.8');\n",
    )?;
    std::fs::write(
        root.join("config.php"),
        "<?php\n// The demo store's OpenCart settings. The bridge reads them; its\n// .cartbridge/config.toml points the database at SQLite instead.\ndefine('DB_DRIVER', 'mysqli');\ndefine('DB_HOSTNAME', 'localhost');\ndefine('DB_USERNAME', 'demo');\ndefine('DB_PASSWORD', '');\ndefine('DB_DATABASE', 'opencart_demo');\ndefine('DB_PORT', '3306');\ndefine('DB_PREFIX', 'oc_');\n",
    )?;
    let token = random_hex(16)?;
    std::fs::write(
        bridge_dir.join("config.php"),
        format!("<?php\ndefine('M1_TOKEN', '{token}');\n"),
    )?;
    let secret = crate::access::keys::new_secret()?;
    let config = BridgeConfig {
        store_root: Some(root.clone()),
        legacy: LegacyConfig::default(),
        keys: vec![KeyConfig {
            // The demo serves loopback; a wider --listen needs `key set --ip`.
            ips: vec![
                "127.0.0.1".parse().expect("an address"),
                "::1".parse().expect("an address"),
            ],
            // A throw-away store: the demo key may also try the writes.
            scopes: [
                DEFAULT_SCOPES,
                &[Scope::SqlRead, Scope::ProductsWrite, Scope::OrdersWrite],
            ]
            .concat(),
            sql_policy: SqlPolicy::Read,
            created: Some(Stamp(crate::access::utc::now())),
            ..KeyConfig::new(DEMO_KEY_ID, &secret)
        }],
        database: Some(DatabaseConfig {
            sqlite: Some(PathBuf::from("demo.sqlite")),
            host: None,
            port: None,
            user: None,
            password: None,
            name: None,
            prefix: None,
        }),
        ..BridgeConfig::default()
    };
    store::write_private_config(&bridge_dir, &config)?;
    load_demo_database(&bridge_dir.join(store::PRIVATE_DIR).join("demo.sqlite"))?;
    Ok(Demo {
        root,
        token,
        secret,
    })
}

/// Writes the demo data into a fresh SQLite file.
pub fn load_demo_database(path: &Path) -> io::Result<()> {
    let mut sql = String::new();
    flate2::read::DeflateDecoder::new(DEMO_SQL_DEFLATED).read_to_string(&mut sql)?;
    let tmp = path.with_extension("sqlite.tmp");
    let _ = std::fs::remove_file(&tmp);
    let conn = rusqlite::Connection::open(&tmp).map_err(io::Error::other)?;
    conn.execute_batch(&sql).map_err(io::Error::other)?;
    drop(conn);
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    std::fs::rename(&tmp, path)
}

/// Hex of `bytes` random bytes from the operating system.
pub fn random_hex(bytes: usize) -> io::Result<String> {
    let mut buffer = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buffer)?;
    Ok(hex::encode(buffer))
}

impl Demo {
    /// What to tell the person who started the demo.
    pub fn instructions(&self, listen: &str) -> String {
        let root = self.root.display();
        format!(
            "\
cartbridge demo: an OpenCart 3.0.3.8 store on SQLite in {root}

  Legacy protocol (drop-in for bridge2cart/bridge.php)
    URL        http://{listen}/bridge2cart/bridge.php
    store key  {token}  (in {root}/bridge2cart/config.php)
    try        curl http://{listen}/bridge2cart/bridge.php

  Native JSON API
    URL        http://{listen}/bridge2cart/cartbridge/<method>.json
    key id     {key}
    secret     {secret}  (in {root}/bridge2cart/.cartbridge/config.toml)
    try        cartbridge call product.count --store {root}

Serving on http://{listen} — press Ctrl-C to stop.",
            token = self.token,
            key = DEMO_KEY_ID,
            secret = self.secret,
        )
    }
}
