#!/bin/sh
# The rbldb benchmark (issue 7): rbldb against Debian's rbldnsd on the same
# data in the same run.  `make bench` runs it; it is never part of `make test`.
#
#   sh tests/bench/run.sh
#
# Environment (defaults in brackets):
#   RUNS [5]          runs; every figure is the median over them
#   DURATION [10]     seconds per dnsperf run
#   RATE [20000]      queries/s of the fixed-rate runs
#   ENTRIES [1000000] listings; QUERIES [1000000] lines per query file
#   BUILD [build]     build directory; OUT [$BUILD/bench] results and data
#   SRV_CPU [1] CLI_CPU [0]   cores of the servers and of dnsperf
#   CLIENTS [4] CLIENT_THREADS [1] OUTSTANDING [100]   dnsperf -c, -T, -q
#   SCALE_THREADS [nproc]      rbldbd workers in the scaling section
#   SCALE_CLIENTS [8] SCALE_CLIENT_THREADS [2]   dnsperf there
#   SCALE_SRV_CPUS [all] SCALE_CLI_CPUS [all]     cores there (taskset -c lists)
#   NULL_PAUSE_US [300]  pause of the "paused" do-nothing responder
#   HALF_CORE [0.5]   share of a core the servers get in the "half" runs
#                     (a cpu cgroup; skipped when none can be made)
#   NOCALLGRIND=1     skip the instruction counts
#   NOKEYED_E2E=1     skip keyed against unkeyed end to end (cgkeyed.sh E2E=only)
#   KEEP=1            keep the work directory
#
# Writes $OUT/results.tsv (one line per run and figure), results.json
# (medians, ratios rbldb/rbldnsd, targets), summary.txt (the table printed
# at the end) and machine.txt.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
RATE=${RATE:-20000}
ENTRIES=${ENTRIES:-1000000}
QUERIES=${QUERIES:-1000000}
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/bench}
SRV_CPU=${SRV_CPU:-1}
CLI_CPU=${CLI_CPU:-0}
CLIENTS=${CLIENTS:-4}
CLIENT_THREADS=${CLIENT_THREADS:-1}
OUTSTANDING=${OUTSTANDING:-100}
SCALE_THREADS=${SCALE_THREADS:-$(nproc)}
NULL_PAUSE_US=${NULL_PAUSE_US:-300}
HALF_CORE=${HALF_CORE:-0.5}
SCALE_CLIENTS=${SCALE_CLIENTS:-8}
SCALE_CLIENT_THREADS=${SCALE_CLIENT_THREADS:-2}
SCALE_SRV_CPUS=${SCALE_SRV_CPUS:-0-$(($(nproc) - 1))}
SCALE_CLI_CPUS=${SCALE_CLI_CPUS:-0-$(($(nproc) - 1))}
BENCH=tests/bench
PY="python3 $ROOT/$BENCH/dnsbench.py"
QFILES="hit-a hit10-a hit-txt"

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 1; }
. "$BENCH/lib.sh"

# ---- Tools ----
missing=
for t in dnsperf rbldnsd valgrind python3 taskset; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing="$missing $t"
done
if [ -n "$missing" ]; then
	pkgs=$(echo "$missing" | sed 's/taskset/util-linux/')
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing$pkgs"
		DEBIAN_FRONTEND=noninteractive apt-get install -y $pkgs >/dev/null
	else
		die "missing$missing: run  sudo apt-get install -y$pkgs"
	fi
fi
[ "$(nproc)" -ge 2 ] || say "only one core: server and dnsperf share it, figures mean little"

# ---- Build ----
make --no-print-directory BUILD="$BUILD" all >&2
QCOUNT=$BUILD/bench/qcount
if [ -z "${NOCALLGRIND:-}" ]; then
	if grep -q 'bench/qcount:' Makefile; then
		make --no-print-directory BUILD="$BUILD" "$QCOUNT" >&2
	else
		# Until the Makefile has the rule: by hand, with the Makefile's flags.
		say "no Makefile rule for $QCOUNT: compiling it by hand"
		mkvar() { printf 'print-var:\n\t@echo $(%s)\n' "$1" |
		    make -s -f Makefile -f - BUILD="$BUILD" print-var; }
		mkdir -p "$BUILD/bench"
		${CC:-cc} $(mkvar CPPFLAGS) $(mkvar INCLUDES) $(mkvar ALL_CFLAGS) -o "$QCOUNT" $BENCH/qcount.c \
		    $(mkvar SERVER_OBJ) $(mkvar COMMON_OBJ) $(mkvar LIBS)
	fi
