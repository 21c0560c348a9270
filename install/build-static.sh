#!/bin/sh
# build-static.sh: a fully static x86_64 Linux binary (musl, static-pie) that
# runs on any x86_64 Linux kernel, whatever its C library: the one to upload.
#
#   sh install/build-static.sh [cargo options]
#
# Needs the Rust target (`rustup target add x86_64-unknown-linux-musl`) and
# musl's C compiler wrapper for the bundled SQLite and ring (Debian:
# `apt-get install musl-tools`). Prints the binary's path, size and SHA-256.
#
# This is the binary for shops: it leaves out the technician's SFTP client
# (cargo feature `sftp`, 1.7 MB); `sh install/build-static.sh --features sftp`
# keeps it.
set -eu
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl

if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
fi
command -v musl-gcc >/dev/null 2>&1 ||
    { echo "build-static.sh: musl-gcc not found: apt-get install musl-tools" >&2; exit 1; }

CC_x86_64_unknown_linux_musl=musl-gcc cargo build --release --locked --target "$target" --no-default-features "$@"

out=target/$target/release/cartbridge
if command -v file >/dev/null 2>&1; then file "$out"; fi
echo "size: $(wc -c <"$out") bytes"
sha256sum "$out"
