//! `savefile`'s download of an `http://` or `https://` source, made safe
//! against server-side request forgery: the host is resolved once, every
//! address it resolves to must be public (not loopback, private,
//! link-local — cloud metadata lives there — or otherwise reserved), and
//! the connection goes to that resolved address, so a second DNS answer
//! cannot point it elsewhere. Redirects are not followed, the body is
//! capped and the whole transfer has a deadline.
//!
//! A small HTTP/1.1 client does this rather than a library, because the
//! address check must sit between resolution and connection.
//!
//! Failures come back as the incumbent's result strings, which carry
//! curl's error numbers (LEGACY.md §4.5).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use url::{Host, Url};

/// The incumbent's curl timeout for the whole transfer.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A response head larger than this is not an image server's.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What a download may do.
pub struct Policy<'a> {
    /// Hosts exempt from the address check (config `allow_download_hosts`).
    pub allowed_hosts: &'a [String],
    pub max_bytes: u64,
}

/// Downloads `source` (spaces become `%20`, as the incumbent does). The
/// error is the result string `savefile` answers with.
pub fn fetch(source: &str, policy: &Policy) -> Result<Vec<u8>, String> {
    let deadline = Instant::now() + TRANSFER_TIMEOUT;
    let url = Url::parse(&source.replace(' ', "%20"))
        .map_err(|e| curl_error(3, &format!("URL rejected: {e}")))?;
    let tls = match url.scheme() {
        "http" => false,
        "https" => true,
        other => {
            return Err(curl_error(
                1,
                &format!("Protocol \"{other}\" not supported"),
            ))
        }
    };
    let host = url
        .host()
        .ok_or_else(|| curl_error(3, "URL rejected: No host part in the URL"))?;
    let port = url
        .port_or_known_default()
        .unwrap_or(if tls { 443 } else { 80 });
    let address = resolve(&host, port, policy)?;
    let stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
        .map_err(|e| curl_error(7, &format!("Failed to connect to {host} port {port}: {e}")))?;
    let mut connection = Connection::open(stream, &host, tls)?;
    connection.set_deadline(deadline);
    connection
        .write_all(request_head(&url).as_bytes())
        .map_err(|e| transfer_error(&e, deadline))?;
    let mut reader = BufReader::new(connection);
    let head = read_head(&mut reader, deadline)?;
    if head.status != 200 {
        return Err(format!(
            "[BRIDGE ERROR] Bad response received from source, HTTP code {}!",
            head.status
        ));
    }
    read_body(&mut reader, &head, policy.max_bytes, deadline)
}

fn curl_error(code: u32, message: &str) -> String {
    format!("[BRIDGE ERROR] {code}: {message}")
}

fn transfer_error(error: &io::Error, deadline: Instant) -> String {
    if Instant::now() >= deadline
        || matches!(
            error.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        )
    {
        return curl_error(28, "Operation timed out");
    }
    curl_error(
        56,
        &format!("Failure when receiving data from the peer: {error}"),
    )
}

/// The host's first address, once every address it has passed the policy.
fn resolve(host: &Host<&str>, port: u16, policy: &Policy) -> Result<SocketAddr, String> {
    let name = match host {
        Host::Domain(name) => name.to_string(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    let addresses: Vec<SocketAddr> = match host {
        Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(*ip), port)],
        Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(*ip), port)],
        Host::Domain(name) => (*name, port)
            .to_socket_addrs()
            .map_err(|_| curl_error(6, &format!("Could not resolve host: {name}")))?
            .collect(),
    };
    let exempt = policy.allowed_hosts.iter().any(|h| {
        h.trim_matches(|c| c == '[' || c == ']')
            .eq_ignore_ascii_case(&name)
    });
    if exempt {
        // Goes to the web server's error log, so a test setting left in
        // production does not go unnoticed.
        eprintln!(
            "cartbridge: warning: downloading from {name} without the address check ([legacy] allow_download_hosts is meant for test rigs)"
        );
    } else {
        if let Some(bad) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "[BRIDGE ERROR] Refused: {name} is {}, not a public internet address; files are only downloaded from public servers",
                bad.ip()
            ));
        }
    }
    addresses
        .first()
        .copied()
        .ok_or_else(|| curl_error(6, &format!("Could not resolve host: {name}")))
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local (cloud metadata at 169.254.169.254), shared, multicast,
/// documentation or otherwise reserved (OWASP SSRF deny list).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible
}

fn request_head(url: &Url) -> String {
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let host = match (url.host_str().unwrap_or(""), url.port()) {
        (host, Some(port)) => format!("{host}:{port}"),
        (host, None) => host.to_string(),
    };
    format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: cartbridge/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        crate::VERSION
    )
}

/// A plain or TLS connection whose reads and writes share one deadline.
enum Connection {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Connection {
    fn open(stream: TcpStream, host: &Host<&str>, tls: bool) -> Result<Connection, String> {
        if !tls {
            return Ok(Connection::Plain(stream));
        }
        let name = match host {
            Host::Domain(name) => rustls::pki_types::ServerName::try_from(name.to_string()),
            Host::Ipv4(ip) => Ok(rustls::pki_types::ServerName::from(IpAddr::V4(*ip))),
            Host::Ipv6(ip) => Ok(rustls::pki_types::ServerName::from(IpAddr::V6(*ip))),
        }
        .map_err(|e| curl_error(35, &format!("SSL connect error: {e}")))?;
        let config = crate::tls::client().map_err(|e| curl_error(77, &e))?;
        let session = rustls::ClientConnection::new(config, name)
            .map_err(|e| curl_error(35, &format!("SSL connect error: {e}")))?;
        Ok(Connection::Tls(Box::new(rustls::StreamOwned::new(
            session, stream,
        ))))
    }

