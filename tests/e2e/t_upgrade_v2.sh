#!/bin/bash
# Schema upgrade 2 -> 3 (issue 18): a store of schema version 2, made by
# rbldb 2026-12-07 (1c58496) and kept in data/store-v2 (six commits: three
# reports, a range with its own code and an exception, an IPv6 listing, a
# delisting; all expire in 2036), is upgraded in place by its first opener:
# it lists exactly as before, its commit log is kept, its commits have no
# undo record (revert says so), the zone's count of listings is taken for
# the max-change guard, and commits after the upgrade can be reverted.
. "$(dirname "$0")/lib.sh"

need_tool mdb_dump lmdb-utils
need_binaries "$RBLDBD" "$RBLDB"
make_tmp
FIXTURE=$E2E_DIR/data/store-v2
mkdir -m 700 "$T/db"
cp "$FIXTURE/data.mdb" "$T/db/data.mdb"
chmod 600 "$T/db/data.mdb"

schema() { mdb_dump -s meta "$T/db" | sed -n '/^ 736368656d61$/{n;s/^ //p}'; }
expect_eq "the fixture is version 2" 00000002 "$(schema)"

rb_ok "list --json on the old store" list --json
expect_eq "every listing as it was" "$(cat "$FIXTURE/list.json")" "$RB_OUT"
# The version this tree writes, as the meta record holds it (8 hex digits).
CURRENT=$(printf '%08x' "$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$TOP/common/store.h")")
expect_eq "upgraded to this version ($CURRENT) by its first opener" "$CURRENT" "$(schema)"
rb_ok "log on the upgraded store" log
expect_eq "the commit log is kept: six commits" 6 "$(printf '%s\n' "$RB_OUT" | grep -c '^commit')"
rb revert 4
expect_eq "a commit from before the upgrade cannot be reverted: exit 1" 1 "$RB_RC"
expect_match "and revert says why" \
    "^rbldb: revert: commit 4 \(.*\) has no undo record: undo records are kept 30 days, and not for commits made before rbldb kept them$" \
    "$RB_ERR"

# The upgrade counted the zone's 3 listings: at 50% the limit is 1 (it
# would be 0, refusing any removal, had they not been counted).
# (max-range 0: the /0 below is within it, so max-change is what refuses it.)
sed -i "s/^max-range = 16$/max-range = 0\nmax-change = 0 50%/" "$CONF"
rb delist 0.0.0.0/0 --reason "wipe"
expect_eq "removing the 2 IPv4 listings: refused" \
    "rbldb: delist: would remove 2 listings from $ZONE, over max-change 1; nothing committed (add --force to do it)" \
    "$RB_ERR"
rb delist 198.51.0.0/16 --reason "closed"
expect_eq "removing 1 of the 3 listings passes" 0 "$RB_RC"
C=$("$RBLDB" -c "$CONF" log | sed -n 's/^commit \([0-9]*\) .*/\1/p' | tail -n 1)
expect_eq "it is commit 7" 7 "$C"
rb_ok "a commit made after the upgrade can be reverted" revert 7
rb_ok "list --json" list --json
expect_eq "and every listing is as it was" "$(cat "$FIXTURE/list.json")" "$RB_OUT"
finish
