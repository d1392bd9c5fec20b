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

# in_order FILE WHAT REGEX...: the regexes match lines of FILE in this order.
in_order() {
  local file="$1" what="$2" re line=0 n
  shift 2
  for re in "$@"; do
    n="$(tail -n +"$((line + 1))" "$file" | grep -Enm1 -- "$re" | cut -d: -f1)"
    if [ -z "$n" ]; then
      echo "FAIL: $what lacks /$re/ after line $line"; fail=1; return
    fi
    line=$((line + n))
  done
}
