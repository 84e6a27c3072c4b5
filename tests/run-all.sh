#!/bin/sh
# make test: unit tests, end-to-end tests, then one closing count of both.
# Usage: run-all.sh BUILD UNIT_BINARIES...
build=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
sh "$(dirname "$0")/run-unit.sh" "$@" | tee -a "$log" || rc=1
BUILD=$build sh "$(dirname "$0")/run-e2e.sh" | tee -a "$log" || rc=1
# tee hides the exit codes: count from the summaries as well.
sum() { sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p" "$log" | tail -n 1; }
set -- $(sum unit) $(sum e2e)
p=$(( ${1:-0} + ${3:-0} )); f=$(( ${2:-0} + ${4:-0} ))
[ $# -eq 4 ] || { rc=1; f=$((f + 1)); }
[ "$f" -eq 0 ] || rc=1
echo "tests: $p passed, $f failed"
exit $rc
