//! SFTP (version 3, the one OpenSSH speaks) over an SSH session: the few
//! requests a deploy needs, with the server's host key checked against a
//! known_hosts file before anything is sent, and `sha256sum` run on the
//! server when it offers a shell (SFTP-only accounts have none: the file
//! is read back instead).
//!
//! The SSH transport is the pure-Rust `russh` on ring; its async API is
//! driven by a current-thread runtime, one request at a time, since the
//! deploy itself is sequential. The SFTP packets are written here rather
//! than taken from a crate: a dozen requests of a few fields each, and
//! the crate that does it pulls a date library and a concurrent map in.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, AuthResult, Handle, KeyboardInteractiveAuthResponse, Msg};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use russh::MethodKind;
use russh::{ChannelMsg, ChannelStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Entry, Remote};

const TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes per READ or WRITE request (OpenSSH takes up to 256 KiB packets).
const CHUNK: usize = 64 * 1024;

// Packet types (draft-ietf-secsh-filexfer-02).
const INIT: u8 = 1;
const VERSION: u8 = 2;
const OPEN: u8 = 3;
const CLOSE: u8 = 4;
const READ: u8 = 5;
const WRITE: u8 = 6;
const SETSTAT: u8 = 9;
const OPENDIR: u8 = 11;
const READDIR: u8 = 12;
const REMOVE: u8 = 13;
const MKDIR: u8 = 14;
const RMDIR: u8 = 15;
const STAT: u8 = 17;
const RENAME: u8 = 18;
const STATUS: u8 = 101;
const HANDLE: u8 = 102;
const DATA: u8 = 103;
const NAME: u8 = 104;
const ATTRS: u8 = 105;

const STATUS_OK: u32 = 0;
const STATUS_EOF: u32 = 1;

const ATTR_SIZE: u32 = 0x1;
const ATTR_UIDGID: u32 = 0x2;
const ATTR_PERMISSIONS: u32 = 0x4;
const ATTR_ACMODTIME: u32 = 0x8;
const ATTR_EXTENDED: u32 = 0x8000_0000;

const OPEN_READ: u32 = 0x1;
const OPEN_WRITE: u32 = 0x2;
const OPEN_CREAT: u32 = 0x8;
const OPEN_TRUNC: u32 = 0x10;

/// How the user proves who they are.
pub enum Login<'a> {
    Password(&'a str),
    Key(&'a Identity),
}

/// A private key read from a file (decrypted with its passphrase).
pub struct Identity(Arc<PrivateKey>);

impl Identity {
    /// Reads an OpenSSH (or PEM) private key; `passphrase` is asked only
    /// when the key is encrypted.
    pub fn load(
        file: &Path,
        passphrase: impl FnOnce() -> Result<String, String>,
    ) -> Result<Identity, String> {
        let shown = file.display();
        match russh::keys::load_secret_key(file, None) {
            Ok(key) => Ok(Identity(Arc::new(key))),
            Err(russh::keys::Error::KeyIsEncrypted) => {
                let phrase = passphrase()?;
                russh::keys::load_secret_key(file, Some(&phrase))
                    .map(|key| Identity(Arc::new(key)))
                    .map_err(|e| {
                        format!(
                            "--identity {shown}: cannot decrypt the key ({e}): wrong passphrase?"
                        )
                    })
            }
            Err(e) => Err(format!("--identity {shown}: {e}")),
        }
    }
}

/// Checks the server's host key against a known_hosts file; what it found
/// is kept for the message when the key is refused.
struct HostCheck {
    host: String,
    port: u16,
    known_hosts: PathBuf,
    refusal: Arc<Mutex<Option<String>>>,
}

impl HostCheck {
    fn verdict(&self, key: &PublicKey) -> Result<(), String> {
        let fingerprint = key.fingerprint(HashAlg::Sha256);
        let file = self.known_hosts.display();
        let dir = self
            .known_hosts
            .parent()
            .map_or(".".into(), |dir| dir.display().to_string());
        let name = if self.port == 22 {
            self.host.clone()
        } else {
            format!("[{}]:{}", self.host, self.port)
        };
        let line = format!(
            "{name} {}",
            key.to_openssh()
                .unwrap_or_else(|_| key.algorithm().to_string())
        );
        match russh::keys::check_known_hosts_path(&self.host, self.port, key, &self.known_hosts) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "the server's host key is not in {file}, so it is not trusted: {} key {fingerprint}. \
                 Check that fingerprint with the host (their control panel, or `ssh-keygen -lf` on the server's /etc/ssh/ssh_host_*_key.pub), \
                 then accept it with:\n  mkdir -p {dir} && echo '{line}' >> {file}",
                key.algorithm(),
            )),
            Err(russh::keys::Error::KeyChanged { line: at }) => Err(format!(
                "the server's host key is NOT the one {file} has for {name} (line {at}): the server now shows {} key {fingerprint}. \
                 Someone may be intercepting the connection; if the host really changed its key, confirm the new fingerprint with them, \
                 remove line {at} (`ssh-keygen -R '{name}' -f {file}`) and add:\n  echo '{line}' >> {file}",
                key.algorithm(),
            )),
            Err(e) => Err(format!("cannot read {file}: {e}")),
        }
    }
}

