#!/bin/bash
# SIGHUP rereads the configuration and swaps zones (added, removed, changed)
# under running workers while queries go on, none of them unanswered; a bad
# configuration keeps the running one with the error logged.  SIGTERM under
# load stops accepting, finishes the TCP answers in flight and exits 0.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
FLOOD="python3 $E2E_DIR/flood.py"
TL="python3 $E2E_DIR/tcplimits.py"

write_apex "$T/old.example.org.zone" old.example.org
write_apex "$T/new.example.org.zone" new.example.org
cp "$CONF" "$T/base.conf"
printf '\n[zone old.example.org]\napex = old.example.org.zone\n' >>"$CONF"
# The configuration after the reload: old.example.org gone, new.example.org
# added, the text of $ZONE changed.
sed 's|^text = .*|text = Changed: $ is listed|' "$T/base.conf" >"$T/next.conf"
printf '\n[zone new.example.org]\napex = new.example.org.zone\n' >>"$T/next.conf"

rb_ok "list 192.0.2.5" report 192.0.2.5 --zone "$ZONE"
rb_ok "list it in old.example.org" report 192.0.2.5 --zone old.example.org
start_server || finish
NAME=5.2.0.192.$ZONE
check "before: old.example.org is served" dns_is 127.0.0.2 5.2.0.192.old.example.org A
expect_eq "before: new.example.org is not" REFUSED "$(dns_status new.example.org SOA)"
expect_eq "before: the zone's text" \
    '"Listed as an open relay, see https://relays.example.org/lookup?ip=192.0.2.5"' \
    "$(dns_short "$NAME" TXT)"

# ---- reload while three clients keep asking ----

rm -f "$T/stop"
LOOPS=()
for src in 127.0.0.1 127.0.1.1 127.0.2.1; do
	$FLOOD loop "$PORT" "$src" "$T/stop" 0.002 "$NAME" A 127.0.0.2 >"$T/loop.$src" &
	LOOPS+=($!)
done
sleep 0.5
cp "$T/next.conf" "$CONF"
kill -HUP "$SERVER_PID"
check "after SIGHUP: new.example.org is served" poll_until 10 dns_status_is NOERROR new.example.org SOA
expect_eq "after SIGHUP: old.example.org is gone" REFUSED \
    "$(dns_status 5.2.0.192.old.example.org A)"
expect_eq "after SIGHUP: the changed text" '"Changed: 192.0.2.5 is listed"' \
    "$(dns_short "$NAME" TXT)"
expect_match "the reload is logged" 'reloaded .*test\.conf: 1 zone added, 1 removed, 1 kept' \
    "$(cat "$SERVER_LOG")"
rb_ok "the loader lists an address in the new zone" report 192.0.2.9 --zone new.example.org
check "the new zone serves it" poll_until 10 dns_is 127.0.0.2 9.2.0.192.new.example.org A

for i in 1 2 3 4 5; do kill -HUP "$SERVER_PID"; sleep 0.1; done
check "five reloads in a row: still answering" poll_until 10 dns_is 127.0.0.2 "$NAME" A

printf '[server]\nbogus = 1\n' >"$CONF"
kill -HUP "$SERVER_PID"
check "a bad configuration is logged with FILE:LINE" poll_until 10 \
    grep -q "reload: .*test\.conf:2: unknown key 'bogus'.*still serving the previous configuration" \
    "$SERVER_LOG"
check "and the running configuration stays" dns_is 127.0.0.2 9.2.0.192.new.example.org A
expect_eq "and its text" '"Changed: 192.0.2.5 is listed"' "$(dns_short "$NAME" TXT)"
cp "$T/next.conf" "$CONF"

sleep 0.5
touch "$T/stop"
for pid in "${LOOPS[@]}"; do wait "$pid"; done
for src in 127.0.0.1 127.0.1.1 127.0.2.1; do
	out=$(cat "$T/loop.$src")
	if [[ $out =~ ^queries=([0-9]+)\ answered=([0-9]+)\ unanswered=0\ wrong=0$ ]] &&
	    [ "${BASH_REMATCH[1]}" -ge 10 ]; then
		ok "queries from $src throughout the reloads: all answered, all right ($out)"
	else
		not_ok "queries from $src throughout the reloads: all answered, all right" "$out"
	fi
done

# ---- SIGTERM under load ----

$FLOOD flood "$PORT" 127.0.3.1 3 3000 "$NAME" A >/dev/null &
F=$!
# TCP clients that read nothing until SIGTERM is sent: answers wait in the server.
PIPES=()
for i in 1 2 3 4; do
	$TL pipeline "$PORT" 100000 "$NAME" "$T/sent.$i" "$T/go" >"$T/pipe.$i" &
	PIPES+=($!)
done
poll_until 20 eval '[ -e "$T/sent.1" ] && [ -e "$T/sent.2" ] && [ -e "$T/sent.3" ] && [ -e "$T/sent.4" ]'
TERM_PORT=$PORT
kill -TERM "$SERVER_PID"
touch "$T/go"
if poll_until 10 server_gone; then
	wait "$SERVER_PID"; rc=$?
	expect_eq "SIGTERM under load: rbldbd exits 0" 0 "$rc"
else
	kill -KILL "$SERVER_PID"
	not_ok "SIGTERM under load: rbldbd exits within 10 s" "$(tail -n 5 "$SERVER_LOG")"
fi
SERVER_PID=""
for pid in "${PIPES[@]}"; do wait "$pid"; done
wait "$F"
for i in 1 2 3 4; do
	expect_match "TCP client $i got only whole answers, those in flight at SIGTERM included ($(cat "$T/pipe.$i"))" \
	    '^answers=[1-9][0-9]* partial=no$' "$(cat "$T/pipe.$i")"
done
out=$(dig @127.0.0.1 -p "$TERM_PORT" +tcp +tries=1 +time=1 "$NAME" A 2>&1)
expect_match "after SIGTERM nothing is accepted" 'refused|timed out|no servers' "$out"
finish
