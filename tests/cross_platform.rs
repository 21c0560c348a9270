//! One model on every platform: the common demo catalogue
//! (`tests/fixtures/catalogue.json`), loaded into each platform the way
//! that platform stores it, answers `product.list`, `customer.list` and
//! `order.info` the same on all of them, field for field, apart from ids
//! and platform-only fields. Database names start with `cb5x_`.
//!
//! Each platform's answers become a flat "view" (a field name → value
//! map); every two platforms' views must be equal. What is compared, and
//! the only normalisations:
//!
//! * Products, each catalogue SKU (masters and variants), in the default
//!   language (no `lang_id`; `cart.info`'s default language must be
//!   English) and in German (the `lang_id` of the `cart.info` language
//!   whose code starts with `de`: language codes are compared on their
//!   first two letters, `en-gb` and `en_US` are both English), read through
//!   every page of `product.list`: `sku`, `name`, `description`, `price`,
//!   `quantity`, `status`, `weight`, `created_at`, `modified_at`, the
//!   categories by their names in that language (`categories_ids` through
//!   `category.list`, as a sorted list) and `variant_of` as the master's
//!   SKU.
//! * Customers, the first three of `customer.list` in id order: `email`,
//!   `first_name`, `last_name`, `telephone`, `created_at`.
//! * Orders, the first four of `order.list` in id order, each read with
//!   `order.info`: `customer.email`, `customer.first_name`,
//!   `customer.last_name`, `billing_address.first_name`, `.last_name`,
//!   `.address_1`, `.city`, `.postcode`, `currency`, `total`, the `totals`
//!   values by code (`sub_total`, `shipping`, `tax`, `total`; several rows
//!   of one code are summed), `order_products` as a multiset of (name,
//!   quantity, price, total), and `created_at`.
//! * Money and weights are compared as numbers (to four decimals); ids
//!   never (they are mapped through SKUs, positions and category names);
//!   everything else as answered.
//!
//! The first platform's view must also hold what the catalogue itself says
//! wherever it says something (every field above except the variants'
//! names, descriptions, weights and times; a variant is in its master's
//! categories), so the views are not equal by being empty.
//!
//! Where a platform cannot answer a field the common way, [`EXCEPTIONS`]
//! says so, with the reason; the test checks the platform does what the
//! exception says, and reports every comparison it left out (run with
//! `--nocapture` to see them). An exception names its platform, so it
//! applies once that platform is in the table.
//!
//! Adding a platform is one line in the `platforms!` table: its test
//! support module exposes `catalogue_shop(database) -> Shop`.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value as Json;

use common::shop::{envelope, Shop};

/// Declares each platform's test support module and the table of
/// platforms compared, name → catalogue shop loader.
macro_rules! platforms {
    ($($name:literal => $support:ident),* $(,)?) => {
        $(#[allow(dead_code)] mod $support;)*
        const PLATFORMS: &[(&str, fn(&str) -> Shop)] = &[$(($name, $support::catalogue_shop)),*];
    };
}

platforms! {
    "opencart" => opencart_catalogue_support,
    "magento2" => magento2_support,
    "woocommerce" => woocommerce_support,
    "prestashop" => prestashop_support,
}

/// A field a platform answers otherwise, by design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deviation {
    /// Variants have category assignments of their own (not their master's).
    VariantsOwnCategories,
    /// An order without tax has no `tax` total row (read as 0).
    NoZeroTaxTotal,
    /// The shop has one language: no German to compare.
    OneLanguage,
    /// Variants have a description of their own (not the master's).
    VariantsOwnDescription,
}

/// The documented exceptions: platform, deviation, why.
const EXCEPTIONS: &[(&str, Deviation, &str)] = &[
    (
        "magento2",
        Deviation::VariantsOwnCategories,
        "a Magento configurable's simple children have category assignments of their own \
         (catalog_category_product), none unless the admin adds them, where the other platforms \
         put a variant in its master's categories; variants' categories are checked to be their \
         own (none in the catalogue) and not compared",
    ),
    (
        "opencart",
        Deviation::NoZeroTaxTotal,
        "OpenCart's tax total writes one row per tax rate with a positive amount, so an order \
         without tax has no `tax` total; a missing `tax` total reads as 0",
    ),
    (
        "woocommerce",
        Deviation::OneLanguage,
        "WordPress and WooCommerce keep one language (translations need a plugin such as WPML or \
         Polylang, which the platform folder does not read): cart.info lists one language and the \
         German product fields are not compared",
    ),
    (
        "woocommerce",
        Deviation::VariantsOwnDescription,
        "a WooCommerce variation has a description of its own (`_variation_description`, empty \
         unless written), which WooCommerce does not fill from its product's, so variants' \
         descriptions are checked to be text and not compared",
    ),
];

