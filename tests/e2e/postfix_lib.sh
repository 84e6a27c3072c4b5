# Shared steps of the tests with real Postfix instances (t_postfix.sh,
# t_postfix_rhsbl.sh, t_verify_postfix.sh): source after lib.sh.
#
#   pf_need_mx                      # the tools of an MTA test, or fail naming them
#   pf_namespace SECONDS FLAGS...   # run the script again in private namespaces
#                                   # (unshare FLAGS), under a timeout; a no-op inside
#   pf_loopback ADDR...             # inside: loopback up, carrying ADDR/32 each
#   pf_instance NAME ADDR [SMTPD] <MAIN   # a private instance's files (below)
#   pf_mx RULE SMTPD                # instance "mx": RULE on every client, mail discarded
#   pf_start NAME WHAT              # postfix start, checked as WHAT
#   pf_listening ADDR PORT          # a TCP listener answers there
#   pf_unbound NAME WANT WHAT       # Unbound on 127.0.0.1:53 with $ZONE from
#                                   # rbldbd, and the namespace's resolv.conf
#   uctl ARGS...                    # unbound-control of that Unbound
#   pf_flush                        # forget what Unbound has of $ZONE
#   pf_swaks SERVER ARGS...         # one message; dialogue $SENT, exit $SENT_RC
#   pf_queued WHAT                  # ok when the last message was queued
#   PF_PIDS                         # daemons of the script's own for the EXIT trap
#
# The EXIT trap stops every instance started, Unbound and $PF_PIDS, undoes
# the resolv.conf mount and removes $T.  Nothing of the machine's resolver,
# Postfix or ports is touched: everything binds in the namespace, and
# leaving it (at the end or on a kill) takes the addresses and mounts along.

PF_ARGS=("$@")		# the script's arguments, for its run inside the namespace
PF_UP=""		# configuration directories of the running instances
PF_PIDS=""
PF_MOUNTED=""
SENT=""
SENT_RC=0

pf_gone() { ! postfix -c "$1" status >/dev/null 2>&1; }

pf_cleanup() {
	local rc=$? d p
	for d in $PF_UP; do
		postfix -c "$d" stop >/dev/null 2>&1
	done
	for d in $PF_UP; do
		poll_until 10 pf_gone "$d"
	done
	for p in $PF_PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$PF_MOUNTED" ] && umount /etc/resolv.conf 2>/dev/null
	(exit $rc)
	cleanup
}
trap pf_cleanup EXIT

# pf_need_mx: what a test of an MTA in front of rbldbd (pf_mx, pf_unbound,
# pf_swaks) needs; a missing piece fails the script, naming its package.
pf_need_mx() {
	need_binaries "$RBLDBD" "$RBLDB"
	need_tool postfix postfix
	need_tool swaks swaks
	need_tool unbound unbound
	need_tool unbound-control unbound
	need_tool dig dnsutils
}

# pf_namespace SECONDS FLAGS...: outside, run this script again in new
# namespaces (unshare FLAGS) with RBLDB_PF_NS set, killed after SECONDS;
# skip without root or namespaces.  Inside, return at once.
pf_namespace() {
	local secs=$1
	shift
	[ -n "${RBLDB_PF_NS:-}" ] && return 0
	need_tool ip iproute2
	need_tool unshare util-linux
	if [ "$(id -u)" -ne 0 ]; then
		ok "# SKIP private Postfix instances need root (namespaces, the postfix user)"
		finish
	fi
	if ! unshare "$@" true 2>/dev/null; then
		ok "# SKIP no private namespaces here (unshare $* refused)"
		finish
	fi
	# The namespace dies with the last process in it: no state left behind.
	trap - EXIT
	RBLDB_PF_NS=1 exec timeout -k 5 "$secs" unshare "$@" bash "$0" "${PF_ARGS[@]}"
}

pf_loopback() {
	local a
	ip link set lo up
	for a in "$@"; do
		ip addr add "$a/32" dev lo
	done
}

# pf_instance NAME ADDR [SMTPD]: a private Postfix: configuration in
# $T/pf-NAME, queue $T/spool-NAME, data $T/data-NAME, log $T/postfix-NAME.log.
# main.cf is the common part below and then standard input; master.cf the
# services an instance needs after SMTPD, the smtpd lines (default: port 25
# of inet_interfaces = ADDR).  No chroot (it would need its own copies of
# resolv.conf and more); max_use=1 gives every connection a fresh smtpd,
# whose DNSBL cache is empty.
#
# compatibility_level = 3.6 gives today's defaults, among them
# mynetworks_style = host: only the machine's own addresses are trusted,
# not the old subnet default.  In the namespace every test address is one
# of the machine's own, so every instance names its mynetworks itself.
pf_instance() {
	local name=$1 addr=$2 d=$T/pf-$1
	local smtpd=${3:-"smtp      inet n - n - - smtpd -o max_use=1"}
	mkdir -p "$d" "$T/spool-$name" "$T/data-$name"
	# Postfix's daemons run as user postfix and must reach their files under $T.
	chmod 755 "$T"
	chown postfix "$T/data-$name"
	{
		cat <<EOF
compatibility_level = 3.6
queue_directory = $T/spool-$name
data_directory = $T/data-$name
maillog_file = $T/postfix-$name.log
maillog_file_prefixes = $T
inet_interfaces = $addr
inet_protocols = ipv4
smtp_bind_address = $addr
local_recipient_maps =
alias_maps =
alias_database =
biff = no
EOF
		cat
	} >"$d/main.cf"
	{
		printf '%s\n' "$smtpd"
		cat <<EOF
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
	} >"$d/master.cf"
}

