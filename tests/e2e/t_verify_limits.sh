#!/bin/bash
# The relay tester's limits, shown with a fake MTA that holds every
# connection (fakemta.py hold) and logs the most it held at once:
# `concurrency = N` caps the tests under way at N however many are due,
# and an address is never tested twice at once (one job per zone here).
# The run ends when the tester's timeout closes the held connections;
# nothing is timed.
. "$(dirname "$0")/lib.sh"

VERIFY=$BUILD/rbldb-verify
need_binaries "$RBLDB" "$VERIFY"
need_tool python3 python3

make_tmp
ZONE2=relays2.test
write_apex "$T/$ZONE2.zone" "$ZONE2"
cat >>"$CONF" <<EOF
verify = required

[zone $ZONE2]
apex = $ZONE2.zone
code = 127.0.0.2
lifetime = 30d
verify = required

[verify]
secret = e2e-secret-0123456789abcdef
dropbox = verify@dropbox.test
helo = tester.e2e.test
timeout = 3
rate = 50
concurrency = 2
EOF
rm -rf "$T/db"
init_store

if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$T"
	chown -R nobody "$T/db"
fi

MTA_PIDS=""
limits_cleanup() {
	local rc=$? p
	for p in $MTA_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	(exit $rc)
	cleanup
}
trap limits_cleanup EXIT

# start_hold NAME: a fake MTA holding every connection, logging to $T/NAME.log; $MTA_PORT.
start_hold() {
	local out=$T/$1.out
	python3 "$E2E_DIR/fakemta.py" hold --log "$T/$1.log" >"$out" 2>&1 &
	MTA_PIDS="$MTA_PIDS $!"
	poll_until 20 grep -q '^ready ' "$out" || { not_ok "fake MTA $1 starts" "$(cat "$out")"; finish; }
	MTA_PORT=$(awk '/^ready/ {print $2}' "$out")
}

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

finish
