#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Peer comparison: time `plantguard assess` on one thread and on all threads,
# and the engine alone (`engine_only`, one thread, with and without parsers),
# against ndpiReader (nDPI) and tshark on the same generated capture, and print
# throughput and ratios. See bench/README.md.
#
#   bench/run.sh [--packets N] [--flows F] [--hosts H] [--seed S]
#                [--mix ics|ics2|it|mixed] [--runs R] [--keep] [--no-peers]
#                [--no-tshark-conv] [--memory | --it-cost | --corpus-unrecognised [DIR]]
#
#   --mix M     traffic mix of the generated capture (crates/capgen/README.md):
#               ics (Modbus, ENIP, S7, OPC UA), ics2 (DNP3, IEC 104, BACnet),
#               it, mixed. Every mix gets the same rows.
#   --keep      keep the generated capture in bench/data/ (reused next time
#               when the parameters match); by default it is deleted.
#   --memory    generate 20 M packets / 1 M flows and report plantguard's max
#               RSS (the 1 GiB budget), instead of the speed comparison.
#   --it-cost   on a `mixed` capture, engine_only on one thread with only the
#               industrial parsers and DNS (--only, list below) against all
#               parsers (and no parsers, for reference), rounds interleaved:
#               prints what the IT decoders cost, in % of throughput.
#   --corpus-unrecognised [DIR]
#               run `plantguard assess --json` over every capture under DIR
#               (default: ../shared/corpus beside the repository; identical
#               files once) and report the share of TCP/UDP payload bytes
#               (and wire bytes, flows, packets) in flows no parser claimed,
#               and the top 10 unrecognised ports by payload bytes.
#   --no-peers  time plantguard only.
#   --no-tshark-conv  skip `tshark -z conv,tcp` (slow: one run only by default).
#
# Environment: PLANTGUARD (binary, default target/release/plantguard),
# CAPGEN (default target/release/plantguard-capgen), ENGINE_ONLY (default
# target/release/examples/engine_only), SKIP_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/bench/data"
PACKETS=5000000
FLOWS=50000
HOSTS=2000
SEED=1
MIX=ics
MIX_SET=0
RUNS=3
KEEP=0
MEMORY=0
IT_COST=0
CORPUS=""
PEERS=1
TSHARK_CONV=1

# Parsers that stay on for --it-cost: every industrial parser plus DNS (NTP
# has no parser). Every registered parser must be in exactly one of the two
# lists; the script checks them against `engine_only --list-parsers`.
ICS_PARSERS="modbus,enip,s7comm,opcua,dnp3,iec104,bacnet,profinet_io_cm,mms,fins,ads,ads_discovery,hart_ip,fox,slmp,melsoft,codesys,ge_srtp,pcworx,proconos,crimson_v3,ge_egd,dns"
IT_PARSERS="teamviewer,tls,ssh,rdp,rfb,telnet,ftp,http,snmp,dhcp,dhcpv6,llmnr,mdns,nbns,nbdgm,smb"

while [ $# -gt 0 ]; do
  case "$1" in
    --packets) PACKETS=$2; shift 2 ;;
    --flows) FLOWS=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --mix) MIX=$2; MIX_SET=1; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --memory) MEMORY=1; shift ;;
    --it-cost) IT_COST=1; shift ;;
    --corpus-unrecognised)
      if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then CORPUS=$2; shift 2; else CORPUS=DEFAULT; shift; fi ;;
    --no-peers) PEERS=0; shift ;;
    --no-tshark-conv) TSHARK_CONV=0; shift ;;
    -h|--help) sed -n '3,36p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ $((MEMORY + IT_COST + (${#CORPUS} > 0))) -gt 1 ]; then
  echo "--memory, --it-cost and --corpus-unrecognised exclude each other" >&2
  exit 2
fi
if [ "$MEMORY" = 1 ]; then
  PACKETS=20000000
  FLOWS=1000000
  HOSTS=5000
  RUNS=1
