//! Keyset paging under change: whatever rows are inserted and deleted
//! between pages, an export with `page_cursor` returns every row that
//! existed throughout exactly once, never a row twice, and never a row
//! that never existed. Random schedules of changes (proptest) against the
//! real binary (`cartbridge call`) on the demo shop on SQLite.

mod common;
mod native_support;

use std::collections::{BTreeSet, HashMap};

use native_support::{Generation, TestShop};
use proptest::prelude::*;

/// Copies product 40 (with its description and store) as product `id`.
fn insert(shop: &TestShop, id: i64) {
    let mut sql = String::new();
    for table in [
        "oc_product",
        "oc_product_description",
        "oc_product_to_store",
    ] {
        sql.push_str(&format!(
            "DROP TABLE IF EXISTS temp.c; CREATE TEMP TABLE c AS SELECT * FROM {table} WHERE product_id = 40; \
             UPDATE c SET product_id = {id}; INSERT INTO {table} SELECT * FROM c;"
        ));
    }
    shop.exec(&sql);
}

fn delete(shop: &TestShop, id: i64) {
    shop.exec(&format!(
        "DELETE FROM oc_product WHERE product_id = {id}; DELETE FROM oc_product_description WHERE product_id = {id}; \
         DELETE FROM oc_product_to_store WHERE product_id = {id};"
    ));
}

fn present(shop: &TestShop) -> BTreeSet<i64> {
    shop.rows("SELECT product_id FROM oc_product")
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn pages_never_skip_or_repeat_a_row(
        changes in proptest::collection::vec((any::<bool>(), 1i64..120), 0..24),
        count in 2usize..6,
    ) {
        let shop = TestShop::sqlite(Generation::Oc3);
        let initial = present(&shop);
        let mut ever = initial.clone();
        let mut throughout = initial.clone();
        let mut changes = changes.into_iter();
        let mut seen: HashMap<i64, usize> = HashMap::new();
        let mut cursor = String::new();
        for page in 0.. {
            prop_assert!(page < 200, "the export does not end");
            let count_text = count.to_string();
            let mut params = vec![("count", count_text.as_str())];
            if !cursor.is_empty() {
                params.push(("page_cursor", cursor.as_str()));
            }
            let result = shop.ok("product.list", &params);
            for product in result["products"].as_array().unwrap() {
                let id: i64 = product["id"].as_str().unwrap().parse().unwrap();
                *seen.entry(id).or_default() += 1;
            }
            // Two changes between pages.
            for (add, id) in changes.by_ref().take(2) {
                let now = present(&shop);
                if add && !now.contains(&id) {
                    insert(&shop, id);
                    ever.insert(id);
                } else if !add && now.contains(&id) {
                    delete(&shop, id);
                    throughout.remove(&id);
                }
            }
            match result["next_page_cursor"].as_str() {
                Some(next) => cursor = next.to_string(),
                None => break,
            }
        }
        for id in &throughout {
            prop_assert_eq!(seen.get(id).copied(), Some(1), "row {} present throughout", id);
        }
        for (id, n) in &seen {
            prop_assert_eq!(*n, 1, "row {} returned {} times", id, n);
            prop_assert!(ever.contains(id), "row {} never existed", id);
        }
    }
}
