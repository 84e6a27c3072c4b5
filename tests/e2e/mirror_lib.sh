# Shared steps of the mirroring tests: rbldbd as primary of a stock secondary.
#
# A t_mirror_*.sh script sources lib.sh and this file, defines
#   start_secondary   start the daemon on $SEC_PORT with its files under $SEC_DIR,
#                     set SEC_PID; it must be a secondary of $ZONE from
#                     127.0.0.1:$PORT signed with key $KEY_NAME ($KEY_SECRET)
#   SEC_NAME          "nsd", "knot", "bind"
# and calls mirror_main.  Every daemon started is stopped by the EXIT trap.

KEY_NAME=xfr
KEY_SECRET=""
SEC_PORT=""
SEC_DIR=""
SEC_PID=""
EXPIRING=192.0.2.99

# start_nsd: NSD as the secondary (SEC_NAME=nsd): TSIG-signed transfers and
# NOTIFY from rbldbd at 127.0.0.1:$PORT, its files in $SEC_DIR.  The zone
# is $NSD_ZONE when set, else $ZONE; with NSD_ZONEFILE set (a file in
# $SEC_DIR) NSD serves that master file instead, no transfers and no key.
start_nsd() {
	local zone=${NSD_ZONE:-$ZONE}
	SEC_LOG=$SEC_DIR/nsd.log
	nsd_server_conf >"$SEC_DIR/nsd.conf"
	if [ -n "${NSD_ZONEFILE:-}" ]; then
		printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "$zone" "$NSD_ZONEFILE" \
		    >>"$SEC_DIR/nsd.conf"
	else
		cat >>"$SEC_DIR/nsd.conf" <<EOT
key:
  name: $KEY_NAME
  algorithm: hmac-sha256
  secret: "$KEY_SECRET"
zone:
  name: $zone
  request-xfr: 127.0.0.1@$PORT $KEY_NAME
  allow-notify: 127.0.0.1 $KEY_NAME
EOT
	fi
	nsd -d -c "$SEC_DIR/nsd.conf" >>"$SEC_LOG" 2>&1 &
	SEC_PID=$!
}

# knot_conf DIR PORT ZONE JOURNAL: a Knot configuration in DIR/knot.conf
# that serves ZONE as a TSIG-keyed secondary of rbldbd on $PORT, listening
# on 127.0.0.1@PORT, NOTIFY taken from the primary, journal-content JOURNAL.
knot_conf() {
	cat >"$1/knot.conf" <<EOT
server:
    rundir: "$1"
    listen: 127.0.0.1@$2
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
database:
    storage: "$1"
log:
  - target: stderr
    any: info
key:
  - id: $KEY_NAME
    algorithm: hmac-sha256
    secret: $KEY_SECRET
remote:
  - id: primary
    address: 127.0.0.1@$PORT
    key: $KEY_NAME
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: $KEY_NAME
    action: notify
zone:
  - domain: $3
    storage: "$1"
    file: "$3.zone"
    master: primary
    acl: notify_from_primary
    zonefile-sync: -1
    zonefile-load: none
    journal-content: $4
EOT
}

# nsd_server_conf: NSD's server and remote-control sections for start_nsd.
nsd_server_conf() {
	cat <<EOT
server:
  port: $SEC_PORT
  ip-address: 127.0.0.1
  do-ip6: no
  zonesdir: "$SEC_DIR"
  database: ""
  pidfile: "$SEC_DIR/nsd.pid"
  xfrdfile: "$SEC_DIR/xfrd.state"
  xfrdir: "$SEC_DIR"
  zonelistfile: "$SEC_DIR/zone.list"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 2
  logfile: "$SEC_LOG"
remote-control:
  control-enable: no
EOT
}

# serve_file_nsd ZONE DIR FILE: NSD serving the master file DIR/FILE for
# ZONE on a free port (a port taken meanwhile is tried again), its files in
# DIR.  Returns 0 once it answers ZONE's SOA, with SEC_PORT and SEC_PID
# set (stop_secondary stops it); 1 when it never does (its log in SEC_LOG).
serve_file_nsd() {
	local attempt
	SEC_DIR=$2
	for attempt in 1 2 3 4 5; do
		SEC_PORT=$(free_port)
		NSD_ZONE=$1 NSD_ZONEFILE=$3 start_nsd
		poll_until 20 nsd_up_or_gone "$1"
		if kill -0 "$SEC_PID" 2>/dev/null && nsd_answers_soa "$1"; then
			return 0
		fi
		stop_secondary
	done
	return 1
}
nsd_answers_soa() { [ -n "$(sq "$1" SOA +short)" ]; }
nsd_up_or_gone() { nsd_answers_soa "$1" || ! kill -0 "$SEC_PID" 2>/dev/null; }

