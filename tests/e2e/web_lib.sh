# Helpers for the rbldb-web tests: source after lib.sh.
#
#   web_conf                   # three zones on $CONF: queue, self, retest; [web]
#   start_web [ARGS...]        # rbldb-web on a free loopback port: $WEB, $WEB_PID
#   web_get PATH [CURL-ARGS...]     # body on stdout; status in $WEB_STATUS
#   web_token IP               # the CSRF token of IP's lookup page
#   web_remove IP ZONE REASON TOKEN [CURL-ARGS...]  # POST /remove; status in $WEB_STATUS
#   stop_web                   # SIGTERM, exit 0 checked

RBLDB_WEB=$BUILD/rbldb-web
WEB=""
WEB_PID=""
WEB_LOG=""
WEB_STATUS=""
ZSELF=self.example.org
ZRETEST=retest.example.org

web_conf() {
	write_apex "$T/$ZSELF.zone" "$ZSELF"
	write_apex "$T/$ZRETEST.zone" "$ZRETEST"
	cat >>"$CONF" <<EOF
removal = queue

[zone $ZSELF]
apex = $ZSELF.zone
family = both
removal = self
removal-interval = 7d

[zone $ZRETEST]
apex = $ZRETEST.zone
family = ipv4
removal = retest

[server]
default-zone = $ZONE

[verify]
secret = e2e-secret-0123456789abcdef
dropbox = verify@dropbox.test
timeout = 2

[web]
listen = 127.0.0.1:0
title = Example Relay List
EOF
}

web_gone() { ! kill -0 "$WEB_PID" 2>/dev/null; }
web_up() { grep -q '^rbldb-web ready: ' "$WEB_LOG"; }
web_up_or_gone() { web_up || web_gone; }

# start_web [ARGS...]: port 0, so the kernel picks a free one; the ready line names it.
start_web() {
	WEB_LOG=$T/web.log
	"$RBLDB_WEB" -c "$CONF" "$@" >"$WEB_LOG" 2>&1 &
	WEB_PID=$!
	if ! poll_until 10 web_up_or_gone || ! web_up; then
		not_ok "rbldb-web starts" "$(cat "$WEB_LOG")"
		return 1
	fi
	WEB=http://127.0.0.1:$(sed -n 's/^rbldb-web ready: .* port \([0-9]*\).*/\1/p' "$WEB_LOG")
}

stop_web() {
	local rc
	[ -n "$WEB_PID" ] || return 0
	kill -TERM "$WEB_PID"
	if ! poll_until 10 web_gone; then
		kill -KILL "$WEB_PID" 2>/dev/null
		not_ok "rbldb-web exits on SIGTERM" "still running after 10 s"
	else
		wait "$WEB_PID"; rc=$?
		if [ $rc -eq 0 ]; then ok "rbldb-web exits 0 on SIGTERM"
		else not_ok "rbldb-web exits 0 on SIGTERM" "exit $rc" "$(tail -n 20 "$WEB_LOG")"; fi
	fi
	WEB_PID=""
}

web_cleanup() {
	if [ -n "$WEB_PID" ] && kill -0 "$WEB_PID" 2>/dev/null; then
		kill -TERM "$WEB_PID" 2>/dev/null
		poll_until 10 web_gone || kill -KILL "$WEB_PID" 2>/dev/null
		wait "$WEB_PID" 2>/dev/null
	fi
	WEB_PID=""
	cleanup
}
trap web_cleanup EXIT

# web_get PATH [CURL-ARGS...]: the body; headers in $T/web.hdr, status in $WEB_STATUS.
web_get() {
	local path=$1
	shift
	curl -s -o "$T/web.body" -D "$T/web.hdr" --max-time 20 "$@" "$WEB$path"
	WEB_STATUS=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$T/web.hdr")
	cat "$T/web.body"
}

web_token() {
	web_get "/lookup?ip=$1" "${@:2}" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1
}

web_remove() {
	local ip=$1 zone=$2 reason=$3 token=$4
	shift 4
	web_get /remove -X POST --data-urlencode "ip=$ip" --data-urlencode "zone=$zone" \
	    --data-urlencode "reason=$reason" --data-urlencode "contact=pm@example.net" \
	    --data-urlencode "csrf=$token" "$@"
}

# web_header NAME: the value of header NAME of the last web_get.
web_header() {
	sed -n "s/^$1: \\(.*\\)\\r\$/\\1/Ip" "$T/web.hdr" | head -n 1
}

# wf PATH [CURL-ARGS...]: web_get without a subshell: the body in $BODY, status in $WEB_STATUS.
wf() {
	web_get "$@" >/dev/null
	BODY=$(cat "$T/web.body")
}

# wr IP ZONE REASON TOKEN [CURL-ARGS...]: web_remove the same way.
wr() {
	web_remove "$@" >/dev/null
	BODY=$(cat "$T/web.body")
}
