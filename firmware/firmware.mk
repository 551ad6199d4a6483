# Firmware image: upstream edk2 code compiled from the tree at $(EDK2)
# (CpuHotplugSmm, SmiFeatures.c, MdePkg/UefiCpuPkg/OvmfPkg library
# instances), our compatibility layer (firmware/compat) and platform SMM
# core (firmware/core), linked into $(BUILD)/fw/smmhp-fw.elf at
# SMMHP_FW_IMAGE_BASE. docs/firmware-build.md explains the choices.
#
# Also $(BUILD)/fw/smmhp-fw-nosmm.elf: the boot path built with
# SMMHP_NO_SMM (OVMF without SMM_REQUIRE), no driver, no SMM core.
#
# Targets: firmware (fetches the tree first), firmware-syms (who provides
# every symbol the upstream objects need), firmware-clean.
# Variables: EDK2 (tree), BUILD, FW_CC, NASM, FW_CORE_DIR,
# SMMHP_DEBUG_PRINT_LEVEL, V=1.
#
# The file lists come from the tree's INF files, so the rules exist only
# when the tree does; `firmware` fetches it, then re-runs make to build.

# ARCH=IA32 builds the image for 32-bit SMM (OvmfPkgIa32: PiSmmCpuDxeSmm
# in 32-bit protected mode); X64 (default) is what OvmfPkgX64 and
# OvmfPkgIa32X64 run in SMM. Each architecture has its own directory.
ARCH       ?= X64
ifeq ($(filter X64 IA32,$(ARCH)),)
$(error ARCH=$(ARCH): unknown firmware architecture (X64 or IA32))
endif
FW_ARCH_SUFFIX := $(if $(filter IA32,$(ARCH)),-ia32)
FW_DIR     := $(BUILD)/fw$(FW_ARCH_SUFFIX)
FW_ELF     := $(FW_DIR)/smmhp-fw.elf
FW_MAP     := $(FW_DIR)/smmhp-fw.map
# The same sources built without SMM_REQUIRE (the matrix's "SMM off" axis).
FW_NOSMM_ELF := $(FW_DIR)/smmhp-fw-nosmm.elf
FW_NOSMM_MAP := $(FW_DIR)/smmhp-fw-nosmm.map
# Objects depend on the tree's headers: one object directory per tree.
FW_TREE_ID := $(shell printf '%s' '$(abspath $(EDK2))' | cksum | cut -d' ' -f1)
FW_OBJ     := $(FW_DIR)/obj-$(FW_TREE_ID)$(FW_ARCH_SUFFIX)
FW_CC      ?= $(CC)
# The platform SMM core and boot code (another directory, e.g. a stub
# providing smmhp_boot_entry, links the layer on its own).
FW_CORE_DIR ?= firmware/core
NASM       ?= nasm
FW_HAVE_TREE := $(wildcard $(EDK2)/OvmfPkg/CpuHotplugSmm/CpuHotplug.c)
# V=1 shows every command.
Q := $(if $(filter 1,$(V)),,@)

.PHONY: firmware firmware-elf firmware-syms firmware-clean fw-force

firmware: edk2
	+@$(MAKE) --no-print-directory firmware-elf

firmware-clean:
	rm -rf $(FW_DIR)

# --- flags -------------------------------------------------------------------
# edk2's GCC X64 recipe (tools_def GCC5 X64): ms_abi EFIAPI, which makes
# VA_LIST __builtin_ms_va_list; no red zone (SMIs and interrupts). Its IA32
# recipe (GCC5 IA32): -m32 -march=i586 -malign-double (UINT64 aligned to 8
# in structures, as the MSVC ABI the UEFI spec follows), cdecl EFIAPI from
# ProcessorBind.h. No SSE (SMM entry does not enable it); every firmware
# object alike.
FW_ARCH_CFLAGS_X64  := -mno-red-zone -mcmodel=small '-DEFIAPI=__attribute__((ms_abi))'
FW_ARCH_CFLAGS_IA32 := -m32 -march=i586 -malign-double
FW_EDK2_INC := MdePkg/Include MdePkg/Include/$(if $(filter IA32,$(ARCH)),Ia32,X64) UefiCpuPkg/Include \
               OvmfPkg/Include MdeModulePkg/Include OvmfPkg/CpuHotplugSmm
