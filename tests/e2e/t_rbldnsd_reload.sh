#!/bin/bash
# A changed rbldnsd file taken in as its difference (issue 22, SPEC "rbldnsd
# compatibility"): `rbldb import --replace` makes the entries the file gave
# a zone equal to the file in one commit, leaving the unchanged ones
# untouched; the drop-in (rbldbd with rbldnsd's command line) runs it on the
# store it serves, so a file rewritten by rsync (temporary file renamed over
# it) is served within the -c interval with no query unanswered, and an IXFR
# from the serial before holds the difference only.
. "$(dirname "$0")/lib.sh"

need_binaries "$RBLDBD" "$RBLDB"
need_tool dig dnsutils
need_tool python3 python3
make_tmp

# ---- rbldb import --replace on a configured store ----

cat >"$T/f" <<'EOF'
192.0.2.1
192.0.2.2 :127.0.0.3:two
192.0.2.3 :127.0.0.4:three
192.0.2.4 :127.0.0.4:four
198.51.100.0/24 :127.0.0.5:range
!198.51.100.7
203.0.113.5
203.0.113.6
EOF
rb_ok "import a file" import --format rbldnsd --zone "$ZONE" "$T/f"
rb_ok "another source reports an address the file lists" report 203.0.113.6 --reason other
rb_ok "an operator delists an address of the file's range" delist 198.51.100.20 --reason fixed \
    --by operator
# show without the zone's serial, which the commit moves.
noserial() { sed 's/ (serial [0-9]*)//'; }
rb show 192.0.2.1; before1=$(noserial <<<"$RB_OUT")
rb show 192.0.2.3; before3=$(noserial <<<"$RB_OUT")
rb log; log_before=$RB_OUT
cat >"$T/f" <<'EOF'
192.0.2.1
192.0.2.2 :127.0.0.9:two changed
192.0.2.3 :127.0.0.4:three
192.0.2.4 :127.0.0.4:four, revised
198.51.100.0/24 :127.0.0.5:range
!198.51.100.8
192.0.2.10
EOF
rb_ok "import --replace the rewritten file" import --format rbldnsd --replace --zone "$ZONE" "$T/f"
expect_match "it counts the difference" \
    "2 added, 2 changed, 3 withdrawn, 3 unchanged" "$RB_OUT"
rb show 192.0.2.1
expect_eq "an unchanged entry is untouched (show, history included)" "$before1" \
    "$(noserial <<<"$RB_OUT")"
rb show 192.0.2.3
expect_eq "an unchanged entry with its own code and text is untouched" "$before3" \
    "$(noserial <<<"$RB_OUT")"
rb show 192.0.2.2
expect_match "a changed entry has the new code" "code 127\.0\.0\.9" "$RB_OUT"
expect_match "and the new text" "two changed" "$RB_OUT"
rb show 192.0.2.4
expect_match "a changed text alone is a change" "four, revised" "$RB_OUT"
rb show 198.51.100.20
expect_match "another's exception stays" "excepted by entry 198\.51\.100\.20/32" "$RB_OUT"
rb show 203.0.113.5
expect_match "a withdrawn entry is removed as purge removes it" "purge 203\.0\.113\.5/32" "$RB_OUT"
expect_no_match "and no exception is written for it" "exception" "$RB_OUT"
rb show 203.0.113.6
expect_match "an entry another source reports stays listed" "listed by entry 203\.0\.113\.6/32" \
    "$RB_OUT"
rb show 198.51.100.7
expect_no_match "the withdrawn exclusion is gone: the range lists the address again" \
    "exception" "$(echo "$RB_OUT" | head -n 1)"
rb show 198.51.100.8
expect_match "the new exclusion is an exception" "excepted by entry 198\.51\.100\.8/32" "$RB_OUT"
rb log
expect_eq "one commit for the whole file" 1 \
    "$(( $(grep -c '^commit ' <<<"$RB_OUT") - $(grep -c '^commit ' <<<"$log_before") ))"
expect_match "the commit holds the difference only" "2 added, 2 removed, 2 changed" \
    "$(tail -n 1 <<<"$RB_OUT")"
log_mid=$RB_OUT
rb_ok "the same file again" import --format rbldnsd --replace --zone "$ZONE" "$T/f"
expect_match "changes nothing" "0 added, 0 changed, 0 withdrawn, 7 unchanged" "$RB_OUT"
rb log
expect_eq "and commits nothing" "$log_mid" "$RB_OUT"
rb import --format rbldnsd --replace --zone "$ZONE" "$T/nonexistent"
expect_eq "a missing file is an error that changes nothing" 1 "$(( RB_RC != 0 ))"

# ---- the drop-in: a file rewritten by rsync while queries arrive ----

