//! `cartbridge install` and `cartbridge uninstall`: the bridge put into a
//! shop in one step (bridge folder, private config, first keys, the binary,
//! the web server's rules), every file written recorded in a manifest so
//! that uninstall removes exactly those. Install ends with the doctor.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lexopt::prelude::*;
use serde::{Deserialize, Serialize};

use super::doctor::{self, BINARY_NAME};
use super::{usage_error, Failure};
use crate::platform;
use crate::store::{self, Bridge, SqlPolicy, PRIVATE_DIR};

/// The Apache rules, as shipped in `install/apache/.htaccess`.
pub const HTACCESS: &str = include_str!("../../install/apache/.htaccess");
/// The nginx locations, as shipped in `install/nginx/cartbridge.conf`.
pub const NGINX_LOCATIONS: &str = include_str!("../../install/nginx/cartbridge.conf");
const BLOCK_BEGIN: &str = "# BEGIN cartbridge";
const BLOCK_END: &str = "# END cartbridge";
/// The manifest's name inside the private folder.
const MANIFEST: &str = "installed.json";
/// The name of the first native API key.
pub const FIRST_KEY_ID: &str = "gateway";

/// What install wrote, so that uninstall removes exactly that.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    /// Files install created.
    files: Vec<PathBuf>,
    /// Folders install created (removed when nothing else is left in them).
    dirs: Vec<PathBuf>,
    /// Files that were there before and got install's marked block.
    blocks: Vec<PathBuf>,
}

impl Manifest {
    fn path(bridge_dir: &Path) -> PathBuf {
        bridge_dir.join(PRIVATE_DIR).join(MANIFEST)
    }

    fn load(bridge_dir: &Path) -> io::Result<Option<Manifest>> {
        match fs::read(Manifest::path(bridge_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn save(&self, bridge_dir: &Path) -> io::Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        fs::write(Manifest::path(bridge_dir), text)
    }

    fn created_file(&mut self, path: &Path) {
        if !self.files.iter().any(|p| p == path) {
            self.files.push(path.to_path_buf());
        }
    }
}

/// The web server whose rules install writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Apache or LiteSpeed: `bridge2cart/.htaccess`.
    Apache,
    /// nginx: a locations file to include in the shop's `server` block.
    Nginx,
    /// Nothing written (the rules are managed by hand).
    None,
}

impl Server {
    fn parse(text: &str) -> Result<Option<Server>, Failure> {
        Ok(match text {
            "auto" => None,
            "apache" | "litespeed" => Some(Server::Apache),
            "nginx" => Some(Server::Nginx),
            "none" => Some(Server::None),
            other => {
                return Err((
                    2,
                    format!("--server {other}: use apache, litespeed, nginx, none or auto"),
                ))
            }
        })
    }
}

/// The web server from the names of running programs: Apache or LiteSpeed
/// read `.htaccess` (also behind an nginx front end), nginx alone needs its
/// locations. When no server can be seen (CageFS and `hidepid` hide other
/// users' processes) it is shared hosting, which is Apache or LiteSpeed.
pub fn server_from_programs<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> (Server, &'static str) {
    let names: Vec<&str> = names.into_iter().collect();
    let any = |list: &[&str]| names.iter().any(|n| list.contains(n));
    if any(&["apache2", "httpd", "litespeed", "lshttpd", "openlitespeed"]) {
        (Server::Apache, "Apache/LiteSpeed is running")
    } else if any(&["nginx"]) {
        (Server::Nginx, "nginx is running")
    } else {
        (
            Server::Apache,
            "no web server visible (shared hosting hides it): Apache rules",
        )
    }
}

fn running_programs() -> Vec<String> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| fs::read_to_string(e.path().join("comm")).ok())
        .map(|name| name.trim().to_string())
        .collect()
}

