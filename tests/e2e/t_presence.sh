#!/bin/bash
# The presence maps (issue 7): rbldbd answers an address whose /24 holds no
# entry from a bit map instead of a store lookup, and keeps the map up with
# each commit, from the zone's journal or, when the journal cannot say (a
# commit too large for it), by walking the entries again.  Whichever way,
# the answers are the store's: checked here on listed, ranged, excepted,
# new and removed addresses while the map follows.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
sed -i 's|^threads = 2$|threads = 2\nmetrics = 127.0.0.1:0|' "$CONF"

# 3000 listings in random /24s of 11..99.x.x.x, and the range 172.20.0.0/16.
python3 - "$T" <<'PY'
import random, sys
t = sys.argv[1]
rnd = random.Random(11)
hosts = set()
while len(hosts) < 3000:
    hosts.add("%d.%d.%d.%d" % (rnd.randint(11, 99), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254)))
with open(t + "/bulk.jsonl", "w") as f:
    for a in sorted(hosts):
        print('{"op":"report","addr":"%s","source":"trap","at":"2026-11-01T00:00:00Z","lifetime":"3650d"}' % a, file=f)
    print('{"op":"report","addr":"172.20.0.0/16","source":"trap","at":"2026-11-01T00:00:00Z","lifetime":"3650d"}', file=f)
slash24 = {a.rsplit(".", 1)[0] for a in hosts}
open(t + "/n24", "w").write("%d\n" % (len(slash24) + 256))
with open(t + "/listed", "w") as f:
    for a in sorted(hosts)[::75]:
        print(a, file=f)
    for i in range(40):
        print("172.20.%d.%d" % (rnd.randint(0, 255), rnd.randint(0, 255)), file=f)
with open(t + "/unlisted", "w") as f:
    n = 0
    while n < 80:
        a = "%d.%d.%d.%d" % (rnd.randint(11, 99), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
        if a not in hosts:
            print(a, file=f)
            n += 1
    for a in sorted(hosts)[:40]:
        p = a.rsplit(".", 1)
        b = "%s.%d" % (p[0], (int(p[1]) % 254) + 1)
        if b not in hosts:
            print(b, file=f)
PY
N24=$(cat "$T/n24")
rb_ok "ingest of 3000 listings and a /16" ingest --force "$T/bulk.jsonl"
start_server || finish

poll_until 20 grep -q 'IPv4 /24s (walked' "$SERVER_LOG"
check "rbldbd maps the $N24 /24s that hold entries after start" \
    grep -q "store: $ZONE has entries in $N24 of 16777216 IPv4 /24s (walked in [0-9]* ms)" \
    "$SERVER_LOG"

# answers FILE: one line per address of FILE, its A answer or NXDOMAIN.
answers() {
	python3 - "$1" "$ZONE" >"$T/q" <<'PY'
import sys
for a in open(sys.argv[1]):
    print(".".join(reversed(a.strip().split("."))) + "." + sys.argv[2] + " A")
PY
	dig @127.0.0.1 -p "$PORT" +tries=3 +time=5 +norec -f "$T/q" |
	    awk '/status:/ { s = $6 } /^;; ANSWER SECTION/ { s = "" }
	        /IN[ \t]+A[ \t]/ && !/^;/ { s = $5 } /^;; MSG SIZE/ { print s }' | tr -d ,
}
L=$(wc -l <"$T/listed")
U=$(wc -l <"$T/unlisted")
expect_eq "$L listed addresses and range members answered 127.0.0.2" \
    "$L" "$(answers "$T/listed" | grep -c '^127\.0\.0\.2$')"
expect_eq "$U unlisted addresses (40 in the /24 of a listing) answered NXDOMAIN" \
    "$U" "$(answers "$T/unlisted" | grep -c '^NXDOMAIN$')"

# A report in a /24 the map has no bit for: answered at once (looked up until
# the map has seen the commit), and still after the map has it, which its
# count of marked /24s (the metrics) tells.
N=$(rname 203.0.113.77)
marked() { server_metric "rbldb_zone_presence_marked{zone=\"$ZONE\"}"; }
expect_eq "the metrics count the $N24 /24s marked" "$N24" "$(marked)"
rb_ok "report of 203.0.113.77, in a /24 without entries" report 203.0.113.77
check "the new listing is answered" poll_until 10 dns_is 127.0.0.2 "$N" A
if poll_until 10 eval '[ "$(marked)" = $((N24 + 1)) ]'; then
	ok "the map has seen the commit: $((N24 + 1)) /24s marked"
else
	not_ok "the map has seen the commit: $((N24 + 1)) /24s marked" "marked: $(marked)"
fi
check "and the listing is still answered" dns_is 127.0.0.2 "$N" A
N24=$((N24 + 1))
check "its /24 neighbour is not listed" dns_status_is NXDOMAIN "$(rname 203.0.113.78)" A
rb_ok "delisting of it" delist 203.0.113.77 --reason "relay closed"
check "the delisted address is NXDOMAIN (its bit stays, the lookup answers)" \
    poll_until 10 dns_status_is NXDOMAIN "$N" A
rb_ok "delisting of 172.20.9.9 inside the range" delist 172.20.9.9 --reason closed
check "the exception is NXDOMAIN" poll_until 10 dns_status_is NXDOMAIN "$(rname 172.20.9.9)" A
check "its neighbour in the range still listed" dns_is 127.0.0.2 "$(rname 172.20.9.10)" A

# One commit of 100,001 new listings: more than the journal keeps of one
# commit (it then forces AXFR), so the map walks the entries again.
python3 - >"$T/big.jsonl" <<'PY'
for i in range(100001):
    print('{"op":"report","addr":"100.%d.%d.%d","source":"bulk","at":"2026-11-02T00:00:00Z","lifetime":"3650d"}' % (64 + (i >> 16), (i >> 8) & 255, i & 255))
PY
rb_ok "ingest of 100001 listings in one commit" ingest --force "$T/big.jsonl"
N24=$((N24 + 391))
check "the map is walked again after it ($N24 /24s)" poll_until 30 grep -q \
    "store: $ZONE has entries in $N24 of 16777216 IPv4 /24s (the journal could not say what changed: walked again in [0-9]* ms)" \
    "$SERVER_LOG"
check "the first of them answered" dns_is 127.0.0.2 "$(rname 100.64.0.0)" A
check "the last of them answered" dns_is 127.0.0.2 "$(rname 100.65.134.160)" A
check "past the last one: NXDOMAIN" dns_status_is NXDOMAIN "$(rname 100.65.134.161)" A
expect_eq "the earlier listings still answered" \
    "$L" "$(answers "$T/listed" | grep -c '^127\.0\.0\.2$')"
stop_server
finish
