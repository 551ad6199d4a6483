/* Decode a vCPU's current code-segment mode and base from the engine.
 *
 * Unicorn 2.0.1's API exposes no segment bases or descriptor flags, and
 * the GDT cannot be trusted for them (the hidden descriptor cache keeps
 * what was loaded, whatever the GDT says now). The cache lives in the
 * saved CPU context, at an offset found once by calibration: load a known
 * real-mode CS in a 16-bit engine, save, and look for selector and base
 * (docs/harness.md, "Real mode in a 64-bit engine").
 */
#include "cpu_mode.h"

#include <capstone/capstone.h>

#include <stdlib.h>
#include <string.h>

#define EFER_MSR 0xC0000080u
#define DESC_B (1u << 22)
#define DESC_L (1u << 21)

/* offsets of the ES, CS, SS, DS SegmentCaches in a uc_context */
static long seg_cache_off[CPU_SEG_N] = { -1, -1, -1, -1 };

/* Load distinct real-mode selectors in a 16-bit engine, save, and look
 * for each (selector, selector << 4) pair. */
int cpu_mode_calibrate(void)
{
  static const int ucr[CPU_SEG_N] = { UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS };
  static const uint16_t sel[CPU_SEG_N] = { 0x1111, 0x2222, 0x3333, 0x4444 };
  uc_engine *u;
  uc_context *c;

  if (seg_cache_off[CPU_SEG_N - 1] >= 0)
    return 0;
  if (uc_open(UC_ARCH_X86, UC_MODE_16, &u) != UC_ERR_OK)
    return -1;
  for (int s = 0; s < CPU_SEG_N; s++)
    uc_reg_write(u, ucr[s], &sel[s]);
  if (uc_context_alloc(u, &c) != UC_ERR_OK) {
    uc_close(u);
    return -1;
  }
  uc_context_save(u, c);
  size_t size = uc_context_size(u);
  const uint8_t *p = (const uint8_t *)c;
  long found[CPU_SEG_N] = { -1, -1, -1, -1 };
  for (size_t i = 0; i + 24 <= size; i += 4) {
    uint32_t v;
    uint64_t base;
    memcpy(&v, p + i, 4);
    memcpy(&base, p + i + 8, 8);
    for (int s = 0; s < CPU_SEG_N; s++)
      if (found[s] < 0 && v == sel[s] && base == (uint64_t)sel[s] << 4)
        found[s] = (long)i;
  }
  uc_context_free(c);
  uc_close(u);
  for (int s = 0; s < CPU_SEG_N; s++)
    if (found[s] < 0)
      return -1;
  /* all or none: a set DS slot means the table is complete */
  for (int s = 0; s < CPU_SEG_N; s++)
    seg_cache_off[s] = found[s];
  return 0;
}

long cpu_mode_seg_cache_offset(enum cpu_seg s)
{
  if (cpu_mode_calibrate())
    return -1;
  return seg_cache_off[s];
}

struct cpu_mode cpu_mode_read(uc_engine *uc, const uint8_t *ram)
{
  static uc_context *scratch;
  struct cpu_mode cm = { .bits = 64, .cs_base = 0 };
  uint64_t cr0 = 0, cs = 0;
  uc_x86_msr efer = { .rid = EFER_MSR };
  uint64_t base = 0;
  uint32_t flags = 0;
  (void)ram;

  long cs_cache_off = cpu_mode_seg_cache_offset(CPU_SEG_CS);
  if (cs_cache_off < 0)
    abort(); /* the engine's context layout is not what this harness knows */
  if (!scratch && uc_context_alloc(uc, &scratch) != UC_ERR_OK)
    abort();
  uc_context_save(uc, scratch);
  memcpy(&base, (const uint8_t *)scratch + cs_cache_off + 8, 8);
  memcpy(&flags, (const uint8_t *)scratch + cs_cache_off + 20, 4);
  uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
  uc_reg_read(uc, UC_X86_REG_CS, &cs);
  uc_reg_read(uc, UC_X86_REG_MSR, &efer);
  cm.cs_sel = (uint16_t)cs;
  cm.cs_base = base;
  cm.real = !(cr0 & 1);
  if (cm.real)
    cm.bits = 16;
  else if ((efer.value & (1u << 10)) && (flags & DESC_L))
    cm.bits = 64;
  else if (cs == 0 && (efer.value & (1u << 10)))
    cm.bits = 64; /* Unicorn's initial flat 64-bit state */
  else
    cm.bits = (flags & DESC_B) ? 32 : 16;
  if (cm.bits == 64)
    cm.cs_base = 0;
  return cm;
}

/* General registers capstone names in address operands, read from uc. */
static const int cs_to_uc[][2] = {
  { X86_REG_RAX, UC_X86_REG_RAX }, { X86_REG_RBX, UC_X86_REG_RBX }, { X86_REG_RCX, UC_X86_REG_RCX },
  { X86_REG_RDX, UC_X86_REG_RDX }, { X86_REG_RSI, UC_X86_REG_RSI }, { X86_REG_RDI, UC_X86_REG_RDI },
  { X86_REG_RBP, UC_X86_REG_RBP }, { X86_REG_RSP, UC_X86_REG_RSP }, { X86_REG_R8, UC_X86_REG_R8 },
  { X86_REG_R9, UC_X86_REG_R9 }, { X86_REG_R10, UC_X86_REG_R10 }, { X86_REG_R11, UC_X86_REG_R11 },
  { X86_REG_R12, UC_X86_REG_R12 }, { X86_REG_R13, UC_X86_REG_R13 }, { X86_REG_R14, UC_X86_REG_R14 },
  { X86_REG_R15, UC_X86_REG_R15 }, { X86_REG_EAX, UC_X86_REG_EAX }, { X86_REG_EBX, UC_X86_REG_EBX },
  { X86_REG_ECX, UC_X86_REG_ECX }, { X86_REG_EDX, UC_X86_REG_EDX }, { X86_REG_ESI, UC_X86_REG_ESI },
  { X86_REG_EDI, UC_X86_REG_EDI }, { X86_REG_EBP, UC_X86_REG_EBP }, { X86_REG_ESP, UC_X86_REG_ESP },
  { X86_REG_BX, UC_X86_REG_BX }, { X86_REG_SI, UC_X86_REG_SI },
  { X86_REG_DI, UC_X86_REG_DI }, { X86_REG_BP, UC_X86_REG_BP },
};

uint64_t cpu_reg_by_capstone(uc_engine *uc, unsigned cs_reg)
{
  for (size_t i = 0; i < sizeof cs_to_uc / sizeof cs_to_uc[0]; i++) {
    if ((unsigned)cs_to_uc[i][0] == cs_reg) {
      uint64_t v = 0;
      uc_reg_read(uc, cs_to_uc[i][1], &v);
      return v;
    }
  }
  return 0;
}