fi
log() { printf '== %s\n' "$*" >&2; }
if [ "$IT_COST" = 1 ]; then
  [ "$MIX_SET" = 0 ] || [ "$MIX" = mixed ] || log "--it-cost measures on a mixed capture, not $MIX"
  MIX=mixed
  PEERS=0
fi
if [ "$CORPUS" = DEFAULT ]; then
  CORPUS="$ROOT/../shared/corpus"
fi
[ -z "$CORPUS" ] || PEERS=0

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
ENGINE_ONLY=${ENGINE_ONLY:-$ROOT/target/release/examples/engine_only}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "cargo build --release -p plantguard -p plantguard-capgen"
  if ! (cd "$ROOT" && cargo build --release -p plantguard -p plantguard-capgen); then
    log "plantguard does not build yet; building the generator only"
    (cd "$ROOT" && cargo build --release -p plantguard-capgen)
  fi
  if [ -z "$CORPUS" ] && [ "$MEMORY" = 0 ]; then
    log "cargo build --release -p plantguard-engine --example engine_only"
    (cd "$ROOT" && cargo build --release -p plantguard-engine --example engine_only) ||
      log "engine_only does not build; no engine-only rows"
  fi
fi
HAVE_PG=0
if command -v "$PLANTGUARD" >/dev/null && "$PLANTGUARD" assess --help >/dev/null 2>&1; then
  HAVE_PG=1
else
  log "no working '$PLANTGUARD assess'; timing the peers only"
fi
HAVE_EO=0
[ -x "$ENGINE_ONLY" ] && HAVE_EO=1

# --- corpus: unrecognised traffic ------------------------------------------------
if [ -n "$CORPUS" ]; then
  [ "$HAVE_PG" = 1 ] || { echo "--corpus-unrecognised needs plantguard ($PLANTGUARD)" >&2; exit 1; }
  [ -d "$CORPUS" ] || { echo "no corpus directory $CORPUS" >&2; exit 1; }
  CORPUS=$(cd "$CORPUS" && pwd)
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
  # Captures by name; identical files (same sha256) are assessed once.
  find "$CORPUS" -type f \( -iname '*.pcap' -o -iname '*.pcapng' -o -iname '*.cap' \
      -o -iname '*.pcap.gz' -o -iname '*.pcapng.gz' \) -print0 |
    sort -z | xargs -0 sha256sum | sort -s -k1,1 -u | cut -c67- | sort >"$OUT/files"
  n=$(wc -l <"$OUT/files")
  log "$n distinct captures under $CORPUS; plantguard assess --json -t 1 on each"
  i=0
  : >"$OUT/failed"
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  while IFS= read -r f; do
    i=$((i + 1))
    if ! "$PLANTGUARD" assess "$f" --json --quiet --threads 1 >"$OUT/$i.json" 2>"$OUT/$i.err"; then
      printf '%s\t%s\n' "$f" "$(head -c 200 "$OUT/$i.err" | tr '\n' ' ')" >>"$OUT/failed"
      rm -f "$OUT/$i.json"
    fi
  done <"$OUT/files"
  echo
  echo "corpus: $CORPUS ($n distinct captures; load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg))"
  python3 - "$OUT" "$CORPUS" <<'PY'
import glob, json, os, sys
out, corpus = sys.argv[1], sys.argv[2]
files = open(os.path.join(out, "files")).read().splitlines()
tot = {"payload_bytes": 0, "bytes": 0, "flows": 0, "packets": 0}
unr = {"payload_bytes": 0, "bytes": 0, "flows": 0, "packets": 0}
ports = {}
ok = 0
for path in glob.glob(os.path.join(out, "*.json")):
    idx = int(os.path.basename(path)[:-5])
    try:
        a = json.load(open(path))
    except ValueError:
        continue
    ok += 1
    for p in a.get("ports", []):
        if p["name"].startswith(("tcp/", "udp/")):
            for k in tot:
                tot[k] += p.get(k, 0)
    for u in a.get("unrecognised", []):
        if u["name"].startswith(("tcp/", "udp/")):
            for k in unr:
                unr[k] += u.get(k, 0)
            e = ports.setdefault(u["name"], {"payload_bytes": 0, "bytes": 0, "flows": 0, "packets": 0, "files": {}})
            for k in ("payload_bytes", "bytes", "flows", "packets"):
                e[k] += u.get(k, 0)
            f = files[idx - 1]
            e["files"][f] = e["files"].get(f, 0) + u.get("payload_bytes", 0)
