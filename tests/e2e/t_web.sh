#!/bin/bash
# rbldb-web with curl (issue 20): lookup of listed, unlisted, invalid
# addresses and ranges in every zone, the JSON API and the status page, the
# headers, removal requests under each policy (queue, self, retest), CSRF,
# rate limits, size limits and X-Forwarded-For only from a trusted proxy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need_tool curl curl
need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB" "$RBLDB_WEB"
make_tmp
web_conf

check "rbldb-web --help exits 0" "$RBLDB_WEB" --help
check_not "rbldb-web without -c is refused" "$RBLDB_WEB"
check_not "rbldb-web refuses a store that does not exist" \
    "$RBLDB_WEB" -c "$CONF" -D "$T/nosuch" -l 127.0.0.1:0

XSS='<script>alert(1)</script>" onmouseover="x'
rb_ok "report a listed address" report 192.0.2.5 --reason "open relay $XSS" \
    --source trap-secret-7 --evidence "EVIDENCE-PRIVATE"
rb_ok "report an IPv6 range" report 2001:db8::/48 --reason "v6 relay range"
rb_ok "report in the self zone" report 198.51.100.7 --zone $ZSELF --reason "relay"
rb_ok "report in the retest zone" report 203.0.113.9 --zone $ZRETEST --reason "relay"
rb_ok "report in the retest zone, still open later" report 203.0.113.10 --zone $ZRETEST \
    --reason "relay"
rb_ok "report to reject later" report 192.0.2.77 --reason "relay"
start_server || finish
start_web || finish

# ---- pages and headers ----
wf /
expect_eq "home page is 200" 200 "$WEB_STATUS"
expect_match "home page has the lookup form" '<label for="ip">' "$BODY"
expect_match "Content-Security-Policy forbids scripts and framing" \
    "default-src 'none'.*frame-ancestors 'none'" "$(web_header Content-Security-Policy)"
expect_eq "X-Frame-Options DENY" DENY "$(web_header X-Frame-Options)"
expect_eq "nosniff" nosniff "$(web_header X-Content-Type-Options)"
wf /style.css
expect_match "the style sheet is served as CSS" '^text/css' "$(web_header Content-Type)"

wf "/lookup?ip=192.0.2.5"
expect_eq "listed lookup is 200" 200 "$WEB_STATUS"
expect_match "listed address says so" '192.0.2.5 is listed in 1 of 3 zones' "$BODY"
expect_match "the reason is shown, escaped" 'open relay &lt;script&gt;alert\(1\)&lt;/script&gt;&quot; onmouseover=&quot;x' "$BODY"
check_not "no raw script tag from a reason" grep -q '<script>' "$T/web.body"
check_not "never the source" grep -q 'trap-secret-7' "$T/web.body"
check_not "never the evidence" grep -q 'EVIDENCE-PRIVATE' "$T/web.body"
expect_match "first seen and expiry shown" 'First seen.*' "$BODY"
expect_match "expiry shown" '<dt>Expires</dt><dd><time' "$BODY"
expect_match "public history shown" 'data-label="Event">Reported</td>' "$BODY"
expect_match "a removal form with a CSRF token" 'name="csrf" value="[0-9]+\.[0-9a-f]{64}"' "$BODY"

wf "/lookup?ip=192.0.2.6"
expect_match "unlisted address says so" '192.0.2.6 is not listed' "$BODY"
wf "/lookup?ip=2001:db8::1"
expect_match "IPv6 inside a listed range is listed" 'is listed in 1 of 3 zones' "$BODY"
expect_match "the listed range is named" '<code>2001:db8::/48</code>' "$BODY"
wf "/lookup?ip=::ffff:192.0.2.5"
expect_match "an IPv4-mapped address is looked up as IPv4" '192.0.2.5 is listed' "$BODY"
wf "/lookup?ip=2001:db8::/32"
expect_match "a range lookup counts the listings inside it" '1 listed address inside this range' "$BODY"
wf "/lookup?ip=999.1.1.1%3Cb%3E"
expect_eq "an invalid address is 400" 400 "$WEB_STATUS"
expect_match "an invalid address is explained, escaped" '999.1.1.1&lt;b&gt;' "$BODY"

