//! WooCommerce on WordPress: every method of the first set on WordPress
//! 7.1.0's and WooCommerce 11.0.1's real schema in MariaDB, loaded with the
//! common catalogue (`tests/woocommerce_support`), through `cartbridge
//! call`, with the orders in the HPOS tables and, the same catalogue, as
//! posts. Writes are read back through WooCommerce's own tables, the
//! lookup and analytics copies included; a multisite blog is reached
//! through its table prefix.

mod common;
mod woocommerce_support;

use serde_json::{json, Value as Json};
use woocommerce_support::{catalogue, multisite_blog2, woo_shop, Orders, WooShop, FIRST_ORDER};

#[test]
fn every_method_with_hpos_orders() {
    every_method(&woo_shop("cb5w_hpos", Orders::Hpos));
}

#[test]
fn every_method_with_orders_as_posts() {
    every_method(&woo_shop("cb5w_posts", Orders::Posts));
}

fn every_method(shop: &WooShop) {
    cart_info(shop);
    products(shop);
    paging(shop);
    categories(shop);
    customers(shop);
    orders(shop);
    order_statuses(shop);
    // Writes last: they change what the reads above check.
    product_update(shop);
    product_update_keeps_a_running_sale(shop);
    variation_update_moves_its_product(shop);
    order_update(shop);
    order_update_keeps_the_hpos_copy(shop);
    failed_writes_leave_nothing(shop);
    refusals(shop);
}

fn number(value: &Json) -> f64 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a number text: {value}"))
        .parse()
        .unwrap()
}

fn cart_info(shop: &WooShop) {
    let info = shop.ok("cart.info", &[]);
    assert_eq!(info["platform"], "wordpress");
    assert_eq!(
        info["platform_version"], "11.0.1",
        "WooCommerce's db version"
    );
    assert_eq!(info["store_name"], "Cartbridge Demo");
    assert_eq!(info["default_language"], "en_US");
    assert_eq!(info["default_currency"], "EUR");
    assert_eq!(info["time_zone"], "UTC");
    assert_eq!(
        info["languages"],
        json!([{"id": "1", "code": "en_US", "name": "en_US", "status": "enabled"}])
    );
    assert_eq!(info["currencies"][0]["code"], "EUR");

    // The session WordPress sets up: no strict modes (the server's default
    // has STRICT_TRANS_TABLES), the others kept.
    let mode = shop.ok("sql.query", &[("sql", "SELECT @@SESSION.sql_mode")]);
    let mode = mode["rows"][0][0].as_str().unwrap().to_string();
    assert!(!mode.contains("STRICT"), "{mode}");
    assert!(mode.contains("NO_ENGINE_SUBSTITUTION"), "{mode}");
}

/// A catalogue product as product.list must answer it.
struct Expected {
    sku: String,
    price: f64,
    quantity: i64,
    status: String,
    weight: Option<String>,
    /// The sku of the product a variant belongs to.
    parent: Option<String>,
}

/// The catalogue's products, in the catalogue's order with the variants
/// after their product.
fn expected_products() -> Vec<Expected> {
    let mut out = Vec::new();
    for p in catalogue()["products"].as_array().unwrap() {
        let sku = p["sku"].as_str().unwrap().to_string();
        out.push(Expected {
            sku: sku.clone(),
            price: p["price"].as_str().unwrap().parse().unwrap(),
            quantity: p["quantity"].as_i64().unwrap(),
            status: p["status"].as_str().unwrap().to_string(),
            weight: p["weight"].as_str().map(str::to_string),
            parent: None,
        });
        for v in p["variants"].as_array().into_iter().flatten() {
            out.push(Expected {
                sku: v["sku"].as_str().unwrap().to_string(),
                price: v["price"].as_str().unwrap().parse().unwrap(),
                quantity: v["quantity"].as_i64().unwrap(),
                status: "enabled".into(),
                weight: None,
                parent: Some(sku.clone()),
            });
        }
    }
    out
}

