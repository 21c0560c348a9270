//! FastCGI responder: serves FastCGI 1.0 requests arriving on a listening
//! socket (inherited on fd 0 or from systemd, or bound from an address),
//! turns each into a [`crate::http::Request`] and answers it through a
//! [`crate::http::ResponseSink`] that writes `FCGI_STDOUT` records.
//!
//! Written from the FastCGI 1.0 specification instead of on top of the
//! `fastcgi` crate, whose measured defects (panics on EOF and on garbage,
//! params decoded as UTF-8, unbuffered writes) are what this module avoids:
//!
//! * one thread per connection and one request at a time on it
//!   (`FCGI_MPXS_CONNS=0`), up to `max_connections` threads;
//! * params stay bytes end to end;
//! * anything wrong on the wire ends that one connection, never the process;
//!   nothing here panics on input, and a panicking handler is contained;
//! * the body is capped while it streams, so an oversized upload is
//!   discarded record by record instead of being held in memory;
//! * output is buffered into records of up to 64 KiB and written when the
//!   handler flushes or the request ends.

use std::fmt;
use std::fs;
use std::io::{self, BufReader, ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::http::{self, Handler, Request, ResponseSink};

// Wire constants, FastCGI 1.0 specification §8.
const VERSION_1: u8 = 1;
const HEADER_LEN: usize = 8;
const MAX_CONTENT: usize = 65535;

const BEGIN_REQUEST: u8 = 1;
const ABORT_REQUEST: u8 = 2;
const END_REQUEST: u8 = 3;
const PARAMS: u8 = 4;
const STDIN: u8 = 5;
const STDOUT: u8 = 6;
const DATA: u8 = 8;
const GET_VALUES: u8 = 9;
const GET_VALUES_RESULT: u8 = 10;
const UNKNOWN_TYPE: u8 = 11;

const KEEP_CONN: u8 = 1;
const RESPONDER: u16 = 1;

const REQUEST_COMPLETE: u8 = 0;
const CANT_MPX_CONN: u8 = 1;
const UNKNOWN_ROLE: u8 = 3;

/// The listening socket a FastCGI process manager hands over (spec §2.2).
const FCGI_LISTENSOCK_FILENO: RawFd = 0;
/// The first socket passed by systemd socket activation (`sd_listen_fds`).
const SD_LISTEN_FDS_START: RawFd = 3;

/// Media type of the error bodies this module sends itself; the same value
/// as `crate::api::CONTENT_TYPE`, kept local so the transport does not
/// depend on the API layer.
const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Mode of a unix socket this module binds: the web server's group may
/// connect, others may not.
const DEFAULT_SOCKET_MODE: u32 = 0o660;

// Local limits and tuning.

/// Cap on one request's params. Web servers cap headers far below this; the
/// cap only stops a broken peer from growing memory without bound.
const MAX_PARAMS_BYTES: usize = 1 << 20;
/// Largest record content written: a multiple of 8, so full records need no
/// padding.
const RECORD_CHUNK: usize = MAX_CONTENT - MAX_CONTENT % 8;
/// Body bytes collected from the handler before they become a record.
const STDOUT_CHUNK: usize = 32 * 1024;
/// Bytes of finished records held before they go to the socket.
const OUTPUT_FLUSH_AT: usize = 64 * 1024;
/// Upper bound for the body capacity reserved up front from CONTENT_LENGTH.
const MAX_BODY_RESERVE: u64 = 16 << 20;
/// How long one read or write inside a request may block; nginx's own
/// `fastcgi_read_timeout` default is 60 s.
const IO_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a closing connection drains what the web server still sends, so
/// that closing does not reset the connection under our last records.
const LINGER: Duration = Duration::from_millis(500);
/// How often a wait for a free connection slot rechecks for shutdown.
const SLOT_RECHECK: Duration = Duration::from_millis(50);
/// Pause after `accept` ran out of file descriptors, so it does not spin.
const ACCEPT_BACKOFF_MS: libc::c_int = 100;

/// The socket FastCGI requests arrive on.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    /// The listening socket handed over by the process manager: fd 0 from
    /// spawn-fcgi or mod_fcgid, or fd 3 under systemd socket activation
    /// (`LISTEN_PID` = this process, `LISTEN_FDS` ≥ 1). `None` when that fd
    /// is not a listening stream socket (plain CGI, a terminal, a pipe); the
    /// fd is then left alone.
    pub fn inherited() -> Option<Listener> {
        match systemd_listen_fd() {
            Some(fd) => {
                let listener = listener_from_fd(fd)?;
                set_cloexec(fd);
                Some(listener)
            }
            None => listener_from_fd(FCGI_LISTENSOCK_FILENO),
        }
    }

    /// Binds `127.0.0.1:9000`, `[::1]:9000`, `localhost:9000`, or a unix
    /// socket at a path (optionally written `unix:/path`) with mode 0660.
    pub fn bind(address: &str) -> io::Result<Listener> {
        Listener::bind_with_mode(address, DEFAULT_SOCKET_MODE)
    }

    /// Like [`Listener::bind`], with the unix socket's file mode given
    /// (0666 when the web server runs as an unrelated user).
    pub fn bind_with_mode(address: &str, mode: u32) -> io::Result<Listener> {
        if let Some(path) = address.strip_prefix("unix:") {
            return bind_unix(Path::new(path), mode);
        }
        if let Ok(addr) = address.parse::<SocketAddr>() {
            return Ok(Listener::Tcp(TcpListener::bind(addr)?));
        }
        if looks_like_host_port(address) {
            return Ok(Listener::Tcp(TcpListener::bind(address)?));
        }
        bind_unix(Path::new(address), mode)
    }

    fn set_nonblocking(&self) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.set_nonblocking(true),
            Listener::Unix(l) => l.set_nonblocking(true),
        }
    }

    fn fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Unix(l) => l.as_raw_fd(),
        }
    }

    /// One connection and, for TCP, the peer's address.
    fn accept(&self) -> io::Result<(Stream, Option<IpAddr>)> {
        match self {
            Listener::Tcp(l) => l.accept().map(|(s, a)| (Stream::Tcp(s), Some(a.ip()))),
            Listener::Unix(l) => l.accept().map(|(s, _)| (Stream::Unix(s), None)),
        }
    }
}

/// `host:port` with a numeric port and no slash: a TCP address to resolve,
/// not a relative socket path.
fn looks_like_host_port(address: &str) -> bool {
    !address.contains('/')
        && address
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

fn bind_unix(path: &Path, mode: u32) -> io::Result<Listener> {
    remove_stale_socket(path)?;
    let listener = UnixListener::bind(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok(Listener::Unix(listener))
}

/// Removes a socket file left by a previous run. A socket someone still
/// listens on, or a file that is not a socket, is left alone and reported.
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_socket() {
        let msg = format!("{} exists and is not a socket", path.display());
        return Err(io::Error::new(ErrorKind::AlreadyExists, msg));
    }
    match UnixStream::connect(path) {
        Ok(_) => {
            let msg = format!("another process is listening on {}", path.display());
            Err(io::Error::new(ErrorKind::AddrInUse, msg))
        }
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => fs::remove_file(path),
        // Let bind() report whatever is wrong (permissions, ...).
        Err(_) => Ok(()),
    }
}

/// fd 3 when systemd passed sockets to this very process.
fn systemd_listen_fd() -> Option<RawFd> {
    let pid: u32 = std::env::var("LISTEN_PID").ok()?.trim().parse().ok()?;
    let count: u32 = std::env::var("LISTEN_FDS").ok()?.trim().parse().ok()?;
    (pid == std::process::id() && count >= 1).then_some(SD_LISTEN_FDS_START)
}

/// Takes ownership of `fd` only when it is a listening stream socket.
fn listener_from_fd(fd: RawFd) -> Option<Listener> {
    if !is_listening_stream_socket(fd) {
        return None;
    }
    let family = socket_family(fd)?;
    // SAFETY: `fd` is an open listening stream socket that was handed to
    // this process to serve; taking ownership of it is what the hand-over
    // means, and nothing else in the program uses fd 0 or 3 as a socket.
    unsafe {
        match family {
            libc::AF_UNIX => Some(Listener::Unix(UnixListener::from_raw_fd(fd))),
            libc::AF_INET | libc::AF_INET6 => Some(Listener::Tcp(TcpListener::from_raw_fd(fd))),
            _ => None,
        }
    }
}

fn is_listening_stream_socket(fd: RawFd) -> bool {
    if getsockopt_int(fd, libc::SO_TYPE).ok() != Some(libc::SOCK_STREAM) {
        return false;
    }
    match getsockopt_int(fd, libc::SO_ACCEPTCONN) {
        Ok(listening) => listening != 0,
        // Where SO_ACCEPTCONN is not answered, fall back to the spec's own
        // test: a listening socket has no peer (ENOTCONN).
        Err(_) => has_no_peer(fd),
    }
}

fn getsockopt_int(fd: RawFd, option: libc::c_int) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: value and len are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            option,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(io::Error::last_os_error())
    }
}

