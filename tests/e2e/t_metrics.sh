#!/bin/bash
# Metrics: off by default; with [server] metrics, GET /metrics serves the
# Prometheus text format, and after a known set of queries the counters are
# exactly those numbers (by transport, type, rcode, zone, hits and misses,
# latency histogram count, TCP connections), the zone's serial, entries and
# journal are the store's, and a transfer and a NOTIFY acknowledgement show
# per secondary.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool ss iproute2
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

# ---- off by default ----

start_server || finish
listeners=$(ss -Hltnp 2>/dev/null | grep "pid=$SERVER_PID," | awk '{ print $4 }' | sort -u)
other=$(printf '%s\n' "$listeners" | grep -v -e ":$PORT\$" -e '^$')
expect_eq "without metrics: no TCP listener but the DNS port" "" "$other"
check_not "without metrics: no metrics line in the log" grep -q 'metrics' "$SERVER_LOG"
stop_server

# ---- a NOTIFY target that acknowledges ----

# ack.py: answer each NOTIFY on a UDP port with its acknowledgement; the port in $T/ack.port.
cat >"$T/ack.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
s.settimeout(1.0)
end = time.time() + 60
while time.time() < end:
    try:
        pkt, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    if len(pkt) < 12 or (pkt[2] >> 3) & 15 != 4:
        continue
    # Header with QR and AA, the question only (RFC 1996 s4.7).
    qend = 12
    while pkt[qend] != 0:
        qend += 1 + pkt[qend]
    qend += 5
    s.sendto(pkt[:2] + bytes([0x80 | 0x20 | 0x04, 0]) + b"\0\1\0\0\0\0\0\0" + pkt[12:qend], peer)
EOF
python3 "$T/ack.py" "$T/ack.port" &
ACK_PID=$!
trap 'kill $ACK_PID 2>/dev/null; cleanup' EXIT
poll_until 10 test -s "$T/ack.port" || { not_ok "the NOTIFY responder starts"; finish; }
ACK_PORT=$(cat "$T/ack.port")

sed -i "s|^threads = 2|threads = 2\nmetrics = 127.0.0.1:0|" "$CONF"
printf 'notify = 127.0.0.1:%s\n' "$ACK_PORT" >>"$CONF"
rb_ok "list 192.0.2.5" report 192.0.2.5
rb_ok "list 198.51.100.0/24" report 198.51.100.0/24
start_server || finish
MPORT=$(sed -n 's|.*metrics: serving http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$SERVER_LOG")
if [ -z "$MPORT" ]; then
	not_ok "the log names the metrics address" "$(cat "$SERVER_LOG")"
	finish
fi
ok "the log names the metrics address"
URL=http://127.0.0.1:$MPORT/metrics

# http URL: "STATUS CONTENT-TYPE" on the first line, then the body (python's urllib: no curl needed).
http() {
	python3 - "$1" <<'EOF'
import sys, urllib.error, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
except urllib.error.HTTPError as e:
    r = e
print(r.status, r.headers.get("Content-Type"))
sys.stdout.write(r.read().decode())
EOF
}
scrape() {
	http "$URL" >"$T/scrape.out" && [ "$(head -c 4 "$T/scrape.out")" = "200 " ] &&
	    sed 1d "$T/scrape.out" >"$T/metrics.txt"
}
# metric SAMPLE: the value of the line "SAMPLE VALUE" of the last scrape.
metric() {
	awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print $NF }' "$T/metrics.txt"
}

check "GET /metrics answers 200" scrape
expect_match "content type of text format 0.0.4" '^200 text/plain; version=0.0.4' \
    "$(head -n 1 "$T/scrape.out")"
expect_match "every metric has HELP and TYPE" '^# TYPE rbldb_queries_total counter$' \
    "$(cat "$T/metrics.txt")"
bad=$(grep -v '^#' "$T/metrics.txt" | grep -v -E '^rbldb_[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$')
expect_eq "every sample line is well formed and prefixed rbldb_" "" "$bad"
expect_eq "GET / is 404" 404 "$(http "http://127.0.0.1:$MPORT/" | sed -n '1s/ .*//p')"
expect_eq "no query yet" 0 "$(metric 'rbldb_queries_total{transport="udp"}')"

