#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Peer comparison: time `plantguard assess` on one thread and on all threads
# against ndpiReader (nDPI) and tshark on the same generated capture, and print
# throughput and ratios. See bench/README.md.
#
#   bench/run.sh [--packets N] [--flows F] [--hosts H] [--seed S] [--mix ics|it|mixed]
#                [--runs R] [--keep] [--no-peers] [--memory]
#
#   --keep      keep the generated capture in bench/data/ (reused next time
#               when the parameters match); by default it is deleted.
#   --memory    generate 20 M packets / 1 M flows and report plantguard's max
#               RSS (the 1 GiB budget), instead of the speed comparison.
#   --no-peers  time plantguard only.
#
# Environment: PLANTGUARD (binary, default target/release/plantguard),
# CAPGEN (default target/release/plantguard-capgen), SKIP_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/bench/data"
PACKETS=5000000
FLOWS=50000
HOSTS=2000
SEED=1
MIX=ics
RUNS=3
KEEP=0
MEMORY=0
PEERS=1

while [ $# -gt 0 ]; do
  case "$1" in
    --packets) PACKETS=$2; shift 2 ;;
    --flows) FLOWS=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --mix) MIX=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --memory) MEMORY=1; shift ;;
    --no-peers) PEERS=0; shift ;;
    -h|--help) sed -n '3,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ "$MEMORY" = 1 ]; then
  PACKETS=20000000
  FLOWS=1000000
  HOSTS=5000
fi

log() { printf '== %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------
need_pkgs=()
[ -x /usr/bin/time ] || need_pkgs+=(time)
if [ "$PEERS" = 1 ] && [ "$MEMORY" = 0 ]; then
  command -v ndpiReader >/dev/null || need_pkgs+=(libndpi-bin)
  command -v tshark >/dev/null || need_pkgs+=(tshark)
fi
command -v hyperfine >/dev/null || need_pkgs+=(hyperfine)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  log "installing ${need_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null ||
    log "apt-get install failed; continuing with what is available"
fi
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 1; }

# --- build ---------------------------------------------------------------------
CAPGEN=${CAPGEN:-$ROOT/target/release/plantguard-capgen}
PLANTGUARD=${PLANTGUARD:-$ROOT/target/release/plantguard}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "cargo build --release -p plantguard -p plantguard-capgen"
  if ! (cd "$ROOT" && cargo build --release -p plantguard -p plantguard-capgen); then
    log "plantguard does not build yet; building the generator only"
    (cd "$ROOT" && cargo build --release -p plantguard-capgen)
  fi
fi
HAVE_PG=0
if command -v "$PLANTGUARD" >/dev/null && "$PLANTGUARD" assess --help >/dev/null 2>&1; then
  HAVE_PG=1
else
  log "no working '$PLANTGUARD assess'; timing the peers only"
fi

# --- capture -------------------------------------------------------------------
mkdir -p "$DATA"
FILE="$DATA/$MIX-p$PACKETS-f$FLOWS-h$HOSTS-s$SEED.pcap"
GEN_CMD="$CAPGEN --packets $PACKETS --flows $FLOWS --hosts $HOSTS --seed $SEED --mix $MIX --out $FILE"
if [ -s "$FILE" ]; then
  log "reusing $FILE"
else
  log "$GEN_CMD"
  $GEN_CMD
fi
cleanup() { [ "$KEEP" = 1 ] || rm -f "$FILE"; }
trap cleanup EXIT
cat "$FILE" >/dev/null # warm the page cache so the first tool is not penalised

NPROC=$(nproc)
RESULTS=$(mktemp)
TMP=$(mktemp -d)