fn has_no_peer(fd: RawFd) -> bool {
    // SAFETY: a zeroed sockaddr_storage is a valid out-buffer.
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: addr and len are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getpeername(
            fd,
            (&mut addr as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    rc != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOTCONN)
}

fn socket_family(fd: RawFd) -> Option<libc::c_int> {
    // SAFETY: a zeroed sockaddr_storage is a valid out-buffer.
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: addr and len are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockname(
            fd,
            (&mut addr as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(libc::c_int::from(addr.ss_family))
}

fn set_cloexec(fd: RawFd) {
    // SAFETY: F_SETFD on an fd we own; failure only leaks it into children.
    unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
}

/// Limits and policy for [`serve`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest request body accepted; larger ones get 413.
    pub max_body_bytes: u64,
    /// Connections served at once (one thread each); more wait in the
    /// listen backlog. Also what `FCGI_GET_VALUES` reports.
    pub max_connections: usize,
    /// When set, TCP peers outside the list are closed at once.
    pub web_server_addrs: Option<Vec<IpAddr>>,
}

/// The allow-list in `FCGI_WEB_SERVER_ADDRS` (comma-separated IPs); `None`
/// when unset or empty. Entries that do not parse are logged and left out,
/// so a mistyped list admits fewer peers, never more.
pub fn web_server_addrs_from_env() -> Option<Vec<IpAddr>> {
    let raw = std::env::var_os("FCGI_WEB_SERVER_ADDRS")?;
    match raw.to_str() {
        Some(text) => parse_web_server_addrs(text),
        None => {
            log(format_args!(
                "FCGI_WEB_SERVER_ADDRS is not text; no TCP peer is allowed"
            ));
            Some(Vec::new())
        }
    }
}

fn parse_web_server_addrs(text: &str) -> Option<Vec<IpAddr>> {
    if text.trim().is_empty() {
        return None;
    }
    let parse = |entry: &str| match entry.parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) => {
            log(format_args!("FCGI_WEB_SERVER_ADDRS: ignoring {entry:?}"));
            None
        }
    };
    Some(
        text.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .filter_map(parse)
            .collect(),
    )
}

fn peer_allowed(allowed: Option<&[IpAddr]>, peer: Option<IpAddr>) -> bool {
    match (allowed, peer) {
        (Some(list), Some(peer)) => list.iter().any(|a| a.to_canonical() == peer.to_canonical()),
        // Unix sockets have no IP peer; file permissions guard them.
        _ => true,
    }
}

/// Serves until SIGTERM, SIGINT or SIGHUP: then stops accepting, lets every
/// request already received finish, closes idle connections, and returns.
/// SIGPIPE is ignored so a vanished peer is a write error, not a death.
pub fn serve(listener: Listener, options: &Options, handler: &Handler) -> io::Result<()> {
    ignore_sigpipe();
    let stop = Stop::new()?;
    let _signals = StopSignals::install(&stop)?;
    serve_until(listener, options, handler, &stop)
}

/// [`serve`] without the signal handling: stops when `stop` is requested.
fn serve_until(
    listener: Listener,
    options: &Options,
    handler: &Handler,
    stop: &Stop,
) -> io::Result<()> {
    // Non-blocking so a connection taken by a sibling process between
    // poll() and accept() (shared fd 0) does not block the loop.
    listener.set_nonblocking()?;
    let ctx = Ctx {
        options,
        handler,
        stop,
    };
    let slots = Slots::new(options.max_connections);
    thread::scope(|scope| {
        let result = accept_loop(scope, &listener, &ctx, &slots);
        if result.is_err() {
            // Idle kept-alive connections would otherwise hold the join open.
            stop.request();
        }
        result
    })
}

/// What every connection thread shares.
struct Ctx<'a> {
    options: &'a Options,
    handler: &'a Handler,
    stop: &'a Stop,
}

fn accept_loop<'scope, 'env>(
    scope: &'scope thread::Scope<'scope, 'env>,
    listener: &Listener,
    ctx: &'env Ctx<'env>,
    slots: &'env Slots,
) -> io::Result<()> {
    loop {
        let Some(slot) = slots.acquire(ctx.stop) else {
            return Ok(());
        };
        let stream = match accept_next(listener, ctx)? {
            Accepted::Conn(stream) => stream,
            Accepted::Again => continue,
            Accepted::Stop => return Ok(()),
        };
        let spawned = thread::Builder::new()
            .name("fastcgi-conn".into())
            .spawn_scoped(scope, move || {
                let _slot = slot;
                block_stop_signals();
                let served =
                    panic::catch_unwind(AssertUnwindSafe(|| serve_connection(stream, ctx)));
                if served.is_err() {
                    log(format_args!(
                        "connection thread panicked; connection closed"
                    ));
                }
            });
        if let Err(e) = spawned {
            log(format_args!("cannot start a connection thread: {e}"));
        }
    }
}

enum Accepted {
    Conn(Stream),
    Again,
    Stop,
}

/// Waits for a connection or shutdown; transient accept errors are
/// `Again`, errors that mean the listener is unusable are returned.
fn accept_next(listener: &Listener, ctx: &Ctx<'_>) -> io::Result<Accepted> {
    let [incoming, stopping] = poll_readable([listener.fd(), ctx.stop.fd()], -1)?;
    if stopping {
        return Ok(Accepted::Stop);
    }
    if !incoming {
        return Ok(Accepted::Again);
    }
    match listener.accept() {
        Ok((stream, peer)) => {
            if peer_allowed(ctx.options.web_server_addrs.as_deref(), peer) {
                return Ok(Accepted::Conn(stream));
            }
            log(format_args!(
                "refused connection from {peer:?}: not in FCGI_WEB_SERVER_ADDRS"
            ));
            Ok(Accepted::Again)
        }
        Err(e) => accept_error(e, ctx.stop),
    }
}

fn accept_error(e: io::Error, stop: &Stop) -> io::Result<Accepted> {
    match e.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
            log(format_args!("accept: {e}; retrying"));
            // A pause that shutdown still interrupts.
            poll_readable([stop.fd()], ACCEPT_BACKOFF_MS)?;
            Ok(Accepted::Again)
        }
        Some(libc::ECONNABORTED | libc::EPROTO | libc::EPERM | libc::EINTR | libc::EAGAIN) => {
            Ok(Accepted::Again)
        }
        _ if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
            Ok(Accepted::Again)
        }
        _ => Err(e),
    }
}

/// Counts connection threads so at most `max` run at once.
struct Slots {
    max: usize,
    used: Mutex<usize>,
    freed: Condvar,
}

/// One running connection; frees its slot when dropped.
struct Slot<'a>(&'a Slots);

impl Slots {
    fn new(max: usize) -> Slots {
        Slots {
            max: max.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// A free slot, or `None` once shutdown is requested.
    fn acquire(&self, stop: &Stop) -> Option<Slot<'_>> {
        let mut used = lock(&self.used);
        loop {
            if stop.is_set() {
                return None;
            }
            if *used < self.max {
                *used += 1;
                return Some(Slot(self));
            }
            used = match self.freed.wait_timeout(used, SLOT_RECHECK) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *lock(&self.0.used) -= 1;
        self.0.freed.notify_one();
    }
}

/// A lock that survives a panicked holder: the counter stays meaningful.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The shutdown request: a pipe that becomes readable, and stays readable
/// (it is never drained), so every `poll` in the server sees it at once,
/// whichever thread a signal was delivered to.
struct Stop {
    read: OwnedFd,
    write: OwnedFd,
}

impl Stop {
    fn new() -> io::Result<Stop> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: fds is valid for two ints.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe() just returned these two fds and nothing else owns them.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in fds {
            set_cloexec(fd);
            // SAFETY: fcntl on a pipe end owned above. Non-blocking so the
            // signal handler's write can never block.
            unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) };
        }
        Ok(Stop { read, write })
    }

    fn request(&self) {
        wake(self.write.as_raw_fd());
    }

    fn is_set(&self) -> bool {
        poll_readable([self.fd()], 0).is_ok_and(|[set]| set)
    }

    fn fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }
}

/// Async-signal-safe: one write(2) of one byte.
fn wake(fd: RawFd) {
    // SAFETY: one byte from a static buffer to a pipe fd. If the pipe is
    // full the write fails with EAGAIN, and a full pipe is already readable,
    // which is all a wake needs.
    unsafe { libc::write(fd, b"!".as_ptr().cast(), 1) };
}

/// Write end of the running server's stop pipe, for the signal handler.
static SIGNAL_WAKE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_stop_signal(_: libc::c_int) {
    let fd = SIGNAL_WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        wake(fd);
    }
}