# ---- a known set of queries ----

HIT=5.2.0.192.$ZONE
MISS=6.2.0.192.$ZONE
for i in 1 2 3 4 5 6 7; do dq "$HIT" A +short >/dev/null; done
for i in 1 2 3 4 5; do dq "$MISS" A +short >/dev/null; done
for i in 1 2 3; do dq "$HIT" TXT +short >/dev/null; done
for i in 1 2; do dq "$HIT" A +tcp +short >/dev/null; done
# The TCP connections are closed by the clients; their closing is counted soon after.
closed_two() { scrape && [ "$(metric rbldb_tcp_closed_total)" = 2 ]; }
poll_until 10 closed_two
scrape
Z="zone=\"$ZONE\""
expect_eq "15 queries over UDP" 15 "$(metric 'rbldb_queries_total{transport="udp"}')"
expect_eq "2 queries over TCP" 2 "$(metric 'rbldb_queries_total{transport="tcp"}')"
expect_eq "14 of type A" 14 "$(metric 'rbldb_queries_qtype_total{qtype="A"}')"
expect_eq "3 of type TXT" 3 "$(metric 'rbldb_queries_qtype_total{qtype="TXT"}')"
expect_eq "12 NOERROR" 12 "$(metric 'rbldb_responses_total{rcode="NOERROR"}')"
expect_eq "5 NXDOMAIN" 5 "$(metric 'rbldb_responses_total{rcode="NXDOMAIN"}')"
expect_eq "17 queries in the zone" 17 "$(metric "rbldb_zone_queries_total{$Z}")"
expect_eq "12 hits" 12 "$(metric "rbldb_zone_hits_total{$Z}")"
expect_eq "5 misses" 5 "$(metric "rbldb_zone_misses_total{$Z}")"
expect_eq "none dropped" 0 "$(metric 'rbldb_dropped_total{reason="rrl"}')"
expect_eq "latency: 15 UDP answers observed" 15 \
    "$(metric 'rbldb_query_duration_seconds_count{transport="udp"}')"
expect_eq "latency: +Inf bucket is the count" 15 \
    "$(metric 'rbldb_query_duration_seconds_bucket{transport="udp",le="+Inf"}')"
expect_eq "latency: 2 TCP answers observed" 2 \
    "$(metric 'rbldb_query_duration_seconds_count{transport="tcp"}')"
expect_eq "2 TCP connections accepted" 2 "$(metric rbldb_tcp_accepted_total)"
expect_eq "2 TCP connections closed" 2 "$(metric rbldb_tcp_closed_total)"
expect_eq "no TCP connection open" 0 "$(metric rbldb_tcp_connections)"
# Queries one at a time never find a backlog: udp-batch-wait never pauses.
expect_eq "udp-batch-wait: no pause for queries one at a time" 0 "$(metric rbldb_udp_batch_pauses_total)"
expect_eq "udp-batch-wait: no time paused" 0.000000 "$(metric rbldb_udp_batch_pause_seconds_total)"

# ---- zone and store gauges ----

expect_eq "serial: the apex serial plus two commits" $((APEX_SERIAL + 2)) \
    "$(metric "rbldb_zone_serial{$Z}")"
expect_eq "serial: what the SOA says" "$(soa_serial)" "$(metric "rbldb_zone_serial{$Z}")"
expect_eq "2 entries" 2 "$(metric "rbldb_zone_entries{$Z}")"
expect_eq "2 commits in the journal" 2 "$(metric "rbldb_zone_journal_commits{$Z}")"
# The presence map follows the store within a poll (20 ms): 192.0.2.0/24, 198.51.100.0/24.
presence_is() { scrape && [ "$(metric "rbldb_zone_presence_marked{$Z}")" = "$1" ]; }
check "presence map: the 2 /24s that hold entries" poll_until 10 presence_is 2
age=$(metric "rbldb_zone_last_change_age_seconds{$Z}")
expect_match "age of the last change is a few seconds" '^[0-9]$|^[1-5][0-9]$' "$age"
size=$(stat -c %s "$T/db/data.mdb")
expect_eq "store file size" "$size" "$(metric rbldb_store_file_bytes)"
expect_match "store map size" '^[1-9][0-9]*$' "$(metric rbldb_store_map_bytes)"

