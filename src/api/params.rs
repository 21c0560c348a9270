//! The parameters of a native call: gathered from the query string and a
//! JSON or form body, then checked one by one against what the method
//! declares, so that a typo is a 400 naming the known parameters rather
//! than a silently ignored filter.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::fields::Entity;
use super::spec::{Param, ParamKind, MAX_COUNT, MAX_ID};
use super::time::{naive_seconds, Moment};
use super::ApiError;
use crate::form;
use crate::http::Request;

/// Parameters by name, as text (JSON numbers and booleans are printed).
#[derive(Debug, Default, Clone)]
pub struct Params {
    values: BTreeMap<String, String>,
    /// What a JSON body gave other than a string, by name: checked against
    /// the parameter's kind, so that `{}` or `false` is not searched for as
    /// the text "{}" or "false".
    shapes: BTreeMap<String, JsonShape>,
    /// Names a JSON body gave as `null`: absent as values, but names all
    /// the same, which the method must know.
    nulls: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum JsonShape {
    Number { whole: bool },
    Bool,
    ArrayOrObject,
}

impl JsonShape {
    /// Whether a parameter of `kind` takes this shape; the refusal's words
    /// otherwise.
    fn check(self, kind: ParamKind) -> Result<(), &'static str> {
        match (self, kind) {
            (
                JsonShape::ArrayOrObject,
                ParamKind::Ids | ParamKind::Fields(_) | ParamKind::SqlParams,
            )
            | (JsonShape::Bool, ParamKind::Bool) => Ok(()),
            (JsonShape::ArrayOrObject, _) => Err("a single value, not a JSON array or object"),
            (JsonShape::Bool, _) => Err("text or a number, not true or false"),
            (
                JsonShape::Number { .. },
                ParamKind::Fields(_) | ParamKind::SqlParams | ParamKind::Cursor,
            ) => Err("text, not a number"),
            (JsonShape::Number { whole: false }, ParamKind::Code) => Err("text or a whole number"),
            (JsonShape::Number { .. }, _) => Ok(()),
        }
    }
}

