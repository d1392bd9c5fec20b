#!/bin/bash
# Host folders (--share): runs one part of tests/guest/conf_share.c with the
# host directories it needs, built here, and checks on the host what the
# guest changed and what it must not have reached.
#
#   escape  builds the hostile tree: links that are absolute or lead out of
#           the share, a link to "..", a loop, dangling links that point out,
#           a FIFO, beside a directory "outside" that nothing may touch
#   moved   moves a directory out of the share while the guest holds it
#           (handshake: the guest writes walk/ready, this script moves walk
#           out, plants a secret there and creates go)
#   race    moves a directory in and out of the share (as fast as Python
#           renames) while the guest opens a link through it (../../target is
#           INSIDE in the share, OUTSIDE beside where the directory goes),
#           until the guest writes done
#
# Usage: share.sh PART ARCHK TESTS_IMG [ARCHK_OPTION...]
set -u
part="$1"; archk="$2"; img="$3"; shift 3
T="$(mktemp -d)"
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
expect="$(dirname "$0")/expect.sh"
pass='^conf_share: [1-9][0-9]* passed, 0 failed$'

fail() { echo "FAIL: share.sh $part: $*"; exit 1; }

# conf_share PART [ARG...] in archk with the options and the shares given before --.
run() {
  local shares=()
  while [ "$1" != -- ]; do shares+=("$1"); shift; done
  shift
  "$expect" 0 --out "$pass" --err-lines 0 --seconds 60 -- \
    "$archk" "$@" "${shares[@]}" "$img" -- /tests/conf_share "$part" "${ARGS[@]}"
}
ARGS=()

# Waits up to 20 s for a file to appear.
await() {
  for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.1; done
  fail "$1 never appeared"
}

# Is the file's content exactly $2?
holds() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }

case "$part" in
ops)
  mkdir "$T/rw"
  run --share "$T/rw:rw" -- "$@" || exit 1
  holds "$T/rw/hello.txt" "written by the guest" || fail "hello.txt is not what the guest wrote"
  holds "$T/rw/b.txt" "cc" || fail "b.txt is not c.txt renamed"
  [ "$(ls "$T/rw/many" | wc -l)" = 300 ] || fail "many/ lacks its 300 files"
  [ ! -e "$T/rw/a.txt" ] && [ -d "$T/rw/r2" ] && [ ! -e "$T/rw/r2/inner" ] ||
    fail "the renames and removals are not on the host"
  ;;
escape)
  mkdir -p "$T/outside" "$T/esc/sub"
  printf SECRET >"$T/outside/secret"
  printf INSIDE >"$T/esc/inside.txt"
  printf SUB >"$T/esc/sub/file"
  ln -s sub/file "$T/esc/rel"
  ln -s sub "$T/esc/reldir"
  ln -s ../inside.txt "$T/esc/sub/ok"
  ln -s "$T/outside/secret" "$T/esc/abs"
  ln -s "$T/outside" "$T/esc/absdir"
  ln -s ../outside/secret "$T/esc/up"
  ln -s .. "$T/esc/updir"
  ln -s ../../outside/secret "$T/esc/sub/deep"
  ln -s ../outside "$T/esc/outdir"
  ln -s loop "$T/esc/loop"
  ln -s "$T/outside/created_abs" "$T/esc/dangling_abs"
  ln -s ../outside/created_rel "$T/esc/dangling_rel"
  mkfifo "$T/esc/fifo"
  run --share "$T/esc:esc" -- "$@" || exit 1
  [ "$(ls -A "$T/outside")" = secret ] && holds "$T/outside/secret" SECRET ||
    fail "the directory outside changed: $(ls -A "$T/outside")"
  [ ! -e "$T/esc/abs" ] && [ ! -L "$T/esc/abs" ] || fail "the link abs was not removed"
  [ -L "$T/esc/up2" ] && [ "$(readlink "$T/esc/up2")" = ../outside/secret ] ||
    fail "the link up was not renamed up2"
  holds "$T/esc/inside.txt" INSIDE || fail "inside.txt changed"
  made="$(find "$T" -name stolen -o -name gotcha -o -name 'new*')"
  [ -z "$made" ] || fail "the guest made $made"
  ;;
moved)
  mkdir -p "$T/mv/walk" "$T/outside"
  printf inside >"$T/mv/walk/f"
  run --share "$T/mv:mv" -- "$@" &
  guest=$!
  await "$T/mv/walk/ready"
  mv "$T/mv/walk" "$T/outside/walk"
  printf OUTSIDE >"$T/outside/walk/secret"
  touch "$T/mv/go"
  wait $guest || exit 1
  [ "$(ls -A "$T/outside/walk" | tr '\n' ' ')" = "f ready secret " ] ||
    fail "the guest reached the directory outside: $(ls -A "$T/outside/walk")"
  holds "$T/outside/walk/secret" OUTSIDE || fail "the secret changed"
  ;;
race)
  mkdir -p "$T/mv/a/b" "$T/out/x"
  printf INSIDE >"$T/mv/target"
  printf OUTSIDE >"$T/out/target"
  ln -s ../../target "$T/mv/a/b/up"
  run --share "$T/mv:mv" -- "$@" &
  guest=$!
  await "$T/mv/racing"
  python3 - "$T" <<'EOF'
import os, sys
t = sys.argv[1]
while not os.path.exists(t + "/mv/done"):
    os.rename(t + "/mv/a/b", t + "/out/x/b")
    os.rename(t + "/out/x/b", t + "/mv/a/b")
EOF
  wait $guest || exit 1
  ;;
ro)
  mkdir -p "$T/ro/sub"
  printf DATA >"$T/ro/data.txt"
  before="$(ls -lR --time-style=full-iso "$T/ro")"
  run --share "$T/ro:ro,ro" -- "$@" || exit 1
  [ "$(ls -lR --time-style=full-iso "$T/ro")" = "$before" ] || fail "the read-only share changed"
  ;;
proc)
  run --share /proc/self:proc,ro -- "$@" || exit 1
  ;;
mounts)
  # The mount points right below /dev (devpts, shm, mqueue where there are).
  ARGS=($(awk '$5 ~ /^\/dev\/[^\/]+$/ {sub("/dev/", "", $5); print $5}' /proc/self/mountinfo |
    sort -u))
  run --share /dev:dev,ro -- "$@" || exit 1
  ;;
device)
  mkdir -p "$T/rw" "$T/ro"
  printf DATA >"$T/ro/data.txt"
  run --share "$T/rw:rw" --share "$T/ro:ro,ro" -- "$@" || exit 1
  [ -z "$(ls -A "$T/rw")" ] || fail "the device test left $(ls -A "$T/rw")"
  [ "$(ls -A "$T/ro")" = data.txt ] && holds "$T/ro/data.txt" DATA || fail "the read-only share changed"
  ;;
*)
  echo "usage: share.sh ops|escape|moved|race|ro|proc|mounts|device ARCHK TESTS_IMG [OPTION...]"
  exit 2
  ;;
esac
echo "ok: share.sh $part $*"
