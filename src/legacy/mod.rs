//! The incumbent's gateway protocol (LEGACY.md): the pre-auth answers, the
//! signature gate and the actions, answered byte for byte as
//! `bridge2cart/bridge.php` answers them.
//!
//! The order differs from the incumbent's in one way, on purpose: nothing
//! about the shop (its config, its database) is touched before the
//! signature is checked, except the file-existence test behind the
//! installation banner.

pub mod crypto;
mod download;
pub mod encoding;
mod files;
mod getconfig;
pub mod identity;
mod images;
mod multiquery;
mod query;
mod runtime;
pub mod serialize;
pub mod unserialize;

use std::io;

use crate::access::{Access, LegacyDenial};
use crate::form::{self, FormMap};
use crate::http::{respond, Request, ResponseSink};
use crate::platform::ShopSettings;
use crate::store::{Bridge, ShopError};
use encoding::{decode_plain_param, php_base64_encode};
use identity::Identity;

/// PHP's default content type, which the incumbent never changes.
pub const CONTENT_TYPE: &str = "text/html; charset=UTF-8";

/// An answer of the legacy protocol: HTTP 200 and bytes, as PHP sends them;
/// our own refusals (which the incumbent has no words for) carry a 4xx.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status: 200,
            body: body.into(),
        }
    }

    fn refusal(status: u16, message: String) -> Answer {
        Answer {
            status,
            body: message.into_bytes(),
        }
    }
}

/// One signed call: the fields, the shop they address and how the bridge
/// encodes what it sends and receives.
pub struct Call<'a> {
    pub form: &'a FormMap,
    pub bridge: &'a Bridge,
    pub identity: &'a Identity,
    pub shop: &'a ShopSettings,
}

impl Call<'_> {
    /// A field as PHP's `empty()` sees it: absent, `""` and `"0"` are none.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        non_empty(self.form.get_bytes(name))
    }

    /// An encoded parameter (`query`, `queries`, `data`, `sql_settings`):
    /// opened with the bridge's key when encryption is on — where a
    /// plaintext value is refused, as the incumbent refuses it — else
    /// swap-base64 decoded (LEGACY.md §3).
    pub fn decode(&self, value: &[u8]) -> Result<Vec<u8>, Answer> {
        match &self.identity.crypto {
            Some(crypto) => crypto
                .open(value)
                .map_err(|e| Answer::text(e.legacy_text())),
            None => Ok(decode_plain_param(value)),
        }
    }

    /// A `query`/`multiquery` answer: base64 in plaintext mode, the
    /// envelope when encryption is on.
    pub fn seal_base64(&self, payload: &[u8]) -> Answer {
        match &self.identity.crypto {
            Some(crypto) => sealed(crypto, payload),
            None => Answer::text(php_base64_encode(payload)),
        }
    }

    /// A `getconfig` answer: raw in plaintext mode, the envelope when
    /// encryption is on.
    pub fn seal_raw(&self, payload: Vec<u8>) -> Answer {
        match &self.identity.crypto {
            Some(crypto) => sealed(crypto, &payload),
            None => Answer::text(payload),
        }
    }

    pub fn encrypted(&self) -> bool {
        self.identity.crypto.is_some()
    }
}

fn sealed(crypto: &identity::Crypto, payload: &[u8]) -> Answer {
    match crypto.seal(payload) {
        Ok(envelope) => Answer::text(envelope),
        Err(e) => Answer::text(e.legacy_text()),
    }
}

