#!/bin/sh
# Scaling with cores (issue 23, item 6): rbldbd with 1 worker and with 2
# workers, each worker thread held to SHARE of a core by a cpu cgroup of its
# own, so that the server and not dnsperf is the limit.  2 workers on 2 x SHARE
# against 1 worker on SHARE shows how the rate grows with the workers; from the
# rate per core it states what 16 cores would answer.  Never part of `make
# test`; `make bench-workers` or:
#
#   sh tests/bench/workers.sh
#
# Environment (defaults in brackets):
#   RUNS [5]  DURATION [8]   runs (the two servers alternate which goes first)
#                            and seconds per dnsperf run; figures are medians
#   SHARE [0.5]              share of a core each worker may use; on a loaded
#                            machine set it below what a thread gets anyway
#                            (the summary says whether the workers used it all)
#   QFILE [hit-a]            query file (hit-a, hit10-a, hit-txt)
#   ENTRIES [1000000] QUERIES [1000000]   data, shared with run.sh's
#   CLIENTS [64] CLIENT_THREADS [2] OUTSTANDING [100]   dnsperf -c, -T, -q
#                            (several clients per worker: SO_REUSEPORT spreads
#                            queries over the workers' sockets by client port)
#   WORKER_CPUS []           cores to pin the workers to, the i-th worker of
#                            each server to the i-th core (e.g. "1 0"); unpinned
#                            when empty
#   CLI_CPUS []              cores for dnsperf (taskset -c list); unpinned when empty
#   TARGET [1.8]             2-worker rate over 1-worker rate to meet
#   CORES [16]               the machine size the expected rate is stated for
#   BUILD [build]  OUT [$BUILD/workers]   results
#   DATA [$BUILD/bench/data]   the generated listings and queries
#
# Needs root for the cgroups (v1 cpu controller, a cgroup per worker thread;
# on cgroup v2 one cgroup per server with N x SHARE, said in the output).
# Writes $OUT/results.tsv (run, figure, workers, value) and summary.txt.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5}
DURATION=${DURATION:-8}
SHARE=${SHARE:-0.5}
QFILE=${QFILE:-hit-a}
ENTRIES=${ENTRIES:-1000000}
QUERIES=${QUERIES:-1000000}
CLIENTS=${CLIENTS:-64}
CLIENT_THREADS=${CLIENT_THREADS:-2}
OUTSTANDING=${OUTSTANDING:-100}
TARGET=${TARGET:-1.8}
CORES=${CORES:-16}
WORKER_CPUS=${WORKER_CPUS:-}
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/workers}
BENCH=tests/bench
PY="python3 $ROOT/$BENCH/dnsbench.py"

say() { printf '%s\n' "workers: $*" >&2; }
die() { say "$*"; exit 1; }
. "$BENCH/lib.sh"
bench_need dnsperf python3
[ "$(id -u)" = 0 ] || die "needs root for the cpu cgroups"
make --no-print-directory BUILD="$BUILD" all >&2
RBLDB=$ROOT/$BUILD/rbldb
RBLDBD=$ROOT/$BUILD/rbldbd

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# The data of run.sh's default sizes, so that either script reuses the other's.
DATA=${DATA:-$ROOT/$BUILD/bench/data}
mkdir -p "$(dirname "$DATA")"
bench_data "$DATA" "$ENTRIES" "$QUERIES"

TMP=$(mktemp -d /tmp/rbldb-workers.XXXXXX)
PIDS= CGS=
cleanup() {
	for p in $PIDS; do bench_stop "$p"; done
	for c in $CGS; do rmdir "$c" 2>/dev/null || say "could not remove cgroup $c"; done
	[ -n "${KEEP:-}" ] && say "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cg_new NAME CORES: a cgroup allowed CORES of a core per 100 ms (a long
# period, so that small shares stay above the kernel's 1 ms least quota); path in CG.
CGV=
if [ -w /sys/fs/cgroup/cpu/cgroup.procs ]; then
	CGV=1 CG_TOP=/sys/fs/cgroup/cpu
elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	CGV=2 CG_TOP=/sys/fs/cgroup
else
	die "no writable cpu cgroup (v1 /sys/fs/cgroup/cpu or v2 with the cpu controller)"
fi
cg_new() {
	CG=$CG_TOP/rbldb-workers.$$.$1
	mkdir "$CG" || die "cannot make cgroup $CG"
	CGS="$CGS $CG"
	q=$(awk -v h="$2" 'BEGIN {print int(h * 100000)}')
	if [ "$CGV" = 1 ]; then
		echo 100000 > "$CG/cpu.cfs_period_us"
		echo "$q" > "$CG/cpu.cfs_quota_us"
	else
		echo "$q 100000" > "$CG/cpu.max"
	fi
}

# ---- The store: one ingest of the listings ----
bench_ports 2
set -- $PORTS
PORT1=$1 PORT2=$2
cp zones/relays.example.org.zone "$TMP/$ZONE.zone"
bench_conf "$PORT1" 1 > "$TMP/w1.conf"
bench_conf "$PORT2" 2 > "$TMP/w2.conf"
say "ingest of $ENTRIES listings"
"$RBLDB" -c "$TMP/w1.conf" init > /dev/null 2>&1 || die "init failed"
"$RBLDB" -c "$TMP/w1.conf" ingest --force "$DATA/data.jsonl" > /dev/null 2> "$TMP/ingest.log" ||
    die "ingest failed: $(tail -3 "$TMP/ingest.log")"

TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "$1"; }	# /proc/.../stat -> utime + stime
child_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
DNSPERF="${CLI_CPUS:+taskset -c $CLI_CPUS }dnsperf -c $CLIENTS -T $CLIENT_THREADS -q $OUTSTANDING"

