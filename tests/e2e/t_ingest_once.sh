#!/bin/bash
# SPEC "Listing policy" (issue 18): ingesting the same file a second time
# (same content) is recognised and changes nothing, not even the serial,
# with or without `at` on its lines; a dry run does not count as an ingest,
# and a file with one more line is a new batch.
. "$(dirname "$0")/lib.sh"
need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
A1=$(date -u -d "@$((NOW - 3600))" +%Y-%m-%dT%H:%M:%SZ)
counts() {	# counts ADDR: "count sources" of its listing
	"$RBLDB" -c "$CONF" show "$1" --json |
	    python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z.get("count"), z.get("sources"))'
}

# Without `at`: each line would be a new report at the time of the ingest.
cat >"$T/noat.jsonl" <<EOF
{"op":"report","addr":"192.0.2.20","source":"trap-1","reason":"open relay"}
{"op":"report","addr":"192.0.2.21","source":"trap-2"}
EOF
rb ingest --dry-run "$T/noat.jsonl"
expect_match "a dry run applies nothing" "dry run, nothing committed" "$RB_OUT"
rb_ok "the first ingest" ingest "$T/noat.jsonl"
expect_match "lists both" "2 new" "$RB_OUT"
start_server || finish
S1=$(soa_serial)
rb_ok "log" log
LOG1=$RB_OUT
rb_ok "list" list --json
LIST1=$RB_OUT
sleep 1	# a later second: a report without `at` would be a new one
rb ingest "$T/noat.jsonl"
expect_eq "the second ingest exits 0" 0 "$RB_RC"
expect_match "and says the file was ingested already" \
    "^$T/noat.jsonl: already ingested at [0-9T:Z-]+ \(commit 1\): nothing changed$" "$RB_OUT"
expect_eq "the serial is unchanged" "$S1" "$(soa_serial)"
rb_ok "log again" log
expect_eq "rbldb log is unchanged" "$LOG1" "$RB_OUT"
expect_eq "192.0.2.20 still rests on one report" "1 1" "$(counts 192.0.2.20)"
rb_ok "list again" list --json
expect_eq "list --json is unchanged" "$LIST1" "$RB_OUT"
rb ingest - <"$T/noat.jsonl"
expect_match "the same content on standard input is recognised too" \
    "^<stdin>: already ingested at [0-9T:Z-]+ \(commit 1\): nothing changed$" "$RB_OUT"
cp "$T/noat.jsonl" "$T/renamed.jsonl"
rb ingest "$T/renamed.jsonl"
expect_match "and under another name" "already ingested" "$RB_OUT"
expect_eq "the serial is still unchanged" "$S1" "$(soa_serial)"

# With `at`: recognised as a whole file, before any line is looked at.
cat >"$T/at.jsonl" <<EOF
{"op":"report","addr":"192.0.2.30","source":"trap-1","at":"$A1"}
{"op":"delist","addr":"192.0.2.21","reason":"fixed","at":"$A1"}
EOF
rb_ok "a batch with times" ingest "$T/at.jsonl"
S2=$(soa_serial)
rb ingest "$T/at.jsonl"
expect_match "the same batch with times: already ingested" "already ingested" "$RB_OUT"
expect_eq "serial unchanged" "$S2" "$(soa_serial)"

# A file with one more line is another batch.
{ cat "$T/noat.jsonl"; echo '{"op":"report","addr":"192.0.2.22","source":"trap-3"}'; } >"$T/noat2.jsonl"
rb_ok "a file with one more line" ingest "$T/noat2.jsonl"
expect_match "is applied" "1 new, 2 refreshed" "$RB_OUT"

stop_server
finish