fn products(shop: &WooShop) {
    let list = shop.ok("product.list", &[("count", "100")]);
    let products = list["products"].as_array().unwrap();
    let expected = expected_products();
    assert_eq!(products.len(), expected.len(), "{list}");
    assert_eq!(list["next_page_cursor"], Json::Null);
    let id_of = |sku: &str| {
        products
            .iter()
            .find(|p| p["sku"] == sku)
            .map(|p| p["id"].clone())
            .unwrap()
    };
    for (product, want) in products.iter().zip(&expected) {
        assert_eq!(product["sku"], want.sku.as_str());
        assert_eq!(number(&product["price"]), want.price, "{product}");
        assert_eq!(product["quantity"], want.quantity, "{product}");
        assert_eq!(product["status"], want.status.as_str(), "{product}");
        if let Some(weight) = &want.weight {
            assert_eq!(product["weight"], weight.as_str());
        }
        match &want.parent {
            Some(parent) => assert_eq!(product["variant_of"], id_of(parent), "{product}"),
            None => assert_eq!(product["variant_of"], Json::Null),
        }
    }
    let tee = &products[0];
    assert_eq!(tee["name"], "Cotton Tee");
    assert_eq!(tee["description"], "A soft cotton tee.");
    assert_eq!(
        tee["categories_ids"],
        json!(["6", "7"]),
        "Clothing and Shirts"
    );
    assert_eq!(tee["created_at"], "2026-01-05T10:00:00Z");
    assert_eq!(tee["modified_at"], "2026-01-06T11:30:00Z");
    assert_eq!(
        products[1]["categories_ids"],
        json!(["6", "7"]),
        "a variation is in its product's categories"
    );
    let mug = products.iter().find(|p| p["sku"] == "CB-MUG").unwrap();
    assert_eq!(mug["name"], "Mug & Saucer");
    assert_eq!(mug["description"], "Stoneware <b>mug</b>.");

    assert_eq!(
        shop.ok("product.count", &[]),
        json!({"count": expected.len()})
    );
    assert_eq!(
        shop.ok("product.count", &[("status", "disabled")]),
        json!({"count": 1}),
        "CB-MUG-XL is a draft"
    );
    let info = shop.ok("product.info", &[("id", "15")]);
    assert_eq!(info["sku"], "CB-MUG");
    let found = shop.ok("product.find", &[("sku", "CB-TEE-L")]);
    assert_eq!(found["products"][0]["id"], "13");
    let found = shop.ok("product.find", &[("name", "mug")]);
    let names: Vec<&str> = found["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Mug & Saucer", "Big Mug"]);
    // Stock that is not managed has no quantity; a variation that does not
    // manage its own stock shows its product's.
    let p = &shop.prefix;
    shop.exec(&format!(
        "UPDATE {p}postmeta SET meta_value = 'no' WHERE post_id IN (11, 17) AND meta_key = '_manage_stock'"
    ));
    assert_eq!(
        shop.ok("product.info", &[("id", "17")])["quantity"],
        Json::Null
    );
    assert_eq!(shop.ok("product.info", &[("id", "11")])["quantity"], 30);
    shop.exec(&format!(
        "UPDATE {p}postmeta SET meta_value = 'yes' WHERE post_id IN (11, 17) AND meta_key = '_manage_stock'"
    ));
    let enabled = shop.ok("product.list", &[("status", "enabled"), ("count", "100")]);
    assert_eq!(
        enabled["products"].as_array().unwrap().len(),
        expected.len() - 1
    );

    // One language per WordPress site.
    assert_eq!(
        shop.ok("product.info", &[("id", "10"), ("lang_id", "1")])["name"],
        "Cotton Tee"
    );
    let message = shop.refused("product.list", &[("lang_id", "2")], 400);
    assert!(message.contains("lang_id 2"), "{message}");
}

