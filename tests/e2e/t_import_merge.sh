#!/bin/bash
# rbldb import of a file of several chunks (issue 23 item 1): each chunk of
# items is sorted and written to a temporary run, and the runs are merged
# into the one commit, so memory follows the chunk and not the file.  With
# RBLDB_IMPORT_CHUNK=7 the same file must give what one chunk gives: the
# same entries and stories (exceptions and ranges whose lines fall in other
# chunks), the same errors and notes (file:line, in the same order), the
# same counts, for a plain import, --dry-run, --replace and a names zone.
# A bulk import imported again with --replace changes nothing: its compact
# entries are left as they are, and the store does not grow.
. "$(dirname "$0")/lib.sh"
need_tool python3 python3
need_tool mdb_stat lmdb-utils
need_binaries "$RBLDB"
make_tmp
DBL=dbl.example.org
names_zone $DBL "code = 127.0.1.2"
init_store
init_store -D "$T/db2"

# An address file whose lines interleave over the chunks: ranges early,
# exceptions and addresses inside them late, repeats, and bad lines.
python3 - "$T" <<'EOF2'
import random, sys
t = sys.argv[1]
rng = random.Random(23)
texts = ['open relay %d, see $' % i for i in range(5)]
def lines(variant):
    out = [':127.0.0.2:Listed here, see $\n']
    body = []
    for i in range(90):
        a = '172.%d.%d.%d' % (16 + i % 7, (i * 37) % 251, 1 + (i * 11) % 250)
        if variant == 2 and i % 10 == 3:
            continue			# withdrawn in the second file
        text = texts[i % 5] if variant == 1 or i % 9 else 'changed text'
        body.append('%s :127.0.0.%d:%s\n' % (a, 3 + i % 3, text) if i % 4 else '%s\n' % a)
    body.append('172.30.1.0/24 :127.0.0.4:a range\n')
    body.append('2001:db8:1::/48 :127.0.0.5:a v6 range\n')
    body.append('2001:db8:2::7\n')
    if variant == 2:
        body += ['172.31.9.%d :127.0.0.6:new in the second\n' % i for i in range(1, 12)]
    rng.shuffle(body)
    # Lines whose place matters: a range's exceptions and insides later, repeats.
    body = ['172.30.2.0/24 :127.0.0.3:the range\n', '172.29.0.9 :127.0.0.3:first\n'] + body
    body += ['!172.30.2.5\n', '172.30.2.9 :127.0.0.7:inside the range\n',
             '172.29.0.9 :127.0.0.4:second\n', '!172.30.1.77\n', '!2001:db8:1::5\n',
             '172.28.0.1 :127.0.0.3:listed then excepted\n']
    if variant == 1:
        body.insert(20, 'not-an-address\n')
        body.insert(50, '127.0.0.1\n')
        body.insert(70, '172.27.0.300\n')
    body += ['!172.28.0.1\n']
    return out + body
open(t + '/list.rbldnsd', 'w').writelines(lines(1))
open(t + '/list2.rbldnsd', 'w').writelines(lines(2))
open(t + '/names', 'w').writelines([':127.0.1.2:listed\n'] +
    ['n%d.example :127.0.1.%d\n' % (i, 2 + i % 3) for i in range(30)] +
    ['*.w.example\n', 'n3.example\n', '!ok.w.example\n', '!n7.example\n'] +
    ['m%d.w.example\n' % i for i in range(10)] + ['!x.w.example\n'])
EOF2
# The changed file has the same name: the same source, whose entries it replaces.
mkdir "$T/two" && mv "$T/list2.rbldnsd" "$T/two/list.rbldnsd"
touch -d '2026-01-02 03:04:05' "$T/list.rbldnsd" "$T/two/list.rbldnsd" "$T/names"

# strip: the output of a load without its serial and commit times, which
# are when each load committed and may differ by a second between the two.
strip() { sed 's/; serial [0-9]*//; s/"\(recorded\|committed\|serial\|commit\|time\)":[^,}]*//g'; }
data() { "$RBLDB" -c "$CONF" "$@" | grep -v '^[#$]'; }
# (A names zone's export is in the order of its keys, a hash keyed per store: sorted.)

