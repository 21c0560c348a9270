#!/usr/bin/env bash
# Coverage-guided fuzzing of the config readers (fuzz/: the PHP-literal
# parser; INI, XML, dotenv, database URLs and platform.toml templates) for a
# bounded time per target, seeded with the fixture stores' files. Fails on
# any crash, panic or hang. FUZZ_SECONDS sets the time per target (default
# 60; 0 skips).
#
# cargo-fuzz needs unstable compiler flags: RUSTC_BOOTSTRAP=1 lets the
# machine's stable toolchain accept them. The sanitizer is off: the readers
# are safe Rust, and a panic is what is looked for.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
if [ "$seconds" = 0 ]; then
    echo "fuzz: skipped (FUZZ_SECONDS=0)"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1

corpus=fuzz/corpus
rm -rf "$corpus"
mkdir -p "$corpus/php" "$corpus/config"
python3 - "$corpus" <<'PY'
import glob, os, re, sys
corpus = sys.argv[1]
stores = 'tests/fixtures/stores/'
n = 0
def put(target, selector, data):
    global n
    prefix = b'' if selector is None else bytes([selector])
    with open(f'{corpus}/{target}/seed{n}', 'wb') as f:
        f.write(prefix + data)
    n += 1
for path in glob.glob(stores + '**/*', recursive=True):
    if not os.path.isfile(path):
        continue
    data = open(path, 'rb').read()
    name = os.path.basename(path)
    if path.endswith('.php'):
        put('php', None, data)
    if path.endswith(('.info', 'etc/config.php')):
        put('config', 0, data)
    if path.endswith('.xml'):
        put('config', 1, data)
    if name.startswith('.env'):
        put('config', 2, data)
        for url in re.findall(rb'mysqli?://[^\s"\']+', data):
            put('config', 3, url)
for path in glob.glob('platforms/*/platform.toml'):
    for template in re.findall(r'"([^"\n]*\{[^"\n]*)"', open(path).read()):
        put('config', 4, template.encode())
PY

cd fuzz
rm -rf artifacts
for target in php config; do
    echo "fuzz: $target for ${seconds}s"
    log="target/fuzz-$target.log"
    mkdir -p target
    if ! cargo fuzz run --sanitizer none --debug-assertions --release "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz: $target failed; the input is in fuzz/artifacts/$target" >&2
        exit 1
    fi
    grep -E '^Done [0-9]+ runs' "$log" || true
done
