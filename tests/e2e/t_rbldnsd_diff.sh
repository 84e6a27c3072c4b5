#!/bin/bash
# rbldnsd differential test: Debian's rbldnsd and rbldbd serve the same data
# files (ip4set, ip4trie, ip4tset, ip6trie, ip6tset: colon forms, default
# lines, $n and $= templates, exclusions, ranges, $MAXRANGE4, bad lines)
# and must give the same A, TXT, NXDOMAIN and NODATA for thousands of names
# (tests/e2e/rbldnsd_diff.py).  rbldbd's side is `rbldb import --dataset
# TYPE --keep-going` into a zone per file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dropin_lib.sh"

need_binaries "$RBLDBD" "$RBLDB"
need_tool dig dnsutils
need_tool python3 python3
need_tool rbldnsd rbldnsd
make_tmp

DATA=$E2E_DIR/data/rbldnsd-diff
RBLDNSD_PID=""
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
diff_cleanup() {
	local rc=$?
	if [ -n "$RBLDNSD_PID" ]; then
		kill -TERM "$RBLDNSD_PID" 2>/dev/null
		poll_until 10 pid_gone "$RBLDNSD_PID" || kill -KILL "$RBLDNSD_PID" 2>/dev/null
		wait "$RBLDNSD_PID" 2>/dev/null
	fi
	(exit $rc)
	cleanup
}
trap diff_cleanup EXIT

