#!/usr/bin/env bash
# End-to-end test of archk-mkimage: keygen, build, verify, list, pubkey-header,
# and the failures that must leave nothing behind. Usage: mkimage_cli.sh TOOL
set -euo pipefail

tool=$1
work=$(mktemp -d /tmp/mkimage_cli.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect STATUS FRAGMENT CMD...: CMD exits with STATUS and its stderr contains FRAGMENT.
expect() {
	local status=$1 fragment=$2 actual=0
	shift 2
	"$@" >"$work/out" 2>"$work/err" || actual=$?
	[[ $actual == "$status" ]] || fail "$* exited $actual, expected $status: $(cat "$work/err")"
	grep -qF -- "$fragment" "$work/err" || fail "$*: stderr lacks '$fragment': $(cat "$work/err")"
}

# keygen: two key pairs; the secret key is private; no silent overwrite.
"$tool" keygen "$work/k1" >/dev/null
"$tool" keygen "$work/k2" >/dev/null
[[ $(stat -c %a "$work/k1.key") == 600 ]] || fail "k1.key is not mode 0600"
grep -qE '^archk-ed25519-public [0-9a-f]{64}$' "$work/k1.pub" || fail "bad .pub format"
grep -qE '^archk-ed25519-secret [0-9a-f]{64}$' "$work/k1.key" || fail "bad .key format"
cp "$work/k1.pub" "$work/k1.pub.orig"
expect 1 "already exists (use --force to overwrite)" "$tool" keygen "$work/k1"
cmp -s "$work/k1.pub" "$work/k1.pub.orig" || fail "keygen overwrote without --force"
"$tool" keygen --force "$work/k3" >/dev/null

# build: two trees, an executable kept as such, an empty file, a nested path.
mkdir -p "$work/base/bin" "$work/base/etc/deep/er" "$work/extra/share"
printf 'pretend elf' >"$work/base/bin/hello"
chmod 755 "$work/base/bin/hello"
printf 'console=serial\n' >"$work/base/etc/init.conf"
: >"$work/base/etc/deep/er/empty"
head -c 10000 /dev/urandom >"$work/extra/share/blob"
"$tool" build --key "$work/k1.key" --out "$work/rootfs.img" base="$work/base" \
	extra="$work/extra" >/dev/null
[[ $(($(stat -c %s "$work/rootfs.img") % 4096)) == 0 ]] || fail "image size not page multiple"

# verify: trusted key passes, other key is refused, no --trust still checks signatures.
"$tool" verify --trust "$work/k1.pub" "$work/rootfs.img" >"$work/out"
grep -qF "valid, 2 packages, 4 files" "$work/out" || fail "verify summary: $(cat "$work/out")"
expect 1 'package "base": signed by untrusted key' "$tool" verify --trust "$work/k2.pub" \
	"$work/rootfs.img"
"$tool" verify "$work/rootfs.img" | grep -qF "no --trust given" || fail "verify without trust"

# list: package, mode, size, path, sorted by path.
"$tool" list "$work/rootfs.img" >"$work/list"
printf 'base\tx\t11\tbin/hello\nbase\t-\t0\tetc/deep/er/empty\nbase\t-\t15\tetc/init.conf\nextra\t-\t10000\tshare/blob\n' >"$work/list.expected"
diff -u "$work/list.expected" "$work/list" || fail "list output differs"

# The same inputs give the same image, byte for byte.
"$tool" build --key "$work/k1.key" --out "$work/again.img" base="$work/base" \
	extra="$work/extra" >/dev/null
cmp -s "$work/rootfs.img" "$work/again.img" || fail "build is not reproducible"

# Tampering with any single byte is detected: header, manifest, data.
for offset in 20 600 4100; do
	cp "$work/rootfs.img" "$work/tampered.img"
	printf '\x5a' | dd of="$work/tampered.img" bs=1 seek=$offset conv=notrunc status=none
	expect 1 "tampered.img: " "$tool" verify --trust "$work/k1.pub" "$work/tampered.img"
done
expect 1 'file "bin/hello": hash mismatch' "$tool" verify --trust "$work/k1.pub" "$work/tampered.img"

# pubkey-header: a C array of the 32 key bytes, the same as in the .pub file.
"$tool" pubkey-header "$work/k1.pub" "$work/key.h"
printf '#include <stdio.h>\n#include "key.h"\nint main(void)\n{\n\tfor (int i = 0; i < 32; i++)\n\t\tprintf("%%02x", archk_build_public_key[i]);\n\treturn 0;\n}\n' \
	>"$work/key.c"
cc -Wall -Werror -o "$work/key" "$work/key.c" || fail "key.h does not compile"
[[ "archk-ed25519-public $("$work/key")" == "$(cat "$work/k1.pub")" ]] ||
	fail "key.h holds another key than k1.pub"
touch -d @0 "$work/key.h"
"$tool" pubkey-header "$work/k1.pub" "$work/key.h"
[[ $(stat -c %Y "$work/key.h") == 0 ]] || fail "pubkey-header rewrote an up-to-date header"

# Failures: exit 1, one line, nothing left behind.
ln -s /etc/hostname "$work/base/link"
expect 1 "is a symbolic link" "$tool" build --key "$work/k1.key" --out "$work/bad.img" \
	base="$work/base"
rm "$work/base/link"
expect 1 "No such file or directory" "$tool" build --key "$work/k1.key" --out "$work/bad.img" \
	base="$work/missing"
expect 1 'file "bin/hello": in both packages "a" and "b"' "$tool" build --key "$work/k1.key" \
	--out "$work/bad.img" a="$work/base" b="$work/base"
expect 1 "not a key file" "$tool" build --key "$work/k1.pub" --out "$work/bad.img" \
	base="$work/base"
expect 1 "not a regular file (directory)" "$tool" verify "$work"
[[ ! -e $work/bad.img ]] || fail "a failed build left bad.img behind"
leftovers=$(find "$work" -name '*.tmp.*')
[[ -z $leftovers ]] || fail "temporary files left behind: $leftovers"
[[ $(wc -l <"$work/err") == 1 ]] || fail "error is not one line: $(cat "$work/err")"

# Usage errors exit 2 with a usage line.
expect 2 "usage: archk-mkimage build" "$tool" build --out "$work/x.img" base="$work/base"
expect 2 "usage: archk-mkimage keygen" "$tool" keygen
expect 2 "usage: archk-mkimage verify" "$tool" verify
expect 2 "usage: archk-mkimage list" "$tool" list a b
expect 2 "usage:" "$tool" frobnicate
expect 2 "usage:" "$tool"

echo "mkimage_cli: all passed"
