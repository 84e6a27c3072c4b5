#!/bin/bash
# A real MTA in front of a `kind = names` zone (RHSBL, RFC 5782 s3):
# Debian's Postfix with reject_rhsbl_sender, resolving through an Unbound
# of its own whose stub zone points at rbldbd.  A sender domain listed with
# `rbldb report` is refused with the zone's text, a name under a listed
# wildcard too, another sender is accepted, and after `rbldb delist` the
# first is accepted.  Namespaces as in t_postfix.sh: nothing of the
# machine's resolver, Postfix or ports is touched.
. "$(dirname "$0")/lib.sh"

CLIENT=192.0.2.67
SMTP_PORT=2525
DBL=dbl.example.org

if [ -z "${RBLDB_MTA_NS:-}" ]; then
	need_binaries "$RBLDBD" "$RBLDB"
	need_tool postfix postfix
	need_tool swaks swaks
	need_tool unbound unbound
	need_tool unbound-control unbound
	need_tool dig dnsutils
	need_tool ip iproute2
	need_tool unshare util-linux
	if [ "$(id -u)" -ne 0 ]; then
		ok "# SKIP a private Postfix needs root (namespaces, the postfix user)"
		finish
	fi
	if ! unshare --net --mount true 2>/dev/null; then
		ok "# SKIP no network/mount namespaces here (unshare -nm refused)"
		finish
	fi
	trap - EXIT
	RBLDB_MTA_NS=1 exec timeout -k 5 55 unshare --net --mount --propagation private \
	    bash "$0" "$@"
fi

# ---- inside the namespaces ----

ip link set lo up
ip addr add "$CLIENT/32" dev lo

make_tmp
chmod 755 "$T"
UNBOUND_PID=""
POSTFIX_UP=""

mta_cleanup() {
	local rc=$?
	if [ -n "$POSTFIX_UP" ]; then
		postfix -c "$T/postfix" stop >/dev/null 2>&1
		poll_until 10 postfix_gone
	fi
	if [ -n "$UNBOUND_PID" ]; then
		kill -TERM "$UNBOUND_PID" 2>/dev/null
		wait "$UNBOUND_PID" 2>/dev/null
	fi
	umount /etc/resolv.conf 2>/dev/null
	(exit $rc)
	cleanup
}
trap mta_cleanup EXIT

postfix_gone() { ! postfix -c "$T/postfix" status >/dev/null 2>&1; }

write_apex "$T/$DBL.zone" "$DBL"
cat >>"$CONF" <<EOF

[zone $DBL]
apex = $DBL.zone
kind = names
code = 127.0.1.2
text = Sender domain \$ is listed, see https://$DBL/
EOF
init_store
start_server || finish
ZONE=$DBL

# ---- Unbound: 127.0.0.1:53 of the namespace, the names zone from rbldbd ----

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
UNBOUND_PID=$!
uctl() { unbound-control -c "$T/unbound/unbound.conf" "$@"; }
# dig through Unbound: recursion on, the way Postfix asks.
via_unbound() { dig @127.0.0.1 -p 53 +tries=1 +time=2 "$@" +short; }
# A failed first try leaves Unbound backing off from the stub (its infra
# cache): forget it between tries, so a slow start costs one retry only.
unbound_resolves() {
	[ "$(via_unbound "test.$ZONE" A)" = 127.0.1.2 ] && return 0
	uctl flush_infra all >/dev/null 2>&1
	uctl flush_zone "$ZONE" >/dev/null 2>&1
	return 1
}
if poll_until 30 unbound_resolves; then
	ok "Unbound resolves the zone's test point TEST through rbldbd"
else
	not_ok "Unbound resolves the zone's test point TEST through rbldbd" \
	    "$(cat "$T/unbound/stderr" "$T/unbound/unbound.log" 2>/dev/null | tail -n 20)" \
	    "rbldbd itself: $(dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 "test.$ZONE" A +short)"
	finish
fi

# Postfix reads /etc/resolv.conf through the libc resolver: this one, in
# this mount namespace only.
echo "nameserver 127.0.0.1" >"$T/resolv.conf"
if ! out=$(mount --bind "$T/resolv.conf" /etc/resolv.conf 2>&1); then
	not_ok "a private resolv.conf for the namespace" "$out"
	finish
