#!/bin/bash
# The README's CI example, as a user runs it: a batch job reads the host's
# in/ through a read-only share and writes its report into the host's out/
# (init starts a share driver per share and gives the job share/in, share/out).
#   ./archk --share in:in,ro --share out:out rootfs.img -- /bin/report
# Usage: share_ci.sh ARCHK ROOTFS [ARCHK_OPTION...]
set -u
archk="$(realpath "$1")"; img="$(realpath "$2")"; shift 2
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
cd "$dir" && mkdir in out || exit 1
printf 'one\ntwo\n' >in/a.txt
head -c 200000 /dev/urandom >in/blob.bin
printf 'x' >in/c
mkdir in/subdir
"$(dirname "$0")/expect.sh" 0 --out "^report: 3 files of share/in, written to share/out/report.txt$" \
  --err-lines 0 -- "$archk" "$@" --share in:in,ro --share out:out "$img" -- /bin/report ||
  exit 1
for f in $(cd in && LC_ALL=C ls); do
  [ -f "in/$f" ] && echo "$f $(wc -c <"in/$f") $(wc -l <"in/$f")"
done >expected
cmp -s expected out/report.txt || { echo "FAIL: out/report.txt:"; cat out/report.txt; echo "expected:"; cat expected; exit 1; }
[ "$(ls out)" = report.txt ] || { echo "FAIL: out/ holds $(ls out)"; exit 1; }
# The interactive system has the shares too: the shell passes them on.
rm out/report.txt
"$(dirname "$0")/expect.sh" 0 --stdin 'report\nexit\n' \
  --out "report: 3 files of share/in, written to share/out/report.txt$" \
  -- "$archk" "$@" --share in:in,ro --share out:out "$img" || exit 1
cmp -s expected out/report.txt || { echo "FAIL: out/report.txt from the shell differs"; exit 1; }
echo "ok: the report is in out/"
