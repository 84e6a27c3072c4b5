#!/bin/bash
# rbldnsd dnset files: rbldb imports one into a `kind = names` zone and
# exports it again; rbldnsd serving the file and rbldbd serving the import
# answer a sample of names alike (A and TXT), and rbldnsd serves the export
# alike too; so does the drop-in (rbldbd with rbldnsd's command line) serving
# the dnset file itself, which refuses a zone mixing dnset with IP datasets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dropin_lib.sh"

need_tool dig dnsutils
need_tool rbldnsd rbldnsd
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

RBLDNSD_PID=""
stop_rbldnsd() {
	if [ -n "$RBLDNSD_PID" ] && kill -0 "$RBLDNSD_PID" 2>/dev/null; then
		kill -TERM "$RBLDNSD_PID"
		wait "$RBLDNSD_PID" 2>/dev/null
	fi
	RBLDNSD_PID=""
}
DROPIN_PID=""
dnset_cleanup() {
	local rc=$?
	stop_rbldnsd
	if [ -n "$DROPIN_PID" ]; then kill -TERM "$DROPIN_PID" 2>/dev/null; wait "$DROPIN_PID" 2>/dev/null; fi
	(exit $rc)
	cleanup
}
trap dnset_cleanup EXIT

DBL=dbl.example.org
write_apex "$T/$DBL.zone" "$DBL"
cat >>"$CONF" <<EOF

[zone $DBL]
apex = $DBL.zone
kind = names
code = 127.0.1.2
text = listed
ttl = 300
EOF
init_store

mkdir -p "$T/rbldnsd"
cat >"$T/rbldnsd/dnset" <<'EOF'
# a dnset with each kind of entry
:127.0.1.2:listed
spam.example
Mixed.Case.Example
.both.example
*.under.example :127.0.1.4:under it
!good.under.example
*.deep.example
!*.ok.deep.example
plain.example :127.0.1.8
xn--bcher-kva.example :127.0.1.2:idn
EOF
rb_ok "import the dnset" import --format rbldnsd --zone $DBL "$T/rbldnsd/dnset"
rb_ok "export it again" export --format rbldnsd --zone $DBL -o "$T/rbldnsd/export"
expect_match "the export names the dataset type" "^# Serve it with: rbldnsd .* $DBL:dnset:" \
    "$(head -n 3 "$T/rbldnsd/export")"

start_server || finish

# rbldnsd refuses root; as root it drops to its own user inside a chroot.
chmod 755 "$T/rbldnsd"
chmod 644 "$T/rbldnsd/dnset" "$T/rbldnsd/export"
if [ "$(id -u)" -eq 0 ]; then rbl_dir=(-r "$T/rbldnsd" -w /); else rbl_dir=(-w "$T/rbldnsd"); fi
# start_rbldnsd FILE: rbldnsd serving FILE as $DBL's dnset on RPORT.
start_rbldnsd() {
	local attempt
	for attempt in 1 2 3 4 5; do
		RPORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		rbldnsd -n -q -b "127.0.0.1/$RPORT" "${rbl_dir[@]}" "$DBL:dnset:$1" \
		    >"$T/rbldnsd.log" 2>&1 &
		RBLDNSD_PID=$!
		poll_until 10 eval '[ -n "$(dig @127.0.0.1 -p $RPORT +tries=1 +time=1 +short spam.example.'$DBL' A)" ] || ! kill -0 $RBLDNSD_PID'
		kill -0 "$RBLDNSD_PID" 2>/dev/null && return 0
		wait "$RBLDNSD_PID" 2>/dev/null
		RBLDNSD_PID=""
	done
	not_ok "rbldnsd serves $1" "$(cat "$T/rbldnsd.log")"
	return 1
}

