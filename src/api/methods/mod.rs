//! The native methods: the table the dispatcher and the OpenAPI document
//! both read, and the machinery every listing shares (filters, keyset
//! paging, streaming rows with their nested lists). Platform differences
//! live in the SQL files, never here.

mod catalog;
mod customers;
mod orders;
mod shop;
mod sql;

use std::io;

use serde_json::{json, Map, Value as Json};

use super::answer::Answer;
use super::fields::{entity_ref, Entity, Layout, Shaper};
use super::params::{Arg, Args};
use super::spec::Method;
use super::{ApiError, Binds, Context};
use crate::db::{Database, Value};

/// Every method, in the order the OpenAPI document lists them.
pub static METHODS: &[Method] = &[
    shop::CART_INFO,
    catalog::PRODUCT_COUNT,
    catalog::PRODUCT_LIST,
    catalog::PRODUCT_INFO,
    catalog::PRODUCT_FIND,
    catalog::PRODUCT_UPDATE,
    catalog::CATEGORY_COUNT,
    catalog::CATEGORY_LIST,
    catalog::CATEGORY_INFO,
    customers::CUSTOMER_COUNT,
    customers::CUSTOMER_LIST,
    customers::CUSTOMER_INFO,
    customers::CUSTOMER_FIND,
    orders::ORDER_COUNT,
    orders::ORDER_LIST,
    orders::ORDER_INFO,
    orders::ORDER_STATUS_LIST,
    orders::ORDER_UPDATE,
    sql::SQL_QUERY,
];

/// The entities the methods answer with (nested ones are found from these).
pub fn entities() -> Vec<&'static Entity> {
    let mut all = Vec::new();
    for entity in [
        &catalog::PRODUCT,
        &catalog::CATEGORY,
        &customers::CUSTOMER,
        &orders::ORDER,
        &orders::ORDER_STATUS,
        &shop::LANGUAGE,
        &shop::CURRENCY,
    ] {
        super::fields::with_nested(entity, &mut all);
    }
    all
}

/// A method by name, or a 404 naming the known ones.
pub fn find(name: &str) -> Result<&'static Method, ApiError> {
    METHODS.iter().find(|m| m.name == name).ok_or_else(|| {
        let names: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
        ApiError::not_found(format!(
            "unknown method '{name}'; known methods: {}",
            names.join(", ")
        ))
    })
}

/// What a listing method reads and how it answers.
pub struct Listing {
    /// The method page cursors belong to.
    pub method: &'static str,
    /// The platform SQL (also used by the `.info` method).
    pub sql: &'static str,
    pub entity: &'static Entity,
    /// The result's list key (`products`).
    pub key: &'static str,
    pub nested: &'static [Nested],
}

/// A list inside each entity, read with a second query per row.
pub struct Nested {
    pub field: &'static str,
    /// The platform SQL; it gets the entity's id as `:parent_id`.
    pub sql: &'static str,
    pub entity: &'static Entity,
}

/// Parameters that shape a page but do not choose rows.
const PAGING: &[&str] = &["start", "count", "page_cursor", "params"];

/// Binds every filter the caller gave (by its own name), the language
/// (default: the shop's) and the store. A time is the shop's local time;
/// `:<name>_utc` is the same moment in UTC, for columns a shop keeps in
/// UTC (WooCommerce's `date_created_gmt`).
pub fn filters(cx: &mut Context<'_>, args: &Args) -> Result<Binds, ApiError> {
    let mut binds = Binds::default();
    for (name, arg) in args.iter() {
        let value = match arg {
            Arg::Int(i) => Value::Int(*i),
            Arg::Text(t) | Arg::Money(t) => Value::text(t.clone()),
            Arg::Bool(b) => Value::Int(i64::from(*b)),
            Arg::Time(moment) => {
                binds.set(&format!("{name}_utc"), cx.utc_time(*moment)?);
                cx.local_time(*moment)?
            }
            Arg::Ids(_) | Arg::Fields(_) | Arg::Cursor(_) | Arg::Json(_) => continue,
        };
        binds.set(name, value);
    }
    let lang_id = cx.lang_id(args)?;
    binds.set("lang_id", Value::Int(lang_id));
    let store_id = cx.store_id(args)?;
    binds.set("store_id", store_id);
    binds.set("ids_count", Value::Int(0));
    Ok(binds)
}

