//! Products and categories: their fields, their methods, and
//! `product.update` (price, quantity, status) in one transaction.

use serde_json::{json, Value as Json};

use super::{
    count, count_schema, filters, found, found_schema, gone, info, list, page_schema, Listing,
};
use crate::api::answer::Answer;
use crate::api::fields::{entity_ref, Entity, Field, FieldKind as K};
use crate::api::params::{Arg, Args};
use crate::api::spec::{common as p, Method, Param, ParamKind, MAX_COUNT};
use crate::api::text::{escape_html, like_contains};
use crate::api::write::{remember, transaction};
use crate::api::{ApiError, Context};
use crate::db::Value;

pub static PRODUCT: Entity = Entity {
    name: "Product",
    fields: &[
        Field::new("id", K::Id, "The product's id."),
        Field::new(
            "sku",
            K::Text,
            "Stock keeping unit; null when the product has none.",
        ),
        Field::new("model", K::Text, "The shop's model code."),
        Field::new(
            "name",
            K::Text,
            "Name in the requested language; null when it has none there.",
        ),
        Field::new(
            "description",
            K::Text,
            "Description (HTML as the shop owner wrote it).",
        ),
        Field::new(
            "price",
            K::Money,
            "Base price, as stored (e.g. \"101.0000\").",
        ),
        Field::new("quantity", K::Integer, "Stock quantity."),
        Field::new("status", K::Status, "enabled or disabled."),
        Field::new("manufacturer_id", K::RefId, "The manufacturer, or null."),
        Field::new(
            "image",
            K::Text,
            "Main image path under the shop's image folder, or null.",
        ),
        Field::new("weight", K::Decimal, "Weight, as stored."),
        Field::new(
            "variant_of",
            K::RefId,
            "For a variant, its master product; else null.",
        ),
        Field::new("categories_ids", K::IdList, "Categories the product is in."),
        Field::new(
            "stores_ids",
            K::IdList,
            "Stores that show the product (0 is the default store).",
        ),
        Field::new("created_at", K::Time, "Creation time, ISO 8601."),
        Field::new("modified_at", K::Time, "Last modification time, ISO 8601."),
    ],
};

pub static CATEGORY: Entity = Entity {
    name: "Category",
    fields: &[
        Field::new("id", K::Id, "The category's id."),
        Field::new(
            "parent_id",
            K::RefId,
            "The parent category, or null at the top.",
        ),
        Field::new("name", K::Text, "Name in the requested language."),
        Field::new(
            "description",
            K::Text,
            "Description (HTML as the shop owner wrote it).",
        ),
        Field::new("image", K::Text, "Image path, or null."),
        Field::new("sort_order", K::Integer, "Position among its siblings."),
        Field::new("status", K::Status, "enabled or disabled."),
        Field::new(
            "created_at",
            K::Time,
            "Creation time; null where the shop keeps none.",
        ),
        Field::new(
            "modified_at",
            K::Time,
            "Modification time; null where the shop keeps none.",
        ),
    ],
};

const PRODUCTS: Listing = Listing {
    method: "product.list",
    sql: "product.list",
    entity: &PRODUCT,
    key: "products",
    nested: &[],
};

const CATEGORIES: Listing = Listing {
    method: "category.list",
    sql: "category.list",
    entity: &CATEGORY,
    key: "categories",
    nested: &[],
};

const PRODUCT_FIELDS: Param = Param::optional(
    "params",
    ParamKind::Fields(&PRODUCT),
    "Fields to return (default: all; id always).",
);
const CATEGORY_FIELDS: Param = Param::optional(
    "params",
    ParamKind::Fields(&CATEGORY),
    "Fields to return (default: all; id always).",
);
const SKU: Param = Param::optional("sku", ParamKind::Search { max: 64 }, "Exact SKU.");
const PARENT_ID: Param = Param::optional(
    "parent_id",
    ParamKind::Integer {
        min: 0,
        max: crate::api::spec::MAX_ID,
    },
    "Only children of this category (0: top-level categories).",
);

pub const PRODUCT_COUNT: Method = Method {
    name: "product.count",
    summary: "Count products.",
    writes: false,
    params: &[
        p::CREATED_FROM,
        p::CREATED_TO,
        p::MODIFIED_FROM,
        p::MODIFIED_TO,
        p::STATUS,
        p::STORE_ID,
    ],
    result: count_schema,
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        count(cx, answer, "product.count", &binds)
    },
};

pub const PRODUCT_LIST: Method = Method {
    name: "product.list",
    summary: "A page of products, in id order.",
    writes: false,
    params: &[
        p::START,
        p::COUNT,
        p::PAGE_CURSOR,
        p::IDS,
        SKU,
        p::STATUS,
        p::CREATED_FROM,
        p::CREATED_TO,
        p::MODIFIED_FROM,
        p::MODIFIED_TO,
        p::LANG_ID,
        p::STORE_ID,
        PRODUCT_FIELDS,
    ],
    result: || page_schema("products", &PRODUCT),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        list(cx, args, answer, &PRODUCTS, binds)
    },
};