impl client::Handler for HostCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        offered: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = match offered {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.verdict(key),
            PublicKeyOrCertificate::Certificate(_) => Err(
                "the server offered a host certificate: only plain host keys in known_hosts are supported".into(),
            ),
        };
        let trusted = verdict.is_ok();
        *self.refusal.lock().unwrap() = verdict.err();
        Ok(trusted)
    }
}

fn protocol_error(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn ssh_error(e: russh::Error) -> io::Error {
    match e {
        russh::Error::IO(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// One logged-in SFTP session.
pub struct Sftp {
    runtime: tokio::runtime::Runtime,
    /// Always Some but in `drop`, which ends it inside the runtime (the
    /// channel's own drop needs one).
    connection: Option<Connection>,
    next_id: u32,
    /// Whether `sha256sum` ran on the server (None: not tried yet).
    shell_hash: Option<bool>,
}

struct Connection {
    session: Handle<HostCheck>,
    stream: ChannelStream<Msg>,
}

impl Drop for Sftp {
    fn drop(&mut self) {
        let _inside = self.runtime.enter();
        self.connection = None;
    }
}

/// Runs `work` on `runtime` with the session's time limit.
fn run<T>(
    runtime: &tokio::runtime::Runtime,
    work: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    runtime.block_on(async {
        tokio::time::timeout(TIMEOUT, work).await.map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                "the SSH server did not answer in 30 s",
            )
        })?
    })
}

impl Sftp {
    /// Connects, checks the host key against `known_hosts`, logs in and
    /// starts the `sftp` subsystem.
    pub fn login(
        host: &str,
        port: u16,
        user: &str,
        login: Login,
        known_hosts: &Path,
    ) -> io::Result<Sftp> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let refusal = Arc::new(Mutex::new(None));
        let check = HostCheck {
            host: host.to_string(),
            port,
            known_hosts: known_hosts.to_path_buf(),
            refusal: refusal.clone(),
        };
        let config = Arc::new(client::Config::default());
        let connected = run(&runtime, async {
            client::connect(config, (host, port), check)
                .await
                .map_err(ssh_error)
        });
        let mut session = match connected {
            Ok(session) => session,
            Err(e) => {
                return Err(match refusal.lock().unwrap().take() {
                    Some(why) => io::Error::new(io::ErrorKind::PermissionDenied, why),
                    None => e,
                })
            }
        };
        let accepted = run(&runtime, async {
            match login {
                Login::Password(password) => {
                    let answer = session
                        .authenticate_password(user, password)
                        .await
                        .map_err(ssh_error)?;
                    match answer {
                        AuthResult::Failure {
                            remaining_methods, ..
                        } if remaining_methods.contains(&MethodKind::KeyboardInteractive) => {
                            keyboard_interactive(&mut session, user, password).await
                        }
                        answer => Ok(answer.success()),
                    }
                }
                Login::Key(Identity(key)) => {
                    let hash = session.best_supported_rsa_hash().await.map_err(ssh_error)?;
                    let key = PrivateKeyWithHashAlg::new(key.clone(), hash.flatten());
                    let answer = session
                        .authenticate_publickey(user, key)
                        .await
                        .map_err(ssh_error)?;
                    Ok(answer.success())
                }
            }
        })?;
        if !accepted {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("the server refused the login of '{user}' (wrong password or key, or that way of logging in is not allowed)"),
            ));
        }
        let stream = run(&runtime, async {
            let channel = session.channel_open_session().await.map_err(ssh_error)?;
            channel
                .request_subsystem(true, "sftp")
                .await
                .map_err(ssh_error)?;
            Ok(channel.into_stream())
        })?;
        let mut sftp = Sftp {
            runtime,
            connection: Some(Connection { session, stream }),
            next_id: 0,
            shell_hash: None,
        };
        sftp.init()?;
        Ok(sftp)
    }

    /// The runtime and the connection, borrowed together.
    fn parts(&mut self) -> (&tokio::runtime::Runtime, &mut Connection) {
        let connection = self.connection.as_mut().expect("open until dropped");
        (&self.runtime, connection)
    }

    fn init(&mut self) -> io::Result<()> {
        let mut packet = Vec::new();
        put_u32(&mut packet, 3);
        let (kind, body) = self.exchange(INIT, &packet)?;
        if kind != VERSION {
            return Err(protocol_error(format!(
                "the server did not start SFTP (answer type {kind}): is the sftp subsystem enabled?"
            )));
        }
        let version = Reader::new(&body).u32()?;
        if version < 3 {
            return Err(protocol_error(format!(
                "the server speaks SFTP version {version}, 3 is needed"
            )));
        }
        Ok(())
    }

    /// Sends one packet and reads the answer: its type and the rest.
    /// INIT has no request id; every other packet gets the next one.
    fn exchange(&mut self, kind: u8, fields: &[u8]) -> io::Result<(u8, Vec<u8>)> {
        let mut body = vec![kind];
        let id = self.next_id;
        if kind != INIT {
            self.next_id = self.next_id.wrapping_add(1);
            put_u32(&mut body, id);
        }
        body.extend_from_slice(fields);
        let mut packet = Vec::with_capacity(body.len() + 4);
        put_u32(&mut packet, body.len() as u32);
        packet.extend_from_slice(&body);
        let (runtime, connection) = self.parts();
        let stream = &mut connection.stream;
        let answer = run(runtime, async {
            stream.write_all(&packet).await?;
            stream.flush().await?;
            let length = stream.read_u32().await? as usize;
            if length == 0 || length > 1 << 20 {
                return Err(protocol_error(format!("an SFTP answer of {length} bytes")));
            }
            let mut answer = vec![0; length];
            stream.read_exact(&mut answer).await?;
            Ok(answer)
        })?;
        let kind = answer[0];
        let mut rest = answer[1..].to_vec();
        if kind != VERSION {
            let got = Reader::new(&rest).u32()?;
            if got != id {
                return Err(protocol_error(format!(
                    "SFTP answer to request {got}, {id} was expected"
                )));
            }
            rest.drain(..4);
        }
        Ok((kind, rest))
    }

    /// A request answered by a STATUS: OK, else the server's reason.
    fn simple(&mut self, kind: u8, fields: &[u8], what: &str) -> io::Result<()> {
        let (answer, body) = self.exchange(kind, fields)?;
        expect_status(answer, &body, what)
    }

    /// A request answered by a HANDLE.
    fn handle(&mut self, kind: u8, fields: &[u8], what: &str) -> io::Result<Vec<u8>> {
        let (answer, body) = self.exchange(kind, fields)?;
        if answer == HANDLE {
            return Reader::new(&body).string();
        }
        expect_status(answer, &body, what)?;
        Err(protocol_error(format!("{what}: no handle in the answer")))
    }

    fn close_handle(&mut self, handle: &[u8]) -> io::Result<()> {
        let mut fields = Vec::new();
        put_string(&mut fields, handle);
        self.simple(CLOSE, &fields, "close")
    }

    fn open(&mut self, path: &str, flags: u32) -> io::Result<Vec<u8>> {
        let mut fields = Vec::new();
        put_string(&mut fields, path.as_bytes());
        put_u32(&mut fields, flags);
        put_u32(&mut fields, 0); // no attributes: the mode is set after
        self.handle(OPEN, &fields, &format!("open {path}"))
    }

    fn stat(&mut self, path: &str) -> io::Result<Attributes> {
        let mut fields = Vec::new();
        put_string(&mut fields, path.as_bytes());
        let (answer, body) = self.exchange(STAT, &fields)?;
        if answer == ATTRS {
            return Reader::new(&body).attributes();
        }
        expect_status(answer, &body, &format!("stat {path}"))?;
        Err(protocol_error(format!("stat {path}: no attributes")))
    }

    /// The file's SHA-256 computed by the server's `sha256sum`, when the
    /// account has a shell that runs it (asked once per session).
    fn server_sha256(&mut self, path: &str) -> io::Result<Option<Vec<u8>>> {
        if self.shell_hash == Some(false) {
            return Ok(None);
        }
        let command = format!("sha256sum -b -- {}", shell_quote(path));
        let (runtime, connection) = self.parts();
        let session = &connection.session;
        let (status, output) = run(runtime, async {
            let mut channel = session.channel_open_session().await.map_err(ssh_error)?;
            channel.exec(true, command).await.map_err(ssh_error)?;
            // An account forced into internal-sftp runs that instead and
            // waits for input: the end of input ends it.
            channel.eof().await.map_err(ssh_error)?;
            let (mut status, mut output) = (None, Vec::new());
            while let Some(message) = channel.wait().await {
                match message {
                    ChannelMsg::Data { data } => output.extend_from_slice(&data),
                    ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                    ChannelMsg::Failure => break,
                    _ => {}
                }
            }
            Ok((status, output))
        })?;
        let digest = std::str::from_utf8(&output)
            .ok()
            .and_then(|text| text.split_whitespace().next())
            .and_then(|hex| hex::decode(hex).ok())
            .filter(|digest| digest.len() == 32);
        match (status, digest) {
            (Some(0), Some(digest)) => {
                self.shell_hash = Some(true);
                Ok(Some(digest))
            }
            // No shell (internal-sftp only), no sha256sum: read back instead.
            _ if self.shell_hash.is_none() => {
                self.shell_hash = Some(false);
                Ok(None)
            }
            _ => Err(protocol_error(format!(
                "sha256sum {path} failed on the server: {}",
                String::from_utf8_lossy(&output).trim()
            ))),
        }
    }
}

