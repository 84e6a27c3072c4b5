#!/bin/bash
# rbldb revert COMMIT [--dry-run] [--force] (issue 18): a commit undone as a
# new commit.  A wrong delisting of a range comes back exactly (listing,
# exception, counts, history, answers); reverting the revert redoes it; a
# reverted ingest can be ingested again; a reverted purge has its reports
# back; an entry changed since is a conflict, refused unless --force, which
# leaves it as it is; --dry-run commits nothing; unknown commits are refused.
. "$(dirname "$0")/lib.sh"
need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A1=$(iso $((NOW - 7200))) A2=$(iso $((NOW - 3600))) A3=$(iso $((NOW - 1800)))
last_commit() { "$RBLDB" -c "$CONF" log | sed -n 's/^commit \([0-9]*\) .*/\1/p' | tail -n 1; }
list_json() { "$RBLDB" -c "$CONF" list --json; }

cat >"$T/feed.jsonl" <<EOF
{"op":"report","addr":"192.0.2.10","source":"trap-1","reason":"open relay","at":"$A1"}
{"op":"report","addr":"192.0.2.10","source":"trap-2","at":"$A2"}
{"op":"report","addr":"192.0.2.11","source":"bad-feed","code":"127.0.0.4","at":"$A1"}
{"op":"report","addr":"198.51.100.0/24","source":"trap-1","reason":"relay farm","at":"$A1"}
{"op":"delist","addr":"198.51.100.7","reason":"fixed","by":"postmaster@example.net","at":"$A2"}
{"op":"report","addr":"198.51.100.9","source":"trap-2","code":"127.0.0.3","at":"$A2"}
{"op":"report","addr":"2001:db8::5","source":"trap-1","at":"$A1"}
EOF
rb_ok "ingest a feed" ingest "$T/feed.jsonl"
start_server || finish
L0=$(list_json)
S0=$(soa_serial)

# ---- a wrong delisting of a range, undone ----
rb_ok "a wrong delisting of the range" delist 198.51.100.0/24 --reason "wrong range" --by me
C1=$(last_commit)
expect_eq "the range is gone" NXDOMAIN "$(dns_status 1.100.51.198.$ZONE A)"
rb_ok "revert --dry-run" revert "$C1" --dry-run
expect_match "revert --dry-run names what it would bring back" \
    "^would restore $ZONE 198\.51\.100\.0/24 \(listed, expires [0-9TZ:-]+\)$" "$RB_OUT"
expect_match "and the exception and the listing inside" \
    "would restore $ZONE 198\.51\.100\.7/32 \(an exception\)" "$RB_OUT"
expect_eq "revert --dry-run: the serial is unchanged" "$((S0 + 1))" "$(soa_serial)"
expect_eq "revert --dry-run: no new commit" "$C1" "$(last_commit)"
rb_ok "revert $C1" revert "$C1"
expect_match "says what it set back" \
    "^commit $C1 \(.*delist 198\.51\.100\.0/24 --reason wrong range --by me\): 3 entries set back, 0 already as before, 0 left as changed since$" \
    "$RB_OUT"
C2=$(last_commit)
expect_eq "the revert is a new commit" "$((C1 + 1))" "$C2"
expect_eq "list --json is exactly as before the delisting" "$L0" "$(list_json)"
poll_until 10 dns_is 127.0.0.2 1.100.51.198.$ZONE A
expect_eq "the range answers again" 127.0.0.2 "$(dns_short 1.100.51.198.$ZONE A)"
expect_eq "with its reason" '"relay farm"' "$(dns_short 1.100.51.198.$ZONE TXT)"
expect_eq "its exception is back" NXDOMAIN "$(dns_status 7.100.51.198.$ZONE A)"
expect_eq "the address inside with its own code is back" 127.0.0.3 "$(dns_short 9.100.51.198.$ZONE A)"
expect_eq "the serial moved once more" "$((S0 + 2))" "$(soa_serial)"
rb_ok "show the range" show 198.51.100.1
expect_match "the history has the delisting and the revert" \
    "revert 198\.51\.100\.0/24 at .* reason \"commit $C1 reverted: listed again\"" "$RB_OUT"
rb_ok "show the exception" show 198.51.100.7
expect_match "the exception says who delisted it, as before" \
    "delisted at $A2 by postmaster@example.net: fixed" "$RB_OUT"
