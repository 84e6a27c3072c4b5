#!/bin/bash
# rbldbd keeps answering while another process holds a long LMDB write
# transaction (its own expiry commit waits too, off the query path), picks
# up the loader's commit once the writer is gone, and commits due expiries
# itself so the serial moves.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool kdig knot-dnsutils
need_tool cc build-essential
need_tool pkg-config pkg-config
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# The long writer: a few lines of C against the store's LMDB environment.
if ! cc -o "$T/holdwrite" "$E2E_DIR/holdwrite.c" $(pkg-config --cflags --libs lmdb) 2>"$T/cc.err"; then
	not_ok "holdwrite.c compiles (liblmdb-dev)" "$(cat "$T/cc.err")"
	finish
fi

NOW=$(date +%s)
rb_ok "report 192.0.2.5" report 192.0.2.5 --reason "listed before the hold"
# Reported two hours ago for one hour: due for expiry when the server starts.
rb_ok "report 192.0.2.99, already past its lifetime" \
    report 192.0.2.99 --reason "old" --at "$(iso $((NOW - 7200)))" --lifetime 1h
S=$((APEX_SERIAL + 2))		# two commits so far

start_server || finish
expect_eq "an expired listing is never served, even before expiry runs" NXDOMAIN \
    "$(dns_status 99.2.0.192.$ZONE A)"

# Take the write lock right away, before the server's first expiry run
# (a second after start), which then has to wait for it too.
"$T/holdwrite" "$T/db" 6 >"$T/hold.out" 2>&1 &
HOLD=$!
if ! poll_until 10 grep -q holding "$T/hold.out"; then
	not_ok "holdwrite takes the write lock" "$(cat "$T/hold.out")"
	finish
fi
ok "another process holds a write transaction"

# Meanwhile a loader commit waits for the lock as well.
"$RBLDB" -c "$CONF" report 192.0.2.6 --reason "committed after the hold" >"$T/late.out" 2>&1 &
LATE=$!

# Every query must be answered within dig's one-second timeout, over UDP and TCP.
fails=""
for i in $(seq 1 10); do
	a=$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 +short 5.2.0.192.$ZONE A)
	[ "$a" = 127.0.0.2 ] || fails="$fails udp#$i:'${a:0:60}'"
	a=$(kdig @127.0.0.1 -p "$PORT" +tcp +retry=0 +timeout=1 +short 5.2.0.192.$ZONE A)
	[ "$a" = 127.0.0.2 ] || fails="$fails tcp#$i:'${a:0:60}'"
	s=$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 9.9.9.9.$ZONE A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
	[ "$s" = NXDOMAIN ] || fails="$fails nx#$i:'$s'"
done
if kill -0 $HOLD 2>/dev/null; then
	ok "the write transaction lasted through the queries"
else
	not_ok "the write transaction lasted through the queries" "holdwrite ended early: $(cat "$T/hold.out")"
fi
if [ -z "$fails" ]; then
	ok "30 queries answered at once while the write lock is held"
else
	not_ok "30 queries answered at once while the write lock is held" "$fails"
fi
expect_eq "the waiting loader commit is not visible yet" NXDOMAIN "$(dns_status 6.2.0.192.$ZONE A)"

wait $HOLD
wait $LATE; rc=$?
expect_eq "the loader commits once the lock is free" 0 "$rc"
if poll_until 10 dns_is 127.0.0.2 6.2.0.192.$ZONE A; then
	ok "its listing is answered without restart"
else
	not_ok "its listing is answered without restart" "$(dq 6.2.0.192.$ZONE A)"
fi

# The server's expiry commit and the loader's both happened: serial + 2.
if poll_until 40 eval '[ "$(soa_serial)" = '$((S + 2))' ]'; then
	ok "rbldbd committed the due expiry itself (serial $((S + 2)))"
else
	not_ok "rbldbd committed the due expiry itself (serial $((S + 2)))" "serial $(soa_serial)"
fi
rb show 192.0.2.99
expect_match "the expiry is in the history, at the listing's expiry time" \
    "^  [-0-9T:Z]+ $ZONE expire 192\.0\.2\.99/32 at $(iso $((NOW - 3600)))\$" "$RB_OUT"
expect_match "and the listing is gone" "^$ZONE \(serial $((S + 2))\): not listed\$" "$RB_OUT"
expect_match "the server logged the expiry" 'expired 1 listing' "$(cat "$SERVER_LOG")"
expect_eq "192.0.2.5 is still listed" 127.0.0.2 "$(dns_short 5.2.0.192.$ZONE A)"

stop_server
finish
