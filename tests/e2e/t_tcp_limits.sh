#!/bin/bash
# TCP limits (RFC 7766 s6.2) from the configuration: connections in all and
# per client, idle timeout, queries per connection; when full, the oldest
# idle connection (over all workers) is closed for a new one.  Then, with
# the defaults (SPEC: TCP): a message must arrive whole within a deadline
# from its first octet, the limit is hard when nothing is idle, and one
# client has a limit of its own.
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

# ---- the defaults: no tcp key but a total of 20, above the per-client default ----
sed -i '/^tcp-/d; s/^threads = 2$/threads = 2\ntcp-max-conns = 20/' "$CONF"
start_server || finish
expect_eq "default tcp-max-conns-per-client (16): a 17th from 127.0.0.1 is refused, its 16 stay, 127.0.0.2 is served" \
    "mine=open new=refused other=answered" "$($TL perclient "$PORT" 16 "$NAME")"
settle
expect_eq "tcp-max-conns = 20 is hard: all 20 in the middle of a message, a 21st is refused, they stay and are answered" \
    "new=refused busy=open completed=answered" "$($TL busy "$PORT" 20 "$NAME")"
settle
expect_eq "a query sent in two parts a second apart is answered" \
    "split=answered" "$($TL split "$PORT" 1 "$NAME")"
# The default tcp-message-timeout is 10s, and tcp-idle-timeout (10s) never
# runs out between octets 2s apart: only the message deadline closes it.
expect_eq "default tcp-message-timeout: a 65535-octet prefix, then an octet every 2s, is closed" \
    "closed=yes" "$($TL drip "$PORT" 2 40 "$NAME")"
check "and a new TCP client" dns_is 127.0.0.2 "$NAME" A +tcp
stop_server
finish