# pf_mx RULE SMTPD: instance "mx" on 127.0.0.1, smtpd lines SMTPD, that
# applies the main.cf line RULE to every client and throws accepted mail away.
pf_mx() {
	pf_instance mx 127.0.0.1 "$2" <<EOF
myhostname = mx.example.test
mydomain = example.test
mydestination = example.test
# Keep the test clients out of mynetworks so every rule applies to them.
mynetworks = 127.0.0.250/32
$1
smtpd_relay_restrictions = reject_unauth_destination
# Accepted mail is thrown away: nothing is delivered anywhere.
local_transport = discard
default_transport = discard
smtpd_banner = \$myhostname ESMTP rbldb test
EOF
}

# pf_start NAME WHAT: start instance NAME; ok WHAT, or not_ok with its log and 1.
pf_start() {
	local out
	if out=$(postfix -c "$T/pf-$1" start 2>&1); then
		PF_UP="$PF_UP $T/pf-$1"
		ok "$2"
	else
		not_ok "$2" "$out" "$(cat "$T/postfix-$1.log" 2>/dev/null)"
		return 1
	fi
}

pf_listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

uctl() { unbound-control -c "$T/unbound/unbound.conf" "$@"; }

# A failed first try leaves Unbound backing off from the stub (its infra
# cache): forget it between tries, so a slow start costs one retry only.
# dig through Unbound: recursion on, the way Postfix asks.
pf_unbound_resolves() {
	[ "$(dig @127.0.0.1 -p 53 +tries=1 +time=2 "$1" A +short)" = "$2" ] && return 0
	uctl flush_infra all >/dev/null 2>&1
	uctl flush_zone "$ZONE" >/dev/null 2>&1
	return 1
}

# pf_unbound NAME WANT WHAT: Unbound on 127.0.0.1:53 of the namespace, $ZONE
# from rbldbd by a stub zone; ok WHAT once NAME resolves to WANT through it.
# Then Postfix, which reads /etc/resolv.conf through the libc resolver, gets
# one naming this Unbound, in the mount namespace only.  1 on a failure.
pf_unbound() {
	local out
	mkdir -p "$T/unbound"
	cat >"$T/unbound/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: 53
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$T/unbound"
	pidfile: "$T/unbound/unbound.pid"
	use-syslog: no
	logfile: "$T/unbound/unbound.log"
	verbosity: 1
	module-config: "iterator"
	# The stub's address is on loopback, which Unbound skips by default.
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	access-control: 192.0.2.0/24 allow
remote-control:
	control-enable: yes
	control-interface: "$T/unbound/control.sock"
	control-use-cert: no
stub-zone:
	name: "$ZONE"
	stub-addr: 127.0.0.1@$PORT
EOF
	unbound -d -c "$T/unbound/unbound.conf" >"$T/unbound/stderr" 2>&1 &
	PF_PIDS="$PF_PIDS $!"
	if poll_until 30 pf_unbound_resolves "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3" \
		    "$(cat "$T/unbound/stderr" "$T/unbound/unbound.log" 2>/dev/null | tail -n 20)" \
		    "rbldbd itself: $(dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 "$1" A +short)"
		return 1
	fi
	echo "nameserver 127.0.0.1" >"$T/resolv.conf"
	if ! out=$(mount --bind "$T/resolv.conf" /etc/resolv.conf 2>&1); then
		not_ok "a private resolv.conf for the namespace" "$out"
		return 1
	fi
	PF_MOUNTED=yes
	expect_eq "the namespace's libc resolver asks Unbound" "$2" \
	    "$(getent ahostsv4 "$1" | awk 'NR == 1 { print $1 }')"
}

# A name cached by Unbound would hide a change for its TTL: operators of a
# local resolver flush the zone the same way.
pf_flush() { uctl flush_zone "$ZONE" >/dev/null && uctl flush_requestlist >/dev/null; }

# pf_swaks SERVER ARGS...: one message through swaks to SERVER (HOST:PORT).
pf_swaks() {
	local server=$1
	shift
	SENT=$(swaks --server "$server" "$@" --timeout 20 2>&1)
	SENT_RC=$?
}

# pf_queued WHAT: the last pf_swaks message was queued (250 after DATA).
pf_queued() {
	if [ "$SENT_RC" -eq 0 ] && printf '%s\n' "$SENT" | grep -Eq '^<- +250 .*queued as'; then
		ok "$1"
	else
		not_ok "$1" "swaks exit $SENT_RC" "$SENT"
	fi
}
