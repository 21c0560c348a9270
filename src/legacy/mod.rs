//! The incumbent's gateway protocol (LEGACY.md): the pre-auth answers, the
//! signature gate and the actions, answered byte for byte as
//! `bridge2cart/bridge.php` answers them.
//!
//! The order differs from the incumbent's in one way, on purpose: nothing
//! about the shop (its config, its database) is touched before the
//! signature is checked, except the file-existence test behind the
//! installation banner.

pub mod crypto;
pub mod encoding;
mod query;
pub mod serialize;

use std::io;

use crate::access::{Access, LegacyDenial};
use crate::form::{self, FormMap};
use crate::http::{respond, Request, ResponseSink};
use crate::platform;
use crate::store::{Bridge, ShopError};

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
        return Answer::text("BRIDGE_OK");
    }
    if query_has(&request.query, "token") {
        return Answer::text("ERROR: Field token is not correct");
    }
    if form.is_empty() {
        return banner(bridge);
    }
    match access.legacy(&form, &action) {
        Ok(()) => dispatch(&action, &form, bridge),
        Err(LegacyDenial::Signature) => Answer::text("ERROR: Signature is not correct"),
        Err(LegacyDenial::Refused(refusal)) => Answer::refusal(refusal.status, refusal.message),
    }
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
fn banner(bridge: &Bridge) -> Answer {
    if platform::detect(&bridge.store_root(), None).is_none() {
        return Answer::text("BRIDGE_ERROR_CONFIGURATION_NOT_FOUND");
    }
    Answer::text(format!(
        "BRIDGE INSTALLED.<br /> Version: {}",
        bridge.legacy_version()
    ))
}

/// Runs a signed action. Class lookup in PHP is case-insensitive, so are we.
fn dispatch(action: &str, form: &FormMap, bridge: &Bridge) -> Answer {
    let action = action.to_ascii_lowercase();
    if !matches!(action.as_str(), "query") {
        return Answer::text("ACTION_DO_NOT EXIST\n");
    }
    let root = match store_root(form, bridge) {
        Ok(root) => root,
        Err(answer) => return answer,
    };
    let shop = match bridge.shop(&root, form.get_str("cart_id")) {
        Ok(shop) => shop,
        Err(ShopError::NotDetected(_)) => {
            return Answer::text("BRIDGE_ERROR_CONFIGURATION_NOT_FOUND")
        }
        Err(ShopError::Settings(_)) => return Answer::text("ERROR_READING_STORE_CONFIG_FILE"),
    };
    match action.as_str() {
        "query" => query::run(form, &shop),
        _ => Answer::text("ACTION_DO_NOT EXIST\n"),
    }
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