# ---- a plain import, --dry-run first ----
RBLDB_IMPORT_CHUNK=7 rb import --format rbldnsd --zone "$ZONE" --keep-going --dry-run "$T/list.rbldnsd"
expect_eq "--dry-run in chunks of 7: exit 0" 0 "$RB_RC"
O1=$RB_OUT E1=$RB_ERR
rb -D "$T/db2" import --format rbldnsd --zone "$ZONE" --keep-going --dry-run "$T/list.rbldnsd"
expect_eq "--dry-run in one chunk: the same result" "$RB_OUT" "$O1"
expect_eq "--dry-run in one chunk: the same messages" "$RB_ERR" "$E1"
expect_match "--dry-run counts" "^would import .*: [0-9]+ listings, 4 exceptions" "$O1"
expect_eq "--dry-run writes nothing" 0 "$(data export --format rbldnsd --zone "$ZONE" | grep -c '^172')"

RBLDB_IMPORT_CHUNK=7 rb import --format rbldnsd --zone "$ZONE" --keep-going "$T/list.rbldnsd"
expect_eq "import in chunks of 7: exit 0 (--keep-going)" 0 "$RB_RC"
O1=$RB_OUT E1=$RB_ERR
rb -D "$T/db2" import --format rbldnsd --zone "$ZONE" --keep-going "$T/list.rbldnsd"
expect_eq "import in one chunk: exit 0" 0 "$RB_RC"
expect_eq "the same counts" "$(strip <<<"$RB_OUT")" "$(strip <<<"$O1")"
expect_eq "the same errors and notes, in the same order" "$RB_ERR" "$E1"
lines=$(grep -o '^[^ ]*list.rbldnsd:[0-9]*: warning' <<<"$E1" | sed 's/.*rbldnsd:\([0-9]*\):.*/\1/')
expect_eq "three bad lines, each named by file:line" 3 "$(wc -l <<<"$lines")"
expect_eq "in line order" "$(sort -n <<<"$lines")" "$lines"
expect_match "a repeat across chunks is noted" "172.29.0.9 repeats line 3: the first is kept" "$E1"
expect_match "an exception of a listing in another chunk is noted" \
    "172.28.0.1 is listed at line [0-9]+ and excepted here: the exception wins" "$E1"
expect_eq "the exported data is the same" "$(data -D "$T/db2" export --format rbldnsd --zone "$ZONE")" \
    "$(data export --format rbldnsd --zone "$ZONE")"
expect_eq "list --json is the same" "$("$RBLDB" -c "$CONF" -D "$T/db2" list --json | strip)" \
    "$("$RBLDB" -c "$CONF" list --json | strip)"
for a in 172.30.2.0/24 172.30.2.5 172.30.2.9 172.29.0.9 172.28.0.1 172.30.1.77 2001:db8:1::5 \
    2001:db8:2::7 172.16.0.1; do
	x=$("$RBLDB" -c "$CONF" show --json "$a" | strip)
	y=$("$RBLDB" -c "$CONF" -D "$T/db2" show --json "$a" | strip)
	expect_eq "show --json $a: the same" "$y" "$x"
done
rb show 172.30.2.5
expect_match "an exception inside a range of another chunk is one" "excepted" "$RB_OUT"
rb show 172.29.0.9
expect_match "the first of a repeat is kept" "first" "$RB_OUT"

# ---- --replace: a changed file (entries gone, texts changed, new ones) ----
RBLDB_IMPORT_CHUNK=7 rb import --format rbldnsd --zone "$ZONE" --replace "$T/two/list.rbldnsd"
expect_eq "--replace in chunks of 7: exit 0" 0 "$RB_RC"
O1=$RB_OUT E1=$RB_ERR
rb -D "$T/db2" import --format rbldnsd --zone "$ZONE" --replace "$T/two/list.rbldnsd"
expect_eq "--replace in one chunk: the same counts" "$(strip <<<"$RB_OUT")" "$(strip <<<"$O1")"
expect_eq "--replace in one chunk: the same messages" "$RB_ERR" "$E1"
expect_match "--replace withdraws, changes and adds" \
    "replaced .*: [1-9][0-9]* added, [1-9][0-9]* changed, [1-9][0-9]* withdrawn, [1-9][0-9]* unchanged" "$O1"
expect_eq "--replace: the exported data is the same" \
    "$(data -D "$T/db2" export --format rbldnsd --zone "$ZONE")" \
    "$(data export --format rbldnsd --zone "$ZONE")"
expect_no_match "an entry not in the new file is gone" "^172\.19\.111\.34 " \
    "$(data export --format rbldnsd --zone "$ZONE")"
expect_match "a new one is there" "^172\.31\.9\.11 " "$(data export --format rbldnsd --zone "$ZONE")"
rb log; log_before=$RB_OUT
RBLDB_IMPORT_CHUNK=7 rb import --format rbldnsd --zone "$ZONE" --replace "$T/two/list.rbldnsd"
expect_match "the same file again in chunks: nothing added, changed or withdrawn" \
    "0 added, 0 changed, 0 withdrawn, [1-9][0-9]* unchanged" "$RB_OUT"
