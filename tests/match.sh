# Shared by the test checkers (tests/integration/expect.sh, tests/gdb/check.sh):
# source it, then call these; each failure prints one line and sets fail=1.
fail=0

# require FILE WHAT REGEX...: every extended regex matches some line of FILE.
require() {
  local file="$1" what="$2" re
  shift 2
  for re in "$@"; do
    grep -Eq -- "$re" "$file" || { echo "FAIL: $what lacks /$re/"; fail=1; }
  done
}

# forbid FILE WHAT REGEX...: no regex matches any line of FILE.
forbid() {
  local file="$1" what="$2" re
  shift 2
  for re in "$@"; do
    if grep -Eq -- "$re" "$file"; then echo "FAIL: $what has /$re/"; fail=1; fi
  done
}
