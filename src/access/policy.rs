//! What a key may call: scopes, and the one check that every call passes
//! after its method or action name has been normalised the way dispatch
//! will read it (OpenCart's `API/order` bypass came from checking one
//! spelling and dispatching another, SECURITY.md §1.4).
//!
//! Native methods are classified by rule, `<entity>.<verb>`: `count`,
//! `list`, `info` and `find` read, anything else writes. A method dispatch
//! knows but these rules cannot classify is refused for every key until it
//! is given a scope here (default deny). A name dispatch does not know is
//! let through, so the caller gets dispatch's 404 rather than a 403.
//!
//! The legacy protocol has no key id: a call is authenticated by whichever
//! legacy-capable key's secret signs it. Every legacy call needs the
//! `legacy` scope, and each of the incumbent's actions needs one more
//! (`query`/`multiquery` run whatever SQL the gateway sends, so they need
//! `sql:full`). The store token of `config.php`, while it is not imported
//! as a key, has every legacy scope: it is the incumbent's credential and
//! keeps the incumbent's powers until the owner runs `key import-legacy`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::store::KeyConfig;

/// One permission of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub enum Scope {
    #[serde(rename = "store:read")]
    StoreRead,
    #[serde(rename = "products:read")]
    ProductsRead,
    #[serde(rename = "products:write")]
    ProductsWrite,
    #[serde(rename = "orders:read")]
    OrdersRead,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "customers:read")]
    CustomersRead,
    #[serde(rename = "customers:write")]
    CustomersWrite,
    #[serde(rename = "sql:read")]
    SqlRead,
    #[serde(rename = "sql:full")]
    SqlFull,
    #[serde(rename = "files:write")]
    FilesWrite,
    #[serde(rename = "platform:write")]
    PlatformWrite,
    #[serde(rename = "legacy")]
    Legacy,
}

/// Every scope, with what it allows (for `--help` and error messages).
pub const SCOPES: &[(Scope, &str)] = &[
    (
        Scope::StoreRead,
        "cart.info; legacy getconfig, basedirfs and other reads",
    ),
    (Scope::ProductsRead, "product.* and category.* reads"),
    (
        Scope::ProductsWrite,
        "product.update and other catalogue writes",
    ),
    (Scope::OrdersRead, "order.* reads, order.status.list"),
    (Scope::OrdersWrite, "order.update and other order writes"),
    (Scope::CustomersRead, "customer.* reads"),
    (Scope::CustomersWrite, "customer writes"),
    (Scope::SqlRead, "sql.query, read-only statements"),
    (
        Scope::SqlFull,
        "sql.query with any statement; legacy query and multiquery",
    ),
    (
        Scope::FilesWrite,
        "legacy savefile, batchsavefile, deleteimages, clearcache",
    ),
    (
        Scope::PlatformWrite,
        "legacy actions that run the platform's code (notifications, refunds, ...)",
    ),
    (
        Scope::Legacy,
        "may sign calls of the legacy bridge.php protocol",
    ),
];

/// What a new key gets unless told otherwise: every read, nothing else.
pub const DEFAULT_SCOPES: &[Scope] = &[
    Scope::StoreRead,
    Scope::ProductsRead,
    Scope::OrdersRead,
    Scope::CustomersRead,
];

