//! The native API on Magento 2.4.6-p1's own schema in MariaDB: every method
//! of the set answers the demo catalogue as the fixture stored it (EAV values
//! found by attribute code, store-view values over store 0's, configurable
//! children as variants), paging, the German store view, and the writes read
//! back through Magento's tables (EAV value tables, the stock item and its
//! index, MSI's source item, the order, its status history and grid row),
//! all or nothing. Database names start with `cb5m_`.

mod common;
mod magento2_support;

use std::collections::BTreeMap;

use magento2_support::MagentoShop;
use serde_json::Value as Json;

fn catalogue() -> Json {
    let text = std::fs::read_to_string(common::fixture("catalogue.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn number(value: &Json) -> f64 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a money text: {value}"))
        .parse()
        .unwrap()
}

fn text(value: &Json) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not text: {value}"))
}

/// The ids of a listing, in order.
fn ids(list: &Json) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| text(&e["id"]).to_string())
        .collect()
}

/// Every product, by SKU, in store view `lang_id`.
fn products(shop: &MagentoShop, lang_id: &str) -> BTreeMap<String, Json> {
    let list = shop.ok("product.list", &[("count", "100"), ("lang_id", lang_id)]);
    list["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (text(&p["sku"]).to_string(), p.clone()))
        .collect()
}

/// Category names by id, in store view `lang_id`.
fn category_names(shop: &MagentoShop, lang_id: &str) -> BTreeMap<String, String> {
    let list = shop.ok("category.list", &[("count", "100"), ("lang_id", lang_id)]);
    list["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (text(&c["id"]).to_string(), text(&c["name"]).to_string()))
        .collect()
}

/// (name, quantity, price, total) of each order line, an answer's or the
/// catalogue's.
fn order_lines(lines: &Json) -> Vec<(String, i64, f64, f64)> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                text(&l["name"]).to_string(),
                l["quantity"].as_i64().unwrap(),
                number(&l["price"]),
                number(&l["total"]),
            )
        })
        .collect()
}

