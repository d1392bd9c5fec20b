#!/bin/bash
# Runs expect.sh with a fresh disk image: every "@DISK@" in the arguments
# becomes the path of a new zero-filled file of SIZE bytes (default 4 MiB),
# removed afterwards.
# Usage: with_disk.sh [--size BYTES] EXPECT_ARGS...
set -u
size=$((4 << 20))
if [ "${1:-}" = --size ]; then size="$2"; shift 2; fi
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
truncate -s "$size" "$dir/disk.img"
args=()
for a in "$@"; do args+=("${a//@DISK@/$dir/disk.img}"); done
"$(dirname "$0")/expect.sh" "${args[@]}"
