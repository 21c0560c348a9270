//! A small FTP client (RFC 959, passive mode per RFC 2428) with explicit
//! FTPS (RFC 4217: `AUTH TLS`, `PROT P`) on the rustls the doctor already
//! links: the few commands a deploy needs, always in binary mode.
//!
//! Written here rather than taken from a crate: the commands are a dozen
//! lines each, and this adds no dependency (docs/ARCHITECTURE.md).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;

use super::{Entry, Remote};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A byte stream, plain or TLS.
trait Stream: Read + Write + Send {
    /// Ends what was written, so that the server sees the end of an upload.
    fn finish(&mut self) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn finish(&mut self) -> io::Result<()> {
        self.flush()?;
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl Stream for rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    fn finish(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        self.flush()?;
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.sock)?;
        }
        // Wait for the server to close: it has read all the data when it
        // does (closing first loses what its TLS layer still buffers).
        let mut rest = [0u8; 4096];
        while matches!(self.sock.read(&mut rest), Ok(n) if n > 0) {}
        Ok(())
    }
}

/// One logged-in FTP session.
pub struct Ftp {
    control: BufReader<Box<dyn Stream>>,
    /// The server's address, where passive data connections go (the
    /// address in a PASV answer is ignored: NAT makes it wrong).
    peer: IpAddr,
    host: String,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// An FTP answer: its code and text.
struct Reply {
    code: u16,
    text: String,
}

fn protocol_error(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn tls_wrap(
    tls: &Arc<rustls::ClientConfig>,
    host: &str,
    tcp: TcpStream,
) -> io::Result<Box<dyn Stream>> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let connection = rustls::ClientConnection::new(tls.clone(), name).map_err(io::Error::other)?;
    let mut stream = rustls::StreamOwned::new(connection, tcp);
    // Handshake now, so that a certificate problem is reported as such.
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock)?;
    }
    Ok(Box::new(stream))
}

