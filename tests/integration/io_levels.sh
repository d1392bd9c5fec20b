#!/bin/bash
# Runs one I/O level example (rootfs/read_*.c) on a file of the image and
# checks that it read exactly the file: its checksum line must equal what
# the host's cksum says of the same file, and with -n it prints its timing.
# Usage: io_levels.sh PROGRAM IMAGE_PATH HOST_FILE [OPTION...] -- ARCHK [ARG...] IMAGE
set -u
program="$1" path="$2" file="$3"
shift 3
opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
shift
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
read -r crc size _ < <(cksum "$file")
timeout -k 2 30 "$@" -- "/bin/$program" -n 3 "${opts[@]}" "$path" >"$tmp/out" 2>"$tmp/err"
got=$?
. "$(dirname "$0")/../match.sh"
[ "$got" = 0 ] || { echo "FAIL: exit status $got, expected 0"; fail=1; }
require "$tmp/out" stdout "^$program: cksum $crc $size$" \
  "^$program: [0-9]+ ns per 4 KiB \\(3 passes of $size bytes"
if [ $fail != 0 ]; then
  echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1
fi
echo "ok: $program ${opts[*]} $path: cksum $crc $size"
