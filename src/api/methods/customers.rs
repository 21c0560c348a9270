//! Customers: their fields (with the default address) and methods.

use serde_json::Value as Json;

use super::{
    count, count_schema, filters, found, found_schema, gone, info, list, page_schema, Listing,
};
use crate::api::fields::{entity_ref, Entity, Field, FieldKind as K};
use crate::api::spec::{common as p, Method, Param, ParamKind, MAX_COUNT};
use crate::api::ApiError;

/// An address as customers and orders carry it.
pub const ADDRESS: &[Field] = &[
    Field::new("first_name", K::Text, ""),
    Field::new("last_name", K::Text, ""),
    Field::new("company", K::Text, ""),
    Field::new("address_1", K::Text, ""),
    Field::new("address_2", K::Text, ""),
    Field::new("city", K::Text, ""),
    Field::new("postcode", K::Text, ""),
    Field::new("country", K::Text, "Country name."),
    Field::new("country_id", K::RefId, ""),
    Field::new("zone", K::Text, "Region or state name."),
    Field::new("zone_id", K::RefId, ""),
];

pub static CUSTOMER: Entity = Entity {
    name: "Customer",
    fields: &[
        Field::new("id", K::Id, "The customer's id."),
        Field::new("email", K::Text, ""),
        Field::new("first_name", K::Text, ""),
        Field::new("last_name", K::Text, ""),
        Field::new("telephone", K::Text, ""),
        Field::new(
            "status",
            K::Status,
            "enabled or disabled (may log in or not).",
        ),
        Field::new("customer_group_id", K::RefId, ""),
        Field::new(
            "store_id",
            K::Id,
            "The store the customer registered in (0: the default store).",
        ),
        Field::new("newsletter", K::Bool, "Subscribed to the newsletter."),
        Field::new(
            "address",
            K::Object(ADDRESS),
            "The default address, or null.",
        ),
        Field::new("created_at", K::Time, "Registration time, ISO 8601."),
    ],
};

const CUSTOMERS: Listing = Listing {
    method: "customer.list",
    sql: "customer.list",
    entity: &CUSTOMER,
    key: "customers",
    nested: &[],
};

const FIELDS: Param = Param::optional(
    "params",
    ParamKind::Fields(&CUSTOMER),
    "Fields to return (default: all; id always).",
);

pub const CUSTOMER_COUNT: Method = Method {
    name: "customer.count",
    summary: "Count customers.",
    writes: false,
    params: &[p::CREATED_FROM, p::CREATED_TO, p::STATUS, p::STORE_ID],
    result: count_schema,
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        count(cx, answer, "customer.count", &binds)
    },
};

pub const CUSTOMER_LIST: Method = Method {
    name: "customer.list",
    summary: "A page of customers, in id order.",
    writes: false,
    params: &[
        p::START,
        p::COUNT,
        p::PAGE_CURSOR,
        p::IDS,
        p::STATUS,
        p::CREATED_FROM,
        p::CREATED_TO,
        p::LANG_ID,
        p::STORE_ID,
        FIELDS,
    ],
    result: || page_schema("customers", &CUSTOMER),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        list(cx, args, answer, &CUSTOMERS, binds)
    },
};

pub const CUSTOMER_INFO: Method = Method {
    name: "customer.info",
    summary: "One customer.",
    writes: false,
    params: &[p::ID, p::LANG_ID, FIELDS],
    result: || entity_ref(&CUSTOMER),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        let customer = info(cx, args, &CUSTOMERS, binds)?;
        answer.result(&Json::Object(customer)).map_err(gone)
    },
};

pub const CUSTOMER_FIND: Method = Method {
    name: "customer.find",
    summary: "Customers by e-mail address (any case).",
    writes: false,
    params: &[
        Param::required(
            "email",
            ParamKind::Search { max: 96 },
            "The e-mail address.",
        ),
        Param::optional(
            "count",
            ParamKind::Integer {
                min: 1,
                max: MAX_COUNT,
            },
            "At most this many customers (default 10).",
        ),
        p::LANG_ID,
        FIELDS,
    ],
    result: || found_schema("customers", &CUSTOMER),
    run: |cx, args, answer| {
        let binds = filters(cx, args)?;
        if binds.get("email").is_none() {
            return Err(ApiError::bad_parameter("customer.find needs email"));
        }
        found(cx, args, answer, &CUSTOMERS, binds)
    },
};
