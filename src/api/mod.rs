//! The native JSON API (NATIVE.md): method from the path, signature v1,
//! parameters validated against the method's definition, the platform's
//! SQL, and the answer envelope (lists streamed).
//!
//! This module is the one boundary towards callers: every refusal below
//! it is an `ApiError` with a status and a message that says what to fix,
//! and only `Answer` turns it into bytes. It never puts SQL text, database
//! passwords or keys into an answer.

mod answer;
mod cursor;
mod fields;
mod methods;
mod openapi;
mod params;
mod spec;
mod sql_policy;
mod text;
mod time;
mod write;

use std::io;

use crate::access::Access;
use crate::db::{self, bind_named_lists, Bound, Database, DbError, Target, Value};
use crate::form;
use crate::http::{respond, Request, ResponseSink};
use crate::platform::{ShopSettings, Variant};
use crate::store::{Bridge, KeyConfig, ShopError, SqlPolicy};

pub use answer::{envelope, Answer};
pub use params::Params;

use cursor::CursorKey;
use fields::Shaper;
use params::Args;
use time::{Moment, Zone};

pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A refusal: the HTTP status and a message that says what to fix.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// With a 405: the HTTP methods the method answers (the `Allow` header
    /// RFC 9110 asks for).
    pub allow: Option<&'static str>,
    /// Seconds for a `Retry-After` header: the refusal is temporary.
    pub retry_after: Option<u64>,
}

/// MariaDB/MySQL errors that mean another connection held the rows a
/// statement needed: a lock wait timed out (1205) or InnoDB chose the
/// statement's transaction as a deadlock's victim (1213).
const BUSY_ERRORS: [i64; 2] = [1205, 1213];

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            allow: None,
            retry_after: None,
        }
    }

    fn method_not_allowed(allow: &'static str, message: String) -> ApiError {
        ApiError {
            allow: Some(allow),
            ..ApiError::new(405, message)
        }
    }

    /// The shop's database is busy: a 503 with `Retry-After: 1`, because
    /// the same call a moment later usually goes through.
    pub fn busy(message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(503, message)
        }
    }

    pub fn bad_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, message)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        match e {
            DbError::Connect(m) => {
                ApiError::new(503, format!("the shop's database is unreachable: {m}"))
            }
            DbError::Query { code, message, .. } if BUSY_ERRORS.contains(&code) => ApiError::busy(
                format!("the shop's database is busy: another connection holds the rows this call needs ({code}: {message}); nothing was changed, retry in a moment"),
            ),
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

/// Who is calling: an API key, or the local operator (`cartbridge call`),
/// who may read the shop's own config and so needs no key.
pub enum Caller<'a> {
    Key(&'a KeyConfig),
    Local { sql_policy: SqlPolicy },
}

impl Caller<'_> {
    pub fn sql_policy(&self) -> SqlPolicy {
        match self {
            Caller::Key(key) => key.sql_policy,
            Caller::Local { sql_policy } => *sql_policy,
        }
    }

    /// Who the caller is, for messages.
    pub fn describe(&self) -> String {
        match self {
            Caller::Key(key) => format!("key '{}'", key.id),
            Caller::Local { .. } => "the local command line".into(),
        }
    }

    fn cursor_secret(&self) -> &str {
        match self {
            Caller::Key(key) => &key.secret,
            Caller::Local { .. } => "cartbridge local operator",
        }
    }
}

/// Everything a method needs: the shop, the caller, lazily opened
/// connections, and what the shop's database says about itself.
pub struct Context<'a> {
    pub shop: ShopSettings,
    pub caller: Caller<'a>,
    /// Unix time of the request.
    pub now: u64,
    db: Option<Box<dyn Database>>,
    /// A second connection, for the nested rows of a streamed list.
    side: Option<Box<dyn Database>>,
    variants: Option<Vec<String>>,
    defaults: Option<Defaults>,
}

/// The shop's defaults, read from its settings.
struct Defaults {
    lang_id: Option<i64>,
    zone: Zone,
}