pub const PRODUCT_INFO: Method = Method {
    name: "product.info",
    summary: "One product.",
    writes: false,
    params: &[p::ID, p::LANG_ID, p::STORE_ID, PRODUCT_FIELDS],
    result: || entity_ref(&PRODUCT),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        let product = info(cx, args, &PRODUCTS, binds)?;
        answer.result(&Json::Object(product)).map_err(gone)
    },
};

pub const PRODUCT_FIND: Method = Method {
    name: "product.find",
    summary: "Products by exact SKU or by a part of their name.",
    writes: false,
    params: &[
        SKU,
        Param::optional(
            "name",
            ParamKind::Search { max: 255 },
            "A part of the name, any case.",
        ),
        Param::optional(
            "count",
            ParamKind::Integer {
                min: 1,
                max: MAX_COUNT,
            },
            "At most this many products (default 10).",
        ),
        p::LANG_ID,
        p::STORE_ID,
        PRODUCT_FIELDS,
    ],
    result: || found_schema("products", &PRODUCT),
    run: product_find,
};

pub const PRODUCT_UPDATE: Method = Method {
    name: "product.update",
    summary: "Change a product's price, quantity or status (and its variants that follow it).",
    writes: true,
    params: &[
        p::ID,
        Param::optional("price", ParamKind::Money, "New base price."),
        Param::optional(
            "quantity",
            ParamKind::Integer {
                min: i32::MIN as i64,
                max: i32::MAX as i64,
            },
            "New stock quantity.",
        ),
        p::STATUS,
    ],
    result: || {
        json!({
            "type": "object",
            "properties": {"updated": {"const": true}, "product": entity_ref(&PRODUCT)},
            "required": ["updated", "product"],
            "additionalProperties": false,
        })
    },
    run: product_update,
};

pub const CATEGORY_COUNT: Method = Method {
    name: "category.count",
    summary: "Count categories.",
    writes: false,
    params: &[
        PARENT_ID,
        p::STATUS,
        p::CREATED_FROM,
        p::CREATED_TO,
        p::MODIFIED_FROM,
        p::MODIFIED_TO,
        p::STORE_ID,
    ],
    result: count_schema,
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        count(cx, answer, "category.count", &binds)
    },
};

pub const CATEGORY_LIST: Method = Method {
    name: "category.list",
    summary: "A page of categories, in id order.",
    writes: false,
    params: &[
        p::START,
        p::COUNT,
        p::PAGE_CURSOR,
        p::IDS,
        PARENT_ID,
        p::STATUS,
        p::CREATED_FROM,
        p::CREATED_TO,
        p::MODIFIED_FROM,
        p::MODIFIED_TO,
        p::LANG_ID,
        p::STORE_ID,
        CATEGORY_FIELDS,
    ],
    result: || page_schema("categories", &CATEGORY),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        list(cx, args, answer, &CATEGORIES, binds)
    },
};

pub const CATEGORY_INFO: Method = Method {
    name: "category.info",
    summary: "One category.",
    writes: false,
    params: &[p::ID, p::LANG_ID, p::STORE_ID, CATEGORY_FIELDS],
    result: || entity_ref(&CATEGORY),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        let category = info(cx, args, &CATEGORIES, binds)?;
        answer.result(&Json::Object(category)).map_err(gone)
    },
};

fn product_find(
    cx: &mut Context<'_>,
    args: &Args,
    answer: &mut Answer<'_>,
) -> Result<(), ApiError> {
    if !args.has("sku") && !args.has("name") {
        return Err(ApiError::bad_parameter("product.find needs sku or name"));
    }
    let mut binds = filters(cx, args)?;
    if let Some(name) = args.text("name") {
        // Stored names may be HTML-escaped: match either form.
        let escaped = if cx.shop.platform.html_escaped_text {
            escape_html(name)
        } else {
            name.to_string()
        };
        binds.set("name", Value::text(like_contains(name)));
        binds.set("name_escaped", Value::text(like_contains(&escaped)));
    }
    found(cx, args, answer, &PRODUCTS, binds)
}

fn product_update(
    cx: &mut Context<'_>,
    args: &Args,
    answer: &mut Answer<'_>,
) -> Result<(), ApiError> {
    if !["price", "quantity", "status"].iter().any(|n| args.has(n)) {
        return Err(ApiError::bad_parameter(
            "product.update needs at least one of price, quantity, status",
        ));
    }
    let id = args.int("id").unwrap_or(0);
    let mut binds = filters(cx, args)?;
    binds.set("now", cx.now_local()?);
    transaction(cx, |w| {
        let before = w
            .read("product.update/before", &binds)?
            .ok_or_else(|| ApiError::not_found(format!("product {id} not found")))?;
        remember(&mut binds, &before);
        w.step("product.update/product", &binds)?;
        w.optional_step("product.update/variants", &binds)?;
        Ok(())
    })?;
    let product = read_back(cx, id, &PRODUCTS)?;
    answer
        .result(&json!({"updated": true, "product": product}))
        .map_err(gone)
}

/// An entity as its own tables hold it now.
pub fn read_back(cx: &mut Context<'_>, id: i64, listing: &Listing) -> Result<Json, ApiError> {
    let mut only_id = Args::default();
    only_id.set("id", Arg::Int(id));
    let binds = filters(cx, &only_id)?;
    info(cx, &only_id, listing, binds).map(Json::Object)
}