# free_port: a port free for UDP and TCP on 127.0.0.1.
free_port() {
	python3 - <<'EOF'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p); break
EOF
}

stop_secondary() {
	[ -n "$SEC_PID" ] || return 0
	kill -TERM "$SEC_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$SEC_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SEC_PID" 2>/dev/null
	wait "$SEC_PID" 2>/dev/null
	SEC_PID=""
}

mirror_cleanup() {
	local rc=$?
	stop_secondary
	cleanup
	return $rc
}
trap mirror_cleanup EXIT

# sq NAME TYPE [DIG-OPTIONS...]: ask the secondary.
sq() {
	local name=$1 type=$2
	shift 2
	dig @127.0.0.1 -p "$SEC_PORT" +tries=1 +time=2 +norec "$name" "$type" "$@"
}
sec_short() { sq "$@" +short | sort; }
sec_serial() { sec_short "$ZONE" SOA | awk '{ print $3 }'; }
sec_is() {
	local want=$1
	shift
	[ "$(sec_short "$@")" = "$want" ]
}
sec_has_serial() { [ "$(sec_serial)" = "$1" ]; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# mirror_conf: a new key, the secondary's port and directory ($SEC_NAME
# under $T), and the last zone section of $CONF made its primary:
# transfers and NOTIFY signed with the key.
mirror_conf() {
	KEY_SECRET=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
	SEC_PORT=$(free_port)
	SEC_DIR=$T/$SEC_NAME
	mkdir -p "$SEC_DIR"
	cat >>"$CONF" <<EOF
allow-transfer = 127.0.0.1 key $KEY_NAME
notify = 127.0.0.1:$SEC_PORT key $KEY_NAME

[key $KEY_NAME]
algorithm = hmac-sha256
secret = $KEY_SECRET
EOF
}

# The configuration: transfers and NOTIFY signed with the key, and data
# covering single addresses, ranges (on and off label boundaries),
# exceptions, codes and both families.
mirror_setup() {
	make_tmp
	need_binaries "$RBLDBD" "$RBLDB"
	mirror_conf
	# the allow-transfer line of make_tmp lets unsigned 127.0.0.1 in too: drop it
	sed -i '0,/^allow-transfer = 127.0.0.1$/{/^allow-transfer = 127.0.0.1$/d}' "$CONF"
	rb_ok "seed: single IPv4" report 192.0.2.5 --reason "spam relay"
	rb_ok "seed: own code" report 192.0.2.77 --code 127.0.0.4
	rb_ok "seed: /24 range" report 198.51.100.0/24 --reason "relay farm"
	rb_ok "seed: exception in the range" delist 198.51.100.7 --reason fixed
	rb_ok "seed: /20 range (split)" report 172.16.0.0/20 --reason "open relays"
	rb_ok "seed: /28 range (split)" report 203.0.113.16/28
	rb_ok "seed: single IPv6" report 2001:db8::1 --reason "v6 relay"
	rb_ok "seed: /48 IPv6 range" report 2001:db8:1::/48
	rb_ok "seed: IPv6 exception" delist 2001:db8:1::9 --reason fixed
	# Expires about 20 s from now; rbldbd's own expiry commits it (every 30 s).
	local at
	at=$(date -u -d '@'$(($(date +%s) - 40)) +%Y-%m-%dT%H:%M:%SZ)
	rb_ok "seed: entry about to expire" report "$EXPIRING" --at "$at" --lifetime 60s
}

SAMPLE="192.0.2.5 192.0.2.6 192.0.2.77 198.51.100.1 198.51.100.7 198.51.100.200
172.16.5.9 172.16.15.255 172.16.16.1 203.0.113.16 203.0.113.31 203.0.113.32 203.0.113.15
2001:db8::1 2001:db8::2 2001:db8:1::5 2001:db8:1:ffff::1 2001:db8:1::9 2001:db8:2::1
127.0.0.2 127.0.0.1 ::ffff:7f00:2 ::ffff:7f00:1"

# Every sample address: the secondary's A answer equals rbldbd's.
compare_sample() {
	local a n bad="" prim sec
	for a in $SAMPLE; do
		n=$(rname "$a")
		prim=$(dns_short "$n" A)
		sec=$(sec_short "$n" A)
		[ "$prim" = "$sec" ] || bad="$bad
$a: rbldbd '$prim', $SEC_NAME '$sec'"
	done
	if [ -z "$bad" ]; then
		ok "$SEC_NAME answers the same A as rbldbd for $(echo $SAMPLE | wc -w) sample addresses"
	else
		not_ok "$SEC_NAME answers the same A as rbldbd" "$bad"
	fi
}

# ixfr_served SERIAL: rbldbd's log shows an incremental transfer up to SERIAL.
ixfr_served() { grep -q "xfr: IXFR $ZONE serial $1 to 127.0.0.1" "$SERVER_LOG"; }

# timed_change WHAT ADDR WANT: after a change, wait for the secondary to give
# WANT as ADDR's A; print how long it took and check it came by IXFR.
timed_change() {
	local what=$1 addr=$2 want=$3 n t0 t1 serial
	n=$(rname "$addr")
	t0=$(now_ms)
	serial=$(soa_serial)
	if poll_until 30 sec_is "$want" "$n" A; then
		t1=$(now_ms)
		ok "$SEC_NAME follows: $what (serial $serial)"
		echo "# $SEC_NAME: $what seen $((t1 - t0)) ms after the commit"
	else
		not_ok "$SEC_NAME follows: $what" "secondary: '$(sec_short "$n" A)' wanted '$want'" \
		    "$(tail -n 20 "$SEC_LOG" 2>/dev/null)"
	fi
	poll_until 5 ixfr_served "$serial"
	if ixfr_served "$serial"; then
		ok "$SEC_NAME got serial $serial by IXFR after NOTIFY"
	else
		not_ok "$SEC_NAME got serial $serial by IXFR" "$(grep 'xfr:\|notify' "$SERVER_LOG" | tail -n 8)"
	fi
}

mirror_main() {
	local t0 t1 n serial
	mirror_setup
	start_server -d || finish
	t0=$(now_ms)
	start_secondary || finish
	serial=$(soa_serial)
	if poll_until 30 sec_has_serial "$serial"; then
		t1=$(now_ms)
		ok "$SEC_NAME transfers the zone (serial $serial)"
		echo "# $SEC_NAME: first transfer in $((t1 - t0)) ms from start"
	else
		not_ok "$SEC_NAME transfers the zone" "secondary serial '$(sec_serial)', rbldbd $serial" \
		    "$(tail -n 30 "$SEC_LOG" 2>/dev/null)" "$(tail -n 10 "$SERVER_LOG")"
		finish
	fi
	expect_eq "$SEC_NAME: own code served" "127.0.0.4" "$(sec_short "$(rname 192.0.2.77)" A)"
	expect_eq "$SEC_NAME: /20 range member listed" "127.0.0.2" \
	    "$(sec_short "$(rname 172.16.15.255)" A)"
	expect_eq "$SEC_NAME: exception has no A" "" "$(sec_short "$(rname 198.51.100.7)" A)"
	compare_sample

	rb_ok "report a new address" report 192.0.2.123 --reason "new relay"
	timed_change "report" 192.0.2.123 127.0.0.2
	rb_ok "delist an address" delist 192.0.2.5 --reason closed
	timed_change "delisting" 192.0.2.5 ""
	rb_ok "report a new IPv6 address" report 2001:db8:5::5
	timed_change "IPv6 report" 2001:db8:5::5 127.0.0.2

	# The expiring entry: rbldbd stops serving it at once, then commits its expiry
	# (its timer runs every 30 s); the secondary follows the commit.
	n=$(rname "$EXPIRING")
	if dns_is 127.0.0.2 "$n" A; then
		check "$SEC_NAME lists $EXPIRING while rbldbd does" sec_is 127.0.0.2 "$n" A
	fi
	if poll_until 70 grep -q "expired 1 listing" "$SERVER_LOG"; then
		timed_change "expiry committed by rbldbd" "$EXPIRING" ""
	else
		not_ok "rbldbd commits the expiry of $EXPIRING" "$(tail -n 10 "$SERVER_LOG")"
	fi
	compare_sample
	stop_secondary
	stop_server
	finish
}