impl Params {
    /// Parameters given as `name=value` words (the command line).
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(
        pairs: I,
    ) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for (name, value) in pairs {
            params.insert(name, value)?;
        }
        Ok(params)
    }

    pub fn from_request(request: &Request) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for (name, value) in form::query_pairs(&request.query) {
            let name = text(name, "parameter name")?;
            if name != "method" {
                params.insert(name, text(value, "parameter value")?)?;
            }
        }
        if request.body.is_empty() {
            return Ok(params);
        }
        let content_type = request.content_type();
        if content_type == "application/json" {
            let body: Json = serde_json::from_slice(&request.body)
                .map_err(|e| ApiError::bad_parameter(format!("the body is not valid JSON: {e}")))?;
            let Json::Object(object) = body else {
                return Err(ApiError::bad_parameter(
                    "the JSON body must be an object of parameters",
                ));
            };
            for (name, value) in object {
                let value = match value {
                    Json::String(s) => s,
                    Json::Null => {
                        params.nulls.push(name);
                        continue;
                    }
                    Json::Number(n) => {
                        let (text, whole) = number_text(&n);
                        params
                            .shapes
                            .insert(name.clone(), JsonShape::Number { whole });
                        text
                    }
                    Json::Bool(_) | Json::Array(_) | Json::Object(_) => {
                        let shape = match &value {
                            Json::Bool(_) => JsonShape::Bool,
                            _ => JsonShape::ArrayOrObject,
                        };
                        params.shapes.insert(name.clone(), shape);
                        value.to_string()
                    }
                };
                params.insert(name, value)?;
            }
        } else if content_type.is_empty() || content_type == "application/x-www-form-urlencoded" {
            for (name, value) in form::query_pairs(&request.body) {
                params.insert(
                    text(name, "parameter name")?,
                    text(value, "parameter value")?,
                )?;
            }
        } else {
            // Reading it as a form would drop its parameters silently and
            // blame a "missing" one instead.
            return Err(ApiError::bad_parameter(format!(
                "a body of type {} is not read: send the parameters as application/json or application/x-www-form-urlencoded",
                shown(&content_type)
            )));
        }
        Ok(params)
    }

    fn insert(&mut self, name: String, value: String) -> Result<(), ApiError> {
        if self.values.contains_key(&name) {
            return Err(ApiError::bad_parameter(format!(
                "parameter '{}' is given twice; give it once",
                shown(&name)
            )));
        }
        self.values.insert(name, value);
        Ok(())
    }

    /// Refuses parameters the method does not know.
    pub fn check_known(&self, known: &[&str]) -> Result<(), ApiError> {
        let unknown: Vec<&str> = self
            .values
            .keys()
            .chain(&self.nulls)
            .map(String::as_str)
            .filter(|n| !known.contains(n))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let known = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        let mut named: Vec<String> = unknown.iter().take(SHOWN_NAMES).map(|n| shown(n)).collect();
        if unknown.len() > SHOWN_NAMES {
            named.push(format!("and {} more", unknown.len() - SHOWN_NAMES));
        }
        Err(ApiError::bad_parameter(format!(
            "unknown parameter{} {}; this method takes: {known}",
            if unknown.len() > 1 { "s" } else { "" },
            named.join(", ")
        )))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Checks every parameter against the method's definitions and returns
    /// the typed values: nothing after this step sees raw text.
    pub fn validate(&self, spec: &[Param]) -> Result<Args, ApiError> {
        let names: Vec<&str> = spec.iter().map(|p| p.name).collect();
        self.check_known(&names)?;
        let mut args = Args::default();
        for param in spec {
            match self.get(param.name) {
                Some(raw) => {
                    if let Some(shape) = self.shapes.get(param.name) {
                        shape.check(param.kind).map_err(|rule| {
                            ApiError::bad_parameter(format!("{} must be {rule}", param.name))
                        })?;
                    }
                    let value = parse(param, raw)?;
                    args.values.push((param.name, value));
                }
                None if param.required => {
                    return Err(ApiError::bad_parameter(format!(
                        "{} is required: {}",
                        param.name,
                        param.doc.trim_end_matches('.')
                    )))
                }
                None => {}
            }
        }
        for (from, to) in [
            ("created_from", "created_to"),
            ("modified_from", "modified_to"),
        ] {
            if let (Some(a), Some(b)) = (args.moment(from), args.moment(to)) {
                if a.offset == b.offset && a.naive > b.naive {
                    return Err(ApiError::bad_parameter(format!(
                        "{from} is after {to}: nothing can match"
                    )));
                }
            }
        }
        Ok(args)
    }
}

/// A validated parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    Ids(Vec<i64>),
    Text(String),
    Time(Moment),
    Bool(bool),
    /// A money amount, as validated decimal text.
    Money(String),
    Fields(Vec<String>),
    Cursor(String),
    Json(Json),
}