impl<'a> Context<'a> {
    pub fn new(shop: ShopSettings, caller: Caller<'a>, now: u64) -> Context<'a> {
        Context {
            shop,
            caller,
            now,
            db: None,
            side: None,
            variants: None,
            defaults: None,
        }
    }

    /// The database connection, opened on first use.
    pub fn db(&mut self) -> Result<&mut dyn Database, ApiError> {
        if self.db.is_none() {
            self.db = Some(self.connect()?);
        }
        Ok(self.db.as_mut().expect("just opened").as_mut())
    }

    /// A new connection, in the session the shop sets up for itself
    /// (the platform's `session_sql`, on MySQL: WordPress leaves the strict
    /// SQL modes out, so its EAV comparisons of text with numbers warn
    /// instead of failing a write).
    fn connect(&self) -> Result<Box<dyn Database>, ApiError> {
        let mut db = db::connect(&self.shop.target)?;
        if let (Some(sql), Target::Mysql(_)) = (&self.shop.platform.session_sql, &self.shop.target)
        {
            db.execute(sql, &[])?;
        }
        Ok(db)
    }

    /// The main connection and, when `side` is asked for, a second one for
    /// nested queries while the main one streams.
    pub fn both_dbs_if(
        &mut self,
        side: bool,
    ) -> Result<(&mut dyn Database, Option<&mut dyn Database>), ApiError> {
        self.db()?;
        if side && self.side.is_none() {
            self.side = Some(self.connect()?);
        }
        let main: &mut dyn Database = self.db.as_mut().expect("opened").as_mut();
        let side: Option<&mut dyn Database> = match (side, self.side.as_mut()) {
            (true, Some(db)) => Some(db.as_mut()),
            _ => None,
        };
        Ok((main, side))
    }

    /// The `sql/` sub-folders that apply to this shop, most specific first
    /// (found once per request): for a cart that is a plugin (WordPress),
    /// the active cart's folder after its matching variants' folders
    /// (`woocommerce/hpos`, `woocommerce`); then the platform's matching
    /// variants. The common `sql/` files come after all of them.
    fn variants(&mut self) -> Result<Vec<String>, ApiError> {
        if let Some(variants) = &self.variants {
            return Ok(variants.clone());
        }
        let platform = self.shop.platform;
        if platform.plugins.is_some() && self.shop.plugin.is_none() {
            let mut db = match self.db.take() {
                Some(db) => db,
                None => self.connect()?,
            };
            // No active cart plugin: only the platform's own files apply,
            // and the methods it has none for answer 404.
            let _ = self.shop.detect_cart_plugin(db.as_mut(), None);
            self.db = Some(db);
        }
        let mut found = Vec::new();
        if let Some(cart) = self.shop.plugin {
            for variant in self.matching(&cart.variants)? {
                found.push(format!("{}/{variant}", cart.name));
            }
            found.push(cart.name.clone());
        }
        found.extend(self.matching(&platform.variants)?);
        self.variants = Some(found.clone());
        Ok(found)
    }

    /// The names of the `variants` whose probe matches this shop's database.
    fn matching(&mut self, variants: &'static [Variant]) -> Result<Vec<String>, ApiError> {
        let prefix = self.shop.prefix.clone();
        let db = self.db()?;
        let mut found = Vec::new();
        for variant in variants {
            let probe = variant.probe.replace("{prefix}", &prefix);
            // A probe matches when it runs and does not answer "no" (a first
            // value of 0, empty or NULL): `LIMIT 0` probes a schema, a
            // `COUNT(*)` probes a setting (WooCommerce's order storage).
            let says_no = |row: Vec<Value>| {
                row.first()
                    .is_some_and(|v| v.to_text().is_none_or(|t| t.is_empty() || t == "0"))
            };
            if db
                .first_row(&probe, &[])
                .is_ok_and(|row| !row.is_some_and(says_no))
            {
                found.push(variant.name.clone());
            }
        }
        Ok(found)
    }

    /// The platform's SQL for `name`, for this shop's schema, or a 404
    /// when the platform has none.
    pub fn sql(&mut self, name: &str) -> Result<String, ApiError> {
        let method = name.split('/').next().unwrap_or(name);
        self.try_sql(name)?.ok_or_else(|| match &self.shop.platform.plugins {
            Some(plugins) if self.shop.plugin.is_none() => ApiError::not_found(format!(
                "{method} needs the shop's cart plugin, and none is active in this {} ({}): activate the cart plugin",
                self.shop.platform.title, plugins.missing
            )),
            _ => ApiError::not_found(format!(
                "{method} is not available for {} stores yet",
                self.shop.platform.title
            )),
        })
    }

    /// The platform's SQL for `name`, when it has some; `{base_prefix}` is
    /// the shop's own table prefix where `{prefix}` may be the blog's.
    pub fn try_sql(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let variants = self.variants()?;
        let variants: Vec<&str> = variants.iter().map(String::as_str).collect();
        Ok(self
            .shop
            .platform
            .sql_for(name, &variants, &self.shop.prefix)
            .map(|sql| sql.replace("{base_prefix}", &self.shop.base_prefix)))
    }

    fn defaults(&mut self) -> Result<&Defaults, ApiError> {
        if self.defaults.is_none() {
            let sql = self.sql("shop.defaults")?;
            let row = self.db()?.first_row(&sql, &[])?.unwrap_or_default();
            let lang_id = row.first().and_then(Value::to_i64);
            let zone_name = row
                .get(1)
                .and_then(Value::to_text)
                .or_else(|| self.shop.time_zone.clone())
                .unwrap_or_default();
            // An unknown zone name is reported in cart.info; times are then
            // given as UTC rather than refused.
            let zone = Zone::named(&zone_name).unwrap_or_else(Zone::utc);
            self.defaults = Some(Defaults { lang_id, zone });
        }
        Ok(self.defaults.as_ref().expect("just read"))
    }

    /// How values of this shop turn into JSON.
    pub fn shaper(&mut self) -> Result<Shaper, ApiError> {
        let html_escaped = self.shop.platform.html_escaped_text;
        let zone = self.defaults()?.zone.clone();
        Ok(Shaper { html_escaped, zone })
    }

    /// A caller's time filter as the shop's stored local time.
    pub fn local_time(&mut self, moment: Moment) -> Result<Value, ApiError> {
        Ok(Value::text(self.defaults()?.zone.to_local_text(moment)))
    }

    /// A caller's time filter in UTC (one without an offset is the shop's
    /// local time), for columns a shop keeps in UTC.
    pub fn utc_time(&mut self, moment: Moment) -> Result<Value, ApiError> {
        Ok(Value::text(self.defaults()?.zone.to_utc_text(moment)))
    }

    /// Now, as the shop stores times.
    pub fn now_local(&mut self) -> Result<Value, ApiError> {
        let now = i64::try_from(self.now).unwrap_or(0);
        Ok(Value::text(self.defaults()?.zone.now_local_text(now)))
    }

    /// The language asked for, checked against the shop's languages, else
    /// the shop's default.
    pub fn lang_id(&mut self, args: &Args) -> Result<i64, ApiError> {
        let Some(asked) = args.int("lang_id") else {
            return self.defaults()?.lang_id.ok_or_else(|| {
                ApiError::new(
                    500,
                    "the shop has no languages: its setting table names none",
                )
            });
        };
        self.check_exists(
            "shop.language",
            "lang_id",
            asked,
            "cart.info lists the shop's languages",
        )?;
        Ok(asked)
    }

    /// The store asked for, checked against the shop's stores.
    pub fn store_id(&mut self, args: &Args) -> Result<Value, ApiError> {
        let Some(asked) = args.int("store_id") else {
            return Ok(Value::Null);
        };
        self.check_exists("shop.store", "store_id", asked, "0 is the default store")?;
        Ok(Value::Int(asked))
    }

    fn check_exists(&mut self, sql: &str, name: &str, id: i64, hint: &str) -> Result<(), ApiError> {
        let sql = self.sql(sql)?;
        let mut binds = Binds::default();
        binds.set("id", Value::Int(id));
        let (sql, values) = binds.bind(&sql);
        if self.db()?.first_row(&sql, &values)?.is_none() {
            return Err(ApiError::bad_parameter(format!(
                "{name} {id} is not in this shop ({hint})"
            )));
        }
        Ok(())
    }

    /// The key page cursors are authenticated with.
    pub fn cursor_key(&self) -> CursorKey {
        CursorKey::new(
            self.caller.cursor_secret(),
            &self.shop.root.display().to_string(),
        )
    }
}

/// Named values for a platform SQL file; names the file uses but nobody
/// set are bound to NULL.
#[derive(Debug, Default, Clone)]
pub struct Binds {
    values: Vec<(String, Bound)>,
}

impl Binds {
    pub fn set(&mut self, name: &str, value: Value) -> &mut Binds {
        self.put(name, Bound::One(value))
    }

