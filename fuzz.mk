# Fuzz targets (tests/fuzz/fuzz_<target>.c), included by the Makefile after LIB_OBJ.
#   make fuzz-replay        every target over its seeds and past crashes, plain main (make test)
#   make fuzz [SECONDS=60]  libFuzzer with ASan+UBSan (clang, libclang-rt-14-dev), each target
#                           SECONDS long; new inputs in build-fuzz/corpus/<target>, crashes in
#                           build-fuzz/crash/<target>-*: minimise, then copy into
#                           tests/fuzz/fuzz_<target>.crashes/ so replay keeps them fixed.
FUZZ_TARGETS = query door dns addr rname jsonl rbldnsd tcpframe
FUZZ_REPLAY = $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_TARGETS))
FUZZ_SHARED = $(BUILD)/tests/fuzz/fuzz_store.o
SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-replay fuzz-bins

$(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o \
    $(FUZZ_SHARED) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

fuzz-replay: $(FUZZ_REPLAY)
	@sh tests/fuzz/run-replay.sh $(FUZZ_REPLAY)

# Inside `make fuzz`, with BUILD=build-fuzz and CFLAGS carrying the coverage instrumentation.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_SHARED) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LIBS)
fuzz-bins: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

fuzz:
	@$(MAKE) -f $(firstword $(MAKEFILE_LIST)) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) \
	    CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" \
	    LDFLAGS="-fsanitize=address,undefined" fuzz-bins
	@sh tests/fuzz/run-fuzz.sh build-fuzz $(SECONDS) $(FUZZ_TARGETS)