# settle PID: wait until PID is idle (at most a tick in a second): after the
# start its store thread reads the listings in, and would pass for a worker.
settle() {
	for i in $(seq 180); do
		a=$(ticks "/proc/$1/stat")
		sleep 1
		[ $(($(ticks "/proc/$1/stat") - a)) -le 1 ] && return 0
	done
	die "rbldbd $1 still busy 180 s after its start"
}

# busiest PID N SECONDS: the N threads of PID that used most CPU while dnsperf
# ran SECONDS against it (the workers: the other threads are idle under queries).
busiest() {
	for t in /proc/"$1"/task/*; do echo "${t##*/} $(ticks "$t/stat")"; done > "$TMP/b0"
	$DNSPERF -s 127.0.0.1 -p "$4" -d "$DATA/q-$QFILE.txt" -l "$3" > /dev/null 2>&1 ||
	    die "dnsperf failed"
	for t in /proc/"$1"/task/*; do echo "${t##*/} $(ticks "$t/stat")"; done |
	    awk 'NR == FNR {b[$1] = $2; next} {print $2 - b[$1], $1}' "$TMP/b0" - |
	    sort -rn | head -n "$2" | awk '{print $2}'
}

# ---- The servers, each worker in its own cgroup ----
for n in 1 2; do
	eval port=\$PORT$n
	bench_launch "$TMP" "rbldbd-$n" "$port" "$RBLDBD" -c "$TMP/w$n.conf"
	eval PID$n=$SPID
	settle "$SPID"
	WORKERS=$(busiest "$SPID" "$n" 2 "$port" | tr '\n' ' ')
	[ "$(echo $WORKERS | wc -w)" = "$n" ] || die "rbldbd-$n: did not find $n busy threads"
	eval TIDS$n=\"$WORKERS\"
	i=0
	for tid in $WORKERS; do
		i=$((i + 1))
		cpu=$(echo $WORKER_CPUS | awk -v i="$i" '{print $i}')
		[ -z "$cpu" ] || taskset -p -c "$cpu" "$tid" > /dev/null || die "cannot pin $tid to $cpu"
	done
	if [ "$CGV" = 1 ]; then
		i=0
		for tid in $WORKERS; do
			i=$((i + 1))
			cg_new "$n-$i" "$SHARE"
			echo "$tid" > "$CG/tasks"
		done
		HOW="each worker thread in a cgroup of its own, $SHARE of a core"
	else
		cg_new "$n" "$(awk -v s="$SHARE" -v n="$n" 'BEGIN {print s * n}')"
		echo "$SPID" > "$CG/cgroup.procs"
		HOW="each server in a cgroup of N x $SHARE of a core (cgroup v2: not per thread)"
	fi
	say "rbldbd with $n worker(s): pid $SPID, workers $WORKERS"
done

