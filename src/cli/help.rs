//! `cartbridge <command> --help`: each command's options and examples. The
//! commands whose help is long and tied to their own parsing keep it beside
//! their code; this module holds the others and answers for all of them, so
//! every command takes `-h`/`--help` the same way.

/// The help of `command`, when it is one.
pub fn of(command: &str) -> Option<&'static str> {
    Some(match command {
        "call" => super::call::HELP,
        "export" => super::export::HELP,
        "completions" => super::completions::HELP,
        "log" => super::log::USAGE,
        "key" => super::key::USAGE,
        "decode" => super::legacy::DECODE_HELP,
        "sign" => super::remote::SIGN_HELP,
        "request" => super::remote::REQUEST_HELP,
        "detect" => DETECT,
        "demo" => DEMO,
        "serve" => SERVE,
        "fastcgi" => FASTCGI,
        "install" => INSTALL,
        "uninstall" => UNINSTALL,
        "doctor" => DOCTOR,
        "deploy" => DEPLOY,
        "undeploy" => UNDEPLOY,
        "import-php-bridge" => IMPORT,
        _ => return None,
    })
}

/// Whether the arguments ask for help (`-h` or `--help` anywhere before a
/// `--`; `name=value` pairs never do).
pub fn asked(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-h" || a == "--help")
}

const DETECT: &str = "\
cartbridge detect — say which shop a folder is and what its files say

USAGE:
    cartbridge detect [--store DIR] [--cart-id ID]

Reads the shop's own files the way the bridge does on every call and
prints the platform, version, database (host, port or socket, user, name;
never the password), table prefix, charset, time zone, image folders and
the incumbent's cartVars. Nothing is written and the database is not
contacted. --cart-id starts detection at a platform, as a gateway's
cart_id does.

EXAMPLES:
    cartbridge detect --store /var/www/shop
    cartbridge detect --store . --cart-id Woocommerce

EXIT STATUS: 0 a shop was found, 1 none was (the message says what was
looked for), 2 wrong command line.
";

const DEMO: &str = "\
cartbridge demo — a demo shop on this machine, served on both protocols

USAGE:
    cartbridge demo [--dir DIR] [--listen ADDR] [--curl]

Builds an OpenCart demo store on SQLite in DIR (default ./cartbridge-demo:
catalogue, customers, orders), creates a demo key, serves the native and
the legacy protocol on http://ADDR (default 127.0.0.1:8080) and prints
signed curl commands you can paste into another terminal. Stop it with
Ctrl-C; running it again rebuilds the store. --curl prints fresh signed
commands for a demo that is already running (signatures expire after five
minutes).

EXAMPLES:
    cartbridge demo
    cartbridge demo --listen 127.0.0.1:9090 --dir /tmp/demo
    cartbridge demo --curl --listen 127.0.0.1:9090 --dir /tmp/demo

EXIT STATUS: 0 stopped normally, 1 the port is taken or the store could
not be built, 2 wrong command line.
";

const SERVE: &str = "\
cartbridge serve — serve a store over plain HTTP, for testing

USAGE:
    cartbridge serve [--store DIR] [--listen ADDR]

Answers the same signed calls as the bridge under a web server, on
http://ADDR (default 127.0.0.1:8080), with the store's keys and rules.
Plain HTTP: keep it on loopback or behind a TLS proxy.

EXAMPLES:
    cartbridge serve --store /var/www/shop
    cartbridge serve --store . --listen 127.0.0.1:9000
    cartbridge request http://127.0.0.1:9000/ product.count --key-file key.txt

EXIT STATUS: 0 stopped normally, 1 cannot listen, 2 wrong command line.
";

const FASTCGI: &str = "\
cartbridge fastcgi — serve FastCGI for a web server's fastcgi_pass

USAGE:
    cartbridge fastcgi [--listen ADDR|PATH] [--store DIR]

Listens on a TCP address or a unix socket path; without --listen, on the
socket it inherits (spawn-fcgi, mod_fcgid, systemd socket activation: see
install/systemd/). Without --store, each request's SCRIPT_FILENAME names
its bridge folder. SIGTERM finishes the requests in flight, then exits.

EXAMPLES:
    cartbridge fastcgi --listen /run/cartbridge.sock --store /var/www/shop
    cartbridge fastcgi --listen 127.0.0.1:9001
    spawn-fcgi -s /run/cartbridge.sock -- /var/www/shop/bridge2cart/cartbridge

EXIT STATUS: 0 stopped by a signal, 1 cannot listen, 2 wrong command line
or no socket to inherit.
";

const INSTALL: &str = "\
cartbridge install — put the bridge into a shop in one step

USAGE:
    cartbridge install --store DIR [--server apache|nginx|none] [--url URL]

Detects the shop, creates DIR/bridge2cart/ with this binary, the private
folder .cartbridge/ (0700) and its config.toml (0600), the first API key
(printed once: store it in the gateway), imports the PHP bridge's store key
when bridge2cart/config.php exists, writes the web server's rules (the
server found running, or --server), then runs `doctor` (with --url, also
over HTTP). `cartbridge uninstall` removes every file it wrote.

EXAMPLES:
    sudo -u www-data cartbridge install --store /var/www/shop
    cartbridge install --store /var/www/shop --server nginx --url https://shop.example/bridge2cart/cartbridge

