//! Remembers which platform a store root holds, so that a CGI call stats
//! the few files that decided it instead of every platform's files (the
//! detection order has 36 platforms and about 70 paths).
//!
//! The cache is a small text file in the bridge's private folder, one line
//! per store root: the root, the platform's name, and a fingerprint made of
//! the modification times of the root folder and of each path of the
//! detection list that matched. A change to any of them (a file added at
//! the top of the store, a settings file rewritten, a platform upgraded)
//! makes the line stale and detection runs again. Only the platform's name
//! is written: no secret is copied to disk.
//!
//! A process that serves many calls (FastCGI) also keeps the settings it
//! read, in memory, while the settings file is unchanged and for at most
//! [`SETTINGS_MAX_AGE`] (a version file may change on its own).

use std::fs;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{detect, read_settings, Platform, SettingsError, ShopSettings};

/// How long a process trusts settings it read while their file is unchanged.
pub const SETTINGS_MAX_AGE: Duration = Duration::from_secs(60);

/// Settings read by this process: the store root, the platform, the
/// settings file's stamp, when they were read.
type Remembered = (PathBuf, &'static str, String, Instant, ShopSettings);
static SETTINGS: Mutex<Vec<Remembered>> = Mutex::new(Vec::new());

/// The cache file's name in the private folder.
pub const CACHE_FILE: &str = "detected.txt";

/// [`detect`] without a `cart_id`, answered from `cache` when its line for
/// `root` is still true, and written back when it was not.
pub fn detect_cached(root: &Path, cache: &Path) -> Option<&'static Platform> {
    let root_text = root.to_string_lossy();
    let lines = fs::read_to_string(cache).unwrap_or_default();
    for line in lines.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(r), Some(name), Some(print)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if r != root_text {
            continue;
        }
        // A line written by another version may name a platform this one
        // lacks: detect again.
        let Some(platform) = super::named(name) else {
            continue;
        };
        if fingerprint(root, platform).as_deref() == Some(print) {
            return Some(platform);
        }
    }
    let platform = detect(root, None)?;
    if let Some(print) = fingerprint(root, platform) {
        let mut kept: Vec<&str> = lines
            .lines()
            .filter(|l| l.split('\t').next() != Some(&*root_text))
            .collect();
        let line = format!("{root_text}\t{}\t{print}", platform.name);
        kept.push(&line);
        // A bridge sees its own folder and its parent: a few lines at most.
        let start = kept.len().saturating_sub(4);
        write(cache, &(kept[start..].join("\n") + "\n"));
    }
    Some(platform)
}

/// [`read_settings`], answered from this process's memory while the file
/// that holds them has the same size and modification time.
pub fn read_settings_cached(
    platform: &'static Platform,
    root: &Path,
) -> Result<ShopSettings, SettingsError> {
    let remembered = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
    let hit = remembered.iter().find(|(r, name, print, read, settings)| {
        r == root
            && *name == platform.name
            && read.elapsed() < SETTINGS_MAX_AGE
            && settings_stamp(settings).as_deref() == Some(print.as_str())
    });
    if let Some((.., settings)) = hit {
        return Ok(settings.clone());
    }
    drop(remembered);
    let settings = read_settings(platform, root)?;
    if let Some(print) = settings_stamp(&settings) {
        let mut remembered = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
        remembered.retain(|(r, name, ..)| !(r == root && *name == platform.name));
        // A FastCGI process serves a few stores at most.
        if remembered.len() >= 16 {
            remembered.remove(0);
        }
        remembered.push((
            root.to_path_buf(),
            &platform.name,
            print,
            Instant::now(),
            settings.clone(),
        ));
    }
    Ok(settings)
}

/// Size and modification time of the file the settings came from.
fn settings_stamp(settings: &ShopSettings) -> Option<String> {
    let file = settings.root.join(settings.settings_file.as_deref()?);
    let meta = fs::metadata(file).ok()?;
    Some(format!(
        "{} {}.{}",
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec()
    ))
}

