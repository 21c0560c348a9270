//! The OpenAPI 3.1 document of the native API, generated from the same
//! method, parameter and entity definitions the dispatcher validates
//! against. It names no shop, key or secret, so it is served unsigned.

use std::sync::OnceLock;

use serde_json::{json, Map, Value as Json};

use super::fields::entity_schema;
use super::methods::{entities, METHODS};
use super::spec::{Method, Param, ParamKind, MAX_COUNT, MAX_ID};

/// The document, serialized once per process.
pub fn document_bytes() -> Vec<u8> {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES
        .get_or_init(|| {
            let mut bytes = serde_json::to_vec(&document()).expect("JSON values serialize");
            bytes.push(b'\n');
            bytes
        })
        .clone()
}

pub fn document() -> Json {
    let mut paths = Map::new();
    for method in METHODS {
        paths.insert(format!("/{}.json", method.name), path_item(method));
    }
    paths.insert(
        "/openapi.json".into(),
        json!({"get": {
            "operationId": "openapi",
            "summary": "This document (no signature needed).",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document.",
                "content": {"application/json": {"schema": {"type": "object"}}}}},
        }}),
    );
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    for entity in entities() {
        schemas.insert(entity.name.into(), entity_schema(entity));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "cartbridge native API",
            "version": crate::VERSION,
            "description": "Typed operations on the shop's database. Every call except this document is signed with signature v1 (HMAC-SHA256 over method, path, canonical query, body hash, timestamp and nonce, with the key's secret). Every answer is an envelope {return_code, return_message, result}; return_code 0 is success, otherwise it equals the HTTP status. Ids are strings, money is a decimal string as stored, times are ISO 8601.",
        },
        "servers": [{"url": ".", "description": "The folder of the cartbridge binary's URL, e.g. https://shop.example/bridge2cart/cartbridge"}],
        "security": [{"key": [], "timestamp": [], "nonce": [], "signature": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": security_schemes()},
    })
}

fn security_schemes() -> Json {
    let header = |name: &str, doc: &str| json!({"type": "apiKey", "in": "header", "name": name, "description": doc});
    json!({
        "key": header("X-Cartbridge-Key", "The key's id."),
        "timestamp": header("X-Cartbridge-Timestamp", "Unix time in seconds; within 300 s of the bridge's clock."),
        "nonce": header("X-Cartbridge-Nonce", "16-64 characters of [A-Za-z0-9_-], never reused."),
        "signature": header("X-Cartbridge-Signature", "v1=<hex HMAC-SHA256 of the string to sign>."),
    })
}

fn path_item(method: &Method) -> Json {
    let mut item = Map::new();
    if !method.writes {
        item.insert("get".into(), operation(method, false));
    }
    item.insert("post".into(), operation(method, true));
    Json::Object(item)
}