# ---- JSON ----
wf /api/v1/lookup/192.0.2.5
expect_match "JSON content type" '^application/json' "$(web_header Content-Type)"
json_ok() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); z=[z for z in d["zones"] if z["zone"]=="relays.example.org"][0]; assert z["listed"] and z["code"]=="127.0.0.2" and z["reason"].startswith("open relay <script>"), d; assert "source" not in json.dumps(d) and "EVIDENCE" not in json.dumps(d)' "$T/web.body"
}
check "JSON says listed, code, reason; no source or evidence" json_ok
wf /api/v1/lookup/nonsense
expect_eq "JSON of an invalid address is 400" 400 "$WEB_STATUS"
expect_match "JSON error named" '"error"' "$BODY"
wf /api/v1/status
serial=$(soa_serial)
expect_match "status JSON has the zone's serial as the DNS says" "\"serial\": $serial" "$BODY"
wf /status
expect_match "status page lists the zones" "$ZRETEST" "$BODY"

# ---- CSRF, methods, sizes ----
wr 192.0.2.5 $ZONE "fixed" ""
expect_eq "POST without a CSRF token is 403" 403 "$WEB_STATUS"
wr 192.0.2.5 $ZONE "fixed" "1796651271.310f7021cac2ddec22059572a6e5e84b1690fdf198019dfa3eb10ad2448225b2"
expect_eq "POST with a forged token is 403" 403 "$WEB_STATUS"
wf /remove
expect_eq "GET /remove is 405" 405 "$WEB_STATUS"
expect_eq "Allow: POST" POST "$(web_header Allow)"
head -c 20000 /dev/zero | tr '\0' a >"$T/big"
wf /remove -X POST --data-urlencode "reason@$T/big"
expect_eq "a body over the limit is 413" 413 "$WEB_STATUS"

# A client that starts a request and never ends it is cut off (slowloris).
slow_client_cut() {
	python3 - "${WEB#http://}" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
s.settimeout(120)  # generous: the server's limit is 15 s
try:
    while s.recv(4096):  # a 408, if any, then the close
        pass
except socket.timeout:
    sys.exit("still open after 120 s")
PY
}
check "a request that never ends is cut off by the server" slow_client_cut