failed = open(os.path.join(out, "failed")).read().splitlines()
print(f"assessed: {ok}; not assessed (not a capture, or the run failed): {len(failed)}")
for line in failed[:10]:
    f, err = line.split("\t", 1)
    print(f"  {os.path.relpath(f, corpus)}: {err.strip()[:120]}")
if len(failed) > 10:
    print(f"  ... and {len(failed) - 10} more")
def pct(a, b):
    return f"{100.0 * a / b:.2f} %" if b else "-"
print()
print("TCP/UDP traffic in flows no parser claimed (unrecognised[] over ports[], tcp/ and udp/ labels):")
print(f"  payload: {unr['payload_bytes']:>14,} of {tot['payload_bytes']:>14,} = {pct(unr['payload_bytes'], tot['payload_bytes'])}  (TCP/UDP payload bytes)")
print(f"  wire:    {unr['bytes']:>14,} of {tot['bytes']:>14,} = {pct(unr['bytes'], tot['bytes'])}  (whole frames)")
print(f"  flows:   {unr['flows']:>14,} of {tot['flows']:>14,} = {pct(unr['flows'], tot['flows'])}")
print(f"  packets: {unr['packets']:>14,} of {tot['packets']:>14,} = {pct(unr['packets'], tot['packets'])}")
print()
print("top 10 unrecognised ports by payload bytes:")
print(f"  {'port':<12} {'payload':>12} {'% of all':>9} {'flows':>8} {'packets':>9} {'files':>6}  file with the most of these bytes")
top = sorted(ports.items(), key=lambda kv: (-kv[1]["payload_bytes"], kv[0]))[:10]
for name, e in top:
    ex = os.path.relpath(max(e["files"], key=lambda f: (e["files"][f], f)), corpus)
    print(f"  {name:<12} {e['payload_bytes']:>12,} {pct(e['payload_bytes'], tot['payload_bytes']):>9} {e['flows']:>8,} {e['packets']:>9,} {len(e['files']):>6}  {ex}")
PY
  exit 0
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
# Every tool reads the file as a capture read from disk would be held, and
# the first one is not penalised by a cold cache.
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
reload_from_disk "$FILE"

NPROC=$(nproc)
RESULTS=$(mktemp)
TMP=$(mktemp -d)

if [ "$HAVE_EO" = 1 ]; then
  # Both parser lists together must be exactly the registered parsers.
  registered=$("$ENGINE_ONLY" --list-parsers | sort)
  listed=$(printf '%s,%s' "$ICS_PARSERS" "$IT_PARSERS" | tr ',' '\n' | sort)
  if [ "$registered" != "$listed" ]; then
    echo "bench/run.sh: ICS_PARSERS + IT_PARSERS differ from engine_only --list-parsers:" >&2
    diff <(echo "$listed") <(echo "$registered") >&2 || true
    exit 1
  fi
fi

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
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\n' "$name" "$threads" "$secs" "$cpu" "$rss" "$load" "$runs" "$cmd" >>"$RESULTS"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }

