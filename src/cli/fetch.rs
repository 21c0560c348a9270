//! A small HTTP/1.1 client for `cartbridge doctor`, `request` and
//! `export --url`: one request per
//! connection, redirects reported rather than followed (a gateway does not
//! follow them either), plain TCP for `http://` and rustls (ring, Mozilla's
//! root certificates from `webpki-roots`, plus those of `SSL_CERT_FILE`)
//! for `https://`.
//!
//! Written here rather than taken from a client crate because these
//! commands need only this, and every crate counts in a binary that is uploaded to
//! shops; the TLS part is what costs (see the README's size table).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long the doctor waits for a connection or for bytes.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Answers larger than this are cut (the doctor reads short answers).
const MAX_ANSWER: u64 = 4 * 1024 * 1024;

/// An `http://` or `https://` URL, split the way a request needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// The path and query, starting with `/`.
    pub path: String,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, String> {
        let bad = |why: &str| format!("'{text}' is not a usable URL: {why}");
        let (https, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("it must start with http:// or https://"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(bad("user names in URLs are not supported"));
        }
        let default_port = if https { 443 } else { 80 };
        let (host, port) =
            split_host_port(authority, default_port).ok_or_else(|| bad("bad host or port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Url {
            https,
            host,
            port,
            path: path.to_string(),
        })
    }

    /// The same server with another path (`path` starts with `/`).
    pub fn with_path(&self, path: &str) -> Url {
        Url {
            path: path.to_string(),
            ..self.clone()
        }
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.https { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.host_header(), self.path)
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((authority.to_string(), default_port)),
    }
}

/// An answer: status, headers in order, the (de-chunked) body.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request and reads the whole answer.
pub fn request(
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: cartbridge-doctor/{}\r\nAccept: */*\r\nConnection: close\r\n",
        url.path,
        url.host_header(),
        crate::VERSION
    );
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut message = head.into_bytes();
    message.extend_from_slice(body);
    let tcp = connect(url)?;
    let raw = if url.https {
        exchange(tls_stream(url, tcp)?, &message)?
    } else {
        exchange(tcp, &message)?
    };
    parse_response(&raw, method == "HEAD").map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{url} did not answer in HTTP: {e}"),
        )
    })
}

fn connect(url: &Url) -> io::Result<TcpStream> {
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} has no address", url.host),
    );
    for address in (url.host.as_str(), url.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Ok(stream) => {
                stream.set_read_timeout(Some(TIMEOUT))?;
                stream.set_write_timeout(Some(TIMEOUT))?;
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Writes the request and reads until the server closes the connection.
fn exchange(mut stream: impl Read + Write, message: &[u8]) -> io::Result<Vec<u8>> {
    stream.write_all(message)?;
    stream.flush()?;
    let mut raw = Vec::new();
    match stream.take(MAX_ANSWER).read_to_end(&mut raw) {
        Ok(_) => Ok(raw),
        // A TLS server that closes without close_notify, or a reset after a
        // complete answer: what arrived is the answer.
        Err(_) if !raw.is_empty() => Ok(raw),
        Err(e) => Err(e),
    }
}

fn tls_stream(
    url: &Url,
    tcp: TcpStream,
) -> io::Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>> {
    let name = rustls::pki_types::ServerName::try_from(url.host.clone())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let connection =
        rustls::ClientConnection::new(crate::tls::client().map_err(io::Error::other)?, name)
            .map_err(io::Error::other)?;
    Ok(rustls::StreamOwned::new(connection, tcp))
}

/// Parses a raw HTTP/1.x answer (interim 1xx answers skipped).
pub fn parse_response(raw: &[u8], head_request: bool) -> Result<Response, String> {
    let mut rest = raw;
    loop {
        let end = find(rest, b"\r\n\r\n").ok_or("no end of headers")?;
        let head = String::from_utf8_lossy(&rest[..end]).into_owned();
        let body = &rest[end + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .strip_prefix("HTTP/")
            .and_then(|s| s.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        if (100..200).contains(&status) {
            rest = body;
            continue;
        }
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head_request || status == 204 || status == 304 {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        response.body = if chunked {
            dechunk(body)?
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length
                .parse()
                .map_err(|_| format!("bad Content-Length {length:?}"))?;
            // Shorter when cut at MAX_ANSWER (a binary sent as a file):
            // its start is all the doctor looks at.
            body[..length.min(body.len())].to_vec()
        } else {
            body.to_vec()
        };
        return Ok(response);
    }
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = find(data, b"\r\n").ok_or("chunk size line not terminated")?;
        let line = String::from_utf8_lossy(&data[..eol]).into_owned();
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {line:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("truncated chunk")?);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_what_a_request_needs() {
        let url = Url::parse("https://shop.example/store/").unwrap();
        assert_eq!(
            (url.https, url.host.as_str(), url.port, url.path.as_str()),
            (true, "shop.example", 443, "/store/")
        );
        let url = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((url.port, url.path.as_str()), (8080, "/"));
        assert_eq!(url.to_string(), "http://127.0.0.1:8080/");
        let url = Url::parse("http://[::1]:81/x").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 81));
        assert_eq!(url.with_path("/y").to_string(), "http://[::1]:81/y");
        assert!(Url::parse("ftp://x/").unwrap_err().contains("http://"));
        assert!(Url::parse("http://user:pw@x/").is_err());
        assert!(Url::parse("http://x:port/").is_err());
    }

    #[test]
    fn answers_are_parsed_plain_and_chunked() {
        let plain = parse_response(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nDate: x\r\nContent-Length: 3\r\n\r\nabcdef",
            false,
        )
        .unwrap();
        assert_eq!((plain.status, plain.body.as_slice()), (404, &b"abc"[..]));
        assert_eq!(plain.header("date"), Some("x"));
        let chunked = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!(chunked.body, b"abcde");
        assert!(parse_response(b"garbage", false).is_err());
    }
}