/// A call's parameters after validation, in the method's order.
#[derive(Debug, Default, Clone)]
pub struct Args {
    values: Vec<(&'static str, Arg)>,
}

impl Args {
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Arg)> {
        self.values.iter().map(|(n, v)| (*n, v))
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Arg::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Arg::Text(t) | Arg::Money(t) | Arg::Cursor(t) => Some(t),
            _ => None,
        }
    }

    pub fn ids(&self, name: &str) -> Option<&[i64]> {
        match self.get(name)? {
            Arg::Ids(ids) => Some(ids),
            _ => None,
        }
    }

    pub fn moment(&self, name: &str) -> Option<Moment> {
        match self.get(name)? {
            Arg::Time(m) => Some(*m),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Arg::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn fields(&self, name: &str) -> Option<&[String]> {
        match self.get(name)? {
            Arg::Fields(f) => Some(f),
            _ => None,
        }
    }

    pub fn json(&self, name: &str) -> Option<&Json> {
        match self.get(name)? {
            Arg::Json(j) => Some(j),
            _ => None,
        }
    }

    /// Sets a value the method derived itself (e.g. `ids` from `id`).
    pub fn set(&mut self, name: &'static str, value: Arg) {
        self.values.retain(|(n, _)| *n != name);
        self.values.push((name, value));
    }

    /// A canonical text of every value except `skip`: what a page cursor
    /// is bound to, so it cannot be replayed with other filters.
    pub fn canonical(&self, skip: &[&str]) -> String {
        let mut parts: Vec<String> = self
            .values
            .iter()
            .filter(|(n, _)| !skip.contains(n))
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect();
        parts.sort();
        parts.join("&")
    }
}

/// The longest status code a platform uses (`wc-` + a 17-character slug
/// fits WordPress's 20-character post_status).
const CODE_MAX: usize = 64;

/// Parses one raw value by its kind.
fn parse(param: &Param, raw: &str) -> Result<Arg, ApiError> {
    let name = param.name;
    let bad = |rule: String| {
        ApiError::bad_parameter(format!("{name} must be {rule}; got '{}'", shorten(raw)))
    };
    match param.kind {
        ParamKind::Id => parse_id(raw)
            .map(Arg::Int)
            .ok_or_else(|| bad(format!("an id: a whole number from 1 to {MAX_ID}"))),
        ParamKind::Ids => parse_ids(raw).map(Arg::Ids).ok_or_else(|| {
            bad(format!(
                "1 to {MAX_COUNT} ids separated by commas or as a JSON array (e.g. 40,41)"
            ))
        }),
        ParamKind::Integer { min, max } => match raw.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Arg::Int(n)),
            _ => Err(bad(format!("an integer from {min} to {max}"))),
        },
        ParamKind::DateTime => parse_datetime(raw).map(Arg::Time).ok_or_else(|| {
            bad("a date: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or ISO 8601 (2026-01-31T23:59:59Z, 2026-01-31T23:59:59+02:00)".into())
        }),
        ParamKind::Status => match raw.trim() {
            "enabled" | "1" => Ok(Arg::Int(1)),
            "disabled" | "0" => Ok(Arg::Int(0)),
            _ => Err(bad("'enabled' or 'disabled'".into())),
        },
        ParamKind::Code => {
            let code = raw.trim();
            let ok = (1..=CODE_MAX).contains(&code.len())
                && code.starts_with(|c: char| c.is_ascii_alphanumeric())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b));
            if ok {
                Ok(Arg::Text(code.to_string()))
            } else {
                Err(bad(format!(
                    "a status id as order.status.list gives it: a letter or digit, then up to {CODE_MAX} letters, digits, '_', '.', ':' or '-' in all"
                )))
            }
        }
        ParamKind::Text { max } => check_length(name, raw, max).map(|()| Arg::Text(raw.to_string())),
        ParamKind::Search { max } => {
            if raw.trim().is_empty() {
                return Err(ApiError::bad_parameter(format!("{name} must not be empty")));
            }
            check_length(name, raw, max).map(|()| Arg::Text(raw.trim().to_string()))
        }
        ParamKind::Money => {
            let ok = raw
                .split_once('.')
                .map_or(digits(raw, 1, 11), |(i, f)| digits(i, 1, 11) && digits(f, 1, 4));
            if ok {
                Ok(Arg::Money(raw.to_string()))
            } else {
                Err(bad("an amount like 99.5 or 99.5000: digits, at most 4 decimals, not negative".into()))
            }
        }
        ParamKind::Bool => match raw.trim() {
            "true" | "1" => Ok(Arg::Bool(true)),
            "false" | "0" => Ok(Arg::Bool(false)),
            _ => Err(bad("true or false".into())),
        },
        ParamKind::Cursor => {
            let ok = !raw.is_empty()
                && raw.len() <= 512
                && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if ok {
                Ok(Arg::Cursor(raw.to_string()))
            } else {
                Err(bad("the next_page_cursor of the previous page, unchanged".into()))
            }
        }
        ParamKind::Fields(entity) => parse_fields(name, raw, entity).map(Arg::Fields),
        ParamKind::SqlParams => match serde_json::from_str::<Json>(raw) {
            Ok(json @ (Json::Array(_) | Json::Object(_))) if scalars_only(&json) => Ok(Arg::Json(json)),
            _ => Err(bad("a JSON array (for ? placeholders) or object (for :name placeholders) of strings, numbers, booleans or nulls".into())),
        },
    }
}

fn shorten(raw: &str) -> String {
    match raw.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &raw[..at]),
        None => raw.to_string(),
    }
}