pub fn install(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    let mut server = None;
    let mut url = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("server") => {
                let value = parser.value().map_err(usage_error)?;
                server = Server::parse(&value.to_string_lossy())?;
            }
            Long("url") => url = Some(doctor::url_arg(&mut parser)?),
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let store = store.ok_or((
        2,
        "install needs --store DIR, the shop's root folder (where its config.php is)".to_string(),
    ))?;
    let root = doctor::store_root(Some(store))?;
    let platform = platform::detect(&root, None).ok_or_else(|| {
        (
            1,
            format!(
                "no shop platform found in {}: give --store the shop's root folder (where its config.php is)",
                root.display()
            ),
        )
    })?;
    let server = match server {
        Some(server) => (server, "as asked"),
        None => server_from_programs(running_programs().iter().map(String::as_str)),
    };
    println!(
        "cartbridge install: {} ({})",
        root.display(),
        platform.title
    );
    let steps = Installer::new(&root).and_then(|mut i| i.run(server));
    let steps = steps.map_err(|e| (1, format!("install stopped: {e}")))?;
    for line in steps {
        println!("  {line}");
    }
    println!();
    let report = doctor::diagnose(&root, url.as_ref());
    print!("{}", report.render());
    Ok(i32::from(report.failed()))
}

/// One install run: where, and what it has written so far.
struct Installer {
    root: PathBuf,
    bridge_dir: PathBuf,
    manifest: Manifest,
    lines: Vec<String>,
}

impl Installer {
    fn new(root: &Path) -> io::Result<Installer> {
        let bridge_dir = root.join("bridge2cart");
        let manifest = Manifest::load(&bridge_dir)?.unwrap_or_default();
        Ok(Installer {
            root: root.to_path_buf(),
            bridge_dir,
            manifest,
            lines: Vec::new(),
        })
    }

    fn run(&mut self, (server, why): (Server, &str)) -> io::Result<Vec<String>> {
        self.make_dir(&self.bridge_dir.clone(), 0o755)?;
        self.make_dir(&self.bridge_dir.join(PRIVATE_DIR), 0o700)?;
        self.place_binary()?;
        self.write_config()?;
        match server {
            Server::Apache => self.write_htaccess(why)?,
            Server::Nginx => self.write_nginx(why)?,
            Server::None => self
                .lines
                .push("web server: no rules written (--server none)".into()),
        }
        self.manifest.save(&self.bridge_dir)?;
        self.give_to_shop_owner()?;
        Ok(std::mem::take(&mut self.lines))
    }

