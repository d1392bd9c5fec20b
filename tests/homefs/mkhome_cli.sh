#!/usr/bin/env bash
# End-to-end test of archk-mkhome: create, check, put, mkdir, ls, get, rm,
# the errors, and a damaged home refused by check. Usage: mkhome_cli.sh TOOL
set -euo pipefail

tool=$1
work=$(mktemp -d /tmp/mkhome_cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
home=$work/home.img

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect STATUS FRAGMENT CMD...: CMD exits with STATUS and its output contains FRAGMENT.
expect() {
	local status=$1 fragment=$2 actual=0
	shift 2
	"$@" >"$work/out" 2>&1 || actual=$?
	[[ $actual == "$status" ]] || fail "$* exited $actual, expected $status: $(cat "$work/out")"
	[[ -z $fragment ]] || grep -qF -- "$fragment" "$work/out" || fail "$*: output lacks '$fragment': $(cat "$work/out")"
}

expect 2 "usage:" "$tool"
expect 2 "usage:" "$tool" create "$home" --size nonsense
expect 1 "at least 256K" "$tool" create "$home" --size 4K
expect 0 "a home of 4194304 bytes" "$tool" create "$home" --size 4M
[[ $(stat -c %s "$home") == 4194304 ]] || fail "home size"
expect 1 "already exists (use --force to overwrite)" "$tool" create "$home"
expect 0 "clean: 0 files, 1 directories" "$tool" check "$home"

# Files in and out, byte for byte.
head -c 300000 /dev/urandom >"$work/blob"
expect 0 "" "$tool" mkdir "$home" results
expect 0 "" "$tool" put "$home" results/blob "$work/blob"
printf 'hello\n' | "$tool" put "$home" results/hello.txt
expect 1 "results: EXISTS" "$tool" mkdir "$home" results
expect 1 "nope/x: NOT_FOUND" "$tool" put "$home" nope/x "$work/blob"
"$tool" get "$home" results/blob >"$work/back"
cmp -s "$work/blob" "$work/back" || fail "get returned other bytes"
[[ $("$tool" get "$home" results/hello.txt) == hello ]] || fail "get hello.txt"
"$tool" ls "$home" >"$work/ls"
printf 'd\t0\tresults/\n' | diff -u - "$work/ls" || fail "ls /"
"$tool" ls "$home" results | sort >"$work/ls"
printf -- '-\t300000\tblob\n-\t6\thello.txt\n' | diff -u - "$work/ls" || fail "ls results"
expect 0 "results/hello.txt" "$tool" ls "$home" results/hello.txt
expect 1 "missing: NOT_FOUND" "$tool" get "$home" missing
expect 1 "results: NOT_EMPTY" "$tool" rm "$home" results
expect 0 "" "$tool" rm "$home" results/hello.txt
expect 0 "clean: 1 files, 2 directories" "$tool" check "$home"

# A new home over an old one with --force; check refuses garbage.
expect 0 "a home of" "$tool" create "$home" --size 1M --force
expect 0 "clean: 0 files" "$tool" check "$home"
head -c 65536 /dev/urandom | dd of="$home" bs=4096 seek=2 conv=notrunc 2>/dev/null
expect 1 "cannot be mounted: CORRUPT" "$tool" check "$home"
expect 1 "cannot mount: CORRUPT" "$tool" ls "$home"
: >"$work/empty"
expect 1 "cannot mount: INVALID_ARGS" "$tool" ls "$work/empty"
echo "mkhome_cli: ok"
