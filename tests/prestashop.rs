//! The native API on PrestaShop 1.6, 8 and 9: every method against each
//! release's real schema holding the common catalogue (checked against
//! `tests/fixtures/catalogue.json`, not against copies of its values),
//! and the writes read back through PrestaShop's own tables: product,
//! product_shop, stock_available, product_attribute(_shop); orders and
//! order_history.

mod common;
mod prestashop_support;

use serde_json::Value as Json;

use common::fixture;
use prestashop_support::{
    catalogue_shop, catalogue_shop_16, catalogue_shop_9, PsShop, Version, COMBINATION_ID_OFFSET,
    STATE_BANKWIRE, STATE_CANCELED, STATE_PAYMENT_ACCEPTED,
};

const VERSIONS: [Version; 3] = [Version::V16, Version::V8, Version::V9];

fn catalogue() -> Json {
    serde_json::from_str(&std::fs::read_to_string(fixture("catalogue.json")).unwrap()).unwrap()
}

fn shop(version: Version, test: &str) -> PsShop {
    let release = match version {
        Version::V16 => "16",
        Version::V8 => "8",
        Version::V9 => "9",
    };
    PsShop::new(version, &format!("cb5p_{test}_{release}"))
}

fn number(value: &Json) -> f64 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a money text: {value}"))
        .parse()
        .unwrap()
}

fn texts(list: &Json, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap_or("null").to_string())
        .collect()
}

/// Catalogue time "2026-01-05 10:00:00" as the API gives it (the shop runs in UTC).
fn iso(time: &Json) -> Json {
    Json::from(format!("{}Z", time.as_str().unwrap().replace(' ', "T")))
}

#[test]
fn the_catalogue_shop_functions_lay_out_each_release() {
    for (shop, platform, version) in [
        (
            catalogue_shop_16("cb5p_layout_16"),
            "prestashop",
            "1.6.1.24",
        ),
        (catalogue_shop("cb5p_layout_8"), "prestashop17", "8.0.0"),
        (catalogue_shop_9("cb5p_layout_9"), "prestashop17", "9.1.0"),
    ] {
        let output = std::process::Command::new(common::binary())
            .args(["call", "cart.info", "--store"])
            .arg(&shop.root)
            .output()
            .unwrap();
        let info = common::shop::envelope(&output.stdout)["result"].clone();
        assert_eq!(info["platform"], platform, "{info}");
        assert_eq!(info["platform_version"], version, "{info}");
    }
}

/// Settings (1.6: `_DB_SERVER_` host:port; 8: host and port; 9: host:port
/// with an empty port), the version, and what cart.info reads.
#[test]
fn cart_info_on_every_release() {
    for version in VERSIONS {
        let shop = shop(version, "cartinfo");
        let info = shop.ok("cart.info", &[]);
        assert_eq!(info["platform"], version.platform());
        assert_eq!(info["platform_version"], version.number());
        assert_eq!(info["store_name"], "CB Demo Shop");
        assert_eq!(info["default_language"], "en");
        assert_eq!(info["default_currency"], "EUR");
        assert_eq!(info["time_zone"], "UTC");
        assert_eq!(texts(&info["languages"], "name"), ["English", "Deutsch"]);
        assert_eq!(texts(&info["languages"], "id"), ["1", "2"]);
        assert_eq!(info["currencies"][0]["code"], "EUR");
        assert_eq!(info["currencies"][0]["name"], "Euro", "{}", shop.label());
        assert_eq!(info["currencies"][0]["symbol_left"], "€");
    }
}

