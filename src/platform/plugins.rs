//! Shops whose cart is a plugin of a larger application (WordPress with
//! WooCommerce or WP e-Commerce): which plugin is active is in the
//! database, and it decides the version query, the image folders and some
//! `cartVars`, and its native SQL lives in `sql/<cart name>/` (with its own
//! `[[plugins.cart.variant]]`s in `sql/<cart name>/<variant>/`). The
//! platform lists the candidate carts (`[[plugins.cart]]`); this module asks
//! the database which one is active, the way the incumbent does
//! (LEGACY.md §7.2).

use serde::Deserialize;

use super::settings::{images, ShopSettings};
use super::{CartVarSpec, ImagesSpec, Variant, VersionSpec};
use crate::db::Database;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsSpec {
    /// One row whose first column is the PHP-serialized list of active
    /// plugins (`{prefix}` is the table prefix).
    pub query: String,
    /// The incumbent's answer when no cart plugin is active.
    pub missing: String,
    #[serde(rename = "cart")]
    pub carts: Vec<CartPlugin>,
}

/// One cart a shop may run as a plugin.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartPlugin {
    pub name: String,
    /// The `cart_id` that restricts the choice to this cart.
    pub cart_id: String,
    /// An active plugin whose path contains one of these is this cart.
    #[serde(default)]
    pub contains: Vec<String>,
    /// An active plugin whose path starts with one of these is this cart.
    #[serde(default)]
    pub starts_with: Vec<String>,
    #[serde(default)]
    pub version: VersionSpec,
    pub images: Option<ImagesSpec>,
    #[serde(default, rename = "cart_var")]
    pub cart_vars: Vec<CartVarSpec>,
    /// Storage modes of this cart, most specific first: their SQL is in
    /// `sql/<cart name>/<variant>/`.
    #[serde(default, rename = "variant")]
    pub variants: Vec<Variant>,
}

impl CartPlugin {
    fn matches(&self, plugin: &str) -> bool {
        self.contains.iter().any(|c| plugin.contains(c.as_str()))
            || self
                .starts_with
                .iter()
                .any(|s| plugin.starts_with(s.as_str()))
    }
}

impl ShopSettings {
    /// For platforms whose cart is a plugin: finds the active one in the
    /// database (only the one `cart_id` names, when it is given) and takes
    /// its version rules, image folders and `cartVars`. Fails with the
    /// incumbent's answer (`CART_PLUGIN_IS_NOT_DETECTED`) when none is
    /// active. Does nothing for other platforms.
    pub fn detect_cart_plugin(
        &mut self,
        db: &mut dyn Database,
        cart_id: Option<&str>,
    ) -> Result<(), &'static str> {
        let Some(spec) = &self.platform.plugins else {
            return Ok(());
        };
        let sql = spec.query.replace("{prefix}", &self.prefix);
        let active = db
            .first_row(&sql, &[])
            .ok()
            .flatten()
            .and_then(|row| row.first().and_then(|v| v.to_text()))
            .map(|text| serialized_strings(&text))
            .unwrap_or_default();
        let cart_id = cart_id.filter(|id| !id.is_empty());
        let candidates = || {
            spec.carts
                .iter()
                .filter(|c| cart_id.is_none_or(|id| c.cart_id == id))
        };
        let found = active
            .iter()
            .find_map(|plugin| candidates().find(|c| c.matches(plugin)));
        let Some(cart) = found else {
            return Err(spec.missing.as_str());
        };
        self.plugin = Some(cart);
        let reader = self.reader();
        self.version = reader.soft(&cart.version.from);
        if let Some(spec) = &cart.images {
            self.images = images(&reader, spec);
        }
        self.add_cart_vars(&reader, &cart.cart_vars);
        Ok(())
    }
}

/// The string values of a PHP-serialized flat array (`a:2:{i:0;s:27:"…";…}`),
/// the form WordPress keeps `active_plugins` in. Anything else gives what
/// was read before it.
pub fn serialized_strings(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = find(bytes, i, b"s:") {
        let start = at + 2;
        let Some(colon) = find(bytes, start, b":\"") else {
            break;
        };
        let Ok(len) = text[start..colon].parse::<usize>() else {
            i = start;
            continue;
        };
        let body = colon + 2;
        let Some(value) = bytes.get(body..body + len) else {
            break;
        };
        if bytes.get(body + len) != Some(&b'"') {
            break;
        }
        out.push(String::from_utf8_lossy(value).into_owned());
        i = body + len + 1;
    }
    out
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_plugins_list() {
        let list = r#"a:3:{i:0;s:19:"akismet/akismet.php";i:1;s:27:"woocommerce/woocommerce.php";i:2;s:11:"a";b";c.php";}"#;
        let items = serialized_strings(list);
        assert_eq!(items[0], "akismet/akismet.php");
        assert_eq!(items[1], "woocommerce/woocommerce.php");
        assert_eq!(items[2], "a\";b\";c.php");
        assert!(serialized_strings("garbage s:99:\"short").is_empty());
    }
}
