#!/bin/bash
# Runs a (gdb) session and checks its transcript.
# Usage: check.sh [--want REGEX]... [--reject REGEX]... [--before A B]...
#                 [--seconds S] -- COMMAND [ARG...]
# Runs COMMAND with stdin from /dev/null and stdout and stderr together in one
# transcript, for at most S seconds (default 20). Fails, printing the
# transcript, if it times out, if some --want extended regex matches no line
# of the transcript or if some --reject regex matches one. COMMAND's exit
# status is not checked: gdb -batch reports its inferior's status in text.
set -u
wants=(); rejects=(); befores=(); seconds=20
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    --want) wants+=("$2"); shift 2 ;;
    --reject) rejects+=("$2"); shift 2 ;;
    --before) befores+=("$2" "$3"); shift 3 ;;  # the first line matching A precedes B's
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "check.sh: bad option $1" >&2; exit 2 ;;
  esac
done
shift
out="$(mktemp)"; trap 'rm -f "$out"' EXIT
timeout -k 2 "$seconds" "$@" </dev/null >"$out" 2>&1
got=$?
. "$(dirname "$0")/../match.sh"
if [ "$got" = 124 ] || [ "$got" = 137 ]; then
  echo "FAIL: timed out after ${seconds}s"; fail=1
fi
require "$out" transcript "${wants[@]}"
forbid "$out" transcript "${rejects[@]}"
for ((i = 0; i < ${#befores[@]}; i += 2)); do
  a=$(grep -nE -- "${befores[i]}" "$out" | head -1 | cut -d: -f1)
  b=$(grep -nE -- "${befores[i+1]}" "$out" | head -1 | cut -d: -f1)
  if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then
    echo "FAIL: /${befores[i]}/ does not come before /${befores[i+1]}/"; fail=1
  fi
done
if [ $fail != 0 ]; then
  echo "--- command: $*"
  echo "--- transcript"
  cat "$out"
  exit 1
fi
echo "ok: $*"
