#!/bin/bash
# rbldb ingest: a JSON Lines batch answered over DNS, its history, FILE:LINE
# errors with nothing committed, --keep-going and its exit code, --dry-run,
# standard input, and a second ingest of the same file changing nothing
# (list --json byte-identical, SOA serial unchanged).
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A1=$(iso $((NOW - 7200))) A2=$(iso $((NOW - 3600))) A3=$(iso $((NOW - 1800)))

# Every line carries its `at`, so the file means the same each time it is read.
cat >"$T/good.jsonl" <<EOF
{"op":"report","addr":"192.0.2.1","zone":"$ZONE","reason":"accepted relay to an external domain","source":"trap-7","evidence":"Received: from x by trap-7","at":"$A1"}
{"op":"report","addr":"192.0.2.2","source":"trap-7","at":"$A1"}

{"op":"report","addr":"192.0.2.2","source":"trap-8","at":"$A2"}
{"op":"report","addr":"198.51.100.0/24","code":"127.0.0.3","reason":"relay farm","source":"trap-8","at":"$A1"}
{"op":"delist","addr":"198.51.100.7","reason":"relay closed","by":"postmaster@example.net","at":"$A2"}
{"op":"report","addr":"192.0.2.5","source":"trap-7","at":"$A1"}
{"op":"delist","addr":"192.0.2.5","zone":"$ZONE","reason":"relay closed","by":"postmaster@example.net","at":"$A2"}
{"op":"report","addr":"2001:db8::25","source":"trap-6","at":"$A1","lifetime":"12h"}
{"op":"report","addr":"192.0.2.2","source":"trap-7","at":"$A1"}
EOF

start_server || finish
S0=$(soa_serial)
expect_eq "fresh zone serves the apex serial" "$APEX_SERIAL" "$S0"

# ---- a good file ----
rb ingest "$T/good.jsonl"
expect_eq "ingest of a good file exits 0" 0 "$RB_RC"
expect_eq "summary counts every outcome" \
    "$T/good.jsonl: 10 lines, 9 applied: 5 new, 1 refreshed, 1 duplicate, 0 outranked, 1 delisted, 1 excepted, 0 not listed; 0 bad; committed, 1 zone changed" \
    "$RB_OUT"
expect_eq "no progress on stderr in a pipe" "" "$RB_ERR"

if poll_until 10 dns_is 127.0.0.2 1.2.0.192.$ZONE A; then
	ok "192.0.2.1 answered 127.0.0.2"
else
	not_ok "192.0.2.1 answered 127.0.0.2" "$(dq 1.2.0.192.$ZONE A)"
fi
expect_eq "its TXT is the report's public reason" '"accepted relay to an external domain"' \
    "$(dns_short 1.2.0.192.$ZONE TXT)"
expect_eq "192.0.2.2 listed with the zone's text" \
    '"Listed as an open relay, see https://relays.example.org/lookup?ip=192.0.2.2"' \
    "$(dns_short 2.2.0.192.$ZONE TXT)"
expect_eq "the range answers its own code" 127.0.0.3 "$(dns_short 9.100.51.198.$ZONE A)"
expect_eq "the delisting inside the range is an exception" NXDOMAIN \
    "$(dns_status 7.100.51.198.$ZONE A)"
expect_eq "a report delisted later in the batch is not served" NXDOMAIN \
    "$(dns_status 5.2.0.192.$ZONE A)"
expect_eq "IPv6 report answered" 127.0.0.2 "$(dns_short "$(rname 2001:db8::25)" A)"
expect_eq "one commit: serial + 1" $((S0 + 1)) "$(soa_serial)"

rb show 192.0.2.2 --json
expect_eq "counts: 2 reports from 2 distinct sources (the repeat not counted)" "2 2" \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z["count"], z["sources"])')"
rb show 192.0.2.1
expect_match "history keeps the private source and evidence" \
    "report 192.0.2.1/32 at $A1 .*source \"trap-7\".*evidence \"Received: from x by trap-7\"" "$RB_OUT"