fn operation(method: &Method, post: bool) -> Json {
    let primary = post == method.writes;
    let mut op = json!({
        "operationId": if primary { method.name.to_string() } else { format!("{}.post", method.name) },
        "summary": method.summary,
        "responses": {
            "200": {"description": "Success.", "content": {"application/json": {"schema": envelope(method)}}},
            "default": {"description": "A refusal: return_code is the HTTP status, return_message says what to fix.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    });
    if post {
        op["requestBody"] = json!({
            "required": method.params.iter().any(|p| p.required),
            "content": {
                "application/json": {"schema": body_schema(method.params, true)},
                // Form fields are text, as in a query string.
                "application/x-www-form-urlencoded": {"schema": body_schema(method.params, false)},
            },
        });
    } else {
        let params: Vec<Json> = method.params.iter().map(query_parameter).collect();
        op["parameters"] = Json::Array(params);
    }
    op
}

fn envelope(method: &Method) -> Json {
    json!({
        "type": "object",
        "properties": {
            "return_code": {"const": 0},
            "return_message": {"const": ""},
            "result": (method.result)(),
        },
        "required": ["return_code", "return_message", "result"],
        "additionalProperties": false,
    })
}

fn error_schema() -> Json {
    json!({
        "type": "object",
        "properties": {
            "return_code": {"type": "integer", "minimum": 400},
            "return_message": {"type": "string"},
            "result": {"type": "null"},
        },
        "required": ["return_code", "return_message", "result"],
        "additionalProperties": false,
    })
}

fn query_parameter(param: &Param) -> Json {
    json!({
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.doc,
        "schema": param_schema(param.kind, false),
    })
}

/// The body's fields; in JSON, `null` for an optional one means not given.
fn body_schema(params: &[Param], json: bool) -> Json {
    let properties: Map<String, Json> = params
        .iter()
        .map(|p| {
            let mut schema = param_schema(p.kind, json);
            if json && !p.required {
                schema = json!({"anyOf": [schema, {"type": "null"}]});
            }
            schema["description"] = Json::from(p.doc);
            (p.name.to_string(), schema)
        })
        .collect();
    let required: Vec<&str> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// Dates `parse_datetime` reads (a day, a local time, ISO 8601); of 29
/// February only the rule, not the leap years, fits a pattern, so it is left
/// out.
const DATE_TIME: &str = "^[1-9][0-9]{3}-\
     ((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)\
     ([ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?)?$";

/// A parameter's schema; in a JSON body, numbers and booleans may also
/// be given as such.
fn param_schema(kind: ParamKind, body: bool) -> Json {
    // Ids go up to 2147483647; the pattern states up to 1999999999.
    let id = "([1-9][0-9]{0,8}|1[0-9]{9})";
    let id_text = json!({"type": "string", "pattern": format!("^{id}$")});
    let id_list = format!("^{id}(,{id}){{0,{}}}$", MAX_COUNT - 1);
    match kind {
        ParamKind::Id if body => {
            json!({"oneOf": [id_text, {"type": "integer", "minimum": 1, "maximum": MAX_ID}]})
        }
        ParamKind::Id => id_text,
        ParamKind::Ids if body => json!({"oneOf": [
            {"type": "string", "pattern": id_list},
            {"type": "array", "minItems": 1, "maxItems": MAX_COUNT,
                "items": {"oneOf": [id_text, {"type": "integer", "minimum": 1, "maximum": MAX_ID}]}},
        ]}),
        ParamKind::Ids => {
            json!({"type": "string", "pattern": id_list, "description": "At most 250."})
        }
        // A JSON body may also give the number as text ("25"); the
        // document shows the one form whose bounds it can state.
        ParamKind::Integer { min, max } => {
            json!({"type": "integer", "minimum": min, "maximum": max})
        }
        ParamKind::DateTime => {
            json!({"type": "string", "pattern": DATE_TIME,
                "examples": ["2026-01-31", "2026-01-31 23:59:59", "2026-01-31T23:59:59Z"]})
        }
        ParamKind::Code if body => json!({"oneOf": [
            {"type": "string", "pattern": crate::api::fields::CODE_PATTERN},
            {"type": "integer", "minimum": 0, "maximum": u64::MAX},
        ]}),
        ParamKind::Code => json!({"type": "string", "pattern": crate::api::fields::CODE_PATTERN}),
        ParamKind::Status if body => {
            json!({"enum": ["enabled", "disabled", "1", "0", 1, 0]})
        }
        ParamKind::Status => json!({"type": "string", "enum": ["enabled", "disabled", "1", "0"]}),
        // In a JSON body a number is taken as its text (an SKU of digits).
        ParamKind::Text { max } => {
            json!({"type": if body { json!(["string", "number"]) } else { json!("string") }, "maxLength": max})
        }
        // Searched for after trimming: something other than spaces.
        ParamKind::Search { max } => json!({
            "type": if body { json!(["string", "number"]) } else { json!("string") },
            "minLength": 1, "maxLength": max, "pattern": "\\S",
        }),
        // A JSON number is read as its text, and float digits past the 4th
        // decimal are refused: the document shows whole numbers, and the
        // text form for decimals.
        ParamKind::Money if body => json!({"oneOf": [
            {"type": "string", "pattern": "^[0-9]{1,11}(\\.[0-9]{1,4})?$"},
            {"type": "integer", "minimum": 0, "maximum": 99_999_999_999_i64},
        ]}),
        ParamKind::Money => json!({"type": "string", "pattern": "^[0-9]{1,11}(\\.[0-9]{1,4})?$"}),
        ParamKind::Bool if body => {
            json!({"type": ["boolean", "string"], "enum": [true, false, "true", "false", "1", "0"]})
        }
        ParamKind::Bool => json!({"type": "string", "enum": ["true", "false", "1", "0"]}),
        ParamKind::Cursor => json!({"type": "string", "maxLength": 512}),
        ParamKind::Fields(entity) => {
            let names: Vec<&str> = entity.fields.iter().map(|f| f.name).collect();
            let name = format!("({})", names.join("|"));
            let list = json!({
                "type": "string",
                "pattern": format!("^{name}(,{name})*$"),
                "description": format!("Comma-separated: {}", names.join(", ")),
            });
            if body {
                json!({"oneOf": [list, {"type": "array", "minItems": 1, "items": {"enum": names}}]})
            } else {
                list
            }
        }
        ParamKind::SqlParams if body => json!({"type": ["array", "object"]}),
        ParamKind::SqlParams => {
            json!({"type": "string", "pattern": "^\\s*[\\[{]", "description": "JSON array or object."})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_is_documented_with_its_parameters() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        for method in METHODS {
            let item = &doc["paths"][format!("/{}.json", method.name)];
            assert!(item["post"].is_object(), "{}", method.name);
            assert_eq!(item["get"].is_object(), !method.writes, "{}", method.name);
            let body = &item["post"]["requestBody"]["content"]["application/json"]["schema"];
            for param in method.params {
                assert!(
                    body["properties"][param.name].is_object(),
                    "{} {}",
                    method.name,
                    param.name
                );
            }
        }
        // Every $ref points at a schema of the document.
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(doc["components"]["schemas"][name].is_object(), "{name}");
        }
        assert!(!text.contains("secret\":"), "no secrets in the document");
    }
}
