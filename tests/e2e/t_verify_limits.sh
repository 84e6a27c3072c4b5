#!/bin/bash
# The relay tester's limits, shown with a fake MTA that holds every
# connection (fakemta.py hold) and logs the most it held at once:
# `concurrency = N` caps the tests under way at N however many are due,
# and an address is never tested twice at once (one job per zone here).
# The run ends when the tester's timeout closes the held connections;
# nothing is timed.  `rate = 120/m` is shown from the times a fake MTA
# recorded for each connection: never more than two (and one for a
# window's edges) begin within a second; the run's speed is not asserted.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/verify_lib.sh"

need_binaries "$RBLDB" "$VERIFY"
need_tool python3 python3

ZONE2=relays2.test
verify_conf "timeout = 3" "rate = 50" "concurrency = 2"
write_apex "$T/$ZONE2.zone" "$ZONE2"
cat >>"$CONF" <<EOF

[zone $ZONE2]
apex = $ZONE2.zone
code = 127.0.0.2
lifetime = 30d
verify = required
EOF
verify_store

# start_hold NAME: a fake MTA holding every connection; $MTA_PORT.
start_hold() { start_fake "$1" hold; }

# max_held NAME: the most connections the fake MTA NAME held at once.
max_held() {
	awk '/^max / {m = $2} END {print m + 0}' "$T/$1.log" 2>/dev/null || echo 0
}

# ---- concurrency = 2 with four tests due ----
for a in 192.0.2.40 192.0.2.41 192.0.2.42 192.0.2.43; do
	rb report "$a" --zone "$ZONE" --reason "open relay" --source feed
done
start_hold conc
out=$("$VERIFY" -c "$CONF" --once --connect "127.0.0.1:$MTA_PORT" 2>&1)
expect_eq "all four due tests ran" 4 "$(printf '%s\n' "$out" | grep -c ' inconclusive in ')"
expect_eq "concurrency = 2: never more than 2 connections at once" 2 "$(max_held conc)"

# ---- one connection per address: the same address due in two zones ----
sed -i 's/^concurrency = 2$/concurrency = 4/' "$CONF"
rb report 192.0.2.50 --zone "$ZONE" --reason "open relay" --source feed
rb report 192.0.2.50 --zone "$ZONE2" --reason "open relay" --source feed
start_hold addr
out=$("$VERIFY" -c "$CONF" --once --connect "127.0.0.1:$MTA_PORT" 2>&1)
expect_eq "both zones' tests of the address ran" 2 \
    "$(printf '%s\n' "$out" | grep -c '^192.0.2.50 inconclusive in ')"
expect_eq "one connection per address, though concurrency = 4" 1 "$(max_held addr)"

# ---- rate = 120/m: at most 2 new connections in any second ----
# Six tests due, concurrency high enough for all; a fake MTA that refuses
# every form (each test ends at once) records when each connection came.
# Counted per one-second window, with one to spare for a window's edges;
# the run's speed is never asserted.
sed -i -e 's/^concurrency = 4$/concurrency = 10/' -e 's|^rate = 50$|rate = 120/m|' "$CONF"
for a in 192.0.2.60 192.0.2.61 192.0.2.62 192.0.2.63 192.0.2.64 192.0.2.65; do
	rb report "$a" --zone "$ZONE" --reason "open relay" --source feed
done
start_fake rate closed --conns "$T/rate.conns"
out=$("$VERIFY" -c "$CONF" --once --connect "127.0.0.1:$MTA_PORT" 2>&1)
expect_eq "all six due tests ran" 6 "$(printf '%s\n' "$out" | grep -c '^192.0.2.6[0-5] closed in ')"
expect_eq "each made one connection" 6 "$(wc -l <"$T/rate.conns")"
most=$(sort -n "$T/rate.conns" | awk '{ t[NR] = $1 } END {
	m = 0
	for (i = 1; i <= NR; i++) {
		n = 0
		for (k = i; k <= NR && t[k] - t[i] < 1; k++)
			n++
		if (n > m) m = n
	}
	print m }')
if [ "$most" -le 3 ]; then
	ok "rate = 120/m: at most $most connections began within a second (limit 2, edge 1)"
else
	not_ok "rate = 120/m: connections within a second" "most $most" "$(cat "$T/rate.conns")"
fi
check "rbldb-verify rejects a rate without a unit it knows" \
    bash -c "sed 's|^rate = .*|rate = 5/d|' '$CONF' >'$T/bad.conf' && ! '$VERIFY' -c '$T/bad.conf' --once 2>'$T/bad.err' && grep -q 'rate .5/d. is not N, N/s, N/m or N/h' '$T/bad.err'"

finish