/// `{"count": N}` from the platform's counting query.
pub fn count(
    cx: &mut Context<'_>,
    answer: &mut Answer<'_>,
    sql: &str,
    binds: &Binds,
) -> Result<(), ApiError> {
    let sql = cx.sql(sql)?;
    let (sql, values) = binds.bind(&sql);
    let row = cx.db()?.first_row(&sql, &values)?;
    let count = row
        .and_then(|r| r.first().and_then(Value::to_i64))
        .unwrap_or(0);
    answer.result(&json!({ "count": count })).map_err(gone)
}

/// The page a listing call asks for.
struct Page {
    offset: i64,
    count: i64,
    /// Keyset start: rows with an id above this.
    after: i64,
    /// Rows with an id up to this (the largest of `ids`).
    until: i64,
}

fn page(cx: &Context<'_>, args: &Args, listing: &Listing) -> Result<Page, ApiError> {
    let mut page = Page {
        offset: args.int("start").unwrap_or(0),
        count: args.int("count").unwrap_or(10),
        after: 0,
        until: i64::MAX,
    };
    if let Some(cursor) = args.text("page_cursor") {
        if page.offset > 0 {
            return Err(ApiError::bad_parameter(
                "give either start or page_cursor, not both: the cursor already says where the page starts",
            ));
        }
        page.after = cx
            .cursor_key()
            .open(cursor, listing.method, &args.canonical(PAGING))?;
    }
    if let Some(ids) = args.ids("ids") {
        // ids are sorted: scan only their range of the primary key.
        page.after = page.after.max(ids[0] - 1);
        page.until = ids[ids.len() - 1];
    }
    Ok(page)
}

fn bind_ids(binds: &mut Binds, ids: &[i64]) {
    binds.list("ids", ids.iter().map(|i| Value::Int(*i)).collect());
    binds.set("ids_count", Value::Int(ids.len() as i64));
}

/// Streams a page of entities: `{"<key>": [...], "next_page_cursor": ...}`.
pub fn list(
    cx: &mut Context<'_>,
    args: &Args,
    answer: &mut Answer<'_>,
    listing: &Listing,
    mut binds: Binds,
) -> Result<(), ApiError> {
    let page = page(cx, args, listing)?;
    binds
        .set("after", Value::Int(page.after))
        .set("until", Value::Int(page.until))
        .set("limit", Value::Int(page.count + 1))
        .set("offset", Value::Int(page.offset));
    if let Some(ids) = args.ids("ids") {
        bind_ids(&mut binds, ids);
    }
    answer.open_list(&Map::new(), listing.key);
    let mut last_id = 0;
    let more = each_entity(
        cx,
        listing,
        &binds,
        args.fields("params"),
        page.count as usize,
        &mut |object| {
            last_id = object_id(&object);
            answer.item(&object).map_err(gone)
        },
    )?;
    let next = if more {
        Json::from(
            cx.cursor_key()
                .issue(listing.method, &args.canonical(PAGING), last_id),
        )
    } else {
        Json::Null
    };
    let mut tail = Map::new();
    tail.insert("next_page_cursor".into(), next);
    answer.close_list(&tail).map_err(gone)
}

/// Streams the entities a find matches: `{"<key>": [...]}`, at most `count`.
pub fn found(
    cx: &mut Context<'_>,
    args: &Args,
    answer: &mut Answer<'_>,
    listing: &Listing,
    mut binds: Binds,
) -> Result<(), ApiError> {
    let count = args.int("count").unwrap_or(10);
    binds
        .set("after", Value::Int(0))
        .set("until", Value::Int(i64::MAX))
        .set("limit", Value::Int(count))
        .set("offset", Value::Int(0));
    answer.open_list(&Map::new(), listing.key);
    each_entity(
        cx,
        listing,
        &binds,
        args.fields("params"),
        count as usize,
        &mut |object| answer.item(&object).map_err(gone),
    )?;
    answer.close_list(&Map::new()).map_err(gone)
}

/// One entity by `id`, or a 404.
pub fn info(
    cx: &mut Context<'_>,
    args: &Args,
    listing: &Listing,
    mut binds: Binds,
) -> Result<Map<String, Json>, ApiError> {
    let id = args
        .int("id")
        .ok_or_else(|| ApiError::bad_parameter("id is required"))?;
    binds
        .set("after", Value::Int(id - 1))
        .set("until", Value::Int(id))
        .set("limit", Value::Int(1))
        .set("offset", Value::Int(0));
    bind_ids(&mut binds, &[id]);
    let mut found = None;
    each_entity(
        cx,
        listing,
        &binds,
        args.fields("params"),
        1,
        &mut |object| {
            found = Some(object);
            Ok(())
        },
    )?;
    found.ok_or_else(|| {
        ApiError::not_found(format!(
            "{} {id} not found",
            listing.entity.name.to_ascii_lowercase()
        ))
    })
}