    fn make_dir(&mut self, dir: &Path, mode: u32) -> io::Result<()> {
        if dir.is_dir() {
            return Ok(());
        }
        fs::DirBuilder::new().mode(mode).create(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
        self.manifest.dirs.push(dir.to_path_buf());
        self.lines
            .push(format!("created  {} (mode {mode:03o})", dir.display()));
        Ok(())
    }

    /// Copies this program into the bridge folder, unless it runs from there.
    fn place_binary(&mut self) -> io::Result<()> {
        let target = self.bridge_dir.join(BINARY_NAME);
        let me = std::env::current_exe()?;
        if same_file(&me, &target) {
            self.lines
                .push(format!("binary   {} (already in place)", target.display()));
            return Ok(());
        }
        let partial = self.bridge_dir.join(".cartbridge.partial");
        fs::copy(&me, &partial)?;
        fs::set_permissions(&partial, fs::Permissions::from_mode(0o755))?;
        fs::rename(&partial, &target)?;
        self.manifest.created_file(&target);
        self.lines
            .push(format!("copied   {} (mode 755)", target.display()));
        Ok(())
    }

    /// The private config: kept when there is one; the legacy store key
    /// imported from the incumbent's `config.php` (or created), and a first
    /// native key created, each shown once.
    fn write_config(&mut self) -> io::Result<()> {
        let bridge = Bridge::open(self.bridge_dir.clone());
        if let Some(problem) = bridge.config_error {
            return Err(io::Error::other(problem));
        }
        let path = bridge.private_dir().join("config.toml");
        let existed = path.exists();
        let mut config = bridge.config.clone();
        let mut changed = !existed;
        if config.legacy.token.is_none() {
            let token = match bridge.legacy_token() {
                Ok(token) => {
                    self.lines.push(format!(
                        "imported the store key of {} (the gateway keeps using it)",
                        self.bridge_dir.join("config.php").display()
                    ));
                    token
                }
                Err(_) => {
                    let token = crate::access::keys::new_legacy_token()?;
                    self.lines.push(format!(
                        "created  a legacy store key (give it to the gateway; shown once): {token}"
                    ));
                    token
                }
            };
            config.legacy.token = Some(token);
            changed = true;
        }
        if config.keys.is_empty() {
            let key = create_first_key(FIRST_KEY_ID)?;
            self.lines.push(format!(
                "created  API key '{}' with secret {} (shown once: store it in the gateway)",
                key.id, key.secret
            ));
            config.keys.push(key);
            changed = true;
        }
        if changed {
            store::write_private_config(&self.bridge_dir, &config)?;
            self.lines
                .push(format!("wrote    {} (mode 600)", path.display()));
        }
        if !existed {
            self.manifest.created_file(&path);
        }
        Ok(())
    }

    fn write_htaccess(&mut self, why: &str) -> io::Result<()> {
        let path = self.bridge_dir.join(".htaccess");
        match fs::read_to_string(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::write(&path, HTACCESS)?;
                self.manifest.created_file(&path);
            }
            Err(e) => return Err(e),
            Ok(existing) => {
                fs::write(&path, with_block(&existing, HTACCESS))?;
                if !self.manifest.files.contains(&path) && !self.manifest.blocks.contains(&path) {
                    self.manifest.blocks.push(path.clone());
                }
            }
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
        self.lines
            .push(format!("wrote    {} ({why})", path.display()));
        Ok(())
    }

    fn write_nginx(&mut self, why: &str) -> io::Result<()> {
        let path = self.bridge_dir.join(PRIVATE_DIR).join("nginx.conf");
        fs::write(&path, NGINX_LOCATIONS)?;
        self.manifest.created_file(&path);
        self.lines
            .push(format!("wrote    {} ({why})", path.display()));
        self.lines.push(format!(
            "nginx:   add `include {};` to the shop's server {{ }} block, an upstream named cartbridge to http {{ }} (install/nginx/upstream-fcgiwrap.conf or upstream-fastcgi.conf), then `nginx -s reload`",
            path.display()
        ));
        Ok(())
    }

    /// Run as root (an SSH install), the files go to the shop folder's
    /// owner: suEXEC runs the binary as its owner, who must own the folder.
    fn give_to_shop_owner(&mut self) -> io::Result<()> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(());
        }
        let owner = fs::metadata(&self.root)?;
        if owner.uid() == 0 {
            return Ok(());
        }
        let private = self.bridge_dir.join(PRIVATE_DIR);
        let paths = self
            .manifest
            .dirs
            .iter()
            .chain(&self.manifest.files)
            .cloned()
            .chain([
                Manifest::path(&self.bridge_dir),
                private.join("config.toml"),
            ]);
        for path in paths.filter(|p| p.exists()) {
            std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid()))?;
        }
        self.lines
            .push(format!("owner    uid {} (the shop folder's)", owner.uid()));
        Ok(())
    }
}

