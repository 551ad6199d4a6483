# Fuzzing (docs/fuzzing.md). Included by the top-level Makefile.
#   make fuzz         a libFuzzer campaign with progress: FUZZ_TIME=seconds
#                     (0: until interrupted), FUZZ_JOBS=N parallel processes
#                     (libFuzzer -fork), FUZZ_ARGS=extra libFuzzer flags,
#                     FUZZ_MUTATION="call CALLEE in FUNCTION" to plant a bug
#   make fuzz-smoke   the planted bug B4 (pre-fix) must be found from a clean
#                     seed corpus within FUZZ_SMOKE_RUNS executions
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_CLANG    ?= clang
FUZZ_TIME     ?= 0
FUZZ_JOBS     ?= 1
FUZZ_ARGS     ?=
FUZZ_MUTATION ?=
FUZZ_SMOKE_RUNS ?= 3000
FUZZ_SMOKE_SEED ?= 1
FUZZ_SRCS     := fuzz/fuzz_target.c fuzz/fuzz_decode.c
FUZZ_HDRS     := $(wildcard fuzz/*.h)
FUZZ_PKGCFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# the harness again, with libFuzzer's edge coverage (no -Werror: clang's
# warnings differ from gcc's, and gcc is the compiler of record)
FUZZ_HOST_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(HARNESS_SRCS))
FUZZ_CLANG_FLAGS := -std=c11 -O2 -g -D_GNU_SOURCE -Iinclude -Iharness -Ifuzz -fsanitize=fuzzer-no-link

.PHONY: fuzz fuzz-smoke fuzz-deps
fuzz-deps:
	@command -v $(FUZZ_CLANG) >/dev/null || ci/deps.sh clang libclang-rt-14-dev

$(FUZZ_DIR)/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	@$(FUZZ_CLANG) $(FUZZ_CLANG_FLAGS) $(FUZZ_PKGCFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/smmhp-fuzz: $(FUZZ_SRCS) $(FUZZ_HDRS) $(FUZZ_HOST_OBJS)
	$(FUZZ_CLANG) $(FUZZ_CLANG_FLAGS) -Wall -Wextra -Werror -DSMMHP_LIBFUZZER -fsanitize=fuzzer $(FUZZ_PKGCFLAGS) \
	  -o $@ $(FUZZ_SRCS) $(FUZZ_HOST_OBJS) $(HOST_LIBS)

# AFL++-compatible and libFuzzer-free driver (file, stdin, or --search)
$(FUZZ_DIR)/smmhp-fuzz-standalone: fuzz/fuzz_main.c $(FUZZ_SRCS) $(FUZZ_HDRS) $(BUILD)/libharness.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Ifuzz $(FUZZ_PKGCFLAGS) -o $@ fuzz/fuzz_main.c $(FUZZ_SRCS) $(BUILD)/libharness.a $(HOST_LIBS)

fuzz: $(FUZZ_DIR)/smmhp-fuzz firmware
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	SMMHP_FUZZ_MUTATION="$(FUZZ_MUTATION)" SMMHP_FUZZ_REPRO=$(FUZZ_DIR)/artifacts/repro.scn \
	  $(FUZZ_DIR)/smmhp-fuzz -max_len=49 -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(if $(filter-out 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS)) $(FUZZ_ARGS) \
	  $(FUZZ_DIR)/corpus fuzz/corpus

fuzz-smoke: $(BUILD)/smmhp firmware
	@if command -v $(FUZZ_CLANG) >/dev/null && $(MAKE) -s $(FUZZ_DIR)/smmhp-fuzz >/dev/null; then \
	  fuzz/smoke.sh $(FUZZ_DIR)/smmhp-fuzz $(BUILD)/smmhp $(FUZZ_DIR)/smoke $(FUZZ_SMOKE_RUNS) $(FUZZ_SMOKE_SEED); \
	else $(MAKE) -s $(FUZZ_DIR)/smmhp-fuzz-standalone && \
	  fuzz/smoke.sh $(FUZZ_DIR)/smmhp-fuzz-standalone $(BUILD)/smmhp $(FUZZ_DIR)/smoke $(FUZZ_SMOKE_RUNS) $(FUZZ_SMOKE_SEED); fi

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
