//! The parameters of a native call: gathered from the query string and a
//! JSON or form body, then checked one by one against what the method
//! declares, so that a typo is a 400 naming the known parameters rather
//! than a silently ignored filter.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::ApiError;
use crate::db::Value;
use crate::form;
use crate::http::Request;

/// Parameters by name, as text (JSON numbers and booleans are printed).
#[derive(Debug, Default, Clone)]
pub struct Params {
    values: BTreeMap<String, String>,
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
        if request.content_type() == "application/json" {
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
                    Json::Null => continue,
                    Json::Number(_) | Json::Bool(_) => value.to_string(),
                    Json::Array(_) | Json::Object(_) => value.to_string(),
                };
                params.insert(name, value)?;
            }
        } else {
            for (name, value) in form::query_pairs(&request.body) {
                params.insert(
                    text(name, "parameter name")?,
                    text(value, "parameter value")?,
                )?;
            }
        }
        Ok(params)
    }

    fn insert(&mut self, name: String, value: String) -> Result<(), ApiError> {
        if self.values.contains_key(&name) {
            return Err(ApiError::bad_parameter(format!(
                "parameter '{name}' is given twice; give it once"
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
        Err(ApiError::bad_parameter(format!(
            "unknown parameter{} {}; this method takes: {known}",
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join(", ")
        )))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A date-time filter, as ISO 8601 or `YYYY-MM-DD HH:MM:SS`, turned
    /// into the database's `YYYY-MM-DD HH:MM:SS`.
    pub fn datetime(&self, name: &str) -> Result<Value, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(Value::Null);
        };
        parse_datetime(raw)
            .map(Value::text)
            .ok_or_else(|| {
                ApiError::bad_parameter(format!(
                    "{name} must be a date: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or ISO 8601 (2026-01-31T23:59:59Z); got '{raw}'"
                ))
            })
    }

    /// `status` as the platforms store it: 1 enabled, 0 disabled.
    pub fn status(&self, name: &str) -> Result<Value, ApiError> {
        match self.get(name) {
            None => Ok(Value::Null),
            Some("enabled") | Some("1") => Ok(Value::Int(1)),
            Some("disabled") | Some("0") => Ok(Value::Int(0)),
            Some(other) => Err(ApiError::bad_parameter(format!(
                "{name} must be 'enabled' or 'disabled'; got '{other}'"
            ))),
        }
    }

    /// An integer within `range`, or `default` when absent.
    pub fn integer(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        match raw.trim().parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ApiError::bad_parameter(format!(
                "{name} must be an integer from {} to {}; got '{raw}'",
                range.start(),
                range.end()
            ))),
        }
    }
}

fn text(bytes: Vec<u8>, what: &str) -> Result<String, ApiError> {
    String::from_utf8(bytes).map_err(|_| ApiError::bad_parameter(format!("a {what} is not UTF-8")))
}

/// Accepts `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` and ISO 8601 with `T`,
/// optional fraction and `Z`; offsets other than UTC are refused rather
/// than silently shifted.
pub fn parse_datetime(raw: &str) -> Option<String> {
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
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&day) {
        return None;
    }
    let (h, mi, s) = match time {
        None => (0, 0, 0),
        Some(t) => {
            let t = t
                .strip_suffix('Z')
                .or_else(|| t.strip_suffix("+00:00"))
                .unwrap_or(t);
            let t = t.split('.').next()?;
            let p: Vec<&str> = t.split(':').collect();
            if p.len() < 2 || p.len() > 3 || p.iter().any(|x| x.len() != 2) {
                return None;
            }
            let s = if p.len() == 3 { num(p[2])? } else { 0 };
            (num(p[0])?, num(p[1])?, s)
        }
    };
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}"))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_accepted_in_both_forms() {
        assert_eq!(
            parse_datetime("2024-02-29").as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(
            parse_datetime("2024-02-29 23:59:59").as_deref(),
            Some("2024-02-29 23:59:59")
        );
        assert_eq!(
            parse_datetime("2024-02-29T23:59:59.123Z").as_deref(),
            Some("2024-02-29 23:59:59")
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-01-01T25:00:00",
            "2024-01-01T10:00:00+02:00",
            "yesterday",
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
}
