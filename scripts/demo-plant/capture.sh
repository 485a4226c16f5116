#!/usr/bin/env bash
# Rebuild demo/plant.pcapng and demo/truth.toml from a plant of network namespaces.
# Run as root on a Debian 12 machine: installs what it needs, builds the plant, captures
# about 2.5 minutes of its traffic, removes every namespace it made, then checks the truth
# file against the capture with tshark.
#
#   sudo scripts/demo-plant/capture.sh            # full run (install, capture, check)
#   sudo scripts/demo-plant/capture.sh --check    # only check demo/truth.toml against demo/plant.pcapng
#   sudo scripts/demo-plant/capture.sh --cleanup  # remove leftover namespaces
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/demo"
VENV="$HERE/.venv"
START=$(date +%s)

if [[ $EUID -ne 0 ]]; then echo "run as root (network namespaces)" >&2; exit 1; fi

case "${1:-}" in
  --check) exec /usr/bin/python3 "$HERE/check_truth.py" --truth "$OUT/truth.toml" --pcap "$OUT/plant.pcapng" ;;
  --cleanup) exec /usr/bin/python3 "$HERE/plant.py" cleanup ;;
esac

# ---- 1. packages -----------------------------------------------------------------------
APT_PKGS=(iproute2 tshark tcpdump dnsmasq-base udhcpc busybox snmpd snmp x11vnc xvfb
          openbsd-inetd inetutils-telnetd lldpd openssl curl samba python3-venv python3-dev gcc)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  # wait for another dpkg run to finish
  for _ in $(seq 1 120); do
    command -v fuser >/dev/null && fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 || break; sleep 5
  done
  [[ -n "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]] || apt-get update -q
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || {
    apt-get update -q   # stale package lists: refresh once and retry
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  }
fi
# Services from these packages must not run in the root namespace: we start our own copies
# inside the plant. (Docker-style images deny service starts already; stop any that did start.)
for svc in snmpd openbsd-inetd lldpd nmbd smbd samba-ad-dc; do
  if pid=$(cat "/run/$svc.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import pymodbus, cpppo, pycomm3, snap7, asyncua, bacpypes3, c104, pyftpdlib, impacket" 2>/dev/null; then
  echo "creating $VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
fi
echo "install step: $(( $(date +%s) - START )) s"

# ---- 2. plant and capture -----------------------------------------------------------------
trap '/usr/bin/python3 "$HERE/plant.py" cleanup' EXIT INT TERM
DEMO_PY="$VENV/bin/python" /usr/bin/python3 "$HERE/plant.py" run --out "$OUT"
/usr/bin/python3 "$HERE/plant.py" cleanup
trap - EXIT INT TERM
if ip netns list | grep -q '^pg-'; then echo "namespaces left behind" >&2; exit 1; fi

# ---- 3. check ---------------------------------------------------------------------------
ls -l "$OUT/plant.pcapng"
capinfos -c -u -s "$OUT/plant.pcapng" 2>/dev/null || true
/usr/bin/python3 "$HERE/check_truth.py" --truth "$OUT/truth.toml" --pcap "$OUT/plant.pcapng"
echo "capture.sh took $(( $(date +%s) - START )) s"
