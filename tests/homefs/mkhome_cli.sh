#!/usr/bin/env bash
# End-to-end test of archk-mkhome: create, check, put, mkdir, ls, get, rm,
# the errors, and a damaged home refused by check. Usage: mkhome_cli.sh TOOL
set -uo pipefail
tool=$1
work=$(mktemp -d /tmp/mkhome_cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
home=$work/home.img
source "$(dirname "$0")/../match.sh"

# run STATUS [REGEX...] -- CMD...: CMD exits with STATUS, its output matches each REGEX.
run() {
	local status=$1 actual=0 regexes=()
	shift
	while [[ $1 != -- ]]; do
		regexes+=("$1")
		shift
	done
	shift
	"$@" >"$work/out" 2>&1 || actual=$?
	if [[ $actual != "$status" ]]; then
		echo "FAIL: $* exited $actual, expected $status: $(cat "$work/out")"
		fail=1
	fi
	require "$work/out" "$*" "${regexes[@]}"
}

run 2 "^usage:" -- "$tool"
run 2 "^usage:" -- "$tool" create "$home" --size nonsense
run 1 "at least 256K" -- "$tool" create "$home" --size 4K
run 0 "a home of 4194304 bytes" -- "$tool" create "$home" --size 4M
[[ $(stat -c %s "$home") == 4194304 ]] || { echo "FAIL: home size"; fail=1; }
run 1 "already exists \(use --force to overwrite\)" -- "$tool" create "$home"
run 0 "clean: 0 files, 1 directories" -- "$tool" check "$home"

# Files in and out, byte for byte.
head -c 300000 /dev/urandom >"$work/blob"
run 0 -- "$tool" mkdir "$home" results
run 0 -- "$tool" put "$home" results/blob "$work/blob"
printf 'hello\n' | "$tool" put "$home" results/hello.txt
run 1 "results: EXISTS" -- "$tool" mkdir "$home" results
run 1 "nope/x: NOT_FOUND" -- "$tool" put "$home" nope/x "$work/blob"
"$tool" get "$home" results/blob >"$work/back"
cmp -s "$work/blob" "$work/back" || { echo "FAIL: get returned other bytes"; fail=1; }
[[ $("$tool" get "$home" results/hello.txt) == hello ]] || { echo "FAIL: get hello"; fail=1; }
run 0 "^d	0	results/$" -- "$tool" ls "$home"
run 0 "^-	300000	blob$" "^-	6	hello.txt$" -- "$tool" ls "$home" results
run 0 "^-	6	results/hello.txt$" -- "$tool" ls "$home" results/hello.txt
run 1 "missing: NOT_FOUND" -- "$tool" get "$home" missing
run 1 "results: NOT_EMPTY" -- "$tool" rm "$home" results
run 0 -- "$tool" rm "$home" results/hello.txt
run 0 "clean: 1 files, 2 directories" -- "$tool" check "$home"

# A new home over an old one with --force; damage is refused.
run 0 "a home of 1048576 bytes" -- "$tool" create "$home" --size 1M --force
run 0 "clean: 0 files" -- "$tool" check "$home"
head -c 65536 /dev/urandom | dd of="$home" bs=4096 seek=2 conv=notrunc 2>/dev/null
run 1 "cannot be mounted: CORRUPT" -- "$tool" check "$home"
run 1 "cannot mount: CORRUPT" -- "$tool" ls "$home"
: >"$work/empty"
run 1 "cannot mount: INVALID_ARGS" -- "$tool" ls "$work/empty"
[[ $fail == 0 ]] && echo "mkhome_cli: ok"
exit "$fail"
