#!/bin/bash
# Compact entries (issue 23, schema 9): an ingest of more than 10,000
# reports writes its new entries compact (one bulk record per shared
# report), and `show`, `show --json`, `list --json`, later reports,
# delistings, purge and revert give what the same reports ingested in
# smaller batches (written in full) give.  Two stores: $T/db (one bulk
# ingest) and $T/db2 (the same lines in three ingests of at most 5,000).
. "$(dirname "$0")/lib.sh"
need_tool python3 python3
need_tool mdb_stat lmdb-utils
need_binaries "$RBLDB"
make_tmp
init_store -D "$T/db2"

NOW=$(date +%s)
A1=$(iso $((NOW - 7200))) A2=$(iso $((NOW - 3600))) A3=$(iso $((NOW - 1800)))
python3 - "$T" "$A1" "$A2" <<'EOF'
import sys
t, a1, a2 = sys.argv[1:]
reasons = ['open relay', 'spam trap hit', 'dictionary attack']
lines = []
for i in range(10050):
    addr = '172.16.%d.%d' % (i // 256, i % 256) if i % 1000 != 999 else '172.20.%d.0/24' % (i // 1000)
    code = ',"code":"127.0.0.3"' if i % 7 == 0 else ''
    lines.append('{"op":"report","addr":"%s","source":"%s","reason":"%s","at":"%s"%s}\n'
                 % (addr, 's1' if i % 2 else 's2', reasons[i % 3], a1, code))
lines.append('{"op":"report","addr":"172.16.0.8","source":"s3","at":"%s"}\n' % a2)
open(t + '/all.jsonl', 'w').writelines(lines)
for k in range(3):
    open('%s/part%d.jsonl' % (t, k), 'w').writelines(lines[k * 5000:(k + 1) * 5000])
EOF
rb_ok "one ingest of 10,051 reports" ingest --force "$T/all.jsonl"
for k in 0 1 2; do
	rb_ok "part $k into the second store" -D "$T/db2" ingest --force "$T/part$k.jsonl"
done

# What show --json says, without when each record was committed.
norm() { python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict):
        # when each record was committed, and the time of purge itself (at = now)
        drop = ("recorded", "committed", "serial", "commit", "time")
        if o.get("op") in ("purge", "recount"):
            drop += ("at",)
        return {k: strip(v) for k, v in o.items() if k not in drop}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
print(json.dumps(strip(json.load(sys.stdin)), sort_keys=True))'; }
same_story() {
	local what=$1 a b
	shift
	for x in "$@"; do
		a=$("$RBLDB" -c "$CONF" show --json "$x" | norm)
		b=$("$RBLDB" -c "$CONF" -D "$T/db2" show --json "$x" | norm)
		if [ "$a" != "$b" ]; then
			not_ok "$what: show --json $x" "compact: $a" "in full: $b"
			return
		fi
	done
	ok "$what: show --json of $# addresses"
}
# details records: the compact store has only the entry reported twice.
nrec() { mdb_stat -s "$2" "$1" | awk '/Entries:/ {print $2}'; }
expect_eq "the bulk ingest wrote one details record (172.16.0.8)" 1 "$(nrec "$T/db" details)"
expect_eq "the same reports in full wrote one each" 10050 "$(nrec "$T/db2" details)"
SAMPLE="172.16.0.1 172.16.0.2 172.16.0.7 172.16.0.8 172.16.0.9 172.16.1.44 172.20.0.5 172.20.3.0/24 172.16.39.66 172.16.5.5"
same_story "after the ingest" $SAMPLE
rb_ok "show 172.16.0.1" show 172.16.0.1
expect_match "show tells the compact entry's story" "import|report .*172\.16\.0\.1.*s1" "$RB_OUT"
expect_eq "list --json is the same" "$("$RBLDB" -c "$CONF" -D "$T/db2" list --json)" \
    "$("$RBLDB" -c "$CONF" list --json)"

for db in "$T/db" "$T/db2"; do
	rb_ok "a second source" -D "$db" report 172.16.0.1 --source s9 --reason again --at "$A3"
	rb_ok "a delisting" -D "$db" delist 172.16.0.2 --reason fixed --by me --at "$A3"
	rb_ok "purge s2" -D "$db" purge --source s2 --force
done
same_story "after report, delist and purge" $SAMPLE 172.16.0.4 172.16.0.6
expect_eq "list --json is still the same" "$("$RBLDB" -c "$CONF" -D "$T/db2" list --json)" \
    "$("$RBLDB" -c "$CONF" list --json)"

C=$("$RBLDB" -c "$CONF" log | sed -n 's/^commit \([0-9]*\) .*ingest.*/\1/p' | head -n 1)
rb revert "$C"
expect_match "revert refuses: entries changed since" "changed since" "$RB_OUT$RB_ERR"
rb_ok "revert --force" revert "$C" --force
expect_eq "only the entries changed since stay" "172.16.0.1/32 172.16.0.8/32" \
    "$("$RBLDB" -c "$CONF" list --json | python3 -c '
import json, sys
print(" ".join(sorted(e["entry"] for e in json.load(sys.stdin))))')"
finish
