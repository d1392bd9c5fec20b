#!/bin/bash
# The file utilities across the namespace of the default image: a read-only
# share (in), a writable one (out) and a home (--home), each a fresh temp
# file or directory. A 1 MiB file copied share -> home -> share comes back
# byte-exact; moves across mounts copy and remove; a read-only share refuses
# each change with READ_ONLY; what the utilities leave in the home is there
# at the next boot.
# Usage: files.sh ARCHK ROOTFS
set -u
archk="$(realpath "$1")"; img="$(realpath "$2")"
expect="$(dirname "$(realpath "$0")")/expect.sh"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
cd "$dir" && mkdir in out || exit 1
fail() { echo "FAIL: $*"; exit 1; }
head -c 1048576 /dev/urandom >in/big.bin
mkdir -p in/tree/sub && echo leaf >in/tree/sub/leaf.txt
boot() { "$expect" "$@" -- "$archk" --home home.img,size=8M --share in:in,ro --share out:out "$img" -- /bin/sh -c "$script"; }

# Boot 1: copies through the home, moves across mounts, a tree into the home.
script='cp /share/in/big.bin /home/big.bin
cp /home/big.bin /share/out/copy.bin
mv /home/big.bin /share/out/moved.bin
cp -r /share/in/tree /home/tree
mv /home/tree /share/out/
mkdir -p /home/keep/deep; echo kept > /home/keep/deep/note.txt
cp -r /share/out/tree /home/keep
mv /home/keep/tree/sub/leaf.txt /home/keep/leaf.txt
mkdir /home/gone; touch /home/gone/x; rm -r /home/gone
ls /home /share/out; df | wc -l; sync'
boot 0 --err-lines 0 --out-is '/home:\nkeep\n\n/share/out:\ncopy.bin\nmoved.bin\ntree\n      2\n' || exit 1
cmp -s in/big.bin out/copy.bin || fail "out/copy.bin differs from in/big.bin"
cmp -s in/big.bin out/moved.bin || fail "out/moved.bin differs from in/big.bin"
[ "$(cat out/tree/sub/leaf.txt)" = leaf ] || fail "out/tree/sub/leaf.txt: $(cat out/tree/sub/leaf.txt)"

# Boot 2: the home as boot 1 left it; the read-only share refuses changes.
script='ls /home /home/keep /home/keep/tree/sub; cat /home/keep/deep/note.txt /home/keep/leaf.txt
mkdir /share/in/d; rm /share/in/big.bin; cp /home/keep/leaf.txt /share/in/; mv /share/in/big.bin /home/
touch /share/in/big.bin; mv /share/out/moved.bin /share/in/; rm -r /share/in/tree; df /share/out'
boot 1 --out-is '/home:\nkeep\n\n/home/keep:\ndeep\nleaf.txt\ntree\n\n/home/keep/tree/sub:\nkept\nleaf\n 1K-blocks       Used  Available Use%    Files     Dirs Path\n' \
  --err '^mkdir: /share/in/d: READ_ONLY$' --err '^rm: /share/in/big.bin: READ_ONLY$' \
  --err '^cp: /share/in/leaf.txt: READ_ONLY$' --err '^mv: /share/in/big.bin: READ_ONLY$' \
  --err '^touch: /share/in/big.bin: READ_ONLY$' --err '^mv: /share/in/moved.bin: READ_ONLY$' \
  --err '^rm: /share/in/tree/sub/leaf.txt: READ_ONLY$' --err '^df: /share/out: NOT_SUPPORTED$' || exit 1
[ -e out/moved.bin ] || fail "a move onto a read-only share removed its source"
[ ! -e in/d ] && [ -e in/big.bin ] && [ -e in/tree/sub/leaf.txt ] || fail "a read-only share was changed"
echo "ok: the file utilities on the home and on shares"
