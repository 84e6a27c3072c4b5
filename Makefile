# rbldb: DNSBL server (rbldbd) and operator CLI (rbldb).  `make run`, `make test`.
CC ?= cc
CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
BUILD ?= build
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
UNITS = rbldbd.service rbldb-backup.service rbldb-backup.timer

# Each program links only what it uses: the loader has no event loop, HTTP or TSIG.
COMMON_PKGS = lmdb ldns inih
SERVER_PKGS = $(COMMON_PKGS) libuv libcrypto libmicrohttpd
LOADER_PKGS = $(COMMON_PKGS) jansson libidn2
WEB_PKGS = $(COMMON_PKGS) libmicrohttpd jansson libcrypto
PKGS = $(sort $(SERVER_PKGS) $(LOADER_PKGS) $(WEB_PKGS) $(VERIFY_PKGS))
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wformat=2 -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
pkglibs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null) -lpthread
LIBS = $(call pkglibs,$(PKGS))
SERVER_LIBS = $(call pkglibs,$(SERVER_PKGS))
LOADER_LIBS = $(call pkglibs,$(LOADER_PKGS))
WEB_LIBS = $(call pkglibs,$(WEB_PKGS))
# The relay tester: outbound SMTP on libuv, apart from the DNS server.
VERIFY_PKGS = $(COMMON_PKGS) libuv jansson
VERIFY_LIBS = $(call pkglibs,$(VERIFY_PKGS))

# The boundaries are include paths: the shared module sees only itself, each
# program itself and the shared module, so an include across them fails to
# compile.  Tests, fuzzers and benchmarks see everything they test.
INCLUDES = -Icommon -Iserver -Iloader -Iweb -Iverify
$(BUILD)/common/%.o: INCLUDES = -Icommon
$(BUILD)/server/%.o: INCLUDES = -Icommon -Iserver
$(BUILD)/loader/%.o: INCLUDES = -Icommon -Iloader
$(BUILD)/web/%.o: INCLUDES = -Icommon -Iweb
$(BUILD)/verify/%.o: INCLUDES = -Icommon -Iverify

COMMON_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
SERVER_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(filter-out server/main.c,$(wildcard server/*.c)))
LOADER_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(filter-out loader/main.c,$(wildcard loader/*.c)))
WEB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(filter-out web/main.c,$(wildcard web/*.c)))
VERIFY_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(filter-out verify/main.c,$(wildcard verify/*.c)))
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
LIB_OBJ = $(SERVER_OBJ) $(LOADER_OBJ) $(WEB_OBJ) $(VERIFY_OBJ) $(COMMON_OBJ)

.PHONY: all run test unit e2e deps deps-test asan mutants bench bench-names bench-scale install \
	uninstall clean
.PHONY: bench-workers bench-lowload
all: $(BUILD)/rbldbd $(BUILD)/rbldb $(BUILD)/rbldb-web $(BUILD)/rbldb-verify

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(INCLUDES) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/rbldbd: $(BUILD)/server/main.o $(SERVER_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS)
$(BUILD)/rbldb: $(BUILD)/loader/main.o $(LOADER_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LOADER_LIBS)
$(BUILD)/rbldb-web: $(BUILD)/web/main.o $(WEB_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(WEB_LIBS)
$(BUILD)/rbldb-verify: $(BUILD)/verify/main.o $(VERIFY_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(VERIFY_LIBS)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/testdir.o $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(shell $(PKG_CONFIG) --libs cmocka)
# The front door's tests' shared fixture (tests/unit/fixture.h), linked into every unit test.
$(UNIT_BIN): $(BUILD)/tests/unit/fixture.o

deps:
	@sh tests/deps.sh build
deps-test:
	@sh tests/deps.sh test

# The store is made once by rbldb init (a second init changes nothing); rbldbd
# never creates one.
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/rbldb -c zones/example.conf -D var/db init
	$(BUILD)/rbldbd -c zones/example.conf -D var/db

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)
e2e: all
	@BUILD=$(abspath $(BUILD)) sh tests/run-e2e.sh
test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(FUZZ_REPLAY)
	@sh tests/run-all.sh $(abspath $(BUILD)) $(UNIT_BIN)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" test

# Plant each bug of tests/mutants/list.txt in a scratch copy; fail if a test misses one.
# MUTANTS=area,name runs a subset.
mutants:
	@python3 tests/mutants/run.py

bench: all $(BUILD)/bench/qcount $(BUILD)/bench/nullresp
	@BUILD=$(BUILD) sh tests/bench/run.sh
	@BUILD=$(abspath $(BUILD)) bash tests/bench/names.sh
# Instructions per query of a names zone alone (issue 21).
bench-names: all $(BUILD)/bench/qcount
	@BUILD=$(abspath $(BUILD)) bash tests/bench/names.sh
# The scale run of issue 23 (SIZE=1M, 10M, 100M; never in `make test`).
bench-scale: all
	@BUILD=$(BUILD) SIZE=$(or $(SIZE),1M) sh tests/bench/scale.sh
# Scaling with cores of issue 23: 1 against 2 workers, each held to half a core.
bench-workers: all
	@BUILD=$(BUILD) sh tests/bench/workers.sh

bench-lowload: all
	@BUILD=$(BUILD) sh tests/bench/lowload.sh
$(BUILD)/bench/qcount: $(BUILD)/tests/bench/qcount.o $(SERVER_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/bench/nullresp: $(BUILD)/tests/bench/nullresp.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/rbldb \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(BUILD)/rbldbd $(BUILD)/rbldb $(BUILD)/rbldb-web $(BUILD)/rbldb-verify \
	    $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 zones/relays.example.org.zone $(DESTDIR)$(PREFIX)/share/rbldb/
	@# Copied to /etc/rbldb, the example's ../var/db would be /etc/var/db: the
	@# installed copy names the service's store (rbldbd.service, StateDirectory).
	sed 's|^db = \.\./var/db$$|db = /var/lib/rbldb|' zones/example.conf \
	    >$(DESTDIR)$(PREFIX)/share/rbldb/example.conf
	chmod 644 $(DESTDIR)$(PREFIX)/share/rbldb/example.conf
	grep -q '^db = /var/lib/rbldb$$' $(DESTDIR)$(PREFIX)/share/rbldb/example.conf
	install -m 644 man/rbldb.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/rbldbd.8 man/rbldb.8 man/rbldb-web.8 man/rbldb-verify.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	for u in $(UNITS); do \
	    sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' dist/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 644 dist/systemd/rbldb.sysusers $(DESTDIR)$(SYSUSERSDIR)/rbldb.conf
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/rbldbd $(DESTDIR)$(PREFIX)/sbin/rbldb \
	    $(DESTDIR)$(PREFIX)/sbin/rbldb-web $(DESTDIR)$(PREFIX)/sbin/rbldb-verify
	rm -rf $(DESTDIR)$(PREFIX)/share/rbldb
	rm -f $(DESTDIR)$(MANDIR)/man5/rbldb.conf.5
	rm -f $(DESTDIR)$(MANDIR)/man8/rbldbd.8 $(DESTDIR)$(MANDIR)/man8/rbldb.8 \
	    $(DESTDIR)$(MANDIR)/man8/rbldb-web.8 $(DESTDIR)$(MANDIR)/man8/rbldb-verify.8
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/rbldb.conf
clean:
	rm -rf build build-asan build-fuzz

include fuzz.mk
.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
