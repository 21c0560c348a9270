#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs and starts what the
# tests need (tests/services.sh), then checks formatting and lints and runs
# every test. This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/services.sh
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked --no-fail-fast
# Every parser under cargo-fuzz, 120 s in all (FUZZ_SECONDS sets the total; 0 skips).
bash tests/fuzz.sh
