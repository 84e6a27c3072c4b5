#!/bin/bash
# NOTIFY for a `kind = names` zone: NSD, a secondary of the names zone
# (TSIG-signed), is sent NOTIFY for each change and follows it by IXFR:
# a new name, a new wildcard, and a wildcard delisted with the exception
# under it (which goes with it).  The SOA refresh is an hour: only NOTIFY
# brings a change within the test.  Waits poll with a generous timeout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"

need_tool dig dnsutils
need_tool nsd nsd
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

DBL=dbl.example.org
SEC_NAME=nsd
NSD_ZONE=$DBL
names_zone $DBL "code = 127.0.1.4" "ttl = 300"
mirror_conf
init_store

rb_ok "seed: a name" report --zone $DBL spam.example --reason spam
rb_ok "seed: a wildcard" report --zone $DBL '*.bad.example' --reason "bad domains"
rb_ok "seed: an exception under it" delist --zone $DBL good.bad.example --reason fp

# nsd_a NAME: the secondary's A records for NAME under the zone.
nsd_a() { sec_short "$1.$DBL" A; }
nsd_serial_is() { [ "$(sec_short $DBL SOA | awk '{ print $3 }')" = "$1" ]; }
ixfr_served_dbl() { grep -q "xfr: IXFR $DBL serial $1 to 127.0.0.1" "$SERVER_LOG"; }
notified() { grep -q "notify: $DBL serial $1 acknowledged by 127.0.0.1:$SEC_PORT" "$SERVER_LOG"; }

# follows WHAT NAME WANT: after a change, the secondary answers NAME with
# WANT (its A records), having been sent NOTIFY and transferred by IXFR.
follows() {
	local what=$1 name=$2 want=$3 serial
	serial=$(soa_serial $DBL)
	if poll_until 60 sec_is "$want" "$name.$DBL" A; then
		ok "NSD follows: $what (serial $serial)"
	else
		not_ok "NSD follows: $what" "NSD: '$(nsd_a "$name")' wanted '$want'" \
		    "$(tail -n 20 "$SEC_LOG" 2>/dev/null)" "$(grep 'xfr:\|notify' "$SERVER_LOG" | tail -n 8)"
	fi
	poll_until 10 notified "$serial"
	check "rbldbd sent NOTIFY for serial $serial and NSD acknowledged it" notified "$serial"
	poll_until 10 ixfr_served_dbl "$serial"
	check "NSD took serial $serial by IXFR" ixfr_served_dbl "$serial"
}

start_server -d || finish
start_nsd
serial=$(soa_serial $DBL)
if poll_until 60 nsd_serial_is "$serial"; then
	ok "NSD transfers the names zone (serial $serial)"
else
	not_ok "NSD transfers the names zone" "NSD: '$(sec_short $DBL SOA)', rbldbd serial $serial" \
	    "$(tail -n 30 "$SEC_LOG" 2>/dev/null)" "$(tail -n 10 "$SERVER_LOG")"
	finish
fi
expect_eq "NSD: the listed name" 127.0.1.4 "$(nsd_a spam.example)"
expect_eq "NSD: a name under the wildcard" 127.0.1.4 "$(nsd_a x.bad.example)"
expect_eq "NSD: the exception has no A" "" "$(nsd_a good.bad.example)"

rb_ok "report a new name" report --zone $DBL new.example --reason new
follows "a new name" new.example 127.0.1.4
rb_ok "report a new wildcard" report --zone $DBL '*.wild.example'
follows "a new wildcard" a.b.wild.example 127.0.1.4
rb_ok "delist the first wildcard" delist --zone $DBL '*.bad.example' --reason gone
follows "a wildcard delisted" x.bad.example ""
expect_eq "NSD: the exception went with its wildcard (no name left to hold it)" NXDOMAIN \
    "$(sq good.bad.example.$DBL A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')"
expect_eq "NSD answers the other names as before" "127.0.1.4 127.0.1.4" \
    "$(echo $(nsd_a spam.example) $(nsd_a new.example))"

stop_secondary
stop_server
finish