rb show 192.0.2.5
expect_match "history has the report and the delisting" "delist 192.0.2.5/32 at $A2" "$RB_OUT"

# ---- the same file again: nothing changes, not even the serial ----
rb list --json; L1=$RB_OUT
S1=$(soa_serial)
rb ingest "$T/good.jsonl"
expect_eq "second ingest exits 0" 0 "$RB_RC"
expect_match "second ingest: the same file is recognised, nothing applied" \
    "^$T/good.jsonl: already ingested at [0-9T:Z-]+ \(commit [0-9]+\): nothing changed$" \
    "$RB_OUT"
# The same lines in another file: each report is recognised by zone, address, source and at.
{ cat "$T/good.jsonl"; echo; } >"$T/good-copy.jsonl"
rb ingest "$T/good-copy.jsonl"
expect_eq "the same lines in another file: every line duplicate or outranked, no zone changed" \
    "$T/good-copy.jsonl: 11 lines, 9 applied: 0 new, 0 refreshed, 8 duplicate, 1 outranked, 0 delisted, 0 excepted, 0 not listed; 0 bad; committed, 0 zones changed" \
    "$RB_OUT"
rb list --json; L2=$RB_OUT
if [ "$L1" = "$L2" ] && [ -n "$L1" ]; then
	ok "list --json byte-identical after the second ingest"
else
	not_ok "list --json byte-identical after the second ingest" "$(diff <(echo "$L1") <(echo "$L2"))"
fi
expect_eq "SOA serial unchanged after the second ingest" "$S1" "$(soa_serial)"
"$RBLDB" -c "$CONF" ingest - <"$T/good.jsonl" >"$T/stdin.out" 2>&1
expect_eq "the same batch on standard input changes nothing either" \
    "0 $S1" "$? $(soa_serial)"

# ---- bad lines: every one reported, nothing committed ----
cat >"$T/bad.jsonl" <<EOF
{"op":"report","addr":"203.0.113.1","source":"s","at":"$A3"}
{"op":"report","addr":"192.168.1.1","source":"s","at":"$A3"}
not json
{"op":"report","addr":"203.0.113.2","zone":"nope.example.org"}
{"op":"report","addr":"203.0.0.0/8","at":"$A3"}
{"op":"report","addr":"203.0.113.3","at":"$(iso $((NOW + 86400)))"}
{"op":"report","addr":"127.0.0.5"}
{"op":"report","addr":"203.0.113.4","code":"10.0.0.1"}
{"op":"delist","addr":"203.0.113.5"}
{"op":"report","addr":"203.0.113.6","colour":"red"}
{"op":"report","addr":"203.0.113.7","at":"$A3","source":"s"}
EOF
rb ingest "$T/bad.jsonl"
expect_eq "bad lines: exit 1" 1 "$RB_RC"
expect_eq "every bad line reported as FILE:LINE, in order" "2 3 4 5 6 7 8 9 10" \
    "$(printf '%s\n' "$RB_ERR" | sed -n "s|^$T/bad.jsonl:\([0-9]*\): .*|\1|p" | tr '\n' ' ' | sed 's/ $//')"
expect_match "never-list refusal says why" \
    "^$T/bad.jsonl:2: 192.168.1.1 is inside never-list 192.168.0.0/16" "$RB_ERR"
expect_match "max-range refusal says what to do" "^$T/bad.jsonl:5: .*--force" "$RB_ERR"
expect_match "unknown field named" "^$T/bad.jsonl:10: unknown field \"colour\"" "$RB_ERR"
expect_match "the summary says nothing was committed" "9 bad; nothing committed" "$RB_OUT"
rb list --json
if [ "$RB_OUT" = "$L1" ]; then
	ok "list --json byte-identical after the refused batch"
else
	not_ok "list --json byte-identical after the refused batch" "$(diff <(echo "$L1") <(echo "$RB_OUT"))"
fi
expect_eq "serial unchanged after the refused batch" "$S1" "$(soa_serial)"
expect_eq "its good line is not served" NXDOMAIN "$(dns_status 1.113.0.203.$ZONE A)"

