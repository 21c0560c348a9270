//! Where every request goes once a transport has read it: pick the
//! protocol, and let it authenticate, run and answer. This is the one place
//! the two protocols meet.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::{Request, ResponseSink};
use crate::store::Bridge;
use crate::{api, legacy};

/// Serves one request for `bridge`. Write errors mean the client has gone;
/// there is nobody left to tell.
pub fn handle(request: Request, bridge: &Bridge, sink: &mut dyn ResponseSink) {
    let _ = if api::is_native(&request) {
        api::handle(&request, bridge, sink, unix_now())
    } else {
        legacy::handle(&request, bridge, sink)
    };
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
