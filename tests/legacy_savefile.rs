//! `savefile` and `batchsavefile` through the real binary as CGI: files
//! land in the store's media folder, resized when asked; every refusal
//! (traversal, absolute paths, symlink escape, forbidden extensions,
//! disguised content, internal URLs, redirects, oversize downloads) has its
//! own message and leaves the store exactly as it was.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::thread;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::legacy::call;
use common::shop::{self, Shop};
use image::{ImageEncoder, RgbaImage};

fn store(extra_config: &str) -> Shop {
    let shop = shop::opencart_sqlite("opencart-4.1.0.4.sqlite.sql", "4.0.2.3");
    shop.write_private_config(&format!(
        "{extra_config}\n[database]\nsqlite = \"shop.sqlite\"\n"
    ));
    shop
}

fn picture(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let canvas = RgbaImage::from_pixel(width, height, image::Rgba([10, 120, 200, 255]));
    let rgb = image::DynamicImage::ImageRgba8(canvas).to_rgb8();
    let mut out = Vec::new();
    match format {
        image::ImageFormat::Png => image::codecs::png::PngEncoder::new(&mut out)
            .write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .unwrap(),
        _ => image::codecs::jpeg::JpegEncoder::new(&mut out)
            .write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .unwrap(),
    }
    out
}

fn png() -> Vec<u8> {
    picture(image::ImageFormat::Png, 8, 6)
}

fn savefile(shop: &Shop, src: &str, dst: &str, size: Option<(&str, &str)>) -> String {
    let mut fields = vec![("action", "savefile"), ("src", src), ("dst", dst)];
    if let Some((w, h)) = size {
        fields.push(("width", w));
        fields.push(("height", h));
    }
    let answer = call(shop, &fields);
    assert_eq!(answer.status, 200);
    answer.text()
}

/// Every path under the store root (and the given extra folder).
/// Every path under `roots`, except the bridge's own state (the call
/// history records refusals too, which is not a file the action wrote).
fn tree(roots: &[&Path]) -> BTreeSet<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                todo.push(path.clone());
            }
            // The bridge's own bookkeeping: its state and detection cache.
            let state = path.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("state.sqlite") || n == "detected.txt"
            });
            if !state {
                seen.insert(path);
            }
        }
    }
    seen
}

#[test]
fn base64_images_are_saved_in_the_media_folder() {
    let shop = store("");
    let content = png();
    let answer = savefile(
        &shop,
        &STANDARD.encode(&content),
        "/image/catalog/new/a.png",
        None,
    );
    assert_eq!(answer, "OK");
    let saved = shop.root.join("image/catalog/new/a.png");
    assert_eq!(fs::read(&saved).unwrap(), content);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&shop.root.join("image/catalog/new")), 0o755);
    assert_eq!(mode(&saved), 0o644);
    // Saving again replaces the file; no temporary file is left behind.
    let other = picture(image::ImageFormat::Png, 3, 3);
    assert_eq!(
        savefile(
            &shop,
            &STANDARD.encode(&other),
            "image/catalog/new/a.png",
            None
        ),
        "OK"
    );
    assert_eq!(fs::read(&saved).unwrap(), other);
    assert_eq!(
        fs::read_dir(shop.root.join("image/catalog/new"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn images_are_resized_into_the_box() {
    let shop = store("");
    let jpeg = picture(image::ImageFormat::Jpeg, 40, 20);
    let answer = savefile(
        &shop,
        &STANDARD.encode(&jpeg),
        "image/r.jpg",
        Some(("16", "16")),
    );
    assert_eq!(answer, "OK");
    let saved = image::open(shop.root.join("image/r.jpg")).unwrap();
    assert_eq!((saved.width(), saved.height()), (16, 16));
    // The image sits in the middle of white: the top row is white, the centre is not.
    let rgb = saved.to_rgb8();
    assert!(rgb.get_pixel(8, 0).0.iter().all(|&c| c > 240));
    assert!(rgb.get_pixel(8, 8).0[0] < 100);
}

#[test]
fn every_refusal_has_its_message_and_writes_nothing() {
    let outside = tempfile::tempdir().unwrap();
    let shop = store("");
    std::os::unix::fs::symlink(outside.path(), shop.root.join("image/escape")).unwrap();
    let content = STANDARD.encode(png());
    let mut disguised = png();
    disguised.extend_from_slice(b"<?php system($_GET['c']); ?>");
    let mut jpeg_with_php = picture(image::ImageFormat::Jpeg, 4, 4);
    jpeg_with_php.extend_from_slice(b"<?php echo 1; ?>");
    let before = tree(&[&shop.root, outside.path()]);
    let cases: Vec<(String, &str, &str)> = vec![
        (content.clone(), "image/../x.png", "contains '..'"),
        (
            content.clone(),
            "image/catalog/../../config.png",
            "contains '..'",
        ),
        (
            content.clone(),
            "/etc/cartbridge-test.png",
            "outside the store's media folders (image/)",
        ),
        (
            content.clone(),
            "system/x.png",
            "outside the store's media folders",
        ),
        (
            content.clone(),
            "image/escape/x.png",
            "symbolic link that leads out of the media folder",
        ),
        (
            content.clone(),
            "image/shell.php",
            "ERROR_INVALID_FILE_EXTENSION",
        ),
        (
            content.clone(),
            "image/shell.phar",
            "ERROR_INVALID_FILE_EXTENSION",
        ),
        (
            content.clone(),
            "image/noextension",
            "ERROR_INVALID_FILE_EXTENSION",
        ),
        (
            STANDARD.encode(&disguised),
            "image/photo.jpg",
            "is a PNG image but its name says JPEG",
        ),
        (
            STANDARD.encode(&jpeg_with_php),
            "image/photo.jpg",
            "the image contains PHP code",
        ),
        (
            STANDARD.encode(b"<?php echo 1;"),
            "image/photo.gif",
            "not a GIF image",
        ),
        (
            "http://127.0.0.1:9/x.png".into(),
            "image/u.png",
            "Refused: 127.0.0.1 is 127.0.0.1",
        ),
        (
            "http://10.0.0.1/x.png".into(),
            "image/u.png",
            "Refused: 10.0.0.1 is 10.0.0.1",
        ),
        (
            "http://169.254.169.254/latest/meta-data".into(),
            "image/u.png",
            "Refused: 169.254.169.254",
        ),
        (
            "http://[::1]/x.png".into(),
            "image/u.png",
            "Refused: ::1 is ::1",
        ),
        (
            "HTTPS://2130706433/x.png".into(),
            "image/u.png",
            "Refused: 127.0.0.1",
        ),
    ];
    for (src, dst, message) in &cases {
        let answer = savefile(&shop, src, dst, None);
        assert!(
            answer.contains(message),
            "{dst} from {}: {answer}",
            &src[..src.len().min(40)]
        );
    }
    assert_eq!(tree(&[&shop.root, outside.path()]), before);
}

/// A one-shot HTTP server on loopback that answers with `response`.
fn serve_once(response: Vec<u8>) -> (u16, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(&response);
        }
    });
    (port, handle)
}

