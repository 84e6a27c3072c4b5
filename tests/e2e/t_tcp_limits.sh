#!/bin/bash
# TCP limits (RFC 7766 s6.2) from the configuration: connections in all and
# per client, idle timeout, queries per connection; when full, the oldest
# idle connection (over all workers) is closed for a new one.
. "$(dirname "$0")/lib.sh"

need_tool dig dnsutils
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
TL="python3 $E2E_DIR/tcplimits.py"
sed -i 's/^threads = 2$/threads = 2\ntcp-max-conns = 4\ntcp-max-conns-per-client = 2\ntcp-idle-timeout = 2s\ntcp-max-queries = 3/' "$CONF"
start_server || finish
NAME=2.0.0.127.$ZONE

# Each scenario starts once the connections of the one before are gone.
settle() { sleep 0.3; }

expect_eq "tcp-max-queries = 3: three of five pipelined queries answered, then closed" \
    "answers=3 closed=yes" "$($TL maxq "$PORT" 5 "$NAME")"
settle
expect_eq "tcp-idle-timeout = 2s: open after an answer, closed once idle" \
    "first=answered open_after_answer=yes closed=yes" "$($TL idle "$PORT" "$NAME")"
settle
expect_eq "tcp-max-conns-per-client = 2: a third from 127.0.0.1 is refused, its two stay, 127.0.0.2 is served" \
    "mine=open new=refused other=answered" "$($TL perclient "$PORT" 2 "$NAME")"
settle
expect_eq "tcp-max-conns = 4: a fifth client is served, the oldest idle of all workers closed" \
    "new=answered touched=open oldest_idle=closed rest=open" "$($TL total "$PORT" 4 "$NAME")"
settle
check "UDP is answered throughout" dns_is 127.0.0.2 "$NAME" A
check "and a new TCP client" dns_is 127.0.0.2 "$NAME" A +tcp
stop_server
finish
