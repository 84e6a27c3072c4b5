#!/bin/bash
# A load of several chunks (issue 23 item 2): each sorted chunk is written
# to a temporary run and the runs are merged, so the store is written in
# one key order.  With RBLDB_INGEST_CHUNK=7 the same file must give what
# one chunk gives: the same entries, the same story for addresses reported
# in several chunks (file order kept), the same delisting, the same errors
# (file:line, in line order) and the same counts.
. "$(dirname "$0")/lib.sh"
need_tool python3 python3
need_binaries "$RBLDB"
make_tmp
init_store -D "$T/db2"

NOW=$(date +%s)
python3 - "$T" "$NOW" <<'EOF2'
import sys, time
t, now = sys.argv[1], int(sys.argv[2])
def iso(s):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(s))
lines = []
for i in range(60):
    # three addresses come back in every chunk, with later times and other texts
    addr = '172.19.0.%d' % (i % 3) if i % 4 == 0 else '172.%d.%d.%d' % (16 + i % 5, i, 200 - i)
    lines.append('{"op":"report","addr":"%s","source":"s%d","reason":"r%d","at":"%s"}\n'
                 % (addr, i % 4, i, iso(now - 1800 + 20 * i)))
    if i == 17:
        lines.append('{"op":"report","addr":"172.19.0.1", oops\n')
    if i == 27:
        lines.append('{"op":"delist","addr":"172.19.0.2","reason":"fixed","by":"me","at":"%s"}\n'
                     % iso(now - 1800 + 20 * i + 1))
    if i == 41:
        lines.append('{"op":"report","addr":"0.0.0.0/1","reason":"too wide"}\n')
open(t + '/all.jsonl', 'w').writelines(lines)
EOF2

RBLDB_INGEST_CHUNK=7 rb ingest --force --keep-going "$T/all.jsonl"
expect_eq "ingest in chunks of 7: exit 3 (bad lines, good ones committed)" 3 "$RB_RC"
O1=$RB_OUT E1=$RB_ERR
rb -D "$T/db2" ingest --force --keep-going "$T/all.jsonl"
expect_eq "ingest in one chunk: exit 3" 3 "$RB_RC"
expect_eq "the same summary" "$RB_OUT" "$O1"
expect_eq "the same errors, in line order" "$RB_ERR" "$E1"
expect_match "errors name file:line" "all.jsonl:19: .*all.jsonl:45: " "$(echo $E1)"

expect_eq "list --json is the same" "$("$RBLDB" -c "$CONF" -D "$T/db2" list --json)" \
    "$("$RBLDB" -c "$CONF" list --json)"
for a in 172.19.0.0 172.19.0.1 172.19.0.2 172.17.1.199; do
	x=$("$RBLDB" -c "$CONF" show --json "$a" | sed 's/"\(recorded\|committed\|serial\|commit\|time\)":[^,}]*//g')
	y=$("$RBLDB" -c "$CONF" -D "$T/db2" show --json "$a" | sed 's/"\(recorded\|committed\|serial\|commit\|time\)":[^,}]*//g')
	expect_eq "show --json $a: the same story" "$y" "$x"
done
rb show 172.19.0.0
expect_match "172.19.0.0: the last report's reason stands, history in file order" "reason: r48.*r0.*r12.*r24.*r36.*r48" "$(echo $RB_OUT)"

# More runs than one merge takes: merged in passes (here 2 runs a pass), the
# same result again.
init_store -D "$T/db5"
RBLDB_INGEST_CHUNK=7 RBLDB_INGEST_MAX_RUNS=2 rb -D "$T/db5" ingest --force --keep-going "$T/all.jsonl"
expect_eq "merged in passes of 2 runs: exit 3" 3 "$RB_RC"
expect_eq "merged in passes: the same summary" "$O1" "$RB_OUT"
expect_eq "merged in passes: the same errors" "$E1" "$RB_ERR"
expect_eq "merged in passes: list --json is the same" \
    "$("$RBLDB" -c "$CONF" -D "$T/db2" list --json)" "$("$RBLDB" -c "$CONF" -D "$T/db5" list --json)"
for a in 172.19.0.0 172.19.0.2; do
	x=$("$RBLDB" -c "$CONF" -D "$T/db5" show --json "$a" | sed 's/"\(recorded\|committed\|serial\|commit\|time\)":[^,}]*//g')
	y=$("$RBLDB" -c "$CONF" -D "$T/db2" show --json "$a" | sed 's/"\(recorded\|committed\|serial\|commit\|time\)":[^,}]*//g')
	expect_eq "merged in passes: show --json $a, the same story" "$y" "$x"
done

# No run is left behind in TMPDIR.
mkdir "$T/tmp"
init_store -D "$T/db3"
TMPDIR=$T/tmp RBLDB_INGEST_CHUNK=7 rb -D "$T/db3" ingest --force --keep-going "$T/all.jsonl"
expect_eq "with TMPDIR: exit 3" 3 "$RB_RC"
expect_eq "no temporary file left" "" "$(ls -A "$T/tmp")"
init_store -D "$T/db4"
TMPDIR=$T/nonexistent RBLDB_INGEST_CHUNK=7 rb -D "$T/db4" ingest --force "$T/all.jsonl"
expect_match "a TMPDIR that cannot be written: a clear error, nothing committed" \
    "temporary file in .*nonexistent.*nothing committed" "$RB_ERR"
expect_eq "the store left empty" "[]" "$("$RBLDB" -c "$CONF" -D "$T/db4" list --json)"
finish
