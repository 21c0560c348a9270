//! The install kit on real servers: `cartbridge install` into an OpenCart shop on MariaDB, then
//! Apache (mod_cgid, the shipped `.htaccess` as install wrote it) or nginx (the shipped
//! locations and upstream files; fcgiwrap, spawn-fcgi, systemd socket activation) started on
//! loopback; `cartbridge doctor --url` green, signed calls with the keys install printed, the
//! private config not downloadable; doctor red, with the right explanation, for a world-readable
//! config, a removed deny rule, a wrong database password, and an Apache that ignores
//! `.htaccess`; `uninstall` removing what install wrote; `install/install.sh`.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;

use common::apache::{
    account, as_web_user, give_to_web_user, Apache, Htaccess, Runner, SUEXEC_USER,
};
use common::shop::{self, envelope, sign_legacy_with, sign_native_as, Shop};
use common::{binary, fixture, fresh_database, http, HttpResponse, ShippedBackend, WebServer};

fn shipped(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("install")
        .join(path)
}

fn bare_shop(db_name: &str) -> Shop {
    let db = fresh_database(db_name, &[&fixture("opencart-3.0.3.8.sql")]);
    shop::opencart_without_bridge(&db, "3.0.3.8")
}

/// Output of a cartbridge command, with its stdout and stderr for messages.
struct Run {
    code: i32,
    text: String,
}

fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run cartbridge");
    Run {
        code: status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        ),
    }
}

fn cartbridge(args: &[&str], root: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(args).arg("--store").arg(root);
    cmd
}

/// The keys `install` printed once: (API key id, secret, legacy store key).
struct Keys {
    id: String,
    secret: String,
    token: Option<String>,
}

fn printed_keys(install_output: &str) -> Keys {
    let word_after = |marker: &str| {
        install_output.split(marker).nth(1).map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap()
                .trim_matches('\'')
                .to_string()
        })
    };
    Keys {
        id: word_after("created  API key ").expect(install_output),
        secret: word_after(" with secret ").expect(install_output),
        token: word_after("(give it to the gateway; shown once): "),
    }
}

fn doctor(root: &Path, port: u16) -> Run {
    let url = format!("http://127.0.0.1:{port}/");
    run(as_web_user(&mut cartbridge(
        &["doctor", "--url", &url],
        root,
    )))
}

fn assert_green(doctor: &Run) {
    assert_eq!(doctor.code, 0, "doctor is not green:\n{}", doctor.text);
    assert!(!doctor.text.contains("FAIL"), "{}", doctor.text);
    assert!(doctor.text.contains("All checks passed"), "{}", doctor.text);
}

/// Doctor exits 1 and its line for `check` is FAIL and says `explanation`.
fn assert_red(doctor: &Run, check: &str, explanation: &str) {
    assert_eq!(doctor.code, 1, "doctor should be red:\n{}", doctor.text);
    let line = doctor
        .text
        .lines()
        .find(|l| l.starts_with(" FAIL") && l.contains(check))
        .unwrap_or_else(|| panic!("no FAIL line for {check}:\n{}", doctor.text));
    assert!(
        line.contains(explanation) || doctor.text.contains(explanation),
        "FAIL {check} does not say {explanation:?}:\n{}",
        doctor.text
    );
}

fn signed_get(port: u16, keys: &Keys, method: &str) -> serde_json::Value {
    let answer = signed_request(port, keys, method);
    assert_eq!(answer.status, 200, "{}", answer.text());
    envelope(&answer.body)
}

fn signed_get_status(port: u16, keys: &Keys, method: &str) -> u16 {
    signed_request(port, keys, method).status
}

fn signed_request(port: u16, keys: &Keys, method: &str) -> HttpResponse {
    let path = format!("/{method}.json");
    let (headers, _) = sign_native_as(&keys.id, &keys.secret, "GET", &path, &[], b"");
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    http(
        port,
        "GET",
        &format!("/bridge2cart/cartbridge{path}"),
        &headers,
        b"",
    )
}

