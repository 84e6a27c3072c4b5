#!/bin/bash
# rbldb purge --source S [--since TIME] [--dry-run] (RFC 6471 s3.9: a faulty
# feed withdrawn): what rests only on S goes, what others reported stays with
# its counts recomputed; DNS answers, serial, history (of every entry it
# recomputes, not only those it removes) and stats follow.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A1=$(iso $((NOW - 7200))) A2=$(iso $((NOW - 3600))) A3=$(iso $((NOW - 1800)))

# X .10 rests only on bad-feed; Y .11 on both; Z .12 on good, and bad-feed
# later; W .13 on bad-feed twice; the range on bad-feed, with an exception.
cat >"$T/feeds.jsonl" <<EOF
{"op":"report","addr":"192.0.2.10","source":"bad-feed","at":"$A1"}
{"op":"report","addr":"192.0.2.11","source":"bad-feed","at":"$A1"}
{"op":"report","addr":"192.0.2.11","source":"good","at":"$A2"}
{"op":"report","addr":"192.0.2.12","source":"good","at":"$A1"}
{"op":"report","addr":"192.0.2.12","source":"bad-feed","at":"$A3"}
{"op":"report","addr":"192.0.2.13","source":"bad-feed","at":"$A1"}
{"op":"report","addr":"192.0.2.13","source":"bad-feed","at":"$A3"}
{"op":"report","addr":"198.51.100.0/24","source":"bad-feed","at":"$A1"}
{"op":"delist","addr":"198.51.100.7","reason":"closed","by":"good","at":"$A2"}
EOF
rb_ok "ingest two feeds" ingest "$T/feeds.jsonl"
start_server || finish
S0=$(soa_serial)

stats_field() {	# stats_field KEY: the first zone's KEY in stats --json
	"$RBLDB" -c "$CONF" stats --json |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["zones"][0][sys.argv[1]])' "$1"
}
show_counts() {	# show_counts ADDR: "count sources" of its listing
	"$RBLDB" -c "$CONF" show "$1" --json |
	    python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z.get("count"), z.get("sources"))'
}
expect_eq "stats before: 5 listed, 1 excepted" "5 1" "$(stats_field listed) $(stats_field excepted)"
expect_eq "W: 2 reports from 1 source" "2 1" "$(show_counts 192.0.2.13)"

# ---- --dry-run ----
rb list --json; L0=$RB_OUT
rb purge --source bad-feed --dry-run
expect_eq "dry run names what would go and counts" \
    "would remove $ZONE 192.0.2.10
would remove $ZONE 192.0.2.13
would remove $ZONE 198.51.100.0/24
source bad-feed: 6 reports would be withdrawn, 3 entries removed (dry run, nothing committed)" \
    "$RB_OUT"
rb list --json
expect_eq "dry run: list --json unchanged" "$L0" "$RB_OUT"
expect_eq "dry run: serial unchanged" "$S0" "$(soa_serial)"

# ---- --since: only the later reports are withdrawn ----
rb purge --source bad-feed --since "$A2"
expect_eq "purge --since exits 0" 0 "$RB_RC"
expect_match "purge --since withdraws the 2 later reports, removes nothing" \
    "^source bad-feed since $A2: 2 reports withdrawn, 0 entries removed" "$RB_OUT"
expect_eq "W keeps its earlier report: 1 from 1 source" "1 1" "$(show_counts 192.0.2.13)"
expect_eq "Z keeps good's report only" "1 1" "$(show_counts 192.0.2.12)"
rb show 192.0.2.12
expect_match "Z's history says purge recounted it (issue 18), naming the source" \
    "recount 192\.0\.2\.12/32 at .* source \"bad-feed\" evidence \"1 report from 1 source remains; expires " \
    "$RB_OUT"
rb show 192.0.2.13
expect_match "so does W's" "recount 192\.0\.2\.13/32 .*1 report from 1 source remains" "$RB_OUT"
expect_eq "everything still answered" "127.0.0.2 127.0.0.2 127.0.0.2" \
    "$(dns_short 10.2.0.192.$ZONE A) $(dns_short 12.2.0.192.$ZONE A) $(dns_short 13.2.0.192.$ZONE A)"

# ---- the whole feed ----
S1=$(soa_serial)
rb purge --source bad-feed
expect_eq "purge of the feed" "removed $ZONE 192.0.2.10
removed $ZONE 192.0.2.13
removed $ZONE 198.51.100.0/24
source bad-feed: 4 reports withdrawn, 3 entries removed, 1 zone changed" "$RB_OUT"
if poll_until 10 dns_status_is NXDOMAIN 10.2.0.192.$ZONE A; then
	ok "X, reported only by the feed, is no longer answered"
else
	not_ok "X, reported only by the feed, is no longer answered" "$(dq 10.2.0.192.$ZONE A)"
fi
expect_eq "nor W" NXDOMAIN "$(dns_status 13.2.0.192.$ZONE A)"
expect_eq "nor the feed's range" NXDOMAIN "$(dns_status 9.100.51.198.$ZONE A)"
expect_eq "Y, also reported by good, stays" 127.0.0.2 "$(dns_short 11.2.0.192.$ZONE A)"
expect_eq "Z stays" 127.0.0.2 "$(dns_short 12.2.0.192.$ZONE A)"
expect_eq "Y now rests on 1 report from 1 source" "1 1" "$(show_counts 192.0.2.11)"
rb show 192.0.2.11
expect_match "Y's history has the recount too" "recount 192\.0\.2\.11/32 .*source \"bad-feed\"" "$RB_OUT"
expect_eq "one commit: serial + 1" $((S1 + 1)) "$(soa_serial)"
rb show 192.0.2.10
expect_match "the purge is in X's history" "purge 192.0.2.10/32" "$RB_OUT"
expect_eq "stats after: 2 listed" 2 "$(stats_field listed)"

rb purge --source bad-feed
expect_eq "purging it again: nothing" \
    "source bad-feed: 0 reports withdrawn, 0 entries removed, 0 zones changed" "$RB_OUT"
rb purge --source nobody
expect_eq "an unknown source: nothing, serial unchanged" "0 $((S1 + 1))" \
    "$RB_RC $(soa_serial)"
rb purge
expect_eq "purge without --source: exit 2" 2 "$RB_RC"
rb purge --source bad-feed --since soon
expect_eq "purge with a bad --since: exit 2" 2 "$RB_RC"

stop_server
finish
