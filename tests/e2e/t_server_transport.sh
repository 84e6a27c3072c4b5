#!/bin/bash
# rbldbd over the wire: IPv6 sockets, UDP truncation and the full answer over
# TCP, EDNS (RFC 6891), TCP framing, pipelining, idle timeout and connection
# limit (RFC 7766), and an answer for every query that deserves one (RFC 8906).
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool kdig knot-dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
# The connection limit test opens 300 from one address: only the total limit here.
sed -i 's/^threads = 2$/threads = 2\ntcp-max-conns-per-client = 0/' "$CONF"
start_server || finish
DC="python3 $E2E_DIR/dnsclient.py"

# Texts of known lengths: letters only so dig's string splitting is easy to undo.
LONG=$(python3 -c 'print("a" * 700 + "b" * 700 + "c" * 300)')
MID=$(python3 -c 'print("m" * 300)')
BIG=$(python3 -c 'print("g" * 600)')
rb_ok "report 192.0.2.77 with a 1700-octet reason" report 192.0.2.77 --reason "$LONG"
rb_ok "report 192.0.2.78 with a 300-octet reason" report 192.0.2.78 --reason "$MID"
rb_ok "report 192.0.2.79 with a 600-octet reason" report 192.0.2.79 --reason "$BIG"
rb_ok "report 192.0.2.5" report 192.0.2.5 --reason "short"
poll_until 10 dns_is 127.0.0.2 5.2.0.192.$ZONE A
poll_until 10 dns_is 127.0.0.2 77.2.0.192.$ZONE A
poll_until 10 dns_is 127.0.0.2 78.2.0.192.$ZONE A
poll_until 10 dns_is 127.0.0.2 79.2.0.192.$ZONE A

# joined TEXT: the strings of dig/kdig TXT output concatenated.
joined() { tr -d '" \n'; }

# ---- IPv6 sockets ----
if [ "$HAVE_IPV6" = yes ]; then
	expect_eq "UDP over [::1] answers" 127.0.0.2 \
	    "$(dig @::1 -p "$PORT" +tries=1 +time=2 +short 5.2.0.192.$ZONE A)"
	expect_eq "TCP over [::1] answers" 127.0.0.2 \
	    "$(kdig @::1 -p "$PORT" +tcp +short 5.2.0.192.$ZONE A)"
	expect_match "pipelined TCP over [::1]" '^id=1001 rcode=NXDOMAIN' \
	    "$(DNS_HOST=::1 $DC pipeline "$PORT" 5.2.0.192.$ZONE 9.9.9.9.$ZONE)"
else
	echo "# no IPv6 on the loopback interface: [::1] sockets not tested"
fi

# ---- truncation and TCP ----
out=$(dq 77.2.0.192.$ZONE TXT +ignore)
expect_match "a 1700-octet TXT over UDP sets TC" 'flags: qr aa tc;|flags: qr tc aa;|flags:.* tc[ ;]' "$out"
expect_match "the truncated answer still has the OPT record" 'EDNS: version: 0' "$out"
expect_eq "kdig +tcp gets the whole 1700-octet TXT" "$LONG" \
    "$(kdig @127.0.0.1 -p "$PORT" +tcp +short 77.2.0.192.$ZONE TXT | joined)"
expect_eq "dig +tcp gets it too" "$LONG" "$(dns_short 77.2.0.192.$ZONE TXT +tcp | joined)"
expect_eq "dig falls back to TCP after TC and gets it" "$LONG" \
    "$(dns_short 77.2.0.192.$ZONE TXT | joined)"
expect_match "a 600-octet TXT does not fit in 512 without EDNS: TC" 'flags:.* tc[ ;]' \
    "$(dq 79.2.0.192.$ZONE TXT +ignore +noedns | grep flags)"
expect_eq "it fits in EDNS's 1232" "$BIG" "$(dns_short 79.2.0.192.$ZONE TXT +ignore | joined)"
expect_match "a 300-octet TXT fits in 512 without EDNS" 'flags: qr aa; QUERY: 1, ANSWER: 1' \
    "$(dq 78.2.0.192.$ZONE TXT +ignore +noedns)"