# edk2 also puts each package's root on the path (<Include/...> includes).
FW_EDK2_PKGS := MdePkg UefiCpuPkg OvmfPkg
FW_CFLAGS   := -O2 -g -ffreestanding -fno-stack-protector -fshort-wchar \
               -fno-pic -fno-pie -fno-strict-aliasing \
               -mno-mmx -mno-sse -fno-common \
               -fno-asynchronous-unwind-tables $(FW_ARCH_CFLAGS_$(ARCH)) \
               $(if $(SMMHP_DEBUG_PRINT_LEVEL),-DSMMHP_DEBUG_PRINT_LEVEL=$(SMMHP_DEBUG_PRINT_LEVEL)) \
               -include firmware/compat/AutoGen.h \
               $(if $(FW_HAVE_TREE),-include $(FW_OBJ)/gen/AutoGenGuids.h) \
               $(addprefix -I$(EDK2)/,$(FW_EDK2_INC)) -Iinclude -Ifirmware/compat \
               $(addprefix -I$(EDK2)/,$(FW_EDK2_PKGS))
# Upstream files: edk2's own warning set, never -Werror (not our code).
FW_UP_CFLAGS  := $(FW_CFLAGS) -Wall -Wno-array-bounds -Wno-address \
                 -Wno-unused-but-set-variable -Wno-maybe-uninitialized \
                 -Wno-stringop-overflow
# Does the tree's PlatformInitLib put the BSP into x2APIC mode above 255
# possible CPUs (2025.02 does, 2022.11 and 2020.11 do not)? The boot code
# follows the tree it is built for (firmware/core/cpu_count.c).
FW_X2APIC_ABOVE_255 := $(if $(shell grep -s -l 'MaxCpuCount > 255' $(EDK2)/OvmfPkg/Library/PlatformInitLib/Platform.c),1,0)
# MemEncryptSevClearPageEncMask lost its Flush argument after 2020.11.
FW_SEV_CLEAR_FLUSH := $(if $(shell grep -s -A5 '^MemEncryptSevClearPageEncMask' $(EDK2)/OvmfPkg/Include/Library/MemEncryptSevLib.h | grep Flush),1,0)
FW_OWN_CFLAGS := $(FW_CFLAGS) -std=c11 -Wall -Wextra -Werror \
                 -DSMMHP_PLATFORM_X2APIC_ABOVE_255=$(FW_X2APIC_ABOVE_255) \
                 -DSMMHP_SEV_CLEAR_TAKES_FLUSH=$(FW_SEV_CLEAR_FLUSH)
FW_NASMFLAGS  := $(if $(filter IA32,$(ARCH)),-f elf32 -DARCH_IA32,-f elf64 -DARCH_X64) -g -F dwarf '-DASM_PFX(x)=x' \
                 $(addprefix -I$(EDK2)/,$(addsuffix /,$(FW_EDK2_INC))) -Iinclude/
# Upstream NASM goes through the C preprocessor first, as edk2 does: it
# #includes C headers for constants and uses ASM_PFX()/PcdGet32() macros.
FW_NASM_PPFLAGS := -E -x assembler-with-cpp $(filter-out -O2 -g,$(FW_CFLAGS))

ifneq ($(FW_HAVE_TREE),)
# edk2 removed OvmfPkgIa32 in 2025-08 (1fb88ffe28): a later tree still
# builds here (the Ia32 library sources remain), but upstream no longer
# ships that platform; say so rather than pretend it does.
ifeq ($(ARCH)$(wildcard $(EDK2)/OvmfPkg/OvmfPkgIa32.dsc),IA32)
$(info firmware: note: $(EDK2) has no OvmfPkg/OvmfPkgIa32.dsc (OVMF IA32 was removed upstream); the IA32 image models a platform this tree no longer builds)
endif
# --- upstream sources, chosen by what the tree has ------------------------
fw_inf_srcs = $(addprefix $(dir $(1)),$(shell awk -v arch=$(ARCH) -f firmware/inf-sources.awk $(EDK2)/$(1)))
fw_first    = $(firstword $(foreach f,$(1),$(if $(wildcard $(EDK2)/$(f)),$(f))))

# The driver under test: every source its INF lists.
FW_MODULE_INF  := OvmfPkg/CpuHotplugSmm/CpuHotplugSmm.inf
FW_MODULE_SRCS := $(call fw_inf_srcs,$(FW_MODULE_INF)) \
                  $(if $(wildcard $(EDK2)/OvmfPkg/SmmControl2Dxe/SmiFeatures.c),OvmfPkg/SmmControl2Dxe/SmiFeatures.c)

