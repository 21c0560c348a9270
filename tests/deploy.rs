//! Remote deploy on real servers: pyftpdlib (tests/deploy_support/ftpd.py) on loopback as the
//! shop's FTP and FTPS server, nginx with the shipped locations and fcgiwrap serving the shop.
//! `cartbridge deploy` into an OpenCart shop on MariaDB ends with the doctor's signed
//! `cart.info` green and our own signed call with the printed key; the password is in no file,
//! log or process argument list afterwards; `undeploy` leaves the shop byte for byte as it
//! was; a folder that is no shop and an existing bridge without --replace are refused;
//! --replace keeps a backup that --rollback restores byte for byte; an upload the server
//! stores in ASCII mode is detected and the previous bridge put back.
//!
//! SFTP against a private OpenSSH sshd on loopback (its own host key and config, root's
//! password in a private /etc/shadow inside a mount namespace): password (plain and PAM
//! prompt) and encrypted-key logins, the bridge's address read from the shop's config.php,
//! uploads checked by read-back or by the server's sha256sum, a deploy the server stops half
//! way rolled back byte for byte, unknown and changed host keys refused with the fingerprint.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::shop::{self, envelope, sign_native_as, Shop};
use common::{binary, fixture, free_port, fresh_database, http, ShippedBackend, WebServer};

const PASSWORD: &str = "cb12-Secret-Pw-7731";
const USER: &str = "shopowner";

/// A pyftpdlib server on loopback, killed on drop.
struct Ftpd {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Ftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ftpd(home: &Path, logdir: &Path, extra: &[&str]) -> Ftpd {
    let port = free_port();
    let log = logdir.join(format!("ftpd-{port}.log"));
    let mut child = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/deploy_support/ftpd.py"))
        .arg(port.to_string())
        .arg(home)
        .arg(USER)
        .args(extra)
        .env("CB12_FTP_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .expect("python3 (tests/services.sh installs pyftpdlib)");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(
        line.trim(),
        "ready",
        "ftpd.py did not start: {}",
        fs::read_to_string(&log).unwrap_or_default()
    );
    Ftpd { child, port, log }
}

struct Run {
    code: i32,
    text: String,
}

/// `cartbridge <args>` with the password in the environment only.
fn cartbridge(args: &[&str]) -> Run {
    let out = Command::new(binary())
        .args(args)
        .env("CARTBRIDGE_DEPLOY_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("run cartbridge");
    Run {
        code: out.status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Every file under `root` with its bytes (and every folder, as None): a
/// byte-for-byte picture of a tree.
fn snapshot(root: &Path) -> Tree {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if entry.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                stack.push(path);
            } else {
                out.insert(rel, Some(fs::read(&path).unwrap_or_default()));
            }
        }
    }
    out
}

type Tree = BTreeMap<PathBuf, Option<Vec<u8>>>;

/// Two pictures of a tree are the same, byte for byte (the message names
/// the paths that differ, not the bytes).
fn assert_same_tree(now: &Tree, before: &Tree, what: &str) {
    let differ: Vec<&PathBuf> = now
        .keys()
        .chain(before.keys())
        .filter(|p| now.get(*p) != before.get(*p))
        .collect();
    assert!(differ.is_empty(), "{what}: these differ: {differ:?}");
}

/// The password is in no file under `dirs` and in no process's arguments.
fn assert_password_nowhere(dirs: &[&Path]) {
    for dir in dirs {
        for (path, bytes) in snapshot(dir) {
            if let Some(bytes) = bytes {
                assert!(
                    !bytes
                        .windows(PASSWORD.len())
                        .any(|w| w == PASSWORD.as_bytes()),
                    "the password is in {}",
                    dir.join(path).display()
                );
            }
        }
    }
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            assert!(
                !cmdline
                    .windows(PASSWORD.len())
                    .any(|w| w == PASSWORD.as_bytes()),
                "the password is in the arguments of process {:?}",
                entry.file_name()
            );
        }
    }
}

fn word_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let rest = text
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker:?} in:\n{text}"));
    rest.split_whitespace().next().unwrap().trim_matches('\'')
}

/// A fake shop for the refusals (detection needs only the files).
fn fake_shop(dir: &Path) -> PathBuf {
    let root = dir.join("shop");
    fs::create_dir_all(root.join("system")).unwrap();
    fs::write(root.join("config.php"), "<?php // a shop\n").unwrap();
    fs::write(root.join("system/startup.php"), "<?php\n").unwrap();
    root
}

