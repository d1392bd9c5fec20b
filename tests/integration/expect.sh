#!/bin/bash
# Runs a command the way a user would and checks what they would see.
# Usage: expect.sh STATUS [--out REGEX]... [--err REGEX]... [--no-out REGEX]...
#                  [--no-err REGEX]... [--err-order REGEX]... [--err-lines N] [--out-lines N]
#                  [--out-is TEXT] [--seconds S] [--stdin TEXT] -- COMMAND [ARG...]
# Fails unless the command exits with STATUS (a number, not a signal) within
# S seconds (default 20), every --out/--err extended regex matches a line of
# stdout/stderr, no --no-out/--no-err regex matches, the --err-order regexes
# match lines of stderr in the order given, stderr (stdout) has N lines if given,
# and stdout is exactly TEXT if given (printf %b escapes, like --stdin).
set -u
status="$1"; shift
outs=(); errs=(); noouts=(); noerrs=(); order=(); lines=""; out_lines=""; seconds=20; input=""
exact=""; has_exact=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    --out) outs+=("$2"); shift 2 ;;
    --err) errs+=("$2"); shift 2 ;;
    --no-out) noouts+=("$2"); shift 2 ;;
    --no-err) noerrs+=("$2"); shift 2 ;;
    --err-order) order+=("$2"); shift 2 ;;
    --err-lines) lines="$2"; shift 2 ;;
    --out-is) exact="$2"; has_exact=1; shift 2 ;;
    --out-lines) out_lines="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --stdin) input="$2"; shift 2 ;;
    *) echo "expect.sh: bad option $1" >&2; exit 2 ;;
  esac
done
shift
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf '%b' "$input" >"$tmp/in"
timeout -k 2 "$seconds" "$@" >"$tmp/out" 2>"$tmp/err" <"$tmp/in"
got=$?
. "$(dirname "$0")/../match.sh"
show() { echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; }
if [ "$got" = 124 ] || [ "$got" = 137 ]; then
  echo "FAIL: timed out after ${seconds}s: $*"; fail=1
elif [ "$got" != "$status" ]; then
  echo "FAIL: exit status $got, expected $status: $*"; fail=1
fi
require "$tmp/out" stdout "${outs[@]}"
require "$tmp/err" stderr "${errs[@]}"
forbid "$tmp/out" stdout "${noouts[@]}"
forbid "$tmp/err" stderr "${noerrs[@]}"
in_order "$tmp/err" stderr "${order[@]}"
if [ "$has_exact" = 1 ]; then
  printf '%b' "$exact" >"$tmp/want"
  cmp -s "$tmp/want" "$tmp/out" || { echo "FAIL: stdout is not exactly:"; cat "$tmp/want"; fail=1; }
fi
if [ -n "$out_lines" ] && [ "$(wc -l <"$tmp/out")" != "$out_lines" ]; then
  echo "FAIL: stdout has $(wc -l <"$tmp/out") lines, expected $out_lines"; fail=1
fi
if [ -n "$lines" ] && [ "$(wc -l <"$tmp/err")" != "$lines" ]; then
  echo "FAIL: stderr has $(wc -l <"$tmp/err") lines, expected $lines"; fail=1
fi
[ $fail = 0 ] || { show; exit 1; }
echo "ok: $*"
