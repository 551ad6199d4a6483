# smmhp top-level build. `make check` runs every test; `make matrix` (later)
# runs the main job. Firmware under test comes from EDK2=/path or from the
# Debian edk2 source package of EDK2_RELEASE (default: the running release).

BUILD        ?= build
DEBIAN_SUITE ?= $(shell . /etc/os-release 2>/dev/null; echo $$VERSION_CODENAME)
EDK2_RELEASE ?= $(DEBIAN_SUITE)
ifeq ($(origin EDK2), undefined)
EDK2         := $(BUILD)/edk2-$(EDK2_RELEASE)/edk2
EDK2_FETCH   := 1
endif

# qemu-system-i386 has no long mode: it runs the IA32 firmware build.
ifeq ($(MACHINE),i386)
ARCH         ?= IA32
endif

CC           ?= gcc
PKGS         := unicorn capstone libdw
HOST_CFLAGS  := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -Iinclude -Iharness
HOST_LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
comma := ,
SAN          ?=
ifneq ($(SAN),)
HOST_CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer
HOST_LDFLAGS += -fsanitize=$(SAN)
BUILD        := $(BUILD)/san-$(subst $(comma),-,$(SAN))
endif

.PHONY: all deps check unit scenarios bench clean edk2 firmware run matrix matrix-all sanitize
# keep intermediate objects (and keep make quiet after the test summary)
.SECONDARY:
all: $(BUILD)/smmhp firmware

# --- edk2 tree -------------------------------------------------------------
edk2: $(EDK2)/OvmfPkg/CpuHotplugSmm/CpuHotplug.c
ifdef EDK2_FETCH
$(EDK2)/OvmfPkg/CpuHotplugSmm/CpuHotplug.c: | $(BUILD)/.deps
	ci/fetch-edk2.sh $(BUILD)/edk2-$(EDK2_RELEASE) $(EDK2_RELEASE)
else
$(EDK2)/OvmfPkg/CpuHotplugSmm/CpuHotplug.c:
	@echo "EDK2=$(EDK2): not an edk2 tree (no OvmfPkg/CpuHotplugSmm/CpuHotplug.c)" >&2; exit 2
endif

