#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Peer comparison: time `plantguard assess` on one thread and on all threads
# against ndpiReader (nDPI) and tshark on the same generated capture, and print
# throughput and ratios. See bench/README.md.
#
#   bench/run.sh [--packets N] [--flows F] [--hosts H] [--seed S] [--mix ics|it|mixed]
#                [--runs R] [--keep] [--no-peers] [--no-tshark-conv] [--memory]
#
#   --keep      keep the generated capture in bench/data/ (reused next time
#               when the parameters match); by default it is deleted.
#   --memory    generate 20 M packets / 1 M flows and report plantguard's max
#               RSS (the 1 GiB budget), instead of the speed comparison.
#   --no-peers  time plantguard only.
#   --no-tshark-conv  skip `tshark -z conv,tcp` (slow: one run only by default).
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
TSHARK_CONV=1

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
    --no-tshark-conv) TSHARK_CONV=0; shift ;;
    -h|--help) sed -n '3,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ "$MEMORY" = 1 ]; then
  PACKETS=20000000
  FLOWS=1000000
  HOSTS=5000
  RUNS=1
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

# measure NAME THREADS RUNS CMD: timed runs; wall time is the median of the
# runs (hyperfine when installed, else GNU time), CPU time (user + system) the
# median from GNU time, max RSS the maximum; the load average is noted because
# wall times on a busy machine are noisy (CPU time much less so).
measure() {
  local name=$1 threads=$2 runs=$3 cmd=$4 tf="$TMP/time.$RANDOM" secs cpu rss load
  : >"$tf"
  load=$(cut -d' ' -f1 /proc/loadavg)
  log "$name ($threads thread(s), $runs run(s)): $cmd   [load $load]"
  if command -v hyperfine >/dev/null; then
    hyperfine --style basic --runs "$runs" --export-json "$TMP/h.json" \
      "/usr/bin/time -a -o $tf -f '%e %U %S %M' $cmd" >&2
    secs=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$TMP/h.json")
  else
    for _ in $(seq "$runs"); do
      /usr/bin/time -a -o "$tf" -f '%e %U %S %M' bash -c "$cmd"
    done
    secs=$(awk '{print $1}' "$tf" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  fi
  cpu=$(awk '{print $2 + $3}' "$tf" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(awk '$4>m {m=$4} END {print m}' "$tf")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$threads" "$secs" "$cpu" "$rss" "$load" "$runs" "$cmd" >>"$RESULTS"
}

if [ "$MEMORY" = 1 ]; then
  if [ "$HAVE_PG" = 1 ]; then
    measure plantguard "$NPROC" 1 "$PLANTGUARD assess $FILE --threads $NPROC --quiet --json >/dev/null"
    measure plantguard 1 1 "$PLANTGUARD assess $FILE --threads 1 --quiet --json >/dev/null"
  else
    log "memory mode needs plantguard; capture kept at $FILE"
    KEEP=1
  fi
else
  if [ "$HAVE_PG" = 1 ]; then
    measure plantguard 1 "$RUNS" "$PLANTGUARD assess $FILE --threads 1 --quiet --json >/dev/null"
    [ "$NPROC" -le 2 ] || measure plantguard 2 "$RUNS" "$PLANTGUARD assess $FILE --threads 2 --quiet --json >/dev/null"
    measure plantguard "$NPROC" "$RUNS" "$PLANTGUARD assess $FILE --threads $NPROC --quiet --json >/dev/null"
  fi
  if [ "$PEERS" = 1 ]; then
    # ndpiReader: -q = no per-flow or summary output; one thread for a pcap file.
    command -v ndpiReader >/dev/null && measure ndpiReader 1 "$RUNS" "ndpiReader -i $FILE -q >/dev/null"
    if command -v tshark >/dev/null; then
      # `tshark -q` alone skips dissection (nothing to print or filter), so it
      # is only the file-reading floor; a display filter forces the full
      # dissection pass (Wireshark's normal work) while printing nothing.
      measure "tshark read-only" 1 "$RUNS" "tshark -n -r $FILE -q >/dev/null 2>&1"
      measure "tshark dissect" 1 "$RUNS" "tshark -n -r $FILE -q -Y frame.number==0 >/dev/null 2>&1"
      [ "$TSHARK_CONV" = 0 ] || measure "tshark conv,tcp" 1 1 "tshark -n -r $FILE -q -z conv,tcp >/dev/null 2>&1"
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
  { name[NR]=$1; thr[NR]=$2; s[NR]=$3; cpu[NR]=$4; rss[NR]=$5; load[NR]=$6; runs[NR]=$7; cmd[NR]=$8
    if ($1 == "plantguard" && $2 == 1) { base = $3; base_cpu = $4 }
    if ($1 == "plantguard" && $2 == 2) two = $3 }
  END {
    printf "%-18s %3s %4s %9s %11s %8s %11s %9s %9s %6s\n", "tool", "thr", "runs", "wall s", "packets/s", "cpu s", "pkts/cpu-s", "RSS MiB", "x pg-1", "load"
    for (i = 1; i <= NR; i++) {
      ratio = (base > 0) ? sprintf("%.2f", s[i] / base) : "-"
      printf "%-18s %3s %4s %9.2f %11.0f %8.2f %11.0f %9.1f %9s %6s\n", name[i], thr[i], runs[i], s[i], packets / s[i], cpu[i], (cpu[i] > 0 ? packets / cpu[i] : 0), rss[i] / 1024, ratio, load[i]
    }
    if (base > 0 && two > 0) printf "\nspeed-up, plantguard 2 threads vs 1 (wall): %.2fx\n", base / two
    print "\nwall s / cpu s: medians; RSS: maximum; x pg-1: wall seconds / plantguard 1-thread wall seconds"
    print "(above 1 = slower than plantguard on one thread); load: 1-min load average before the tool ran."
    print "\ncommands:"
    for (i = 1; i <= NR; i++) printf "  %s\n", cmd[i]
  }' "$RESULTS"
rm -rf "$RESULTS" "$TMP"
