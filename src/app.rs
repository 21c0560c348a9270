//! Where every request goes once a transport has read it: pick the
//! protocol, pass the access gate, let the protocol authenticate, run and
//! answer, and record the call in the history. This is the one place the
//! two protocols meet, so every call, whatever carried it, is recorded.

use std::cell::Cell;
use std::io::{self, Write};

use crate::access::policy::Protocol;
use crate::access::{Access, Refusal};
use crate::gzip::{self, Gzip};
use crate::http::{respond, Request, ResponseSink};
use crate::store::Bridge;
use crate::{api, legacy};

/// Serves one request for `bridge`. Write errors mean the client has gone;
/// there is nobody left to tell.
pub fn handle(request: Request, bridge: &Bridge, sink: &mut dyn ResponseSink) {
    let native = api::is_native(&request);
    let protocol = if native {
        Protocol::Native
    } else {
        Protocol::Legacy
    };
    let retry_after = Cell::new(None);
    let mut access = Access::begin(&request, bridge, protocol, &retry_after);
    let mut compressed = Gzip::new(sink, gzip::accepted(&request));
    // The history counts the answer's own bytes, before compression.
    let (status, bytes) = {
        let mut sink = Metered::new(&mut compressed, &retry_after);
        let _ = match access.gate() {
            Err(refusal) => answer_refusal(protocol, &refusal, bridge, &mut sink),
            Ok(()) if native => api::handle(&request, bridge, &mut sink, &mut access),
            Ok(()) => legacy::handle(&request, bridge, &mut sink, &mut access),
        };
        (sink.status, sink.bytes)
    };
    let _ = compressed.finish();
    access.finish(status, bytes);
}

/// Records a request a transport refused before it could be handled (a
/// body over `max_body_bytes`), after the transport has answered it.
pub fn record_refused(request: &Request, bridge: &Bridge, status: u16, bytes: u64) {
    let protocol = if api::is_native(request) {
        Protocol::Native
    } else {
        Protocol::Legacy
    };
    let retry_after = Cell::new(None);
    Access::begin(request, bridge, protocol, &retry_after).finish(status, bytes);
}

/// A refusal of the gate, in the protocol's own form, without the
/// server's paths (a broken config or state names its files).
fn answer_refusal(
    protocol: Protocol,
    refusal: &Refusal,
    bridge: &Bridge,
    sink: &mut dyn ResponseSink,
) -> io::Result<()> {
    let message = bridge.for_caller(&refusal.message);
    match protocol {
        Protocol::Native => {
            let error = api::ApiError::new(refusal.status, message);
            respond(
                sink,
                refusal.status,
                api::CONTENT_TYPE,
                &api::envelope(Err(&error)),
            )
        }
        Protocol::Legacy => respond(
            sink,
            refusal.status,
            legacy::CONTENT_TYPE,
            message.as_bytes(),
        ),
    }
}

/// Counts what an answer sends and notes its status, for the history, and
/// adds `Retry-After` to a 429 when the access rules said how long to wait.
struct Metered<'a> {
    inner: &'a mut dyn ResponseSink,
    retry_after: &'a Cell<Option<u64>>,
    status: u16,
    bytes: u64,
}

impl<'a> Metered<'a> {
    fn new(inner: &'a mut dyn ResponseSink, retry_after: &'a Cell<Option<u64>>) -> Metered<'a> {
        Metered {
            inner,
            retry_after,
            status: 0,
            bytes: 0,
        }
    }
}

impl Write for Metered<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl ResponseSink for Metered<'_> {
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        self.status = status;
        match self.retry_after.get().filter(|_| status == 429) {
            Some(wait) => {
                let wait = wait.to_string();
                let mut with_retry = headers.to_vec();
                with_retry.push(("Retry-After", &wait));
                self.inner.start(status, &with_retry)
            }
            None => self.inner.start(status, headers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::BufferedResponse;

    #[test]
    fn the_meter_counts_body_bytes_and_adds_retry_after_to_429_only() {
        let wait = Cell::new(Some(17));
        let mut inner = BufferedResponse::default();
        let mut sink = Metered::new(&mut inner, &wait);
        respond(&mut sink, 429, "text/plain", b"slow down").unwrap();
        assert_eq!((sink.status, sink.bytes), (429, 9));
        assert_eq!(inner.header("Retry-After"), Some("17"));
        let mut inner = BufferedResponse::default();
        let mut sink = Metered::new(&mut inner, &wait);
        respond(&mut sink, 403, "text/plain", b"no").unwrap();
        assert_eq!(inner.header("Retry-After"), None);
    }
}
