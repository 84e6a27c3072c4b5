#!/bin/bash
# Logs: in the foreground rbldbd logs to standard error; with -s (or
# [server] syslog = yes) its messages go to syslog (facility daemon) and
# standard error keeps only the ready line.  Syslog is caught on a socket of
# the test's own, bound over /dev/log inside a private mount namespace, so
# the machine's logging is never touched (that part needs root).
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# ---- standard error ----

start_server || finish
stop_server
expect_match "foreground: messages on standard error" '^rbldbd: signal 15: shutting down' \
    "$(cat "$SERVER_LOG")"

start_server -s || finish
stop_server
expect_eq "with -s: only the ready line on standard error" "rbldbd ready:" \
    "$(grep -v '^rbldbd: running as root' "$SERVER_LOG" | cut -d' ' -f1-2)"

"$RBLDBD" --help >"$T/help.txt"
expect_match "--help lists -s, --syslog" '^ +-s, --syslog ' "$(cat "$T/help.txt")"

# ---- syslog, caught in a mount namespace ----

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "# SKIP: catching syslog needs root and unshare (run make test as root to cover it)"
	finish
fi
need_tool unshare util-linux

# sink.py SOCKET OUT: write every datagram to OUT, one a line, until killed.
cat >"$T/sink.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
EOF
python3 "$T/sink.py" "$T/log.sock" "$T/syslog.txt" &
SINK=$!
trap 'kill $SINK 2>/dev/null; cleanup' EXIT
poll_until 10 test -S "$T/log.sock" || { not_ok "the syslog sink starts"; finish; }

# in_ns CMD...: CMD with the sink as /dev/log, in a mount namespace of its own.
mkdir "$T/olddev"
cat >"$T/ns.sh" <<EOF
set -e
mount --make-rprivate /
mount --bind /dev "$T/olddev"
mount -t tmpfs tmpfs /dev
for d in null zero random urandom; do touch /dev/\$d; mount --bind "$T/olddev/\$d" /dev/\$d; done
touch /dev/log
mount --bind "$T/log.sock" /dev/log
exec "\$@"
EOF
RBLDBD_WRAP="unshare -m sh $T/ns.sh"
sed -i "s|^threads = 2|threads = 2\nsyslog = yes|" "$CONF"
start_server || finish
logged() { grep -q "$1" "$T/syslog.txt" 2>/dev/null; }
stop_server
check "syslog = yes: the shutdown reached syslog" poll_until 10 logged 'signal 15: shutting down'
expect_match "as facility daemon, level info, tagged rbldbd[PID]" \
    '^<30>.*rbldbd\[[0-9]+\]: signal 15: shutting down$' "$(cat "$T/syslog.txt")"
expect_eq "standard error keeps the ready line only" "rbldbd ready:" \
    "$(grep -v '^rbldbd: running as root' "$SERVER_LOG" | cut -d' ' -f1-2)"
expect_match "the ready line is in syslog too" 'rbldbd\[[0-9]+\]: ready: 127\.0\.0\.1:' \
    "$(cat "$T/syslog.txt")"

# A configuration error is seen where the operator looks first: standard error.
printf '[server]\nbogus = 1\n' >"$T/bad.conf"
$RBLDBD_WRAP "$RBLDBD" -s -c "$T/bad.conf" >"$T/bad.log" 2>&1
expect_eq "a bad configuration with -s: exit 1" 1 $?
expect_match "its FILE:LINE error on standard error" 'bad\.conf:2: ' "$(cat "$T/bad.log")"

# So is a failure to start after the configuration is read: a port taken.
# (start_server retries another port when it reads this on standard error.)
python3 - "$RBLDBD" "$CONF" >"$T/taken.out" 2>&1 <<'EOF2'
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
r = subprocess.run([sys.argv[1], "-s", "-c", sys.argv[2], "-l", "127.0.0.1:%d" % s.getsockname()[1]],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
print("exit %d: %s" % (r.returncode, r.stderr.decode().strip()))
EOF2
expect_match "with -s, a port taken: exit 1, and why on standard error" \
    '^exit 1: rbldbd: 127\.0\.0\.1:[0-9]+ udp: Address already in use$' "$(cat "$T/taken.out")"
finish
