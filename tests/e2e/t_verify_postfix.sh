#!/bin/bash
# The whole ORDB story with real components: a report on a verify = required
# zone is pending; a relay test through an open Postfix (its own instance on
# 192.0.2.25, compatibility_level 3.6, everything trusted) relays the test
# message to a Postfix drop box (192.0.2.99) whose pipe hands it to `rbldb
# verify-receive`: confirmed, listed in DNS and on an NSD secondary.  The
# relay is closed (postconf, reload) and its removal is requested on
# rbldb-web's lookup page (removal = retest); the retest finds it closed,
# delists it, in DNS and on the secondary by IXFR, and accepts the request.  Beside the open one, a closed
# Postfix (192.0.2.27: its own configuration, queue and address, Postfix's
# stock reject_unauth_destination) is tested too: closed, with its refusals
# in the transcript, never listed, nothing through the drop box's pipe.
# Postfix's smtp-sink (192.0.2.26) accepts and discards: its test never lists.
# The instances' common steps are in postfix_lib.sh.
#
# Everything runs in a private network namespace (unshare -n) whose
# loopback carries the TEST-NET addresses; nothing leaves the machine.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

RELAY=192.0.2.25
SINK=192.0.2.26
CLOSED=192.0.2.27
DROPBOX=192.0.2.99

need_binaries "$RBLDBD" "$RBLDB" "$BUILD/rbldb-verify"
need_tool postfix postfix
need_tool smtp-sink postfix
need_tool nsd nsd
need_tool dig dnsutils
need_tool curl curl
pf_namespace 200 --net

# ---- inside the namespace ----

pf_loopback $RELAY $SINK $CLOSED $DROPBOX
make_tmp
SEC_PORT=5399
cat >>"$CONF" <<EOF
verify = required
removal = retest
notify = 127.0.0.1:$SEC_PORT

[verify]
secret = postfix-e2e-secret-0123456789
dropbox = verify@dropbox.test
helo = tester.e2e.test
url = https://relays.example.org/relay-tests
timeout = 10

[web]
listen = 127.0.0.1:0
title = Example Relay List
user = nobody
EOF
# The pipe runs as nobody: the store is nobody's, and rbldb, rbldbd and
# rbldb-verify become nobody to use it.  Postfix's daemons read under $T.
chmod 755 "$T"
chown -R nobody "$T/db"

# The drop box: mail for dropbox.test goes to rbldb verify-receive through pipe(8).
pf_instance dropbox $DROPBOX <<EOF
myhostname = dropbox.test
mydomain = dropbox.test
mydestination = dropbox.test
mynetworks = $DROPBOX/32
transport_maps = texthash:$T/pf-dropbox/transport
smtpd_relay_restrictions = reject_unauth_destination
EOF
echo "dropbox.test rbldbverify:" >"$T/pf-dropbox/transport"
cat >>"$T/pf-dropbox/master.cf" <<EOF
rbldbverify unix - n n - - pipe
  flags=q user=nobody argv=$RBLDB -c $CONF verify-receive --quiet-refusal
EOF

# The open relay: everyone is in mynetworks, mail goes on to the drop box.
pf_instance relay $RELAY <<EOF
myhostname = open.relay.test
mydomain = relay.test
mydestination =
mynetworks = 0.0.0.0/0
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [$DROPBOX]:25
EOF

# The closed relay, running beside the open one on its own address with its
# own files: Postfix's stock rules, mail for its own domain only (thrown
# away), relaying for no one (mynetworks names an address no one has).
pf_instance closed $CLOSED <<EOF
myhostname = closed.relay.test
mydomain = relay.test
mydestination = closed.relay.test
mynetworks = 192.0.2.200/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relayhost = [$DROPBOX]:25
local_transport = discard
EOF

for d in dropbox relay closed; do
	pf_start $d "Postfix $d starts" || finish
