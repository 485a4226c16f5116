# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the benchmark scripts: what more than one of them needs.
#
# The page cache holds a file the way it was filled: a capture read from disk
# arrives through readahead in large folios, while one that sat in memory
# for hours (or through other work on the machine) can be held in small
# pages that cost the kernel's copy up to 3x more per byte (measured: 0.085 s
# against 0.029 s for one read of the 5 M ics capture; docs/performance.md).
# Every engine worker copies the whole file, so that state moves the thread
# scaling more than the code does.

# Evicts FILE from the page cache and reads it back, so a run starts from the
# state of a capture read from disk, whatever earlier runs left there.
reload_from_disk() {
  dd if="$1" iflag=nocache count=0 status=none 2>/dev/null || true
  cat "$1" >/dev/null
}

# Median of the numbers on standard input, one a line (the mean of the two
# middle ones for an even count).
median_value() {
  sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}

# Runs `engine_only` (the binary in $1, then its arguments) and prints the
# engine's own rate, the "M packets/s" of its last line.
engine_rate() {
  "$@" 2>&1 | tail -1 | sed -n 's/.*: \([0-9.]*\) M packets\/s.*/\1/p'
}
