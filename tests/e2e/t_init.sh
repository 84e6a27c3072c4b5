#!/bin/bash
# rbldb init makes the store (directory 0700, files 0600, owned by the user
# that runs it); every other command and rbldbd refuse a store that does not
# exist, naming the path and the init line, and create nothing: a typo in
# -D never becomes an empty list.  The example configuration installed by
# make install works as copied to /etc (its db is /var/lib/rbldb, not
# /etc/var/db).
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# refused WHAT DIR ARGS...: rbldb ARGS on store DIR exits 1, names DIR and
# the init line, and leaves DIR as it was (missing, or empty).
refused() {
	local what=$1 dir=$2 before
	shift 2
	before=$(ls -A "$dir" 2>&1)
	rb -D "$dir" "$@"
	if [ "$RB_RC" -eq 1 ] &&
	    [ "$RB_ERR" = "rbldb: store $dir does not exist; create it with rbldb -c $CONF -D $dir init" ] &&
	    [ "$(ls -A "$dir" 2>&1)" = "$before" ]; then
		ok "$what"
	else
		not_ok "$what" "exit $RB_RC" "stdout: $RB_OUT" "stderr: $RB_ERR" \
		    "before: $before" "after: $(ls -A "$dir" 2>&1)"
	fi
}

# ---- a mistyped -D ----
for cmd in "stats" "show 192.0.2.5" "list" "report 192.0.2.5 --reason typo" \
    "delist 192.0.2.5 --reason typo" "expire" "log" "export --format rbldnsd" \
    "purge --source x" "backup $T/bk"; do
	# shellcheck disable=SC2086
	refused "rbldb $cmd on a missing store: exit 1, names it, creates nothing" "$T/dbb" $cmd
done
echo '{"op":"report","addr":"192.0.2.5","source":"t"}' >"$T/one.jsonl"
refused "rbldb ingest on a missing store creates nothing" "$T/dbb" ingest "$T/one.jsonl"
echo '192.0.2.5' >"$T/one.rbldnsd"
refused "rbldb import on a missing store creates nothing" "$T/dbb" import --format rbldnsd "$T/one.rbldnsd"
mkdir -m 700 "$T/empty"
refused "an empty directory holds no store either (show)" "$T/empty" show 192.0.2.5

out=$(timeout 20 "$RBLDBD" -c "$CONF" -D "$T/dbb" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "rbldbd on a missing store: exit 1" 1 "$rc"
expect_eq "... naming the store and the init line" \
    "rbldbd: store $T/dbb does not exist; create it with rbldb -c $CONF -D $T/dbb init" "$out"
expect_eq "... and creating nothing" "no" "$([ -e "$T/dbb" ] && echo yes || echo no)"
out=$(timeout 20 "$RBLDBD" -c "$CONF" -D "$T/empty" -l 127.0.0.1:$((20000 + RANDOM % 40000)) 2>&1); rc=$?
expect_eq "rbldbd on an empty store directory: exit 1, nothing created" "1 " "$rc $(ls -A "$T/empty")"

# ---- init ----
rb_ok "init --dry-run" -D "$T/new/db" init --dry-run
expect_eq "... says what it would create" \
    "would create store $T/new/db for zone $ZONE (dry run, nothing created)" "$RB_OUT"
expect_eq "... and creates nothing" "no" "$([ -e "$T/new" ] && echo yes || echo no)"
rb_ok "init creates the store" -D "$T/new/db" init
expect_eq "... and says so" "created store $T/new/db (directory 0700, files 0600) for zone $ZONE" "$RB_OUT"
expect_eq "a new store is private and the user's: directory 0700, data.mdb and lock.mdb 0600" \
    "700 $(id -un) 600 $(id -un) 600 $(id -un)" \
    "$(stat -c '%a %U' "$T/new/db" "$T/new/db/data.mdb" "$T/new/db/lock.mdb" | tr '\n' ' ' | sed 's/ $//')"
rb_ok "the other commands use it" -D "$T/new/db" report 192.0.2.5 --reason "after init"
rb -D "$T/new/db" stats
SERIAL=$(printf '%s\n' "$RB_OUT" | awk -v z="$ZONE" '$1 == z { print $5 }')
rb_ok "init of a store that exists" -D "$T/new/db" init
expect_eq "... changes nothing and says so" "store $T/new/db exists already; nothing changed" "$RB_OUT"
rb -D "$T/new/db" stats
expect_eq "... the listing and the serial are as they were" "1 $SERIAL" \
    "$(printf '%s\n' "$RB_OUT" | awk -v z="$ZONE" '$1 == z { print $2, $5 }')"
rb -D "$T/new/db" init extra
expect_eq "init with an argument: exit 2" 2 "$RB_RC"

# ---- the installed example configuration, copied to /etc as README says ----
R=$T/root
if out=$(make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr BUILD="$BUILD" 2>&1); then
	ok "make install DESTDIR PREFIX=/usr"
else
	not_ok "make install DESTDIR PREFIX=/usr" "$out"
fi
mkdir -p "$R/etc/rbldb"
cp "$R/usr/share/rbldb/example.conf" "$R/etc/rbldb/rbldb.conf"
cp "$R/usr/share/rbldb/relays.example.org.zone" "$R/etc/rbldb/"
expect_eq "the installed example's store is /var/lib/rbldb (the service's StateDirectory)" \
    "db = /var/lib/rbldb" "$(grep '^db' "$R/etc/rbldb/rbldb.conf")"
expect_eq "the source tree's example keeps ../var/db for make run" \
    "db = ../var/db" "$(grep '^db' "$TOP/zones/example.conf")"
ETC=$R/etc/rbldb/rbldb.conf
out=$("$R/usr/sbin/rbldb" -c "$ETC" stats 2>&1); rc=$?
if [ -d /var/lib/rbldb ]; then
	expect_match "the copied configuration reads /var/lib/rbldb" "/var/lib/rbldb|listed" "$out"
else
	expect_eq "the copied configuration names /var/lib/rbldb when it is missing" \
	    "1 rbldb: store /var/lib/rbldb does not exist; create it with rbldb -c $ETC init" "$rc $out"
fi
expect_eq "... and makes no /etc/var/db" "no" "$([ -e "$R/etc/var" ] && echo yes || echo no)"
inst() { "$R/usr/sbin/rbldb" -c "$ETC" -D "$T/inst-db" "$@"; }
check "installed rbldb: init on the copied configuration (-D)" inst init
check "installed rbldb: report" inst report 192.0.2.7 --reason installed
out=$(inst show 192.0.2.7 2>&1)
expect_match "installed rbldb: show" "^relays.example.org \(serial [0-9]+\): listed by entry 192.0.2.7/32" "$out"
SERVER_LOG=$T/installed.log
port=$((20000 + RANDOM % 40000))
"$R/usr/sbin/rbldbd" -c "$ETC" -D "$T/inst-db" -l "127.0.0.1:$port" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
if poll_until 10 server_up_or_gone && server_up; then
	PORT=$port
	check "installed rbldbd serves the copied configuration" \
	    poll_until 10 dns_is 127.0.0.2 7.2.0.192.relays.example.org A
	stop_server
else
	not_ok "installed rbldbd starts on the copied configuration" "$(cat "$SERVER_LOG")"
fi

finish
