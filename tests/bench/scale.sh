#!/bin/sh
# The scale run (issue 23): rbldb at 1M, 10M or 100M listings beside
# Debian's rbldnsd on the same files, in the same run.  Never part of
# `make test`; `make bench-scale SIZE=10M` or:
#
#   SIZE=10M sh tests/bench/scale.sh
#
# Environment (defaults in brackets):
#   SIZE [1M]          listings: 1M, 10M, 100M or a number
#   DURATION [10]      seconds of each dnsperf run (hit10-a, uncapped)
#   RUNS [1]           dnsperf runs per server and query file, alternating
#                      which server goes first; the table gives medians
#   LOAD [ingest]      how rbldb gets the listings: `ingest` of the JSON Lines
#                      (with history; rbldnsd then gets its export), or
#                      `import` of an rbldnsd file made from them (faster at
#                      10M and up on a slow machine; both servers read that file)
#   TEXTS [own]        with LOAD=import, the lines of the rbldnsd file both
#                      servers load: `own` gen.py's codes and texts, `shared`
#                      the 5% of texts that name their address made one shared
#                      text, `none` the address alone (the zone's code and
#                      text).  rbldnsd copies each line's value into a pool
#                      whose search for room grows with its size: at 100M it
#                      loads neither `own` nor `shared` in an hour
#   SAMPLE [2000]      queries whose answers are compared with rbldnsd's
#   FIRST_TIMEOUT [3600]  seconds a server may take to its first answer
#   RBLDNSD_TYPE [ip4trie]  rbldnsd's dataset type; ip4set at 100M (ip4trie
#                      had read 60% of the 100M file after 31 min, and then
#                      50 MB in the next 7); `none`: rbldb alone
#   REUSE              set: keep $OUT/work's store and rbldnsd.data and the
#                      load's figures of the last run, and measure the servers
#   MAPSIZE            [server] mapsize for the store (default: 16G, 64G at 100M)
#   BUILD [build]  OUT [$BUILD/scale-$SIZE]   results, data and the store
#   SRV_CPU [1] CLI_CPU [0]   cores of the servers and of dnsperf
#
# Prints a table (figure, rbldb, rbldnsd, ratio, target, met) and writes it
# to $OUT/summary.txt; every figure is one measurement (a scale run is long).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SIZE=${SIZE:-1M}
case $SIZE in
*M) ENTRIES=$((${SIZE%M} * 1000000)) ;;
*) ENTRIES=$SIZE ;;
esac
DURATION=${DURATION:-10}
SAMPLE=${SAMPLE:-2000}
RUNS=${RUNS:-1}
LOAD=${LOAD:-ingest}
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/scale-$SIZE}
SRV_CPU=${SRV_CPU:-1}
CLI_CPU=${CLI_CPU:-0}
[ "$ENTRIES" -ge 50000000 ] && MAPSIZE=${MAPSIZE:-64G} || MAPSIZE=${MAPSIZE:-16G}
export FIRST_TIMEOUT=${FIRST_TIMEOUT:-3600}	# rbldnsd parses 100M listings for minutes
RBLDNSD_TYPE=${RBLDNSD_TYPE:-ip4trie}
REUSE=${REUSE:-}
BENCH=tests/bench
PY="python3 $ROOT/$BENCH/dnsbench.py"
ZONE=relays.example.org

say() { printf '%s\n' "scale: $*" >&2; }
die() { say "$*"; exit 1; }
. "$BENCH/lib.sh"
bench_need dnsperf dig python3 taskset rbldnsd
TEXTS=${TEXTS:-own}
case $TEXTS in own|shared|none) ;; *) die "TEXTS: own, shared or none" ;; esac
[ "$TEXTS" = own ] || [ "$LOAD" = import ] || die "TEXTS=$TEXTS needs LOAD=import"
make --no-print-directory BUILD="$BUILD" all >&2
RBLDB=$ROOT/$BUILD/rbldb
RBLDBD=$ROOT/$BUILD/rbldbd

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA=$OUT/data
bench_data "$DATA" "$ENTRIES" 200000

