//! The native JSON API (NATIVE.md): method from the path, signature v1,
//! validated parameters, the platform's SQL, and the answer envelope.

mod methods;
mod params;

use std::io;

use serde_json::{json, Value as Json};

use crate::access::Access;
use crate::db::{self, Database, DbError};
use crate::form;
use crate::http::{respond, Request, ResponseSink};
use crate::platform::ShopSettings;
use crate::store::{Bridge, KeyConfig, ShopError};

pub use params::Params;

pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A refusal: the HTTP status and a message that says what to fix.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        match e {
            DbError::Connect(m) => {
                ApiError::new(503, format!("the shop's database is unreachable: {m}"))
            }
            DbError::Query { code, message, .. } => ApiError::new(
                500,
                format!("the shop's database refused the query ({code}): {message}"),
            ),
            DbError::Aborted(e) => ApiError::new(500, format!("answer aborted: {e}")),
        }
    }
}

impl From<ShopError> for ApiError {
    fn from(e: ShopError) -> ApiError {
        ApiError::new(500, e.to_string())
    }
}

/// Everything a method needs: the shop, a lazily opened connection, and
/// the key that called (None for the local command line).
pub struct Context<'a> {
    pub shop: ShopSettings,
    pub key: Option<&'a KeyConfig>,
    db: Option<Box<dyn Database>>,
}

impl Context<'_> {
    /// The database connection, opened on first use.
    pub fn db(&mut self) -> Result<&mut dyn Database, ApiError> {
        if self.db.is_none() {
            self.db = Some(db::connect(&self.shop.target)?);
        }
        Ok(self.db.as_mut().expect("just opened").as_mut())
    }

    /// The platform's SQL for a method, or a 501-style refusal when the
    /// platform has none.
    pub fn sql(&self, name: &str) -> Result<String, ApiError> {
        self.shop
            .platform
            .sql(name, &self.shop.prefix)
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    format!(
                        "{} is not available for {} stores yet",
                        name.split('/').next().unwrap_or(name),
                        self.shop.platform.title
                    ),
                )
            })
    }
}

/// Serves one native request that came over HTTP.
pub fn handle(
    request: &Request,
    bridge: &Bridge,
    sink: &mut dyn ResponseSink,
    access: &mut Access<'_>,
) -> io::Result<()> {
    let (status, body) = match answer(request, bridge, access) {
        Ok(result) => (200, envelope(Ok(result))),
        Err(e) => (e.status, envelope(Err(&e))),
    };
    respond(sink, status, CONTENT_TYPE, &body)
}

fn answer(request: &Request, bridge: &Bridge, access: &mut Access<'_>) -> Result<Json, ApiError> {
    if let Some(problem) = &bridge.config_error {
        return Err(ApiError::new(
            500,
            format!("the bridge's configuration cannot be used: {problem}"),
        ));
    }
    let (method, signed_path) = method_of(request)?;
    let key = access
        .native(
            request,
            &signed_path,
            &method,
            methods::find(&method).is_some(),
        )
        .map_err(|refusal| ApiError::new(refusal.status, refusal.message))?;
    let params = Params::from_request(request)?;
    let shop = bridge.shop(&bridge.store_root(), None)?;
    run(&method, params, shop, Some(key))
}

/// Runs a method: the one entry shared by HTTP and `cartbridge call`.
pub fn run(
    method: &str,
    params: Params,
    shop: ShopSettings,
    key: Option<&KeyConfig>,
) -> Result<Json, ApiError> {
    let spec = methods::find(method).ok_or_else(|| {
        ApiError::new(
            404,
            format!(
                "unknown method '{method}'; known methods: {}",
                methods::names().join(", ")
            ),
        )
    })?;
    params.check_known(spec.params)?;
    let mut context = Context {
        shop,
        key,
        db: None,
    };
    (spec.run)(&mut context, &params)
}

/// The method and the path as signed: from `PATH_INFO`
/// (`/product.list.json`), else from `method=` with path `/`.
fn method_of(request: &Request) -> Result<(String, String), ApiError> {
    let path = String::from_utf8(request.path_info.clone())
        .map_err(|_| ApiError::bad_parameter("the path is not UTF-8"))?;
    let trimmed = path.trim_start_matches('/');
    if !trimmed.is_empty() {
        let name = trimmed.strip_suffix(".json").unwrap_or(trimmed);
        return Ok((name.to_string(), path));
    }
    let method = form::query_pairs(&request.query)
        .into_iter()
        .find(|(n, _)| n == b"method")
        .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
        .ok_or_else(|| {
            ApiError::bad_parameter(
                "no method: call <bridge URL>/<method>.json or pass method=<method>",
            )
        })?;
    Ok((method, "/".to_string()))
}

/// The answer envelope of NATIVE.md.
pub fn envelope(result: Result<Json, &ApiError>) -> Vec<u8> {
    let value = match result {
        Ok(result) => json!({"return_code": 0, "return_message": "", "result": result}),
        Err(e) => json!({"return_code": e.status, "return_message": e.message, "result": null}),
    };
    let mut body = serde_json::to_vec(&value).expect("JSON values serialize");
    body.push(b'\n');
    body
}

/// Whether a request is for the native API rather than the legacy protocol.
pub fn is_native(request: &Request) -> bool {
    let path = request.path_info.as_slice();
    (!path.is_empty() && path != b"/")
        || request.header("x-cartbridge-key").is_some()
        || form::query_pairs(&request.query)
            .iter()
            .any(|(n, _)| n == b"method")
}
