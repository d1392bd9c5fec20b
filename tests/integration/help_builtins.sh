#!/bin/bash
# /bin/help names the shell's builtins as the shell's own help does (which
# the shell prints only when no help program is in $PATH): the two lists must
# not drift apart.
# Usage: help_builtins.sh ARCHK IMAGE
set -u
archk="$1" image="$2"
from_program="$("$archk" "$image" -- /bin/help | sed -n 's/^Built into the shell (sh): //p')"
from_shell="$("$archk" --env PATH=/nowhere "$image" -- /bin/sh -c help |
  sed -n 's/^archk shell. Builtins: //p')"
if [ -z "$from_program" ] || [ "$from_program" != "$from_shell" ]; then
  echo "FAIL: /bin/help says '$from_program', the shell '$from_shell'"
  exit 1
fi
echo "ok: both name the builtins $from_shell"