# engine_rounds RUNS NAME ARGS [NAME ARGS ...]: `engine_only ARGS FILE` RUNS
# times each, the commands interleaved within every round so that a change
# in machine load hits them alike. Records the median wall and CPU time
# (GNU time), the maximum RSS, and the median of the engine's own packets/s
# (its "M packets/s" line: engine time only, no process start-up), and
# every round's rate and CPU seconds, for ratios paired by round.
engine_rounds() {
  local runs=$1 i r load line
  shift
  local -a names=() args=()
  while [ $# -gt 0 ]; do
    names+=("$1")
    args+=("$2")
    shift 2
  done
  for i in "${!names[@]}"; do : >"$TMP/eo.$i.time"; : >"$TMP/eo.$i.rate"; done
  load=$(cut -d' ' -f1 /proc/loadavg)
  for r in $(seq "$runs"); do
    for i in "${!names[@]}"; do
      # shellcheck disable=SC2086 # ARGS are words
      line=$(/usr/bin/time -a -o "$TMP/eo.$i.time" -f '%e %U %S %M' "$ENGINE_ONLY" ${args[$i]} "$FILE")
      log "${names[$i]} $r/$runs [load $(cut -d' ' -f1 /proc/loadavg)]: $line"
      sed -n 's/.*: \([0-9.]*\) M packets\/s.*/\1/p' <<<"$line" >>"$TMP/eo.$i.rate"
    done
  done
  for i in "${!names[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${names[$i]}" \
      "$(sed -n 's/.*--threads \([0-9]*\).*/\1/p' <<<"${args[$i]}")" \
      "$(awk '{print $1}' "$TMP/eo.$i.time" | median)" \
      "$(awk '{print $2 + $3}' "$TMP/eo.$i.time" | median)" \
      "$(awk '$4>m {m=$4} END {print m}' "$TMP/eo.$i.time")" \
      "$load" "$runs" "$ENGINE_ONLY ${args[$i]} $FILE" \
      "$(median <"$TMP/eo.$i.rate")" \
      "$(paste -d: "$TMP/eo.$i.rate" <(awk '{print $2 + $3}' "$TMP/eo.$i.time") | paste -sd,)" >>"$RESULTS"
  done
}

if [ "$IT_COST" = 1 ]; then
  [ "$HAVE_EO" = 1 ] || { echo "--it-cost needs $ENGINE_ONLY" >&2; exit 1; }
  engine_rounds "$RUNS" "engine ics+dns" "--threads 1 --only $ICS_PARSERS" \
    "engine all parsers" "--threads 1" "engine no parsers" "--threads 1 --no-parsers"
elif [ "$MEMORY" = 1 ]; then
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
  if [ "$HAVE_EO" = 1 ] && [ "$NPROC" -ge 2 ]; then
    # The foundation's scaling: decode + flows + reassembly (and every
    # parser) on one thread and on all, interleaved round by round.
    engine_rounds "$RUNS" "engine no parsers" "--threads 1 --no-parsers" \
      "engine no parsers" "--threads $NPROC --no-parsers" \
      "engine all parsers" "--threads 1" "engine all parsers" "--threads $NPROC"
  elif [ "$HAVE_EO" = 1 ]; then
    engine_rounds "$RUNS" "engine no parsers" "--threads 1 --no-parsers" \
      "engine all parsers" "--threads 1"
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
  # per-round "rate:cpu,rate:cpu,..." of an engine row
  function rounds(row, r, c,   n, i, kv) {
    n = split(row, kv, ",")
    for (i = 1; i <= n; i++) { split(kv[i], x, ":"); r[i] = x[1]; c[i] = x[2] }
    return n
  }
  # "median (min..max)" of per-round ratios a[i] / b[i], in % ("rate":
  # engine packets/s; "cpu": CPU seconds b / a, the same packets), or of
  # 100 % minus them when cost is set.
  function paired(ra, rb, what, cost,   n, i, j, t, v, ar, ac, br, bc) {
    n = rounds(ra, ar, ac); rounds(rb, br, bc)
    for (i = 1; i <= n; i++) {
      v[i] = (what == "rate") ? 100 * ar[i] / br[i] : 100 * bc[i] / ac[i]
      if (cost) v[i] = 100 - v[i]
    }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return sprintf("%.1f %% (rounds %.1f..%.1f)", v[int((n + 1) / 2)], v[1], v[n])
  }
  # "median (min..max)" of per-round speed-ups a[i] / b[i] (engine packets/s).
  function pairedx(ra, rb,   n, i, j, t, v, ar, ac, br, bc) {
    n = rounds(ra, ar, ac); rounds(rb, br, bc)
    for (i = 1; i <= n; i++) v[i] = ar[i] / br[i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return sprintf("%.2fx (rounds %.2f..%.2f)", v[int((n + 1) / 2)], v[1], v[n])
  }
  { name[NR]=$1; thr[NR]=$2; s[NR]=$3; cpu[NR]=$4; rss[NR]=$5; load[NR]=$6; runs[NR]=$7; cmd[NR]=$8; eng[NR]=$9
    if ($1 == "plantguard" && $2 == 1) { base = $3; base_cpu = $4 }
    if ($1 == "plantguard" && $2 == 2) two = $3
    if ($1 == "ndpiReader") ndpi = $3
    if ($1 == "engine no parsers" && $2 == 1) { eo_off = $9; r_off = $10 }
    if ($1 == "engine no parsers" && $2 > 1) { eo_offn = $9; r_offn = $10; nthr = $2 }
    if ($1 == "engine all parsers" && $2 == 1) { eo_on = $9; eo_on_wall = $3; r_on = $10 }
    if ($1 == "engine all parsers" && $2 > 1) { eo_onn = $9; r_onn = $10 }
    if ($1 == "engine ics+dns") { eo_ics = $9; r_ics = $10 } }
  END {
    printf "%-18s %3s %4s %9s %11s %8s %11s %9s %9s %8s %6s\n", "tool", "thr", "runs", "wall s", "packets/s", "cpu s", "pkts/cpu-s", "RSS MiB", "x pg-1", "eng Mpps", "load"
    for (i = 1; i <= NR; i++) {
      ratio = (base > 0) ? sprintf("%.2f", s[i] / base) : "-"
      printf "%-18s %3s %4s %9.2f %11.0f %8.2f %11.0f %9.1f %9s %8s %6s\n", name[i], thr[i], runs[i], s[i], packets / s[i], cpu[i], (cpu[i] > 0 ? packets / cpu[i] : 0), rss[i] / 1024, ratio, eng[i], load[i]
    }
    if (base > 0 && two > 0) printf "\nspeed-up, plantguard 2 threads vs 1 (wall): %.2fx\n", base / two
    if (eo_off > 0 && eo_offn > 0) {
      printf "speed-up, engine %d threads vs 1 (engine packets/s), decode + flows + reassembly: %.2fx\n", nthr, eo_offn / eo_off
      printf "  paired by round: %s\n", pairedx(r_offn, r_off)
      if (eo_on > 0 && eo_onn > 0) {
        printf "  with every parser: %.2fx\n", eo_onn / eo_on
        printf "  paired by round: %s\n", pairedx(r_onn, r_on)
      }
    }
    if (eo_on > 0 && eo_off > 0) {
      printf "\nengine, all parsers / no parsers (engine packets/s, 1 thread): %.1f %%\n", 100 * eo_on / eo_off
      printf "  paired by round: %s by rate, %s by CPU time\n", paired(r_on, r_off, "rate", 0), paired(r_on, r_off, "cpu", 0)
    }
    if (eo_on > 0 && ndpi > 0)
      printf "engine, all parsers (1 thread) vs ndpiReader: %.2fx by engine packets/s, %.2fx by wall time\n", eo_on * 1e6 / (packets / ndpi), ndpi / eo_on_wall
    if (eo_on > 0 && eo_ics > 0) {
      printf "\nIT decoders cost (1 - all parsers / industrial + DNS parsers, engine packets/s): %.1f %% of throughput\n", 100 * (1 - eo_on / eo_ics)
      printf "  paired by round: %s by rate, %s by CPU time\n", paired(r_on, r_ics, "rate", 1), paired(r_on, r_ics, "cpu", 1)
    }
    print "\nwall s / cpu s: medians; RSS: maximum; x pg-1: wall seconds / plantguard 1-thread wall seconds"
    print "(above 1 = slower than plantguard on one thread); eng Mpps: median of engine_only'"'"'s own"
    print "packets/s (engine time, no process start-up); load: 1-min load average before the row ran."
    print "\ncommands:"
    for (i = 1; i <= NR; i++) printf "  %s\n", cmd[i]
  }' "$RESULTS"
rm -rf "$RESULTS" "$TMP"