/// Every product and combination of the catalogue, field for field, in
/// both languages; combinations answer as products of their own.
#[test]
fn products_and_combinations_on_every_release() {
    let catalogue = catalogue();
    for version in VERSIONS {
        let shop = shop(version, "products");
        let label = shop.label();
        let list = shop.ok("product.list", &[("count", "50")]);
        assert_eq!(list["next_page_cursor"], Json::Null);
        let products = list["products"].as_array().unwrap();
        let mut expected = 0;
        for (i, p) in catalogue["products"].as_array().unwrap().iter().enumerate() {
            let got = &products[i];
            expected += 1;
            assert_eq!(got["sku"], p["sku"], "{label}");
            assert_eq!(got["name"], p["name"]["en"], "{label}");
            assert_eq!(got["description"], p["description"]["en"], "{label}");
            assert_eq!(number(&got["price"]), number(&p["price"]), "{label}");
            assert_eq!(got["quantity"], p["quantity"], "{label} {got}");
            assert_eq!(got["status"], p["status"], "{label}");
            assert_eq!(number(&got["weight"]), number(&p["weight"]), "{label}");
            assert_eq!(got["created_at"], iso(&p["created_at"]), "{label}");
            assert_eq!(got["modified_at"], iso(&p["modified_at"]), "{label}");
            assert_eq!(got["variant_of"], Json::Null, "{label}");
            assert_eq!(got["stores_ids"], serde_json::json!(["1"]), "{label}");
            // Category names, without PrestaShop's Root and Home.
            let names: Vec<String> = got["categories_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| {
                    shop.ok(
                        "category.info",
                        &[("id", id.as_str().unwrap()), ("params", "name")],
                    )["name"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            let want: Vec<String> = p["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| {
                    let category = catalogue["categories"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|c| &c["key"] == key)
                        .unwrap();
                    category["name"]["en"].as_str().unwrap().to_string()
                })
                .collect();
            assert_eq!(names, want, "{label}");
            // The second language.
            let de = shop.ok(
                "product.info",
                &[("id", got["id"].as_str().unwrap()), ("lang_id", "2")],
            );
            assert_eq!(de["name"], p["name"]["de"], "{label}");
            assert_eq!(de["description"], p["description"]["de"], "{label}");
        }
        // Combinations come after the products, ids offset, the master as variant_of.
        let master = &products[0];
        let variants = catalogue["products"][0]["variants"].as_array().unwrap();
        for (n, v) in variants.iter().enumerate() {
            let got = &products[expected + n];
            let id: i64 = got["id"].as_str().unwrap().parse().unwrap();
            assert!(id > COMBINATION_ID_OFFSET, "{label} {got}");
            assert_eq!(got["sku"], v["sku"], "{label}");
            assert_eq!(got["variant_of"], master["id"], "{label}");
            assert_eq!(number(&got["price"]), number(&v["price"]), "{label}");
            assert_eq!(got["quantity"], v["quantity"], "{label}");
            assert_eq!(
                got["name"],
                format!(
                    "{} - {}",
                    master["name"].as_str().unwrap(),
                    v["option"].as_str().unwrap()
                ),
                "{label}"
            );
            assert_eq!(got["status"], master["status"], "{label}");
            assert_eq!(got["categories_ids"], master["categories_ids"], "{label}");
        }
        assert_eq!(products.len(), expected + variants.len(), "{label}");
        assert_eq!(
            shop.ok("product.count", &[])["count"],
            products.len(),
            "{label}"
        );
        // The product row's stock is the sum of its combinations' rows.
        let sum: i64 = variants
            .iter()
            .map(|v| v["quantity"].as_i64().unwrap())
            .sum();
        assert_eq!(master["quantity"], sum, "{label}");

        // Filters, find, and errors.
        let disabled = shop.ok("product.list", &[("status", "disabled")]);
        assert_eq!(
            texts(&disabled["products"], "sku"),
            ["CB-MUG-XL"],
            "{label}"
        );
        assert_eq!(
            shop.ok("product.count", &[("status", "disabled")])["count"],
            1
        );
        let found = shop.ok("product.find", &[("sku", "CB-TEE-L")]);
        assert_eq!(texts(&found["products"], "variant_of"), ["1"], "{label}");
        let found = shop.ok("product.find", &[("name", "mug")]);
        assert_eq!(
            texts(&found["products"], "sku"),
            ["CB-MUG", "CB-MUG-XL"],
            "{label}"
        );
        let found = shop.ok("product.find", &[("name", "tasse"), ("lang_id", "2")]);
        assert_eq!(
            texts(&found["products"], "sku"),
            ["CB-MUG", "CB-MUG-XL"],
            "{label}"
        );
        let by_ids = shop.ok("product.list", &[("ids", "5,1000000003")]);
        assert_eq!(
            texts(&by_ids["products"], "sku"),
            ["CB-SOCKS", "CB-TEE-L"],
            "{label}"
        );
        // store_id 0 and 1 are the default shop; others are refused.
        let in_shop = shop.ok("product.count", &[("store_id", "1")]);
        assert_eq!(in_shop["count"], products.len());
        assert_eq!(
            shop.ok("product.count", &[("store_id", "0")])["count"],
            products.len()
        );
        shop.refused("product.count", &[("store_id", "2")], 400);
        shop.refused("product.info", &[("id", "99")], 404);
        shop.refused("product.list", &[("lang_id", "3")], 400);

        // A cover image: PrestaShop's path folders are the id's digits.
        shop.exec(
            "INSERT INTO ps_image (id_image, id_product, position, cover) VALUES (123, 2, 1, 1)",
        );
        let shirt = shop.ok("product.info", &[("id", "2"), ("params", "image")]);
        assert_eq!(shirt["image"], "p/1/2/3/123.jpg", "{label}");
    }
}

/// Keyset paging over products and combinations: every id once, in order.
#[test]
fn page_cursor_walks_through_products_and_combinations() {
    let shop = shop(Version::V8, "paging");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![("count", "3".to_string())];
        if let Some(c) = &cursor {
            params.push(("page_cursor", c.clone()));
        }
        let refs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let page = shop.ok("product.list", &refs);
        seen.extend(texts(&page["products"], "id"));
        match page["next_page_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let all = texts(
        &shop.ok("product.list", &[("count", "50")])["products"],
        "id",
    );
    assert_eq!(seen, all);
    assert_eq!(seen.len(), 8);
    assert_eq!(seen[5], (COMBINATION_ID_OFFSET + 1).to_string());
}

/// Categories without Root and Home; customers; both in both languages.
#[test]
fn categories_and_customers_on_every_release() {
    let catalogue = catalogue();
    for version in VERSIONS {
        let shop = shop(version, "catcust");
        let label = shop.label();
        let categories = shop.ok("category.list", &[]);
        let want: Vec<&str> = catalogue["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"]["en"].as_str().unwrap())
            .collect();
        assert_eq!(texts(&categories["categories"], "name"), want, "{label}");
        assert_eq!(shop.ok("category.count", &[])["count"], want.len());
        let top = shop.ok("category.list", &[("parent_id", "0")]);
        assert_eq!(
            texts(&top["categories"], "name"),
            ["Clothing", "Mugs"],
            "{label}"
        );
        assert_eq!(texts(&top["categories"], "parent_id"), ["null", "null"]);
        let clothing = top["categories"][0]["id"].as_str().unwrap().to_string();
        let shirts = shop.ok("category.list", &[("parent_id", &clothing)]);
        assert_eq!(texts(&shirts["categories"], "name"), ["Shirts"], "{label}");
        assert_eq!(
            shop.ok("category.count", &[("parent_id", &clothing)])["count"],
            1
        );
        let de = shop.ok("category.info", &[("id", &clothing), ("lang_id", "2")]);
        assert_eq!(de["name"], "Kleidung", "{label}");
        // Root (1) and Home (2) are not categories of the API.
        shop.refused("category.info", &[("id", "1")], 404);
        shop.refused("category.info", &[("id", "2")], 404);

        let customers = shop.ok("customer.list", &[]);
        let list = customers["customers"].as_array().unwrap();
        for (got, want) in list.iter().zip(catalogue["customers"].as_array().unwrap()) {
            for key in ["email", "first_name", "last_name", "telephone"] {
                assert_eq!(got[key], want[key], "{label} {key}");
            }
            assert_eq!(got["created_at"], iso(&want["created_at"]), "{label}");
            let address = &want["address"];
            for key in ["address_1", "address_2", "city", "postcode", "company"] {
                assert_eq!(got["address"][key], address[key], "{label} {key}");
            }
            assert_eq!(got["status"], "enabled");
        }
        assert_eq!(list.len(), 3, "{label}");
        assert_eq!(list[1]["address"]["zone"], "New York", "{label}");
        assert_eq!(list[1]["address"]["country"], "United States", "{label}");
        let de = shop.ok("customer.info", &[("id", "2"), ("lang_id", "2")]);
        assert_eq!(de["address"]["country"], "Vereinigte Staaten", "{label}");
        assert_eq!(shop.ok("customer.count", &[])["count"], 3);
        let found = shop.ok("customer.find", &[("email", "GRACE@example.com")]);
        assert_eq!(texts(&found["customers"], "last_name"), ["Hopper"]);
        shop.refused("customer.info", &[("id", "9")], 404);
    }
}

