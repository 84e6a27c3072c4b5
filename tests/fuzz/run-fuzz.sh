#!/bin/sh
# make fuzz: run each libFuzzer target of BUILD/fuzz for SECONDS, corpus in
# BUILD/corpus/<target> seeded from tests/fuzz/fuzz_<target>.in, crashes in
# BUILD/crash/.  Prints executions, coverage and findings per target.
set -u
build=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
mkdir -p "$build/corpus" "$build/crash" "$build/log"
fail=0
for t in "$@"; do
	corpus=$build/corpus/$t
	mkdir -p "$corpus"
	set -- -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
	    -artifact_prefix="$build/crash/$t-"
	[ -f "tests/fuzz/fuzz_$t.dict" ] && set -- "$@" -dict="tests/fuzz/fuzz_$t.dict"
	# Whole TCP messages are up to 65537 octets with their prefix; the rest stays small.
	[ "$t" = tcpframe ] && set -- "$@" -max_len=70000
	[ "$t" = query ] && set -- "$@" -max_len=1500
	# the door logs TSIG errors and refused transfers on stderr: keep them out of the log
	# (libFuzzer still reports crashes and sanitizer errors on its own copy).
	[ "$t" = door ] && set -- "$@" -max_len=1500 -close_fd_mask=2
	log=$build/log/$t.log
	echo "== fuzz_$t for ${secs}s"
	"$build/fuzz/fuzz_$t" "$@" "$corpus" "tests/fuzz/fuzz_$t.in" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$done_line" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz_$t: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, no findings"
	else
		echo "not ok - fuzz_$t: exit $rc after ${execs:-?} execs (log: $log)"
		grep -E 'ERROR|SUMMARY|invariant|artifact|Test unit written' "$log" | head -n 10 | sed 's/^/#   /'
		# The input again, alone and with stderr, for the invariant's own message.
		for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
			"$build/fuzz/fuzz_$t" "$a" 2>&1 | grep -E 'invariant|ERROR|SUMMARY' | head -n 5 |
			    sed 's/^/#   /'
		done
		fail=1
	fi
done
exit $fail
