#!/bin/bash
# The whole ORDB story with real components: a report on a verify = required
# zone is pending; a relay test through an open Postfix (its own instance on
# 192.0.2.25, compatibility_level 3.6, everything trusted) relays the test
# message to a Postfix drop box (192.0.2.99) whose pipe hands it to `rbldb
# verify-receive`: confirmed, listed in DNS and on an NSD secondary.  The
# relay is closed (postconf, reload); a retest finds it closed and delists
# it, in DNS and on the secondary by IXFR.  Postfix's smtp-sink (192.0.2.26)
# accepts and discards: its test never lists.
#
# Everything runs in a private network namespace (unshare -n) whose
# loopback carries the TEST-NET addresses; nothing leaves the machine.
. "$(dirname "$0")/lib.sh"

RELAY=192.0.2.25
SINK=192.0.2.26
DROPBOX=192.0.2.99

if [ -z "${RBLDB_VERIFY_NS:-}" ]; then
	need_binaries "$RBLDBD" "$RBLDB" "$BUILD/rbldb-verify"
	need_tool postfix postfix
	need_tool smtp-sink postfix
	need_tool nsd nsd
	need_tool dig dnsutils
	need_tool ip iproute2
	need_tool unshare util-linux
	if [ "$(id -u)" -ne 0 ]; then
		ok "# SKIP private Postfix instances need root (a namespace, the postfix user)"
		finish
	fi
	if ! unshare --net true 2>/dev/null; then
		ok "# SKIP no network namespaces here (unshare -n refused)"
		finish
	fi
	trap - EXIT
	RBLDB_VERIFY_NS=1 exec timeout -k 5 170 unshare --net bash "$0" "$@"
fi

# ---- inside the namespace ----

ip link set lo up
for a in $RELAY $SINK $DROPBOX; do
	ip addr add "$a/32" dev lo
done

make_tmp
SEC_PORT=5399
cat >>"$CONF" <<EOF
verify = required
notify = 127.0.0.1:$SEC_PORT

[verify]
secret = postfix-e2e-secret-0123456789
dropbox = verify@dropbox.test
helo = tester.e2e.test
url = https://relays.example.org/relay-tests
timeout = 10
EOF
# The pipe runs as nobody: the store is nobody's, and rbldb, rbldbd and
# rbldb-verify become nobody to use it.  Postfix's daemons read under $T.
chmod 755 "$T"
chown -R nobody "$T/db"

PF_UP=""
SINK_PID=""
SEC_PID=""
pf_cleanup() {
	local rc=$? d
	for d in $PF_UP; do
		postfix -c "$d" stop >/dev/null 2>&1
	done
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	[ -n "$SEC_PID" ] && kill "$SEC_PID" 2>/dev/null && wait "$SEC_PID" 2>/dev/null
	(exit $rc)
	cleanup
}
trap pf_cleanup EXIT

