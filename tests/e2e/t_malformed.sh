#!/bin/bash
# Hostile packets against the real rbldbd, over UDP and TCP: each malformed
# query gets exactly the answer SPEC gives it (FORMERR, REFUSED, NOTIMP,
# BADVERS) or one of SPEC's silences, and a normal query right after it on
# the same socket or connection is answered.  Then TCP abuse: a length prefix
# longer than the data, a zero length, a one-octet-a-second sender and 500
# idle connections, while other clients are still answered.
. "$(dirname "$0")/lib.sh"

need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
start_server || finish
M="timeout 60 python3 $E2E_DIR/malformed.py"

# The normal query is the RFC 5782 test point 127.0.0.2, listed in every zone.
NORMAL="id=48879 op=0 rcode=NOERROR flags=qr,aa,rd qd=1 an=1 ns=0 ar=0 q=ok"
FORMERR0="id=4660 op=0 rcode=FORMERR flags=qr,rd qd=0 an=0 ns=0 ar=0"
FORMERR1="id=4660 op=0 rcode=FORMERR flags=qr,rd qd=1 an=0 ns=0 ar=0 q=ok"
FORMERR1_OPT="id=4660 op=0 rcode=FORMERR flags=qr,rd qd=1 an=0 ns=0 ar=1 opt q=ok"
REFUSED1="id=4660 op=0 rcode=REFUSED flags=qr,rd qd=1 an=0 ns=0 ar=0 q=ok"

# CASE|EXPECTED: what each packet of malformed.py gets, the same over UDP and TCP.
# A question that cannot be parsed is not echoed (qd=0); one that can is, as asked.
# An OPT that cannot be read is not one (no OPT back); one that was read is echoed,
# also when the message fails for another reason (SPEC: "OPT echoed whenever the
# query has one, including in TC, FORMERR and BADVERS replies").
EXPECTED="
short_header|none
qdcount_0|$FORMERR0
qdcount_2|$FORMERR0
truncated_name|$FORMERR0
truncated_type|$FORMERR0
label_64|$FORMERR0
extended_label|$FORMERR0
name_255|$REFUSED1
name_256|$FORMERR0
pointer_loop|$FORMERR0
pointer_forward|$FORMERR0
pointer_into_header|$FORMERR0
answer_pointer_into_header|$FORMERR1
counts_beyond_message|$FORMERR1
opt_owner_not_root|$FORMERR1
opt_rdata_truncated|$FORMERR1
opt_option_overrun|$FORMERR1_OPT
opt_in_answer|$FORMERR1
opt_twice|$FORMERR1_OPT
opt_version_1|id=4660 op=0 rcode=BADVERS flags=qr,rd qd=1 an=0 ns=0 ar=1 opt q=ok
qtype_opt|$FORMERR1
tsig_truncated|$FORMERR1
tsig_not_last|$FORMERR1_OPT
tsig_truncated_after_opt|$FORMERR1_OPT
class_chaos|$REFUSED1
class_any|$REFUSED1
opcode_15_flags|id=4660 op=15 rcode=NOTIMP flags=qr qd=1 an=0 ns=0 ar=0 q=ok
qr_set|none
notify_reply|none
"

# Every case malformed.py knows has an expectation here, and the reverse.
expect_eq "every malformed case has an expected outcome" \
    "$(python3 "$E2E_DIR/malformed.py" cases | sort)" \
    "$(printf '%s\n' "$EXPECTED" | sed -n 's/^\([a-z0-9_]*\)|.*/\1/p' | sort)"

# The held connection runs in the background, through the idle timeout
# (10 s), while the rest goes on.
$M partial "$PORT" 30 >"$T/partial.out" 2>&1 &
partial_pid=$!

for transport in udp tcp; do
	$M all "$PORT" "$transport" >"$T/$transport.out" 2>&1
	while IFS='|' read -r name want; do
		[ -n "$name" ] || continue
		line=$(grep "^$name|" "$T/$transport.out" || tail -n 5 "$T/$transport.out")
		got=$(printf '%s\n' "$line" | cut -d'|' -f2)
		then=$(printf '%s\n' "$line" | cut -d'|' -f3)
		if [ "$got" = "$want" ] && [ "$then" = "$NORMAL" ]; then
			ok "$transport $name: ${want%% flags=*}, then a normal query is answered"
		else
			not_ok "$transport $name" "expected: $want" "actual:   $got" \
			    "expected: then $NORMAL" "actual:   then $then"
		fi
	done <<<"$EXPECTED"
done

# ---- TCP abuse ----

out=$($M zerolen "$PORT" 2>&1)
expect_eq "tcp: a zero-length message is consumed without an answer, the connection goes on" \
"zero length: none
then: $NORMAL
connection: open" "$out"

out=$($M slow "$PORT" 5 2>&1)
expect_eq "tcp: while a client sends one octet a second, others are answered, then it is too" \
"others answered meanwhile: 10/10
slow query: $NORMAL" "$out"

out=$($M idle "$PORT" 500 2>&1)
expect_eq "tcp: with 500 idle connections open, UDP and a new TCP client are answered" \
"opened 500
udp: $NORMAL
tcp: $NORMAL" "$out"

wait "$partial_pid"
expect_eq "tcp: a length prefix longer than the data holds the connection, others are answered, the idle timeout closes it" \
"others: udp: $NORMAL; tcp: $NORMAL
while others were answered: open
then: closed" "$(cat "$T/partial.out")"

expect_match "the server still answers after all that" "^$NORMAL\$" \
    "$($M send "$PORT" udp qr_set | sed -n 's/^then: //p')"
stop_server
finish
