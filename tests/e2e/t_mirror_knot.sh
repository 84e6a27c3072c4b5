#!/bin/bash
# Knot DNS as a secondary of rbldbd: first AXFR, then NOTIFY + IXFR for each change, TSIG throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"
need_tool dig dnsutils
need_tool knotd knot
SEC_NAME=knot

start_secondary() {
	SEC_LOG=$SEC_DIR/knot.log
	knot_conf "$SEC_DIR" "$SEC_PORT" "$ZONE" changes
	knotd -c "$SEC_DIR/knot.conf" >>"$SEC_LOG" 2>&1 &
	SEC_PID=$!
}

mirror_main
