#!/bin/bash
# Schema upgrades (issue 17): a store of schema version 1, made by rbldb
# 2026-11-28 (de941e2) and kept in data/store-v1 (a report, a range with its
# own code, an exception inside it, an IPv6 listing, two sources for one
# address; all expire in 2036), is upgraded in place by the first program
# that opens it, in one write transaction, and then lists, shows and answers
# exactly as before; the commit log it gained starts empty and records the
# next commit.
. "$(dirname "$0")/lib.sh"

need_tool mdb_dump lmdb-utils
need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
FIXTURE=$E2E_DIR/data/store-v1
mkdir -m 700 "$T/db"
cp "$FIXTURE/data.mdb" "$T/db/data.mdb"
chmod 600 "$T/db/data.mdb"

# schema: the version the store's meta database records, as 8 hex digits.
schema() { mdb_dump -s meta "$T/db" | sed -n '/^ 736368656d61$/{n;s/^ //p}'; }
expect_eq "the fixture is version 1" 00000001 "$(schema)"

rb_ok "list --json on the old store" list --json
expect_eq "every listing as it was" "$(cat "$FIXTURE/list.json")" "$RB_OUT"
# The version this tree writes, as the meta record holds it (8 hex digits).
CURRENT=$(printf '%08x' "$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$TOP/common/store.h")")
expect_eq "upgraded to this version ($CURRENT) by its first opener" "$CURRENT" "$(schema)"
rb_ok "log on the upgraded store" log
expect_eq "the commit log starts empty" "" "$RB_OUT"
rb_ok "show 198.51.100.7" show 198.51.100.7
expect_match "the exception still says who delisted it" \
    'delisted at 2026-12-02T00:00:00Z by postmaster@example.net: relay closed' "$RB_OUT"

start_server || finish
check "192.0.2.5 answers its code" dns_is 127.0.0.2 "5.2.0.192.$ZONE" A
check "and its reason" dns_is '"open relay, tested"' "5.2.0.192.$ZONE" TXT
check "the range answers its own code" dns_is 127.0.0.3 "1.100.51.198.$ZONE" A
check "the exception is not listed" dns_status_is NXDOMAIN "7.100.51.198.$ZONE" A
check "the IPv6 listing" dns_is 127.0.0.2 \
    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.$ZONE" A
rb_ok "a new report on the upgraded store" report 192.0.2.77 --reason "after the upgrade"
poll_until 10 dns_is 127.0.0.2 "77.2.0.192.$ZONE" A
check "answered from the upgraded store" dns_is 127.0.0.2 "77.2.0.192.$ZONE" A
rb_ok "log" log
expect_match "the commit log has the report as commit 1" \
    '^commit 1 .* rbldb -c .* report 192\.0\.2\.77 --reason after the upgrade$' "$RB_OUT"
expect_match "with the zone's serials and counts" \
    "^    $ZONE serial 2026112806 -> 2026112807: 1 added, 0 removed, 0 changed$" "$RB_OUT"
# Version 5: the removal requests of rbldb-web start empty and take requests.
rb_ok "requests on the upgraded store" requests --all
expect_eq "no request came with the old store" "no requests" "$RB_OUT"
stop_server
finish
