#!/bin/bash
# Keyed access (SPEC "Keyed access"): the real rbldbd and rbldb with dig.
# A zone with keys = allowed answers ADDR.KEY.ZONE as ADDR.ZONE for a valid
# key and its key-refusal (a fixed A and TXT) for unknown and disabled keys;
# `rbldb key disable` and `key add` are answered without reload; a zone with
# keys = required refuses queries without a key; the test points work under
# a key; a qps limit refuses the excess; the metrics name keys by a prefix
# and the query log never holds a whole key; `rbldb key show` reports the
# usage rbldbd folded into the store (at the latest when it stops).
# [server] keys and key-refusal are the default of zones that say nothing
# (PLAIN); [server] key-day-start moves the quota day, as `key show` dates
# the usage by the day it started.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

KEY=customer0one0key
REQ=required.example.org
PLAIN=plain.example.org
write_apex "$T/$REQ.zone" "$REQ"
write_apex "$T/$PLAIN.zone" "$PLAIN"
# Quota days from 23:59 UTC: before then, today's queries count on yesterday's.
DAYSTART=23:59
sed -i "s|^threads = 2|threads = 2\nmetrics = 127.0.0.1:0\nquery-log = queries.log\nkeys = required\nkey-refusal = nxdomain\nkey-day-start = $DAYSTART|" "$CONF"
cat >>"$CONF" <<EOF
keys = allowed
key-refusal = 127.255.255.254 "key over quota"

allow-transfer = 127.0.0.2 serve-keys

[zone $REQ]
apex = $REQ.zone
family = ipv4
keys = required
key-refusal = refuse

[zone $PLAIN]
apex = $PLAIN.zone
family = ipv4
EOF

# ---- the CLI ----

rb_ok "key add" key add "$KEY" --customer "ACME Mail" --zone "$ZONE" --zone "$REQ"
expect_eq "key add says what it added" "added key $KEY" "$RB_OUT"
rb key add "short"
expect_eq "a label of 5 octets is refused with exit 2" 2 "$RB_RC"
expect_match "the refusal says the label rule" "8 to 63 octets of a-z, 0-9 and '-'" "$RB_ERR"
rb key add "$KEY"
expect_eq "a second key add of the label fails" 1 "$RB_RC"
rb_ok "key add a limited key" key add limited0key1 --qps 2
rb_ok "key show" key show "$KEY"
expect_match "key show names the customer" "customer  ACME Mail" "$RB_OUT"
rb_ok "key show --json" key show "$KEY" --json
expect_eq "key show --json: the zones" "$ZONE $REQ" \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["zones"]))')"
rb_ok "key list --json" key list --json
expect_eq "key list --json: two keys" 2 \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
rb_ok "report 192.0.2.5" report 192.0.2.5 --zone "$ZONE" --reason "seen spamming"
rb_ok "report 192.0.2.5 in $REQ" report 192.0.2.5 --zone "$REQ"
rb_ok "report 192.0.2.5 in $PLAIN" report 192.0.2.5 --zone "$PLAIN"
rb_ok "a key for $PLAIN" key add plain0zone0key --zone "$PLAIN"

start_server || finish

# ---- queries ----

check "unkeyed query answers as before" dns_is 127.0.0.2 "5.2.0.192.$ZONE" A
check "a valid key: the listing's A" dns_is 127.0.0.2 "5.2.0.192.$KEY.$ZONE" A
check "a valid key: the listing's TXT" dns_is '"seen spamming"' "5.2.0.192.$KEY.$ZONE" TXT
check "a valid key in upper case" dns_is 127.0.0.2 "5.2.0.192.CUSTOMER0ONE0KEY.$ZONE" A
check "a valid key: not listed is NXDOMAIN" dns_status_is NXDOMAIN "6.2.0.192.$KEY.$ZONE" A
check "test point 127.0.0.2 under a key" dns_is 127.0.0.2 "2.0.0.127.$KEY.$ZONE" A
check "test point 127.0.0.1 under a key" dns_status_is NXDOMAIN "1.0.0.127.$KEY.$ZONE" A
check "an unknown key: the key-refusal A" dns_is 127.255.255.254 "5.2.0.192.unknown0key.$ZONE" A
check "an unknown key: the key-refusal TXT" dns_is '"key over quota"' "5.2.0.192.unknown0key.$ZONE" TXT
check "an unknown key: never the data of a test point" \
    dns_is 127.255.255.254 "2.0.0.127.unknown0key.$ZONE" A
check "keys = required: no key is REFUSED" dns_status_is REFUSED "5.2.0.192.$REQ" A
check "keys = required: a valid key answers" dns_is 127.0.0.2 "5.2.0.192.$KEY.$REQ" A
check "keys = required: the apex needs no key" dns_status_is NOERROR "$REQ" SOA
check "[server] keys = required: a zone without keys needs one" \
    dns_status_is NXDOMAIN "5.2.0.192.$PLAIN" A
check "[server] key-refusal: a zone without its own answers nxdomain" \
    dns_status_is NXDOMAIN "5.2.0.192.unknown0key.$PLAIN" A
