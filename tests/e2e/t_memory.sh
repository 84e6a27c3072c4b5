#!/bin/bash
# Resident memory of rbldbd (issue 7): the server maps only the store pages
# its queries read, and reads those in after start.  A bulk ingest drops the
# data file's cached pages, the server drops them again at start and reads
# without read-around, so the kernel does not map whole neighbourhoods of
# pages the server never reads (details, reports, history).  Counted in
# pages, not timed.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_tool fincore util-linux
need_tool mdb_stat lmdb-utils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

N=30000
python3 - "$N" >"$T/bulk.jsonl" <<'PY'
import random, sys
rnd = random.Random(7)
for i in range(int(sys.argv[1])):
    a = "%d.%d.%d.%d" % (rnd.randint(11, 99), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
    print('{"op":"report","addr":"%s","reason":"relay test %d","source":"trap-%d","at":"2026-11-01T00:00:00Z","lifetime":"3650d"}' % (a, i, i % 20))
PY
DATA=$T/db/data.mdb
cached_pages() { fincore -n -b -o PAGES "$DATA" | tr -d ' '; }
file_pages() { echo $(($(stat -c %s "$DATA") / 4096)); }
# The store mapping's resident size in pages, from the server's smaps.
mapped_pages() {
	awk -v f="$DATA" '$6 == f { m = 1; next } /^[0-9a-f]+-/ { m = 0 }
	    m && $1 == "Rss:" { print int($2 / 4); exit }' "/proc/$SERVER_PID/smaps"
}

# db_pages DB...: the pages (branch, leaf, overflow) the databases DB take,
# from their records alone (mdb_stat reads no data page).
db_pages() {
	local db n=0
	for db in "$@"; do
		n=$((n + $(mdb_stat -s "$db" "$T/db" | awk '/(Branch|Leaf|Overflow) pages:/ {s += $3} END {print s + 0}')))
	done
	echo "$n"
}

rb_ok "bulk ingest of $N reports" ingest --force "$T/bulk.jsonl"
F=$(file_pages)
C=$(cached_pages)
check "after a bulk ingest, at most a quarter of the file is cached ($C of $F pages)" \
    test "$C" -le $((F / 4))

cat "$DATA" >/dev/null	# a backup or export brings the whole file in
C=$(cached_pages)
check "the whole file cached again by reading it ($C of $F pages)" test "$C" -ge $((F * 9 / 10))
# What queries read: entries (listings), below (partial names), strings
# (reasons); the server holds those and little more: the paths down to a
# few keys of the others at start (meta, zones, expiry, journal), a quarter
# of those at most.  A read-around would bring in most of the file.
# Counted here, as mdb_stat itself reads around what it opens.
S=$(( $(db_pages entries below strings) * 5 / 4 + 64 ))
start_server || finish
C=$(cached_pages)
check "after rbldbd starts, at most the pages queries read are cached ($C of $F pages, $S served)" \
    test "$C" -le "$S" -a "$C" -le $((F / 2))

# Beside the workers, rbldbd reads the pages queries use (entries, partial-
# name summaries, texts) into memory, and only those: an entry takes 34
# octets or more of a page.
poll_until 20 grep -q 'texts in memory after' "$SERVER_LOG"
E=$(python3 -c 'import json, sys; print(len({json.loads(l)["addr"] for l in open(sys.argv[1])}))' \
    "$T/bulk.jsonl")
check "rbldbd reads every entry into memory after start ($E)" \
    grep -q "store: $E entries and [0-9]* texts in memory after" "$SERVER_LOG"
M=$(mapped_pages)
check "before any query rbldbd maps the entries' pages ($M of $F pages, $E entries, $S served)" \
    test -n "$M" -a "${M:-0}" -ge $((E * 34 / 4096)) -a "${M:-0}" -le "$S"

# 200 listed addresses, each asked once.
python3 -c '
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    if i % 150 == 0:
        a = json.loads(line)["addr"].split(".")
        print(".".join(reversed(a)) + "." + sys.argv[2] + " A")
' "$T/bulk.jsonl" "$ZONE" >"$T/queries"
Q=$(wc -l <"$T/queries")
A=$(dig @127.0.0.1 -p "$PORT" +tries=3 +time=5 +norec +short -f "$T/queries" | grep -c '^127\.0\.0\.2$')
expect_eq "$Q listed addresses answered" "$Q" "$A"
M=$(mapped_pages)
check "rbldbd maps a few pages per query, not their neighbourhoods ($M of $F pages for $Q queries)" \
    test -n "$M" -a "${M:-0}" -gt 0 -a "${M:-0}" -le "$S"
stop_server

# Any bulk commit drops what it went through: an expire of 12,000 listings
# as much as an ingest (the store decides, not each command).
python3 - >"$T/old.jsonl" <<'PY'
import random, time
rnd = random.Random(8)
at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
for i in range(12000):
    a = "%d.%d.%d.%d" % (rnd.randint(100, 120), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
    print('{"op":"report","addr":"%s","source":"old","at":"%s","lifetime":"1h"}' % (a, at))
PY
rb_ok "ingest of 12000 reports that expired an hour after a day ago" ingest --force "$T/old.jsonl"
cat "$DATA" >/dev/null
rb_ok "expire (--force: more than max-change)" expire --force
F=$(file_pages)
C=$(cached_pages)
check "after a bulk expire, at most a quarter of the file is cached ($C of $F pages)" \
    test "$C" -le $((F / 4))
finish
