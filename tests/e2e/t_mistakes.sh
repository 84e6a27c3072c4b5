#!/bin/bash
# Operator mistakes that must not wipe or flood the list (issue 18): a
# delisting wider than max-range (max-range6) and `expire --at` in the
# future are refused without --force; --dry-run on every command that
# changes the store commits nothing; addresses no MTA can connect from are
# refused on report, ingest and import; IPv6 refusals name max-range6 and
# the IPv4-mapped test range; one text rule (UTF-8, no control characters,
# '$' the address, "$$" a literal '$') on every path, served and exported
# alike; show of a range and of an expired listing; singular and plural;
# --version.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

NOW=$(date +%s)
state() { "$RBLDB" -c "$CONF" list --json 2>&1; "$RBLDB" -c "$CONF" stats 2>&1 | sed -n 2p; }
# refused WHAT WANT-STDERR ARGS...: rbldb ARGS exits 1 with exactly WANT on
# stderr, nothing on stdout, and the store (listings, serial) as before.
refused() {
	local what=$1 want=$2 before
	shift 2
	before=$(state)
	rb "$@"
	# The clock in a message ("now TIME") is the one thing that may differ.
	RB_ERR=$(printf '%s\n' "$RB_ERR" | sed 's/(now [0-9T:Z-]*)/(now NOW)/')
	if [ "$RB_RC" -eq 1 ] && [ "$RB_ERR" = "$want" ] && [ -z "$RB_OUT" ] &&
	    [ "$(state)" = "$before" ]; then
		ok "$what"
	else
		not_ok "$what" "exit $RB_RC" "stdout: $RB_OUT" "stderr: $RB_ERR" "want:   $want" \
		    "$( [ "$(state)" = "$before" ] || echo "the store changed" )"
	fi
}
# refused_batch WHAT WANT-STDERR ARGS...: as refused, for ingest, which
# also prints its counts on stdout.
refused_batch() {
	local what=$1 want=$2 before
	shift 2
	before=$(state)
	rb "$@"
	if [ "$RB_RC" -eq 1 ] && [ "$RB_ERR" = "$want" ] && [ "$(state)" = "$before" ]; then
		ok "$what"
	else
		not_ok "$what" "exit $RB_RC" "stdout: $RB_OUT" "stderr: $RB_ERR" "want:   $want" \
		    "$( [ "$(state)" = "$before" ] || echo "the store changed" )"
	fi
}
# unchanged WHAT ARGS...: rbldb ARGS exits 0 and the store is as before.
unchanged() {
	local what=$1 before
	shift
	before=$(state)
	rb "$@"
	if [ "$RB_RC" -eq 0 ] && [ "$(state)" = "$before" ]; then
		ok "$what"
	else
		not_ok "$what" "exit $RB_RC" "stdout: $RB_OUT" "stderr: $RB_ERR" \
		    "$( [ "$(state)" = "$before" ] || echo "the store changed" )"
	fi
}

cat >"$T/feed.jsonl" <<EOF
{"op":"report","addr":"192.0.2.5","reason":"accepted relay","source":"trap-7"}
{"op":"report","addr":"198.51.100.0/24","reason":"relay farm","source":"trap-7"}
{"op":"report","addr":"2001:db8::25","source":"trap-7"}
{"op":"delist","addr":"198.51.100.7","reason":"relay closed"}
EOF
rb_ok "a feed to start from" ingest "$T/feed.jsonl"

# ---- show of a listing that expired (before rbldbd's expiry removes it) ----
rb_ok "a listing that has expired, not yet removed" report 203.0.113.9 \
    --at "$(iso $((NOW - 7200)))" --lifetime 1h --reason "old relay"
rb show 203.0.113.9
expect_match "show of an expired listing says expired at, not yet removed" \
    "^$ZONE \(serial [0-9]+\): not listed: entry 203\.0\.113\.9/32 expired at $(iso $((NOW - 3600))) \(not yet removed\)$" "$RB_OUT"
