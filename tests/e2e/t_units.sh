#!/bin/bash
# The systemd units of dist/systemd: what the service contract needs is in
# them (Type=notify, reload by SIGHUP, user rbldb, port 53 without root, a
# read-only system but for the store), `systemd-analyze verify` finds no
# fault when systemd is installed, and the backup unit's commands, run as
# written, leave the newest RBLDB_BACKUP_KEEP dated copies, each one a store
# rbldbd serves.
. "$(dirname "$0")/lib.sh"

need_tool python3 python3
need_tool dig dnsutils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

UNITS=$TOP/dist/systemd
SBIN=/usr/local/sbin

# ---- the keys each unit must carry (a small parser; no systemd needed) ----

keys_rc=0
python3 - "$UNITS" >"$T/keys.out" <<'EOF' || keys_rc=$?
import os, sys

units = sys.argv[1]

def parse(path):
    """{(section, key): [values]}, with systemd's line continuations joined."""
    out, sec, buf = {}, None, ''
    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if not buf and (not line.strip() or line.lstrip()[0] in '#;'):
                continue
            if line.endswith('\\'):
                buf += line[:-1] + ' '
                continue
            line, buf = buf + line, ''
            if line.startswith('['):
                sec = line.strip('[] ')
            elif '=' in line:
                k, v = line.split('=', 1)
                out.setdefault((sec, k.strip()), []).append(v.strip())
    return out

# unit: [(section, key, expected value or None for "present", what)]
need = {
    'rbldbd.service': [
        ('Unit', 'Description', None, 'a description'),
        ('Unit', 'Documentation', 'man:rbldbd(8) man:rbldb.conf(5) man:rbldb(8)', 'its manuals'),
        ('Service', 'Type', 'notify', 'Type=notify'),
        ('Service', 'NotifyAccess', 'main', 'NotifyAccess=main'),
        ('Service', 'ExecStart', '/usr/local/sbin/rbldbd -c /etc/rbldb/rbldb.conf', 'ExecStart'),
        ('Service', 'ExecReload', '/bin/kill -HUP $MAINPID', 'reload by SIGHUP'),
        ('Service', 'User', 'rbldb', 'User=rbldb'),
        ('Service', 'StateDirectory', 'rbldb', 'StateDirectory=rbldb (/var/lib/rbldb)'),
        ('Service', 'LogsDirectory', 'rbldb', 'LogsDirectory=rbldb (query-log in /var/log/rbldb)'),
        ('Service', 'AmbientCapabilities', 'CAP_NET_BIND_SERVICE', 'port 53 without root'),
        ('Service', 'CapabilityBoundingSet', 'CAP_NET_BIND_SERVICE', 'no other capability'),
        ('Service', 'ProtectSystem', 'strict', 'ProtectSystem=strict'),
        ('Service', 'NoNewPrivileges', 'yes', 'NoNewPrivileges=yes'),
        ('Install', 'WantedBy', 'multi-user.target', 'WantedBy=multi-user.target'),
    ],
    'rbldb-backup.service': [
        ('Unit', 'Description', None, 'a description'),
        ('Service', 'Type', 'oneshot', 'Type=oneshot'),
        ('Service', 'User', 'rbldb', 'User=rbldb'),
        ('Service', 'StateDirectory', 'rbldb', 'the store writable (LMDB lock file)'),
        ('Service', 'ReadWritePaths', '/var/backups/rbldb', 'the backups writable'),
        ('Service', 'ProtectSystem', 'strict', 'ProtectSystem=strict'),
        ('Service', 'ExecStart', None, 'ExecStart'),
    ],
    'rbldb-backup.timer': [
        ('Timer', 'OnCalendar', 'daily', 'OnCalendar=daily'),
        ('Timer', 'Persistent', 'true', 'Persistent=true'),
        ('Install', 'WantedBy', 'timers.target', 'WantedBy=timers.target'),
    ],
}
for unit, checks in need.items():
    path = os.path.join(units, unit)
    if not os.path.exists(path):
        print(f'not ok|dist/systemd/{unit} exists')
        continue
    keys = parse(path)
    for sec, key, want, what in checks:
        got = keys.get((sec, key))
        if got is None:
            print(f'not ok|{unit}: {what}|no {key}= in [{sec}]')
        elif want is not None and want not in got:
            print(f'not ok|{unit}: {what}|[{sec}] {key}={" / ".join(got)}|expected {want}')
        else:
            print(f'ok|{unit}: {what}')
EOF
[ $keys_rc -eq 0 ] || not_ok "the unit parser runs" "$(cat "$T/keys.out")"
while IFS='|' read -r status what rest; do
	if [ "$status" = ok ]; then
		ok "$what"
	else
		IFS='|' read -r -a details <<<"$rest"
		not_ok "$what" "${details[@]}"
	fi
done <"$T/keys.out"

# ---- systemd-analyze ----

