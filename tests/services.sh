#!/usr/bin/env bash
# tests/services.sh: make sure the services the integration tests use are present.
#
#   * Debian packages: mariadb-server mariadb-client nginx-light fcgiwrap spawn-fcgi libfcgi-bin
#     apache2 (mod_cgid, mod_rewrite), curl, systemd (systemd-socket-activate),
#     openssh-server (the private sshd of tests/deploy.rs's SFTP tests, started by the tests on
#     a free port with their own config and keys; the system's ssh service is not started), and
#     util-linux's unshare (those tests give sshd a private /etc/shadow in a mount namespace)
#     (installed only when a program is missing; `apt-get update` only then);
#   * Debian packages for the load tests (tests/load.rs): wrk;
#   * PyPI: schemathesis (pinned), the OpenAPI-driven test of tests/native_openapi.rs;
#   * PyPI: pyftpdlib and pyOpenSSL, the FTP and FTPS server of tests/deploy.rs
#     (tests/deploy_support/ftpd.py), installed with pip when python3 cannot import them;
#   * MariaDB answering on 127.0.0.1:3306 as root with an empty password (started when it is not
#     running; a running server is never restarted).
#
# Idempotent and quick when everything is there. Prints one line per service and exits non-zero
# with a message naming the service that could not be had. Needs root (or sudo) for installing,
# starting MariaDB and fixing the root account; the tests themselves start their own nginx,
# fcgiwrap and spawn-fcgi instances (tests/common/mod.rs), never the system ones.
#
# Environment: CB_DB_HOST (127.0.0.1), CB_DB_PORT (3306) to check another server;
# CB_DB_DEFAULTS_FILE=<my.cnf> to manage a server described by that option file instead of the
# system one (used to test this script against a private instance).

set -u
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DB_HOST="${CB_DB_HOST:-127.0.0.1}"
DB_PORT="${CB_DB_PORT:-3306}"
START_TIMEOUT=30
DEFS=()
if [ -n "${CB_DB_DEFAULTS_FILE:-}" ]; then DEFS=(--defaults-file="$CB_DB_DEFAULTS_FILE"); fi

die() { echo "services.sh: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif [ -n "$SUDO" ]; then sudo "$@"; else return 1; fi
}

# ---------------------------------------------------------------------------------------------
# 1. Packages: program -> Debian package
# ---------------------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }

missing=()
have mariadbd || have mysqld || missing+=(mariadb-server)
have mariadb || missing+=(mariadb-client)
have nginx || missing+=(nginx-light)
have fcgiwrap || missing+=(fcgiwrap)
have spawn-fcgi || missing+=(spawn-fcgi)
have cgi-fcgi || missing+=(libfcgi-bin)
have apache2 || missing+=(apache2)
[ -e /usr/lib/apache2/modules/mod_fcgid.so ] || missing+=(libapache2-mod-fcgid)
[ -e /usr/lib/apache2/suexec-pristine ] || missing+=(apache2-suexec-pristine)
have curl || missing+=(curl)
have systemd-socket-activate || missing+=(systemd)
have openssl || missing+=(openssl)
have python3 || missing+=(python3 python3-pip)
have zsh || missing+=(zsh)       # the completion scripts are loaded in each shell
have fish || missing+=(fish)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
have ssh-keygen || missing+=(openssh-client)
have unshare || missing+=(util-linux)
have wrk || missing+=(wrk)       # the FastCGI soak of tests/load.rs

if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    have apt-get || die "${missing[0]}: not installed and apt-get is not available (install ${missing[*]} by hand)"
    log=$(mktemp /tmp/cb-services-apt.XXXXXX)
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
       ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "${missing[0]}: apt-get install ${missing[*]} failed (log: $log)"
    fi
    rm -f "$log"
    for p in mariadbd:mariadb-server mariadb:mariadb-client nginx:nginx-light fcgiwrap:fcgiwrap \
             spawn-fcgi:spawn-fcgi cgi-fcgi:libfcgi-bin apache2:apache2 curl:curl \
             systemd-socket-activate:systemd openssl:openssl python3:python3 \
             /usr/sbin/sshd:openssh-server ssh-keygen:openssh-client unshare:util-linux wrk:wrk; do
        have "${p%%:*}" || { [ "${p%%:*}" = mariadbd ] && have mysqld; } ||
            die "${p#*:}: installed but '${p%%:*}' is still not on PATH"
    done
fi