NAMES="spam.example www.spam.example mixed.case.example MIXED.case.EXAMPLE both.example
a.b.both.example a.under.example good.under.example x.good.under.example
x.deep.example ok.deep.example y.ok.deep.example plain.example
xn--bcher-kva.example other.example"
# Not "test": rbldnsd's dnset leaves RFC 5782's TEST.Z unlisted; rbldbd lists it (SPEC).
# Nor the names with listed names under them (under.example, deep.example):
# rbldnsd says NXDOMAIN, rbldbd NODATA (RFC 8020), as a secondary does.
# answer PORT NAME: status, A and TXT, one line.
answer() {
	local out
	out=$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 +norec "$2.$DBL" A)
	printf '%s %s %s\n' "$(printf '%s' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" \
	    "$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 +short "$2.$DBL" A | sort | tr '\n' ' ')" \
	    "$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 +short "$2.$DBL" TXT | sort | tr '\n' ' ')"
}
for file in dnset export; do
	start_rbldnsd "$file" || continue
	for n in $NAMES; do
		expect_eq "$n: rbldbd answers as rbldnsd on the $file file" "$(answer "$RPORT" "$n")" \
		    "$(answer "$PORT" "$n")"
	done
	expect_eq "TEST is listed by rbldbd (RFC 5782 s5), where rbldnsd's dnset does not" \
	    "NOERROR 127.0.1.2" "$(answer "$PORT" test | cut -d' ' -f1-2)"
	for n in under.example deep.example; do
		expect_eq "$n: NXDOMAIN from rbldnsd, NODATA from rbldbd (RFC 8020)" \
		    "NXDOMAIN/NOERROR" "$(answer "$RPORT" $n | cut -d' ' -f1)/$(answer "$PORT" $n | cut -d' ' -f1)"
	done
	stop_rbldnsd
done
stop_server

# The drop-in: rbldbd started with rbldnsd's command line serves the dnset file itself.
DROPIN_LOG=$T/dropin.log
dropin_up() { grep -q '^rbldbd ready: ' "$DROPIN_LOG" || ! kill -0 "$DROPIN_PID" 2>/dev/null; }
for attempt in 1 2 3 4 5; do
	DPORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	"$RBLDBD" -n -b "127.0.0.1/$DPORT" -w "$T/rbldnsd" "$DBL:dnset:dnset" >"$DROPIN_LOG" 2>&1 &
	DROPIN_PID=$!
	poll_until 60 dropin_up
	grep -q '^rbldbd ready: ' "$DROPIN_LOG" && break
	kill -TERM "$DROPIN_PID" 2>/dev/null
	wait "$DROPIN_PID" 2>/dev/null
	DROPIN_PID=""
	grep -q 'Address already in use' "$DROPIN_LOG" || break
done
if [ -n "$DROPIN_PID" ]; then ok "the drop-in serves a dnset zone"; else
	not_ok "the drop-in serves a dnset zone" "$(cat "$DROPIN_LOG")"; finish; fi
# dropin_as_rbldnsd FILES NAME...: rbldnsd on FILES and the drop-in answer NAMEs alike; both stop.
dropin_as_rbldnsd() {
	local files=$1 n
	shift
	if start_rbldnsd "$files"; then
		for n in "$@"; do
			expect_eq "$n: the drop-in answers as rbldnsd on $files" \
			    "$(answer "$RPORT" "$n")" "$(answer "$DPORT" "$n")"
		done
		stop_rbldnsd
	fi
	kill -TERM "$DROPIN_PID"
	wait "$DROPIN_PID"
	DROPIN_PID=""
}
dropin_as_rbldnsd dnset $NAMES

# One dnset of two files, the exclusions first: they still except the
# names of the second file's wildcards, as in rbldnsd.
printf '!*.a.under.example\n!.b.under.example\n!x.deep.example\n' >"$T/rbldnsd/excl"
chmod 644 "$T/rbldnsd/excl"
dropin_start "$DROPIN_LOG" -w "$T/rbldnsd" "$DBL:dnset:excl,dnset"
DROPIN_PID=$SERVER_PID DPORT=$PORT SERVER_PID=""
if [ -n "$DROPIN_PID" ]; then ok "the drop-in serves one dnset of two files"; else
	not_ok "the drop-in serves one dnset of two files" "$(cat "$DROPIN_LOG")"; finish; fi
dropin_as_rbldnsd excl,dnset $NAMES z.a.under.example y.z.a.under.example b.under.example \
    c.b.under.example c.under.example x.deep.example y.x.deep.example
printf '192.0.2.1\n' >"$T/rbldnsd/ip"
# (timeout: a drop-in that wrongly starts would serve on; refused, it exits at once.)
timeout 60 "$RBLDBD" -n -b "127.0.0.1/$DPORT" -w "$T/rbldnsd" "$DBL:dnset:dnset" \
    "$DBL:ip4set:ip" >"$T/mixed.log" 2>&1
expect_eq "a zone mixing dnset with an IP dataset is refused" 2 "$?"
expect_match "with the reason" "mixes dnset with ip4set: an rbldb zone lists names or addresses" \
    "$(cat "$T/mixed.log")"
finish
