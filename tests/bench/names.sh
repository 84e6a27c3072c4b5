#!/bin/bash
# Instructions per query of a `kind = names` zone (issue 21), beside the
# address path's in `make bench`: qcount (the server's front door and query
# path) under callgrind for a listed name (A), an unlisted one (A) and a
# listed one (TXT), on NAMES listed names, a tenth of them wildcards.
# Deterministic, so it runs on a busy machine too.
#
#   bash tests/bench/names.sh [NAMES]       (BUILD=build by default)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
n=${1:-100000}
command -v valgrind >/dev/null || { echo "names.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
w=$(mktemp -d /tmp/rbldb-names-bench.XXXXXX)
trap 'rm -rf "$w"' EXIT
cp "$top/zones/relays.example.org.zone" "$w/"
sed 's/relays.example.org/dbl.example.org/g' "$top/zones/relays.example.org.zone" >"$w/dbl.zone"
cat >"$w/b.conf" <<EOF
[server]
db = db
threads = 1
[zone dbl.example.org]
apex = dbl.zone
kind = names
lifetime = 3650d
max-change = 100%
EOF
python3 - "$n" "$w" <<'EOF'
import json, random, sys
n, w = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(21)
def label():
    return ''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(rnd.randint(5, 14)))
tlds = ['com', 'net', 'org', 'info', 'example']
listed, wild = [], []
with open(w + '/data.jsonl', 'w') as f:
    for i in range(n):
        name = label() + '.' + rnd.choice(tlds)
        if i % 10 == 0:
            wild.append(name)
            name = '*.' + name
        else:
            listed.append(name)
        f.write(json.dumps({'op': 'report', 'name': name, 'reason': 'spam domain'}) + '\n')
z = 'dbl.example.org'
with open(w + '/q-hit-a.txt', 'w') as f:
    for i in range(20000):
        if i % 4 == 0:
            f.write('www.%s.%s A\n' % (rnd.choice(wild), z))
        else:
            f.write('%s.%s A\n' % (rnd.choice(listed), z))
with open(w + '/q-mixed-a.txt', 'w') as f:
    for i in range(40000):
        if i % 2:
            f.write('%s.%s A\n' % (rnd.choice(listed), z))
        else:
            f.write('mail.%s.%s.%s A\n' % (label(), rnd.choice(tlds), z))
with open(w + '/q-hit-txt.txt', 'w') as f:
    for i in range(20000):
        f.write('%s.%s TXT\n' % (rnd.choice(listed), z))
EOF
(cd "$w" && "$build/rbldb" -c b.conf init >/dev/null &&
    "$build/rbldb" -c b.conf ingest --force data.jsonl >/dev/null &&
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$w/cg.out" \
    "$build/bench/qcount" b.conf db q-hit-a.txt q-mixed-a.txt q-hit-txt.txt 10000 \
    >"$w/qc.out" 2>"$w/cg.log") || { cat "$w/cg.log" >&2; exit 1; }
echo "instructions per query (callgrind), kind = names, $n names:"
i=0
for c in hit-a miss-a hit-txt; do
	i=$((i + 1))
	s=$(sed -n 's/^summary: //p' "$w/cg.out.$i")
	printf '%-8s %6d\n' "$c" $((s / 10000))
done
