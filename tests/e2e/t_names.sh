#!/bin/bash
# Name-based zones (RHSBL, RFC 5782 s3) and aggregate zones (s2.3), end to
# end: rbldb reports, delists, ingests, shows and expires names; rbldbd
# answers them case-insensitively with the test points, transfers them
# (AXFR, IXFR) and answers an aggregate's union with one A per member.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

DBL=dbl.example.org
ZEN=zen.example.org
ZEN2=zenbits.example.org
write_apex "$T/$DBL.zone" "$DBL"
write_apex "$T/$ZEN.zone" "$ZEN"
write_apex "$T/$ZEN2.zone" "$ZEN2"
cat >>"$CONF" <<EOF

[zone $DBL]
apex = $DBL.zone
kind = names
code = 127.0.1.4
text = \$ is listed
ttl = 300
never-list-names = mycorp.example
allow-transfer = 127.0.0.1

[aggregate $ZEN]
apex = $ZEN.zone
zones = $ZONE, $DBL

[aggregate $ZEN2]
apex = $ZEN2.zone
zones = $ZONE, $DBL
answer = bitmask
EOF
init_store

# ---- configuration ----
cp "$CONF" "$T/clash.conf"
sed -i 's/^code = 127.0.1.4$/code = 127.0.0.2/' "$T/clash.conf"
out=$("$RBLDB" -c "$T/clash.conf" stats 2>&1); rc=$?
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "both answer 127.0.0.2"; then
	ok "an aggregate whose members share a code is refused at load"
else
	not_ok "an aggregate whose members share a code is refused at load" "exit $rc" "$out"
fi

