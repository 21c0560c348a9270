//! Remote deploy: the bridge written into a shop seen only through a file
//! transfer session (FTP, FTPS, SFTP), the way a gateway uploads it — detection
//! by listing, refusal of a folder that is no shop, an existing bridge
//! moved aside as a backup, uploads checked byte for byte, modes set and
//! read back, and a manifest so that undeploy removes exactly that.

pub mod ftp;
#[cfg(feature = "sftp")]
pub mod sftp;

use std::collections::HashMap;
use std::io;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::platform::{self, Platform};

/// The bridge folder in the store root.
pub const BRIDGE_DIR: &str = "bridge2cart";
/// Where `--replace` moves an existing bridge folder.
pub const BACKUP_DIR: &str = "bridge2cart.cartbridge-backup";
/// Deploy's manifest, inside the bridge's private folder.
const MANIFEST: &str = "bridge2cart/.cartbridge/deployed.json";

/// One name in a remote folder.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub dir: bool,
    /// The permission bits (`rwxr-xr-x` is 0o755).
    pub mode: u32,
}

/// What deploy needs of a file transfer session. Paths are absolute on
/// the server.
pub trait Remote {
    fn list(&mut self, dir: &str) -> io::Result<Vec<Entry>>;
    fn get(&mut self, path: &str) -> io::Result<Vec<u8>>;
    fn put(&mut self, path: &str, bytes: &[u8]) -> io::Result<()>;
    fn mkdir(&mut self, path: &str) -> io::Result<()>;
    fn chmod(&mut self, path: &str, mode: u32) -> io::Result<()>;
    fn remove_file(&mut self, path: &str) -> io::Result<()>;
    fn remove_dir(&mut self, path: &str) -> io::Result<()>;
    fn rename(&mut self, from: &str, to: &str) -> io::Result<()>;
    fn size(&mut self, path: &str) -> io::Result<u64>;
    /// The file's SHA-256 as the server computes it, when it offers that
    /// (None: deploy reads the file back and hashes it here).
    fn sha256(&mut self, _path: &str) -> io::Result<Option<Vec<u8>>> {
        Ok(None)
    }
    fn close(&mut self);
}

/// One file deploy writes: its path under the store root, bytes and mode.
pub struct Upload {
    pub path: String,
    pub bytes: Vec<u8>,
    pub mode: u32,
}

/// What deploy wrote, kept on the server so that undeploy and --rollback
/// remove exactly that.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Folders created, in creation order (paths under the store root).
    pub dirs: Vec<String>,
    /// Files written.
    pub files: Vec<String>,
    /// Whether an existing bridge folder was moved to [`BACKUP_DIR`].
    pub backup: bool,
}

/// Why a deploy stopped.
#[derive(Debug)]
pub enum Refusal {
    /// The folder holds no shop this bridge knows.
    NoShop(String),
    /// A bridge folder is there and --replace was not given.
    BridgeExists,
    /// An earlier backup is still there.
    BackupExists,
    /// A file on the server differs from what was sent.
    Corrupted(String),
    /// A mode that suEXEC refuses.
    Writable(String),
    /// The session failed.
    Io(io::Error),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NoShop(root) => write!(
                f,
                "no shop platform found in {root}: none of the platforms' files (e.g. config.php with system/startup.php for OpenCart) are there; give the shop's root folder, where its config.php is"
            ),
            Refusal::BridgeExists => write!(
                f,
                "{BRIDGE_DIR}/ already exists there: give --replace to move it to {BACKUP_DIR}/ (restored by --rollback)"
            ),
            Refusal::BackupExists => write!(
                f,
                "{BACKUP_DIR}/ from an earlier deploy is still there: run `cartbridge deploy --rollback` to restore it, or remove it"
            ),
            Refusal::Corrupted(what) => write!(
                f,
                "corrupted upload: {what} (an ASCII-mode transfer or a proxy rewrote it); nothing was left on the server"
            ),
            Refusal::Writable(what) => write!(
                f,
                "{what} is writable by group or others after upload: suEXEC would refuse to run it; the server ignores SITE CHMOD or forces a umask, set 755 by hand in the host's file manager"
            ),
            Refusal::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for Refusal {
    fn from(e: io::Error) -> Refusal {
        Refusal::Io(e)
    }
}

/// A remote store root: a session and where the store is on the server.
pub struct Site<'a> {
    pub remote: &'a mut dyn Remote,
    root: String,
    listings: HashMap<String, Vec<Entry>>,
    /// How the last upload's SHA-256 was had: "computed by the server" or
    /// "read back".
    pub checked_by: &'static str,
}