/// PHP's `(int)` cast of a field: leading whitespace, a sign and digits
/// count, the rest is ignored (`"2x"` is 2); saturates instead of wrapping.
pub fn php_int(value: &[u8]) -> i64 {
    let text = value.trim_ascii_start();
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let magnitude = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// PHP's `empty()` on a string field.
fn non_empty(value: Option<&[u8]>) -> Option<&[u8]> {
    value.filter(|v| !v.is_empty() && *v != b"0")
}

/// Serves one legacy request.
pub fn handle(
    request: &Request,
    bridge: &Bridge,
    sink: &mut dyn ResponseSink,
    access: &mut Access<'_>,
) -> io::Result<()> {
    let answer = answer(request, bridge, access);
    respond(sink, answer.status, CONTENT_TYPE, &answer.body)
}

fn answer(request: &Request, bridge: &Bridge, access: &mut Access<'_>) -> Answer {
    if let Err(incumbent_error) = access.legacy_ready() {
        return Answer::text(incumbent_error);
    }
    let identity = match Identity::of(bridge) {
        Ok(identity) => identity,
        Err(problem) => return Answer::refusal(500, format!("ERROR: {problem}")),
    };
    let form = match parse_body(request) {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    let action: String = form
        .get_str("action")
        .unwrap_or("")
        .chars()
        .filter(|c| *c != '.')
        .collect();
    access.requested(&action);
    if action == "checkbridge" {
        return checkbridge(&identity);
    }
    if query_has(&request.query, "token") {
        return Answer::text("ERROR: Field token is not correct");
    }
    if form.is_empty() {
        return banner(bridge, &identity);
    }
    match access.legacy(&form, &action) {
        Ok(()) => dispatch(&action, &form, bridge, &identity),
        Err(LegacyDenial::Signature) => Answer::text("ERROR: Signature is not correct"),
        Err(LegacyDenial::Refused(refusal)) => Answer::refusal(refusal.status, refusal.message),
    }
}

/// `BRIDGE_OK`, or with encryption on, the JSON that tells the gateway
/// which key pair to use (LEGACY.md §1.4).
fn checkbridge(identity: &Identity) -> Answer {
    if identity.crypto.is_none() {
        return Answer::text("BRIDGE_OK");
    }
    let json = serde_json::json!({
        "message": "BRIDGE_OK",
        "key_id": identity.key_id,
        "bridge_version": identity.version,
    });
    Answer::text(runtime::php_json(&json))
}

/// The POST fields, parsed as PHP would, but refusing what PHP would guess.
fn parse_body(request: &Request) -> Result<FormMap, Answer> {
    if request.method != "POST" || request.body.is_empty() {
        return Ok(FormMap::new());
    }
    let content_type = request.header_str("content-type").unwrap_or("");
    let parsed = if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        match boundary(content_type) {
            Some(b) => form::parse_multipart(&request.body, b.as_bytes()),
            None => {
                return Err(Answer::refusal(
                    400,
                    "ERROR: multipart body without a boundary".into(),
                ))
            }
        }
    } else {
        form::parse_urlencoded(&request.body)
    };
    parsed.map_err(|e| Answer::refusal(400, format!("ERROR: Request refused: {e}")))
}

fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        name.eq_ignore_ascii_case("boundary")
            .then(|| value.trim_matches('"').to_string())
    })
}

fn query_has(query: &[u8], name: &str) -> bool {
    form::query_pairs(query).iter().any(|(n, _)| {
        n == name.as_bytes()
            || n.strip_prefix(name.as_bytes())
                .is_some_and(|rest| rest.starts_with(b"["))
    })
}

/// What a browser sees: the incumbent's banner, once the shop is found.
fn banner(bridge: &Bridge, identity: &Identity) -> Answer {
    if bridge.detect(&bridge.store_root()).is_none() {
        return Answer::text("BRIDGE_ERROR_CONFIGURATION_NOT_FOUND");
    }
    Answer::text(format!(
        "BRIDGE INSTALLED.<br /> Version: {}",
        identity.version
    ))
}

