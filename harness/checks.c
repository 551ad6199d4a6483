/* Evaluates the invariants of invariants.h on the live machine and turns
 * each violation into an event (`violation kind=... cpu=...`). */
#include "run_internal.h"

#include <inttypes.h>
#include <string.h>

#include "invariants.h"
#include "smmhp/memmap.h"

#define MAX_VIOLATION_EVENTS 32

static struct inv_smram smram_state(struct machine *m)
{
  const struct chipset_views *cv = chipset_views(&m->chipset);
  /* the enabled TSEG, or while it is open the TSEG this machine's RAM
   * ends in (memory-map.md): the boot and S3 relocations run before TSEG
   * closes, and with an extended TSEG it is larger than 8 MiB */
  struct inv_smram s = {
    .tseg_base = SMMHP_TSEG_BASE, .tseg_size = m->ram_size - SMMHP_TSEG_BASE,
    .tseg_closed = cv->tseg_closed && cv->tseg_size,
    .window_locked = cv->smbase_locked,
  };
  if (cv->tseg_size) {
    s.tseg_base = cv->tseg_base;
    s.tseg_size = cv->tseg_size;
  }
  return s;
}

static void violation(struct machine *m, struct vcpu *v, enum inv_kind k, uint64_t addr)
{
  char sym[96];

  m->violation = true;
  if (m->violations++ >= MAX_VIOLATION_EVENTS)
    return;
  machine_symbolize(m, addr, sym, sizeof sym);
  machine_event(m, "violation kind=%s cpu=%d addr=0x%" PRIx64 " at=%s", inv_name(k),
                v ? v->slot : -1, addr, sym);
}

void check_smm_fetch(struct machine *m, struct vcpu *v, uint64_t addr, uint32_t size)
{
  struct inv_smram s = smram_state(m);
  enum inv_kind k = inv_smm_fetch(&s, addr, size);

  if (k == INV_OK)
    k = inv_smm_fetch_os_bytes(m->os_written, m->ram_size, addr, size);
  if (k != INV_OK && !(v->last_violation_addr == addr)) {
    v->last_violation_addr = addr;
    violation(m, v, k, addr);
  }
}

void check_smram_write(struct machine *m, struct vcpu *v, uint64_t addr, unsigned size)
{
  struct inv_smram s = smram_state(m);

  /* stores into a hole of the current view are dropped, not violations */
  s.tseg_closed = s.tseg_closed && !m->view_tseg_hidden;
  s.window_locked = s.window_locked && !m->view_window_hidden;
  if (inv_store_outside_smm(&s, addr, size) != INV_OK)
    violation(m, v, INV_SMRAM_WRITTEN_OUTSIDE_SMM, addr);
}

static bool firmware_handler_at(struct machine *m, uint64_t entry)
{
  const struct elfsym *a = m->fw_loaded ? elfimage_find(&m->fw, "smmhp_smi_stub") : NULL;
  const struct elfsym *b = m->fw_loaded ? elfimage_find(&m->fw, "smmhp_smi_stub_gdtr") : NULL;

  if (!a || !b || b->addr <= a->addr || entry + (b->addr - a->addr) > m->ram_size)
    return false;
  const uint8_t *tmpl = elfimage_bytes(&m->fw, a->addr, b->addr - a->addr);
  return tmpl && !memcmp(m->ram + entry, tmpl, b->addr - a->addr);
}

/* At RSM: the new SMBASE must lie in TSEG and be nobody else's. Whether
 * a firmware handler sits there matters when the CPU next takes an SMI
 * (boot-time relocation runs before the tiles are filled). */
void check_relocation(struct machine *m, struct vcpu *v)
{
  struct inv_smram s = smram_state(m);
  if (inv_relocated_smbase(&s, v->smbase, true) != INV_OK)
    violation(m, v, INV_SMBASE_OUTSIDE_TSEG, v->smbase);

  uint64_t smbase[MACHINE_MAX_CPUS];
  bool reloc[MACHINE_MAX_CPUS];
  size_t i, j;
  for (i = 0; i < m->ncpus; i++) {
    smbase[i] = m->cpu[i].smbase;
    reloc[i] = m->cpu[i].relocated && m->cpu[i].state != VCPU_ABSENT;
  }
  /* every other pair was checked when its later CPU was relocated */
  if (inv_smbase_unique_for(smbase, reloc, m->ncpus, (size_t)v->slot, &i, &j) != INV_OK) {
    m->violation = true;
    machine_event(m, "violation kind=smbase_shared cpu=%zu other=%zu smbase=0x%" PRIx64, i, j, smbase[i]);
  }
}

void check_smm_entry(struct machine *m, struct vcpu *v)
{
  if (!v->relocated)
    return;
  struct inv_smram s = smram_state(m);
  enum inv_kind k = inv_relocated_smbase(&s, v->smbase,
                                         firmware_handler_at(m, (uint64_t)v->smbase + SMMHP_SMM_HANDLER_OFFSET));
  if (k != INV_OK)
    violation(m, v, k, v->smbase);
}
