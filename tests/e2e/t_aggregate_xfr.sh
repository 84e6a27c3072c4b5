#!/bin/bash
# An [aggregate NAME] transferred to stock secondaries (NSD, and Knot when installed): the union of
# its members written as records (names and RFC 4592 wildcards), so that
# they answer a few hundred sampled names (listed in one member, in
# several, in none, under wildcards, empty non-terminals, exceptions) with
# the A and TXT sets and rcode rbldbd gives; a member's change moves the
# aggregate's serial, NOTIFY goes out and NSD follows; kdig AXFR and IXFR.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"

need_tool dig dnsutils
need_tool kdig knot-dnsutils
need_tool nsd nsd
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
KEY_SECRET=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
SEC_NAME=nsd
SEC_PORT=$(free_port)
SEC_DIR=$T/nsd
mkdir -p "$SEC_DIR"
KNOT_PORT=""
KNOT_PID=""
if command -v knotd >/dev/null 2>&1; then
	KNOT_PORT=$(free_port)
	mkdir -p "$T/knot"
fi

# start_knot: Knot as a second secondary of the aggregate, on $KNOT_PORT.
start_knot() {
	knot_conf "$T/knot" "$KNOT_PORT" "$ZEN" none
	knotd -c "$T/knot/knot.conf" >>"$T/knot/knot.log" 2>&1 &
	KNOT_PID=$!
}
stop_knot() {
	[ -n "$KNOT_PID" ] || return 0
	kill -TERM "$KNOT_PID" 2>/dev/null
	poll_until 10 sh -c "! kill -0 $KNOT_PID 2>/dev/null" || kill -KILL "$KNOT_PID" 2>/dev/null
	wait "$KNOT_PID" 2>/dev/null
	KNOT_PID=""
}
BITS_PID=""
stop_bits() {
	[ -n "$BITS_PID" ] || return 0
	kill -TERM "$BITS_PID" 2>/dev/null
	poll_until 10 sh -c "! kill -0 $BITS_PID 2>/dev/null" || kill -KILL "$BITS_PID" 2>/dev/null
	wait "$BITS_PID" 2>/dev/null
	BITS_PID=""
}
agg_cleanup() {
	local rc=$?
	stop_knot
	stop_bits
	(exit $rc)
	mirror_cleanup
}
trap agg_cleanup EXIT

BIG=big.example.org
DBL=dbl.example.org
ZEN=zen.example.org
write_apex "$T/$BIG.zone" "$BIG"
write_apex "$T/$DBL.zone" "$DBL"
write_apex "$T/$ZEN.zone" "$ZEN"
BITS=zenbits.example.org
write_apex "$T/$BITS.zone" "$BITS"
# Texts without '$': a wildcard's TXT shows its range where rbldbd shows the address.
sed -i 's/^text = .*/text = relay listed/; s/^never-list = .*//' "$CONF"
cat >>"$CONF" <<EOT

[zone $BIG]
apex = $BIG.zone
family = both
code = 127.0.0.3
text = big block listed
max-range = 8
max-range6 = 16

[zone $DBL]
apex = $DBL.zone
kind = names
code = 127.0.1.4
text = name listed

[aggregate $ZEN]
apex = $ZEN.zone
zones = $ZONE, $BIG, $DBL
allow-transfer = 127.0.0.1 key $KEY_NAME
notify = 127.0.0.1:$SEC_PORT key $KEY_NAME
${KNOT_PORT:+notify = 127.0.0.1:$KNOT_PORT key $KEY_NAME}

[aggregate $BITS]
apex = $BITS.zone
zones = $ZONE, $BIG, $DBL
answer = bitmask
allow-transfer = 127.0.0.1 key $KEY_NAME

[key $KEY_NAME]
algorithm = hmac-sha256
secret = $KEY_SECRET
EOT
init_store