# The account suEXEC runs a shop's programs as (tests/install.rs): a system
# account without a login, as a hosting panel would create per customer.
if ! grep -q '^cbsuexec:' /etc/passwd; then
    as_root useradd --system --no-create-home --shell /usr/sbin/nologin cbsuexec ||
        die "cannot create the account cbsuexec for the suEXEC tests"
fi

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }

# ---------------------------------------------------------------------------------------------
# 2. MariaDB
# ---------------------------------------------------------------------------------------------
tcp_ok() { mariadb --no-defaults -uroot -h"$DB_HOST" -P"$DB_PORT" --connect-timeout=2 -N -B -e 'select 1' >/dev/null 2>&1; }
# Over the unix socket, as the OS root user (unix_socket authentication works here).
sock_sql() { as_root mariadb "${DEFS[@]}" -uroot -N -B --connect-timeout=2 "$@"; }
alive() { as_root mariadb-admin "${DEFS[@]}" --connect-timeout=2 ping >/dev/null 2>&1 ||
          mariadb-admin --no-defaults -h"$DB_HOST" -P"$DB_PORT" --connect-timeout=2 ping >/dev/null 2>&1; }
# `mariadb-admin ping` says "mysqld is alive" even for "Access denied": it means the server answers.

mysqld_bin=$(command -v mariadbd || command -v mysqld)
started=""

opt() { # value of a [mysqld] option from the server's option files, or $2
    local v
    v=$(my_print_defaults "${DEFS[@]}" --mysqld 2>/dev/null | sed -n "s/^--$1=//p" | tail -n 1)
    echo "${v:-$2}"
}

start_mariadb() {
    [ -n "$SUDO" ] || [ "$(id -u)" -eq 0 ] || die "mariadb: not running and not root (run this script as root)"
    local datadir rundir piddir pidfile logerr user
    datadir=$(opt datadir /var/lib/mysql)
    user=$(opt user mysql)
    id "$user" >/dev/null 2>&1 || user=root
    rundir=$(dirname "$(opt socket /run/mysqld/mysqld.sock)")
    pidfile=$(opt pid-file "")
    [ -n "$pidfile" ] || pidfile="$datadir/$(hostname 2>/dev/null || echo localhost).pid"
    piddir=$(dirname "$pidfile")
    logerr=$(opt log-error "")
    for d in /run/mysqld "$rundir" "$piddir"; do
        as_root mkdir -p "$d" && as_root chown "$user:" "$d" 2>/dev/null
    done
    if [ -n "$logerr" ] && [ "${logerr#/}" != "$logerr" ]; then
        as_root mkdir -p "$(dirname "$logerr")"
        as_root chown "$user:" "$(dirname "$logerr")" 2>/dev/null
    fi
    if [ ! -d "$datadir/mysql" ]; then
        echo "mariadb: initialising $datadir"
        as_root mkdir -p "$datadir" && as_root chown "$user:" "$datadir"
        local log
        log=$(mktemp /tmp/cb-services-installdb.XXXXXX)
        as_root mariadb-install-db "${DEFS[@]}" --user="$user" --datadir="$datadir" \
            --auth-root-authentication-method=normal --skip-test-db >"$log" 2>&1 ||
            { tail -n 30 "$log" >&2; die "mariadb: mariadb-install-db failed (log: $log)"; }
        rm -f "$log"
    fi
    if have start-stop-daemon; then
        # --pidfile scopes --oknodo to this instance (another mariadbd may run with other files)
        as_root start-stop-daemon --start --oknodo --background --pidfile "$pidfile" \
            --exec "$mysqld_bin" -- "${DEFS[@]}" --user="$user" ||
            die "mariadb: start-stop-daemon could not start $mysqld_bin"
    elif have mysqld_safe; then
        as_root sh -c 'nohup mysqld_safe "$@" >/dev/null 2>&1 &' sh "${DEFS[@]}" || die "mariadb: mysqld_safe could not be started"
    else
        die "mariadb: neither start-stop-daemon nor mysqld_safe is available to start $mysqld_bin"
    fi
    started=" [started now]"
}

