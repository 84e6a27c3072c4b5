#!/bin/bash
# Response rate limiting: a flood from one loopback source gets back no more
# bytes than it sent (drops, and every 3rd would-be-dropped answer truncated),
# over all workers together, while a client in another /24 is answered
# normally at the same time; TCP, rrl-exempt and a zone with rrl-rate = 0
# are not limited.
#
# 127.0.0.1 and 127.0.0.2 share a /24, the unit RRL counts (as NSD, Knot and
# BIND do), so the other client is 127.0.1.1.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
FLOOD="python3 $E2E_DIR/flood.py"
RATE=10

ZONE2=open.example.org
write_apex "$T/$ZONE2.zone" "$ZONE2"
python3 - "$CONF" "$RATE" <<'EOF'
import sys
path, rate = sys.argv[1], sys.argv[2]
conf = open(path).read()
conf = conf.replace('threads = 2\n', 'threads = 2\nrrl-rate = %s\nrrl-slip = 3\n'
                    'rrl-exempt = 127.0.3.0/24\nmetrics = 127.0.0.1:0\n' % rate, 1)
conf += ('\n[zone open.example.org]\napex = open.example.org.zone\nrrl-rate = 0\n'
         'text = Listed as an open relay, see https://open.example.org/lookup?ip=$\n')
open(path, 'w').write(conf)
EOF

rb_ok "list 192.0.2.5" report 192.0.2.5 --zone "$ZONE" --reason "accepted relay to an external domain"
rb_ok "list it in $ZONE2 too" report 192.0.2.5 --zone "$ZONE2"
start_server || finish
NAME=5.2.0.192.$ZONE

# field NAME LINE: the value of NAME=... in a flood.py result line.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# ---- without a limit the answers outweigh the queries ----

out=$($FLOOD flood "$PORT" 127.0.2.1 2 500 5.2.0.192.$ZONE2 TXT)
echo "# rrl-rate = 0: $out"
sent=$(field sent "$out"); sb=$(field sent_bytes "$out"); ab=$(field answer_bytes "$out")
if [ "$(field answers "$out")" -ge $((sent * 9 / 10)) ] && [ "$ab" -gt "$sb" ]; then
	ok "unlimited zone: nearly every query answered, more bytes back than sent ($ab > $sb)"
else
	not_ok "unlimited zone: nearly every query answered, more bytes back than sent" "$out"
fi

# ---- a flood from 127.0.0.1 while 127.0.1.1 asks 4 times a second ----

rm -f "$T/stop"
$FLOOD loop "$PORT" 127.0.1.1 "$T/stop" 0.25 "$NAME" A 127.0.0.2 >"$T/other.out" &
OTHER=$!
out=$($FLOOD flood "$PORT" 127.0.0.1 3 1000 "$NAME" TXT)
touch "$T/stop"
wait "$OTHER"
other=$(cat "$T/other.out")
echo "# flood from 127.0.0.1, rrl-rate = $RATE: $out"
echo "# meanwhile from 127.0.1.1: $other"
sent=$(field sent "$out"); sb=$(field sent_bytes "$out"); ab=$(field answer_bytes "$out")
full=$(field full "$out"); tc=$(field truncated "$out"); secs=$(field seconds "$out")
if [ "$ab" -le "$sb" ]; then
	ok "flood: bytes answered ($ab) stay at or below bytes sent ($sb)"
else
	not_ok "flood: bytes answered ($ab) stay at or below bytes sent ($sb)" "$out"
fi
# One shared table: the 8 source ports reach every worker, yet the full
# answers stay near RATE a second (per-worker tables would allow twice that).
max=$(python3 -c "import math; print(int($RATE * (math.ceil($secs) + 1) + $RATE / 2))")
if [ "$full" -ge "$RATE" ] && [ "$full" -le "$max" ]; then
	ok "flood: full answers ($full) within the rate over all workers (<= $max)"
else
	not_ok "flood: full answers ($full) within the rate over all workers (<= $max)" "$out"
fi
if [ "$tc" -ge $(((sent - full) * 25 / 100)) ] && [ "$tc" -le $(((sent - full) * 42 / 100 + 2)) ]; then
	ok "flood: about every 3rd limited answer slips through truncated ($tc of $((sent - full)))"
else
	not_ok "flood: about every 3rd limited answer slips through truncated" "$out"
fi
if [ "$(field unanswered "$other")" = 0 ] && [ "$(field wrong "$other")" = 0 ] &&
    [ "$(field answered "$other")" -ge 4 ]; then
	ok "another /24 is answered normally meanwhile ($(field answered "$other") answers)"
else
	not_ok "another /24 is answered normally meanwhile" "$other"
fi
out=$($FLOOD burst "$PORT" 127.0.0.1 100 "$NAME" TXT)
echo "# a burst of 100 from 127.0.0.1:"; printf '%s\n' "$out" | sed 's/^/#   /'
expect_match "a truncated answer is TC=1 with no records (the client retries over TCP)" \
    '^[0-9]+ NOERROR TC$' "$out"
expect_eq "over TCP the flooded client is answered" 127.0.0.2 \
    "$(dns_short "$NAME" A +tcp -b 127.0.0.1)"

# ---- exempt clients ----

out=$($FLOOD flood "$PORT" 127.0.3.1 1 300 "$NAME" TXT)
echo "# flood from exempt 127.0.3.1: $out"
if [ "$(field full "$out")" -ge $(($(field sent "$out") * 9 / 10)) ]; then
	ok "rrl-exempt: a flood from 127.0.3.0/24 is answered in full"
else
	not_ok "rrl-exempt: a flood from 127.0.3.0/24 is answered in full" "$out"
fi

# The log line at exit gives the counts the metrics gave last (no query since).
drops=$(server_metric 'rbldb_rrl_total{action="drop"}')
slips=$(server_metric 'rbldb_rrl_total{action="truncate"}')
if [ "${drops:-0}" -gt "${slips:-0}" ] && [ "${slips:-0}" -gt 0 ]; then
	ok "metrics: $drops answers dropped, $slips truncated (slip 3: about twice as many dropped)"
else
	not_ok "metrics: about twice as many answers dropped as truncated" "drop '$drops' truncate '$slips'"
fi
stop_server
expect_eq "the server logs the same numbers of answers dropped and truncated" \
    "rrl: $drops answers dropped, $slips sent truncated" \
    "$(grep -o 'rrl: .*' "$SERVER_LOG")"
finish