rb_ok "log" log
expect_match "the log has the revert's command and counts" \
    "^commit $C2 .* rbldb -c .* revert $C1$" "$RB_OUT"
expect_match "adding back what the delisting removed" \
    "serial $((S0 + 1)) -> $((S0 + 2)): 3 added, 0 removed, 0 changed" "$RB_OUT"

# ---- reverting the revert redoes the commit ----
rb_ok "revert $C2 (the revert)" revert "$C2"
expect_eq "the range is delisted again" "" "$(list_json | grep '198.51.100')"
rb_ok "show the range" show 198.51.100.1
expect_match "its delisting is back in its details" "wrong range" "$RB_OUT"
rb_ok "revert the redo" revert "$(last_commit)"
expect_eq "and back again" "$L0" "$(list_json)"

# ---- a reverted ingest may be ingested again ----
cat >"$T/more.jsonl" <<EOF
{"op":"report","addr":"203.0.113.5","source":"trap-3"}
{"op":"report","addr":"203.0.113.6","source":"trap-3"}
EOF
rb_ok "ingest more" ingest "$T/more.jsonl"
C3=$(last_commit)
rb_ok "revert it" revert "$C3"
expect_eq "its listings are gone" "$L0" "$(list_json)"
rb_ok "ingest the same file again" ingest "$T/more.jsonl"
expect_match "is applied again (the revert forgot it)" "2 new" "$RB_OUT"

# ---- a reverted purge has its reports back ----
rb show 192.0.2.10 --json
R0=$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z["count"], z["sources"])')
rb_ok "purge trap-2" purge --source trap-2
C4=$(last_commit)
rb show 192.0.2.10 --json
expect_eq "192.0.2.10 rests on one report now" "1 1" \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z["count"], z["sources"])')"
rb_ok "revert the purge" revert "$C4"
rb show 192.0.2.10 --json
expect_eq "its counts are back" "$R0" \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z["count"], z["sources"])')"
expect_eq "198.51.100.9 is back with its code" 127.0.0.3 "$(dns_short 9.100.51.198.$ZONE A)"
rb purge --source trap-2 --dry-run
expect_match "the reports are back: a purge would withdraw them again" \
    "source trap-2: 2 reports would be withdrawn, 1 entry removed" "$RB_OUT"

# ---- conflicts: an entry changed since ----
rb_ok "report two addresses" ingest - <<EOF
{"op":"report","addr":"203.0.113.20","source":"trap-4","reason":"first"}
{"op":"report","addr":"203.0.113.21","source":"trap-4","reason":"first"}
EOF
C5=$(last_commit)
rb_ok "one of them is reported again, with another reason" report 203.0.113.21 --reason second
S5=$(soa_serial)
rb revert "$C5"
expect_eq "revert of a commit with an entry changed since: exit 1" 1 "$RB_RC"
expect_match "names the entry" \
    "^$ZONE 203\.0\.113\.21/32: changed since commit $C5 \(now listed, expires .*, before it not listed\)$" \
    "$RB_ERR"
expect_match "and says nothing was committed and what --force does" \
    "rbldb: revert: 1 of the 2 entries commit $C5 changed have changed again since; nothing committed \(--force reverts the others and leaves those as they are\)" \
    "$RB_ERR"
expect_eq "nothing committed" "$S5" "$(soa_serial)"
rb_ok "revert --force" revert "$C5" --force
expect_match "says it left one" "1 entry set back, 0 already as before, 1 left as changed since" "$RB_OUT"
expect_eq "the other is gone" "" "$(list_json | grep '203.0.113.20/32')"
expect_match "the changed one is left as it is" '"entry":"203.0.113.21/32".*"reason":"second"' "$(list_json)"

# ---- what cannot be reverted ----
rb revert 999
expect_eq "revert of an unknown commit: exit 1" 1 "$RB_RC"
expect_eq "says so" "rbldb: revert: no commit 999 in the log (see rbldb log)" "$RB_ERR"
rb revert abc
expect_eq "revert abc: exit 2" 2 "$RB_RC"
rb revert
expect_eq "revert without COMMIT: exit 2" 2 "$RB_RC"
rb revert "$C4"
expect_match "a commit reverted already: every entry as before, nothing to do" \
    "^commit $C4 .*: 0 entries set back, 2 already as before, 0 left as changed since$" "$RB_OUT"

stop_server
finish
