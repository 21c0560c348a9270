//! The `getconfig` action: what the gateway needs to know about the shop to
//! build its SQL and file paths, `serialize`d with the keys in the
//! incumbent's order (LEGACY.md §4.4). Raw in plaintext mode (no base64),
//! the envelope when encryption is on.

use super::query::open;
use super::serialize::{PhpKey, PhpValue};
use super::{Answer, Call};
use crate::platform::php::{PhpKey as ConfigKey, PhpValue as ConfigValue};

/// The time zone PHP reports when none is configured.
const PHP_DEFAULT_TIME_ZONE: &str = "UTC";

pub fn run(call: &Call) -> Answer {
    let shop = call.shop;
    let version = match &shop.version {
        Some(version) if !shop.platform.version.database_first => Some(version.clone()),
        _ => match open(call) {
            Ok(mut db) => shop.version_with(db.as_mut()),
            Err(answer) => return answer,
        },
    };
    let images = &shop.images;
    let path = |p: &str| PhpValue::str(p);
    let image_block = PhpValue::assoc([
        ("imagesPath", path(&images.images)),
        ("categoriesImagesPath", path(&images.categories)),
        ("categoriesImagesPaths", path("")),
        ("productsImagesPath", path(&images.products)),
        ("productsImagesPaths", path("")),
        ("manufacturersImagesPath", path(&images.manufacturers)),
        ("manufacturersImagesPaths", path("")),
    ]);
    let cart_vars = shop
        .cart_vars_with(version)
        .into_iter()
        .map(|(k, v)| (k, serializable(&v)));
    let config = PhpValue::assoc([
        ("images", image_block),
        ("languages", PhpValue::list([])),
        ("baseDirFs", PhpValue::from(base_dir_fs(call))),
        ("bridgeVersion", PhpValue::str(&call.identity.version)),
        ("bridgeKeyId", PhpValue::str(&call.identity.key_id)),
        ("databaseName", PhpValue::from(shop.target.database_name())),
        ("cartDbPrefix", PhpValue::str(&shop.prefix)),
        ("memoryLimit", PhpValue::Int(memory_limit(call))),
        ("zlibSupported", PhpValue::Bool(true)),
        ("cartVars", PhpValue::assoc(cart_vars)),
        (
            "time_zone",
            PhpValue::str(shop.time_zone.as_deref().unwrap_or(PHP_DEFAULT_TIME_ZONE)),
        ),
    ]);
    call.seal_raw(config.to_serialized())
}

/// A value read from the shop's config files, as `serialize` writes it; a
/// value only PHP could compute never gets this far (see `platform`).
fn serializable(value: &ConfigValue) -> PhpValue {
    match value {
        ConfigValue::Null | ConfigValue::Unknown => PhpValue::Null,
        ConfigValue::Bool(b) => PhpValue::Bool(*b),
        ConfigValue::Int(i) => PhpValue::Int(*i),
        ConfigValue::Float(f) => PhpValue::Float(*f),
        ConfigValue::Str(s) => PhpValue::str(s),
        ConfigValue::Array(entries) => PhpValue::Array(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ConfigKey::Int(i) => PhpKey::Int(*i),
                        ConfigKey::Str(s) => PhpKey::Bytes(s.clone().into_bytes()),
                    };
                    (key, serializable(v))
                })
                .collect(),
        ),
    }
}

/// The store root as the incumbent reports it: with a trailing `/`.
pub fn base_dir_fs(call: &Call) -> String {
    let mut root = call.shop.root.display().to_string();
    if !root.ends_with('/') {
        root.push('/');
    }
    root
}

/// The incumbent reports the smallest of PHP's memory and POST limits: how
/// large a request it can take. Ours is the body cap of config.toml.
fn memory_limit(call: &Call) -> i64 {
    i64::try_from(call.bridge.max_body_bytes()).unwrap_or(i64::MAX)
}
