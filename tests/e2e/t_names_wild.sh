#!/bin/bash
# Names under wildcards in a `kind = names` zone: `rbldb show` tells a name
# listed through a wildcard `*.parent` (which entry, code, reason, expiry)
# and an exception under one, as rbldbd answers them; an exception goes
# with the last listed wildcard above it, whether that is delisted,
# expired or purged, so a later listing of the wildcard lists the name again.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

DBL=dbl.example.org
names_zone $DBL "code = 127.0.1.4" "ttl = 300"
init_store

# zone_fields JSON FIELD...: the names zone's FIELDs in show --json output, on one line.
zone_fields() {
	python3 - "$DBL" "$@" <<'PY'
import json, sys
doc = json.loads(sys.argv[2])
z = [z for z in doc["zones"] if z["zone"] == sys.argv[1]][0]
print(" ".join("null" if z.get(f) is None else str(z[f]) for f in sys.argv[3:]))
PY
}
# state NAME: "STATE ENTRY" of the names zone in show --json.
state() {
	rb show --json "$1" || { echo "show failed: $RB_ERR"; return; }
	zone_fields "$RB_OUT" state entry
}

# ---- show: listed through a wildcard ----
rb_ok "report a wildcard" report --zone $DBL '*.wild.example' --reason "wild reason" \
    --code 127.0.1.8 --lifetime 10d
rb_ok "delist a name under it (an exception)" delist --zone $DBL good.wild.example --reason fp
expect_eq "delist says which wildcard the name is excepted from" \
    "good.wild.example excepted under listed wildcard *.wild.example in $DBL" "$RB_OUT"
rb_ok "show a name under the wildcard, never reported itself" show --json a.b.wild.example
js=$RB_OUT
expect_match "show --json names the name as given, not '?'" '"name": "a.b.wild.example"' "$js"
expect_eq "show --json: listed through the wildcard" 'listed *.wild.example 127.0.1.8 wild reason' \
    "$(zone_fields "$js" state entry code reason)"
exp=$(zone_fields "$js" expires)
expect_match "show --json: the wildcard's expiry" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$exp"
rb_ok "show a name under the wildcard (text)" show a.b.wild.example
expect_match "show: listed by the wildcard entry, its code and expiry" \
    "^$DBL \\(serial [0-9]+\\): listed by entry \\*\\.wild\\.example, code 127\\.0\\.1\\.8, expires $exp\$" "$RB_OUT"
expect_match "show: the wildcard's reason" "^  reason: wild reason$" "$RB_OUT"
rb_ok "show the exception under the wildcard" show --json good.wild.example
expect_eq "show --json: the exception and the wildcard it is excepted from" \
    'excepted good.wild.example *.wild.example' \
    "$(zone_fields "$RB_OUT" state entry wildcard)"
rb_ok "show the exception (text)" show good.wild.example
expect_match "show: excepted under the listed wildcard" \
    "^$DBL \\(serial [0-9]+\\): excepted by entry good\\.wild\\.example under listed wildcard \\*\\.wild\\.example$" "$RB_OUT"
expect_eq "show: a name under the exception is the wildcard's again (RFC 4592, as AXFR says)" \
    "listed *.wild.example" "$(state x.good.wild.example)"
expect_eq "show: the wildcard's own name is not listed" "not listed null" "$(state wild.example)"
expect_eq "show: a name elsewhere is not listed" "not listed null" "$(state a.other.example)"

rb_ok "a wildcard past its lifetime, not yet expired" report --zone $DBL '*.old.example' \
    --at 2020-01-01T00:00:00Z --lifetime 1s
rb_ok "show a name under it" show a.old.example
expect_match "show: not listed, the wildcard expired (not yet removed)" \
    "^$DBL \\(serial [0-9]+\\): not listed: entry \\*\\.old\\.example expired at 2020-01-01T00:00:01Z \\(not yet removed\\)$" "$RB_OUT"

start_server -R || finish
expect_eq "rbldbd answers the name as show says (code)" 127.0.1.8 "$(dns_short a.b.wild.example.$DBL A)"
expect_eq "rbldbd answers the name as show says (reason)" '"wild reason"' "$(dns_short a.b.wild.example.$DBL TXT)"
expect_eq "rbldbd answers the exception as show says" NXDOMAIN "$(dns_status good.wild.example.$DBL A)"
expect_eq "rbldbd answers a name under the exception as show says" 127.0.1.8 \
    "$(dns_short x.good.wild.example.$DBL A)"
expect_eq "rbldbd answers the name under the expired wildcard as show says" NXDOMAIN \
    "$(dns_status a.old.example.$DBL A)"
stop_server

# ---- an exception goes with its wildcard ----
# check_gone PATH: after the wildcard *.PATH.example went, its exception
# good.PATH.example is gone from list and show, and a new listing of the
# wildcard lists good.PATH.example again.
check_gone() {
	local p=$1
	expect_eq "$p: no exception is left without its wildcard" "" \
	    "$("$RBLDB" -c "$CONF" list --zone $DBL | awk '{print $1}' | grep -x "good.$p.example")"
	expect_eq "$p: show says the name is not listed" "not listed null" "$(state good.$p.example)"
	# Another source: the same source's report of the same second is a
	# duplicate of the first (reports are keyed by source and time).
	rb_ok "$p: the wildcard listed again" report --zone $DBL "*.$p.example" --reason again \
	    --source relist
	expect_eq "$p: the name under it is listed again, not blocked by an old exception" \
	    "listed *.$p.example" "$(state good.$p.example)"
}

rb_ok "delist: a wildcard" report --zone $DBL '*.del.example'
rb_ok "delist: an exception under it" delist --zone $DBL good.del.example --reason fp
expect_eq "delist: the exception is there" "excepted good.del.example" "$(state good.del.example)"
rb_ok "delist: the wildcard delisted" delist --zone $DBL '*.del.example' --reason gone
check_gone del

now=$(date +%s)
rb_ok "expire: a wildcard with a lifetime" report --zone $DBL '*.exp.example' --lifetime 1h
rb_ok "expire: an exception under it" delist --zone $DBL good.exp.example --reason fp
rb_ok "expire: a wildcard over a nearer one that expires" report --zone $DBL '*.cov.example' --lifetime 30d
rb_ok "expire: the nearer wildcard" report --zone $DBL '*.sub.cov.example' --lifetime 1h
rb_ok "expire: an exception under both" delist --zone $DBL good.sub.cov.example --reason fp
rb_ok "expire: run past the lifetime" expire --force --at "$(iso $((now + 7200)))"
check_gone exp
expect_eq "expire: an exception still under a listed wildcard stays" \
    "excepted good.sub.cov.example" "$(state good.sub.cov.example)"
expect_eq "expire: the covering wildcard lists the names beside it" \
    "listed *.cov.example" "$(state other.sub.cov.example)"

rb_ok "purge: a wildcard from one source" report --zone $DBL '*.pur.example' --source feed-x
rb_ok "purge: an exception under it" delist --zone $DBL good.pur.example --reason fp
rb_ok "purge: the source's reports" purge --source feed-x
expect_eq "purge: the wildcard went with its only report" "not listed null" "$(state '*.pur.example')"
check_gone pur

start_server -R || finish
expect_eq "rbldbd: the re-listed wildcard lists the former exception" 127.0.1.4 \
    "$(dns_short good.del.example.$DBL A)"
expect_eq "rbldbd: the exception still under a listed wildcard holds" NXDOMAIN \
    "$(dns_status good.sub.cov.example.$DBL A)"
stop_server
finish
