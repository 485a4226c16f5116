#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Thread scaling and parser cost of the engine, robust to a noisy machine:
# runs `engine_only` in interleaved rounds (one thread / two threads, parsers
# off / on, one after the other in every round, so that a slow spell of the
# machine hits every configuration alike) and reports the median of each.
#
#   bench/scaling.sh [--rounds N] [--threads T] CAPTURE
#
# Prints packets/s per configuration, two-thread over one-thread speed-up
# (parsers off: decode + flows + reassembly; parsers on: every parser), and
# parsers-on over parsers-off (the parsers' cost) for one and T threads.
# Environment: ENGINE_ONLY (default target/release/examples/engine_only;
# built unless SKIP_BUILD=1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=9
THREADS=2
while [ $# -gt 1 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
FILE=${1:?usage: bench/scaling.sh [--rounds N] [--threads T] CAPTURE}
BIN=${ENGINE_ONLY:-$ROOT/target/release/examples/engine_only}
if [ "${SKIP_BUILD:-0}" != 1 ] && [ -z "${ENGINE_ONLY:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p plantguard-engine --example engine_only)
fi
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
reload_from_disk "$FILE"
rate() { engine_rate "$BIN" "$@" "$FILE"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  rate --threads 1 --no-parsers >>"$tmp/off1"
  rate --threads "$THREADS" --no-parsers >>"$tmp/offT"
  rate --threads 1 >>"$tmp/on1"
  rate --threads "$THREADS" >>"$tmp/onT"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
off1=$(median_value <"$tmp/off1"); offT=$(median_value <"$tmp/offT")
on1=$(median_value <"$tmp/on1"); onT=$(median_value <"$tmp/onT")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "medians of $ROUNDS interleaved rounds, M packets/s ($FILE)"
printf '  parsers off: 1 thread %s, %s threads %s  (x%s)\n' "$off1" "$THREADS" "$offT" "$(ratio "$offT" "$off1")"
printf '  parsers on:  1 thread %s, %s threads %s  (x%s)\n' "$on1" "$THREADS" "$onT" "$(ratio "$onT" "$on1")"
printf '  parsers on / off: 1 thread %s, %s threads %s\n' "$(ratio "$on1" "$off1")" "$THREADS" "$(ratio "$onT" "$offT")"
# The fastest round of each configuration is the one the host's other
# tenants disturbed least: on a shared machine it shows the code's own
# speed better than the median does.
best() { sort -g | tail -1; }
boff1=$(best <"$tmp/off1"); boffT=$(best <"$tmp/offT")
bon1=$(best <"$tmp/on1"); bonT=$(best <"$tmp/onT")
echo "fastest of $ROUNDS rounds:"
printf '  parsers off: 1 thread %s, %s threads %s  (x%s)\n' "$boff1" "$THREADS" "$boffT" "$(ratio "$boffT" "$boff1")"
printf '  parsers on:  1 thread %s, %s threads %s  (x%s)\n' "$bon1" "$THREADS" "$bonT" "$(ratio "$bonT" "$bon1")"
printf '  parsers on / off: 1 thread %s, %s threads %s\n' "$(ratio "$bon1" "$boff1")" "$THREADS" "$(ratio "$bonT" "$boffT")"
echo "  all runs (off1 offT on1 onT):"
paste "$tmp/off1" "$tmp/offT" "$tmp/on1" "$tmp/onT" | sed 's/^/    /'