/// Why `deviation` is excepted on `platform`.
fn why(platform: &str, deviation: Deviation) -> &'static str {
    EXCEPTIONS
        .iter()
        .find(|(p, d, _)| *p == platform && *d == deviation)
        .map_or("", |(_, _, why)| why)
}

fn has(platform: &str, deviation: Deviation) -> bool {
    EXCEPTIONS
        .iter()
        .any(|(p, d, _)| *p == platform && *d == deviation)
}

/// One compared value, or the reason it is not compared on this platform.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Value(String),
    Excepted(Deviation),
}

type View = BTreeMap<String, Cell>;

fn catalogue() -> Json {
    let text = std::fs::read_to_string(common::fixture("catalogue.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The catalogue's SKUs, masters and variants.
fn catalogue_skus(catalogue: &Json) -> Vec<String> {
    let mut skus = Vec::new();
    for product in catalogue["products"].as_array().unwrap() {
        skus.push(text(&product["sku"]).to_string());
        for variant in product["variants"].as_array().into_iter().flatten() {
            skus.push(text(&variant["sku"]).to_string());
        }
    }
    skus
}

fn text(value: &Json) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not text: {value}"))
}

/// A money or weight text (or number) as a number with four decimals;
/// anything else as it is, so the comparison shows it.
fn number(value: &Json) -> String {
    let parsed = match value {
        Json::String(s) => s.parse::<f64>().ok(),
        Json::Number(n) => n.as_f64(),
        _ => None,
    };
    parsed.map_or_else(|| plain(value), |n| format!("{n:.4}"))
}

/// A value as compared: JSON text of the answer (strings keep their quotes,
/// null stays null).
fn plain(value: &Json) -> String {
    value.to_string()
}

/// `cartbridge call <method> ... --store <root>`; the result of a success.
fn call(shop: &Shop, method: &str, params: &[(&str, &str)]) -> Json {
    let output = Command::new(common::binary())
        .arg("call")
        .arg(method)
        .args(params.iter().map(|(n, v)| format!("{n}={v}")))
        .arg("--store")
        .arg(&shop.root)
        .output()
        .unwrap();
    let answer = envelope(&output.stdout);
    assert_eq!(
        (output.status.code(), &answer["return_code"]),
        (Some(0), &Json::from(0)),
        "{method} {params:?}: {answer}"
    );
    answer["result"].clone()
}

/// Every entity of a listing, walking its pages with `page_cursor`.
fn all_pages(shop: &Shop, method: &str, key: &str, params: &[(&str, &str)]) -> Vec<Json> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page_params: Vec<(&str, &str)> = params.to_vec();
        page_params.push(("count", "4"));
        if let Some(c) = &cursor {
            page_params.push(("page_cursor", c));
        }
        let page = call(shop, method, &page_params);
        all.extend(page[key].as_array().unwrap().iter().cloned());
        match page["next_page_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return all,
        }
    }
}

