#!/usr/bin/env bash
# The whole test suite: formatting, lints, generated tables, and every test.
# Needs tshark on the PATH and the shared corpus beside the repository
# (../shared/corpus), as `.ci/run` sets up.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== generated tables are up to date"
cargo run -q -p xtask -- codegen --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -q -- -D warnings

echo "== fuzz targets build"
(cd fuzz && cargo check -q --bins)

echo "== cargo test"
cargo test --workspace