/// The first key of a store: read scopes only, from any address until the
/// owner names the gateway's (`cartbridge key set gateway --ip ...`; doctor
/// keeps saying so).
pub fn create_first_key(id: &str) -> io::Result<store::KeyConfig> {
    let secret = crate::access::keys::new_secret()?;
    Ok(store::KeyConfig {
        any_ip: true,
        sql_policy: SqlPolicy::None,
        created: Some(crate::access::utc::Stamp(crate::access::utc::now())),
        ..store::KeyConfig::new(id, &secret)
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// `existing` with install's marked block replaced, or appended.
fn with_block(existing: &str, block: &str) -> String {
    match without_block(existing) {
        Some((before, after)) => format!("{before}{block}{after}"),
        None if existing.is_empty() || existing.ends_with('\n') => format!("{existing}\n{block}"),
        None => format!("{existing}\n\n{block}"),
    }
}

/// The text before and after install's block, when there is one.
fn without_block(text: &str) -> Option<(&str, &str)> {
    let begin = text.find(BLOCK_BEGIN)?;
    let end = begin + text[begin..].find(BLOCK_END)? + BLOCK_END.len();
    let end = if text[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some((&text[..begin], &text[end..]))
}

/// What is left of a file once install's block is cut out.
fn join_around_block(before: &str, after: &str) -> String {
    let before = before.trim_end_matches('\n');
    if before.is_empty() {
        after.to_string()
    } else {
        format!("{before}\n{after}")
    }
}

pub fn uninstall(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let root = doctor::store_root(store)?;
    let bridge_dir = root.join("bridge2cart");
    let manifest = Manifest::load(&bridge_dir)
        .map_err(|e| (1, format!("cannot read {}: {e}", Manifest::path(&bridge_dir).display())))?
        .ok_or_else(|| {
            (
                1,
                format!(
                    "{} does not exist: `cartbridge install` did not install this store, nothing was removed",
                    Manifest::path(&bridge_dir).display()
                ),
            )
        })?;
    println!("cartbridge uninstall: {}", root.display());
    let lines = remove_installed(&bridge_dir, &manifest)
        .map_err(|e| (1, format!("uninstall stopped: {e}")))?;
    for line in lines {
        println!("  {line}");
    }
    Ok(0)
}

fn remove_installed(bridge_dir: &Path, manifest: &Manifest) -> io::Result<Vec<String>> {
    let mut lines = Vec::new();
    for path in &manifest.blocks {
        if let Ok(text) = fs::read_to_string(path) {
            if let Some((before, after)) = without_block(&text) {
                fs::write(path, join_around_block(before, after))?;
                lines.push(format!(
                    "removed  cartbridge's block from {}",
                    path.display()
                ));
            }
        }
    }
    for path in manifest.files.iter().rev() {
        match fs::remove_file(path) {
            Ok(()) => lines.push(format!("removed  {}", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
    }
    let private = bridge_dir.join(PRIVATE_DIR);
    if manifest.dirs.contains(&private) {
        // Install made the folder: all in it is the bridge's (config, keys, nonces).
        fs::remove_dir_all(&private)?;
        lines.push(format!("removed  {} and its keys", private.display()));
    } else {
        let _ = fs::remove_file(Manifest::path(bridge_dir));
    }
    for dir in manifest.dirs.iter().rev().filter(|d| **d != private) {
        match fs::remove_dir(dir) {
            Ok(()) => lines.push(format!("removed  {}", dir.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(_) => lines.push(format!(
                "kept     {} (it holds files cartbridge did not write)",
                dir.display()
            )),
        }
    }
    if !manifest.files.iter().any(|p| p.ends_with(BINARY_NAME)) {
        lines.push(format!(
            "kept     {} (it was there before install)",
            bridge_dir.join(BINARY_NAME).display()
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_read_from_running_programs() {
        assert_eq!(
            server_from_programs(["bash", "nginx", "apache2"]).0,
            Server::Apache
        );
        assert_eq!(server_from_programs(["lshttpd"]).0, Server::Apache);
        assert_eq!(server_from_programs(["nginx", "fcgiwrap"]).0, Server::Nginx);
        let (server, why) = server_from_programs(["bash"]);
        assert_eq!(server, Server::Apache);
        assert!(why.contains("shared hosting"), "{why}");
    }

    #[test]
    fn the_shipped_rules_are_one_marked_block() {
        assert!(HTACCESS.starts_with(BLOCK_BEGIN));
        assert!(HTACCESS.trim_end().ends_with(BLOCK_END));
    }

    #[test]
    fn the_block_is_appended_replaced_and_removed() {
        let mine = "Options -Indexes\n";
        let once = with_block(mine, HTACCESS);
        assert!(once.starts_with(mine) && once.contains(BLOCK_BEGIN));
        assert_eq!(
            with_block(&once, HTACCESS),
            once,
            "replaced, not appended again"
        );
        let (before, after) = without_block(&once).unwrap();
        assert_eq!(join_around_block(before, after), mine);
        assert!(without_block(mine).is_none());
    }
}
