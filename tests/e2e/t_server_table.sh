#!/bin/bash
# The query table of the unit tests (tests/unit/query_table.txt), seeded with
# the real rbldb and asked of the real rbldbd with dig over UDP and TCP.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
TABLE=$TOP/tests/unit/query_table.txt
if [ ! -f "$TABLE" ]; then
	not_ok "$TABLE exists"
	finish
fi
make_tmp
if ! python3 "$E2E_DIR/replay_table.py" setup "$TABLE" "$T" "$RBLDB" >"$T/setup.out" 2>&1; then
	not_ok "the table's configuration and seed commands" "$(cat "$T/setup.out")"
	finish
fi
ok "the table's configuration and seed commands"
start_server || finish

# replay_table.py prints "ok WHAT", or "not ok WHAT" followed by "#   " details.
failed=""
details=()
flush() {
	[ -n "$failed" ] && not_ok "$failed" "${details[@]}"
	failed=""
	details=()
}
python3 "$E2E_DIR/replay_table.py" run "$TABLE" "$PORT" >"$T/replay.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) flush; ok "${line#ok }" ;;
	"not ok "*) flush; failed=${line#not ok } ;;
	"#   "*) details+=("${line#\#   }") ;;
	*) flush; not_ok "replay_table.py output" "$line" ;;
	esac
done <"$T/replay.out"
flush
expect_eq "replay_table.py ran to the end" 0 "$rc"

stop_server
finish