/// Deploys into a real shop served by nginx, over FTP or FTPS; the
/// deploy's own signed cart.info is green, so is ours; undeploy restores
/// the shop byte for byte.
fn deploy_end_to_end(db_name: &str, tls: bool) {
    let db = fresh_database(db_name, &[&fixture("opencart-3.0.3.8.sql")]);
    let shop: Shop = shop::opencart_without_bridge(&db, "3.0.3.8");
    let logs = tempfile::tempdir().unwrap();
    let (scheme, extra, ca) = if tls {
        let (cert, key, ca) = certificates(logs.path());
        (
            "ftps",
            vec!["--tls".to_string(), cert, key],
            vec!["--ca-file".to_string(), ca],
        )
    } else {
        ("ftp", Vec::new(), Vec::new())
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let ftp = ftpd(&shop.root, logs.path(), &extra);
    let server = WebServer::nginx_shipped(
        &shop.root,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("install/nginx/cartbridge.conf"),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("install/nginx/upstream-fcgiwrap.conf"),
        ShippedBackend::Fcgiwrap,
    );
    let before = snapshot(&shop.root);
    let target = format!("{scheme}://{USER}@127.0.0.1:{}/", ftp.port);
    let url = format!("http://127.0.0.1:{}/", server.port);
    let mut args = vec!["deploy", &target, "--url", &url];
    args.extend(ca.iter().map(String::as_str));
    let run = cartbridge(&args);
    assert_eq!(run.code, 0, "{}", run.text);
    assert!(run.text.contains("SHA-256 checked"), "{}", run.text);
    assert!(
        run.text.contains("cart.info signed with key 'gateway'"),
        "{}",
        run.text
    );
    assert!(
        run.text.contains("All checks passed") || run.text.contains("No problem to fix"),
        "{}",
        run.text
    );

    let installed = shop.root.join("bridge2cart");
    assert_eq!(
        fs::read(installed.join("cartbridge")).unwrap(),
        fs::read(binary()).unwrap()
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: PathBuf| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(installed.clone()), 0o755);
    assert_eq!(mode(installed.join("cartbridge")), 0o755);
    assert_eq!(mode(installed.join(".cartbridge/config.toml")), 0o600);

    // Our own signed call with the key deploy printed once.
    let (id, secret) = (
        word_after(&run.text, "created  API key "),
        word_after(&run.text, " with secret "),
    );
    let (headers, _) = sign_native_as(id, secret, "GET", "/cart.info.json", &[], b"");
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = http(
        server.port,
        "GET",
        "/bridge2cart/cartbridge/cart.info.json",
        &headers,
        b"",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(envelope(&answer.body)["result"]["store_name"], "Your Store");

    assert_password_nowhere(&[&shop.root, logs.path(), server.dir()]);
    assert!(fs::read_to_string(&ftp.log).unwrap().contains("logged in"));

    let mut args = vec!["undeploy", &target];
    args.extend(ca.iter().map(String::as_str));
    let run = cartbridge(&args);
    assert_eq!(run.code, 0, "{}", run.text);
    assert_eq!(
        snapshot(&shop.root),
        before,
        "undeploy must leave the shop as it was"
    );
    db.drop_database();
}

/// A CA and a server certificate for 127.0.0.1 signed by it (openssl).
fn certificates(dir: &Path) -> (String, String, String) {
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=cb12 test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("srv.key"),
        "-out",
        &p("srv.csr"),
        "-subj",
        "/CN=localhost",
    ]);
    fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("srv.csr"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-out",
        &p("srv.pem"),
        "-days",
        "2",
        "-extfile",
        &p("ext.cnf"),
    ]);
    (p("srv.pem"), p("srv.key"), p("ca.pem"))
}

#[test]
fn ftp_deploy_ends_with_a_green_signed_call_and_undeploy_restores_the_shop() {
    deploy_end_to_end("cb12_ftp", false);
}

#[test]
fn ftps_deploy_ends_with_a_green_signed_call_and_undeploy_restores_the_shop() {
    deploy_end_to_end("cb12_ftps", true);
}