# ---- queue ----
tok=$(web_token 192.0.2.5)
wr 192.0.2.5 $ZONE "closed the relay" "$tok"
expect_eq "queue: POST /remove redirects" 303 "$WEB_STATUS"
loc=$(web_header Location)
expect_match "queue: to the lookup page with the request" '^/lookup\?ip=192.0.2.5&req=[0-9]+$' "$loc"
qid=${loc##*req=}
wf "$loc"
expect_match "queue: the page tells the request waits" "request #$qid is waiting for the operator" "$BODY"
check "queue: still listed in the DNS" dns_is 127.0.0.2 5.2.0.192.$ZONE A
rb_ok "rbldb requests lists it" requests
expect_match "rbldb requests shows the reason and contact" "closed the relay" "$RB_OUT"
wr 192.0.2.5 $ZONE "again" "$tok"
expect_eq "queue: a second request while one waits is 409" 409 "$WEB_STATUS"
rb_ok "rbldb request accept" request accept "$qid" --reason "relay fixed, thanks"
check "queue: accepted means delisted in the DNS" poll_until 10 dns_status_is NXDOMAIN 5.2.0.192.$ZONE A
wf "/lookup?ip=192.0.2.5&req=$qid"
expect_match "queue: the requester sees the outcome" "request #$qid is accepted: delisted" "$BODY"
expect_match "queue: the decision is in the public history" "accepted: relay fixed, thanks" "$BODY"
rb_ok "rbldb show has the request and decision" show 192.0.2.5
expect_match "show: the removal request" 'removal-request 192.0.2.5/32 .* by "request #'"$qid"'"' "$RB_OUT"
expect_match "show: the decision" 'request-decision 192.0.2.5/32 .*reason "relay fixed, thanks"' "$RB_OUT"

tok=$(web_token 192.0.2.77)
wr 192.0.2.77 $ZONE "please" "$tok"
rid=$(web_header Location); rid=${rid##*req=}
rb_ok "rbldb request reject" request reject "$rid" --reason "still open"
check "reject: still listed" dns_is 127.0.0.2 77.2.0.192.$ZONE A
wf "/lookup?ip=192.0.2.77&req=$rid"
expect_match "reject: the requester sees it" "request #$rid is rejected" "$BODY"
rb request accept "$rid"
expect_eq "a decided request cannot be decided again" 1 "$RB_RC"

# ---- self ----
check "self: listed before" dns_is 127.0.0.2 7.100.51.198.$ZSELF A
tok=$(web_token 198.51.100.7)
wr 198.51.100.7 $ZSELF "fixed" "$tok"
expect_eq "self: POST redirects" 303 "$WEB_STATUS"
check "self: the DNS answer changes at once" poll_until 10 dns_status_is NXDOMAIN 7.100.51.198.$ZSELF A
wf "$(web_header Location)"
expect_match "self: the page says done" 'is done: delisted at once' "$BODY"
rb_ok "listed again" report 198.51.100.7 --zone $ZSELF --reason "relay again"
tok=$(web_token 198.51.100.7)
wr 198.51.100.7 $ZSELF "fixed again" "$tok"
expect_eq "self: a second self-removal within removal-interval is refused" 429 "$WEB_STATUS"
check "self: refused means still listed" dns_is 127.0.0.2 7.100.51.198.$ZSELF A

# ---- retest ----
tok=$(web_token 203.0.113.9)
wr 203.0.113.9 $ZRETEST "closed" "$tok"
expect_eq "retest: POST redirects" 303 "$WEB_STATUS"
wf "$(web_header Location)"
expect_match "retest: the page shows it waits for a relay test" 'waiting for a relay test' "$BODY"
rb_ok "retest: rbldb requests shows pending-retest" requests --zone $ZRETEST
expect_match "retest: state pending-retest" 'pending-retest' "$RB_OUT"
check "retest: still listed until a test decides" dns_is 127.0.0.2 9.113.0.203.$ZRETEST A
# The request queued a retest for the relay tester, which then decides it.
job_state() {
	"$RBLDB" -c "$CONF" show 203.0.113.9 --json | python3 -c '
import json, sys
t = json.load(sys.stdin).get("relay_tests") or [{}]
print(t[-1].get("state"), t[-1].get("trigger"))'
}
expect_eq "retest: the request queued a relay test of the address" "pending retest" "$(job_state)"
# The tester never runs as root: as root, the store becomes nobody's (as in t_verify).
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$T"
	chown -R nobody "$T/db"
fi
python3 "$E2E_DIR/fakemta.py" closed >"$T/mta.out" 2>&1 &
MTA_PID=$!
poll_until 20 grep -q '^ready ' "$T/mta.out"
rb verify 203.0.113.9 --zone "$ZRETEST" --connect "127.0.0.1:$(awk '/^ready/ {print $2}' "$T/mta.out")"
kill "$MTA_PID" 2>/dev/null; wait "$MTA_PID" 2>/dev/null
[ "$(id -u)" -eq 0 ] && chown -R root "$T/db"	# root's again, for the sections below
expect_match "retest: the relay is closed now" "closed" "$RB_OUT $RB_ERR"
check "retest: the closed relay is delisted" poll_until 10 dns_status_is NXDOMAIN \
    9.113.0.203.$ZRETEST A
rb_ok "retest: rbldb requests --all" requests --zone $ZRETEST --all
expect_match "retest: the request is accepted by the test" 'accepted' "$RB_OUT"
wf "/lookup?ip=203.0.113.9"
expect_match "retest: the page tells the requester the verdict" 'found no open relay' "$BODY"

# A retest that finds the relay still open rejects the request: the fake
# MTA relays the test message to the drop box (verify-receive).
tok=$(web_token 203.0.113.10)
wr 203.0.113.10 $ZRETEST "closed, honest" "$tok"
expect_eq "retest, still open: POST redirects" 303 "$WEB_STATUS"
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody "$T/db"
fi
python3 "$E2E_DIR/fakemta.py" open --deliver "$RBLDB -c $CONF verify-receive" \
    >"$T/mta-open.out" 2>&1 &
MTA_PID=$!
poll_until 20 grep -q '^ready ' "$T/mta-open.out"
rb verify 203.0.113.10 --zone "$ZRETEST" \
    --connect "127.0.0.1:$(awk '/^ready/ {print $2}' "$T/mta-open.out")"
kill "$MTA_PID" 2>/dev/null; wait "$MTA_PID" 2>/dev/null
[ "$(id -u)" -eq 0 ] && chown -R root "$T/db"
expect_match "retest, still open: the relay test confirms it" "confirmed" "$RB_OUT $RB_ERR"
rb_ok "retest, still open: rbldb requests --all" requests --zone $ZRETEST --all
expect_match "retest, still open: the request is rejected by the test" \
    '203\.0\.113\.10.*rejected|rejected.*203\.0\.113\.10' "$RB_OUT"
check "retest, still open: still listed in the DNS" dns_is 127.0.0.2 10.113.0.203.$ZRETEST A

# ---- not listed ----
wr 192.0.2.6 $ZONE "x" "$(web_token 198.51.100.7)"
expect_eq "removal of an address not listed is 409" 409 "$WEB_STATUS"
stop_web

# ---- rate limits and the trusted proxy ----
cat >>"$CONF" <<CONF
trusted-proxy = 127.0.0.1
requests-per-client = 2
CONF
start_web || finish
xff=(-H "X-Forwarded-For: 203.0.113.50")
tok=$(web_token 192.0.2.77 "${xff[@]}")
wr 192.0.2.77 $ZONE "via proxy" "$tok" "${xff[@]}"
expect_eq "behind the proxy: the request is taken" 303 "$WEB_STATUS"
rb_ok "requests --json" requests --json
expect_match "the client is the X-Forwarded-For address" '"client": "203.0.113.50"' "$RB_OUT"
wr 192.0.2.77 $ZONE "via proxy" "$(web_token 192.0.2.77)" -H "X-Forwarded-For: 203.0.113.51"
expect_eq "a token of another client is refused" 403 "$WEB_STATUS"
wr 192.0.2.77 $ZONE "again" "$tok" "${xff[@]}"
expect_eq "the second request of the client counts (409: one waits)" 409 "$WEB_STATUS"
wr 192.0.2.77 $ZONE "again" "$tok" "${xff[@]}"
expect_eq "the third request of the client's prefix is rate-limited" 429 "$WEB_STATUS"
expect_match "rate limit explained" 'Too many removal requests' "$BODY"
stop_web
stop_server

# ---- privileges: as root with [web] user it serves as that user ----
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$T"
	chown -R nobody "$T/db"		# the store of the user the programs run as
	echo "user = nobody" >>"$CONF"
	start_web || finish
	expect_eq "rbldb-web runs as [web] user after binding" "$(id -u nobody)" \
	    "$(awk '/^Uid:/ { print $3 }' "/proc/$WEB_PID/status")"
	wf "/lookup?ip=192.0.2.77"
	expect_match "and reads the store as that user" '192.0.2.77 is listed' "$BODY"
	stop_web
else
	echo "# SKIP: dropping privileges needs root and user nobody"
fi
finish