/// The default language and the `lang_id` of each language, by the first
/// two letters of their codes in `cart.info`.
fn language_ids(shop: &Shop) -> (String, BTreeMap<String, String>) {
    let info = call(shop, "cart.info", &[]);
    let default = text(&info["default_language"])[..2].to_ascii_lowercase();
    let mut ids = BTreeMap::new();
    for language in info["languages"].as_array().unwrap() {
        let code = text(&language["code"]).to_ascii_lowercase();
        let id = match &language["id"] {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        ids.entry(code[..2].to_string()).or_insert(id);
    }
    (default, ids)
}

fn id_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// The products part of a platform's view, in one language.
fn product_view(platform: &str, shop: &Shop, lang: &str, lang_id: Option<&str>, view: &mut View) {
    let skus = catalogue_skus(&catalogue());
    let params: Vec<(&str, &str)> = lang_id.map(|id| ("lang_id", id)).into_iter().collect();
    let categories: BTreeMap<String, String> =
        all_pages(shop, "category.list", "categories", &params)
            .iter()
            .map(|c| (id_of(&c["id"]), text(&c["name"]).to_string()))
            .collect();
    let products = all_pages(shop, "product.list", "products", &params);
    let sku_of: BTreeMap<String, String> = products
        .iter()
        .filter(|p| p["sku"].is_string())
        .map(|p| (id_of(&p["id"]), text(&p["sku"]).to_string()))
        .collect();
    let category_names = |p: &Json| -> Vec<String> {
        let mut names: Vec<String> = p["categories_ids"]
            .as_array()
            .unwrap_or_else(|| panic!("{platform}: categories_ids of {p}"))
            .iter()
            .map(|id| {
                categories
                    .get(&id_of(id))
                    .unwrap_or_else(|| panic!("{platform}: category {id} not in category.list"))
                    .clone()
            })
            .collect();
        names.sort();
        names
    };
    let by_sku: BTreeMap<&str, &Json> = products
        .iter()
        .filter(|p| {
            p["sku"]
                .as_str()
                .is_some_and(|s| skus.iter().any(|k| k == s))
        })
        .map(|p| (text(&p["sku"]), p))
        .collect();
    let listed = products
        .iter()
        .filter(|p| {
            p["sku"]
                .as_str()
                .is_some_and(|s| skus.iter().any(|k| k == s))
        })
        .count();
    assert_eq!(
        listed,
        skus.len(),
        "{platform} [{lang}]: every catalogue SKU exactly once in product.list"
    );
    for sku in &skus {
        let p = by_sku[sku.as_str()];
        let mut put = |field: &str, cell: Cell| {
            view.insert(format!("product {sku} [{lang}] {field}"), cell);
        };
        for field in ["sku", "name", "quantity", "status"] {
            put(field, Cell::Value(plain(&p[field])));
        }
        let variant = !p["variant_of"].is_null();
        if variant && has(platform, Deviation::VariantsOwnDescription) {
            assert!(
                p["description"].is_string(),
                "{platform}: {sku} has a description of its own, as EXCEPTIONS says: {p}"
            );
            put(
                "description",
                Cell::Excepted(Deviation::VariantsOwnDescription),
            );
        } else {
            put("description", Cell::Value(plain(&p["description"])));
        }
        for field in ["created_at", "modified_at"] {
            put(field, Cell::Value(plain(&p[field])));
        }
        put("price", Cell::Value(number(&p["price"])));
        put("weight", Cell::Value(number(&p["weight"])));
        let master = match &p["variant_of"] {
            Json::Null => None,
            id => Some(
                sku_of
                    .get(&id_of(id))
                    .unwrap_or_else(|| panic!("{platform}: {sku}'s master {id} has no SKU"))
                    .clone(),
            ),
        };
        let master_sku = master.as_deref().map_or(Json::Null, Json::from);
        put("variant_of", Cell::Value(plain(&master_sku)));
        let names = category_names(p);
        match master {
            Some(_) if has(platform, Deviation::VariantsOwnCategories) => {
                assert_eq!(
                    names,
                    Vec::<String>::new(),
                    "{platform}: variant {sku} is in no category, as EXCEPTIONS says"
                );
                put(
                    "categories",
                    Cell::Excepted(Deviation::VariantsOwnCategories),
                );
            }
            _ => put("categories", Cell::Value(format!("{names:?}"))),
        }
    }
}

fn customer_view(shop: &Shop, view: &mut View) {
    let list = call(shop, "customer.list", &[("count", "3")]);
    let customers = list["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 3, "{list}");
    for (n, c) in customers.iter().enumerate() {
        for field in [
            "email",
            "first_name",
            "last_name",
            "telephone",
            "created_at",
        ] {
            view.insert(
                format!("customer #{} {field}", n + 1),
                Cell::Value(plain(&c[field])),
            );
        }
    }
}

fn order_view(platform: &str, shop: &Shop, view: &mut View) {
    let list = call(shop, "order.list", &[("count", "4"), ("params", "id")]);
    let ids: Vec<String> = list["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| id_of(&o["id"]))
        .collect();
    assert_eq!(ids.len(), 4, "{platform}: {list}");
    for (n, id) in ids.iter().enumerate() {
        let order = call(shop, "order.info", &[("id", id)]);
        let mut put = |field: &str, value: String| {
            view.insert(format!("order #{} {field}", n + 1), Cell::Value(value));
        };
        for field in ["email", "first_name", "last_name"] {
            put(
                &format!("customer.{field}"),
                plain(&order["customer"][field]),
            );
        }
        for field in ["first_name", "last_name", "address_1", "city", "postcode"] {
            put(
                &format!("billing_address.{field}"),
                plain(&order["billing_address"][field]),
            );
        }
        put("currency", plain(&order["currency"]));
        put("total", number(&order["total"]));
        put("created_at", plain(&order["created_at"]));
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for total in order["totals"].as_array().unwrap() {
            let value: f64 = number(&total["value"])
                .parse()
                .unwrap_or_else(|_| panic!("{platform}: a total that is no amount: {total}"));
            *totals.entry(text(&total["code"]).to_string()).or_default() += value;
        }
        if has(platform, Deviation::NoZeroTaxTotal) {
            totals.entry("tax".into()).or_insert(0.0);
        }
        for code in ["sub_total", "shipping", "tax", "total"] {
            let value = totals
                .get(code)
                .map(|v| format!("{v:.4}"))
                .unwrap_or_else(|| "missing".into());
            put(&format!("totals.{code}"), value);
        }
        let mut lines: Vec<String> = order["order_products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| line(&l["name"], &l["quantity"], &l["price"], &l["total"]))
            .collect();
        lines.sort();
        put("order_products", format!("{lines:?}"));
    }
}

/// Everything compared, for one platform.
fn view_of(platform: &str, shop: &Shop) -> View {
    let (default, languages) = language_ids(shop);
    assert_eq!(
        default, "en",
        "{platform}: the catalogue's default language is English"
    );
    let mut view = View::new();
    product_view(platform, shop, "en", None, &mut view);
    if has(platform, Deviation::OneLanguage) {
        assert_eq!(
            languages.len(),
            1,
            "{platform}: one language, as EXCEPTIONS says"
        );
        let english: Vec<String> = view.keys().cloned().collect();
        for field in english {
            let german = field.replace(" [en] ", " [de] ");
            view.insert(german, Cell::Excepted(Deviation::OneLanguage));
        }
    } else {
        let german = languages
            .get("de")
            .unwrap_or_else(|| panic!("{platform}: no German in cart.info: {languages:?}"));
        product_view(platform, shop, "de", Some(german), &mut view);
    }
    customer_view(shop, &mut view);
    order_view(platform, shop, &mut view);
    view
}

/// The differences between two views ("field: a vs b"), and the fields
/// left out by an exception.
fn compare(a: (&str, &View), b: (&str, &View)) -> (Vec<String>, Vec<String>) {
    let (mut differences, mut excepted) = (Vec::new(), Vec::new());
    let fields: std::collections::BTreeSet<&String> = a.1.keys().chain(b.1.keys()).collect();
    for field in fields {
        match (a.1.get(field), b.1.get(field)) {
            (Some(Cell::Value(x)), Some(Cell::Value(y))) if x == y => {}
            (Some(Cell::Excepted(d)), _) | (_, Some(Cell::Excepted(d))) => {
                excepted.push(format!("{field}: {d:?}"));
            }
            (x, y) => differences.push(format!("{field}: {} {x:?} vs {} {y:?}", a.0, b.0)),
        }
    }
    (differences, excepted)
}

#[test]
fn the_catalogue_answers_the_same_on_every_platform() {
    let views: Vec<(&str, View)> = PLATFORMS
        .iter()
        .map(|(name, load)| {
            let shop = load(&format!("cb5x_{name}"));
            (*name, view_of(name, &shop))
        })
        .collect();
    let (reference, reference_view) = &views[0];
    // 8 products × 2 languages × 11 fields, 3 × 5 customer fields,
    // 4 × 16 order fields: a view that is all there.
    assert_eq!(reference_view.len(), 8 * 2 * 11 + 3 * 5 + 4 * 16);
    // The views are not vacuous: the reference answers what the catalogue
    // says, wherever it says something.
    let expected = catalogue_view();
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(field, want)| reference_view.get(*field) != Some(*want))
        .map(|(field, want)| {
            format!(
                "{field}: {reference} {:?}, catalogue {want:?}",
                reference_view.get(field)
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for (name, _) in &views {
        for (_, deviation, _) in EXCEPTIONS.iter().filter(|(p, _, _)| p == name) {
            eprintln!("{name}: exception {deviation:?}: {}", why(name, *deviation));
        }
    }
    let mut failures = Vec::new();
    // Every pair, so a field one platform is excepted from is still
    // compared between the others.
    for (i, (a, a_view)) in views.iter().enumerate() {
        for (b, b_view) in &views[i + 1..] {
            let (differences, excepted) = compare((a, a_view), (b, b_view));
            for field in &excepted {
                eprintln!("{a} vs {b}: not compared (EXCEPTIONS): {field}");
            }
            failures.extend(differences);
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A catalogue time as the API answers it (the shops run in UTC).
fn time(value: &Json) -> String {
    plain(&Json::from(format!("{}Z", text(value).replace(' ', "T"))))
}

/// A line as [`order_view`] writes it.
fn line(name: &Json, quantity: &Json, price: &Json, total: &Json) -> String {
    format!(
        "{} x {} at {} = {}",
        plain(name),
        plain(quantity),
        number(price),
        number(total)
    )
}

/// What the catalogue itself says about the view's fields (all but the
/// variants' names, descriptions, weights and times, which the platforms
/// derive from the master; a variant is in its master's categories).
fn catalogue_view() -> View {
    let catalogue = catalogue();
    let mut view = View::new();
    let mut put = |field: String, value: String| {
        view.insert(field, Cell::Value(value));
    };
    let category = |key: &Json, lang: &str| -> String {
        let found = catalogue["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| &c["key"] == key)
            .unwrap();
        text(&found["name"][lang]).to_string()
    };
    for product in catalogue["products"].as_array().unwrap() {
        let sku = text(&product["sku"]);
        for lang in ["en", "de"] {
            let field = |name: &str| format!("product {sku} [{lang}] {name}");
            put(field("sku"), plain(&product["sku"]));
            put(field("name"), plain(&product["name"][lang]));
            put(field("description"), plain(&product["description"][lang]));
            put(field("price"), number(&product["price"]));
            put(field("weight"), number(&product["weight"]));
            for name in ["quantity", "status"] {
                put(field(name), plain(&product[name]));
            }
            put(field("created_at"), time(&product["created_at"]));
            put(field("modified_at"), time(&product["modified_at"]));
            put(field("variant_of"), "null".into());
            let mut names: Vec<String> = product["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| category(key, lang))
                .collect();
            names.sort();
            put(field("categories"), format!("{names:?}"));
            for variant in product["variants"].as_array().into_iter().flatten() {
                let vsku = text(&variant["sku"]);
                let field = |name: &str| format!("product {vsku} [{lang}] {name}");
                put(field("sku"), plain(&variant["sku"]));
                put(field("price"), number(&variant["price"]));
                put(field("quantity"), plain(&variant["quantity"]));
                put(field("status"), plain(&product["status"]));
                put(field("variant_of"), plain(&product["sku"]));
                put(field("categories"), format!("{names:?}"));
            }
        }
    }
    let customers = catalogue["customers"].as_array().unwrap();
    for (n, customer) in customers.iter().enumerate() {
        for name in ["email", "first_name", "last_name", "telephone"] {
            put(
                format!("customer #{} {name}", n + 1),
                plain(&customer[name]),
            );
        }
        put(
            format!("customer #{} created_at", n + 1),
            time(&customer["created_at"]),
        );
    }
    for (n, order) in catalogue["orders"].as_array().unwrap().iter().enumerate() {
        let field = |name: &str| format!("order #{} {name}", n + 1);
        let customer = customers
            .iter()
            .find(|c| c["email"] == order["customer"])
            .unwrap();
        for name in ["email", "first_name", "last_name"] {
            put(field(&format!("customer.{name}")), plain(&customer[name]));
        }
        for name in ["first_name", "last_name"] {
            put(
                field(&format!("billing_address.{name}")),
                plain(&customer[name]),
            );
        }
        for name in ["address_1", "city", "postcode"] {
            put(
                field(&format!("billing_address.{name}")),
                plain(&customer["address"][name]),
            );
        }
        put(field("currency"), plain(&order["currency"]));
        put(field("total"), number(&order["totals"]["total"]));
        put(field("created_at"), time(&order["created_at"]));
        for (code, amount) in order["totals"].as_object().unwrap() {
            put(field(&format!("totals.{code}")), number(amount));
        }
        let mut lines: Vec<String> = order["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| line(&l["name"], &l["quantity"], &l["price"], &l["total"]))
            .collect();
        lines.sort();
        put(field("order_products"), format!("{lines:?}"));
    }
    view
}