impl<'a> Site<'a> {
    pub fn new(remote: &'a mut dyn Remote, root: &str) -> Site<'a> {
        let root = root.trim_end_matches('/');
        let root = if root.is_empty() { "/" } else { root };
        Site {
            remote,
            root: root.to_string(),
            listings: HashMap::new(),
            checked_by: "",
        }
    }

    /// The server's path of `rel` (a path under the store root).
    pub fn path(&self, rel: &str) -> String {
        if rel.is_empty() {
            return self.root.clone();
        }
        format!("{}/{rel}", self.root.trim_end_matches('/'))
    }

    /// The entries of a folder under the store root (cached: detection
    /// asks for several files of the same folder).
    fn entries(&mut self, rel_dir: &str) -> &[Entry] {
        if !self.listings.contains_key(rel_dir) {
            let path = self.path(rel_dir);
            let entries = self.remote.list(&path).unwrap_or_default();
            self.listings.insert(rel_dir.to_string(), entries);
        }
        &self.listings[rel_dir]
    }

    fn entry(&mut self, rel: &str) -> Option<Entry> {
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        self.entries(dir).iter().find(|e| e.name == name).cloned()
    }

    fn forget(&mut self) {
        self.listings.clear();
    }

    /// The platform of the store, by the same rules as local detection.
    pub fn detect(&mut self) -> Option<&'static Platform> {
        platform::detect_with(&mut |rel| self.entry(rel).is_some())
    }

    /// Deploys `uploads`, creating `dirs` first (each `(path, mode)`). On
    /// any failure what was written is removed and the backup put back.
    pub fn deploy(
        &mut self,
        replace: bool,
        dirs: &[(&str, u32)],
        uploads: &[Upload],
    ) -> Result<Manifest, Refusal> {
        // A root that cannot be listed is an error of its own, not "no shop".
        let top = self.remote.list(&self.root.clone())?;
        self.listings.insert(String::new(), top);
        if self.detect().is_none() {
            return Err(Refusal::NoShop(self.root.clone()));
        }
        let mut manifest = Manifest::default();
        if self.entry(BRIDGE_DIR).is_some() {
            if !replace {
                return Err(Refusal::BridgeExists);
            }
            if self.entry(BACKUP_DIR).is_some() {
                return Err(Refusal::BackupExists);
            }
            let (from, to) = (self.path(BRIDGE_DIR), self.path(BACKUP_DIR));
            self.remote.rename(&from, &to)?;
            manifest.backup = true;
        }
        self.forget();
        match self.write_all(&mut manifest, dirs, uploads) {
            Ok(()) => Ok(manifest),
            Err(refusal) => {
                // Best effort: the refusal is what the operator must see.
                let _ = self.withdraw(&manifest);
                Err(refusal)
            }
        }
    }

    fn write_all(
        &mut self,
        manifest: &mut Manifest,
        dirs: &[(&str, u32)],
        uploads: &[Upload],
    ) -> Result<(), Refusal> {
        for &(dir, mode) in dirs {
            let path = self.path(dir);
            self.remote.mkdir(&path)?;
            manifest.dirs.push(dir.to_string());
            self.remote.chmod(&path, mode)?;
        }
        for upload in uploads {
            let path = self.path(&upload.path);
            manifest.files.push(upload.path.clone());
            self.remote.put(&path, &upload.bytes)?;
            self.remote.chmod(&path, upload.mode)?;
            self.verify(&path, &upload.bytes)?;
        }
        manifest.files.push(MANIFEST.to_string());
        let text = serde_json::to_vec_pretty(manifest).map_err(io::Error::other)?;
        let path = self.path(MANIFEST);
        self.remote.put(&path, &text)?;
        self.remote.chmod(&path, 0o600)?;
        self.check_modes(dirs, uploads)
    }

    /// The file on the server is the one sent: same size, same SHA-256.
    fn verify(&mut self, path: &str, sent: &[u8]) -> Result<(), Refusal> {
        let size = self.remote.size(path)?;
        if size != sent.len() as u64 {
            return Err(Refusal::Corrupted(format!(
                "{path} is {size} bytes on the server, {} were sent",
                sent.len()
            )));
        }
        let (digest, how) = match self.remote.sha256(path)? {
            Some(digest) => (digest, "computed by the server"),
            None => (Sha256::digest(self.remote.get(path)?).to_vec(), "read back"),
        };
        self.checked_by = how;
        if digest[..] != Sha256::digest(sent)[..] {
            return Err(Refusal::Corrupted(format!(
                "{path} {how} has another SHA-256 than the file sent"
            )));
        }
        Ok(())
    }

