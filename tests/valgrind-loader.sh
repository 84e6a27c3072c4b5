#!/bin/bash
# The loader (rbldb) under valgrind: no invalid read or write, no use of
# uninitialised memory, no leak (--leak-check=full), on success and error paths.
#
#   tests/valgrind-loader.sh [--quick|--e2e|--unit] [BUILD]
#
# --quick (the default, for make test): about thirty representative rbldb
#         commands, each under valgrind, on a temporary store: every command,
#         JSON and text output, refusals, bad input files and bad arguments.
# --e2e:  the loader's end-to-end scripts (t_loader_core, t_ingest, t_expire,
#         t_purge, t_backup, t_formats) with rbldb replaced by a valgrind wrapper.
# --unit: every unit test binary of BUILD/tests under valgrind.
#
# valgrind writes one log per process; the run fails when any log reports an
# error or a leak, and prints that log.  Exit codes of rbldb itself are left
# alone (--error-exitcode is not used) so that the commands' own expected
# exit statuses are still what the scripts check.
set -u
mode=--quick
case "${1:-}" in --quick|--e2e|--unit) mode=$1; shift ;; esac
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$TOP/build}" 2>/dev/null && pwd) || { echo "no build directory ${1:-}" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 || { echo "not ok - valgrind not found: apt-get install valgrind" >&2; exit 1; }
# A sanitizer build (make asan) cannot run under valgrind; its own checks stand in.
if grep -q __asan_init "$BUILD/rbldb" 2>/dev/null; then
	echo "ok - valgrind: $BUILD is an AddressSanitizer build, checked by ASan instead"
	echo "valgrind: 1 passed, 0 failed"
	exit 0
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/rbldb-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/logs" "$W/bin"
VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --log-file="$W/logs/vg.%p")
# --track-origins makes each command take half a minute on the store's large map:
# only when looking into a report.
[ -n "${VALGRIND_ORIGINS:-}" ] && VG+=(--track-origins=yes)

# Verdict over every log written: a log is bad when it holds anything (-q
# prints only errors and leaks).
verdict() {
	local bad=0 n f
	n=$(find "$W/logs" -type f | wc -l)
	for f in "$W"/logs/vg.*; do
		[ -s "$f" ] || continue
		bad=$((bad + 1))
		echo "# valgrind report in $(basename "$f"):"
		sed 's/^/#   /' "$f" | head -n 60
	done
	if [ "$bad" -eq 0 ]; then
		echo "ok - valgrind $mode: $n processes, no error, no leak"
		echo "valgrind: 1 passed, 0 failed"
		return 0
	fi
	echo "not ok - valgrind $mode: $bad of $n processes with errors or leaks"
	echo "valgrind: 0 passed, 1 failed"
	return 1
}

if [ "$mode" = --unit ]; then
	# Children a test forks to die mid-write (test_store) end with _exit, leaks and all.
	VG+=(--child-silent-after-fork=yes)
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		(cd "$TOP" && "${VG[@]}" "$t" >"$W/unit.out" 2>&1) ||
		    { echo "not ok - $(basename "$t") failed under valgrind"; tail -n 20 "$W/unit.out"; }
	done
	verdict
	exit
fi

# rbldb as seen by the tests: the real binary under valgrind.
cat >"$W/bin/rbldb" <<EOF
#!/bin/sh
exec $(printf '%q ' "${VG[@]}") "$BUILD/rbldb" "\$@"
EOF
chmod +x "$W/bin/rbldb"
ln -s "$BUILD/rbldbd" "$W/bin/rbldbd"

if [ "$mode" = --e2e ]; then
	rc=0
	for t in t_loader_core t_ingest t_expire t_purge t_backup t_formats; do
		[ -f "$TOP/tests/e2e/$t.sh" ] || continue
		echo "== $t.sh (rbldb under valgrind)"
		BUILD=$W/bin bash "$TOP/tests/e2e/$t.sh" >"$W/$t.out" 2>&1 || rc=1
		grep -E '^(not ok|[0-9]+ passed)' "$W/$t.out"
	done
	verdict || rc=1
	exit $rc
fi

# ---- --quick: representative commands on a temporary store ----
D=$W/t
mkdir -p "$D"
cat >"$D/z.zone" <<'EOF'
$ORIGIN relays.example.org.
$TTL 3600
@ IN SOA ns1.example.org. hostmaster.example.org. 2026112801 3600 600 1209600 300
@ IN NS ns1.example.org.
EOF
cat >"$D/test.conf" <<'EOF'
[server]
db = db
[zone relays.example.org]
apex = z.zone
family = both
code = 127.0.0.2
text = Listed, see https://relays.example.org/lookup?ip=$
lifetime = 30d
max-range = 16
never-list = 10.0.0.0/8
EOF
cat >"$D/batch.jsonl" <<'EOF'
{"op":"report","addr":"192.0.2.10","reason":"accepted relay","source":"trap-1","at":"2026-01-01T10:00:00Z"}
{"op":"report","addr":"2001:db8::/48","source":"trap-2","lifetime":"12h"}
{"op":"delist","addr":"192.0.2.10","reason":"relay closed","by":"postmaster@example.net"}
EOF
printf '%s\n' '{"op":"report","addr":"192.0.2.11"}' '{"op":"report","addr":"not-an-address"}' \
    'not json' '{"op":"delist","addr":"192.0.2.11"}' >"$D/bad.jsonl"
