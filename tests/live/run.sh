#!/usr/bin/env bash
# Live tests: real third-party protocol stacks in network namespaces, captured with tcpdump.
#
#   tests/live/run.sh OUTDIR [SCENARIO...]
#
# Needs root, `ip netns`, tcpdump, curl, Xvfb and x11vnc, and net-snmp's snmpd (see README.md).
# Creates tests/live/.venv with the pinned stacks of requirements.txt when it is missing or
# out of date, then runs harness.py, which writes OUTDIR/<scenario>/{capture.pcap,expected.json}.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="${PLANTGUARD_LIVE_PYTHON:-}"
if [[ -z "$PY" ]]; then
  if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY="$(command -v python3)"; fi
fi
if [[ $# -lt 1 ]]; then echo "usage: $0 OUTDIR [SCENARIO...]" >&2; exit 2; fi

stamp="$VENV/.requirements.txt"
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$HERE/requirements.txt" "$stamp"; then
  echo "live: creating $VENV (pip install -r requirements.txt)" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$stamp"
fi
exec "$VENV/bin/python" "$HERE/harness.py" "$@"