check "[server] keys: a valid key answers in a zone without keys" \
    dns_is 127.0.0.2 "5.2.0.192.plain0zone0key.$PLAIN" A

# ---- secondaries: the keys go only to one configured to serve them ----

axfr() { dig @127.0.0.1 -p "$PORT" -b "$1" +tries=1 +time=5 "$ZONE" AXFR; }
out=$(axfr 127.0.0.1)
expect_match "AXFR to a secondary: the listing" "5\.2\.0\.192\.$ZONE\..*127\.0\.0\.2" "$out"
check_not "AXFR to a secondary without serve-keys: no key" grep -qi "$KEY" <<<"$out"
out=$(axfr 127.0.0.2)
expect_match "AXFR to a secondary with serve-keys: KEY.ZONE DNAME ZONE" \
    "^$KEY\.$ZONE\.[[:space:]].*DNAME[[:space:]]$ZONE\." "$out"
check_not "serve-keys: a key not for this zone is not sent" grep -q "plain0zone0key" <<<"$out"
expect_match "serve-keys: the listing too" "5\.2\.0\.192\.$ZONE\." "$out"
ixfr=$(dig @127.0.0.1 -p "$PORT" -b 127.0.0.2 +tries=1 +time=5 "$ZONE" "IXFR=1")
expect_match "serve-keys: an IXFR is answered with the whole zone and its keys" \
    "^$KEY\.$ZONE\.[[:space:]].*DNAME" "$ixfr"

rb_ok "key disable" key disable "$KEY"
check_disabled() { dns_is 127.255.255.254 "5.2.0.192.$KEY.$ZONE" A; }
check "a disabled key gets the key-refusal, without reload" poll_until 10 check_disabled
rb_ok "key enable" key enable "$KEY"
check_enabled() { dns_is 127.0.0.2 "5.2.0.192.$KEY.$ZONE" A; }
check "an enabled key answers again" poll_until 10 check_enabled
rb_ok "key add a new key" key add late0comer0key
check_new() { dns_is 127.0.0.2 "5.2.0.192.late0comer0key.$ZONE" A; }
check "a new key answers without reload" poll_until 10 check_new
# A key for every zone without limits takes the fast path: disabling it still refuses.
rb_ok "key disable a key for every zone" key disable late0comer0key
check_new_off() { dns_is 127.255.255.254 "5.2.0.192.late0comer0key.$ZONE" A; }
check "a disabled key for every zone gets the key-refusal" poll_until 10 check_new_off
rb_ok "key remove" key remove late0comer0key
check_gone() { dns_is 127.255.255.254 "5.2.0.192.late0comer0key.$ZONE" A; }
check "a removed key gets the key-refusal" poll_until 10 check_gone

# qps 2: five queries sent at once in one dig process; at least one is refused.
out=$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 +norec +short \
    5.2.0.192.limited0key1.$ZONE A 5.2.0.192.limited0key1.$ZONE A \
    5.2.0.192.limited0key1.$ZONE A 5.2.0.192.limited0key1.$ZONE A \
    5.2.0.192.limited0key1.$ZONE A 5.2.0.192.limited0key1.$ZONE A)
expect_match "a key over its qps limit gets the key-refusal" "127.255.255.254" "$out"
expect_match "the same key within its limit gets the data" "127.0.0.2" "$out"

# ---- metrics and the query log ----

MPORT=$(sed -n 's|.*metrics: serving http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$SERVER_LOG")
python3 - "http://127.0.0.1:$MPORT/metrics" >"$T/metrics.txt" <<'EOF'
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
EOF
expect_match "metrics: per-key queries by prefix" \
    'rbldb_key_queries_total\{key="cust",hash="[0-9a-f]{16}"\} [1-9]' "$(cat "$T/metrics.txt")"
expect_match "metrics: per-key refusals" \
    'rbldb_key_refusals_total\{key="limi",hash="[0-9a-f]{16}"\} [1-9]' "$(cat "$T/metrics.txt")"
check_not "metrics never hold a whole key" grep -q "$KEY" "$T/metrics.txt"

stop_server
rb_ok "key show --json after the server stopped" key show limited0key1 --json
expect_eq "key show: today's queries and refusals of the limited key" "6" \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; u = json.load(sys.stdin)["usage"][-1]; print(u["queries"] + u["refusals"])')"
rb_ok "key show (text) reports usage" key show "$KEY"
# The quota day began at $DAYSTART UTC yesterday, unless that minute is now.
if [ "$(date -u +%H:%M)" = "$DAYSTART" ]; then
	DAY=$(date -u +%Y-%m-%d)
else
	DAY=$(date -u -d yesterday +%Y-%m-%d)
fi
expect_match "key show: usage on the quota day of key-day-start" \
    "^  $DAY  queries [1-9][0-9]*  hits [1-9]" "$RB_OUT"
rb_ok "key remove" key remove limited0key1
rb key show limited0key1
expect_eq "a removed key is not shown" 1 "$RB_RC"
expect_match "the query log names the key by its prefix" "5\.2\.0\.192\.cust\*+\.$ZONE" \
    "$(cat "$T/queries.log")"
check_not "the query log never holds a whole key" grep -q "$KEY" "$T/queries.log"
finish
