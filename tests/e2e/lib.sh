# Shared helpers for the end-to-end tests: source it from a bash t_*.sh script.
#
#   . "$(dirname "$0")/lib.sh"
#   need_tool dig dnsutils
#   make_tmp                    # $T, with $CONF = $T/test.conf and apex files
#   start_server                # rbldbd on a free loopback port: $PORT, $SERVER_PID
#   rb report 192.0.2.5 --reason test
#   poll_until 10 dns_is 127.0.0.2 5.2.0.192.relays.example.org A
#   check "listed" dns_is 127.0.0.2 5.2.0.192.relays.example.org A
#   server_metric 'rbldb_rrl_total{action="drop"}'   # with [server] metrics
#   stop_server                 # SIGTERM, wait, exit code 0 checked
#   finish                      # "N passed, N failed", non-zero on failure
#
# Every check prints "ok N - what" or "not ok N - what" with '#' detail lines.
# Waits poll with a generous timeout; nothing asserts how fast something is.
# Set KEEP=1 to keep the temporary directory, and RBLDBD_WRAP to run the
# server under a tool (RBLDBD_WRAP="valgrind --error-exitcode=99 -q").

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$E2E_DIR/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
RBLDBD=$BUILD/rbldbd
RBLDB=$BUILD/rbldb
ZONE=relays.example.org
APEX_SERIAL=2026112801

T=""
CONF=""
PORT=""
SERVER_PID=""
SERVER_LOG=""
HAVE_IPV6=""
npass=0
nfail=0
ntest=0

ok() {
	ntest=$((ntest + 1)); npass=$((npass + 1))
	echo "ok $ntest - $1"
}

# not_ok WHAT [DETAIL...]: a failure, each detail on its own '#' line.
not_ok() {
	ntest=$((ntest + 1)); nfail=$((nfail + 1))
	echo "not ok $ntest - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# check WHAT CMD...: ok when CMD exits 0; else not_ok with its output.
check() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		ok "$what"
	else
		not_ok "$what" "command: $*" "exit $rc" "$out"
	fi
	return $rc
}

# check_not WHAT CMD...: ok when CMD fails.
check_not() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -ne 0 ]; then
		ok "$what"
	else
		not_ok "$what" "command succeeded but should not: $*" "$out"
	fi
	[ $rc -ne 0 ]
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected: $2" "actual:   $3"
	fi
	[ "$2" = "$3" ]
}

# expect_match WHAT ERE TEXT: TEXT (any line of it) matches the extended regex.
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1" "expected to match: /$2/" "actual: $3"
		return 1
	fi
}

# expect_no_match WHAT ERE TEXT: TEXT is not empty and no line of it matches
# (an empty TEXT, a command that said nothing, proves nothing).
expect_no_match() {
	if [ -z "$3" ]; then
		not_ok "$1" "no output to look at"
		return 1
	fi
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		not_ok "$1" "expected not to match: /$2/" "actual: $3"
		return 1
	fi
	ok "$1"
}

# poll_until TIMEOUT CMD...: run CMD every 0.1 s until it succeeds (0) or
# TIMEOUT seconds have passed (1).
poll_until() {
	local timeout=$1 end
	shift
	end=$(($(date +%s%N) + timeout * 1000000000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# finish: the summary line run-e2e.sh adds up; exit status 1 on any failure.
finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ] && exit 0
	exit 1
}

# need_tool TOOL PACKAGE: a missing tool fails the script, naming the package.
need_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	not_ok "$1 is installed" "$1 not found: apt-get install $2 (or make deps-test)"
	finish
}

need_binaries() {
	local b
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			not_ok "$b is built" "run make first (BUILD=$BUILD)"
			finish
		fi
	done
}

# ---- temporary directory, configuration ----