    fn socket(&self) -> &TcpStream {
        match self {
            Connection::Plain(s) => s,
            Connection::Tls(s) => s.get_ref(),
        }
    }

    /// Bounds every following read and write by what is left of the
    /// transfer's time.
    fn set_deadline(&mut self, deadline: Instant) {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let _ = self.socket().set_read_timeout(Some(left));
        let _ = self.socket().set_write_timeout(Some(left));
    }
}

impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Connection::Plain(s) => s.read(buf),
            Connection::Tls(s) => match s.read(buf) {
                // Many servers close without TLS close_notify; the body's
                // framing (length or chunks) says whether data is missing.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            },
        }
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Connection::Plain(s) => s.write(buf),
            Connection::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Connection::Plain(s) => s.flush(),
            Connection::Tls(s) => s.flush(),
        }
    }
}

struct Head {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
}

fn read_head(reader: &mut impl BufRead, deadline: Instant) -> Result<Head, String> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| transfer_error(&e, deadline))?;
        total += n;
        if n == 0 || total > MAX_HEAD_BYTES {
            return Err(curl_error(8, "Weird server reply"));
        }
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let status = lines
        .first()
        .filter(|l| l.starts_with("HTTP/"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| curl_error(8, "Weird server reply"))?;
    let mut head = Head {
        status,
        content_length: None,
        chunked: false,
    };
    for line in &lines[1..] {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        match name.as_str() {
            "content-length" => head.content_length = value.parse().ok(),
            "transfer-encoding" => head.chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    Ok(head)
}

fn too_large(max: u64) -> String {
    curl_error(
        63,
        &format!("Maximum file size exceeded (the limit is {max} bytes)"),
    )
}

fn read_body(
    reader: &mut impl BufRead,
    head: &Head,
    max: u64,
    deadline: Instant,
) -> Result<Vec<u8>, String> {
    if head.content_length.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    let mut body = Vec::new();
    if head.chunked {
        loop {
            let mut size_line = String::new();
            reader
                .read_line(&mut size_line)
                .map_err(|e| transfer_error(&e, deadline))?;
            let size_text = size_line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size_text, 16).map_err(|_| {
                curl_error(56, "Failure when receiving data from the peer: bad chunk")
            })?;
            if size == 0 {
                return Ok(body);
            }
            if body.len() as u64 + size > max {
                return Err(too_large(max));
            }
            read_exact(reader, &mut body, size, deadline)?;
            let mut crlf = String::new();
            reader
                .read_line(&mut crlf)
                .map_err(|e| transfer_error(&e, deadline))?;
        }
    }
    match head.content_length {
        Some(length) => read_exact(reader, &mut body, length, deadline)?,
        None => {
            reader
                .take(max + 1)
                .read_to_end(&mut body)
                .map_err(|e| transfer_error(&e, deadline))?;
            if body.len() as u64 > max {
                return Err(too_large(max));
            }
        }
    }
    Ok(body)
}

fn read_exact(
    reader: &mut impl Read,
    body: &mut Vec<u8>,
    length: u64,
    deadline: Instant,
) -> Result<(), String> {
    let got = reader
        .take(length)
        .read_to_end(body)
        .map_err(|e| transfer_error(&e, deadline))?;
    if (got as u64) < length {
        return Err(curl_error(18, "Transferred a partial file"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        let policy = Policy {
            allowed_hosts: &[],
            max_bytes: 1024,
        };
        fetch(url, &policy).unwrap_err()
    }

    /// OWASP's SSRF list, including the encodings it warns about: every
    /// one is refused before any connection is made.
    #[test]
    fn internal_addresses_are_refused_before_connecting() {
        for url in [
            "http://127.0.0.1/x.jpg",
            "http://127.1.2.3/x.jpg",
            "http://0.0.0.0/x.jpg",
            "http://[::1]/x.jpg",
            "http://[::]/x.jpg",
            "http://[::ffff:127.0.0.1]/x.jpg",
            "http://[::ffff:10.0.0.1]/x.jpg",
            "http://10.1.2.3/x.jpg",
            "http://172.16.0.1/x.jpg",
            "http://192.168.1.1/x.jpg",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/x.jpg",
            "http://[fe80::1]/x.jpg",
            "http://[fd00::1]/x.jpg",
            "http://2130706433/x.jpg",
            "http://0x7f.0.0.1/x.jpg",
            "http://0177.0.0.1/x.jpg",
            "http://127.1/x.jpg",
            "https://169.254.169.254/x.jpg",
            "http://localhost/x.jpg",
        ] {
            let error = refused(url);
            assert!(error.contains("Refused:"), "{url}: {error}");
        }
    }

    #[test]
    fn other_schemes_are_not_fetched() {
        assert_eq!(
            refused("file:///etc/passwd"),
            "[BRIDGE ERROR] 1: Protocol \"file\" not supported"
        );
        assert!(refused("gopher://example.com/").contains("not supported"));
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
