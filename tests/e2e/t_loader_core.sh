#!/bin/bash
# rbldb report, delist, show and list against a temporary store: listings,
# history, every policy refusal, duplicates, exceptions, ordering by `at`,
# usage and exit codes, and two loaders writing at once.
. "$(dirname "$0")/lib.sh"

need_binaries "$RBLDB"
make_tmp
# A second zone, IPv4 only, so --zone matters and the wrong family is refused.
write_apex "$T/v4.example.org.zone" v4.example.org
cat >>"$CONF" <<EOF

[zone v4.example.org]
apex = v4.example.org.zone
family = ipv4
code = 127.0.0.3
lifetime = 1d
max-range = 24
EOF
DB=$T/db
RZ="--zone $ZONE"

# expect WHAT RC [GREP-PATTERN]: the last rb gave RC and its stdout matches.
expect() {
	local what=$1 want=$2 pat=${3:-}
	if [ "$RB_RC" -ne "$want" ]; then
		not_ok "$what" "exit $RB_RC, want $want" "stdout: $RB_OUT" "stderr: $RB_ERR"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$T/rb.out"; then
		not_ok "$what" "stdout does not match /$pat/" "stdout: $RB_OUT" "stderr: $RB_ERR"
	else
		ok "$what"
	fi
}
# refused WHAT PATTERN: exit 1, one stderr line "rbldb: CMD: ..." matching
# PATTERN, nothing on stdout, and `list --json` byte-identical to before.
refused() {
	local what=$1 pat=$2
	local lines
	lines=$(wc -l <"$T/rb.err")
	if [ "$RB_RC" -ne 1 ]; then
		not_ok "$what" "exit $RB_RC, want 1" "stdout: $RB_OUT" "stderr: $RB_ERR"
	elif [ "$lines" -ne 1 ] || ! grep -Eq -- "^rbldb: [a-z]+: .*$pat" "$T/rb.err"; then
		not_ok "$what" "want one stderr line matching /$pat/" "stderr: $RB_ERR"
	elif [ -s "$T/rb.out" ]; then
		not_ok "$what" "stdout not empty: $RB_OUT"
	else
		"$RBLDB" -c "$CONF" -D "$DB" list --json >"$T/list.after" 2>&1
		if cmp -s "$T/list.before" "$T/list.after"; then
			ok "$what"
		else
			not_ok "$what" "list --json changed" "$(diff "$T/list.before" "$T/list.after")"
		fi
	fi
}
snapshot() { "$RBLDB" -c "$CONF" -D "$DB" list --json >"$T/list.before" 2>&1; }
# json_field KEY: the value of "KEY" in the first zone object of show --json
# (indented two levels: jansson's JSON_INDENT(2) puts one key per line).
json_field() { sed -n "s/^      \"$1\": \(.*\)$/\1/p" "$T/rb.out" | head -n 1 | sed 's/,$//'; }
NOW=$(date +%s)

# ---- usage and exit codes ----
"$RBLDB" --help >"$T/rb.out" 2>"$T/rb.err"; RB_RC=$?; RB_OUT=$(cat "$T/rb.out"); RB_ERR=$(cat "$T/rb.err")
expect "--help exits 0 with usage on stdout" 0 '^usage: rbldb -c CONF'
missing=""
for c in report delist ingest expire show list import export purge stats backup; do
	grep -Eq "^  $c " "$T/rb.out" || missing="$missing $c"
done
[ -z "$missing" ] && ok "usage lists every command" || not_ok "usage lists every command" "missing:$missing"
"$RBLDB" -c "$CONF" report --help >"$T/rb.out" 2>&1; RB_RC=$?; RB_OUT=$(cat "$T/rb.out"); RB_ERR=""
expect "report --help exits 0 with its synopsis" 0 '^usage: rbldb .* report ADDR'

