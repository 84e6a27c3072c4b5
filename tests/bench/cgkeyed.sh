#!/bin/bash
# Keyed access's cost (issue 24): instructions per query of a keyed query
# (ADDR.KEY.ZONE under a valid key without limits, zone with keys = allowed)
# against the same query unkeyed (ADDR.ZONE, zone without keys), for hit A
# and miss A, each a qcount replay under callgrind as cgcompare.sh counts.
# Prints one line per class and the 5% target, met or not met.
#
# With E2E=1 (E2E=only: that alone), end to end too: the CPU time of a real
# rbldbd (threads = 1, pinned to core SRV_CPU [1]) per query answered, its
# threads' schedstat nanoseconds over dnsperf's completed queries (dnsperf
# pinned to CLI_CPU [0], -c 4 -q 100 as fast as it goes, or -Q RATE), for
# hit A and the 10%-hit mix (90% misses), keyed and unkeyed servers asked
# in turn, RUNS [5] runs of DURATION [5] s each after a warm-up; the median
# of the runs, as the machine may be shared and noisy.
#
#   bash tests/bench/cgkeyed.sh [TREE] [DATA]
#
# TREE is a built tree (default: this one); DATA a gen.py directory (default:
# a fresh one of 200000 listings).  TARGET [5] is the target in per cent.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$(cd "${1:-$top}" && pwd) data=${2:-} target=${TARGET:-5}
[ -z "$data" ] || data=$(cd "$data" && pwd)
zone=relays.example.org key=bench0customer0key
w=$(mktemp -d /tmp/rbldb-cgkeyed.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$w"' EXIT
if [ -z "$data" ]; then
	data=$w/data
	python3 "$top/tests/bench/gen.py" --entries 200000 --queries 20000 "$data" >/dev/null
fi
[ -x "$tree/build/bench/qcount" ] || (cd "$tree" && make -s -j2 all build/bench/qcount >/dev/null)

# prepare NAME KEYS LABEL PORT: a store of DATA in $w/run-NAME, zone keys KEYS,
# query files with LABEL (the key) under the zone, the key added.
prepare() {
	d=$w/run-$1
	mkdir -p "$d"
	cp "$top/zones/$zone.zone" "$d/"
	printf '[server]\ndb = db\nthreads = 1\nlisten = 127.0.0.1:%s\n[zone %s]\napex = %s.zone\nlifetime = 3650d\nkeys = %s\n' \
	    "$4" "$zone" "$zone" "$2" >"$d/b.conf"
	for f in q-hit-a q-hit10-a q-hit-txt; do
		sed "s/\\.$zone /${3:+.$3}.$zone /" "$data/$f.txt" >"$d/$f.txt"
	done
	(cd "$d" && "$tree/build/rbldb" -c b.conf init >/dev/null 2>&1 &&
	    "$tree/build/rbldb" -c b.conf ingest --force "$data/data.jsonl" >/dev/null &&
	    "$tree/build/rbldb" -c b.conf key add "$key" >/dev/null) ||
	    { echo "cgkeyed: could not make the store in $d" >&2; exit 1; }
}

# count NAME: instructions of hit A, miss A (two lines) of $w/run-NAME.
count() {
	d=$w/run-$1
	(cd "$d" && valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$d/cg.out" \
	    "$tree/build/bench/qcount" b.conf db q-hit-a.txt q-hit10-a.txt q-hit-txt.txt 10000 \
	    >"$d/qc.out" 2>"$d/cg.log") || { tail -3 "$d/cg.log" >&2; exit 1; }
	for i in 1 2; do
		sed -n 's/^summary: //p' "$d/cg.out.$i"
	done
}

py="python3 $top/tests/bench/dnsbench.py"
pport=$($py port) kport=$($py port)
while [ "$kport" = "$pport" ]; do kport=$($py port); done
prepare plain off "" "$pport"
prepare keyed allowed "$key" "$kport"
if [ "${E2E:-}" != only ]; then
	u=$(count plain)
	k=$(count keyed)
	echo "keyed access: instructions per query (callgrind), keyed against unkeyed, target +$target%"
	printf '%s\n' "$u" | paste - <(printf '%s\n' "$k") | awk -v t="$target" '
		BEGIN { split("hit-a miss-a", c, " ") }
		{ p = ($2 / $1 - 1) * 100
		  printf "%-8s unkeyed %6d  keyed %6d  %+.1f%%  %s\n", c[NR], $1 / 10000, $2 / 10000, p,
		      p <= t ? "met" : "not met" }'
fi
[ -n "${E2E:-}" ] || exit 0
. "$top/tests/bench/cgkeyed_e2e.sh"
