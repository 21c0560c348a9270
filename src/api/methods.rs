//! The native methods: each declares its parameters and turns them into
//! the platform's SQL and a JSON result. Platform differences live in the
//! SQL files, never here.

use serde_json::{json, Map, Value as Json};

use super::{ApiError, Context, Params};
use crate::db::{bind_named, Column, Value};

/// One method: its name, the parameters it accepts, and what it does.
pub struct Method {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub run: fn(&mut Context<'_>, &Params) -> Result<Json, ApiError>,
}

const METHODS: &[Method] = &[
    Method {
        name: "cart.info",
        params: &[],
        run: cart_info,
    },
    Method {
        name: "product.count",
        params: &[
            "created_from",
            "created_to",
            "modified_from",
            "modified_to",
            "status",
        ],
        run: product_count,
    },
];

pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

pub fn names() -> Vec<&'static str> {
    METHODS.iter().map(|m| m.name).collect()
}

fn cart_info(context: &mut Context<'_>, _params: &Params) -> Result<Json, ApiError> {
    let store = query_objects(context, "cart.info/store", &[])?
        .into_iter()
        .next()
        .unwrap_or_default();
    let languages = query_objects(context, "cart.info/languages", &[])?;
    let currencies = query_objects(context, "cart.info/currencies", &[])?;
    let field = |name: &str| store.get(name).cloned().unwrap_or(Json::Null);
    Ok(json!({
        "platform": context.shop.platform.name,
        "platform_title": context.shop.platform.title,
        "platform_version": context.shop.version,
        "store_name": field("store_name"),
        "default_language": field("default_language"),
        "default_currency": field("default_currency"),
        "time_zone": field("time_zone"),
        "languages": languages,
        "currencies": currencies,
        "bridge_version": crate::VERSION,
    }))
}

fn product_count(context: &mut Context<'_>, params: &Params) -> Result<Json, ApiError> {
    let filters = [
        ("created_from", params.datetime("created_from")?),
        ("created_to", params.datetime("created_to")?),
        ("modified_from", params.datetime("modified_from")?),
        ("modified_to", params.datetime("modified_to")?),
        ("status", params.status("status")?),
    ];
    let count = query_count(context, "product.count", &filters)?;
    Ok(json!({ "count": count }))
}

/// Runs a counting query and returns its first column as a number.
fn query_count(
    context: &mut Context<'_>,
    name: &str,
    bound: &[(&str, Value)],
) -> Result<i64, ApiError> {
    let sql = context.sql(name)?;
    let (sql, values) = bind(&sql, bound);
    let row = context.db()?.first_row(&sql, &values)?;
    Ok(row
        .and_then(|r| r.first().and_then(Value::to_i64))
        .unwrap_or(0))
}

/// Runs a query and returns its rows as JSON objects.
fn query_objects(
    context: &mut Context<'_>,
    name: &str,
    bound: &[(&str, Value)],
) -> Result<Vec<Map<String, Json>>, ApiError> {
    let sql = context.sql(name)?;
    let (sql, values) = bind(&sql, bound);
    let mut objects = Vec::new();
    context.db()?.run(&sql, &values, &mut |columns, row| {
        objects.push(row_object(columns, row));
        Ok(())
    })?;
    Ok(objects)
}

fn bind(sql: &str, bound: &[(&str, Value)]) -> (String, Vec<Value>) {
    bind_named(sql, &|name| {
        bound
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)
    })
}

/// A row as the contract wants it: every value a string (ids, money as
/// stored), `status` as `enabled`/`disabled`, NULL as null.
fn row_object(columns: &[Column], row: &[Value]) -> Map<String, Json> {
    columns
        .iter()
        .zip(row)
        .map(|(column, value)| {
            let json = match (column.name.as_str(), value) {
                (_, Value::Null) => Json::Null,
                ("status", v) => Json::from(if v.to_i64().unwrap_or(0) != 0 {
                    "enabled"
                } else {
                    "disabled"
                }),
                (_, v) => Json::from(v.to_text().unwrap_or_default()),
            };
            (column.name.clone(), json)
        })
        .collect()
}