# One bad line among good ones is enough: the store is as before, to the byte.
cat >"$T/onebad.jsonl" <<EOF
{"op":"report","addr":"203.0.113.20","source":"s","at":"$A3"}
{"op":"delist","addr":"192.0.2.1","reason":"fixed","at":"$A3"}
{"op":"report","addr":"192.168.7.7","source":"s","at":"$A3"}
{"op":"report","addr":"203.0.113.21","source":"s","at":"$A3"}
EOF
rb stats --json; ST1=$RB_OUT
rb ingest "$T/onebad.jsonl"
expect_eq "one bad line: exit 1, that line named" "1 $T/onebad.jsonl:3:" \
    "$RB_RC $(printf '%s\n' "$RB_ERR" | grep -o "^$T/onebad.jsonl:[0-9]*:")"
rb list --json
if [ "$RB_OUT" = "$L1" ]; then
	ok "list --json byte-identical after a batch with one bad line"
else
	not_ok "list --json byte-identical after a batch with one bad line" "$(diff <(echo "$L1") <(echo "$RB_OUT"))"
fi
rb stats --json
expect_eq "stats --json unchanged after it" "$ST1" "$RB_OUT"
expect_eq "serial unchanged after it" "$S1" "$(soa_serial)"
expect_eq "its good lines are not applied" "NXDOMAIN 127.0.0.2" \
    "$(dns_status 20.113.0.203.$ZONE A) $(dns_short 1.2.0.192.$ZONE A)"

# ---- --dry-run: what would change, nothing changes ----
cat >"$T/more.jsonl" <<EOF
{"op":"report","addr":"203.0.113.8","source":"s","at":"$A3"}
{"op":"report","addr":"192.0.2.1","source":"trap-9","at":"$A3"}
{"op":"delist","addr":"192.0.2.2","reason":"fixed","at":"$A3"}
EOF
rb ingest --dry-run "$T/more.jsonl"
expect_eq "dry run exits 0" 0 "$RB_RC"
expect_eq "dry run says what would change" \
    "$T/more.jsonl: 3 lines, 3 applied: 1 new, 1 refreshed, 0 duplicate, 0 outranked, 1 delisted, 0 excepted, 0 not listed; 0 bad; dry run, nothing committed, 1 zone would change" \
    "$RB_OUT"
rb list --json
expect_eq "dry run: list --json unchanged" "$L1" "$RB_OUT"
expect_eq "dry run: serial unchanged" "$S1" "$(soa_serial)"
rb ingest --dry-run "$T/bad.jsonl"
expect_eq "dry run of a bad file exits 1" 1 "$RB_RC"
rb ingest --dry-run --keep-going "$T/bad.jsonl"
expect_eq "dry run --keep-going of a bad file exits 3" 3 "$RB_RC"
rb list --json
expect_eq "still unchanged" "$L1" "$RB_OUT"

# ---- --keep-going: the good lines are committed, exit 3 ----
rb ingest --keep-going "$T/bad.jsonl"
expect_eq "--keep-going with bad lines exits 3" 3 "$RB_RC"
expect_match "--keep-going summary" "2 applied: 2 new.*9 bad; committed, 1 zone changed" "$RB_OUT"
expect_eq "--keep-going still reports every bad line" 9 \
    "$(printf '%s\n' "$RB_ERR" | grep -c "^$T/bad.jsonl:[0-9]*: ")"
if poll_until 10 dns_is 127.0.0.2 1.113.0.203.$ZONE A; then
	ok "--keep-going: the good lines are answered"
else
	not_ok "--keep-going: the good lines are answered" "$(dq 1.113.0.203.$ZONE A)"
fi
expect_eq "--keep-going: the last good line too" 127.0.0.2 "$(dns_short 7.113.0.203.$ZONE A)"
expect_eq "--keep-going: a refused line is not" NXDOMAIN "$(dns_status 1.1.168.192.$ZONE A)"
expect_eq "--keep-going: one commit" $((S1 + 1)) "$(soa_serial)"

