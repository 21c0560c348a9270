//! `savefile` and `batchsavefile`: store an image the gateway sends (as
//! base64) or names (as an `http`/`https` URL) under the store root,
//! answered with the incumbent's result strings (LEGACY.md §4.5, §4.6).
//!
//! Unlike the incumbent, which writes any of a long list of file types
//! wherever `dst` points, a file is only written:
//! * under one of the store's media folders (`getconfig`'s image folders,
//!   OpenCart's `image/`), with no `..` and no symbolic link leading out;
//! * with an image extension, and content whose magic bytes are that
//!   image type and which carries no PHP code;
//! * completely or not at all: into a temporary file beside the target,
//!   renamed over it once written.
//!
//! Every check runs before anything is created, so a refused call leaves
//! no file and no directory behind.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::download::{self, Policy};
use super::encoding::php_base64_decode;
use super::images::{self, Kind};
use super::serialize::{PhpKey, PhpValue};
use super::{php_int, Answer, Call};
use crate::form::FormMap;

/// The incumbent's answer to a target whose extension it does not allow.
const INVALID_EXTENSION: &str = "ERROR_INVALID_FILE_EXTENSION";
const OK: &str = "OK";
const SAVE_FAILED: &str = "[BRIDGE ERROR] File save failed!";
const MKDIR_FAILED: &str = "[BRIDGE ERROR] Directory creation failed!";

pub fn savefile(call: &Call) -> Answer {
    let job = Job::from_fields(call.form, "src", "dst", "width", "height");
    if !job.has_image_extension() {
        return Answer::text(INVALID_EXTENSION);
    }
    Answer::text(job.run(call))
}