# ---- overlapping members ----
rb_ok "big: a /8" report --zone $BIG 44.0.0.0/8 --reason "whole block"
rb_ok "big: an exception in it" delist --zone $BIG 44.1.2.3 --reason fixed
rb_ok "big: a /12 (not on an octet)" report --zone $BIG 100.64.0.0/12
rb_ok "big: an IPv6 /32" report --zone $BIG 2001:db8::/32
rb_ok "big: an IPv6 exception" delist --zone $BIG 2001:db8:1::9 --reason fixed
rb_ok "relays: a /25 inside the /8" report --zone $ZONE 44.1.2.0/25 --reason "relay /25"
rb_ok "relays: single addresses inside" report --zone $ZONE 44.1.2.200 --reason "one relay"
rb_ok "relays: the big exception" report --zone $ZONE 44.1.2.3
rb_ok "relays: another, own code" report --zone $ZONE 44.1.3.5 --code 127.0.0.4
rb_ok "relays: an exception in its /25" delist --zone $ZONE 44.1.2.7 --reason fixed
rb_ok "relays: outside the /8" report --zone $ZONE 192.0.2.5
rb_ok "relays: a /20" report --zone $ZONE 172.16.0.0/20
rb_ok "relays: a /26 inside the /12" report --zone $ZONE 100.65.3.64/26
rb_ok "relays: an IPv6 /62 (not on a nibble)" report --zone $ZONE 2001:db8:2:4::/62
rb_ok "relays: an IPv6 address" report --zone $ZONE 2001:db8:1::1
rb_ok "relays: the IPv6 exception of big" report --zone $ZONE 2001:db8:1::9
rb_ok "names: a name" report --zone $DBL spam.example.com
rb_ok "names: a wildcard" report --zone $DBL '*.bad.example'
rb_ok "names: an exception under it" delist --zone $DBL good.bad.example --reason gone
rb_ok "names: a wildcard over address names" report --zone $DBL '*.9.1.44'
rb_ok "names: a name over address names" report --zone $DBL 9.9.1.44
rb_ok "names: an address name" report --zone $DBL 5.2.0.192

# ---- the sample: listed in one, several, none; wildcards, ENTs, exceptions ----
python3 "$E2E_DIR/aggsample.py" $ZEN >"$T/names"

start_server -d || finish
ZONE=$ZEN start_nsd || finish
[ -z "$KNOT_PORT" ] || start_knot
zen_serial() { dns_short $ZEN SOA | awk '{ print $3 }'; }
sec_zen_serial() { sec_short $ZEN SOA | awk '{ print $3 }'; }
sec_has() { [ "$(sec_zen_serial)" = "$1" ]; }
serial=$(zen_serial)
if poll_until 60 sec_has "$serial"; then
	ok "NSD transfers the aggregate (serial $serial)"
else
	not_ok "NSD transfers the aggregate" "NSD '$(sec_zen_serial)', rbldbd $serial" \
	    "$(tail -n 20 "$SEC_LOG")" "$(grep xfr "$SERVER_LOG" | tail -n 5)"
	finish
fi