fn connect_tcp(host: &str, port: u16) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address"));
    for address in (host, port).to_socket_addrs()? {
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

impl Ftp {
    /// Connects and logs in; with `tls`, secures the control connection
    /// before the password is sent, and every data connection.
    pub fn login(
        host: &str,
        port: u16,
        user: &str,
        password: &str,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> io::Result<Ftp> {
        let tcp = connect_tcp(host, port)?;
        let peer = tcp.peer_addr()?.ip();
        let mut ftp = Ftp {
            control: BufReader::new(Box::new(tcp.try_clone()?)),
            peer,
            host: host.to_string(),
            tls: None,
        };
        ftp.expect(None, &[220])?;
        if let Some(config) = tls {
            ftp.expect(Some("AUTH TLS"), &[234])?;
            ftp.control = BufReader::new(tls_wrap(&config, host, tcp)?);
            ftp.tls = Some(config);
        }
        let reply = ftp.command(&format!("USER {user}"))?;
        if reply.code == 331 {
            // The password goes to the server only, never into a message.
            let reply = ftp.command(&format!("PASS {password}"))?;
            if reply.code != 230 {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("the server refused the login of '{user}': {}", reply.text),
                ));
            }
        } else if reply.code != 230 {
            return Err(protocol_error(format!("USER {user}: {}", reply.text)));
        }
        if ftp.tls.is_some() {
            ftp.expect(Some("PBSZ 0"), &[200])?;
            ftp.expect(Some("PROT P"), &[200])?;
        }
        // Binary, always: ASCII mode rewrites line ends inside the binary.
        ftp.expect(Some("TYPE I"), &[200])?;
        Ok(ftp)
    }

    fn read_reply(&mut self) -> io::Result<Reply> {
        let mut text = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if self.control.read_line(&mut line)? == 0 {
                return Err(protocol_error(
                    "the FTP server closed the connection".into(),
                ));
            }
            text.push_str(line.trim_end());
            // The last line of an answer is `ddd text`; others `ddd-` or free.
            let b = line.as_bytes();
            if b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ' {
                let code = line[..3].parse().unwrap_or(0);
                return Ok(Reply { code, text });
            }
            text.push('\n');
        }
    }

    fn command(&mut self, line: &str) -> io::Result<Reply> {
        let stream = self.control.get_mut();
        stream.write_all(format!("{line}\r\n").as_bytes())?;
        stream.flush()?;
        self.read_reply()
    }

    /// Sends `line` (or only reads, for None) and wants one of `codes`.
    fn expect(&mut self, line: Option<&str>, codes: &[u16]) -> io::Result<Reply> {
        let reply = match line {
            Some(line) => self.command(line)?,
            None => self.read_reply()?,
        };
        if codes.contains(&reply.code) {
            return Ok(reply);
        }
        let what = line.map_or("the greeting".to_string(), verb_of);
        Err(protocol_error(format!("{what}: {}", reply.text)))
    }

    /// Opens a passive data connection (EPSV, else PASV).
    fn data(&mut self) -> io::Result<Box<dyn Stream>> {
        let reply = self.command("EPSV")?;
        let port = if reply.code == 229 {
            epsv_port(&reply.text)
        } else {
            let reply = self.expect(Some("PASV"), &[227])?;
            pasv_port(&reply.text)
        }
        .ok_or_else(|| protocol_error(format!("no data port in '{}'", reply.text)))?;
        let tcp = TcpStream::connect_timeout(&SocketAddr::new(self.peer, port), TIMEOUT)?;
        tcp.set_read_timeout(Some(TIMEOUT))?;
        tcp.set_write_timeout(Some(TIMEOUT))?;
        match &self.tls {
            Some(config) => {
                let config = config.clone();
                tls_wrap(&config, &self.host.clone(), tcp)
            }
            None => Ok(Box::new(tcp)),
        }
    }

    /// Runs a transfer command on a fresh data connection.
    fn transfer<T>(
        &mut self,
        line: &str,
        work: impl FnOnce(&mut dyn Stream) -> io::Result<T>,
    ) -> io::Result<T> {
        let mut data = self.data()?;
        self.expect(Some(line), &[125, 150])?;
        let result = work(&mut *data);
        drop(data);
        let done = self.expect(None, &[226, 250]);
        let value = result?;
        done?;
        Ok(value)
    }
}

fn verb_of(line: &str) -> String {
    // Never echo a PASS line; other commands name what failed.
    if line.starts_with("PASS") {
        "PASS".into()
    } else {
        line.to_string()
    }
}

/// The port of `229 Entering Extended Passive Mode (|||port|)`.
fn epsv_port(text: &str) -> Option<u16> {
    let inner = text.split('(').nth(1)?.split(')').next()?;
    inner.trim_matches('|').parse().ok()
}

/// The port of `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`.
fn pasv_port(text: &str) -> Option<u16> {
    let inner = text.split('(').nth(1)?.split(')').next()?;
    let numbers: Vec<u16> = inner
        .split(',')
        .map(|n| n.trim().parse().ok())
        .collect::<Option<_>>()?;
    match numbers[..] {
        [_, _, _, _, high, low] => Some(high * 256 + low),
        _ => None,
    }
}

fn read_text(data: &mut dyn Stream) -> io::Result<String> {
    let mut text = String::new();
    match data.read_to_string(&mut text) {
        Ok(_) => Ok(text),
        // A TLS server that closes without close_notify.
        Err(_) if !text.is_empty() => Ok(text),
        Err(e) => Err(e),
    }
}

/// One `LIST` line in the Unix format servers use:
/// `drwxr-xr-x 2 user group 4096 Jan 1 00:00 name`.
fn parse_list_line(line: &str) -> Option<Entry> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 9 {
        return None;
    }
    let perms = fields[0].as_bytes();
    if perms.len() < 10 {
        return None;
    }
    let mut mode = 0;
    for (i, &c) in perms[1..10].iter().enumerate() {
        if c != b'-' {
            mode |= 1 << (8 - i);
        }
    }
    // The name is what follows the eighth field (it may hold spaces).
    let mut rest = line;
    for field in &fields[..8] {
        let at = rest.find(field)? + field.len();
        rest = &rest[at..];
    }
    Some(Entry {
        name: rest.trim_start().to_string(),
        dir: perms[0] == b'd',
        mode,
    })
}

