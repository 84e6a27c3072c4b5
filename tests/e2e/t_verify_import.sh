#!/bin/bash
# rbldb import into a zone with verify = required: such a zone publishes
# only what a relay test confirmed, so an import (which publishes at once)
# is refused and names --verified; with --verified (a list verified
# elsewhere, migrated on purpose) it imports, plain and --replace alike, and
# each entry's history says so.  --verified on a verify = off zone is refused.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/verify_lib.sh"

need_binaries "$RBLDB"

ZOFF=plain.test
verify_conf
write_apex "$T/$ZOFF.zone" "$ZOFF"
cat >>"$CONF" <<EOF2

[zone $ZOFF]
apex = $ZOFF.zone
code = 127.0.0.2
EOF2
verify_store

cat >"$T/relays.txt" <<EOF2
192.0.2.70
192.0.2.71 :127.0.0.3:verified open relay
EOF2

# ---- refused without --verified ----
rb import --format rbldnsd --zone "$ZONE" "$T/relays.txt"
if [ "$RB_RC" -ne 0 ]; then
	ok "an import into a verify = required zone is refused"
else
	not_ok "an import into a verify = required zone is refused" "$RB_OUT"
fi
expect_match "... saying why and naming --verified" \
    "verify = required.*without a relay test.*nothing imported.*--verified" "$RB_ERR"
rb list --zone "$ZONE"
expect_eq "... and nothing is listed" "" "$RB_OUT"

# ---- --verified imports and says so in the history ----
rb_ok "import --verified migrates a verified list" import --format rbldnsd --zone "$ZONE" \
    --verified "$T/relays.txt"
rb list --zone "$ZONE"
expect_match "both entries are listed" '192\.0\.2\.70.*192\.0\.2\.71' "$(printf '%s' "$RB_OUT" | tr '\n' ' ')"
rb show 192.0.2.71
expect_match "the history records --verified" \
    'import 192\.0\.2\.71/32.*imported with --verified: confirmed as an open relay elsewhere' "$RB_OUT"

# ---- --replace --verified: the added entry's history says so too ----
echo 192.0.2.72 >>"$T/relays.txt"
rb import --format rbldnsd --zone "$ZONE" --replace "$T/relays.txt"
expect_match "--replace without --verified is refused as well" "give --verified" "$RB_ERR"
rb_ok "import --replace --verified" import --format rbldnsd --zone "$ZONE" --replace \
    --verified "$T/relays.txt"
rb show 192.0.2.72
expect_match "the replaced-in entry's history records --verified" \
    'import 192\.0\.2\.72/32.*imported with --verified' "$RB_OUT"

# ---- --verified on a zone that tests nothing ----
rb import --format rbldnsd --zone "$ZOFF" --verified "$T/relays.txt"
if [ "$RB_RC" -ne 0 ]; then
	ok "--verified on a verify = off zone is refused"
else
	not_ok "--verified on a verify = off zone is refused" "$RB_OUT"
fi
expect_match "... and says so" "verify = off" "$RB_ERR"
rb_ok "a plain import there works as before" import --format rbldnsd --zone "$ZOFF" "$T/relays.txt"

finish
