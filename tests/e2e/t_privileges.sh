#!/bin/bash
# Privileges: started as root with `user`, rbldbd binds (port 53 included)
# and then runs as that user, still reading and writing its store and
# rereading its configuration on SIGHUP; as root without `user` it warns;
# an unknown user is refused; `chroot` confines it to a directory.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool ss iproute2
need_binaries "$RBLDBD" "$RBLDB"
if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP: dropping privileges needs root (run make test as root to cover it)"
	finish
fi
if ! NOBODY_UID=$(id -u nobody 2>/dev/null); then
	not_ok "user nobody exists" "no user nobody (useradd nobody)"
	finish
fi
NOBODY_GID=$(id -g nobody)
make_tmp
# The server reads its configuration again as nobody.
chmod 755 "$T"
chmod 644 "$CONF" "$T"/*.zone

# ids PID: "uid uid uid uid / gid gid gid gid / groups" of a process.
ids() {
	awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 } /^Gid:/ { g = $2 " " $3 " " $4 " " $5 }
	     /^Groups:/ { $1 = ""; sub(/^ /, ""); s = $0 }
	     END { print u " / " g " / " s }' "/proc/$1/status"
}
WANT_IDS="$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID / $NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID / $NOBODY_GID"

# start_on PORT: rbldbd on 127.0.0.1:PORT only, waiting for its ready line.
start_on() {
	SERVER_LOG=$T/rbldbd.log
	"$RBLDBD" -c "$CONF" -l "127.0.0.1:$1" >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	PORT=$1
	poll_until 10 server_up_or_gone && server_up
}

# ---- user = nobody, on port 53 when it is free ----

sed -i 's/^threads = 2$/threads = 2\nuser = nobody/' "$CONF"
if ss -Hlnu 2>/dev/null | awk '{ print $4 }' | grep -Eq '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]):53$' ||
    ss -Hlnt 2>/dev/null | awk '{ print $4 }' | grep -Eq '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]):53$'; then
	echo "# SKIP port 53: something on this machine listens there already; using a free port"
	start_server || finish
else
	if start_on 53; then
		ok "rbldbd started as root binds 127.0.0.1:53"
	else
		not_ok "rbldbd started as root binds 127.0.0.1:53" "$(cat "$SERVER_LOG")"
		finish
	fi
fi
expect_eq "after binding it runs as nobody (uid, gid, groups)" "$WANT_IDS" "$(ids "$SERVER_PID")"
check "it answers" dns_is 127.0.0.2 2.0.0.127.$ZONE A
rb_ok "the loader (root) writes the store" report 192.0.2.5
check "the server (nobody) serves the commit" poll_until 10 dns_is 127.0.0.2 5.2.0.192.$ZONE A
stop_server
# An expired listing, committed while the server is down: the server's own
# expiry run, 2 s after it starts, must then write the store as nobody.
rb_ok "an expired listing for the server to commit away" report 192.0.2.6 \
    --at "$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)" --lifetime 1d
rb stats --json
S1=$(printf '%s\n' "$RB_OUT" | sed -n 's/.*"serial": *\([0-9]*\).*/\1/p' | head -n 1)
start_on "$PORT" || { not_ok "rbldbd restarts" "$(cat "$SERVER_LOG")"; finish; }
check "the server, as nobody, commits the expiry (serial moves)" poll_until 10 \
    eval '[ "$(soa_serial)" = $((S1 + 1)) ]'
check_not "no expiry error in the log" grep -q 'expiry:' "$SERVER_LOG"
printf '\n[zone new.example.org]\napex = new.example.org.zone\n' >>"$CONF"
write_apex "$T/new.example.org.zone" new.example.org
chmod 644 "$T/new.example.org.zone"
kill -HUP "$SERVER_PID"
check "as nobody it rereads the configuration on SIGHUP" poll_until 10 \
    dns_status_is NOERROR new.example.org SOA
stop_server

# ---- root without user, and an unknown user ----

sed -i '/^user = nobody$/d' "$CONF"
start_server || finish
expect_match "as root without user it warns" 'running as root.*user' "$(cat "$SERVER_LOG")"
stop_server
sed -i 's/^threads = 2$/threads = 2\nuser = no-such-user-here/' "$CONF"
out=$("$RBLDBD" -c "$CONF" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "an unknown user: exit 1" 1 "$rc"
expect_match "an unknown user: the reason" 'user no-such-user-here: no such user' "$out"

# ---- chroot ----

sed -i 's/^user = no-such-user-here$/user = nobody\nchroot = ./' "$CONF"
# Under ASan (make asan) the leak checker reads /proc at exit, which a chroot hides.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
start_server || finish
expect_eq "chroot = . : the server's root is the configuration's directory" "$T" \
    "$(readlink "/proc/$SERVER_PID/root")"
expect_eq "chrooted, it runs as nobody" "$WANT_IDS" "$(ids "$SERVER_PID")"
check "chrooted, it answers" dns_is 127.0.0.2 5.2.0.192.$ZONE A
rb_ok "the loader writes the store" report 192.0.2.7 --zone "$ZONE"
check "chrooted, it serves the commit" poll_until 10 dns_is 127.0.0.2 7.2.0.192.$ZONE A
sed -i 's/^\[zone new.example.org\]$/[zone newer.example.org]/; s/^apex = new.example.org.zone$/apex = newer.example.org.zone/' "$CONF"
write_apex "$T/newer.example.org.zone" newer.example.org
chmod 644 "$T/newer.example.org.zone"
kill -HUP "$SERVER_PID"
check "chrooted, SIGHUP finds the configuration inside the chroot" poll_until 10 \
    dns_status_is NOERROR newer.example.org SOA
stop_server
finish
