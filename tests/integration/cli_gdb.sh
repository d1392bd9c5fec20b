#!/bin/bash
# The --gdb address forms and their messages: archk says where it listens
# (also for ":0", which picks a free port) before it waits for gdb, and a
# port another program holds ends archk with status 1 and a hint.
# Usage: cli_gdb.sh ARCHK IMAGE
set -u
archk="$1" image="$2"
work="$(mktemp -d)"; pid=""; holder=""
trap 'rm -rf "$work"; [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$holder" ] && kill "$holder" 2>/dev/null' EXIT
fail=0

# Starts archk --gdb SPEC and checks the line it prints; archk is stopped after.
listens() {
  local spec="$1" line=""
  "$archk" --gdb "$spec" "$image" -- true >"$work/out" 2>"$work/err" </dev/null &
  pid=$!
  for _ in $(seq 100); do
    line="$(grep -E '^archk: listening on ' "$work/err")" && break
    sleep 0.05
  done
  if ! grep -Eq "^archk: listening on 127\.0\.0\.1:[1-9][0-9]*, waiting for gdb$" <<<"$line"; then
    echo "FAIL: --gdb $spec: no listening line"; cat "$work/err"; fail=1
  fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
  sed -E 's/.*:([0-9]+), .*/\1/' <<<"$line"
}

listens :0 >/dev/null
listens localhost:0 >/dev/null

# A port some other program listens on.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$work/port" &
holder=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port="$(cat "$work/port")"
timeout 5 "$archk" --gdb ":$port" "$image" -- true >"$work/out" 2>"$work/err" </dev/null
status=$?
[ "$status" = 1 ] || { echo "FAIL: port in use: exit status $status, expected 1"; fail=1; }
grep -Eq "^archk: --gdb :$port: Address already in use \(choose another port, or 0 for any free one\)$" \
  "$work/err" || { echo "FAIL: port in use: no message with a hint"; cat "$work/err"; fail=1; }
[ $fail = 0 ] && echo "ok: --gdb :0, localhost:0, a port in use"
exit $fail
