/* Architectural register file of one vCPU, as the save-state map and
 * RSM see it. Plain data: the engine glue converts to and from Unicorn. */
#ifndef SMMHP_CPU_REGS_H
#define SMMHP_CPU_REGS_H

#include <stdint.h>

struct seg_reg {
  uint16_t selector;
  uint16_t attr;     /* descriptor attributes, packed as the AMD64 map stores them */
  uint32_t limit;
  uint64_t base;
};

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

struct cpu_regs {
  uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags;
  uint64_t cr0, cr3, cr4, efer;
  uint64_t dr6, dr7;
  struct seg_reg seg[SEG_COUNT];
  struct seg_reg ldtr, tr;
  uint32_t gdtr_limit, idtr_limit;
  uint64_t gdtr_base, idtr_base;
};

#endif
