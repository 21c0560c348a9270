//! The shape of a native method as data: its name, whether it writes, its
//! parameters with their types, and the schema of its result. The
//! dispatcher validates calls against these definitions and the OpenAPI
//! document is generated from them, so the two cannot drift apart.

use serde_json::Value as Json;

use super::answer::Answer;
use super::fields::Entity;
use super::params::Args;
use super::{ApiError, Context};

/// What a method does once its parameters are valid: it writes its answer
/// through `Answer` (lists stream row by row).
pub type Handler = fn(&mut Context<'_>, &Args, &mut Answer<'_>) -> Result<(), ApiError>;

/// One native method.
pub struct Method {
    pub name: &'static str,
    pub summary: &'static str,
    /// Writes are POST only; reads take GET and POST.
    pub writes: bool,
    pub params: &'static [Param],
    /// The JSON schema of `result`.
    pub result: fn() -> Json,
    pub run: Handler,
}

/// One parameter of a method.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub doc: &'static str,
}

/// What a parameter's value must be.
#[derive(Debug, Clone, Copy)]
pub enum ParamKind {
    /// An entity id: a positive integer (string or number).
    Id,
    /// Up to 250 ids, comma-separated or a JSON array.
    Ids,
    /// An integer within a range.
    Integer { min: i64, max: i64 },
    /// A date-time: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or ISO 8601.
    DateTime,
    /// `enabled` or `disabled` (also `1`/`0`).
    Status,
    /// An order status id as `order.status.list` gives it: digits
    /// (OpenCart's `5`) or a platform's code (`wc-processing`), bound as text.
    Code,
    /// Free text of at most `max` characters (may be empty).
    Text { max: usize },
    /// Text to search for: not empty, at most `max` characters.
    Search { max: usize },
    /// A non-negative money amount with at most 4 decimals (`99.5000`).
    Money,
    /// `true`/`false` (also `1`/`0`).
    Bool,
    /// A `next_page_cursor` from the previous page.
    Cursor,
    /// Names of fields of an entity to return, comma-separated or a JSON array.
    Fields(&'static Entity),
    /// A JSON array (positional) or object (named) of SQL parameter values.
    SqlParams,
}

/// The most rows one page may hold.
pub const MAX_COUNT: i64 = 250;
/// The largest id the platforms' INT columns hold.
pub const MAX_ID: i64 = i32::MAX as i64;

impl Param {
    pub const fn optional(name: &'static str, kind: ParamKind, doc: &'static str) -> Param {
        Param {
            name,
            kind,
            required: false,
            doc,
        }
    }

    pub const fn required(name: &'static str, kind: ParamKind, doc: &'static str) -> Param {
        Param {
            name,
            kind,
            required: true,
            doc,
        }
    }
}

/// Parameters shared by many methods.
pub mod common {
    use super::{Param, ParamKind, MAX_COUNT, MAX_ID};

    pub const START: Param = Param::optional(
        "start",
        ParamKind::Integer {
            min: 0,
            max: MAX_ID,
        },
        "Rows to skip (default 0). Deep pages cost more with start: use page_cursor to export.",
    );
    pub const COUNT: Param = Param::optional(
        "count",
        ParamKind::Integer {
            min: 1,
            max: MAX_COUNT,
        },
        "Rows per page (default 10, at most 250).",
    );
    pub const PAGE_CURSOR: Param = Param::optional(
        "page_cursor",
        ParamKind::Cursor,
        "The next_page_cursor of the previous page, with the same filters: keyset paging, same cost for every page.",
    );
    pub const IDS: Param = Param::optional("ids", ParamKind::Ids, "Only these ids (at most 250).");
    pub const ID: Param = Param::required("id", ParamKind::Id, "The entity's id.");
    pub const STATUS: Param = Param::optional("status", ParamKind::Status, "enabled or disabled.");
    pub const CREATED_FROM: Param = Param::optional(
        "created_from",
        ParamKind::DateTime,
        "Created at or after this time (shop time unless an offset is given).",
    );
    pub const CREATED_TO: Param = Param::optional(
        "created_to",
        ParamKind::DateTime,
        "Created at or before this time.",
    );
    pub const MODIFIED_FROM: Param = Param::optional(
        "modified_from",
        ParamKind::DateTime,
        "Modified at or after this time.",
    );
    pub const MODIFIED_TO: Param = Param::optional(
        "modified_to",
        ParamKind::DateTime,
        "Modified at or before this time.",
    );
    pub const LANG_ID: Param = Param::optional(
        "lang_id",
        ParamKind::Integer {
            min: 1,
            max: MAX_ID,
        },
        "Language of names and descriptions (default: the shop's default language).",
    );
    pub const STORE_ID: Param = Param::optional(
        "store_id",
        ParamKind::Integer {
            min: 0,
            max: MAX_ID,
        },
        "Only what this store shows (0 is the default store; default: every store).",
    );
}
