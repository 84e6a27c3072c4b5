#!/bin/bash
# NSID (RFC 5001): with [server] nsid, a query whose OPT asks for NSID gets
# it in the answer's OPT, over UDP and TCP, as text or as hex:...; a query
# that does not ask, or a server without nsid, gets none.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
NAME=2.0.0.127.$ZONE

# nsid_of DIG-OPTIONS...: the NSID line of dig's answer for $NAME A, or nothing.
nsid_of() { dq "$NAME" A "$@" | sed -n 's/^; NSID: //p'; }

start_server || finish
expect_eq "without nsid: none in the answer" "" "$(nsid_of +nsid)"
expect_eq "without nsid: still answered" 127.0.0.2 "$(dns_short "$NAME" A +nsid)"
stop_server

sed -i "s|^threads = 2|threads = 2\nnsid = mirror-1.example|" "$CONF"
start_server || finish
expect_match "nsid as text, over UDP" '"mirror-1\.example"' "$(nsid_of +nsid)"
expect_match "its octets" '^6d 69 72 72 6f 72 2d 31 2e 65 78 61 6d 70 6c 65 ' "$(nsid_of +nsid)"
expect_match "over TCP" '"mirror-1\.example"' "$(nsid_of +nsid +tcp)"
expect_eq "not asked: not sent" "" "$(nsid_of)"
expect_eq "asked: the answer is still the answer" 127.0.0.2 "$(dns_short "$NAME" A +nsid)"
expect_eq "asked at the apex, NOERROR" NOERROR "$(dns_status "$ZONE" SOA +nsid)"
stop_server

sed -i "s|^nsid = .*|nsid = hex:cafe01|" "$CONF"
start_server || finish
expect_match "nsid as hex: the octets" '^ca fe 01 ' "$(nsid_of +nsid)"
stop_server

sed -i "s|^nsid = .*|nsid = hex:cafe0|" "$CONF"
"$RBLDBD" -c "$CONF" -l 127.0.0.1:0 >"$T/bad.log" 2>&1
expect_eq "an odd number of hex digits: exit 1" 1 $?
expect_match "with FILE:LINE" 'test\.conf:[0-9]+: nsid' "$(cat "$T/bad.log")"
finish
