#!/bin/bash
# A changed dnset file taken in as its difference (issue 22): `rbldb import
# --replace` makes a names zone's entries from the file equal to it in one
# commit (names recorded, wildcards' exceptions kept), and the drop-in
# (rbldbd with rbldnsd's command line) serves the change within its -c
# interval, an IXFR from the serial before holding the difference only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dropin_lib.sh"

need_binaries "$RBLDBD" "$RBLDB"
need_tool dig dnsutils
make_tmp

DBL=dbl.example.org
write_apex "$T/$DBL.zone" "$DBL"
cat >>"$CONF" <<EOF

[zone $DBL]
apex = $DBL.zone
kind = names
code = 127.0.1.2
ttl = 300
EOF
init_store

# ---- rbldb import --replace on a names zone ----
cat >"$T/f" <<'EOF'
:127.0.1.2:listed
spam.example
gone.example
*.w.example
!ok.w.example
same.example :127.0.1.4:same
EOF
rb_ok "import a dnset file" import --format rbldnsd --zone $DBL "$T/f"
rb show same.example; before=$(sed 's/ (serial [0-9]*)//' <<<"$RB_OUT")
rb log; log_before=$RB_OUT
cat >"$T/f" <<'EOF'
:127.0.1.2:listed
spam.example
*.w.example
!ok.w.example
!x.w.example
same.example :127.0.1.4:same
new.example :127.0.1.8
EOF
rb_ok "import --replace the changed dnset file" import --format rbldnsd --replace --zone $DBL \
    "$T/f"
expect_match "it counts the difference" "2 added, 0 changed, 1 withdrawn, 4 unchanged" "$RB_OUT"
rb show same.example
expect_eq "an unchanged name is untouched" "$before" "$(sed 's/ (serial [0-9]*)//' <<<"$RB_OUT")"
rb show gone.example
expect_match "a withdrawn name is removed" "purge" "$RB_OUT"
rb show x.w.example
expect_match "a new exclusion under a wildcard is an exception" "excepted" "$RB_OUT"
rb log
expect_eq "one commit for the whole file" 1 \
    "$(( $(grep -c '^commit ' <<<"$RB_OUT") - $(grep -c '^commit ' <<<"$log_before") ))"
log_mid=$RB_OUT
rb_ok "the same file again" import --format rbldnsd --replace --zone $DBL "$T/f"
expect_match "changes nothing" "0 added, 0 changed, 0 withdrawn, 6 unchanged" "$RB_OUT"
rb log
expect_eq "and commits nothing" "$log_mid" "$RB_OUT"

# ---- the drop-in: a changed dnset file ----
mkdir -p "$T/data"
cat >"$T/data/dnset" <<'EOF'
:127.0.1.2:listed
spam.example
gone.example
*.w.example
!ok.w.example
a.b.deep.example
EOF
DZ=dbl.reload.test
DROPIN_LOG=$T/dropin.log
dropin_up() { grep -q '^rbldbd ready: ' "$DROPIN_LOG" || ! kill -0 "$SERVER_PID" 2>/dev/null; }
for attempt in 1 2 3 4 5; do
	PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	"$RBLDBD" -n -b "127.0.0.1/$PORT" -w "$T/data" -c 1 "$DZ:dnset:dnset" >"$DROPIN_LOG" 2>&1 &
	SERVER_PID=$!
	poll_until 60 dropin_up
	grep -q '^rbldbd ready: ' "$DROPIN_LOG" && break
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
	grep -q 'Address already in use' "$DROPIN_LOG" || break
done
if [ -n "$SERVER_PID" ]; then ok "the drop-in starts on a dnset file"; else
	not_ok "the drop-in starts on a dnset file" "$(cat "$DROPIN_LOG")"; finish; fi
serial0=$(dig @127.0.0.1 -p "$PORT" +short "$DZ" SOA | awk '{ print $3 }')
expect_match "the zone has a serial" "^[0-9]+$" "$serial0"
status() { dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 "$1.$DZ" A |
    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
expect_eq "a name above a listed one is there (NODATA)" NOERROR "$(status b.deep.example)"
cat >"$T/data/.dnset.tmp" <<'EOF'
:127.0.1.2:listed
spam.example
*.w.example
!ok.w.example
!x.w.example
new.example
EOF
mv "$T/data/.dnset.tmp" "$T/data/dnset"
listed() { [ "$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=1 +short "$1.$DZ" A)" = "$2" ]; }
check "an added name is served after the -c interval" poll_until 30 listed new.example 127.0.1.2
check "a removed name is gone" poll_until 5 listed gone.example ""
check "a new exclusion under a wildcard is not listed" poll_until 5 listed x.w.example ""
check "the wildcard still lists the rest" listed y.w.example 127.0.1.2
expect_eq "a name above a removed one is gone too (NXDOMAIN)" NXDOMAIN "$(status b.deep.example)"
expect_match "the file was taken in as its difference" \
    "replaced .*dnset into $DZ: .* 2 added, 0 changed, 2 withdrawn, 3 unchanged" \
    "$(cat "$DROPIN_LOG")"
expect_eq "the server still runs as the same process" 1 \
    "$(grep -c '^rbldbd ready: ' "$DROPIN_LOG")"
ixfr=$(dig @127.0.0.1 -p "$PORT" +tries=1 +time=5 +nocmd +nostats +nocomments "$DZ" \
    IXFR="$serial0")
expect_eq "an IXFR: the new SOA, the old, the new twice more" 4 "$(grep -c 'SOA' <<<"$ixfr")"
expect_match "it holds the added name" "^new\.example\.$DZ\." "$ixfr"
expect_no_match "and not an unchanged one" "^spam\.example\.$DZ\." "$ixfr"

kill -TERM "$SERVER_PID"
check "the drop-in stops on SIGTERM" poll_until 20 sh -c "! kill -0 $SERVER_PID 2>/dev/null"
wait "$SERVER_PID"
SERVER_PID=""

# ---- exclusions across the files of one dnset ("zone:dnset:ex,wild") ----
# rbldnsd applies "!*.name" to the names of every file of the dataset,
# whatever the order of the files and whichever file changes; the answers
# below are Debian rbldnsd's for the same files.
printf '!*.q.x.example\n!*.r.y.example\n' >"$T/data/ex"
printf ':127.0.1.2:listed\n*.x.example\n' >"$T/data/wild"
dropin_start "$DROPIN_LOG" -w "$T/data" -c 1 "$DZ:dnset:ex,wild"
if [ -n "$SERVER_PID" ]; then ok "the drop-in starts on two dnset files"; else
	not_ok "the drop-in starts on two dnset files" "$(cat "$DROPIN_LOG")"; finish; fi
expect_eq "an exclusion of the first file excepts names of the second's wildcard" \
    NXDOMAIN "$(status b.q.x.example)"
check "the wildcard lists the rest" listed c.x.example 127.0.1.2
printf ':127.0.1.2:listed\n*.x.example\n*.y.example\n' >"$T/data/.wild.tmp"
mv "$T/data/.wild.tmp" "$T/data/wild"
check "a wildcard added to the second file is served" poll_until 30 listed c.y.example 127.0.1.2
check "the first file's exclusion under it holds after the reload" poll_until 5 \
    eval '[ "$(status b.r.y.example)" = NXDOMAIN ]'
expect_eq "and the older one still" NXDOMAIN "$(status b.q.x.example)"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=""
finish