/// `files[i][id|source|target|width|height]`, each saved like `savefile`;
/// answered `serialize({id: result, …})`, raw.
pub fn batchsavefile(call: &Call) -> Answer {
    let entries: Vec<(PhpKey, Job)> = call
        .form
        .get_map("files")
        .map(|files| {
            files
                .iter()
                .filter_map(|(_, entry)| entry.as_map())
                .map(|entry| {
                    let id = PhpKey::auto(entry.get_bytes("id").unwrap_or_default());
                    (
                        id,
                        Job::from_fields(entry, "source", "target", "width", "height"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // One forbidden extension refuses the whole batch, before any entry is
    // written.
    if entries.iter().any(|(_, job)| !job.has_image_extension()) {
        return Answer::text(INVALID_EXTENSION);
    }
    let results = entries
        .into_iter()
        .map(|(id, job)| (id, PhpValue::from(job.run(call))));
    Answer::text(PhpValue::Array(results.collect()).to_serialized())
}

/// One file to save.
struct Job {
    source: Vec<u8>,
    target: String,
    width: u32,
    height: u32,
}

impl Job {
    fn from_fields(form: &FormMap, source: &str, target: &str, width: &str, height: &str) -> Job {
        // Negative or huge sizes mean no resize.
        let number = |name: &str| {
            u32::try_from(php_int(form.get_bytes(name).unwrap_or_default())).unwrap_or(0)
        };
        Job {
            source: form.get_bytes(source).unwrap_or_default().to_vec(),
            target: String::from_utf8_lossy(form.get_bytes(target).unwrap_or_default())
                .into_owned(),
            width: number(width),
            height: number(height),
        }
    }

    /// The extension's image kind, if the target has an image extension.
    fn kind(&self) -> Option<Kind> {
        let name = self.target.rsplit('/').next().unwrap_or("");
        let (stem, extension) = name.rsplit_once('.')?;
        if stem.is_empty() {
            return None;
        }
        Kind::for_extension(extension)
    }

    fn has_image_extension(&self) -> bool {
        self.kind().is_some()
    }

    /// Saves the file and returns the result string.
    fn run(&self, call: &Call) -> String {
        match self.save(call) {
            Ok(()) => OK.to_string(),
            Err(message) => message,
        }
    }

    fn save(&self, call: &Call) -> Result<(), String> {
        let kind = self.kind().ok_or(INVALID_EXTENSION)?;
        let place = Place::resolve(&call.shop.root, &media_folders(call), &self.target)?;
        let mut content = self.content(call)?;
        check_content(&content, kind)?;
        if self.width != 0 && self.height != 0 {
            // Best effort, as in the incumbent: an image that cannot be
            // resized is kept as it came.
            if let Some(resized) = images::fit_to_box(&content, kind, self.width, self.height) {
                content = resized;
            }
        }
        let dir = place.create_dirs()?;
        write_atomically(&dir, &place.file_name, &content)
    }

    /// The file's bytes: downloaded when the source is a URL, else base64.
    fn content(&self, call: &Call) -> Result<Vec<u8>, String> {
        let source = String::from_utf8_lossy(&self.source);
        let lower = source.get(..8).unwrap_or(&source).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let policy = Policy {
                allowed_hosts: &call.bridge.config.legacy.allow_download_hosts,
                max_bytes: call.bridge.max_body_bytes(),
            };
            return download::fetch(&source, &policy);
        }
        Ok(php_base64_decode(&self.source))
    }
}

/// The store's media folders, relative to its root (`image`).
fn media_folders(call: &Call) -> Vec<String> {
    let images = &call.shop.images;
    let mut folders: Vec<String> = [
        &images.images,
        &images.categories,
        &images.products,
        &images.manufacturers,
    ]
    .iter()
    .map(|p| p.trim_matches('/').to_string())
    .filter(|p| !p.is_empty())
    .collect();
    folders.sort();
    folders.dedup();
    folders
}

/// The content must be the image its extension names, with no PHP in it.
fn check_content(content: &[u8], kind: Kind) -> Result<(), String> {
    match Kind::sniff(content) {
        Some(found) if found == kind => {}
        Some(found) => {
            return Err(format!(
                "[BRIDGE ERROR] Refused: the file is a {} image but its name says {}",
                found.name(),
                kind.name()
            ))
        }
        None => {
            return Err(format!(
                "[BRIDGE ERROR] Refused: the file is not a {} image",
                kind.name()
            ))
        }
    }
    if images::contains_php(content) {
        return Err("[BRIDGE ERROR] Refused: the image contains PHP code".to_string());
    }
    Ok(())
}

/// Where a target lands: its media folder (resolved) and the folders and
/// file name below it.
struct Place {
    media: PathBuf,
    dirs: Vec<String>,
    file_name: String,
}

impl Place {
    /// `dst` is relative to the store root, as in the incumbent, which
    /// appends it to the root — so a leading `/` (getconfig's folders have
    /// one) still means the store root.
    fn resolve(root: &Path, media_folders: &[String], target: &str) -> Result<Place, String> {
        if target.contains('\0') {
            return Err("[BRIDGE ERROR] Refused: the target path contains a NUL byte".into());
        }
        let parts: Vec<&str> = target
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        if parts.contains(&"..") {
            return Err(format!(
                "[BRIDGE ERROR] Refused: the target {target} contains '..'; files are saved only inside the store's media folders"
            ));
        }
        let outside = || {
            let list = media_folders
                .iter()
                .map(|m| format!("{m}/"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "[BRIDGE ERROR] Refused: the target {target} is outside the store's media folders ({list})"
            )
        };
        let folder = media_folders
            .iter()
            .find(|m| {
                let m: Vec<&str> = m.split('/').collect();
                parts.len() > m.len() && parts[..m.len()] == m[..]
            })
            .ok_or_else(outside)?;
        let depth = folder.split('/').count();
        let media = fs::canonicalize(root.join(folder)).map_err(|_| {
            format!(
                "[BRIDGE ERROR] Refused: the media folder {folder}/ does not exist in the store"
            )
        })?;
        let (file_name, dirs) = parts[depth..].split_last().ok_or_else(outside)?;
        Ok(Place {
            media,
            dirs: dirs.iter().map(|d| d.to_string()).collect(),
            file_name: file_name.to_string(),
        })
    }

    /// Walks down from the media folder, creating what is missing (0755);
    /// a symbolic link is followed only when it stays inside the folder.
    fn create_dirs(&self) -> Result<PathBuf, String> {
        let mut dir = self.media.clone();
        let mut creating = false;
        for name in &self.dirs {
            let next = dir.join(name);
            if !creating {
                match fs::symlink_metadata(&next) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        let real = fs::canonicalize(&next).map_err(|_| MKDIR_FAILED.to_string())?;
                        if !real.starts_with(&self.media) {
                            return Err(format!(
                                "[BRIDGE ERROR] Refused: {name} is a symbolic link that leads out of the media folder"
                            ));
                        }
                        if !real.is_dir() {
                            return Err(MKDIR_FAILED.into());
                        }
                        dir = real;
                        continue;
                    }
                    Ok(meta) if meta.is_dir() => {
                        dir = next;
                        continue;
                    }
                    Ok(_) => return Err(MKDIR_FAILED.into()),
                    Err(_) => creating = true,
                }
            }
            fs::DirBuilder::new()
                .mode(0o755)
                .create(&next)
                .map_err(|_| MKDIR_FAILED.to_string())?;
            dir = next;
        }
        Ok(dir)
    }
}

/// Writes a temporary file beside the target and renames it over the
/// target, so readers see the old file or the new one, never half of one.
/// A symbolic link at the target is replaced, not followed.
fn write_atomically(dir: &Path, file_name: &str, content: &[u8]) -> Result<(), String> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| SAVE_FAILED.to_string())?;
    let temp = dir.join(format!(
        ".{file_name}.{}.cartbridge-tmp",
        hex::encode(suffix)
    ));
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp)?;
        file.write_all(content)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(file_name))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
        return Err(SAVE_FAILED.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media() -> Vec<String> {
        vec!["image".to_string()]
    }

    fn shop_root() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("image")).unwrap();
        dir
    }

    #[test]
    fn targets_resolve_inside_the_media_folder() {
        let root = shop_root();
        for target in [
            "image/catalog/a.jpg",
            "/image/catalog/a.jpg",
            "image//./catalog/a.jpg",
        ] {
            let place = Place::resolve(root.path(), &media(), target).unwrap();
            assert_eq!(place.dirs, vec!["catalog"]);
            assert_eq!(place.file_name, "a.jpg");
        }
    }

    #[test]
    fn traversal_and_outside_targets_are_refused() {
        let root = shop_root();
        let cases = [
            ("image/../config.php.jpg", "contains '..'"),
            ("../../etc/x.jpg", "contains '..'"),
            (
                "/etc/cron.d/x.jpg",
                "outside the store's media folders (image/)",
            ),
            ("system/x.jpg", "outside the store's media folders"),
            ("image", "outside the store's media folders"),
            ("imagex/a.jpg", "outside the store's media folders"),
        ];
        for (target, message) in cases {
            let error = Place::resolve(root.path(), &media(), target).err().unwrap();
            assert!(error.contains(message), "{target}: {error}");
        }
    }

    #[test]
    fn extensions_are_images_only() {
        let job = |target: &str| Job {
            source: Vec::new(),
            target: target.into(),
            width: 0,
            height: 0,
        };
        for ok in [
            "image/a.jpg",
            "image/a.JPEG",
            "image/b.png",
            "image/c.gif",
            "image/x.php.jpg",
        ] {
            assert!(job(ok).has_image_extension(), "{ok}");
        }
        for bad in [
            "image/a.php",
            "image/a.phar",
            "image/noext",
            "image/.jpg",
            "image/a.jpg.php",
            "image/a.pdf",
            "",
        ] {
            assert!(!job(bad).has_image_extension(), "{bad}");
        }
    }

    #[test]
    fn content_must_match_and_be_free_of_php() {
        let png = images::tests::sample(Kind::Png, 2, 2);
        assert!(check_content(&png, Kind::Png).is_ok());
        let error = check_content(&png, Kind::Jpeg).unwrap_err();
        assert!(
            error.contains("is a PNG image but its name says JPEG"),
            "{error}"
        );
        let mut with_php = png.clone();
        with_php.extend_from_slice(b"<?php system('id'); ?>");
        assert!(check_content(&with_php, Kind::Png)
            .unwrap_err()
            .contains("contains PHP code"));
        assert!(check_content(b"<?php", Kind::Gif)
            .unwrap_err()
            .contains("not a GIF image"));
    }
}
