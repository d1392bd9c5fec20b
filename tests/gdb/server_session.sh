#!/bin/bash
# Debugs a guest through archk's gdb server with real gdb in batch mode.
# Usage: server_session.sh ARCHK ELF [archk arguments...] --- [gdb arguments...]
# Starts ARCHK --gdb 127.0.0.1:PORT(,proc=... via $SERVER_PROC) with the
# archk arguments, waits for the port, runs gdb -batch on ELF connected to it
# with the gdb arguments, then prints gdb's transcript, archk's output and
# archk's exit status ("archk exit status N") for check.sh to examine.
set -u
archk="$1" elf="$2"; shift 2
archk_args=()
while [ $# -gt 0 ] && [ "$1" != "---" ]; do archk_args+=("$1"); shift; done
shift
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
spec="127.0.0.1:$port${SERVER_PROC:+,proc=$SERVER_PROC}"
log="$(mktemp)"; trap 'rm -f "$log"; kill "$pid" 2>/dev/null' EXIT
"$archk" --gdb "$spec" "${archk_args[@]}" >"$log" 2>&1 </dev/null &
pid=$!
# Wait until archk listens (state 0A in /proc/net/tcp); connecting to find out
# would itself be a debugger session.
hexport=$(printf '%04X' "$port")
for _ in $(seq 100); do
  grep -q ":$hexport 00000000:0000 0A" /proc/net/tcp && break
  sleep 0.05
done
gdb -q -batch -nx "$elf" -ex "set confirm off" -ex "target remote 127.0.0.1:$port" "$@" 2>&1
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
wait "$pid"
status=$?
echo "--- archk output"
cat "$log"
echo "archk exit status $status"