rb show 203.0.113.0/24
expect_match "... and in a range" '^    203\.0\.113\.9/32 expired at [0-9T:Z-]+ \(not yet removed\)$' "$RB_OUT"
rb show --json 203.0.113.9
expect_match "... and in JSON" '"expired_at": "'"$(iso $((NOW - 3600)))"'"' "$RB_OUT"
rb_ok "expire removes it" expire
expect_eq "... and says 1 listing" "expired 1 listing due by" "$(printf '%s\n' "$RB_OUT" | cut -d' ' -f1-5)"

start_server || finish
poll_until 10 dns_is 127.0.0.2 5.2.0.192.$ZONE A

# ---- the delisting guard ----
refused "delist 0.0.0.0/0 is refused without --force, naming max-range" \
    "rbldb: delist: 0.0.0.0/0 is wider than max-range /16 of zone $ZONE: delisting it would remove every listing inside it (use --force to delist it anyway)" \
    delist 0.0.0.0/0 --reason oops
refused "delist ::/0 is refused naming max-range6" \
    "rbldb: delist: ::/0 is wider than max-range6 /48 of zone $ZONE: delisting it would remove every listing inside it (use --force to delist it anyway)" \
    delist ::/0 --reason oops
echo '{"op":"delist","addr":"0.0.0.0/0","reason":"oops"}' >"$T/wipe.jsonl"
refused_batch "a batch delisting of 0.0.0.0/0 is refused too, as FILE:LINE" \
    "$T/wipe.jsonl:1: 0.0.0.0/0 is wider than max-range /16 of zone $ZONE: delisting it would remove every listing inside it (use --force to delist it anyway)
rbldb: ingest: 1 bad line, nothing committed (fix it, or use --keep-going to commit the good lines)" \
    ingest "$T/wipe.jsonl"
check "the list still answers" dns_is 127.0.0.2 5.2.0.192.$ZONE A

unchanged "delist 0.0.0.0/0 --force --dry-run: exit 0, nothing committed" \
    delist 0.0.0.0/0 --reason oops --force --dry-run
expect_eq "... naming every entry it would remove" \
    "would remove $ZONE 192.0.2.5 (listed)
would remove $ZONE 198.51.100.0/24 (listed)
would remove $ZONE 198.51.100.7 (an exception)
0.0.0.0/0 delisted from $ZONE (dry run, nothing committed)" "$RB_OUT"
unchanged "delist of one address --dry-run commits nothing" \
    delist 192.0.2.5 --reason closed --dry-run
expect_eq "... and says what it would do" \
    "would remove $ZONE 192.0.2.5 (listed)
192.0.2.5 delisted from $ZONE (dry run, nothing committed)" "$RB_OUT"
check "after the dry runs 192.0.2.5 is still answered" dns_is 127.0.0.2 5.2.0.192.$ZONE A

# ---- expire --at in the future ----
FUTURE=$(iso $((NOW + 60 * 86400)))
refused "expire --at two months ahead is refused without --force" \
    "rbldb: expire: --at $FUTURE is more than 5 minutes ahead (now NOW): it would expire listings before their time (use --dry-run to see which, --force to expire them anyway)" \
    expire --at "$FUTURE"
unchanged "expire --at ahead --dry-run shows what would go, commits nothing" \
    expire --at "$FUTURE" --dry-run
expect_match "... every listing, as it says" "^3 listings would expire by $FUTURE \(dry run, nothing committed\)$" "$RB_OUT"
rb expire --at "$(iso $((NOW + 60)))"
expect_eq "expire --at a minute ahead (clock skew) is allowed" "0" "$RB_RC"

# ---- --dry-run on report ----
unchanged "report --dry-run commits nothing" report 192.0.2.66 --reason "a dry run" --dry-run
expect_match "... and says what it would do" "^192\.0\.2\.66 listed in $ZONE until .* \(dry run, nothing committed\)$" "$RB_OUT"
check "192.0.2.66 is not answered" dns_status_is NXDOMAIN 66.2.0.192.$ZONE A

