//! `cart.info`: what the shop is (platform, version, name), its languages
//! and currencies, defaults and time zone.

use serde_json::{json, Value as Json};

use super::gone;
use crate::api::answer::Answer;
use crate::api::fields::{entity_ref, Entity, Field, FieldKind as K, Layout};
use crate::api::params::Args;
use crate::api::spec::Method;
use crate::api::{ApiError, Binds, Context};
use crate::db::Value;

pub static LANGUAGE: Entity = Entity {
    name: "Language",
    fields: &[
        Field::new("id", K::Id, "The lang_id other methods take."),
        Field::new("code", K::Text, "e.g. en-gb"),
        Field::new("name", K::Text, ""),
        Field::new("status", K::Status, ""),
    ],
};

pub static CURRENCY: Entity = Entity {
    name: "Currency",
    fields: &[
        Field::new("id", K::Id, ""),
        Field::new("code", K::Text, "ISO 4217"),
        Field::new("name", K::Text, ""),
        Field::new("symbol_left", K::Text, ""),
        Field::new("symbol_right", K::Text, ""),
        Field::new(
            "rate",
            K::Decimal,
            "Value of one unit of the default currency in this one.",
        ),
        Field::new("status", K::Status, ""),
    ],
};

pub const CART_INFO: Method = Method {
    name: "cart.info",
    summary: "The shop: platform and version, name, languages, currencies, defaults, time zone.",
    writes: false,
    params: &[],
    result: || {
        let text = json!({"type": ["string", "null"]});
        json!({
            "type": "object",
            "properties": {
                "platform": {"type": "string"},
                "platform_title": {"type": "string"},
                "platform_version": text,
                "store_name": text,
                "default_language": text,
                "default_currency": text,
                "time_zone": text,
                "languages": {"type": "array", "items": entity_ref(&LANGUAGE)},
                "currencies": {"type": "array", "items": entity_ref(&CURRENCY)},
                "bridge_version": {"type": "string"},
            },
            "required": ["platform", "platform_title", "platform_version", "store_name",
                "default_language", "default_currency", "time_zone", "languages", "currencies",
                "bridge_version"],
            "additionalProperties": false,
        })
    },
    run: cart_info,
};

fn cart_info(cx: &mut Context<'_>, _args: &Args, answer: &mut Answer<'_>) -> Result<(), ApiError> {
    let sql = cx.sql("cart.info/store")?;
    let store = cx.db()?.first_row(&sql, &[])?.unwrap_or_default();
    let field = |i: usize| {
        store
            .get(i)
            .and_then(Value::to_text)
            .map_or(Json::Null, Json::from)
    };
    let languages = objects(cx, "cart.info/languages", &LANGUAGE)?;
    let currencies = objects(cx, "cart.info/currencies", &CURRENCY)?;
    let version = match cx.shop.version.clone() {
        Some(version) => Some(version),
        None => {
            let shop = cx.shop.clone();
            shop.version_with(cx.db()?)
        }
    };
    let result = json!({
        "platform": cx.shop.platform.name,
        "platform_title": cx.shop.platform.title,
        "platform_version": version,
        "store_name": field(0),
        "default_language": field(1),
        "default_currency": field(2),
        "time_zone": field(3),
        "languages": languages,
        "currencies": currencies,
        "bridge_version": crate::VERSION,
    });
    answer.result(&result).map_err(gone)
}

/// A short list of entities (languages, currencies), read whole.
fn objects(
    cx: &mut Context<'_>,
    sql: &str,
    entity: &'static Entity,
) -> Result<Vec<Json>, ApiError> {
    let sql = cx.sql(sql)?;
    let shaper = cx.shaper()?;
    let (sql, values) = Binds::default().bind(&sql);
    let mut rows = Vec::new();
    let mut columns = Vec::new();
    cx.db()?.run(&sql, &values, &mut |c, row| {
        if columns.is_empty() {
            columns = c.to_vec();
        }
        rows.push(row.to_vec());
        Ok(())
    })?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let layout = Layout::new(entity, &columns, None)?;
    Ok(rows
        .iter()
        .map(|row| Json::Object(layout.object(row, &shaper)))
        .collect())
}