#[test]
fn refusals_replace_and_rollback_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    fs::create_dir_all(dir.path().join("empty")).unwrap();
    let ftp = ftpd(dir.path(), dir.path(), &[]);
    let at = |path: &str| format!("ftp://{USER}@127.0.0.1:{}/{path}", ftp.port);

    let run = cartbridge(&["deploy", &at("empty")]);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(
        run.text.contains("no shop platform found in /empty"),
        "{}",
        run.text
    );
    assert!(fs::read_dir(dir.path().join("empty"))
        .unwrap()
        .next()
        .is_none());

    let run = cartbridge(&[
        "deploy",
        &format!("ftp://{USER}:{PASSWORD}@127.0.0.1:{}/shop", ftp.port),
    ]);
    assert_eq!(run.code, 2, "{}", run.text);
    assert!(
        run.text.contains("must not be in the address") && !run.text.contains(PASSWORD),
        "{}",
        run.text
    );
    let run = cartbridge(&["deploy", &at("shop"), "--password", "x"]);
    assert_eq!(run.code, 2, "{}", run.text);

    let wrong = Command::new(binary())
        .args(["deploy", &at("shop")])
        .env("CARTBRIDGE_DEPLOY_PASSWORD", "not-it")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("refused the login"));

    // The incumbent's bridge is there: refused without --replace.
    let old = root.join("bridge2cart");
    fs::create_dir_all(&old).unwrap();
    fs::write(old.join("bridge.php"), "<?php // the incumbent\r\n").unwrap();
    let token = "0123456789abcdef0123456789abcdef";
    fs::write(
        old.join("config.php"),
        format!("<?php define('M1_TOKEN', '{token}');\n"),
    )
    .unwrap();
    let before = snapshot(&root);
    let run = cartbridge(&["deploy", &at("shop")]);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(run.text.contains("give --replace"), "{}", run.text);
    assert_same_tree(
        &snapshot(&root),
        &before,
        "a refused deploy changes nothing",
    );

    let run = cartbridge(&["deploy", &at("shop"), "--replace", "--import-legacy"]);
    assert_eq!(run.code, 0, "{}", run.text);
    assert!(run.text.contains("imported the store key"), "{}", run.text);
    let config = fs::read_to_string(root.join("bridge2cart/.cartbridge/config.toml")).unwrap();
    assert!(
        config.contains(token),
        "the incumbent's key is kept: {config}"
    );
    assert!(root
        .join("bridge2cart.cartbridge-backup/bridge.php")
        .is_file());
    assert!(root.join("bridge2cart/cartbridge").is_file());
    let run = cartbridge(&["deploy", &at("shop"), "--replace"]);
    assert_eq!(
        run.code, 1,
        "a second replace would lose the backup: {}",
        run.text
    );

    let run = cartbridge(&["deploy", &at("shop"), "--rollback"]);
    assert_eq!(run.code, 0, "{}", run.text);
    assert_same_tree(&snapshot(&root), &before, "rollback restores byte for byte");
    assert_password_nowhere(&[dir.path()]);
}

#[test]
fn an_upload_stored_in_ascii_mode_is_detected_and_the_old_bridge_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    let old = root.join("bridge2cart");
    fs::create_dir_all(&old).unwrap();
    fs::write(old.join("bridge.php"), "<?php // the incumbent\r\n").unwrap();
    let before = snapshot(&root);
    let ftp = ftpd(dir.path(), dir.path(), &["--corrupt"]);
    let run = cartbridge(&[
        "deploy",
        &format!("ftp://{USER}@127.0.0.1:{}/shop", ftp.port),
        "--replace",
    ]);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(run.text.contains("corrupted upload"), "{}", run.text);
    assert_eq!(
        snapshot(&root),
        before,
        "the failed deploy left the shop as it was"
    );
}

#[test]
fn a_bridge_that_does_not_answer_is_explained_and_can_be_taken_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    let before = snapshot(&root);
    let ftp = ftpd(dir.path(), dir.path(), &[]);
    let target = format!("ftp://{USER}@127.0.0.1:{}/shop", ftp.port);
    // Nothing listens there: the web server is down or the address wrong.
    let url = format!("http://127.0.0.1:{}/", free_port());
    let run = cartbridge(&["deploy", &target, "--url", &url]);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(run.text.contains(" FAIL  web server"), "{}", run.text);
    assert!(
        run.text
            .contains(&format!("To go back: cartbridge undeploy {target}")),
        "{}",
        run.text
    );
    let run = cartbridge(&["undeploy", &target]);
    assert_eq!(run.code, 0, "{}", run.text);
    assert_same_tree(&snapshot(&root), &before, "undeploy after a failed check");
}

