#!/bin/sh
# Run every end-to-end script; sum their "N passed, N failed" lines.
cd "$(dirname "$0")/e2e" || exit 1
pass=0 failn=0 bad=0
for t in t_*.sh; do
	[ -e "$t" ] || continue
	echo "== $t"
	out=$(bash "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	pass=$((pass + ${p:-0})); failn=$((failn + ${f:-0}))
	if [ $rc -ne 0 ] || [ -z "$line" ]; then bad=1; echo "FAILED: $t (exit $rc)"; fi
done
echo "e2e: $pass passed, $failn failed"
[ $bad -eq 0 ] && [ $failn -eq 0 ]
