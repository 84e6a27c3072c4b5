# cgkeyed.sh's end-to-end part (E2E=1), sourced by it after prepare: the
# server's CPU per query of keyed against unkeyed queries, as the header of
# cgkeyed.sh says.  Uses its $w, $tree, $top, $py, $pport, $kport, $target.
RUNS=${RUNS:-5} DURATION=${DURATION:-5} SRV_CPU=${SRV_CPU:-1} CLI_CPU=${CLI_CPU:-0}
command -v dnsperf >/dev/null || { echo "cgkeyed: no dnsperf (apt-get install dnsperf)" >&2; exit 1; }
. "$data/meta.txt"
spids=
# shellcheck disable=SC2317
e2e_stop() { for p in $spids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap 'e2e_stop; [ -n "${KEEP:-}" ] || rm -rf "$w"' EXIT

# serve NAME PORT PROBE: rbldbd on $w/run-NAME pinned to SRV_CPU; its pid in $spid.
serve() {
	(cd "$w/run-$1" && exec taskset -c "$SRV_CPU" "$tree/build/rbldbd" -c b.conf) \
	    >"$w/run-$1/rbldbd.log" 2>&1 &
	spid=$!
	spids="$spids $spid"
	for _ in $(seq 300); do
		dig +time=1 +tries=1 -p "$2" @127.0.0.1 "$3" A 2>/dev/null | grep -q 'status: NOERROR' &&
		    return 0
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	echo "cgkeyed: rbldbd ($1) did not answer: $(tail -3 "$w/run-$1/rbldbd.log")" >&2
	exit 1
}
# cpu_ns PID: nanoseconds on a CPU of all the process's threads (schedstat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%.0f", n }'; }
# measure NAME PID PORT QFILE SECONDS: the server's CPU µs per completed query.
measure() {
	c0=$(cpu_ns "$2")
	taskset -c "$CLI_CPU" dnsperf -c 4 -q 100 ${RATE:+-Q "$RATE"} -s 127.0.0.1 -p "$3" \
	    -d "$w/run-$1/$4.txt" -l "$5" >"$w/perf.out" 2>&1 ||
	    { echo "cgkeyed: dnsperf failed: $(tail -3 "$w/perf.out")" >&2; exit 1; }
	c1=$(cpu_ns "$2")
	n=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$w/perf.out")
	awk -v c=$((c1 - c0)) -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.3f\n", c / n / 1000; else print "nan" }'
}

serve plain "$pport" "$PROBE"
ppid=$spid
serve keyed "$kport" "$(echo "$PROBE" | sed "s/\\.$zone\$/.$key.$zone/")"
kpid=$spid
res=$w/e2e.tsv
: >"$res"
for qf in q-hit-a q-hit10-a; do
	measure plain "$ppid" "$pport" "$qf" 1 >/dev/null	# warm-up: presence map, caches
	measure keyed "$kpid" "$kport" "$qf" 1 >/dev/null
done
for r in $(seq "$RUNS"); do
	for qf in q-hit-a q-hit10-a; do
		# Each run in the other order, so that a drift of the machine falls on both.
		if [ $((r % 2)) = 1 ]; then order="plain keyed"; else order="keyed plain"; fi
		for m in $order; do
			if [ "$m" = plain ]; then v=$(measure plain "$ppid" "$pport" "$qf" "$DURATION")
			else v=$(measure keyed "$kpid" "$kport" "$qf" "$DURATION"); fi
			printf '%s\t%s\t%s\n' "$qf" "$m" "$v" >>"$res"
		done
	done
done
e2e_stop
spids=
echo "keyed access end to end: rbldbd CPU µs per query (median of $RUNS runs of ${DURATION}s," \
    "dnsperf -c 4 -q 100${RATE:+ -Q $RATE}; shared machine: medians, noisy), target +$target%"
awk -F'\t' -v t="$target" '
	function median(s,   a, n, i, j, x) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ v[$1 "," $2] = v[$1 "," $2] " " $3; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
	END {
		for (i = 1; i <= k; i++) {
			q = order[i]; u = median(v[q ",plain"]); kk = median(v[q ",keyed"]); p = (kk / u - 1) * 100
			sub(/^q-/, "", q)
			printf "%-8s unkeyed %7.3f  keyed %7.3f  %+.1f%%  %s   (unkeyed:%s; keyed:%s)\n", q, u, kk, p,
			    p <= t ? "met" : "not met", v[order[i] ",plain"], v[order[i] ",keyed"]
		}
	}' "$res"