sed 's/^kind = names$/kind = names\nkeys = allowed/' "$CONF" >"$T/keys.conf"
out=$(timeout 20 "$RBLDBD" -c "$T/keys.conf" -l 127.0.0.1:1 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "keys = allowed cannot tell a key from a name"; then
	ok "rbldbd refuses keys = allowed in a names zone (a key reads as a TLD)"
else
	not_ok "rbldbd refuses keys = allowed in a names zone (a key reads as a TLD)" "exit $rc" "$out"
fi

# ---- reports and delistings ----
rb_ok "report a name" report --zone $DBL Spam.Example.COM --reason "spam domain"
expect_eq "stored lower case" "spam.example.com listed in $DBL" "$(printf '%s' "$RB_OUT" | sed 's/ until.*//')"
rb_ok "report a wildcard" report --zone $DBL '*.bad.example'
rb_ok "delist a name under the wildcard" delist --zone $DBL good.bad.example --reason "false positive"
expect_match "the delisting is an exception there" "excepted" "$RB_OUT"
rb_ok "a U-label is converted" report --zone $DBL 'bücher.example'
expect_match "to its A-label" "^xn--bcher-kva.example listed" "$RB_OUT"
rb report --zone $DBL a.mycorp.example
expect_match "never-list-names refuses names under it" "under never-list-names mycorp.example" "$RB_ERR"
printf 'x.mycorp.example\n' >"$T/never.dnset"
rb import --format rbldnsd --zone $DBL "$T/never.dnset"
expect_match "never-list-names holds for a dnset import too" "under never-list-names mycorp.example" "$RB_ERR"
rb report --zone $DBL test
expect_match "test is never reported (RFC 5782 test point)" "test points" "$RB_ERR"
long=$(printf 'a%.0s' $(seq 63)).$(printf 'b%.0s' $(seq 63)).$(printf 'c%.0s' $(seq 63)).$(printf 'd%.0s' $(seq 50)).com
rb report --zone $DBL "$long"
expect_match "a name too long to ask under the zone is refused" "too long to be asked under the zone" "$RB_ERR"
rb report --zone $ZONE spam.example.com
expect_match "a name given to an address zone is refused" "bad address" "$RB_ERR"
rb report --zone $ZEN 192.0.2.9
expect_match "an aggregate takes no reports" "aggregate" "$RB_ERR"
rb_ok "an address in the member address zone" report --zone $ZONE 192.0.2.9

# ---- ingest ----
printf '%s\n' '{"op":"report","zone":"'$DBL'","name":"Fed.Example","reason":"feed"}' \
    '{"op":"delist","zone":"'$DBL'","name":"bücher.example","reason":"gone"}' >"$T/in.jsonl"
rb_ok "ingest names" ingest "$T/in.jsonl"
printf '%s\n' '{"op":"report","zone":"'$DBL'","name":"x.example","addr":"192.0.2.1"}' >"$T/bad.jsonl"
rb ingest "$T/bad.jsonl"
expect_match "a line with both addr and name is refused" 'both "addr" and "name"' "$RB_ERR"

# ---- show, list ----
rb_ok "show a name" show --json good.bad.example
expect_match "show --json names the entry and its state" '"state": "excepted"' "$RB_OUT"
expect_match "show --json keys it by name" '"name": "good.bad.example"' "$RB_OUT"
rb_ok "list a names zone" list --zone $DBL
expect_eq "list shows names" "*.bad.example
fed.example
good.bad.example
spam.example.com" "$(printf '%s\n' "$RB_OUT" | awk '{print $1}' | sort)"

# ---- answers ----
start_server || finish
expect_eq "a listed name answers its code" 127.0.1.4 "$(dns_short spam.example.com.$DBL A)"
expect_eq "case-insensitively" 127.0.1.4 "$(dns_short SPAM.Example.com.$DBL A)"
expect_eq "TXT is the reason" '"spam domain"' "$(dns_short spam.example.com.$DBL TXT)"
expect_eq "'\$' in the zone's text is the name" '"x.y.bad.example is listed"' "$(dns_short x.y.bad.example.$DBL TXT)"
expect_eq "a name under the wildcard is listed" 127.0.1.4 "$(dns_short a.bad.example.$DBL A)"
expect_eq "the wildcard's own name is not listed: NODATA, names are under it (RFC 8020)" \
    "NOERROR " "$(dns_status bad.example.$DBL A) $(dns_short bad.example.$DBL A)"
expect_eq "a name above a listed name is an empty non-terminal (RFC 8020)" NOERROR \
    "$(dns_status example.com.$DBL A)"
expect_eq "so is its parent" NOERROR "$(dns_status com.$DBL A)"
expect_eq "the exception under the wildcard is not listed" NXDOMAIN "$(dns_status good.bad.example.$DBL A)"
expect_eq "an unlisted name is NXDOMAIN" NXDOMAIN "$(dns_status www.spam.example.com.$DBL A)"
expect_eq "TEST is listed (RFC 5782 s5)" 127.0.1.4 "$(dns_short test.$DBL A)"
expect_eq "INVALID is not (RFC 5782 s5)" NXDOMAIN "$(dns_status invalid.$DBL A)"
expect_eq "an ingested name answers" '"feed"' "$(dns_short fed.example.$DBL TXT)"
expect_eq "a name delisted by ingest is gone" NXDOMAIN "$(dns_status xn--bcher-kva.example.$DBL A)"

# ---- aggregate ----
expect_eq "aggregate: a name listed by the name member" 127.0.1.4 "$(dns_short spam.example.com.$ZEN A)"
expect_eq "aggregate: an address listed by the address member" 127.0.0.2 "$(dns_short 9.2.0.192.$ZEN A)"
expect_eq "aggregate: one A per member listing it (test points)" "127.0.0.2" "$(dns_short 2.0.0.127.$ZEN A)"
expect_eq "aggregate: the member's TXT" '"spam domain"' "$(dns_short spam.example.com.$ZEN TXT)"
expect_eq "aggregate: NXDOMAIN when no member lists it" NXDOMAIN "$(dns_status 8.2.0.192.$ZEN A)"
expect_match "aggregate: its own SOA" "^ns1.example.org. hostmaster.example.org. " "$(dns_short $ZEN SOA)"
expect_eq "bitmask aggregate: one A of the members' bits" 127.0.0.2 "$(dns_short 9.2.0.192.$ZEN2 A)"
expect_eq "bitmask aggregate: the name member's bits" 127.0.0.4 "$(dns_short spam.example.com.$ZEN2 A)"
rb_ok "list the address's reversed labels as a name too" report --zone $DBL 9.2.0.192
expect_eq "aggregate: a change in a member is answered at once, one A per member" "127.0.0.2
127.0.1.4" "$(dns_short 9.2.0.192.$ZEN A)"
expect_eq "bitmask aggregate: bits ORed" 127.0.0.6 "$(dns_short 9.2.0.192.$ZEN2 A)"
expect_match "aggregate: AXFR is refused without allow-transfer (t_aggregate_xfr.sh transfers one)" "Transfer failed" \
    "$(dig @127.0.0.1 -p "$PORT" +tcp $ZEN AXFR 2>&1)"

# ---- transfers ----
axfr=$(dig @127.0.0.1 -p "$PORT" $DBL AXFR +nocmd +nostats | awk '$4 != "SOA" && $4 != "NS" {print $1, $4, $5}' | sort)
expect_match "AXFR: a listed name" "^spam.example.com.$DBL. A 127.0.1.4$" "$axfr"
expect_match "AXFR: the wildcard" "^\*.bad.example.$DBL. A 127.0.1.4$" "$axfr"
expect_match "AXFR: the exception holds only a TXT" "^good.bad.example.$DBL. TXT \"excepted\"$" "$axfr"
expect_match "AXFR: the wildcard again below the exception (RFC 4592)" "^\*.good.bad.example.$DBL. A 127.0.1.4$" "$axfr"
expect_match "AXFR: the test point" "^test.$DBL. A 127.0.1.4$" "$axfr"
serial=$(soa_serial $DBL)
rb_ok "report one more name" report --zone $DBL new.example
ixfr=$(dig @127.0.0.1 -p "$PORT" $DBL IXFR=$serial +nocmd +nostats | awk '{print $1, $4}')
expect_eq "IXFR: old SOA, new SOA, the new name's records" "$DBL. SOA
$DBL. SOA
$DBL. SOA
new.example.$DBL. A
new.example.$DBL. TXT
$DBL. SOA" "$ixfr"

# ---- expire ----
# Served read-only from here: rbldbd's own expiry run would race the checks
# of an expired name that `rbldb expire` has not removed yet.
stop_server
start_server -R || finish
rb_ok "report a name that is past its lifetime" report --zone $DBL old.expiring --lifetime 1s --at 2020-01-01T00:00:00Z
expect_eq "an expired name not yet removed still makes its parent a non-terminal" NOERROR \
    "$(dns_status expiring.$DBL A)"
rb_ok "expire --dry-run" expire --dry-run
expect_match "expire names it" "^would expire $DBL old.expiring " "$RB_OUT"
rb_ok "expire it" expire
expect_eq "the empty non-terminal above an expired name goes with it" NXDOMAIN \
    "$(dns_status expiring.$DBL A)"
expect_eq "an expired name is not answered" NXDOMAIN "$(dns_status old.expiring.$DBL A)"

stop_server
finish