bad_args() {
	local what=$1; shift
	"$RBLDB" "$@" >"$T/rb.out" 2>"$T/rb.err"; RB_RC=$?
	if [ $RB_RC -eq 2 ] && [ "$(wc -l <"$T/rb.err")" -eq 1 ] && grep -q '^rbldb: ' "$T/rb.err" &&
	    [ ! -s "$T/rb.out" ]; then
		ok "$what"
	else
		not_ok "$what" "exit $RB_RC, want 2 and one stderr line" "stderr: $(cat "$T/rb.err")"
	fi
}
bad_args "no command exits 2" -c "$CONF" -D "$DB"
bad_args "unknown global option exits 2" -x -c "$CONF" list
bad_args "unknown command exits 2" -c "$CONF" -D "$DB" frobnicate
bad_args "missing -c exits 2" -D "$DB" list
bad_args "unknown report option exits 2" -c "$CONF" -D "$DB" report 192.0.2.1 --colour red
bad_args "option without its value exits 2" -c "$CONF" -D "$DB" report 192.0.2.1 --reason
bad_args "report without ADDR exits 2" -c "$CONF" -D "$DB" report $RZ
bad_args "malformed ADDR exits 2" -c "$CONF" -D "$DB" report 192.0.2.300 $RZ
bad_args "malformed --at exits 2" -c "$CONF" -D "$DB" report 192.0.2.1 $RZ --at yesterday
bad_args "malformed --lifetime exits 2" -c "$CONF" -D "$DB" report 192.0.2.1 $RZ --lifetime 3x
bad_args "delist without --reason exits 2" -c "$CONF" -D "$DB" delist 192.0.2.1 $RZ
bad_args "unknown zone exits 2" -c "$CONF" -D "$DB" report 192.0.2.1 --zone nope.example
rb report 192.0.2.1 --reason x
if [ $RB_RC -eq 2 ] && grep -q 'no --zone and no default zone (zones: relays.example.org, v4.example.org)' "$T/rb.err"; then
	ok "two zones and no --zone: exit 2 naming the zones"
else
	not_ok "two zones and no --zone: exit 2 naming the zones" "exit $RB_RC" "stderr: $RB_ERR"
fi

# ---- the example configuration (issue 2's "done when") ----
if [ -f "$TOP/zones/example.conf" ]; then
	ex() { "$RBLDB" -c "$TOP/zones/example.conf" -D "$T/exdb" "$@" >"$T/rb.out" 2>"$T/rb.err"; RB_RC=$?; RB_OUT=$(cat "$T/rb.out"); RB_ERR=$(cat "$T/rb.err"); }
	ex init
	ex report 192.0.2.5 --reason test
	expect "example.conf: report 192.0.2.5 --reason test" 0 '^192\.0\.2\.5 listed in relays\.example\.org until [0-9]{4}-'
	ex show 192.0.2.5
	if [ $RB_RC -eq 0 ] && grep -q '^relays.example.org (serial [0-9]*): listed by entry 192.0.2.5/32, code 127.0.0.2' "$T/rb.out" &&
	    grep -q '^  reason: test$' "$T/rb.out" &&
	    grep -Eq '^  [0-9T:Z-]+ relays\.example\.org report 192\.0\.2\.5/32 at .* reason "test"' "$T/rb.out"; then
		ok "example.conf: show 192.0.2.5 prints the listing and its history"
	else
		not_ok "example.conf: show 192.0.2.5 prints the listing and its history" "exit $RB_RC" "$RB_OUT" "$RB_ERR"
	fi
else
	not_ok "zones/example.conf exists"
fi

