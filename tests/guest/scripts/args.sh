# A script for "sh FILE ARG...": no #! needed.
echo "args: $0 [$1] [$2] $#"
for_is_not_supported=yes
echo "last: $for_is_not_supported"