fn legacy_post(port: u16, body: &str) -> HttpResponse {
    http(
        port,
        "POST",
        "/bridge2cart/bridge.php",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

/// The signed calls a gateway makes, with the keys install printed.
fn assert_calls_work(port: u16, keys: &Keys) {
    let answer = signed_get(port, keys, "product.count");
    assert_eq!(answer["result"]["count"], 19, "{answer}");
    let answer = signed_get(port, keys, "cart.info");
    assert_eq!(answer["result"]["store_name"], "Your Store", "{answer}");
    let banner = http(port, "GET", "/bridge2cart/bridge.php", &[], b"");
    assert!(
        banner.text().starts_with("BRIDGE INSTALLED"),
        "{}",
        banner.text()
    );
    if let Some(token) = &keys.token {
        // The gateway's swap-base64 of "SELECT COUNT(*) AS products FROM oc_product".
        let query = "F9ENIFMFRVMKEF4FPXlkRVUGRSYby7I8B6IaRVAHG99ty7MuxSQeASEqwZ==";
        let body = sign_legacy_with(
            token,
            &[("action", "query"), ("query", query), ("fetchMode", "1")],
        );
        let answer = legacy_post(port, &body);
        assert_eq!(answer.status, 200);
        let serialized = base64::engine::general_purpose::STANDARD
            .decode(answer.text().trim())
            .unwrap_or_else(|_| panic!("not base64: {}", answer.text()));
        let serialized = String::from_utf8_lossy(&serialized);
        assert!(
            serialized.contains(r#"s:8:"products";i:19;"#),
            "{serialized}"
        );
    }
}

fn assert_private_config_hidden(port: u16) {
    let answer = http(
        port,
        "GET",
        "/bridge2cart/.cartbridge/config.toml",
        &[],
        b"",
    );
    assert!(
        answer.status == 403 || answer.status == 404,
        "config.toml answered {}: {}",
        answer.status,
        answer.text()
    );
    assert!(!answer.text().contains("secret"));
}

fn install(shop: &Shop, server: &str) -> (Run, Keys) {
    let out = run(as_web_user(&mut cartbridge(
        &["install", "--server", server],
        &shop.root,
    )));
    assert_eq!(out.code, 0, "install failed:\n{}", out.text);
    let keys = printed_keys(&out.text);
    (out, keys)
}

#[test]
fn apache_install_doctor_and_the_three_red_cases() {
    let shop = bare_shop("cb8_apache");
    give_to_web_user(&shop.root);
    let (out, keys) = install(&shop, "apache");
    let htaccess = shop.bridge_dir().join(".htaccess");
    assert_eq!(
        fs::read_to_string(&htaccess).unwrap(),
        fs::read_to_string(shipped("apache/.htaccess")).unwrap(),
        "install writes the shipped .htaccess as is"
    );
    let config = shop.bridge_dir().join(".cartbridge/config.toml");
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(config.parent().unwrap()), 0o700);
    assert_eq!(mode(&shop.script), 0o755);
    assert!(!out.text.contains(" FAIL"), "{}", out.text);

    let apache = Apache::start(&shop.root, Htaccess::Honoured);
    let green = doctor(&shop.root, apache.port);
    assert_green(&green);
    assert!(green.text.contains("runs the binary"), "{}", green.text);
    assert_calls_work(apache.port, &keys);
    assert_private_config_hidden(apache.port);

    // A config others can read.
    fs::set_permissions(&config, fs::Permissions::from_mode(0o644)).unwrap();
    assert_red(&doctor(&shop.root, apache.port), "config", "chmod 600");
    fs::set_permissions(&config, fs::Permissions::from_mode(0o600)).unwrap();

    // The deny rule removed: the keys can be downloaded.
    let rules = fs::read_to_string(&htaccess).unwrap();
    let without: String = rules
        .lines()
        .filter(|l| !l.contains(r"\.cartbridge"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, rules);
    fs::write(&htaccess, &without).unwrap();
    let answer = http(
        apache.port,
        "GET",
        "/bridge2cart/.cartbridge/config.toml",
        &[],
        b"",
    );
    assert_eq!(answer.status, 200, "the test must really expose the file");
    assert_red(
        &doctor(&shop.root, apache.port),
        "private folder",
        "can be downloaded",
    );
    fs::write(&htaccess, &rules).unwrap();

    // A wrong database password in the shop's config.
    let settings = shop.root.join("config.php");
    let original = fs::read_to_string(&settings).unwrap();
    fs::write(
        &settings,
        original.replace(
            "define('DB_PASSWORD', '')",
            "define('DB_PASSWORD', 'cb8-Wr0ng-pw')",
        ),
    )
    .unwrap();
    let red = doctor(&shop.root, apache.port);
    assert_red(&red, "database", "Access denied");
    assert!(
        !red.text.contains("cb8-Wr0ng-pw"),
        "the password is never shown:\n{}",
        red.text
    );
    fs::write(&settings, original).unwrap();
    assert_green(&doctor(&shop.root, apache.port));

    drop(apache);
    let out = run(as_web_user(&mut cartbridge(&["uninstall"], &shop.root)));
    assert_eq!(out.code, 0, "{}", out.text);
    assert!(
        !shop.bridge_dir().exists(),
        "uninstall leaves the bridge folder:\n{}",
        out.text
    );
}

/// The processes running the shop's binary (by their command line).
fn bridge_processes(script: &Path) -> Vec<u32> {
    let wanted = script.as_os_str().as_encoded_bytes();
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).next() == Some(wanted))
        })
        .collect()
}