rb log
expect_eq "and nothing committed" "$log_before" "$RB_OUT"

# ---- a names zone ----
RBLDB_IMPORT_CHUNK=7 rb import --format rbldnsd --zone $DBL "$T/names"
O1=$RB_OUT E1=$RB_ERR
rb -D "$T/db2" import --format rbldnsd --zone $DBL "$T/names"
expect_eq "names in chunks of 7 and in one: the same counts" "$(strip <<<"$RB_OUT")" \
    "$(strip <<<"$O1")"
expect_eq "names: the same notes" "$RB_ERR" "$E1"
expect_eq "names: the exported data is the same" \
    "$(data -D "$T/db2" export --format rbldnsd --zone $DBL | sort)" \
    "$(data export --format rbldnsd --zone $DBL | sort)"
for n in n7.example ok.w.example x.w.example m4.w.example n3.example; do
	x=$("$RBLDB" -c "$CONF" show --json "$n" | strip)
	y=$("$RBLDB" -c "$CONF" -D "$T/db2" show --json "$n" | strip)
	expect_eq "names: show --json $n the same" "$y" "$x"
done
rb show x.w.example
expect_match "a wildcard's exception in a later chunk is one" "excepted" "$RB_OUT"
sed -i '/^n1[0-9]\.example/d' "$T/names"
touch -d '2026-01-02 03:04:05' "$T/names"
RBLDB_IMPORT_CHUNK=7 rb import --format rbldnsd --zone $DBL --replace "$T/names"
O1=$RB_OUT
rb -D "$T/db2" import --format rbldnsd --zone $DBL --replace "$T/names"
expect_eq "names --replace in chunks and in one: the same counts" "$(strip <<<"$RB_OUT")" \
    "$(strip <<<"$O1")"
expect_match "names --replace withdraws the names gone" "0 added, 0 changed, 10 withdrawn" "$O1"
expect_eq "names --replace: the exported data is the same" \
    "$(data -D "$T/db2" export --format rbldnsd --zone $DBL | sort)" \
    "$(data export --format rbldnsd --zone $DBL | sort)"

# ---- temporary files: none left behind, and a clear error without a place for them ----
mkdir "$T/tmp"
init_store -D "$T/db3"
TMPDIR=$T/tmp RBLDB_IMPORT_CHUNK=7 rb -D "$T/db3" import --format rbldnsd --zone "$ZONE" --keep-going \
    "$T/list.rbldnsd"
expect_eq "with TMPDIR: exit 0" 0 "$RB_RC"
expect_eq "no temporary file left" "" "$(ls -A "$T/tmp")"
init_store -D "$T/db4"
TMPDIR=$T/nonexistent RBLDB_IMPORT_CHUNK=7 rb -D "$T/db4" import --format rbldnsd --zone "$ZONE" \
    --keep-going "$T/list.rbldnsd"
expect_match "a TMPDIR that cannot be written: a clear error, nothing imported" \
    "temporary file in .*nonexistent.*nothing imported" "$RB_ERR"
expect_eq "the store left empty" 0 \
    "$(data -D "$T/db4" export --format rbldnsd --zone "$ZONE" | grep -c '^172')"

# ---- a bulk import imported again with --replace: compact entries left alone ----
python3 -c '
import sys
for i in range(12000):
    print("172.%d.%d.%d :127.0.0.3:bulk %d" % (16 + i // 62500, i // 250 % 250, 1 + i % 250, i % 4))
' >"$T/bulk.rbldnsd"
init_store -D "$T/db5"
rb_ok "a bulk import (compact entries)" -D "$T/db5" import --format rbldnsd --zone "$ZONE" --force \
    "$T/bulk.rbldnsd"
nrec() { mdb_stat -s "$2" "$1" | awk '/Entries:/ {print $2}'; }
pages() { mdb_stat -e "$1" | awk '/Number of pages used:/ {print $5}'; }
details=$(nrec "$T/db5" details) used=$(pages "$T/db5")
expect_eq "its entries are compact (no details records)" 0 "$details"
RBLDB_IMPORT_CHUNK=1000 rb -D "$T/db5" import --format rbldnsd --zone "$ZONE" --replace "$T/bulk.rbldnsd"
expect_match "--replace of the same bulk file: all unchanged" \
    "0 added, 0 changed, 0 withdrawn, 12000 unchanged" "$RB_OUT"
expect_eq "no compact entry expanded (details records as before)" "$details" \
    "$(nrec "$T/db5" details)"
expect_eq "the store did not grow (pages used)" "$used" "$(pages "$T/db5")"
finish
