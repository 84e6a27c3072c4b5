#!/bin/bash
# rbldnsd's -s STATSFILE in the drop-in (issue 22): Debian's rbldnsd and
# rbldbd started with the same command line on the same files are asked the
# same queries; on SIGUSR1 and at exit both write a line per rbldnsd(8)
# ("TIME zone:qtot:qok:qnxd:bin:bout ... *:..."), after a bare TIME line at
# start, and the lines must agree in zones, order and counts (the time and
# bout aside: answers differ in their authority section, see README).
# The drop-in also writes a line every -c interval, and "+FILE" deltas.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dropin_lib.sh"

need_binaries "$RBLDBD" "$RBLDB"
need_tool dig dnsutils
need_tool rbldnsd rbldnsd
make_tmp

RBLDNSD_PID=""
stats_cleanup() {
	local rc=$?
	if [ -n "$RBLDNSD_PID" ]; then
		kill -TERM "$RBLDNSD_PID" 2>/dev/null
		wait "$RBLDNSD_PID" 2>/dev/null
	fi
	(exit $rc)
	cleanup
}
trap stats_cleanup EXIT

# Each server writes in a directory of its own (rbldnsd, as root, as its own user).
mkdir -p "$T/r" "$T/d"
for d in "$T/r" "$T/d"; do
	cat >"$d/s4" <<'EOF2'
$SOA 300 ns1.example.org hostmaster.example.org 0 3600 600 86400 300
$NS 3600 ns1.example.org
:2:listed $
192.0.2.1
192.0.2.3 :3:three
EOF2
	printf ':3:name $\n.ex.com\n!*.a.ex.com\n' >"$d/dn"
done
chmod 755 "$T"
chmod 777 "$T/r"
chmod 644 "$T/r"/*
ZONES=(s.stats.test:ip4set:s4 n.stats.test:dnset:dn)
if [ "$(id -u)" -eq 0 ]; then rbl_dir=(-r "$T/r" -w /); else rbl_dir=(-w "$T/r"); fi
# Ready when it says so: a query would be counted.
rbldnsd_start "$T/rbldnsd.log" -a -c 60 -s stats "${rbl_dir[@]}" "${ZONES[@]}"
RPORT=$RBLDNSD_PORT
if [ -n "$RBLDNSD_PID" ]; then ok "rbldnsd -s serves the files"; else
	not_ok "rbldnsd -s serves the files" "$(cat "$T/rbldnsd.log")"; finish; fi

DROPIN_LOG=$T/dropin.log
# start_dropin ARG...: the drop-in on PORT with ARGs before the zones.
start_dropin() { dropin_start "$DROPIN_LOG" -q -a "$@" -w "$T/d" "${ZONES[@]}"; }
if start_dropin -c 60 -s stats; then ok "the drop-in starts with -s"; else
	not_ok "the drop-in starts with -s" "$(cat "$DROPIN_LOG")"; finish; fi

# The same queries to both: listed, not listed, TXT, NODATA, excluded, outside every zone.
ask() {
	local q
	for q in "1.2.0.192.s.stats.test A" "3.2.0.192.s.stats.test TXT" "2.2.0.192.s.stats.test A" \
	    "1.2.0.192.s.stats.test MX" "s.stats.test SOA" "b.ex.com.n.stats.test A" \
	    "x.a.ex.com.n.stats.test A" "nope.example A" "1.2.0.192.s.stats.test A"; do
		dig @127.0.0.1 -p "$1" +tries=1 +time=2 +norec $q >/dev/null
	done
}
ask "$RPORT"
ask "$PORT"
kill -USR1 "$RBLDNSD_PID" "$SERVER_PID"
full() { grep -q ' \*:' "$1" 2>/dev/null; }
check "rbldnsd writes a line on SIGUSR1" poll_until 10 full "$T/r/stats"
check "the drop-in writes a line on SIGUSR1" poll_until 10 full "$T/d/stats"
# The fields compared: zone:qtot:qok:qnxd:bin (the time and bout aside).
fields() { grep ' \*:' "$1" | tail -n 1 | tr ' ' '\n' | sed -n '2,$p' | cut -d: -f1-5 | tr '\n' ' '; }
expect_match "rbldnsd's line is as its man page says" \
    "^s\.stats\.test:6:5:1:[0-9]+ n\.stats\.test:2:1:1:[0-9]+ \*:9:6:2:[0-9]+ $" "$(fields "$T/r/stats")"
expect_eq "the drop-in's line has the same zones, order and counts" "$(fields "$T/r/stats")" \
    "$(fields "$T/d/stats")"
expect_match "every field of the drop-in's line is a number" \
    "^[0-9]+ s\.stats\.test(:[0-9]+){5} n\.stats\.test(:[0-9]+){5} \*(:[0-9]+){5}$" \
    "$(grep ' \*:' "$T/d/stats" | tail -n 1)"

kill -TERM "$RBLDNSD_PID" "$SERVER_PID"
wait "$RBLDNSD_PID" 2>/dev/null
RBLDNSD_PID=""
wait "$SERVER_PID"
SERVER_PID=""
# kinds: "t" for a bare time, "z" for a line of counters.
kinds() { awk '{ printf "%s", NF == 1 ? "t" : "z" } END { print "" }' "$1"; }
expect_eq "rbldnsd: a mark at start, a line on SIGUSR1, a line and a mark at exit" tzzt \
    "$(kinds "$T/r/stats")"
expect_eq "the drop-in writes the same lines at the same points" "$(kinds "$T/r/stats")" \
    "$(kinds "$T/d/stats")"

# -c: a line every interval; "+FILE": each line the change since the one before.
if start_dropin -c 1 -s +delta; then ok "the drop-in starts with -s +FILE"; else
	not_ok "the drop-in starts with -s +FILE" "$(cat "$DROPIN_LOG")"; finish; fi
dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 1.2.0.192.s.stats.test A >/dev/null
lines() { [ "$(grep -c ' \*:' "$T/d/delta" 2>/dev/null)" -ge "$1" ]; }
has_count() { grep -q " s\.stats\.test:1:1:0:" "$T/d/delta" 2>/dev/null; }
check "a line every -c interval counts the query" poll_until 20 has_count
n=$(grep -c ' \*:' "$T/d/delta")
check "and the next line, with no query since, counts none" poll_until 20 lines $((n + 1))
expect_match "(+: the change since the line before)" " s\.stats\.test:0:0:0:0:0 " \
    "$(grep ' \*:' "$T/d/delta" | tail -n 1)"
# (-c 1 goes on writing lines: the mark is counted, not looked for last.)
marks() { kinds "$T/d/delta" | tr -cd t | wc -c; }
expect_eq "one mark so far, at start" 1 "$(marks)"
kill -USR2 "$SERVER_PID"
check "SIGUSR2: a line, then a mark where the counters start from zero" \
    poll_until 10 eval '[ "$(marks)" = 2 ] && kinds "$T/d/delta" | grep -q "zzt"'
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=""
finish