mkdir -p "$T/data"
python3 - "$T/data/big" <<'EOF'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('$SOA 3600 ns1.example.org. hostmaster.example.org. 0 3600 600 86400 300\n')
    f.write(':2:listed $\n')
    for i in range(3000):
        f.write('81.%d.%d.%d\n' % (1 + i // 62500, (i // 250) % 250, i % 250 + 1))
EOF
DZ=r.reload.test
printf '127.0.0.2 :refuse\n' >"$T/data/acl"
DROPIN_LOG=$T/dropin.log
dropin_up() { grep -q '^rbldbd ready: ' "$DROPIN_LOG" || ! kill -0 "$SERVER_PID" 2>/dev/null; }
for attempt in 1 2 3 4 5; do
	PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	"$RBLDBD" -n -b "127.0.0.1/$PORT" -w "$T/data" -c 1 "$DZ:ip4set:big" "$DZ:acl:acl" \
	    >"$DROPIN_LOG" 2>&1 &
	SERVER_PID=$!
	poll_until 60 dropin_up
	grep -q '^rbldbd ready: ' "$DROPIN_LOG" && break
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
	grep -q 'Address already in use' "$DROPIN_LOG" || break
done
if [ -n "$SERVER_PID" ]; then ok "the drop-in starts"; else
	not_ok "the drop-in starts" "$(cat "$DROPIN_LOG")"; finish; fi
expect_no_match "the drop-in applies \$SOA, and says nothing else of it" "SOA is not applied" \
    "$(cat "$DROPIN_LOG")"
private=$(sed -n 's|^created store \(.*\)/db .*|\1|p' "$DROPIN_LOG" | head -n 1)
serial0=$(dig @127.0.0.1 -p "$PORT" +short "$DZ" SOA | awk '{ print $3 }')
expect_match "the zone has a serial" "^[0-9]+$" "$serial0"
"$RBLDB" -c "$private/rbldb.conf" show 81.1.0.7 2>&1 | noserial >"$T/show-before"

# Queries all along the change: every one must be answered.
: >"$T/sampled"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		n=$((i % 250 + 1))
		if dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 +short "$n.0.1.81.$DZ" A \
		    >"$T/one" 2>&1 && ! grep -q "timed out\|no servers" "$T/one"; then
			echo ok >>"$T/sampled"
		else
			echo "unanswered $n: $(cat "$T/one")" >>"$T/sampled"
		fi
	done
) &
SAMPLER=$!

# rsync's way: a temporary file in the same directory renamed over the old one.
python3 - "$T/data/big" "$T/data/.big.XXXX" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
gone = {'81.1.0.1', '81.1.0.2', '81.1.0.3'}
out = [l for l in lines if l not in gone]
out = [l + ' :3:changed' if l == '81.1.0.5' else l for l in out]
out += ['81.9.9.9', '81.9.9.10']
open(sys.argv[2], 'w').write('\n'.join(out) + '\n')
EOF
mv "$T/data/.big.XXXX" "$T/data/big"
listed() { [ "$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 +short "$1" A)" = "$2" ]; }
check "an added entry is served after the -c interval" poll_until 30 listed "9.9.9.81.$DZ" 127.0.0.2
check "a changed entry has its new code" poll_until 5 listed "5.0.1.81.$DZ" 127.0.0.3
check "a removed entry is gone" poll_until 5 listed "1.0.1.81.$DZ" ""
sleep 1
touch "$T/stop"
wait "$SAMPLER"
expect_eq "queries were sampled during the change" 1 "$(( $(wc -l <"$T/sampled") >= 10 ))"
expect_eq "every query sampled during the change was answered" "" \
    "$(grep -v '^ok$' "$T/sampled" | head -n 5)"
expect_match "the file was taken in as its difference" \
    "replaced .*big into $DZ: .* 2 added, 1 changed, 3 withdrawn, 2996 unchanged" \
    "$(cat "$DROPIN_LOG")"
expect_no_match "the server was not restarted" "building a new store" "$(cat "$DROPIN_LOG")"
expect_eq "the server still runs as the same process" 1 \
    "$(grep -c '^rbldbd ready: ' "$DROPIN_LOG")"
"$RBLDB" -c "$private/rbldb.conf" show 81.1.0.7 2>&1 | noserial >"$T/show-after"
expect_eq "an unchanged entry is untouched (its history too)" "$(cat "$T/show-before")" \
    "$(cat "$T/show-after")"

# A secondary asking IXFR from the serial before gets the difference only.
ixfr=$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=5 +nocmd +nostats +nocomments "$DZ" \
    IXFR="$serial0")
expect_match "IXFR starts from the serial before" "SOA.* $serial0 " "$ixfr"
expect_eq "an IXFR: the new SOA, the old, the new twice more" 4 "$(grep -c 'SOA' <<<"$ixfr")"
# Out: 3 removed and the changed one's old A and TXT (8); in: 2 added (4), the new A, TXT (2).
expect_eq "it holds only the difference's records" 14 "$(grep -vc 'SOA' <<<"$ixfr")"
expect_match "with the changed entry's new A" "5\.0\.1\.81\.$DZ\.[[:space:]].*A[[:space:]]+127\.0\.0\.3" \
    "$ixfr"

# A changed acl file: the rules are the configuration's, reloaded without a restart.
from2() { dig -b 127.0.0.2 @127.0.0.1 -p "$PORT" +tries=1 +time=1 "9.9.9.81.$DZ" A |
    grep -q "status: $1"; }
check "the acl refuses 127.0.0.2" from2 REFUSED
printf '127.0.0.2 :pass\n' >"$T/data/.acl.tmp"
mv "$T/data/.acl.tmp" "$T/data/acl"
check "a changed acl is applied within the -c interval" poll_until 30 from2 NOERROR
expect_eq "by a reload, not a restart" 1 "$(grep -c '^rbldbd ready: ' "$DROPIN_LOG")"

kill -TERM "$SERVER_PID"
check "the drop-in stops on SIGTERM" poll_until 20 sh -c "! kill -0 $SERVER_PID 2>/dev/null"
wait "$SERVER_PID"
SERVER_PID=""
finish