    pub fn list(&mut self, name: &str, values: Vec<Value>) -> &mut Binds {
        self.put(name, Bound::List(values))
    }

    fn put(&mut self, name: &str, bound: Bound) -> &mut Binds {
        self.values.retain(|(n, _)| n != name);
        self.values.push((name.to_string(), bound));
        self
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find_map(|(n, b)| match b {
            Bound::One(v) if n == name => Some(v),
            _ => None,
        })
    }

    /// The SQL with `?` placeholders and the values in order.
    pub fn bind(&self, sql: &str) -> (String, Vec<Value>) {
        bind_named_lists(sql, &|name| {
            self.values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| b.clone())
                .unwrap_or(Bound::One(Value::Null))
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
    if is_openapi(request) {
        return respond(sink, 200, CONTENT_TYPE, &openapi::document_bytes());
    }
    let mut answer = Answer::new(sink);
    let mut method = String::from("a native call");
    let outcome = serve(request, bridge, access, &mut answer, &mut method).map_err(|mut e| {
        e.message = bridge.for_caller(&e.message);
        e
    });
    answer.finish(outcome, &method)
}

fn serve(
    request: &Request,
    bridge: &Bridge,
    access: &mut Access<'_>,
    answer: &mut Answer<'_>,
    method_name: &mut String,
) -> Result<(), ApiError> {
    // An unusable config.toml was already refused by `Access::gate`.
    let (method, signed_path) = method_of(request)?;
    let now = access.now();
    let key = access
        .native(
            request,
            &signed_path,
            &method,
            methods::find(&method).is_ok(),
        )
        .map_err(|refusal| ApiError::new(refusal.status, refusal.message))?;
    let spec = methods::find(&method)?;
    *method_name = spec.name.to_string();
    check_http_method(spec, &request.method)?;
    let params = Params::from_request(request)?;
    let shop = bridge.shop(&bridge.store_root(), None)?;
    run(&method, params, shop, Caller::Key(key), now, answer)
}

/// Runs a method: the one entry shared by HTTP and `cartbridge call`.
pub fn run(
    method: &str,
    params: Params,
    shop: ShopSettings,
    caller: Caller<'_>,
    now: u64,
    answer: &mut Answer<'_>,
) -> Result<(), ApiError> {
    let spec = methods::find(method)?;
    let args = params.validate(spec.params)?;
    let mut context = Context::new(shop, caller, now);
    (spec.run)(&mut context, &args, answer)
}

/// Runs a method for the local operator and writes the answer to `sink`.
pub fn call_local(
    method: &str,
    pairs: Vec<(String, String)>,
    bridge: &Bridge,
    sql_policy: SqlPolicy,
    sink: &mut dyn ResponseSink,
) -> io::Result<()> {
    let mut answer = Answer::new(sink);
    let outcome = Params::from_pairs(pairs).and_then(|params| {
        if let Some(problem) = &bridge.config_error {
            return Err(ApiError::new(
                500,
                format!("the bridge's configuration cannot be used: {problem}"),
            ));
        }
        let shop = bridge.shop(&bridge.store_root(), None)?;
        let caller = Caller::Local { sql_policy };
        run(
            method,
            params,
            shop,
            caller,
            crate::access::utc::now(),
            &mut answer,
        )
    });
    answer.finish(outcome, method)
}

/// Writes refuse GET: a link or a prefetch must never change the shop.
fn check_http_method(spec: &spec::Method, http_method: &str) -> Result<(), ApiError> {
    let allow = if spec.writes {
        "POST"
    } else {
        "GET, HEAD, POST"
    };
    match http_method {
        "POST" => Ok(()),
        "GET" | "HEAD" if !spec.writes => Ok(()),
        "GET" | "HEAD" => Err(ApiError::method_not_allowed(
            allow,
            format!(
                "{} changes the shop: send it as POST with a JSON (or form) body",
                spec.name
            ),
        )),
        other => Err(ApiError::method_not_allowed(
            allow,
            format!("{other} is not used by the native API: use GET or POST"),
        )),
    }
}

/// `openapi.json`: the only path that answers without a signature.
fn is_openapi(request: &Request) -> bool {
    request.path_info == b"/openapi.json"
        || (request.path_info.is_empty() || request.path_info == b"/")
            && form::query_pairs(&request.query)
                .iter()
                .any(|(n, v)| n == b"method" && v == b"openapi")
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

/// Whether a request is for the native API rather than the legacy protocol.
/// Whether a native method writes (and so must be sent as POST); unknown
/// names count as reads and the bridge says what is wrong with them.
pub fn method_writes(name: &str) -> bool {
    methods::find(name).is_ok_and(|m| m.writes)
}

pub fn is_native(request: &Request) -> bool {
    let path = request.path_info.as_slice();
    (!path.is_empty() && path != b"/")
        || request.header("x-cartbridge-key").is_some()
        || form::query_pairs(&request.query)
            .iter()
            .any(|(n, _)| n == b"method")
}