impl Remote for Ftp {
    fn list(&mut self, dir: &str) -> io::Result<Vec<Entry>> {
        // `-a` shows the dot files (.htaccess, .cartbridge) on servers that
        // hide them (vsftpd); servers that take it for a path show them anyway.
        let text = match self.transfer(&format!("LIST -a {dir}"), read_text) {
            Ok(text) => text,
            Err(_) => self.transfer(&format!("LIST {dir}"), read_text)?,
        };
        Ok(text
            .lines()
            .filter_map(parse_list_line)
            .filter(|e| e.name != "." && e.name != "..")
            .collect())
    }

    fn get(&mut self, path: &str) -> io::Result<Vec<u8>> {
        self.transfer(&format!("RETR {path}"), |data| {
            let mut bytes = Vec::new();
            match data.read_to_end(&mut bytes) {
                Ok(_) => Ok(bytes),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(bytes),
                Err(e) => Err(e),
            }
        })
    }

    fn put(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let mut data = self.data()?;
        self.expect(Some(&format!("STOR {path}")), &[125, 150])?;
        let written = data.write_all(bytes);
        let closed = data.finish();
        drop(data);
        let done = self.expect(None, &[226, 250]);
        written?;
        closed?;
        done.map(drop)
    }

    fn mkdir(&mut self, path: &str) -> io::Result<()> {
        self.expect(Some(&format!("MKD {path}")), &[257]).map(drop)
    }

    fn chmod(&mut self, path: &str, mode: u32) -> io::Result<()> {
        self.expect(Some(&format!("SITE CHMOD {mode:o} {path}")), &[200])
            .map(drop)
    }

    fn remove_file(&mut self, path: &str) -> io::Result<()> {
        self.expect(Some(&format!("DELE {path}")), &[250]).map(drop)
    }

    fn remove_dir(&mut self, path: &str) -> io::Result<()> {
        self.expect(Some(&format!("RMD {path}")), &[250]).map(drop)
    }

    fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
        self.expect(Some(&format!("RNFR {from}")), &[350])?;
        self.expect(Some(&format!("RNTO {to}")), &[250]).map(drop)
    }

    fn size(&mut self, path: &str) -> io::Result<u64> {
        let reply = self.expect(Some(&format!("SIZE {path}")), &[213])?;
        reply
            .text
            .get(4..)
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| protocol_error(format!("SIZE {path}: {}", reply.text)))
    }

    fn close(&mut self) {
        let _ = self.command("QUIT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passive_ports_are_read_from_both_answers() {
        assert_eq!(
            epsv_port("229 Entering Extended Passive Mode (|||50123|)"),
            Some(50123)
        );
        assert_eq!(
            pasv_port("227 Entering Passive Mode (127,0,0,1,195,203)."),
            Some(195 * 256 + 203)
        );
        assert_eq!(pasv_port("227 nothing"), None);
    }

    #[test]
    fn list_lines_give_name_kind_and_mode() {
        let e =
            parse_list_line("drwxr-xr-x   2 shop  shop  4096 Nov 22 01:00 bridge2cart").unwrap();
        assert_eq!(
            (e.name.as_str(), e.dir, e.mode),
            ("bridge2cart", true, 0o755)
        );
        let e = parse_list_line("-rw-rw-rw- 1 owner group 12 Jan 01  2026 my file.txt").unwrap();
        assert_eq!(
            (e.name.as_str(), e.dir, e.mode),
            ("my file.txt", false, 0o666)
        );
        assert!(parse_list_line("total 8").is_none());
    }

    #[test]
    fn a_password_line_is_never_echoed() {
        assert_eq!(verb_of("PASS hunter2"), "PASS");
        assert_eq!(verb_of("MKD x"), "MKD x");
    }
}