const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// Handlers for the stop signals while [`serve`] runs; the previous ones
/// come back when it returns, so a later SIGTERM ends the process normally.
struct StopSignals {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl StopSignals {
    fn install(stop: &Stop) -> io::Result<StopSignals> {
        SIGNAL_WAKE_FD.store(stop.write.as_raw_fd(), Ordering::SeqCst);
        let mut installed = StopSignals {
            previous: Vec::new(),
        };
        let handler = on_stop_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for signal in STOP_SIGNALS {
            let previous = set_signal_action(signal, handler)?;
            installed.previous.push((signal, previous));
        }
        Ok(installed)
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        for (signal, previous) in &self.previous {
            // SAFETY: restores an action returned by sigaction() earlier.
            unsafe { libc::sigaction(*signal, previous, std::ptr::null_mut()) };
        }
        SIGNAL_WAKE_FD.store(-1, Ordering::SeqCst);
    }
}

fn set_signal_action(
    signal: libc::c_int,
    handler: libc::sighandler_t,
) -> io::Result<libc::sigaction> {
    // SAFETY: a zeroed sigaction (no flags) with an emptied mask is valid;
    // both structs outlive the call.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        // Deliberately no SA_RESTART: the signal must interrupt a blocking
        // poll()/accept() rather than be resumed over.
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signal, &action, &mut previous) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(previous)
    }
}

/// Keeps the stop signals away from connection threads (and threads a
/// handler starts): without SA_RESTART a signal landing there would make a
/// handler's blocking call (a database read) fail with EINTR mid-request.
/// The thread running `serve` takes them instead.
fn block_stop_signals() {
    // SAFETY: the set is initialised by sigemptyset before use; the call
    // changes only this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in STOP_SIGNALS {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

fn ignore_sigpipe() {
    // SAFETY: setting SIG_IGN has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Which of `fds` are readable (or closed, so a read will not block);
/// `timeout_ms` -1 waits forever. A signal (EINTR) returns with nothing
/// ready, so callers recheck and loop.
fn poll_readable<const N: usize>(
    fds: [RawFd; N],
    timeout_ms: libc::c_int,
) -> io::Result<[bool; N]> {
    let mut polled = fds.map(|fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    });
    // SAFETY: `polled` is a valid array of N pollfd.
    let rc = unsafe { libc::poll(polled.as_mut_ptr(), N as libc::nfds_t, timeout_ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == ErrorKind::Interrupted {
            Ok([false; N])
        } else {
            Err(e)
        };
    }
    if polled.iter().any(|p| p.revents & libc::POLLNVAL != 0) {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    let readable = libc::POLLIN | libc::POLLHUP | libc::POLLERR;
    Ok(polled.map(|p| p.revents & readable != 0))
}

/// One line to stderr. Under FastCGI stderr may be /dev/null or a closed
/// pipe; a lost log line must never fail a request.
fn log(message: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "cartbridge: fastcgi: {message}");
}

/// An accepted connection.
#[derive(Debug)]
enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    /// Blocking with timeouts; no Nagle delay, since output is already
    /// coalesced into whole records.
    fn configure(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => {
                s.set_nonblocking(false)?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))
            }
            Stream::Unix(s) => {
                s.set_nonblocking(false)?;
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))
            }
        }
    }

    fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        }
    }

    fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }
}

impl Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => {
                let mut s: &TcpStream = s;
                s.read(buf)
            }
            Stream::Unix(s) => {
                let mut s: &UnixStream = s;
                s.read(buf)
            }
        }
    }
}

impl Write for &Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => {
                let mut s: &TcpStream = s;
                s.write(buf)
            }
            Stream::Unix(s) => {
                let mut s: &UnixStream = s;
                s.write(buf)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Serves one connection to its end; errors end it quietly with one line.
fn serve_connection(stream: Stream, ctx: &Ctx<'_>) {
    if let Err(e) = stream.configure() {
        log(format_args!("cannot set up connection: {e}"));
        return;
    }
    let mut conn = Connection::new(&stream, ctx);
    match conn.run() {
        Ok(End::Idle) => {}
        Ok(End::Finished) => conn.linger_close(&stream),
        Err(e) => log(format_args!("connection closed: {e}")),
    }
}

/// How a connection ended without error.
enum End {
    /// Closed by the web server between requests, or idle at shutdown.
    Idle,
    /// Closed by us after a request (no FCGI_KEEP_CONN, or shutdown).
    Finished,
}

/// What to do after a record.
enum Step {
    Continue,
    Close,
}

/// A record header (spec §3.3).
struct Header {
    kind: u8,
    id: u16,
    content_len: usize,
    padding_len: usize,
}

impl Header {
    fn parse(raw: &[u8; HEADER_LEN]) -> io::Result<Header> {
        if raw[0] != VERSION_1 {
            return Err(protocol_error(format!("bad record version {}", raw[0])));
        }
        Ok(Header {
            kind: raw[1],
            id: u16::from_be_bytes([raw[2], raw[3]]),
            content_len: usize::from(u16::from_be_bytes([raw[4], raw[5]])),
            padding_len: usize::from(raw[6]),
        })
    }
}

fn protocol_error(message: impl Into<String>) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, message.into())
}

fn record_header(kind: u8, id: u16, content_len: u16, padding_len: u8) -> [u8; HEADER_LEN] {
    let [id_hi, id_lo] = id.to_be_bytes();
    let [len_hi, len_lo] = content_len.to_be_bytes();
    [
        VERSION_1,
        kind,
        id_hi,
        id_lo,
        len_hi,
        len_lo,
        padding_len,
        0,
    ]
}

/// One connection's state: at most one active request.
struct Connection<'a> {
    reader: BufReader<&'a Stream>,
    out: Output<&'a Stream>,
    /// Content of the record just read, reused between records.
    content: Vec<u8>,
    active: Option<Pending>,
    ctx: &'a Ctx<'a>,
    stream_fd: RawFd,
}

impl<'a> Connection<'a> {
    fn new(stream: &'a Stream, ctx: &'a Ctx<'a>) -> Connection<'a> {
        Connection {
            reader: BufReader::with_capacity(MAX_CONTENT + HEADER_LEN, stream),
            out: Output::new(stream),
            content: Vec::new(),
            active: None,
            ctx,
            stream_fd: stream.fd(),
        }
    }

    fn run(&mut self) -> io::Result<End> {
        loop {
            if self.active.is_none() && !self.wait_for_request()? {
                return Ok(End::Idle);
            }
            let Some(header) = self.read_record()? else {
                return match self.active {
                    None => Ok(End::Idle),
                    Some(_) => Err(io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "peer closed mid-request",
                    )),
                };
            };
            if let Step::Close = self.handle(&header)? {
                return Ok(End::Finished);
            }
        }
    }

    /// Between requests: waits for the next record, or returns false when
    /// shutdown is requested and the web server has sent nothing new.
    fn wait_for_request(&mut self) -> io::Result<bool> {
        if !self.reader.buffer().is_empty() {
            return Ok(true);
        }
        loop {
            let [incoming, stopping] = poll_readable([self.stream_fd, self.ctx.stop.fd()], -1)?;
            // Bytes already sent are a request in flight: serve it first.
            if incoming {
                return Ok(true);
            }
            if stopping {
                return Ok(false);
            }
        }
    }

    /// The next record into `self.content`; `None` on EOF at a record
    /// boundary.
    fn read_record(&mut self) -> io::Result<Option<Header>> {
        let mut raw = [0u8; HEADER_LEN];
        if !read_exact_or_eof(&mut self.reader, &mut raw)? {
            return Ok(None);
        }
        let header = Header::parse(&raw)?;
        self.content.resize(header.content_len, 0);
        let mut padding = [0u8; 255];
        self.reader
            .read_exact(&mut self.content)
            .and_then(|()| self.reader.read_exact(&mut padding[..header.padding_len]))
            .map_err(|e| match e.kind() {
                ErrorKind::UnexpectedEof => protocol_error("record cut short"),
                _ => e,
            })?;
        Ok(Some(header))
    }

    fn handle(&mut self, header: &Header) -> io::Result<Step> {
        match header.kind {
            BEGIN_REQUEST => self.begin(header.id),
            ABORT_REQUEST => self.abort(header.id),
            PARAMS => self.params(header.id),
            STDIN => self.stdin(header.id),
            // Only the filter role reads FCGI_DATA, and it is refused.
            DATA => Ok(Step::Continue),
            GET_VALUES => self.get_values(),
            other => self.unknown_type(other),
        }
    }

    fn begin(&mut self, id: u16) -> io::Result<Step> {
        if id == 0 || self.content.len() < 8 {
            return Err(protocol_error("malformed FCGI_BEGIN_REQUEST"));
        }
        let role = u16::from_be_bytes([self.content[0], self.content[1]]);
        let keep_conn = self.content[2] & KEEP_CONN != 0;
        if let Some(active) = &self.active {
            if active.id == id {
                return Err(protocol_error(
                    "FCGI_BEGIN_REQUEST for a request already active",
                ));
            }
            self.end_request(id, CANT_MPX_CONN)?;
            return Ok(Step::Continue);
        }
        if role != RESPONDER {
            self.end_request(id, UNKNOWN_ROLE)?;
            return Ok(self.after_request(keep_conn));
        }
        self.active = Some(Pending::new(id, keep_conn));
        Ok(Step::Continue)
    }

    fn abort(&mut self, id: u16) -> io::Result<Step> {
        let Some(pending) = self.active.take_if(|p| p.id == id) else {
            return Ok(Step::Continue);
        };
        self.end_request(id, REQUEST_COMPLETE)?;
        Ok(self.after_request(pending.keep_conn))
    }