# ---- standard input names itself; errors are capped ----
printf '%s\n' '{"op":"report","addr":"203.0.113.9","at":"'"$A3"'"}' '{"op":"report"}' |
    "$RBLDB" -c "$CONF" ingest - >"$T/in.out" 2>"$T/in.err"
expect_eq "stdin: exit 1" 1 "$?"
expect_eq "stdin: errors name <stdin>" '<stdin>:2: missing "addr" (or "name")' "$(head -n 1 "$T/in.err")"
python3 -c 'print("{\"op\":\"report\",\"addr\":\"203.0.113.9\",\"reason\":\"" + "x" * 200000 + "\"}")
print("{\"op\":\"report\",\"addr\":\"203.0.113.9\",\"reason\":\"" + "x" * 4001 + "\"}")' |
    "$RBLDB" -c "$CONF" ingest - >"$T/in.out" 2>"$T/in.err"
expect_eq "an endless line and an over-long reason are refused" \
    "<stdin>:1: line longer than 100096 octets
<stdin>:2: reason is 4001 octets long (at most 4000)" "$(head -n 2 "$T/in.err")"
for i in $(seq 1 150); do echo '{"op":"nope"}'; done >"$T/many.jsonl"
rb ingest "$T/many.jsonl"
expect_eq "100 bad lines printed" 100 "$(printf '%s\n' "$RB_ERR" | grep -c 'unknown op')"
expect_match "the rest counted" "^$T/many.jsonl: 50 more bad lines suppressed" "$RB_ERR"
expect_match "the summary has them all" "150 bad" "$RB_OUT"

# ---- usage ----
rb ingest
expect_eq "ingest without FILE: exit 2" 2 "$RB_RC"
rb ingest --frobnicate "$T/good.jsonl"
expect_eq "ingest with an unknown option: exit 2" 2 "$RB_RC"
rb ingest "$T/does-not-exist"
expect_eq "ingest of a missing file: exit 1" 1 "$RB_RC"

# ---- progress on a terminal (script(1) gives it one) ----
if command -v script >/dev/null 2>&1; then
	python3 - "$T/progress.jsonl" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write('{"op":"report","addr":"100.%d.%d.%d","source":"p"}\n' % (64 + (i >> 16), (i >> 8) & 255, i & 255))
EOF
	script -qec "exec $RBLDB -c $CONF ingest --dry-run $T/progress.jsonl" "$T/tty.log" \
	    >/dev/null 2>&1 </dev/null
	expect_match "on a terminal: progress with lines and rate" \
	    "progress.jsonl: [0-9]+ lines, [0-9]+ lines/s" "$(tr '\r' '\n' <"$T/tty.log")"
else
	not_ok "script(1) is installed" "apt-get install bsdutils"
fi


# ---- order: reports are applied sorted by address, delistings in file order ----
T1=$(iso $((NOW - 600))); T2=$(iso $((NOW - 300)))
cat >"$T/order.jsonl" <<EOF
{"op":"report","addr":"203.0.113.5","source":"o","at":"$T1"}
{"op":"delist","addr":"203.0.113.0/24","reason":"range closed","at":"$T2"}
{"op":"delist","addr":"198.18.0.7","reason":"closed","at":"$T1"}
{"op":"report","addr":"198.18.0.0/24","source":"o","at":"$T2"}
{"op":"report","addr":"198.18.0.200","source":"o","at":"$T1"}
EOF
rb_ok "a batch mixing ranges, reports and delistings" ingest "$T/order.jsonl"
poll_until 10 dns_is 127.0.0.2 9.0.18.198.$ZONE A
expect_eq "a report before a later range delisting is delisted" NXDOMAIN \
    "$(dns_status 5.113.0.203.$ZONE A)"
expect_eq "a delisting before a later range report leaves it listed by the range" 127.0.0.2 \
    "$(dns_short 7.0.18.198.$ZONE A)"
expect_eq "a report after a range, earlier in key order, is listed" 127.0.0.2 \
    "$(dns_short 200.0.18.198.$ZONE A)"

stop_server
finish