    /// Reads the modes back: nothing deploy wrote may be writable by group
    /// or others, and each has the mode asked.
    fn check_modes(&mut self, dirs: &[(&str, u32)], uploads: &[Upload]) -> Result<(), Refusal> {
        self.forget();
        let wanted = dirs
            .iter()
            .map(|&(p, m)| (p.to_string(), m))
            .chain(uploads.iter().map(|u| (u.path.clone(), u.mode)));
        for (rel, mode) in wanted.collect::<Vec<_>>() {
            let path = self.path(&rel);
            let entry = self
                .entry(&rel)
                .ok_or_else(|| Refusal::Io(io::Error::other(format!("{path} is not listed"))))?;
            if entry.mode & 0o022 != 0 || entry.mode != mode {
                return Err(Refusal::Writable(format!(
                    "{path} (mode {:03o}, wanted {mode:03o})",
                    entry.mode
                )));
            }
        }
        Ok(())
    }

    /// The bytes of a file under the store root, if it is there.
    pub fn read(&mut self, rel: &str) -> io::Result<Option<Vec<u8>>> {
        if self.entry(rel).is_none() {
            return Ok(None);
        }
        let path = self.path(rel);
        self.remote.get(&path).map(Some)
    }

    /// The manifest deploy left on the server, if any.
    pub fn manifest(&mut self) -> io::Result<Option<Manifest>> {
        if self.entry(MANIFEST).is_none() {
            return Ok(None);
        }
        let path = self.path(MANIFEST);
        let bytes = self.remote.get(&path)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(io::Error::other)
    }

    /// Removes what `manifest` lists (files, then folders deepest first)
    /// and puts the backup back; returns one line per change.
    pub fn withdraw(&mut self, manifest: &Manifest) -> io::Result<Vec<String>> {
        let mut lines = Vec::new();
        for rel in manifest.files.iter().rev() {
            let path = self.path(rel);
            if self.remote.remove_file(&path).is_ok() {
                lines.push(format!("removed  {path}"));
            }
        }
        for rel in manifest.dirs.iter().rev() {
            let path = self.path(rel);
            if rel.ends_with(&format!("/{}", crate::store::PRIVATE_DIR)) {
                // Deploy made the private folder: all in it is the bridge's
                // (its config, and the nonces and history it keeps since).
                for entry in self.remote.list(&path)?.iter().filter(|e| !e.dir) {
                    let file = format!("{path}/{}", entry.name);
                    self.remote.remove_file(&file)?;
                    lines.push(format!("removed  {file}"));
                }
            }
            match self.remote.remove_dir(&path) {
                Ok(()) => lines.push(format!("removed  {path}")),
                Err(_) => lines.push(format!(
                    "kept     {path} (it holds files deploy did not write)"
                )),
            }
        }
        if manifest.backup {
            let (from, to) = (self.path(BACKUP_DIR), self.path(BRIDGE_DIR));
            self.remote.rename(&from, &to)?;
            lines.push(format!("restored {to} from {from}"));
        }
        self.forget();
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A server in memory: paths to bytes (None for a folder) and modes. It
    /// stores uploads through `rewrite` (a broken transfer); with `hashes`
    /// it answers `sha256` itself, as the SFTP session does when `sha256sum`
    /// runs on the server.
    #[derive(Default)]
    struct Memory {
        files: BTreeMap<String, (Option<Vec<u8>>, u32)>,
        rewrite: Option<Rewrite>,
        hashes: bool,
    }

    /// A change a broken transfer makes to the bytes sent.
    type Rewrite = fn(&[u8]) -> Vec<u8>;

    /// What an ASCII-mode transfer does to a binary: CR LF becomes LF.
    fn ascii_mode(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        for (i, &b) in bytes.iter().enumerate() {
            if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                out.push(b);
            }
        }
        out
    }

    /// A rewrite that keeps the length (a proxy changing bytes).
    fn flip_bits(bytes: &[u8]) -> Vec<u8> {
        bytes.iter().map(|b| b ^ 1).collect()
    }

    fn missing(path: &str) -> io::Error {
        io::Error::new(io::ErrorKind::NotFound, path.to_string())
    }