    fn params(&mut self, id: u16) -> io::Result<Step> {
        let max_body = self.ctx.options.max_body_bytes;
        if let Some(pending) = self.active.as_mut().filter(|p| p.id == id) {
            pending.take_params(&self.content, max_body)?;
        }
        Ok(Step::Continue)
    }

    fn stdin(&mut self, id: u16) -> io::Result<Step> {
        if self.content.is_empty() {
            return match self.active.take_if(|p| p.id == id) {
                Some(pending) => self.dispatch(pending),
                None => Ok(Step::Continue),
            };
        }
        let max_body = self.ctx.options.max_body_bytes;
        if let Some(pending) = self.active.as_mut().filter(|p| p.id == id) {
            pending.take_stdin(&self.content, max_body)?;
        }
        Ok(Step::Continue)
    }

    /// The whole request is in: answer it.
    fn dispatch(&mut self, pending: Pending) -> io::Result<Step> {
        let Phase::Body {
            request,
            content_length,
        } = pending.phase
        else {
            return Err(protocol_error("FCGI_STDIN ended before FCGI_PARAMS"));
        };
        match request.and_then(|r| check_body_length(r, content_length)) {
            Ok(request) => self.run_handler(pending.id, request)?,
            Err(rejection) => self.reject(pending.id, &rejection)?,
        }
        self.end_request(pending.id, REQUEST_COMPLETE)?;
        Ok(self.after_request(pending.keep_conn))
    }

    fn run_handler(&mut self, id: u16, request: Request) -> io::Result<()> {
        let handler = self.ctx.handler;
        let mut sink = StdoutSink::new(&mut self.out, id);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler(request, &mut sink)));
        if outcome.is_err() {
            if sink.started {
                // The status is gone; ending the request normally would pass
                // a truncated answer off as complete. Drop the connection so
                // the web server reports the failure.
                return Err(io::Error::other(
                    "handler panicked after the response started",
                ));
            }
            log(format_args!("handler panicked; answered 500"));
        }
        if !sink.started {
            let body = error_json(500, "internal error: no response was produced");
            http::respond(&mut sink, 500, JSON_CONTENT_TYPE, body.as_bytes())?;
        }
        sink.finish()
    }

    fn reject(&mut self, id: u16, rejection: &Rejection) -> io::Result<()> {
        let max_body = self.ctx.options.max_body_bytes;
        let (status, message) = rejection.describe(max_body);
        let mut sink = StdoutSink::new(&mut self.out, id);
        http::respond(
            &mut sink,
            status,
            JSON_CONTENT_TYPE,
            error_json(status, &message).as_bytes(),
        )?;
        sink.finish()
    }

    fn after_request(&self, keep_conn: bool) -> Step {
        if keep_conn && !self.ctx.stop.is_set() {
            Step::Continue
        } else {
            Step::Close
        }
    }

    fn end_request(&mut self, id: u16, protocol_status: u8) -> io::Result<()> {
        // appStatus 0, then the protocol status and three reserved bytes.
        let body = [0, 0, 0, 0, protocol_status, 0, 0, 0];
        self.out.record(END_REQUEST, id, &body)?;
        self.out.flush()
    }

    fn get_values(&mut self) -> io::Result<Step> {
        let max = self.ctx.options.max_connections.max(1).to_string();
        let asked = parse_pairs(&self.content).unwrap_or_default();
        let known: [(&[u8], &[u8]); 3] = [
            (b"FCGI_MAX_CONNS", max.as_bytes()),
            (b"FCGI_MAX_REQS", max.as_bytes()),
            (b"FCGI_MPXS_CONNS", b"0"),
        ];
        let mut reply = Vec::new();
        for (name, value) in known {
            if asked.iter().any(|(n, _)| *n == name) {
                encode_pair(&mut reply, name, value);
            }
        }
        self.out.record(GET_VALUES_RESULT, 0, &reply)?;
        self.out.flush()?;
        Ok(Step::Continue)
    }

    fn unknown_type(&mut self, kind: u8) -> io::Result<Step> {
        self.out
            .record(UNKNOWN_TYPE, 0, &[kind, 0, 0, 0, 0, 0, 0, 0])?;
        self.out.flush()?;
        Ok(Step::Continue)
    }

    /// Closes after our last record without resetting the connection:
    /// stop writing, then drain briefly whatever the web server still sends
    /// (closing with unread input makes the kernel send a reset, which can
    /// destroy our answer before the web server reads it). Shutdown cuts
    /// the wait short.
    fn linger_close(&self, stream: &Stream) {
        if stream.shutdown_write().is_err() {
            return;
        }
        let deadline = Instant::now() + LINGER;
        let mut scratch = [0u8; 8192];
        // Straight from the socket: only bytes still in the kernel matter.
        let mut raw = stream;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let left_ms = libc::c_int::try_from(left.as_millis()).unwrap_or(0);
            match poll_readable([self.stream_fd, self.ctx.stop.fd()], left_ms) {
                Ok([true, _]) => {}
                _ => return,
            }
            match raw.read(&mut scratch) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
}

/// Fills `buf`, or returns false on a clean EOF (or reset) before its first
/// byte: the web server closing an idle kept-alive connection.
fn read_exact_or_eof(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "short record header",
                ))
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if filled == 0 && e.kind() == ErrorKind::ConnectionReset => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// The request being received on a connection.
struct Pending {
    id: u16,
    keep_conn: bool,
    phase: Phase,
}

enum Phase {
    /// Collecting FCGI_PARAMS; `overflow` once past MAX_PARAMS_BYTES.
    Params { bytes: Vec<u8>, overflow: bool },
    /// Params done; collecting (or, once rejected, discarding) FCGI_STDIN.
    Body {
        request: Result<Request, Rejection>,
        content_length: Option<u64>,
    },
}

/// Why a request is answered by the transport instead of the handler.
#[derive(Debug)]
enum Rejection {
    Malformed(&'static str),
    TooLarge,
}

impl Rejection {
    fn describe(&self, max_body: u64) -> (u16, String) {
        match self {
            Rejection::Malformed(why) => (400, format!("malformed request: {why}")),
            Rejection::TooLarge => (
                413,
                format!("request body too large: limit is {max_body} bytes"),
            ),
        }
    }
}

impl Pending {
    fn new(id: u16, keep_conn: bool) -> Pending {
        Pending {
            id,
            keep_conn,
            phase: Phase::Params {
                bytes: Vec::new(),
                overflow: false,
            },
        }
    }

    fn take_params(&mut self, data: &[u8], max_body: u64) -> io::Result<()> {
        let Phase::Params { bytes, overflow } = &mut self.phase else {
            return Err(protocol_error("FCGI_PARAMS after the end of the params"));
        };
        if data.is_empty() {
            self.phase = body_phase(bytes, *overflow, max_body);
        } else if *overflow || bytes.len() + data.len() > MAX_PARAMS_BYTES {
            *overflow = true;
            *bytes = Vec::new();
        } else {
            bytes.extend_from_slice(data);
        }
        Ok(())
    }

