//! The technician's command line, driven as a user drives it: `sign`,
//! `request` and `export` spawned as processes against `cartbridge serve`
//! on loopback (a real HTTP server running the real bridge), on an
//! OpenCart 3 test shop on SQLite with 20,000 more products.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::shop::{self, Shop, KEY_ID, SECRET, TOKEN};
use common::{binary, free_port};
use serde_json::Value as Json;

const BULK: u32 = 20_000;

/// The shop and its server, shared by every test (built once).
struct Rig {
    shop: Shop,
    url: String,
    keys: tempfile::TempDir,
    _server: Server,
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let shop = shop::opencart_sqlite("opencart-3.0.3.8.sqlite.sql", "3.0.3.8");
        add_products(&shop);
        let port = free_port();
        let child = Command::new(binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--store"])
            .arg(&shop.root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let keys = tempfile::tempdir().unwrap();
        write_key(
            keys.path(),
            "native.key",
            &format!("{KEY_ID}:{SECRET}\n"),
            0o600,
        );
        write_key(keys.path(), "legacy.key", &format!("{TOKEN}\n"), 0o600);
        write_key(
            keys.path(),
            "wrong.key",
            &format!("{KEY_ID}:not-the-secret\n"),
            0o600,
        );
        write_key(
            keys.path(),
            "open.key",
            &format!("{KEY_ID}:{SECRET}\n"),
            0o644,
        );
        Rig {
            shop,
            url: format!("http://127.0.0.1:{port}/"),
            keys,
            _server: server,
        }
    })
}

fn write_key(dir: &Path, name: &str, text: &str, mode: u32) {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
}

fn key(name: &str) -> PathBuf {
    rig().keys.path().join(name)
}

fn sqlite(shop: &Shop) -> rusqlite::Connection {
    rusqlite::Connection::open(shop.bridge_dir().join(".cartbridge/shop.sqlite")).unwrap()
}

/// 20,000 products in the default store and language, like a shop's own.
fn add_products(shop: &Shop) {
    sqlite(shop)
        .execute_batch(&format!(
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {BULK})
             INSERT INTO oc_product (product_id, model, sku, quantity, stock_status_id, price, tax_class_id,
               date_available, status, date_added, date_modified)
             SELECT 1000 + n, 'BULK-' || n, 'SKU' || n, n % 500, 7, 9.99 + n % 100, 9, '2024-01-01', 1,
               '2024-01-01 00:00:00', '2024-01-01 00:00:00' FROM seq;
             WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {BULK})
             INSERT INTO oc_product_description (product_id, language_id, name, description, tag, meta_title,
               meta_description, meta_keyword)
             SELECT 1000 + n, 1, 'Bulk, \"quoted\" & product ' || n, '', '', '', '', '' FROM seq;
             WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {BULK})
             INSERT INTO oc_product_to_store (product_id, store_id) SELECT 1000 + n, 0 FROM seq;"
        ))
        .unwrap();
}

fn cartbridge(args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).env_remove("CARTBRIDGE_KEY");
    command
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn signed_curl_commands_are_accepted_by_the_bridge() {
    let rig = rig();
    let sign = run(
        cartbridge(&["sign", "product.count", "--curl", "--url", &rig.url])
            .arg("--key-file")
            .arg(key("native.key")),
    );
    assert_eq!(sign.status.code(), Some(0), "{}", stderr(&sign));
    let line = stdout(&sign);
    assert!(
        line.starts_with("curl -sS -H 'X-Cartbridge-Key: erp-sync'"),
        "{line}"
    );
    let curl = run(Command::new("sh").arg("-c").arg(line.trim()));
    let answer: Json = serde_json::from_slice(&curl.stdout).unwrap();
    assert_eq!(answer["return_code"], 0, "{answer}");
    let expected: i64 = sqlite(&rig.shop)
        .query_row("SELECT COUNT(*) FROM oc_product", [], |r| r.get(0))
        .unwrap();
    assert_eq!(answer["result"]["count"], expected);
    // The same signature twice is a replay.
    let again = run(Command::new("sh").arg("-c").arg(line.trim()));
    assert!(String::from_utf8_lossy(&again.stdout).contains("already used"));
}

