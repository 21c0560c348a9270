//! A small HTTP/1.1 server for `cartbridge serve` and `cartbridge demo`:
//! one thread per connection, one request per connection, on loopback by
//! default. It exists so a technician can try the bridge without a web
//! server; shops run the binary under their own server as CGI or FastCGI.
//!
//! URLs are mapped as a web server with the install rules maps them:
//! `/bridge2cart/bridge.php` is the legacy endpoint, and
//! `/bridge2cart/cartbridge/<method>.json` or `/<method>.json` the native one.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::form::urldecode;
use crate::http::{reason_phrase, respond, Request, ResponseSink};

/// The handler, shared by the connection threads.
pub type SharedHandler = Arc<dyn Fn(Request, &mut dyn ResponseSink) + Send + Sync>;

const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_CONNECTIONS: usize = 64;

/// Serves until the process is stopped.
pub fn serve(listener: TcpListener, max_body_bytes: u64, handler: SharedHandler) -> io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            continue;
        };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            drop(stream);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let handler = Arc::clone(&handler);
        let active = Arc::clone(&active);
        std::thread::spawn(move || {
            let _ = serve_connection(stream, max_body_bytes, &*handler);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

fn serve_connection(
    stream: TcpStream,
    max_body_bytes: u64,
    handler: &(dyn Fn(Request, &mut dyn ResponseSink) + Send + Sync),
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let peer = stream.peer_addr().ok().map(|a| a.ip());
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut sink = HttpSink {
        out: BufWriter::new(stream),
    };
    let mut request = match read_head(&mut reader) {
        Ok(request) => request,
        Err(e) => {
            return respond(
                &mut sink,
                400,
                "text/plain; charset=utf-8",
                e.to_string().as_bytes(),
            )
        }
    };
    request.peer = peer;
    if is_hidden(&request.path_info) {
        return respond(&mut sink, 404, "text/plain; charset=utf-8", b"not found\n");
    }
    let length: u64 = request
        .header_str("content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if length > max_body_bytes {
        let message = format!(
            "{{\"return_code\":413,\"return_message\":\"request body too large: limit is {max_body_bytes} bytes\",\"result\":null}}\n"
        );
        return respond(&mut sink, 413, crate::api::CONTENT_TYPE, message.as_bytes());
    }
    reader
        .by_ref()
        .take(length)
        .read_to_end(&mut request.body)?;
    handler(request, &mut sink);
    sink.flush()
}

/// Reads the request line and headers and maps the URL.
fn read_head(reader: &mut impl BufRead) -> io::Result<Request> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        reader.read_until(b'\n', &mut head)?;
        if head.len() == before {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            break;
        }
        if head.len() > MAX_HEADER_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
    }
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(|b| *b == b' ');
    let method = String::from_utf8_lossy(parts.next().unwrap_or_default()).to_ascii_uppercase();
    let target = parts.next().unwrap_or(b"/");
    let (path, query) = match target.iter().position(|b| *b == b'?') {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, &b""[..]),
    };
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let i = l.iter().position(|b| *b == b':')?;
            let name = String::from_utf8_lossy(&l[..i]).trim().to_ascii_lowercase();
            Some((name, l[i + 1..].trim_ascii().to_vec()))
        })
        .collect();
    Ok(Request {
        method,
        path_info: path_info(&urldecode_path(path)),
        query: query.to_vec(),
        headers,
        ..Request::default()
    })
}

/// Percent-decodes a path without turning `+` into a space.
fn urldecode_path(path: &[u8]) -> Vec<u8> {
    let protected: Vec<u8> = path
        .iter()
        .flat_map(|b| {
            if *b == b'+' {
                b"%2B".to_vec()
            } else {
                vec![*b]
            }
        })
        .collect();
    urldecode(&protected)
}

/// What the shipped web-server rules never serve, this server does not
/// either: the private folder and the incumbent's key file.
fn is_hidden(path_info: &[u8]) -> bool {
    path_info.starts_with(b"/bridge2cart/.cartbridge") || path_info == b"/bridge2cart/config.php"
}

/// The part of the URL path the program sees as `PATH_INFO`.
fn path_info(path: &[u8]) -> Vec<u8> {
    for prefix in [
        &b"/bridge2cart/bridge.php"[..],
        b"/bridge2cart/cartbridge",
        b"/cartbridge",
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return rest.to_vec();
        }
    }
    if path == b"/" {
        return Vec::new();
    }
    path.to_vec()
}

struct HttpSink {
    out: BufWriter<TcpStream>,
}

impl Write for HttpSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl ResponseSink for HttpSink {
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        write!(self.out, "HTTP/1.1 {status} {}\r\n", reason_phrase(status))?;
        for (name, value) in headers {
            write!(self.out, "{name}: {value}\r\n")?;
        }
        self.out.write_all(b"Connection: close\r\n\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_path_info() {
        let mut input = &b"GET /bridge2cart/cartbridge/product.count.json?status=enabled HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\r\n"[..];
        let request = read_head(&mut input).unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.path_info, b"/product.count.json");
        assert_eq!(request.query, b"status=enabled");
        assert_eq!(request.header("x-a"), Some(&b"b"[..]));
        assert_eq!(path_info(b"/bridge2cart/bridge.php"), b"");
        assert_eq!(path_info(b"/cart.info.json"), b"/cart.info.json");
        assert!(is_hidden(&path_info(
            b"/bridge2cart/.cartbridge/config.toml"
        )));
        assert!(is_hidden(&path_info(b"/bridge2cart/config.php")));
        assert!(!is_hidden(&path_info(
            b"/bridge2cart/cartbridge/cart.info.json"
        )));
    }
}
