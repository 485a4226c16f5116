#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The parsers' cost as a function of how many flows a capture holds at once:
# generates captures of the same mix, packet count and hosts with several
# flow counts, then runs `engine_only` on one thread, parsers off and on, in
# interleaved rounds (every file and configuration once a round, so a slow
# spell of the machine hits all alike), and reports the median packets/s and
# the parsers-on / parsers-off ratio per flow count.
#
#   bench/flow_count.sh [--mix M] [--packets N] [--hosts H] [--seed S]
#                       [--flows "F1 F2 ..."] [--rounds R] [--keep]
#
# Defaults: ics2 mix, 5 M packets, 2 000 hosts, seed 1, flows "2000 5000
# 10000 25000 50000" (50 000 is the shape `bench/run.sh` uses), 7 rounds.
# Captures go to bench/data/ (named after their parameters, reused when
# present, deleted after the run unless --keep).
# Environment: ENGINE_ONLY, CAPGEN (default target/release/...; built unless
# SKIP_BUILD=1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIX=ics2
PACKETS=5000000
HOSTS=2000
SEED=1
FLOWS="2000 5000 10000 25000 50000"
ROUNDS=7
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mix) MIX=$2; shift 2 ;;
    --packets) PACKETS=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --flows) FLOWS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
BIN=${ENGINE_ONLY:-$ROOT/target/release/examples/engine_only}
CAPGEN=${CAPGEN:-$ROOT/target/release/plantguard-capgen}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && cargo build --release -q -p plantguard-capgen &&
    cargo build --release -q -p plantguard-engine --example engine_only)
fi
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
mkdir -p "$ROOT/bench/data"
capture() { echo "$ROOT/bench/data/$MIX-p$PACKETS-f$1-h$HOSTS-s$SEED.pcap"; }
made=()
for f in $FLOWS; do
  file=$(capture "$f")
  if [ ! -s "$file" ]; then
    "$CAPGEN" --packets "$PACKETS" --flows "$f" --hosts "$HOSTS" --seed "$SEED" \
      --mix "$MIX" --out "$file" >/dev/null 2>&1
    made+=("$file")
  fi
  reload_from_disk "$file"
done
tmp=$(mktemp -d)
cleanup() {
  rm -rf "$tmp"
  if [ "$KEEP" != 1 ] && [ ${#made[@]} -gt 0 ]; then rm -f "${made[@]}"; fi
}
trap cleanup EXIT
rate() { engine_rate "$BIN" --threads 1 "$@"; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$ROUNDS"); do
  for f in $FLOWS; do
    rate --no-parsers "$(capture "$f")" >>"$tmp/off-$f"
    rate "$(capture "$f")" >>"$tmp/on-$f"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $ROUNDS interleaved rounds, one thread, M packets/s ($MIX, $PACKETS packets, $HOSTS hosts)"
printf '  %8s %12s %12s %9s\n' flows "parsers off" "parsers on" "on / off"
for f in $FLOWS; do
  off=$(median_value <"$tmp/off-$f")
  on=$(median_value <"$tmp/on-$f")
  printf '  %8s %12s %12s %9s\n' "$f" "$off" "$on" "$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.3f", a / b}')"
done
