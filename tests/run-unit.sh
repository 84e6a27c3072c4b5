#!/bin/sh
# Run each cmocka unit test binary; print "unit: N passed, N failed".
pass=0 failn=0 bad=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	pass=$((pass + ${p:-0})); failn=$((failn + ${f:-0}))
	if [ $rc -ne 0 ]; then bad=1; [ -n "$f" ] || failn=$((failn + 1)); echo "FAILED: $t (exit $rc)"; fi
done
echo "unit: $pass passed, $failn failed"
[ $bad -eq 0 ]