// ---------------------------------------------------------------------------------------------
// SFTP: a private OpenSSH sshd on loopback (tests/services.sh installs openssh-server).
// ---------------------------------------------------------------------------------------------

/// A private `sshd` on loopback with its own host key, config and client key in a temp dir,
/// killed on drop. It runs in its own mount namespace where a copy of /etc/shadow gives root
/// the test password, so the machine's accounts are never changed.
#[cfg(feature = "sftp")]
struct Sshd {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

#[cfg(feature = "sftp")]
impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(feature = "sftp")]
impl Sshd {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// A known_hosts file that trusts this server's host key.
    fn known_hosts(&self) -> String {
        let line = format!(
            "[127.0.0.1]:{} {}",
            self.port,
            fs::read_to_string(self.path("host_key.pub")).unwrap()
        );
        fs::write(self.path("known_hosts"), line).unwrap();
        self.path("known_hosts")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.path("sshd.log")).unwrap_or_default()
    }
}

#[cfg(feature = "sftp")]
fn run_ok(command: &mut Command) -> String {
    let out = command.output().expect("run a test helper");
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts sshd: `sftp_only` forces every session into internal-sftp (no shell, as on most
/// shared hosts); `blocked` lists SFTP requests the server refuses (`internal-sftp -P`).
#[cfg(feature = "sftp")]
fn sshd(sftp_only: bool, blocked: &str) -> Sshd {
    sshd_with(
        sftp_only,
        blocked,
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM no\n",
    )
}

/// sshd with the given password settings.
#[cfg(feature = "sftp")]
fn sshd_with(sftp_only: bool, blocked: &str, password_settings: &str) -> Sshd {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    for (key, phrase) in [("host_key", ""), ("client_key", "cb12-key-phrase")] {
        run_ok(Command::new("ssh-keygen").args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            phrase,
            "-C",
            key,
            "-f",
            &p(key),
        ]));
    }
    fs::copy(p("client_key.pub"), p("authorized_keys")).unwrap();
    // root's password hash in a private copy of /etc/shadow (the password goes in on stdin).
    let mut openssl = Command::new("openssl")
        .args(["passwd", "-6", "-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl");
    std::io::Write::write_all(openssl.stdin.as_mut().unwrap(), PASSWORD.as_bytes()).unwrap();
    drop(openssl.stdin.take());
    let hash = String::from_utf8(openssl.wait_with_output().unwrap().stdout).unwrap();
    let shadow: String = fs::read_to_string("/etc/shadow")
        .unwrap()
        .lines()
        .map(|line| match line.strip_prefix("root:") {
            Some(rest) => {
                let after = rest.split_once(':').map_or("", |(_, after)| after);
                format!("root:{}:{after}\n", hash.trim())
            }
            None => format!("{line}\n"),
        })
        .collect();
    fs::write(p("shadow"), shadow).unwrap();
    let port = free_port();
    let flags = if blocked.is_empty() {
        String::new()
    } else {
        format!(" -P {blocked}")
    };
    let mut config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
         PermitRootLogin yes\nPubkeyAuthentication yes\n{password_settings}\
         StrictModes no\nLogLevel VERBOSE\nSubsystem sftp internal-sftp{flags}\n",
        p("host_key"),
        p("sshd.pid"),
        p("authorized_keys"),
    );
    if sftp_only {
        config.push_str(&format!("ForceCommand internal-sftp{flags}\n"));
    }
    fs::write(p("sshd_config"), config).unwrap();
    fs::create_dir_all("/run/sshd").unwrap(); // sshd's privilege separation folder
    let child = Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            r#"mount --bind "$1" /etc/shadow && exec /usr/sbin/sshd -D -e -f "$2""#,
            "sh",
            &p("shadow"),
            &p("sshd_config"),
        ])
        .stdout(Stdio::null())
        .stderr(fs::File::create(p("sshd.log")).unwrap())
        .spawn()
        .expect("unshare and sshd (tests/services.sh installs openssh-server)");
    let server = Sshd { child, port, dir };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "sshd did not start: {}",
            server.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server
}