    impl Remote for Memory {
        fn list(&mut self, dir: &str) -> io::Result<Vec<Entry>> {
            let prefix = format!("{dir}/");
            Ok(self
                .files
                .iter()
                .filter_map(|(path, (bytes, mode))| {
                    let name = path.strip_prefix(&prefix)?;
                    (!name.contains('/')).then(|| Entry {
                        name: name.to_string(),
                        dir: bytes.is_none(),
                        mode: *mode,
                    })
                })
                .collect())
        }
        fn get(&mut self, path: &str) -> io::Result<Vec<u8>> {
            match self.files.get(path) {
                Some((Some(bytes), _)) => Ok(bytes.clone()),
                _ => Err(missing(path)),
            }
        }
        fn put(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
            let stored = self.rewrite.map_or_else(|| bytes.to_vec(), |f| f(bytes));
            self.files.insert(path.into(), (Some(stored), 0o644));
            Ok(())
        }
        fn mkdir(&mut self, path: &str) -> io::Result<()> {
            self.files.insert(path.into(), (None, 0o755));
            Ok(())
        }
        fn chmod(&mut self, path: &str, mode: u32) -> io::Result<()> {
            let entry = self.files.get_mut(path).ok_or_else(|| missing(path))?;
            entry.1 = mode;
            Ok(())
        }
        fn remove_file(&mut self, path: &str) -> io::Result<()> {
            self.files
                .remove(path)
                .map(drop)
                .ok_or_else(|| missing(path))
        }
        fn remove_dir(&mut self, path: &str) -> io::Result<()> {
            let prefix = format!("{path}/");
            if self.files.keys().any(|p| p.starts_with(&prefix)) {
                return Err(io::Error::other(format!("{path} is not empty")));
            }
            self.files
                .remove(path)
                .map(drop)
                .ok_or_else(|| missing(path))
        }
        fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
            let moved: Vec<String> = self
                .files
                .keys()
                .filter(|p| *p == from || p.starts_with(&format!("{from}/")))
                .cloned()
                .collect();
            for path in moved {
                let value = self.files.remove(&path).unwrap();
                self.files
                    .insert(format!("{to}{}", &path[from.len()..]), value);
            }
            Ok(())
        }
        fn size(&mut self, path: &str) -> io::Result<u64> {
            self.get(path).map(|b| b.len() as u64)
        }
        fn sha256(&mut self, path: &str) -> io::Result<Option<Vec<u8>>> {
            if !self.hashes {
                return Ok(None);
            }
            self.get(path).map(|b| Some(Sha256::digest(b).to_vec()))
        }
        fn close(&mut self) {}
    }

    /// An OpenCart shop with the incumbent's bridge.
    fn shop() -> Memory {
        let mut server = Memory::default();
        for dir in ["/www", "/www/system", "/www/bridge2cart"] {
            server.files.insert(dir.into(), (None, 0o755));
        }
        for (path, text) in [
            ("/www/config.php", "<?php\n"),
            ("/www/system/startup.php", "<?php\n"),
            ("/www/bridge2cart/bridge.php", "<?php // incumbent\r\n"),
        ] {
            server
                .files
                .insert(path.into(), (Some(text.as_bytes().to_vec()), 0o644));
        }
        server
    }

    fn deploy_into(server: &mut Memory) -> Result<Manifest, Refusal> {
        let uploads = [Upload {
            path: "bridge2cart/cartbridge".into(),
            bytes: b"\x7fELF\r\n\x00binary\r\n".to_vec(),
            mode: 0o755,
        }];
        Site::new(server, "/www").deploy(true, &[("bridge2cart", 0o755)], &uploads)
    }

    #[test]
    fn an_ascii_mode_upload_is_caught_whichever_way_the_hash_is_had() {
        for hashes in [false, true] {
            let mut server = shop();
            server.rewrite = Some(ascii_mode);
            server.hashes = hashes;
            let before = server.files.clone();
            let refusal = deploy_into(&mut server).unwrap_err();
            assert!(
                matches!(&refusal, Refusal::Corrupted(what) if what.contains("bytes on the server")),
                "{refusal}"
            );
            assert_eq!(
                server.files, before,
                "the previous bridge is back, byte for byte"
            );
        }
    }

    #[test]
    fn the_hash_is_checked_even_when_the_size_matches() {
        for hashes in [false, true] {
            let mut server = shop();
            server.rewrite = Some(flip_bits);
            server.hashes = hashes;
            let before = server.files.clone();
            let refusal = deploy_into(&mut server).unwrap_err();
            let how = if hashes {
                "computed by the server"
            } else {
                "read back"
            };
            assert!(
                matches!(&refusal, Refusal::Corrupted(what) if what.contains(how)),
                "{refusal}"
            );
            assert_eq!(server.files, before);
        }
    }

    #[test]
    fn a_clean_upload_is_kept_and_withdrawn_to_the_previous_state() {
        let mut server = shop();
        server.hashes = true;
        let before = server.files.clone();
        let manifest = deploy_into(&mut server).unwrap();
        assert!(manifest.backup);
        assert_eq!(
            server.files["/www/bridge2cart/cartbridge"],
            (Some(b"\x7fELF\r\n\x00binary\r\n".to_vec()), 0o755)
        );
        Site::new(&mut server, "/www").withdraw(&manifest).unwrap();
        assert_eq!(server.files, before);
    }
}
