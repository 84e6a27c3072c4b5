#!/bin/bash
# IXFR (RFC 1995): the difference is exact, its size does not grow with the zone,
# and the edge cases (same serial, unknown serial, UDP) answer as the RFC says.
. "$(dirname "$0")/lib.sh"
need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# gen_jsonl N FIRST: N reports of distinct addresses, the k-th inside 11.0.0.0/8 and up.
gen_jsonl() {
	python3 - "$1" "$2" <<'EOF'
import sys
n, first = int(sys.argv[1]), int(sys.argv[2])
for k in range(first, first + n):
    a = "%d.%d.%d.%d" % (11 + k // (250 * 250 * 200), k // (250 * 200) % 250, k // 200 % 250, 1 + k % 200)
    print('{"op":"report","addr":"%s","source":"gen"}' % a)
EOF
}

# ixfr_bytes SERIAL: the size of the IXFR answer from SERIAL, as dig counts it.
ixfr_bytes() {
	dq "$ZONE" IXFR="$1" | sed -n 's/.*XFR size: .*bytes \([0-9]*\)).*/\1/p'
}

start_server || finish

# Edge cases first, on the small zone.
serial=$(soa_serial)
expect_eq "IXFR at the current serial: the SOA alone" "1" \
    "$(dq "$ZONE" IXFR="$serial" +nocmd +nostats +nocomments | grep -c SOA)"
expect_match "IXFR over UDP: the SOA (RFC 1995 s2)" "$ZONE\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA.* $serial " \
    "$(dq "$ZONE" IXFR="$serial" +notcp)"
rb_ok "a first change" report 192.0.2.1
old=$((serial - 5))
ans=$(dq "$ZONE" IXFR="$old" +nocmd +nostats +nocomments)
expect_eq "IXFR from a serial the journal does not have: the whole zone (RFC 1995 s4)" \
    "NS" "$(echo "$ans" | awk 'NR == 2 { print $4 }')"

# Random batches: the IXFR applied to the old AXFR gives the new AXFR.
python3 "$E2E_DIR/ixfr_check.py" "$RBLDB" "$CONF" "$PORT" "$ZONE" 25 7 $((ntest + 1)) \
    >"$T/check.out" 2>&1
rc=$?
cat "$T/check.out"
npass=$((npass + $(grep -c '^ok' "$T/check.out")))
nfail=$((nfail + $(grep -c '^not ok' "$T/check.out")))
ntest=$((ntest + $(grep -c '^ok\|^not ok' "$T/check.out")))
[ $rc -eq 0 ] || not_ok "ixfr_check.py exits 0" "exit $rc"

# The IXFR of one change is as big at 100,000 entries as at 10,000.
gen_jsonl 10000 0 >"$T/10k.jsonl"
gen_jsonl 90000 10000 >"$T/90k.jsonl"
rb_ok "ingest 10,000 entries" ingest --force "$T/10k.jsonl"
s1=$(soa_serial)
rb_ok "one change at 10,000 entries" report 203.0.113.10 --reason "one change"
poll_until 10 sh -c "[ \"\$(dig @127.0.0.1 -p $PORT +short $ZONE SOA | awk '{print \$3}')\" != $s1 ]"
t0=$(date +%s%N)
b1=$(ixfr_bytes "$s1")
t1=$(date +%s%N)
rb_ok "ingest 90,000 more" ingest --force "$T/90k.jsonl"
s2=$(soa_serial)
rb_ok "one change at 100,000 entries" report 203.0.113.11 --reason "one change"
poll_until 10 sh -c "[ \"\$(dig @127.0.0.1 -p $PORT +short $ZONE SOA | awk '{print \$3}')\" != $s2 ]"
t2=$(date +%s%N)
b2=$(ixfr_bytes "$s2")
t3=$(date +%s%N)
echo "# IXFR for one change: $b1 bytes at 10,000 entries ($(((t1 - t0) / 1000000)) ms)," \
    "$b2 bytes at 100,000 ($(((t3 - t2) / 1000000)) ms)"
expect_match "IXFR size measured" "^[0-9]+$" "$b1"
expect_eq "IXFR for one change: same size at 10,000 and 100,000 entries" "$b1" "$b2"
axfr=$(dq "$ZONE" AXFR | sed -n 's/.*XFR size: \([0-9]*\) records.*/\1/p')
echo "# AXFR at 100,000 entries: $axfr records"
expect_match "AXFR at 100,000 entries has them all" "^[0-9]{6,}$" "$axfr"

stop_server
finish
