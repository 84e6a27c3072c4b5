# Shared setup of the relay tester's tests (t_verify*.sh): source after lib.sh.
#
#   verify_conf [LINE...]      $T and $CONF (make_tmp) with `verify = required` on
#                              $ZONE and a [verify] section: the test secret, drop
#                              box and helo, then each LINE ("timeout = 2")
#   verify_store               the store made anew for $CONF (after sections are
#                              added); as root, given to nobody, whom rbldb,
#                              rbldbd and rbldb-verify then become
#   start_fake NAME MODE [ARGS...]  fakemta.py MODE ARGS on loopback, logging to
#                              $T/NAME.log; its port in $MTA_PORT; stopped at exit
#   start_mta MODE             a fake MTA whose relayed messages go to the drop box
#                              (verify-receive), each also kept in $T/last.msg;
#                              logging to $T/mta-MODE.log
#   job_field ADDR KEY         KEY of ADDR's latest relay test (show --json)
#   rb_refused WHAT ARGS...    an rbldb command that must fail (RB_OUT, RB_ERR kept)

VERIFY=$BUILD/rbldb-verify
MTA_PIDS=""
MTA_PORT=""

verify_conf() {
	local line
	make_tmp
	{
		echo "verify = required"
		echo
		echo "[verify]"
		echo "secret = e2e-secret-0123456789abcdef"
		echo "dropbox = verify@dropbox.test"
		echo "helo = tester.e2e.test"
		for line in "$@"; do
			echo "$line"
		done
	} >>"$CONF"
	trap verify_cleanup EXIT
}

verify_store() {
	rm -rf "$T/db"
	init_store
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$T"
		chown -R nobody "$T/db"
	fi
}

verify_cleanup() {
	local rc=$? p
	for p in $MTA_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	(exit $rc)
	cleanup
}

start_fake() {
	local name=$1 mode=$2 out=$T/$1.out
	shift 2
	python3 "$E2E_DIR/fakemta.py" "$mode" --log "$T/$name.log" "$@" >"$out" 2>&1 &
	MTA_PIDS="$MTA_PIDS $!"
	poll_until 20 grep -q '^ready ' "$out" || { not_ok "fake MTA $name starts" "$(cat "$out")"; finish; }
	MTA_PORT=$(awk '/^ready/ {print $2}' "$out")
}

start_mta() {
	start_fake "mta-$1" "$1" --deliver "tee $T/last.msg | $RBLDB -c $CONF verify-receive"
}

job_field() {
	"$RBLDB" -c "$CONF" show "$1" --json | python3 -c '
import json, sys
t = json.load(sys.stdin)["relay_tests"]
v = t[-1].get(sys.argv[1]) if t else None
print("" if v is None else v)' "$2"
}

rb_refused() {
	local what=$1
	shift
	if rb "$@"; then
		not_ok "$what" "rbldb $* succeeded" "$RB_OUT"
	else
		ok "$what"
	fi
}