# compare WHAT [PORT NAME]: the secondary at PORT (NSD's) answers the sample as rbldbd.
compare() {
	local what=$1 port=${2:-$SEC_PORT} who=${3:-NSD} out
	out=$(python3 "$E2E_DIR/aggcompare.py" "$PORT" "$port" "$T/names")
	if [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then
		ok "$what: $who answers as rbldbd ($out)"
	else
		not_ok "$what: $who answers as rbldbd" "$out"
	fi
}
knot_has() {
	[ "$(dig @127.0.0.1 -p "$KNOT_PORT" +tries=1 +time=2 +norec +short $ZEN SOA |
	    awk '{ print $3 }')" = "$1" ]
}
# compare_knot WHAT: Knot has rbldbd's serial and answers the sample as rbldbd.
compare_knot() {
	[ -n "$KNOT_PORT" ] || { echo "# knotd not installed: Knot not checked"; return 0; }
	if poll_until 60 knot_has "$(zen_serial)"; then
		ok "$1: Knot has serial $(zen_serial)"
	else
		not_ok "$1: Knot has serial $(zen_serial)" "$(tail -n 20 "$T/knot/knot.log")"
	fi
	compare "$1" "$KNOT_PORT" Knot
}
zname() { ZONE=$ZEN rname "$1"; }
compare "aggregate"
compare_knot "aggregate"
expect_eq "NSD: the /8 and the /25 both answer (one A per member)" "127.0.0.2
127.0.0.3" "$(sec_short "$(zname 44.1.2.9)" A)"
expect_eq "NSD: big's exception is the relays' listing alone" "127.0.0.2" \
    "$(sec_short "$(zname 44.1.2.3)" A)"
expect_eq "NSD: a names wildcard over address names joins the union" "127.0.0.3
127.0.1.4" "$(sec_short "$(zname 44.1.9.9)" A)"
expect_eq "NSD: none lists it: NXDOMAIN" "NXDOMAIN" \
    "$(sq "$(zname 198.51.100.1)" A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')"

# ---- AXFR and IXFR sanity ----
KDIG_KEY="hmac-sha256:$KEY_NAME:$KEY_SECRET"
axfr=$(kdig @127.0.0.1 -p "$PORT" -y "$KDIG_KEY" $ZEN AXFR +nostats 2>&1)
expect_match "kdig AXFR: the aggregate's SOA" "^$ZEN\.[[:space:]].*SOA.* $serial " "$axfr"
expect_match "kdig AXFR: a wildcard of the union" "^\*\.1\.44\.$ZEN\." "$axfr"
expect_eq "kdig AXFR: no record twice" "" \
    "$(printf '%s\n' "$axfr" | awk '$4 == "A" || $4 == "TXT"' | sort | uniq -d)"
check "AXFR unsigned is refused" sh -c "! dig @127.0.0.1 -p $PORT +tcp $ZEN AXFR | grep -q SOA"
ixfr=$(kdig @127.0.0.1 -p "$PORT" -y "$KDIG_KEY" $ZEN IXFR=$serial +nostats 2>&1)
expect_eq "IXFR from the current serial: the SOA alone" 1 \
    "$(printf '%s\n' "$ixfr" | grep -c "SOA")"

# ---- a bitmask aggregate: its AXFR served from a file by NSD answers as rbldbd ----
BITS_PORT=$(free_port)
mkdir -p "$T/bits"
kdig @127.0.0.1 -p "$PORT" -y "$KDIG_KEY" $BITS AXFR +nostats +nocomments |
    grep -v '^;' | awk 'NR == 1 || ($4 != "SOA" && $4 != "TSIG")' >"$T/bits/$BITS.zone"
cat >"$T/bits/nsd.conf" <<EOT
server:
  port: $BITS_PORT
  ip-address: 127.0.0.1
  do-ip6: no
  zonesdir: "$T/bits"
  database: ""
  pidfile: "$T/bits/nsd.pid"
  xfrdfile: "$T/bits/xfrd.state"
  zonelistfile: "$T/bits/zone.list"
  username: ""
  chroot: ""
  server-count: 1
  logfile: "$T/bits/nsd.log"
remote-control:
  control-enable: no
zone:
  name: $BITS
  zonefile: "$BITS.zone"
EOT
nsd -d -c "$T/bits/nsd.conf" >>"$T/bits/nsd.log" 2>&1 &
BITS_PID=$!
bits_up() { [ -n "$(dig @127.0.0.1 -p "$BITS_PORT" +tries=1 +time=2 +short $BITS SOA)" ]; }
if poll_until 30 bits_up; then
	sed "s/\.$ZEN\$/.$BITS/" "$T/names" >"$T/bits/names"
	out=$(python3 "$E2E_DIR/aggcompare.py" "$PORT" "$BITS_PORT" "$T/bits/names")
	if [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then
		ok "bitmask aggregate: its AXFR served by NSD answers as rbldbd ($out)"
	else
		not_ok "bitmask aggregate: its AXFR served by NSD answers as rbldbd" "$out"
	fi
	expect_eq "bitmask aggregate: one A, the members' bits ORed" 127.0.0.7 \
	    "$(dig @127.0.0.1 -p "$BITS_PORT" +short "$(ZONE=$BITS rname 44.1.9.9)" A)"
else
	not_ok "NSD serves the bitmask aggregate's AXFR" "$(tail -n 20 "$T/bits/nsd.log")"
fi
stop_bits

# ---- a member changes: the serial moves, NOTIFY, NSD follows ----
rb_ok "report into a member" report --zone $BIG 45.0.0.0/16
new=$(zen_serial)
check "the aggregate's serial moves with its member's" [ "$new" != "$serial" ]
if poll_until 60 sec_has "$new"; then
	ok "NSD follows the member's change (serial $new)"
else
	not_ok "NSD follows the member's change" "NSD '$(sec_zen_serial)', rbldbd $new" \
	    "$(tail -n 20 "$SEC_LOG")" "$(grep 'xfr\|notify' "$SERVER_LOG" | tail -n 5)"
fi
check "rbldbd sent NOTIFY of the new serial, acknowledged" \
    grep -q "notify: $ZEN serial $new acknowledged" "$SERVER_LOG"
expect_eq "NSD lists the new range" "127.0.0.3" "$(sec_short "$(zname 45.0.1.1)" A)"
ixfr=$(kdig @127.0.0.1 -p "$PORT" -y "$KDIG_KEY" $ZEN IXFR=$serial +nostats 2>&1)
expect_match "IXFR from an older serial: the whole zone" "\*\.1\.44\.$ZEN\." "$ixfr"
rb_ok "delist in another member" delist --zone $ZONE 44.1.2.200 --reason gone
rb_ok "and a name" delist --zone $DBL spam.example.com --reason gone
new=$(zen_serial)
if poll_until 60 sec_has "$new"; then
	ok "NSD follows the delistings (serial $new)"
else
	not_ok "NSD follows the delistings" "NSD '$(sec_zen_serial)', rbldbd $new"
fi
compare "after the changes"
compare_knot "after the changes"
stop_secondary
stop_server
finish
