#!/bin/sh
# Replay each fuzz target (replay_<target>, built with replay_main.c) over its
# seeds, tests/fuzz/fuzz_<target>.in/, and every crash found so far,
# tests/fuzz/fuzz_<target>.crashes/.  A failure is re-run verbosely to name the input.
cd "$(dirname "$0")" || exit 1
fail=0 npass=0 nfail=0
for bin in "$@"; do
	case $bin in /*) ;; *) bin=../../$bin ;; esac
	t=${bin##*/replay_}
	dirs=""
	for d in "fuzz_$t.in" "fuzz_$t.crashes"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	if [ -z "$dirs" ]; then
		echo "not ok - fuzz_$t: no seeds in tests/fuzz/fuzz_$t.in"
		fail=1 nfail=$((nfail + 1))
		continue
	fi
	# shellcheck disable=SC2086
	if out=$("$bin" $dirs 2>&1); then
		echo "ok - fuzz_$t: ${out##*: }"
		npass=$((npass + 1))
	else
		echo "not ok - fuzz_$t"
		# shellcheck disable=SC2086
		"$bin" -v $dirs 2>&1 | tail -n 40 | sed 's/^/#   /'
		fail=1 nfail=$((nfail + 1))
	fi
done
echo "fuzz: $npass passed, $nfail failed"
exit $fail
