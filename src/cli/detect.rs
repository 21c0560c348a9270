//! `cartbridge detect`: which platform a store is, and what its own files
//! say about its database, version, table prefix, charset, time zone and
//! image folders — the facts `getconfig` is built from — without the
//! password, and without connecting to the database.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::PathBuf;

use lexopt::prelude::*;

use super::{bridge_for, usage_error, Failure};
use crate::db::Target;
use crate::platform::{self, php::PhpValue, Images, ShopSettings};

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    let mut cart_id = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("cart-id") => {
                let value = parser.value().map_err(usage_error)?;
                cart_id = Some(
                    value
                        .into_string()
                        .map_err(|_| (2, "--cart-id must be UTF-8".to_string()))?,
                );
            }
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let bridge = bridge_for(store);
    let root = bridge.store_root();
    let platform = platform::detect(&root, cart_id.as_deref()).ok_or_else(|| {
        (
            1,
            format!(
                "no shop platform found in {} (BRIDGE_ERROR_CONFIGURATION_NOT_FOUND)",
                root.display()
            ),
        )
    })?;
    let mut out = format!(
        "{:<24}{} ({}; the incumbent's type {})\n",
        "platform:", platform.title, platform.name, platform.legacy_type
    );
    let shop = bridge.shop(&root, cart_id.as_deref()).map_err(|e| {
        print!("{out}");
        (1, e.to_string())
    })?;
    describe(&mut out, &shop, bridge.config.database.is_some());
    print!("{out}");
    Ok(0)
}

fn describe(out: &mut String, shop: &ShopSettings, overridden: bool) {
    let line = |out: &mut String, label: &str, value: &str| {
        let value = if value.is_empty() { "(empty)" } else { value };
        let _ = writeln!(out, "{:<24}{value}", format!("{label}:"));
    };
    line(out, "store root", &shop.root.display().to_string());
    if let Some(file) = &shop.settings_file {
        line(
            out,
            "settings file",
            &shop.root.join(file).display().to_string(),
        );
    }
    let version = match (
        &shop.version,
        &shop.platform.version.query,
        &shop.platform.plugins,
    ) {
        (Some(v), _, _) => v.clone(),
        (None, _, Some(_)) => "(from the database, once the active cart plugin is known)".into(),
        (None, Some(_), _) => "(from the database)".into(),
        (None, None, None) => "(not found)".into(),
    };
    line(out, "version", &version);
    if let Some(plugins) = &shop.platform.plugins {
        let names: Vec<&str> = plugins.carts.iter().map(|c| c.name.as_str()).collect();
        line(out, "cart plugins", &names.join(", "));
    }
    match &shop.target {
        Target::Mysql(m) => {
            match &m.socket {
                Some(socket) => line(out, "database", &format!("MySQL on socket {socket}")),
                None => line(out, "database", &format!("MySQL at {}:{}", m.host, m.port)),
            }
            line(out, "database name", &m.database);
            line(
                out,
                "database user",
                &format!("{} (password not shown)", m.user),
            );
        }
        Target::Sqlite(path) => line(out, "database", &format!("SQLite {}", path.display())),
    }
    if overridden {
        line(
            out,
            "note",
            "the [database] section of the bridge's config.toml applies",
        );
    }
    line(out, "table prefix", &shop.prefix);
    line(
        out,
        "charset",
        shop.charset.as_deref().unwrap_or("(server default)"),
    );
    line(
        out,
        "time zone",
        shop.time_zone
            .as_deref()
            .unwrap_or("(not set: PHP's default)"),
    );
    let images: &Images = &shop.images;
    line(out, "images", &images.images);
    line(out, "categories images", &images.categories);
    line(out, "products images", &images.products);
    line(out, "manufacturers images", &images.manufacturers);
    for (name, value) in &shop.cart_vars {
        line(out, &format!("cartVars.{name}"), &shown(name, value));
    }
}

/// A `cartVars` value as text; keys (Oxid's `sConfigKey`) are secrets.
fn shown(name: &str, value: &PhpValue) -> String {
    if name.to_ascii_lowercase().contains("key") {
        return "(not shown)".into();
    }
    match value {
        PhpValue::Array(items) => format!("({} entries)", items.len()),
        PhpValue::Bool(b) => b.to_string(),
        other => other.to_php_string().unwrap_or_default(),
    }
}