# Root over TCP with an empty password: fix the accounts through the unix socket when needed.
fix_root_auth() {
    sock_sql -e 'select 1' >/dev/null 2>&1 || return 1
    echo "mariadb: enabling password-less root over TCP (root@localhost, root@127.0.0.1)"
    sock_sql <<'SQL' >/dev/null || return 1
ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('');
ALTER USER root@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('');
GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

if ! tcp_ok; then
    if ! alive; then
        pf=$(opt pid-file "")
        if [ -n "$pf" ] && [ -r "$pf" ] && [ -d "/proc/$(cat "$pf" 2>/dev/null)" ]; then
            : # the server process exists but does not answer yet (starting up): just wait for it
        else
            start_mariadb
        fi
    fi
    deadline=$((SECONDS + START_TIMEOUT))
    fixed=""
    until tcp_ok; do
        if [ -z "$fixed" ] && alive && fix_root_auth; then fixed=1; continue; fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            msg="mariadb: no answer to 'mariadb -uroot -h$DB_HOST -P$DB_PORT -e \"select 1\"' after ${START_TIMEOUT}s"
            if alive; then
                msg="$msg (the server runs, but root cannot log in over TCP with an empty password:"
                msg="$msg run ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket)"
            else
                le=$(opt log-error "")
                [ -n "$le" ] && [ -r "$le" ] && tail -n 15 "$le" >&2
                msg="$msg (server not running${le:+, see $le})"
            fi
            die "$msg"
        fi
        sleep 0.3
    done
fi
dbver=$(mariadb --no-defaults -uroot -h"$DB_HOST" -P"$DB_PORT" -N -B -e 'select version()' 2>/dev/null)
echo "mariadb: running ($dbver) at $DB_HOST:$DB_PORT, root without password$started"
echo "mariadb client: $(command -v mariadb) $(pkgver mariadb-client-core || true)"

# ---------------------------------------------------------------------------------------------
# 2b. The FTP/FTPS server of tests/deploy.rs (PyPI)
# ---------------------------------------------------------------------------------------------
if ! python3 -c 'import pyftpdlib, OpenSSL' >/dev/null 2>&1; then
    echo "installing: pyftpdlib pyopenssl (pip)"
    log=$(mktemp /tmp/cb-services-pip.XXXXXX)
    python3 -m pip install -q pyftpdlib pyopenssl >"$log" 2>&1 ||
        python3 -m pip install -q --break-system-packages pyftpdlib pyopenssl >>"$log" 2>&1 ||
        { tail -n 30 "$log" >&2; die "pyftpdlib: pip install pyftpdlib pyopenssl failed (log: $log)"; }
    rm -f "$log"
    python3 -c 'import pyftpdlib, OpenSSL' >/dev/null 2>&1 ||
        die "pyftpdlib: installed but python3 cannot import pyftpdlib and OpenSSL"
fi
echo "pyftpdlib: $(python3 -c 'import pyftpdlib; print(pyftpdlib.__ver__)') (python3 $(python3 -c 'import sys; print(sys.version.split()[0])'))"

SCHEMATHESIS=4.32.5
if ! python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS')" >/dev/null 2>&1; then
    echo "installing: schemathesis==$SCHEMATHESIS (pip)"
    log=$(mktemp /tmp/cb-services-pip.XXXXXX)
    python3 -m pip install -q "schemathesis==$SCHEMATHESIS" >"$log" 2>&1 ||
        python3 -m pip install -q --break-system-packages "schemathesis==$SCHEMATHESIS" >>"$log" 2>&1 ||
        { tail -n 30 "$log" >&2; die "schemathesis: pip install schemathesis==$SCHEMATHESIS failed (log: $log)"; }
    rm -f "$log"
fi
echo "schemathesis: $(python3 -c 'import schemathesis; print(schemathesis.__version__)')"

# ---------------------------------------------------------------------------------------------
# 3. Web-server side programs (started per test by the harness, only reported here)
# ---------------------------------------------------------------------------------------------
nginx_ver=$(nginx -v 2>&1 | sed -n 's|.*nginx/||p')
echo "nginx: $(command -v nginx) ${nginx_ver:-?}"
fcgiwrap_ver=$(fcgiwrap -h 2>&1 | sed -n 's/^fcgiwrap version //p')
echo "fcgiwrap: $(command -v fcgiwrap) ${fcgiwrap_ver:-?}"
spawn_ver=$(spawn-fcgi -v 2>&1 | sed -n 's/^spawn-fcgi v\([^ ]*\).*/\1/p')
echo "spawn-fcgi: $(command -v spawn-fcgi) ${spawn_ver:-?}"
echo "cgi-fcgi: $(command -v cgi-fcgi) (libfcgi-bin $(pkgver libfcgi-bin))"
echo "apache2: $(command -v apache2) $(pkgver apache2)"
echo "curl: $(command -v curl) $(pkgver curl)"
echo "systemd-socket-activate: $(command -v systemd-socket-activate) (systemd $(pkgver systemd))"
echo "sshd: /usr/sbin/sshd (openssh-server $(pkgver openssh-server))"
exit 0
