//! The OpenCart catalogue shop for the cross-platform test: OpenCart
//! 4.0.2.3's schema and own data plus the common demo catalogue as OpenCart
//! stores it (`tests/fixtures/opencart_catalogue.py`: German as language 2,
//! EUR the default currency, CB-TEE's sizes as 4.0 variants), without the
//! OpenCart-only demo orders, so the catalogue's customers and orders are
//! the shop's first ones.

use crate::common::shop::{self, Shop};
use crate::common::{fixture, fresh_database};

/// The catalogue in MariaDB database `database` (created anew), table
/// prefix `oc_`, the store root detected as OpenCart 4.0.2.3.
pub fn catalogue_shop(database: &str) -> Shop {
    let files = [
        fixture("opencart-4.0.2.3-ddl.sql"),
        fixture("opencart-4.0.2.3-data.sql"),
        fixture("opencart-4-catalogue.sql"),
    ];
    let paths: Vec<&std::path::Path> = files.iter().map(|f| f.as_path()).collect();
    let db = fresh_database(database, &paths);
    shop::opencart_mysql(&db, "4.0.2.3")
}
