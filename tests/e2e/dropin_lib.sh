# Shared by the rbldnsd drop-in tests (source after lib.sh): start rbldbd
# with rbldnsd's command line, and Debian's rbldnsd, each on a free port.

# dropin_start LOG ARG...: rbldbd -n -b 127.0.0.1/PORT ARG... (rbldnsd's
# options and ZONE:TYPE:FILE arguments), its output in LOG; sets PORT and
# SERVER_PID (stopped by cleanup).  0 once it says it is ready.
dropin_start() {
	local log=$1 attempt
	shift
	for attempt in 1 2 3 4 5; do
		PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		"$RBLDBD" -n -b "127.0.0.1/$PORT" "$@" >"$log" 2>&1 &
		SERVER_PID=$!
		poll_until 60 sh -c "grep -q '^rbldbd ready: ' '$log' ||
		    ! kill -0 $SERVER_PID 2>/dev/null"
		grep -q '^rbldbd ready: ' "$log" && return 0
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=""
		grep -q 'Address already in use' "$log" || return 1
	done
	return 1
}

# rbldnsd_start LOG ARG...: rbldnsd -n -b 127.0.0.1/RBLDNSD_PORT ARG...;
# sets RBLDNSD_PORT and RBLDNSD_PID.  0 once it says it started (no query
# asked: -s counts them).  Without -q, which would keep it quiet.
rbldnsd_start() {
	local log=$1 attempt
	shift
	for attempt in 1 2 3 4 5; do
		RBLDNSD_PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		rbldnsd -n -b "127.0.0.1/$RBLDNSD_PORT" "$@" >"$log" 2>&1 &
		RBLDNSD_PID=$!
		poll_until 10 sh -c "grep -q ' started' '$log' || ! kill -0 $RBLDNSD_PID 2>/dev/null"
		kill -0 "$RBLDNSD_PID" 2>/dev/null && return 0
		wait "$RBLDNSD_PID" 2>/dev/null
		RBLDNSD_PID=""
	done
	return 1
}
