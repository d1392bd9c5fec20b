#!/bin/bash
# A disk keeps what was written and synced through its driver across archk
# runs: one run writes and syncs a pattern, a second one (the disk attached
# read-only this time) finds it, and refuses writes.
# Usage: disk_persist.sh ARCHK TESTS_IMG [ARCHK_OPTION...]
set -u
archk="$1"; img="$2"; shift 2
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
truncate -s $((4 << 20)) "$dir/disk.img"
expect="$(dirname "$0")/expect.sh"
pass='^conf_device: [1-9][0-9]* passed, 0 failed$'
"$expect" 0 --out "$pass" -- "$archk" "$@" --disk "$dir/disk.img" "$img" -- /tests/conf_device persist-write || exit 1
# The pattern is on the host file itself, where it was written.
od -A n -t x4 -j 0 -N 8 "$dir/disk.img" | grep -q "5efca000 5efca001" || { echo "FAIL: the host file lacks the pattern"; exit 1; }
"$expect" 0 --out "$pass" -- "$archk" "$@" --disk "$dir/disk.img,ro" "$img" -- /tests/conf_device persist-check || exit 1
"$expect" 0 --out "$pass" -- "$archk" "$@" --disk "$dir/disk.img,ro" "$img" -- /tests/conf_device read-only
