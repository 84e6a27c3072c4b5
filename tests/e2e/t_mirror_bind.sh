#!/bin/bash
# BIND (named) as a secondary of rbldbd: first AXFR, then NOTIFY + IXFR for each change, TSIG throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"
need_tool dig dnsutils
need_tool named bind9
SEC_NAME=bind

start_secondary() {
	SEC_LOG=$SEC_DIR/named.log
	cat >"$SEC_DIR/named.conf" <<EOT
options {
	directory "$SEC_DIR";
	pid-file "$SEC_DIR/named.pid";
	session-keyfile "$SEC_DIR/session.key";
	managed-keys-directory "$SEC_DIR";
	listen-on port $SEC_PORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
key "$KEY_NAME" {
	algorithm hmac-sha256;
	secret "$KEY_SECRET";
};
zone "$ZONE" {
	type secondary;
	file "$ZONE.db";
	primaries port $PORT { 127.0.0.1 key $KEY_NAME; };
	allow-notify { key $KEY_NAME; };
};
EOT
	# -g: foreground, log to stderr; named runs as the user starting it.
	named -g -n 1 -c "$SEC_DIR/named.conf" >>"$SEC_LOG" 2>&1 &
	SEC_PID=$!
}

mirror_main
