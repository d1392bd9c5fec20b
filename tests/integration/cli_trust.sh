#!/bin/bash
# An image signed by a key of one's own: archk refuses it with one line that
# says how to boot it (--trust KEYFILE) and where its build key is, and boots
# it with --trust.
# Usage: cli_trust.sh ARCHK MKIMAGE PROGRAM_ELF
set -u
archk="$1" mkimage="$2" program="$3"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail=0
mkdir -p "$work/tree/bin"
cp "$program" "$work/tree/bin/hello"
"$mkimage" keygen "$work/mine" >/dev/null
"$mkimage" build --key "$work/mine.key" --out "$work/my.img" base="$work/tree" >/dev/null

"$archk" "$work/my.img" -- hello a >"$work/out" 2>"$work/err"
status=$?
[ "$status" = 1 ] || { echo "FAIL: untrusted: exit status $status, expected 1"; fail=1; }
[ "$(wc -l <"$work/err")" = 1 ] || { echo "FAIL: untrusted: stderr is not one line"; fail=1; }
grep -Eq "signed by untrusted key [0-9a-f]{64}; to boot it anyway, pass --trust KEYFILE with the signer's public key \(archk trusts its build key, /.*archk-signing\.pub, and the keys given with --trust\)$" \
  "$work/err" || { echo "FAIL: untrusted: the message does not point to --trust and the build key"; fail=1; }

"$archk" --trust "$work/mine.pub" "$work/my.img" -- hello a >"$work/out" 2>"$work/err"
status=$?
[ "$status" = 0 ] || { echo "FAIL: --trust: exit status $status, expected 0"; fail=1; }
grep -q "argv\[1\] = a" "$work/out" || { echo "FAIL: --trust: hello did not run"; fail=1; }
[ $fail = 0 ] || { echo "--- stderr"; cat "$work/err"; }
[ $fail = 0 ] && echo "ok: untrusted image refused with a hint, booted with --trust"
exit $fail
