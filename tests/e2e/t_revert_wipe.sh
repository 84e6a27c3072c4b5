#!/bin/bash
# Issue 18: the worst mistake undone.  A zone of 100,000 entries (addresses,
# ranges, exceptions, own codes and reasons, several sources, both families)
# is wiped by `delist 0.0.0.0/0 --force --reason oops`; `rbldb revert` of
# that commit brings back every listing exactly: list --json is identical to
# before, sampled DNS answers (A and TXT) are identical, the history says so,
# and an NSD secondary follows both commits by IXFR (not AXFR).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"
need_tool dig dnsutils
need_tool nsd nsd
need_tool python3 python3
SEC_NAME=nsd

start_secondary() { start_nsd; }

make_tmp
need_binaries "$RBLDBD" "$RBLDB"
KEY_SECRET=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
SEC_PORT=$(free_port)
SEC_DIR=$T/$SEC_NAME
mkdir -p "$SEC_DIR"
sed -i '/^allow-transfer = 127.0.0.1$/d' "$CONF"
# max-range 0: a /0 is within it, so that max-change is the guard shown
# refusing the wipe (t_mistakes shows max-range's).
sed -i 's/^max-range = 16$/max-range = 0/' "$CONF"
cat >>"$CONF" <<EOF
allow-transfer = 127.0.0.1 key $KEY_NAME
notify = 127.0.0.1:$SEC_PORT key $KEY_NAME

[key $KEY_NAME]
algorithm = hmac-sha256
secret = $KEY_SECRET
EOF

# 99,980 IPv4 addresses (reports over the last days from 3 sources, some
# twice, some with their own code or reason), 10 ranges, 5 exceptions in
# them, 5 IPv6 listings: 100,000 entries, all but 5 of them IPv4.
NOW=$(date +%s)
python3 - "$T/zone.jsonl" "$NOW" "$T/sample.txt" <<'EOF'
import datetime, sys
path, now, sample = sys.argv[1], int(sys.argv[2]), sys.argv[3]
iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
names = []
with open(path, 'w') as f:
    for k in range(99980):
        a = '%d.%d.%d.%d' % (11 + k // 62500, k // 250 % 250, k % 250 + 1, 7)
        at = iso(now - 86400 * 3 + k % 200000)
        extra = ''
        if k % 11 == 0:
            extra += ',"code":"127.0.0.%d"' % (3 + k % 5)
        if k % 3 == 0:
            extra += ',"reason":"relay abuse %d"' % (k % 17)
        f.write('{"op":"report","addr":"%s","source":"trap-%d","at":"%s"%s}\n' % (a, k % 3, at, extra))
        if k % 7 == 0:
            f.write('{"op":"report","addr":"%s","source":"trap-%d","at":"%s"}\n' % (a, (k + 1) % 3, iso(now - 3600 - k % 1000)))
        if k % 2000 == 0:
            names.append(a)
    for r in range(10):
        f.write('{"op":"report","addr":"203.0.%d.0/24","source":"farm","reason":"relay farm %d","at":"%s"}\n' % (r, r, iso(now - 7200)))
        names += ['203.0.%d.1' % r, '203.0.%d.77' % r]
    for r in range(5):
        f.write('{"op":"delist","addr":"203.0.%d.77","reason":"fixed","by":"postmaster@example.net","at":"%s"}\n' % (r, iso(now - 3600)))
    for r in range(5):
        f.write('{"op":"report","addr":"2001:db8:%x::1","source":"trap-6","reason":"v6 relay"}\n' % r)
        names.append('2001:db8:%x::1' % r)
import ipaddress
def rname(a):
    a = ipaddress.ip_address(a)
    labels = str(a).split('.')[::-1] if a.version == 4 else list(a.exploded.replace(':', ''))[::-1]
    return '.'.join(labels) + '.relays.example.org'
with open(sample, 'w') as f:
    f.write(''.join('%s A\n%s TXT\n' % (rname(a), rname(a)) for a in names))
EOF
rb_ok "ingest a zone of 100,000 entries (--force: more than max-change)" ingest --force "$T/zone.jsonl"
rb_ok "stats" stats --json
expect_eq "the zone has 99,995 listings and 5 exceptions" "99995 5" \
    "$(printf '%s' "$RB_OUT" | python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"][0]; print(z["listed"], z["excepted"])')"

start_server -d || finish
start_secondary || finish
S0=$(soa_serial)
if poll_until 60 sec_has_serial "$S0"; then
	ok "$SEC_NAME transfers the zone (serial $S0)"
else
	not_ok "$SEC_NAME transfers the zone" "secondary serial '$(sec_serial)', rbldbd $S0" \
	    "$(tail -n 20 "$SEC_LOG")"
	finish
fi

# answers SERVER-PORT: A and TXT of every sampled address, as the server gives them.
answers() {
	dig @127.0.0.1 -p "$1" +tries=2 +time=3 +norec +noall +answer -f "$T/sample.txt" |
	    awk '{ $2 = ""; print }' | sort
}
rb_ok "list --json before" list --json
LIST0=$RB_OUT
DNS0=$(answers "$PORT")
expect_match "the sample answers before the wipe (some listed)" "127\.0\.0\.[2-7]" "$DNS0"

