/* Find the instructions the harness must intercept in a block of guest
 * code: Unicorn 2.0.1 cannot hook RDMSR/WRMSR/CPUID reliably, so each one
 * gets an exact-address code hook before its block is translated. */
#ifndef SMMHP_INSN_SCAN_H
#define SMMHP_INSN_SCAN_H

#include <stddef.h>
#include <stdint.h>

enum special_kind {
  SP_CPUID = 1, SP_RDMSR, SP_WRMSR, SP_RDTSC, SP_PAUSE, SP_HLT,
  SP_AFTER_IO, /* the instruction following an IN/OUT: a precise stop point */
  SP_RSM,      /* handled by the harness before the engine sees it */
};

struct special { uint64_t addr; enum special_kind kind; };

struct scan_result {
  unsigned ninsn;
  unsigned nspecial;
  struct special sp[64];
};

/* mode: 16, 32 or 64. Disassembles exactly [addr, addr+len). */
int insn_scan_block(const uint8_t *code, size_t len, uint64_t addr, int mode, struct scan_result *out);
/* Text of the instruction at addr, e.g. "pause" or "cmp byte ptr [rax], 0". */
int insn_disasm_one(const uint8_t *code, size_t len, uint64_t addr, int mode, char *buf, size_t buflen, unsigned *insn_len);
/* Count instructions in [addr, stop) of a block starting at addr. */
unsigned insn_count_until(const uint8_t *code, size_t len, uint64_t addr, uint64_t stop, int mode);

#endif
