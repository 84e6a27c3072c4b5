#!/bin/bash
# Query log: off by default; with [server] query-log, one line per query
# (time, client, name, type, rcode, transport), a dropped query as DROP,
# and on SIGHUP the file is reopened by name, as logrotate needs.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

start_server || finish
dq 5.2.0.192.$ZONE A >/dev/null
stop_server
expect_eq "without query-log no log file is written" \
    "$(printf '%s\n' db rbldbd.log relays.example.org.zone test.conf | sort)" "$(ls "$T" | sort)"

LOG=$T/query.log
sed -i "s|^threads = 2|threads = 2\nquery-log = query.log\nacl = 127.0.0.9 drop|" "$CONF"
rb_ok "list 192.0.2.5" report 192.0.2.5
start_server || finish

# lines N: the log has at least N lines.
lines() { [ -f "$LOG" ] && [ "$(wc -l <"$LOG")" -ge "$1" ]; }

dq 5.2.0.192.$ZONE A >/dev/null
dq 6.2.0.192.$ZONE TXT +tcp >/dev/null
dq example.com A >/dev/null
dig @127.0.0.1 -p "$PORT" -b 127.0.0.9 +tries=1 +time=1 5.2.0.192.$ZONE A >/dev/null
check "four queries, four lines" poll_until 10 lines 4
T0=$(date +%s)
n='[0-9]+'
# has ERE: some line of the log matches (lines of two workers may come in either order).
has() { grep -Eq -- "$1" "$LOG"; }
check "a listed A over UDP" \
    has "^$n 127\.0\.0\.1 5\.2\.0\.192\.relays\.example\.org A NOERROR udp\$"
check "an unlisted TXT over TCP" \
    has "^$n 127\.0\.0\.1 6\.2\.0\.192\.relays\.example\.org TXT NXDOMAIN tcp\$"
check "a name outside every zone" has "^$n 127\.0\.0\.1 example\.com A REFUSED udp\$"
check "a query the ACL dropped" \
    has "^$n 127\.0\.0\.9 5\.2\.0\.192\.relays\.example\.org A DROP udp\$"
t=$(sed -n '1s/ .*//p' "$LOG")
expect_eq "the time is Unix seconds of now" 1 "$(( t <= T0 && t >= T0 - 30 ))"
expect_eq "exactly four lines" 4 "$(wc -l <"$LOG")"

# ---- logrotate: move the file, SIGHUP, the next lines go to a new file ----

mv "$LOG" "$LOG.1"
kill -HUP "$SERVER_PID"
check "SIGHUP creates the file again" poll_until 10 test -f "$LOG"
dq 5.2.0.192.$ZONE TXT >/dev/null
check "the next query is logged in the new file" poll_until 10 lines 1
expect_match "its line" "^$n 127\.0\.0\.1 5\.2\.0\.192\.relays\.example\.org TXT NOERROR udp\$" \
    "$(cat "$LOG")"
expect_eq "the rotated file kept its four lines" 4 "$(wc -l <"$LOG.1")"
stop_server

# ---- query-log-format = rbldnsd: rbldnsd's own line, for its log parsers ----

rm -f "$LOG" "$LOG.1"
sed -i "s|^query-log = query.log|query-log = query.log\nquery-log-format = rbldnsd|" "$CONF"
start_server || finish
dq 5.2.0.192.$ZONE A >/dev/null
dq 6.2.0.192.$ZONE TXT >/dev/null
dq example.com A >/dev/null
dig @127.0.0.1 -p "$PORT" -b 127.0.0.9 +tries=1 +time=1 5.2.0.192.$ZONE A >/dev/null
check "three answered queries, three lines" poll_until 10 lines 3
size=$(dig @127.0.0.1 -p "$PORT" +noedns 5.2.0.192.$ZONE A | sed -n 's/.*MSG SIZE  rcvd: //p')
check "a listed A as rbldnsd logs it (answers/length)" \
    has "^$n 127\.0\.0\.1 5\.2\.0\.192\.relays\.example\.org A IN: NOERROR/1/$n\$"
check "an unlisted TXT" \
    has "^$n 127\.0\.0\.1 6\.2\.0\.192\.relays\.example\.org TXT IN: NXDOMAIN/0/$n\$"
check "a name outside every zone" has "^$n 127\.0\.0\.1 example\.com A IN: REFUSED/0/$n\$"
check "the length is the reply's" poll_until 10 has "A IN: NOERROR/1/$size\$"
expect_eq "a dropped query has no line, as in rbldnsd" "" "$(grep 127.0.0.9 "$LOG")"
stop_server
sed -i "s|^query-log-format = rbldnsd|query-log-format = bind|" "$CONF"
rc=0; timeout 20 "$RBLDBD" -c "$CONF" >"$T/t.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] ||
    ! grep -q "query-log-format 'bind' is not rbldb or rbldnsd" "$T/t.out"; then
	not_ok "an unknown query-log-format is refused" "$(cat "$T/t.out")"
else
	ok "an unknown query-log-format is refused"
fi
finish
