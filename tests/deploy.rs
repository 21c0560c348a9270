//! Remote deploy on real servers: pyftpdlib (tests/deploy_support/ftpd.py) on loopback as the
//! shop's FTP and FTPS server, nginx with the shipped locations and fcgiwrap serving the shop.
//! `cartbridge deploy` into an OpenCart shop on MariaDB ends with the doctor's signed
//! `cart.info` green and our own signed call with the printed key; the password is in no file,
//! log or process argument list afterwards; `undeploy` leaves the shop byte for byte as it
//! was; a folder that is no shop and an existing bridge without --replace are refused;
//! --replace keeps a backup that --rollback restores byte for byte; an upload the server
//! stores in ASCII mode is detected and the previous bridge put back.

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