EXIT STATUS: 0 installed and the doctor found nothing to fix, 1 something
failed or must be fixed (the doctor says how), 2 wrong command line.
";

const UNINSTALL: &str = "\
cartbridge uninstall — remove every file install wrote

USAGE:
    cartbridge uninstall [--store DIR]

Removes the files listed in the install manifest (the binary, the rules,
the private folder with its keys and history) and the rules block install
added to an existing .htaccess; files you changed or added are left, and
named.

EXAMPLES:
    cartbridge uninstall --store /var/www/shop

EXIT STATUS: 0 removed, 1 something could not be removed, 2 wrong command line.
";

const DOCTOR: &str = "\
cartbridge doctor — check an installed bridge and say how to fix it

USAGE:
    cartbridge doctor [--store DIR] [--url URL]

Checks the platform and its settings, the database with the shop's own
credentials, file modes (the private config must not be readable by
others), that the binary can run (not on a noexec mount), keys without
address rules, and with --url the web server: a signed call must answer,
the private config must NOT be downloadable (403 or 404), the clocks must
agree. Each problem comes with its fix.

EXAMPLES:
    cartbridge doctor --store /var/www/shop
    cartbridge doctor --store /var/www/shop --url https://shop.example/bridge2cart/cartbridge

EXIT STATUS: 0 nothing to fix (warnings allowed), 1 something must be
fixed, 2 wrong command line.
";

const UNDEPLOY: &str = "\
cartbridge undeploy — remove from a remote shop what deploy wrote

USAGE:
    cartbridge undeploy ftp[s]://USER@HOST[:PORT]/STORE-ROOT [--password-file F | --password-env VAR]

Reads the manifest deploy left in the bridge's private folder and removes
exactly those files and folders (a backup kept by --replace is restored
first when there is one). The password is read as for deploy.

EXAMPLES:
    cartbridge undeploy ftps://shop@ftp.example.com/public_html

EXIT STATUS: 0 removed, 1 something could not be removed (named), 2 wrong
command line.
";

const DEPLOY: &str = "\
cartbridge deploy — upload the bridge into a remote shop

USAGE:
    cartbridge deploy ftp[s]://USER@HOST[:PORT]/STORE-ROOT [--password-file F | --password-env VAR]
                      [--url URL] [--replace [--import-legacy] | --rollback] [--ca-file PEM]
                      [--binary FILE] [--no-rules]
    cartbridge undeploy ftp[s]://USER@HOST[:PORT]/STORE-ROOT [--password-file F | --password-env VAR]

Lists the store root to detect the shop (and refuses a folder that is no
shop), uploads the binary in binary mode and checks its size and SHA-256,
writes the web-server rules and a private config with a new key (printed
once), sets the modes suEXEC accepts, then sends a signed cart.info to
--url. The password is read from --password-file, the variable named by
--password-env (default CARTBRIDGE_DEPLOY_PASSWORD) or the terminal; it is
never an argument and never stored. An existing bridge2cart/ is replaced
only with --replace (kept as a backup that --rollback restores).
undeploy removes exactly what deploy wrote.

EXAMPLES:
    cartbridge deploy ftps://shop@ftp.example.com/public_html --url https://shop.example.com/bridge2cart/cartbridge
    CARTBRIDGE_DEPLOY_PASSWORD=... cartbridge deploy ftps://shop@ftp.example.com/public_html --replace --import-legacy
    cartbridge deploy ftps://shop@ftp.example.com/public_html --rollback
    cartbridge undeploy ftps://shop@ftp.example.com/public_html

EXIT STATUS: 0 deployed and answering, 1 the deploy or the check failed
(the message names the likely cause), 2 wrong command line.
";

const IMPORT: &str = "\
cartbridge import-php-bridge — take over from the PHP bridge

USAGE:
    cartbridge import-php-bridge <bridge2cart folder>

Reads the incumbent's config.php in that folder (its store key, public
key, key id and version) into .cartbridge/config.toml, so the gateway's
existing signatures keep working when the binary replaces bridge.php.

EXAMPLES:
    cartbridge import-php-bridge /var/www/shop/bridge2cart

EXIT STATUS: 0 imported, 1 the folder has no readable config.php,
2 wrong command line.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_of_the_usage_has_help_with_examples() {
        for line in super::super::USAGE.lines() {
            let Some(rest) = line.strip_prefix("    cartbridge ") else {
                continue;
            };
            let command = rest.split_whitespace().next().unwrap();
            if command.starts_with('-') || command == "<command>" {
                continue;
            }
            let help = of(command).unwrap_or_else(|| panic!("no help for {command}"));
            assert!(help.contains("EXAMPLES:"), "{command} help has no examples");
            assert!(
                help.contains("EXIT STATUS"),
                "{command} help has no exit status"
            );
        }
    }

    #[test]
    fn help_is_asked_by_flag_not_by_a_value() {
        let args = |list: &[&str]| list.iter().map(Into::into).collect::<Vec<_>>();
        assert!(asked(&args(&["--store", "x", "--help"])));
        assert!(asked(&args(&["-h"])));
        assert!(!asked(&args(&["sql=--help", "name=-h"])));
        assert!(!asked(&args(&["--", "--help"])));
    }
}