#[test]
fn signed_headers_and_legacy_bodies_verify() {
    let rig = rig();
    let sign = run(cartbridge(&["sign", "cart.info"])
        .arg("--key-file")
        .arg(key("native.key")));
    let text = stdout(&sign);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("GET /cart.info.json"));
    let headers: Vec<(String, String)> = lines
        .map(|l| l.split_once(": ").unwrap())
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(headers.len(), 4, "{text}");
    let port: u16 = rig
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = common::http(port, "GET", "/cart.info.json", &headers, b"");
    assert_eq!(answer.status, 200, "{}", answer.text());

    let legacy = run(cartbridge(&[
        "sign",
        "--legacy",
        "query",
        "query=SELECT COUNT(*) AS n FROM oc_product",
        "fetchMode=1",
        "--curl",
        "--url",
        &rig.url,
    ])
    .arg("--key-file")
    .arg(key("legacy.key")));
    assert_eq!(legacy.status.code(), Some(0), "{}", stderr(&legacy));
    let curl = run(Command::new("sh").arg("-c").arg(stdout(&legacy).trim()));
    let decoded = run(cartbridge(&["decode"]).arg(write_tmp(&curl.stdout)));
    assert!(
        stdout(&decoded).contains(&(BULK + product_count_before(&rig.shop)).to_string()),
        "{}",
        stdout(&decoded)
    );
}

fn write_tmp(bytes: &[u8]) -> PathBuf {
    let file = tempfile::NamedTempFile::new().unwrap();
    let (_, path) = file.keep().unwrap();
    fs::write(&path, bytes).unwrap();
    path
}

fn product_count_before(shop: &Shop) -> u32 {
    let all: u32 = sqlite(shop)
        .query_row("SELECT COUNT(*) FROM oc_product", [], |r| r.get(0))
        .unwrap();
    all - BULK
}

#[test]
fn request_shows_answers_and_fails_with_the_bridges_message() {
    let rig = rig();
    let ok = run(
        cartbridge(&["request", &rig.url, "product.info", "id=1005", "-v"])
            .arg("--key-file")
            .arg(key("native.key")),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let answer: Json = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(answer["result"]["sku"], "SKU5");
    let verbose = stderr(&ok);
    assert!(
        verbose.contains("> X-Cartbridge-Signature: v1=********"),
        "{verbose}"
    );
    assert!(verbose.contains("< 200"), "{verbose}");
    assert!(!verbose.contains(SECRET));

    let refused = run(cartbridge(&["request", &rig.url, "product.count"])
        .arg("--key-file")
        .arg(key("wrong.key")));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("the bridge answered 401: signature does not match"),
        "{}",
        stderr(&refused)
    );

    let missing = run(
        cartbridge(&["request", &rig.url, "product.info", "id=999999"])
            .env("CARTBRIDGE_KEY", format!("{KEY_ID}:{SECRET}")),
    );
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("404"), "{}", stderr(&missing));

    let legacy = run(cartbridge(&[
        "request",
        "--legacy",
        &rig.url,
        "query",
        "query=SELECT sku FROM oc_product WHERE product_id = 1007",
        "fetchMode=1",
    ])
    .arg("--key-file")
    .arg(key("legacy.key")));
    assert_eq!(legacy.status.code(), Some(0), "{}", stderr(&legacy));
    assert!(stdout(&legacy).contains("SKU7"), "{}", stdout(&legacy));
}

#[test]
fn keys_never_come_from_arguments_or_open_files() {
    let rig = rig();
    let argument = run(&mut cartbridge(&[
        "request",
        &rig.url,
        "product.count",
        "--key",
        SECRET,
    ]));
    assert_eq!(argument.status.code(), Some(2));
    assert!(stderr(&argument).contains("never taken as arguments"));
    let open = run(cartbridge(&["sign", "product.count"])
        .arg("--key-file")
        .arg(key("open.key")));
    assert_eq!(open.status.code(), Some(2));
    assert!(stderr(&open).contains("chmod 600"), "{}", stderr(&open));
    let none = run(&mut cartbridge(&["sign", "product.count"]));
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("CARTBRIDGE_KEY"));
}