# ---- report, show, list ----
rb report 192.0.2.5 $RZ --reason "open relay" --source trap-1 --evidence "smtp log 1" --at "$(iso $((NOW - 60)))"
expect "report lists a new address" 0 "^192\.0\.2\.5 listed in relays\.example\.org until $(iso $((NOW - 60 + 30 * 86400)))\$"
rb show 192.0.2.5
if [ $RB_RC -eq 0 ] && grep -q '^192.0.2.5$' "$T/rb.out" &&
    grep -q "^relays.example.org (serial $((APEX_SERIAL + 1))): listed by entry 192.0.2.5/32, code 127.0.0.2, expires $(iso $((NOW - 60 + 30 * 86400)))\$" "$T/rb.out" &&
    grep -q '^  reason: open relay$' "$T/rb.out" &&
    grep -q '^  first seen .*, 1 report from 1 source$' "$T/rb.out" &&
    grep -q "^v4.example.org (serial $APEX_SERIAL): not listed\$" "$T/rb.out" &&
    grep -q "relays.example.org report 192.0.2.5/32 at $(iso $((NOW - 60))) code 127.0.0.2 lifetime 30d reason \"open relay\" source \"trap-1\" evidence \"smtp log 1\"\$" "$T/rb.out"; then
	ok "show prints state per zone and history with the private fields"
else
	not_ok "show prints state per zone and history with the private fields" "$RB_OUT" "$RB_ERR"
fi
rb show 192.0.2.5 --json
if [ $RB_RC -eq 0 ] && grep -q '^  "address": "192.0.2.5",$' "$T/rb.out" &&
    [ "$(json_field state)" = '"listed"' ] && [ "$(json_field entry)" = '"192.0.2.5/32"' ] &&
    [ "$(json_field code)" = '"127.0.0.2"' ] && [ "$(json_field count)" = 1 ] &&
    [ "$(json_field sources)" = 1 ] && [ "$(json_field serial)" = $((APEX_SERIAL + 1)) ] &&
    grep -q '"source": "trap-1"' "$T/rb.out"; then
	ok "show --json gives the state and history"
else
	not_ok "show --json gives the state and history" "$RB_OUT" "$RB_ERR"
fi
# History texts of any length come back exactly (a 300-octet source after a
# short reason, then an empty evidence and by).
LONG=$(printf 's%.0s' $(seq 1 300))
rb report 192.0.2.10 $RZ --reason short --source "$LONG"
rb show 192.0.2.10
if grep -q "report 192.0.2.10/32 at .* reason \"short\" source \"$LONG\"\$" "$T/rb.out"; then
	ok "show prints a long private field and the one before it exactly"
else
	not_ok "show prints a long private field and the one before it exactly" "$(grep ' relays.example.org report ' "$T/rb.out" | cut -c1-200)"
fi
rb list
expect "list prints ADDR/PLEN code expires reason" 0 "^192\.0\.2\.5/32 127\.0\.0\.2 $(iso $((NOW - 60 + 30 * 86400))) open relay\$"

rb report ::ffff:192.0.2.77 $RZ --code 127.0.0.4
expect "an IPv4-mapped address is listed as IPv4" 0 '^192\.0\.2\.77 listed in relays\.example\.org'
rb report 2001:db8::1 $RZ --lifetime 12h --reason v6
expect "an IPv6 address in a zone of both families" 0 '^2001:db8::1 listed in relays\.example\.org until'

# ---- duplicates ----
AT=$(iso $((NOW - 120)))
rb report 192.0.2.6 $RZ --source s1 --at "$AT"
expect "report 192.0.2.6 from s1" 0 'listed'
rb show 192.0.2.6 --json; serial1=$(json_field serial)
snapshot
rb report 192.0.2.6 $RZ --source s1 --at "$AT"
expect "the same zone, address, source and at again is a duplicate" 0 '^192\.0\.2\.6 duplicate report, nothing changed$'
"$RBLDB" -c "$CONF" -D "$DB" list --json >"$T/list.after"
rb show 192.0.2.6 --json
if [ "$(json_field count)" = 1 ] && [ "$(json_field serial)" = "$serial1" ] &&
    cmp -s "$T/list.before" "$T/list.after"; then
	ok "a duplicate changes neither count, serial nor list"
else
	not_ok "a duplicate changes neither count, serial nor list" "count $(json_field count) serial $(json_field serial) was $serial1"