cat >"$D/data.rbldnsd" <<'EOF'
:127.0.0.3:Imported, see $
192.0.2.64/26
198.51.100.1-198.51.100.20
!192.0.2.65
2001:db8:5::/48 :4:v6 text
$SOA 3600 ns1 hostmaster 1 2 3 4 5
EOF
printf '1.2.3.4.5\n$$\n' >"$D/bad.rbldnsd"

ran=0
# q EXPECTED_EXIT ARGS...: one rbldb command under valgrind.
q() {
	local want=$1 rc
	shift
	ran=$((ran + 1))
	"$W/bin/rbldb" -c "$D/test.conf" "$@" >"$W/out" 2>&1; rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "not ok - rbldb $* exited $rc, expected $want"
		sed 's/^/#   /' "$W/out" | head -n 5
		return 1
	fi
}
fails=0
q 1 stats || fails=$((fails + 1))
q 0 init --dry-run || fails=$((fails + 1))
q 0 init || fails=$((fails + 1))
q 0 init || fails=$((fails + 1))
q 0 report 192.0.2.5 --reason "accepted relay" --source trap-7 || fails=$((fails + 1))
q 0 report 192.0.2.5 --source trap-8 --evidence "Received: from x" || fails=$((fails + 1))
q 0 report 198.51.100.0/24 --code 127.0.0.3 || fails=$((fails + 1))
q 0 delist 198.51.100.7 --reason "fixed" --by admin || fails=$((fails + 1))
q 0 report 2001:db8::1 --lifetime 90s || fails=$((fails + 1))
q 0 report ::ffff:192.0.2.6 || fails=$((fails + 1))
q 1 report 10.1.2.3 || fails=$((fails + 1))
q 1 report 127.0.0.1 || fails=$((fails + 1))
q 1 report 192.0.0.0/8 || fails=$((fails + 1))
q 0 report 192.0.0.0/8 --force || fails=$((fails + 1))
q 1 report 192.0.2.9 --code 10.0.0.2 || fails=$((fails + 1))
q 1 report 224.0.0.1 || fails=$((fails + 1))
q 1 report 192.0.2.9 --reason "$(printf 'caf\351')" || fails=$((fails + 1))
q 0 report 192.0.2.9 --reason 'only $$5 at $' --dry-run || fails=$((fails + 1))
q 1 delist 0.0.0.0/0 --reason oops || fails=$((fails + 1))
q 0 delist 0.0.0.0/0 --reason oops --force --dry-run || fails=$((fails + 1))
q 2 report || fails=$((fails + 1))
q 2 report 192.0.2.5 --bogus || fails=$((fails + 1))
q 2 frobnicate || fails=$((fails + 1))
q 0 ingest "$D/batch.jsonl" || fails=$((fails + 1))
q 0 ingest "$D/batch.jsonl" || fails=$((fails + 1))
q 1 ingest "$D/bad.jsonl" || fails=$((fails + 1))
q 3 ingest --keep-going "$D/bad.jsonl" || fails=$((fails + 1))
q 0 ingest --dry-run "$D/batch.jsonl" || fails=$((fails + 1))
q 0 show 192.0.2.5 || fails=$((fails + 1))
q 0 show 198.51.100.7 --json || fails=$((fails + 1))
q 0 show 198.51.100.0/24 || fails=$((fails + 1))
q 0 show 198.51.100.0/24 --json || fails=$((fails + 1))
q 0 list || fails=$((fails + 1))
q 0 list --json || fails=$((fails + 1))
q 0 stats --json || fails=$((fails + 1))
q 0 import --format rbldnsd "$D/data.rbldnsd" || fails=$((fails + 1))
q 1 import --format rbldnsd "$D/bad.rbldnsd" || fails=$((fails + 1))
q 0 export --format rbldnsd -o "$D/out.rbldnsd" || fails=$((fails + 1))
q 0 export --format zone || fails=$((fails + 1))
q 0 expire --at 2030-01-01T00:00:00Z --dry-run || fails=$((fails + 1))
q 1 expire --at 2030-01-01T00:00:00Z || fails=$((fails + 1))
q 0 expire || fails=$((fails + 1))
q 0 purge --source trap-8 || fails=$((fails + 1))
q 0 backup "$D/backup" || fails=$((fails + 1))
"${VG[@]}" "$BUILD/rbldb" -c "$D/missing.conf" list >/dev/null 2>&1
"${VG[@]}" "$BUILD/rbldb" --help >/dev/null 2>&1
ran=$((ran + 2))
echo "# $ran rbldb commands run under valgrind, $fails with an unexpected exit status"
verdict && [ "$fails" -eq 0 ]