fn http_response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

const LOOPBACK_ALLOWED: &str =
    "max_body_bytes = 1048576\n[legacy]\nallow_download_hosts = [\"127.0.0.1\"]\n";

#[test]
fn downloads_from_an_allowed_host_are_saved() {
    let shop = store(LOOPBACK_ALLOWED);
    let content = png();
    let (port, server) = serve_once(http_response(
        "200 OK",
        "Content-Type: image/png\r\n",
        &content,
    ));
    let answer = savefile(
        &shop,
        &format!("http://127.0.0.1:{port}/a b.png"),
        "image/d/a.png",
        None,
    );
    server.join().unwrap();
    assert_eq!(answer, "OK");
    assert_eq!(fs::read(shop.root.join("image/d/a.png")).unwrap(), content);
}

#[test]
fn redirects_errors_and_oversize_downloads_write_nothing() {
    let shop = store(LOOPBACK_ALLOWED);
    let before = tree(&[&shop.root]);
    let redirect = http_response("302 Found", "Location: http://10.0.0.1/x.png\r\n", b"");
    let missing = http_response("404 Not Found", "", b"nope");
    let mut big = png();
    big.resize(1024 * 1024 + 1, 0);
    let oversize = http_response("200 OK", "", &big);
    let chunked_oversize = {
        let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..20 {
            out.extend_from_slice(format!("{:x}\r\n", 65536).as_bytes());
            out.extend(std::iter::repeat_n(b'x', 65536));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    };
    let cases = [
        (
            redirect,
            "Bad response received from source, HTTP code 302!",
        ),
        (missing, "Bad response received from source, HTTP code 404!"),
        (oversize, "63: Maximum file size exceeded"),
        (chunked_oversize, "63: Maximum file size exceeded"),
    ];
    for (response, message) in cases {
        let (port, server) = serve_once(response);
        let answer = savefile(
            &shop,
            &format!("http://127.0.0.1:{port}/x.png"),
            "image/d/x.png",
            None,
        );
        server.join().unwrap();
        assert!(
            answer.starts_with("[BRIDGE ERROR]") && answer.contains(message),
            "{answer}"
        );
    }
    assert_eq!(tree(&[&shop.root]), before);
}

#[test]
fn batches_answer_per_file_and_refuse_bad_extensions_whole() {
    let shop = store("");
    let content = STANDARD.encode(png());
    let answer = call(
        &shop,
        &[
            ("action", "batchsavefile"),
            ("files[0][id]", "7"),
            ("files[0][source]", &content),
            ("files[0][target]", "image/b/one.png"),
            ("files[1][id]", "second"),
            ("files[1][source]", &content),
            ("files[1][target]", "image/../two.png"),
        ],
    );
    let refusal = "[BRIDGE ERROR] Refused: the target image/../two.png contains '..'; files are saved only inside the store's media folders";
    assert_eq!(
        answer.text(),
        format!(
            "a:2:{{i:7;s:2:\"OK\";s:6:\"second\";s:{}:\"{refusal}\";}}",
            refusal.len()
        )
    );
    assert!(shop.root.join("image/b/one.png").exists());

    let before = tree(&[&shop.root]);
    let answer = call(
        &shop,
        &[
            ("action", "batchsavefile"),
            ("files[0][id]", "1"),
            ("files[0][source]", &content),
            ("files[0][target]", "image/b/three.png"),
            ("files[1][id]", "2"),
            ("files[1][source]", &content),
            ("files[1][target]", "image/b/four.php"),
        ],
    );
    assert_eq!(answer.text(), "ERROR_INVALID_FILE_EXTENSION");
    assert_eq!(tree(&[&shop.root]), before);
}
