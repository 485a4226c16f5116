#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Compares builds of `engine_only` on one capture, one thread, parsers off
# and on, in interleaved rounds: every build and mode once a round, the
# builds' order reversed every other round, so a slow spell of the machine
# (other guests on the host's shared cache) hits all of them alike. Prints
# per build the median packets/s, the parsers-on / parsers-off ratio paired
# by round (median and quartiles of the per-round ratios), and its speed
# against the first build paired by round. Paired figures hold up far
# better than ratios of medians from separate runs.
#
#   bench/ab.sh [--rounds R] FILE BUILD_A [BUILD_B ...]
#
# Each BUILD is an `engine_only` binary (copy target/release/examples/engine_only
# aside after building each commit). Default: 15 rounds.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
ROUNDS=15
if [ "${1:-}" = "--rounds" ]; then
  ROUNDS=$2
  shift 2
fi
if [ $# -lt 2 ]; then
  echo "usage: bench/ab.sh [--rounds R] FILE BUILD_A [BUILD_B ...]" >&2
  exit 2
fi
FILE=$1
shift
BUILDS=("$@")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
reload_from_disk "$FILE"

for r in $(seq "$ROUNDS"); do
  order=("${!BUILDS[@]}")
  if [ $((r % 2)) -eq 0 ]; then
    order=($(printf '%s\n' "${order[@]}" | sort -rn))
  fi
  for mode in off on; do
    flag=()
    [ "$mode" = off ] && flag=(--no-parsers)
    for i in "${order[@]}"; do
      rate=$(engine_rate "${BUILDS[$i]}" --threads 1 "${flag[@]}" "$FILE")
      echo "$r $rate" >>"$OUT/$i.$mode"
    done
  done
done

# Per-round values of a build and mode, in round order.
series() { sort -n "$OUT/$1.$2" | awk '{print $2}'; }

printf '%-28s %8s %8s  %-24s %s\n' build off on "on/off paired (q1-q3)" "against the first: on, off"
for i in "${!BUILDS[@]}"; do
  paste <(series "$i" on) <(series "$i" off) <(series 0 on) <(series 0 off) |
    awk -v name="$(basename "${BUILDS[$i]}")" '
      # Sorts a[1..n] into t (insertion sort: a few dozen rounds).
      function sorted(a, n, t,   i, j, x) {
        for (i = 1; i <= n; i++) t[i] = a[i]
        for (i = 2; i <= n; i++) for (j = i; j > 1 && t[j-1] > t[j]; j--) { x = t[j]; t[j] = t[j-1]; t[j-1] = x }
      }
      function median(a, n,   t) {
        sorted(a, n, t)
        return (n % 2) ? t[(n+1)/2] : (t[n/2] + t[n/2+1]) / 2
      }
      # Nearest-rank quantile q of a[1..n].
      function quartile(a, n, q,   t) {
        sorted(a, n, t)
        return t[int(q * (n - 1) + 1.5)]
      }
      { n++; on[n] = $1; off[n] = $2; ratio[n] = $1 / $2; von[n] = $1 / $3; voff[n] = $2 / $4 }
      END {
        printf "%-28s %8.2f %8.2f  %.3f (%.3f-%.3f)          %.3f, %.3f\n", name,
          median(off, n), median(on, n), median(ratio, n), quartile(ratio, n, 0.25),
          quartile(ratio, n, 0.75), median(von, n), median(voff, n)
      }'
done
