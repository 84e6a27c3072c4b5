#!/bin/bash
# Faults: a full LMDB map and a full disk fail the whole commit and lose
# nothing; a larger mapsize takes effect at the next start; SIGKILL of rbldbd
# under load, restart, same answers; something at the store path that is not
# an rbldb store, or a store of a newer schema, is refused by both programs
# with a clear message and left untouched.
#
# Two loaders at once are serialized and both applied: t_loader_core.sh
# ("two loaders at once").  A loader killed mid-commit: t_ingest_kill.sh.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_tool cc gcc
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
FLOOD="python3 $E2E_DIR/flood.py"
MNT=""

# The tmpfs of the full-disk case is unmounted however the script ends.
cleanup_faults() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	cleanup
}
trap cleanup_faults EXIT

# A batch of N reports of distinct addresses under 11.0.0.0/8 with long reasons.
write_batch() {
	python3 - "$1" "$2" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        f.write('{"op":"report","addr":"11.%d.%d.%d","reason":"relay abuse number %d seen at the '
                'trap, message accepted for an external domain","source":"trap-%d"}\n'
                % (i >> 16 & 255, i >> 8 & 255, i & 255, i, i % 7))
EOF
}

# state: what a store says, for before/after comparisons.
state() {
	"$RBLDB" -c "$CONF" "$@" list 2>&1
	"$RBLDB" -c "$CONF" "$@" stats --json 2>&1 | grep -v '_bytes"'
}

# ---- a full LMDB map ----

sed -i 's/^db = db$/db = db\nmapsize = 1M/' "$CONF"
write_batch "$T/big.jsonl" 20000
rb_ok "a 1M store takes a first report" report 192.0.2.5 --reason seeded
BEFORE=$(state)
rb ingest --force "$T/big.jsonl"
expect_eq "ingest into a full map exits 1" 1 "$RB_RC"
expect_match "the message says the store is full and names mapsize" \
    'store is full \(raise mapsize in \[server\]\); nothing committed' "$RB_ERR"
expect_eq "a full map loses nothing: list and serial as before" "$BEFORE" "$(state)"

sed -i 's/^mapsize = 1M$/mapsize = 256M/' "$CONF"
rb_ok "with mapsize = 256M the same ingest succeeds at the next start" ingest --force "$T/big.jsonl"
rb stats --json
expect_match "the store now has room: map of 256 MiB" '"map_bytes": *268435456' "$RB_OUT"
rb list
expect_eq "all 20000 reports and the first one are listed" 20001 "$(printf '%s\n' "$RB_OUT" | wc -l)"

# rbldbd refuses nothing here: it opens the same store with the larger map.
start_server || finish
check "rbldbd serves the store grown past its old map" dns_is 127.0.0.2 9.0.0.11.$ZONE A
stop_server

# ---- a full disk ----

MNT=$T/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=2m tmpfs "$MNT" 2>"$T/mount.err"; then
	init_store -D "$MNT/db"
	rb_ok "a store on a 2 MiB tmpfs takes a first report" -D "$MNT/db" report 192.0.2.5 \
	    --reason seeded
	BEFORE=$(state -D "$MNT/db")
	rb -D "$MNT/db" ingest --force "$T/big.jsonl"
	if [ "$RB_RC" -ne 0 ] && printf '%s\n' "$RB_ERR" | grep -q "No space left on device.*nothing committed"; then
		ok "ingest on a full disk fails, says the disk is full and nothing was committed"
	else
		not_ok "ingest on a full disk fails, says the disk is full and nothing was committed" \
		    "exit $RB_RC" "$RB_ERR"
	fi
	expect_eq "a full disk loses nothing: list and serial as before" "$BEFORE" \
	    "$(state -D "$MNT/db")"
	rb_ok "the store still takes a small commit" -D "$MNT/db" report 192.0.2.6 --reason small
	mount -o remount,size=64m "$MNT"
	rb_ok "with room again the same ingest succeeds" -D "$MNT/db" ingest --force "$T/big.jsonl"
	rb -D "$MNT/db" list
	expect_eq "all 20000 reports and the two small ones are listed" 20002 \
	    "$(printf '%s\n' "$RB_OUT" | wc -l)"
	umount "$MNT" && MNT=""
	check_not "the tmpfs is unmounted" mountpoint -q "$T/mnt"
else
	# Containers without CAP_SYS_ADMIN cannot mount; nothing else stands in for a full disk.
	echo "# SKIP full disk: mount -t tmpfs is not allowed here: $(cat "$T/mount.err")"
fi

# ---- SIGKILL of rbldbd under load ----

python3 - "$T/seed.jsonl" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1, 41):
        f.write('{"op":"report","addr":"198.51.100.%d","reason":"relay %d","source":"trap"}\n' % (i, i))
    f.write('{"op":"report","addr":"203.0.113.0/24","reason":"a whole range","source":"trap"}\n')
    f.write('{"op":"delist","addr":"203.0.113.7","reason":"fixed"}\n')