/// A stand-in for the binary where no web server runs it: 300 KiB (several SFTP packets) with
/// every byte value and CR LF pairs, quicker to send than the debug build.
#[cfg(feature = "sftp")]
fn stand_in(dir: &Path) -> String {
    let bytes: Vec<u8> = (0..300 * 1024u32)
        .map(|i| {
            if i % 97 == 0 {
                b'\r'
            } else if i % 97 == 1 {
                b'\n'
            } else {
                (i * 7 % 256) as u8
            }
        })
        .collect();
    let path = dir.join("stand-in");
    fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// `cartbridge <args>` with the given environment only added.
#[cfg(feature = "sftp")]
fn cartbridge_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run cartbridge");
    Run {
        code: out.status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// SFTP with the password into a real shop on an SFTP-only account (no shell: the upload is
/// read back), the bridge's address read from the shop's config.php, a green signed call;
/// the password is in no file, log or argument list; undeploy restores the shop.
#[cfg(feature = "sftp")]
#[test]
fn sftp_deploy_with_a_password_finds_the_shop_address_and_ends_with_a_green_signed_call() {
    let db = fresh_database("cb12_sftp", &[&fixture("opencart-3.0.3.8.sql")]);
    let shop: Shop = shop::opencart_without_bridge(&db, "3.0.3.8");
    let ssh = sshd(true, "");
    let server = WebServer::nginx_shipped(
        &shop.root,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("install/nginx/cartbridge.conf"),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("install/nginx/upstream-fcgiwrap.conf"),
        ShippedBackend::Fcgiwrap,
    );
    // The shop's own address, as its installer wrote it.
    let config = shop.root.join("config.php");
    let url = format!("http://127.0.0.1:{}/", server.port);
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("http://localhost/", &url)).unwrap();
    let before = snapshot(&shop.root);
    let target = format!("sftp://root@127.0.0.1:{}{}", ssh.port, shop.root.display());
    let known_hosts = ssh.known_hosts();
    let run = cartbridge(&["deploy", &target, "--known-hosts", &known_hosts]);
    assert_eq!(run.code, 0, "{}", run.text);
    assert!(
        run.text.contains("SHA-256 checked: read back"),
        "{}",
        run.text
    );
    assert!(
        run.text.contains(&format!(
            "calling  {url} (the shop's address in config.php's HTTP_SERVER"
        )),
        "{}",
        run.text
    );
    assert!(
        run.text.contains("cart.info signed with key 'gateway'"),
        "{}",
        run.text
    );
    assert!(
        run.text.contains("All checks passed") || run.text.contains("No problem to fix"),
        "{}",
        run.text
    );
    let installed = shop.root.join("bridge2cart");
    assert_eq!(
        fs::read(installed.join("cartbridge")).unwrap(),
        fs::read(binary()).unwrap()
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: PathBuf| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(installed.clone()), 0o755);
    assert_eq!(mode(installed.join("cartbridge")), 0o755);
    assert_eq!(mode(installed.join(".cartbridge")), 0o700);
    assert_eq!(mode(installed.join(".cartbridge/config.toml")), 0o600);

    let (id, secret) = (
        word_after(&run.text, "created  API key "),
        word_after(&run.text, " with secret "),
    );
    let (headers, _) = sign_native_as(id, secret, "GET", "/cart.info.json", &[], b"");
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = http(
        server.port,
        "GET",
        "/bridge2cart/cartbridge/cart.info.json",
        &headers,
        b"",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(envelope(&answer.body)["result"]["store_name"], "Your Store");

    assert_password_nowhere(&[&shop.root, ssh.dir.path(), server.dir()]);
    assert!(
        ssh.log().contains("Accepted password for root"),
        "{}",
        ssh.log()
    );

    let run = cartbridge(&["undeploy", &target, "--known-hosts", &known_hosts]);
    assert_eq!(run.code, 0, "{}", run.text);
    assert_same_tree(&snapshot(&shop.root), &before, "undeploy restores the shop");
    db.drop_database();
}

/// SFTP with an encrypted SSH key (passphrase from the environment) on an account with a
/// shell, where the server's sha256sum checks the uploads; --replace with --import-legacy
/// keeps the incumbent's key and a backup that --rollback restores byte for byte.
#[cfg(feature = "sftp")]
#[test]
fn sftp_key_login_replace_and_rollback_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    let old = root.join("bridge2cart");
    fs::create_dir_all(&old).unwrap();
    fs::write(old.join("bridge.php"), "<?php // the incumbent\r\n").unwrap();
    let token = "0123456789abcdef0123456789abcdef";
    fs::write(
        old.join("config.php"),
        format!("<?php define('M1_TOKEN', '{token}');\n"),
    )
    .unwrap();
    let before = snapshot(&root);
    let ssh = sshd(false, "");
    let target = format!("sftp://root@127.0.0.1:{}{}", ssh.port, root.display());
    let known_hosts = ssh.known_hosts();
    let key = ssh.path("client_key");
    let program = stand_in(dir.path());
    let login = [
        "--identity",
        &key,
        "--known-hosts",
        &known_hosts,
        "--binary",
        &program,
    ];
    let phrase = [("CARTBRIDGE_DEPLOY_PASSPHRASE", "cb12-key-phrase")];

    let run = cartbridge_env(&[&["deploy", &target][..], &login].concat(), &[]);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(
        run.text
            .contains("the key is encrypted: set CARTBRIDGE_DEPLOY_PASSPHRASE"),
        "{}",
        run.text
    );
    let run = cartbridge_env(&[&["deploy", &target][..], &login].concat(), &phrase);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(run.text.contains("give --replace"), "{}", run.text);
    assert_same_tree(
        &snapshot(&root),
        &before,
        "a refused deploy changes nothing",
    );

    let args = [
        &["deploy", &target, "--replace", "--import-legacy"][..],
        &login,
    ]
    .concat();
    let run = cartbridge_env(&args, &phrase);
    assert_eq!(run.code, 0, "{}", run.text);
    assert!(
        run.text.contains("SHA-256 checked: computed by the server"),
        "{}",
        run.text
    );
    assert!(run.text.contains("imported the store key"), "{}", run.text);
    assert!(run.text.contains("not checked over HTTP"), "{}", run.text);
    let config = fs::read_to_string(root.join("bridge2cart/.cartbridge/config.toml")).unwrap();
    assert!(
        config.contains(token),
        "the incumbent's key is kept: {config}"
    );
    assert_eq!(
        fs::read(root.join("bridge2cart/cartbridge")).unwrap(),
        fs::read(&program).unwrap()
    );
    assert!(
        ssh.log().contains("Accepted publickey for root"),
        "{}",
        ssh.log()
    );

    let args = [&["deploy", &target, "--rollback"][..], &login].concat();
    let run = cartbridge_env(&args, &phrase);
    assert_eq!(run.code, 0, "{}", run.text);
    assert_same_tree(&snapshot(&root), &before, "rollback restores byte for byte");
}

/// A deploy the server stops half way (it refuses to set modes) takes back what it wrote and
/// puts the previous bridge back byte for byte.
#[cfg(feature = "sftp")]
#[test]
fn a_failed_sftp_deploy_rolls_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    let old = root.join("bridge2cart");
    fs::create_dir_all(&old).unwrap();
    fs::write(old.join("bridge.php"), "<?php // the incumbent\r\n").unwrap();
    let before = snapshot(&root);
    let ssh = sshd(true, "setstat,fsetstat");
    let target = format!("sftp://root@127.0.0.1:{}{}", ssh.port, root.display());
    let known_hosts = ssh.known_hosts();
    let program = stand_in(dir.path());
    let run = cartbridge(&[
        "deploy",
        &target,
        "--replace",
        "--known-hosts",
        &known_hosts,
        "--binary",
        &program,
    ]);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(run.text.contains("deploy refused: chmod"), "{}", run.text);
    assert_same_tree(
        &snapshot(&root),
        &before,
        "the failed deploy left the shop as it was",
    );
}

