#!/bin/bash
# Privileges: started as root with `user`, rbldbd binds (port 53 included)
# and then runs as that user, still reading and writing its store and
# rereading its configuration on SIGHUP; as root without `user` it warns;
# an unknown user is refused; `chroot` confines it to a directory.
# Files and owners: a store either program creates is 0700/0600; rbldbd
# leaves its store (lock.mdb too) to its user, so that the user's rbldb
# works on it; rbldb as root on that store acts as its owner and leaves no
# file of root's there; as root neither program opens a file through a
# symbolic link (configuration, query log, the store's files).
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
	: >"$SERVER_LOG"	# not the last server's ready line (see start_server)
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
out=$(timeout 20 "$RBLDBD" -c "$CONF" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
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

# ---- files and owners ----

sed -i '/^chroot = \.$/d' "$CONF"
# modes PATH...: "MODE OWNER" of each, space separated.
modes() { stat -c '%a %U' "$@" | tr '\n' ' ' | sed 's/ $//'; }
# as_nobody CMD...: CMD as user nobody (group nogroup, no other groups), as sudo -u would.
as_nobody() { setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups "$@"; }
# root_files DIR: the files in DIR (DIR too) that belong to root.
root_files() { find "$1" -user 0 | tr '\n' ' '; }
# nobody_ok WHAT ARGS...: an rbldb command run as nobody that must succeed.
nobody_ok() {
	local what=$1 out
	shift
	if out=$(as_nobody "$RBLDB" -c "$CONF" "$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what" "rbldb $* as nobody exited $?" "$out"
	fi
}

rb_ok "rbldb init as root creates a store" -D "$T/s-root" init
expect_eq "a store rbldb creates is private: directory 0700, files 0600 (root's)" \
    "700 root 600 root 600 root" "$(modes "$T/s-root" "$T/s-root/data.mdb" "$T/s-root/lock.mdb")"
install -d -o nobody -m 755 "$T/nb"
nobody_ok "rbldb init as nobody creates a store" -D "$T/nb/s" init
expect_eq "a store rbldb creates is private: directory 0700, files 0600 (nobody's)" \
    "700 nobody 600 nobody 600 nobody" "$(modes "$T/nb/s" "$T/nb/s/data.mdb" "$T/nb/s/lock.mdb")"

# rbldbd (user = nobody) creates no store, even as root with a user to give
# it to; it makes a store of root's its user's.
out=$(timeout 20 "$RBLDBD" -c "$CONF" -D "$T/s-none" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "rbldbd as root (user nobody) refuses a missing store and creates nothing" \
    "1 no" "$rc $([ -e "$T/s-none" ] && echo yes || echo no)"
rb_ok "rbldb init as root, for the server" -D "$T/s-server" init
start_server -D "$T/s-server" || finish
expect_eq "rbldbd makes it its user's, private: 0700, 0600, lock.mdb too" \
    "700 nobody 600 nobody 600 nobody" \
    "$(modes "$T/s-server" "$T/s-server/data.mdb" "$T/s-server/lock.mdb")"
nobody_ok "its user's rbldb (sudo -u) writes the store rbldbd serves" -D "$T/s-server" \
    report 192.0.2.21 --zone "$ZONE"
check "the server serves what its user's rbldb committed" \
    poll_until 10 dns_is 127.0.0.2 21.2.0.192.$ZONE A
rb_ok "rbldb as root writes the store of nobody's" -D "$T/s-server" report 192.0.2.22 --zone "$ZONE"
check "the server serves what root's rbldb committed" \
    poll_until 10 dns_is 127.0.0.2 22.2.0.192.$ZONE A
expect_eq "rbldb as root left no file of root's in the store" "" "$(root_files "$T/s-server")"
stop_server
rm -f "$T/s-server/lock.mdb"
rb_ok "rbldb as root on a store of nobody's without lock.mdb" -D "$T/s-server" show 192.0.2.22
expect_eq "it made lock.mdb as nobody, not as root" "600 nobody" "$(modes "$T/s-server/lock.mdb")"
install -d -o nobody -m 700 "$T/s-empty"
rb_ok "rbldb init as root in an empty store directory of nobody's" -D "$T/s-empty" init
rb_ok "... and a report there" -D "$T/s-empty" report 192.0.2.23 --zone "$ZONE"
expect_eq "it created the store as nobody" "" "$(root_files "$T/s-empty")"

start_server -D "$T/s-root" || finish
expect_eq "rbldbd gives the store of root's it serves to its user, lock.mdb too" \
    "700 nobody 600 nobody 600 nobody" "$(modes "$T/s-root" "$T/s-root/data.mdb" "$T/s-root/lock.mdb")"
nobody_ok "and its user's rbldb then writes it" -D "$T/s-root" report 192.0.2.24 --zone "$ZONE"
stop_server

install -d -o daemon -m 700 "$T/s-daemon"
out=$(timeout 20 "$RBLDBD" -c "$CONF" -D "$T/s-daemon" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "a store of another user's than [server] user: exit 1" 1 "$rc"
expect_match "... naming its owner" "store .*s-daemon belongs to daemon, not to nobody" "$out"
mkdir -m 700 "$T/s-other" && echo keep >"$T/s-other/notes.txt"
out=$(timeout 20 "$RBLDBD" -c "$CONF" -D "$T/s-other" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "a directory of root's holding other files is not given to the user: exit 1" 1 "$rc"
expect_eq "... and stays root's" "700 root" "$(modes "$T/s-other")"

# As root, no file is opened through a symbolic link.
# untouched FILE: FILE still holds what it was made with.
untouched() { cmp -s "$1" "$T/victim.orig" && echo untouched || echo changed; }
echo 'a file of root'"'"'s' >"$T/victim.orig"
cp "$T/victim.orig" "$T/victim-lock"
mkdir -m 1777 "$T/s-open"
ln -s "$T/victim-lock" "$T/s-open/lock.mdb"
rb -D "$T/s-open" stats
expect_eq "rbldb as root refuses a store others may write, with a link planted in it" \
    "1 untouched" "$RB_RC $(untouched "$T/victim-lock")"
expect_match "... saying why" "only its owner may write" "$RB_ERR"
ln -s "$CONF" "$T/link.conf"
out=$("$RBLDB" -c "$T/link.conf" stats 2>&1); rc=$?
expect_eq "rbldb as root refuses a configuration reached through a symbolic link" 1 "$rc"
expect_match "... saying so" "link.conf: cannot read: a symbolic link" "$out"
out=$(timeout 20 "$RBLDBD" -c "$T/link.conf" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "rbldbd as root refuses it too" 1 "$rc"

sed -i 's/^threads = 2$/threads = 2\nquery-log = query.log/' "$CONF"
start_server || finish
check "a query for the query log" dns_is 127.0.0.2 2.0.0.127.$ZONE A
check "the query is logged" poll_until 10 grep -q '2.0.0.127' "$T/query.log"
expect_eq "the query log is private and the server user's (0600, nobody)" \
    "600 nobody" "$(modes "$T/query.log")"
stop_server
cp "$T/victim.orig" "$T/victim-log"
ln -s "$T/victim-log" "$T/query-link.log"
sed -i 's/^query-log = query.log$/query-log = query-link.log/' "$CONF"
out=$(timeout 20 "$RBLDBD" -c "$CONF" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "a query log that is a symbolic link is refused: exit 1" 1 "$rc"
expect_match "... saying so" "query-log .*query-link.log: a symbolic link" "$out"
expect_eq "... and nothing is written through it" "untouched" "$(untouched "$T/victim-log")"
finish
