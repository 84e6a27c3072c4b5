#!/bin/bash
# Amplification with the defaults (issue 16 item 6): no reply carrying an
# error is larger than its query, whatever asked for it (TSIG errors,
# transfer refusals, NOTIMP, BADVERS, FORMERR), ANY is answered with one
# RRset, and the worst factor per query type is printed for the README.
# The listing's reason is 255 octets, the longest one TXT string holds.
. "$(dirname "$0")/lib.sh"

need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
REASON=$(printf 'x%.0s' $(seq 1 255))
rb_ok "list 192.0.2.5 with a 255-octet reason" report 192.0.2.5 --reason "$REASON"
start_server || finish

out=$(python3 "$E2E_DIR/amplification.py" "$PORT" "$ZONE" 5.2.0.192 6.2.0.192); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	ok "no error reply is larger than its query"
else
	not_ok "no error reply is larger than its query" "$(printf '%s\n' "$out" | grep '^#')"
fi
# factor KIND EDNS: the factor printed for that row.
factor() { printf '%s\n' "$out" | grep -F "$1 edns=$2 " | sed -n 's/.* factor=\([0-9.]*\).*/\1/p'; }
for kind in "AXFR over UDP" "opcode 15" "TSIG unknown key" "TSIG MAC too short" \
    "EDNS version 1" "two questions" "outside every zone" "class CH"; do
	for e in 0 1; do
		f=$(factor "$kind" $e)
		check "$kind (edns=$e) is answered, factor ${f:-none} <= 1" \
		    python3 -c "import sys; sys.exit(0 if '$f' and float('$f') <= 1.0 else 1)"
	done
done
# RFC 8482: ANY on a listed name is the A alone, as large as the A answer.
check "ANY listed is no larger than A listed" \
    test "$(factor "ANY listed" 1)" = "$(factor "A listed" 1)"
expect_match "the worst factor is printed" '^worst ' "$out"
stop_server
finish
