//! The native API's parameters: whatever the query, body and content type,
//! reading and validating them returns values or a 400, never a panic; and
//! what validation lets through keeps the promises the SQL relies on (ids in
//! range, sorted and unique; integers within bounds; text within its length;
//! dates that read back as themselves). The stored times the answers show
//! go through the same date arithmetic and must not panic either.
//!
//! The first byte picks the content type (and whether `id` is required);
//! the query is the text up to the first newline, the body the rest. A
//! first byte of 5 (mod 6) reads the rest as a stored time instead.
#![no_main]

use cartbridge_fuzz::api::fields::{Entity, Field};
use cartbridge_fuzz::api::params::{parse_datetime, Arg, Params};
use cartbridge_fuzz::api::spec::{Param, ParamKind, MAX_COUNT, MAX_ID};
use cartbridge_fuzz::api::time::{Moment, Zone};
use cartbridge_fuzz::http::Request;
use libfuzzer_sys::fuzz_target;

static THING: Entity = Entity {
    name: "Thing",
    fields: &[
        Field { name: "id" },
        Field { name: "name" },
        Field { name: "price" },
    ],
};

const INTEGER: ParamKind = ParamKind::Integer { min: -5, max: 250 };
const TEXT_MAX: usize = 16;

/// One parameter of every kind, under names the seeds use.
static SPEC: &[Param] = &[
    Param::optional("id", ParamKind::Id, "An id."),
    Param::optional("ids", ParamKind::Ids, "Ids."),
    Param::optional("count", INTEGER, "A count."),
    Param::optional("created_from", ParamKind::DateTime, "From."),
    Param::optional("created_to", ParamKind::DateTime, "To."),
    Param::optional("status", ParamKind::Status, "A status."),
    Param::optional("code", ParamKind::Code, "A status id."),
    Param::optional("name", ParamKind::Text { max: TEXT_MAX }, "Text."),
    Param::optional("find", ParamKind::Search { max: TEXT_MAX }, "A search."),
    Param::optional("price", ParamKind::Money, "Money."),
    Param::optional("flag", ParamKind::Bool, "A flag."),
    Param::optional("page_cursor", ParamKind::Cursor, "A cursor."),
    Param::optional("fields", ParamKind::Fields(&THING), "Fields."),
    Param::optional("params", ParamKind::SqlParams, "SQL parameters."),
];

/// The same with `id` required.
static SPEC_ID_REQUIRED: &[Param] = &[
    Param::required("id", ParamKind::Id, "The entity's id."),
    Param::optional("fields", ParamKind::Fields(&THING), "Fields."),
];

const CONTENT_TYPES: [&str; 5] = [
    "",
    "application/json",
    "application/x-www-form-urlencoded",
    "Application/JSON; charset=utf-8",
    "text/plain",
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    if which % 6 == 5 {
        stored_time(&String::from_utf8_lossy(rest));
        return;
    }
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let (query, body) = rest.split_at(split);
    let mut request = Request {
        method: "POST".into(),
        query: query.to_vec(),
        body: body.get(1..).unwrap_or_default().to_vec(),
        ..Request::default()
    };
    let content_type = CONTENT_TYPES[usize::from(which % 6)];
    if !content_type.is_empty() {
        request
            .headers
            .push(("content-type".into(), content_type.as_bytes().to_vec()));
    }
    let params = match Params::from_request(&request) {
        Ok(params) => params,
        Err(refusal) => return assert_eq!(refusal.status, 400),
    };
    let spec = if which & 0x80 != 0 {
        SPEC_ID_REQUIRED
    } else {
        SPEC
    };
    match params.validate(spec) {
        Ok(args) => check_args(&args, spec),
        Err(refusal) => assert_eq!(refusal.status, 400),
    }
});

fn check_args(args: &cartbridge_fuzz::api::params::Args, spec: &[Param]) {
    for param in spec {
        assert!(
            !param.required || args.has(param.name),
            "{} missing",
            param.name
        );
    }
    for (name, arg) in args.iter() {
        let param = spec
            .iter()
            .find(|p| p.name == name)
            .expect("a declared name");
        match (param.kind, arg) {
            (ParamKind::Id, Arg::Int(id)) => assert!((1..=MAX_ID).contains(id)),
            (ParamKind::Ids, Arg::Ids(ids)) => {
                assert!(!ids.is_empty() && ids.len() <= MAX_COUNT as usize);
                assert!(ids.windows(2).all(|w| w[0] < w[1]), "not sorted and unique");
                assert!(ids.iter().all(|id| (1..=MAX_ID).contains(id)));
            }
            (ParamKind::Integer { min, max }, Arg::Int(n)) => assert!((min..=max).contains(n)),
            (ParamKind::DateTime, Arg::Time(moment)) => check_moment(*moment),
            (ParamKind::Status, Arg::Int(n)) => assert!(*n == 0 || *n == 1),
            (ParamKind::Code, Arg::Text(code)) => assert!(!code.is_empty() && code.len() <= 64),
            (ParamKind::Text { max }, Arg::Text(text)) => assert!(text.chars().count() <= max),
            (ParamKind::Search { max }, Arg::Text(text)) => {
                assert!(!text.is_empty() && text.chars().count() <= max)
            }
            (ParamKind::Money, Arg::Money(amount)) => {
                assert!(amount.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            }
            (ParamKind::Bool, Arg::Bool(_)) => {}
            (ParamKind::Cursor, Arg::Cursor(cursor)) => assert!(cursor.len() <= 512),
            (ParamKind::Fields(entity), Arg::Fields(names)) => {
                assert!(!names.is_empty());
                assert!(names
                    .iter()
                    .all(|n| entity.fields.iter().any(|f| f.name == n)));
            }
            (ParamKind::SqlParams, Arg::Json(json)) => assert!(json.is_array() || json.is_object()),
            (kind, arg) => panic!("{name}: {kind:?} gave {arg:?}"),
        }
    }
    if let (Some(from), Some(to)) = (args.moment("created_from"), args.moment("created_to")) {
        assert!(from.offset != to.offset || from.naive <= to.naive);
    }
}

/// A validated date, written out again with its offset, reads back as itself.
fn check_moment(moment: Moment) {
    let naive = Zone::utc().to_local_text(Moment {
        offset: None,
        ..moment
    });
    let text = match moment.offset {
        None => naive,
        Some(0) => format!("{naive}Z"),
        Some(offset) => {
            let sign = if offset < 0 { '-' } else { '+' };
            let minutes = offset.unsigned_abs() / 60;
            format!("{naive}{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        }
    };
    assert_eq!(parse_datetime(&text), Some(moment), "{text}");
}

/// A stored time becomes ISO 8601 without panicking; in UTC, one that
/// reads back as a caller's date converts to the same text again.
fn stored_time(stored: &str) {
    let utc = Zone::utc();
    let Some(iso) = utc.iso8601(stored) else {
        return;
    };
    if let Some(moment) = parse_datetime(&iso) {
        assert_eq!(
            utc.iso8601(&utc.to_utc_text(moment)).as_deref(),
            Some(iso.as_str())
        );
    }
}
