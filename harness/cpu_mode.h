#ifndef SMMHP_CPU_MODE_H
#define SMMHP_CPU_MODE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct cpu_mode {
  int bits;          /* 16, 32 or 64: operand size of the code segment */
  bool real;         /* CR0.PE clear */
  uint16_t cs_sel;
  uint64_t cs_base;  /* linear = cs_base + RIP */
};

enum cpu_seg { CPU_SEG_ES, CPU_SEG_CS, CPU_SEG_SS, CPU_SEG_DS, CPU_SEG_N };

/* Find where Unicorn keeps the segment descriptor caches in a saved
 * context; 0, or -1 if this Unicorn is not the one the harness knows. */
int cpu_mode_calibrate(void);
/* Byte offset of segment s's cache (selector; base at +8; flags at +20)
 * in a uc_context, or -1 if calibration failed. */
long cpu_mode_seg_cache_offset(enum cpu_seg s);
/* Mode of the context currently loaded in uc. */
struct cpu_mode cpu_mode_read(uc_engine *uc, const uint8_t *ram);
/* Value in uc of a general register as capstone names it (an X86_REG_*
 * of an address operand: 64-, 32- or 16-bit); 0 for any other. */
uint64_t cpu_reg_by_capstone(uc_engine *uc, unsigned cs_reg);

#endif