/// A JSON number as parameter text, and whether it is whole: `25.0` is
/// `25`, as JSON Schema counts a zero fraction as an integer and some
/// encoders write integers so.
fn number_text(n: &serde_json::Number) -> (String, bool) {
    if n.is_i64() || n.is_u64() {
        return (n.to_string(), true);
    }
    match n.as_f64() {
        // Every float below 2^64 with no fraction is an exact integer.
        Some(f) if f.fract() == 0.0 && f.abs() < u64::MAX as f64 => (format!("{f:.0}"), true),
        _ => (n.to_string(), false),
    }
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_length(name: &str, raw: &str, max: usize) -> Result<(), ApiError> {
    let length = raw.chars().count();
    if length > max {
        return Err(ApiError::bad_parameter(format!(
            "{name} must be at most {max} characters; got {length}"
        )));
    }
    Ok(())
}

fn parse_id(raw: &str) -> Option<i64> {
    let raw = raw.trim().trim_matches('"');
    if !digits(raw, 1, 10) {
        return None;
    }
    raw.parse().ok().filter(|n| (1..=MAX_ID).contains(n))
}

fn parse_ids(raw: &str) -> Option<Vec<i64>> {
    let items: Vec<String> = if raw.trim_start().starts_with('[') {
        let Ok(Json::Array(items)) = serde_json::from_str::<Json>(raw) else {
            return None;
        };
        items
            .iter()
            .map(|v| match v {
                Json::String(s) => s.clone(),
                Json::Number(n) => number_text(n).0,
                other => other.to_string(),
            })
            .collect()
    } else {
        raw.split(',').map(str::to_string).collect()
    };
    if items.is_empty() || items.len() > MAX_COUNT as usize {
        return None;
    }
    let mut ids = items
        .iter()
        .map(|s| parse_id(s))
        .collect::<Option<Vec<i64>>>()?;
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

fn parse_fields(name: &str, raw: &str, entity: &Entity) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = if raw.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<String>>(raw).map_err(|_| {
            ApiError::bad_parameter(format!(
                "{name} must be field names, comma-separated or as a JSON array of strings"
            ))
        })?
    } else {
        raw.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let known: Vec<&str> = entity.fields.iter().map(|f| f.name).collect();
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !known.contains(n))
        .collect();
    if !unknown.is_empty() || names.is_empty() {
        return Err(ApiError::bad_parameter(format!(
            "{name} names unknown field{} '{}'; the fields of {} are: {}",
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join(", "),
            entity.name,
            known.join(", ")
        )));
    }
    Ok(names)
}

fn scalars_only(json: &Json) -> bool {
    let scalar = |v: &Json| !matches!(v, Json::Array(_) | Json::Object(_));
    match json {
        Json::Array(items) => items.iter().all(scalar),
        Json::Object(map) => map.values().all(scalar),
        _ => false,
    }
}

/// How many unknown names a refusal lists: enough to spot a typo, not an
/// echo of a flood.
const SHOWN_NAMES: usize = 10;

/// How much of a caller's name a message repeats.
const SHOWN_CHARS: usize = 64;

/// A caller-supplied name as a message shows it: at most [`SHOWN_CHARS`]
/// characters, control characters escaped, so that a refusal never echoes
/// megabytes or line breaks back.
fn shown(name: &str) -> String {
    let mut out: String = name
        .chars()
        .take(SHOWN_CHARS)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if name.chars().count() > SHOWN_CHARS {
        out.push('…');
    }
    out
}

fn text(bytes: Vec<u8>, what: &str) -> Result<String, ApiError> {
    String::from_utf8(bytes).map_err(|_| ApiError::bad_parameter(format!("a {what} is not UTF-8")))
}

/// Accepts `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` and ISO 8601 with `T`, an
/// optional fraction and an optional `Z` or `±HH:MM` offset. Without an
/// offset the time is the shop's own.
pub fn parse_datetime(raw: &str) -> Option<Moment> {
    let raw = raw.trim();
    let (date, time) = match raw.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (raw, None),
    };
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 || d[0].len() != 4 || d[1].len() != 2 || d[2].len() != 2 {
        return None;
    }
    let (y, mo, day) = (num(d[0])?, num(d[1])?, num(d[2])?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&day) || y == 0 {
        return None;
    }
    let (h, mi, s, offset) = match time {
        None => (0, 0, 0, None),
        Some(t) => {
            let (t, offset) = split_offset(t)?;
            let t = t.split('.').next()?;
            let p: Vec<&str> = t.split(':').collect();
            if p.len() < 2 || p.len() > 3 || p.iter().any(|x| x.len() != 2) {
                return None;
            }
            let s = if p.len() == 3 { num(p[2])? } else { 0 };
            (num(p[0])?, num(p[1])?, s, offset)
        }
    };
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(Moment {
        naive: naive_seconds(y, mo, day, h, mi, s),
        offset,
    })
}

