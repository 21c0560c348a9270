//! Entities and their fields: what a product, a category, a customer or an
//! order looks like on the wire. The same definitions turn the platform
//! SQL's rows into JSON (ids as strings, money as stored, plain text, ISO
//! 8601 times, `enabled`/`disabled`) and become the OpenAPI schemas.
//!
//! A platform's SQL names its columns after the fields; a column
//! `billing_address__city` fills `city` inside the object field
//! `billing_address`. Columns and fields must match exactly, so a SQL
//! file that drifts from the schema fails loudly instead of answering
//! something the document does not promise.

use serde_json::{json, Map, Value as Json};

use super::text::decode_entities;
use super::time::Zone;
use super::ApiError;
use crate::db::{Column, Value};

/// An entity: its schema name and fields.
#[derive(Debug)]
pub struct Entity {
    /// The schema name in the OpenAPI document (`Product`).
    pub name: &'static str,
    pub fields: &'static [Field],
}

/// One field of an entity.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub doc: &'static str,
}

impl Field {
    pub const fn new(name: &'static str, kind: FieldKind, doc: &'static str) -> Field {
        Field { name, kind, doc }
    }
}

/// How a stored value becomes JSON.
#[derive(Debug)]
pub enum FieldKind {
    /// A primary key, as a string.
    Id,
    /// A reference to another entity, as a string; 0 or NULL is null.
    RefId,
    /// A status id: digits or a platform's code (`wc-processing`), as a
    /// string; NULL, empty or `0` is null.
    Code,
    /// Text, with the platform's HTML escaping undone.
    Text,
    /// A money amount, as the decimal string the database stores.
    Money,
    /// Another decimal (weights, rates), as stored.
    Decimal,
    /// A whole number.
    Integer,
    /// `enabled` for a non-zero flag, else `disabled`.
    Status,
    /// `true` for a non-zero flag.
    Bool,
    /// A stored local time, as ISO 8601 with the shop's offset; zero dates are null.
    Time,
    /// Comma-separated ids (`GROUP_CONCAT`), as a sorted array of strings.
    IdList,
    /// Text, or the `name` of a JSON object (`{"name": "Flat Rate", "code": ...}`).
    Label,
    /// An object made of the columns `<field>__<sub-field>`; null when all are empty.
    Object(&'static [Field]),
    /// A list of entities the method fills from a second query.
    List(&'static Entity),
}

/// What converting a value depends on: the shop, not the entity.
pub struct Shaper {
    pub html_escaped: bool,
    pub zone: Zone,
}

/// Where each field of an entity finds its column(s) in a result set.
pub struct Layout {
    slots: Vec<(&'static Field, Slot)>,
}

enum Slot {
    Column(usize),
    Object(Vec<(&'static Field, usize)>),
    List,
}

impl Layout {
    /// Matches `columns` against `entity`, keeping only the `selected`
    /// fields (all when `None`; `id` always).
    pub fn new(
        entity: &'static Entity,
        columns: &[Column],
        selected: Option<&[String]>,
    ) -> Result<Layout, ApiError> {
        let position = |name: &str| columns.iter().position(|c| c.name == name);
        let mut used = vec![false; columns.len()];
        let mut slots = Vec::new();
        for field in entity.fields {
            let slot = match &field.kind {
                FieldKind::List(_) => Slot::List,
                FieldKind::Object(parts) => {
                    let mut found = Vec::new();
                    for part in *parts {
                        let name = format!("{}__{}", field.name, part.name);
                        let index = position(&name).ok_or_else(|| missing(entity, &name))?;
                        used[index] = true;
                        found.push((part, index));
                    }
                    Slot::Object(found)
                }
                _ => {
                    let index = position(field.name).ok_or_else(|| missing(entity, field.name))?;
                    used[index] = true;
                    Slot::Column(index)
                }
            };
            let wanted =
                selected.is_none_or(|s| field.name == "id" || s.iter().any(|n| n == field.name));
            if wanted {
                slots.push((field, slot));
            }
        }
        if let Some(extra) = used.iter().position(|u| !u) {
            return Err(ApiError::new(
                500,
                format!(
                    "the platform's SQL returns a column '{}' that the {} schema does not have",
                    columns[extra].name, entity.name
                ),
            ));
        }
        Ok(Layout { slots })
    }

    /// One row as a JSON object; list fields are left null for the caller.
    pub fn object(&self, row: &[Value], shaper: &Shaper) -> Map<String, Json> {
        let mut object = Map::new();
        for (field, slot) in &self.slots {
            let value = match slot {
                Slot::Column(index) => convert(&field.kind, &row[*index], shaper),
                Slot::Object(parts) => {
                    let inner: Map<String, Json> = parts
                        .iter()
                        .map(|(part, index)| {
                            (
                                part.name.to_string(),
                                convert(&part.kind, &row[*index], shaper),
                            )
                        })
                        .collect();
                    let empty = inner.values().all(|v| v.is_null() || v == "");
                    if empty {
                        Json::Null
                    } else {
                        Json::Object(inner)
                    }
                }
                Slot::List => Json::Array(Vec::new()),
            };
            object.insert(field.name.to_string(), value);
        }
        object
    }
}

fn missing(entity: &Entity, column: &str) -> ApiError {
    ApiError::new(
        500,
        format!(
            "the platform's SQL for {} returns no column '{column}'",
            entity.name
        ),
    )
}

/// Converts one stored value.
fn convert(kind: &FieldKind, value: &Value, shaper: &Shaper) -> Json {
    let text = || value.to_text();
    match kind {
        FieldKind::Id => text().map_or(Json::Null, Json::from),
        FieldKind::RefId => match value.to_i64() {
            Some(0) | None => Json::Null,
            Some(id) => Json::from(id.to_string()),
        },
        FieldKind::Code => match text() {
            Some(code) if !code.is_empty() && code != "0" => Json::from(code),
            _ => Json::Null,
        },
        FieldKind::Text => text().map_or(Json::Null, |t| Json::from(plain(shaper, &t))),
        FieldKind::Money | FieldKind::Decimal => text().map_or(Json::Null, Json::from),
        FieldKind::Integer => value.to_i64().map_or(Json::Null, Json::from),
        FieldKind::Status => Json::from(if value.to_i64().unwrap_or(0) != 0 {
            "enabled"
        } else {
            "disabled"
        }),
        FieldKind::Bool => Json::from(value.to_i64().unwrap_or(0) != 0),
        FieldKind::Time => text()
            .and_then(|t| shaper.zone.iso8601(&t))
            .map_or(Json::Null, Json::from),
        FieldKind::IdList => Json::from(id_list(text().as_deref().unwrap_or(""))),
        FieldKind::Label => text().map_or(Json::Null, |t| Json::from(label(shaper, &t))),
        FieldKind::Object(_) | FieldKind::List(_) => Json::Null,
    }
}

fn plain(shaper: &Shaper, text: &str) -> String {
    if shaper.html_escaped {
        decode_entities(text)
    } else {
        text.to_string()
    }
}

fn id_list(text: &str) -> Vec<String> {
    let mut ids: Vec<i64> = text
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(|i| i.to_string()).collect()
}

/// A method label: plain text, or the `name` of a JSON object (OpenCart 4
/// stores payment and shipping methods as `{"name": ..., "code": ...}`).
fn label(shaper: &Shaper, text: &str) -> String {
    let decoded = plain(shaper, text);
    if decoded.trim_start().starts_with('{') {
        if let Ok(Json::Object(object)) = serde_json::from_str::<Json>(&decoded) {
            if let Some(Json::String(name)) = object.get("name") {
                return name.clone();
            }
        }
    }
    decoded
}

/// The JSON schema of an entity.
pub fn entity_schema(entity: &Entity) -> Json {
    let properties: Map<String, Json> = entity
        .fields
        .iter()
        .map(|f| (f.name.to_string(), field_schema(f)))
        .collect();
    json!({
        "type": "object",
        "description": "Every field is present unless `params` narrowed the answer; `id` always is.",
        "properties": properties,
        "required": ["id"],
        "additionalProperties": false,
    })
}

/// A `$ref` to an entity's schema in the document's components.
pub fn entity_ref(entity: &Entity) -> Json {
    json!({ "$ref": format!("#/components/schemas/{}", entity.name) })
}

const ID_PATTERN: &str = "^[0-9]+$";
pub const CODE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$";
const DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

fn field_schema(field: &Field) -> Json {
    let mut schema = match &field.kind {
        FieldKind::Id => json!({"type": "string", "pattern": ID_PATTERN}),
        FieldKind::RefId => json!({"type": ["string", "null"], "pattern": ID_PATTERN}),
        FieldKind::Code => json!({"type": ["string", "null"], "pattern": CODE_PATTERN}),
        FieldKind::Text | FieldKind::Label => json!({"type": ["string", "null"]}),
        FieldKind::Money | FieldKind::Decimal => {
            json!({"type": ["string", "null"], "pattern": DECIMAL_PATTERN})
        }
        FieldKind::Integer => json!({"type": ["integer", "null"]}),
        FieldKind::Status => json!({"type": "string", "enum": ["enabled", "disabled"]}),
        FieldKind::Bool => json!({"type": "boolean"}),
        FieldKind::Time => json!({"type": ["string", "null"], "format": "date-time"}),
        FieldKind::IdList => {
            json!({"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}})
        }
        FieldKind::Object(parts) => {
            let properties: Map<String, Json> = parts
                .iter()
                .map(|f| (f.name.to_string(), field_schema(f)))
                .collect();
            let required: Vec<&str> = parts.iter().map(|f| f.name).collect();
            json!({
                "type": ["object", "null"],
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        }
        FieldKind::List(entity) => json!({"type": "array", "items": entity_ref(entity)}),
    };
    schema["description"] = Json::from(field.doc);
    schema
}

/// Every entity reachable from `entity` (itself and its list fields).
pub fn with_nested(entity: &'static Entity, out: &mut Vec<&'static Entity>) {
    if out.iter().any(|e| e.name == entity.name) {
        return;
    }
    out.push(entity);
    for field in entity.fields {
        if let FieldKind::List(inner) = field.kind {
            with_nested(inner, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ColumnKind;

    static LINE: Entity = Entity {
        name: "Line",
        fields: &[Field::new("id", FieldKind::Id, "")],
    };
    static THING: Entity = Entity {
        name: "Thing",
        fields: &[
            Field::new("id", FieldKind::Id, ""),
            Field::new("name", FieldKind::Text, ""),
            Field::new("price", FieldKind::Money, ""),
            Field::new("status", FieldKind::Status, ""),
            Field::new("parent_id", FieldKind::RefId, ""),
            Field::new("categories_ids", FieldKind::IdList, ""),
            Field::new("created_at", FieldKind::Time, ""),
            Field::new("method", FieldKind::Label, ""),
            Field::new(
                "address",
                FieldKind::Object(&[Field::new("city", FieldKind::Text, "")]),
                "",
            ),
            Field::new("lines", FieldKind::List(&LINE), ""),
        ],
    };

    fn columns(names: &[&str]) -> Vec<Column> {
        names
            .iter()
            .map(|n| Column {
                name: n.to_string(),
                kind: ColumnKind::Other,
                native_type: "",
                length: 0,
                decimals: 0,
            })
            .collect()
    }

    const ALL: &[&str] = &[
        "id",
        "name",
        "price",
        "status",
        "parent_id",
        "categories_ids",
        "created_at",
        "method",
        "address__city",
    ];

    #[test]
    fn rows_become_the_contracts_json() {
        let layout = Layout::new(&THING, &columns(ALL), None).unwrap();
        let shaper = Shaper {
            html_escaped: true,
            zone: Zone::utc(),
        };
        let row = [
            Value::Int(40),
            Value::text("Apple Cinema 30&quot;"),
            Value::text("101.0000"),
            Value::Int(1),
            Value::Int(0),
            Value::text("28,20,20"),
            Value::text("0000-00-00 00:00:00"),
            Value::text("{\"name\":\"Flat Shipping Rate\",\"code\":\"flat.flat\"}"),
            Value::text(""),
        ];
        let object = layout.object(&row, &shaper);
        assert_eq!(
            Json::Object(object),
            json!({
                "id": "40", "name": "Apple Cinema 30\"", "price": "101.0000",
                "status": "enabled", "parent_id": null, "categories_ids": ["20", "28"],
                "created_at": null, "method": "Flat Shipping Rate", "address": null, "lines": [],
            })
        );
        let only = ["price".to_string()];
        let narrow = Layout::new(&THING, &columns(ALL), Some(&only)).unwrap();
        let object = narrow.object(&row, &shaper);
        assert_eq!(object.keys().collect::<Vec<_>>(), ["id", "price"]);
    }

    #[test]
    fn sql_and_schema_must_agree() {
        let error = Layout::new(&THING, &columns(&ALL[..4]), None)
            .err()
            .unwrap();
        assert!(
            error.message.contains("no column 'parent_id'"),
            "{}",
            error.message
        );
        let mut more = ALL.to_vec();
        more.push("secret");
        let error = Layout::new(&THING, &columns(&more), None).err().unwrap();
        assert!(error.message.contains("'secret'"), "{}", error.message);
    }
}
