//! Every method of the first set on the real OpenCart 3.0.3.8, 4.0.2.3
//! and 4.1.0.4 schemas with their own demo data (plus the demo orders), on
//! MariaDB and on SQLite, through `cartbridge call`. Writes are read back
//! through the shop's own tables.

mod common;
mod native_support;

use native_support::{ids, Generation, TestShop};
use serde_json::{json, Value as Json};

fn every_method(shop: &TestShop) {
    cart_info(shop);
    products(shop);
    paging(shop);
    categories(shop);
    customers(shop);
    orders(shop);
    sql_query(shop);
    // Writes last: they change what the reads above check.
    product_update(shop);
    order_update(shop);
}

#[test]
fn opencart_3_on_mariadb() {
    every_method(&TestShop::mariadb(Generation::Oc3, "methods_oc3"));
}

#[test]
fn opencart_4_0_on_mariadb() {
    every_method(&TestShop::mariadb(Generation::Oc40, "methods_oc40"));
}

#[test]
fn opencart_4_1_on_mariadb() {
    every_method(&TestShop::mariadb(Generation::Oc41, "methods_oc41"));
}

#[test]
fn opencart_3_on_sqlite() {
    every_method(&TestShop::sqlite(Generation::Oc3));
}

#[test]
fn opencart_4_1_on_sqlite() {
    every_method(&TestShop::sqlite(Generation::Oc41));
}

