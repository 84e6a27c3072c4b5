#!/bin/bash
# The build enforces the house's boundaries (issue 17): the shared module
# compiles seeing only itself, each program itself and the shared module,
# so an include across a boundary fails to compile; and the loader links no
# library it does not use (no event loop, HTTP or TSIG crypto) and no code of
# the server's (its configuration keys included).
. "$(dirname "$0")/lib.sh"

need_tool readelf binutils
need_tool nm binutils
need_binaries "$RBLDBD" "$RBLDB" "$BUILD/rbldb-verify"

# includes DIR FILE: the project include paths make passes when compiling FILE.
includes() {
	make -s -C "$TOP" -n BUILD="$BUILD" -W "$1/$2" "$BUILD/$1/${2%.c}.o" 2>/dev/null |
	    grep -oE ' -I(common|server|loader|web|verify)\b' | tr -d ' ' | sort -u | tr '\n' ' '
}
expect_eq "common/ sees only itself" "-Icommon " "$(includes common store.c)"
expect_eq "server/ sees itself and common/" "-Icommon -Iserver " "$(includes server door.c)"
expect_eq "loader/ sees itself and common/" "-Icommon -Iloader " "$(includes loader cmd_show.c)"
expect_eq "web/ sees itself and common/" "-Icommon -Iweb " "$(includes web lookup.c)"
expect_eq "verify/ (the relay tester) sees itself and common/" "-Icommon -Iverify " \
    "$(includes verify smtp.c)"

needed=$(readelf -d "$RBLDB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
for lib in libuv libmicrohttpd libcrypto; do
	check_not "rbldb does not link $lib ($needed)" grep -q "$lib" <<<"$needed"
done
expect_match "rbldb links the store's library" 'liblmdb' "$needed"
expect_match "rbldbd links libuv" 'libuv' "$(readelf -d "$RBLDBD")"
RBLDB_WEB=$BUILD/rbldb-web
need_binaries "$RBLDB_WEB"
web_needed=$(readelf -d "$RBLDB_WEB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
check_not "rbldb-web does not link libuv ($web_needed)" grep -q libuv <<<"$web_needed"
expect_match "rbldb-web links libmicrohttpd" 'libmicrohttpd' "$web_needed"

# No function or table of server/ (each program has its own main) is in rbldb.
defined() { nm -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u; }
server_syms=$(defined $(ls "$BUILD"/server/*.o | grep -v '/main\.o$'))
expect_match "server/ objects define the server's configuration keys" \
    '^conf_server_load$' "$server_syms"
expect_eq "rbldb carries no code of server/" "" \
    "$(comm -12 <(echo "$server_syms") <(defined "$RBLDB") | tr '\n' ' ')"
expect_eq "rbldb-web carries no code of server/" "" \
    "$(comm -12 <(echo "$server_syms") <(defined "$RBLDB_WEB") | tr '\n' ' ')"
# The relay tester speaks SMTP on libuv and carries nothing of the DNS server.
vneeded=$(readelf -d "$BUILD/rbldb-verify" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
expect_match "rbldb-verify links libuv" 'libuv' "$vneeded"
check_not "rbldb-verify does not link libmicrohttpd ($vneeded)" grep -q libmicrohttpd <<<"$vneeded"
expect_eq "rbldb-verify carries no code of server/" "" \
    "$(comm -12 <(echo "$server_syms") <(defined "$BUILD/rbldb-verify") | tr '\n' ' ')"
finish