/// Runs a signed action. Class lookup in PHP is case-insensitive, so are we.
fn dispatch(action: &str, form: &FormMap, bridge: &Bridge, identity: &Identity) -> Answer {
    let action = action.to_ascii_lowercase();
    if !ACTIONS.contains(&action.as_str()) {
        return Answer::text("ACTION_DO_NOT EXIST\n");
    }
    if let Some(refused) = runtime::refused(&action) {
        return refused;
    }
    let root = match store_root(form, bridge) {
        Ok(root) => root,
        Err(answer) => return answer,
    };
    let mut shop = match bridge.shop(&root, form.get_str("cart_id")) {
        Ok(shop) => shop,
        Err(ShopError::NotDetected(_)) => {
            return Answer::text("BRIDGE_ERROR_CONFIGURATION_NOT_FOUND")
        }
        Err(ShopError::Settings(_)) => return Answer::text("ERROR_READING_STORE_CONFIG_FILE"),
    };
    if let Err(answer) = choose_cart_plugin(&mut shop, form) {
        return answer;
    }
    let call = Call {
        form,
        bridge,
        identity,
        shop: &shop,
    };
    match action.as_str() {
        "query" => query::run(&call),
        "multiquery" => multiquery::run(&call),
        "getconfig" => getconfig::run(&call),
        "savefile" => files::savefile(&call),
        "batchsavefile" => files::batchsavefile(&call),
        other => runtime::run(other, &call),
    }
}

/// Every action the incumbent knows (LEGACY.md §4), lower-cased; the ones
/// that need its PHP runtime are answered by `runtime`.
const ACTIONS: &[&str] = &[
    "query",
    "multiquery",
    "getconfig",
    "savefile",
    "batchsavefile",
    "basedirfs",
    "platform_action",
    "send_notification",
    "createrefund",
    "getshipmentproviders",
    "getshippingrates",
    "getcartweight",
    "getpaymentmodules",
    "getabandonedordertotal",
    "dispatchcartevents",
    "setproductstores",
    "reindexproduct",
    "m2eextensionnotify",
    "get_url",
    "collect_totals",
    "clearcache",
    "deleteimages",
    "cubecart",
    "mysqlver",
    "phpinfo",
    "update",
    "delete",
];

/// Where the cart is a plugin of a larger application (WordPress), which
/// one is active decides the shop's version and cartVars: the incumbent
/// asks the database before every action, and so do we.
fn choose_cart_plugin(shop: &mut ShopSettings, form: &FormMap) -> Result<(), Answer> {
    if shop.platform.plugins.is_none() {
        return Ok(());
    }
    let mut db =
        crate::db::connect(&shop.target).map_err(|e| Answer::text(query::error_message(&e)))?;
    shop.detect_cart_plugin(db.as_mut(), form.get_str("cart_id"))
        .map_err(Answer::text)
}

/// The signed `store_root`, which must be absolute and canonical (LEGACY.md
/// §1.3); without it, the bridge's own idea of the store root.
fn store_root(form: &FormMap, bridge: &Bridge) -> Result<std::path::PathBuf, Answer> {
    let Some(given) = form.get_bytes("store_root") else {
        return Ok(bridge.store_root());
    };
    let invalid = || Answer::text("ERROR_INVALID_STORE_ROOT");
    let given = std::str::from_utf8(given).map_err(|_| invalid())?;
    let mut collapsed = String::with_capacity(given.len());
    for c in given.chars() {
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    if collapsed.is_empty() {
        return Err(invalid());
    }
    let real = std::fs::canonicalize(&collapsed).map_err(|_| invalid())?;
    if real.as_os_str() != collapsed.as_str() {
        return Err(invalid());
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PHP 8.2 `(int)` of the same strings.
    #[test]
    fn fields_are_cast_like_php() {
        let cases: &[(&[u8], i64)] = &[
            (b"120", 120),
            (b" 80px", 80),
            (b"-5", -5),
            (b"+7", 7),
            (b"x", 0),
            (b"", 0),
            (b"99999999999999999999", i64::MAX),
        ];
        for &(text, n) in cases {
            assert_eq!(php_int(text), n, "{:?}", String::from_utf8_lossy(text));
        }
        assert_eq!(non_empty(Some(b"0")), None);
        assert_eq!(non_empty(Some(b"")), None);
        assert_eq!(non_empty(Some(b"00")), Some(&b"00"[..]));
    }
}