/// Password login the way PAM-backed servers ask for it: the server's
/// password prompt answered with the password (a prompt for anything else,
/// such as a one-time code, cannot be answered and ends the login).
async fn keyboard_interactive(
    session: &mut Handle<HostCheck>,
    user: &str,
    password: &str,
) -> io::Result<bool> {
    let mut answer = session
        .authenticate_keyboard_interactive_start(user, None)
        .await
        .map_err(ssh_error)?;
    // A server may ask several rounds (empty ones too); a few are enough.
    for _ in 0..4 {
        let prompts = match answer {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => prompts,
        };
        let mut responses = Vec::new();
        for prompt in prompts {
            if prompt.echo || !prompt.prompt.to_lowercase().contains("password") {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("the server asks '{}', which deploy cannot answer: log in with --identity KEY", prompt.prompt.trim()),
                ));
            }
            responses.push(password.to_string());
        }
        answer = session
            .authenticate_keyboard_interactive_respond(responses)
            .await
            .map_err(ssh_error)?;
    }
    Ok(false)
}

/// A path as one word for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn expect_status(answer: u8, body: &[u8], what: &str) -> io::Result<()> {
    if answer != STATUS {
        return Err(protocol_error(format!(
            "{what}: unexpected SFTP answer type {answer}"
        )));
    }
    let mut reader = Reader::new(body);
    let code = reader.u32()?;
    if code == STATUS_OK {
        return Ok(());
    }
    let message = reader
        .string()
        .map(|m| String::from_utf8_lossy(&m).into_owned())
        .unwrap_or_default();
    let kind = match code {
        STATUS_EOF => io::ErrorKind::UnexpectedEof,
        2 => io::ErrorKind::NotFound,
        3 => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    Err(io::Error::new(kind, format!("{what}: {message}")))
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

/// What a file's attributes tell deploy.
#[derive(Debug, Default, PartialEq)]
struct Attributes {
    size: Option<u64>,
    permissions: Option<u32>,
}

/// Reads the fields of an answer.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(protocol_error("a truncated SFTP answer".into()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self) -> io::Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> io::Result<u64> {
        Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }

    fn string(&mut self) -> io::Result<Vec<u8>> {
        let n = self.u32()? as usize;
        self.take(n).map(<[u8]>::to_vec)
    }

    fn attributes(&mut self) -> io::Result<Attributes> {
        let flags = self.u32()?;
        let mut attributes = Attributes::default();
        if flags & ATTR_SIZE != 0 {
            attributes.size = Some(self.u64()?);
        }
        if flags & ATTR_UIDGID != 0 {
            self.take(8)?;
        }
        if flags & ATTR_PERMISSIONS != 0 {
            attributes.permissions = Some(self.u32()?);
        }
        if flags & ATTR_ACMODTIME != 0 {
            self.take(8)?;
        }
        if flags & ATTR_EXTENDED != 0 {
            for _ in 0..self.u32()? {
                self.string()?;
                self.string()?;
            }
        }
        Ok(attributes)
    }

    /// The entries of a NAME answer.
    fn names(&mut self) -> io::Result<Vec<Entry>> {
        let count = self.u32()?;
        let mut entries = Vec::new();
        for _ in 0..count {
            let name = String::from_utf8_lossy(&self.string()?).into_owned();
            self.string()?; // the `ls -l` line, for people
            let permissions = self.attributes()?.permissions.unwrap_or(0);
            entries.push(Entry {
                name,
                dir: permissions & 0o170000 == 0o040000,
                mode: permissions & 0o777,
            });
        }
        Ok(entries)
    }
}

