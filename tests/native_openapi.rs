//! The OpenAPI document: served unsigned at `openapi.json`, and true. The
//! demo store (`cartbridge demo`, OpenCart 3 demo data with the demo
//! orders on SQLite) answers every documented method, and each answer is
//! validated against the document's own schema for it; then schemathesis
//! (tests/schemathesis/) generates requests from the document and checks
//! every answer against it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::shop::{envelope, sign_native_as};
use common::{binary, free_port, http};
use regex::Regex;
use serde_json::{json, Value as Json};

/// A demo store served by `cartbridge demo`; killed on drop.
struct Demo {
    child: Child,
    port: u16,
    secret: String,
    _dir: tempfile::TempDir,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(binary())
            .args(["demo", "--dir"])
            .arg(dir.path().join("store"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the demo did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The demo binds before it builds the store: wait for its config.
        let config_path = dir.path().join("store/bridge2cart/.cartbridge/config.toml");
        while !config_path.exists() {
            assert!(
                Instant::now() < deadline,
                "the demo did not write its config"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let config = std::fs::read_to_string(&config_path).unwrap();
        let secret = Regex::new(r#"secret = "([^"]+)""#)
            .unwrap()
            .captures(&config)
            .unwrap()[1]
            .to_string();
        Demo {
            child,
            port,
            secret,
            _dir: dir,
        }
    }

    fn call(&self, method: &str, get: bool, params: &Json) -> (u16, Json) {
        let path = format!("/{method}.json");
        let pairs: Vec<(String, String)> = params
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect();
        let query: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (http_method, query, body) = if get {
            ("GET", query, Vec::new())
        } else {
            ("POST", Vec::new(), params.to_string().into_bytes())
        };
        let (headers, encoded) =
            sign_native_as("demo", &self.secret, http_method, &path, &query, &body);
        let mut headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        headers.push(("Content-Type", "application/json"));
        let url = if encoded.is_empty() {
            format!("/bridge2cart/cartbridge{path}")
        } else {
            format!("/bridge2cart/cartbridge{path}?{encoded}")
        };
        let answer = http(self.port, http_method, &url, &headers, &body);
        (answer.status, envelope(&answer.body))
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A call for every method: the parameters the test gives it.
fn example(method: &str) -> Json {
    match method {
        "cart.info" | "category.count" | "customer.count" | "order.count" | "order.status.list" => {
            json!({})
        }
        "product.count" => json!({"status": "enabled", "created_from": "2009-01-01"}),
        "product.list" | "customer.list" | "order.list" => json!({"count": "3"}),
        "product.info" => json!({"id": "40"}),
        "product.find" => json!({"name": "cinema"}),
        "product.update" => json!({"id": 40, "price": "99.5", "status": "enabled"}),
        "category.list" => json!({"parent_id": "20"}),
        "category.info" => json!({"id": "20"}),
        "customer.info" => json!({"id": "4"}),
        "customer.find" => json!({"email": "jane.doe@example.com"}),
        "order.info" => json!({"id": "1"}),
        "order.update" => json!({"id": 8, "status": 7, "comment": "refunded", "notify": true}),
        "sql.query" => {
            json!({"sql": "SELECT product_id, price, date_added FROM oc_product ORDER BY product_id LIMIT 2"})
        }
        other => panic!("no example call for {other}: add one so the document stays tested"),
    }
}

/// Examples schemathesis generates per operation (`CB_SCHEMATHESIS_EXAMPLES`;
/// tests/reliability.sh runs more).
fn schemathesis_examples() -> String {
    std::env::var("CB_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "10".into())
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_document() {
    let python = common::require_program("python3");
    let probe = Command::new(&python)
        .args(["-c", "import schemathesis"])
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "schemathesis is not installed for python3: run `bash tests/services.sh`"
    );
    let demo = Demo::start();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/test_openapi.py");
    let started = Instant::now();
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&script)
        .env(
            "CB_BASE_URL",
            format!("http://127.0.0.1:{}/bridge2cart/cartbridge", demo.port),
        )
        .env("CB_KEY_ID", "demo")
        .env("CB_SECRET", &demo.secret)
        .env("CB_EXAMPLES", schemathesis_examples())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text
        .lines()
        .filter(|l| {
            l.contains(" passed") || l.contains(" failed") || l.starts_with("schemathesis requests")
        })
        .collect::<Vec<_>>()
        .join("; ");
    println!(
        "schemathesis {} examples per operation: {summary} in {} s",
        schemathesis_examples(),
        started.elapsed().as_secs()
    );
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_documented_method_answers_as_documented() {
    let demo = Demo::start();
    let answer = http(
        demo.port,
        "GET",
        "/bridge2cart/cartbridge/openapi.json",
        &[],
        b"",
    );
    assert_eq!(answer.status, 200, "openapi.json needs no signature");
    let doc: Json = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(!answer.text().contains(&demo.secret));
    let validator = Validator { doc: &doc };

    let mut methods = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let method = path.trim_start_matches('/').trim_end_matches(".json");
        if method == "openapi" {
            continue;
        }
        methods += 1;
        let get = item.get("get").is_some();
        let operation = if get { &item["get"] } else { &item["post"] };
        let (status, answer) = demo.call(method, get, &example(method));
        assert_eq!(status, 200, "{method}: {answer}");
        let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        if let Err(e) = validator.check(schema, &answer, "$") {
            panic!("{method} answers against its schema: {e}\n{answer}");
        }
        assert_every_field_present(&validator, method, &answer["result"]);
        // The POST form of a read answers the same.
        if get && !method.ends_with("update") {
            let (status, posted) = demo.call(method, false, &example(method));
            assert_eq!(
                (status, &posted["result"]),
                (200, &answer["result"]),
                "{method} by POST"
            );
        }
        // A refusal matches the error schema.
        let (status, refusal) = demo.call(method, get, &json!({"no_such_parameter": "1"}));
        assert_eq!(status, 400, "{method}: {refusal}");
        let error = &operation["responses"]["default"]["content"]["application/json"]["schema"];
        validator.check(error, &refusal, "$").unwrap();
    }
    assert_eq!(methods, 19, "the first set of NATIVE.md");
}

/// Without `params`, entities carry every field of their schema: the
/// documented fields are not just allowed but delivered.
fn assert_every_field_present(validator: &Validator<'_>, method: &str, result: &Json) {
    let entities: Vec<&Json> = match result {
        Json::Object(map) if map.contains_key("id") => vec![result],
        Json::Object(map) => map
            .values()
            .flat_map(|v| match v {
                Json::Array(items) => items.iter().collect(),
                other => vec![other],
            })
            .filter(|v| v.get("id").is_some())
            .collect(),
        _ => Vec::new(),
    };
    if ["cart.info", "sql.query"].contains(&method) || method.ends_with(".count") {
        return;
    }
    assert!(
        !entities.is_empty(),
        "{method} returned no entity to check: {result}"
    );
    for entity in entities {
        let names: Vec<&String> = entity.as_object().unwrap().keys().collect();
        let schema_name = validator.schema_of(method);
        let properties = validator.doc["components"]["schemas"][schema_name]["properties"]
            .as_object()
            .unwrap();
        let expected: Vec<&String> = properties.keys().collect();
        assert_eq!(names, expected, "{method}: fields of {schema_name}");
    }
}

/// A JSON Schema subset validator: what the document uses ($ref, type,
/// properties, required, additionalProperties, items, enum, const,
/// pattern, format date-time, minimum, maximum, maxLength, oneOf).
struct Validator<'d> {
    doc: &'d Json,
}

impl Validator<'_> {
    fn schema_of(&self, method: &str) -> &'static str {
        match method.split('.').next().unwrap() {
            "product" => "Product",
            "category" => "Category",
            "customer" => "Customer",
            "order" if method == "order.status.list" => "OrderStatus",
            "order" => "Order",
            other => panic!("no entity for {other}"),
        }
    }

    fn resolve<'a>(&'a self, schema: &'a Json) -> &'a Json {
        match schema.get("$ref").and_then(Json::as_str) {
            Some(reference) => {
                let name = reference
                    .strip_prefix("#/components/schemas/")
                    .expect("local $ref");
                let target = &self.doc["components"]["schemas"][name];
                assert!(target.is_object(), "unresolved $ref {reference}");
                self.resolve(target)
            }
            None => schema,
        }
    }

    fn check(&self, schema: &Json, value: &Json, at: &str) -> Result<(), String> {
        let schema = self.resolve(schema);
        let fail = |what: String| Err(format!("{at}: {what} (value {value})"));
        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Json::String(t) => vec![t.as_str()],
                Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
                _ => return fail("bad type in schema".into()),
            };
            if !allowed.iter().any(|t| type_matches(t, value)) {
                return fail(format!("not of type {allowed:?}"));
            }
        }
        if let Some(expected) = schema.get("const") {
            if expected != value {
                return fail(format!("not {expected}"));
            }
        }
        if let Some(Json::Array(options)) = schema.get("enum") {
            if !options.contains(value) {
                return fail(format!("not one of {options:?}"));
            }
        }
        if let Some(Json::Array(options)) = schema.get("oneOf") {
            let matching = options
                .iter()
                .filter(|o| self.check(o, value, at).is_ok())
                .count();
            if matching != 1 {
                return fail(format!("{matching} of oneOf match"));
            }
        }
        match value {
            Json::String(s) => self.check_string(schema, s, at)?,
            Json::Number(n) => {
                let n = n.as_f64().unwrap();
                if schema
                    .get("minimum")
                    .and_then(Json::as_f64)
                    .is_some_and(|m| n < m)
                    || schema
                        .get("maximum")
                        .and_then(Json::as_f64)
                        .is_some_and(|m| n > m)
                {
                    return fail("out of range".into());
                }
            }
            Json::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{at}[{i}]"))?;
                    }
                }
            }
            Json::Object(map) => self.check_object(schema, map, at)?,
            _ => {}
        }
        Ok(())
    }

    fn check_string(&self, schema: &Json, s: &str, at: &str) -> Result<(), String> {
        if let Some(pattern) = schema.get("pattern").and_then(Json::as_str) {
            if !Regex::new(pattern).unwrap().is_match(s) {
                return Err(format!("{at}: '{s}' does not match {pattern}"));
            }
        }
        if schema.get("format").and_then(Json::as_str) == Some("date-time") {
            let rfc3339 =
                Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
                    .unwrap();
            if !rfc3339.is_match(s) {
                return Err(format!("{at}: '{s}' is not an RFC 3339 date-time"));
            }
        }
        if let Some(max) = schema.get("maxLength").and_then(Json::as_u64) {
            if s.chars().count() as u64 > max {
                return Err(format!("{at}: longer than {max}"));
            }
        }
        Ok(())
    }

    fn check_object(
        &self,
        schema: &Json,
        map: &serde_json::Map<String, Json>,
        at: &str,
    ) -> Result<(), String> {
        let properties = schema.get("properties").and_then(Json::as_object);
        if let Some(Json::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Json::as_str) {
                if !map.contains_key(name) {
                    return Err(format!("{at}: missing required {name}"));
                }
            }
        }
        for (name, value) in map {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.check(property, value, &format!("{at}.{name}"))?,
                None if schema.get("additionalProperties") == Some(&Json::Bool(false)) => {
                    return Err(format!("{at}: undocumented property {name}"))
                }
                None => {}
            }
        }
        Ok(())
    }
}

fn type_matches(t: &str, value: &Json) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

#[test]
fn the_validator_catches_what_it_claims_to() {
    let doc = json!({"components": {"schemas": {"T": {
        "type": "object",
        "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"}, "at": {"type": ["string", "null"], "format": "date-time"}},
        "required": ["id"],
        "additionalProperties": false,
    }}}});
    let v = Validator { doc: &doc };
    let schema = json!({"$ref": "#/components/schemas/T"});
    assert!(v
        .check(
            &schema,
            &json!({"id": "40", "at": "2024-01-01T00:00:00Z"}),
            "$"
        )
        .is_ok());
    assert!(v.check(&schema, &json!({"id": 40}), "$").is_err());
    assert!(v.check(&schema, &json!({"id": "4x"}), "$").is_err());
    assert!(v.check(&schema, &json!({"at": null}), "$").is_err());
    assert!(v
        .check(&schema, &json!({"id": "1", "extra": 1}), "$")
        .is_err());
    assert!(v
        .check(
            &schema,
            &json!({"id": "1", "at": "2024-01-01 00:00:00"}),
            "$"
        )
        .is_err());
}