/// Every product as the database holds it: id, sku, model, quantity, price.
fn database_products(shop: &Shop) -> Vec<(String, String, String, i64, f64)> {
    let conn = sqlite(shop);
    let mut statement = conn
        .prepare(
            "SELECT product_id, sku, model, quantity, price FROM oc_product ORDER BY product_id",
        )
        .unwrap();
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?.to_string(),
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn assert_matches_database(shop: &Shop, exported: Vec<Json>) {
    let expected = database_products(shop);
    assert_eq!(exported.len(), expected.len());
    for (row, (id, sku, model, quantity, price)) in exported.iter().zip(expected) {
        assert_eq!(row["id"], id.as_str());
        // An empty SKU is `null` in the API (and an empty cell in CSV).
        assert_eq!(row["sku"].as_str().unwrap_or(""), sku);
        assert_eq!(row["model"], model.as_str());
        assert_eq!(
            row["quantity"].to_string().trim_matches('"'),
            quantity.to_string()
        );
        let got: f64 = row["price"].as_str().unwrap().parse().unwrap();
        assert!((got - price).abs() < 0.0001, "{row} vs {price}");
    }
}

fn read_jsonl(path: &Path) -> Vec<Json> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn export_over_http_to_jsonl_matches_the_database_and_resumes() {
    let rig = rig();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("products.jsonl");
    let export = |extra: &[&str]| {
        run(
            cartbridge(&["export", "products", "--url", &rig.url, "--output"])
                .arg(&out)
                .arg("--key-file")
                .arg(key("native.key"))
                .args(extra),
        )
    };
    let full = export(&[]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    assert!(
        !stderr(&full).contains('['),
        "no progress bar off a terminal"
    );
    assert_matches_database(&rig.shop, read_jsonl(&out));
    let complete = fs::read(&out).unwrap();

    // Interrupted: ten pages, then a page half written when it stopped.
    fs::remove_file(&out).unwrap();
    let part = export(&["--max-pages", "10"]);
    assert_eq!(part.status.code(), Some(0), "{}", stderr(&part));
    assert_eq!(read_jsonl(&out).len(), 2500);
    let cursor = dir.path().join("products.jsonl.cursor");
    assert!(cursor.exists());
    let mut torn = fs::read(&out).unwrap();
    torn.extend_from_slice(b"{\"id\":\"half a ro");
    fs::write(&out, torn).unwrap();
    let again = export(&[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--resume"), "{}", stderr(&again));
    let resumed = export(&["--resume"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert!(!cursor.exists());
    assert_eq!(fs::read(&out).unwrap(), complete);
}

/// CSV read back (RFC 4180 quoting) into objects keyed by the header.
fn read_csv(path: &Path) -> Vec<Json> {
    let text = fs::read_to_string(path).unwrap();
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (c, _) => field.push(c),
        }
    }
    let header = records.remove(0);
    records
        .into_iter()
        .map(|r| {
            Json::Object(
                header
                    .iter()
                    .cloned()
                    .zip(r.into_iter().map(Json::String))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn local_export_to_csv_matches_the_database() {
    let rig = rig();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("products.csv");
    let export = run(
        cartbridge(&["export", "products", "--format", "csv", "--store"])
            .arg(&rig.shop.root)
            .arg("--output")
            .arg(&out),
    );
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let rows = read_csv(&out);
    assert!(
        rows[1005 - 1000 + product_count_before(&rig.shop) as usize - 1]["name"]
            .as_str()
            .unwrap()
            .contains("\"quoted\"")
    );
    assert_matches_database(&rig.shop, rows);
}

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    let rig = rig();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.jsonl");
    let line = format!(
        "{} export products --store {} --output {}",
        binary().display(),
        rig.shop.root.display(),
        out.display()
    );
    // `script` runs the command on a pseudo-terminal and copies what it
    // shows to its own standard output.
    let terminal = |no_color: bool| {
        let mut command = Command::new("script");
        command
            .args(["-qec", &line, "/dev/null"])
            .env_remove("NO_COLOR");
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let output = run(&mut command);
        fs::remove_file(&out).ok();
        stdout(&output)
    };
    let total = BULK + product_count_before(&rig.shop);
    let shown = terminal(false);
    assert!(
        shown.contains(&format!("{total}/{total} (100%)")),
        "{shown}"
    );
    assert!(shown.contains("\x1b[32m"), "coloured on a terminal");
    let plain = terminal(true);
    assert!(
        plain.contains(&format!("] {total}/{total} (100%)")),
        "{plain}"
    );
    assert!(!plain.contains('\x1b'), "NO_COLOR: no escapes");

    let piped = run(cartbridge(&["export", "products", "--store"])
        .arg(&rig.shop.root)
        .arg("--output")
        .arg(&out));
    assert_eq!(piped.status.code(), Some(0));
    assert!(!stderr(&piped).contains("(100%)"), "{}", stderr(&piped));
}

#[test]
fn every_technician_command_has_help_with_examples() {
    for command in [
        "call",
        "sign",
        "request",
        "export",
        "decode",
        "completions",
        "detect",
        "demo",
        "serve",
        "fastcgi",
        "install",
        "uninstall",
        "doctor",
        "deploy",
        "undeploy",
        "key",
        "log",
        "import-php-bridge",
    ] {
        let help = run(&mut cartbridge(&[command, "--help"]));
        assert_eq!(help.status.code(), Some(0), "{command}");
        let text = stdout(&help);
        assert!(text.contains("EXAMPLES:"), "{command}: {text}");
        assert!(text.contains(&format!("cartbridge {command}")), "{command}");
    }
    let top = stdout(&run(&mut cartbridge(&["--help"])));
    assert!(
        top.contains("EXIT STATUS:") && top.contains("NO_COLOR"),
        "{top}"
    );
    let version = run(&mut cartbridge(&["--version"]));
    assert!(stdout(&version).starts_with("cartbridge "));
}

#[test]
fn completion_scripts_load_in_their_shells() {
    let bash = run(&mut cartbridge(&["completions", "bash"]));
    assert_eq!(bash.status.code(), Some(0));
    // Loaded into bash, the function completes `cartbridge exp` to export.
    let script = format!(
        "{}\nCOMP_WORDS=(cartbridge exp); COMP_CWORD=1; _cartbridge; echo \"${{COMPREPLY[@]}}\"\nCOMP_WORDS=(cartbridge export --res); COMP_CWORD=2; _cartbridge; echo \"${{COMPREPLY[@]}}\"",
        stdout(&bash)
    );
    let completed = run(Command::new("bash").arg("-c").arg(script));
    assert_eq!(
        stdout(&completed),
        "export\n--resume\n",
        "{}",
        stderr(&completed)
    );
    // zsh: the script parses and defines the completion function.
    let zsh = stdout(&run(&mut cartbridge(&["completions", "zsh"])));
    let loaded = run(Command::new(common::require_program("zsh"))
        .arg("-fc")
        .arg(format!("{zsh}\nwhence -w _cartbridge")));
    assert_eq!(
        stdout(&loaded),
        "_cartbridge: function\n",
        "{}",
        stderr(&loaded)
    );
    // fish: asked as a user's Tab would, it completes commands with their
    // descriptions and a command's options.
    let fish = stdout(&run(&mut cartbridge(&["completions", "fish"])));
    let completed = run(Command::new(common::require_program("fish"))
        .arg("--no-config")
        .arg("-c")
        .arg(format!(
            "{fish}\ncomplete -C 'cartbridge exp'\ncomplete -C 'cartbridge export --res'"
        )));
    assert_eq!(
        stdout(&completed),
        "export\ta whole catalogue to JSON Lines or CSV\n--resume\n",
        "{}",
        stderr(&completed)
    );
    let unknown = run(&mut cartbridge(&["completions", "tcsh"]));
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn export_killed_mid_run_resumes_to_the_same_file() {
    let rig = rig();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("products.jsonl");
    let cursor = dir.path().join("products.jsonl.cursor");
    let export = |resume: bool| {
        let mut command = cartbridge(&[
            "export",
            "products",
            "--page-size",
            "100",
            "--url",
            &rig.url,
        ]);
        command
            .arg("--key-file")
            .arg(key("native.key"))
            .arg("--output")
            .arg(&out);
        if resume {
            command.arg("--resume");
        }
        command
    };
    let mut child = export(false).stderr(Stdio::null()).spawn().unwrap();
    // Killed without warning once a few pages are on disk.
    while !cursor.exists() || fs::metadata(&out).unwrap().len() < 100_000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let resumed = run(&mut export(true));
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert!(!cursor.exists());
    assert_matches_database(&rig.shop, read_jsonl(&out));
}

#[test]
fn call_legacy_runs_incumbent_actions_locally() {
    let rig = rig();
    let sql = "query=SELECT sku FROM oc_product WHERE product_id = 1007";
    let decoded = run(
        cartbridge(&["call", "--legacy", "query", sql, "fetchMode=1", "--store"])
            .arg(&rig.shop.root),
    );
    assert_eq!(decoded.status.code(), Some(0), "{}", stderr(&decoded));
    assert!(stdout(&decoded).contains("SKU7"), "{}", stdout(&decoded));
    // --raw: the bytes a gateway receives, which `decode` turns into the same.
    let raw = run(cartbridge(&[
        "call",
        "--legacy",
        "--raw",
        "query",
        sql,
        "fetchMode=1",
        "--store",
    ])
    .arg(&rig.shop.root));
    let again = run(cartbridge(&["decode"]).arg(write_tmp(&raw.stdout)));
    assert_eq!(stdout(&again), stdout(&decoded));
    assert_ne!(raw.stdout, decoded.stdout);
}

/// nginx terminating TLS for the rig's server, with a certificate for
/// `localhost` signed by a private CA no public root knows: (nginx, its
/// port, the CA's PEM).
fn tls_front(dir: &Path) -> (Server, u16, PathBuf) {
    let openssl = |args: &[&str]| {
        let made = run(Command::new(common::require_program("openssl"))
            .current_dir(dir)
            .args(args));
        assert!(made.status.success(), "openssl {args:?}: {}", stderr(&made));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=cartbridge test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    let cert = dir.join("ca.pem");
    let upstream = rig().url.trim_end_matches('/').to_string();
    let port = free_port();
    let d = dir.display();
    fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {d}/cert.pem;\n    ssl_certificate_key {d}/key.pem;\n    location / {{ proxy_pass {upstream}; proxy_set_header Host $http_host; }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let child = Command::new(common::require_program("nginx"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-p")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (Server(child), port, cert)
}

#[test]
fn https_is_verified_and_a_private_ca_is_trusted_through_ssl_cert_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_nginx, port, cert) = tls_front(dir.path());
    let url = format!("https://localhost:{port}/");

    // Verification is on: a certificate no known root signed is refused.
    let refused = run(
        cartbridge(&["request", &url, "product.count", "--key-file"])
            .arg(key("native.key"))
            .env_remove("SSL_CERT_FILE"),
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).to_lowercase().contains("certificate"),
        "{}",
        stderr(&refused)
    );

    // Trusted through SSL_CERT_FILE, request and export work over TLS.
    let answer = run(
        cartbridge(&["request", &url, "product.count", "--key-file"])
            .arg(key("native.key"))
            .env("SSL_CERT_FILE", &cert),
    );
    assert_eq!(answer.status.code(), Some(0), "{}", stderr(&answer));
    let local = run(cartbridge(&["call", "product.count", "--store"]).arg(&rig().shop.root));
    let remote: Json = serde_json::from_slice(&answer.stdout).unwrap();
    let local: Json = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(remote["result"], local["result"]);

    let out = dir.path().join("categories.jsonl");
    let export = run(
        cartbridge(&["export", "categories", "--url", &url, "--key-file"])
            .arg(key("native.key"))
            .arg("--output")
            .arg(&out)
            .env("SSL_CERT_FILE", &cert),
    );
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let local = run(cartbridge(&["call", "category.count", "--store"]).arg(&rig().shop.root));
    let expected: Json = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(
        fs::read_to_string(&out).unwrap().lines().count() as u64,
        expected["result"]["count"].as_u64().unwrap()
    );
}
