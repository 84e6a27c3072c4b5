#!/bin/bash
# NSD as a secondary of rbldbd: first AXFR, then NOTIFY + IXFR for each change, TSIG throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"
need_tool dig dnsutils
need_tool nsd nsd
SEC_NAME=nsd

start_secondary() {
	SEC_LOG=$SEC_DIR/nsd.log
	cat >"$SEC_DIR/nsd.conf" <<EOT
server:
  port: $SEC_PORT
  ip-address: 127.0.0.1
  do-ip6: no
  zonesdir: "$SEC_DIR"
  database: ""
  pidfile: "$SEC_DIR/nsd.pid"
  xfrdfile: "$SEC_DIR/xfrd.state"
  xfrdir: "$SEC_DIR"
  zonelistfile: "$SEC_DIR/zone.list"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 2
  logfile: "$SEC_LOG"
remote-control:
  control-enable: no
key:
  name: $KEY_NAME
  algorithm: hmac-sha256
  secret: "$KEY_SECRET"
zone:
  name: $ZONE
  request-xfr: 127.0.0.1@$PORT $KEY_NAME
  allow-notify: 127.0.0.1 $KEY_NAME
EOT
	nsd -d -c "$SEC_DIR/nsd.conf" >>"$SEC_LOG" 2>&1 &
	SEC_PID=$!
}

mirror_main