/// A server whose host key is not known is refused before the password is sent, with its
/// fingerprint and the line that accepts it; after that line is added, deploy goes through;
/// a changed key is refused as a possible interception.
#[cfg(feature = "sftp")]
#[test]
fn unknown_and_changed_host_keys_are_refused_with_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    let home = dir.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let home_env = home.to_string_lossy().into_owned();
    let program = stand_in(dir.path());
    let ssh = sshd(true, "");
    let target = format!("sftp://root@127.0.0.1:{}{}", ssh.port, root.display());
    let env = [
        ("HOME", home_env.as_str()),
        ("CARTBRIDGE_DEPLOY_PASSWORD", PASSWORD),
    ];
    let before = snapshot(&root);

    // ~/.ssh/known_hosts, the default, does not exist.
    let run = cartbridge_env(&["deploy", &target, "--binary", &program], &env);
    assert_eq!(run.code, 1, "{}", run.text);
    let fingerprint = run_ok(Command::new("ssh-keygen").args(["-lf", &ssh.path("host_key.pub")]));
    let fingerprint = fingerprint.split_whitespace().nth(1).unwrap();
    assert!(run.text.contains("not trusted"), "{}", run.text);
    assert!(
        run.text.contains(fingerprint),
        "{fingerprint}: {}",
        run.text
    );
    assert!(!ssh.log().contains("password for root"), "{}", ssh.log());
    assert_same_tree(&snapshot(&root), &before, "nothing was written");

    // The line offered, appended as told, makes the key trusted.
    let offered = run
        .text
        .lines()
        .find_map(|l| l.split_once("echo '").map(|(_, rest)| rest))
        .and_then(|l| l.split('\'').next())
        .unwrap_or_else(|| panic!("no line to accept the key in:\n{}", run.text))
        .to_string();
    fs::create_dir_all(home.join(".ssh")).unwrap();
    fs::write(home.join(".ssh/known_hosts"), format!("{offered}\n")).unwrap();
    let run = cartbridge_env(&["deploy", &target, "--binary", &program], &env);
    assert_eq!(run.code, 0, "{}", run.text);
    let run = cartbridge_env(&["undeploy", &target], &env);
    assert_eq!(run.code, 0, "{}", run.text);
    let wrong = [
        ("HOME", home_env.as_str()),
        ("CARTBRIDGE_DEPLOY_PASSWORD", "not-it"),
    ];
    let run = cartbridge_env(&["deploy", &target, "--binary", &program], &wrong);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(
        run.text.contains("refused the login of 'root'"),
        "{}",
        run.text
    );

    // Another key for the same address: refused, naming the line that holds the old one.
    run_ok(Command::new("ssh-keygen").args([
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        &ssh.path("other_key"),
    ]));
    let other = fs::read_to_string(ssh.path("other_key.pub")).unwrap();
    fs::write(
        home.join(".ssh/known_hosts"),
        format!("[127.0.0.1]:{} {other}", ssh.port),
    )
    .unwrap();
    let run = cartbridge_env(&["deploy", &target, "--binary", &program], &env);
    assert_eq!(run.code, 1, "{}", run.text);
    assert!(
        run.text.contains("is NOT the one") && run.text.contains("(line 1)"),
        "{}",
        run.text
    );
    assert!(run.text.contains(fingerprint), "{}", run.text);
    assert_same_tree(&snapshot(&root), &before, "nothing was written");
}