# The files, and one generated ip4set of many entries (seeded: a failure repeats).
mkdir -p "$T/data"
cp "$DATA"/* "$T/data/"
python3 - "$T/data/gen4" <<'EOF'
import random, sys
r = random.Random(22)
with open(sys.argv[1], 'w') as f:
    f.write(':2:generated $\n')
    for b in r.sample(range(1, 250), 120):
        f.write('82.%d.%d.0/24 :%d:block %d\n' % (b, r.randint(0, 255), r.randint(2, 20), b))
    for b in r.sample(range(1, 250), 150):
        host = '83.%d.%d.%d' % (b, r.randint(0, 255), r.randint(1, 254))
        kind = r.randint(0, 4)
        if kind == 0:
            f.write('%s\n' % host)
        elif kind == 1:
            f.write('%s:%d:colon %d\n' % (host, r.randint(2, 9), b))
        elif kind == 2:
            f.write('%s text only $ %d\n' % (host, b))
        elif kind == 3:
            f.write('%s :%d:\n' % (host, r.randint(2, 9)))
        else:
            f.write('%s :%d\n' % (host, r.randint(2, 9)))
EOF

# ZONE:TYPE:FILE:FAMILY for every zone of both servers.
ZONES="s4.diff.test:ip4set:ip4set:4 t4.diff.test:ip4trie:ip4trie:4 ts4.diff.test:ip4tset:ip4tset:4
t6.diff.test:ip6trie:ip6trie:6 ts6.diff.test:ip6tset:ip6tset:6 g4.diff.test:ip4set:gen4:4
c.diff.test:combined:combined:both"

# rbldbd: a zone per file, no text of its own (rbldnsd has no default TXT).
for z in $ZONES; do
	IFS=: read -r zone type file fam <<<"$z"
	write_apex "$T/$zone.zone" "$zone"
	cat >>"$CONF" <<EOF

[zone $zone]
apex = $zone.zone
family = $(case $fam in 4) echo ipv4 ;; 6) echo ipv6 ;; *) echo both ;; esac)
code = 127.0.0.2
max-range = 8
max-range6 = 32
EOF
done
init_store
for z in $ZONES; do
	IFS=: read -r zone type file fam <<<"$z"
	rb_ok "import $file as $type" import --format rbldnsd --dataset "$type" --keep-going \
	    --force --zone "$zone" "$T/data/$file"
	cp "$T/rb.err" "$T/import-$file.err"
done

# The bad lines rbldnsd skips are skipped with FILE:LINE warnings.
for l in "ip4set:17:bad A value" "ip4set:18:unrecognized value" "ip4set:19:host bits set" \
    "ip4set:14:unrecognized value" "ip4tset:6:single addresses" "ip4tset:7:no exclusions" "ip4trie:9:no a-b ranges" \
    "ip6tset:5:four groups" "ip6trie:8:host bits set"; do
	f=${l%%:*}
	rest=${l#*:}
	expect_match "$f line ${rest%%:*} is skipped with a warning, as rbldnsd skips it" \
	    "/$f:${rest%%:*}: warning: .*${rest#*:}" "$(cat "$T/import-$f.err")"
done
expect_match "an entry over \$MAXRANGE4 is skipped with a note" \
    "ip4set:29: note: skipped, as rbldnsd skips it" "$(cat "$T/import-ip4set.err")"

start_server || finish

# rbldnsd on the same files (as root it drops to its own user: files readable).
chmod 755 "$T" "$T/data"
chmod 644 "$T/data"/*
args=()
for z in $ZONES; do
	IFS=: read -r zone type file fam <<<"$z"
	args+=("$zone:$type:$file")
done
# The acl dataset: a zone whose answers depend on the client (queried below).
args+=("a.diff.test:ip4set:ip4set" "a.diff.test:acl:acl")
if [ "$(id -u)" -eq 0 ]; then rbl_dir=(-r "$T/data" -w /); else rbl_dir=(-w "$T/data"); fi
# start_rbldnsd OPTION...: rbldnsd on the files, on RBLDNSD_PORT.
start_rbldnsd() { rbldnsd_start "$T/rbldnsd.log" "$@" "${rbl_dir[@]}" "${args[@]}"; }
# -a: no NS in the authority of positive answers (the authority is compared).
start_rbldnsd -a
if [ -n "$RBLDNSD_PID" ]; then ok "rbldnsd serves the same files"; else
	not_ok "rbldnsd serves the same files" "$(cat "$T/rbldnsd.log")"; finish; fi

specs=()
for z in $ZONES; do
	IFS=: read -r zone type file fam <<<"$z"
	[ "$fam" = 6 ] || specs+=("$zone:4:$T/data/$file")
	[ "$fam" = 4 ] || specs+=("$zone:6:$T/data/$file")
done
if python3 "$E2E_DIR/rbldnsd_diff.py" "$RBLDNSD_PORT" "$PORT" 22 400 "${specs[@]}" \
    >"$T/diff.out" 2>&1; then
	ok "rbldnsd and rbldbd agree on A, TXT, NXDOMAIN and NODATA: $(head -n 1 "$T/diff.out")"
else
	not_ok "rbldnsd and rbldbd agree on A, TXT, NXDOMAIN and NODATA" "$(head -n 40 "$T/diff.out")"
fi
n=$(sed -n 's/^compared \([0-9]*\) names/\1/p' "$T/diff.out")
expect_eq "thousands of names were compared" 1 "$(( ${n:-0} >= 2000 ))"
stop_server

# ---- the drop-in: rbldbd started with rbldnsd's own command line ----

DROPIN_LOG=$T/dropin.log
# start_dropin OPTION...: rbldbd with rbldnsd's command line on PORT.
start_dropin() { dropin_start "$DROPIN_LOG" -q "$@" -w "$T/data" "${args[@]}"; }
start_dropin -a -c 1 -t 25m -l "+$T/dropin-query.log"
if [ -n "$SERVER_PID" ]; then ok "rbldbd starts with rbldnsd's command line"; else
	not_ok "rbldbd starts with rbldnsd's command line" "$(cat "$DROPIN_LOG")"; finish; fi
expect_match "a bad line is a FILE:LINE warning, as in rbldnsd" \
    "ip4set:19: warning: host bits set" "$(cat "$DROPIN_LOG")"
if AUTH=1 python3 "$E2E_DIR/rbldnsd_diff.py" "$RBLDNSD_PORT" "$PORT" 23 200 "${specs[@]}" \
    >"$T/diff2.out" 2>&1; then
	ok "the drop-in answers as rbldnsd -a, authority sections too: $(head -n 1 "$T/diff2.out")"
else
	not_ok "the drop-in answers as rbldnsd -a, authority sections too" \
	    "$(head -n 40 "$T/diff2.out")"
fi
# acl: the same answers from each client address (127.0.0.3 is ignored: both time out).
acl_answer() {
	dig -b "$1" @127.0.0.1 -p "$2" +tries=1 +time=1 +noall +answer +comments "$3" "$4" |
	    sed -n 's/.*status: \([A-Z]*\),.*/\1/p; /^[^;]/p; /timed out/s/.*/timeout/p' |
	    awk '{ $2 = ""; print }' | sort
}
for src in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7; do
	for q in "101.2.0.192.a.diff.test A" "101.2.0.192.a.diff.test TXT" \
	    "9.9.9.9.a.diff.test A" "9.9.9.9.a.diff.test TXT"; do
		set -- $q
		expect_eq "acl: $1 $2 from $src as rbldnsd answers it" \
		    "$(acl_answer "$src" "$RBLDNSD_PORT" "$1" "$2")" \
		    "$(acl_answer "$src" "$PORT" "$1" "$2")"
	done
