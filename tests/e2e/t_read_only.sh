#!/bin/bash
# rbldbd --read-only (issue 18 item 4): a store served read-only, such as a
# backup, is never written: no expiry commits (the serial stays, the commit
# log gains nothing, data.mdb keeps every octet), while the answers still
# hide a listing that has expired.  A control server on a copy of the same
# backup, started without the flag, commits the expiry: what the read-only
# one leaves undone is shown to happen otherwise.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
cat >"$T/batch.jsonl" <<EOF
{"op":"report","addr":"192.0.2.1","reason":"accepted relay","source":"t"}
{"op":"report","addr":"192.0.2.2","reason":"old relay","source":"t","at":"$(iso $((NOW - 7200)))","lifetime":"1h"}
EOF
rb_ok "ingest a live and an expired listing" ingest "$T/batch.jsonl"
rb_ok "backup" backup "$T/bk"
cp -a "$T/bk" "$T/control"
SUM=$(sha256sum <"$T/bk/data.mdb")
"$RBLDB" -c "$CONF" -D "$T/bk" log >"$T/log.before" 2>&1

# The control: the same backup served as a store commits the expiry.
start_server -D "$T/control" || finish
SERIAL0=$(soa_serial)
serial_moved() { [ "$(soa_serial)" != "$SERIAL0" ]; }
check "control: without --read-only the expiry is committed (serial moves)" \
    poll_until 30 serial_moved
stop_server

start_server -D "$T/bk" --read-only || finish
check "the log says the store is served read-only" \
    grep -q "store $T/bk served read-only: no expiry commits" "$SERVER_LOG"
check "a live listing is answered" dns_is 127.0.0.2 "1.2.0.192.$ZONE" A
check "an expired listing is hidden" dns_status_is NXDOMAIN "2.2.0.192.$ZONE" A
SERIAL1=$(soa_serial)
# The first expiry run of a writing server comes 2 s after start (the
# control's moved within that); give the read-only one three times as long.
sleep 6
expect_eq "the serial stays where the backup left it" "$SERIAL1" "$(soa_serial)"
check "the expired listing is still hidden" dns_status_is NXDOMAIN "2.2.0.192.$ZONE" A
check_not "and no expiry run was tried (none logged)" grep -q "expiry: " "$SERVER_LOG"
stop_server
expect_eq "data.mdb is the backup, octet for octet" "$SUM" "$(sha256sum <"$T/bk/data.mdb")"
"$RBLDB" -c "$CONF" -D "$T/bk" log >"$T/log.after" 2>&1
expect_eq "the commit log gained nothing" "$(cat "$T/log.before")" "$(cat "$T/log.after")"

# A zone the store does not have cannot be added read-only: refused, named.
write_apex "$T/other.test.zone" other.test
sed 's/^db = db$/db = bk/' "$CONF" >"$T/two.conf"
printf '\n[zone other.test]\napex = other.test.zone\nfamily = ipv4\n' >>"$T/two.conf"
"$RBLDBD" -c "$T/two.conf" -l "127.0.0.1:$((20000 + RANDOM % 40000))" --read-only >"$T/two.log" 2>&1 &
PID=$!
check "a zone not in the store: rbldbd exits" poll_until 10 eval '! kill -0 $PID 2>/dev/null'
wait "$PID"; RC=$?
expect_eq "with status 1" 1 "$RC"
expect_match "naming the zone and what to do" \
    "zone other.test is not in the store, and a store served read-only gets no new zone" \
    "$(cat "$T/two.log")"
expect_eq "and the backup is still untouched" "$SUM" "$(sha256sum <"$T/bk/data.mdb")"

# An older schema would need an upgrade, which writes: refused, unchanged.
mkdir -m 700 "$T/old"
cp "$E2E_DIR/data/store-v1/data.mdb" "$T/old/data.mdb"
chmod 600 "$T/old/data.mdb"
OLDSUM=$(sha256sum <"$T/old/data.mdb")
"$RBLDBD" -c "$CONF" -D "$T/old" -l "127.0.0.1:$((20000 + RANDOM % 40000))" --read-only >"$T/old.log" 2>&1 &
PID=$!
check "an older schema read-only: rbldbd exits" poll_until 10 eval '! kill -0 $PID 2>/dev/null'
wait "$PID"; RC=$?
expect_eq "with status 1" 1 "$RC"
expect_match "saying why and what to do" "made by an older rbldb and needs an upgrade, which writes: open it once without --read-only" "$(cat "$T/old.log")"
expect_eq "and the old store is not upgraded" "$OLDSUM" "$(sha256sum <"$T/old/data.mdb")"

finish