# ---- addresses no MTA can connect from ----
for a in 0.0.0.0 255.255.255.255 224.0.0.1 :: ::1; do
	rb report "$a" --reason bogon
	if [ "$RB_RC" -eq 1 ] && printf '%s\n' "$RB_ERR" | grep -q "^rbldb: report: $a is .*: no MTA connects from there$"; then
		ok "report $a is refused: no MTA connects from it"
	else
		not_ok "report $a is refused: no MTA connects from it" "exit $RB_RC" "$RB_ERR"
	fi
done
refused "report ff02::1 names ff00::/8" \
    "rbldb: report: ff02::1 is in ff00::/8 (multicast): no MTA connects from there" report ff02::1
refused "report 0.0.0.0/0 --force covers 127.0.0.0/8" \
    "rbldb: report: 0.0.0.0/0 covers 127.0.0.0/8, the RFC 5782 test range every zone serves built in" \
    report 0.0.0.0/0 --force
refused "report 192.0.0.0/2 --force covers 224.0.0.0/3" \
    "rbldb: report: 192.0.0.0/2 covers 224.0.0.0/3 (multicast, reserved and broadcast): no MTA connects from there" \
    report 192.0.0.0/2 --force
cat >"$T/bogons.jsonl" <<EOF
{"op":"report","addr":"192.0.2.77","source":"t"}
{"op":"report","addr":"255.255.255.255","source":"t"}
{"op":"report","addr":"::1","source":"t"}
EOF
refused_batch "ingest refuses them too, as FILE:LINE" \
    "$T/bogons.jsonl:2: 255.255.255.255 is in 224.0.0.0/3 (multicast, reserved and broadcast): no MTA connects from there
$T/bogons.jsonl:3: ::1 is the loopback address: no MTA connects from there
rbldb: ingest: 2 bad lines, nothing committed (fix them, or use --keep-going to commit the good lines)" \
    ingest "$T/bogons.jsonl"
printf '192.0.2.78\n224.0.0.1\n' >"$T/bogons.rbldnsd"
refused "import refuses them too, as FILE:LINE" \
    "$T/bogons.rbldnsd:2: 224.0.0.1 is in 224.0.0.0/3 (multicast, reserved and broadcast): no MTA connects from there
rbldb: import: $T/bogons.rbldnsd: 1 bad line, nothing imported" \
    import --format rbldnsd "$T/bogons.rbldnsd"

# ---- IPv6 refusals name IPv6's key and range ----
refused "an IPv6 range names max-range6" \
    "rbldb: report: 2001:db8::/32 is wider than max-range6 /48 of zone $ZONE (use --force to list it anyway)" \
    report 2001:db8::/32
refused "::/0 names the IPv4-mapped test range, not 127.0.0.0/8" \
    "rbldb: report: ::/0 covers ::ffff:127.0.0.0/104, the IPv4-mapped form of 127.0.0.0/8, the RFC 5782 test range every zone serves built in" \
    report ::/0 --force

# ---- texts ----
refused "a reason that is not UTF-8 is refused" \
    "rbldb: report: reason is not UTF-8: octet 4 is 0xe9 (texts are UTF-8; convert it, e.g. with iconv -t UTF-8)" \
    report 192.0.2.80 --reason "$(printf 'caf\351')"
refused "a control character in a reason is refused" \
    "rbldb: report: reason has a control character, U+001B at octet 5 (texts are printable characters on one line)" \
    report 192.0.2.80 --reason "$(printf 'red \033[31m')"
refused "a control character in a delisting's reason is refused" \
    "rbldb: delist: reason has a control character, U+0007 at octet 2 (texts are printable characters on one line)" \
    delist 192.0.2.5 --reason "$(printf 'a\007')"
refused "\$5 is refused: rbldnsd reads it as a variable; \$\$5 is the literal" \
    "rbldb: report: reason has \"\$5\" at octet 1, which rbldnsd reads as its own substitution: write \"\$\$5\" for a literal \"\$5\" (a '\$' alone is the queried address)" \
    report 192.0.2.80 --reason '$5 deals'
