#!/usr/bin/env bash
# Coverage-guided fuzzing (fuzz/) of every parser that reads untrusted
# bytes, for a bounded time: the PHP-literal parser and config readers, the
# form parser and canonicaliser, the PHP serialize writer and reader, the
# native API's parameters and the legacy encryption envelopes. Fails on any
# crash, panic, hang or failed property, naming the input libFuzzer saved.
#
# FUZZ_SECONDS is the total fuzzing time, shared equally by the targets
# (default 120; 0 skips); building comes on top. Per target it prints
#   fuzz <target>: <N> runs in <S> s, <C> corpus entries, no crash
# or, on failure, `fuzz <target>: crash, input in fuzz/artifacts/...`.
#
# Each target starts from a scratch corpus (fuzz/target/corpus/<target>):
# the committed seeds of fuzz/corpus/<target> plus the seeds fuzz/seeds.py
# derives from the test fixtures. libFuzzer adds what it finds there, so a
# run never changes the committed corpus.
#
# cargo-fuzz needs unstable compiler flags: RUSTC_BOOTSTRAP=1 lets the
# machine's stable toolchain accept them. The sanitizer is off: the code is
# safe Rust, and a panic (debug assertions on, so overflow too) or a failed
# property is what is looked for.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

targets=(php config form serialize params crypto)
total="${FUZZ_SECONDS:-120}"
if [ "$total" = 0 ]; then
    echo "fuzz: skipped (FUZZ_SECONDS=0)"
    exit 0
fi
# libFuzzer overshoots its time by about a second; keep the total within
# the budget.
seconds=$((total / ${#targets[@]} - 1))
if [ "$seconds" -lt 1 ]; then
    seconds=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
flags=(--sanitizer none --release)

mkdir -p target
if ! cargo fuzz build "${flags[@]}" >target/fuzz-build.log 2>&1; then
    tail -40 target/fuzz-build.log >&2
    echo "fuzz: the targets do not build (log: fuzz/target/fuzz-build.log)" >&2
    exit 1
fi

scratch="$PWD/target/corpus"
rm -rf "$scratch"
mkdir -p "$scratch"
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    if [ -d "corpus/$target" ]; then
        cp -p "corpus/$target"/* "$scratch/$target"/ 2>/dev/null || true
    fi
done
python3 seeds.py "$scratch"

failed=0
for target in "${targets[@]}"; do
    log="$PWD/target/fuzz-$target.log"
    artifacts="$PWD/artifacts/$target"
    rm -rf "$artifacts"
    mkdir -p "$artifacts"
    if cargo fuzz run "${flags[@]}" "$target" "$scratch/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" >"$log" 2>&1; then
        runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
        took=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
        # The last status line's `corp: <entries>/<size>`.
        entries=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
        echo "fuzz $target: ${runs:-?} runs in ${took:-?} s, ${entries:-?} corpus entries, no crash"
    else
        input=$(ls -t "$artifacts" 2>/dev/null | head -1)
        grep -E 'panicked at|^SUMMARY|ERROR: libFuzzer' -A2 "$log" | head -12 >&2 || tail -20 "$log" >&2
        echo "fuzz $target: crash, input in fuzz/artifacts/$target/${input:-(none saved; log: fuzz/target/fuzz-$target.log)}"
        failed=1
    fi
done
exit "$failed"