expect_match "an EDNS size below 512 counts as 512: no TC for ~380 octets" \
    'flags: qr aa; QUERY: 1, ANSWER: 1' "$(dq 78.2.0.192.$ZONE TXT +ignore +bufsize=100)"
expect_eq "the 300-octet TXT over UDP with EDNS 1232" "$MID" \
    "$(dns_short 78.2.0.192.$ZONE TXT +ignore | joined)"

# ---- EDNS ----
expect_match "an OPT in the query is echoed" 'EDNS: version: 0, flags:; udp: [0-9]+' \
    "$(dq 5.2.0.192.$ZONE A)"
expect_eq "no OPT in the query, none in the answer" "" \
    "$(dq 5.2.0.192.$ZONE A +noedns | grep 'OPT PSEUDOSECTION')"
out=$(dq 5.2.0.192.$ZONE A +edns=1 +noednsneg)
expect_match "EDNS version 1 is BADVERS" 'status: BADVERS' "$out"
expect_match "BADVERS carries an OPT of version 0" 'EDNS: version: 0' "$out"
expect_match "the OPT is echoed over TCP too" 'EDNS: version: 0' "$(dq 5.2.0.192.$ZONE A +tcp)"

# ---- TCP framing ----
expect_eq "pipelined queries are all answered, in order" \
"id=1000 rcode=NOERROR qr=1 tc=0 an=1 opcode=0
id=1001 rcode=NXDOMAIN qr=1 tc=0 an=0 opcode=0
id=1002 rcode=NOERROR qr=1 tc=0 an=1 opcode=0
id=1003 rcode=REFUSED qr=1 tc=0 an=0 opcode=0
id=1004 rcode=NOERROR qr=1 tc=0 an=1 opcode=0" \
    "$($DC pipeline "$PORT" 5.2.0.192.$ZONE 6.2.0.192.$ZONE 77.2.0.192.$ZONE www.example.com 2.0.0.127.$ZONE)"
names=""
for i in $(seq 1 40); do names="$names $i.2.0.192.$ZONE"; done
# shellcheck disable=SC2086
out=$($DC pipeline "$PORT" $names)
expect_eq "40 pipelined queries, 40 answers in order" \
    "$(seq 1000 1039 | sed 's/^/id=/' | tr '\n' ' ')" \
    "$(printf '%s\n' "$out" | awk '{ print $1 }' | tr '\n' ' ')"
expect_eq "a query sent one byte at a time is reassembled" \
    "id=4242 rcode=NOERROR qr=1 tc=0 an=1 opcode=0" "$($DC bytewise "$PORT" 5.2.0.192.$ZONE)"

# ---- every query gets an answer (RFC 8906), except the silences ----
HDR_Q0=123401000000000000000000		# id 0x1234, RD, QDCOUNT 0
expect_match "QDCOUNT 0 over UDP is FORMERR (RFC 9619)" '^id=4660 rcode=FORMERR qr=1' \
    "$($DC udp "$PORT" $HDR_Q0)"
expect_match "QDCOUNT 0 over TCP is FORMERR" '^id=4660 rcode=FORMERR qr=1' \
    "$($DC tcp "$PORT" $HDR_Q0)"
expect_match "an unknown opcode is NOTIMP with the opcode echoed" '^id=4660 rcode=NOTIMP qr=1 .*opcode=3' \
    "$($DC udp "$PORT" 123419000001000000000000000100010001)"
expect_eq "a packet shorter than a header gets nothing" none "$($DC udp "$PORT" 1234010000)"
expect_eq "a response (QR=1) gets nothing" none \
    "$($DC udp "$PORT" 123481000001000000000000000100010001)"
expect_match "the server still answers after all that" '^127\.0\.0\.2$' "$(dns_short 5.2.0.192.$ZONE A)"

# ---- RFC 7766 connection management ----
out=$($DC connlimit "$PORT" 300 5.2.0.192.$ZONE)
expect_match "300 connections: the newest is answered" 'last=id=777 rcode=NOERROR' "$out"
expect_match "300 connections: 256 stay open, the oldest idle was closed" 'open=256 first=closed' "$out"
expect_eq "an idle connection is closed by the server (idle timeout)" closed \
    "$($DC idle "$PORT" 30)"

stop_server
finish
