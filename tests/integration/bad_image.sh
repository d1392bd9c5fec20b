#!/bin/bash
# One case of the bad-input corpus: archk must refuse the input with exactly
# one line on stderr and exit status 1 (not a signal) in under a second, and
# write nothing: the input is unchanged and the working directory stays empty.
# Usage: bad_image.sh ARCHK GOOD_IMAGE MKIMAGE CASE
set -u
archk="$1" good="$2" mkimage="$3" case="$4"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
img="$work/input/image"
mkdir input
size=$(stat -c %s "$good")
# Byte offsets inside the image, from its header (docs/image-format.md).
u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
flip() { # flip one byte of $img at offset $1
  local byte
  byte=$(od -An -t u1 -j "$1" -N 1 "$img" | tr -d ' ')
  printf "$(printf '\\%03o' $(( byte ^ 0x5a )))" | dd of="$img" bs=1 seek="$1" conv=notrunc status=none
}
args=()
expect=""
case "$case" in
  missing)    img="$work/input/nope.img"; expect="No such file" ;;
  directory)  img="$work/input"; expect="not a regular file" ;;
  empty)      : >"$img"; expect="empty|short|truncated|too small" ;;
  short)      head -c 100 "$good" >"$img"; expect="short|truncated|too small" ;;
  random)     head -c 65536 /dev/urandom >"$img"; expect="magic" ;;
  fifo)       mkfifo "$img"; expect="not a regular file" ;;
  device)     img=/dev/null; expect="not a regular file" ;;
  truncated)  head -c $((size / 2)) "$good" >"$img"; expect="truncated" ;;
  header)     cp "$good" "$img"; flip 20; expect="header" ;;
  manifest)   cp "$good" "$img"; table=$(u64 "$img" 24)
              manifest=$(u64 "$img" $((table + 96))); flip $((manifest + 30))
              expect="signature|manifest" ;;
  signature)  cp "$good" "$img"; table=$(u64 "$img" 24); flip $((table + 112 + 5))
              expect="signature|table" ;;
  file-data)  cp "$good" "$img"; flip $((size - 4096 - 100)); expect="hash|padding|zero" ;;
  untrusted)  "$mkimage" keygen "$work/other" >/dev/null
              mkdir -p "$work/tree/bin"; echo hi >"$work/tree/bin/x"
              "$mkimage" build --key "$work/other.key" --out "$img" base="$work/tree" >/dev/null
              rm -rf "$work/tree" "$work"/other.*; expect="untrusted" ;;
  bad-trust)  cp "$good" "$img"; echo "not a key" >"$work/input/k.pub"
              args=(--trust "$work/input/k.pub"); expect="k.pub" ;;
  *) echo "bad_image.sh: unknown case $case"; exit 2 ;;
esac
before="$( [ -f "$img" ] && sha256sum <"$img")"
start=$(date +%s%N)
timeout -k 1 5 "$archk" "${args[@]}" "$img" >"$work/input/out" 2>"$work/input/err" </dev/null
status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
fail=0
[ "$status" = 1 ] || { echo "FAIL: exit status $status, expected 1"; fail=1; }
[ "$(wc -l <"$work/input/err")" = 1 ] || { echo "FAIL: stderr is not one line"; fail=1; }
grep -Eqi -- "$expect" "$work/input/err" || { echo "FAIL: stderr lacks /$expect/"; fail=1; }
[ "$elapsed_ms" -lt 1000 ] || { echo "FAIL: took ${elapsed_ms} ms"; fail=1; }
[ ! -s "$work/input/out" ] || { echo "FAIL: wrote to stdout"; fail=1; }
[ "$before" = "$( [ -f "$img" ] && sha256sum <"$img")" ] || { echo "FAIL: input changed"; fail=1; }
[ -z "$(ls -A "$work" | grep -v '^input$')" ] || { echo "FAIL: files written: $(ls -A "$work")"; fail=1; }
echo "stderr: $(cat "$work/input/err")"
exit $fail