fn paging(shop: &WooShop) {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![("count", "3")];
        if let Some(c) = &cursor {
            params.push(("page_cursor", c.as_str()));
        }
        let page = shop.ok("product.list", &params);
        for p in page["products"].as_array().unwrap() {
            seen.push(p["sku"].as_str().unwrap().to_string());
        }
        match page["next_page_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let all: Vec<String> = expected_products().into_iter().map(|p| p.sku).collect();
    assert_eq!(seen, all);
}

fn categories(shop: &WooShop) {
    let list = shop.ok("category.list", &[]);
    let names: Vec<(&str, &Json, i64)> = list["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                &c["parent_id"],
                c["sort_order"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Uncategorized", &Json::Null, 0),
            ("Clothing", &Json::Null, 1),
            ("Shirts", &json!("6"), 1),
            ("Mugs", &Json::Null, 2),
        ],
        "WooCommerce's own default category, then the catalogue's"
    );
    assert_eq!(shop.ok("category.count", &[]), json!({"count": 4}));
    assert_eq!(
        shop.ok("category.count", &[("parent_id", "6")]),
        json!({"count": 1})
    );
    assert_eq!(shop.ok("category.info", &[("id", "8")])["name"], "Mugs");
    shop.refused("category.info", &[("id", "2")], 404);
}

fn customers(shop: &WooShop) {
    let list = shop.ok("customer.list", &[]);
    let customers = list["customers"].as_array().unwrap();
    let expected = catalogue()["customers"].as_array().unwrap().clone();
    assert_eq!(
        customers.len(),
        expected.len(),
        "the admin is no customer: {list}"
    );
    for (got, want) in customers.iter().zip(&expected) {
        for field in ["email", "first_name", "last_name", "telephone"] {
            assert_eq!(got[field], want[field], "{field} of {got}");
        }
        assert_eq!(
            got["created_at"],
            format!(
                "{}Z",
                want["created_at"].as_str().unwrap().replace(' ', "T")
            )
        );
        assert_eq!(got["address"]["city"], want["address"]["city"]);
        assert_eq!(got["address"]["postcode"], want["address"]["postcode"]);
        assert_eq!(got["address"]["country"], want["address"]["country_iso2"]);
    }
    assert_eq!(shop.ok("customer.count", &[]), json!({"count": 3}));
    let found = shop.ok("customer.find", &[("email", "GRACE@example.com")]);
    assert_eq!(found["customers"][0]["id"], "3");
    assert_eq!(found["customers"][0]["address"]["zone"], "NY");
    shop.refused("customer.info", &[("id", "1")], 404);
}

fn orders(shop: &WooShop) {
    let list = shop.ok("order.list", &[("count", "100")]);
    let orders = list["orders"].as_array().unwrap();
    let expected = catalogue()["orders"].as_array().unwrap().clone();
    assert_eq!(
        orders.len(),
        expected.len(),
        "the block-checkout draft is left out: {list}"
    );
    let statuses = [
        "wc-processing",
        "wc-completed",
        "wc-cancelled",
        "wc-pending",
    ];
    for ((got, want), status) in orders.iter().zip(&expected).zip(statuses) {
        assert_eq!(got["status_id"], status);
        assert_eq!(got["customer"]["email"], want["customer"]);
        assert_eq!(got["currency"], want["currency"]);
        assert_eq!(got["comment"], want["comment"]);
        assert_eq!(got["payment_method"], want["payment_method"]);
        assert_eq!(got["shipping_method"], want["shipping_method"]);
        assert_eq!(
            got["created_at"],
            format!(
                "{}Z",
                want["created_at"].as_str().unwrap().replace(' ', "T")
            )
        );
        assert_eq!(number(&got["total"]), number(&want["totals"]["total"]));
        let totals: Vec<(String, f64)> = got["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["code"].as_str().unwrap().to_string(), number(&t["value"])))
            .collect();
        let want_totals: Vec<(String, f64)> = ["sub_total", "shipping", "tax", "total"]
            .iter()
            .map(|c| (c.to_string(), number(&want["totals"][c])))
            .collect();
        assert_eq!(totals, want_totals, "{got}");
        let lines = got["order_products"].as_array().unwrap();
        let want_lines = want["lines"].as_array().unwrap();
        assert_eq!(lines.len(), want_lines.len());
        for (line, want_line) in lines.iter().zip(want_lines) {
            assert_eq!(line["name"], want_line["name"]);
            assert_eq!(line["quantity"], want_line["quantity"]);
            assert_eq!(number(&line["price"]), number(&want_line["price"]));
            assert_eq!(number(&line["total"]), number(&want_line["total"]));
        }
    }
    let a = &orders[0];
    assert_eq!(a["id"], FIRST_ORDER.to_string());
    assert_eq!(a["status"], "Processing");
    assert_eq!(a["customer"]["id"], "2");
    assert_eq!(a["billing_address"]["first_name"], "Ada");
    assert_eq!(a["billing_address"]["address_1"], "12 Analytical St");
    assert_eq!(a["billing_address"]["city"], "London");
    assert_eq!(a["billing_address"]["postcode"], "N1 9GU");
    assert_eq!(
        a["order_products"][0]["product_id"], "12",
        "the variation CB-TEE-M"
    );
    assert_eq!(a["order_products"][0]["variant_of"], "10");
    assert_eq!(a["modified_at"], "2026-03-01T10:05:00Z");

    assert_eq!(shop.ok("order.count", &[]), json!({"count": 4}));
    for status in ["wc-completed", "completed"] {
        assert_eq!(
            shop.ok("order.count", &[("status", status)]),
            json!({"count": 1}),
            "{status}"
        );
    }
    let drafts = shop.ok("order.list", &[("status", "wc-checkout-draft")]);
    assert_eq!(drafts["orders"][0]["id"], (FIRST_ORDER + 4).to_string());
    assert_eq!(drafts["orders"][0]["status"], "Draft");
    assert_eq!(
        shop.ok("order.count", &[("customer_id", "2")]),
        json!({"count": 2})
    );
    let info = shop.ok("order.info", &[("id", "101")]);
    assert_eq!(info["customer"]["last_name"], "Hopper");
    assert_eq!(info["shipping_address"]["company"], "Navy");
    shop.refused("order.info", &[("id", "99")], 404);

    if shop.orders == Orders::Hpos {
        in_another_time_zone(shop);
    }

    // Tax is the cart's plus the shipping's, wherever they are kept.
    let p = &shop.prefix;
    let set_taxes = |cart: &str, shipping: &str| {
        match shop.orders {
        Orders::Hpos => shop.exec(&format!(
            "UPDATE {p}wc_orders SET tax_amount = {cart} WHERE id = 101; \
             UPDATE {p}wc_order_operational_data SET shipping_tax_amount = {shipping} WHERE order_id = 101"
        )),
        Orders::Posts => shop.exec(&format!(
            "UPDATE {p}postmeta SET meta_value = CASE meta_key WHEN '_order_tax' THEN '{cart}' ELSE '{shipping}' END \
             WHERE post_id = 101 AND meta_key IN ('_order_tax', '_order_shipping_tax')"
        )),
    }
    };
    set_taxes("1.00", "0.50");
    let totals = shop.ok("order.info", &[("id", "101")])["totals"].clone();
    let tax = totals
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "tax")
        .unwrap();
    assert_eq!(number(&tax["value"]), 1.5, "{totals}");
    set_taxes("0", "0");
}

/// HPOS orders and users keep UTC only: in a Berlin shop their times show
/// with Berlin's offset, and time filters compare the same moment.
fn in_another_time_zone(shop: &WooShop) {
    let p = &shop.prefix;
    let zone = |name: &str| {
        shop.exec(&format!(
            "UPDATE {p}options SET option_value = '{name}' WHERE option_name = 'timezone_string'"
        ))
    };
    zone("Europe/Berlin");
    let a = shop.ok("order.info", &[("id", "100")]);
    assert_eq!(a["created_at"], "2026-03-01T11:00:00+01:00");
    assert_eq!(
        shop.ok(
            "order.count",
            &[("created_from", "2026-03-02T12:00:00+01:00")]
        ),
        json!({"count": 3}),
        "B was placed at 11:00 UTC, noon in Berlin"
    );
    assert_eq!(
        shop.ok("order.count", &[("created_from", "2026-03-02 12:00:01")]),
        json!({"count": 2}),
        "a time without offset is Berlin's"
    );
    assert_eq!(
        shop.ok("customer.count", &[("created_from", "2026-02-02 10:00:00")]),
        json!({"count": 2}),
        "Grace registered at 09:00 UTC"
    );
    assert_eq!(
        shop.ok("customer.info", &[("id", "3")])["created_at"],
        "2026-02-02T10:00:00+01:00"
    );
    zone("UTC");
}

fn order_statuses(shop: &WooShop) {
    let statuses = shop.ok("order.status.list", &[]);
    assert_eq!(
        statuses["statuses"],
        json!([
            {"id": "wc-pending", "name": "Pending payment"},
            {"id": "wc-processing", "name": "Processing"},
            {"id": "wc-on-hold", "name": "On hold"},
            {"id": "wc-completed", "name": "Completed"},
            {"id": "wc-cancelled", "name": "Cancelled"},
            {"id": "wc-refunded", "name": "Refunded"},
            {"id": "wc-failed", "name": "Failed"},
            {"id": "wc-checkout-draft", "name": "Draft"},
        ])
    );
}

/// A product's state in WooCommerce's tables: postmeta _price,
/// _regular_price, _stock, _stock_status, _manage_stock; the post's
/// status; the lookup row's min/max price, stock quantity and status, sku.
fn product_state(shop: &WooShop, id: i64) -> (Vec<String>, String, Vec<String>) {
    let p = &shop.prefix;
    let meta = [
        "_price",
        "_regular_price",
        "_stock",
        "_stock_status",
        "_manage_stock",
    ]
    .iter()
    .map(|k| shop.meta(id, k))
    .collect();
    let status = shop.value(&format!("SELECT post_status FROM {p}posts WHERE ID = {id}"));
    let lookup = shop.rows(&format!(
        "SELECT min_price, max_price, stock_quantity, stock_status, sku FROM {p}wc_product_meta_lookup WHERE product_id = {id}"
    ));
    (meta, status, lookup.into_iter().next().unwrap_or_default())
}

fn product_update(shop: &WooShop) {
    let p = &shop.prefix;
    let result = shop.ok(
        "product.update",
        &[
            ("id", "14"),
            ("price", "45.50"),
            ("quantity", "0"),
            ("status", "disabled"),
        ],
    );
    assert_eq!(result["updated"], true);
    assert_eq!(number(&result["product"]["price"]), 45.5);
    assert_eq!(result["product"]["quantity"], 0);
    assert_eq!(result["product"]["status"], "disabled");
    assert_eq!(
        product_state(shop, 14),
        (
            vec![
                "45.50".into(),
                "45.50".into(),
                "0".into(),
                "outofstock".into(),
                "yes".into()
            ],
            "draft".into(),
            vec![
                "45.5000".into(),
                "45.5000".into(),
                "0".into(),
                "outofstock".into(),
                "CB-SHIRT".into()
            ],
        )
    );
    assert_eq!(
        outofstock_terms(shop),
        [["14", "2"], ["16", "2"]],
        "out of stock: in product_visibility's outofstock term, counted"
    );
    let modified = shop.rows(&format!(
        "SELECT post_modified > '2026-01-07 09:15:00', post_modified_gmt > '2026-01-07 09:15:00' FROM {p}posts WHERE ID = 14"
    ));
    assert_eq!(
        modified,
        [["1", "1"]],
        "post_modified and post_modified_gmt are now"
    );

    // Back in stock and published; the price stays.
    shop.ok(
        "product.update",
        &[("id", "14"), ("quantity", "7"), ("status", "enabled")],
    );
    assert_eq!(
        product_state(shop, 14),
        (
            vec![
                "45.50".into(),
                "45.50".into(),
                "7".into(),
                "instock".into(),
                "yes".into()
            ],
            "publish".into(),
            vec![
                "45.5000".into(),
                "45.5000".into(),
                "7".into(),
                "instock".into(),
                "CB-SHIRT".into()
            ],
        )
    );
    assert_eq!(outofstock_terms(shop), [["16", "1"]]);
}

/// The products in the product_visibility term `outofstock`, with the
/// term's count.
fn outofstock_terms(shop: &WooShop) -> Vec<Vec<String>> {
    let p = &shop.prefix;
    shop.rows(&format!(
        "SELECT r.object_id, tt.count FROM {p}term_relationships r \
         JOIN {p}term_taxonomy tt ON tt.term_taxonomy_id = r.term_taxonomy_id AND tt.taxonomy = 'product_visibility' \
         JOIN {p}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock' ORDER BY r.object_id"
    ))
}

/// A price change while a sale runs sets the regular price; the active
/// price stays the sale price (WooCommerce's _price rule).
fn product_update_keeps_a_running_sale(shop: &WooShop) {
    let p = &shop.prefix;
    shop.exec(&format!(
        "UPDATE {p}postmeta SET meta_value = '39.00' WHERE post_id = 14 AND meta_key IN ('_sale_price', '_price')"
    ));
    shop.ok("product.update", &[("id", "14"), ("price", "47.00")]);
    assert_eq!(shop.meta(14, "_regular_price"), "47.00");
    assert_eq!(shop.meta(14, "_price"), "39.00");
    assert_eq!(
        shop.value(&format!("SELECT CONCAT(min_price, '/', onsale) FROM {p}wc_product_meta_lookup WHERE product_id = 14")),
        "39.0000/1"
    );
    // A sale that ended does not hold the price.
    shop.exec(&format!(
        "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES (14, '_sale_price_dates_to', '1000000000')"
    ));
    shop.ok("product.update", &[("id", "14"), ("price", "48.00")]);
    assert_eq!(shop.meta(14, "_price"), "48.00");
    assert_eq!(
        shop.value(&format!("SELECT CONCAT(min_price, '/', onsale) FROM {p}wc_product_meta_lookup WHERE product_id = 14")),
        "48.0000/0"
    );
}

/// A variation's new price becomes one of its variable product's _price
/// rows and moves the product's lookup range.
fn variation_update_moves_its_product(shop: &WooShop) {
    let p = &shop.prefix;
    shop.ok(
        "product.update",
        &[("id", "13"), ("price", "24.90"), ("quantity", "5")],
    );
    assert_eq!(
        product_state(shop, 13).0,
        ["24.90", "24.90", "5", "instock", "yes"]
    );
    let parent_prices = shop.rows(&format!(
        "SELECT meta_value FROM {p}postmeta WHERE post_id = 10 AND meta_key = '_price' ORDER BY meta_value"
    ));
    assert_eq!(parent_prices, [["19.90"], ["24.90"]]);
    assert_eq!(
        shop.rows(&format!(
            "SELECT min_price, max_price FROM {p}wc_product_meta_lookup WHERE product_id = 10"
        )),
        [["19.9000", "24.9000"]]
    );
    let variation = shop.ok("product.info", &[("id", "13")]);
    assert_eq!(variation["variant_of"], "10");
    assert_eq!(number(&variation["price"]), 24.9);
    // A disabled variation is private, as WooCommerce keeps it.
    shop.ok("product.update", &[("id", "13"), ("status", "disabled")]);
    assert_eq!(
        shop.value(&format!("SELECT post_status FROM {p}posts WHERE ID = 13")),
        "private"
    );

    // A variable product's price is its variations' price.
    shop.ok("product.update", &[("id", "10"), ("price", "22.00")]);
    for variation in [11, 12, 13] {
        assert_eq!(
            product_state(shop, variation).0[..2],
            ["22.00", "22.00"],
            "variation {variation}"
        );
    }
    assert_eq!(
        shop.value(&format!(
            "SELECT COUNT(*) FROM {p}postmeta WHERE post_id = 10 AND meta_key = '_regular_price'"
        )),
        "0",
        "the variable product keeps no price of its own"
    );
    assert_eq!(
        shop.rows(&format!(
            "SELECT meta_value FROM {p}postmeta WHERE post_id = 10 AND meta_key = '_price'"
        )),
        [["22.00"]]
    );
    assert_eq!(
        shop.rows(&format!(
            "SELECT product_id, min_price, max_price FROM {p}wc_product_meta_lookup WHERE product_id IN (10, 11) ORDER BY 1"
        )),
        [["10", "22.0000", "22.0000"], ["11", "22.0000", "22.0000"]]
    );
    assert_eq!(
        number(&shop.ok("product.info", &[("id", "10")])["price"]),
        22.0
    );
}

/// The order's status where this storage keeps it, and its update time.
fn order_status(shop: &WooShop, id: i64) -> (String, bool) {
    let p = &shop.prefix;
    match shop.orders {
        Orders::Hpos => {
            let row = &shop.rows(&format!(
                "SELECT status, date_updated_gmt > '2026-03-04 15:30:00' FROM {p}wc_orders WHERE id = {id}"
            ))[0];
            (row[0].clone(), row[1] == "1")
        }
        Orders::Posts => {
            let row = &shop.rows(&format!(
                "SELECT post_status, post_modified > '2026-03-04 15:30:00' AND post_modified_gmt > '2026-03-04 15:30:00' \
                 FROM {p}posts WHERE ID = {id}"
            ))[0];
            (row[0].clone(), row[1] == "1")
        }
    }
}

/// The order notes of an order: content, author, agent, type, approved,
/// and whether it is a note to the customer.
fn notes(shop: &WooShop, id: i64) -> Vec<Vec<String>> {
    let p = &shop.prefix;
    shop.rows(&format!(
        "SELECT c.comment_content, c.comment_author, c.comment_author_email, c.comment_agent, c.comment_type, \
         c.comment_approved, COALESCE(m.meta_value, '-') \
         FROM {p}comments c LEFT JOIN {p}commentmeta m ON m.comment_id = c.comment_ID AND m.meta_key = 'is_customer_note' \
         WHERE c.comment_post_ID = {id} ORDER BY c.comment_ID"
    ))
}

/// The stock of the products in order D (CB-TEE-L, CB-SOCKS): postmeta
/// _stock and the lookup row's stock_quantity; then what D's lines
/// remember as taken (itemmeta _reduced_stock) and its flag.
fn d_stock(shop: &WooShop) -> (Vec<Vec<String>>, Vec<Vec<String>>, String) {
    let p = &shop.prefix;
    let d = FIRST_ORDER + 3;
    let stock = shop.rows(&format!(
        "SELECT s.post_id, s.meta_value, l.stock_quantity FROM {p}postmeta s \
         JOIN {p}wc_product_meta_lookup l ON l.product_id = s.post_id \
         WHERE s.post_id IN (13, 17) AND s.meta_key = '_stock' ORDER BY 1"
    ));
    let reduced = shop.rows(&format!(
        "SELECT i.order_item_name, m.meta_value FROM {p}woocommerce_order_items i \
         JOIN {p}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id AND m.meta_key = '_reduced_stock' \
         WHERE i.order_id = {d} ORDER BY i.order_item_id"
    ));
    let flag = match shop.orders {
        Orders::Hpos => shop.value(&format!(
            "SELECT order_stock_reduced FROM {p}wc_order_operational_data WHERE order_id = {d}"
        )),
        Orders::Posts => shop.meta(d, "_order_stock_reduced"),
    };
    (stock, reduced, flag)
}

fn order_update(shop: &WooShop) {
    let p = &shop.prefix;
    let d = FIRST_ORDER + 3;
    let d_text = d.to_string();
    let (stock, reduced, _) = d_stock(shop);
    assert_eq!(
        stock,
        [["13", "5", "5"], ["17", "250", "250"]],
        "as product.update left them"
    );
    assert!(reduced.is_empty(), "a pending order holds no stock");
    let result = shop.ok(
        "order.update",
        &[
            ("id", &d_text),
            ("status", "wc-processing"),
            ("comment", "Paid by bank."),
            ("notify", "1"),
        ],
    );
    assert_eq!(result["order"]["status_id"], "wc-processing");
    assert_eq!(result["order"]["status"], "Processing");
    assert_eq!(order_status(shop, d), ("wc-processing".into(), true));
    let note = |text: &str, customer: &str| {
        vec![
            text.to_string(),
            "WooCommerce".into(),
            "woocommerce@shop.test".into(),
            "WooCommerce".into(),
            "order_note".into(),
            "1".into(),
            customer.to_string(),
        ]
    };
    assert_eq!(
        notes(shop, d),
        [note(
            "Paid by bank. Order status changed from Pending payment to Processing.",
            "1"
        )]
    );
    assert_eq!(
        shop.value(&format!(
            "SELECT status FROM {p}wc_order_stats WHERE order_id = {d}"
        )),
        "wc-processing",
        "the analytics copy follows"
    );
    let paid = match shop.orders {
        Orders::Hpos => shop.value(&format!(
            "SELECT date_paid_gmt IS NOT NULL AND date_completed_gmt IS NULL FROM {p}wc_order_operational_data WHERE order_id = {d}"
        )),
        Orders::Posts => shop.value(&format!(
            "SELECT COUNT(*) = 2 FROM {p}postmeta WHERE post_id = {d} AND meta_key IN ('_date_paid', '_paid_date')"
        )),
    };
    assert_eq!(paid, "1", "the paid date is set");

    // Without the prefix, without notify: a note for the shop only.
    shop.ok("order.update", &[("id", &d_text), ("status", "completed")]);
    assert_eq!(order_status(shop, d).0, "wc-completed");
    assert_eq!(
        notes(shop, d)[1],
        note("Order status changed from Processing to Completed.", "-")
    );
    if shop.orders == Orders::Hpos {
        assert_eq!(
            shop.value(&format!("SELECT post_status FROM {p}posts WHERE ID = {d}")),
            "wc-pending",
            "the placeholder post is no order and stays as it was"
        );
    }
    // The same status again with a comment: only the comment.
    shop.ok(
        "order.update",
        &[
            ("id", &d_text),
            ("status", "wc-completed"),
            ("comment", "Shipped."),
        ],
    );
    assert_eq!(notes(shop, d)[2][0], "Shipped.");
    // The same status, no comment: no note.
    shop.ok(
        "order.update",
        &[("id", &d_text), ("status", "wc-completed")],
    );
    assert_eq!(notes(shop, d).len(), 3);
    assert_eq!(
        shop.ok("order.info", &[("id", &d_text)])["status"],
        "Completed"
    );
    let yes = if shop.orders == Orders::Hpos {
        "1"
    } else {
        "yes"
    };
    let no = if shop.orders == Orders::Hpos {
        "0"
    } else {
        "no"
    };
    assert_eq!(
        d_stock(shop),
        (
            vec![
                vec!["13".to_string(), "4".into(), "4".into()],
                vec!["17".into(), "248".into(), "248".into()]
            ],
            vec![
                vec!["Cotton Tee - L".to_string(), "1".into()],
                vec!["Wool Socks".into(), "2".into()]
            ],
            yes.to_string()
        ),
        "processing took the goods from stock once; completed kept them"
    );

    // Refunded: WooCommerce gives nothing back on that status.
    shop.ok(
        "order.update",
        &[("id", &d_text), ("status", "wc-refunded")],
    );
    assert_eq!(d_stock(shop).0[1][1], "248");
    // Cancelled: the goods go back, the lines forget them.
    shop.ok(
        "order.update",
        &[("id", &d_text), ("status", "wc-cancelled")],
    );
    assert_eq!(
        d_stock(shop),
        (
            vec![
                vec!["13".to_string(), "5".into(), "5".into()],
                vec!["17".into(), "250".into(), "250".into()]
            ],
            vec![],
            no.to_string()
        )
    );
    // Taken again, and back, with the stock status: 5 Big Mugs would be
    // none, were the order for them.
    shop.ok("order.update", &[("id", &d_text), ("status", "on-hold")]);
    assert_eq!(d_stock(shop).0[0][1], "4");
    shop.ok("order.update", &[("id", &d_text), ("status", "pending")]);
    assert_eq!(d_stock(shop).0[0][1], "5");
}

/// Orders as posts with WooCommerce's compatibility sync on: the HPOS copy
/// follows a status change.
fn order_update_keeps_the_hpos_copy(shop: &WooShop) {
    if shop.orders != Orders::Posts {
        return;
    }
    let p = &shop.prefix;
    shop.exec(&format!(
        "UPDATE {p}options SET option_value = 'yes' WHERE option_name = 'woocommerce_custom_orders_table_data_sync_enabled';\
         INSERT INTO {p}wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, date_created_gmt, \
         date_updated_gmt) VALUES (102, 'wc-cancelled', 'EUR', 'shop_order', 0, 40.80, 2, '2026-03-03 12:00:00', \
         '2026-03-03 18:00:00');\
         INSERT INTO {p}wc_order_operational_data (order_id, shipping_total_amount) VALUES (102, 5)"
    ));
    shop.ok("order.update", &[("id", "102"), ("status", "on-hold")]);
    assert_eq!(order_status(shop, 102), ("wc-on-hold".into(), true));
    assert_eq!(
        shop.rows(&format!(
            "SELECT status, date_updated_gmt > '2026-03-03 18:00:00' FROM {p}wc_orders WHERE id = 102"
        )),
        [["wc-on-hold", "1"]]
    );
    assert_eq!(
        shop.ok("order.info", &[("id", "102")])["status"],
        "On hold",
        "read from the posts, the authoritative storage"
    );
    shop.exec(&format!(
        "UPDATE {p}options SET option_value = 'no' WHERE option_name = 'woocommerce_custom_orders_table_data_sync_enabled'"
    ));
}

fn failed_writes_leave_nothing(shop: &WooShop) {
    let tables = [
        "posts",
        "postmeta",
        "comments",
        "commentmeta",
        "wc_orders",
        "wc_order_operational_data",
        "wc_order_stats",
        "wc_product_meta_lookup",
        "term_relationships",
        "term_taxonomy",
        "woocommerce_order_itemmeta",
    ];
    let before = shop.snapshot(&tables);
    // The lookup row is written last, after the post and its postmeta.
    shop.fail_writes_to("wc_product_meta_lookup");
    let message = shop.refused(
        "product.update",
        &[
            ("id", "15"),
            ("price", "13.00"),
            ("quantity", "90"),
            ("status", "disabled"),
        ],
        500,
    );
    assert!(message.contains("injected failure"), "{message}");
    assert_eq!(shop.snapshot(&tables), before, "product.update rolled back");
    shop.stop_failing("wc_product_meta_lookup");

    // The note is written after the status.
    shop.fail_writes_to("commentmeta");
    let message = shop.refused(
        "order.update",
        &[("id", "100"), ("status", "wc-cancelled"), ("notify", "1")],
        500,
    );
    assert!(message.contains("injected failure"), "{message}");
    assert_eq!(shop.snapshot(&tables), before, "order.update rolled back");
    shop.stop_failing("commentmeta");

    // The stock moves come last: cancelling A gives its goods back, and
    // the lookup rows fail after the stock, the note and the status.
    shop.fail_writes_to("wc_product_meta_lookup");
    let message = shop.refused(
        "order.update",
        &[("id", "100"), ("status", "wc-cancelled")],
        500,
    );
    assert!(message.contains("injected failure"), "{message}");
    assert_eq!(
        shop.snapshot(&tables),
        before,
        "the stock moves rolled back"
    );
    shop.stop_failing("wc_product_meta_lookup");

    let mugs = shop.meta(15, "_stock");
    shop.ok("order.update", &[("id", "100"), ("status", "wc-cancelled")]);
    assert_eq!(order_status(shop, 100).0, "wc-cancelled");
    assert_eq!(
        shop.meta(15, "_stock").parse::<i64>().unwrap(),
        mugs.parse::<i64>().unwrap() + 1,
        "A's mug is back in stock"
    );
}

fn refusals(shop: &WooShop) {
    let message = shop.refused(
        "order.update",
        &[("id", "100"), ("status", "wc-shipped")],
        400,
    );
    assert!(message.contains("order.status.list"), "{message}");
    shop.refused(
        "order.update",
        &[("id", "9999"), ("status", "wc-completed")],
        404,
    );
    shop.refused(
        "order.update",
        &[("id", "14"), ("status", "wc-completed")],
        404,
    );
    shop.refused("product.update", &[("id", "9999"), ("price", "1.00")], 404);
    shop.refused("product.update", &[("id", "100"), ("price", "1.00")], 404);
    shop.refused("product.info", &[("id", "100")], 404);

    // WooCommerce deactivated: WordPress alone has no catalogue.
    let p = &shop.prefix;
    let active = shop.value(&format!(
        "SELECT option_value FROM {p}options WHERE option_name = 'active_plugins'"
    ));
    shop.exec(&format!(
        "UPDATE {p}options SET option_value = 'a:1:{{i:0;s:19:\"akismet/akismet.php\";}}' WHERE option_name = 'active_plugins'"
    ));
    let message = shop.refused("product.list", &[], 404);
    assert!(message.contains("CART_PLUGIN_IS_NOT_DETECTED"), "{message}");
    shop.exec(&format!(
        "UPDATE {p}options SET option_value = '{active}' WHERE option_name = 'active_plugins'"
    ));
    assert_eq!(
        shop.ok("product.count", &[("status", "disabled")])["count"],
        2,
        "active again: CB-MUG-XL and the variation disabled above"
    );
}

/// Multisite: the bridge's config.toml names blog 2's table prefix; its
/// products, orders and categories come from wp_2_ tables, its customers
/// are the shared users with the customer role on blog 2.
#[test]
fn a_multisite_blog_through_its_table_prefix() {
    let shop = multisite_blog2("cb5w_multisite");
    let products = shop.ok("product.list", &[("count", "100")]);
    let skus: Vec<&str> = products["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = expected_products().into_iter().map(|p| p.sku).collect();
    assert_eq!(skus, expected, "blog 2's products, not the main site's");
    let customers = shop.ok("customer.list", &[]);
    assert_eq!(customers["customers"].as_array().unwrap().len(), 3);
    assert_eq!(customers["customers"][0]["email"], "ada@example.com");
    assert_eq!(shop.ok("order.count", &[]), json!({"count": 4}));
    assert_eq!(shop.ok("cart.info", &[])["platform_version"], "11.0.1");

    shop.ok("order.update", &[("id", "100"), ("status", "wc-on-hold")]);
    assert_eq!(
        shop.value("SELECT status FROM wp_2_wc_orders WHERE id = 100"),
        "wc-on-hold"
    );
    assert_eq!(
        shop.value("SELECT COUNT(*) FROM wp_2_comments WHERE comment_post_ID = 100"),
        "1"
    );
    assert_eq!(
        shop.value("SELECT COUNT(*) FROM wp_comments"),
        "0",
        "the main site is untouched"
    );
    shop.ok("product.update", &[("id", "10"), ("status", "disabled")]);
    assert_eq!(
        shop.value("SELECT post_status FROM wp_2_posts WHERE ID = 10"),
        "draft"
    );
    assert_eq!(
        shop.value("SELECT post_status FROM wp_posts WHERE ID = 10"),
        "publish"
    );
}