# ---- a transfer and a NOTIFY, per secondary ----

dig @127.0.0.1 -p "$PORT" +tries=1 +time=5 "$ZONE" AXFR >"$T/axfr.out" 2>&1
xfr_counted() {
	scrape && [ "$(metric "rbldb_xfr_total{$Z,secondary=\"127.0.0.1\",type=\"AXFR\"}")" = 1 ]
}
check "the AXFR is counted for secondary 127.0.0.1" poll_until 10 xfr_counted
now=$(date +%s)
last=$(metric "rbldb_xfr_last_timestamp_seconds{$Z,secondary=\"127.0.0.1\",type=\"AXFR\"}")
expect_eq "its time is now" 1 "$(( last <= now && last >= now - 30 ))"
acked() {
	scrape && [ -n "$(metric "rbldb_notify_acked_timestamp_seconds{$Z,target=\"127.0.0.1:$ACK_PORT\"}")" ]
}
check "the NOTIFY target's acknowledgement is shown" poll_until 10 acked
expect_match "NOTIFY sent to the target" '^[1-9][0-9]*$' \
    "$(metric "rbldb_notify_sent_total{$Z,target=\"127.0.0.1:$ACK_PORT\"}")"

# ---- half-open HTTP connections do not keep a scrape out ----

# halfopen.py PORT N READY STOP: hold N connections, half sending nothing and
# half a partial request line, reopening any the server closes, until STOP
# exists; READY is created once all N are open.
cat >"$T/halfopen.py" <<'EOF'
import os, select, socket, sys, time
port, n, ready, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def half(i):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if i % 2:
        s.sendall(b"GET /metr")
    return s
conns = [half(i) for i in range(n)]
open(ready, "w").close()
end = time.time() + 60
while not os.path.exists(stop) and time.time() < end:
    r, _, _ = select.select([s for s in conns if s is not None], [], [], 0.05)
    for s in r:
        i = conns.index(s)
        try:
            gone = s.recv(4096) == b""
        except OSError:
            gone = True
        if gone:
            s.close()
            try:
                conns[i] = half(i)
            except OSError:
                conns[i] = None
EOF
# closed_after.py PORT WAIT: one connection with a partial request line:
# "closed" once the server closes it, "open" after WAIT seconds.
cat >"$T/closed_after.py" <<'EOF'
import select, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /metr")
end = time.time() + float(sys.argv[2])
while time.time() < end:
    r, _, _ = select.select([s], [], [], max(0, end - time.time()))
    if r:
        try:
            if s.recv(4096) == b"":
                break
        except OSError:
            break
else:
    print("open")
    sys.exit(0)
print("closed")
EOF
python3 "$T/halfopen.py" "$MPORT" 20 "$T/half.ready" "$T/half.stop" &
HALF_PID=$!
trap 'kill $ACK_PID $HALF_PID 2>/dev/null; cleanup' EXIT
if poll_until 10 test -e "$T/half.ready"; then
	# A scrape takes milliseconds: a few seconds of tries is generous, and
	# shorter than the per-connection timeout that would free a slot.
	scrape_ok() { scrape && [ -n "$(metric 'rbldb_queries_total{transport="udp"}')" ]; }
	check "with 20 half-open HTTP connections held, a scrape answers 200 with the metrics" \
	    poll_until 4 scrape_ok
else
	not_ok "20 half-open HTTP connections are opened"
fi
touch "$T/half.stop"
wait "$HALF_PID"
# The per-connection timeout (5 s) closes a request line that never ends.
expect_eq "a half-open HTTP connection is closed by its timeout" closed \
    "$(python3 "$T/closed_after.py" "$MPORT" 30)"

stop_server
finish
