# OS actor: freestanding guest code for the OS vCPUs (docs/os-actor.md).
# Included by the top-level Makefile; `make os` builds $(BUILD)/os/smmhp-os.elf.

OS_DIR      := firmware/os
# ARCH=IA32 firmware starts a 32-bit OS (protected mode, flat), as a
# 32-bit OS boots on OVMF IA32: the same C, -m32, its own directory.
OS_OUT      := $(BUILD)/os$(FW_ARCH_SUFFIX)
OS_ARCH_FLAGS := $(if $(filter IA32,$(ARCH)),-m32 -march=i586,-mno-red-zone)
OS_ELF      := $(OS_OUT)/smmhp-os.elf
OS_CC       ?= $(CC)
OS_NASM     ?= nasm
# No SSE: the boot code does not promise CR4.OSFXSR. No builtin memcpy
# calls: nothing provides them.
OS_CFLAGS   := -std=c11 -Wall -Wextra -Werror -O2 -g \
               -ffreestanding -fno-pic -fno-pie $(OS_ARCH_FLAGS) -fno-stack-protector \
               -mgeneral-regs-only -fno-tree-loop-distribute-patterns \
               -fno-asynchronous-unwind-tables -fno-common -Iinclude
OS_LDFLAGS  := -nostdlib -static -no-pie $(if $(filter IA32,$(ARCH)),-m32) -Wl,-T,$(OS_DIR)/os.ld -Wl,--build-id=none
OS_NASMFLAGS := $(if $(filter IA32,$(ARCH)),-f elf32 -DARCH_IA32,-f elf64) -g -F dwarf

OS_C_SRCS   := $(wildcard $(OS_DIR)/*.c)
OS_ASM_SRCS := $(wildcard $(OS_DIR)/*.nasm)
OS_OBJS     := $(patsubst $(OS_DIR)/%.c,$(OS_OUT)/%.o,$(OS_C_SRCS)) \
               $(patsubst $(OS_DIR)/%.nasm,$(OS_OUT)/%.nasm.o,$(OS_ASM_SRCS))

.PHONY: os
os: $(OS_ELF)
	@:
# The OS actor is guest code too: build it with the firmware.
firmware: os

$(OS_OUT)/%.o: $(OS_DIR)/%.c
	@mkdir -p $(dir $@)
	$(OS_CC) $(OS_CFLAGS) -MMD -MP -c $< -o $@

$(OS_OUT)/%.nasm.o: $(OS_DIR)/%.nasm
	@mkdir -p $(dir $@)
	$(OS_NASM) $(OS_NASMFLAGS) -MD $(@:.o=.d) $< -o $@

$(OS_ELF): $(OS_OBJS) $(OS_DIR)/os.ld
	$(OS_CC) $(OS_LDFLAGS) -o $@ $(OS_OBJS)

-include $(wildcard $(OS_OUT)/*.d)
