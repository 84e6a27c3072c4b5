#!/bin/bash
# SPEC "Listing policy" (issue 18): a delisting at T outranks reports with
# `at` < T whether the listing is a single address or a range, so an old
# delisting never punches a hole in a newer range: the address stays listed
# ("outranked, still listed"), as it does when it is listed itself.  A
# delisting later than the range still makes an exception, and a newer
# listing inside a delisted range stands with its own exceptions.
. "$(dirname "$0")/lib.sh"
need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
OLD=$(iso $((NOW - 86400))) MID=$(iso $((NOW - 3600)))

start_server || finish
rb_ok "a range reported now" report 198.51.100.0/24 --reason "relay farm"
rb_ok "a single address reported now" report 192.0.2.5
S1=$(soa_serial)

rb delist 192.0.2.5 --reason "old request" --at "$OLD"
expect_match "an old delisting of a single address: outranked, still listed" \
    "^192\.0\.2\.5 outranked by report at .*, still listed in $ZONE$" "$RB_OUT"
rb delist 198.51.100.7 --reason "old request" --at "$OLD"
expect_eq "an old delisting inside the newer range exits 0" 0 "$RB_RC"
expect_match "and says it is outranked by the range, still listed" \
    "^198\.51\.100\.7 outranked by range 198\.51\.100\.0/24 reported at .*, still listed in $ZONE$" \
    "$RB_OUT"
rb_ok "list" list
expect_eq "no exception was made" "" "$(printf '%s\n' "$RB_OUT" | grep excepted)"
expect_eq "198.51.100.7 is answered listed" 127.0.0.2 "$(dns_short 7.100.51.198.$ZONE A)"
expect_eq "the serial did not move" "$S1" "$(soa_serial)"

# A delisting after the range's report still makes the exception.
rb_ok "a delisting now inside the range" delist 198.51.100.8 --reason "relay closed"
expect_match "is an exception" "^198\.51\.100\.8 excepted inside listed range 198\.51\.100\.0/24" "$RB_OUT"
poll_until 10 dns_status_is NXDOMAIN 8.100.51.198.$ZONE A
expect_eq "and is answered not listed" NXDOMAIN "$(dns_status 8.100.51.198.$ZONE A)"

# An old delisting of a wider range leaves a newer range inside it, and its exception.
rb_ok "an older /16 around it" report 198.51.0.0/16 --force --at "$OLD"
rb delist 198.51.0.0/16 --reason "old request" --at "$MID"
expect_eq "the /16 delisting exits 0" 0 "$RB_RC"
rb_ok "list" list
expect_eq "the older /16 went, the newer /24 and its exception stay" \
    "198.51.100.0/24 127.0.0.2
198.51.100.8/32 excepted" "$(printf '%s\n' "$RB_OUT" | grep '^198\.51\.' | cut -d' ' -f1,2)"
poll_until 10 dns_is 127.0.0.2 1.100.51.198.$ZONE A
expect_eq "198.51.100.1 is still answered listed" 127.0.0.2 "$(dns_short 1.100.51.198.$ZONE A)"
expect_eq "198.51.100.8 is still excepted" NXDOMAIN "$(dns_status 8.100.51.198.$ZONE A)"
expect_eq "198.51.7.7 (only in the /16) is not listed" NXDOMAIN "$(dns_status 7.7.51.198.$ZONE A)"

stop_server
finish