# measure NAME THREADS CMD: RUNS timed runs; wall time from hyperfine (median)
# or GNU time (median), max RSS from GNU time; load average noted.
measure() {
  local name=$1 threads=$2 cmd=$3 tf="$TMP/time.$RANDOM" secs rss load
  : >"$tf"
  load=$(cut -d' ' -f1 /proc/loadavg)
  log "$name ($threads thread(s)): $cmd   [load $load]"
  if command -v hyperfine >/dev/null; then
    hyperfine --style basic --runs "$RUNS" --export-json "$TMP/h.json" \
      "/usr/bin/time -a -o $tf -f '%e %M' $cmd" >&2
    secs=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$TMP/h.json")
  else
    for _ in $(seq "$RUNS"); do
      /usr/bin/time -a -o "$tf" -f '%e %M' bash -c "$cmd"
    done
    secs=$(awk '{print $1}' "$tf" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  fi
  rss=$(awk '$2>m {m=$2} END {print m}' "$tf")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$threads" "$secs" "$rss" "$load" "$cmd" >>"$RESULTS"
}

if [ "$MEMORY" = 1 ]; then
  if [ "$HAVE_PG" = 1 ]; then
    RUNS=1
    measure plantguard "$NPROC" "$PLANTGUARD assess $FILE --threads $NPROC --quiet --json >/dev/null"
    measure plantguard 1 "$PLANTGUARD assess $FILE --threads 1 --quiet --json >/dev/null"
  else
    log "memory mode needs plantguard; capture kept at $FILE"
    KEEP=1
  fi
else
  if [ "$HAVE_PG" = 1 ]; then
    measure plantguard 1 "$PLANTGUARD assess $FILE --threads 1 --quiet --json >/dev/null"
    [ "$NPROC" -le 2 ] || measure plantguard 2 "$PLANTGUARD assess $FILE --threads 2 --quiet --json >/dev/null"
    measure plantguard "$NPROC" "$PLANTGUARD assess $FILE --threads $NPROC --quiet --json >/dev/null"
  fi
  if [ "$PEERS" = 1 ]; then
    command -v ndpiReader >/dev/null && measure ndpiReader 1 "ndpiReader -i $FILE -q >/dev/null"
    if command -v tshark >/dev/null; then
      measure tshark 1 "tshark -r $FILE -q >/dev/null 2>&1"
      measure "tshark -z conv,tcp" 1 "tshark -r $FILE -q -z conv,tcp >/dev/null 2>&1"
    fi
  fi
fi

# --- report --------------------------------------------------------------------
echo
echo "capture: $FILE"
echo "  generated with: $GEN_CMD"
echo "  packets: $PACKETS  flows: $FLOWS  hosts: $HOSTS  mix: $MIX  runs: $RUNS  cpus: $NPROC"
echo "  $(uname -sr); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
awk -F'\t' -v packets="$PACKETS" '
  { name[NR]=$1; thr[NR]=$2; s[NR]=$3; rss[NR]=$4; load[NR]=$5; cmd[NR]=$6
    if ($1 == "plantguard" && $2 == 1) base = $3
    if ($1 == "plantguard" && $2 == 2) two = $3 }
  END {
    printf "%-20s %7s %9s %12s %12s %14s %6s\n", "tool", "threads", "seconds", "packets/s", "max RSS MiB", "x plantguard-1", "load"
    for (i = 1; i <= NR; i++) {
      ratio = (base > 0) ? sprintf("%.2f", s[i] / base) : "-"
      printf "%-20s %7s %9.2f %12.0f %12.1f %14s %6s\n", name[i], thr[i], s[i], packets / s[i], rss[i] / 1024, ratio, load[i]
    }
    if (base > 0 && two > 0) printf "\nspeed-up, plantguard 2 threads vs 1: %.2fx\n", base / two
    print "\n(x plantguard-1 = seconds / seconds of plantguard on one thread; above 1 means slower than plantguard)"
    print "\ncommands:"
    for (i = 1; i <= NR; i++) printf "  %s\n", cmd[i]
  }' "$RESULTS"
rm -rf "$RESULTS" "$TMP"