# ---- the mistake ----
rb delist 0.0.0.0/0 --reason oops
expect_eq "without --force, the wipe is refused (max-change)" 1 "$RB_RC"
expect_match "naming the count and the limit" \
    "would remove 99990 listings from $ZONE, over max-change 4999; nothing committed \(add --force to do it\)" \
    "$RB_ERR"
rb_ok "delist 0.0.0.0/0 --force --reason oops" delist 0.0.0.0/0 --force --reason oops
S1=$(soa_serial)
expect_eq "the wipe moved the serial by one" "$((S0 + 1))" "$S1"
rb_ok "list after the wipe" list
expect_eq "only the IPv6 listings are left" 5 "$(printf '%s\n' "$RB_OUT" | grep -c .)"
if poll_until 60 sec_has_serial "$S1"; then
	ok "$SEC_NAME follows the wipe (serial $S1)"
else
	not_ok "$SEC_NAME follows the wipe" "secondary serial '$(sec_serial)'" "$(tail -n 20 "$SEC_LOG")"
fi
check "$SEC_NAME got the wipe by IXFR" ixfr_served "$S1"
expect_eq "$SEC_NAME no longer lists a sampled address" "" \
    "$(sec_short "$(head -n 1 "$T/sample.txt" | cut -d' ' -f1)" A)"

# ---- the way back ----
rb_ok "log" log
C=$(printf '%s\n' "$RB_OUT" | sed -n 's/^commit \([0-9]*\) .* delist 0\.0\.0\.0\/0 --force --reason oops$/\1/p')
expect_match "rbldb log names the wipe" "^[0-9]+$" "$C"
expect_match "with its counts" "serial $S0 -> $S1: 0 added, 99995 removed, 0 changed" "$RB_OUT"
rb revert "$C" --dry-run
expect_eq "revert --dry-run exits 0" 0 "$RB_RC"
expect_match "revert --dry-run says what it would bring back" \
    "would restore $ZONE 11\.0\.1\.7/32 \(listed" "$RB_OUT"
expect_eq "revert --dry-run commits nothing" "$S1" "$(soa_serial)"
rb revert "$C"
expect_eq "revert without --force: refused (it adds more than max-change)" 1 "$RB_RC"
expect_match "naming the count" "would add 99990 listings to $ZONE, over max-change 1000" "$RB_ERR"
rb_ok "revert $C --force" revert "$C" --force
expect_match "revert says what it set back" \
    "^commit $C .*: 99996 entries set back, 0 already as before, 0 left as changed since" "$RB_OUT"
S2=$(soa_serial)
expect_eq "the revert is a commit of its own" "$((S1 + 1))" "$S2"

rb_ok "list --json after the revert" list --json
if [ "$RB_OUT" = "$LIST0" ]; then
	ok "list --json is identical to before the wipe (codes, reasons, counts, first/last seen, expiry, exceptions)"
else
	not_ok "list --json is identical to before the wipe" \
	    "$(diff <(printf '%s\n' "$LIST0") <(printf '%s\n' "$RB_OUT") | head -n 20)"
fi
DNS2=$(answers "$PORT")
if [ "$DNS2" = "$DNS0" ]; then
	ok "the $(($(wc -l <"$T/sample.txt") / 2)) sampled addresses answer A and TXT as before the wipe"
else
	not_ok "sampled answers as before the wipe" "$(diff <(echo "$DNS0") <(echo "$DNS2") | head)"
fi
rb_ok "show a restored address" show 11.0.1.7
expect_match "its history has the revert" "revert 11\.0\.1\.7/32 .*commit $C reverted: listed again" "$RB_OUT"
rb_ok "log after the revert" log
expect_match "the log has the revert, adding them back" \
    "serial $S1 -> $S2: 99995 added, 0 removed, 0 changed" "$RB_OUT"

if poll_until 60 sec_has_serial "$S2"; then
	ok "$SEC_NAME follows the revert (serial $S2)"
else
	not_ok "$SEC_NAME follows the revert" "secondary serial '$(sec_serial)'" "$(tail -n 20 "$SEC_LOG")"
fi
check "$SEC_NAME got the revert by IXFR" ixfr_served "$S2"
if grep -q "xfr: IXFR answered in full\|xfr: AXFR $ZONE serial \($S1\|$S2\) " "$SERVER_LOG"; then
	not_ok "no full transfer was needed" "$(grep 'xfr:' "$SERVER_LOG")"
else
	ok "no full transfer was needed"
fi
SEC2=$(answers "$SEC_PORT" | grep -v 'TXT')
expect_eq "$SEC_NAME answers the sampled A records as rbldbd" "$(echo "$DNS2" | grep -v TXT)" "$SEC2"

# The wipe's delisting went with it: a report older than the wipe counts again.
rb_ok "a report of a wiped address, older than the wipe, after the revert" \
    report 11.0.2.7 --source late --at "$(date -u -d @$((NOW - 600)) +%Y-%m-%dT%H:%M:%SZ)"
expect_match "refreshes the listing (the wipe no longer outranks it)" \
    "^11\.0\.2\.7 refreshed in $ZONE" "$RB_OUT"

stop_secondary
stop_server
finish