fi
rb report 192.0.2.6 $RZ --source s2 --at "$AT"
expect "another source at the same time refreshes" 0 '^192\.0\.2\.6 refreshed in relays\.example\.org'
rb show 192.0.2.6 --json
if [ "$(json_field count)" = 2 ] && [ "$(json_field sources)" = 2 ]; then
	ok "a second source is counted: 2 reports, 2 sources"
else
	not_ok "a second source is counted: 2 reports, 2 sources" "$RB_OUT"
fi

# ---- refusals: exit 1, one line, nothing changed ----
snapshot
rb report 10.1.2.3 $RZ
refused "never-list is refused" 'never-list'
rb report 192.168.0.0/24 $RZ
refused "a range inside never-list is refused" 'never-list'
rb report 127.0.0.1 $RZ
refused "127.0.0.1 is refused" '127\.0\.0\.1'
rb report 192.0.2.9 $RZ --code 128.0.0.2
refused "a code outside 127/8 is refused" '127'
rb report 192.0.0.0/15 $RZ
refused "a range shorter than max-range is refused without --force" 'force|max-range'
rb report 192.0.2.9 $RZ --at "$(iso $((NOW + 3600)))"
refused "an at an hour in the future is refused" 'future'
rb report 2001:db8::2 --zone v4.example.org
refused "an IPv6 address in an IPv4-only zone is refused" 'IPv6|family|ipv4'
rb delist 2001:db8::2 --zone v4.example.org --reason x
refused "delisting the wrong family is refused" 'IPv6|family|ipv4'
rb delist 192.0.2.9 $RZ --reason x --at "$(iso $((NOW + 3600)))"
refused "a delisting in the future is refused" 'future'
rb report 192.0.0.0/15 $RZ --force --reason wide
expect "the short range is accepted with --force" 0 '^192\.0\.0\.0/15 listed in relays\.example\.org'
rb delist 192.0.0.0/15 $RZ --reason "test over"
expect "a delisting that wide is refused without --force" 1
rb delist 192.0.0.0/15 $RZ --reason "test over" --force
expect "and delisted again with it" 0 '^192\.0\.0\.0/15 delisted from relays\.example\.org$'

# ---- delisting, exceptions, ordering by at ----
rb report 198.51.100.0/24 $RZ --reason "hijacked range"
expect "report a /24" 0 '^198\.51\.100\.0/24 listed'
rb delist 198.51.100.7 $RZ --reason "relay closed" --by postmaster@example.net
expect "delisting inside a listed range makes an exception" 0 '^198\.51\.100\.7 excepted inside listed range 198\.51\.100\.0/24 in relays\.example\.org$'
rb show 198.51.100.7
if grep -q '^relays.example.org (serial [0-9]*): excepted by entry 198.51.100.7/32 inside listed range 198.51.100.0/24$' "$T/rb.out" &&
    grep -q '^  delisted at .* by postmaster@example.net: relay closed$' "$T/rb.out" &&
    grep -q 'relays.example.org report 198.51.100.0/24 at .* reason "hijacked range"' "$T/rb.out" &&
    grep -q 'relays.example.org delist 198.51.100.7/32 at .* reason "relay closed" by "postmaster@example.net"' "$T/rb.out"; then
	ok "show says excepted, with the range's history and the delisting"
else
	not_ok "show says excepted, with the range's history and the delisting" "$RB_OUT" "$RB_ERR"
fi
rb show 198.51.100.7 --json
if [ "$(json_field state)" = '"excepted"' ] && [ "$(json_field range)" = '"198.51.100.0/24"' ] &&
    [ "$(json_field delist_by)" = '"postmaster@example.net"' ]; then
	ok "show --json: excepted, the range, who delisted"
else
	not_ok "show --json: excepted, the range, who delisted" "$RB_OUT"
fi
rb show 198.51.100.8
if grep -q '^relays.example.org (serial [0-9]*): listed by entry 198.51.100.0/24, code 127.0.0.2' "$T/rb.out"; then
	ok "a neighbour stays listed by the range"
else
	not_ok "a neighbour stays listed by the range" "$RB_OUT"
