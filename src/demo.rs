//! The demo store: a real OpenCart 3.0.3.8 catalogue (the platform's own
//! demo data) in SQLite, laid out as a shop with the bridge installed, so
//! that every protocol path can be tried without a shop or a database
//! server.

use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::access::keys::{new_legacy_token, new_secret, random_hex};
use crate::access::policy::{Scope, DEFAULT_SCOPES};
use crate::access::utc::Stamp;
use crate::auth;
use crate::form;
use crate::legacy::encoding::encode_plain_param;
use crate::store::{self, Bridge, BridgeConfig, DatabaseConfig, KeyConfig, SqlPolicy};

/// The demo data, deflated at build time from
/// `tests/fixtures/opencart-3.0.3.8.sqlite.sql` and the demo orders
/// (`tests/fixtures/opencart-3-demo-orders.sql`).
static DEMO_SQL_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo.sql.deflate"));

pub const DEMO_KEY_ID: &str = "demo";

/// How long printed native calls stay valid: the signature's time window.
const WINDOW_MINUTES: u64 = crate::auth::native::DEFAULT_SKEW / 60;

/// A created demo store and its credentials.
pub struct Demo {
    pub root: PathBuf,
    pub token: String,
    pub key: KeyConfig,
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
    let token = new_legacy_token()?;
    std::fs::write(
        bridge_dir.join("config.php"),
        format!("<?php\ndefine('M1_TOKEN', '{token}');\n"),
    )?;
    let key = KeyConfig {
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
        ..KeyConfig::new(DEMO_KEY_ID, &new_secret()?)
    };
    let config = BridgeConfig {
        store_root: Some(root.clone()),
        keys: vec![key.clone()],
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
    Ok(Demo { root, token, key })
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

impl Demo {
    /// The demo store already created under `dir`, for fresh example calls.
    pub fn open(dir: &Path) -> Result<Demo, String> {
        let root = std::path::absolute(dir).map_err(|e| e.to_string())?;
        let bridge = Bridge::for_store(&root);
        if let Some(problem) = bridge.config_error {
            return Err(problem);
        }
        let missing = || {
            format!(
                "{} holds no demo store: run `cartbridge demo` first",
                root.display()
            )
        };
        let token = bridge.legacy_token().map_err(|_| missing())?;
        let key = bridge
            .config
            .keys
            .iter()
            .find(|k| k.id == DEMO_KEY_ID)
            .cloned()
            .ok_or_else(missing)?;
        Ok(Demo { root, token, key })
    }

    /// Ready-to-paste calls of both protocols against `listen`: the legacy
    /// ones are signed bodies (valid forever, as the incumbent's are); the
    /// native ones carry signature headers computed now, so each works
    /// once (its nonce is single-use) within the time window.
    pub fn curl_commands(&self, listen: &str) -> io::Result<Vec<String>> {
        let base = format!("http://{listen}/bridge2cart");
        let legacy = |fields: &[(&str, &str)]| -> String {
            let body: Vec<String> = fields
                .iter()
                .map(|(n, v)| format!("{n}={}", form::php_urlencode(v.as_bytes())))
                .collect();
            let body = body.join("&");
            let parsed = form::parse_urlencoded(body.as_bytes()).expect("our own body parses");
            format!(
                "{body}&a2c_sign={}",
                auth::legacy::sign(&parsed, &self.token)
            )
        };
        let query = encode_plain_param(b"SELECT COUNT(*) AS products FROM oc_product");
        let mut commands = vec![
            format!("curl {base}/bridge.php"),
            format!(
                "curl --data '{}' {base}/bridge.php",
                legacy(&[("action", "checkbridge")])
            ),
            format!(
                "curl -s --data '{}' {base}/bridge.php | base64 -d; echo",
                legacy(&[("action", "query"), ("query", &query), ("fetchMode", "1")])
            ),
        ];
        for method in ["cart.info", "product.count"] {
            let path = format!("/{method}.json");
            let nonce = random_hex(16)?;
            let headers = auth::native::signed_headers(
                &self.key,
                "GET",
                &path,
                b"",
                b"",
                crate::access::utc::now(),
                &nonce,
            );
            let headers: Vec<String> = headers
                .iter()
                .map(|(n, v)| format!("-H '{n}: {v}'"))
                .collect();
            commands.push(format!(
                "curl {} {base}/cartbridge{path}",
                headers.join(" ")
            ));
        }
        Ok(commands)
    }

    /// What to tell the person who started the demo.
    pub fn instructions(&self, listen: &str) -> io::Result<String> {
        let root = self.root.display();
        let commands = self.curl_commands(listen)?;
        let program = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "cartbridge".into());
        Ok(format!(
            "\
cartbridge demo: an OpenCart 3.0.3.8 store on SQLite in {root}

Legacy protocol (drop-in for bridge2cart/bridge.php)
  URL        http://{listen}/bridge2cart/bridge.php
  store key  {token}  (in {root}/bridge2cart/config.php)
  the banner, checkbridge, and a signed query (its answer is base64):
{legacy}

Native JSON API
  URL        http://{listen}/bridge2cart/cartbridge/<method>.json
  key id     {key}
  secret     {secret}  (in {root}/bridge2cart/.cartbridge/config.toml)
  signed calls; each works once within {WINDOW_MINUTES} minutes (single-use nonce, time
  window), `{program} demo --curl` prints fresh ones:
{native}
  or, unsigned, on this machine:
    {program} call product.count --store {root}

Serving on http://{listen} — press Ctrl-C to stop.",
            token = self.token,
            key = self.key.id,
            secret = self.key.secret,
            legacy = indent(&commands[..3]),
            native = indent(&commands[3..]),
        ))
    }
}

fn indent(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