fi
NULLRESP=$BUILD/bench/nullresp
if grep -q 'bench/nullresp:' Makefile; then
	make --no-print-directory BUILD="$BUILD" "$NULLRESP" >&2
else
	mkdir -p "$BUILD/bench"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -g -o "$NULLRESP" $BENCH/nullresp.c
fi
NULLRESP=$ROOT/$NULLRESP
RBLDB=$ROOT/$BUILD/rbldb
RBLDBD=$ROOT/$BUILD/rbldbd

# ---- Data (generated once per parameters and generator) ----
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA=$OUT/data
bench_data "$DATA" "$ENTRIES" "$QUERIES"

# ---- Work directory, and nothing left running ----
TMP=$(mktemp -d /tmp/rbldb-bench.XXXXXX)
chmod 755 "$TMP"	# rbldnsd refuses root and reads its data as nobody
PIDS=
# A cpu cgroup that holds a server to HALF_CORE of a core, so that in the
# "half" runs the server and not dnsperf is the limit (v1 or v2; none: skipped).
CG=
if [ -w /sys/fs/cgroup/cpu/cgroup.procs ] && mkdir "/sys/fs/cgroup/cpu/rbldb-bench.$$" 2>/dev/null; then
	CG=/sys/fs/cgroup/cpu/rbldb-bench.$$ CG_TOP=/sys/fs/cgroup/cpu
	echo 10000 > "$CG/cpu.cfs_period_us"
	awk -v h="$HALF_CORE" 'BEGIN {print int(h * 10000)}' > "$CG/cpu.cfs_quota_us"
elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
    mkdir "/sys/fs/cgroup/rbldb-bench.$$" 2>/dev/null; then
	CG=/sys/fs/cgroup/rbldb-bench.$$ CG_TOP=/sys/fs/cgroup
	awk -v h="$HALF_CORE" 'BEGIN {print int(h * 10000), 10000}' > "$CG/cpu.max"
