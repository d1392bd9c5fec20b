#!/bin/bash
# Runs one I/O level example (rootfs/read_*.c) on a file of the image and
# checks that it read exactly the file: its checksum line must equal what
# the host's cksum says of the same file, and with -n it prints its timing.
# Usage: io_levels.sh ARCHK IMAGE PROGRAM IMAGE_PATH HOST_FILE
set -u
archk="$1" image="$2" program="$3" path="$4" file="$5"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
read -r crc size _ < <(cksum "$file")
want="^$program: cksum $crc $size$"
timeout -k 2 30 "$archk" "$image" -- "/bin/$program" -n 3 "$path" >"$tmp/out" 2>"$tmp/err"
got=$?
. "$(dirname "$0")/../match.sh"
[ "$got" = 0 ] || { echo "FAIL: exit status $got, expected 0"; fail=1; }
require "$tmp/out" stdout "$want" "^$program: [0-9]+ ns per 4 KiB \\(3 passes of $size bytes"
if [ $fail != 0 ]; then
  echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1
fi
echo "ok: $program $path: cksum $crc $size"