#[test]
fn cart_info_names_the_store_views_as_languages() {
    let shop = MagentoShop::catalogue("cb5m_cart");
    let info = shop.ok("cart.info", &[]);
    assert_eq!(info["platform"], "magento2");
    assert_eq!(info["platform_version"], "2.4.6-p1");
    assert_eq!(info["store_name"], "Cartbridge Demo");
    assert_eq!(info["default_language"], "en_US");
    assert_eq!(info["default_currency"], "EUR");
    assert_eq!(info["time_zone"], "UTC");
    let languages: Vec<(&str, &str)> = info["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (text(&l["id"]), text(&l["code"])))
        .collect();
    assert_eq!(languages, [("1", "en_US"), ("2", "de_DE")]);
    let currencies: Vec<(&str, f64)> = info["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (text(&c["code"]), number(&c["rate"])))
        .collect();
    assert_eq!(currencies, [("EUR", 1.0), ("USD", 1.08)]);
    // The base currency needs no rate row of its own.
    shop.exec("DELETE FROM directory_currency_rate WHERE currency_to = 'EUR'");
    let info = shop.ok("cart.info", &[]);
    assert_eq!(info["currencies"][0]["code"], "EUR");
    assert_eq!(number(&info["currencies"][0]["rate"]), 1.0);
}

#[test]
fn products_answer_the_catalogue_in_both_store_views() {
    let shop = MagentoShop::catalogue("cb5m_products");
    let catalogue = catalogue();
    let english = products(&shop, "1");
    let german = products(&shop, "2");
    let names_en = category_names(&shop, "1");
    let names_de = category_names(&shop, "2");
    assert_eq!(english.len(), 8, "5 products and 3 variants");
    for product in catalogue["products"].as_array().unwrap() {
        let sku = text(&product["sku"]);
        let (en, de) = (&english[sku], &german[sku]);
        assert_eq!(en["name"], product["name"]["en"], "{sku}");
        assert_eq!(de["name"], product["name"]["de"], "{sku}");
        assert_eq!(en["description"], product["description"]["en"], "{sku}");
        assert_eq!(de["description"], product["description"]["de"], "{sku}");
        assert_eq!(number(&en["price"]), number(&product["price"]), "{sku}");
        assert_eq!(en["quantity"], product["quantity"], "{sku}");
        assert_eq!(en["status"], product["status"], "{sku}");
        assert_eq!(number(&en["weight"]), number(&product["weight"]), "{sku}");
        assert_eq!(en["variant_of"], Json::Null, "{sku}");
        let created = text(&product["created_at"]).replace(' ', "T") + "Z";
        let modified = text(&product["modified_at"]).replace(' ', "T") + "Z";
        assert_eq!(
            (text(&en["created_at"]), text(&en["modified_at"])),
            (created.as_str(), modified.as_str())
        );
        let keys: Vec<&str> = product["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        let wanted = |lang: &str| -> Vec<String> {
            let mut names: Vec<String> = keys
                .iter()
                .map(|key| {
                    let category = catalogue["categories"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|c| c["key"] == *key)
                        .unwrap();
                    text(&category["name"][lang]).to_string()
                })
                .collect();
            names.sort();
            names
        };
        let named = |p: &Json, names: &BTreeMap<String, String>| -> Vec<String> {
            let mut list: Vec<String> = p["categories_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| names[text(id)].clone())
                .collect();
            list.sort();
            list
        };
        assert_eq!(named(en, &names_en), wanted("en"), "{sku}");
        assert_eq!(named(de, &names_de), wanted("de"), "{sku}");
        assert_eq!(en["stores_ids"], serde_json::json!(["1", "2"]), "{sku}");
        for variant in product["variants"].as_array().into_iter().flatten() {
            let child = &english[text(&variant["sku"])];
            assert_eq!(child["variant_of"], en["id"], "{}", variant["sku"]);
            assert_eq!(number(&child["price"]), number(&variant["price"]));
            assert_eq!(child["quantity"], variant["quantity"]);
            assert_eq!(
                text(&child["name"]),
                format!(
                    "{} - {}",
                    text(&product["name"]["en"]),
                    text(&variant["option"])
                )
            );
        }
    }
    // Counting, one product, finding by SKU and by a part of a German name.
    assert_eq!(shop.ok("product.count", &[])["count"], 8);
    assert_eq!(
        shop.ok("product.count", &[("status", "disabled")])["count"],
        1
    );
    assert_eq!(shop.ok("product.count", &[("store_id", "2")])["count"], 8);
    let mug = text(&english["CB-MUG"]["id"]).to_string();
    let info = shop.ok("product.info", &[("id", &mug), ("lang_id", "2")]);
    assert_eq!(info["name"], "Tasse & Untertasse");
    let found = shop.ok("product.find", &[("sku", "CB-TEE-L")]);
    assert_eq!(ids(&found["products"]), [text(&english["CB-TEE-L"]["id"])]);
    let found = shop.ok("product.find", &[("name", "große"), ("lang_id", "2")]);
    assert_eq!(ids(&found["products"]), [text(&english["CB-MUG-XL"]["id"])]);
    let enabled = shop.ok("product.list", &[("status", "disabled"), ("count", "100")]);
    assert_eq!(
        ids(&enabled["products"]),
        [text(&english["CB-MUG-XL"]["id"])]
    );
}

#[test]
fn paging_walks_every_product_once() {
    let shop = MagentoShop::catalogue("cb5m_paging");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![("count", "3".to_string())];
        if let Some(c) = &cursor {
            params.push(("page_cursor", c.clone()));
        }
        let params: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let page = shop.ok("product.list", &params);
        seen.extend(ids(&page["products"]));
        match page["next_page_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, (1..=8).map(|i| i.to_string()).collect::<Vec<_>>());
}

#[test]
fn a_store_view_value_wins_except_for_a_global_attribute() {
    let shop = MagentoShop::catalogue("cb5m_scope");
    // price is a website-scope attribute, weight a global one (is_global 1).
    shop.exec(
        "INSERT INTO catalog_product_entity_decimal (attribute_id, store_id, entity_id, value) \
         SELECT a.attribute_id, 2, p.entity_id, 99 FROM eav_attribute a \
         JOIN eav_entity_type t ON t.entity_type_id = a.entity_type_id AND t.entity_type_code = 'catalog_product' \
         JOIN catalog_product_entity p ON p.sku = 'CB-SOCKS' WHERE a.attribute_code IN ('price', 'weight')",
    );
    let german = products(&shop, "2");
    assert_eq!(number(&german["CB-SOCKS"]["price"]), 99.0);
    assert_eq!(number(&german["CB-SOCKS"]["weight"]), 0.10);
    let english = products(&shop, "1");
    assert_eq!(number(&english["CB-SOCKS"]["price"]), 8.95);
}

#[test]
fn categories_leave_out_the_roots() {
    let shop = MagentoShop::catalogue("cb5m_categories");
    let list = shop.ok("category.list", &[("lang_id", "2")]);
    let rows: Vec<(String, Json, String)> = list["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                text(&c["id"]).into(),
                c["parent_id"].clone(),
                text(&c["name"]).into(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("3".to_string(), Json::Null, "Kleidung".to_string()),
            ("4".to_string(), Json::from("3"), "Hemden".to_string()),
            ("5".to_string(), Json::Null, "Tassen".to_string()),
        ]
    );
    assert_eq!(shop.ok("category.count", &[])["count"], 3);
    assert_eq!(shop.ok("category.count", &[("parent_id", "0")])["count"], 2);
    assert_eq!(shop.ok("category.count", &[("parent_id", "3")])["count"], 1);
    let shirts = shop.ok("category.info", &[("id", "4")]);
    assert_eq!(
        (shirts["name"].clone(), shirts["status"].clone()),
        ("Shirts".into(), "enabled".into())
    );
    shop.refused("category.info", &[("id", "2")], 404);
}

#[test]
fn customers_answer_with_their_default_address() {
    let shop = MagentoShop::catalogue("cb5m_customers");
    let catalogue = catalogue();
    let list = shop.ok("customer.list", &[]);
    let customers = list["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 3);
    for (got, want) in customers
        .iter()
        .zip(catalogue["customers"].as_array().unwrap())
    {
        for field in ["email", "first_name", "last_name", "telephone"] {
            assert_eq!(got[field], want[field], "{field}");
        }
        assert_eq!(
            text(&got["created_at"]),
            text(&want["created_at"]).replace(' ', "T") + "Z"
        );
        let address = &want["address"];
        assert_eq!(got["address"]["address_1"], address["address_1"]);
        assert_eq!(got["address"]["city"], address["city"]);
        assert_eq!(got["address"]["postcode"], address["postcode"]);
        assert_eq!(got["address"]["country"], address["country_iso2"]);
    }
    assert_eq!(customers[1]["address"]["address_2"], "Suite 2");
    assert_eq!(shop.ok("customer.count", &[])["count"], 3);
    let found = shop.ok("customer.find", &[("email", "GRACE@example.com")]);
    assert_eq!(ids(&found["customers"]), ["2"]);
    let alan = shop.ok("customer.info", &[("id", "3")]);
    assert_eq!(alan["last_name"], "Turing");
}

#[test]
fn orders_answer_with_lines_totals_and_labels() {
    let shop = MagentoShop::catalogue("cb5m_orders");
    let catalogue = catalogue();
    let list = shop.ok("order.list", &[]);
    let orders = list["orders"].as_array().unwrap();
    assert_eq!(ids(&list["orders"]), ["1", "2", "3", "4"]);
    let statuses = ["processing", "complete", "canceled", "pending"];
    for ((got, want), status) in orders
        .iter()
        .zip(catalogue["orders"].as_array().unwrap())
        .zip(statuses)
    {
        assert_eq!(got["status_id"], status);
        assert_eq!(got["customer"]["email"], want["customer"]);
        assert_eq!(got["currency"], want["currency"]);
        assert_eq!(number(&got["total"]), number(&want["totals"]["total"]));
        assert_eq!(
            text(&got["created_at"]),
            text(&want["created_at"]).replace(' ', "T") + "Z"
        );
        let totals: BTreeMap<String, f64> = got["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (text(&t["code"]).to_string(), number(&t["value"])))
            .collect();
        let wanted: BTreeMap<String, f64> = want["totals"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(code, v)| (code.clone(), number(v)))
            .collect();
        assert_eq!(totals, wanted);
        let lines = order_lines(&got["order_products"]);
        let wanted = order_lines(&want["lines"]);
        assert_eq!(lines, wanted, "lines of order {}", want["key"]);
    }
    // Order A's tee is the configurable's child M: the line names both.
    let products = products(&shop, "1");
    let tee_line = &orders[0]["order_products"][0];
    assert_eq!(tee_line["product_id"], products["CB-TEE-M"]["id"]);
    assert_eq!(tee_line["variant_of"], products["CB-TEE"]["id"]);
    assert_eq!(orders[0]["order_products"][1]["variant_of"], Json::Null);
    // The order number, the invoice of the complete order, addresses.
    assert_eq!(orders[0]["invoice_prefix"], "000000001");
    assert_eq!(
        (
            orders[0]["invoice_no"].clone(),
            orders[1]["invoice_no"].clone()
        ),
        (Json::Null, Json::from("1"))
    );
    assert_eq!(orders[1]["billing_address"]["address_2"], "Suite 2");
    assert_eq!(orders[1]["shipping_address"]["city"], "New York");
    assert_eq!(orders[0]["comment"], "Leave at the door.");
    // Labels per store view; filters.
    let german = shop.ok("order.info", &[("id", "2"), ("lang_id", "2")]);
    assert_eq!(german["status"], "Abgeschlossen");
    assert_eq!(shop.ok("order.info", &[("id", "2")])["status"], "Complete");
    assert_eq!(shop.ok("order.count", &[])["count"], 4);
    assert_eq!(
        shop.ok("order.count", &[("status", "canceled")])["count"],
        1
    );
    assert_eq!(shop.ok("order.count", &[("customer_id", "1")])["count"], 2);
    let pending = shop.ok("order.list", &[("status", "pending")]);
    assert_eq!(ids(&pending["orders"]), ["4"]);
    let statuses = shop.ok("order.status.list", &[("lang_id", "2")]);
    let names: BTreeMap<&str, &str> = statuses["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (text(&s["id"]), text(&s["name"])))
        .collect();
    assert_eq!(names.len(), 9);
    assert_eq!(names["processing"], "In Bearbeitung");
    assert_eq!(names["holded"], "On Hold");
}

/// Store 0's value of a product attribute, found by code.
fn eav(shop: &MagentoShop, table: &str, code: &str, sku: &str) -> Vec<Vec<String>> {
    shop.rows(&format!(
        "SELECT v.store_id, v.value FROM {} v \
         JOIN {} a ON a.attribute_id = v.attribute_id AND a.attribute_code = '{code}' \
         JOIN {} t ON t.entity_type_id = a.entity_type_id AND t.entity_type_code = 'catalog_product' \
         JOIN {} p ON p.entity_id = v.entity_id AND p.sku = '{sku}' ORDER BY v.store_id",
        shop.table(table),
        shop.table("eav_attribute"),
        shop.table("eav_entity_type"),
        shop.table("catalog_product_entity"),
    ))
}

fn stock(shop: &MagentoShop, sku: &str) -> Vec<String> {
    shop.rows(&format!(
        "SELECT si.qty, si.is_in_stock, ss.qty, ss.stock_status FROM {} si \
         JOIN {} p ON p.entity_id = si.product_id AND p.sku = '{sku}' \
         JOIN {} ss ON ss.product_id = si.product_id AND ss.stock_id = si.stock_id",
        shop.table("cataloginventory_stock_item"),
        shop.table("catalog_product_entity"),
        shop.table("cataloginventory_stock_status"),
    ))
    .remove(0)
}

#[test]
fn product_update_writes_the_eav_tables_the_stock_and_msi() {
    let shop = MagentoShop::catalogue("cb5m_product_update");
    let answer = shop.ok(
        "product.update",
        &[
            ("id", "6"),
            ("price", "13.75"),
            ("quantity", "0"),
            ("status", "disabled"),
        ],
    );
    assert_eq!(answer["product"]["sku"], "CB-MUG");
    assert_eq!(number(&answer["product"]["price"]), 13.75);
    assert_eq!(answer["product"]["quantity"], 0);
    assert_eq!(answer["product"]["status"], "disabled");
    assert_eq!(
        eav(&shop, "catalog_product_entity_decimal", "price", "CB-MUG"),
        [["0", "13.750000"]]
    );
    assert_eq!(
        eav(&shop, "catalog_product_entity_int", "status", "CB-MUG"),
        [["0", "2"]]
    );
    assert_eq!(stock(&shop, "CB-MUG"), ["0.0000", "0", "0.0000", "0"]);
    assert_eq!(
        shop.rows("SELECT quantity, status FROM inventory_source_item WHERE sku = 'CB-MUG' AND source_code = 'default'"),
        [["0.0000", "0"]]
    );
    assert_ne!(
        shop.value("SELECT updated_at FROM catalog_product_entity WHERE sku = 'CB-MUG'"),
        "2026-01-09 08:00:00"
    );
    // Back in stock and enabled; other products untouched.
    shop.ok(
        "product.update",
        &[("id", "6"), ("quantity", "40"), ("status", "enabled")],
    );
    assert_eq!(stock(&shop, "CB-MUG"), ["40.0000", "1", "40.0000", "1"]);
    assert_eq!(
        eav(&shop, "catalog_product_entity_int", "status", "CB-MUG"),
        [["0", "1"]]
    );
    assert_eq!(
        eav(&shop, "catalog_product_entity_decimal", "price", "CB-MUG"),
        [["0", "13.750000"]]
    );
    assert_eq!(
        shop.value("SELECT quantity FROM inventory_source_item WHERE sku = 'CB-MUG'"),
        "40.0000"
    );
    assert_eq!(stock(&shop, "CB-SOCKS"), ["250.0000", "1", "250.0000", "1"]);
    // A simple product without a source item gets one; a configurable none.
    shop.exec("DELETE FROM inventory_source_item WHERE sku = 'CB-SOCKS'");
    shop.ok("product.update", &[("id", "8"), ("quantity", "9")]);
    shop.ok("product.update", &[("id", "1"), ("quantity", "5")]);
    assert_eq!(
        shop.rows("SELECT sku, quantity, status FROM inventory_source_item WHERE sku IN ('CB-SOCKS', 'CB-TEE')"),
        [["CB-SOCKS", "9.0000", "1"]]
    );
    shop.refused("product.update", &[("id", "999"), ("price", "1")], 404);
}

#[test]
fn product_update_without_msi_writes_the_legacy_stock() {
    let shop = MagentoShop::catalogue("cb5m_product_nomsi");
    shop.exec("DROP TABLE inventory_source_item");
    shop.ok("product.update", &[("id", "8"), ("quantity", "7")]);
    assert_eq!(stock(&shop, "CB-SOCKS"), ["7.0000", "1", "7.0000", "1"]);
    assert_eq!(products(&shop, "1")["CB-SOCKS"]["quantity"], 7);
}

#[test]
fn a_failing_product_write_leaves_every_table_as_it_was() {
    let shop = MagentoShop::catalogue("cb5m_product_fail");
    shop.fail_updates_of("cataloginventory_stock_item");
    let before = (
        eav(&shop, "catalog_product_entity_decimal", "price", "CB-SHIRT"),
        eav(&shop, "catalog_product_entity_int", "status", "CB-SHIRT"),
        stock(&shop, "CB-SHIRT"),
        shop.value("SELECT updated_at FROM catalog_product_entity WHERE sku = 'CB-SHIRT'"),
    );
    let message = shop.refused(
        "product.update",
        &[
            ("id", "5"),
            ("price", "1.00"),
            ("status", "disabled"),
            ("quantity", "1"),
        ],
        500,
    );
    assert!(message.contains("injected failure"), "{message}");
    let after = (
        eav(&shop, "catalog_product_entity_decimal", "price", "CB-SHIRT"),
        eav(&shop, "catalog_product_entity_int", "status", "CB-SHIRT"),
        stock(&shop, "CB-SHIRT"),
        shop.value("SELECT updated_at FROM catalog_product_entity WHERE sku = 'CB-SHIRT'"),
    );
    assert_eq!(before, after);
}

#[test]
fn order_update_sets_status_and_state_adds_history_and_refreshes_the_grid() {
    let shop = MagentoShop::catalogue("cb5m_order_update");
    let answer = shop.ok(
        "order.update",
        &[
            ("id", "4"),
            ("status", "processing"),
            ("comment", "Paid by transfer"),
            ("notify", "true"),
        ],
    );
    assert_eq!(answer["order"]["status_id"], "processing");
    assert_eq!(answer["order"]["status"], "Processing");
    let order = shop
        .rows("SELECT state, status, updated_at FROM sales_order WHERE entity_id = 4")
        .remove(0);
    assert_eq!(order[..2], ["processing", "processing"]);
    assert_ne!(order[2], "2026-03-04 15:30:00");
    assert_eq!(
        shop.rows("SELECT status, updated_at FROM sales_order_grid WHERE entity_id = 4"),
        [["processing".to_string(), order[2].clone()]]
    );
    assert_eq!(
        shop.rows(
            "SELECT is_customer_notified, comment, status, entity_name, created_at FROM sales_order_status_history \
             WHERE parent_id = 4 ORDER BY entity_id DESC LIMIT 1"
        ),
        [["1", "Paid by transfer", "processing", "order", order[2].as_str()]]
    );
    // A status of two states keeps the order's state when it is one of them.
    shop.ok("order.update", &[("id", "4"), ("status", "fraud")]);
    assert_eq!(
        shop.rows("SELECT state, status FROM sales_order WHERE entity_id = 4"),
        [["processing", "fraud"]]
    );
    shop.ok("order.update", &[("id", "1"), ("status", "canceled")]);
    assert_eq!(
        shop.rows("SELECT state, status FROM sales_order WHERE entity_id = 1"),
        [["canceled", "canceled"]]
    );
    assert_eq!(
        shop.value("SELECT comment FROM sales_order_status_history WHERE parent_id = 1 ORDER BY entity_id DESC LIMIT 1"),
        "NULL"
    );
}

#[test]
fn order_update_refuses_unknown_statuses_and_orders_and_rolls_back() {
    let shop = MagentoShop::catalogue("cb5m_order_fail");
    let snapshot = |shop: &MagentoShop| {
        (
            shop.rows("SELECT state, status, updated_at FROM sales_order ORDER BY entity_id"),
            shop.rows("SELECT status, updated_at FROM sales_order_grid ORDER BY entity_id"),
            shop.rows("SELECT COUNT(*) FROM sales_order_status_history"),
        )
    };
    let before = snapshot(&shop);
    let message = shop.refused("order.update", &[("id", "1"), ("status", "shipped")], 400);
    assert!(message.contains("order.status.list"), "{message}");
    shop.refused("order.update", &[("id", "99"), ("status", "complete")], 404);
    shop.fail_inserts_into("sales_order_status_history");
    let message = shop.refused("order.update", &[("id", "1"), ("status", "complete")], 500);
    assert!(message.contains("injected failure"), "{message}");
    assert_eq!(snapshot(&shop), before);
}

#[test]
fn settings_with_a_table_prefix_a_pub_docroot_and_a_socket() {
    let shop = MagentoShop::catalogue_with_prefix("cb5m_prefix", "m2_");
    assert_eq!(shop.value("SELECT COUNT(*) FROM m2_sales_order"), "4");
    let pub_root = shop.shop.root.join("pub");
    let (code, answer) = shop.call_at(&pub_root, "product.count", &[]);
    assert_eq!(
        (code, &answer["result"]["count"]),
        (0, &Json::from(8)),
        "{answer}"
    );
    shop.ok("product.update", &[("id", "2"), ("quantity", "3")]);
    assert_eq!(stock(&shop, "CB-TEE-S"), ["3.0000", "1", "3.0000", "1"]);
    assert_eq!(
        shop.value("SELECT quantity FROM m2_inventory_source_item WHERE sku = 'CB-TEE-S'"),
        "3.0000"
    );
    shop.ok("order.update", &[("id", "3"), ("status", "closed")]);
    assert_eq!(
        shop.value("SELECT status FROM m2_sales_order_grid WHERE entity_id = 3"),
        "closed"
    );
    match shop.db.socket.clone() {
        Some(socket) => {
            shop.set_host(&socket.display().to_string());
            assert_eq!(shop.ok("order.count", &[])["count"], 4);
        }
        None => eprintln!("the MariaDB server has no local socket: the socket host is not tried"),
    }
}