# The units name the installed binaries; make install rewrites $SBIN to
# $(PREFIX)/sbin the same way, so verify sees executables that exist.
mkdir -p "$T/units"
for u in rbldbd.service rbldb-backup.service rbldb-backup.timer; do
	sed "s|$SBIN/|$(dirname "$RBLDBD")/|g" "$UNITS/$u" >"$T/units/$u"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(cd "$T/units" && systemd-analyze verify --man=no ./rbldbd.service \
	    ./rbldb-backup.service ./rbldb-backup.timer 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify: no fault and no warning"
	else
		not_ok "systemd-analyze verify: no fault and no warning" "exit $rc" "$out"
	fi
	# The exposure score (0 safe .. 10 unsafe; --threshold counts tenths):
	# a guard against hardening lost by accident, not a goal.
	for u in rbldbd.service rbldb-backup.service; do
		out=$(cd "$T/units" && systemd-analyze security --offline=yes \
		    --threshold=30 "./$u" 2>&1); rc=$?
		if [ $rc -eq 0 ]; then
			ok "systemd-analyze security: $u exposure at most 3 ($(printf '%s\n' "$out" |
			    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'))"
		else
			not_ok "systemd-analyze security: $u exposure at most 3" "$(printf '%s\n' "$out" |
			    grep -E '✗|Overall')"
		fi
	done
	# The user of both services, created by systemd-sysusers: a dry run
	# against an empty root writes nothing.
	mkdir -p "$T/root/etc"
	out=$(systemd-sysusers --root="$T/root" --dry-run "$UNITS/rbldb.sysusers" 2>&1)
	expect_match "systemd-sysusers would create user rbldb" "Creating user 'rbldb'" "$out"
else
	echo "# systemd-analyze not found (apt-get install systemd): keys checked only"
fi

# ---- the backup unit's commands, run as the service manager would ----

# ExecStart and ExecStartPost with systemd's unescaping ($$ -> $, %% -> %),
# the paths moved under $T: a run makes one dated copy, then prunes.
python3 - "$UNITS/rbldb-backup.service" "$(dirname "$RBLDB")" "$T/backups" \
    >"$T/backup-cmds" <<'EOF'
import shlex, sys

path, sbin, backups = sys.argv[1:4]
cmds, buf = [], ''
with open(path, encoding='utf-8') as f:
    for raw in f:
        line = raw.rstrip('\n')
        if line.endswith('\\'):
            buf += line[:-1] + ' '
            continue
        line, buf = buf + line, ''
        for key in ('ExecStart=', 'ExecStartPost='):
            if line.startswith(key):
                argv = shlex.split(line[len(key):])
                argv = [a.replace('$$', '$').replace('%%', '%')
                        .replace('/usr/local/sbin', sbin)
                        .replace('/var/backups/rbldb', backups) for a in argv]
                cmds.append(shlex.join(argv))
print('\n'.join(cmds))
EOF
expect_eq "rbldb-backup.service has ExecStart and ExecStartPost" 2 "$(wc -l <"$T/backup-cmds")"

rb_ok "a listing to back up" report 192.0.2.1 --reason "in every copy"
mkdir -p "$T/backups"
backup_run() {
	local cmd
	while IFS= read -r cmd; do
		env RBLDB_CONF="$CONF" RBLDB_BACKUP_KEEP=2 sh -c "$cmd" || return 1
	done <"$T/backup-cmds"
}
runs_ok=yes
for i in 1 2 3; do
	[ "$i" -gt 1 ] && sleep 1.1   # names are to the second
	backup_run >>"$T/backup.log" 2>&1 || runs_ok=no
done
if [ "$runs_ok" = yes ]; then
	ok "three backup runs succeed"
else
	not_ok "three backup runs succeed" "$(cat "$T/backup.log")"
fi
copies=$(ls -1 "$T/backups")
expect_eq "RBLDB_BACKUP_KEEP=2 keeps the two newest copies" 2 "$(printf '%s\n' "$copies" | grep -c .)"
expect_match "copies are named by UTC time" '^[0-9]{8}T[0-9]{6}Z$' "$copies"
newest=$(printf '%s\n' "$copies" | sort | tail -n 1)
start_server -D "$T/backups/$newest" || finish
if poll_until 10 dns_is 127.0.0.2 "1.2.0.192.$ZONE" A; then
	ok "rbldbd serves the newest copy"
else
	not_ok "rbldbd serves the newest copy" "$(dq "1.2.0.192.$ZONE" A)"
fi

# ExecReload sends SIGHUP: the server must take it without stopping.
kill -HUP "$SERVER_PID"
sleep 0.5
if kill -0 "$SERVER_PID" 2>/dev/null && dns_is 127.0.0.2 "1.2.0.192.$ZONE" A; then
	ok "rbldbd survives SIGHUP (ExecReload) and answers"
else
	not_ok "rbldbd survives SIGHUP (ExecReload) and answers" \
	    "systemctl reload rbldbd would stop the server" "$(tail -n 5 "$SERVER_LOG")"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
fi
stop_server
finish
