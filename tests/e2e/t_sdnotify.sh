#!/bin/bash
# The service manager's protocol (systemd Type=notify, sd_notify(3)): with
# $NOTIFY_SOCKET set, rbldbd sends READY=1 once it serves, RELOADING=1 and
# then READY=1 again around a SIGHUP reload, and STOPPING=1 on SIGTERM;
# both a path and an abstract socket name work.  Without it nothing is sent.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# sink.py ADDRESS OUT: each datagram on ADDRESS (a path, or @name) appended to OUT.
cat >"$T/sink.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = sys.argv[1]
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
with open(sys.argv[2], "a", buffering=1) as out:
    out.write("bound\n")
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ").strip() + "\n")
EOF
SINKS=()
trap 'kill "${SINKS[@]}" 2>/dev/null; cleanup' EXIT

# run_with ADDRESS OUT: a sink on ADDRESS, then rbldbd with NOTIFY_SOCKET=ADDRESS.
run_with() {
	python3 "$T/sink.py" "$1" "$2" &
	SINKS+=($!)
	poll_until 10 grep -q bound "$2" || { not_ok "the sink on $1 starts"; finish; }
	export NOTIFY_SOCKET=$1
	start_server || finish
	unset NOTIFY_SOCKET
}
got() { grep -q "$2" "$1"; }

OUT=$T/notify.txt
run_with "$T/notify.sock" "$OUT"
check "READY=1 once serving" poll_until 10 got "$OUT" '^READY=1'
expect_eq "answering by then" 127.0.0.2 "$(dns_short 2.0.0.127.$ZONE A)"
kill -HUP "$SERVER_PID"
check "RELOADING=1 on SIGHUP" poll_until 10 got "$OUT" '^RELOADING=1'
check "READY=1 again after the reload" poll_until 10 eval '[ "$(grep -c "^READY=1" "$OUT")" -eq 2 ]'
stop_server
check "STOPPING=1 on SIGTERM" poll_until 10 got "$OUT" '^STOPPING=1'
expect_eq "in this order" "READY=1 RELOADING=1 READY=1 STOPPING=1" \
    "$(grep -v bound "$OUT" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"

OUT2=$T/abstract.txt
run_with "@rbldb-test-$$" "$OUT2"
check "an abstract socket gets READY=1" poll_until 10 got "$OUT2" '^READY=1'
stop_server

start_server || finish
stop_server
expect_eq "without NOTIFY_SOCKET nothing more is sent" 4 "$(grep -vc bound "$OUT")"
finish