fi
# cg_hold PID / cg_release PID: into the limited cgroup and back out.
cg_hold() { echo "$1" > "$CG/cgroup.procs"; }
cg_release() { echo "$1" > "$CG_TOP/cgroup.procs" 2>/dev/null || true; }
cleanup() {
	for p in $PIDS; do stop "$p"; done
	[ -z "$CG" ] || rmdir "$CG" 2>/dev/null || say "could not remove cgroup $CG"
	if [ -n "${KEEP:-}" ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_ports 4
set -- $PORTS
PORT=$1 RPORT=$2 NPORT=$3 PORT2=$4
cp zones/relays.example.org.zone "$TMP/$ZONE.zone" 2>/dev/null ||
    die "no apex file for $ZONE"
bench_conf "$PORT" 1 > "$TMP/bench.conf"
# The same without coalescing of wake-ups (udp-batch-wait = 0), to show what it does.
bench_conf "$PORT" 1 "udp-batch-wait = 0" > "$TMP/nowait.conf"
bench_conf "$PORT" "$SCALE_THREADS" > "$TMP/scale.conf"
RES=$OUT/results.tsv
: > "$RES"
rec() { printf '%s\t%s\t%s\t%s\n' "$RUN" "$1" "$2" "$3" >> "$RES"; }
now() { date +%s.%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU of this shell's waited-for children (dnsperf, in perf()).
child_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
TCK=$(getconf CLK_TCK)
mib() { awk -v k="$2:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

launch() { bench_launch "$TMP" "$@"; }	# NAME PORT CMD...: sets SPID, FIRST
start_rbldb() {	# CONF CPUS
	launch rbldbd "$PORT" taskset -c "$2" "$RBLDBD" -c "$1"
}
start_rbldnsd() {	# CPUS
	bench_rbldnsd "$TMP" "$RPORT" "$1" "$RBLDNSD_TYPE" "$TMP/rbldnsd.data"
}
stop() { bench_stop "$1"; }

# perf SERVER PID PORT QFILE MODE [dnsperf options]: one dnsperf run, recorded as QFILE/MODE/*
perf() {
	srv=$1 pid=$2 port=$3 qf=$4 mode=$5
	shift 5
	c0=$(cpu_ticks "$pid")
	k0=$(child_ticks)
	"$@" -s 127.0.0.1 -p "$port" -d "$DATA/q-$qf.txt" -l "$DURATION" > "$TMP/perf.out" 2>&1 ||
	    die "dnsperf failed: $(tail -3 "$TMP/perf.out")"
	k1=$(child_ticks)
	c1=$(cpu_ticks "$pid")
	$PY dnsperf "$TMP/perf.out" > "$TMP/perf.kv"
	. "$TMP/perf.kv"
	rec "$qf/$mode/qps" "$srv" "$qps"
	rec "$qf/$mode/lat_mean_ms" "$srv" "$(echo "$lat_mean_s" | awk '{print $1 * 1000}')"
	if [ -n "${lat_p99_s:-}" ]; then
		rec "$qf/$mode/lat_p99_ms" "$srv" "$(echo "$lat_p99_s" | awk '{print $1 * 1000}')"
	fi
	rec "$qf/$mode/cpu_us" "$srv" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$completed" \
	    'BEGIN {printf "%.3f", t / k * 1e6 / n}')"
	# Which side is the limit: each one's CPU over the run's length (1 = a core).
	rec "$qf/$mode/srv_busy" "$srv" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v d="$DURATION" \
	    'BEGIN {printf "%.2f", t / k / d}')"
	rec "$qf/$mode/cli_busy" "$srv" "$(awk -v t=$((k1 - k0)) -v k="$TCK" -v d="$DURATION" \
	    'BEGIN {printf "%.2f", t / k / d}')"
	rec "$qf/$mode/lost" "$srv" "$lost"
	rec "$qf/$mode/resp_bytes" "$srv" "${resp_bytes:-0}"
	say "  $srv $qf $mode: $qps q/s, $((c1 - c0)) ticks for $completed answers, lost $lost"
	unset lat_p99_s
}

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc: $(nproc)"
	echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "kernel: $(uname -srm)"
	echo "dnsperf: $(dpkg-query -W -f '${Version}' dnsperf 2>/dev/null || echo ?)"
	echo "rbldnsd: $(dpkg-query -W -f '${Version}' rbldnsd 2>/dev/null || echo ?)"
	echo "command: RUNS=$RUNS DURATION=$DURATION RATE=$RATE sh $BENCH/run.sh"
	echo "pinned: servers on core $SRV_CPU, dnsperf on $CLI_CPU:" \
	    "-c $CLIENTS -T $CLIENT_THREADS -q $OUTSTANDING -l $DURATION, fixed rate -Q $RATE"
	echo "scaling: rbldbd threads = $SCALE_THREADS on cores $SCALE_SRV_CPUS, dnsperf on" \
	    "$SCALE_CLI_CPUS: -c $SCALE_CLIENTS -T $SCALE_CLIENT_THREADS"
} > "$OUT/machine.txt"

# The fixed-rate runs are named "20k" at the issue's rate, else after theirs.
FIXED=20k
[ "$RATE" = 20000 ] || FIXED=rate$RATE
PINNED="taskset -c $CLI_CPU dnsperf -c $CLIENTS -T $CLIENT_THREADS -q $OUTSTANDING"
RUN=0
while [ "$RUN" -lt "$RUNS" ]; do
	RUN=$((RUN + 1))
	say "run $RUN of $RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	echo "run $RUN: load average at start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
	rm -rf "$TMP/db"

	# Bulk load: one ingest of every listing, history included, into a new store.
	"$RBLDB" -c "$TMP/bench.conf" init > /dev/null 2>&1 || die "init of the store failed"
	t0=$(now)
	"$RBLDB" -c "$TMP/bench.conf" ingest --force "$DATA/data.jsonl" 2> "$TMP/ingest.log" ||
	    die "ingest failed: $(tail -3 "$TMP/ingest.log")"
	t1=$(now)
	rec ingest_s rbldb "$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')"
	rec ingest_rps rbldb "$(echo "$t0 $t1 $ENTRIES" | awk '{printf "%.0f", $3 / ($2 - $1)}')"
	say "  ingest: $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s"

	# The same data for rbldnsd.
	t0=$(now)
	"$RBLDB" -c "$TMP/bench.conf" export --format rbldnsd --zone "$ZONE" \
	    -o "$TMP/rbldnsd.data" 2> "$TMP/export.log" ||
	    die "export failed: $(tail -3 "$TMP/export.log")"
	t1=$(now)
	rec export_s rbldb "$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')"
	chmod 644 "$TMP/rbldnsd.data"
	# The export names its dataset type: "# Serve it with: rbldnsd ... ZONE:ip4trie:FILE".
	RBLDNSD_TYPE=$(sed -n '1,5s/^# Serve it with: rbldnsd .* [^ :]*:\([a-z0-9]*\):.*/\1/p' \
	    "$TMP/rbldnsd.data" | head -1)
	RBLDNSD_TYPE=${RBLDNSD_TYPE:-ip4trie}

	# Instructions per query, once: deterministic, and slow under valgrind.
	if [ "$RUN" = 1 ] && [ -z "${NOCALLGRIND:-}" ]; then
		say "  callgrind: instructions per query"
		rm -f "$TMP"/cg.out*
		valgrind --tool=callgrind --instr-atstart=no --compress-strings=no \
		    --compress-pos=no --callgrind-out-file="$TMP/cg.out" \
		    "$QCOUNT" "$TMP/bench.conf" "$TMP/db" "$DATA/q-hit-a.txt" \
		    "$DATA/q-hit10-a.txt" "$DATA/q-hit-txt.txt" 10000 \
		    > "$TMP/qcount.out" 2> "$TMP/callgrind.log" ||
		    die "qcount failed: $(tail -3 "$TMP/callgrind.log")"
		$PY callgrind "$TMP"/cg.out.* > "$TMP/cg.txt"
		while read -r cls ir allocs; do
			n=$(awk -v c="$cls" '$1 == c {sub("queries=", "", $2); print $2}' "$TMP/qcount.out")
			rec "qcount/$cls/instr_per_query" rbldb "$(awk -v i="$ir" -v n="$n" \
			    'BEGIN {printf "%.0f", i / n}')"
			rec "qcount/$cls/allocs_per_query" rbldb "$(awk -v a="$allocs" -v n="$n" \
			    'BEGIN {printf "%.4f", a / n}')"
		done < "$TMP/cg.txt"
		cp "$TMP"/cg.out.* "$OUT/" 2>/dev/null || true
		# Keyed access (issue 24): a keyed query against an unkeyed one, target +5%.
		say "  callgrind: keyed against unkeyed queries"
		bash "$BENCH/cgkeyed.sh" "$ROOT" "$DATA" > "$OUT/keyed.txt" ||
		    die "cgkeyed.sh failed"
		sed -n '2,$p' "$OUT/keyed.txt" | while read -r cls _ u _ k pct _; do
			rec "qcount/keyed-$cls/instr_per_query" rbldb "$k"
			rec "qcount/keyed-$cls/overhead_pct" rbldb "${pct%\%}"
		done
		sed 's/^/bench:   /' "$OUT/keyed.txt" >&2
	fi

	# Both servers, pinned to SRV_CPU; time from start to first answer.
	start_rbldb "$TMP/bench.conf" "$SRV_CPU"; BPID=$SPID
	rec first_answer_s rbldb "$FIRST"
	fb=$FIRST
	start_rbldnsd "$SRV_CPU"; RPID=$SPID
	rec first_answer_s rbldnsd "$FIRST"
	say "  first answer: rbldb $fb s, rbldnsd $FIRST s"

	# One pass over the hit-a file each, recorded as "cold": rbldbd starts
	# with none of the store in memory and reads its pages as queries need
	# them, rbldnsd with all of it parsed.  The runs after it are warm.
	perf rbldb "$BPID" "$PORT" hit-a cold $PINNED -n 1
	perf rbldnsd "$RPID" "$RPORT" hit-a cold $PINNED -n 1
	# Back to back, the first server alternating by run, so that neither
	# always meets the machine as the other left it.
	order="rbldb:$BPID:$PORT rbldnsd:$RPID:$RPORT"
	[ $((RUN % 2)) = 1 ] || order="rbldnsd:$RPID:$RPORT rbldb:$BPID:$PORT"
	for qf in $QFILES; do
		for how in max "$FIXED"; do	# not "mode": perf() sets that
			set -- $PINNED
			[ "$how" = max ] || set -- "$@" -Q "$RATE" -v
			for s in $order; do	# NAME:PID:PORT
				pp=${s#*:}
				perf "${s%%:*}" "${pp%%:*}" "${pp#*:}" "$qf" "$how" "$@"
			done
		done
	done
	# The same uncapped runs with each server held to HALF_CORE of its core:
	# above, dnsperf's core is the limit (cli_busy ~1, srv_busy below 1);
	# here the server is, and the rates compare what each server can answer.
	if [ -n "$CG" ]; then
		for qf in $QFILES; do
			for s in $order; do	# NAME:PID:PORT
				pp=${s#*:}
				cg_hold "${pp%%:*}"
				perf "${s%%:*}" "${pp%%:*}" "${pp#*:}" "$qf" half $PINNED
				cg_release "${pp%%:*}"
			done
		done
	elif [ "$RUN" = 1 ]; then
		say "no writable cpu cgroup: the half-core runs are skipped"
	fi
	# rbldbd without udp-batch-wait, on hit-a, with rbldnsd again back to back.
	launch rbldbd-nowait "$PORT2" taskset -c "$SRV_CPU" "$RBLDBD" -c "$TMP/nowait.conf" \
	    -l "127.0.0.1:$PORT2"
	WPID=$SPID
	for nw in max "$FIXED"; do	# not "mode": perf() sets that
		set -- $PINNED
		[ "$nw" = max ] || set -- "$@" -Q "$RATE" -v
		perf rbldb "$WPID" "$PORT2" hit-a "$nw-nowait" "$@"
		perf rbldnsd "$RPID" "$RPORT" hit-a "$nw-nowait" "$@"
	done
	stop "$WPID"
	# The floor: responders that do nothing but answer (hit-a queries): one
	# datagram per system call, batches, batches with a pause between them.
	for how in single batch paused; do
		case $how in
		paused) set -- batch "$NULL_PAUSE_US" ;;
		*) set -- "$how" ;;
		esac
		taskset -c "$SRV_CPU" "$NULLRESP" "$NPORT" "$@" & NPID=$!
		PIDS="$PIDS $NPID"
		sleep 0.2
		perf "null-$how" "$NPID" "$NPORT" hit-a max $PINNED
		perf "null-$how" "$NPID" "$NPORT" hit-a "$FIXED" $PINNED -Q "$RATE" -v
		stop "$NPID"
	done
	for s in "rbldb $BPID" "rbldnsd $RPID"; do
		set -- $s
		rec rss_mib "$1" "$(mib "$2" VmRSS)"
		rec rss_anon_mib "$1" "$(mib "$2" RssAnon)"
		rec rss_file_mib "$1" "$(mib "$2" RssFile)"
	done

	# A single report, then its first answer (the poller and rbldb on CLI_CPU).
	taskset -c "$CLI_CPU" $PY delay "$PORT" "$ZONE" "$RBLDB" "$TMP/bench.conf" $DELAY_ADDRS \
	    > "$TMP/delay.out" || die "report delay test failed"
	rec report_delay_ms rbldb "$(sed -n 's/^median_ms=//p' "$TMP/delay.out")"
	say "  report to answer: $(sed -n 's/^median_ms=//p' "$TMP/delay.out") ms median"
	stop "$BPID"

	# The same store compacted (each database's pages together), for the
	# resident memory of the pages queries touch and their neighbours, which
	# the kernel maps along (fault-around) when they are in the page cache.
	"$RBLDB" -c "$TMP/bench.conf" backup "$TMP/dbc" > /dev/null 2>&1 || die "backup failed"
	launch rbldbd "$PORT" taskset -c "$SRV_CPU" "$RBLDBD" -c "$TMP/bench.conf" -D "$TMP/dbc"
	BPID=$SPID
	perf rbldb "$BPID" "$PORT" hit10-a compacted $PINNED
	rec rss_compacted_mib rbldb "$(mib "$BPID" VmRSS)"
	stop "$BPID"
	rm -rf "$TMP/dbc"

	# Scaling: rbldbd with SCALE_THREADS workers (rbldnsd has one), on SCALE_SRV_CPUS.
	start_rbldb "$TMP/scale.conf" "$SCALE_SRV_CPUS"; BPID=$SPID
	taskset -a -p -c "$SCALE_SRV_CPUS" "$RPID" > /dev/null
	SCALED="taskset -c $SCALE_CLI_CPUS dnsperf -c $SCALE_CLIENTS -T $SCALE_CLIENT_THREADS -q $OUTSTANDING"
	for qf in $QFILES; do
		perf rbldb "$BPID" "$PORT" "$qf" scale $SCALED
		perf rbldnsd "$RPID" "$RPORT" "$qf" scale $SCALED
	done
	stop "$BPID"
	stop "$RPID"

	# expire of already expired listings, servers stopped (rbldbd would expire them itself).
	"$RBLDB" -c "$TMP/bench.conf" ingest --force "$DATA/expire.jsonl" 2> "$TMP/ingest.log" ||
	    die "ingest of the expire set failed: $(tail -3 "$TMP/ingest.log")"
	t0=$(now)
	"$RBLDB" -c "$TMP/bench.conf" expire --force > "$TMP/expire.out" 2>&1 ||
	    die "expire failed: $(tail -3 "$TMP/expire.out")"
	t1=$(now)
	rec expire_s rbldb "$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')"
	rec expire_n rbldb "$(grep -o '[0-9][0-9]*' "$TMP/expire.out" | head -1)"
	say "  expire: $(cat "$TMP/expire.out") in $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') s"
done

# Keyed access end to end (issue 24): rbldbd's CPU per query, keyed against
# unkeyed, medians of RUNS runs (cgkeyed.sh E2E=only); NOKEYED_E2E=1 skips it.
if [ -z "${NOKEYED_E2E:-}" ]; then
	say "keyed against unkeyed queries, end to end"
	E2E=only RUNS=$RUNS DURATION=$DURATION SRV_CPU=$SRV_CPU CLI_CPU=$CLI_CPU \
	    bash "$BENCH/cgkeyed.sh" "$ROOT" "$DATA" > "$OUT/keyed-e2e.txt" ||
	    die "cgkeyed.sh (end to end) failed"
	sed -n '2,$p' "$OUT/keyed-e2e.txt" | while read -r cls _ u _ k pct _; do
		rec "keyed-e2e/$cls/cpu_us" rbldb "$k"
		rec "keyed-e2e/$cls/overhead_pct" rbldb "${pct%\%}"
	done
	sed 's/^/bench:   /' "$OUT/keyed-e2e.txt" >&2
fi

echo "rbldnsd data: rbldb export, dataset $RBLDNSD_TYPE" >> "$OUT/machine.txt"
cat "$OUT/machine.txt"
$PY summary "$RES" "$OUT/results.json" | tee "$OUT/summary.txt"
# Keyed access's class (issue 24): keyed against unkeyed, the 5% target met or not.
[ ! -s "$OUT/keyed.txt" ] || tee -a "$OUT/summary.txt" < "$OUT/keyed.txt"
[ ! -s "$OUT/keyed-e2e.txt" ] || tee -a "$OUT/summary.txt" < "$OUT/keyed-e2e.txt"
