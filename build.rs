//! Compiles the `platforms/` folder into the binary: every file of every
//! platform (but the Markdown notes written for people) becomes an entry of
//! a static table, so that adding a platform means adding a folder and
//! nothing else.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("platforms");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("/// Every file under `platforms/`: (platform, path inside it, contents).\npub static PLATFORM_FILES: &[(&str, &str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let relative = path.strip_prefix(&root).unwrap();
        let mut parts = relative.components();
        let platform = parts
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let inner = parts.as_path().to_string_lossy().replace('\\', "/");
        out.push_str(&format!(
            "    ({platform:?}, {inner:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out_dir.join("platform_files.rs"), out).unwrap();
    compress_demo_data(&out_dir);
}

/// The demo store's data is a few hundred KiB of SQL: deflated, it costs
/// the uploaded binary a fraction of that. OpenCart's own demo data has
/// no customers or orders; the demo orders fixture adds them.
fn compress_demo_data(out_dir: &Path) {
    use std::io::Write;
    let fixtures = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/fixtures");
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    for name in ["opencart-3.0.3.8.sqlite.sql", "opencart-3-demo-orders.sql"] {
        let source = fixtures.join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        let sql = fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        encoder.write_all(&sql).unwrap();
        encoder.write_all(b"\n").unwrap();
    }
    fs::write(out_dir.join("demo.sql.deflate"), encoder.finish().unwrap()).unwrap();
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_none_or(|e| e != "md") {
            files.push(path);
        }
    }
}
