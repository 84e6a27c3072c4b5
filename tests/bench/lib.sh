# Shell pieces the benchmark drivers share (run.sh, scale.sh, workers.sh).
# Sourced, not run: the caller sets BENCH (tests/bench) and PY (dnsbench.py)
# and defines say and die first.  POSIX sh.

RBLDNSD=$(command -v rbldnsd || echo /usr/sbin/rbldnsd)

# bench_need TOOL...: die naming the Debian packages of the tools missing.
bench_need() {
	missing=
	for t in "$@"; do
		case $t in
		rbldnsd) [ -x "$RBLDNSD" ] && continue ;;
		*) command -v "$t" >/dev/null 2>&1 && continue ;;
		esac
		case $t in
		dig) missing="$missing bind9-dnsutils" ;;
		taskset) missing="$missing util-linux" ;;
		*) missing="$missing $t" ;;
		esac
	done
	[ -z "$missing" ] || die "missing tools: apt-get install -y$missing"
}

# bench_data DIR ENTRIES QUERIES: gen.py's listings and query files in DIR,
# generated once per sizes and generator (the stamp says which), then its
# meta.txt read (ZONE, PROBE, ...).
bench_data() {
	stamp="$2 $3 $(md5sum < "$BENCH/gen.py" | cut -c1-32)"
	if [ "$(cat "$1/stamp" 2>/dev/null)" != "$stamp" ]; then
		say "generating $2 listings and 3 x $3 queries in $1"
		rm -rf "$1"
		python3 "$BENCH/gen.py" --entries "$2" --queries "$3" "$1"
		echo "$stamp" > "$1/stamp"
	fi
	. "$1/meta.txt"
}

# bench_ports N: N different free ports (UDP and TCP) in PORTS.
bench_ports() {
	PORTS=
	while [ "$(echo $PORTS | wc -w)" -lt "$1" ]; do
		p=$($PY port)
		case " $PORTS " in *" $p "*) ;; *) PORTS="$PORTS $p" ;; esac
	done
}

# bench_stop PID: TERM, wait for it (it is the caller's child), KILL after 5 s.
bench_stop() {
	kill "$1" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && break
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# bench_launch DIR NAME PORT CMD...: start a server (its output in
# DIR/NAME.log) and time its exec to its first answer to $PROBE on PORT;
# sets SPID and FIRST (seconds) and adds SPID to PIDS for the caller's cleanup.
bench_launch() {
	d=$1 name=$2 port=$3
	shift 3
	rm -f "$d/ready" "$d/spid" "$d/t0"
	$PY first "$port" "$PROBE" "$d/ready" "$d/spid" > "$d/t1" & poller=$!
	while [ ! -e "$d/ready" ]; do sleep 0.01; done
	(date +%s.%N > "$d/t0"; exec "$@") > "$d/$name.log" 2>&1 & SPID=$!
	PIDS="$PIDS $SPID"
	echo "$SPID" > "$d/spid"
	wait "$poller" || die "$name did not start: $(tail -3 "$d/$name.log")"
	FIRST=$(cat "$d/t0" "$d/t1" | tr '\n' ' ' | awk '{printf "%.4f", $2 - $1}')
}

# bench_rbldnsd DIR PORT CPUS TYPE FILE: Debian's rbldnsd serving $ZONE from
# FILE (dataset TYPE, e.g. ip4trie) on 127.0.0.1:PORT, pinned to CPUS, as
# nobody (DIR and FILE must be readable to it), no NS in answers (-a) like
# rbldbd; sets SPID and FIRST as bench_launch does.
bench_rbldnsd() {
	bench_launch "$1" rbldnsd "$2" taskset -c "$3" "$RBLDNSD" -n -a -u nobody -c 0 \
	    -b "127.0.0.1/$2" "$ZONE:$4:$5"
}

# bench_conf PORT THREADS [LINE...]: the benchmarks' rbldbd configuration on
# stdout: 127.0.0.1:PORT, the store in ./db, $ZONE as gen.py's data wants it
# (its apex file $ZONE.zone beside the configuration).  Each LINE goes into
# [server]; the zone's section comes last, so lines appended go into it.
bench_conf() {
	printf '[server]\nlisten = 127.0.0.1:%s\ndb = db\nthreads = %s\n' "$1" "$2"
	shift 2
	for l in "$@"; do printf '%s\n' "$l"; done
	cat <<EOF

[zone $ZONE]
apex = $ZONE.zone
family = ipv4
code = 127.0.0.2
text = Listed as an open relay, see https://$ZONE/lookup?ip=\$
ttl = 2100
lifetime = 30d
max-range = 16
EOF
}
