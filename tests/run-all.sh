#!/bin/sh
# make test: unit, end-to-end, fuzz replay and valgrind, then one closing count of all.
# Usage: run-all.sh BUILD UNIT_BINARIES...
build=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
sh "$(dirname "$0")/run-unit.sh" "$@" | tee -a "$log" || rc=1
BUILD=$build sh "$(dirname "$0")/run-e2e.sh" | tee -a "$log" || rc=1
# Every fuzz seed and past crash, and the loader under valgrind.
sh "$(dirname "$0")/fuzz/run-replay.sh" "$build"/fuzz/replay_* | tee -a "$log" || rc=1
bash "$(dirname "$0")/valgrind-loader.sh" --quick "$build" | tee -a "$log" || rc=1
# tee hides the exit codes: count from the summaries as well.
sum() { sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p" "$log" | tail -n 1; }
set -- $(sum unit) $(sum e2e) $(sum fuzz) $(sum valgrind)
p=$(( ${1:-0} + ${3:-0} + ${5:-0} + ${7:-0} )); f=$(( ${2:-0} + ${4:-0} + ${6:-0} + ${8:-0} ))
[ $# -eq 8 ] || { rc=1; f=$((f + 1)); }
[ "$f" -eq 0 ] || rc=1
echo "tests: $p passed, $f failed"
exit $rc
