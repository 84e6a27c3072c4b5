#!/bin/bash
# Expiry: per-report lifetimes, stats' "expiring within a day", rbldb expire
# (--dry-run, --at in the future) with the DNS answers, serial and history,
# and rbldbd committing a due expiry itself while it runs.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A=$(iso $((NOW - 3600)))

# 192.0.2.1 expires in an hour (lifetime 2h), 192.0.2.2 in 30 days (the zone's).
cat >"$T/batch.jsonl" <<EOF
{"op":"report","addr":"192.0.2.1","source":"trap","at":"$A","lifetime":"2h"}
{"op":"report","addr":"192.0.2.2","source":"trap","at":"$A"}
{"op":"report","addr":"198.51.100.0/24","source":"trap","at":"$A","lifetime":"90m"}
{"op":"delist","addr":"198.51.100.7","reason":"closed","at":"$A"}
EOF
rb_ok "ingest with per-report lifetimes" ingest "$T/batch.jsonl"
start_server || finish
S0=$(soa_serial)

stats_field() {	# stats_field KEY: the first zone's KEY in stats --json
	"$RBLDB" -c "$CONF" stats --json |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["zones"][0][sys.argv[1]])' "$1"
}
expect_eq "stats: 3 listed" 3 "$(stats_field listed)"
expect_eq "stats: 1 excepted" 1 "$(stats_field excepted)"
expect_eq "stats: 2 expiring within 24 h" 2 "$(stats_field expiring_24h)"
expect_eq "stats: the serial the server serves" "$S0" "$(stats_field serial)"
rb stats
expect_match "stats table" "^$ZONE +3 +1 +2 +$S0\$" "$RB_OUT"

rb expire
expect_eq "expire now: nothing due" "0 expired 0 listings" "$RB_RC $(echo "$RB_OUT" | cut -d' ' -f1-3)"
expect_eq "nothing due: serial unchanged" "$S0" "$(soa_serial)"

# In 100 minutes the range has expired, in 3 hours 192.0.2.1 too.
rb expire --dry-run --at "$(iso $((NOW + 10800)))"
expect_eq "dry run exits 0" 0 "$RB_RC"
expect_eq "dry run names what would expire, soonest first" \
    "would expire $ZONE 198.51.100.0/24 (expires $(iso $((NOW + 1800))))
would expire $ZONE 192.0.2.1 (expires $(iso $((NOW + 3600))))
2 listings would expire by $(iso $((NOW + 10800))) (dry run, nothing committed)" "$RB_OUT"
expect_eq "dry run changes nothing" "127.0.0.2 $S0" \
    "$(dns_short 1.2.0.192.$ZONE A) $(soa_serial)"

rb expire --at "$(iso $((NOW + 10800)))"
expect_eq "expire --at three hours ahead is refused without --force" 1 "$RB_RC"
rb expire --at "$(iso $((NOW + 10800)))" --force
expect_eq "expire --at in the future, with --force" \
    "expired 2 listings due by $(iso $((NOW + 10800))), 1 zone changed" "$RB_OUT"
if poll_until 10 dns_status_is NXDOMAIN 1.2.0.192.$ZONE A; then
	ok "the expired listing is no longer answered"
else
	not_ok "the expired listing is no longer answered" "$(dq 1.2.0.192.$ZONE A)"
fi
expect_eq "nor the expired range" NXDOMAIN "$(dns_status 9.100.51.198.$ZONE A)"
expect_eq "the other listing stays" 127.0.0.2 "$(dns_short 2.2.0.192.$ZONE A)"
expect_eq "one commit: serial + 1" $((S0 + 1)) "$(soa_serial)"
rb show 192.0.2.1
expect_match "the expiry is in the history" "expire 192.0.2.1/32" "$RB_OUT"
expect_eq "stats after: 1 listed, 0 expiring" "1 0" \
    "$(stats_field listed) $(stats_field expiring_24h)"
rb expire --at "$(iso $((NOW + 10800)))" --force
expect_eq "expire again: nothing, serial unchanged" "expired 0 $((S0 + 1))" \
    "$(echo "$RB_OUT" | cut -d' ' -f1-2) $(soa_serial)"
rb expire --at yesterday
expect_eq "expire --at with a bad time: exit 2" 2 "$RB_RC"

# ---- rbldbd commits a due expiry itself (SPEC: at least once a minute) ----
# A fresh server runs its expiry at about R+2 s and R+32 s.  192.0.2.9,
# reported for 60 s, expires at R+12 s, between the two: it must be
# NXDOMAIN at once (the workers' clock moves with every batch), while the
# serial moves only when the second run commits the expiry.
stop_server
start_server || finish
R=$(date +%s)
AT=$(iso $((R + 12 - 60)))
echo '{"op":"report","addr":"192.0.2.9","source":"trap","at":"'"$AT"'","lifetime":"60s"}' |
    "$RBLDB" -c "$CONF" ingest - >"$T/short.out" 2>&1
expect_eq "short-lived report ingested" 0 "$?"
S1=$(soa_serial)
expect_eq "listed until it expires" 127.0.0.2 "$(dns_short 9.2.0.192.$ZONE A)"
if poll_until 15 dns_status_is NXDOMAIN 9.2.0.192.$ZONE A; then
	ok "NXDOMAIN once expired"
else
	not_ok "NXDOMAIN once expired" "$(dq 9.2.0.192.$ZONE A)"
fi
expect_eq "answered so before the server's expiry commit (serial unchanged)" "$S1" "$(soa_serial)"
if poll_until 60 eval '[ "$(soa_serial)" = $((S1 + 1)) ]'; then
	ok "rbldbd expired it itself: serial $((S1 + 1))"
else
	not_ok "rbldbd expired it itself: serial $((S1 + 1))" \
	    "status $(dns_status 9.2.0.192.$ZONE A), serial $(soa_serial)" "$(tail -n 5 "$SERVER_LOG")"
fi
expect_eq "still NXDOMAIN after the commit" NXDOMAIN "$(dns_status 9.2.0.192.$ZONE A)"
rb show 192.0.2.9
expect_match "the server's expiry is in the history" "expire 192.0.2.9/32" "$RB_OUT"
expect_match "the server logged it" "expired 1 listing" "$(cat "$SERVER_LOG")"
# The same report in other words (another file: the same one would be recognised whole).
rb ingest - <<EOF
{"op":"report","source":"trap","addr":"192.0.2.9","at":"$AT","lifetime":"60s"}
EOF
expect_match "the expired report ingested again is a duplicate" "1 duplicate.*0 zones changed" "$RB_OUT"

stop_server
finish
