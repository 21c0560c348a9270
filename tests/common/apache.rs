//! Apache for the tests: Debian's `apache2` started by the test with its own ServerRoot, config,
//! pid file, logs and cgid socket in a temp dir under `/tmp`, on a free port of 127.0.0.1, never
//! touching `/etc/apache2`. CGI runs through mod_cgid (Debian's event MPM is threaded); the
//! document root's `.htaccess` files are honoured (`AllowOverride Options FileInfo`, what the
//! shipped `install/apache/.htaccess` needs) or ignored (`None`, Apache's default since 2.3.9).
//!
//! Run as root, Apache's children (and so the CGI programs) run as `www-data`, as on a Debian
//! server: the shop's files must belong to that user, and [`as_web_user`] runs commands (install,
//! doctor) as that user, the way a shop owner runs them as the account that owns the shop.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::{free_port, is_root, lock, port_accepts, require_program, terminate};

const MODULES: &str = "/usr/lib/apache2/modules";

/// Whether Apache honours `.htaccess` files in the document root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Htaccess {
    /// `AllowOverride Options FileInfo`.
    Honoured,
    /// `AllowOverride None`.
    Ignored,
}

/// How Apache runs the binary: the shipped `.htaccess` asks for mod_fcgid
/// where it is loaded, else CGI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// mod_cgid: a process per call.
    Cgid,
    /// mod_cgid and mod_fcgid (Debian's `libapache2-mod-fcgid`), as many
    /// shared hosts load them: the binary stays up as FastCGI.
    Fcgid,
    /// mod_cgid through suEXEC (Debian's `apache2-suexec-pristine`: document
    /// root /var/www, uid and gid from 100), running the binary as
    /// [`SUEXEC_USER`], as shared hosts run each account's programs.
    Suexec,
}

/// The account suEXEC runs the shop's programs as (created by
/// tests/services.sh).
pub const SUEXEC_USER: &str = "cbsuexec";

/// uid and gid of an account in /etc/passwd.
pub fn account(name: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd
        .lines()
        .find(|l| l.starts_with(&format!("{name}:")))?;
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields[2].parse().ok()?, fields[3].parse().ok()?))
}

/// A running Apache; dropping it stops it (SIGTERM, then SIGKILL after 5 s) and its CGI daemon.
pub struct Apache {
    pub port: u16,
    child: Mutex<Option<Child>>,
    // Last: removed after the process has stopped.
    dir: tempfile::TempDir,
}

/// uid and gid of the user Apache's children run as when the tests run as root.
pub fn web_user() -> Option<(u32, u32)> {
    if !is_root() {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("www-data:"))
        .expect("user www-data exists (Debian's base-passwd)");
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
}