/// Orders A to D with their customer, addresses, totals and lines; the
/// states with their names; filters.
#[test]
fn orders_and_states_on_every_release() {
    let catalogue = catalogue();
    for version in VERSIONS {
        let shop = shop(version, "orders");
        let label = shop.label();
        let list = shop.ok("order.list", &[]);
        let orders = list["orders"].as_array().unwrap();
        // The order that never reached a state (current_state 0) is left out.
        assert_eq!(orders.len(), 4, "{label}");
        assert_eq!(shop.ok("order.count", &[])["count"], 4);
        for (got, want) in orders.iter().zip(catalogue["orders"].as_array().unwrap()) {
            let customer = catalogue["customers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["email"] == want["customer"])
                .unwrap();
            assert_eq!(got["customer"]["email"], want["customer"], "{label}");
            assert_eq!(got["customer"]["first_name"], customer["first_name"]);
            assert_eq!(got["customer"]["last_name"], customer["last_name"]);
            for (api, key) in [("first_name", "first_name"), ("last_name", "last_name")] {
                assert_eq!(got["billing_address"][api], customer[key], "{label}");
            }
            for key in ["address_1", "city", "postcode"] {
                assert_eq!(
                    got["billing_address"][key], customer["address"][key],
                    "{label}"
                );
                assert_eq!(
                    got["shipping_address"][key], customer["address"][key],
                    "{label}"
                );
            }
            assert_eq!(got["currency"], want["currency"], "{label}");
            assert_eq!(got["payment_method"], want["payment_method"], "{label}");
            assert_eq!(got["shipping_method"], want["shipping_method"], "{label}");
            let comment = want["comment"].as_str().unwrap();
            let expected_comment = if comment.is_empty() {
                Json::Null
            } else {
                Json::from(comment)
            };
            assert_eq!(got["comment"], expected_comment, "{label}");
            assert_eq!(got["created_at"], iso(&want["created_at"]), "{label}");
            assert_eq!(got["modified_at"], iso(&want["modified_at"]), "{label}");
            assert_eq!(
                number(&got["total"]),
                number(&want["totals"]["total"]),
                "{label}"
            );
            for total in got["totals"].as_array().unwrap() {
                let code = total["code"].as_str().unwrap();
                assert_eq!(
                    number(&total["value"]),
                    number(&want["totals"][code]),
                    "{label} {code}"
                );
            }
            assert_eq!(
                texts(&got["totals"], "code"),
                ["sub_total", "shipping", "tax", "total"]
            );
            let lines = got["order_products"].as_array().unwrap();
            let want_lines = want["lines"].as_array().unwrap();
            assert_eq!(lines.len(), want_lines.len(), "{label}");
            for (line, w) in lines.iter().zip(want_lines) {
                assert_eq!(line["name"], w["name"], "{label}");
                assert_eq!(line["model"], w["sku"], "{label}");
                assert_eq!(line["quantity"], w["quantity"], "{label}");
                for key in ["price", "total", "tax"] {
                    assert_eq!(number(&line[key]), number(&w[key]), "{label} {key}");
                }
                // A combination's line names it as product.list does.
                let product = shop.ok(
                    "product.info",
                    &[("id", line["product_id"].as_str().unwrap())],
                );
                assert_eq!(product["sku"], w["sku"], "{label}");
                assert_eq!(line["variant_of"], product["variant_of"], "{label}");
            }
        }
        assert_eq!(
            texts(&list["orders"], "status"),
            [
                "Payment accepted",
                "Delivered",
                "Canceled",
                "Awaiting bank wire payment"
            ],
            "{label}"
        );
        // Invoiced orders (payment accepted, delivered) carry PS_INVOICE_PREFIX.
        assert_eq!(
            texts(&list["orders"], "invoice_prefix"),
            ["#IN", "#IN", "null", "null"],
            "{label}"
        );
        assert_eq!(
            texts(&list["orders"], "invoice_no"),
            ["1", "2", "null", "null"]
        );
        let de = shop.ok("order.info", &[("id", "3"), ("lang_id", "2")]);
        assert_eq!(de["status"], "Storniert", "{label}");
        assert_eq!(de["status_id"], STATE_CANCELED.to_string());

        let states = shop.ok("order.status.list", &[]);
        let names = texts(&states["statuses"], "name");
        for name in [
            "Awaiting bank wire payment",
            "Payment accepted",
            "Processing in progress",
            "Shipped",
            "Delivered",
            "Canceled",
        ] {
            assert!(names.iter().any(|n| n == name), "{label}: {name}");
        }
        let de = shop.ok("order.status.list", &[("lang_id", "2")]);
        assert_eq!(de["statuses"][1]["name"], "Zahlung eingegangen");

        let pending = shop.ok("order.list", &[("status", &STATE_BANKWIRE.to_string())]);
        assert_eq!(texts(&pending["orders"], "id"), ["4"], "{label}");
        let failed = shop.ok("order.count", &[("status", "0")]);
        assert_eq!(failed["count"], 1, "{label}");
        let ada = shop.ok("order.list", &[("customer_id", "1")]);
        assert_eq!(texts(&ada["orders"], "id"), ["1", "3"], "{label}");
        assert_eq!(shop.ok("order.count", &[("customer_id", "1")])["count"], 2);
        shop.refused("order.info", &[("id", "99")], 404);
    }
}

/// One product's price, active flag and stock as PrestaShop keeps them.
fn product_state(shop: &PsShop, id: i64) -> Vec<String> {
    shop.rows(&format!(
        "SELECT p.price, p.active, p.quantity, ps.price, ps.active, sa.quantity \
         FROM ps_product p JOIN ps_product_shop ps ON ps.id_product = p.id_product AND ps.id_shop = 1 \
         JOIN ps_stock_available sa ON sa.id_product = p.id_product AND sa.id_product_attribute = 0 \
         AND sa.id_shop = 1 AND sa.id_shop_group = 0 WHERE p.id_product = {id}"
    ))[0]
        .clone()
}

#[test]
fn product_update_writes_every_table_prestashop_reads() {
    for version in VERSIONS {
        let shop = shop(version, "produpd");
        let label = shop.label();
        // A product: price and active in product and product_shop, stock in
        // its stock_available row and the legacy product.quantity.
        let answer = shop.ok(
            "product.update",
            &[
                ("id", "3"),
                ("price", "13.25"),
                ("quantity", "90"),
                ("status", "disabled"),
            ],
        );
        assert_eq!(answer["product"]["quantity"], 90, "{label}");
        assert_eq!(answer["product"]["status"], "disabled");
        assert_eq!(
            product_state(&shop, 3),
            ["13.250000", "0", "90", "13.250000", "0", "90"],
            "{label}"
        );
        if version != Version::V16 {
            assert_eq!(
                shop.value("SELECT physical_quantity FROM ps_stock_available WHERE id_product = 3"),
                "90"
            );
        }
        assert_ne!(
            shop.value("SELECT date_upd FROM ps_product WHERE id_product = 3"),
            "2026-01-09 08:00:00",
            "{label}"
        );
        // Only what is given changes.
        shop.ok("product.update", &[("id", "3"), ("status", "enabled")]);
        assert_eq!(
            product_state(&shop, 3),
            ["13.250000", "1", "90", "13.250000", "1", "90"],
            "{label}"
        );

        // A combination: its price impact against the product's price, its
        // stock row, and the product's row as the sum of its combinations.
        let medium = (COMBINATION_ID_OFFSET + 2).to_string();
        let answer = shop.ok(
            "product.update",
            &[("id", &medium), ("price", "22.40"), ("quantity", "20")],
        );
        assert_eq!(number(&answer["product"]["price"]), 22.40, "{label}");
        assert_eq!(answer["product"]["quantity"], 20);
        assert_eq!(
            shop.rows(
                "SELECT pa.price, pas.price FROM ps_product_attribute pa \
                 JOIN ps_product_attribute_shop pas ON pas.id_product_attribute = pa.id_product_attribute \
                 WHERE pa.id_product_attribute = 2"
            )[0],
            ["2.500000", "2.500000"],
            "{label}"
        );
        assert_eq!(
            shop.value(
                "SELECT quantity FROM ps_stock_available WHERE id_product = 1 AND id_product_attribute = 2"
            ),
            "20"
        );
        // 10 + 20 + 8
        assert_eq!(product_state(&shop, 1)[5], "38", "{label}");
        assert_eq!(product_state(&shop, 1)[2], "38", "{label}");
        if version == Version::V16 {
            assert_eq!(
                shop.value(
                    "SELECT quantity FROM ps_product_attribute WHERE id_product_attribute = 2"
                ),
                "20"
            );
        }
        let master = shop.ok("product.info", &[("id", "1")]);
        assert_eq!(master["quantity"], 38, "{label}");
        assert_eq!(number(&master["price"]), 19.90, "{label}");

        // A product without a stock row gets one.
        shop.exec("DELETE FROM ps_stock_available WHERE id_product = 5");
        shop.ok("product.update", &[("id", "5"), ("quantity", "7")]);
        assert_eq!(
            shop.value(
                "SELECT COUNT(*) FROM ps_stock_available WHERE id_product = 5 AND quantity = 7"
            ),
            "1",
            "{label}"
        );

        let message = shop.refused("product.update", &[("id", "99"), ("price", "1")], 404);
        assert!(message.contains("99"), "{message}");
        shop.refused(
            "product.update",
            &[
                ("id", &(COMBINATION_ID_OFFSET + 99).to_string()),
                ("price", "1"),
            ],
            404,
        );
    }
}

#[test]
fn order_update_writes_history_and_current_state_together() {
    for version in VERSIONS {
        let shop = shop(version, "ordupd");
        let label = shop.label();
        let history =
            |shop: &PsShop| shop.value("SELECT COUNT(*) FROM ps_order_history WHERE id_order = 4");
        let before = history(&shop);
        let answer = shop.ok(
            "order.update",
            &[("id", "4"), ("status", &STATE_PAYMENT_ACCEPTED.to_string())],
        );
        assert_eq!(answer["order"]["status"], "Payment accepted", "{label}");
        assert_eq!(answer["order"]["status_id"], "2");
        let row = &shop
            .rows("SELECT current_state, valid, date_upd FROM ps_orders WHERE id_order = 4")[0];
        assert_eq!(row[..2], ["2", "1"], "{label}");
        let last = &shop.rows(
            "SELECT id_employee, id_order_state, date_add FROM ps_order_history \
             WHERE id_order = 4 ORDER BY id_order_history DESC LIMIT 1",
        )[0];
        assert_eq!(last[..2], ["0", "2"], "{label}");
        assert_eq!(last[2], row[2], "{label}: history and order share the time");
        assert_eq!(
            history(&shop).parse::<i64>().unwrap(),
            before.parse::<i64>().unwrap() + 1
        );
        // Canceled is not logable: the order is no longer valid.
        shop.ok(
            "order.update",
            &[("id", "4"), ("status", &STATE_CANCELED.to_string())],
        );
        assert_eq!(
            shop.rows("SELECT current_state, valid FROM ps_orders WHERE id_order = 4")[0],
            ["6", "0"],
            "{label}"
        );

        let message = shop.refused("order.update", &[("id", "4"), ("status", "99")], 400);
        assert!(message.contains("order.status.list"), "{message}");
        shop.refused(
            "order.update",
            &[("id", "4"), ("status", "wc-processing")],
            400,
        );
        shop.refused("order.update", &[("id", "99"), ("status", "2")], 404);
        assert_eq!(
            shop.value("SELECT current_state FROM ps_orders WHERE id_order = 4"),
            "6"
        );
    }
}

/// A write whose later statement fails leaves every table as it was.
#[test]
fn a_failing_step_leaves_every_table_as_it_was() {
    for version in [Version::V16, Version::V9] {
        let shop = shop(version, "fail");
        let label = shop.label();
        let orders = "SELECT current_state, valid, date_upd FROM ps_orders WHERE id_order = 1";
        let before = shop.rows(orders);
        let history = shop.value("SELECT COUNT(*) FROM ps_order_history");
        // order.update/history (after order.update/order) fails.
        shop.fail_inserts_into("ps_order_history");
        let message = shop.refused("order.update", &[("id", "1"), ("status", "4")], 500);
        assert!(message.contains("injected failure"), "{label}: {message}");
        assert_eq!(shop.rows(orders), before, "{label}");
        assert_eq!(shop.value("SELECT COUNT(*) FROM ps_order_history"), history);

        // product.update: the stock statement (after the price ones) fails.
        let product = product_state(&shop, 2);
        shop.fail_updates_of("ps_stock_available");
        let message = shop.refused(
            "product.update",
            &[
                ("id", "2"),
                ("price", "1.00"),
                ("quantity", "1"),
                ("status", "disabled"),
            ],
            500,
        );
        assert!(message.contains("injected failure"), "{label}: {message}");
        assert_eq!(product_state(&shop, 2), product, "{label}");
    }
}

/// A shop group that shares its stock keeps one row per product for the
/// group (id_shop 0): product.list reads it and product.update writes it.
#[test]
fn shared_stock_of_a_shop_group() {
    let shop = shop(Version::V9, "sharedstock");
    shop.exec(
        "UPDATE ps_shop_group SET share_stock = 1 WHERE id_shop_group = 1; \
         UPDATE ps_stock_available SET id_shop = 0, id_shop_group = 1;",
    );
    let mug = shop.ok("product.info", &[("id", "3")]);
    assert_eq!(mug["quantity"], 100);
    shop.ok("product.update", &[("id", "3"), ("quantity", "5")]);
    assert_eq!(
        shop.rows(
            "SELECT id_shop, id_shop_group, quantity, physical_quantity FROM ps_stock_available \
             WHERE id_product = 3"
        ),
        [["0", "1", "5", "5"]]
    );
    assert_eq!(
        shop.value("SELECT quantity FROM ps_product WHERE id_product = 3"),
        "5"
    );
    let large = (COMBINATION_ID_OFFSET + 3).to_string();
    shop.ok("product.update", &[("id", &large), ("quantity", "2")]);
    // 10 + 12 + 2, in the group's product row.
    assert_eq!(shop.ok("product.info", &[("id", "1")])["quantity"], 24);
}

/// store_id picks the shop whose product_shop, product_lang and
/// category_lang rows are read.
#[test]
fn a_second_shop_reads_its_own_rows() {
    let shop = shop(Version::V8, "secondshop");
    shop.exec(
        "INSERT INTO ps_shop (id_shop, id_shop_group, name, color, id_category, theme_name, active, deleted) \
         VALUES (2, 1, 'Outlet', '', 2, 'classic', 1, 0); \
         INSERT INTO ps_product_shop (id_product, id_shop, id_category_default, id_tax_rules_group, price, active, \
         date_add, date_upd) SELECT id_product, 2, id_category_default, 0, 11.00, 1, date_add, date_upd \
         FROM ps_product_shop WHERE id_product = 3; \
         INSERT INTO ps_product_lang (id_product, id_shop, id_lang, description, link_rewrite, name) \
         VALUES (3, 2, 1, 'Outlet mug.', 'outlet-mug', 'Outlet Mug'); \
         INSERT INTO ps_stock_available (id_product, id_product_attribute, id_shop, id_shop_group, quantity, \
         physical_quantity, reserved_quantity) VALUES (3, 0, 2, 0, 4, 4, 0);",
    );
    let outlet = shop.ok("product.list", &[("store_id", "2")]);
    let products = outlet["products"].as_array().unwrap();
    assert_eq!(products.len(), 1, "{outlet}");
    assert_eq!(products[0]["name"], "Outlet Mug");
    assert_eq!(number(&products[0]["price"]), 11.0);
    assert_eq!(products[0]["quantity"], 4);
    assert_eq!(products[0]["stores_ids"], serde_json::json!(["1", "2"]));
    assert_eq!(shop.ok("product.count", &[("store_id", "2")])["count"], 1);
    // The default shop is unchanged.
    assert_eq!(
        number(&shop.ok("product.info", &[("id", "3")])["price"]),
        12.5
    );
}

/// Canceling gives the order's goods back to the shop's stock rows (a
/// combination's row and its product's sum row); validating a canceled
/// order takes them again; moving between states that hold stock, or out
/// of canceled into a state that is not validated, moves nothing.
#[test]
fn order_update_moves_stock_as_prestashop_does() {
    for version in [Version::V16, Version::V8] {
        let shop = shop(version, "ordstock");
        let label = shop.label();
        let stock = |shop: &PsShop| {
            shop.rows(
                "SELECT id_product, id_product_attribute, quantity FROM ps_stock_available \
                 WHERE (id_product = 1 AND id_product_attribute IN (0, 2)) OR id_product = 3 \
                 ORDER BY id_product, id_product_attribute",
            )
            .into_iter()
            .map(|row| row[2].parse::<i64>().unwrap())
            .collect::<Vec<_>>()
        };
        // Order A: two CB-TEE-M and one CB-MUG, payment accepted.
        assert_eq!(stock(&shop), [30, 12, 100], "{label}");
        let canceled = STATE_CANCELED.to_string();
        shop.ok("order.update", &[("id", "1"), ("status", &canceled)]);
        assert_eq!(stock(&shop), [32, 14, 101], "{label}");
        // Canceled to awaiting payment: PrestaShop takes nothing back.
        let bankwire = STATE_BANKWIRE.to_string();
        shop.ok("order.update", &[("id", "1"), ("status", &bankwire)]);
        assert_eq!(stock(&shop), [32, 14, 101], "{label}");
        // Awaiting payment to payment accepted: both hold stock already.
        let accepted = STATE_PAYMENT_ACCEPTED.to_string();
        shop.ok("order.update", &[("id", "1"), ("status", &accepted)]);
        assert_eq!(stock(&shop), [32, 14, 101], "{label}");
        // Canceled again, then accepted: given back, then taken.
        shop.ok("order.update", &[("id", "1"), ("status", &canceled)]);
        assert_eq!(stock(&shop), [34, 16, 102], "{label}");
        shop.ok("order.update", &[("id", "1"), ("status", &accepted)]);
        assert_eq!(stock(&shop), [32, 14, 101], "{label}");
        let tee = shop.ok("product.info", &[("id", "1")]);
        assert_eq!(tee["quantity"], 32, "{label}");
    }
}

/// The table prefix comes from `_DB_PREFIX_` (1.6) and `database_prefix`
/// (1.7+): reads and writes use it.
#[test]
fn another_table_prefix_on_16_and_9() {
    for (version, database, prefix) in [
        (Version::V16, "cb5p_prefix_16", "shop16_"),
        (Version::V9, "cb5p_prefix_9", "p9_"),
    ] {
        let shop = PsShop::with_prefix(version, database, prefix);
        let label = shop.label();
        assert_eq!(shop.ok("product.count", &[])["count"], 8, "{label}");
        assert_eq!(shop.ok("order.info", &[("id", "2")])["status"], "Delivered");
        shop.ok("order.update", &[("id", "2"), ("status", "6")]);
        assert_eq!(
            shop.value(&format!(
                "SELECT id_order_state FROM {prefix}order_history WHERE id_order = 2 \
                 ORDER BY id_order_history DESC LIMIT 1"
            )),
            "6",
            "{label}"
        );
        shop.ok("product.update", &[("id", "2"), ("quantity", "3")]);
        assert_eq!(
            shop.value(&format!(
                "SELECT quantity FROM {prefix}stock_available WHERE id_product = 2 AND id_product_attribute = 0"
            )),
            "3",
            "{label}"
        );
    }
}
