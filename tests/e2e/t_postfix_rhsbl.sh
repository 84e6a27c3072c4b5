#!/bin/bash
# A real MTA in front of a `kind = names` zone (RHSBL, RFC 5782 s3):
# Debian's Postfix with reject_rhsbl_sender, resolving through an Unbound
# of its own whose stub zone points at rbldbd.  A sender domain listed with
# `rbldb report` is refused with the zone's text, a name under a listed
# wildcard too, another sender is accepted, and after `rbldb delist` the
# first is accepted.  Namespaces as in t_postfix.sh: nothing of the
# machine's resolver, Postfix or ports is touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

CLIENT=192.0.2.67
SMTP_PORT=2525
DBL=dbl.example.org

pf_need_mx
pf_namespace 55 --net --mount --propagation private

# ---- inside the namespaces ----

pf_loopback "$CLIENT"
make_tmp

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

pf_unbound "test.$ZONE" 127.0.1.2 \
    "Unbound resolves the zone's test point TEST through rbldbd" || finish

# ---- Postfix: a private instance, smtpd on 127.0.0.1:$SMTP_PORT ----

pf_mx "smtpd_sender_restrictions = reject_rhsbl_sender $ZONE" \
    "127.0.0.1:$SMTP_PORT inet n - n - - smtpd -o max_use=1"
pf_start mx "a private Postfix starts" || finish
poll_until 10 pf_listening 127.0.0.1 "$SMTP_PORT" ||
	not_ok "Postfix listens on 127.0.0.1:$SMTP_PORT"

# send SENDER: one message from the envelope sender SENDER; the dialogue in $SENT.
send() {
	pf_swaks "127.0.0.1:$SMTP_PORT" --local-interface "$CLIENT" \
	    --from "$1" --to postmaster@example.test \
	    --header "Subject: rbldb RHSBL test from $1"
}

# accepted SENDER WHAT: the message is queued (250 after DATA).
accepted() {
	send "$1"
	pf_queued "$2"
}

accepted "someone@spam.example" "spam.example is accepted before any report"

rb_ok "rbldb report spam.example" report --zone $DBL spam.example --source postfix-test
rb_ok "rbldb report *.bulk.example" report --zone $DBL '*.bulk.example' --source postfix-test
poll_until 10 dns_is 127.0.1.2 "spam.example.$ZONE" A ||
	not_ok "rbldbd answers the listing of spam.example"
pf_flush

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
pf_flush
accepted "someone@spam.example" "spam.example is accepted after the delisting"

stop_server
finish
