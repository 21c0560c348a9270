//! Orders: their fields (customer, addresses, totals, lines), statuses,
//! and `order.update`, which changes the status, appends the history row
//! and moves stock the way the shop does when an order enters or leaves
//! the statuses that hold stock.

use serde_json::{json, Map, Value as Json};

use super::catalog::read_back;
use super::customers::ADDRESS;
use super::{count, count_schema, filters, gone, info, list, page_schema, Listing, Nested};
use crate::api::answer::Answer;
use crate::api::fields::{entity_ref, Entity, Field, FieldKind as K, Layout};
use crate::api::params::Args;
use crate::api::spec::{common as p, Method, Param, ParamKind};
use crate::api::write::{remember, transaction, Writer};
use crate::api::{ApiError, Binds, Context};
use crate::db::Value;

pub static ORDER_PRODUCT: Entity = Entity {
    name: "OrderProduct",
    fields: &[
        Field::new("id", K::Id, "The order line's id."),
        Field::new(
            "product_id",
            K::RefId,
            "The product ordered (it may since have been deleted).",
        ),
        Field::new(
            "variant_of",
            K::RefId,
            "For a variant, its master product; else null.",
        ),
        Field::new("name", K::Text, "Product name at the time of the order."),
        Field::new("model", K::Text, ""),
        Field::new("quantity", K::Integer, ""),
        Field::new(
            "price",
            K::Money,
            "Unit price, excluding tax, in the default currency.",
        ),
        Field::new("total", K::Money, "Line total, excluding tax."),
        Field::new("tax", K::Money, "Unit tax."),
    ],
};

pub static ORDER_TOTAL: Entity = Entity {
    name: "OrderTotal",
    fields: &[
        Field::new("id", K::Id, ""),
        Field::new("code", K::Text, "sub_total, shipping, tax, total, ..."),
        Field::new("title", K::Text, ""),
        Field::new("value", K::Money, "In the default currency."),
        Field::new("sort_order", K::Integer, ""),
    ],
};

pub static ORDER_STATUS: Entity = Entity {
    name: "OrderStatus",
    fields: &[
        Field::new(
            "id",
            K::Code,
            "The status id, as order.update takes it (digits or a code such as wc-processing).",
        ),
        Field::new("name", K::Text, "In the requested language."),
    ],
};

pub static ORDER: Entity = Entity {
    name: "Order",
    fields: &[
        Field::new("id", K::Id, "The order's id (also its number in the shop)."),
        Field::new("invoice_prefix", K::Text, ""),
        Field::new(
            "invoice_no",
            K::RefId,
            "The invoice number, or null before invoicing.",
        ),
        Field::new(
            "status_id",
            K::Code,
            "The order status (see order.status.list).",
        ),
        Field::new(
            "status",
            K::Text,
            "The status name in the requested language.",
        ),
        Field::new(
            "customer",
            K::Object(&[
                Field::new("id", K::RefId, "The customer account, or null for a guest."),
                Field::new("email", K::Text, ""),
                Field::new("first_name", K::Text, ""),
                Field::new("last_name", K::Text, ""),
                Field::new("telephone", K::Text, ""),
                Field::new("customer_group_id", K::RefId, ""),
            ]),
            "Who ordered.",
        ),
        Field::new("billing_address", K::Object(ADDRESS), "Payment address."),
        Field::new(
            "shipping_address",
            K::Object(ADDRESS),
            "Shipping address, or null.",
        ),
        Field::new("payment_method", K::Label, "Payment method name."),
        Field::new("shipping_method", K::Label, "Shipping method name."),
        Field::new(
            "currency",
            K::Text,
            "The currency the customer saw (ISO 4217).",
        ),
        Field::new(
            "currency_value",
            K::Decimal,
            "Rate of that currency to the default one.",
        ),
        Field::new("total", K::Money, "Order total, in the default currency."),
        Field::new("comment", K::Text, "The customer's comment."),
        Field::new(
            "store_id",
            K::Id,
            "The store it was placed in (0: the default store).",
        ),
        Field::new("created_at", K::Time, ""),
        Field::new("modified_at", K::Time, ""),
        Field::new(
            "totals",
            K::List(&ORDER_TOTAL),
            "Sub-total, shipping, taxes, total.",
        ),
        Field::new(
            "order_products",
            K::List(&ORDER_PRODUCT),
            "The order lines.",
        ),
    ],
};