done
expect_match "the \$SOA of the files is the zone's SOA" \
    "ns1\.example\.org\. hostmaster\.example\.org\. [0-9]+ 3600 600 86400 300" \
    "$(dig @127.0.0.1 -p "$PORT" +short s4.diff.test SOA)"
expect_match "-t sets the answers' TTL" "[[:space:]]1500[[:space:]]IN[[:space:]]A" \
    "$(dig @127.0.0.1 -p "$PORT" +noall +answer 106.2.0.192.s4.diff.test A)"
check "-l logs in rbldnsd's format" poll_until 10 grep -Eq \
    "^[0-9]+ 127\.0\.0\.1 106\.2\.0\.192\.s4\.diff\.test A IN: NOERROR/1/[0-9]+\$" \
    "$T/dropin-query.log"

# A file rewritten as rsync does (a temporary file renamed over it) is
# served within the -c interval; the old data answers until then.
listed() { [ "$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 +short "$1" A)" = "$2" ]; }
{ grep -v '^81\.2\.3\.5' "$T/data/ip4tset"; echo "81.2.3.99"; } >"$T/data/.ip4tset.tmp"
mv "$T/data/.ip4tset.tmp" "$T/data/ip4tset"
check "an added entry is served after the change" poll_until 30 listed 99.3.2.81.ts4.diff.test 127.0.0.5
check "a removed entry is gone" poll_until 10 listed 5.3.2.81.ts4.diff.test ""
expect_eq "an entry kept is still listed" 127.0.0.5 \
    "$(dig @127.0.0.1 -p "$PORT" +short 4.3.2.81.ts4.diff.test A)"
kill -TERM "$SERVER_PID"
check "the drop-in stops on SIGTERM" poll_until 20 sh -c "! kill -0 $SERVER_PID 2>/dev/null"
wait "$SERVER_PID"
expect_eq "and exits 0" 0 "$?"
SERVER_PID=""
private=$(sed -n 's|^created store \(.*\)/[0-9]*/db .*|\1|p' "$DROPIN_LOG" | head -n 1)
expect_match "the drop-in said where its private store was" "rbldbd-rbldnsd\." "$private"
[ -n "$private" ] && [ ! -e "$private" ] && ok "its private store is removed" ||
    not_ok "its private store is removed" "$(ls -la "$private" 2>&1)"

# ---- -A (rbldnsd's default): the $NS records in the authority of positive answers ----
kill -TERM "$RBLDNSD_PID"
wait "$RBLDNSD_PID" 2>/dev/null
RBLDNSD_PID=""
start_rbldnsd -A || { not_ok "rbldnsd -A serves the files" "$(cat "$T/rbldnsd.log")"; finish; }
if start_dropin -A; then ok "the drop-in starts with -A"; else
	not_ok "the drop-in starts with -A" "$(cat "$DROPIN_LOG")"; finish; fi
expect_match "rbldnsd -A puts the zone's NS in the authority of a listed name" \
    "IN[[:space:]]NS[[:space:]]ns1\.example\.org\." \
    "$(dig @127.0.0.1 -p "$RBLDNSD_PORT" +noall +authority 106.2.0.192.s4.diff.test A)"
if AUTH=1 python3 "$E2E_DIR/rbldnsd_diff.py" "$RBLDNSD_PORT" "$PORT" 24 200 "${specs[@]}" \
    >"$T/diff3.out" 2>&1; then
	ok "the drop-in answers as rbldnsd -A, authority sections too: $(head -n 1 "$T/diff3.out")"
else
	not_ok "the drop-in answers as rbldnsd -A, authority sections too" \
	    "$(head -n 40 "$T/diff3.out")"
fi
# (NODATA too: MX at the apex and below it; the NS records compared, with their TTL.)
for q in "s4.diff.test SOA" "s4.diff.test NS" "t4.diff.test SOA" "s4.diff.test MX" \
    "106.2.0.192.s4.diff.test MX"; do
	set -- $q
	expect_eq "-A: the NS in the authority of $1 $2 as rbldnsd's" \
	    "$(dig @127.0.0.1 -p "$RBLDNSD_PORT" +noall +authority "$1" "$2" | grep -w NS | sort)" \
	    "$(dig @127.0.0.1 -p "$PORT" +noall +authority "$1" "$2" | grep -w NS | sort)"
done
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=""
finish