EOF
rb_ok "seed 40 addresses, a range and an exception" ingest "$T/seed.jsonl"
NAMES=()
for i in 1 2 3 20 40 41 99; do NAMES+=("$i.100.51.198.$ZONE" A "$i.100.51.198.$ZONE" TXT); done
NAMES+=("1.113.0.203.$ZONE" A "7.113.0.203.$ZONE" A "7.113.0.203.$ZONE" TXT "$ZONE" SOA)
answers() {
	dig @127.0.0.1 -p "$PORT" +tries=2 +time=2 +norec +noall +answer +authority \
	    "${NAMES[@]}" 2>&1 | sort
}
start_server || finish
BEFORE=$(answers)
expect_match "the answers before the kill hold the seeded TXT" '"relay 20"' "$BEFORE"
rm -f "$T/stop"
$FLOOD loop "$PORT" 127.0.0.1 "$T/stop" 0 "20.100.51.198.$ZONE" A 127.0.0.2 >"$T/loop1.out" &
L1=$!
FLOOD_MARK=$T/flood.answered $FLOOD flood "$PORT" 127.0.0.1 5 2000 "1.100.51.198.$ZONE" TXT \
    >"$T/flood.out" &
F1=$!
# Killed as soon as the flood gets answers.
poll_until 10 test -e "$T/flood.answered"; seen=$?
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null; krc=$?
SERVER_PID=""
wait "$F1"
touch "$T/stop"
wait "$L1"
# Killed by the signal (exit 137) while answering the flood, in the middle
# of it (not all answered), and no answer wrong.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
flood=$(cat "$T/flood.out") loop=$(cat "$T/loop1.out")
answers=$(field answers "$flood") sent=$(field sent "$flood")
if [ "$krc" = 137 ] && [ "$seen" = 0 ] && [ "${answers:-0}" -gt 0 ] &&
    [ "$answers" -lt "${sent:-0}" ] &&
    [ "$(field full "$flood")" = "${answers:-0}" ] && [ "$(field wrong "$loop")" = 0 ]; then
	ok "rbldbd killed with SIGKILL while answering a flood ($answers of $sent answered)"
else
	not_ok "rbldbd killed with SIGKILL while answering a flood" "exit $krc" \
	    "the flood answered before the kill: $([ "$seen" = 0 ] && echo yes || echo no)" \
	    "flood: $flood" "loop: $loop"
fi
start_server || finish
AFTER=$(answers)
expect_eq "after a restart the same answers" "$BEFORE" "$AFTER"
rb_ok "the loader writes after the kill (no lock or reader slot left behind)" report \
    192.0.2.77 --reason after-kill
check "and the restarted server serves it" poll_until 10 dns_is 127.0.0.2 77.2.0.192.$ZONE A
stop_server

# ---- not a store, or a newer one ----

if ! cc -o "$T/storepoke" "$E2E_DIR/storepoke.c" $(pkg-config --cflags --libs lmdb) \
    2>"$T/cc.err"; then
	not_ok "storepoke.c compiles (liblmdb-dev)" "$(cat "$T/cc.err")"
	finish
fi

# datasums DIR: checksums of what DIR holds, but for LMDB's lock file, which
# opening an environment creates or resets before anything is read.
datasums() {
	(cd "$T" && find "${1#$T/}" -type f ! -name lock.mdb -exec md5sum {} + 2>/dev/null | sort)
}

# refused WHAT DIR PATTERN: both programs refuse DIR with a message matching
# PATTERN, exit 1, and leave its data as it was.
refused() {
	local what=$1 dir=$2 pattern=$3 sums out rc port
	sums=$(datasums "$dir")
	rb -D "$dir" list
	if [ "$RB_RC" -eq 1 ] && printf '%s\n' "$RB_ERR" | grep -Eq "$pattern"; then
		ok "rbldb refuses $what"
	else
		not_ok "rbldb refuses $what" "exit $RB_RC" "$RB_OUT" "$RB_ERR"
	fi
	port=$((20000 + RANDOM % 40000))
	out=$(timeout 10 "$RBLDBD" -c "$CONF" -D "$dir" -l "127.0.0.1:$port" 2>&1); rc=$?
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -Eq "$pattern"; then
		ok "rbldbd refuses $what"
	else
		not_ok "rbldbd refuses $what" "exit $rc" "$out"
	fi
	expect_eq "$what is left untouched" "$sums" "$(datasums "$dir")"
}

NOTSTORE='store .*: the directory holds something that is not an rbldb store'
echo "not a store" >"$T/plainfile"
refused "a plain file at the store path" "$T/plainfile" "$NOTSTORE"
mkdir -p "$T/garbage"
head -c 65536 /dev/urandom >"$T/garbage/data.mdb"
refused "a data.mdb that is not LMDB" "$T/garbage" "$NOTSTORE"
mkdir -p "$T/foreign"
check "storepoke writes another program's LMDB environment" "$T/storepoke" "$T/foreign" foreign
refused "another program's LMDB environment" "$T/foreign" "$NOTSTORE"

init_store -D "$T/newer"
rb_ok "a store of this version" -D "$T/newer" report 192.0.2.5 --reason seeded
expect_eq "the store records its schema version" \
    "$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$TOP/common/store.h")" \
    "$("$T/storepoke" "$T/newer" schema 2>&1)"
check "storepoke sets the schema to 99" "$T/storepoke" "$T/newer" schema 99
refused "a store of a newer schema" "$T/newer" \
    'store .*: the store was written by a newer rbldb \(upgrade rbldb\)'

finish