W=$OUT/work
[ -n "$REUSE" ] || rm -rf "$W"
mkdir -p "$W"
chmod 755 "$OUT" "$W"	# rbldnsd reads its data as nobody
PIDS=
cleanup() { for p in $PIDS; do bench_stop "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_ports 2
set -- $PORTS
PORT=$1 RPORT=$2
cp zones/relays.example.org.zone "$W/$ZONE.zone"
{
	bench_conf "$PORT" 1 "mapsize = $MAPSIZE"
	echo "allow-transfer = 127.0.0.1"
} > "$W/scale.conf"
RES=$OUT/results.tsv
if [ -n "$REUSE" ]; then	# keep the load's figures, measure the servers again
	sed -i '/^first_answer_s/,$d' "$RES"
else
	: > "$RES"
fi
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RES"; }	# FIGURE SERVER VALUE
now() { date +%s.%N; }
since() { echo "$1 $(now)" | awk '{printf "%.3f", $2 - $1}'; }
kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
TCK=$(getconf CLK_TCK)
# peak RSS of a command run under /usr/bin/time -v, in MiB
peak() { awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$1"; }

# ---- Load ----
cd "$W"
if [ -n "$REUSE" ]; then
	[ -d db ] && [ -s rbldnsd.data ] || die "REUSE: no store or rbldnsd.data in $W"
	say "reusing the store and rbldnsd.data of $W"
else
	"$RBLDB" -c scale.conf init >/dev/null
	if [ "$LOAD" = import ]; then
		# The export of the empty zone gives rbldnsd's $SOA/$NS header; then the lines.
		"$RBLDB" -c scale.conf export --format rbldnsd --zone "$ZONE" -o rbldnsd.data \
		    > /dev/null 2>&1 || die "export of the empty zone failed"
		# The lines are made once per data (the conversion takes 10 min at 100M).
		lines=$DATA/rbldnsd-$TEXTS.lines
		if [ ! -s "$lines" ] || [ "$DATA/stamp" -nt "$lines" ]; then
			$PY rbldnsd-data "$DATA/data.jsonl" --texts="$TEXTS" > "$lines.tmp"
			mv "$lines.tmp" "$lines"
		fi
		cat "$lines" >> rbldnsd.data
		chmod 644 rbldnsd.data
		say "import of $ENTRIES listings"
		t0=$(now)
		/usr/bin/time -v "$RBLDB" -c scale.conf import --format rbldnsd --zone "$ZONE" --force \
		    rbldnsd.data > ingest.out 2> ingest.time || die "import failed: $(tail -3 ingest.time)"
		rec import_s rbldb "$(since "$t0")"
		rec import_peak_mib rbldb "$(peak ingest.time)"
	else
		say "ingest of $ENTRIES listings"
		t0=$(now)
		/usr/bin/time -v "$RBLDB" -c scale.conf ingest --force "$DATA/data.jsonl" > ingest.out 2> ingest.time ||
		    die "ingest failed: $(tail -3 ingest.time)"
		rec ingest_s rbldb "$(since "$t0")"
		rec ingest_peak_mib rbldb "$(peak ingest.time)"
	fi
	bytes=$(du -sb db/data.mdb | cut -f1)
	used=$(mdb_stat -e db 2>/dev/null | awk '/Number of pages used/ {print $5}')
	psize=$(mdb_stat -e db 2>/dev/null | awk '/Page size/ {print $3}')
	rec store_mib rbldb "$(echo "$used $psize" | awk '{printf "%.0f", $1 * $2 / 1048576}')"
	rec store_bytes_per_entry rbldb "$(echo "$used $psize $ENTRIES" | awk '{printf "%.0f", $1 * $2 / $3}')"
	# Each database's share, for the README's per-entry costs.
	mdb_stat -a db | awk -v n="$ENTRIES" '/^Status of/ {d = $3}
	    /Branch pages|Leaf pages|Overflow pages/ {p[d] += $3}
	    END {for (k in p) if (p[k] > 1) printf "db_%s_bytes_per_entry\t%.1f\n", k, p[k] * 4096 / n}' |
	    while IFS='	' read -r f v; do rec "$f" rbldb "$v"; done
	say "  $LOAD: $(tail -1 "$RES")"

	if [ "$LOAD" != import ]; then
		t0=$(now)
		/usr/bin/time -v "$RBLDB" -c scale.conf export --format rbldnsd --zone "$ZONE" -o rbldnsd.data \
		    2> export.time >/dev/null || die "export failed: $(tail -3 export.time)"
		rec export_s rbldb "$(since "$t0")"
		rec export_peak_mib rbldb "$(peak export.time)"
		chmod 644 rbldnsd.data
	fi
fi

# ---- Servers: time to first answer ----
bench_launch "$W" rbldbd "$PORT" taskset -c "$SRV_CPU" "$RBLDBD" -c scale.conf
SPID_D=$SPID
rec first_answer_s rbldb "$FIRST"
rec rss_start_mib rbldb "$(($(kib "$SPID_D" VmRSS) / 1024))"
NORBLDNSD= SPID_R=
[ "$RBLDNSD_TYPE" != none ] || NORBLDNSD=1
if [ -z "$NORBLDNSD" ]; then
	bench_rbldnsd "$W" "$RPORT" "$SRV_CPU" "$RBLDNSD_TYPE" "$W/rbldnsd.data"
	SPID_R=$SPID
	rec first_answer_s rbldnsd "$FIRST"
	rec rss_start_mib rbldnsd "$(($(kib "$SPID_R" VmRSS) / 1024))"
fi

# ---- Answers: the same as rbldnsd's on a sample ----
for q in hit-a hit10-a hit-txt; do head -n "$((SAMPLE / 3))" "$DATA/q-$q.txt"; done |
    awk '{print $1, $2}' > sample.txt
ans() {	# PORT -> sorted "name type rdata" lines
	dig -p "$1" @127.0.0.1 +noall +answer +norec +tries=3 -f sample.txt |
	    awk '{$2 = ""; print}' | sort
}
ans "$PORT" > ans.rbldb
if [ -n "$NORBLDNSD" ]; then cp ans.rbldb ans.rbldnsd; else ans "$RPORT" > ans.rbldnsd; fi
rec sample_answers rbldb "$(wc -l < ans.rbldb)"
[ -n "$NORBLDNSD" ] || rec sample_answers rbldnsd "$(wc -l < ans.rbldnsd)"
[ -n "$NORBLDNSD" ] || rec sample_mismatches rbldb "$(diff ans.rbldb ans.rbldnsd | grep -c '^[<>]' || true)"

# ---- Queries per second and CPU per query, uncapped ----
perf() {	# SERVER PID PORT QFILE
	[ "$1" = rbldb ] || [ -z "$NORBLDNSD" ] || return 0
	c0=$(awk '{print $14 + $15}' "/proc/$2/stat")
	taskset -c "$CLI_CPU" dnsperf -c 4 -T 1 -q 100 -s 127.0.0.1 -p "$3" \
	    -d "$DATA/q-$4.txt" -l "$DURATION" > perf.out 2>&1 || die "dnsperf failed"
	c1=$(awk '{print $14 + $15}' "/proc/$2/stat")
	$PY dnsperf perf.out > perf.kv
	. ./perf.kv
	rec "$4/qps" "$1" "$qps"
	rec "$4/cpu_us" "$1" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$completed" \
	    'BEGIN {printf "%.3f", t / k * 1e6 / n}')"
}
run=0
while [ "$run" -lt "$RUNS" ]; do	# each figure's median goes in the table
	run=$((run + 1))
	say "  query runs $run of $RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for q in hit10-a hit-txt; do
		if [ $((run % 2)) = 1 ]; then
			perf rbldb "$SPID_D" "$PORT" "$q"
			perf rbldnsd "$SPID_R" "$RPORT" "$q"
		else
			perf rbldnsd "$SPID_R" "$RPORT" "$q"
			perf rbldb "$SPID_D" "$PORT" "$q"
		fi
	done
done
rec rss_queries_mib rbldb "$(($(kib "$SPID_D" VmRSS) / 1024))"
[ -n "$NORBLDNSD" ] || rec rss_queries_mib rbldnsd "$(($(kib "$SPID_R" VmRSS) / 1024))"

# ---- AXFR: streaming time and rbldbd's memory (rbldnsd has no AXFR) ----
t0=$(now)
records=$(dig -p "$PORT" @127.0.0.1 "$ZONE" AXFR +noall +answer | wc -l)
rec axfr_s rbldb "$(since "$t0")"
rec axfr_records rbldb "$records"
rec rss_after_axfr_mib rbldb "$(($(kib "$SPID_D" VmRSS) / 1024))"
rec hwm_mib rbldb "$(($(kib "$SPID_D" VmHWM) / 1024))"

# ---- IXFR of a 1,000-change commit ----
serial=$(dig -p "$PORT" @127.0.0.1 "$ZONE" SOA +short | awk '{print $3}')
python3 - > changes.jsonl <<'EOF'
import random
r = random.Random(23)
for i in range(1000):	# scattered, as a day's reports are (runs would share wildcards)
    print('{"op":"report","addr":"%d.%d.%d.%d","zone":"relays.example.org",'
          '"reason":"scale run change","source":"scale","lifetime":"30d"}' %
          (r.randint(11, 99), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)))
EOF
"$RBLDB" -c scale.conf ingest --force changes.jsonl > /dev/null 2>&1 || die "ingest of 1,000 changes failed"
for i in $(seq 100); do
	s2=$(dig -p "$PORT" @127.0.0.1 "$ZONE" SOA +short | awk '{print $3}')
	[ "$s2" != "$serial" ] && break
	sleep 0.1
done
dig -p "$PORT" @127.0.0.1 "$ZONE" IXFR="$serial" +time=300 +tries=1 +noall +stats > ixfr.out 2>&1 || true
rec ixfr_bytes rbldb "$(sed -n 's/.*XFR size: .* bytes \([0-9]*\).*/\1/p' ixfr.out | head -1)"
rec ixfr_records rbldb "$(sed -n 's/.*XFR size: \([0-9]*\) records.*/\1/p' ixfr.out | head -1)"

# ---- The table ----
python3 - "$RES" "$ENTRIES" "$RUNS" <<'EOF' | tee "$OUT/summary.txt"
import statistics
import sys
res, n = sys.argv[1], int(sys.argv[2])
vals, order = {}, []
for line in open(res):
    f, srv, v = line.rstrip('\n').split('\t')
    if f not in order:
        order.append(f)
    if v:
        vals.setdefault((f, srv), []).append(float(v))
vals = {k: statistics.median(v) for k, v in vals.items()}
# (kind, bound): "<=" rbldb's own figure, "ratio<=" rbldb / rbldnsd
targets = {'ingest_peak_mib': ('<=', 1024), 'store_bytes_per_entry': ('<=', 100),
           'sample_mismatches': ('<=', 0), 'hit10-a/cpu_us': ('ratio<=', 1.0),
           'hit-txt/cpu_us': ('ratio<=', 1.0), 'rss_queries_mib': ('ratio<=', 1.0),
           'first_answer_s': ('<=', 1.0), 'import_peak_mib': ('<=', 1024)}
def fmt(x):
    return '-' if x is None else ('%.0f' % x if abs(x) >= 100 else '%.3g' % x)
print('scale run: %d listings; ratio = rbldb/rbldnsd; medians of %s query runs'
      % (n, sys.argv[3]))
print('| figure | rbldb | rbldnsd | ratio | target | met |')
print('| --- | ---: | ---: | ---: | --- | --- |')
for f in order:
    a, b = vals.get((f, 'rbldb')), vals.get((f, 'rbldnsd'))
    r = a / b if a is not None and b else None
    t, met = '', ''
    if f in targets:
        kind, bound = targets[f]
        x = r if kind.startswith('ratio') else a
        t = '%s %g' % (kind, bound)
        met = '' if x is None else ('yes' if x <= bound else 'NO')
    print('| %s | %s | %s | %s | %s | %s |' % (f, fmt(a), fmt(b), fmt(r), t, met))
EOF
