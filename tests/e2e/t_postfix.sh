#!/bin/bash
# A real MTA in front of rbldbd: Debian's Postfix with reject_rbl_client,
# resolving through an Unbound of its own whose stub zone points at rbldbd.
# A TEST-NET-1 address listed with `rbldb report` is refused with the zone's
# text, another is accepted, and after `rbldb delist` the first is accepted.
# A second smtpd asks through a key (keyed access, `reject_rbl_client
# KEY.zone=127.0.0.2`): the listed address is refused there too, the other
# accepted.
#
# Everything runs in a private network and mount namespace (unshare -nm):
# its own loopback carries 192.0.2.66 and .67 as the clients' addresses,
# Unbound takes 127.0.0.1:53 there, and a private resolv.conf is bound over
# /etc/resolv.conf for the namespace only.  The machine's resolver, its
# Postfix and its ports are never touched; leaving the namespace (at the end
# or on a kill) takes the addresses and the mount with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

LISTED=192.0.2.66
OTHER=192.0.2.67
SMTP_PORT=2525
KEYED_PORT=2526
KEY=postfix0test0key

pf_need_mx
pf_namespace 55 --net --mount --propagation private

# ---- inside the namespaces ----

pf_loopback "$LISTED" "$OTHER"
make_tmp

printf 'keys = allowed\nkey-refusal = 127.255.255.254 "key over quota"\n' >>"$CONF"
rb_ok "rbldb key add" key add "$KEY" --customer postfix-test
start_server || finish

# ---- Unbound: 127.0.0.1:53 of the namespace, relays.example.org from rbldbd ----

pf_unbound "2.0.0.127.$ZONE" 127.0.0.2 \
    "Unbound resolves the zone's test point 127.0.0.2 through rbldbd" || finish

# ---- Postfix: a private instance, smtpd on 127.0.0.1:$SMTP_PORT ----

# The second smtpd asks through the key.
pf_mx "smtpd_client_restrictions = reject_rbl_client $ZONE" \
    "127.0.0.1:$SMTP_PORT inet n - n - - smtpd -o max_use=1
127.0.0.1:$KEYED_PORT inet n - n - - smtpd -o max_use=1
  -o smtpd_client_restrictions=reject_rbl_client,$KEY.$ZONE=127.0.0.2"
pf_start mx "a private Postfix starts" || finish
poll_until 10 pf_listening 127.0.0.1 "$SMTP_PORT" ||
	not_ok "Postfix listens on 127.0.0.1:$SMTP_PORT"

# send FROM [PORT]: one message from source address FROM; the SMTP dialogue in $SENT.
send() {
	pf_swaks "127.0.0.1:${2:-$SMTP_PORT}" --local-interface "$1" \
	    --from sender@example.net --to postmaster@example.test \
	    --header "Subject: rbldb test from $1"
}

# accepted FROM WHAT [PORT]: the message is queued (250 after DATA).
accepted() {
	send "$1" "${3:-}"
	pf_queued "$2"
}

accepted "$LISTED" "$LISTED is accepted before any report"

rb_ok "rbldb report $LISTED" report "$LISTED" --source postfix-test
poll_until 10 dns_is 127.0.0.2 "$(rname "$LISTED")" A ||
	not_ok "rbldbd answers the listing of $LISTED"
pf_flush

send "$LISTED"
expect_match "$LISTED is refused with 554 naming the zone" \
    "<\*\* 554 5\.7\.1 .*Client host \[$LISTED\] blocked using $ZONE" "$SENT"
expect_match "the refusal carries the zone's text for $LISTED" \
    "Listed as an open relay, see https://$ZONE/lookup\?ip=$LISTED" "$SENT"
if [ $SENT_RC -ne 0 ]; then
	ok "swaks fails for the listed client"
else
	not_ok "swaks fails for the listed client" "$SENT"
fi

accepted "$OTHER" "$OTHER, not listed, is accepted"

send "$LISTED" "$KEYED_PORT"
expect_match "through a key: $LISTED is refused with 554" \
    "<\*\* 554 5\.7\.1 .*Client host \[$LISTED\] blocked using $KEY\.$ZONE" "$SENT"
accepted "$OTHER" "through a key: $OTHER, not listed, is accepted" "$KEYED_PORT"

rb_ok "rbldb delist $LISTED" delist "$LISTED" --reason "relay closed"
poll_until 10 dns_status_is NXDOMAIN "$(rname "$LISTED")" A ||
	not_ok "rbldbd stops listing $LISTED"
pf_flush
accepted "$LISTED" "$LISTED is accepted after the delisting"

if grep -q "reject: RCPT from .*\[$LISTED\]: 554" "$T/postfix-mx.log"; then
	ok "Postfix logged the DNSBL rejection"
else
	not_ok "Postfix logged the DNSBL rejection" "$(tail -n 20 "$T/postfix-mx.log")"
fi

stop_server
finish
