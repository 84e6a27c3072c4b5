#!/bin/bash
# rbldb backup DIR: taken while rbldbd serves, it is the committed state of
# that moment, private as any store (0700/0600); a second rbldbd started on
# the copy gives the same answers and serial; an existing store is never
# written over.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A=$(iso $((NOW - 3600)))
cat >"$T/batch.jsonl" <<EOF
{"op":"report","addr":"192.0.2.1","reason":"accepted relay","source":"t","at":"$A"}
{"op":"report","addr":"192.0.2.2","code":"127.0.0.4","source":"t","at":"$A","lifetime":"2h"}
{"op":"report","addr":"198.51.100.0/24","reason":"relay farm","source":"t","at":"$A"}
{"op":"delist","addr":"198.51.100.7","reason":"closed","at":"$A"}
{"op":"report","addr":"2001:db8::25","source":"t","at":"$A"}
EOF
rb_ok "ingest a batch" ingest "$T/batch.jsonl"
start_server || finish

# The answers to compare: A and TXT of listed, excepted and unlisted names.
NAMES="1.2.0.192 2.2.0.192 3.2.0.192 9.100.51.198 7.100.51.198 100.51.198"
answers() {
	local n
	for n in $NAMES; do
		echo "$n A $(dns_status $n.$ZONE A) $(dns_short $n.$ZONE A | tr '\n' ' ')"
		echo "$n TXT $(dns_short $n.$ZONE TXT | tr '\n' ' ')"
	done
	echo "v6 A $(dns_short "$(rname 2001:db8::25)" A)"
	echo "SOA $(soa_serial)"
}
poll_until 10 dns_is 127.0.0.2 1.2.0.192.$ZONE A
BEFORE=$(answers)
rb list --json; LIST=$RB_OUT

rb backup "$T/bk"
expect_eq "backup while rbldbd runs exits 0" 0 "$RB_RC"
expect_match "backup says where and how big" "^backup written to $T/bk \(data.mdb, [0-9]+ bytes, compacted\)$" "$RB_OUT"
expect_eq "the backup is a private store: directory 0700, data.mdb 0600" "700 600" \
    "$(stat -c %a "$T/bk" "$T/bk/data.mdb" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "rbldbd answers after the backup" 127.0.0.2 "$(dns_short 1.2.0.192.$ZONE A)"

# A change after the backup is not in it.
rb_ok "a report after the backup" report 192.0.2.3 --reason "after the backup"
poll_until 10 dns_is 127.0.0.2 3.2.0.192.$ZONE A

rb backup "$T/bk"
expect_eq "a DIR that holds a store is refused: exit 1" 1 "$RB_RC"
expect_match "and says why" "already holds a store" "$RB_ERR"
rb backup
expect_eq "backup without DIR: exit 2" 2 "$RB_RC"

# A writer holding the lock (a long ingest) delays neither backup nor show.
if cc -o "$T/holdwrite" "$E2E_DIR/holdwrite.c" $(pkg-config --cflags --libs lmdb) 2>"$T/cc.err"; then
	"$T/holdwrite" "$T/db" 30 >"$T/hold.out" 2>&1 &
	HOLD=$!
	if poll_until 10 grep -q holding "$T/hold.out"; then
		timeout 10 "$RBLDB" -c "$CONF" backup "$T/bk-held" >"$T/held.out" 2>&1
		expect_eq "backup completes while another process holds the write lock" 0 "$?"
		timeout 10 "$RBLDB" -c "$CONF" show 192.0.2.1 >"$T/held.out" 2>&1
		expect_eq "show completes while another process holds the write lock" 0 "$?"
	else
		not_ok "holdwrite takes the write lock" "$(cat "$T/hold.out")"
	fi
	kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null
else
	not_ok "holdwrite.c compiles (liblmdb-dev)" "$(cat "$T/cc.err")"
fi

stop_server

# The copy, served by a second rbldbd, answers as the original did then.
start_server -D "$T/bk" || finish
if poll_until 10 dns_is 127.0.0.2 1.2.0.192.$ZONE A; then
	ok "rbldbd starts on the backup and answers"
else
	not_ok "rbldbd starts on the backup and answers" "$(dq 1.2.0.192.$ZONE A)"
fi
AFTER=$(answers)
if [ "$BEFORE" = "$AFTER" ]; then
	ok "the backup serves the same answers and serial as the original did"
else
	not_ok "the backup serves the same answers and serial as the original did" \
	    "$(diff <(echo "$BEFORE") <(echo "$AFTER"))"
fi
expect_eq "the later report is not in the backup" NXDOMAIN "$(dns_status 3.2.0.192.$ZONE A)"
"$RBLDB" -c "$CONF" -D "$T/bk" list --json >"$T/bk.list" 2>&1
expect_eq "list --json of the backup is byte-identical to the original's then" "$LIST" \
    "$(cat "$T/bk.list")"
stop_server
finish