fi
rb list --zone relays.example.org
expect "list marks the exception" 0 '^198\.51\.100\.7/32 excepted '
rb list --json
expect "list --json marks the exception" 0 '"entry":"198\.51\.100\.7/32","state":"excepted"'

T0=$((NOW - 7200)) T1=$((NOW - 3600))
rb report 203.0.113.9 $RZ --at "$(iso $T0)" --reason first
expect "report 203.0.113.9 two hours ago" 0 'listed'
rb delist 203.0.113.9 $RZ --at "$(iso $T1)" --reason "fixed"
expect "delist it an hour ago" 0 '^203\.0\.113\.9 delisted from relays\.example\.org$'
rb report 203.0.113.9 $RZ --at "$(iso $((T0 + 1800)))" --source late-feed
expect "a report earlier than the delisting is outranked" 0 "^203\\.0\\.113\\.9 outranked by delisting at $(iso $T1), not listed in relays\\.example\\.org\$"
rb show 203.0.113.9 --json
[ "$(json_field state)" = '"not listed"' ] && ok "the outranked report did not list" ||
	not_ok "the outranked report did not list" "$RB_OUT"
rb report 203.0.113.9 $RZ --at "$(iso $((T1 + 60)))" --reason again
expect "a report later than the delisting lists again" 0 '^203\.0\.113\.9 listed in relays\.example\.org'
rb show 203.0.113.9
if grep -q '^relays.example.org (serial [0-9]*): listed by entry 203.0.113.9/32' "$T/rb.out" &&
    [ "$(grep -c ' relays.example.org \(report\|delist\) 203.0.113.9/32 ' "$T/rb.out")" -ge 3 ]; then
	ok "show has the relisting and the history before it"
else
	not_ok "show has the relisting and the history before it" "$RB_OUT"
fi
rb report 203.0.113.77 $RZ --reason current
rb delist 203.0.113.77 $RZ --reason stale --at "$(iso $T1)"
expect "a delisting earlier than the last report is outranked" 0 '^203\.0\.113\.77 outranked by report at .*, still listed in relays\.example\.org$'
rb show 203.0.113.77 --json
[ "$(json_field state)" = '"listed"' ] && ok "the outranked delisting left it listed" ||
	not_ok "the outranked delisting left it listed" "$RB_OUT"
rb delist 203.0.113.50 $RZ --reason "never was"
expect "delisting an address not listed is recorded" 0 '^203\.0\.113\.50 not listed in relays\.example\.org; delisting recorded$'

# ---- list --json is stable ----
"$RBLDB" -c "$CONF" -D "$DB" list --json >"$T/l1"
"$RBLDB" -c "$CONF" -D "$DB" list --json >"$T/l2"
if cmp -s "$T/l1" "$T/l2" && head -n 1 "$T/l1" | grep -qx '\[' && tail -n 1 "$T/l1" | grep -qx '\]'; then
	ok "list --json: one array, the same bytes twice"
else
	not_ok "list --json: one array, the same bytes twice" "$(cat "$T/l1")"
fi

# ---- two loaders at once ----
load() {
	local i
	for i in $(seq 1 50); do
		"$RBLDB" -c "$CONF" -D "$DB" report "198.18.$1.$i" --zone v4.example.org \
		    --source "loader-$1" >/dev/null 2>>"$T/par.err" || echo "198.18.$1.$i" >>"$T/par.fail"
	done
}
: >"$T/par.err"
load 1 & p1=$!
load 2 & p2=$!
wait $p1 $p2
rb list --zone v4.example.org
got=$(grep -c '^198\.18\.[12]\.[0-9]*/32 127\.0\.0\.3 ' "$T/rb.out")
if [ "$got" -eq 100 ] && [ ! -s "$T/par.err" ] && [ ! -e "$T/par.fail" ]; then
	ok "two loaders at once: all 100 reports applied"
else
	not_ok "two loaders at once: all 100 reports applied" "listed $got" "$(head -n 5 "$T/par.err")"
fi

finish
