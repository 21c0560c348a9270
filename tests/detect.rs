//! `cartbridge detect` through the real binary, on the fixture stores:
//! what it prints, that it never prints a password, how it fails, and the
//! bridge's [database] override for shops whose files cannot be read.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn store(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stores")
        .join(name)
}

fn detect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cartbridge"))
        .arg("detect")
        .args(args)
        .output()
        .expect("cartbridge runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn field<'o>(out: &'o str, label: &str) -> &'o str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{label}:")))
        .unwrap_or_else(|| panic!("no {label} in:\n{out}"))
        .trim()
}

#[test]
fn magento_behind_a_pub_document_root() {
    let out = detect(&["--store", store("magento2/pub").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = text(&out.stdout);
    assert!(field(&out, "platform")
        .starts_with("Magento 2 (magento2; the incumbent's type Magento1212)"));
    assert_eq!(
        field(&out, "store root"),
        std::fs::canonicalize(store("magento2"))
            .unwrap()
            .display()
            .to_string()
    );
    assert_eq!(field(&out, "version"), "2.4.6-p1");
    assert_eq!(field(&out, "database"), "MySQL at db.shop.test:3315");
    assert_eq!(field(&out, "database name"), "magento2");
    assert_eq!(field(&out, "database user"), "magento (password not shown)");
    assert_eq!(field(&out, "table prefix"), "m2_");
    assert_eq!(field(&out, "charset"), "utf8");
    assert_eq!(field(&out, "images"), "pub/media/");
    assert_eq!(field(&out, "products images"), "pub/media/catalog/product/");
    assert!(!out.contains("m@g"), "the password is printed:\n{out}");
}

#[test]
fn passwords_and_keys_are_never_printed() {
    for (name, secrets) in [
        ("opencart", &["o\"c'pw"][..]),
        ("wordpress", &["pa'ss"][..]),
        ("oxid/source", &["ox'id", "fq45QS09_fqyx09239QQ"][..]),
        ("shopware6/public", &["s3cr@t", "s3cr%40t"][..]),
        ("xcart5", &["x\"c5"][..]),
    ] {
        let out = detect(&["--store", store(name).to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let all = text(&out.stdout) + &text(&out.stderr);
        for secret in secrets {
            assert!(!all.contains(secret), "{name}: '{secret}' printed:\n{all}");
        }
    }
}

#[test]
fn cart_id_changes_what_is_found() {
    let gambio = store("gambio");
    let without = text(&detect(&["--store", gambio.to_str().unwrap()]).stdout);
    assert!(
        field(&without, "platform").starts_with("osCommerce"),
        "{without}"
    );
    let with = text(&detect(&["--store", gambio.to_str().unwrap(), "--cart-id", "Gambio"]).stdout);
    assert!(field(&with, "platform").starts_with("Gambio"), "{with}");
    assert_eq!(field(&with, "version"), "4.5.1.0");
}

#[test]
fn failures_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = detect(&["--store", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no shop platform found"),
        "{}",
        text(&out.stderr)
    );

    let out = detect(&["--store", store("opencart-computed").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("config.php: the value of 'define DB_PASSWORD' is computed when PHP runs"),
        "{err}"
    );
    assert!(field(&text(&out.stdout), "platform").starts_with("OpenCart"));

    let out = detect(&["--store", store("lemonstand").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read the database settings of LemonStand"));

    let out = detect(&["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Copies a fixture store so a bridge folder can be added to it.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_bridge_config_names_the_database_files_cannot() {
    for name in ["lemonstand", "opencart-computed"] {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&store(name), dir.path());
        let private = dir.path().join("bridge2cart/.cartbridge");
        std::fs::create_dir_all(&private).unwrap();
        let config = private.join("config.toml");
        std::fs::write(
            &config,
            "[database]\nhost = \"db.override.test:3399\"\nuser = \"shop\"\npassword = \"hidden-pw\"\nname = \"cb6_override\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = detect(&["--store", dir.path().to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let out = text(&out.stdout);
        assert_eq!(
            field(&out, "database"),
            "MySQL at db.override.test:3399",
            "{name}"
        );
        assert_eq!(field(&out, "database name"), "cb6_override", "{name}");
        assert!(field(&out, "note").contains("[database]"), "{name}");
        if name == "opencart-computed" {
            assert_eq!(
                field(&out, "table prefix"),
                "oc_v4_",
                "read from the shop's files"
            );
        }
        assert!(!out.contains("hidden-pw"), "{name}");
    }
}
