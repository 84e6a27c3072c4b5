#!/bin/bash
# The max-change guard (SPEC "Command lines", issue 18): a commit that adds or
# removes more listings of a zone than its max-change (default the larger of
# 1000 and 5% of the zone) is refused with the count unless --force, on every
# command that changes the store (report range, delist, ingest, import,
# expire, purge, revert); --dry-run says so; rbldbd's own expiry commits are
# exempt, and logged.
. "$(dirname "$0")/lib.sh"
need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)

# gen N FIRST [SOURCE] [AT] [LIFETIME]: N reports of distinct addresses from the FIRST-th on.
gen() {
	python3 - "$@" <<'EOF'
import sys
n, first = int(sys.argv[1]), int(sys.argv[2])
src = sys.argv[3] if len(sys.argv) > 3 else "feed"
extra = ''
if len(sys.argv) > 4:
    extra += ',"at":"%s"' % sys.argv[4]
if len(sys.argv) > 5:
    extra += ',"lifetime":"%s"' % sys.argv[5]
for k in range(first, first + n):
    print('{"op":"report","addr":"11.%d.%d.%d","source":"%s"%s}' % (k >> 16 & 255, k >> 8 & 255, k & 255, src, extra))
EOF
}

serial_now() { "$RBLDB" -c "$CONF" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])'; }
listed_now() { "$RBLDB" -c "$CONF" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["listed"])'; }
log_lines() { "$RBLDB" -c "$CONF" log | grep -c '^commit'; }

# ---- the default: 1000, or 5% of a larger zone ----
gen 1001 0 >"$T/1001.jsonl"
S0=$(serial_now)
rb ingest "$T/1001.jsonl"
expect_eq "ingest of 1001 new listings into an empty zone: refused" 1 "$RB_RC"
expect_eq "with the count, the zone and the limit" \
    "rbldb: ingest: would add 1001 listings to $ZONE, over max-change 1000; nothing committed (add --force to do it)" \
    "$RB_ERR"
expect_eq "nothing committed: serial unchanged" "$S0" "$(serial_now)"
expect_eq "nothing committed: no commit in the log" 0 "$(log_lines)"
rb ingest --dry-run "$T/1001.jsonl"
expect_eq "ingest --dry-run exits 0" 0 "$RB_RC"
expect_match "ingest --dry-run says the guard would refuse it" \
    "^note: would add 1001 listings to $ZONE, over max-change 1000: refused without --force$" "$RB_OUT"
gen 1000 0 >"$T/1000.jsonl"
rb_ok "1000 new listings: at the limit, committed" ingest "$T/1000.jsonl"
rb_ok "the rest with --force" ingest --force "$T/1001.jsonl"
gen 40000 2000 >"$T/40k.jsonl"
rb_ok "40,000 more with --force" ingest --force "$T/40k.jsonl"
expect_eq "41,001 listings" 41001 "$(listed_now)"
gen 2050 50000 >"$T/2050.jsonl"
rb_ok "2050 new listings in a zone of 41,001: under 5% (2050), committed" ingest "$T/2050.jsonl"
gen 2200 60000 >"$T/2200.jsonl"
rb ingest "$T/2200.jsonl"
expect_eq "2200 new listings in a zone of 43,051: refused" \
    "rbldb: ingest: would add 2200 listings to $ZONE, over max-change 2152; nothing committed (add --force to do it)" \
    "$RB_ERR"

# ---- delist: a wide delisting ----
S1=$(serial_now)
rb delist 11.0.0.0/16 --reason oops
expect_eq "delist 11.0.0.0/16 (within max-range): refused" 1 "$RB_RC"
expect_eq "with the count of listings it would remove" \
    "rbldb: delist: would remove 43051 listings from $ZONE, over max-change 2152; nothing committed (add --force to do it)" \
    "$RB_ERR"
expect_eq "delist refused: serial unchanged" "$S1" "$(serial_now)"
rb delist 11.0.0.0/16 --reason oops --dry-run
expect_match "delist --dry-run notes the guard" \
    "^note: would remove 43051 listings from $ZONE, over max-change 2152: refused without --force$" \
    "$RB_OUT"
rb delist 11.0.0.0/16 --reason "range closed" --force
expect_eq "delist --force: done" 0 "$RB_RC"
expect_eq "delist --force: one commit" "$((S1 + 1))" "$(serial_now)"

