#!/bin/bash
# rbldb-web in a real browser (issue 20): headless Chromium, driven over the
# DevTools protocol by browser.py, looks up listed, unlisted and invalid
# addresses (by keyboard), survives an XSS attempt through a reason, fits a
# phone, sends a removal request under each policy (the DNS answer of the
# self-removed address changes), and meets the CSRF and rate-limit refusals.
# Screenshots of the main pages are kept in $T/shots and copied to
# $WEB_SHOTS (default /work/wt/web-shots when it exists) for people to look at.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need_tool curl curl
need_tool dig dnsutils
need_tool chromium chromium
PY=/usr/bin/python3
if ! "$PY" -c 'import websocket' 2>/dev/null; then
	not_ok "python3-websocket is installed (apt-get install python3-websocket)"
	finish
fi
need_binaries "$RBLDBD" "$RBLDB" "$RBLDB_WEB"
make_tmp
web_conf
echo "requests-per-client = 4" >>"$CONF"

XSS='<script>alert(1)</script><img src=x onerror="window.__xss=1">'
rb_ok "report with an XSS reason" report 192.0.2.5 --reason "open relay $XSS"
rb_ok "report in the self zone" report 198.51.100.7 --zone $ZSELF --reason "open relay"
rb_ok "report in the retest zone" report 203.0.113.9 --zone $ZRETEST --reason "open relay"
rb_ok "report two more" report 192.0.2.77 --reason "open relay"
rb_ok "report two more" report 192.0.2.88 --reason "open relay"
start_server || finish
start_web || finish

mkdir -p "$T/shots" "$T/chrome"
check "self: listed before" dns_is 127.0.0.2 7.100.51.198.$ZSELF A
"$PY" "$E2E_DIR/browser.py" "$WEB" "$T/shots" "$T/chrome" >"$T/browser.out" 2>&1
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done <"$T/browser.out"
grep -q '^PASS the status page loads' "$T/browser.out" || not_ok "the browser session ran to its end"

check "self: the DNS answer changed" poll_until 10 dns_status_is NXDOMAIN 7.100.51.198.$ZSELF A
check "queue: still listed until the operator decides" dns_is 127.0.0.2 5.2.0.192.$ZONE A
rb_ok "the requests reached the queue" requests --all
expect_match "the queue request is recorded" 'relays.example.org  pending  queue' "$RB_OUT"
expect_match "the retest request is recorded" 'pending-retest  retest' "$RB_OUT"
for s in home lookup-listed lookup-unlisted lookup-invalid lookup-phone removal-queue \
    removal-self removal-retest refused-csrf refused-ratelimit status; do
	check "screenshot $s.png taken" test -s "$T/shots/$s.png"
done
dest=${WEB_SHOTS:-/work/wt/web-shots}
if [ -n "${WEB_SHOTS:-}" ] || [ -d "$(dirname "$dest")" ]; then
	mkdir -p "$dest" && cp "$T"/shots/*.png "$dest"/ && echo "# screenshots in $dest"
fi
stop_web
stop_server
finish
