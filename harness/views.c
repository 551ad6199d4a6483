/* Memory views: the SMM engine always sees all RAM; the normal engine
 * sees black holes (reads all-ones, writes dropped) where SMRAM is closed
 * or locked, as q35's mch_update_smram arranges (docs/platform-model.md).
 * Changing a view means unmapping part of the shared RAM buffer and
 * mapping an MMIO hole in its place (measured: ~10 us per call). */
#include "run_internal.h"

#include <inttypes.h>
#include <string.h>

#include "sev.h"
#include "smmhp/memmap.h"

#define MAX_DROPPED_EVENTS 16

#define SEV_ALIAS (1ull << HARNESS_SEV_C_BIT)

struct hole { uint64_t base, size; };

static uint64_t hole_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
  (void)uc; (void)off; (void)opaque;
  return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void hole_write(struct machine *m, uint64_t base, uint64_t off, unsigned size)
{
  if (m->dropped_writes++ < MAX_DROPPED_EVENTS && m->cur)
    machine_event(m, "smram_write_dropped cpu=%d addr=0x%" PRIx64 " size=%u", m->cur->slot,
                  base + off, size);
}

static void tseg_hole_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *opaque)
{
  struct machine *m = opaque;
  (void)uc; (void)val;
  hole_write(m, m->hole_tseg_base, off, size);
}

static void window_hole_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *opaque)
{
  struct machine *m = opaque;
  (void)uc; (void)val;
  hole_write(m, SMMHP_DEFAULT_SMBASE, off, size);
}

int views_init(struct machine *m)
{
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    if (uc_mem_map_ptr(m->uc[vw], 0, m->ram_size, UC_PROT_ALL, m->ram) ||
        lapic_map(m, vw))
      return -1;
  }
  /* SEV: SMM page tables carry the C-bit (PiSmmCpuDxeSmm ORs
   * PcdPteMemoryEncryptionAddressOrMask into every entry) and the CPU
   * strips it: the C-bit alias is the same RAM; stores through it are
   * private (sev.c, docs/sev-model.md). Only the SMM engine has it
   * (docs/sev-model.md, "Not modelled"). */
  for (int vw = 0; m->cfg.sev && vw < VIEW_COUNT; vw++)
    if (uc_mem_map_ptr(m->uc[vw], SEV_ALIAS, m->ram_size, UC_PROT_ALL, m->ram) ||
        sev_hook_alias(m, m->uc[vw], SEV_ALIAS))
      return -1;
  m->view_tseg_hidden = m->view_window_hidden = false;
  return 0;
}

static void set_hole(struct machine *m, uint64_t base, uint64_t size, bool hidden, uc_cb_mmio_write_t wr)
{
  uc_engine *uc = m->uc[VIEW_NORMAL];

  /* the C-bit alias (SEV) has the same holes */
  for (int alias = 0; alias <= (m->cfg.sev ? 1 : 0); alias++) {
    uint64_t at = base + (alias ? SEV_ALIAS : 0);
    uc_mem_unmap(uc, at, size);
    if (hidden)
      uc_mmio_map(uc, at, size, hole_read, m, wr, m);
    else
      uc_mem_map_ptr(uc, at, size, UC_PROT_ALL, m->ram + base);
  }
}

void views_apply(struct machine *m)
{
  const struct chipset_views *cv = chipset_views(&m->chipset);
  bool tseg = cv->tseg_closed && cv->tseg_size;
  bool window = cv->smbase_locked;

  if (m->view_tseg_hidden && (!tseg || cv->tseg_base != m->hole_tseg_base)) {
    set_hole(m, m->hole_tseg_base, m->hole_tseg_size, false, NULL);
    m->view_tseg_hidden = false;
  }
  if (tseg && !m->view_tseg_hidden) {
    m->hole_tseg_base = cv->tseg_base;
    m->hole_tseg_size = cv->tseg_size;
    set_hole(m, cv->tseg_base, cv->tseg_size, true, tseg_hole_write);
    m->view_tseg_hidden = true;
    machine_event(m, "view_change tseg=closed base=0x%x size=0x%x", cv->tseg_base, cv->tseg_size);
  }
  if (window != m->view_window_hidden) {
    set_hole(m, SMMHP_DEFAULT_SMBASE, SMMHP_DEFAULT_SMRAM_END - SMMHP_DEFAULT_SMBASE, window,
             window_hole_write);
    m->view_window_hidden = window;
    machine_event(m, "view_change default_smbase_window=%s", window ? "locked" : "ram");
  }
}

bool tseg_closed(struct machine *m)
{
  const struct chipset_views *cv = chipset_views(&m->chipset);
  return cv->tseg_closed && cv->tseg_size;
}

bool smram_window_locked(struct machine *m)
{
  return chipset_views(&m->chipset)->smbase_locked;
}

bool addr_in_smram(struct machine *m, uint64_t addr)
{
  const struct chipset_views *cv = chipset_views(&m->chipset);
  if (cv->tseg_closed && addr >= cv->tseg_base && addr - cv->tseg_base < cv->tseg_size)
    return true;
  return cv->smbase_locked && addr >= SMMHP_DEFAULT_SMBASE && addr < SMMHP_DEFAULT_SMRAM_END;
}