cleanup() {
	local rc=$?
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		poll_until 10 server_gone || kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	SERVER_PID=""
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ -n "${KEEP:-}" ]; then
			echo "# kept $T"
		else
			rm -rf "$T"
		fi
	fi
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# write_apex FILE ZONE: a zone apex file with serial $APEX_SERIAL.
write_apex() {
	cat >"$1" <<EOF
\$ORIGIN $2.
\$TTL 3600
@ IN SOA ns1.example.org. hostmaster.example.org. $APEX_SERIAL 3600 600 1209600 300
@ IN NS ns1.example.org.
@ IN NS ns2.example.org.
EOF
}

# make_tmp: $T with $CONF, a configuration of zone $ZONE (both families,
# code 127.0.0.2, the default text) whose store is $T/db, made by rbldb init
# (no other command creates one).  Tests may append sections to $CONF before
# starting the server; a store elsewhere needs its own init_store -D DIR.
make_tmp() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/rbldb-e2e.XXXXXX") || exit 1
	CONF=$T/test.conf
	write_apex "$T/$ZONE.zone" "$ZONE"
	cat >"$CONF" <<EOF
[server]
; rbldbd is started with -l; the loader ignores listen.
listen = 127.0.0.1:5300
db = db
threads = 2

[zone $ZONE]
apex = $ZONE.zone
family = both
code = 127.0.0.2
text = Listed as an open relay, see https://$ZONE/lookup?ip=\$
ttl = 2100
lifetime = 30d
max-range = 16
never-list = 10.0.0.0/8 192.168.0.0/16
allow-transfer = 127.0.0.1
EOF
	init_store
}

# names_zone NAME [LINE...]: a `kind = names` zone NAME appended to $CONF,
# with its apex file; each LINE ("key = value") goes into its section.
names_zone() {
	local z=$1 line
	shift
	write_apex "$T/$z.zone" "$z"
	printf '\n[zone %s]\napex = %s.zone\nkind = names\n' "$z" "$z" >>"$CONF"
	for line in "$@"; do
		printf '%s\n' "$line" >>"$CONF"
	done
}

# init_store [-D DIR]: rbldb init on $CONF (or DIR); failing it ends the script.
init_store() {
	local out
	if ! out=$("$RBLDB" -c "$CONF" "$@" init 2>&1); then
		not_ok "rbldb init $* makes the test store" "$out"
		finish
	fi
}

# iso SECONDS: the RFC 3339 UTC time of a Unix time, as reports take it.
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ---- the server ----

server_gone() { ! kill -0 "$SERVER_PID" 2>/dev/null; }
server_up() { grep -q '^rbldbd ready: ' "$SERVER_LOG"; }
server_up_or_gone() { server_up || server_gone; }

ipv6_loopback() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
	    2>/dev/null
}

# start_server [ARGS...]: start rbldbd on $CONF on a random free port of
# 127.0.0.1 (and ::1 when the host has IPv6), wait for its ready line.
# Sets PORT, SERVER_PID, SERVER_LOG.  A port taken by someone else is retried.
start_server() {
	local attempt port
	local -a args
	[ -n "$HAVE_IPV6" ] || { ipv6_loopback && HAVE_IPV6=yes || HAVE_IPV6=no; }
	SERVER_LOG=$T/rbldbd.log
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		args=(-c "$CONF" -l "127.0.0.1:$port")
		[ "$HAVE_IPV6" = yes ] && args+=(-l "[::1]:$port")
		# Emptied here, not only by the child's redirection: a poll that ran
		# before the child's would read the last server's ready line.
		: >"$SERVER_LOG"
		# shellcheck disable=SC2086
		${RBLDBD_WRAP:-} "$RBLDBD" "${args[@]}" "$@" >"$SERVER_LOG" 2>&1 &
		SERVER_PID=$!
		if ! poll_until 10 server_up_or_gone; then
			not_ok "rbldbd starts (attempt $attempt)" "no ready line in 10 s" \
			    "$(cat "$SERVER_LOG")"
			return 1
		fi
		if server_up; then
			PORT=$port
			return 0
		fi
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=""
		grep -q 'Address already in use' "$SERVER_LOG" || break
	done
	not_ok "rbldbd starts" "$(cat "$SERVER_LOG")"
	return 1
}

