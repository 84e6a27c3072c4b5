#!/bin/bash
# Query ACLs with per-client answers: allow, refuse, drop and a fixed A+TXT
# answer, server-wide and per zone, by CIDR, longest prefix first; clients
# are loopback addresses (dig -b 127.0.0.N).
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool kdig knot-dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

ZONE2=other.example.org
write_apex "$T/$ZONE2.zone" "$ZONE2"
FIXED_TEXT='Queries through public resolvers are not answered, see https://relays.example.org/faq'
# The [server] rules go in front of the zone section make_tmp wrote.
python3 - "$CONF" "$FIXED_TEXT" <<'EOF'
import sys
path, text = sys.argv[1], sys.argv[2]
conf = open(path).read()
rules = ('acl = 127.0.0.5 refuse\n'
         'acl = 127.0.0.6 drop\n'
         'acl = 127.0.0.7 answer 127.255.255.254 "%s"\n'
         'acl = 127.0.0.8/29 refuse\n' % text)
conf = conf.replace('threads = 2\n', 'threads = 2\n' + rules, 1)
conf += 'acl = 127.0.0.9 allow\n'
conf += '\n[zone other.example.org]\napex = other.example.org.zone\n'
open(path, 'w').write(conf)
EOF

start_server || finish
L=2.0.0.127.$ZONE		# the RFC 5782 test point: listed everywhere
N=9.2.0.192.$ZONE		# not listed

# from SRC NAME TYPE [OPTIONS]: the short answer to a query from address SRC.
from() { local src=$1; shift; dns_short "$@" -b "$src"; }
status_from() { local src=$1; shift; dns_status "$@" -b "$src"; }

expect_eq "no rule: 127.0.0.1 is answered" 127.0.0.2 "$(from 127.0.0.1 "$L" A)"
expect_eq "no rule: 127.0.0.1 gets NXDOMAIN where nothing is listed" NXDOMAIN \
    "$(status_from 127.0.0.1 "$N" A)"

expect_eq "refuse: 127.0.0.5 gets REFUSED over UDP" REFUSED "$(status_from 127.0.0.5 "$L" A)"
expect_eq "refuse: and over TCP" REFUSED "$(status_from 127.0.0.5 "$L" A +tcp)"
expect_eq "refuse: at the apex too" REFUSED "$(status_from 127.0.0.5 "$ZONE" SOA)"

out=$(dq "$L" A -b 127.0.0.6 2>&1)
expect_match "drop: 127.0.0.6 gets no answer over UDP" 'timed out|no servers could be reached' "$out"
out=$(dq "$L" A -b 127.0.0.6 +tcp 2>&1)
expect_match "drop: nor over TCP" 'timed out|no servers could be reached|end of file' "$out"
out=$(dq "$L" A -b 127.0.0.6 +qid=1 +header-only 2>&1)
expect_match "drop: nor to a malformed query" 'timed out|no servers could be reached' "$out"

expect_eq "answer: 127.0.0.7 gets the fixed A for a name not listed" 127.255.255.254 \
    "$(from 127.0.0.7 "$N" A)"
expect_eq "answer: and for a listed one" 127.255.255.254 "$(from 127.0.0.7 "$L" A)"
expect_eq "answer: TXT is the rule's text" "\"$FIXED_TEXT\"" "$(from 127.0.0.7 "$N" TXT)"
out=$(kdig @127.0.0.1 -p "$PORT" +tcp +norec -b 127.0.0.7 "$N" ANY 2>&1)
expect_match "answer: ANY over TCP (kdig) holds the A" 'IN[[:space:]]+A[[:space:]]+127\.255\.255\.254' "$out"
# RFC 8482: ANY is answered minimally, with the A alone.
check_not "answer: and not the TXT" grep -q 'IN[[:space:]]*TXT' <<<"$out"
expect_match "answer: the apex SOA is answered as usual" "^ns1\.example\.org\. hostmaster" \
    "$(from 127.0.0.7 "$ZONE" SOA)"
expect_eq "answer: other types are NODATA" "NOERROR" "$(status_from 127.0.0.7 "$N" MX)"
expect_eq "answer: the second zone answers the same" 127.255.255.254 \
    "$(from 127.0.0.7 9.2.0.192.$ZONE2 A)"

expect_eq "longest prefix: 127.0.0.9 is allowed in $ZONE (zone rule)" 127.0.0.2 \
    "$(from 127.0.0.9 "$L" A)"
expect_eq "longest prefix: 127.0.0.9 is refused in $ZONE2 ([server] /29)" REFUSED \
    "$(status_from 127.0.0.9 2.0.0.127.$ZONE2 A)"
expect_eq "127.0.0.12 is inside the refused /29" REFUSED "$(status_from 127.0.0.12 "$L" A)"
expect_eq "127.0.0.16 is outside it" 127.0.0.2 "$(from 127.0.0.16 "$L" A)"
expect_eq "outside every zone: REFUSED for everyone" REFUSED \
    "$(status_from 127.0.0.1 example.com A)"

stop_server
finish
