#!/bin/bash
# allow-transfer and TSIG (RFC 8945): who gets a zone transfer, the errors the
# others get, signed answers to signed queries, and the transfer deadline.
. "$(dirname "$0")/lib.sh"
need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

SECRET=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
WRONG=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
OTHER=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
sed -i '/^allow-transfer = 127.0.0.1$/d' "$CONF"
sed -i 's/^threads = 2$/threads = 2\nxfr-timeout = 3s/' "$CONF"
sed -i "s/^\[zone $ZONE\]\$/[zone $ZONE]\nallow-transfer = 127.0.0.1 key xfr, 127.0.0.4/" "$CONF"
cat >>"$CONF" <<EOF

[key xfr]
algorithm = hmac-sha256
secret = $SECRET

[key other]
algorithm = hmac-sha256
secret = $OTHER
EOF

probe() { python3 "$E2E_DIR/xfr_probe.py" "$PORT" "$ZONE" "$@"; }
# axfr_soas [DIG-OPTIONS...]: SOA records in a dig AXFR (2 for a complete transfer).
axfr_soas() { dq "$ZONE" AXFR +nocmd +nostats +nocomments "$@" | grep -c 'IN[[:space:]]*SOA'; }

rb_ok "seed" report 192.0.2.5
start_server || finish

expect_eq "signed with the key: transfer" "2" "$(axfr_soas -y "hmac-sha256:xfr:$SECRET")"
out=$(dq "$ZONE" AXFR -y "hmac-sha256:xfr:$SECRET")
expect_match "the signed transfer is signed with the key" "^xfr\.[[:space:]].*TSIG.*NOERROR" "$out"
expect_no_match "dig verifies every signed message" "verify|BADSIG|failed" "$out"
expect_eq "unsigned from 127.0.0.1, where the key is needed: REFUSED" \
    "rcode=REFUSED tsig=none" "$(probe)"
expect_eq "signed with a wrong secret: NOTAUTH BADSIG" "rcode=NOTAUTH tsig=BADSIG" \
    "$(probe --key "xfr:$WRONG")"
expect_match "dig -y with a wrong secret sees BADSIG" "BADSIG" \
    "$(dq "$ZONE" AXFR -y "hmac-sha256:xfr:$WRONG")"
expect_eq "signed with an unknown key: NOTAUTH BADKEY" "rcode=NOTAUTH tsig=BADKEY" \
    "$(probe --key "nokey:$SECRET")"
expect_match "dig -y with an unknown key sees BADKEY" "BADKEY" \
    "$(dq "$ZONE" AXFR -y "hmac-sha256:nokey:$SECRET")"
expect_eq "signed 1000 s in the past: NOTAUTH BADTIME" "rcode=NOTAUTH tsig=BADTIME" \
    "$(probe --key "xfr:$SECRET" --skew -1000)"
expect_eq "signed 290 s ahead, inside the fudge: transfer" "rcode=NOERROR tsig=NOERROR" \
    "$(probe --key "xfr:$SECRET" --skew 290)"
expect_eq "a known key that allow-transfer does not name: REFUSED, signed" \
    "rcode=REFUSED tsig=NOERROR" "$(probe --key "other:$OTHER")"
expect_eq "from 127.0.0.2, in no item: REFUSED" "rcode=REFUSED tsig=none" \
    "$(probe --src 127.0.0.2)"
expect_eq "from 127.0.0.2, even signed: REFUSED" "rcode=REFUSED tsig=NOERROR" \
    "$(probe --src 127.0.0.2 --key "xfr:$SECRET")"
expect_eq "from 127.0.0.4, an item without a key: transfer" "2" "$(axfr_soas -b 127.0.0.4)"
expect_eq "dig -b 127.0.0.2 is refused" "0" "$(axfr_soas -b 127.0.0.2)"

# Signed queries get signed answers, over UDP and TCP.
n=$(rname 192.0.2.5)
for tr in +notcp +tcp; do
	out=$(dq "$n" A -y "hmac-sha256:xfr:$SECRET" $tr)
	expect_match "signed A query ($tr): answered" "^$n\.[[:space:]].*127\.0\.0\.2" "$out"
	expect_match "signed A query ($tr): answer signed with the key" "^xfr\.[[:space:]].*TSIG.*NOERROR" "$out"
	expect_no_match "signed A query ($tr): dig verifies the answer" "verify" "$out"
done
expect_match "signed query with a wrong secret: NOTAUTH" "status: NOTAUTH" \
    "$(dq "$n" A -y "hmac-sha256:xfr:$WRONG")"

# A client that stops reading: the transfer deadline (xfr-timeout = 3s) cuts it off,
# and the other clients are served meanwhile.
python3 - >"$T/big.jsonl" <<'EOF'
for k in range(100000):
    print('{"op":"report","addr":"11.%d.%d.%d","source":"gen"}' % (k // 40000, k // 200 % 200, 1 + k % 200))
EOF
rb_ok "a zone of 100,000 entries" ingest --force "$T/big.jsonl"
probe --src 127.0.0.4 --stall 6 >"$T/stall.out" 2>&1 &
stall=$!
sleep 1
check "queries answered while a transfer is stalled" dns_is 127.0.0.2 "$n" A
wait $stall
expect_match "the stalled transfer is closed at the deadline" "^closed after" "$(cat "$T/stall.out")"
expect_match "rbldbd logs the deadline" "transfer not done after 3 s" "$(cat "$SERVER_LOG")"
log_has() { grep -q "$1" "$SERVER_LOG"; }
check "rbldbd logs the transfer it abandoned" poll_until 10 log_has \
    "AXFR $ZONE to 127.0.0.4.* abandoned, the connection closed"
expect_eq "a full transfer still works afterwards" "2" "$(axfr_soas -b 127.0.0.4)"
stop_server

# Only xfr-timeout bounds a transfer, not tcp-idle-timeout: a secondary that
# pauses longer than the idle timeout (or a large zone whose next message
# takes that long) still gets the whole zone; afterwards the connection is
# idle again and closed on time.
sed -i 's/^xfr-timeout = 3s$/xfr-timeout = 60s\ntcp-idle-timeout = 1s/' "$CONF"
start_server || finish
expect_match "a transfer paused 3 s, three times the idle timeout, completes; then the idle connection is closed" \
    "^complete, [0-9]+ messages, then closed by the server" "$(probe --src 127.0.0.4 --pause 3)"

stop_server
finish