#[test]
fn apache_with_mod_fcgid_keeps_the_binary_up_between_calls() {
    let shop = bare_shop("cb8_fcgid");
    give_to_web_user(&shop.root);
    let (_, keys) = install(&shop, "apache");
    // The owner opts in as the shipped .htaccess explains.
    let htaccess = shop.bridge_dir().join(".htaccess");
    let rules = fs::read_to_string(&htaccess).unwrap();
    let opted_in = rules
        .replace("#<IfModule mod_fcgid.c>", "<IfModule mod_fcgid.c>")
        .replace(
            "#    SetHandler fcgid-script",
            "    SetHandler fcgid-script",
        )
        .replace("#</IfModule>", "</IfModule>");
    assert_ne!(opted_in, rules);
    fs::write(&htaccess, opted_in).unwrap();
    let apache = Apache::start_with(&shop.root, Htaccess::Honoured, Runner::Fcgid);
    assert_calls_work(apache.port, &keys);
    assert_private_config_hidden(apache.port);

    // The shipped .htaccess hands the binary to mod_fcgid: one process
    // stays up and serves the next calls as FastCGI.
    let first = bridge_processes(&shop.script);
    assert!(
        !first.is_empty(),
        "no FastCGI process stayed up:\n{}",
        apache.logs()
    );
    assert_calls_work(apache.port, &keys);
    let after = bridge_processes(&shop.script);
    assert!(
        first.iter().any(|pid| after.contains(pid)),
        "{first:?} then {after:?}"
    );

    // mod_fcgid refuses bodies over FcgidMaxRequestLen (128 KiB by default,
    // a server setting .htaccess cannot change) before the binary sees
    // them, as it did for the PHP bridge on such hosts; the doctor names
    // the setting and the way back to CGI.
    assert_red(
        &doctor(&shop.root, apache.port),
        "large request",
        "FcgidMaxRequestLen",
    );
    let body = vec![b'a'; 200 * 1024];
    let big = http(
        apache.port,
        "POST",
        "/bridge2cart/bridge.php",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    );
    assert_eq!(big.status, 500, "{}", big.text());
    assert!(apache.logs().contains("MaxRequestLen"), "{}", apache.logs());
    drop(apache);
}

/// A copy of a shop under /var/www (suEXEC's document root), removed on drop.
struct VarWwwShop(PathBuf);

