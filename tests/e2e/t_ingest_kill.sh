#!/bin/bash
# SIGKILL in the middle of a large `rbldb ingest` leaves the store exactly as
# before (or, had it committed, with the whole batch), while rbldbd answers
# every query throughout; the next writer recovers the lock.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_tool script bsdutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A=$(iso $((NOW - 3600)))
N=300000

# 300000 reports of distinct addresses from 172.16.0.0 on, each with its `at`.
python3 - "$T/big.jsonl" "$N" "$A" <<'EOF'
import sys
path, n, at = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    for i in range(n):
        a = (172 << 24 | 16 << 16) + i
        f.write('{"op":"report","addr":"%d.%d.%d.%d","reason":"bulk relay","source":"bulk",'
                '"at":"%s"}\n' % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, at))
EOF

rb_ok "seed the store" report 192.0.2.1 --reason seeded
start_server || finish
poll_until 10 dns_is 127.0.0.2 1.2.0.192.$ZONE A
rb list --json; BEFORE=$RB_OUT
S0=$(soa_serial)

# Query the server in a loop until told to stop: one line per answer.
query_loop() {
	while [ ! -e "$T/stop" ]; do
		a=$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 +short 1.2.0.192.$ZONE A)
		echo "${a:-(no answer)}" >>"$T/queries.log"
		sleep 0.02
	done
}
query_loop &
QPID=$!

# state_is_before WHAT: list --json byte-identical to BEFORE and the serial unchanged.
state_is_before() {
	rb list --json
	if [ "$RB_OUT" = "$BEFORE" ] && [ "$(soa_serial)" = "$S0" ]; then
		ok "$1"
	else
		not_ok "$1" "serial $(soa_serial), was $S0" "list: $(echo "$RB_OUT" | head -c 300)"
	fi
}

# ---- 1. killed while blocked in the middle of the batch (deterministic) ----
# The feeder writes 200000 lines into a FIFO and keeps it open: when it is
# done, ingest has applied nearly all of them in its open transaction and
# waits for more.
mkfifo "$T/fifo"
"$RBLDB" -c "$CONF" ingest --force - <"$T/fifo" >"$T/k1.out" 2>&1 &
IPID=$!
exec 7>"$T/fifo"
head -n 200000 "$T/big.jsonl" >&7
if kill -0 $IPID 2>/dev/null; then
	ok "ingest holds 200000 lines in an open transaction"
else
	not_ok "ingest holds 200000 lines in an open transaction" "$(cat "$T/k1.out")"
fi
expect_eq "meanwhile rbldbd serves the old serial" "$S0" "$(soa_serial)"
kill -KILL $IPID
{ wait $IPID; } 2>/dev/null; rc=$?
exec 7>&-
expect_eq "ingest died of SIGKILL" 137 "$rc"
state_is_before "after SIGKILL mid-batch the store is exactly as before"
expect_eq "none of the batch is served" NXDOMAIN "$(dns_status 5.0.16.172.$ZONE A)"

# ---- 2. a file at full speed, killed once it printed progress ----
script -qfec "exec $RBLDB -c $CONF ingest --force $T/big.jsonl" "$T/tty.log" </dev/null >/dev/null 2>&1 &
SPID=$!
poll_until 30 grep -q 'lines/s' "$T/tty.log"
IPID=$(pgrep -P $SPID)
if [ -n "$IPID" ] && kill -KILL "$IPID" 2>/dev/null; then
	wait $SPID
	ok "ingest killed after its progress line:$(tr '\r\033' '\n\n' <"$T/tty.log" | grep 'lines/s' | tail -n 1 | sed 's/^\[K/ /')"
	# The kill may land before the commit or after it (on its way out):
	# the store is then as before, or holds the whole batch, nothing between.
	listed=$("$RBLDB" -c "$CONF" stats --json |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["listed"])')
	if [ "$listed" = "$((N + 1))" ] && [ "$(soa_serial)" != "$S0" ]; then
		ok "after SIGKILL the store holds the whole batch (the kill came after the commit)"
	else
		state_is_before "after SIGKILL the store is exactly as before"
	fi
else
	# Faster than the poll: then it committed, and all of it must be there.
	wait $SPID
	ok "ingest finished before the kill (a fast machine)"
	expect_eq "then the whole batch is there" "$((N + 1))" \
	    "$("$RBLDB" -c "$CONF" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["listed"])')"
fi

touch "$T/stop"
wait $QPID
total=$(wc -l <"$T/queries.log")
good=$(grep -c '^127\.0\.0\.2$' "$T/queries.log")
if [ "$total" -ge 5 ] && [ "$good" = "$total" ]; then
	ok "rbldbd answered all $total queries during the ingests and kills"
else
	not_ok "rbldbd answered all queries during the ingests and kills" \
	    "$good of $total answered 127.0.0.2" "$(sort "$T/queries.log" | uniq -c)"
fi

# ---- the next writer takes over the dead writer's lock ----
rb_ok "a report after the kills commits" report 192.0.2.2 --reason "after the kill"
if poll_until 10 dns_is 127.0.0.2 2.2.0.192.$ZONE A; then
	ok "and is answered"
else
	not_ok "and is answered" "$(dq 2.2.0.192.$ZONE A)"
fi
rb ingest --force "$T/big.jsonl"
expect_match "the whole batch ingested to the end" "^$T/big.jsonl: ($N lines, $N applied: ($N new|0 new.*$N duplicate)|already ingested at )" "$RB_OUT"
if poll_until 10 dns_is 127.0.0.2 223.147.20.172.$ZONE A; then
	ok "its last line is answered"
else
	not_ok "its last line is answered" "$(dq 223.147.20.172.$ZONE A)"
fi

stop_server
finish