    fn take_stdin(&mut self, data: &[u8], max_body: u64) -> io::Result<()> {
        let Phase::Body { request, .. } = &mut self.phase else {
            return Err(protocol_error("FCGI_STDIN before the end of the params"));
        };
        if let Ok(r) = request {
            if r.body.len() as u64 + data.len() as u64 > max_body {
                // Drop what was collected; the rest is discarded as it comes.
                *request = Err(Rejection::TooLarge);
            } else {
                r.body.extend_from_slice(data);
            }
        }
        Ok(())
    }
}

/// The params are complete: build the request, or decide to reject it.
fn body_phase(params: &[u8], overflow: bool, max_body: u64) -> Phase {
    let built = if overflow {
        Err(Rejection::Malformed("params too large"))
    } else {
        request_from_params(params)
    };
    match built {
        Ok((mut request, content_length)) => {
            if content_length.is_some_and(|n| n > max_body) {
                return Phase::Body {
                    request: Err(Rejection::TooLarge),
                    content_length,
                };
            }
            let expected = content_length
                .unwrap_or(0)
                .min(max_body)
                .min(MAX_BODY_RESERVE);
            request.body.reserve(expected as usize);
            Phase::Body {
                request: Ok(request),
                content_length,
            }
        }
        Err(rejection) => Phase::Body {
            request: Err(rejection),
            content_length: None,
        },
    }
}

/// A body shorter than CONTENT_LENGTH is an incomplete request; bytes past
/// it are not part of the request (RFC 3875 §4.2).
fn check_body_length(
    mut request: Request,
    content_length: Option<u64>,
) -> Result<Request, Rejection> {
    if let Some(expected) = content_length {
        if (request.body.len() as u64) < expected {
            return Err(Rejection::Malformed("body shorter than CONTENT_LENGTH"));
        }
        request.body.truncate(expected as usize);
    }
    Ok(request)
}

/// Builds the request from the params, and returns CONTENT_LENGTH when set.
/// Values are kept as bytes; a repeated name keeps its last value, as
/// PHP-FPM does.
fn request_from_params(params: &[u8]) -> Result<(Request, Option<u64>), Rejection> {
    let pairs = parse_pairs(params).ok_or(Rejection::Malformed("bad FastCGI name-value pair"))?;
    let mut request = Request::default();
    let mut method = None;
    let mut fallbacks = Vec::new();
    for (name, value) in pairs {
        match name {
            b"REQUEST_METHOD" => method = Some(value),
            b"PATH_INFO" => request.path_info = value.to_vec(),
            b"QUERY_STRING" => request.query = value.to_vec(),
            b"REMOTE_ADDR" => request.peer = parse_ip(value),
            b"SCRIPT_FILENAME" => request.script_filename = Some(value.to_vec()),
            // nginx also forwards these as HTTP_*; the meta-variables win.
            b"HTTP_CONTENT_TYPE" | b"HTTP_CONTENT_LENGTH" => fallbacks.push((name, value)),
            _ => set_header(&mut request.headers, name, value),
        }
    }
    for (name, value) in fallbacks {
        let header = &name[b"HTTP_".len()..];
        if !has_header_param(&request, header) {
            set_header(&mut request.headers, name, value);
        }
    }
    request.method = method
        .and_then(parse_method)
        .ok_or(Rejection::Malformed("missing or invalid REQUEST_METHOD"))?;
    let content_length = match request.header("content-length") {
        None => None,
        Some(v) => Some(parse_decimal(v).ok_or(Rejection::Malformed("invalid CONTENT_LENGTH"))?),
    };
    Ok((request, content_length))
}

fn has_header_param(request: &Request, cgi_name: &[u8]) -> bool {
    let name = std::str::from_utf8(cgi_name)
        .ok()
        .and_then(http::header_name_from_cgi);
    name.is_some_and(|n| request.header(&n).is_some())
}

/// Adds (or replaces) a header when `name` is a CGI header variable.
fn set_header(headers: &mut Vec<(String, Vec<u8>)>, name: &[u8], value: &[u8]) {
    let Some(header) = std::str::from_utf8(name)
        .ok()
        .and_then(http::header_name_from_cgi)
    else {
        return;
    };
    // nginx passes CONTENT_TYPE and CONTENT_LENGTH empty when absent.
    let empty_meta = value.is_empty() && (header == "content-type" || header == "content-length");
    if header.is_empty() || empty_meta {
        return;
    }
    match headers.iter_mut().find(|(n, _)| *n == header) {
        Some(slot) => slot.1 = value.to_vec(),
        None => headers.push((header, value.to_vec())),
    }
}

/// An HTTP method token, upper-cased.
fn parse_method(value: &[u8]) -> Option<String> {
    let token = !value.is_empty() && value.len() <= 32 && value.iter().all(|&b| is_tchar(b));
    token.then(|| String::from_utf8_lossy(&value.to_ascii_uppercase()).into_owned())
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

fn parse_ip(value: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Name-value pairs (spec §3.4); `None` when a length runs past the end.
fn parse_pairs(mut data: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut pairs = Vec::new();
    while !data.is_empty() {
        let name_len = take_length(&mut data)?;
        let value_len = take_length(&mut data)?;
        let name = take(&mut data, name_len)?;
        let value = take(&mut data, value_len)?;
        pairs.push((name, value));
    }
    Some(pairs)
}

/// A length: one byte below 128, else four bytes with the top bit set.
fn take_length(data: &mut &[u8]) -> Option<usize> {
    let first = *data.first()?;
    if first & 0x80 == 0 {
        *data = &data[1..];
        return Some(usize::from(first));
    }
    let b = take(data, 4)?;
    usize::try_from(u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]])).ok()
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let whole: &'a [u8] = data;
    let (head, tail) = whole.split_at_checked(n)?;
    *data = tail;
    Some(head)
}

fn encode_pair(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    encode_length(out, name.len());
    encode_length(out, value.len());
    out.extend_from_slice(name);
    out.extend_from_slice(value);
}

fn encode_length(out: &mut Vec<u8>, len: usize) {
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => out.extend_from_slice(&(len as u32 | 0x8000_0000).to_be_bytes()),
    }
}

/// The error body the transport sends itself, in the bridge's envelope.
fn error_json(status: u16, message: &str) -> String {
    // Messages are fixed ASCII text and numbers: nothing to escape.
    format!(r#"{{"return_code":{status},"return_message":"{message}","result":null}}"#)
}

/// Buffered record writer for one connection. After a write error it
/// refuses everything, so a vanished peer costs one failed syscall.
struct Output<W: Write> {
    inner: W,
    buf: Vec<u8>,
    /// The kind of the write error that broke the connection.
    failed: Option<ErrorKind>,
}

impl<W: Write> Output<W> {
    fn new(inner: W) -> Output<W> {
        Output {
            inner,
            buf: Vec::new(),
            failed: None,
        }
    }

    /// Queues one record, padded to a multiple of 8 bytes.
    fn record(&mut self, kind: u8, id: u16, content: &[u8]) -> io::Result<()> {
        if let Some(kind) = self.failed {
            return Err(failed_earlier(kind));
        }
        let len = u16::try_from(content.len()).map_err(|_| io::Error::other("record too long"))?;
        let padding = (8 - content.len() % 8) % 8;
        self.buf
            .extend_from_slice(&record_header(kind, id, len, padding as u8));
        self.buf.extend_from_slice(content);
        self.buf.resize(self.buf.len() + padding, 0);
        if self.buf.len() >= OUTPUT_FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(kind) = self.failed {
            return Err(failed_earlier(kind));
        }
        let written = self
            .inner
            .write_all(&self.buf)
            .and_then(|()| self.inner.flush());
        self.buf.clear();
        if let Err(e) = &written {
            self.failed = Some(e.kind());
        }
        written
    }
}

fn failed_earlier(kind: ErrorKind) -> io::Error {
    io::Error::new(kind, format!("an earlier write failed: {kind}"))
}

/// The handler's view of one response: CGI-style headers, then the body,
/// carried in FCGI_STDOUT records.
struct StdoutSink<'a, W: Write> {
    out: &'a mut Output<W>,
    id: u16,
    pending: Vec<u8>,
    started: bool,
}

impl<'a, W: Write> StdoutSink<'a, W> {
    fn new(out: &'a mut Output<W>, id: u16) -> StdoutSink<'a, W> {
        StdoutSink {
            out,
            id,
            pending: Vec::new(),
            started: false,
        }
    }

    /// Turns the collected bytes into records.
    fn emit(&mut self) -> io::Result<()> {
        for chunk in self.pending.chunks(RECORD_CHUNK) {
            self.out.record(STDOUT, self.id, chunk)?;
        }
        self.pending.clear();
        Ok(())
    }

    /// Last body bytes and the empty record that closes FCGI_STDOUT.
    fn finish(mut self) -> io::Result<()> {
        self.emit()?;
        self.out.record(STDOUT, self.id, &[])
    }
}

impl<W: Write> Write for StdoutSink<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.started {
            return Err(io::Error::new(
                ErrorKind::InvalidInput,
                "body written before start()",
            ));
        }
        if let Some(kind) = self.out.failed {
            return Err(failed_earlier(kind));
        }
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= STDOUT_CHUNK {
            self.emit()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit()?;
        self.out.flush()
    }
}

impl<W: Write> ResponseSink for StdoutSink<'_, W> {
    fn start(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        if self.started {
            return Err(io::Error::new(
                ErrorKind::InvalidInput,
                "start() called twice",
            ));
        }
        let head = response_head(status, headers)?;
        self.pending.extend_from_slice(&head);
        self.started = true;
        Ok(())
    }
}