/// A server that takes passwords only through PAM's prompt (keyboard-interactive, as many
/// hosting servers do): the password answers it, and stays out of files and argument lists.
#[cfg(feature = "sftp")]
#[test]
fn sftp_password_login_answers_the_pam_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let root = fake_shop(dir.path());
    let before = snapshot(&root);
    let ssh = sshd_with(
        true,
        "",
        "PasswordAuthentication no\nKbdInteractiveAuthentication yes\nUsePAM yes\n",
    );
    let target = format!("sftp://root@127.0.0.1:{}{}", ssh.port, root.display());
    let known_hosts = ssh.known_hosts();
    let program = stand_in(dir.path());
    let login = ["--known-hosts", &known_hosts, "--binary", &program];
    let run = cartbridge(&[&["deploy", &target][..], &login].concat());
    assert_eq!(run.code, 0, "{}\n{}", run.text, ssh.log());
    assert!(
        ssh.log()
            .contains("Accepted keyboard-interactive/pam for root"),
        "{}",
        ssh.log()
    );
    assert_password_nowhere(&[dir.path(), ssh.dir.path()]);
    let run = cartbridge(&[&["undeploy", &target][..], &login[..2]].concat());
    assert_eq!(run.code, 0, "{}", run.text);
    assert_same_tree(&snapshot(&root), &before, "undeploy restores the shop");
}
