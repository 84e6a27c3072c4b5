#!/bin/sh
# Install the Debian packages rbldb needs: `build` for make run, `test` for make test.
set -u
build_pkgs="build-essential pkg-config libuv1-dev liblmdb-dev libldns-dev libinih-dev libjansson-dev libjsmn-dev libssl-dev libmicrohttpd-dev libidn2-dev"
test_pkgs="$build_pkgs libcmocka-dev lmdb-utils dnsutils knot-dnsutils ldnsutils python3 valgrind rbldnsd nsd knot knot-dnssecutils bind9 clang libclang-rt-14-dev postfix swaks unbound mandoc systemd iproute2 curl chromium python3-websocket"
case "${1:-build}" in
build) want=$build_pkgs ;;
test) want=$test_pkgs ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
if [ "$SUDO" = none ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "rbldb: missing packages; please install them:" >&2
	echo "    apt-get install$missing" >&2
	exit 1
fi
echo "rbldb: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages such as postfix, unbound and nsd start their daemons on install;
# the tests run private instances, so keep the machine's services as they were.
prc=/usr/sbin/policy-rc.d
own_prc=
if [ ! -e $prc ] && [ -z "$SUDO" ]; then
	printf '#!/bin/sh\nexit 101\n' >$prc && chmod 755 $prc && own_prc=1
fi
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
[ -n "$own_prc" ] && rm -f $prc
if [ $rc -ne 0 ]; then
	echo "rbldb: apt-get failed; please install:$missing" >&2
	exit 1
fi
