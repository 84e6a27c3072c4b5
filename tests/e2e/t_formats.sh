#!/bin/bash
# Formats: an rbldnsd data file imported; the zone exported as rbldnsd data
# and as a master file; Debian's rbldnsd and NSD serving the exports give
# rbldbd's A answers (and TXT where SPEC says they match) for each range's
# edges, every exception and the test points.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"

need_binaries "$RBLDBD" "$RBLDB"
need_tool dig dnsutils
need_tool python3 python3
need_tool rbldnsd rbldnsd
need_tool nsd nsd
need_tool nsd-checkzone nsd
need_tool kzonecheck knot-dnssecutils
make_tmp

DATA=$E2E_DIR/data/formats.rbldnsd
BAD=$E2E_DIR/data/formats-bad.rbldnsd
RBLDNSD_PID=""

# Stop what this script started, then lib.sh's cleanup (rbldbd, $T).
stop_others() {
	local pid
	for pid in $RBLDNSD_PID; do
		kill -TERM "$pid" 2>/dev/null
		poll_until 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	RBLDNSD_PID=""
	stop_secondary
}
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
formats_cleanup() {
	local rc=$?
	stop_others
	(exit $rc)
	cleanup
}
trap formats_cleanup EXIT

random_port() { echo $((20000 + (RANDOM * 32768 + RANDOM) % 40000)); }
answers_soa() { [ -n "$(dig @127.0.0.1 -p "$1" +tries=1 +time=1 +short "$ZONE" SOA)" ]; }
up_or_gone() { answers_soa "$1" || pid_gone "$2"; }

# ---- import ----

rb import --format rbldnsd "$BAD"
if [ "$RB_RC" -eq 1 ]; then ok "a bad file is refused (exit 1)"; else not_ok "a bad file is refused (exit 1)" "exit $RB_RC" "$RB_ERR"; fi
missing=""
for l in 3:host 4:bad 5:ends 6:outside "7:not UTF-8" 8:127.0.0.1 9:unknown "10:no MTA connects" \
    11:"127.0.0.0/24 is in 127.0.0.0/8" 12:"127.0.0.0/24 is in 127.0.0.0/8"; do
	grep -q "^.*formats-bad.rbldnsd:${l%%:*}: .*${l#*:}" "$T/rb.err" || missing="$missing $l"
done
[ -z "$missing" ] && ok "every bad line is reported as FILE:LINE: reason" ||
    not_ok "every bad line is reported as FILE:LINE: reason" "missing:$missing" "$RB_ERR"
expect_match "the refusal says nothing was imported" "10 bad lines, nothing imported" "$RB_ERR"
rb list --zone "$ZONE"
expect_eq "nothing of the bad file is listed" "" "$(grep 192.0.2.200 "$T/rb.out")"

# --keep-going: rbldnsd's way, each bad line skipped with a warning, the rest taken.
rb import --format rbldnsd --keep-going --dry-run "$BAD"
expect_eq "--keep-going imports the good lines (exit 0)" 0 "$RB_RC"
expect_match "--keep-going takes the one good line" "would import .*: 1 listing, 0 exceptions" "$RB_OUT"
expect_match "--keep-going warns FILE:LINE and says the line is skipped" \
    "formats-bad.rbldnsd:3: warning: host bits set.* \\(skipped\\)" "$RB_ERR"
expect_match "--keep-going counts the skipped lines" "10 bad lines skipped" "$RB_ERR"
rb import --format rbldnsd --dataset dnset "$BAD"
expect_match "a dnset is refused with the reason" "a names zone reads its file as dnset, with no --dataset" "$RB_ERR"

rb_ok "rbldb import --format rbldnsd" import --format rbldnsd --zone "$ZONE" "$DATA"
expect_match "import counts listings and exceptions" \
    "^imported .*formats.rbldnsd into $ZONE: 25 listings, 4 exceptions: 25 new, .* 4 excepted" "$RB_OUT"
serial1=$(sed -n 's/.*; serial \([0-9]*\)$/\1/p' "$T/rb.out" | head -n 1)
for n in 3:SOA 4:NS 5:TTL; do
	expect_match "\$${n#*:} is reported as not applied" \
	    "formats.rbldnsd:${n%%:*}: note: \\\$${n#*:} is not applied" "$RB_ERR"