/// The modification times that decided `platform` in `root`: the root's,
/// then each path of the first detection list that matches (`-` for a
/// path that must be absent). `None` when the platform is not there.
fn fingerprint(root: &Path, platform: &Platform) -> Option<String> {
    let stamp = |path: &Path| {
        fs::metadata(path)
            .ok()
            .map(|m| format!("{}.{}", m.mtime(), m.mtime_nsec()))
    };
    let mut print = stamp(root)?;
    let list = platform.detect.iter().find(|paths| {
        paths.iter().all(|p| match p.strip_prefix('!') {
            Some(absent) => !root.join(absent).exists(),
            None => root.join(p).exists(),
        })
    })?;
    for path in list {
        print.push(' ');
        match path.strip_prefix('!') {
            Some(_) => print.push('-'),
            None => print.push_str(&stamp(&root.join(path))?),
        }
    }
    Some(print)
}

/// Replaces the cache atomically (a concurrent CGI process reads either
/// the old file or the new one); failures only cost the next call a full
/// detection.
fn write(cache: &Path, text: &str) {
    let temporary = cache.with_extension(format!("tmp{}", std::process::id()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    if written.is_err() || fs::rename(&temporary, cache).is_err() {
        let _ = fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opencart(root: &Path) {
        fs::create_dir_all(root.join("system")).unwrap();
        fs::write(root.join("system/startup.php"), "<?php\n").unwrap();
        fs::write(root.join("config.php"), "<?php\n").unwrap();
    }

    #[test]
    fn a_cached_platform_is_used_until_its_files_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("shop");
        let cache = dir.path().join(CACHE_FILE);
        opencart(&root);
        assert_eq!(detect_cached(&root, &cache).unwrap().name, "opencart");
        let line = fs::read_to_string(&cache).unwrap();
        assert!(line.contains("\topencart\t"), "{line}");

        // A stale line naming another platform is believed only while the
        // fingerprint holds: here it cannot (the files say OpenCart).
        let forged = line.replace("\topencart\t", "\tmagento2\t");
        fs::write(&cache, &forged).unwrap();
        assert_eq!(detect_cached(&root, &cache).unwrap().name, "opencart");
        // One naming a platform this binary lacks (another version wrote it).
        let unknown = line.replace("\topencart\t", "\tgone-cart\t");
        fs::write(&cache, &unknown).unwrap();
        assert_eq!(detect_cached(&root, &cache).unwrap().name, "opencart");

        // Removing a file that decided it makes detection run again.
        fs::remove_file(root.join("system/startup.php")).unwrap();
        let again = detect_cached(&root, &cache).map(|p| p.name.as_str());
        assert_eq!(again, detect(&root, None).map(|p| p.name.as_str()));
        assert_ne!(again, Some("opencart"));
    }

    #[test]
    fn settings_are_read_again_when_their_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        opencart(dir.path());
        let config = |name: &str| {
            format!("<?php\ndefine('DB_HOSTNAME', 'db');\ndefine('DB_USERNAME', 'u');\ndefine('DB_PASSWORD', 'p');\ndefine('DB_DATABASE', '{name}');\ndefine('DB_PREFIX', 'oc_');\n")
        };
        fs::write(dir.path().join("config.php"), config("first")).unwrap();
        let platform = detect(dir.path(), None).unwrap();
        let database = |s: ShopSettings| match s.target {
            crate::db::Target::Mysql(m) => m.database,
            other => panic!("{other:?}"),
        };
        let first = read_settings_cached(platform, dir.path()).unwrap();
        assert_eq!(database(first), "first");
        // A longer file: its size changes even within one mtime tick.
        fs::write(dir.path().join("config.php"), config("second-database")).unwrap();
        let second = read_settings_cached(platform, dir.path()).unwrap();
        assert_eq!(database(second), "second-database");
    }

    #[test]
    fn an_unwritable_cache_only_costs_a_detection() {
        let dir = tempfile::tempdir().unwrap();
        opencart(dir.path());
        let cache = dir.path().join("missing-folder").join(CACHE_FILE);
        assert_eq!(detect_cached(dir.path(), &cache).unwrap().name, "opencart");
        assert!(!cache.exists());
    }
}
