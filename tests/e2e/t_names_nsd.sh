#!/bin/bash
# A `kind = names` zone as records (zonemap_names.c): NSD serving rbldb's
# master file export (what AXFR sends too) answers a sample of names as
# rbldbd does: listed names, names under wildcards, exceptions under them,
# wildcards below names that stop them (RFC 4592), empty non-terminals.
# Exceptions are the documented difference: rbldbd NXDOMAIN, NSD NODATA.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror_lib.sh"

need_tool dig dnsutils
need_tool nsd nsd
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

DBL=dbl.example.org
names_zone $DBL "code = 127.0.1.2" "text = listed" "ttl = 300"
init_store
for n in spam.example '*.bad.example' a.b.bad.example '*.deep.bad.example' plain.example \
    '*.wild.test2' x.y.wild.test2; do
	rb report --zone $DBL "$n" --reason "r $n" || not_ok "report $n" "$RB_ERR"
done
rb delist --zone $DBL good.bad.example --reason fp
rb delist --zone $DBL '*.ok.deep.bad.example' --reason fp
mkdir -p "$T/nsd"
rb_ok "export the names zone as a master file" export --format zone --zone $DBL -o "$T/nsd/zone.db"
start_server || finish

serve_file_nsd $DBL "$T/nsd" zone.db ||
	{ not_ok "NSD serves the export" "$(cat "$SEC_LOG" 2>/dev/null)"; finish; }
ok "NSD serves the export"

# answer PORT NAME: status, A and TXT on one line.
answer() {
	printf '%s %s %s\n' \
	    "$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 +norec "$2.$DBL" A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" \
	    "$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 +short "$2.$DBL" A | sort | tr '\n' ' ')" \
	    "$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 +short "$2.$DBL" TXT | sort | tr '\n' ' ')"
}
for n in spam.example www.spam.example bad.example x.bad.example b.bad.example c.b.bad.example \
    a.b.bad.example x.a.b.bad.example deep.bad.example x.deep.bad.example \
    ok.deep.bad.example x.good.bad.example plain.example \
    y.wild.test2 wild.test2 q.y.wild.test2 x.y.wild.test2 test example other.test3; do
	a=$(answer "$PORT" "$n")
	b=$(answer "$SEC_PORT" "$n")
	# The TXT of a wildcard answer differs where the text shows the name: compare A and status.
	expect_eq "$n: NSD on the export answers as rbldbd (status, A)" "$(echo "$a" | cut -d' ' -f1-2)" \
	    "$(echo "$b" | cut -d' ' -f1-2)"
done
for n in good.bad.example x.ok.deep.bad.example; do
	expect_eq "$n, excepted: rbldbd NXDOMAIN, NSD NODATA (the name must hold a record)" \
	    "NXDOMAIN/NOERROR" "$(answer "$PORT" $n | cut -d' ' -f1)/$(answer "$SEC_PORT" $n | cut -d' ' -f1)"
done

stop_secondary
stop_server
finish