done
expect_match "the test point is reported, not imported" "note: 127.0.0.2 is the RFC 5782 test point" "$RB_ERR"
expect_match "a value without TXT is said to get the zone's text" "^1 entry without a TXT of its own gets the zone.s text" "$RB_OUT"

rb_ok "import --dry-run" import --format rbldnsd --dry-run "$DATA"
expect_match "a dry run of the same file would change nothing" "^would import .* 0 new, 0 refreshed, 29 duplicate" "$RB_OUT"
rb_ok "the same file imported again" import --format rbldnsd "$DATA"
expect_match "importing the same file again changes nothing, not even the serial" \
    "29 duplicate.*; serial $serial1\$" "$RB_OUT"

rb show 192.0.2.6
expect_match "history says the listing was imported" "import" "$RB_OUT"

# ---- the three servers ----

start_server || finish
check "rbldbd: a per-entry value" dns_is 127.0.0.4 6.2.0.192.$ZONE A
check "rbldbd: \$ and \$1 in an imported text" dns_is \
    '"Open relay 192.0.2.5, see https://relays.example.org/lookup?ip=192.0.2.5"' 5.2.0.192.$ZONE TXT
check "rbldbd: the /20 imported from a CIDR" dns_is 127.0.0.10 9.31.1.10.$ZONE A
check "rbldbd: \$\$ is a literal \$, as a variable's \$" dns_is \
    '"costs $5 to list 192.0.2.10, $192.0.2.10 (a $ in a variable is literal)"' 10.2.0.192.$ZONE TXT
check "rbldbd: a listing inside an exception" dns_is 127.0.0.6 4.3.2.10.$ZONE A
check "rbldbd: the exception around it" dns_status_is NXDOMAIN 5.3.2.10.$ZONE A

# The master file: the apex with the store's serial, the mapping's records.
mkdir -p "$T/nsd"
echo "stale contents" >"$T/nsd/zone.db"
rb_ok "export --format zone -o FILE" export --format zone --zone "$ZONE" -o "$T/nsd/zone.db"
expect_match "export reports the serial" "serial $serial1\$" "$RB_OUT"
expect_match "-o replaced the file whole" "^; $ZONE: master file exported by rbldb, serial $serial1, " \
    "$(head -n 1 "$T/nsd/zone.db")"
expect_eq "-o leaves no temporary file" "zone.db" "$(ls -A "$T/nsd")"
check "nsd-checkzone accepts the export" nsd-checkzone "$ZONE" "$T/nsd/zone.db"
check "kzonecheck accepts the export" kzonecheck -o "$ZONE" "$T/nsd/zone.db"
expect_match "the SOA carries the store's serial" \
    "^$ZONE\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+SOA[[:space:]].* $serial1 3600 600" "$(cat "$T/nsd/zone.db")"
rb export --format zone --zone "$ZONE"
expect_eq "without -o the same records go to stdout" "$(tail -n +2 "$T/nsd/zone.db")" \
    "$(tail -n +2 "$T/rb.out")"
rb export --format zone -o "$T/no/such/dir/zone.db"
expect_eq "an unwritable -o fails with exit 1" 1 "$RB_RC"

mkdir -p "$T/rbldnsd"
rb_ok "export --format rbldnsd -o FILE" export --format rbldnsd -o "$T/rbldnsd/data"
expect_match "the header names the dataset to configure" "^# Serve it with: rbldnsd .* $ZONE:combined:" \
    "$(head -n 3 "$T/rbldnsd/data")"
rb export --format rbldnsd --family ipv4
expect_match "--family ipv4 gives an ip4trie file" "$ZONE:ip4trie:FILE" "$RB_OUT"
expect_eq "--family ipv4 has no IPv6 entries" "" "$(grep -E '^!?[0-9a-f]+:' "$T/rb.out")"

# rbldnsd refuses root; as root it drops to its own user inside a chroot.
chmod 755 "$T/rbldnsd"
chmod 644 "$T/rbldnsd/data"
if [ "$(id -u)" -eq 0 ]; then rbl_dir=(-r "$T/rbldnsd" -w /); else rbl_dir=(-w "$T/rbldnsd"); fi
for attempt in 1 2 3 4 5; do
	RBLDNSD_PORT=$(random_port)
	rbldnsd -n -q -b "127.0.0.1/$RBLDNSD_PORT" "${rbl_dir[@]}" "$ZONE:combined:data" \
	    >"$T/rbldnsd.log" 2>&1 &
	RBLDNSD_PID=$!
	poll_until 10 up_or_gone "$RBLDNSD_PORT" "$RBLDNSD_PID"
	answers_soa "$RBLDNSD_PORT" && break
	wait "$RBLDNSD_PID" 2>/dev/null
	RBLDNSD_PID=""