/// Runs `cmd` as the web server's user (when the tests run as root).
pub fn as_web_user(cmd: &mut Command) -> &mut Command {
    if let Some((uid, gid)) = web_user() {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

/// Gives `path` and everything under it to the web server's user (when root), and makes the
/// folders on the way traversable.
pub fn give_to_web_user(path: &Path) {
    let Some((uid, gid)) = web_user() else {
        return;
    };
    let mut todo = vec![path.to_path_buf()];
    while let Some(p) = todo.pop() {
        std::os::unix::fs::lchown(&p, Some(uid), Some(gid)).unwrap();
        if p.is_dir() && !p.is_symlink() {
            for entry in fs::read_dir(&p).unwrap() {
                todo.push(entry.unwrap().path());
            }
        }
    }
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| d.starts_with("/tmp") && *d != Path::new("/tmp")) {
        let mode = fs::metadata(d).unwrap().permissions().mode();
        fs::set_permissions(d, fs::Permissions::from_mode(mode | 0o711)).unwrap();
        dir = d.parent();
    }
}

impl Apache {
    /// Starts Apache serving `docroot` (absolute) with CGI through mod_cgid.
    pub fn start(docroot: &Path, htaccess: Htaccess) -> Apache {
        Apache::start_with(docroot, htaccess, Runner::Cgid)
    }

    /// Starts Apache serving `docroot` with `runner`'s modules loaded.
    pub fn start_with(docroot: &Path, htaccess: Htaccess, runner: Runner) -> Apache {
        let apache2 = require_program("apache2");
        let dir = tempfile::Builder::new()
            .prefix("cbap")
            .tempdir_in("/tmp")
            .expect("create Apache's temp dir in /tmp");
        // The CGI daemon's socket is reached by the children (www-data).
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let mut apache = Apache {
            port: 0,
            child: Mutex::new(None),
            dir,
        };
        for attempt in 1..=5 {
            let port = free_port();
            let conf = apache.dir.path().join("apache2.conf");
            fs::write(&conf, apache.config(docroot, htaccess, runner, port)).unwrap();
            let out = fs::File::create(apache.dir.path().join("apache.out")).unwrap();
            let child = Command::new(&apache2)
                .arg("-f")
                .arg(&conf)
                .arg("-DFOREGROUND")
                .env_clear()
                .env(
                    "PATH",
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                )
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start apache2: {e}"));
            *lock(&apache.child) = Some(child);
            if apache.wait_ready(port, attempt) {
                apache.port = port;
                return apache;
            }
        }
        unreachable!("Apache start attempts exhausted");
    }

    /// True once `port` accepts; false when Apache lost the port to another process.
    fn wait_ready(&self, port: u16, attempt: u32) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let exited = lock(&self.child)
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                *lock(&self.child) = None;
                let log = self.logs();
                if log.contains("Address already in use") && attempt < 5 {
                    return false;
                }
                panic!("apache2 exited ({status}) at start:\n{log}");
            }
            if port_accepts(port) {
                return true;
            }
            assert!(
                Instant::now() < deadline,
                "Apache does not accept connections on 127.0.0.1:{port} after 10 s:\n{}",
                self.logs()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn config(&self, docroot: &Path, htaccess: Htaccess, runner: Runner, port: u16) -> String {
        let d = self.dir.path().display();
        let user = match web_user() {
            Some(_) => "User www-data\nGroup www-data\n",
            None => "",
        };
        let allow = match htaccess {
            Htaccess::Honoured => "Options FileInfo",
            Htaccess::Ignored => "None",
        };
        let mut modules: String = [
            ("mpm_event_module", "mod_mpm_event.so"),
            ("authz_core_module", "mod_authz_core.so"),
            ("mime_module", "mod_mime.so"),
            ("alias_module", "mod_alias.so"),
            ("rewrite_module", "mod_rewrite.so"),
            ("cgid_module", "mod_cgid.so"),
        ]
        .iter()
        .map(|(name, file)| format!("LoadModule {name} {MODULES}/{file}\n"))
        .collect();
        if runner == Runner::Fcgid {
            let fcgid = Path::new(MODULES).join("mod_fcgid.so");
            assert!(
                fcgid.exists(),
                "{} is missing: apt-get install libapache2-mod-fcgid (tests/services.sh does)",
                fcgid.display()
            );
            modules.push_str(&format!(
                "LoadModule fcgid_module {}\nFcgidIPCDir \"{d}/fcgid\"\nFcgidProcessTableFile \"{d}/fcgid_shm\"\n",
                fcgid.display()
            ));
        }
        if runner == Runner::Suexec {
            assert!(
                Path::new("/usr/lib/apache2/suexec").exists() && account(SUEXEC_USER).is_some(),
                "suEXEC needs apache2-suexec-pristine and the account {SUEXEC_USER} (tests/services.sh)"
            );
            modules.push_str(&format!(
                "LoadModule suexec_module {MODULES}/mod_suexec.so\nSuexecUserGroup {SUEXEC_USER} {SUEXEC_USER}\n"
            ));
        }
        format!(
            "ServerRoot \"{d}\"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile \"{d}/apache.pid\"
DefaultRuntimeDir \"{d}\"
ErrorLog \"{d}/error.log\"
LogLevel info
{modules}{user}StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
ScriptSock \"{d}/cgid.sock\"
TypesConfig /etc/mime.types
CustomLog \"{d}/access.log\" \"%h %t \\\"%r\\\" %>s %b\"
DocumentRoot \"{root}\"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory \"{root}\">
    Options FollowSymLinks
    AllowOverride {allow}
    Require all granted
</Directory>
<FilesMatch \"^\\.ht\">
    Require all denied
</FilesMatch>
",
            root = docroot.display(),
        )
    }

    /// The error log (`info` level) and Apache's own output, for assertion messages.
    pub fn logs(&self) -> String {
        let read = |name: &str| fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!(
            "--- error.log ---\n{}--- apache2 output ---\n{}",
            read("error.log"),
            read("apache.out")
        )
    }

    /// This instance's temp dir.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        if let Some(mut child) = lock(&self.child).take() {
            terminate(&mut child, Duration::from_secs(5));
        }
    }
}
