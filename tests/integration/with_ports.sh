#!/bin/bash
# Runs a command with a block of free TCP and UDP ports on loopback: every
# "@PORT@" in the arguments becomes the first of COUNT (default 16)
# consecutive ports nothing listens on, and "@PORT+N@" the Nth after it.
# Tests run in parallel with other engineers' on the same machine, so each
# asks the host for its own ports rather than using fixed ones.
# Usage: with_ports.sh [--count N] COMMAND [ARG...]
set -u
count=16
if [ "${1:-}" = --count ]; then count="$2"; shift 2; fi
base="$(python3 - "$count" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
def free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(200):
    base = random.randrange(20000, 32000 - count)
    if all(free(base + i) for i in range(count)):
        print(base)
        sys.exit(0)
sys.exit("with_ports.sh: no block of free ports")
PY
)" || exit 1
args=()
for a in "$@"; do
  while [[ "$a" =~ @PORT\+([0-9]+)@ ]]; do
    a="${a/${BASH_REMATCH[0]}/$((base + BASH_REMATCH[1]))}"
  done
  args+=("${a//@PORT@/$base}")
done
exec "${args[@]}"