done
if [ -n "$RBLDNSD_PID" ]; then ok "rbldnsd serves the rbldnsd export"; else
	not_ok "rbldnsd serves the rbldnsd export" "$(cat "$T/rbldnsd.log")"; finish; fi

if serve_file_nsd "$ZONE" "$T/nsd" zone.db; then ok "NSD serves the master file export"; else
	not_ok "NSD serves the master file export" "$(cat "$SEC_LOG" 2>/dev/null)"; finish; fi
NSD_PORT=$SEC_PORT

# ---- the comparison ----

# Each range's first and last address, the ones just outside, one inside;
# every exception; the test points; names that read as both families.
EDGES="192.0.2.5/32 192.0.2.6/32 192.0.2.7/32 192.0.2.8/32 192.0.2.9/32
198.51.100.0/24 198.51.100.77/32 203.0.113.0/25 10.1.16.0/20 10.2.0.0/16 10.2.3.0/24
10.2.3.4/32 10.3.0.0/23 10.3.2.0/24 10.4.0.1/32 10.4.0.2/31 10.4.0.4/31 172.16.0.0/12
172.20.1.0/28 172.20.1.1/32 1.2.3.0/24 4.0.0.0/8 2001:db8::/32 2001:db8:1::5/128
2001:db8::bad/128 2001:db9:4000::/34 1200::/8 3fff:1:2:3::/64
127.0.0.2/32 127.0.0.1/32 ::ffff:7f00:2/128 ::ffff:7f00:1/128"
EXTRA="1.2.0.0 2.1.0.0 2.1.3.4 3.2.1.0 4.3.2.1 12.0.0.1 21.0.0.1 1234:5678::9 2100::1 4000::1
4321::1 123::1 1.2.3.4 2001:db8:1::4 2001:db8:1::6 192.0.2.10 8.8.8.8 2001:dba::1"

python3 - "$ZONE" "$PORT" "$RBLDNSD_PORT" "$NSD_PORT" "$EDGES" "$EXTRA" >"$T/compare.out" <<'EOF'
import ipaddress, re, socket, struct, sys

zone, p_main, p_rbl, p_nsd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def rname(a):
    if a.version == 4:
        return '.'.join(str(a).split('.')[::-1]) + '.' + zone
    return '.'.join(a.exploded.replace(':', '')[::-1]) + '.' + zone

def skip_name(m, o):
    while True:
        l = m[o]
        if l >= 0xc0:
            return o + 2
        if l == 0:
            return o + 1
        o += 1 + l

def ask(port, name, qtype):
    q = struct.pack('>HHHHHH', 4242, 0, 1, 0, 0, 0)
    q += b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0'
    q += struct.pack('>HH', qtype, 1)
    for _ in range(3):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.sendto(q, ('127.0.0.1', port))
            m = s.recv(65535)
        except socket.timeout:
            continue
        finally:
            s.close()
        rcode, an = m[3] & 15, struct.unpack('>H', m[6:8])[0]
        o = skip_name(m, 12) + 4
        vals = []
        for _ in range(an):
            o = skip_name(m, o)
            t, _c, _ttl, rl = struct.unpack('>HHIH', m[o:o + 10])
            rd = m[o + 10:o + 10 + rl]
            o += 10 + rl
            if t == 1 and qtype == 1:
                vals.append('.'.join(str(b) for b in rd))
            elif t == 16 and qtype == 16:
                i, txt = 0, b''
                while i < len(rd):
                    txt += rd[i + 1:i + 1 + rd[i]]
                    i += 1 + rd[i]
                vals.append(txt.decode('latin-1'))
        return rcode, sorted(vals)
    return None, ['(no answer)']

