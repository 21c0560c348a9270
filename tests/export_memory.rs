//! A whole-catalogue export through `product.list` pages keeps the bridge's
//! memory flat: one FastCGI process (nginx `fastcgi_pass`, warm
//! connections) answering the pages of 100,000 products peaks a little
//! above where it peaked after the first 1,000 (allocator warm-up) and
//! where it peaked after 50,000. Answers stream and nothing is kept
//! between requests but a few idle database connections.
//!
//! Memory is the process's peak resident size (`VmHWM`); no timing.

mod common;
mod native_support;

use common::WebServer;
use native_support::{ids, Call, Generation, TestShop};
use serde_json::Value as Json;

const BULK: i64 = 100_000;

fn peak_rss_kib(pid: u32) -> u64 {
    common::memory_kib(pid, "VmHWM").unwrap_or_else(|| panic!("no VmHWM for process {pid}"))
}

/// Pages of 250 from `cursor` (the first page when `None`) until `until`
/// products have come or the list ends; returns the next cursor.
fn export(
    server: &WebServer,
    cursor: Option<String>,
    until: usize,
    seen: &mut Vec<i64>,
) -> Option<String> {
    let mut cursor = cursor;
    while seen.len() < until {
        let mut query = vec![("count", "250")];
        if let Some(c) = cursor.as_deref() {
            query.push(("page_cursor", c));
        }
        let (status, answer) = Call::get("product.list", &query).send(server);
        assert_eq!(status, 200, "{answer}");
        let result: &Json = &answer["result"];
        seen.extend(ids(&result["products"]).iter().map(|id| {
            id.parse::<i64>()
                .unwrap_or_else(|_| panic!("id {id:?} is not a number"))
        }));
        cursor = result["next_page_cursor"].as_str().map(str::to_string);
        cursor.as_ref()?;
    }
    cursor
}

#[test]
fn a_fastcgi_process_exports_100000_products_in_the_memory_of_1000() {
    let shop = TestShop::mariadb_in(Generation::Oc3, "cb10_export");
    shop.add_bulk_products(BULK);
    let total: usize = shop
        .value("SELECT COUNT(*) FROM oc_product")
        .parse()
        .unwrap();
    let server =
        WebServer::nginx_fastcgi(&shop.shop.root, &shop.shop.script, &common::binary(), &[]);
    let pid = server.fastcgi_pid().expect("the FastCGI process");

    let mut seen = Vec::with_capacity(total);
    let cursor = export(&server, None, 1_000, &mut seen);
    let after_thousand = peak_rss_kib(pid);
    let cursor = export(&server, cursor, 50_000, &mut seen);
    let after_half = peak_rss_kib(pid);
    assert!(cursor.is_some(), "more than 50,000 products to come");
    let rest = export(&server, cursor, usize::MAX, &mut seen);
    let after_all = peak_rss_kib(pid);

    assert!(rest.is_none());
    assert_eq!(seen.len(), total, "every product once");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in id order");
    eprintln!(
        "FastCGI peak RSS: {after_thousand} KiB after 1,000 products, {after_half} KiB after 50,000, \
         {after_all} KiB after {total}"
    );
    // The answers total about 30 MiB. The first pages warm the allocator
    // up (an arena per connection thread, warm database connections): a
    // few MiB once. After that, the second 50,000 products add nothing.
    assert!(
        after_all <= after_thousand + 8 * 1024,
        "peak grew from {after_thousand} KiB (1,000 products) to {after_all} KiB ({total})"
    );
    assert!(
        after_all <= after_half + 1024,
        "peak grew from {after_half} KiB (50,000 products) to {after_all} KiB ({total})"
    );
}