printf '%s\n' '{"op":"report","addr":"192.0.2.81","reason":"bell \u0007","source":"t"}' >"$T/ctl.jsonl"
refused_batch "a batch's text has the same rule, as FILE:LINE" \
    "$T/ctl.jsonl:1: reason has a control character, U+0007 at octet 6 (texts are printable characters on one line)
rbldb: ingest: 1 bad line, nothing committed (fix it, or use --keep-going to commit the good lines)" \
    ingest "$T/ctl.jsonl"
printf '192.0.2.82 caf\351\n' >"$T/latin1.rbldnsd"
refused "an imported text has the same rule, as FILE:LINE" \
    "$T/latin1.rbldnsd:1: TXT is not UTF-8: octet 4 is 0xe9 (texts are UTF-8; convert it, e.g. with iconv -t UTF-8)
rbldb: import: $T/latin1.rbldnsd: 1 bad line, nothing imported" \
    import --format rbldnsd "$T/latin1.rbldnsd"
sed 's/^text = .*/text = bad \x01 text/' "$CONF" >"$T/bad.conf"
out=$("$RBLDB" -c "$T/bad.conf" stats 2>&1); rc=$?
expect_eq "a zone text with a control character stops the configuration, as FILE:LINE" \
    "1 rbldb: $T/bad.conf:$(grep -n '^text = ' "$T/bad.conf" | cut -d: -f1): text has a control character, U+0001 at octet 5 (texts are printable characters on one line)" \
    "$rc $out"

rb_ok "a reason with \$\$ (a literal \$) and \$ (the address)" report 192.0.2.83 \
    --reason 'only $$5 deals: $ is listed'
check "rbldbd serves \$\$ as \$ and \$ as the address" \
    poll_until 10 dns_is '"only $5 deals: 192.0.2.83 is listed"' 83.2.0.192.$ZONE TXT
rb export --format rbldnsd --family ipv4
expect_match "the rbldnsd export keeps \$\$, which rbldnsd reads as \$" \
    '^192\.0\.2\.83 :127\.0\.0\.2:only \$\$5 deals: \$ is listed$' "$RB_OUT"
rb export --format zone
expect_match "the master file export has the literal \$" \
    '^83\.2\.0\.192[[:space:]].*TXT[[:space:]]+"only \$5 deals: 192\.0\.2\.83 is listed"$' "$RB_OUT"

# ---- show ----
rb show 198.51.100.0/24
expect_eq "show of a range shows the listings inside it" \
    "  inside 198.51.100.0/24: 0 listings, 1 exception
    198.51.100.7/32 excepted" "$(printf '%s\n' "$RB_OUT" | sed -n '/^  inside /,/^history:/p' | sed '$d')"
rb show 192.0.2.0/24
expect_match "... each listing on a line" '^    192\.0\.2\.5/32 listed, code 127\.0\.0\.2, expires [0-9T:Z-]+, reason "accepted relay"$' "$RB_OUT"
expect_match "... and a count" '^  inside 192\.0\.2\.0/24: 2 listings, 0 exceptions$' "$RB_OUT"
# ---- singular and plural ----
printf '192.0.2.90\n' >"$T/one.rbldnsd"
rb_ok "import of one entry" import --format rbldnsd "$T/one.rbldnsd"
expect_match "... says 1 listing, not 1 listings" "^imported $T/one.rbldnsd into $ZONE: 1 listing, 0 exceptions: " "$RB_OUT"
echo '{"op":"report","addr":"192.0.2.91","source":"t"}' >"$T/one.jsonl"
rb_ok "ingest of one line" ingest "$T/one.jsonl"
expect_match "... says 1 line" "^$T/one.jsonl: 1 line, 1 applied: " "$RB_OUT"

# ---- --version ----
expect_eq "rbldb --version" "rbldb $(sed -n 's/^#define RB_VERSION "\(.*\)"$/\1/p' "$TOP/common/rb.h")" \
    "$("$RBLDB" --version 2>&1)"
expect_eq "rbldbd --version" "rbldbd $(sed -n 's/^#define RB_VERSION "\(.*\)"$/\1/p' "$TOP/common/rb.h")" \
    "$("$RBLDBD" --version 2>&1)"

stop_server
finish