samples = []
for c in sys.argv[5].split():
    n = ipaddress.ip_network(c)
    top = (1 << n.max_prefixlen) - 1
    first, last = int(n.network_address), int(n.broadcast_address)
    for v in (first - 1, first, first + (last - first) // 2, last, last + 1):
        if 0 <= v <= top:
            samples.append(ipaddress.ip_address(v) if n.version == 6 else ipaddress.IPv4Address(v))
samples += [ipaddress.ip_address(a) for a in sys.argv[6].split()]
seen, uniq = set(), []
for a in samples:
    if a not in seen:
        seen.add(a)
        uniq.append(a)

def nsd_txt_ok(addr, ref, got):
    # A wildcard's TXT shows the range where rbldbd shows the address.
    if ref == got:
        return True
    parts = ref.split(str(addr))
    if len(parts) < 2:
        return False
    m = re.fullmatch('(.+?)'.join(re.escape(p) for p in parts), got)
    if not m:
        return False
    try:
        return all(addr in ipaddress.ip_network(g) for g in m.groups())
    except ValueError:
        return False

bad = {k: [] for k in ('a_rbl', 'a_nsd', 't_rbl', 't_nsd')}
listed = 0
for a in uniq:
    name = rname(a)
    r = {p: (ask(p, name, 1)[1], ask(p, name, 16)[1]) for p in (p_main, p_rbl, p_nsd)}
    ref_a, ref_t = r[p_main]
    listed += bool(ref_a)
    if r[p_rbl][0] != ref_a:
        bad['a_rbl'].append('%s: rbldbd %s, rbldnsd %s' % (a, ref_a, r[p_rbl][0]))
    if r[p_nsd][0] != ref_a:
        bad['a_nsd'].append('%s: rbldbd %s, NSD %s' % (a, ref_a, r[p_nsd][0]))
    # rbldnsd shows an IPv4-mapped name in IPv6 form, rbldbd as the IPv4 address.
    if r[p_rbl][1] != ref_t and not (a.version == 6 and a.ipv4_mapped):
        bad['t_rbl'].append('%s: rbldbd %s, rbldnsd %s' % (a, ref_t, r[p_rbl][1]))
    got = r[p_nsd][1]
    # A name that must exist without being listed holds only a TXT saying so.
    if not ref_a and not ref_t and got in (['excepted'], ['not listed']):
        continue
    if len(got) != len(ref_t) or not all(nsd_txt_ok(a, x, y) for x, y in zip(ref_t, got)):
        bad['t_nsd'].append('%s: rbldbd %s, NSD %s' % (a, ref_t, got))

n = len(uniq)
print('count\t%d\t%d' % (n, listed))
for key, what in (('a_rbl', "rbldnsd on the rbldnsd export gives rbldbd's A answer"),
                  ('a_nsd', "NSD on the master file gives rbldbd's A answer"),
                  ('t_rbl', "rbldnsd gives rbldbd's TXT"),
                  ('t_nsd', "NSD gives rbldbd's TXT, a range's '$' showing the range")):
    print('%s\t%s for all %d sampled addresses\t%s' % (
        'ok' if not bad[key] else 'not ok', what, n, '\t'.join(bad[key][:20])))
EOF
IFS=$'\t' read -r _ nsamples nlisted <"$T/compare.out"
if [ "${nsamples:-0}" -gt 100 ] && [ "${nlisted:-0}" -gt 60 ]; then
	ok "the sample has $nsamples addresses, $nlisted of them listed"
else
	not_ok "the sample is large enough" "$(cat "$T/compare.out")"
fi
while IFS=$'\t' read -r verdict what details; do
	[ "$verdict" = count ] && continue
	if [ "$verdict" = ok ]; then ok "$what"; else not_ok "$what" "$(printf '%s\n' "$details" | tr '\t' '\n')"; fi
done <"$T/compare.out"

# A change reaches the exports: delist, export again, both servers reload.
rb_ok "delist an imported address" delist 192.0.2.5 --reason "relay closed"
rb_ok "export the zone again" export --format zone -o "$T/nsd/zone.db"
check "nsd-checkzone accepts the new export" nsd-checkzone "$ZONE" "$T/nsd/zone.db"
expect_eq "the delisted address is gone from the master file" "" "$(grep '^5\.2\.0\.192[[:space:]]' "$T/nsd/zone.db")"
rb_ok "export rbldnsd data again" export --format rbldnsd -o "$T/rbldnsd/data"
expect_eq "the delisted address is gone from the rbldnsd data" "" "$(grep '^192\.0\.2\.5\b' "$T/rbldnsd/data")"

stop_others
stop_server
finish