const ORDERS: Listing = Listing {
    method: "order.list",
    sql: "order.list",
    entity: &ORDER,
    key: "orders",
    nested: &[
        Nested {
            field: "totals",
            sql: "order.totals",
            entity: &ORDER_TOTAL,
        },
        Nested {
            field: "order_products",
            sql: "order.products",
            entity: &ORDER_PRODUCT,
        },
    ],
};

const FIELDS: Param = Param::optional(
    "params",
    ParamKind::Fields(&ORDER),
    "Fields to return (default: all; id always).",
);
const STATUS_FILTER: Param = Param::optional(
    "status",
    ParamKind::Code,
    "Only orders in this status id (default: every status the shop counts as an order, not abandoned checkouts).",
);
const CUSTOMER_ID: Param =
    Param::optional("customer_id", ParamKind::Id, "Only this customer's orders.");

pub const ORDER_COUNT: Method = Method {
    name: "order.count",
    summary: "Count orders.",
    writes: false,
    params: &[
        p::CREATED_FROM,
        p::CREATED_TO,
        p::MODIFIED_FROM,
        p::MODIFIED_TO,
        STATUS_FILTER,
        CUSTOMER_ID,
        p::STORE_ID,
    ],
    result: count_schema,
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        count(cx, answer, "order.count", &binds)
    },
};

pub const ORDER_LIST: Method = Method {
    name: "order.list",
    summary: "A page of orders with their customer, addresses, totals and lines, in id order.",
    writes: false,
    params: &[
        p::START,
        p::COUNT,
        p::PAGE_CURSOR,
        p::IDS,
        STATUS_FILTER,
        CUSTOMER_ID,
        p::CREATED_FROM,
        p::CREATED_TO,
        p::MODIFIED_FROM,
        p::MODIFIED_TO,
        p::LANG_ID,
        p::STORE_ID,
        FIELDS,
    ],
    result: || page_schema("orders", &ORDER),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        list(cx, args, answer, &ORDERS, binds)
    },
};

pub const ORDER_INFO: Method = Method {
    name: "order.info",
    summary: "One order with its customer, addresses, totals and lines.",
    writes: false,
    params: &[p::ID, p::LANG_ID, FIELDS],
    result: || entity_ref(&ORDER),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        let order = info(cx, args, &ORDERS, binds)?;
        answer.result(&Json::Object(order)).map_err(gone)
    },
};

pub const ORDER_STATUS_LIST: Method = Method {
    name: "order.status.list",
    summary: "The shop's order statuses.",
    writes: false,
    params: &[p::LANG_ID],
    result: || {
        json!({
            "type": "object",
            "properties": {"statuses": {"type": "array", "items": entity_ref(&ORDER_STATUS)}},
            "required": ["statuses"],
            "additionalProperties": false,
        })
    },
    run: order_status_list,
};

pub const ORDER_UPDATE: Method = Method {
    name: "order.update",
    summary: "Set an order's status, with a history entry (comment, notify flag) and the stock moves the shop makes.",
    writes: true,
    params: &[
        p::ID,
        Param::required("status", ParamKind::Code, "The new status id, as order.status.list gives it."),
        Param::optional("comment", ParamKind::Text { max: 65_535 }, "Comment for the order history."),
        Param::optional("notify", ParamKind::Bool, "Whether the customer was notified (default false)."),
    ],
    result: || {
        json!({
            "type": "object",
            "properties": {"updated": {"const": true}, "order": entity_ref(&ORDER)},
            "required": ["updated", "order"],
            "additionalProperties": false,
        })
    },
    run: order_update,
};

