#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Profile-guided release build of `plantguard` (and `engine_only`): 4-17 %
# faster than the plain release build on the benchmark captures, one thread
# or two, parsers on or off (docs/performance.md, "profile-guided
# optimisation").
#
#   bench/pgo.sh [CAPTURE...]
#
# Builds the binaries instrumented (target/pgo-gen), runs them on generated
# captures of every traffic mix (`plantguard-capgen`, seed 7: not the
# benchmark's captures), on the demo plant and on every CAPTURE given (your
# own plant's traffic makes the best profile), merges the profile and builds
# again with it into target/pgo. Takes about three minutes on two cores.
#
# Needs `llvm-profdata` of the LLVM version rustc is built on
# (`rustc -vV`; `apt-get install llvm-<major>`). Environment: LLVM_PROFDATA
# (the tool to use).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
profdata=${LLVM_PROFDATA:-}
if [ -z "$profdata" ]; then
  for candidate in "llvm-profdata-$major" llvm-profdata; do
    if command -v "$candidate" >/dev/null \
      && "$candidate" --version 2>/dev/null | grep -q "LLVM version $major\."; then
      profdata=$candidate
      break
    fi
  done
fi
if [ -z "$profdata" ]; then
  echo "bench/pgo.sh: no llvm-profdata for LLVM $major (rustc's); install llvm-$major or set LLVM_PROFDATA" >&2
  exit 2
fi

gen="$ROOT/target/pgo-gen"
out="$ROOT/target/pgo"
raw="$gen/profiles"
train=$(mktemp -d)
trap 'rm -rf "$train"' EXIT
# What the optimised build makes; the instrumented one adds the generator.
targets=(-p plantguard -p plantguard-engine --bins --example engine_only)

echo "== instrumented build ($gen)"
RUSTFLAGS="-Cprofile-generate=$raw" cargo build --release -q -p plantguard-capgen "${targets[@]}" \
  --target-dir "$gen"
# Build scripts ran instrumented too: keep only the training's profiles.
rm -rf "$raw"

echo "== training"
bin="$gen/release"
for mix in ics ics2 mixed it; do
  "$bin/plantguard-capgen" --packets 400000 --flows 4000 --hosts 200 --seed 7 --mix "$mix" \
    --out "$train/$mix.pcap" >/dev/null 2>&1
  for args in "--threads 1" "--threads 1 --no-parsers" "--threads 2"; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    "$bin/examples/engine_only" $args "$train/$mix.pcap" >/dev/null
  done
  "$bin/plantguard" assess "$train/$mix.pcap" --quiet --json >/dev/null
  "$bin/plantguard" assess "$train/$mix.pcap" --quiet --logs "$train/logs-$mix" >/dev/null
done
"$bin/plantguard" assess demo/plant.pcapng --site demo/site.toml --quiet --out "$train/demo" >/dev/null
for capture in "$@"; do
  "$bin/plantguard" assess "$capture" --quiet --json >/dev/null
  "$bin/plantguard" assess "$capture" --quiet --logs "$train/logs-own" >/dev/null
  rm -rf "$train/logs-own"
done
"$profdata" merge -o "$gen/merged.profdata" "$raw"

echo "== optimised build ($out)"
RUSTFLAGS="-Cprofile-use=$gen/merged.profdata -Cllvm-args=-pgo-warn-missing-function=false" \
  cargo build --release -q "${targets[@]}" --target-dir "$out"
echo "$out/release/plantguard"
echo "$out/release/examples/engine_only"
echo "benchmark it: PLANTGUARD=$out/release/plantguard ENGINE_ONLY=$out/release/examples/engine_only SKIP_BUILD=1 bash bench/run.sh"