# Library instances as OVMF's DSC binds them (X64, SMM_REQUIRE), archived
# so that only the members something references are linked. QemuFwCfgS3Lib
# is ours (firmware/compat/compat_fwcfg_s3.c): it records the S3 script.
FW_LIB_INFS := \
  MdePkg/Library/BaseLib/BaseLib.inf \
  MdePkg/Library/BaseMemoryLib/BaseMemoryLib.inf \
  MdePkg/Library/BaseSynchronizationLib/BaseSynchronizationLib.inf \
  MdePkg/Library/BaseSafeIntLib/BaseSafeIntLib.inf \
  MdePkg/Library/BasePrintLib/BasePrintLib.inf \
  MdePkg/Library/BaseCpuLib/BaseCpuLib.inf \
  $(call fw_first,MdePkg/Library/BaseIoLibIntrinsic/BaseIoLibIntrinsicSev.inf \
                  MdePkg/Library/BaseIoLibIntrinsic/BaseIoLibIntrinsic.inf) \
  $(call fw_first,MdePkg/Library/RegisterFilterLibNull/RegisterFilterLibNull.inf) \
  $(call fw_first,MdePkg/Library/CcProbeLibNull/CcProbeLibNull.inf) \
  $(call fw_first,MdePkg/Library/TdxLib/TdxLib.inf) \
  UefiCpuPkg/Library/BaseXApicX2ApicLib/BaseXApicX2ApicLib.inf \
  $(call fw_first,UefiCpuPkg/Library/BaseUefiCpuLib/BaseUefiCpuLib.inf) \
  $(call fw_first,MdePkg/Library/DxeHobLib/DxeHobLib.inf)
FW_LIB_INFS := $(strip $(FW_LIB_INFS))

# Single upstream files taken from larger library instances: SEV detection.
# 2022.11+ reads PcdConfidentialComputingGuestAttr (DxeMemEncryptSevLib),
# 2020.11 reads CPUID 0x8000001F and the SEV status MSR itself; a tree with
# neither gets compat/fallback/sev.c.
FW_EXTRA_SRCS := $(call fw_first,OvmfPkg/Library/BaseMemEncryptSevLib/DxeMemEncryptSevLibInternal.c \
                                 OvmfPkg/Library/BaseMemEncryptSevLib/MemEncryptSevLibInternal.c)
# IA32: the C-bit helpers of MemEncryptSevLib's Ia32 instance (all of them
# answer RETURN_UNSUPPORTED; compat_sev.c calls one where IoMmuDxe would).
ifeq ($(ARCH),IA32)
FW_EXTRA_SRCS += $(call fw_first,OvmfPkg/Library/BaseMemEncryptSevLib/Ia32/MemEncryptSevLib.c)
endif

fw_up_obj = $(patsubst %,$(FW_OBJ)/up/%.o,$(1))
# $(1): archive name, $(2): its upstream source files, $(3): its INF's
# directory, which edk2 puts on the include path of the module's files.
define fw_lib_rule
FW_LIB_OBJS_$(1) := $(call fw_up_obj,$(2))
$$(FW_LIB_OBJS_$(1)): FW_MOD_INC := $(if $(3),-I$(EDK2)/$(3))
$(FW_OBJ)/lib/$(1).a: $$(FW_LIB_OBJS_$(1))
	@mkdir -p $$(@D)
	@rm -f $$@
	@echo "  AR $$(@F)"
	$$(Q)$$(AR) rcs $$@ $$^
FW_LIBS += $(FW_OBJ)/lib/$(1).a
FW_UP_OBJS += $$(FW_LIB_OBJS_$(1))
endef
FW_LIBS :=
FW_UP_OBJS :=
$(foreach inf,$(FW_LIB_INFS),$(eval $(call fw_lib_rule,$(basename $(notdir $(inf))),$(call fw_inf_srcs,$(inf)),$(dir $(inf)))))
$(if $(FW_EXTRA_SRCS),$(eval $(call fw_lib_rule,UpstreamExtra,$(FW_EXTRA_SRCS))))

FW_MODULE_OBJS := $(call fw_up_obj,$(FW_MODULE_SRCS))
$(FW_MODULE_OBJS): FW_MOD_INC := -I$(EDK2)/$(dir $(FW_MODULE_INF))
FW_UP_OBJS     += $(FW_MODULE_OBJS)