fn object_id(object: &Map<String, Json>) -> i64 {
    object
        .get("id")
        .and_then(Json::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The client went away (or the pipe broke) while the answer streamed.
pub fn gone(e: io::Error) -> ApiError {
    ApiError::new(500, format!("the answer could not be written: {e}"))
}

/// Runs a listing's query and hands each entity (nested lists filled) to
/// `each`, at most `max` of them; returns whether more rows were there.
fn each_entity(
    cx: &mut Context<'_>,
    listing: &Listing,
    binds: &Binds,
    fields: Option<&[String]>,
    max: usize,
    each: &mut dyn FnMut(Map<String, Json>) -> Result<(), ApiError>,
) -> Result<bool, ApiError> {
    let sql = cx.sql(listing.sql)?;
    let mut nested = Vec::new();
    for n in listing.nested {
        if fields.is_none_or(|f| f.iter().any(|name| name == n.field)) {
            nested.push((n, cx.sql(n.sql)?, None));
        }
    }
    let shaper = cx.shaper()?;
    let (sql, values) = binds.bind(&sql);
    let (db, mut side) = cx.both_dbs_if(!nested.is_empty())?;
    let mut layout: Option<Layout> = None;
    let mut seen = 0;
    let mut failure = None;
    let outcome = db.run(&sql, &values, &mut |columns, row| {
        seen += 1;
        if seen > max {
            return Ok(());
        }
        let mut build = || -> Result<(), ApiError> {
            if layout.is_none() {
                layout = Some(Layout::new(listing.entity, columns, fields)?);
            }
            let mut object = layout.as_ref().expect("just built").object(row, &shaper);
            let id = object_id(&object);
            for (n, sql, nested_layout) in nested.iter_mut() {
                let db = side.as_deref_mut().expect("opened for nested lists");
                let items = nested_rows(db, sql, id, n.entity, nested_layout, &shaper)?;
                object.insert(n.field.to_string(), Json::Array(items));
            }
            each(object)
        };
        build().map_err(|e| {
            failure = Some(e);
            io::Error::other("stopped")
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    outcome?;
    Ok(seen > max)
}

/// The nested entities of one parent row.
fn nested_rows(
    db: &mut dyn Database,
    sql: &str,
    parent_id: i64,
    entity: &'static Entity,
    layout: &mut Option<Layout>,
    shaper: &Shaper,
) -> Result<Vec<Json>, ApiError> {
    let mut binds = Binds::default();
    binds.set("parent_id", Value::Int(parent_id));
    let (sql, values) = binds.bind(sql);
    let mut items = Vec::new();
    let mut failure = None;
    db.run(&sql, &values, &mut |columns, row| {
        if layout.is_none() {
            match Layout::new(entity, columns, None) {
                Ok(l) => *layout = Some(l),
                Err(e) => {
                    failure = Some(e);
                    return Err(io::Error::other("stopped"));
                }
            }
        }
        let object = layout.as_ref().expect("just built").object(row, shaper);
        items.push(Json::Object(object));
        Ok(())
    })?;
    match failure {
        Some(e) => Err(e),
        None => Ok(items),
    }
}

/// The schema of `{"count": N}`.
pub fn count_schema() -> Json {
    json!({
        "type": "object",
        "properties": {"count": {"type": "integer", "minimum": 0}},
        "required": ["count"],
        "additionalProperties": false,
    })
}

/// The schema of a page: `{"<key>": [...], "next_page_cursor": ...}`.
pub fn page_schema(key: &str, entity: &Entity) -> Json {
    json!({
        "type": "object",
        "properties": {
            key: {"type": "array", "items": entity_ref(entity)},
            "next_page_cursor": {
                "type": ["string", "null"],
                "description": "Pass as page_cursor, with the same filters, for the next page; null on the last page.",
            },
        },
        "required": [key, "next_page_cursor"],
        "additionalProperties": false,
    })
}

/// The schema of a find: `{"<key>": [...]}`.
pub fn found_schema(key: &str, entity: &Entity) -> Json {
    json!({
        "type": "object",
        "properties": {key: {"type": "array", "items": entity_ref(entity)}},
        "required": [key],
        "additionalProperties": false,
    })
}