fi
expect_eq "the namespace's libc resolver asks Unbound" 127.0.1.2 \
    "$(getent ahostsv4 "test.$ZONE" | awk 'NR == 1 { print $1 }')"

# ---- Postfix: a private instance, smtpd on 127.0.0.1:$SMTP_PORT ----

PF=$T/postfix
mkdir -p "$PF" "$T/spool" "$T/pfdata"
chown postfix "$T/pfdata"
cat >"$PF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/pfdata
maillog_file = $T/postfix.log
maillog_file_prefixes = $T
myhostname = mx.example.test
mydomain = example.test
mydestination = example.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# 127/8 is trusted by default; keep both test clients out of mynetworks so
# every rule below applies to them.
mynetworks = 127.0.0.250/32
smtpd_sender_restrictions = reject_rhsbl_sender $ZONE
smtpd_relay_restrictions = reject_unauth_destination
# Accepted mail is thrown away: nothing is delivered anywhere.
local_recipient_maps =
alias_maps =
alias_database =
local_transport = discard
default_transport = discard
smtpd_banner = \$myhostname ESMTP rbldb test
biff = no
EOF
# No chroot (the chroot would need its own resolv.conf); max_use=1 gives
# every connection a fresh smtpd, whose DNSBL cache is empty.
cat >"$PF/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd -o max_use=1
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
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
if pf_out=$(postfix -c "$PF" start 2>&1); then
	POSTFIX_UP=yes
	ok "a private Postfix starts"
else
	not_ok "a private Postfix starts" "$pf_out" "$(cat "$T/postfix.log" 2>/dev/null)"
	finish
fi
smtp_up() { (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; }
poll_until 10 smtp_up || not_ok "Postfix listens on 127.0.0.1:$SMTP_PORT"

# send SENDER: one message from the envelope sender SENDER; the dialogue in $SENT.
send() {
	SENT=$(swaks --server "127.0.0.1:$SMTP_PORT" --local-interface "$CLIENT" \
	    --from "$1" --to postmaster@example.test \
	    --header "Subject: rbldb RHSBL test from $1" --timeout 20 2>&1)
	SENT_RC=$?
}

# accepted SENDER WHAT: the message is queued (250 after DATA).
accepted() {
	send "$1"
	if [ $SENT_RC -eq 0 ] && printf '%s\n' "$SENT" | grep -Eq '^<- +250 .*queued as'; then
		ok "$2"
	else
		not_ok "$2" "swaks exit $SENT_RC" "$SENT"
	fi
}

flush() { uctl flush_zone "$ZONE" >/dev/null && uctl flush_requestlist >/dev/null; }

accepted "someone@spam.example" "spam.example is accepted before any report"

rb_ok "rbldb report spam.example" report --zone $DBL spam.example --source postfix-test
rb_ok "rbldb report *.bulk.example" report --zone $DBL '*.bulk.example' --source postfix-test
poll_until 10 dns_is 127.0.1.2 "spam.example.$ZONE" A ||
	not_ok "rbldbd answers the listing of spam.example"
flush

send "someone@Spam.Example"
expect_match "a listed sender domain is refused with 554 naming the zone" \
    "<\*\* 554 5\.7\.1 .*Sender address \[someone@Spam.Example\] blocked using $ZONE" "$SENT"
expect_match "the refusal carries the zone's text with the name" \
    "Sender domain spam.example is listed" "$SENT"
send "someone@mail.bulk.example"
expect_match "a sender under a listed wildcard is refused" \
    "<\*\* 554 5\.7\.1 .*blocked using $ZONE" "$SENT"
accepted "someone@bulk.example" "the wildcard's own name is accepted"
accepted "someone@example.net" "an unlisted sender domain is accepted"

rb_ok "rbldb delist spam.example" delist --zone $DBL spam.example --reason "cleaned up"
poll_until 10 dns_status_is NXDOMAIN "spam.example.$ZONE" A ||
	not_ok "rbldbd stops listing spam.example"
flush
accepted "someone@spam.example" "spam.example is accepted after the delisting"

stop_server
finish