impl Remote for Sftp {
    fn list(&mut self, dir: &str) -> io::Result<Vec<Entry>> {
        let mut fields = Vec::new();
        put_string(&mut fields, dir.as_bytes());
        let handle = self.handle(OPENDIR, &fields, &format!("list {dir}"))?;
        let mut entries = Vec::new();
        let mut fields = Vec::new();
        put_string(&mut fields, &handle);
        let listed = loop {
            let (answer, body) = match self.exchange(READDIR, &fields) {
                Ok(answer) => answer,
                Err(e) => break Err(e),
            };
            if answer == NAME {
                match Reader::new(&body).names() {
                    Ok(more) => entries.extend(more),
                    Err(e) => break Err(e),
                }
                continue;
            }
            match expect_status(answer, &body, &format!("list {dir}")) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break Ok(()),
                Err(e) => break Err(e),
                Ok(()) => break Err(protocol_error(format!("list {dir}: OK without names"))),
            }
        };
        self.close_handle(&handle)?;
        listed?;
        entries.retain(|e| e.name != "." && e.name != "..");
        Ok(entries)
    }

    fn get(&mut self, path: &str) -> io::Result<Vec<u8>> {
        let handle = self.open(path, OPEN_READ)?;
        let mut bytes = Vec::new();
        let read = loop {
            let mut fields = Vec::new();
            put_string(&mut fields, &handle);
            put_u64(&mut fields, bytes.len() as u64);
            put_u32(&mut fields, CHUNK as u32);
            let (answer, body) = self.exchange(READ, &fields)?;
            if answer == DATA {
                bytes.extend_from_slice(&Reader::new(&body).string()?);
                continue;
            }
            match expect_status(answer, &body, &format!("read {path}")) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break Ok(()),
                Err(e) => break Err(e),
                Ok(()) => break Err(protocol_error(format!("read {path}: OK without data"))),
            }
        };
        self.close_handle(&handle)?;
        read.map(|()| bytes)
    }

    fn put(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let handle = self.open(path, OPEN_WRITE | OPEN_CREAT | OPEN_TRUNC)?;
        let mut written = Ok(());
        for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
            let mut fields = Vec::new();
            put_string(&mut fields, &handle);
            put_u64(&mut fields, (i * CHUNK) as u64);
            put_string(&mut fields, chunk);
            written = self.simple(WRITE, &fields, &format!("write {path}"));
            if written.is_err() {
                break;
            }
        }
        let closed = self.close_handle(&handle);
        written.and(closed)
    }

    fn mkdir(&mut self, path: &str) -> io::Result<()> {
        let mut fields = Vec::new();
        put_string(&mut fields, path.as_bytes());
        put_u32(&mut fields, 0);
        self.simple(MKDIR, &fields, &format!("mkdir {path}"))
    }

    fn chmod(&mut self, path: &str, mode: u32) -> io::Result<()> {
        let mut fields = Vec::new();
        put_string(&mut fields, path.as_bytes());
        put_u32(&mut fields, ATTR_PERMISSIONS);
        put_u32(&mut fields, mode);
        self.simple(SETSTAT, &fields, &format!("chmod {mode:o} {path}"))
    }

    fn remove_file(&mut self, path: &str) -> io::Result<()> {
        let mut fields = Vec::new();
        put_string(&mut fields, path.as_bytes());
        self.simple(REMOVE, &fields, &format!("remove {path}"))
    }

    fn remove_dir(&mut self, path: &str) -> io::Result<()> {
        let mut fields = Vec::new();
        put_string(&mut fields, path.as_bytes());
        self.simple(RMDIR, &fields, &format!("rmdir {path}"))
    }

    fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
        let mut fields = Vec::new();
        put_string(&mut fields, from.as_bytes());
        put_string(&mut fields, to.as_bytes());
        self.simple(RENAME, &fields, &format!("rename {from} to {to}"))
    }

    fn size(&mut self, path: &str) -> io::Result<u64> {
        self.stat(path)?
            .size
            .ok_or_else(|| protocol_error(format!("stat {path}: the server gave no size")))
    }

    fn sha256(&mut self, path: &str) -> io::Result<Option<Vec<u8>>> {
        self.server_sha256(path)
    }

    fn close(&mut self) {
        let (runtime, connection) = self.parts();
        let Connection { session, stream } = connection;
        let _ = run(runtime, async {
            let _ = stream.shutdown().await;
            session
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await
                .map_err(ssh_error)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_name_kind_and_mode() {
        let mut answer = Vec::new();
        put_u32(&mut answer, 2);
        for (name, mode) in [("bridge2cart", 0o040755), ("my file.txt", 0o100666)] {
            put_string(&mut answer, name.as_bytes());
            put_string(&mut answer, b"drwxr-xr-x ...");
            put_u32(&mut answer, ATTR_SIZE | ATTR_PERMISSIONS | ATTR_EXTENDED);
            put_u64(&mut answer, 4096);
            put_u32(&mut answer, mode);
            put_u32(&mut answer, 1);
            put_string(&mut answer, b"name@example");
            put_string(&mut answer, b"value");
        }
        let entries = Reader::new(&answer).names().unwrap();
        let seen: Vec<_> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.dir, e.mode))
            .collect();
        assert_eq!(
            seen,
            [("bridge2cart", true, 0o755), ("my file.txt", false, 0o666)]
        );
    }

    #[test]
    fn a_truncated_answer_is_an_error_not_a_panic() {
        let mut answer = Vec::new();
        put_u32(&mut answer, ATTR_SIZE);
        put_u32(&mut answer, 7);
        assert!(Reader::new(&answer).attributes().is_err());
        assert!(Reader::new(&[0, 0, 0, 9, b'x']).string().is_err());
    }

    #[test]
    fn status_answers_become_errors_of_their_kind() {
        let mut body = Vec::new();
        put_u32(&mut body, 2);
        put_string(&mut body, b"No such file");
        let e = expect_status(STATUS, &body, "stat /x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(e.to_string(), "stat /x: No such file");
        let mut ok = Vec::new();
        put_u32(&mut ok, 0);
        assert!(expect_status(STATUS, &ok, "x").is_ok());
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("/www/it's here"), r"'/www/it'\''s here'");
    }
}
