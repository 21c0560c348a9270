#!/usr/bin/env bash
# bench/run.sh: measures cartbridge against the database's own speed and
# writes BENCHMARKS.md (machine, versions, method, results, a profile).
#
#   bash bench/run.sh            # from a clean clone; a few minutes
#
# Installs what it needs from Debian packages when missing (hyperfine, wrk,
# mariadb-client for mariadb-slap, strace, valgrind, musl-tools) and the
# services of the tests (tests/services.sh: MariaDB, nginx, spawn-fcgi).
# Builds the release binary and the static (musl) binary for its size. The
# store is database `cb10_bench` on the MariaDB of the tests (dropped at the
# end). Environment: CB_BENCH_RUNS (CGI runs per call, 200),
# CB_BENCH_SECONDS (wrk duration, 10), CB_BENCH_STATIC=0 (skip the static
# build), CB_BENCH_CALLGRIND=1 (also a build with symbols and a callgrind
# profile).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need() { # program package
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "bench: installing $2" >&2
    apt-get install -y "$2" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}
bash tests/services.sh >&2
need hyperfine hyperfine
need wrk wrk
need mariadb-slap mariadb-client
need strace strace
need valgrind valgrind
need musl-gcc musl-tools

echo "bench: building the release binary" >&2
cargo build --release --locked
static_size=""
if [ "${CB_BENCH_STATIC:-1}" = 1 ]; then
    echo "bench: building the static binary (for its size)" >&2
    static_size=$(sh install/build-static.sh 2>/dev/null | sed -n 's/^size: \([0-9]*\) bytes/\1/p')
fi
if [ "${CB_BENCH_CALLGRIND:-0}" = 1 ]; then
    echo "bench: building a symbolised copy for callgrind (target/profiling)" >&2
    CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
        cargo build --release --locked --target-dir target/profiling
    export CB_PROFILE_BINARY="$PWD/target/profiling/release/cartbridge"
fi
bin=target/release/cartbridge
# The driver (benches/bridge.rs) is built like the tests; it measures the
# release binary. Built now, so that no compiler runs while it measures.
cargo test --locked --bench bridge --no-run

# The builds above leave the 2 cores busy for a while (linking, the load
# average's tail): the figures start once the 1-minute load is under 0.5,
# or after 3 minutes, and record the load they started at.
for _ in $(seq 36); do
    awk '{ exit !($1 < 0.5) }' /proc/loadavg && break
    sleep 5
done

# The CGI cost of starting any process, for scale: hyperfine on /bin/true and
# on the binary's browser banner (no database, no signature).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
hyperfine -N --warmup 20 --runs 300 --export-json "$scratch/h.json" \
    '/bin/true' \
    "env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SCRIPT_FILENAME=$PWD/$bin $PWD/$bin" \
    >/dev/null 2>&1 || true

load_before=$(uptime)
echo "bench: measuring (see BENCHMARKS.md when done)" >&2
CB_BENCH_BINARY="$PWD/$bin" cargo test --locked --bench bridge -- --bench | tee "$scratch/results.md"
results=$(cat "$scratch/results.md")
load_after=$(uptime)

{
    echo "# Benchmarks"
    echo
    echo "Produced by \`bash bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Every figure below comes"
    echo "from that one run; nothing was edited by hand except the analysis section at the end, which"
    echo "this script keeps from the previous BENCHMARKS.md (between the ANALYSIS markers)."
    echo
    echo "## Machine and versions"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) cores available |"
    echo "| memory | $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) |"
    echo "| kernel | $(uname -sr) |"
    echo "| OS | $(. /etc/os-release && echo "$PRETTY_NAME") |"
    echo "| load before | \`$load_before\` |"
    echo "| load after | \`$load_after\` |"
    echo "| rustc | $(rustc --version) |"
    echo "| MariaDB | $(mariadb -h127.0.0.1 -uroot -N -B -e 'SELECT VERSION()') |"
    echo "| nginx | $(nginx -v 2>&1 | sed 's/.*: //') |"
    echo "| wrk | $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2) |"
    echo "| mariadb-slap | $(mariadb-slap --version | head -1) |"
    echo "| hyperfine | $(hyperfine --version) |"
    echo
    echo "## Binary size"
    echo
    echo "| build | bytes |"
    echo "|---|---:|"
    echo "| static (musl, \`install/build-static.sh\`) | ${static_size:-not built} |"
    echo "| release (glibc, \`cargo build --release\`) | $(wc -c <"$bin") |"
    echo
    echo "## Process start, for scale (hyperfine -N, 300 runs)"
    echo
    python3 - "$scratch/h.json" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))["results"]
except Exception:
    print("(hyperfine did not run)"); sys.exit()
print("| command | median | mean ± σ |\n|---|---:|---:|")
names = ["`/bin/true`", "cartbridge, browser banner (CGI, no database)"]
for name, r in zip(names, data):
    print(f"| {name} | {r['median']*1000:.2f} ms | {r['mean']*1000:.2f} ± {r['stddev']*1000:.2f} ms |")
PY
    echo
    echo "$results"
    echo
    if [ -f BENCHMARKS.md ] && grep -q '<!-- ANALYSIS -->' BENCHMARKS.md; then
        sed -n '/<!-- ANALYSIS -->/,/<!-- \/ANALYSIS -->/p' BENCHMARKS.md
    else
        echo "<!-- ANALYSIS -->"
        echo "<!-- /ANALYSIS -->"
    fi
} >"$scratch/BENCHMARKS.md"
mv "$scratch/BENCHMARKS.md" BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md" >&2
