//! Gzip of answers for clients that ask for it (`Accept-Encoding: gzip`):
//! whole catalogues and order histories are JSON or base64 text that
//! shrinks several times, and gateways pull them over the internet.
//!
//! The answer is compressed as it is written, so streamed answers stay
//! streamed (the `Content-Length` of a whole answer is dropped: the web
//! server sends it chunked). Small answers (under [`MIN_BYTES`], when their
//! length is known), HEAD requests, and statuses other than 200 go out as
//! they are: the gzip header would cost more than it saves, and refusals
//! stay readable in any client's log.

use std::io::{self, Write};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::http::{Request, ResponseSink};

/// Answers of known length below this go out uncompressed.
pub const MIN_BYTES: usize = 1024;

/// Whether the request accepts gzip: `gzip` (or `x-gzip`) in
/// `Accept-Encoding` without `q=0`.
pub fn accepted(request: &Request) -> bool {
    if request.method == "HEAD" {
        return false;
    }
    let Some(header) = request.header_str("accept-encoding") else {
        return false;
    };
    header.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip")) && !refused
    })
}

/// A sink that compresses the body when the client accepts gzip and the
/// answer is worth it; call [`Gzip::finish`] once the answer is written.
/// Compressed bytes are passed on whenever [`CHUNK`] of them are ready, so
/// memory stays bounded whatever the answer's size.
pub struct Gzip<'a> {
    inner: &'a mut dyn ResponseSink,
    accepted: bool,
    encoder: Option<GzEncoder<Vec<u8>>>,
}

/// Compressed bytes held before they are written to the transport.
const CHUNK: usize = 16 * 1024;

impl<'a> Gzip<'a> {
    pub fn new(inner: &'a mut dyn ResponseSink, accepted: bool) -> Gzip<'a> {
        Gzip {
            inner,
            accepted,
            encoder: None,
        }
    }

    /// Writes the gzip trailer when the answer was compressed.
    pub fn finish(&mut self) -> io::Result<()> {
        match self.encoder.take() {
            Some(encoder) => {
                self.inner.write_all(&encoder.finish()?)?;
                self.inner.flush()
            }
            None => Ok(()),
        }
    }

    /// Passes on the compressed bytes once there are at least `at_least`.
    fn pass_on(&mut self, at_least: usize) -> io::Result<()> {
        if let Some(encoder) = self.encoder.as_mut() {
            let out = encoder.get_mut();
            if !out.is_empty() && out.len() >= at_least {
                self.inner.write_all(out)?;
                out.clear();
            }
        }
        Ok(())
    }
}

impl Write for Gzip<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(encoder) = self.encoder.as_mut() else {
            return self.inner.write(buf);
        };
        encoder.write_all(buf)?;
        self.pass_on(CHUNK)?;
        Ok(buf.len())
    }

    /// Passes on what the compressor has produced so far, without forcing
    /// it to end a block (a sync flush at every flush of a streamed list
    /// would cost much of the compression).
    fn flush(&mut self) -> io::Result<()> {
        self.pass_on(0)?;
        self.inner.flush()
    }
}

impl ResponseSink for Gzip<'_> {
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let worth_it = self.accepted && status == 200 && length.is_none_or(|l| l >= MIN_BYTES);
        if !worth_it {
            return self.inner.start(status, headers);
        }
        let mut compressed: Vec<(&str, &str)> = headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
            .copied()
            .collect();
        compressed.push(("Content-Encoding", "gzip"));
        compressed.push(("Vary", "Accept-Encoding"));
        self.inner.start(status, &compressed)?;
        self.encoder = Some(GzEncoder::new(
            Vec::with_capacity(CHUNK),
            Compression::fast(),
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{respond, BufferedResponse};
    use std::io::Read;

    fn request(accept: &str) -> Request {
        Request {
            method: "GET".into(),
            headers: vec![("accept-encoding".into(), accept.as_bytes().to_vec())],
            ..Request::default()
        }
    }

    #[test]
    fn gzip_is_used_only_when_asked_for() {
        assert!(accepted(&request("gzip")));
        assert!(accepted(&request("deflate, GZIP;q=0.5, br")));
        assert!(accepted(&request("x-gzip")));
        assert!(!accepted(&request("gzip;q=0")));
        assert!(!accepted(&request("deflate, br")));
        assert!(!accepted(&Request::default()));
        let head = Request {
            method: "HEAD".into(),
            ..request("gzip")
        };
        assert!(!accepted(&head));
    }

    fn send(accepted: bool, status: u16, body: &[u8]) -> BufferedResponse {
        let mut out = BufferedResponse::default();
        let mut sink = Gzip::new(&mut out, accepted);
        respond(&mut sink, status, "application/json", body).unwrap();
        sink.finish().unwrap();
        out
    }

    #[test]
    fn large_answers_are_compressed_and_decompress_to_the_same_bytes() {
        let body = b"{\"id\":\"1\",\"name\":\"a product\"},".repeat(200);
        let out = send(true, 200, &body);
        assert_eq!(out.header("Content-Encoding"), Some("gzip"));
        assert_eq!(out.header("Vary"), Some("Accept-Encoding"));
        assert_eq!(out.header("Content-Length"), None);
        assert!(out.body.len() < body.len() / 4, "{} bytes", out.body.len());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&out.body[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, body);
    }

    #[test]
    fn small_answers_refusals_and_clients_without_gzip_get_plain_bytes() {
        let big = vec![b'x'; 4096];
        for (accepted, status, body) in [
            (true, 200, &b"BRIDGE_OK"[..]),
            (true, 401, &big[..]),
            (false, 200, &big[..]),
        ] {
            let out = send(accepted, status, body);
            assert_eq!(out.header("Content-Encoding"), None);
            assert_eq!(out.body, body);
            assert_eq!(out.header("Content-Length"), Some(&*body.len().to_string()));
        }
    }
}
