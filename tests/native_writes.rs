//! Writes are all or nothing: when any statement of a write fails, the
//! shop's tables are as they were. Failures are injected with triggers
//! (as a full disk or a crashed table would fail a statement), on InnoDB
//! (OpenCart 4), on SQLite, and on OpenCart 3's MyISAM tables, which
//! cannot roll back and are undone statement by statement.

mod common;
mod native_support;

use native_support::{Generation, TestShop};

/// What order 8 (Processing, two iPhones) looks like in the shop's tables.
fn order_8(shop: &TestShop) -> Vec<String> {
    let mut state = shop
        .rows("SELECT order_status_id, date_modified FROM oc_order WHERE order_id = 8")[0]
        .clone();
    state.push(shop.value("SELECT COUNT(*) FROM oc_order_history WHERE order_id = 8"));
    state.push(shop.value("SELECT quantity FROM oc_product WHERE product_id = 40"));
    state
}

fn nothing_half_written(shop: &TestShop) {
    let before = order_8(shop);
    let cancel = [("id", "8"), ("status", "7"), ("comment", "refund")];

    // The second statement (the history row) fails.
    shop.fail_inserts_into("oc_order_history");
    let message = shop.refused("order.update", &cancel, 500);
    assert!(
        message.contains("injected failure"),
        "{}: {message}",
        shop.label()
    );
    assert_eq!(
        order_8(shop),
        before,
        "{}: history insert failed",
        shop.label()
    );
    shop.exec("DROP TRIGGER cb4_fail_oc_order_history");

    // The last statement (giving the stock back) fails, after the status
    // and the history row were written.
    shop.fail_updates_of("oc_product", "NEW.quantity <> OLD.quantity");
    let message = shop.refused("order.update", &cancel, 500);
    assert!(
        message.contains("injected failure"),
        "{}: {message}",
        shop.label()
    );
    assert_eq!(
        order_8(shop),
        before,
        "{}: stock update failed",
        shop.label()
    );
    shop.exec("DROP TRIGGER cb4_fail_upd_oc_product");

    // Without the failures the same write goes through.
    shop.ok("order.update", &cancel);
    let after = order_8(shop);
    assert_eq!(after[0], "7");
    assert_eq!(
        after[3].parse::<i64>().unwrap(),
        before[3].parse::<i64>().unwrap() + 2
    );
}

/// OpenCart 4 variants follow their master product unless they override
/// a field (their quantity is always their own); a failure while updating them leaves the master unchanged too.
fn variants_follow_and_fail_together(shop: &TestShop) {
    shop.exec(
        "INSERT INTO oc_product (product_id, master_id, model, location, variant, `override`, quantity, \
         stock_status_id, image, manufacturer_id, shipping, price, points, tax_class_id, date_available, \
         weight, weight_class_id, length, width, height, length_class_id, subtract, minimum, rating, \
         sort_order, status, date_added, date_modified) VALUES \
         (100, 40, 'product 11 red', '', '{}', '{}', 10, 7, '', 8, 1, 101.0000, 0, 9, '2009-02-03', 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00'), \
         (101, 40, 'product 11 gold', '', '{}', '{\"price\":\"1\"}', 10, 7, '', 8, 1, 150.0000, 0, 9, '2009-02-03', 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
    );
    let price = |id: u32| {
        shop.number(&format!(
            "SELECT price FROM oc_product WHERE product_id = {id}"
        ))
    };
    let updated = shop.ok("product.update", &[("id", "40"), ("price", "111")]);
    assert_eq!(updated["product"]["price"], "111.0000");
    assert_eq!(
        (price(40), price(100), price(101)),
        (111.0, 111.0, 150.0),
        "{}",
        shop.label()
    );
    let variant = shop.ok("product.info", &[("id", "100"), ("params", "variant_of")]);
    assert_eq!(variant["variant_of"], "40");
    // Stock is each variant's own: the master's quantity stays the master's.
    let quantity = |id: u32| {
        shop.value(&format!(
            "SELECT quantity FROM oc_product WHERE product_id = {id}"
        ))
    };
    shop.ok("product.update", &[("id", "40"), ("quantity", "77")]);
    assert_eq!(
        (quantity(40), quantity(100), quantity(101)),
        ("77".to_string(), "10".to_string(), "10".to_string()),
        "{}",
        shop.label()
    );

    shop.fail_updates_of("oc_product", "OLD.master_id <> 0");
    let message = shop.refused("product.update", &[("id", "40"), ("price", "120")], 500);
    assert!(message.contains("injected failure"), "{message}");
    assert_eq!((price(40), price(100)), (111.0, 111.0), "{}", shop.label());
}

#[test]
fn opencart_3_myisam_is_undone_by_hand() {
    let shop = TestShop::mariadb(Generation::Oc3, "writes_oc3");
    assert_eq!(
        shop.value("SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'oc_order'"),
        "MyISAM",
        "this test is about tables that cannot roll back"
    );
    nothing_half_written(&shop);
}

#[test]
fn opencart_4_0_innodb_rolls_back() {
    let shop = TestShop::mariadb(Generation::Oc40, "writes_oc40");
    nothing_half_written(&shop);
    variants_follow_and_fail_together(&shop);
}

#[test]
fn opencart_4_1_innodb_rolls_back() {
    let shop = TestShop::mariadb(Generation::Oc41, "writes_oc41");
    nothing_half_written(&shop);
    variants_follow_and_fail_together(&shop);
}

#[test]
fn sqlite_rolls_back() {
    nothing_half_written(&TestShop::sqlite(Generation::Oc3));
    let shop = TestShop::sqlite(Generation::Oc41);
    nothing_half_written(&shop);
    variants_follow_and_fail_together(&shop);
}
