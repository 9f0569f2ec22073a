#!/usr/bin/env bash
# mkmutant.sh LAB NAME FILE SED-EXPRESSION "what the bug is"
# Writes labs/mutants/labLAB/NAME.patch: FILE as it is now, edited by the
# sed expression (the bug), as a unified diff with one line of context.
# FILE itself is left unchanged. Example:
#   labs/mkmutant.sh 3 sfmask-keeps-nt kernel/arch/x86_64/syscall_msr.c \
#     's/ | RFLAGS_NT | RFLAGS_IOPL);/);/' "SFMASK forgets NT and IOPL"
set -euo pipefail
[ $# -eq 5 ] || { sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }
lab=$1 name=$2 file=$3 expr=$4 what=$5
cd "$(dirname "$0")/.."
[ -f "$file" ] || { echo "mkmutant: $file: no such file" >&2; exit 2; }
mutated=$(mktemp)
trap 'rm -f "$mutated"' EXIT
sed "$expr" "$file" >"$mutated"
if cmp -s "$file" "$mutated"; then
  echo "mkmutant: the sed expression changed nothing in $file" >&2; exit 1
fi
mkdir -p "labs/mutants/lab$lab"
{ echo "Description: $what"; diff -U1 --label "a/$file" --label "b/$file" "$file" "$mutated" || true; } \
  >"labs/mutants/lab$lab/$name.patch"
echo "labs/mutants/lab$lab/$name.patch"