# master_cf DIR [EXTRA]: the services a private instance needs.
master_cf() {
	cat >"$1/master.cf" <<EOF
smtp      inet n - n - - smtpd -o max_use=1
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# instance NAME ADDR: a private Postfix with main.cf from stdin (plus the common part).
instance() {
	local d=$T/pf-$1
	mkdir -p "$d" "$T/spool-$1" "$T/data-$1"
	chown postfix "$T/data-$1"
	{
		cat <<EOF
compatibility_level = 3.6
queue_directory = $T/spool-$1
data_directory = $T/data-$1
maillog_file = $T/postfix-$1.log
maillog_file_prefixes = $T
inet_interfaces = $2
inet_protocols = ipv4
smtp_bind_address = $2
alias_maps =
alias_database =
biff = no
EOF
		cat
	} >"$d/main.cf"
	master_cf "$d"
}

# The drop box: mail for dropbox.test goes to rbldb verify-receive through pipe(8).
instance dropbox $DROPBOX <<EOF
myhostname = dropbox.test
mydomain = dropbox.test
mydestination = dropbox.test
mynetworks = $DROPBOX/32
local_recipient_maps =
transport_maps = texthash:$T/pf-dropbox/transport
smtpd_relay_restrictions = reject_unauth_destination
EOF
echo "dropbox.test rbldbverify:" >"$T/pf-dropbox/transport"
cat >>"$T/pf-dropbox/master.cf" <<EOF
rbldbverify unix - n n - - pipe
  flags=q user=nobody argv=$RBLDB -c $CONF verify-receive --quiet-refusal
EOF

# The open relay: everyone is in mynetworks, mail goes on to the drop box.
instance relay $RELAY <<EOF
myhostname = open.relay.test
mydomain = relay.test
mydestination =
mynetworks = 0.0.0.0/0
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [$DROPBOX]:25
local_recipient_maps =
EOF

for d in dropbox relay; do
	if out=$(postfix -c "$T/pf-$d" start 2>&1); then
		PF_UP="$PF_UP $T/pf-$d"
		ok "Postfix $d starts"
	else
		not_ok "Postfix $d starts" "$out" "$(cat "$T/postfix-$d.log" 2>/dev/null)"
		finish
	fi
done
smtp-sink -u nobody "$SINK:25" 10 >"$T/sink.log" 2>&1 &
SINK_PID=$!

# The secondary: NSD takes the zone by AXFR, then IXFR on each NOTIFY.
mkdir -p "$T/nsd"
cat >"$T/nsd/nsd.conf" <<EOF
server:
  port: $SEC_PORT
  ip-address: 127.0.0.1
  do-ip6: no
  zonesdir: "$T/nsd"
  database: ""
  pidfile: "$T/nsd/nsd.pid"
  xfrdfile: "$T/nsd/xfrd.state"
  xfrdir: "$T/nsd"
  zonelistfile: "$T/nsd/zone.list"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 2
  logfile: "$T/nsd/nsd.log"
remote-control:
  control-enable: no
zone:
  name: $ZONE
  request-xfr: 127.0.0.1@PRIMARY NOKEY
  allow-notify: 127.0.0.1 NOKEY
EOF

start_server || finish

job_field() {
	"$RBLDB" -c "$CONF" show "$1" --json | python3 -c '
import json, sys
t = json.load(sys.stdin)["relay_tests"]
v = t[-1].get(sys.argv[1]) if t else None
print("" if v is None else v)' "$2"
}
state_is() { [ "$(job_field "$1" state)" = "$2" ]; }
N=$(rname $RELAY)

# ---- report -> pending -> test -> confirmed -> listed ----
rb_ok "a report on the verified zone" report $RELAY --reason "open relay" --source trap
expect_match "pending, not published" "pending a relay test" "$RB_OUT"
check "pending is not in DNS" dns_status_is NXDOMAIN "$N" A
rb verify $RELAY --connect "$RELAY:25"
expect_match "the open Postfix accepts the test message" "$RELAY testing" "$RB_OUT"
if poll_until 60 state_is $RELAY confirmed; then
	ok "the message reached the drop box's pipe: confirmed"
else
	not_ok "the message reached the drop box's pipe: confirmed" "$(job_field $RELAY note)" \
	    "$(tail -n 20 "$T/postfix-relay.log" "$T/postfix-dropbox.log" 2>/dev/null)"
fi
check "listed in DNS" poll_until 10 dns_is 127.0.0.2 "$N" A

# The secondary starts from here (AXFR): the retest's delisting reaches it by
# NOTIFY and IXFR.  (An IXFR from a zone's very first serial currently comes
# out empty, a server matter of its own: see the branch's report.)
sed -i "s/@PRIMARY/@$PORT/" "$T/nsd/nsd.conf"
nsd -d -c "$T/nsd/nsd.conf" >>"$T/nsd/nsd.log" 2>&1 &
SEC_PID=$!
sq_short() { dig @127.0.0.1 -p "$SEC_PORT" +tries=1 +time=2 +norec "$@" +short | sort; }
sec_is() { local want=$1; shift; [ "$(sq_short "$@")" = "$want" ]; }
sec_nx() { dig @127.0.0.1 -p "$SEC_PORT" +tries=1 +time=2 +norec "$1" A | grep -q 'status: NXDOMAIN'; }
check "NSD takes the zone with the confirmed relay" poll_until 30 sec_is 127.0.0.2 "$N" A


# ---- the relay is closed; a retest delists ----
postconf -c "$T/pf-relay" -e "mynetworks = 192.0.2.200/32"
postfix -c "$T/pf-relay" reload >/dev/null 2>&1
rb verify $RELAY --force --connect "$RELAY:25"
expect_match "the retest finds the closed Postfix closed and delists" \
    "$RELAY closed in $ZONE .*delisted" "$RB_OUT"
expect_match "its transcript has Postfix's refusal" "Access denied" \
    "$(job_field $RELAY transcript)"
check "delisted in DNS" poll_until 10 dns_status_is NXDOMAIN "$N" A
check "delisted on the secondary" poll_until 30 sec_nx "$N"
check "the secondary learnt it by IXFR" grep -q "xfr: IXFR $ZONE serial $(soa_serial)" "$SERVER_LOG"

# ---- smtp-sink accepts and discards: never listed ----
rb verify $SINK --connect "$SINK:25"
expect_match "smtp-sink accepts the message" "$SINK testing" "$RB_OUT"
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
"$BUILD/rbldb-verify" -c "$CONF" --once --at "$later" >"$T/sweep.out" 2>&1
expect_eq "no arrival: inconclusive" inconclusive "$(job_field $SINK state)"
check "accept-and-discard is not in DNS" dns_status_is NXDOMAIN "$(rname $SINK)" A

stop_server
finish
