//! CGI/1.1 (RFC 3875): the request from the environment and standard
//! input, the answer as a `Status:` line, headers and body on standard
//! output.
//!
//! Two rules shape this file. The environment carries raw client bytes, so
//! it is read with `vars_os` and kept as bytes. And the whole body must be
//! read even when the request is refused, or the web server answers 502.

use std::ffi::OsString;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStringExt;

use crate::http::{header_name_from_cgi, reason_phrase, Request, ResponseSink};

/// The CGI meta-variables, as bytes.
pub struct Environment {
    vars: Vec<(String, Vec<u8>)>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment::from_vars(std::env::vars_os())
    }

    pub fn from_vars<I: IntoIterator<Item = (OsString, OsString)>>(vars: I) -> Environment {
        let vars = vars
            .into_iter()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_vec())))
            .collect();
        Environment { vars }
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    fn text(&self, name: &str) -> String {
        String::from_utf8_lossy(self.get(name).unwrap_or_default()).into_owned()
    }

    /// The declared body length; a malformed value counts as none.
    pub fn content_length(&self) -> u64 {
        self.text("CONTENT_LENGTH").trim().parse().unwrap_or(0)
    }

    pub fn script_filename(&self) -> Option<std::path::PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        self.get("SCRIPT_FILENAME")
            .filter(|v| !v.is_empty())
            .map(|v| std::path::PathBuf::from(std::ffi::OsStr::from_bytes(v)))
    }

    /// The request, without its body.
    pub fn request(&self) -> Request {
        let headers = self
            .vars
            .iter()
            .filter_map(|(k, v)| Some((header_name_from_cgi(k)?, v.clone())))
            .collect();
        Request {
            method: self.text("REQUEST_METHOD").to_ascii_uppercase(),
            path_info: self.get("PATH_INFO").unwrap_or_default().to_vec(),
            query: self.get("QUERY_STRING").unwrap_or_default().to_vec(),
            headers,
            body: Vec::new(),
            peer: self.text("REMOTE_ADDR").trim().parse().ok(),
            script_filename: self.get("SCRIPT_FILENAME").map(<[u8]>::to_vec),
        }
    }
}

/// Reads the body, or drains and refuses it when it is over `limit`.
/// Returns `Err(length)` for an oversized body, already drained.
pub fn read_body(
    input: &mut impl Read,
    length: u64,
    limit: u64,
) -> io::Result<Result<Vec<u8>, u64>> {
    if length > limit {
        io::copy(&mut input.take(length), &mut io::sink())?;
        return Ok(Err(length));
    }
    let mut body = Vec::with_capacity(length as usize);
    input.take(length).read_to_end(&mut body)?;
    // A short body is a client that stopped sending: half a request must
    // not run (FastCGI refuses it the same way).
    if (body.len() as u64) < length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "the body ended after {} of the {length} bytes CONTENT_LENGTH announced",
                body.len()
            ),
        ));
    }
    Ok(Ok(body))
}

/// Writes the answer to standard output in CGI form.
pub struct CgiSink<W: Write> {
    out: BufWriter<W>,
    started: bool,
}

impl<W: Write> CgiSink<W> {
    pub fn new(out: W) -> CgiSink<W> {
        CgiSink {
            out: BufWriter::with_capacity(64 * 1024, out),
            started: false,
        }
    }

    pub fn started(&self) -> bool {
        self.started
    }
}

impl<W: Write> Write for CgiSink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> ResponseSink for CgiSink<W> {
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        self.started = true;
        write!(self.out, "Status: {status} {}\r\n", reason_phrase(status))?;
        for (name, value) in headers {
            write!(self.out, "{name}: {value}\r\n")?;
        }
        self.out.write_all(b"\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn non_utf8_environment_is_kept_as_bytes() {
        let env = Environment::from_vars([
            (OsString::from("REQUEST_METHOD"), OsString::from("post")),
            (
                OsString::from("PATH_INFO"),
                OsString::from_vec(b"/\xff\xfe".to_vec()),
            ),
            (
                OsString::from("HTTP_X_ODD"),
                OsString::from_vec(b"a\xffb".to_vec()),
            ),
            (OsString::from("QUERY_STRING"), OsString::from("a=1")),
            (OsString::from("REMOTE_ADDR"), OsString::from("192.0.2.7")),
        ]);
        let request = env.request();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path_info, b"/\xff\xfe");
        assert_eq!(request.header("x-odd"), Some(&b"a\xffb"[..]));
        assert_eq!(request.peer, Some("192.0.2.7".parse().unwrap()));
    }

    #[test]
    fn short_bodies_are_refused() {
        let e = read_body(&mut &b"abc"[..], 10, 100).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("after 3 of the 10 bytes"), "{e}");
        assert_eq!(
            read_body(&mut &b"abcdef"[..], 3, 100).unwrap().unwrap(),
            b"abc"
        );
    }

    #[test]
    fn oversized_bodies_are_drained_not_kept() {
        let body = vec![b'x'; 100_000];
        let mut input = &body[..];
        assert_eq!(read_body(&mut input, 100_000, 10).unwrap(), Err(100_000));
        assert!(input.is_empty(), "the whole body was read");
        let mut input = &body[..];
        assert_eq!(read_body(&mut input, 5, 10).unwrap().unwrap(), b"xxxxx");
    }

    #[test]
    fn status_line_and_headers() {
        let mut out = Vec::new();
        {
            let mut sink = CgiSink::new(&mut out);
            crate::http::respond(&mut sink, 413, "text/plain", b"too big").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Status: 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\ntoo big"
        );
    }
}