/// `Status:` line, headers and the blank line. A header that could split
/// the head (CR, LF, a bad name) is refused rather than sent.
fn response_head(status: u16, headers: &[(&str, &str)]) -> io::Result<Vec<u8>> {
    if !(100..=999).contains(&status) {
        return Err(io::Error::new(ErrorKind::InvalidInput, "bad status code"));
    }
    let mut head = format!("Status: {status} {}\r\n", http::reason_phrase(status)).into_bytes();
    for (name, value) in headers {
        let name_ok = !name.is_empty() && name.bytes().all(is_tchar);
        let value_ok = !value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
        if !name_ok || !value_ok {
            return Err(io::Error::new(
                ErrorKind::InvalidInput,
                "bad response header",
            ));
        }
        head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    const MIB: usize = 1 << 20;

    fn options() -> Options {
        Options {
            max_body_bytes: 2 * MIB as u64,
            max_connections: 8,
            web_server_addrs: None,
        }
    }

    fn unique_socket_path() -> PathBuf {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        std::env::temp_dir().join(format!("cbfcgi-{}-{n}.sock", std::process::id()))
    }

    /// Routes on PATH_INFO; by default describes the request it got.
    fn test_handler(request: Request, sink: &mut dyn ResponseSink) {
        match request.path_info.as_slice() {
            b"/panic" => panic!("test handler panics on purpose"),
            b"/silent" => {}
            b"/echo" => {
                let _ = http::respond(sink, 200, "application/octet-stream", &request.body);
            }
            _ => {
                let _ = http::respond(sink, 200, "text/plain", &describe(&request));
            }
        }
    }

    fn describe(request: &Request) -> Vec<u8> {
        let mut out = Vec::new();
        let mut line = |name: &str, value: &[u8]| {
            out.extend_from_slice(name.as_bytes());
            out.push(b'=');
            out.extend_from_slice(value);
            out.push(b'\n');
        };
        line("method", request.method.as_bytes());
        line("path", &request.path_info);
        line("query", &request.query);
        for (name, value) in &request.headers {
            line(&format!("h:{name}"), value);
        }
        line("peer", format!("{:?}", request.peer).as_bytes());
        line("script", request.script_filename.as_deref().unwrap_or(b"-"));
        line("body", request.body.len().to_string().as_bytes());
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    fn params(method: &str, path: &[u8], extra: &[(&str, &[u8])]) -> Pairs {
        let mut pairs = vec![
            (b"REQUEST_METHOD".to_vec(), method.as_bytes().to_vec()),
            (b"PATH_INFO".to_vec(), path.to_vec()),
        ];
        pairs.extend(
            extra
                .iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.to_vec())),
        );
        pairs
    }

    enum Target {
        Unix(PathBuf),
        Tcp(SocketAddr),
    }

    struct TestServer {
        stop: Arc<Stop>,
        thread: Option<thread::JoinHandle<io::Result<()>>>,
        target: Target,
    }

    impl TestServer {
        fn unix(options: Options) -> TestServer {
            let path = unique_socket_path();
            let listener = Listener::bind(path.to_str().unwrap()).unwrap();
            TestServer::start(listener, Target::Unix(path), options)
        }

        fn tcp(options: Options) -> TestServer {
            let listener = Listener::bind("127.0.0.1:0").unwrap();
            let Listener::Tcp(tcp) = &listener else {
                unreachable!()
            };
            let addr = tcp.local_addr().unwrap();
            TestServer::start(listener, Target::Tcp(addr), options)
        }

        fn start(listener: Listener, target: Target, options: Options) -> TestServer {
            let stop = Arc::new(Stop::new().unwrap());
            let thread_stop = Arc::clone(&stop);
            let thread =
                thread::spawn(move || serve_until(listener, &options, &test_handler, &thread_stop));
            TestServer {
                stop,
                thread: Some(thread),
                target,
            }
        }

        fn connect(&self) -> Client {
            match &self.target {
                Target::Unix(path) => Client::new(Stream::Unix(UnixStream::connect(path).unwrap())),
                Target::Tcp(addr) => Client::new(Stream::Tcp(TcpStream::connect(addr).unwrap())),
            }
        }

        fn shutdown(mut self) -> io::Result<()> {
            self.stop.request();
            self.thread.take().unwrap().join().unwrap()
        }
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            if let Some(thread) = self.thread.take() {
                self.stop.request();
                let _ = thread.join();
            }
            if let Target::Unix(path) = &self.target {
                let _ = fs::remove_file(path);
            }
        }
    }

    impl Stream {
        fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
            match self {
                Stream::Tcp(s) => s.set_read_timeout(Some(timeout)),
                Stream::Unix(s) => s.set_read_timeout(Some(timeout)),
            }
        }
    }

    /// A minimal FastCGI client: the web server's side of the protocol.
    struct Client {
        stream: Stream,
    }

    #[derive(Debug)]
    struct Reply {
        status: u16,
        head: String,
        body: Vec<u8>,
        protocol_status: u8,
    }

    impl Client {
        fn new(stream: Stream) -> Client {
            stream.set_read_timeout(Duration::from_secs(5)).unwrap();
            Client { stream }
        }

        fn send(&mut self, kind: u8, id: u16, content: &[u8]) {
            // Odd padding lengths prove the server skips padding by length.
            let padding = content.len() % 3;
            let len = u16::try_from(content.len()).unwrap();
            let mut record = record_header(kind, id, len, padding as u8).to_vec();
            record.extend_from_slice(content);
            record.resize(record.len() + padding, 0xAA);
            self.write_raw(&record);
        }

        fn write_raw(&mut self, bytes: &[u8]) {
            (&self.stream).write_all(bytes).unwrap();
        }

        fn begin(&mut self, id: u16, role: u16, keep_conn: bool) {
            let [hi, lo] = role.to_be_bytes();
            self.send(
                BEGIN_REQUEST,
                id,
                &[hi, lo, u8::from(keep_conn), 0, 0, 0, 0, 0],
            );
        }

        /// `data` cut into records of `chunk` bytes, then the empty record.
        fn stream_records(&mut self, kind: u8, id: u16, data: &[u8], chunk: usize) {
            for part in data.chunks(chunk) {
                self.send(kind, id, part);
            }
            self.send(kind, id, &[]);
        }

        fn params(&mut self, id: u16, pairs: &Pairs, chunk: usize) {
            let mut bytes = Vec::new();
            for (name, value) in pairs {
                encode_pair(&mut bytes, name, value);
            }
            self.stream_records(PARAMS, id, &bytes, chunk);
        }

        fn read_record(&mut self) -> Option<(u8, u16, Vec<u8>)> {
            let mut raw = [0u8; HEADER_LEN];
            if !read_exact_or_eof(&mut &self.stream, &mut raw).ok()? {
                return None;
            }
            let header = Header::parse(&raw).unwrap();
            let mut content = vec![0; header.content_len + header.padding_len];
            (&self.stream).read_exact(&mut content).ok()?;
            assert_eq!(
                (HEADER_LEN + content.len()) % 8,
                0,
                "records are padded to 8 bytes"
            );
            content.truncate(header.content_len);
            Some((header.kind, header.id, content))
        }

        /// Reads STDOUT records up to END_REQUEST for `id`.
        fn reply(&mut self, id: u16) -> Reply {
            let mut stdout = Vec::new();
            let mut stdout_closed = false;
            loop {
                let (kind, rid, content) = self.read_record().expect("a record");
                assert_eq!(rid, id);
                match kind {
                    STDOUT if content.is_empty() => stdout_closed = true,
                    STDOUT => stdout.extend_from_slice(&content),
                    END_REQUEST => {
                        assert!(
                            stdout_closed || stdout.is_empty(),
                            "STDOUT must end with an empty record"
                        );
                        return Reply::parse(&stdout, content[4]);
                    }
                    other => panic!("unexpected record type {other}"),
                }
            }
        }

        fn request(&mut self, id: u16, keep_conn: bool, pairs: &Pairs, body: &[u8]) -> Reply {
            self.begin(id, RESPONDER, keep_conn);
            self.params(id, pairs, 1000);
            self.stream_records(STDIN, id, body, 16 * 1024);
            self.reply(id)
        }

        /// True when the server has closed (EOF or reset) the connection.
        fn closed_by_server(&mut self) -> bool {
            let mut byte = [0u8; 1];
            loop {
                match (&self.stream).read(&mut byte) {
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Ok(0) => return true,
                    Ok(_) => return false,
                    Err(e) => return e.kind() != ErrorKind::WouldBlock,
                }
            }
        }
    }

    impl Reply {
        fn parse(stdout: &[u8], protocol_status: u8) -> Reply {
            let split = stdout
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .unwrap_or(stdout.len());
            let head = String::from_utf8(stdout[..split].to_vec()).unwrap();
            let status = head
                .strip_prefix("Status: ")
                .and_then(|s| s.get(..3))
                .map_or(0, |s| s.parse().unwrap());
            let body = stdout.get(split + 4..).unwrap_or_default().to_vec();
            Reply {
                status,
                head,
                body,
                protocol_status,
            }
        }
    }

    #[test]
    fn get_with_params_over_unix_socket() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        let pairs = params(
            "get",
            b"/status",
            &[
                ("QUERY_STRING", b"a=1&b=2"),
                ("HTTP_X_CARTBRIDGE_KEY", b"k1"),
                ("REMOTE_ADDR", b"203.0.113.7"),
                ("SCRIPT_FILENAME", b"/srv/www/bridge.fcgi"),
                ("CONTENT_TYPE", b""),
                ("CONTENT_LENGTH", b""),
                ("GATEWAY_INTERFACE", b"CGI/1.1"),
            ],
        );
        let reply = client.request(1, false, &pairs, b"");
        assert_eq!(
            (reply.status, reply.protocol_status),
            (200, REQUEST_COMPLETE)
        );
        assert!(
            reply.head.contains("\r\nContent-Type: text/plain"),
            "{}",
            reply.head
        );
        for line in [
            &b"method=GET\n"[..],
            b"path=/status\n",
            b"query=a=1&b=2\n",
            b"h:x-cartbridge-key=k1\n",
            b"peer=Some(203.0.113.7)\n",
            b"script=/srv/www/bridge.fcgi\n",
            b"body=0\n",
        ] {
            assert!(
                contains(&reply.body, line),
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
        }
        assert!(
            !contains(&reply.body, b"h:content-"),
            "empty CONTENT_* are not headers"
        );
        assert!(
            client.closed_by_server(),
            "no FCGI_KEEP_CONN: server closes"
        );
        server.shutdown().unwrap();
    }

    #[test]
    fn post_of_one_mib_in_many_records_over_tcp() {
        let server = TestServer::tcp(options());
        let mut client = server.connect();
        let body: Vec<u8> = (0..MIB).map(|i| (i * 7 % 251) as u8).collect();
        let length = body.len().to_string();
        let pairs = params("POST", b"/echo", &[("CONTENT_LENGTH", length.as_bytes())]);
        client.begin(1, RESPONDER, false);
        client.params(1, &pairs, 100);
        client.stream_records(STDIN, 1, &body, 10_000);
        let reply = client.reply(1);
        assert_eq!(reply.status, 200);
        assert!(reply.head.contains(&format!("Content-Length: {}", MIB)));
        assert!(reply.body == body, "echoed body differs");
        server.shutdown().unwrap();
    }

    #[test]
    fn keep_alive_serves_three_requests_on_one_connection() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        for id in 1..=3u16 {
            let path = format!("/n{id}");
            let reply = client.request(id, true, &params("GET", path.as_bytes(), &[]), b"");
            assert_eq!(reply.status, 200);
            assert!(contains(&reply.body, format!("path={path}\n").as_bytes()));
        }
        drop(client);
        server.shutdown().unwrap();
    }

    #[test]
    fn non_utf8_params_arrive_intact_and_later_params_survive() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        let pairs = params(
            "GET",
            b"/\xFF\xFE/x",
            &[
                ("HTTP_X_ODD", b"\xC3\x28 v"),
                ("QUERY_STRING", b"x=1"),
                ("HTTP_X_LATER", b"after"),
                ("HTTP_X_LONG", &[b'l'; 300]),
            ],
        );
        client.begin(1, RESPONDER, false);
        // 7-byte records split names, values and length prefixes.
        client.params(1, &pairs, 7);
        client.stream_records(STDIN, 1, b"", 1);
        let reply = client.reply(1);
        assert_eq!(reply.status, 200);
        assert!(contains(&reply.body, b"path=/\xFF\xFE/x\n"));
        assert!(contains(&reply.body, b"h:x-odd=\xC3\x28 v\n"));
        assert!(contains(&reply.body, b"query=x=1\n"));
        assert!(contains(&reply.body, b"h:x-later=after\n"));
        assert!(contains(&reply.body, &[b'l'; 300]));
        server.shutdown().unwrap();
    }

    #[test]
    fn over_limit_body_gets_413_and_the_connection_goes_on() {
        let server = TestServer::tcp(Options {
            max_body_bytes: 1000,
            ..options()
        });
        let mut client = server.connect();
        let expected = br#"{"return_code":413,"return_message":"request body too large: limit is 1000 bytes","result":null}"#;

        // Declared too large.
        let pairs = params("POST", b"/echo", &[("CONTENT_LENGTH", b"5000")]);
        let reply = client.request(1, true, &pairs, &[1; 5000]);
        assert_eq!(reply.status, 413);
        assert_eq!(reply.body, expected);
        assert!(reply.head.contains("Content-Type: application/json"));

        // No CONTENT_LENGTH; found too large while streaming.
        let reply = client.request(2, true, &params("POST", b"/echo", &[]), &[2; 3000]);
        assert_eq!(reply.status, 413);
        assert_eq!(reply.body, expected);

        let pairs = params("POST", b"/echo", &[("CONTENT_LENGTH", b"1000")]);
        let reply = client.request(3, true, &pairs, &[3; 1000]);
        assert_eq!((reply.status, reply.body.len()), (200, 1000));
        server.shutdown().unwrap();
    }

    #[test]
    fn body_shorter_than_content_length_is_400() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        let pairs = params("POST", b"/echo", &[("CONTENT_LENGTH", b"10")]);
        let reply = client.request(1, true, &pairs, b"short");
        assert_eq!(reply.status, 400);
        let pairs = params("POST", b"/echo", &[("CONTENT_LENGTH", b"ten")]);
        let reply = client.request(2, true, &pairs, b"");
        assert_eq!(reply.status, 400);
        server.shutdown().unwrap();
    }

    #[test]
    fn missing_request_method_is_400() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        let pairs = vec![(b"PATH_INFO".to_vec(), b"/x".to_vec())];
        let reply = client.request(1, true, &pairs, b"");
        assert_eq!(reply.status, 400);
        assert!(contains(&reply.body, b"REQUEST_METHOD"));
        let reply = client.request(2, true, &params("GET", b"/x", &[]), b"");
        assert_eq!(reply.status, 200);
        server.shutdown().unwrap();
    }

    #[test]
    fn garbage_closes_the_connection_and_the_server_keeps_serving() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        client.write_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(client.closed_by_server());

        let mut client = server.connect();
        client.write_raw(&record_header(BEGIN_REQUEST, 1, 8, 0)[..]);
        client.write_raw(&[0, 1, 0, 0, 0, 0, 0, 0]);
        client.write_raw(&[2, PARAMS, 0, 1, 0, 0, 0, 0]); // version 2
        assert!(client.closed_by_server());

        let mut client = server.connect();
        let reply = client.request(1, false, &params("GET", b"/x", &[]), b"");
        assert_eq!(reply.status, 200);
        server.shutdown().unwrap();
    }

    #[test]
    fn peer_closing_mid_request_leaves_the_server_running() {
        let server = TestServer::tcp(options());
        let mut client = server.connect();
        client.begin(1, RESPONDER, true);
        client.send(PARAMS, 1, b"\x0e\x03REQUEST_METHODGET");
        drop(client);

        let mut client = server.connect();
        client.write_raw(&record_header(STDIN, 1, 100, 0)[..]);
        client.write_raw(&[0; 10]); // content cut short
        drop(client);

        let mut client = server.connect();
        client.write_raw(&[1, BEGIN_REQUEST, 0]); // header cut short
        drop(client);

        // Gone before reading a 1 MiB answer: the server's writes fail.
        let mut client = server.connect();
        client.begin(1, RESPONDER, true);
        client.params(1, &params("POST", b"/echo", &[]), 1000);
        client.stream_records(STDIN, 1, &vec![7; MIB], 60_000);
        drop(client);

        let mut client = server.connect();
        let reply = client.request(1, false, &params("GET", b"/x", &[]), b"");
        assert_eq!(reply.status, 200);
        server.shutdown().unwrap();
    }

    #[test]
    fn get_values_reports_limits() {
        let server = TestServer::unix(Options {
            max_connections: 5,
            ..options()
        });
        let mut client = server.connect();
        let mut asked = Vec::new();
        for name in [
            "FCGI_MAX_CONNS",
            "FCGI_MAX_REQS",
            "FCGI_MPXS_CONNS",
            "SOMETHING_ELSE",
        ] {
            encode_pair(&mut asked, name.as_bytes(), b"");
        }
        client.send(GET_VALUES, 0, &asked);
        let (kind, id, content) = client.read_record().unwrap();
        assert_eq!((kind, id), (GET_VALUES_RESULT, 0));
        let answer = parse_pairs(&content).unwrap();
        let expected: Vec<(&[u8], &[u8])> = vec![
            (b"FCGI_MAX_CONNS", b"5"),
            (b"FCGI_MAX_REQS", b"5"),
            (b"FCGI_MPXS_CONNS", b"0"),
        ];
        assert_eq!(answer, expected);
        server.shutdown().unwrap();
    }

    #[test]
    fn handler_panic_or_silence_gets_500_and_the_connection_survives() {
        let server = TestServer::unix(options());
        let mut client = server.connect();
        let reply = client.request(1, true, &params("GET", b"/panic", &[]), b"");
        assert_eq!(reply.status, 500);
        assert!(contains(&reply.body, br#""return_code":500"#));
        let reply = client.request(2, true, &params("GET", b"/silent", &[]), b"");
        assert_eq!(reply.status, 500);
        let reply = client.request(3, true, &params("GET", b"/x", &[]), b"");
        assert_eq!(reply.status, 200);
        server.shutdown().unwrap();
    }

    #[test]
    fn multiplexing_roles_types_and_abort() {
        let server = TestServer::unix(options());
        let mut client = server.connect();

        // A second request while one is active is refused by id.
        client.begin(1, RESPONDER, true);
        client.begin(2, RESPONDER, true);
        let (kind, id, content) = client.read_record().unwrap();
        assert_eq!((kind, id, content[4]), (END_REQUEST, 2, CANT_MPX_CONN));
        client.params(1, &params("GET", b"/first", &[]), 1000);
        client.stream_records(STDIN, 1, b"", 1);
        assert!(contains(&client.reply(1).body, b"path=/first\n"));

        // The authorizer role is not served.
        client.begin(3, 2, true);
        let (kind, id, content) = client.read_record().unwrap();
        assert_eq!((kind, id, content[4]), (END_REQUEST, 3, UNKNOWN_ROLE));

        client.send(42, 0, b"");
        let (kind, id, content) = client.read_record().unwrap();
        assert_eq!((kind, id, content[0]), (UNKNOWN_TYPE, 0, 42));

        // Abort before the body ends: the request ends, nothing is served.
        client.begin(4, RESPONDER, true);
        client.params(4, &params("GET", b"/aborted", &[]), 1000);
        client.send(ABORT_REQUEST, 4, b"");
        let reply = client.reply(4);
        assert_eq!((reply.status, reply.protocol_status), (0, REQUEST_COMPLETE));

        let reply = client.request(5, true, &params("GET", b"/after", &[]), b"");
        assert!(contains(&reply.body, b"path=/after\n"));
        server.shutdown().unwrap();
    }

    #[test]
    fn web_server_addrs_refuse_other_tcp_peers() {
        let elsewhere = Some(vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))]);
        let server = TestServer::tcp(Options {
            web_server_addrs: elsewhere,
            ..options()
        });
        assert!(server.connect().closed_by_server());
        server.shutdown().unwrap();

        let local = Some(vec!["::ffff:127.0.0.1".parse().unwrap()]);
        let server = TestServer::tcp(Options {
            web_server_addrs: local,
            ..options()
        });
        let reply = server
            .connect()
            .request(1, false, &params("GET", b"/x", &[]), b"");
        assert_eq!(reply.status, 200);
        server.shutdown().unwrap();
    }

    #[test]
    fn web_server_addrs_parse() {
        assert_eq!(parse_web_server_addrs(""), None);
        assert_eq!(parse_web_server_addrs("  "), None);
        let list = parse_web_server_addrs("127.0.0.1, ::1,,bogus").unwrap();
        assert_eq!(
            list,
            vec![
                IpAddr::from([127, 0, 0, 1]),
                "::1".parse::<IpAddr>().unwrap()
            ]
        );
        assert_eq!(parse_web_server_addrs("bogus"), Some(Vec::new()));
    }

    #[test]
    fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
        let server = TestServer::unix(options());
        let mut idle = server.connect();
        assert_eq!(
            idle.request(1, true, &params("GET", b"/x", &[]), b"")
                .status,
            200
        );
        let mut busy = server.connect();
        busy.begin(1, RESPONDER, true);
        busy.params(1, &params("POST", b"/echo", &[]), 1000);
        // Records are handled in order: once GET_VALUES is answered, the
        // request above is active on the server.
        busy.send(GET_VALUES, 0, b"");
        assert_eq!(busy.read_record().unwrap().0, GET_VALUES_RESULT);

        server.stop.request();
        assert!(idle.closed_by_server());
        busy.stream_records(STDIN, 1, b"late body", 100);
        let reply = busy.reply(1);
        assert_eq!(
            (reply.status, reply.body.as_slice()),
            (200, &b"late body"[..])
        );
        assert!(busy.closed_by_server(), "no keep-alive once stopping");
        server.shutdown().unwrap();
    }

    #[test]
    fn extra_connections_wait_for_a_free_slot() {
        let server = TestServer::unix(Options {
            max_connections: 1,
            ..options()
        });
        let mut first = server.connect();
        assert_eq!(
            first
                .request(1, true, &params("GET", b"/x", &[]), b"")
                .status,
            200
        );
        let mut second = server.connect();
        second.begin(1, RESPONDER, true);
        second.params(1, &params("GET", b"/second", &[]), 1000);
        second.stream_records(STDIN, 1, b"", 1);
        second
            .stream
            .set_read_timeout(Duration::from_millis(60))
            .unwrap();
        let mut byte = [0u8; 1];
        let waiting = (&second.stream).read(&mut byte);
        assert!(
            waiting.is_err(),
            "second connection must wait, got {waiting:?}"
        );
        drop(first);
        second
            .stream
            .set_read_timeout(Duration::from_secs(5))
            .unwrap();
        assert!(contains(&second.reply(1).body, b"path=/second\n"));
        server.shutdown().unwrap();
    }

    #[test]
    fn sigterm_stops_serve() {
        let path = unique_socket_path();
        let listener = Listener::bind(path.to_str().unwrap()).unwrap();
        let server = thread::spawn(move || serve(listener, &options(), &test_handler));
        // A served request proves the handlers are installed.
        let mut client = Client::new(Stream::Unix(UnixStream::connect(&path).unwrap()));
        let reply = client.request(1, true, &params("GET", b"/x", &[]), b"");
        assert_eq!(reply.status, 200);
        // SAFETY: kill() on our own pid; serve() handles SIGTERM right now.
        assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGTERM) }, 0);
        assert!(client.closed_by_server());
        server.join().unwrap().unwrap();
        let _ = fs::remove_file(&path);
    }

    #[test]
    fn only_a_listening_socket_is_taken_over() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert!(listener_from_fd(a.as_raw_fd()).is_none());
        let file = fs::File::open("/dev/null").unwrap();
        assert!(listener_from_fd(file.as_raw_fd()).is_none());
        // SAFETY: F_GETFD only checks the fds are still open (not taken).
        assert!(unsafe { libc::fcntl(a.as_raw_fd(), libc::F_GETFD) } >= 0);
        assert!(unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFD) } >= 0);

        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        // SAFETY: dup() of an open fd; the copy is handed to listener_from_fd.
        let fd = unsafe { libc::dup(tcp.as_raw_fd()) };
        assert!(matches!(listener_from_fd(fd), Some(Listener::Tcp(_))));

        let path = unique_socket_path();
        let unix = UnixListener::bind(&path).unwrap();
        // SAFETY: as above.
        let fd = unsafe { libc::dup(unix.as_raw_fd()) };
        assert!(matches!(listener_from_fd(fd), Some(Listener::Unix(_))));
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn bind_replaces_only_stale_sockets_and_sets_the_mode() {
        let path = unique_socket_path();
        let address = path.to_str().unwrap();
        drop(UnixListener::bind(&path).unwrap()); // leaves a stale file
        let live = Listener::bind(address).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o660);
        let err = Listener::bind(address).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        drop(live);
        fs::remove_file(&path).unwrap();

        fs::write(&path, b"not a socket").unwrap();
        assert_eq!(
            Listener::bind(address).unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        fs::remove_file(&path).unwrap();

        let with_prefix = format!("unix:{address}");
        assert!(matches!(
            Listener::bind_with_mode(&with_prefix, 0o666),
            Ok(Listener::Unix(_))
        ));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o666
        );
        fs::remove_file(&path).unwrap();

        assert!(matches!(
            Listener::bind("127.0.0.1:0"),
            Ok(Listener::Tcp(_))
        ));
        assert!(matches!(
            Listener::bind("localhost:0"),
            Ok(Listener::Tcp(_))
        ));
        assert!(looks_like_host_port("[::1]:9000") && !looks_like_host_port("run/app.sock"));
    }

    #[test]
    fn name_value_pairs_round_trip_both_length_forms() {
        let long = vec![b'v'; 70_000];
        let mut bytes = Vec::new();
        encode_pair(&mut bytes, b"A", b"");
        encode_pair(&mut bytes, &[b'n'; 127], &long);
        encode_pair(&mut bytes, &[b'n'; 128], b"\xFF");
        let pairs = parse_pairs(&bytes).unwrap();
        assert_eq!(pairs.len(), 3);
        assert_eq!((pairs[1].0.len(), pairs[1].1.len()), (127, 70_000));
        assert_eq!((pairs[2].0.len(), pairs[2].1), (128, &b"\xFF"[..]));
        assert!(parse_pairs(&bytes[..bytes.len() - 1]).is_none());
        assert!(parse_pairs(b"\x80\x00").is_none());
    }

    #[test]
    fn headers_prefer_meta_variables_and_last_value_wins() {
        let mut bytes = Vec::new();
        for (name, value) in [
            (&b"HTTP_CONTENT_TYPE"[..], &b"text/plain"[..]),
            (b"CONTENT_TYPE", b"application/json"),
            (b"HTTP_CONTENT_LENGTH", b"7"),
            (b"HTTP_X_A", b"1"),
            (b"HTTP_X_A", b"2"),
            (b"REQUEST_METHOD", b"post"),
        ] {
            encode_pair(&mut bytes, name, value);
        }
        let (request, length) = request_from_params(&bytes).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.header("content-type"),
            Some(&b"application/json"[..])
        );
        assert_eq!(request.header("x-a"), Some(&b"2"[..]));
        assert_eq!(length, Some(7));
        assert!(request_from_params(b"\x0e\x04REQUEST_METHODG T").is_err());
    }

    #[test]
    fn response_head_refuses_header_injection() {
        let head = response_head(200, &[("Content-Type", "text/plain")]).unwrap();
        assert_eq!(head, b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
        assert!(response_head(200, &[("X", "a\r\nSet-Cookie: x")]).is_err());
        assert!(response_head(200, &[("Bad Name", "v")]).is_err());
        assert!(response_head(42, &[]).is_err());

        let mut out = Output::new(Vec::new());
        let mut sink = StdoutSink::new(&mut out, 1);
        assert!(sink.write(b"early").is_err());
        sink.start(204, &[]).unwrap();
        assert!(sink.start(200, &[]).is_err());
    }
}
