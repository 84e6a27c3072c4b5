#!/bin/bash
# Instructions per query of two revisions, on the same data: each revision's
# own qcount (its server's query path) under callgrind, for hit A, miss A and
# hit TXT.  Deterministic, so it runs on a busy machine too.  Then the keyed
# class of NEW_REV (cgkeyed.sh): a keyed query against an unkeyed one, hit A
# and miss A, with the 5% target of issue 24 met or not.
#
#   bash tests/bench/cgcompare.sh OLD_REV [NEW_REV] [ENTRIES]
#
# NEW_REV defaults to the working tree; ENTRIES to 200000.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
old=$1 new=${2:-} entries=${3:-200000}
w=$(mktemp -d /tmp/rbldb-cgcompare.XXXXXX)
trap 'cd "$top"; for d in "$w"/tree-*; do [ -d "$d" ] && git worktree remove --force "$d"; done; rm -rf "$w"' EXIT
python3 "$top/tests/bench/gen.py" --entries "$entries" --queries 20000 "$w/data" >/dev/null

# tree REV NAME: a built tree of REV (the working tree when REV is empty).
tree() {
	if [ -z "$1" ]; then
		(cd "$top" && make -s -j2 all build/bench/qcount >/dev/null)
		echo "$top"
		return
	fi
	git -C "$top" worktree add -q "$w/tree-$2" "$1"
	(cd "$w/tree-$2" && make -s -j2 all build/bench/qcount >/dev/null)
	echo "$w/tree-$2"
}

# count TREE NAME: instructions per query of each class, one line each.
count() {
	d=$w/run-$2
	mkdir -p "$d"
	cp "$top/zones/relays.example.org.zone" "$d/"
	printf '[server]\ndb = db\nthreads = 1\n[zone relays.example.org]\napex = relays.example.org.zone\nlifetime = 3650d\n' >"$d/b.conf"
	(cd "$d" && { "$1/build/rbldb" -c b.conf init >/dev/null 2>&1 || true; } &&
	    { "$1/build/rbldb" -c b.conf ingest --force "$w/data/data.jsonl" >/dev/null 2>&1 ||
	    "$1/build/rbldb" -c b.conf ingest "$w/data/data.jsonl" >/dev/null; } &&
	    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$d/cg.out" \
	    "$1/build/bench/qcount" b.conf db "$w/data/q-hit-a.txt" "$w/data/q-hit10-a.txt" \
	    "$w/data/q-hit-txt.txt" 10000 >"$d/qc.out" 2>"$d/cg.log")
	for i in 1 2 3; do
		sed -n 's/^summary: //p' "$d/cg.out.$i"
	done
}

o=$(count "$(tree "$old" old)" old)
nt=$(tree "$new" new)
n=$(count "$nt" new)
echo "instructions per query (callgrind), $entries listings: ${old} -> ${new:-working tree}"
printf '%s\n' "$o" | paste - <(printf '%s\n' "$n") | awk '
	BEGIN { split("hit-a miss-a hit-txt", c, " ") }
	{ printf "%-8s %6d -> %6d  %.3fx\n", c[NR], $1 / 10000, $2 / 10000, $2 / $1 }'
# Keyed access: the new tree's keyed queries against its unkeyed ones.
bash "$top/tests/bench/cgkeyed.sh" "$nt" "$w/data"
