#!/bin/bash
# rbldbd answers what rbldb commits, live: listing, delisting, ranges and
# exceptions, IPv6, the RFC 5782 test points, empty non-terminals, the apex,
# question case; plus its command line and clean exit on SIGTERM.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool drill ldnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# ---- command line ----
out=$("$RBLDBD" -h 2>"$T/err"); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^usage: rbldbd .*-c CONF \[-D DBDIR\] \[-l ADDR:PORT\]\.\.\.' &&
    [ ! -s "$T/err" ]; then
	ok "-h prints the synopsis on stdout and exits 0"
else
	not_ok "-h prints the synopsis on stdout and exits 0" "exit $rc" "$out" "$(cat "$T/err")"
fi
out=$("$RBLDBD" --help 2>/dev/null); rc=$?
expect_match "--help exits 0 with usage" '^0 usage: rbldbd ' "$rc $(printf '%s\n' "$out" | head -n 1)"

bad_args() {
	local what=$1 out rc
	shift
	out=$("$RBLDBD" "$@" 2>"$T/err"); rc=$?
	if [ $rc -eq 2 ] && [ -z "$out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    grep -q '^rbldbd: ' "$T/err"; then
		ok "$what"
	else
		not_ok "$what" "exit $rc, want 2 and one stderr line" "$(cat "$T/err")"
	fi
}
bad_args "no -c: exit 2, one line" -D "$T/db"
bad_args "unknown option: exit 2, one line" -c "$CONF" -x
bad_args "unknown long option: exit 2, one line" -c "$CONF" --colour
bad_args "-l without value: exit 2, one line" -c "$CONF" -l
bad_args "stray operand: exit 2, one line" -c "$CONF" extra
"$RBLDBD" -c "$T/missing.conf" >/dev/null 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -q '^rbldbd: ' "$T/err"; then
	ok "missing configuration: exit 1 with a reason"
else
	not_ok "missing configuration: exit 1 with a reason" "exit $rc" "$(cat "$T/err")"
fi

# ---- start ----
start_server || finish
want="rbldbd ready: 127.0.0.1:$PORT udp tcp"
[ "$HAVE_IPV6" = yes ] && want="$want, [::1]:$PORT udp tcp"
expect_eq "the ready line lists every socket" "$want" "$(grep '^rbldbd ready: ' "$SERVER_LOG")"

# A second server on the same port must refuse to start (SO_REUSEPORT would
# otherwise let it share the port silently).
init_store -D "$T/db2"
"$RBLDBD" -c "$CONF" -D "$T/db2" -l "127.0.0.1:$PORT" >"$T/second.log" 2>&1 &
second=$!
if poll_until 10 eval '! kill -0 '$second; then
	wait $second; rc=$?
	if [ $rc -eq 1 ] && grep -q "127.0.0.1:$PORT .*Address already in use" "$T/second.log"; then
		ok "a second server on a used port exits 1 naming the address"
	else
		not_ok "a second server on a used port exits 1 naming the address" "exit $rc" "$(cat "$T/second.log")"
	fi
else
	kill -TERM $second; wait $second
	not_ok "a second server on a used port exits 1 naming the address" "it kept running"
fi

# ---- apex ----
expect_eq "SOA serial starts at the apex file's" "$APEX_SERIAL" "$(soa_serial)"
expect_eq "NS from the apex file" "ns1.example.org.
ns2.example.org." "$(dns_short $ZONE NS)"
expect_eq "a name outside every zone is REFUSED" REFUSED "$(dns_status www.example.com A)"

# ---- RFC 5782 test points ----
expect_eq "test point 127.0.0.2 is listed (A)" 127.0.0.2 "$(dns_short 2.0.0.127.$ZONE A)"
expect_match "test point 127.0.0.2 has a TXT" '^".+"' "$(dns_short 2.0.0.127.$ZONE TXT)"
expect_eq "test point 127.0.0.1 is not listed" NXDOMAIN "$(dns_status 1.0.0.127.$ZONE A)"
expect_eq "IPv6 test point ::FFFF:7F00:2 is listed" 127.0.0.2 \
    "$(dns_short "$(rname ::ffff:7f00:2)" A)"
expect_eq "IPv6 test point ::FFFF:7F00:1 is not listed" NXDOMAIN \
    "$(dns_status "$(rname ::ffff:7f00:1)" A)"

# ---- a report is answered live, a delisting too ----
N=5.2.0.192.$ZONE
expect_eq "192.0.2.5 is not listed before the report" NXDOMAIN "$(dns_status $N A)"
serial0=$(soa_serial)
rb_ok "rbldb report 192.0.2.5" report 192.0.2.5 --reason "accepted relay to an external domain"
if poll_until 10 dns_is 127.0.0.2 $N A; then
	ok "the report is answered without restart (A 127.0.0.2)"
else
	not_ok "the report is answered without restart (A 127.0.0.2)" "$(dq $N A)"
fi
expect_eq "TXT is the report's reason" '"accepted relay to an external domain"' \
    "$(dns_short $N TXT)"
expect_eq "drill agrees: A 127.0.0.2" 127.0.0.2 \
    "$(drill -p "$PORT" @127.0.0.1 $N A | awk '$1 == "'$N'." && $4 == "A" { print $5 }')"
expect_eq "the SOA serial moved by one" $((serial0 + 1)) "$(soa_serial)"
expect_eq "another type on a listed name is NODATA" "NOERROR" "$(dns_status $N MX)"
expect_eq "NODATA has no answer" "" "$(dns_short $N MX)"
expect_match "NODATA carries the SOA in authority" "^$ZONE\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA" \
    "$(dq $N MX +noall +authority)"

# RFC 8020: a partial name above a listing is an empty non-terminal.
expect_eq "2.0.192.zone above a listing is NOERROR (empty non-terminal)" NOERROR \
    "$(dns_status 2.0.192.$ZONE A)"
expect_eq "the empty non-terminal has no answer" "" "$(dns_short 2.0.192.$ZONE A)"
expect_eq "3.0.192.zone with nothing below is NXDOMAIN" NXDOMAIN "$(dns_status 3.0.192.$ZONE A)"
expect_eq "octets with leading zeros are not addresses" NXDOMAIN "$(dns_status 5.2.0.0192.$ZONE A)"

# The question is echoed as asked (0x20 case randomisation, RFC 4343).
MIXED=5.2.0.192.RELAYS.Example.ORG
expect_match "the answer's owner keeps the question's case" \
    "^$MIXED\.[[:space:]]+2100[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.2\$" \
    "$(dq $MIXED A +noall +answer)"
expect_match "NXDOMAIN carries the SOA with the negative TTL (RFC 2308)" \
    "^$ZONE\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA" "$(dq 9.2.0.192.$ZONE A +noall +authority)"

rb_ok "rbldb delist 192.0.2.5" delist 192.0.2.5 --reason "relay closed"
if poll_until 10 dns_status_is NXDOMAIN $N A; then
	ok "the delisting is answered without restart (NXDOMAIN)"
else
	not_ok "the delisting is answered without restart (NXDOMAIN)" "$(dq $N A)"
fi
expect_eq "after the delisting the name above is NXDOMAIN again" NXDOMAIN \
    "$(dns_status 2.0.192.$ZONE A)"

# ---- ranges and exceptions ----
rb_ok "rbldb report 198.51.100.0/24" report 198.51.100.0/24 --reason "relay farm"
if poll_until 10 dns_is 127.0.0.2 7.100.51.198.$ZONE A; then
	ok "an address inside a listed range is listed"
else
	not_ok "an address inside a listed range is listed" "$(dq 7.100.51.198.$ZONE A)"
fi
expect_eq "the range's TXT is its reason" '"relay farm"' "$(dns_short 200.100.51.198.$ZONE TXT)"
expect_eq "outside the range is not listed" NXDOMAIN "$(dns_status 7.101.51.198.$ZONE A)"
rb_ok "rbldb delist 198.51.100.7 inside the range" delist 198.51.100.7 --reason "fixed host"
if poll_until 10 dns_status_is NXDOMAIN 7.100.51.198.$ZONE A; then
	ok "an exception inside a listed range is NXDOMAIN"
else
	not_ok "an exception inside a listed range is NXDOMAIN" "$(dq 7.100.51.198.$ZONE A)"
fi
expect_eq "the rest of the range stays listed" 127.0.0.2 "$(dns_short 8.100.51.198.$ZONE A)"

rb_ok "rbldb report with its own code" report 203.0.113.9 --code 127.0.0.4 --reason "code four"
poll_until 10 dns_is 127.0.0.4 9.113.0.203.$ZONE A &&
	ok "a report's own code is the A record" ||
	not_ok "a report's own code is the A record" "$(dq 9.113.0.203.$ZONE A)"

rb_ok "rbldb report without a reason" report 203.0.113.10
poll_until 10 dns_is 127.0.0.2 10.113.0.203.$ZONE A
expect_eq "without a reason the TXT is the zone's text with \$ = the address" \
    "\"Listed as an open relay, see https://$ZONE/lookup?ip=203.0.113.10\"" \
    "$(dns_short 10.113.0.203.$ZONE TXT)"

# ---- IPv6 listings ----
V6N=$(rname 2001:db8::25)
rb_ok "rbldb report 2001:db8::25" report 2001:db8::25 --reason "v6 relay"
if poll_until 10 dns_is 127.0.0.2 "$V6N" A; then
	ok "an IPv6 listing is answered under its 32 nibbles"
else
	not_ok "an IPv6 listing is answered under its 32 nibbles" "$(dq "$V6N" A)"
fi
expect_eq "the IPv6 listing's TXT" '"v6 relay"' "$(dns_short "$V6N" TXT)"
expect_eq "a neighbouring IPv6 address is not listed" NXDOMAIN \
    "$(dns_status "$(rname 2001:db8::26)" A)"
expect_eq "a partial nibble name above it is an empty non-terminal" NOERROR \
    "$(dns_status "${V6N#*.*.*.*.}" A)"
rb_ok "rbldb report 2001:db8:1::/48" report 2001:db8:1::/48 --reason "v6 range"
poll_until 10 dns_is 127.0.0.2 "$(rname 2001:db8:1:2::3)" A &&
	ok "an address in a listed IPv6 range is listed" ||
	not_ok "an address in a listed IPv6 range is listed" "$(dq "$(rname 2001:db8:1:2::3)" A)"
rb_ok "rbldb delist 2001:db8::25" delist 2001:db8::25 --reason gone
poll_until 10 dns_status_is NXDOMAIN "$V6N" A &&
	ok "the IPv6 delisting is answered" || not_ok "the IPv6 delisting is answered" "$(dq "$V6N" A)"

# IPv4-mapped names are answered as the IPv4 address (the zone lists IPv4).
poll_until 10 dns_is 127.0.0.2 8.100.51.198.$ZONE A
expect_eq "::ffff:198.51.100.8 is answered as 198.51.100.8" 127.0.0.2 \
    "$(dns_short "$(rname ::ffff:198.51.100.8)" A)"

stop_server
finish