/// Splits `10:00:00+02:00` into the time and the offset in seconds.
fn split_offset(t: &str) -> Option<(&str, Option<i32>)> {
    if let Some(t) = t.strip_suffix('Z') {
        return Some((t, Some(0)));
    }
    let Some(at) = t.rfind(['+', '-']) else {
        return Some((t, None));
    };
    let (time, zone) = t.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (hh, mm) = zone[1..].split_once(':').unwrap_or((&zone[1..], "00"));
    if hh.len() != 2 || mm.len() != 2 {
        return None;
    }
    let (hh, mm) = (num(hh)?, num(mm)?);
    if hh > 14 || mm > 59 {
        return None;
    }
    Some((time, Some(sign * (hh * 3600 + mm * 60) as i32)))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arguments a JSON body gives for `spec`, or the refusal's message.
    fn from_json(body: &str, spec: &[Param]) -> Result<Args, String> {
        let request = Request {
            method: "POST".into(),
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: body.as_bytes().to_vec(),
            ..Request::default()
        };
        Params::from_request(&request)
            .and_then(|p| p.validate(spec))
            .map_err(|e| e.message)
    }

    #[test]
    fn a_json_body_gives_single_values_where_single_values_belong() {
        let search = [Param::optional("name", ParamKind::Search { max: 64 }, "")];
        assert!(from_json(r#"{"name": {}}"#, &search)
            .unwrap_err()
            .contains("a single value, not a JSON array or object"));
        assert!(from_json(r#"{"name": false}"#, &search)
            .unwrap_err()
            .contains("not true or false"));
        assert!(from_json(r#"{"name": 12345}"#, &search).is_ok());
        let code = [Param::optional("status", ParamKind::Code, "")];
        assert!(from_json(r#"{"status": 2.5e-42}"#, &code).is_err());
        assert!(from_json(r#"{"status": 2995.0}"#, &code).is_ok());
    }

    #[test]
    fn a_json_null_is_an_absent_value_of_a_known_name_only() {
        let spec = [Param::optional("created_from", ParamKind::DateTime, "")];
        assert!(from_json(r#"{"created_from": null}"#, &spec).is_ok());
        // Found by schemathesis: an unknown name was accepted when null.
        assert_eq!(
            from_json(r#"{"created_from": "1000-01-01", "T": null}"#, &spec).unwrap_err(),
            "unknown parameter T; this method takes: created_from"
        );
    }

    #[test]
    fn whole_json_numbers_written_as_floats_are_integers() {
        let spec = [
            Param::optional("count", ParamKind::Integer { min: 1, max: 250 }, ""),
            Param::optional("ids", ParamKind::Ids, ""),
        ];
        let args = from_json(r#"{"count": 25.0, "ids": [78.0, "79", 80]}"#, &spec).unwrap();
        assert!(format!("{args:?}").contains("Int(25)"), "{args:?}");
        assert!(
            format!("{args:?}").contains("Ids([78, 79, 80])"),
            "{args:?}"
        );
        assert!(from_json(r#"{"count": 2.5}"#, &spec).is_err());
    }

    #[test]
    fn refusals_do_not_echo_floods_of_names() {
        let long = "n".repeat(1 << 20);
        let params = Params::from_pairs(
            std::iter::once((long, "1".to_string()))
                .chain((0..1000).map(|i| (format!("p{i}\r\nX: y"), "1".to_string()))),
        )
        .unwrap();
        let message = params.check_known(&["count"]).unwrap_err().message;
        assert!(message.len() < 2000, "{} bytes", message.len());
        assert!(message.contains("and 991 more"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        assert!(
            message.contains(&format!("{}…", "n".repeat(SHOWN_CHARS))),
            "{message}"
        );
    }

    fn db_text(raw: &str) -> Option<String> {
        parse_datetime(raw).map(|m| super::super::time::Zone::utc().to_local_text(m))
    }

    #[test]
    fn dates_are_accepted_in_both_forms() {
        assert_eq!(
            db_text("2024-02-29").as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(
            db_text("2024-02-29 23:59:59").as_deref(),
            Some("2024-02-29 23:59:59")
        );
        assert_eq!(
            db_text("2024-02-29T23:59:59.123Z").as_deref(),
            Some("2024-02-29 23:59:59")
        );
        // An offset is honoured: 01:30+02:00 is 23:30 UTC the day before.
        assert_eq!(
            db_text("2024-03-01T01:30:00+02:00").as_deref(),
            Some("2024-02-29 23:30:00")
        );
        assert_eq!(parse_datetime("2024-03-01T01:30:00").unwrap().offset, None);
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-01-01T25:00:00",
            "2024-01-01T10:00:00+2",
            "2024-01-01T10:00:00+15:00",
            "yesterday",
            "0000-00-00",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_parameters_name_the_known_ones() {
        let params = Params::from_pairs([("stauts".to_string(), "1".to_string())]).unwrap();
        let error = params.check_known(&["status", "created_from"]).unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(
            error.message,
            "unknown parameter stauts; this method takes: status, created_from"
        );
    }

    fn one(kind: ParamKind, raw: &str) -> Result<Arg, String> {
        parse(&Param::optional("x", kind, ""), raw).map_err(|e| e.message)
    }

    #[test]
    fn each_kind_accepts_its_values_and_says_what_it_wants() {
        assert_eq!(one(ParamKind::Id, "40"), Ok(Arg::Int(40)));
        assert_eq!(one(ParamKind::Id, "\"40\""), Ok(Arg::Int(40)));
        for bad in ["0", "-1", "4.0", "abc", "2147483648", ""] {
            assert!(
                one(ParamKind::Id, bad).unwrap_err().contains("an id"),
                "{bad}"
            );
        }
        assert_eq!(one(ParamKind::Ids, "41,40,41"), Ok(Arg::Ids(vec![40, 41])));
        assert_eq!(
            one(ParamKind::Ids, "[40,\"41\"]"),
            Ok(Arg::Ids(vec![40, 41]))
        );
        let many = (1..=251)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(one(ParamKind::Ids, &many).is_err());
        assert!(one(ParamKind::Ids, "40,,41").is_err());
        assert_eq!(one(ParamKind::Money, "99.5"), Ok(Arg::Money("99.5".into())));
        for bad in ["-1", "1.23456", "1e3", ".5", "12345678901234"] {
            assert!(
                one(ParamKind::Money, bad).unwrap_err().contains("amount"),
                "{bad}"
            );
        }
        assert_eq!(one(ParamKind::Bool, "true"), Ok(Arg::Bool(true)));
        assert!(one(ParamKind::Bool, "yes").is_err());
        assert!(one(ParamKind::Search { max: 5 }, " ")
            .unwrap_err()
            .contains("empty"));
        assert!(one(ParamKind::Text { max: 3 }, "abcd")
            .unwrap_err()
            .contains("at most 3"));
        assert!(one(ParamKind::Cursor, "a b").is_err());
        assert!(one(ParamKind::SqlParams, "[1, \"a\", null]").is_ok());
        assert!(one(ParamKind::SqlParams, "[[1]]").is_err());
        assert!(one(ParamKind::SqlParams, "1").is_err());
        assert!(one(ParamKind::Integer { min: 1, max: 250 }, "251")
            .unwrap_err()
            .contains("from 1 to 250"));
    }

    #[test]
    fn validation_checks_required_and_ranges() {
        let spec = [
            Param::required("id", ParamKind::Id, "The product's id."),
            Param::optional("created_from", ParamKind::DateTime, ""),
            Param::optional("created_to", ParamKind::DateTime, ""),
        ];
        let params = Params::from_pairs([]).unwrap();
        assert_eq!(
            params.validate(&spec).unwrap_err().message,
            "id is required: The product's id"
        );
        let params = Params::from_pairs([
            ("id".to_string(), "1".to_string()),
            ("created_from".to_string(), "2024-02-02".to_string()),
            ("created_to".to_string(), "2024-02-01".to_string()),
        ])
        .unwrap();
        assert!(params
            .validate(&spec)
            .unwrap_err()
            .message
            .contains("after created_to"));
    }
}
