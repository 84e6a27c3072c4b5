#!/bin/bash
# Knot DNS as a secondary of rbldbd: first AXFR, then NOTIFY + IXFR for each change, TSIG throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"
need_tool dig dnsutils
need_tool knotd knot
SEC_NAME=knot

start_secondary() {
	SEC_LOG=$SEC_DIR/knot.log
	cat >"$SEC_DIR/knot.conf" <<EOT
server:
    rundir: "$SEC_DIR"
    listen: 127.0.0.1@$SEC_PORT
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
database:
    storage: "$SEC_DIR"
log:
  - target: stderr
    any: info
key:
  - id: $KEY_NAME
    algorithm: hmac-sha256
    secret: $KEY_SECRET
remote:
  - id: primary
    address: 127.0.0.1@$PORT
    key: $KEY_NAME
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: $KEY_NAME
    action: notify
zone:
  - domain: $ZONE
    storage: "$SEC_DIR"
    file: "$ZONE.zone"
    master: primary
    acl: notify_from_primary
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
EOT
	knotd -c "$SEC_DIR/knot.conf" >>"$SEC_LOG" 2>&1 &
	SEC_PID=$!
}

mirror_main
