#!/bin/sh
# A script the shell runs through its #! line: $0 is its path.
echo "shebang: $0 got $# arguments: $*"
exit 4
