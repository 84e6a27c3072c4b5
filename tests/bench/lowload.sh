#!/bin/sh
# Latency at low load and CPU per query (issue 23, item 4), alone: rbldbd
# and rbldnsd on the same 1M listings, asked in turn at a fixed rate (mean
# and p99 latency) and as fast as dnsperf goes (CPU per query).  The same
# figures are in `make bench` (run.sh), whose run takes far longer.
#
#   sh tests/bench/lowload.sh
#
# Environment (defaults in brackets):
#   RUNS [5]  DURATION [8]   runs (the servers alternate which goes first)
#                            and seconds per dnsperf run; figures are medians
#   RATE [20000]             queries/s of the fixed-rate runs
#   QFILE [hit10-a]          query file (hit-a, hit10-a, hit-txt)
#   SRV_CPU [1] CLI_CPU [0]  cores of the servers and of dnsperf
#   WAIT []                  rbldbd's udp-batch-wait (its default when empty)
#   ENTRIES [1000000]        listings (gen.py's data, shared with run.sh's)
#   BUILD [build]  OUT [$BUILD/lowload]
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5}
DURATION=${DURATION:-8}
RATE=${RATE:-20000}
QFILE=${QFILE:-hit10-a}
SRV_CPU=${SRV_CPU:-1}
CLI_CPU=${CLI_CPU:-0}
ENTRIES=${ENTRIES:-1000000}
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/lowload}
BENCH=tests/bench
PY="python3 $ROOT/$BENCH/dnsbench.py"
ZONE=relays.example.org

say() { printf '%s\n' "lowload: $*" >&2; }
die() { say "$*"; exit 1; }
. "$BENCH/lib.sh"
bench_need dnsperf taskset python3 rbldnsd
make --no-print-directory BUILD="$BUILD" all >&2
RBLDB=$ROOT/$BUILD/rbldb

DATA=$ROOT/$BUILD/bench/data
bench_data "$DATA" "$ENTRIES" 1000000
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$OUT/work
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$OUT" "$W"	# rbldnsd reads its data as nobody
PIDS=
trap 'for p in $PIDS; do bench_stop "$p"; done' EXIT
trap 'exit 130' INT TERM
bench_ports 3
set -- $PORTS
PORT=$1 RPORT=$2 MPORT=$3
cd "$W"
cp "$ROOT/zones/$ZONE.zone" .
bench_conf "$PORT" 1 "metrics = 127.0.0.1:$MPORT" ${WAIT:+"udp-batch-wait = $WAIT"} > lowload.conf
"$RBLDB" -c lowload.conf init > /dev/null
"$RBLDB" -c lowload.conf ingest --force "$DATA/data.jsonl" > /dev/null 2>&1 || die "ingest failed"
"$RBLDB" -c lowload.conf export --format rbldnsd --zone "$ZONE" -o rbldnsd.data > /dev/null 2>&1 ||
    die "export failed"
chmod 644 rbldnsd.data
bench_launch "$W" rbldbd "$PORT" taskset -c "$SRV_CPU" "$ROOT/$BUILD/rbldbd" -c lowload.conf
DPID=$SPID
bench_rbldnsd "$W" "$RPORT" "$SRV_CPU" ip4trie "$W/rbldnsd.data"
RPID=$SPID

RES=$OUT/results.tsv
: > "$RES"
TCK=$(getconf CLK_TCK)
# rbldbd's udp-batch-wait pauses so far (its metrics)
pauses() {
	python3 -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if l.startswith("rbldb_udp_batch_pauses_total "): print(l.split()[1])' \
	    "http://127.0.0.1:$MPORT/metrics"
}
perf() {	# SERVER PID PORT MODE [DNSPERF OPTIONS]
	srv=$1 pid=$2 port=$3 mode=$4
	shift 4
	c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	[ "$srv" != rbldb ] || p0=$(pauses)
	taskset -c "$CLI_CPU" dnsperf -c 4 -T 1 -q 100 -s 127.0.0.1 -p "$port" \
	    -d "$DATA/q-$QFILE.txt" -l "$DURATION" "$@" > perf.out 2>&1 || die "dnsperf failed"
	c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	$PY dnsperf perf.out > perf.kv
	unset lat_p99_s
	. ./perf.kv
	printf '%s\t%s\t%s\n' "$mode/lat_mean_ms" "$srv" "$(echo "$lat_mean_s" | awk '{print $1 * 1000}')" >> "$RES"
	[ -z "${lat_p99_s:-}" ] ||
	    printf '%s\t%s\t%s\n' "$mode/lat_p99_ms" "$srv" "$(echo "$lat_p99_s" | awk '{print $1 * 1000}')" >> "$RES"
	printf '%s\t%s\t%s\n' "$mode/cpu_us" "$srv" "$(awk -v t=$((c1 - c0)) -v k="$TCK" \
	    -v n="$completed" 'BEGIN {printf "%.3f", t / k * 1e6 / n}')" >> "$RES"
	printf '%s\t%s\t%s\n' "$mode/qps" "$srv" "$qps" >> "$RES"
	[ "$srv" != rbldb ] || printf '%s\t%s\t%s\n' "$mode/udp_batch_pauses" "$srv" "$(($(pauses) - p0))" >> "$RES"
}
run=0
while [ "$run" -lt "$RUNS" ]; do
	run=$((run + 1))
	say "run $run of $RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for mode in fixed max; do
		set --
		[ "$mode" = max ] || set -- -Q "$RATE" -v
		if [ $((run % 2)) = 1 ]; then
			perf rbldb "$DPID" "$PORT" "$mode" "$@"
			perf rbldnsd "$RPID" "$RPORT" "$mode" "$@"
		else
			perf rbldnsd "$RPID" "$RPORT" "$mode" "$@"
			perf rbldb "$DPID" "$PORT" "$mode" "$@"
		fi
	done
done

python3 - "$RES" "$RUNS" "$RATE" "$QFILE" <<'PYEOF' | tee "$OUT/summary.txt"
import statistics
import sys
res, runs, rate, qfile = sys.argv[1:]
vals, order = {}, []
for line in open(res):
    f, srv, v = line.rstrip('\n').split('\t')
    if f not in order:
        order.append(f)
    vals.setdefault((f, srv), []).append(float(v))
targets = {'fixed/lat_mean_ms': 1.2, 'fixed/lat_p99_ms': 1.2, 'max/cpu_us': 1.0}
print('low load: %s at %s q/s and uncapped; medians of %s runs; ratio = rbldb/rbldnsd'
      % (qfile, rate, runs))
print('| figure | rbldb | rbldnsd | ratio | target | met |')
print('| --- | ---: | ---: | ---: | --- | --- |')
for f in order:
    a = statistics.median(vals[(f, 'rbldb')])
    b = statistics.median(vals[(f, 'rbldnsd')]) if (f, 'rbldnsd') in vals else None
    r = a / b if b else float('nan')
    t = targets.get(f)
    print('| %s | %.4g | %s | %.3f | %s | %s |' % (f.replace('fixed', '%sq/s' % rate), a,
          '-' if b is None else '%.4g' % b, r,
          'ratio <= %g' % t if t else '', ('yes' if r <= t else 'NO') if t else ''))
PYEOF