# --- our code -----------------------------------------------------------------
FW_OWN_SRCS := $(wildcard firmware/compat/*.c) $(wildcard $(FW_CORE_DIR)/*.c) \
               $(wildcard $(FW_CORE_DIR)/*.nasm)
FW_OWN_OBJS := $(patsubst %,$(FW_OBJ)/own/%.o,$(FW_OWN_SRCS)) $(FW_OBJ)/gen/AutoGen.c.o
FW_FALLBACK_OBJS := $(patsubst %,$(FW_OBJ)/own/%.o,$(wildcard firmware/compat/fallback/*.c))
FW_FALLBACK_LIB  := $(FW_OBJ)/lib/compat-fallback.a

# GUID definitions and the caller identity, as edk2's AutoGen.c has them.
FW_GUID_INFS := $(FW_MODULE_INF) $(FW_LIB_INFS) \
                $(if $(wildcard $(EDK2)/OvmfPkg/SmmControl2Dxe/SmmControl2Dxe.inf),OvmfPkg/SmmControl2Dxe/SmmControl2Dxe.inf)
FW_DECS := $(wildcard $(addprefix $(EDK2)/,MdePkg/MdePkg.dec UefiCpuPkg/UefiCpuPkg.dec \
                                          OvmfPkg/OvmfPkg.dec MdeModulePkg/MdeModulePkg.dec))
$(FW_OBJ)/gen/AutoGen.c: firmware/gen-guids.awk $(addprefix $(EDK2)/,$(FW_GUID_INFS)) $(FW_DECS)
	@mkdir -p $(@D)
	@echo "  GEN $(@F)"
	$(Q)awk -f firmware/gen-guids.awk $(addprefix $(EDK2)/,$(FW_GUID_INFS)) $(FW_DECS) > $@.tmp
	@mv $@.tmp $@
$(FW_OBJ)/gen/AutoGenGuids.h: firmware/gen-guids.awk $(addprefix $(EDK2)/,$(FW_GUID_INFS)) $(FW_DECS)
	@mkdir -p $(@D)
	@echo "  GEN $(@F)"
	$(Q)awk -v mode=h -f firmware/gen-guids.awk $(addprefix $(EDK2)/,$(FW_GUID_INFS)) $(FW_DECS) > $@.tmp
	@mv $@.tmp $@

# --- compile ------------------------------------------------------------------
$(FW_OBJ)/up/%.c.o: $(EDK2)/%.c firmware/compat/AutoGen.h $(FW_OBJ)/gen/AutoGenGuids.h
	@mkdir -p $(@D)
	@echo "  CC [edk2] $*.c"
	$(Q)$(FW_CC) $(FW_UP_CFLAGS) -I$(dir $<) $(FW_MOD_INC) -MMD -MP -c $< -o $@
$(FW_OBJ)/up/%.nasm.o: $(EDK2)/%.nasm firmware/nasm-trim.awk firmware/compat/AutoGen.h $(FW_OBJ)/gen/AutoGenGuids.h
	@mkdir -p $(@D)
	@echo "  AS [edk2] $*.nasm"
	$(Q)$(FW_CC) $(FW_NASM_PPFLAGS) -I$(dir $<) $(FW_MOD_INC) -MMD -MP -MF $(@:.o=.d) -MT $@ $< -o $(@:.o=.ii)
	$(Q)awk -v main=$< -f firmware/nasm-trim.awk $(@:.o=.ii) > $(@:.o=.iii)
	$(Q)$(NASM) $(FW_NASMFLAGS) -I$(dir $<) $(FW_MOD_INC:%=%/) -o $@ $(@:.o=.iii)
$(FW_OBJ)/own/%.c.o: %.c firmware/compat/AutoGen.h $(FW_OBJ)/gen/AutoGenGuids.h
	@mkdir -p $(@D)
	@echo "  CC $*.c"
	$(Q)$(FW_CC) $(FW_OWN_CFLAGS) -MMD -MP -c $< -o $@
$(FW_OBJ)/own/%.nasm.o: %.nasm
	@mkdir -p $(@D)
	@echo "  AS $*.nasm"
	$(Q)$(NASM) $(FW_NASMFLAGS) -I$(dir $<) -MD $(@:.o=.d) -o $@ $<
$(FW_OBJ)/gen/AutoGen.c.o: $(FW_OBJ)/gen/AutoGen.c $(FW_OBJ)/gen/AutoGenGuids.h
	@echo "  CC [gen] AutoGen.c"
	$(Q)$(FW_CC) $(FW_OWN_CFLAGS) -c $< -o $@

$(FW_FALLBACK_LIB): $(FW_FALLBACK_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "  AR $(@F)"
	$(Q)$(AR) rcs $@ $^

# --- link ---------------------------------------------------------------------
FW_LDFLAGS := -nostdlib -static -no-pie $(if $(filter IA32,$(ARCH)),-m32)
# memmap.h numbers carry C suffixes (0x...u) that ld does not parse.
$(FW_OBJ)/fw.ld: firmware/fw.ld include/smmhp/memmap.h
	@mkdir -p $(@D)
	$(Q)$(FW_CC) -E -P -x c -Iinclude $< | sed -E 's/\b(0[xX][0-9a-fA-F]+|[0-9]+)[uU][lL]*\b/\1/g' > $@

# Relink when EDK2 points at another tree (its objects live elsewhere).
$(FW_DIR)/edk2-tree: fw-force
	@mkdir -p $(@D)
	@echo '$(abspath $(EDK2))' | cmp -s - $@ || echo '$(abspath $(EDK2))' > $@
fw-force:

# Upstream libraries first, our fallbacks last: an upstream definition wins.
$(FW_ELF): $(FW_MODULE_OBJS) $(FW_OWN_OBJS) $(FW_LIBS) $(FW_FALLBACK_LIB) $(FW_OBJ)/fw.ld $(FW_DIR)/edk2-tree
	@echo "  LD $@"
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-T,$(FW_OBJ)/fw.ld \
	  -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack \
	  -Wl,-Map,$(FW_MAP) -Wl,--cref -o $@ \
	  $(FW_MODULE_OBJS) $(FW_OWN_OBJS) \
	  -Wl,--start-group $(FW_LIBS) $(FW_FALLBACK_LIB) -Wl,--end-group
	@undef=$$(nm -u $@); if [ -n "$$undef" ]; then echo "$@: undefined symbols:"; echo "$$undef"; rm -f $@; exit 1; fi

# --- the no-SMM image ----------------------------------------------------------
# OVMF built without SMM_REQUIRE has no SmmAccess, SmmControl2Dxe,
# PiSmmCpuDxeSmm or CpuHotplugSmm: only the boot path's non-SMM files,
# compiled with SMMHP_NO_SMM (and PcdSmmSmramRequire FALSE), our layer,
# and the upstream libraries they call. No driver objects are linked.
FW_NOSMM_CORE := $(wildcard $(addprefix $(FW_CORE_DIR)/,boot.c boot_mp.c chipset.c cpu_count.c))
FW_NOSMM_OBJS := $(patsubst %,$(FW_OBJ)/nosmm/%.o,$(wildcard firmware/compat/*.c) $(FW_NOSMM_CORE)) \
                 $(FW_OBJ)/own/$(FW_CORE_DIR)/boot_entry.nasm.o $(FW_OBJ)/gen/AutoGen.c.o
$(FW_OBJ)/nosmm/%.c.o: %.c firmware/compat/AutoGen.h $(FW_OBJ)/gen/AutoGenGuids.h
	@mkdir -p $(@D)
	@echo "  CC [nosmm] $*.c"
	$(Q)$(FW_CC) $(FW_OWN_CFLAGS) -DSMMHP_NO_SMM -DSMMHP_SMM_REQUIRE=0 -MMD -MP -c $< -o $@

$(FW_NOSMM_ELF): $(FW_NOSMM_OBJS) $(FW_LIBS) $(FW_FALLBACK_LIB) $(FW_OBJ)/fw.ld $(FW_DIR)/edk2-tree
	@echo "  LD $@"
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-T,$(FW_OBJ)/fw.ld \
	  -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack \
	  -Wl,-Map,$(FW_NOSMM_MAP) -Wl,--cref -o $@ \
	  $(FW_NOSMM_OBJS) -Wl,--start-group $(FW_LIBS) $(FW_FALLBACK_LIB) -Wl,--end-group
	@undef=$$(nm -u $@); if [ -n "$$undef" ]; then echo "$@: undefined symbols:"; echo "$$undef"; rm -f $@; exit 1; fi

# A stub FW_CORE_DIR without boot.c links only the SMM image.
firmware-elf: $(FW_ELF) $(if $(filter %/boot.c,$(FW_NOSMM_CORE)),$(FW_NOSMM_ELF))

# Every symbol the linked upstream objects import, and which object
# provides it (from the link map's cross-reference table).
firmware-syms: firmware
	@sh firmware/fw-syms.sh $(FW_MAP) $(FW_ELF) $(FW_MODULE_OBJS)

-include $(shell find $(FW_OBJ) -name '*.d' 2>/dev/null)

else
firmware-elf firmware-syms $(FW_ELF) $(FW_NOSMM_ELF):
	@echo "firmware: no edk2 tree at EDK2=$(EDK2) (run 'make firmware' to fetch one, or set EDK2=/path)" >&2; exit 2
endif