# stop_server: SIGTERM; the server must exit 0 within 10 s.
stop_server() {
	local rc
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID"
	if ! poll_until 10 server_gone; then
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=""
		not_ok "rbldbd exits on SIGTERM" "still running after 10 s" "$(tail -n 20 "$SERVER_LOG")"
		return 1
	fi
	wait "$SERVER_PID"; rc=$?
	SERVER_PID=""
	if [ $rc -eq 0 ]; then
		ok "rbldbd exits 0 on SIGTERM"
	else
		not_ok "rbldbd exits 0 on SIGTERM" "exit $rc" "$(tail -n 20 "$SERVER_LOG")"
	fi
}

# server_metric SAMPLE: the value of SAMPLE (a name and its labels, as
# served: 'rbldb_rrl_total{action="drop"}') at the /metrics address the
# server logged; its configuration sets [server] metrics = 127.0.0.1:0.
server_metric() {
	local url
	url=$(sed -n 's|.*metrics: serving \(http://[^ ]*/metrics\).*|\1|p' "$SERVER_LOG" | head -n 1)
	[ -n "$url" ] || return 1
	python3 - "$url" "$1" <<'EOF'
import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if line.rpartition(" ")[0] == sys.argv[2]:
        print(line.rpartition(" ")[2])
EOF
}

# ---- the loader ----

# rb ARGS...: rbldb on $CONF; stdout in $RB_OUT, stderr in $RB_ERR, exit in $RB_RC.
rb() {
	"$RBLDB" -c "$CONF" "$@" >"$T/rb.out" 2>"$T/rb.err"
	RB_RC=$?
	RB_OUT=$(cat "$T/rb.out")
	RB_ERR=$(cat "$T/rb.err")
	return $RB_RC
}

# rb_ok WHAT ARGS...: an rbldb command that must succeed.
rb_ok() {
	local what=$1
	shift
	if rb "$@"; then
		ok "$what"
	else
		not_ok "$what" "rbldb $* exited $RB_RC" "$RB_OUT" "$RB_ERR"
		return 1
	fi
}

# ---- DNS queries ----

# dq NAME TYPE [DIG-OPTIONS...]: dig against the server, full output.
dq() {
	local name=$1 type=$2
	shift 2
	dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 +norec "$name" "$type" "$@"
}

# dns_short NAME TYPE [DIG-OPTIONS...]: the answer's data, one record a line, sorted.
dns_short() {
	dq "$@" +short | sort
}

# dns_status NAME TYPE [DIG-OPTIONS...]: NOERROR, NXDOMAIN, REFUSED, ...
dns_status() {
	dq "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# dns_is EXPECTED NAME TYPE [DIG-OPTIONS...]: the short answer is EXPECTED
# (several records: newline separated, sorted).
dns_is() {
	local want=$1
	shift
	[ "$(dns_short "$@")" = "$want" ]
}

# dns_status_is STATUS NAME TYPE [DIG-OPTIONS...]
dns_status_is() {
	local want=$1
	shift
	[ "$(dns_status "$@")" = "$want" ]
}

# soa_serial [ZONE]: the serial the server gives for the zone's SOA.
soa_serial() {
	dns_short "${1:-$ZONE}" SOA | awk '{ print $3 }'
}

# rname ADDR: the DNSBL name of an IPv4 or IPv6 address under $ZONE (RFC 5782).
rname() {
	python3 - "$1" "$ZONE" <<'EOF'
import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
if a.version == 4:
    labels = str(a).split('.')[::-1]
else:
    labels = list(a.exploded.replace(':', ''))[::-1]
print('.'.join(labels) + '.' + sys.argv[2])
EOF
}