done
smtp-sink -u nobody "$SINK:25" 10 >"$T/sink.log" 2>&1 &
PF_PIDS="$PF_PIDS $!"

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
start_web || finish
PF_PIDS="$PF_PIDS $WEB_PID"

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
PF_PIDS="$PF_PIDS $!"
sq_short() { dig @127.0.0.1 -p "$SEC_PORT" +tries=1 +time=2 +norec "$@" +short | sort; }
sec_is() { local want=$1; shift; [ "$(sq_short "$@")" = "$want" ]; }
sec_nx() { dig @127.0.0.1 -p "$SEC_PORT" +tries=1 +time=2 +norec "$1" A | grep -q 'status: NXDOMAIN'; }
check "NSD takes the zone with the confirmed relay" poll_until 30 sec_is 127.0.0.2 "$N" A

# ---- a closed Postfix beside the open one: closed, never listed ----
C=$(rname $CLOSED)
closed_log() { cat "$T/postfix-closed.log" 2>/dev/null; }
closed_logged() { closed_log | grep -q "NOQUEUE: reject: RCPT from .*\[$CLOSED\]: 554 .*Relay access denied"; }
both_up() { ! pf_gone "$T/pf-relay" && ! pf_gone "$T/pf-closed"; }
pipe_runs() { grep -c ' relay=rbldbverify, .* status=sent' "$T/postfix-dropbox.log"; }
rb_ok "a report of the closed Postfix" report $CLOSED --reason "open relay" --source trap
check "the open and the closed Postfix run side by side" both_up
rb verify $CLOSED --connect "$CLOSED:25"
expect_match "the closed Postfix refuses every form: closed" \
    "^$CLOSED closed in $ZONE \(job [0-9]+\)" "$RB_OUT"
expect_eq "show --json records it closed" closed "$(job_field $CLOSED state)"
expect_match "its transcript has the closed Postfix's refusal" \
    "554 5\.7\.1 .*Relay access denied" "$(job_field $CLOSED transcript)"
expect_match "rbldb show tells the closed verdict" "job [0-9]+ $ZONE closed \\(report\\)" \
    "$("$RBLDB" -c "$CONF" show $CLOSED 2>&1)"
check "the closed Postfix logged its refusals" poll_until 10 closed_logged
expect_no_match "the closed Postfix queued no message" ': client=' "$(closed_log)"
expect_eq "the drop box's pipe ran once, for the open Postfix only" 1 "$(pipe_runs)"
check "the closed Postfix is not in DNS" dns_status_is NXDOMAIN "$C" A
check "nor on the secondary" sec_nx "$C"
check "the open Postfix is still listed" dns_is 127.0.0.2 "$N" A

# ---- the relay is closed; a removal request; the retest delists ----
postconf -c "$T/pf-relay" -e "mynetworks = 192.0.2.200/32"
postfix -c "$T/pf-relay" reload >/dev/null 2>&1
wr $RELAY $ZONE "relay closed: mynetworks fixed" "$(web_token $RELAY)"
expect_eq "a removal request on the lookup page is taken (303)" 303 "$WEB_STATUS"
rb_ok "rbldb requests" requests --zone $ZONE
expect_match "the request waits for a relay test" "$RELAY.*pending-retest" "$RB_OUT"
check "still listed until a test decides" dns_is 127.0.0.2 "$N" A
# Within min-interval of the confirming test the request waits for the next
# test; the operator's retest (--force: before min-interval) decides it.
rb verify $RELAY --force --connect "$RELAY:25"
expect_match "the retest finds the closed Postfix closed and delists" \
    "$RELAY closed in $ZONE .*delisted" "$RB_OUT"
expect_match "its transcript has Postfix's refusal" "Access denied" \
    "$(job_field $RELAY transcript)"
expect_eq "the test was a retest" retest "$(job_field $RELAY trigger)"
rb_ok "rbldb requests --all" requests --zone $ZONE --all
expect_match "the retest accepts the removal request" "$RELAY.*accepted" "$RB_OUT"
wf "/lookup?ip=$RELAY"
expect_match "the lookup page tells the requester the verdict" 'found no open relay' "$BODY"
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

stop_web
stop_server
finish