/// What the unimported store token may do: everything the incumbent does.
pub const STORE_TOKEN_SCOPES: &[Scope] = &[
    Scope::Legacy,
    Scope::StoreRead,
    Scope::SqlFull,
    Scope::FilesWrite,
    Scope::PlatformWrite,
];

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::StoreRead => "store:read",
            Scope::ProductsRead => "products:read",
            Scope::ProductsWrite => "products:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::CustomersRead => "customers:read",
            Scope::CustomersWrite => "customers:write",
            Scope::SqlRead => "sql:read",
            Scope::SqlFull => "sql:full",
            Scope::FilesWrite => "files:write",
            Scope::PlatformWrite => "platform:write",
            Scope::Legacy => "legacy",
        }
    }

    /// Parses a scope name, or explains which names exist.
    pub fn parse(text: &str) -> Result<Scope, String> {
        SCOPES
            .iter()
            .map(|(s, _)| *s)
            .find(|s| s.name() == text.trim())
            .ok_or_else(|| {
                format!(
                    "unknown scope '{text}'; scopes are: {}",
                    SCOPES
                        .iter()
                        .map(|(s, _)| s.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// Whether holding `self` grants `needed` (`sql:full` covers `sql:read`).
    fn grants(self, needed: Scope) -> bool {
        self == needed || (self == Scope::SqlFull && needed == Scope::SqlRead)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which protocol a call came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Native,
    Legacy,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Native => "native",
            Protocol::Legacy => "legacy",
        }
    }
}

/// What a call needs, beyond being authenticated.
#[derive(Debug, PartialEq, Eq)]
enum Needs {
    Scopes(&'static [Scope]),
    /// Dispatch knows it but no rule gives it a scope: nobody may call it.
    Unclassified,
}

/// The normalised legacy action: the incumbent removes `.` and PHP's class
/// lookup ignores case, so `Query`, `QUERY` and `qu.ery` are all `query`.
pub fn legacy_action(action: &str) -> String {
    action
        .chars()
        .filter(|c| *c != '.')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn native_needs(method: &str) -> Needs {
    use Scope::*;
    let entity = method.split('.').next().unwrap_or("");
    let verb = method.rsplit('.').next().unwrap_or("");
    let read = matches!(verb, "count" | "list" | "info" | "find");
    let scope: &'static [Scope] = match (entity, read) {
        ("cart", true) => &[StoreRead],
        ("product" | "category", true) => &[ProductsRead],
        ("product" | "category", false) => &[ProductsWrite],
        ("order", true) => &[OrdersRead],
        ("order", false) => &[OrdersWrite],
        ("customer", true) => &[CustomersRead],
        ("customer", false) => &[CustomersWrite],
        ("sql", false) if method == "sql.query" => &[SqlRead],
        _ => return Needs::Unclassified,
    };
    Needs::Scopes(scope)
}

fn legacy_needs(action: &str) -> Needs {
    use Scope::*;
    Needs::Scopes(match action {
        "query" | "multiquery" => &[Legacy, SqlFull],
        "getconfig"
        | "basedirfs"
        | "cubecart"
        | "mysqlver"
        | "getshipmentproviders"
        | "getshippingrates"
        | "getcartweight"
        | "getpaymentmodules"
        | "getabandonedordertotal"
        | "get_url"
        | "collect_totals" => &[Legacy, StoreRead],
        "savefile" | "batchsavefile" | "deleteimages" | "clearcache" => &[Legacy, FilesWrite],
        "send_notification" | "platform_action" | "createrefund" | "dispatchcartevents"
        | "setproductstores" | "reindexproduct" | "m2eextensionnotify" => &[Legacy, PlatformWrite],
        // phpinfo, update and delete are refused by cartbridge whatever the
        // key; any other name is answered ACTION_DO_NOT EXIST by dispatch.
        _ => &[Legacy],
    })
}

/// Allows the call, or says which scope is missing (HTTP 403).
///
/// `action` must be the normalised name dispatch will use (the native
/// method as looked up, or [`legacy_action`]); `known` says whether
/// dispatch has it.
pub fn check(key: &KeyConfig, protocol: Protocol, action: &str, known: bool) -> Result<(), String> {
    if protocol == Protocol::Native && !known {
        return Ok(());
    }
    let needs = match protocol {
        Protocol::Native => native_needs(action),
        Protocol::Legacy => legacy_needs(action),
    };
    let needed = match needs {
        Needs::Scopes(needed) => needed,
        Needs::Unclassified => {
            return Err(format!(
            "{action} has no scope assigned in this version of cartbridge, so no key may call it"
        ))
        }
    };
    match needed.iter().find(|n| !key.scopes.iter().any(|s| s.grants(**n))) {
        None => Ok(()),
        Some(missing) => Err(format!(
            "key '{}' lacks the scope {missing} needed for {action}; the store owner can grant it with `cartbridge key set {} --scope {missing} ...`",
            key.id, key.id
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scopes: &[Scope]) -> KeyConfig {
        KeyConfig {
            scopes: scopes.to_vec(),
            ..KeyConfig::new("erp-sync", "secret")
        }
    }

    #[test]
    fn native_methods_need_their_entitys_read_or_write_scope() {
        let reader = key(DEFAULT_SCOPES);
        for method in [
            "cart.info",
            "product.count",
            "product.list",
            "product.info",
            "product.find",
            "category.list",
            "customer.find",
            "order.list",
            "order.status.list",
        ] {
            assert_eq!(
                check(&reader, Protocol::Native, method, true),
                Ok(()),
                "{method}"
            );
        }
        for (method, scope) in [
            ("product.update", "products:write"),
            ("order.update", "orders:write"),
            ("sql.query", "sql:read"),
        ] {
            let error = check(&reader, Protocol::Native, method, true).unwrap_err();
            assert!(error.contains(scope), "{method}: {error}");
        }
        assert_eq!(
            check(&key(&[Scope::SqlFull]), Protocol::Native, "sql.query", true),
            Ok(())
        );
        assert!(check(&key(&[Scope::SqlRead]), Protocol::Native, "sql.query", true).is_ok());
    }

    #[test]
    fn unclassified_methods_are_refused_and_unknown_ones_reach_dispatch() {
        let all = key(&SCOPES.iter().map(|(s, _)| *s).collect::<Vec<_>>());
        let error = check(&all, Protocol::Native, "shipment.add", true).unwrap_err();
        assert!(error.contains("no scope assigned"), "{error}");
        // A typo is dispatch's 404, not a 403 that hides it.
        assert_eq!(
            check(&key(&[]), Protocol::Native, "product.cuont", false),
            Ok(())
        );
    }

    #[test]
    fn legacy_actions_need_legacy_and_their_own_scope() {
        assert_eq!(legacy_action("Qu.ERY"), "query");
        let gateway = key(&[Scope::Legacy, Scope::StoreRead]);
        assert!(check(&gateway, Protocol::Legacy, "getconfig", true).is_ok());
        let error = check(&gateway, Protocol::Legacy, "query", true).unwrap_err();
        assert!(error.contains("sql:full"), "{error}");
        let error = check(&key(DEFAULT_SCOPES), Protocol::Legacy, "getconfig", true).unwrap_err();
        assert!(error.contains("scope legacy"), "{error}");
        let token = key(STORE_TOKEN_SCOPES);
        for action in [
            "query",
            "multiquery",
            "savefile",
            "getconfig",
            "platform_action",
            "nosuch",
        ] {
            assert!(
                check(&token, Protocol::Legacy, action, true).is_ok(),
                "{action}"
            );
        }
    }

    #[test]
    fn scope_names_parse_and_list_the_known_ones() {
        assert_eq!(Scope::parse("orders:write"), Ok(Scope::OrdersWrite));
        let error = Scope::parse("orders:delete").unwrap_err();
        assert!(
            error.contains("orders:write") && error.contains("legacy"),
            "{error}"
        );
        for (scope, _) in SCOPES {
            assert_eq!(Scope::parse(scope.name()), Ok(*scope));
        }
    }
}
