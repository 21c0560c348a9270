//! The transport-neutral request and response: what CGI, FastCGI, the local
//! HTTP server and the command line all turn their bytes into, and what the
//! rest of the program answers through.
//!
//! Environment values and headers are bytes, not UTF-8 (RFC 3875 and the
//! FastCGI spec both say so), so everything a client controls stays `Vec<u8>`
//! until a stage that needs text decides how to decode it.

use std::io::{self, Write};
use std::net::IpAddr;

/// One HTTP request as the program sees it, whatever carried it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Upper-case HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The path after the binary's own URL, percent-decoded (CGI `PATH_INFO`);
    /// empty when the server passed none.
    pub path_info: Vec<u8>,
    /// The raw query string, still percent-encoded.
    pub query: Vec<u8>,
    /// Request headers, names lower-cased with `-` (`content-type`).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The whole request body (already capped by the transport).
    pub body: Vec<u8>,
    /// The peer's address: `REMOTE_ADDR` or the FastCGI peer.
    pub peer: Option<IpAddr>,
    /// The script the web server ran (`SCRIPT_FILENAME`), used to find the
    /// bridge folder when the binary runs as CGI behind a symlink.
    pub script_filename: Option<Vec<u8>>,
}

impl Request {
    /// The value of a header, by its lower-case name.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// A header as text, or `None` when absent or not UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The media type of the body without parameters, lower-cased.
    pub fn content_type(&self) -> String {
        self.header_str("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

/// Converts a CGI meta-variable name (`HTTP_X_CARTBRIDGE_KEY`) to the header
/// name this program uses (`x-cartbridge-key`).
pub fn header_name_from_cgi(var: &str) -> Option<String> {
    let name = match var {
        "CONTENT_TYPE" => "CONTENT_TYPE",
        "CONTENT_LENGTH" => "CONTENT_LENGTH",
        _ => var.strip_prefix("HTTP_")?,
    };
    Some(name.to_ascii_lowercase().replace('_', "-"))
}

/// The status line text of the statuses this program sends.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Where an answer goes. The status and headers are sent once, by `start`;
/// the body is then written through `Write`, so long answers stream.
pub trait ResponseSink: Write {
    /// Sends the status and headers. Called exactly once, before any body.
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()>;
}

/// Sends a whole answer in one go: the common case for short bodies.
pub fn respond(
    sink: &mut dyn ResponseSink,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> io::Result<()> {
    respond_with(sink, status, content_type, &[], body)
}

/// [`respond`] with more headers.
pub fn respond_with(
    sink: &mut dyn ResponseSink,
    status: u16,
    content_type: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let length = body.len().to_string();
    let mut headers = vec![("Content-Type", content_type), ("Content-Length", &length)];
    headers.extend_from_slice(extra_headers);
    sink.start(status, &headers)?;
    sink.write_all(body)?;
    sink.flush()
}

/// A sink that keeps the answer in memory: used by `cartbridge call`, the
/// local server and tests.
#[derive(Debug, Default)]
pub struct BufferedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Write for BufferedResponse {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.body.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ResponseSink for BufferedResponse {
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        self.status = status;
        self.headers = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Ok(())
    }
}

impl BufferedResponse {
    /// A header of the answer, by case-insensitive name.
    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The handler every transport calls: one request in, one answer out.
pub type Handler = dyn Fn(Request, &mut dyn ResponseSink) + Sync;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgi_header_names() {
        assert_eq!(
            header_name_from_cgi("HTTP_X_CARTBRIDGE_KEY").as_deref(),
            Some("x-cartbridge-key")
        );
        assert_eq!(
            header_name_from_cgi("CONTENT_TYPE").as_deref(),
            Some("content-type")
        );
        assert_eq!(header_name_from_cgi("PATH_INFO"), None);
    }
}
