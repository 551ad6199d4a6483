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

#include <stdlib.h>
#include <string.h>

#define EFER_MSR 0xC0000080u
#define DESC_B (1u << 22)
#define DESC_L (1u << 21)
#define CAL_SEL 0x1234u

static long cs_cache_off = -1; /* offset of the CS SegmentCache in a uc_context */
static size_t ctx_alloc_size;

int cpu_mode_calibrate(void)
{
  uc_engine *u;
  uc_context *c;
  uint16_t cs = CAL_SEL;

  if (cs_cache_off >= 0)
    return 0;
  if (uc_open(UC_ARCH_X86, UC_MODE_16, &u) != UC_ERR_OK)
    return -1;
  uc_reg_write(u, UC_X86_REG_CS, &cs);
  if (uc_context_alloc(u, &c) != UC_ERR_OK) {
    uc_close(u);
    return -1;
  }
  uc_context_save(u, c);
  ctx_alloc_size = uc_context_size(u);
  const uint8_t *p = (const uint8_t *)c;
  for (size_t i = 0; i + 24 <= ctx_alloc_size; i += 4) {
    uint32_t sel;
    uint64_t base;
    memcpy(&sel, p + i, 4);
    memcpy(&base, p + i + 8, 8);
    if (sel == CAL_SEL && base == (uint64_t)CAL_SEL << 4) {
      cs_cache_off = (long)i;
      break;
    }
  }
  uc_context_free(c);
  uc_close(u);
  return cs_cache_off >= 0 ? 0 : -1;
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

  if (cs_cache_off < 0 && cpu_mode_calibrate())
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
