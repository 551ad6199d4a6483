#include "hotplug_ops.h"

#include "run_internal.h"

enum hp_result machine_device_add(struct machine *m, unsigned slot)
{
  if (!smi_features_device_add_allowed(&m->smif)) /* emits device_add_refused */
    return HP_REFUSED;
  if (machine_cpu_plug(m, slot, true)) {
    machine_event(m, "device_add_failed slot=%u reason=slot_in_use", slot);
    return HP_SLOT_IN_USE;
  }
  machine_event(m, "device_add slot=%u apic=%u", slot, m->cpu[slot].apic_id);
  return HP_DONE;
}

enum hp_result machine_device_del(struct machine *m, unsigned slot)
{
  if (!smi_features_device_del_allowed(&m->smif)) /* emits device_del_refused */
    return HP_REFUSED;
  if (!cpuhp_unplug_request(&m->cpuhp, slot)) /* legacy mode: emits the refusal */
    return HP_REFUSED;
  machine_event(m, "device_del slot=%u", slot);
  return HP_DONE;
}

void machine_defer_device_add(struct machine *m, unsigned slot)
{
  m->deferred_slot = slot;
  m->deferred_countdown = 1 + (unsigned)(machine_rng(m) % DEFER_WINDOW);
  machine_event(m, "device_add_deferred slot=%u", slot);
}

static void fire(struct machine *m, const char *when)
{
  char at[96] = "-";
  unsigned slot = m->deferred_slot;
  struct vcpu *v = m->last_slice_cpu;

  m->deferred_countdown = 0;
  if (v && v->state != VCPU_ABSENT) {
    /* where the last vCPU stopped: the window the event landed in */
    uc_engine *uc = m->uc[v->in_smm ? VIEW_SMM : VIEW_NORMAL];
    uint64_t rip = 0;
    uc_context_restore(uc, v->ctx);
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    machine_symbolize(m, vcpu_mode(m, v, uc).cs_base + rip, at, sizeof at);
  }
  machine_event(m, "deferred_fire slot=%u when=%s after_cpu=%d at=%s", slot, when,
                m->last_slice_cpu ? m->last_slice_cpu->slot : -1, at);
  if (machine_device_add(m, slot) == HP_REFUSED)
    m->refused = true;
}

void machine_deferred_tick(struct machine *m)
{
  if (m->deferred_countdown && --m->deferred_countdown == 0)
    fire(m, "scheduled");
}

void machine_deferred_flush(struct machine *m)
{
  if (m->deferred_countdown)
    fire(m, "step_end");
}