fn cart_info(shop: &TestShop) {
    let info = shop.ok("cart.info", &[]);
    assert_eq!(info["platform"], "opencart");
    assert_eq!(info["platform_version"], shop.generation.version());
    assert_eq!(info["store_name"], "Your Store");
    assert_eq!(info["default_language"], "en-gb", "{}", shop.label());
    assert_eq!(info["default_currency"], "USD");
    assert_eq!(info["time_zone"], "UTC");
    assert_eq!(
        info["languages"][0],
        json!({"id": "1", "code": "en-gb", "name": "English", "status": "enabled"})
    );
    let usd = info["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "USD")
        .unwrap();
    assert_eq!(usd["rate"].as_str().unwrap().parse::<f64>().unwrap(), 1.0);
}

fn products(shop: &TestShop) {
    assert_eq!(shop.ok("product.count", &[])["count"], 19);
    assert_eq!(
        shop.ok("product.count", &[("status", "enabled")])["count"],
        19
    );
    assert_eq!(
        shop.ok("product.count", &[("status", "disabled")])["count"],
        0
    );
    let recent = shop.value("SELECT COUNT(*) FROM oc_product WHERE date_added >= '2011-01-01'");
    assert_eq!(
        shop.ok("product.count", &[("created_from", "2011-01-01T00:00:00Z")])["count"].to_string(),
        recent
    );
    assert_eq!(shop.ok("product.count", &[("store_id", "0")])["count"], 19);

    // The issue's own example.
    let iphone = shop.ok("product.info", &[("id", "40")]);
    assert_eq!(iphone["name"], "iPhone", "{}", shop.label());
    assert_eq!(iphone["model"], "product 11");
    assert_eq!(iphone["price"], "101.0000");
    assert_eq!(iphone["quantity"], 970);
    assert_eq!(iphone["status"], "enabled");
    assert_eq!(iphone["categories_ids"], json!(["20", "24"]));
    assert_eq!(iphone["stores_ids"], json!(["0"]));
    assert_eq!(
        (&iphone["sku"], &iphone["variant_of"]),
        (&Json::Null, &Json::Null)
    );
    let added = shop.value("SELECT date_added FROM oc_product WHERE product_id = 40");
    assert_eq!(
        iphone["created_at"],
        format!("{}Z", added.replace(' ', "T"))
    );

    // Stored HTML-escaped, answered as plain text.
    assert_eq!(
        shop.value("SELECT name FROM oc_product_description WHERE product_id = 42"),
        "Apple Cinema 30&quot;"
    );
    assert_eq!(
        shop.ok("product.info", &[("id", "42")])["name"],
        "Apple Cinema 30\""
    );

    let narrow = shop.ok("product.info", &[("id", "40"), ("params", "name,price")]);
    assert_eq!(
        narrow,
        json!({"id": "40", "name": "iPhone", "price": "101.0000"})
    );
    assert_eq!(
        shop.ok(
            "product.info",
            &[("id", "40"), ("lang_id", "1"), ("store_id", "0")]
        )["name"],
        "iPhone"
    );
    assert_eq!(
        shop.refused("product.info", &[("id", "999")], 404),
        "product 999 not found"
    );
    let message = shop.refused("product.info", &[("id", "40"), ("lang_id", "9")], 400);
    assert!(message.contains("lang_id 9"), "{message}");
    let message = shop.refused("product.info", &[("id", "40"), ("store_id", "5")], 400);
    assert!(message.contains("store_id 5"), "{message}");

    let page = shop.ok("product.list", &[]);
    let first = ids(&page["products"]);
    assert_eq!(first.len(), 10);
    let all: Vec<String> = shop
        .rows("SELECT product_id FROM oc_product ORDER BY product_id")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(first, all[..10]);
    assert!(page["next_page_cursor"].is_string());
    let chosen = shop.ok("product.list", &[("ids", "42,40,4000")]);
    assert_eq!(ids(&chosen["products"]), ["40", "42"]);
    assert_eq!(chosen["next_page_cursor"], Json::Null);

    // Find by name: any case, and the text as typed matches the stored
    // escaped form.
    let found = shop.ok("product.find", &[("name", "cinema")]);
    assert_eq!(ids(&found["products"]), ["42"]);
    let found = shop.ok("product.find", &[("name", "Cinema 30\"")]);
    assert_eq!(ids(&found["products"]), ["42"]);
    let found = shop.ok("product.find", &[("name", "100%")]);
    assert_eq!(ids(&found["products"]), Vec::<String>::new());
    let message = shop.refused("product.find", &[], 400);
    assert!(message.contains("sku or name"), "{message}");

    // SKUs: a column up to 4.0, the product_code table in 4.1.
    match shop.generation {
        Generation::Oc41 => shop.exec(
            "INSERT INTO oc_product_code (product_id, code, value) VALUES (40, 'SKU', 'IPH-40')",
        ),
        _ => shop.exec("UPDATE oc_product SET sku = 'IPH-40' WHERE product_id = 40"),
    }
    let found = shop.ok("product.find", &[("sku", "IPH-40")]);
    assert_eq!(ids(&found["products"]), ["40"]);
    assert_eq!(found["products"][0]["sku"], "IPH-40");
    let listed = shop.ok("product.list", &[("sku", "IPH-40")]);
    assert_eq!(ids(&listed["products"]), ["40"]);
}

fn paging(shop: &TestShop) {
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut params = vec![("count", "7"), ("status", "enabled")];
        if let Some(c) = &cursor {
            params.push(("page_cursor", c));
        }
        let page = shop.ok("product.list", &params);
        pages.push(ids(&page["products"]));
        match page["next_page_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [7, 7, 5]);
    let offset_page = shop.ok(
        "product.list",
        &[("count", "7"), ("start", "7"), ("status", "enabled")],
    );
    assert_eq!(ids(&offset_page["products"]), pages[1]);

    let page = shop.ok("product.list", &[("count", "7"), ("status", "enabled")]);
    let cursor = page["next_page_cursor"].as_str().unwrap();
    let message = shop.refused(
        "product.list",
        &[("count", "7"), ("page_cursor", cursor)],
        400,
    );
    assert!(message.contains("other filters"), "{message}");
    let message = shop.refused(
        "product.list",
        &[
            ("count", "7"),
            ("status", "enabled"),
            ("page_cursor", cursor),
            ("start", "7"),
        ],
        400,
    );
    assert!(message.contains("either start or page_cursor"), "{message}");
    let message = shop.refused(
        "category.list",
        &[
            ("count", "7"),
            ("status", "enabled"),
            ("page_cursor", cursor),
        ],
        400,
    );
    assert!(message.contains("continues product.list"), "{message}");
    let tampered = cursor.replacen(|c: char| c.is_ascii_alphabetic(), "Z", 1);
    let message = shop.refused(
        "product.list",
        &[
            ("count", "7"),
            ("status", "enabled"),
            ("page_cursor", &tampered),
        ],
        400,
    );
    assert!(message.contains("not a cursor"), "{message}");
    // The count does not belong to the filters: a cursor may continue
    // with bigger pages.
    let rest = shop.ok(
        "product.list",
        &[
            ("count", "250"),
            ("status", "enabled"),
            ("page_cursor", cursor),
        ],
    );
    assert_eq!(ids(&rest["products"]).len(), 12);
}

fn categories(shop: &TestShop) {
    assert_eq!(shop.ok("category.count", &[])["count"], 38);
    assert_eq!(shop.ok("category.count", &[("parent_id", "0")])["count"], 8);
    let children: Vec<String> = shop
        .rows("SELECT category_id FROM oc_category WHERE parent_id = 20 ORDER BY category_id")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let listed = shop.ok("category.list", &[("parent_id", "20")]);
    assert_eq!(ids(&listed["categories"]), children);
    let desktops = shop.ok("category.info", &[("id", "20")]);
    assert_eq!(desktops["name"], "Desktops");
    assert_eq!(desktops["parent_id"], Json::Null);
    assert_eq!(desktops["status"], "enabled");
    let child = shop.ok("category.info", &[("id", &children[0])]);
    assert_eq!(child["parent_id"], "20");
    let dated = shop.ok("category.count", &[("created_from", "2000-01-01")])["count"].clone();
    if shop.generation == Generation::Oc41 {
        // 4.1 keeps no dates on categories.
        assert_eq!(desktops["created_at"], Json::Null);
        assert_eq!(dated, 0);
    } else {
        assert!(desktops["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(dated, 38);
    }
    assert_eq!(
        shop.refused("category.info", &[("id", "999")], 404),
        "category 999 not found"
    );
}

fn customers(shop: &TestShop) {
    assert_eq!(shop.ok("customer.count", &[])["count"], 8);
    assert_eq!(
        shop.ok("customer.count", &[("status", "disabled")])["count"],
        1
    );
    let page = shop.ok("customer.list", &[("count", "3")]);
    assert_eq!(ids(&page["customers"]), ["1", "2", "3"]);
    let sean = shop.ok("customer.info", &[("id", "4")]);
    assert_eq!(sean["first_name"], "Seán");
    assert_eq!(sean["last_name"], "O'Brien");
    assert_eq!(sean["newsletter"], false);
    assert_eq!(sean["created_at"], "2024-04-22T08:05:00Z");
    assert_eq!(
        sean["address"],
        json!({
            "first_name": "Seán", "last_name": "O'Brien", "company": "O'Brien & Sons",
            "address_1": "12 Grafton Street", "address_2": "", "city": "Dublin",
            "postcode": "D02 XY45", "country": "Ireland", "country_id": "103",
            "zone": "Dublin", "zone_id": "1591",
        }),
        "{}",
        shop.label()
    );
    let found = shop.ok("customer.find", &[("email", "JANE.DOE@example.com")]);
    assert_eq!(ids(&found["customers"]), ["1"]);
    let found = shop.ok("customer.find", &[("email", "nobody@example.com")]);
    assert_eq!(found, json!({"customers": []}));
    shop.refused("customer.info", &[("id", "99")], 404);
}

fn orders(shop: &TestShop) {
    assert_eq!(
        shop.ok("order.count", &[])["count"],
        11,
        "status 0 is left out"
    );
    assert_eq!(shop.ok("order.count", &[("status", "0")])["count"], 1);
    let complete = shop.value("SELECT COUNT(*) FROM oc_order WHERE order_status_id = 5");
    assert_eq!(
        shop.ok("order.count", &[("status", "5")])["count"].to_string(),
        complete
    );
    assert_eq!(shop.ok("order.count", &[("customer_id", "1")])["count"], 2);

    let page = shop.ok("order.list", &[("count", "5")]);
    assert_eq!(ids(&page["orders"]), ["1", "2", "3", "4", "5"]);
    for order in page["orders"].as_array().unwrap() {
        assert_eq!(order["totals"].as_array().unwrap().len(), 5, "{order}");
        assert!(!order["order_products"].as_array().unwrap().is_empty());
    }
    let never_completed = shop.ok("order.list", &[("status", "0")]);
    assert_eq!(ids(&never_completed["orders"]), ["11"]);

    let first = shop.ok("order.info", &[("id", "1")]);
    assert_eq!(first["status"], "Complete");
    assert_eq!(first["status_id"], "5");
    assert_eq!(first["customer"]["id"], "1");
    assert_eq!(first["customer"]["email"], "jane.doe@example.com");
    assert_eq!(
        first["payment_method"],
        "Cash On Delivery",
        "{}",
        shop.label()
    );
    assert_eq!(first["shipping_method"], "Flat Shipping Rate");
    assert_eq!(first["invoice_no"], "1");
    let total = shop.value("SELECT total FROM oc_order WHERE order_id = 1");
    assert_eq!(
        first["total"].as_str().unwrap().parse::<f64>().unwrap(),
        total.parse::<f64>().unwrap()
    );
    let totals = first["totals"].as_array().unwrap();
    assert_eq!(totals[0]["code"], "sub_total");
    assert_eq!(totals[4]["code"], "total");
    assert_eq!(totals[4]["value"], first["total"]);
    let lines = &first["order_products"];
    assert_eq!(lines[0]["product_id"], "40");
    assert_eq!(lines[0]["name"], "iPhone");
    assert_eq!(lines[0]["price"], "101.0000");
    assert_eq!(lines[1]["name"], "Apple Cinema 30\"");
    assert_eq!(first["billing_address"]["city"], "New York");

    let second = shop.ok("order.info", &[("id", "2")]);
    assert_eq!(
        second["comment"],
        "Please ring twice & leave it with the porter."
    );
    assert_eq!(second["currency"], "GBP");
    assert_eq!(second["billing_address"]["company"], "Smith & Partners Ltd");
    let guest = shop.ok("order.info", &[("id", "5"), ("params", "customer,comment")]);
    assert_eq!(guest["customer"]["id"], Json::Null);
    assert_eq!(guest["customer"]["email"], "alex.guest@example.net");
    assert_eq!(guest["comment"], "Gift \"wrap\" please");
    assert_eq!(guest.as_object().unwrap().len(), 3);
    shop.refused("order.info", &[("id", "999")], 404);

    let statuses = shop.ok("order.status.list", &[])["statuses"].clone();
    assert_eq!(statuses.as_array().unwrap().len(), 14);
    assert_eq!(statuses[0], json!({"id": "1", "name": "Pending"}));
}

fn sql_query(shop: &TestShop) {
    // The local operator reads by default ...
    let rows = shop.ok(
        "sql.query",
        &[
            (
                "sql",
                "SELECT product_id, model FROM oc_product WHERE product_id = ?",
            ),
            ("params", "[40]"),
        ],
    );
    assert_eq!(rows["rows"], json!([[40, "product 11"]]));
    assert_eq!(rows["columns"][1]["name"], "model");
    let named = shop.ok(
        "sql.query",
        &[
            (
                "sql",
                "SELECT COUNT(*) AS n FROM oc_product WHERE status = :status",
            ),
            ("params", "{\"status\": 1}"),
        ],
    );
    assert_eq!(named["rows"], json!([[19]]));
    let message = shop.refused(
        "sql.query",
        &[("sql", "UPDATE oc_product SET model = 'x'")],
        403,
    );
    assert!(message.contains("UPDATE"), "{message}");
    // ... writes only when told to ...
    let (code, answer) = shop.call_with(
        &["--sql-policy", "full"],
        "sql.query",
        &[(
            "sql",
            "UPDATE oc_product SET location = 'Aisle 4' WHERE product_id = 41",
        )],
    );
    assert_eq!(
        (code, &answer["result"]["affected_rows"]),
        (0, &json!(1)),
        "{answer}"
    );
    assert_eq!(
        shop.value("SELECT location FROM oc_product WHERE product_id = 41"),
        "Aisle 4"
    );
    // ... and can be told to do nothing.
    let (code, answer) = shop.call_with(
        &["--sql-policy", "none"],
        "sql.query",
        &[("sql", "SELECT 1")],
    );
    assert_eq!((code, &answer["return_code"]), (1, &json!(403)), "{answer}");
}

fn product_update(shop: &TestShop) {
    let before = shop.value("SELECT date_modified FROM oc_product WHERE product_id = 40");
    let updated = shop.ok(
        "product.update",
        &[
            ("id", "40"),
            ("price", "99.5"),
            ("quantity", "5"),
            ("status", "disabled"),
        ],
    );
    assert_eq!(updated["updated"], true);
    assert_eq!(updated["product"]["price"], "99.5000");
    assert_eq!(updated["product"]["quantity"], 5);
    assert_eq!(updated["product"]["status"], "disabled");
    // Read back through the shop's own table.
    let row = &shop.rows(
        "SELECT price, quantity, status, date_modified FROM oc_product WHERE product_id = 40",
    )[0];
    assert_eq!(row[0].parse::<f64>().unwrap(), 99.5);
    assert_eq!((row[1].as_str(), row[2].as_str()), ("5", "0"));
    assert_ne!(row[3], before, "date_modified moves");
    assert_eq!(
        shop.ok("product.count", &[("status", "disabled")])["count"],
        1
    );
    // Only what is given changes.
    shop.ok("product.update", &[("id", "40"), ("status", "enabled")]);
    let row = &shop.rows("SELECT price, quantity, status FROM oc_product WHERE product_id = 40")[0];
    assert_eq!(
        (
            row[0].parse::<f64>().unwrap(),
            row[1].as_str(),
            row[2].as_str()
        ),
        (99.5, "5", "1")
    );
    assert_eq!(
        shop.refused("product.update", &[("id", "999"), ("price", "1")], 404),
        "product 999 not found"
    );
    let message = shop.refused("product.update", &[("id", "40")], 400);
    assert!(
        message.contains("at least one of price, quantity, status"),
        "{message}"
    );
}

fn order_update(shop: &TestShop) {
    let stock = || {
        shop.value("SELECT quantity FROM oc_product WHERE product_id = 40")
            .parse::<i64>()
            .unwrap()
    };
    let history = || shop.value("SELECT COUNT(*) FROM oc_order_history WHERE order_id = 8");
    let (stock_before, history_before) = (stock(), history());
    // Order 8 (two iPhones) is Processing, which holds stock; Canceled
    // gives it back.
    let updated = shop.ok(
        "order.update",
        &[
            ("id", "8"),
            ("status", "7"),
            ("comment", "Out of stock & refunded"),
            ("notify", "true"),
        ],
    );
    assert_eq!(updated["order"]["status_id"], "7");
    assert_eq!(updated["order"]["status"], "Canceled");
    assert_eq!(
        shop.value("SELECT order_status_id FROM oc_order WHERE order_id = 8"),
        "7"
    );
    let last = &shop.rows(
        "SELECT order_status_id, notify, comment FROM oc_order_history WHERE order_id = 8 ORDER BY order_history_id DESC LIMIT 1",
    )[0];
    assert_eq!(last, &["7", "1", "Out of stock & refunded"]);
    assert_eq!(
        stock(),
        stock_before + 2,
        "{}: canceling restocks",
        shop.label()
    );
    // Back to Processing takes the stock again; Processing to Shipped
    // moves none.
    shop.ok("order.update", &[("id", "8"), ("status", "2")]);
    assert_eq!(stock(), stock_before);
    shop.ok(
        "order.update",
        &[("id", "8"), ("status", "3"), ("notify", "false")],
    );
    assert_eq!(stock(), stock_before);
    let history_after: i64 = history().parse().unwrap();
    assert_eq!(history_after, history_before.parse::<i64>().unwrap() + 3);
    assert_eq!(
        shop.refused("order.update", &[("id", "999"), ("status", "1")], 404),
        "order 999 not found"
    );
    let message = shop.refused("order.update", &[("id", "8"), ("status", "999")], 400);
    assert!(message.contains("not an order status"), "{message}");
    let message = shop.refused("order.update", &[("id", "8")], 400);
    assert!(message.starts_with("status is required"), "{message}");
    assert_eq!(
        shop.value("SELECT order_status_id FROM oc_order WHERE order_id = 8"),
        "3"
    );
}