# ---- a zone's own max-change ----
sed -i "s/^max-range = 16$/max-range = 16\nmax-change = 5 0%/" "$CONF"
rb report 192.0.2.0/29 --force
expect_eq "one report adds one listing: under max-change 5" 0 "$RB_RC"
cat >"$T/six.jsonl" <<EOF
{"op":"report","addr":"198.51.100.1"}
{"op":"report","addr":"198.51.100.2"}
{"op":"report","addr":"198.51.100.3"}
{"op":"report","addr":"198.51.100.4"}
{"op":"report","addr":"198.51.100.5"}
{"op":"report","addr":"198.51.100.6"}
EOF
rb ingest "$T/six.jsonl"
expect_eq "max-change = 5 0%: six listings refused" \
    "rbldb: ingest: would add 6 listings to $ZONE, over max-change 5; nothing committed (add --force to do it)" \
    "$RB_ERR"
rb_ok "with --force" ingest --force "$T/six.jsonl"
rb delist 198.51.100.0/24 --reason "farm closed"
expect_eq "delist of the six: refused" \
    "rbldb: delist: would remove 6 listings from $ZONE, over max-change 5; nothing committed (add --force to do it)" \
    "$RB_ERR"
printf '198.51.101.%d\n' 1 2 3 4 5 6 7 >"$T/seven.rbldnsd"
rb import --format rbldnsd "$T/seven.rbldnsd"
expect_eq "import adding over max-change: refused" \
    "rbldb: import: would add 7 listings to $ZONE, over max-change 5; nothing committed (add --force to do it)" \
    "$RB_ERR"
expect_eq "import refused: exit 1" 1 "$RB_RC"
rb_ok "import --force" import --format rbldnsd --force "$T/seven.rbldnsd"

# purge: the six rest only on an unnamed source, so purge a source of its own
gen 6 70000 "bad-feed" >"$T/bad.jsonl"
rb_ok "six listings of a bad feed" ingest --force "$T/bad.jsonl"
rb purge --source bad-feed
expect_eq "purge removing six: refused" \
    "rbldb: purge: would remove 6 listings from $ZONE, over max-change 5; nothing committed (add --force to do it)" \
    "$RB_ERR"
rb_ok "purge --force" purge --source bad-feed --force

# expire: six listings that expired a day ago
gen 6 80000 "old" "$(iso $((NOW - 2 * 86400)))" "1d" >"$T/old.jsonl"
rb_ok "six listings that expired" ingest --force "$T/old.jsonl"
rb expire
expect_eq "expire removing six: refused" \
    "rbldb: expire: would remove 6 listings from $ZONE, over max-change 5; nothing committed (add --force to do it)" \
    "$RB_ERR"

# revert: undoing the six-listing ingest removes six
C=$("$RBLDB" -c "$CONF" log | sed -n 's/^commit \([0-9]*\) .* ingest --force .*six\.jsonl$/\1/p')
rb revert "$C"
expect_eq "revert removing six: refused" \
    "rbldb: revert: would remove 6 listings from $ZONE, over max-change 5; nothing committed (add --force to do it)" \
    "$RB_ERR"
rb_ok "revert --force" revert "$C" --force

# ---- rbldbd's own expiry: exempt, and logged ----
start_server || finish
if poll_until 90 grep -q "expired 6 listings" "$SERVER_LOG"; then
	ok "rbldbd commits the expiry of six listings over max-change 5"
else
	not_ok "rbldbd commits the expiry of six listings over max-change 5" "$(tail -n 5 "$SERVER_LOG")"
fi
expect_match "and logs that it went over" \
    "expiry removed 6 listings from $ZONE, over max-change 5: rbldbd's own expiry is exempt, committed" \
    "$(cat "$SERVER_LOG")"
stop_server

# ---- the key's syntax ----
for v in "5" "10%" "5 10%" "10% 5"; do
	sed -i "s/^max-change = .*/max-change = $v/" "$CONF"
	rb stats
	expect_eq "max-change = $v is read" 0 "$RB_RC"
done
for v in "abc" "5%%" "101%" "5 6" "-1"; do
	sed -i "s/^max-change = .*/max-change = $v/" "$CONF"
	rb stats
	expect_match "max-change = $v is refused with the line" \
	    "test\.conf:[0-9]+: max-change '.*' is not a number of listings" "$RB_ERR"
done

finish
