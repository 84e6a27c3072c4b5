#!/bin/bash
# ORDB-style relay verification with scripted fake MTAs on loopback
# (fakemta.py): a report on a verify = required zone stays pending until
# a relay test's message arrives at the drop box with a valid cookie; each
# trick form, the HELO fallback, 530, 421, a tarpit, 4xx and an
# accept-then-discard server get their verdicts with transcripts; a forged
# or replayed cookie confirms nothing; a retest of a closed relay delists
# it (DNS shows both); a relapse gets the doubled lifetime; the limits refuse
# never-test, reserved addresses without --connect, and a second test too early.
# The listed addresses are TEST-NET ones, reached only through --connect.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/verify_lib.sh"

need_binaries "$RBLDBD" "$RBLDB" "$VERIFY"
need_tool dig dnsutils
need_tool python3 python3

verify_conf "url = https://relays.example.org/relay-tests" "timeout = 2" \
    "never-test = 198.51.100.0/24"
verify_store

# verdict WHAT ADDR MODE STATE [FORM]: rbldb verify ADDR against a fake MTA in MODE.
verdict() {
	local what=$1 addr=$2 mode=$3 state=$4 form=${5:-} got gotform
	start_mta "$mode"
	rb verify "$addr" --connect "127.0.0.1:$MTA_PORT"
	got=$(job_field "$addr" state)
	gotform=$(job_field "$addr" form)
	if [ "$got" = "$state" ] && { [ -z "$form" ] || [ "$gotform" = "$form" ]; }; then
		ok "$what: $state${form:+ by form $form}"
	else
		not_ok "$what" "want $state form '$form', got $got form '$gotform'" \
		    "$RB_OUT" "$RB_ERR" "$(job_field "$addr" note)"
	fi
}

start_server

# ---- a report waits for its test ----
rb_ok "a report on a verified zone is taken" report 192.0.2.10 --reason "open relay" \
    --source feed
expect_match "it is pending, not listed" "pending a relay test" "$RB_OUT"
expect_eq "show --json says pending" pending "$(job_field 192.0.2.10 state)"
check "pending is not in DNS" dns_status_is NXDOMAIN "$(rname 192.0.2.10)" A

start_mta percent
if out=$("$VERIFY" -c "$CONF" --once --connect "127.0.0.1:$MTA_PORT" 2>&1); then
	ok "the tester runs the queue"
else
	not_ok "the tester runs the queue" "$out"
fi
expect_match "the queue's verdict is printed" "192.0.2.10 confirmed" "$out"
expect_eq "confirmed after the message arrived" confirmed "$(job_field 192.0.2.10 state)"
check "a confirmed relay is listed in DNS" poll_until 10 dns_is 127.0.0.2 \
    "$(rname 192.0.2.10)" A

# ---- each form and each failure ----
verdict "wide open relay" 192.0.2.11 open confirmed 1
verdict "EHLO refused, HELO fallback" 192.0.2.12 helo confirmed 1
expect_match "the transcript shows the HELO fallback" '>>> HELO tester.e2e.test' \
    "$(job_field 192.0.2.12 transcript)"
verdict "percent hack only" 192.0.2.13 percent confirmed 8
verdict "quoted local part only" 192.0.2.14 quoted confirmed 10
verdict "source route only" 192.0.2.15 route confirmed 15
verdict "bang path only" 192.0.2.16 bang confirmed 17
verdict "sender in a random subdomain only" 192.0.2.23 subdomain confirmed 20
expect_match "the sender's subdomain is a random label" \
    '>>> MAIL FROM:<[^@]*@r[0-9a-f]{14}\.dropbox\.test>' "$(job_field 192.0.2.23 transcript)"
verdict "closed relay" 192.0.2.17 closed closed
expect_match "a closed relay's transcript has all 20 forms" \
    'form 20: sender in a random subdomain' "$(job_field 192.0.2.17 transcript)"
verdict "authentication required (530)" 192.0.2.18 auth closed
expect_match "the note says 530" '530' "$(job_field 192.0.2.18 note)"
verdict "421 instead of a banner, twice" 192.0.2.19 busy inconclusive
expect_match "a 421 greeting gets one more connection" \
    'connecting again.*421 at banner' "$(job_field 192.0.2.19 transcript | tr '\n' ' ')"
verdict "421 greeting, then open on the next connection" 192.0.2.24 busyonce confirmed 1
verdict "a tarpit: the timeout is inconclusive, never closed" 192.0.2.20 tarpit inconclusive
expect_match "the note says timeout" 'timeout waiting for the reply to banner' \
    "$(job_field 192.0.2.20 note)"
verdict "4xx to every form" 192.0.2.21 tempfail inconclusive
verdict "accept-then-discard waits for its message" 192.0.2.22 discard testing 1
expect_eq "a relay message is sent once per run" 1 "$(wc -l <"$T/mta-discard.log")"
check "the drop box's mail for a confirmed test went through verify-receive" \
    grep -q '^X-Rbldb-Verify: rbldb1-' "$T/last.msg"