# --- harness (host side) ---------------------------------------------------
HARNESS_SRCS := $(filter-out harness/main.c,$(wildcard harness/*.c))
HARNESS_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(HARNESS_SRCS))
$(BUILD)/host/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP -c $< -o $@
$(BUILD)/libharness.a: $(HARNESS_OBJS)
	ar rcs $@ $^
$(BUILD)/smmhp: $(BUILD)/host/harness/main.o $(BUILD)/libharness.a
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

# --- unit tests (cmocka), one binary per tests/unit/test_*.c --------------
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
# shared test helpers (fixtures), linked into every unit test binary
UNIT_SUPPORT_SRCS := $(wildcard tests/unit/support/*.c)
UNIT_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(UNIT_SUPPORT_SRCS))
$(BUILD)/libtestsupport.a: $(UNIT_SUPPORT_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/unit/%: $(BUILD)/host/tests/unit/%.o $(BUILD)/libtestsupport.a $(BUILD)/libharness.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS) -lcmocka
unit: $(UNIT_BINS)
	@python3 tests/run_unit.py $(UNIT_BINS)

# --- guest side: firmware image and OS actor ------------------------------
-include firmware/firmware.mk
-include firmware/os/os.mk

# The IA32 build of the default tree's firmware and its 32-bit OS actor
# ($(BUILD)/fw-ia32, $(BUILD)/os-ia32; docs/ia32.md), whatever ARCH says.
.PHONY: firmware-ia32
firmware-ia32: edk2
	+@$(MAKE) --no-print-directory ARCH=IA32 firmware-elf os
IA32_FW_DIR := $(BUILD)/fw-ia32
IA32_OS_ELF := $(BUILD)/os-ia32/smmhp-os.elf

# --- the tests and the main job -------------------------------------------
SCENARIOS ?= scenarios

# The tests: cmocka unit tests of every model, then the scenarios through
# the real firmware, then the matrix: X64 firmware on qemu-system-x86_64,
# IA32 firmware on qemu-system-x86_64 and -i386; the last line is
# "N passed, N failed".
check: $(BUILD)/smmhp $(UNIT_BINS) firmware firmware-ia32 release-firmware fuzz-smoke
	@rel="$(TREE_RELEASE)"; \
	python3 tests/check.py $(UNIT_BINS) -- --smmhp $(BUILD)/smmhp --logs $(BUILD)/scenario-logs --park-check \
	  $(RELEASE_FW_ARGS) $(SCENARIOS) \
	  $$( [ -n "$$rel" ] && echo -- $(BUILD)/smmhp matrix --release "$$rel" --fw $(FW_ELF) \
	      --fw-nosmm $(FW_DIR)/smmhp-fw-nosmm.elf --os $(OS_ELF) --junit $(BUILD)/matrix-$$rel.xml \
	      --logs $(BUILD)/matrix-logs/$$rel \
	      -- $(BUILD)/smmhp matrix --release "$$rel" --fw $(IA32_FW_DIR)/smmhp-fw.elf \
	      --fw-nosmm $(IA32_FW_DIR)/smmhp-fw-nosmm.elf --os $(IA32_OS_ELF) --junit $(BUILD)/matrix-$$rel-ia32.xml \
	      --logs $(BUILD)/matrix-logs/$$rel-ia32 \
	      -- $(BUILD)/smmhp matrix --release "$$rel" --machine i386 --fw $(IA32_FW_DIR)/smmhp-fw.elf \
	      --fw-nosmm $(IA32_FW_DIR)/smmhp-fw-nosmm.elf --os $(IA32_OS_ELF) --junit $(BUILD)/matrix-$$rel-i386-ia32.xml \
	      --logs $(BUILD)/matrix-logs/$$rel-i386-ia32 )

scenarios: $(BUILD)/smmhp firmware firmware-ia32 release-firmware
	@python3 tests/run_scenarios.py --smmhp $(BUILD)/smmhp --logs $(BUILD)/scenario-logs $(RELEASE_FW_ARGS) $(SCENARIOS)

# Firmware of the further edk2 releases that scenarios with a `# release:`
# header need (build/fw-VERSION, and the IA32 build build/fw-VERSION-ia32
# for `# release: VERSION-ia32`), fetched like the default tree. A suite
# the mirror does not serve is reported; its scenarios then fail saying
# which firmware is missing. RELEASE_FW_ARGS tells the scenario runner
# where each release's firmware is: these, then the default tree's
# (TREE_RELEASE: MATRIX_RELEASE, or what the fetched tree says it is).
RELEASE_SUITES ?= trixie
TREE_RELEASE = $(or $(MATRIX_RELEASE),$(shell cat $(EDK2)/.smmhp-release 2>/dev/null))
RELEASE_FW_ARGS = $(foreach s,$(RELEASE_SUITES),$(shell r=$$(cat $(BUILD)/edk2-$(s)/edk2/.smmhp-release 2>/dev/null) && \
                    echo --release-fw $$r=$(BUILD)/fw-$$r/smmhp-fw.elf --release-fw $$r-ia32=$(BUILD)/fw-$$r-ia32/smmhp-fw.elf)) \
                  $(if $(TREE_RELEASE),--release-fw $(TREE_RELEASE)=$(FW_ELF))
.PHONY: release-firmware
release-firmware: | $(BUILD)/.deps
	@for suite in $(RELEASE_SUITES); do \
	  ci/fetch-edk2.sh $(BUILD)/edk2-$$suite $$suite >$(BUILD)/fetch-$$suite.log 2>&1; rc=$$?; \
	  if [ $$rc -ne 0 ]; then echo "release-firmware: edk2 of $$suite unavailable (see $(BUILD)/fetch-$$suite.log)" >&2; continue; fi; \
	  rel=$$(cat $(BUILD)/edk2-$$suite/edk2/.smmhp-release); \
	  $(MAKE) --no-print-directory firmware-elf EDK2=$(BUILD)/edk2-$$suite/edk2 FW_DIR=$(BUILD)/fw-$$rel || exit 1; \
	  $(MAKE) --no-print-directory firmware-elf ARCH=IA32 EDK2=$(BUILD)/edk2-$$suite/edk2 FW_DIR=$(BUILD)/fw-$$rel-ia32 || exit 1; \
	done

# The main job (until the 16-case matrix exists): the first scenario.
run: $(BUILD)/smmhp firmware
	$(BUILD)/smmhp run scenarios/hotplug/basic.scn

# The 16-case matrix on the firmware of $(EDK2) (docs/matrix.md); the
# release's expectations come from scenarios/matrix/expect-<version>.cfg,
# the version from the fetched tree (set MATRIX_RELEASE for your own tree).
# ARCH=IA32 runs it on the IA32 firmware build; MACHINE=i386 runs every
# case on the qemu-system-i386 platform (with IA32 firmware: no long mode).
MATRIX_LABEL = $(if $(MACHINE),-$(MACHINE))$(FW_ARCH_SUFFIX)
matrix: $(BUILD)/smmhp firmware
	@rel="$(TREE_RELEASE)"; \
	if [ -z "$$rel" ]; then echo "matrix: unknown edk2 release of $(EDK2); set MATRIX_RELEASE=<version> (scenarios/matrix/expect-<version>.cfg)" >&2; exit 2; fi; \
	$(BUILD)/smmhp matrix --release "$$rel" --fw $(FW_ELF) --fw-nosmm $(FW_DIR)/smmhp-fw-nosmm.elf \
	  --os $(OS_ELF) $(if $(MACHINE),--machine $(MACHINE)) --junit $(BUILD)/matrix-$$rel$(MATRIX_LABEL).xml \
	  --logs $(BUILD)/matrix-logs/$$rel$(MATRIX_LABEL)

# Firmware line coverage of every scenario and of the matrix, merged and
# rendered into $(BUILD)/coverage/index.html (docs/coverage.md).
.PHONY: coverage
coverage: $(BUILD)/smmhp firmware firmware-ia32 release-firmware
	@ci/deps.sh lcov
	@SCENARIO_ARGS="$(RELEASE_FW_ARGS)" \
	IA32_IMAGES="$(IA32_FW_DIR)/smmhp-fw.elf $(IA32_FW_DIR)/smmhp-fw-nosmm.elf $(IA32_OS_ELF)" \
	ci/coverage.sh $(BUILD)/coverage $(BUILD)/smmhp "$(TREE_RELEASE)" $(FW_ELF) $(FW_DIR)/smmhp-fw-nosmm.elf $(OS_ELF) $(SCENARIOS)

# Every release Debian serves; unavailable ones are listed as such.
matrix-all: $(BUILD)/smmhp
	@BUILD=$(BUILD) ci/matrix-all.sh

deps: $(BUILD)/.deps
$(BUILD)/.deps:
	@ci/deps.sh
	@mkdir -p $(BUILD) && touch $@

-include $(shell find $(BUILD)/host -name '*.d' 2>/dev/null)

# --- fuzzing: make fuzz, make fuzz-smoke (docs/fuzzing.md) -----------------
include fuzz/fuzz.mk

clean:
	rm -rf $(BUILD)/host $(BUILD)/unit $(BUILD)/fw $(BUILD)/os $(BUILD)/fw-ia32 $(BUILD)/os-ia32 $(BUILD)/smmhp $(BUILD)/libharness.a $(BUILD)/libtestsupport.a

# Speed figures (never timed tests): scenario (a)'s CPU time against the
# 50 ms target, and guest instructions per second.
bench: $(BUILD)/smmhp firmware firmware-ia32 release-firmware
	@$(BUILD)/smmhp bench scenarios/hotplug/basic.scn --runs 20 | tee $(BUILD)/bench.txt
	@awk '/cpu-time-ms/ { printf "  target        scenario (a) under 50 ms of CPU time: %.2f ms, ratio %.2f of target\n", $$3, $$3 / 50 }' $(BUILD)/bench.txt
	@t=$$($(BUILD)/smmhp bench scenarios/hotplug/ia32-basic.scn --runs 20 --arch IA32 | awk '/cpu-time-ms/ { print $$3 }'); \
	t0=$$(awk '/cpu-time-ms/ { print $$3 }' $(BUILD)/bench.txt); \
	awk -v t=$$t -v t0=$$t0 'BEGIN { printf "  IA32          scenario (a) on IA32 firmware: %.2f ms, ratio %.2f of the 50 ms target, %.2f to X64\n", t, t / 50, t / t0 }'
	@t0=$$(awk '/cpu-time-ms/ { print $$3 }' $(BUILD)/bench.txt); \
	for g in none cpuhp,apm,smm,ipi insn; do \
	  t=$$t0; [ $$g = none ] || t=$$($(BUILD)/smmhp bench scenarios/hotplug/basic.scn --runs 10 --trace $$g | \
	    awk '/cpu-time-ms/ { print $$3 }'); \
	  awk -v g=$$g -v t=$$t -v t0=$$t0 'BEGIN { printf "  trace %-17s %.2f ms, ratio %.2f to the bare run\n", g, t, t / t0 }'; \
	done; \
	t=$$($(BUILD)/smmhp bench scenarios/hotplug/basic.scn --runs 10 --coverage /dev/null | awk '/cpu-time-ms/ { print $$3 }'); \
	awk -v t=$$t -v t0=$$t0 'BEGIN { printf "  coverage                %.2f ms, ratio %.2f to the bare run\n", t, t / t0 }'
	@$(BUILD)/smmhp bench scenarios/hotplug/three-boot-cpus.scn --runs 10
	@t=$$($(BUILD)/smmhp bench scenarios/mutation/no-init-sipi-sipi.scn --runs 5 | awk '/cpu-time-ms/ { print $$3 }'); \
	t0=$$($(BUILD)/smmhp bench scenarios/mutation/no-init-sipi-sipi.scn --runs 5 --no-park | awk '/cpu-time-ms/ { print $$3 }'); \
	awk -v t=$$t -v t0=$$t0 'BEGIN { printf "  parking       a spinning hang (mutation/no-init-sipi-sipi): %.1f ms, --no-park %.1f ms, ratio %.2f\n", t, t0, t / t0 }'
	@BUILD=$(BUILD) ci/bench-scale.sh

# The unit tests, scenarios and matrix again with ASan and UBSan (the
# harness only; guest images are the same). Not part of `check`: slower.
SAN_DIR := build/san-address-undefined
sanitize: firmware firmware-ia32 release-firmware
	@$(MAKE) --no-print-directory SAN=address,undefined $(SAN_DIR)/smmhp \
	  $(patsubst tests/unit/%.c,$(SAN_DIR)/unit/%,$(UNIT_SRCS))
	@mkdir -p $(SAN_DIR)/fw $(SAN_DIR)/os && cp $(FW_DIR)/*.elf $(FW_DIR)/edk2-tree $(SAN_DIR)/fw/ && cp $(OS_ELF) $(SAN_DIR)/os/
	@mkdir -p $(SAN_DIR)/fw-ia32 $(SAN_DIR)/os-ia32 && cp $(IA32_FW_DIR)/*.elf $(IA32_FW_DIR)/edk2-tree $(SAN_DIR)/fw-ia32/ && cp $(IA32_OS_ELF) $(SAN_DIR)/os-ia32/
	@UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 python3 tests/check.py \
	  $(patsubst tests/unit/%.c,$(SAN_DIR)/unit/%,$(UNIT_SRCS)) -- --smmhp $(SAN_DIR)/smmhp \
	  --logs $(SAN_DIR)/scenario-logs $(RELEASE_FW_ARGS) $(SCENARIOS)