impl Drop for VarWwwShop {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn apache_with_suexec_runs_the_installed_binary_as_the_shops_account() {
    use std::os::unix::process::CommandExt;
    let (uid, gid) = account(SUEXEC_USER).expect("tests/services.sh creates the suEXEC account");
    let shop = bare_shop("cb8_suexec");
    let root = PathBuf::from(format!("/var/www/cbsx-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&shop.root)
        .arg(&root)
        .status()
        .unwrap();
    assert!(copied.success());
    let _cleanup = VarWwwShop(root.clone());
    let chowned = Command::new("chown")
        .args(["-R", &format!("{uid}:{gid}")])
        .arg(&root)
        .status()
        .unwrap();
    assert!(chowned.success());
    let as_shop = |args: &[&str]| {
        let mut cmd = cartbridge(args, &root);
        cmd.uid(uid).gid(gid);
        run(&mut cmd)
    };
    let out = as_shop(&["install", "--server", "apache"]);
    assert_eq!(out.code, 0, "install failed:\n{}", out.text);
    let keys = printed_keys(&out.text);

    let apache = Apache::start_with(&root, Htaccess::Honoured, Runner::Suexec);
    let url = format!("http://127.0.0.1:{}/", apache.port);
    let green = as_shop(&["doctor", "--url", &url]);
    assert_green(&green);
    assert_calls_work(apache.port, &keys);

    // suEXEC refuses a program others may change; the doctor says why.
    let binary = root.join("bridge2cart/cartbridge");
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o775)).unwrap();
    assert_red(&as_shop(&["doctor", "--url", &url]), "binary", "chmod 755");
    let refused = signed_get_status(apache.port, &keys, "product.count");
    assert_eq!(refused, 500);
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
    assert_green(&as_shop(&["doctor", "--url", &url]));
    drop(apache);
}

#[test]
fn apache_ignoring_htaccess_is_told_apart() {
    let shop = bare_shop("cb8_apache_none");
    give_to_web_user(&shop.root);
    install(&shop, "apache");
    let apache = Apache::start(&shop.root, Htaccess::Ignored);
    let red = doctor(&shop.root, apache.port);
    assert_red(
        &red,
        "web server",
        "sends the binary as a file instead of running it",
    );
    assert!(red.text.contains("AllowOverride"), "{}", red.text);
}

#[test]
fn nginx_fcgiwrap_with_the_shipped_snippets() {
    let shop = bare_shop("cb8_nginx_cgi");
    give_to_web_user(&shop.root);
    let (out, keys) = install(&shop, "nginx");
    let written = shop.bridge_dir().join(".cartbridge/nginx.conf");
    assert_eq!(
        fs::read_to_string(&written).unwrap(),
        fs::read_to_string(shipped("nginx/cartbridge.conf")).unwrap(),
        "install writes the shipped locations as is"
    );
    assert!(out
        .text
        .contains(&format!("include {};", written.display())));
    let server = WebServer::nginx_shipped(
        &shop.root,
        &written,
        &shipped("nginx/upstream-fcgiwrap.conf"),
        ShippedBackend::Fcgiwrap,
    );
    assert_green(&doctor(&shop.root, server.port));
    assert_calls_work(server.port, &keys);
    assert_private_config_hidden(server.port);

    // Without the deny location, nginx serves the private folder.
    let locations = fs::read_to_string(&written).unwrap();
    let start = locations.find("location ~ /bridge2cart/(").unwrap();
    let end = start + locations[start..].find("}\n").unwrap() + 2;
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open.conf");
    fs::write(
        &open,
        format!("{}{}", &locations[..start], &locations[end..]),
    )
    .unwrap();
    let exposed = WebServer::nginx_shipped(
        &shop.root,
        &open,
        &shipped("nginx/upstream-fcgiwrap.conf"),
        ShippedBackend::Fcgiwrap,
    );
    assert_red(
        &doctor(&shop.root, exposed.port),
        "private folder",
        "can be downloaded",
    );
}

#[test]
fn nginx_fastcgi_with_the_shipped_snippets() {
    let shop = bare_shop("cb8_nginx_fcgi");
    give_to_web_user(&shop.root);
    let (_, keys) = install(&shop, "nginx");
    let server = WebServer::nginx_shipped(
        &shop.root,
        &shipped("nginx/cartbridge.conf"),
        &shipped("nginx/upstream-fastcgi.conf"),
        ShippedBackend::SpawnFcgi {
            program: &shop.script,
            args: &["fastcgi"],
        },
    );
    assert_green(&doctor(&shop.root, server.port));
    assert_calls_work(server.port, &keys);
    assert_private_config_hidden(server.port);
    assert!(server.fastcgi_pid().is_some(), "one FastCGI process served");
}

/// `Key=value` of a systemd unit file.
fn unit_value(unit: &str, key: &str) -> String {
    let text = fs::read_to_string(shipped(unit)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{unit} has no {key}="))
        .to_string()
}

#[test]
fn systemd_socket_activation_with_the_shipped_units() {
    // The units and the nginx upstream agree on the socket.
    let listen = unit_value("systemd/cartbridge.socket", "ListenStream");
    let upstream = fs::read_to_string(shipped("nginx/upstream-fastcgi.conf")).unwrap();
    assert!(upstream.contains(&format!("server unix:{listen};")));
    // ExecStart: the binary, then its arguments, which are run as they are.
    let exec = unit_value("systemd/cartbridge.service", "ExecStart");
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    assert_eq!(args, ["fastcgi"]);

    // systemd accepts the units (ExecStart's binary must exist: the one under test).
    let units = tempfile::tempdir().unwrap();
    let service = fs::read_to_string(shipped("systemd/cartbridge.service")).unwrap();
    let program = exec.split_whitespace().next().unwrap();
    fs::write(
        units.path().join("cartbridge.service"),
        service.replace(program, &binary().display().to_string()),
    )
    .unwrap();
    fs::copy(
        shipped("systemd/cartbridge.socket"),
        units.path().join("cartbridge.socket"),
    )
    .unwrap();
    let verify = run(Command::new(common::require_program("systemd-analyze"))
        .arg("verify")
        .arg(units.path().join("cartbridge.socket"))
        .arg(units.path().join("cartbridge.service")));
    assert_eq!(verify.code, 0, "systemd-analyze verify:\n{}", verify.text);

    let shop = bare_shop("cb8_systemd");
    give_to_web_user(&shop.root);
    let (_, keys) = install(&shop, "none");
    let server = WebServer::nginx_shipped(
        &shop.root,
        &shipped("nginx/cartbridge.conf"),
        &shipped("nginx/upstream-fastcgi.conf"),
        ShippedBackend::SocketActivated {
            program: &shop.script,
            args: &args,
        },
    );
    assert_green(&doctor(&shop.root, server.port));
    assert_calls_work(server.port, &keys);
}

#[test]
fn install_sh_imports_the_incumbents_key_and_uninstall_keeps_its_files() {
    let shop = bare_shop("cb8_script");
    let bridge = shop.bridge_dir();
    fs::create_dir_all(&bridge).unwrap();
    fs::write(
        bridge.join("config.php"),
        format!("<?php\ndefine('M1_TOKEN', '{}');\n", shop::TOKEN),
    )
    .unwrap();
    fs::write(bridge.join("bridge.php"), "<?php // the incumbent\n").unwrap();
    let out = run(Command::new("sh")
        .arg(shipped("install.sh"))
        .arg(&shop.root)
        .args(["--server", "apache"])
        .env("CARTBRIDGE", binary()));
    assert_eq!(out.code, 0, "{}", out.text);
    assert!(out.text.contains("imported the store key"), "{}", out.text);
    assert!(
        !out.text.contains(shop::TOKEN),
        "the imported key is not shown"
    );
    let config = fs::read_to_string(bridge.join(".cartbridge/config.toml")).unwrap();
    assert!(config.contains(shop::TOKEN));
    assert!(out.text.contains("No problem to fix"), "{}", out.text);

    // Installing again keeps the keys.
    let again = run(&mut cartbridge(
        &["install", "--server", "apache"],
        &shop.root,
    ));
    assert_eq!(again.code, 0, "{}", again.text);
    assert!(!again.text.contains("created  API key"), "{}", again.text);
    assert_eq!(
        fs::read_to_string(bridge.join(".cartbridge/config.toml")).unwrap(),
        config
    );

    let out = run(&mut cartbridge(&["uninstall"], &shop.root));
    assert_eq!(out.code, 0, "{}", out.text);
    let mut left: Vec<String> = fs::read_dir(&bridge)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["bridge.php", "config.php"], "{}", out.text);
    let again = run(&mut cartbridge(&["uninstall"], &shop.root));
    assert_eq!(again.code, 1);
    assert!(again.text.contains("nothing was removed"), "{}", again.text);
}

#[test]
fn install_refuses_a_folder_without_a_shop() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut cartbridge(&["install"], dir.path()));
    assert_eq!(out.code, 1);
    assert!(out.text.contains("no shop platform found"), "{}", out.text);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn doctor_refusals_say_what_to_do() {
    let shop = bare_shop("cb8_doctor");
    let out = run(&mut cartbridge(&["doctor"], &shop.root));
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(
        out.text.contains("the bridge is not installed here"),
        "{}",
        out.text
    );
    assert!(
        out.text.contains("cartbridge install --store"),
        "{}",
        out.text
    );
    let out = run(&mut cartbridge(
        &["doctor", "--url", "ftp://shop/"],
        &shop.root,
    ));
    assert_eq!(out.code, 2);
    assert!(
        out.text.contains("must start with http:// or https://"),
        "{}",
        out.text
    );
    let out = run(Command::new(binary()).arg("install"));
    assert_eq!(out.code, 2);
    assert!(
        out.text.contains("install needs --store DIR"),
        "{}",
        out.text
    );
}