# ---- the Received chain at arrival is kept with the job ----
# Two hops before the fake MTA's own Received line, the first one folded.
hops='printf "Received: from hop2.test (hop2.test [192.0.2.200])\\r\\n\\tby hop3.test with ESMTP; Mon, 7 Dec 2026 12:00:00 +0000\\r\\nReceived: from hop1.test by hop2.test\\r\\n"'
start_fake mta-hops open --deliver "{ $hops; cat; } | $RBLDB -c $CONF verify-receive"
rb verify 192.0.2.25 --connect "127.0.0.1:$MTA_PORT"
expect_eq "a relayed message with three Received fields confirms" confirmed \
    "$(job_field 192.0.2.25 state)"
rcvd=$(job_field 192.0.2.25 received)
expect_eq "show --json keeps all three Received fields, one a line" 3 \
    "$(printf '%s\n' "$rcvd" | grep -c '^Received: ')"
expect_match "... in their order, the folded field whole and escaped" \
    '^Received: from hop2.test \(hop2.test \[192.0.2.200\]\)\\r\\n\\tby hop3.test with ESMTP' \
    "$(printf '%s\n' "$rcvd" | head -n 1)"
expect_match "... the fake MTA's own field last" 'Received: from tester by fake.mta.test$' \
    "$(printf '%s\n' "$rcvd" | tail -n 1)"
rb show 192.0.2.25
expect_match "show prints the chain with the test" \
    'received at the drop box:.*Received: from hop1.test by hop2.test' "$(printf '%s' "$RB_OUT" | tr '\n' ' ')"
expect_match "the history says the chain was kept" \
    'relay test confirmed.*3 Received fields are kept' "$RB_OUT"

# ---- cookies ----
rb verify-receive <"$T/last.msg"
expect_match "a replayed cookie confirms nothing" "nothing confirmed" "$RB_ERR"
# A forged cookie for the job that waits (192.0.2.22): the MAC is made with another secret.
job22=$(job_field 192.0.2.22 job)
python3 - "$job22" >"$T/forged22.msg" <<'PY'
import hashlib, hmac, sys, time
job = sys.argv[1]
t = int(time.time())
mac = hmac.new(b"not-the-secret-at-all", ("rbldb-verify|192.0.2.22|1|%s|%d" % (job, t)).encode(),
               hashlib.sha256).hexdigest()
print("Subject: forged\n\nCookie: rbldb1-%s-1-%d-%s" % (job, t, mac))
PY
rb verify-receive <"$T/forged22.msg"
if [ "$RB_RC" -ne 0 ] && [ "$(job_field 192.0.2.22 state)" = testing ]; then
	ok "a forged cookie confirms nothing"
else
	not_ok "a forged cookie confirms nothing" "exit $RB_RC" "$RB_OUT" "$RB_ERR"
fi
rb verify-receive --quiet-refusal <"$T/forged22.msg"
expect_eq "--quiet-refusal exits 0 for an MTA's pipe" 0 "$RB_RC"
check "accept-then-discard is not in DNS" dns_status_is NXDOMAIN "$(rname 192.0.2.22)" A
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
"$VERIFY" -c "$CONF" --once --at "$later" >"$T/sweep.out" 2>&1
expect_eq "no arrival within the window: inconclusive" inconclusive \
    "$(job_field 192.0.2.22 state)"
check "still not in DNS" dns_status_is NXDOMAIN "$(rname 192.0.2.22)" A

# ---- limits ----
rb verify 192.0.2.17 --connect "127.0.0.1:$MTA_PORT"
expect_match "a second test within min-interval gives the cached verdict" \
    "closed in $ZONE .cached: job" "$RB_OUT"
rb_refused "never-test is never tested" verify 198.51.100.5 --connect "127.0.0.1:$MTA_PORT"
expect_match "... and says why" "never-test 198.51.100.0/24" "$RB_ERR"
rb_refused "a report for a never-test address on a verified zone is refused" \
    report 198.51.100.6 --reason x
rb_refused "a reserved address is tested only through --connect" verify 192.0.2.30
expect_match "... and says why" "documentation" "$RB_ERR"
rb_refused "a private address too" verify 172.16.0.9
rb_refused "a range cannot be tested" report 192.0.2.0/28 --reason x

# ---- retest: closed -> delisted; relapse -> longer lifetime ----
start_mta closed
rb verify 192.0.2.13 --force --connect "127.0.0.1:$MTA_PORT"
expect_match "a retest of a listed, now closed relay delists it" "closed.*delisted" "$RB_OUT"
check "delisted in DNS" poll_until 10 dns_status_is NXDOMAIN "$(rname 192.0.2.13)" A
rb show 192.0.2.13
expect_match "the delisting cites the test" 'delist 192.0.2.13/32.*relay test job [0-9]* found no open relay' "$RB_OUT"
expect_eq "the retest was a retest" retest "$(job_field 192.0.2.13 trigger)"
rb_ok "a new report after the delisting" report 192.0.2.13 --reason "open again" --source feed
expect_match "... waits for a test again" "pending" "$RB_OUT"
start_mta percent
rb verify 192.0.2.13 --force --connect "127.0.0.1:$MTA_PORT"
rb show 192.0.2.13
expect_match "a relapse is listed for twice the lifetime (60d)" \
    'report 192.0.2.13/32 .* lifetime 60d reason "open again"' "$RB_OUT"
check "listed again in DNS" poll_until 10 dns_is 127.0.0.2 "$(rname 192.0.2.13)" A

stop_server
finish
