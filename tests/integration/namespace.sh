#!/bin/bash
# One view for programs and the shell, as a user meets it on the default
# image: the store at /, the home at /home (--home FILE, created sparse when
# missing; what the shell writes is there at the next boot) and each share
# at /share/NAME (read-only ones refuse writes; writes to others reach the
# host). Then the --home errors, one line each, and a corrupt home refused.
# Usage: namespace.sh ARCHK ROOTFS DATA_DIR [ARCHK_OPTION...]
set -u
archk="$(realpath "$1")"; img="$(realpath "$2")"; data="$(realpath "$3")"; shift 3
expect="$(dirname "$(realpath "$0")")/expect.sh"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
cd "$dir" && mkdir out || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# A new home: 256 MiB by default, sparse.
"$expect" 0 --out "^home$" --out "^bin$" --out "^share$" --err-lines 0 \
  -- "$archk" "$@" --home home.img --share "$data:data,ro" "$img" -- /bin/ls / || exit 1
[ "$(stat -c %s home.img)" = 268435456 ] || fail "home.img has $(stat -c %s home.img) bytes"
(($(stat -c %b home.img) * $(stat -c %B home.img) < 16 << 20)) || fail "home.img is not sparse"

# The shell writes into the home; the next boot reads it back.
"$expect" 0 --stdin 'echo kept across boots > /home/note.txt\ncd /home\npwd\nls\n' \
  --out "^/home$" --out "^note.txt$" -- "$archk" "$@" --home home.img "$img" -- /bin/sh || exit 1
"$expect" 0 --out-is 'kept across boots\n' --err-lines 0 \
  -- "$archk" "$@" --home home.img "$img" -- /bin/cat /home/note.txt || exit 1

# Shares: read one, refused writes on a read-only one, writes reaching the host on another.
"$expect" 0 --out-is "$(sed 's/\\/\\\\/g' "$data/fruit.txt")\n" \
  -- "$archk" "$@" --share "$data:data,ro" "$img" -- /bin/cat /share/data/fruit.txt || exit 1
"$expect" 0 --stdin 'echo no > /share/data/new.txt\necho from the guest > /share/out/result.txt\n' \
  --err "READ_ONLY" -- "$archk" "$@" --share "$data:data,ro" --share out:out "$img" -- /bin/sh ||
  exit 1
[ "$(cat out/result.txt)" = "from the guest" ] || fail "out/result.txt: $(cat out/result.txt)"
[ ! -e "$data/new.txt" ] || fail "a read-only share was written"

# --home's errors.
"$expect" 1 --err "^archk: --home home.img: the file has 268435456 bytes, not 1048576 \(size= makes a new home\)$" \
  --err-lines 1 -- "$archk" --home home.img,size=1M "$img" -- /bin/true || exit 1
"$expect" 1 --err "^archk: --home new.img,size=12Q: size= wants 1M to 1024G in whole sectors$" \
  --err-lines 1 -- "$archk" --home new.img,size=12Q "$img" -- /bin/true || exit 1
"$expect" 1 --err "^archk: --home /tmp: " --err-lines 1 -- "$archk" --home /tmp "$img" -- /bin/true ||
  exit 1
"$expect" 0 --err-lines 0 -- "$archk" --home small.img,size=2M "$img" -- /bin/true || exit 1
[ "$(stat -c %s small.img)" = 2097152 ] || fail "small.img has $(stat -c %s small.img) bytes"
# A home that is not a homefs is refused with one line, and the batch job does not run.
head -c 1M /dev/urandom >bad.img
"$expect" 1 --err "^homefs: cannot mount the home: CORRUPT: no homefs superblock \(bad magic\)$" \
  --err-lines 1 --out-lines 0 -- "$archk" --home bad.img "$img" -- /bin/echo ran || exit 1
echo "ok: /, /home and /share/NAME as a user sees them"