# perf N: one dnsperf run against the server with N workers.
RES=$OUT/results.tsv
: > "$RES"
rec() { printf '%s\t%s\t%s\t%s\n' "$RUN" "$1" "$2" "$3" >> "$RES"; }
perf() {
	eval pid=\$PID$1 port=\$PORT$1 tids=\$TIDS$1
	c0=$(ticks "/proc/$pid/stat")
	k0=$(child_ticks)
	w0=$(for t in $tids; do ticks "/proc/$pid/task/$t/stat"; done | tr '\n' ' ')
	$DNSPERF -s 127.0.0.1 -p "$port" -d "$DATA/q-$QFILE.txt" -l "$DURATION" > "$TMP/perf.out" 2>&1 ||
	    die "dnsperf failed: $(tail -3 "$TMP/perf.out")"
	k1=$(child_ticks)
	c1=$(ticks "/proc/$pid/stat")
	w1=$(for t in $tids; do ticks "/proc/$pid/task/$t/stat"; done | tr '\n' ' ')
	$PY dnsperf "$TMP/perf.out" > "$TMP/perf.kv"
	. "$TMP/perf.kv"
	rec qps "$1" "$qps"
	rec cpu_us "$1" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$completed" \
	    'BEGIN {printf "%.3f", t / k * 1e6 / n}')"
	rec srv_busy "$1" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v d="$DURATION" \
	    'BEGIN {printf "%.3f", t / k / d}')"
	rec cli_busy "$1" "$(awk -v t=$((k1 - k0)) -v k="$TCK" -v d="$DURATION" \
	    'BEGIN {printf "%.3f", t / k / d}')"
	# The least and the most busy worker, in cores.
	echo "$w0 $w1" | awk -v n="$1" -v k="$TCK" -v d="$DURATION" '{
	    lo = 1e9; hi = 0
	    for (i = 1; i <= n; i++) { b = ($(i + n) - $i) / k / d; if (b < lo) lo = b; if (b > hi) hi = b }
	    printf "worker_busy_min\t%.3f\nworker_busy_max\t%.3f\n", lo, hi }' |
	    while IFS='	' read -r f v; do rec "$f" "$1" "$v"; done
	rec lost "$1" "$lost"
	say "  $1 worker(s): $qps q/s, $((c1 - c0)) ticks for $completed answers, lost $lost"
}

RUN=0
while [ "$RUN" -lt "$RUNS" ]; do
	RUN=$((RUN + 1))
	say "run $RUN of $RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	if [ $((RUN % 2)) = 1 ]; then perf 1; perf 2; else perf 2; perf 1; fi
done

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); nproc $(nproc); load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "limit: $HOW; workers pinned to: ${WORKER_CPUS:-none}; dnsperf on: ${CLI_CPUS:-any core}; query file q-$QFILE ($ENTRIES listings); dnsperf -c $CLIENTS -T $CLIENT_THREADS -q $OUTSTANDING -l $DURATION"
	python3 - "$RES" "$SHARE" "$TARGET" "$CORES" "$RUNS" <<'EOF'
import statistics
import sys
res, share, target, cores, runs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
v = {}
for line in open(res):
    _, f, n, x = line.rstrip('\n').split('\t')
    v.setdefault((f, n), []).append(float(x))
m = {k: statistics.median(x) for k, x in v.items()}
def fmt(x):
    return '%.0f' % x if abs(x) >= 100 else '%.3g' % x
print('medians of %s runs; ratio = 2 workers / 1 worker' % runs)
print('| figure | 1 worker | 2 workers | ratio | target | met |')
print('| --- | ---: | ---: | ---: | --- | --- |')
targets = {'qps': ('>=', target), 'cpu_us': ('<=', 1.1)}
for f in ('qps', 'cpu_us', 'srv_busy', 'worker_busy_min', 'worker_busy_max', 'cli_busy', 'lost'):
    a, b = m.get((f, '1')), m.get((f, '2'))
    if a is None or b is None:
        continue
    r = b / a if a else None
    t, met = '', ''
    if f in targets:
        kind, bound = targets[f]
        t = 'ratio%s %g' % (kind, bound)
        ok = r is not None and (r >= bound if kind == '>=' else r <= bound)
        met = 'yes' if ok else 'NO'
    print('| %s | %s | %s | %s | %s | %s |' % (f, fmt(a), fmt(b), '-' if r is None else '%.2f' % r, t, met))
# The server is the limit when its workers use (nearly) all of their share.
bound = all(m[('worker_busy_min', n)] >= 0.9 * share for n in '12')
print()
print('server the limit (every worker >= 0.9 x %g of a core): %s' % (share, 'yes' if bound else 'NO: the figures understate the server'))
q1, q2 = m[('qps', '1')], m[('qps', '2')]
per1, per2 = q1 / share, q2 / (2 * share)
eff = q2 / (2 * q1)
print('per core: %.0f q/s with 1 worker, %.0f q/s a core with 2 (%.0f%% of linear)' % (per1, per2, 100 * eff))
print('expected on %d cores (%d workers, a client and network that keep up): %.0f q/s at 2 workers\' rate a core'
      ' (%d x %.0f); %.0f q/s if linear from 1 worker' % (cores, cores, cores * per2, cores, per2, cores * per1))
# From CPU per query, which a loaded machine disturbs far less than the rates:
# a core spends cpu_us a query, kernel included, so it answers 1e6 / cpu_us.
c1, c2 = m[('cpu_us', '1')], m[('cpu_us', '2')]
print('from CPU per query: %.0f q/s a core with 1 worker, %.0f with 2; on %d cores %.0f q/s'
      % (1e6 / c1, 1e6 / c2, cores, cores * 1e6 / c2))
EOF
} | tee "$OUT/summary.txt"
