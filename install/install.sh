#!/bin/sh
# install.sh: install cartbridge into a shop over SSH.
#
#   sh install.sh /var/www/shop [--url https://shop.example] [--server apache|nginx|none]
#
# Finds the binary (next to this script, as in a release archive, or $CARTBRIDGE),
# checks that it runs on this machine and matches SHA256SUMS when one is there,
# then runs `cartbridge install --store DIR ...`, which creates the bridge folder,
# the private config and the first key, writes the web-server rules and ends with
# `cartbridge doctor`. Run it as the shop's account (or as root: the files it
# creates are then given to the owner of the shop folder).
set -eu

die() { echo "install.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: sh install.sh STORE_DIR [cartbridge install options]"
store=$1
shift
[ -d "$store" ] || die "$store is not a folder: give the shop's root folder (where its config.php is)"

here=$(cd "$(dirname "$0")" && pwd)
bin=${CARTBRIDGE:-}
if [ -z "$bin" ]; then
    for candidate in "$here/cartbridge" "$here/../target/release/cartbridge"; do
        if [ -f "$candidate" ]; then bin=$candidate; break; fi
    done
fi
[ -n "$bin" ] && [ -f "$bin" ] || die "no cartbridge binary next to this script: set CARTBRIDGE=/path/to/cartbridge"

if [ -f "$here/SHA256SUMS" ] && command -v sha256sum >/dev/null 2>&1; then
    (cd "$(dirname "$bin")" && grep " $(basename "$bin")\$" "$here/SHA256SUMS" | sha256sum -c --quiet -) ||
        die "$bin does not match SHA256SUMS: download it again (over FTP, in binary mode)"
fi
[ -x "$bin" ] || chmod 755 "$bin" 2>/dev/null || die "cannot make $bin executable"
version=$("$bin" --version 2>/dev/null) ||
    die "$bin does not run on this machine ($(uname -m)): download the build for this architecture"
echo "install.sh: $version"

exec "$bin" install --store "$store" "$@"
