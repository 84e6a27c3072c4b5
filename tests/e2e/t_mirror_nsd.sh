#!/bin/bash
# NSD as a secondary of rbldbd: first AXFR, then NOTIFY + IXFR for each change, TSIG throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"
need_tool dig dnsutils
need_tool nsd nsd
SEC_NAME=nsd

start_secondary() { start_nsd; }

mirror_main