fn order_status_list(
    cx: &mut Context<'_>,
    args: &Args,
    answer: &mut Answer<'_>,
) -> Result<(), ApiError> {
    let binds = filters(cx, args)?;
    let sql = cx.sql("order.status.list")?;
    let shaper = cx.shaper()?;
    let (sql, values) = binds.bind(&sql);
    answer.open_list(&Map::new(), "statuses");
    let mut layout = None;
    let mut failure = None;
    let outcome = cx.db()?.run(&sql, &values, &mut |columns, row| {
        let written = (|| {
            if layout.is_none() {
                layout = Some(Layout::new(&ORDER_STATUS, columns, None)?);
            }
            let object = layout.as_ref().expect("built").object(row, &shaper);
            answer.item(&object).map_err(gone)
        })();
        written.map_err(|e| {
            failure = Some(e);
            std::io::Error::other("stopped")
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    outcome?;
    answer.close_list(&Map::new()).map_err(gone)
}

fn order_update(
    cx: &mut Context<'_>,
    args: &Args,
    answer: &mut Answer<'_>,
) -> Result<(), ApiError> {
    let id = args.int("id").unwrap_or(0);
    let status = args.text("status").unwrap_or_default().to_string();
    let mut binds = filters(cx, args)?;
    binds.set("now", cx.now_local()?);
    binds.set(
        "notify",
        Value::Int(i64::from(args.bool("notify").unwrap_or(false))),
    );
    binds.set("comment", Value::text(args.text("comment").unwrap_or("")));
    transaction(cx, |w| {
        let before = w
            .read("order.update/before", &binds)?
            .ok_or_else(|| ApiError::not_found(format!("order {id} not found")))?;
        if w.read("order.update/check", &binds)?.is_none() {
            return Err(ApiError::bad_parameter(format!(
                "status {status} is not an order status of this shop: order.status.list gives them"
            )));
        }
        remember(&mut binds, &before);
        let old_status = before
            .iter()
            .find(|(n, _)| n == "status_id")
            .and_then(|(_, v)| v.to_text())
            .unwrap_or_default();
        w.step("order.update/order", &binds)?;
        w.step("order.update/history", &binds)?;
        move_stock(w, &mut binds, &old_status, &status)
    })?;
    let order = read_back(cx, id, &ORDERS)?;
    answer
        .result(&json!({"updated": true, "order": order}))
        .map_err(gone)
}

/// Returns an order's goods to stock when it leaves the statuses that
/// hold stock (the shop's processing and complete statuses), and takes
/// them when it enters them, as the shop itself does (`:direction` 1 or
/// -1). A platform without `holding` statuses that has a `stock` step
/// keeps its own record of what an order took (WooCommerce): its step runs
/// on every status change, with `:direction` NULL, and decides from
/// `:status`, `:old_status_id` and that record.
fn move_stock(
    w: &mut Writer<'_, '_>,
    binds: &mut Binds,
    old: &str,
    new: &str,
) -> Result<(), ApiError> {
    let direction = match holding_statuses(w, binds)? {
        None => Value::Null,
        Some(holding) => {
            let holds = |status: &str| holding.iter().any(|h| h == status);
            match (holds(old), holds(new)) {
                (true, false) => Value::Int(1),
                (false, true) => Value::Int(-1),
                _ => return Ok(()),
            }
        }
    };
    binds.set("direction", direction);
    w.optional_step("order.update/stock", binds)?;
    w.optional_step("order.update/option_stock", binds)?;
    Ok(())
}

/// The statuses that hold stock, as text (digits or codes such as
/// `wc-processing`), from the platform's query (one row per setting; each
/// value a status or a JSON array of them); `None` when the platform has
/// no such query.
fn holding_statuses(
    w: &mut Writer<'_, '_>,
    binds: &Binds,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(sql) = w.cx.try_sql("order.update/holding")? else {
        return Ok(None);
    };
    let (sql, values) = binds.bind(&sql);
    let mut ids = Vec::new();
    w.cx.db()?.run(&sql, &values, &mut |_, row| {
        let text = row.first().and_then(Value::to_text).unwrap_or_default();
        match serde_json::from_str::<Json>(&text) {
            Ok(Json::Array(items)) => ids.extend(items.iter().map(|v| match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })),
            _ => ids.extend(Some(text.trim().to_string()).filter(|t| !t.is_empty())),
        }
        Ok(())
    })?;
    Ok(Some(ids))
}
